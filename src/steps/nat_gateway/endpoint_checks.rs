//! Live checks and inspection of step 5 with `egress = endpoints`.

use super::endpoints::INTERFACES;
use super::keys::{CACHE_REPO, CACHE_RULE, ENDPOINT_SG, NAT, PRIVATE_RT, S3};
use crate::aws::ec2::endpoints::{describe_endpoint, endpoint_state};
use crate::aws::ecr::{describe_repository, describe_rule};
use crate::aws::{AwsContext, CallExt};
use crate::error::Result;
use crate::inputs::nat_gateway::{ECR_PUBLIC, cache_repository};
use crate::model::{Fix, OutputKey};
use crate::session::Session;
use crate::steps::cluster_vpc::keys as vpc_keys;
use crate::steps::net::{describe_route_table, describe_routes, routes_to_igw};
use crate::steps::private_subnet::PRIVATE_SUBNET_KEY;
use crate::steps::{Check, Resource, StepCx, StepId};
use aws_sdk_ec2::types::{VpcAttributeName, VpcEndpoint};

const APPLY: Fix = Fix::Apply(StepId::NatGateway);

async fn vpc_attribute(aws: &AwsContext, vpc: &str, a: VpcAttributeName) -> Result<bool> {
    let out = aws
        .ec2
        .describe_vpc_attribute()
        .vpc_id(vpc)
        .attribute(a.clone())
        .send()
        .await
        .ctx("ec2", "DescribeVpcAttribute")?;
    let v = match a {
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        _ => out.enable_dns_support(),
    };
    Ok(v.and_then(aws_sdk_ec2::types::AttributeBooleanValue::value) == Some(true))
}

async fn endpoint(cx: StepCx<'_>, s: &Session, key: OutputKey) -> Result<Option<VpcEndpoint>> {
    match s.output(key) {
        Some(id) => Ok(describe_endpoint(cx.aws, id)
            .await?
            .filter(|e| endpoint_state(e) != "deleted")),
        None => Ok(None),
    }
}

pub(super) async fn validate(cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
    let mut c = Vec::new();
    let vpc = s.output(vpc_keys::VPC).unwrap_or_default();
    let private = s.output(PRIVATE_SUBNET_KEY).unwrap_or_default();
    let dns = vpc_attribute(cx.aws, vpc, VpcAttributeName::EnableDnsSupport).await?
        && vpc_attribute(cx.aws, vpc, VpcAttributeName::EnableDnsHostnames).await?;
    c.push(Check::expect(
        "VPC resolves the endpoints' private names",
        dns,
        if dns { "DNS support and DNS hostnames on" } else { "DNS support or DNS hostnames off" },
        Fix::Aws(format!(
            "aws ec2 modify-vpc-attribute --vpc-id {vpc} --enable-dns-support && aws ec2 modify-vpc-attribute --vpc-id {vpc} --enable-dns-hostnames"
        )),
    ));
    c.push(security_group(cx, s).await?);
    for (decl, service) in INTERFACES {
        let name = format!("{service} endpoint serves the private subnet");
        let Some(e) = endpoint(cx, s, decl.key).await? else {
            c.push(Check::fail(name, "not created yet", APPLY));
            continue;
        };
        let id = e.vpc_endpoint_id().unwrap_or("?");
        let in_subnet = e.subnet_ids().iter().any(|x| x == private);
        let dns_on = e.private_dns_enabled() == Some(true);
        let available = endpoint_state(&e) == "available";
        c.push(if endpoint_state(&e) == "pending" {
            Check::pending(name, format!("{id} pending"))
        } else {
            Check::expect(
                name,
                available && in_subnet && dns_on,
                format!(
                    "{id} {}; {}; private DNS {}",
                    endpoint_state(&e),
                    if in_subnet {
                        format!("in {private}")
                    } else {
                        format!("not in {private}")
                    },
                    if dns_on { "on" } else { "off" }
                ),
                APPLY,
            )
        });
    }
    c.push(s3_gateway(cx, s).await?);
    let pending = super::endpoints::first_pull_pending(cx).await?;
    route_checks(cx, s, pending, &mut c).await?;
    if cache_repository(cx.inputs).is_some() {
        c.push(cache_rule(cx, s).await?);
    }
    Ok(c)
}

async fn security_group(cx: StepCx<'_>, s: &Session) -> Result<Check> {
    let name = "endpoints admit HTTPS from the VPC";
    let cidr = &cx.inputs.cluster_vpc.vpc_cidr;
    let sg = match s.output(ENDPOINT_SG) {
        Some(id) => crate::aws::ec2::get::describe_security_group(cx.aws, id).await?,
        None => None,
    };
    let Some(sg) = sg else {
        return Ok(Check::fail(name, "no endpoint security group", APPLY));
    };
    let ok = sg.ip_permissions().iter().any(|p| {
        p.from_port().is_some_and(|f| f <= 443)
            && p.to_port().is_some_and(|t| t >= 443)
            && p.ip_ranges()
                .iter()
                .any(|r| r.cidr_ip() == Some(cidr.as_str()))
    });
    let id = sg.group_id().unwrap_or("?");
    Ok(Check::expect(
        name,
        ok,
        if ok {
            format!("{id}: TCP 443 from {cidr}")
        } else {
            format!("{id}: TCP 443 from {cidr}: missing")
        },
        APPLY,
    ))
}

