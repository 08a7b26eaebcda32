//! Live checks and inspection for step 2.

use super::keys::*;
use super::{describe_cluster, subnet_b_retired};
use crate::aws::CallExt;
use crate::aws::Required;
use crate::error::Result;
use crate::model::Fix;
use crate::session::Session;
use crate::steps::net::{
    default_route_target, describe_igw, describe_route_table, describe_routes, describe_subnet,
    describe_vpc, name_tag,
};
use crate::steps::{Check, Resource, StepCx, StepId};
use aws_sdk_ec2::types::{RouteState, VpcAttributeName, VpcState};

const APPLY: Fix = Fix::Apply(StepId::ClusterVpc);

#[expect(
    clippy::too_many_lines,
    reason = "a hand-written resource life cycle or check list; split by the resource kit (issue 12)"
)]
pub(super) async fn validate(cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
    let aws = cx.aws;
    let i = &cx.inputs.cluster_vpc;
    let out = |k| s.output(k);
    let mut c = Vec::new();

    let cluster = describe_cluster(aws, &i.cluster_name).await?;
    c.push(Check::expect(
        "ECS cluster is active",
        cluster.is_some(),
        cluster.as_ref().and_then(|c| c.cluster_arn()).map_or(
            format!("no active cluster named {}", i.cluster_name),
            str::to_string,
        ),
        APPLY,
    ));

    let vpc = match out(VPC) {
        Some(id) => describe_vpc(aws, id).await?,
        None => None,
    };
    let Some(vpc) = vpc else {
        c.push(Check::fail(
            "VPC exists",
            out(VPC).map_or("not created yet".into(), |id| format!("{id} not found")),
            "apply cluster-vpc again (if it was deleted outside gatewalk, later steps must be applied again too)",
        ));
        return Ok(c);
    };
    let vpc_id = vpc.vpc_id().required("ec2", "DescribeVpcs", "VpcId")?;
    c.push(match vpc.state() {
        Some(VpcState::Available) => Check::pass("VPC is available", vpc_id.clone()),
        other => Check::pending(
            "VPC is available",
            format!(
                "{vpc_id} is {:?}",
                other.map(aws_sdk_ec2::types::VpcState::as_str)
            ),
        ),
    });
    c.push(Check::expect(
        "VPC block matches inputs",
        vpc.cidr_block() == Some(i.vpc_cidr.as_str()),
        vpc.cidr_block().unwrap_or("?").to_string(),
        format!(
            "the VPC's block cannot change; set cluster-vpc.vpc_cidr={}",
            vpc.cidr_block().unwrap_or("?")
        ),
    ));
    let dns = aws
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&vpc_id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .ctx("ec2", "DescribeVpcAttribute")?;
    let dns_on = dns
        .enable_dns_hostnames()
        .and_then(aws_sdk_ec2::types::AttributeBooleanValue::value)
        == Some(true);
    c.push(if dns_on {
        Check::pass("VPC DNS hostnames enabled", "enabled")
    } else {
        Check::warn(
            "VPC DNS hostnames enabled",
            "disabled",
            format!("aws ec2 modify-vpc-attribute --vpc-id {vpc_id} --enable-dns-hostnames (needed for VPC endpoints)"),
        )
    });

    let igw = match out(IGW) {
        Some(id) => describe_igw(aws, id).await?,
        None => None,
    };
    let igw_id = igw
        .as_ref()
        .and_then(|g| g.internet_gateway_id())
        .unwrap_or_default()
        .to_string();
    let attached = igw.as_ref().is_some_and(|g| {
        g.attachments().iter().any(|a| {
            a.vpc_id() == Some(vpc_id.as_str())
                && a.state()
                    .is_some_and(|s| matches!(s.as_str(), "available" | "attached"))
        })
    });
    c.push(Check::expect(
        "internet gateway attached to the VPC",
        attached,
        if igw.is_none() {
            "no internet gateway".into()
        } else if attached {
            igw_id.clone()
        } else {
            format!("{igw_id} is not attached to {vpc_id}")
        },
        APPLY,
    ));

    let mut azs = Vec::new();
    for (label, key, cidr, az_key) in [
        ("public subnet A", SUBNET_A, &i.public_subnet_a_cidr, AZ_A),
        ("public subnet B", SUBNET_B, &i.public_subnet_b_cidr, AZ_B),
    ] {
        if key == SUBNET_B && subnet_b_retired(s) {
            c.push(Check::pass(
                format!("{label} replaced by the private subnet"),
                "deleted in step 3, as the walkthrough does",
            ));
            // Sessions from before zones were recorded: unknown, judged below.
            azs.push(out(AZ_B).map(str::to_owned).unwrap_or_default());
            continue;
        }
        let sn = match out(key) {
            Some(id) => describe_subnet(aws, id).await?,
            None => None,
        };
        let Some(sn) = sn else {
            c.push(Check::fail(
                format!("{label} exists"),
                out(key).map_or("not created yet".into(), |id| format!("{id} not found")),
                APPLY,
            ));
            continue;
        };
        let id = &sn
            .subnet_id()
            .required("ec2", "DescribeSubnets", "SubnetId")?;
        let ok = sn.vpc_id() == Some(vpc_id.as_str()) && sn.cidr_block() == Some(cidr.as_str());
        c.push(Check::expect(
            format!("{label} exists"),
            ok,
            format!(
                "{id} {} in {}",
                sn.cidr_block().unwrap_or("?"),
                sn.availability_zone().unwrap_or("?")
            ),
            format!("expected {cidr} in {vpc_id}; apply cluster-vpc again"),
        ));
        let expected_az = out(az_key).unwrap_or_default();
        if !expected_az.is_empty() && sn.availability_zone() != Some(expected_az) {
            c.push(Check::warn(
                format!("{label} zone"),
                sn.availability_zone().unwrap_or("?").to_string(),
                format!("gatewalk expected {expected_az}"),
            ));
        }
        azs.push(
            sn.availability_zone()
                .required("ec2", "DescribeSubnets", "AvailabilityZone")?,
        );
        c.push(if sn.map_public_ip_on_launch() == Some(true) {
            Check::pass(
                format!("{label} gives public IPs"),
                "MapPublicIpOnLaunch=true",
            )
        } else {
            Check::warn(
                format!("{label} gives public IPs"),
                "MapPublicIpOnLaunch=false",
                "public subnets usually map public IPs; the NAT gateway works either way",
            )
        });
    }
    if azs.len() == 2 {
        c.push(Check::expect(
            "public subnets in two Availability Zones",
            !azs[0].is_empty() && azs[0] != azs[1],
            azs.join(", "),
            "create the subnets in two different zones (cluster-vpc.availability_zones)",
        ));
    }

    let rt = match out(ROUTE_TABLE) {
        Some(id) => describe_route_table(aws, id).await?,
        None => None,
    };
    let Some(rt) = rt else {
        c.push(Check::fail("public route table exists", "not found", APPLY));
        return Ok(c);
    };
    let rt_id = &rt
        .route_table_id()
        .required("ec2", "DescribeRouteTables", "RouteTableId")?;
    let target = default_route_target(&rt);
    let active = rt.routes().iter().any(|r| {
        r.destination_cidr_block() == Some("0.0.0.0/0") && r.state() != Some(&RouteState::Blackhole)
    });
    c.push(Check::expect(
        "public route table sends 0.0.0.0/0 to the internet gateway",
        !igw_id.is_empty() && target.as_deref() == Some(igw_id.as_str()) && active,
        format!("{rt_id}: {}", describe_routes(&rt)),
        format!("aws ec2 create-route --route-table-id {rt_id} --destination-cidr-block 0.0.0.0/0 --gateway-id {igw_id}"),
    ));
    for key in [SUBNET_A, SUBNET_B] {
        if key == SUBNET_B && subnet_b_retired(s) {
            continue;
        }
        if let Some(sn) = out(key) {
            let assoc = rt.associations().iter().any(|a| a.subnet_id() == Some(sn));
            c.push(Check::expect(
                format!("{sn} uses the public route table"),
                assoc,
                if assoc {
                    rt_id.clone()
                } else {
                    "not associated".into()
                },
                format!("aws ec2 associate-route-table --route-table-id {rt_id} --subnet-id {sn}"),
            ));
        }
    }
    Ok(c)
}

