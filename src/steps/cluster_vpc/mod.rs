//! Step 2, `cluster-vpc`: the ECS cluster, and a VPC with an internet gateway,
//! two public subnets in two Availability Zones and a public route table — what
//! the console's "create cluster, networking only, create VPC" wizard made.

pub use crate::inputs::ClusterVpcInputs;

use super::inputs::Inputs;
use super::net::{RouteTarget, ensure_default_route};
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::Required;
use crate::aws::find::{self, pick};
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::aws::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle};
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType};
use aws_sdk_ecs::types::ClusterField;

/// Step 2.
#[derive(Debug, Clone, Copy)]
pub struct ClusterVpc;

/// Output keys (shared with later steps).
pub mod keys {
    /// Cluster ARN.
    pub const CLUSTER: &str = "cluster_arn";
    /// "true" when gatewalk created the cluster.
    pub const CLUSTER_CREATED: &str = "cluster_created";
    /// VPC id.
    pub const VPC: &str = "vpc_id";
    /// Internet gateway id.
    pub const IGW: &str = "internet_gateway_id";
    /// Public subnet A id.
    pub const SUBNET_A: &str = "public_subnet_a_id";
    /// Public subnet B id.
    pub const SUBNET_B: &str = "public_subnet_b_id";
    /// Public route table id.
    pub const ROUTE_TABLE: &str = "public_route_table_id";
    /// First AZ.
    pub const AZ_A: &str = "az_a";
    /// Second AZ.
    pub const AZ_B: &str = "az_b";
}
use keys::*;

/// Whether step 3 has retired public subnet B (so step 2 must not recreate it).
pub fn subnet_b_retired(s: &Session) -> bool {
    s.output(StepId::PrivateSubnet, super::private_subnet::RETIRED_KEY)
        .is_some()
}

pub(crate) async fn describe_cluster(
    aws: &AwsContext,
    name: &str,
) -> Result<Option<aws_sdk_ecs::types::Cluster>> {
    let out = aws
        .ecs
        .describe_clusters()
        .clusters(name)
        .include(ClusterField::Tags)
        .send()
        .await
        .ctx("ecs", "DescribeClusters")?;
    Ok(out
        .clusters()
        .iter()
        .find(|c| c.status() == Some("ACTIVE"))
        .cloned())
}

/// Checks the chosen Availability Zones against the region's list before
/// anything is created: `CreateSubnet` would refuse an unknown zone only after
/// the role, task definition, cluster, VPC and internet gateway exist. A zone
/// AWS does not list is refused (exit 2); no zones chosen is nothing to check.
pub async fn check_zones(aws: &AwsContext, i: &ClusterVpcInputs) -> Result<()> {
    if i.availability_zones.is_empty() {
        return Ok(());
    }
    let usable = usable_zones(aws).await?;
    let unknown: Vec<String> = i
        .availability_zones
        .iter()
        .filter(|az| !usable.contains(az))
        .map(|az| format!("`{}`", crate::text::shown(az)))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    // A refusal (exit 2) made after one read-only call: not "nothing was sent".
    Err(Error::Config(format!(
        "cluster-vpc.availability_zones: {} is not an available Availability Zone of {} for this \
         account, so nothing was created.\n  hint: choose two of {} with --set \
         cluster-vpc.availability_zones=A,B, or leave it empty to take the first two",
        unknown.join(" and "),
        aws.region,
        usable.join(", ")
    )))
}

/// The region's available Availability Zones (not Local or Wavelength
/// zones), as AWS lists them to this account.
async fn usable_zones(aws: &AwsContext) -> Result<Vec<String>> {
    let out = aws
        .ec2
        .describe_availability_zones()
        .filters(Filter::builder().name("state").values("available").build())
        .send()
        .await
        .ctx("ec2", "DescribeAvailabilityZones")?;
    Ok(out
        .availability_zones()
        .iter()
        .filter(|z| z.state().is_none_or(|s| s.as_str() == "available"))
        .filter(|z| z.zone_type().is_none_or(|t| t == "availability-zone"))
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect())
}

