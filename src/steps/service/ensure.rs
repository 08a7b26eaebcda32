//! Apply of step 6 before the service itself, one resource at a time: the
//! tasks' security group and the service's target group, each settled by
//! the resource kit and then brought to the wanted shape (the listeners are
//! `listeners.rs`').

use super::owned;
use crate::aws::CallExt;
use crate::aws::elb::DEREGISTRATION_DELAY as DEREG_KEY;
use crate::aws::error::returned;
use crate::aws::kind::At;
use crate::aws::tags::Owner;
use crate::error::Result;
use crate::session::SessionHandle;
use crate::steps::StepCx;
use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetGroupAttribute, TargetTypeEnum};

/// The tasks' security group, allowing the container port from the VPC's
/// block only; returns its id.
pub(super) async fn security_group(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    vpc: &str,
) -> Result<String> {
    let owner = Owner::of(h.session());
    let spec = crate::steps::net::GroupSpec {
        vpc,
        name: format!("{owner}-tasks"),
        description: format!(
            "gatewalk {owner}: tasks accept the container port from inside the VPC only"
        ),
        port: crate::model::api_int(cx.inputs.task_definition.container_port),
        cidr: &cx.inputs.cluster_vpc.vpc_cidr,
        // The NLB reaches ip targets from its private addresses (client IP
        // preservation is off), so the VPC block — never 0.0.0.0/0.
        why: "NLB traffic and health checks",
    };
    crate::steps::net::group_admitting(cx, h, &owned::SG, spec).await
}

/// The service's target group (TCP, ip targets) with the chosen
/// deregistration delay; returns its ARN.
pub(super) async fn target_group(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    vpc: &str,
) -> Result<String> {
    let aws = cx.aws;
    let i = &cx.inputs.service;
    let name = i.target_group_name.as_str();
    let owner = Owner::of(h.session());
    let t = owned::TG.tags(&owner);
    let got = owned::TG
        .ensure(cx, h, At::named(name), || async {
            let out = aws
                .elb
                .create_target_group()
                .name(name)
                .protocol(ProtocolEnum::Tcp)
                .port(crate::model::api_int(
                    cx.inputs.task_definition.container_port,
                ))
                .vpc_id(vpc)
                .target_type(TargetTypeEnum::Ip)
                .health_check_protocol(ProtocolEnum::Tcp)
                .health_check_interval_seconds(crate::model::api_int(
                    i.health_check_interval_seconds,
                ))
                .healthy_threshold_count(3)
                .unhealthy_threshold_count(3)
                .set_tags(Some(t.elb(name)))
                .send()
                .await
                .ctx("elbv2", "CreateTargetGroup")?;
            returned(
                out.target_groups().first(),
                "elbv2",
                "CreateTargetGroup",
                "TargetGroups",
            )
        })
        .await?;
    let arn = got.id.clone();
    let want = i.deregistration_delay_seconds.to_string();
    let current = crate::aws::elb::deregistration_delay(aws, &arn).await?;
    if current.as_deref() != Some(want.as_str())
        && owned::TG.may_change(cx, h, &got, &format!("deregistration delay {want} s"))?
    {
        aws.elb
            .modify_target_group_attributes()
            .target_group_arn(&arn)
            .attributes(
                TargetGroupAttribute::builder()
                    .key(DEREG_KEY)
                    .value(&want)
                    .build(),
            )
            .send()
            .await
            .ctx("elbv2", "ModifyTargetGroupAttributes")?;
        cx.progress
            .info(format!("deregistration delay set to {want} s"));
    }
    Ok(arn)
}
