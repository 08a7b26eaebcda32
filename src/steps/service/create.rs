//! `CreateService`: Fargate in the private subnet, no public IP, behind the
//! listener's target group, circuit breaker with rollback — retried, visibly
//! and for a bounded time, while ECS's new service-linked role propagates.

use crate::aws::CallExt;
use crate::aws::wait::once_propagated;
use crate::error::{Error, Result};
use crate::steps::StepCx;
use aws_sdk_ecs::operation::create_service::CreateServiceOutput;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, DeploymentCircuitBreaker, DeploymentConfiguration,
    LaunchType, LoadBalancer as EcsLb, NetworkConfiguration, PropagateTags,
};
use std::time::Duration;

/// Where the service goes and what it runs.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placement<'a> {
    pub cluster: &'a str,
    pub private: &'a str,
    pub sg: &'a str,
    pub tg: &'a str,
    pub task_def: &'a str,
    pub session: &'a crate::aws::tags::Owner,
}

pub(super) async fn create_service(
    cx: StepCx<'_>,
    at: &Placement<'_>,
) -> Result<CreateServiceOutput> {
    let aws = cx.aws;
    let i = &cx.inputs.service;
    let Placement {
        cluster,
        private,
        sg,
        tg,
        task_def,
        session,
    } = *at;
    let token = &crate::steps::names::client_token(36);
    // A service-linked role made a moment ago is refused until IAM
    // has propagated it: wait that out, visibly, for a bounded time.
    once_propagated(
        cx.progress,
        "ECS to accept its new service-linked role",
        Duration::from_secs(180),
        || async move {
            aws.ecs
                .create_service()
                .cluster(cluster)
                .service_name(&i.service_name)
                .task_definition(task_def)
                .desired_count(crate::model::api_int(i.desired_count))
                .launch_type(LaunchType::Fargate)
                .network_configuration(network(private, sg)?)
                .load_balancers(load_balancer(cx, tg))
                .deployment_configuration(
                    DeploymentConfiguration::builder()
                        .deployment_circuit_breaker(
                            DeploymentCircuitBreaker::builder()
                                .enable(true)
                                .rollback(true)
                                .build(),
                        )
                        .build(),
                )
                .health_check_grace_period_seconds(60)
                .propagate_tags(PropagateTags::Service)
                .set_tags(Some(super::owned::SERVICE.tags(session).ecs()))
                .client_token(token)
                .send()
                .await
                .ctx("ecs", "CreateService")
        },
    )
    .await
}

/// Tasks in the private subnet, in the task security group, without a public IP.
pub(super) fn network(private: &str, sg: &str) -> Result<NetworkConfiguration> {
    let vpc_conf = AwsVpcConfiguration::builder()
        .subnets(private)
        .security_groups(sg)
        .assign_public_ip(AssignPublicIp::Disabled)
        .build()
        .map_err(|e| Error::Config(format!("service network configuration: {e}")))?;
    Ok(NetworkConfiguration::builder()
        .awsvpc_configuration(vpc_conf)
        .build())
}

/// The container and port the service registers with target group `tg`.
pub(super) fn load_balancer(cx: StepCx<'_>, tg: &str) -> EcsLb {
    let td = &cx.inputs.task_definition;
    EcsLb::builder()
        .target_group_arn(tg)
        .container_name(&td.container_name)
        .container_port(crate::model::api_int(td.container_port))
        .build()
}

/// What of an existing service differs from the walkthrough's: each item
/// in words, for the change line and the consent question.
pub(super) fn drift(
    cx: StepCx<'_>,
    svc: &aws_sdk_ecs::types::Service,
    at: &Placement<'_>,
) -> Vec<String> {
    let mut out = Vec::new();
    if svc.task_definition() != Some(at.task_def) {
        out.push(format!("run {}", at.task_def));
    }
    let want = cx.inputs.service.desired_count;
    if svc.desired_count() != crate::model::api_int(want) {
        out.push(format!("{want} task(s)"));
    }
    let net = svc
        .network_configuration()
        .and_then(NetworkConfiguration::awsvpc_configuration);
    if net.map(AwsVpcConfiguration::subnets) != Some(&[at.private.to_string()][..]) {
        out.push(format!("tasks only in the private subnet {}", at.private));
    }
    if net.map(AwsVpcConfiguration::security_groups) != Some(&[at.sg.to_string()][..]) {
        out.push(format!("tasks in security group {}", at.sg));
    }
    if net.and_then(AwsVpcConfiguration::assign_public_ip) != Some(&AssignPublicIp::Disabled) {
        out.push("no public IP".into());
    }
    let lb = load_balancer(cx, at.tg);
    let same = |l: &EcsLb| {
        l.target_group_arn() == lb.target_group_arn()
            && l.container_name() == lb.container_name()
            && l.container_port() == lb.container_port()
    };
    if svc.load_balancers().len() != 1 || !svc.load_balancers().iter().all(same) {
        out.push(format!(
            "container port {} registered with {}",
            cx.inputs.task_definition.container_port,
            crate::text::short_arn(at.tg)
        ));
    }
    out
}
