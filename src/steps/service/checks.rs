//! Live checks and inspection for step 6.

use super::keys::*;
use super::running::stopped_reasons;
use super::{describe_service, forwards_to, listener_on};
use crate::aws::Required;
use crate::error::Result;
use crate::model::Fix;
use crate::session::Session;
use crate::steps::cluster_vpc::keys as vpc_keys;
use crate::steps::load_balancer::describe_tg;
use crate::steps::load_balancer::keys as lb_keys;
use crate::steps::private_subnet::PRIVATE_SUBNET_KEY;
use crate::steps::{Check, Resource, StepCx, StepId};
use aws_sdk_ecs::types::{AssignPublicIp, DeploymentRolloutState, LaunchType};
use aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum;

const APPLY: Fix = Fix::Apply(StepId::Service);

#[expect(
    clippy::too_many_lines,
    reason = "a hand-written resource life cycle or check list; split by the resource kit (issue 12)"
)]
pub(super) async fn validate(cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
    let aws = cx.aws;
    let i = &cx.inputs.service;
    let td = &cx.inputs.task_definition;
    let port = crate::model::api_int(td.container_port);
    let cidr = &cx.inputs.cluster_vpc.vpc_cidr;
    let out = |k| s.output(k);
    let mut c = Vec::new();

    // Security group: the container port from the VPC, nothing from everywhere.
    let sg = match out(SG) {
        None => None,
        Some(recorded) => task_group(aws, recorded).await?,
    };
    match &sg {
        None => c.push(Check::fail(
            "task security group exists",
            "not found",
            APPLY,
        )),
        Some(g) => {
            let sg_id = g
                .group_id()
                .required("ec2", "DescribeSecurityGroups", "GroupId")?;
            let from_vpc = admits_from(g, port, cidr);
            c.push(Check::expect(
                "tasks accept the container port from the VPC",
                from_vpc,
                format!("{sg_id}: TCP {port} from {cidr}: {}", if from_vpc { "allowed" } else { "missing" }),
                format!("aws ec2 authorize-security-group-ingress --group-id {sg_id} --protocol tcp --port {port} --cidr {cidr} (without it targets never turn healthy)"),
            ));
            let open: Vec<String> = g
                .ip_permissions()
                .iter()
                .filter(|p| {
                    p.ip_ranges()
                        .iter()
                        .any(|r| r.cidr_ip() == Some("0.0.0.0/0"))
                })
                .map(|p| {
                    format!(
                        "{}-{}",
                        p.from_port().unwrap_or(0),
                        p.to_port().unwrap_or(0)
                    )
                })
                .collect();
            c.push(Check::expect(
                "tasks are not open to the whole internet",
                open.is_empty(),
                if open.is_empty() {
                    "no 0.0.0.0/0 rule".into()
                } else {
                    format!("0.0.0.0/0 on ports {}", open.join(", "))
                },
                format!(
                    "remove the 0.0.0.0/0 rules from {sg_id}; the VPC block is all the NLB needs"
                ),
            ));
        }
    }

    // Target group and listener.
    let tg = match out(TG) {
        Some(arn) => describe_tg(aws, arn).await?,
        None => None,
    };
    let tg_arn = tg
        .as_ref()
        .and_then(|t| t.target_group_arn())
        .unwrap_or_default()
        .to_string();
    c.push(match &tg {
        None => Check::fail("service target group exists", "not found", APPLY),
        Some(t) => Check::expect(
            "service target group is type ip on the container port",
            t.target_type() == Some(&TargetTypeEnum::Ip) && t.port() == Some(port),
            format!(
                "{} type {} port {}",
                t.target_group_name().unwrap_or("?"),
                t.target_type().map_or(
                    "?",
                    aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::as_str
                ),
                t.port().unwrap_or(0)
            ),
            "awsvpc tasks register by IP on the container port; recreate the target group",
        ),
    });
    let nlb = s.output(lb_keys::NLB).unwrap_or_default();
    let listener = if nlb.is_empty() {
        None
    } else {
        listener_on(aws, nlb, cx.inputs.listener_port()).await?
    };
    let proto = if cx.inputs.load_balancer.tls {
        "TLS"
    } else {
        "TCP"
    };
    let lport = cx.inputs.listener_port();
    c.push(match &listener {
        None => Check::fail(
            format!("NLB listens on {proto} {lport}"),
            "no listener",
            APPLY,
        ),
        Some(l) => Check::expect(
            format!("NLB listens on {proto} {lport} and forwards to the service"),
            // Its protocol with TLS is the check "NLB listener on 443 is TLS
            // with the certificate", so one break turns one check red.
            !tg_arn.is_empty() && forwards_to(l) == Some(tg_arn.as_str()),
            forwards_to(l).unwrap_or("no forward action").to_string(),
            APPLY,
        ),
    });
    super::listeners::validate(cx, s, &mut c).await?;

    // The service itself.
    let cluster = s.output(vpc_keys::CLUSTER).unwrap_or_default();
    let svc = if cluster.is_empty() {
        None
    } else {
        describe_service(aws, cluster, &i.service_name).await?
    };
    let Some(svc) = svc else {
        c.push(Check::fail(
            "ECS service exists",
            format!("no service {}", i.service_name),
            APPLY,
        ));
        return Ok(c);
    };
    c.push(Check::expect(
        "ECS service is active",
        svc.status() == Some("ACTIVE"),
        svc.status().unwrap_or("?").to_string(),
        APPLY,
    ));
    c.push(Check::expect(
        "runs on Fargate",
        svc.launch_type() == Some(&LaunchType::Fargate),
        svc.launch_type()
            .map_or("?", aws_sdk_ecs::types::LaunchType::as_str)
            .to_string(),
        "recreate the service with launch type FARGATE",
    ));
    let net = svc
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    let private = s.output(PRIVATE_SUBNET_KEY).unwrap_or_default();
    let subnets = net.map(|n| n.subnets().to_vec()).unwrap_or_default();
    c.push(Check::expect(
        "tasks run only in the private subnet",
        !subnets.is_empty() && subnets.iter().all(|s| s == private),
        subnets.join(", "),
        format!("the service's subnets must be {private} — the NLB's only zone; a task elsewhere is never used"),
    ));
    let public_ip = net.and_then(|n| n.assign_public_ip()).cloned();
    c.push(Check::expect(
        "tasks get no public IP",
        public_ip != Some(AssignPublicIp::Enabled),
        public_ip.map_or("DISABLED".into(), |p| p.as_str().to_string()),
        "recreate the service with assignPublicIp DISABLED",
    ));
    let lb_ok = svc.load_balancers().iter().any(|l| {
        l.target_group_arn() == Some(tg_arn.as_str())
            && l.container_name() == Some(td.container_name.as_str())
            && l.container_port() == Some(port)
    });
    c.push(Check::expect(
        "registers container and port with the target group",
        lb_ok,
        svc.load_balancers()
            .iter()
            .map(|l| {
                format!(
                    "{}:{}",
                    l.container_name().unwrap_or("?"),
                    l.container_port().unwrap_or(0)
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        format!(
            "containerName must be {} and containerPort {port}, as in the task definition",
            td.container_name
        ),
    ));
    let breaker = svc
        .deployment_configuration()
        .and_then(|d| d.deployment_circuit_breaker());
    let br_ok = breaker.is_some_and(|b| b.enable() && b.rollback());
    let unjudged = match breaker {
        None => aws
            .traffic()
            .await
            .why_not("does not keep deployment settings"),
        Some(_) => None,
    };
    c.push(if br_ok {
        Check::pass("deployment circuit breaker with rollback", "enabled")
    } else if let Some(why) = unjudged {
        Check::skipped("deployment circuit breaker with rollback", why)
    } else {
        Check::warn("deployment circuit breaker with rollback", "off", "without it a broken image or closed port replaces tasks forever; enable it with rollback")
    });
    let primary = svc
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"));
    let rollout = primary.and_then(|d| d.rollout_state());
    // After a rollback the failed deployment is no longer the primary one,
    // but it stays listed while the rollback runs.
    let failed = super::running::failed_deployment(&svc);
    c.push(match (failed, rollout) {
        (Some(d), _) => Check::fail(
            "deployment finished",
            format!("failed: {}", d.rollout_state_reason().unwrap_or("")),
            "the deployment circuit breaker stopped it (and rolled back when it could); the tasks' stoppedReason says why",
        ),
        (None, Some(DeploymentRolloutState::Completed) | None) if svc.deployments().len() <= 1 => {
            Check::pass("deployment finished", "steady")
        }
        _ => Check::pending("deployment finished", "in progress"),
    });
    if let Some(want) = s.output(crate::model::OutputKey::TaskDefinition) {
        let runs = svc.task_definition().unwrap_or_default();
        c.push(Check::expect(
            "runs step 1's task definition",
            runs == want,
            runs.rsplit('/').next().unwrap_or(runs).to_string(),
            format!(
                "the service runs another revision than {} — the circuit breaker rolled back (see why the last tasks stopped, and fix task-definition in step 1), or it was changed outside gatewalk; apply step 6 to deploy it again",
                want.rsplit('/').next().unwrap_or(want)
            ),
        ));
    }
    c.push(tasks_running(cx, &svc, cluster).await?);
    c.extend(new_tasks_start(cx, cluster, &i.service_name).await?);
    Ok(c)
}

/// The service runs its desired count of tasks; when it does not, the last
/// stopped task's reason is the fix (an image pull failure points at step 5).
async fn tasks_running(
    cx: StepCx<'_>,
    svc: &aws_sdk_ecs::types::Service,
    cluster: &str,
) -> Result<Check> {
    let aws = cx.aws;
    let traffic = aws.traffic().await;
    if let Some(why) = traffic.why_not("runs no containers") {
        return Ok(Check::skipped("tasks are running", why));
    }
    let ok = svc.running_count() >= svc.desired_count() && svc.desired_count() > 0;
    let mut fix = "tasks keep stopping; the reasons ECS gave are listed here".to_string();
    if !ok {
        let name = &cx.inputs.service.service_name;
        let reasons = stopped_reasons(aws, cluster, name).await?;
        if let Some(r) = reasons.first() {
            fix = reason_fix(r);
        }
    }
    Ok(Check::expect(
        "tasks are running",
        ok,
        format!("{} of {} running", svc.running_count(), svc.desired_count()),
        fix,
    ))
}

/// The newest task started: one that failed to start after the last one
/// that did means the next replacement fails too, even while older tasks run.
async fn new_tasks_start(cx: StepCx<'_>, cluster: &str, name: &str) -> Result<Option<Check>> {
    if !cx.aws.traffic().await.judged() {
        return Ok(None);
    }
    let failing = super::running::start_failing(cx.aws, cluster, name).await?;
    Ok(Some(match failing {
        None => Check::pass("new tasks can start", "the newest task started"),
        Some(r) => Check::fail(
            "new tasks can start",
            "the newest task failed to start; older ones still run",
            reason_fix(&r),
        ),
    }))
}

/// A stopped task's reason as a fix: the reason, and which step it points at.
pub(crate) fn reason_fix(r: &str) -> String {
    let hint = if r.contains("ecr:BatchImportUpstreamImage") || r.contains("ecr:CreateRepository") {
        " — the execution role may not fill the pull-through cache: apply step 1 (task-definition) to give it ecr:BatchImportUpstreamImage"
    } else if r.contains("CannotPullContainer") && r.contains("not found") {
        " — the image does not exist: fix task-definition.image (step 1)"
    } else if r.contains("CannotPullContainer") {
        " — the image could not be pulled: the private subnet needs its way out (step 5: the NAT gateway and the private route table, or the ECR endpoints and the S3 gateway endpoint)"
    } else if r.contains("i/o timeout") {
        " — the task could not reach AWS (CloudWatch Logs, ECR) from the private subnet: it needs its way out (step 5: the NAT gateway and the private route table, or the VPC endpoints)"
    } else if r.contains("ELB health checks") {
        " — the NLB cannot reach the container: the task security group must admit the container port from the VPC block (step 6)"
    } else if r.contains("log group does not exist") {
        " — the task definition's log group is missing (apply step 1)"
    } else {
        ""
    };
    format!("last stop reason: {r}{hint}")
}

/// The task security group as AWS describes it now (`None`: gone).
pub(crate) async fn task_group(
    aws: &crate::aws::AwsContext,
    id: &str,
) -> Result<Option<aws_sdk_ec2::types::SecurityGroup>> {
    let r = aws
        .ec2
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await;
    Ok(
        crate::aws::error::optional(crate::aws::CallExt::ctx(r, "ec2", "DescribeSecurityGroups"))?
            .and_then(|o| o.security_groups().first().cloned()),
    )
}

/// Whether the group admits TCP `port` from the VPC block `cidr` (the NLB's
/// addresses are in it), the rule step 6 makes.
pub(crate) use crate::steps::net::admits_from;

pub(super) async fn inspect(cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
    let aws = cx.aws;
    let out = |k| s.output(k);
    let mut v = Vec::new();
    if let Some(id) = out(SG) {
        v.push(Resource {
            kind: "Security group".into(),
            id: id.into(),
            state: "exists".into(),
            attributes: vec![(
                "inbound".into(),
                format!(
                    "TCP {} from {}",
                    cx.inputs.task_definition.container_port, cx.inputs.cluster_vpc.vpc_cidr
                ),
            )],
            console_url: aws.console_url(&format!(
                "ec2/home?region={{region}}#SecurityGroup:groupId={id}"
            )),
        });
    }
    if let Some(arn) = out(TG) {
        v.push(crate::steps::load_balancer::tg_resource(cx, arn, "Target group").await?);
    }
    if let Some(arn) = out(LISTENER) {
        v.push(Resource {
            kind: "Listener".into(),
            id: arn.into(),
            state: "exists".into(),
            attributes: vec![
                ("port".into(), cx.inputs.listener_port().to_string()),
                (
                    "protocol".into(),
                    if cx.inputs.load_balancer.tls {
                        "TLS"
                    } else {
                        "TCP"
                    }
                    .into(),
                ),
            ],
            console_url: None,
        });
    }
    let cluster = s.output(vpc_keys::CLUSTER).unwrap_or_default();
    if let (Some(arn), false) = (out(SERVICE), cluster.is_empty()) {
        match describe_service(aws, cluster, &cx.inputs.service.service_name).await? {
            Some(svc) => v.push(Resource {
                kind: "ECS service".into(),
                id: arn.into(),
                state: svc.status().unwrap_or_default().to_lowercase(),
                attributes: vec![
                    (
                        "tasks".into(),
                        format!(
                            "{} running / {} desired{}",
                            svc.running_count(),
                            svc.desired_count(),
                            if aws.traffic().await.judged() {
                                ""
                            } else {
                                " (this emulator runs no containers)"
                            }
                        ),
                    ),
                    (
                        "task definition".into(),
                        svc.task_definition().unwrap_or_default().into(),
                    ),
                    (
                        "last event".into(),
                        svc.events()
                            .first()
                            .and_then(|e| e.message())
                            .unwrap_or("-")
                            .into(),
                    ),
                ],
                console_url: aws.console_url(&format!(
                    "ecs/v2/clusters/{}/services/{}?region={{region}}",
                    cx.inputs.cluster_vpc.cluster_name, cx.inputs.service.service_name
                )),
            }),
            None => v.push(Resource::missing("ECS service", arn)),
        }
    }
    Ok(v)
}