async fn s3_gateway(cx: StepCx<'_>, s: &Session) -> Result<Check> {
    let name = "S3 gateway endpoint is on the private route table";
    let Some(e) = endpoint(cx, s, S3).await? else {
        return Ok(Check::fail(name, "not created yet", APPLY));
    };
    let rt = s.output(PRIVATE_RT).unwrap_or_default();
    let on = e.route_table_ids().iter().any(|r| r == rt);
    let id = e.vpc_endpoint_id().unwrap_or("?");
    Ok(Check::expect(
        name,
        on && endpoint_state(&e) == "available",
        if on {
            format!("{id} {} on {rt}", endpoint_state(&e))
        } else {
            format!("{id} is not on {rt}: image layers (in S3) cannot be fetched")
        },
        APPLY,
    ))
}

/// The private route table: associated with the private subnet, never a
/// route to the internet gateway, and a default route to the NAT gateway
/// only while the first pull through the cache is to come (`pending`).
async fn route_checks(
    cx: StepCx<'_>,
    s: &Session,
    pending: bool,
    c: &mut Vec<Check>,
) -> Result<()> {
    let rt = match s.output(PRIVATE_RT) {
        Some(id) => describe_route_table(cx.aws, id).await?,
        None => None,
    };
    let Some(rt) = rt else {
        c.push(Check::fail(
            "private route table exists",
            "not found",
            APPLY,
        ));
        return Ok(());
    };
    let private = s.output(PRIVATE_SUBNET_KEY).unwrap_or_default();
    c.push(super::checks::uses_private_table(&rt, private));
    let default = crate::steps::net::default_route_target(&rt);
    let nat = s.output(NAT);
    if pending {
        let nat_up = match nat {
            Some(id) => crate::aws::ec2::describe_nat(cx.aws, id)
                .await?
                .is_some_and(|n| {
                    n.state() == Some(&aws_sdk_ec2::types::NatGatewayState::Available)
                }),
            None => false,
        };
        let ok = nat_up && default.is_some() && default.as_deref() == nat;
        c.push(Check::expect(
            "a NAT gateway for the first pull through the cache",
            ok,
            if ok {
                format!(
                    "{} kept: {}",
                    nat.unwrap_or_default(),
                    super::endpoints::FIRST_PULL
                )
            } else {
                format!(
                    "no available NAT gateway the private subnet routes to; {}",
                    super::endpoints::FIRST_PULL
                )
            },
            APPLY,
        ));
    } else {
        c.push(Check::expect(
            "private subnet has no way to the internet",
            default.is_none() && !routes_to_igw(&rt),
            describe_routes(&rt),
            // Apply removes the default route and the NAT gateway.
            APPLY,
        ));
    }
    Ok(())
}

async fn cache_rule(cx: StepCx<'_>, s: &Session) -> Result<Check> {
    let name = "pull-through cache mirrors ECR Public";
    let prefix = s
        .output(CACHE_RULE)
        .unwrap_or(cx.inputs.nat_gateway.cache_prefix.as_str());
    let Some(rule) = describe_rule(cx.aws, prefix).await? else {
        return Ok(Check::fail(name, format!("no rule for {prefix}/"), APPLY));
    };
    let upstream = rule.upstream_registry_url().unwrap_or("?");
    Ok(Check::expect(
        name,
        upstream == ECR_PUBLIC,
        format!("{prefix}/ → {upstream}"),
        APPLY,
    ))
}

/// The endpoints, the cache rule and its repository, as they are live.
pub(super) async fn inspect(cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
    let mut v = Vec::new();
    let keys = INTERFACES.iter().map(|(d, _)| d.key).chain([S3]);
    for key in keys {
        let Some(id) = s.output(key) else { continue };
        let Some(e) = endpoint(cx, s, key).await? else {
            v.push(Resource::missing("VPC endpoint", id));
            continue;
        };
        let mut attributes = vec![
            (
                "service".into(),
                e.service_name().unwrap_or_default().to_string(),
            ),
            (
                "type".into(),
                e.vpc_endpoint_type()
                    .map_or("?", |t| t.as_str())
                    .to_string(),
            ),
        ];
        if key == S3 {
            attributes.push(("route tables".into(), e.route_table_ids().join(", ")));
        } else {
            attributes.push(("subnets".into(), e.subnet_ids().join(", ")));
            attributes.push((
                "private DNS".into(),
                if e.private_dns_enabled() == Some(true) {
                    "on"
                } else {
                    "off"
                }
                .into(),
            ));
        }
        v.push(Resource {
            kind: "VPC endpoint".into(),
            id: id.into(),
            state: endpoint_state(&e),
            attributes,
            console_url: cx.aws.console_url(&format!(
                "vpcconsole/home?region={{region}}#EndpointDetails:vpcEndpointId={id}"
            )),
        });
    }
    if let Some(prefix) = s.output(CACHE_RULE) {
        v.push(match describe_rule(cx.aws, prefix).await? {
            Some(r) => Resource {
                kind: "Pull-through cache rule".into(),
                id: prefix.into(),
                state: "active".into(),
                attributes: vec![(
                    "upstream".into(),
                    r.upstream_registry_url().unwrap_or_default().to_string(),
                )],
                console_url: cx
                    .aws
                    .console_url("ecr/private-registry/pull-through-cache?region={region}"),
            },
            None => Resource::missing("Pull-through cache rule", prefix),
        });
    }
    if let Some(name) = s.output(CACHE_REPO) {
        v.push(match describe_repository(cx.aws, name).await? {
            Some(r) => Resource {
                kind: "ECR repository".into(),
                id: name.into(),
                state: "active".into(),
                attributes: vec![(
                    "uri".into(),
                    r.repository_uri().unwrap_or_default().to_string(),
                )],
                console_url: cx.aws.console_url(&format!(
                    "ecr/repositories/private/{}/{name}?region={{region}}",
                    r.registry_id().unwrap_or_default()
                )),
            },
            None => Resource::missing("ECR repository", name),
        });
    }
    Ok(v)
}