pub(super) async fn inspect(cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
    let aws = cx.aws;
    let i = &cx.inputs.cluster_vpc;
    let out = |k| s.output(k);
    let mut v = Vec::new();
    match describe_cluster(aws, &i.cluster_name).await? {
        Some(cl) => v.push(Resource {
            kind: "ECS cluster".into(),
            id: cl
                .cluster_arn()
                .required("ecs", "DescribeClusters", "clusterArn")?,
            state: cl.status().unwrap_or_default().to_lowercase(),
            attributes: vec![
                ("name".into(), i.cluster_name.clone()),
                ("services".into(), cl.active_services_count().to_string()),
                ("running tasks".into(), cl.running_tasks_count().to_string()),
                (
                    "created by".into(),
                    if out(CLUSTER_CREATED) == Some("false") {
                        "you".into()
                    } else {
                        "gatewalk".into()
                    },
                ),
            ],
            console_url: aws.console_url(&format!(
                "ecs/v2/clusters/{}?region={{region}}",
                i.cluster_name
            )),
        }),
        None => v.push(Resource::missing("ECS cluster", &i.cluster_name)),
    }
    if let Some(id) = out(VPC) {
        match describe_vpc(aws, id).await? {
            Some(vpc) => v.push(Resource {
                kind: "VPC".into(),
                id: id.into(),
                state: vpc
                    .state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                attributes: vec![
                    ("cidr".into(), vpc.cidr_block().unwrap_or_default().into()),
                    ("name".into(), name_tag(vpc.tags())),
                ],
                console_url: aws.console_url(&format!(
                    "vpcconsole/home?region={{region}}#VpcDetails:VpcId={id}"
                )),
            }),
            None => v.push(Resource::missing("VPC", id)),
        }
    }
    if let Some(id) = out(IGW) {
        match describe_igw(aws, id).await? {
            Some(g) => v.push(Resource {
                kind: "Internet gateway".into(),
                id: id.into(),
                state: g
                    .attachments()
                    .first()
                    .and_then(|a| a.state())
                    .map_or("detached".into(), |s| s.as_str().to_string()),
                attributes: vec![(
                    "vpc".into(),
                    g.attachments()
                        .first()
                        .and_then(|a| a.vpc_id())
                        .unwrap_or("-")
                        .into(),
                )],
                console_url: aws.console_url(&format!(
                    "vpcconsole/home?region={{region}}#InternetGateway:internetGatewayId={id}"
                )),
            }),
            None => v.push(Resource::missing("Internet gateway", id)),
        }
    }
    for key in [SUBNET_A, SUBNET_B] {
        if key == SUBNET_B && subnet_b_retired(s) {
            continue;
        }
        if let Some(id) = out(key) {
            v.push(subnet_resource(cx, id, "Public subnet").await?);
        }
    }
    if let Some(id) = out(ROUTE_TABLE) {
        v.push(route_table_resource(cx, id, "Public route table").await?);
    }
    Ok(v)
}

