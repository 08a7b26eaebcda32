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
    let td = &cx.inputs.task_definition;
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
            let vpc_conf = AwsVpcConfiguration::builder()
                .subnets(private)
                .security_groups(sg)
                .assign_public_ip(AssignPublicIp::Disabled)
                .build()
                .map_err(|e| Error::Config(format!("service network configuration: {e}")))?;
            aws.ecs
                .create_service()
                .cluster(cluster)
                .service_name(&i.service_name)
                .task_definition(task_def)
                .desired_count(crate::model::api_int(i.desired_count))
                .launch_type(LaunchType::Fargate)
                .network_configuration(
                    NetworkConfiguration::builder()
                        .awsvpc_configuration(vpc_conf)
                        .build(),
                )
                .load_balancers(
                    EcsLb::builder()
                        .target_group_arn(tg)
                        .container_name(&td.container_name)
                        .container_port(crate::model::api_int(td.container_port))
                        .build(),
                )
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