async fn choose_azs(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<(String, String)> {
    let i = &cx.inputs.cluster_vpc;
    let s = h.session();
    let (a, b) = if let [a, b] = i.availability_zones.as_slice() {
        (a.clone(), b.clone())
    } else if let (Some(a), Some(b)) = (
        s.output(StepId::ClusterVpc, AZ_A),
        s.output(StepId::ClusterVpc, AZ_B),
    ) {
        (a.to_string(), b.to_string())
    } else {
        let mut zones = usable_zones(cx.aws).await?;
        zones.sort();
        if zones.len() < 2 {
            return Err(Error::Conflict(format!(
                "region {} offers fewer than two Availability Zones to this account; choose another region",
                cx.aws.region
            )));
        }
        (zones[0].clone(), zones[1].clone())
    };
    h.record(StepId::ClusterVpc, AZ_A, &a)?;
    h.record(StepId::ClusterVpc, AZ_B, &b)?;
    Ok((a, b))
}

fn true_attr() -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(true).build()
}

impl Step for ClusterVpc {
    fn id(&self) -> StepId {
        StepId::ClusterVpc
    }

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        let i = &inputs.cluster_vpc;
        let out = |k| s.output(StepId::ClusterVpc, k);
        let tags = |role: &str| {
            format!(
                "Tags=[{{Key={SESSION_KEY},Value={}}},{{Key=gatewalk:role,Value={role}}}]",
                s.name
            )
        };
        let azs = if i.availability_zones.len() == 2 {
            i.availability_zones.clone()
        } else {
            vec![
                out(AZ_A).unwrap_or("$AZ_A").to_string(),
                out(AZ_B).unwrap_or("$AZ_B").to_string(),
            ]
        };
        let mut v = vec![
            Change::create_or_keep(
                out(CLUSTER),
                format!("ECS cluster {}", i.cluster_name),
                format!(
                    "aws ecs create-cluster --cluster-name {} --tags key={SESSION_KEY},value={}",
                    i.cluster_name, s.name
                ),
            ),
            Change::create_or_keep(
                out(VPC),
                format!("VPC {} with DNS hostnames", i.vpc_cidr),
                format!(
                    "aws ec2 create-vpc --cidr-block {} --tag-specifications 'ResourceType=vpc,{}' && aws ec2 modify-vpc-attribute --vpc-id $VPC_ID --enable-dns-hostnames",
                    i.vpc_cidr,
                    tags("vpc")
                ),
            ),
            Change::create_or_keep(
                out(IGW),
                "internet gateway, attached to the VPC".to_string(),
                format!(
                    "aws ec2 create-internet-gateway --tag-specifications 'ResourceType=internet-gateway,{}' && aws ec2 attach-internet-gateway --internet-gateway-id $IGW_ID --vpc-id $VPC_ID",
                    tags("internet-gateway")
                ),
            ),
        ];
        v.push(Change::create_or_keep(
            out(SUBNET_A),
            format!("public subnet {} in {}", i.public_subnet_a_cidr, azs[0]),
            format!(
                "aws ec2 create-subnet --vpc-id $VPC_ID --cidr-block {} --availability-zone {} --tag-specifications 'ResourceType=subnet,{}' && aws ec2 modify-subnet-attribute --subnet-id $SUBNET_A_ID --map-public-ip-on-launch",
                i.public_subnet_a_cidr,
                azs[0],
                tags("public-subnet-a")
            ),
        ));
        if !subnet_b_retired(s) {
            v.push(Change::create_or_keep(
                out(SUBNET_B),
                format!("public subnet {} in {}", i.public_subnet_b_cidr, azs[1]),
                format!(
                    "aws ec2 create-subnet --vpc-id $VPC_ID --cidr-block {} --availability-zone {} --tag-specifications 'ResourceType=subnet,{}' && aws ec2 modify-subnet-attribute --subnet-id $SUBNET_B_ID --map-public-ip-on-launch",
                    i.public_subnet_b_cidr,
                    azs[1],
                    tags("public-subnet-b")
                ),
            ));
        }
        v.push(Change::create_or_keep(
            out(ROUTE_TABLE),
            "public route table: 0.0.0.0/0 → internet gateway, associated with the public subnets".to_string(),
            format!(
                "aws ec2 create-route-table --vpc-id $VPC_ID --tag-specifications 'ResourceType=route-table,{}' && aws ec2 create-route --route-table-id $RTB_ID --destination-cidr-block 0.0.0.0/0 --gateway-id $IGW_ID && aws ec2 associate-route-table --route-table-id $RTB_ID --subnet-id $SUBNET_A_ID",
                tags("public-route-table")
            ),
        ));
        v
    }

    #[expect(
        clippy::too_many_lines,
        reason = "a hand-written resource life cycle or check list; split by the resource kit (issue 12)"
    )]
    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let aws = cx.aws;
        let p = cx.progress;
        let i = &cx.inputs.cluster_vpc;
        let session = Owner::of(h.session());
        let sid = StepId::ClusterVpc;

        // Cluster: reuse ours; adopt (never delete) someone else's of the same name.
        if let Some(c) = describe_cluster(aws, &i.cluster_name).await? {
            let arn = &c
                .cluster_arn()
                .required("ecs", "DescribeClusters", "clusterArn")?;
            let ours = session.owns(c.tags().iter().map(|t| (t.key(), t.value())));
            if ours {
                p.reused("ECS cluster", arn);
                h.record(sid, CLUSTER_CREATED, "true")?;
            } else {
                p.info(format!(
                    "using your existing cluster {} (gatewalk will never delete it)",
                    i.cluster_name
                ));
                h.record(sid, CLUSTER_CREATED, "false")?;
            }
            h.record(sid, CLUSTER, arn)?;
        } else {
            h.creating(sid, CLUSTER, "CreateCluster")?;
            let out = aws
                .ecs
                .create_cluster()
                .cluster_name(&i.cluster_name)
                .set_tags(Some(session.tags("cluster").ecs()))
                .send()
                .await
                .ctx("ecs", "CreateCluster")?;
            let arn = out
                .cluster()
                .and_then(|c| c.cluster_arn())
                .unwrap_or_default();
            h.record(sid, CLUSTER_CREATED, "true")?;
            h.record(sid, CLUSTER, arn)?;
            p.created("ECS cluster", arn);
        }

        let (az_a, az_b) = choose_azs(cx, h).await?;

        // VPC.
        let t = session.tags("vpc");
        let found = pick(
            &find::vpcs(aws, &t).await?,
            h.session().output(sid, VPC),
            aws_sdk_ec2::types::Vpc::vpc_id,
        );
        let vpc_id = if let Some(v) = found {
            let id = v.vpc_id().required("ec2", "DescribeVpcs", "VpcId")?;
            if v.cidr_block() != Some(i.vpc_cidr.as_str()) {
                return Err(Error::Conflict(format!(
                    "this session's VPC {id} has block {}, but cluster-vpc.vpc_cidr is {}. A VPC's block cannot change: set it back, or tear down and apply again",
                    v.cidr_block().unwrap_or("?"),
                    i.vpc_cidr
                )));
            }
            p.reused("VPC", &id);
            id
        } else {
            h.creating(sid, VPC, "CreateVpc")?;
            let out = aws
                .ec2
                .create_vpc()
                .cidr_block(&i.vpc_cidr)
                .tag_specifications(t.ec2_spec(ResourceType::Vpc, &format!("{session}-vpc")))
                .send()
                .await
                .ctx("ec2", "CreateVpc")?;
            let id = out
                .vpc()
                .and_then(|v| v.vpc_id())
                .unwrap_or_default()
                .to_string();
            p.created("VPC", &id);
            id
        };
        h.record(sid, VPC, &vpc_id)?;
        let dns = aws
            .ec2
            .describe_vpc_attribute()
            .vpc_id(&vpc_id)
            .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
            .send()
            .await
            .ctx("ec2", "DescribeVpcAttribute")?;
        if dns
            .enable_dns_hostnames()
            .and_then(aws_sdk_ec2::types::AttributeBooleanValue::value)
            != Some(true)
        {
            aws.ec2
                .modify_vpc_attribute()
                .vpc_id(&vpc_id)
                .enable_dns_hostnames(true_attr())
                .send()
                .await
                .ctx("ec2", "ModifyVpcAttribute")?;
        }

        // Internet gateway, attached.
        let t = session.tags("internet-gateway");
        let found = pick(
            &find::internet_gateways(aws, &t).await?,
            h.session().output(sid, IGW),
            aws_sdk_ec2::types::InternetGateway::internet_gateway_id,
        );
        let (igw_id, attached) = if let Some(g) = found {
            let id = g.internet_gateway_id().required(
                "ec2",
                "DescribeInternetGateways",
                "InternetGatewayId",
            )?;
            p.reused("internet gateway", &id);
            let attached = g
                .attachments()
                .iter()
                .any(|a| a.vpc_id() == Some(vpc_id.as_str()));
            (id, attached)
        } else {
            h.creating(sid, IGW, "CreateInternetGateway")?;
            let out = aws
                .ec2
                .create_internet_gateway()
                .tag_specifications(
                    t.ec2_spec(ResourceType::InternetGateway, &format!("{session}-igw")),
                )
                .send()
                .await
                .ctx("ec2", "CreateInternetGateway")?;
            let id = out
                .internet_gateway()
                .and_then(|g| g.internet_gateway_id())
                .unwrap_or_default()
                .to_string();
            p.created("internet gateway", &id);
            (id, false)
        };
        h.record(sid, IGW, &igw_id)?;
        if !attached {
            aws.ec2
                .attach_internet_gateway()
                .internet_gateway_id(&igw_id)
                .vpc_id(&vpc_id)
                .send()
                .await
                .ctx("ec2", "AttachInternetGateway")?;
            p.info(format!("attached {igw_id} to {vpc_id}"));
        }

        // Public subnets (B only until step 3 retires it).
        let mut public = Vec::new();
        let wanted = [
            ("public-subnet-a", SUBNET_A, &i.public_subnet_a_cidr, &az_a),
            ("public-subnet-b", SUBNET_B, &i.public_subnet_b_cidr, &az_b),
        ];
        for (role, key, cidr, az) in wanted {
            if key == SUBNET_B && subnet_b_retired(h.session()) {
                continue;
            }
            let t = session.tags(role);
            let found = pick(
                &find::subnets(aws, &t).await?,
                h.session().output(sid, key),
                aws_sdk_ec2::types::Subnet::subnet_id,
            );
            let (id, maps_public) = if let Some(sn) = found {
                let id = sn
                    .subnet_id()
                    .required("ec2", "DescribeSubnets", "SubnetId")?;
                p.reused("public subnet", &id);
                (id, sn.map_public_ip_on_launch() == Some(true))
            } else {
                h.creating(sid, key, "CreateSubnet")?;
                let out = aws
                    .ec2
                    .create_subnet()
                    .vpc_id(&vpc_id)
                    .cidr_block(cidr.as_str())
                    .availability_zone(az.as_str())
                    .tag_specifications(
                        t.ec2_spec(ResourceType::Subnet, &format!("{session}-{role}")),
                    )
                    .send()
                    .await
                    .ctx("ec2", "CreateSubnet")?;
                let id = out
                    .subnet()
                    .and_then(|s| s.subnet_id())
                    .unwrap_or_default()
                    .to_string();
                p.created("public subnet", &id);
                (id, false)
            };
            h.record(sid, key, &id)?;
            if !maps_public {
                aws.ec2
                    .modify_subnet_attribute()
                    .subnet_id(&id)
                    .map_public_ip_on_launch(true_attr())
                    .send()
                    .await
                    .ctx("ec2", "ModifySubnetAttribute")?;
            }
            public.push(id);
        }

        // Public route table: default route to the IGW, associated with the public subnets.
        let t = session.tags("public-route-table");
        let found = pick(
            &find::route_tables(aws, &t).await?,
            h.session().output(sid, ROUTE_TABLE),
            aws_sdk_ec2::types::RouteTable::route_table_id,
        );
        let rt = if let Some(rt) = found {
            p.reused(
                "route table",
                &rt.route_table_id()
                    .required("ec2", "DescribeRouteTables", "RouteTableId")?,
            );
            rt
        } else {
            h.creating(sid, ROUTE_TABLE, "CreateRouteTable")?;
            let out = aws
                .ec2
                .create_route_table()
                .vpc_id(&vpc_id)
                .tag_specifications(
                    t.ec2_spec(ResourceType::RouteTable, &format!("{session}-public")),
                )
                .send()
                .await
                .ctx("ec2", "CreateRouteTable")?;
            let rt = out
                .route_table()
                .cloned()
                .unwrap_or_else(|| aws_sdk_ec2::types::RouteTable::builder().build());
            p.created(
                "route table",
                &rt.route_table_id()
                    .required("ec2", "CreateRouteTable", "RouteTableId")?,
            );
            rt
        };
        let rt_id = rt
            .route_table_id()
            .required("ec2", "DescribeRouteTables", "RouteTableId")?;
        h.record(sid, ROUTE_TABLE, &rt_id)?;
        ensure_default_route(aws, p, &rt, RouteTarget::Igw(&igw_id)).await?;
        for sn in &public {
            let associated = rt
                .associations()
                .iter()
                .any(|a| a.subnet_id() == Some(sn.as_str()));
            if !associated {
                aws.ec2
                    .associate_route_table()
                    .route_table_id(&rt_id)
                    .subnet_id(sn)
                    .send()
                    .await
                    .ctx("ec2", "AssociateRouteTable")?;
                p.info(format!("associated {rt_id} with {sn}"));
            }
        }
        Ok(())
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        checks::validate(cx, s).await
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        checks::inspect(cx, s).await
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        teardown::run(cx, h).await
    }
}

pub mod checks;
mod teardown;