/// A subnet as a live resource.
pub async fn subnet_resource(cx: StepCx<'_>, id: &str, kind: &str) -> Result<Resource> {
    Ok(match describe_subnet(cx.aws, id).await? {
        Some(sn) => Resource {
            kind: kind.into(),
            id: id.into(),
            state: sn
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            attributes: vec![
                ("cidr".into(), sn.cidr_block().unwrap_or_default().into()),
                (
                    "zone".into(),
                    sn.availability_zone().unwrap_or_default().into(),
                ),
                (
                    "public IPs".into(),
                    sn.map_public_ip_on_launch().unwrap_or(false).to_string(),
                ),
                (
                    "free addresses".into(),
                    sn.available_ip_address_count()
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                ),
            ],
            console_url: cx.aws.console_url(&format!(
                "vpcconsole/home?region={{region}}#SubnetDetails:subnetId={id}"
            )),
        },
        None => Resource::missing(kind, id),
    })
}

/// A route table as a live resource.
pub async fn route_table_resource(cx: StepCx<'_>, id: &str, kind: &str) -> Result<Resource> {
    Ok(match describe_route_table(cx.aws, id).await? {
        Some(rt) => Resource {
            kind: kind.into(),
            id: id.into(),
            state: "exists".into(),
            attributes: vec![
                ("routes".into(), describe_routes(&rt)),
                (
                    "subnets".into(),
                    rt.associations()
                        .iter()
                        .filter_map(|a| a.subnet_id())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ],
            console_url: cx.aws.console_url(&format!(
                "vpcconsole/home?region={{region}}#RouteTableDetails:RouteTableId={id}"
            )),
        },
        None => Resource::missing(kind, id),
    })
}
