//! Live checks and inspection for step 4.

use super::keys::*;
use super::{describe_nlb, describe_tg};
use crate::error::Result;
use crate::model::Fix;
use crate::session::Session;
use crate::steps::cluster_vpc::keys as vpc_keys;
use crate::steps::net::{effective_route_table, routes_to_igw};
use crate::steps::private_subnet::PRIVATE_SUBNET_KEY;
use crate::steps::{Check, Resource, StepCx, StepId};
use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum, TargetTypeEnum,
};
use std::collections::BTreeSet;

const APPLY: Fix = Fix::Apply(StepId::LoadBalancer);

#[expect(
    clippy::too_many_lines,
    reason = "a hand-written resource life cycle or check list; split by the resource kit (issue 12)"
)]
pub(super) async fn validate(cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
    let aws = cx.aws;
    let mut c = Vec::new();
    let out = |k| s.output(k);
    let vpc_id = s.output(vpc_keys::VPC).unwrap_or_default();
    let lb = match out(NLB) {
        Some(arn) => describe_nlb(aws, arn).await?,
        None => None,
    };
    let Some(lb) = lb else {
        c.push(Check::fail(
            "load balancer exists",
            out(NLB).map_or("not created yet".into(), |a| format!("{a} not found")),
            APPLY,
        ));
        return Ok(c);
    };
    // Read `Type`, never the ARN: emulators put `app/` in NLB ARNs.
    c.push(Check::expect(
        "type is network",
        lb.r#type() == Some(&LoadBalancerTypeEnum::Network),
        lb.r#type()
            .map_or(
                "?",
                aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::as_str,
            )
            .to_string(),
        "REST API VPC links (v1) need a Network Load Balancer; tear down this step and apply again",
    ));
    c.push(Check::expect(
        "scheme is internal",
        lb.scheme() == Some(&LoadBalancerSchemeEnum::Internal),
        lb.scheme()
            .map_or(
                "?",
                aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::as_str,
            )
            .to_string(),
        "the scheme cannot change after creation; delete the load balancer and apply again",
    ));
    let state = lb.state().and_then(|s| s.code());
    c.push(match state {
        Some(LoadBalancerStateEnum::Active) => Check::pass("load balancer is active", "active"),
        Some(LoadBalancerStateEnum::Provisioning) => {
            Check::pending("load balancer is active", "provisioning")
        }
        other => Check::fail(
            "load balancer is active",
            format!(
                "{} {}",
                other.map_or(
                    "unknown",
                    aws_sdk_elasticloadbalancingv2::types::LoadBalancerStateEnum::as_str
                ),
                lb.state().and_then(|s| s.reason()).unwrap_or("")
            ),
            "delete it and apply again; AWS could not provision it",
        ),
    });
    c.push(Check::expect(
        "load balancer is in the session's VPC",
        lb.vpc_id() == Some(vpc_id),
        lb.vpc_id().unwrap_or("?").to_string(),
        format!("expected {vpc_id}"),
    ));
    let zones = lb.availability_zones();
    let subnets: Vec<String> = zones
        .iter()
        .filter_map(|z| z.subnet_id().map(str::to_string))
        .collect();
    let distinct: BTreeSet<&str> = zones.iter().filter_map(|z| z.zone_name()).collect();
    c.push(Check::expect(
        "one subnet per Availability Zone",
        distinct.len() == subnets.len() && !subnets.is_empty(),
        zones
            .iter()
            .map(|z| {
                format!(
                    "{}={}",
                    z.zone_name().unwrap_or("?"),
                    z.subnet_id().unwrap_or("?")
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        "an NLB takes at most one subnet per zone; recreate it with one subnet per zone",
    ));
    let mut public = Vec::new();
    // Step 5's own route table sending 0.0.0.0/0 to the internet gateway
    // (changed by hand) is step 5's to repair, not a reason to recreate.
    let mut via_step5 = true;
    let nat_rt = s.output(crate::model::OutputKey::PrivateRouteTable);
    for sn in &subnets {
        if let Some(rt) = effective_route_table(aws, vpc_id, sn).await?
            && routes_to_igw(&rt)
        {
            public.push(sn.clone());
            via_step5 &= nat_rt.is_some() && rt.route_table_id() == nat_rt;
        }
    }
    let fix: crate::model::Fix = if !public.is_empty() && via_step5 {
        crate::model::Fix::Apply(crate::model::StepId::NatGateway)
    } else {
        "an internal NLB for this design sits in private subnets only; recreate it in the private subnet".into()
    };
    c.push(Check::expect(
        "only private subnets",
        public.is_empty(),
        if public.is_empty() {
            subnets.join(", ")
        } else {
            format!("{} reach the internet gateway", public.join(", "))
        },
        fix,
    ));
    if let Some(private) = s.output(PRIVATE_SUBNET_KEY) {
        c.push(Check::expect(
            "placed in the private subnet",
            subnets.iter().any(|s| s == private),
            subnets.join(", "),
            format!("the NLB must have a node in {private}, where the tasks will run"),
        ));
    }
    c.push(if lb.security_groups().is_empty() {
        Check::pass("no security groups on the NLB", "none")
    } else {
        Check::warn(
            "no security groups on the NLB",
            lb.security_groups().join(", "),
            "with REST API VPC links, turn off inbound rule enforcement for PrivateLink traffic on this NLB",
        )
    });
    match out(PLACEHOLDER) {
        Some(arn) if super::placeholder_retired(s) && s.is_yours(PLACEHOLDER) => {
            c.push(Check::pass(
                "placeholder target group",
                format!("{arn} is yours: kept by step 7, which points nothing at it"),
            ));
        }
        _ if super::placeholder_retired(s) => c.push(Check::pass(
            "placeholder target group",
            "deleted in step 7, as the walkthrough does",
        )),
        Some(arn) => match describe_tg(aws, arn).await? {
            Some(tg) => c.push(Check::expect(
                "placeholder target group exists",
                tg.target_type() == Some(&TargetTypeEnum::Ip),
                format!(
                    "{} ({} {}, type {})",
                    tg.target_group_name().unwrap_or("?"),
                    tg.protocol().map_or(
                        "?",
                        aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::as_str
                    ),
                    tg.port().unwrap_or(0),
                    tg.target_type().map_or(
                        "?",
                        aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::as_str
                    )
                ),
                "awsvpc tasks register by IP: the target type must be ip",
            )),
            None => c.push(Check::fail(
                "placeholder target group exists",
                format!("{arn} not found"),
                APPLY,
            )),
        },
        None => c.push(Check::fail(
            "placeholder target group exists",
            "not created yet",
            APPLY,
        )),
    }
    super::dns::validate(cx, s, &lb, &mut c).await?;
    super::tls::validate(cx, s, &mut c).await?;
    Ok(c)
}

pub(super) async fn inspect(cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
    let aws = cx.aws;
    let mut v = Vec::new();
    let out = |k| s.output(k);
    if let Some(arn) = out(NLB) {
        match describe_nlb(aws, arn).await? {
            Some(lb) => v.push(Resource {
                kind: "Network load balancer".into(),
                id: arn.into(),
                state: lb
                    .state()
                    .and_then(|s| s.code())
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
                attributes: vec![
                    (
                        "name".into(),
                        lb.load_balancer_name().unwrap_or_default().into(),
                    ),
                    ("dns".into(), lb.dns_name().unwrap_or_default().into()),
                    (
                        "scheme".into(),
                        lb.scheme().map(aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::as_str).unwrap_or_default().into(),
                    ),
                    (
                        "type".into(),
                        lb.r#type().map(aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::as_str).unwrap_or_default().into(),
                    ),
                    (
                        "subnets".into(),
                        lb.availability_zones()
                            .iter()
                            .map(|z| {
                                format!(
                                    "{} ({})",
                                    z.subnet_id().unwrap_or("?"),
                                    z.zone_name().unwrap_or("?")
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ],
                console_url: aws.console_url(&format!(
                    "ec2/home?region={{region}}#LoadBalancer:loadBalancerArn={arn}"
                )),
            }),
            None => v.push(Resource::missing("Network load balancer", arn)),
        }
    }
    if let Some(arn) = out(PLACEHOLDER) {
        v.push(super::tg_resource(cx, arn, "Placeholder target group").await?);
    }
    super::dns::inspect(cx, s, &mut v).await?;
    super::tls::inspect(cx, s, &mut v).await?;
    Ok(v)
}
