//! The strict layer's data plane: a service's tasks run only when AWS would
//! let them, their targets turn healthy only when the load balancer can reach
//! them, and ECS replaces what fails — each shown with raw SDK calls, beside
//! bare moto, which runs no task and registers no target at all.

use crate::common;

use aws_sdk_ecs::types::{
    DeploymentCircuitBreaker, DeploymentConfiguration, DesiredStatus, LaunchType, LoadBalancer,
};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ProtocolEnum, TargetHealthDescription, TargetTypeEnum,
};
use common::strict::*;

/// What to build: an NLB in subnet a, a target group and listener on 80, and
/// a Fargate service behind it.
struct Stack {
    way_out: bool,
    open_port: bool,
    subnet_b: bool,
    image: &'static str,
}

impl Default for Stack {
    fn default() -> Self {
        Stack {
            way_out: true,
            open_port: true,
            subnet_b: false,
            image: "nginx",
        }
    }
}

/// Builds the stack; returns the target group's ARN.
async fn build(r: &Raw, s: &Stack) -> String {
    let n = net(r).await;
    if s.way_out {
        way_out(r, &n).await;
    }
    slr(r).await;
    if s.open_port {
        r.ec2
            .authorize_security_group_ingress()
            .group_id(&n.sg)
            .ip_protocol("tcp")
            .from_port(80)
            .to_port(80)
            .cidr_ip("10.0.0.0/16")
            .send()
            .await
            .unwrap();
    }
    let tg = forwarding_nlb(r, &n).await;
    r.ecs
        .create_cluster()
        .cluster_name("c")
        .send()
        .await
        .unwrap();
    let td = web(r, s.image).await;
    let mut conf = awsvpc(&n);
    if s.subnet_b {
        let c = conf.awsvpc_configuration.as_mut().unwrap();
        c.subnets = vec![n.b.clone()];
    }
    r.ecs
        .create_service()
        .cluster("c")
        .service_name("s")
        .task_definition(td)
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .network_configuration(conf)
        .load_balancers(
            LoadBalancer::builder()
                .target_group_arn(&tg)
                .container_name("web")
                .container_port(80)
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
        .send()
        .await
        .unwrap();
    tg
}

/// An internal NLB in subnet a whose TCP 80 listener forwards to a new ip
/// target group; returns the group's ARN.
async fn forwarding_nlb(r: &Raw, n: &Net) -> String {
    let lb = r
        .elb
        .create_load_balancer()
        .name("nlb")
        .r#type(aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::Network)
        .scheme(aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::Internal)
        .subnets(&n.a)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let tg = target_group(r, n, "tg", TargetTypeEnum::Ip).await;
    r.elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&tg)
                .build(),
        )
        .send()
        .await
        .unwrap();
    tg
}

/// Registers `web` (Fargate, container `web` on port 80) with `image`.
async fn web(r: &Raw, image: &str) -> String {
    let td = r
        .ecs
        .register_task_definition()
        .family("web")
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("web")
                .image(image)
                .port_mappings(
                    aws_sdk_ecs::types::PortMapping::builder()
                        .container_port(80)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    td.task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap()
        .to_string()
}

async fn health(r: &Raw, tg: &str) -> Vec<TargetHealthDescription> {
    r.elb
        .describe_target_health()
        .target_group_arn(tg)
        .send()
        .await
        .unwrap()
        .target_health_descriptions()
        .to_vec()
}

fn states(t: &[TargetHealthDescription]) -> Vec<(String, String)> {
    t.iter()
        .map(|d| {
            let h = d.target_health().unwrap();
            (
                h.state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                h.reason()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// Polls target health (each poll one request: at instant pace every state
/// lasts until one request has seen it) until `until` holds; returns every
/// state seen.
async fn watch(r: &Raw, tg: &str, until: impl Fn(&[(String, String)]) -> bool) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..60 {
        let s = states(&health(r, tg).await);
        for (state, reason) in &s {
            let it = format!("{state} {reason}").trim().to_string();
            if seen.last() != Some(&it) {
                seen.push(it);
            }
        }
        if until(&s) {
            return seen;
        }
    }
    panic!("never reached; seen {seen:?}");
}

/// Stopped tasks' (stopCode, stoppedReason), and the service's primary rollout state.
async fn stopped(r: &Raw) -> (Vec<(String, String)>, String) {
    let arns = r
        .ecs
        .list_tasks()
        .cluster("c")
        .service_name("s")
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .unwrap()
        .task_arns()
        .to_vec();
    let mut out = Vec::new();
    if !arns.is_empty() {
        let d = r
            .ecs
            .describe_tasks()
            .cluster("c")
            .set_tasks(Some(arns))
            .send()
            .await
            .unwrap();
        for t in d.tasks() {
            out.push((
                t.stop_code()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
                t.stopped_reason().unwrap_or_default().to_string(),
            ));
        }
    }
    let s = r
        .ecs
        .describe_services()
        .cluster("c")
        .services("s")
        .send()
        .await
        .unwrap();
    let rollout = s.services()[0]
        .deployments()
        .iter()
        .filter_map(|d| d.rollout_state().map(|x| x.as_str().to_string()))
        .collect::<Vec<_>>()
        .join(",");
    (out, rollout)
}

/// Polls until the circuit breaker fails the deployment (or gives up; the
/// test's assertions then say what was seen).
async fn breaker_trips(r: &Raw) {
    for _ in 0..60 {
        if stopped(r).await.1 == "FAILED" {
            return;
        }
    }
}

#[tokio::test]
async fn tasks_run_and_their_targets_turn_healthy() {
    let p = Pair::new().await;
    let tg = build(&p.strict, &Stack::default()).await;
    let seen = watch(&p.strict, &tg, |s| s.iter().any(|(st, _)| st == "healthy")).await;
    assert_eq!(
        seen,
        ["initial Elb.InitialHealthChecking", "healthy"],
        "registered when running, initial before healthy"
    );
    let running = p
        .strict
        .ecs
        .list_tasks()
        .cluster("c")
        .service_name("s")
        .send()
        .await
        .unwrap();
    assert_eq!(running.task_arns().len(), 1, "ListTasks filters by service");
    let (_, rollout) = stopped(&p.strict).await;
    assert_eq!(rollout, "COMPLETED");
    // Bare moto starts no task and registers no target.
    let bare_tg = build(&p.bare, &Stack::default()).await;
    assert!(health(&p.bare, &bare_tg).await.is_empty());
    p.clean().await;
}

#[tokio::test]
async fn a_closed_port_leaves_targets_unhealthy_and_ecs_replaces_the_tasks() {
    let p = Pair::new().await;
    let stack = Stack {
        open_port: false,
        ..Stack::default()
    };
    let tg = build(&p.strict, &stack).await;
    watch(&p.strict, &tg, |s| {
        s.iter()
            .any(|(st, why)| st == "unhealthy" && why == "Target.FailedHealthChecks")
    })
    .await;
    // ECS stops the unhealthy task and starts another, until the circuit
    // breaker gives the (first, so nothing to roll back to) deployment up.
    breaker_trips(&p.strict).await;
    let (tasks, rollout) = stopped(&p.strict).await;
    assert_eq!(rollout, "FAILED");
    assert!(tasks.len() >= 3, "{tasks:?}");
    assert!(
        tasks
            .iter()
            .all(|(code, why)| code == "ServiceSchedulerInitiated"
                && why.starts_with("Task failed ELB health checks in (target-group ")),
        "{tasks:?}"
    );
    p.clean().await;
}

#[tokio::test]
async fn without_a_way_out_the_image_cannot_be_pulled() {
    let p = Pair::new().await;
    let stack = Stack {
        way_out: false,
        ..Stack::default()
    };
    build(&p.strict, &stack).await;
    breaker_trips(&p.strict).await;
    let (tasks, rollout) = stopped(&p.strict).await;
    assert_eq!(rollout, "FAILED", "the circuit breaker");
    assert!(!tasks.is_empty());
    for (code, why) in &tasks {
        assert_eq!(code, "TaskFailedToStart");
        assert!(
            why.starts_with("CannotPullContainerError: ") && why.contains("i/o timeout"),
            "{why}"
        );
    }
    p.clean().await;
}

#[tokio::test]
async fn an_image_that_does_not_exist_cannot_be_pulled() {
    let p = Pair::new().await;
    let stack = Stack {
        image: "nginx:does-not-exist",
        ..Stack::default()
    };
    build(&p.strict, &stack).await;
    breaker_trips(&p.strict).await;
    let (tasks, _) = stopped(&p.strict).await;
    assert!(
        tasks
            .iter()
            .any(|(_, why)| why.ends_with("docker.io/library/nginx:does-not-exist: not found")),
        "{tasks:?}"
    );
    p.clean().await;
}

#[tokio::test]
async fn a_target_outside_the_load_balancers_zones_is_unused() {
    let p = Pair::new().await;
    let stack = Stack {
        subnet_b: true,
        ..Stack::default()
    };
    let tg = build(&p.strict, &stack).await;
    let seen = watch(&p.strict, &tg, |s| !s.is_empty()).await;
    assert_eq!(seen, ["unused Target.NotInUse"]);
    let d = health(&p.strict, &tg).await;
    let desc = d[0].target_health().unwrap().description().unwrap();
    assert!(desc.contains("Availability Zone"), "{desc}");
    p.clean().await;
}

#[tokio::test]
async fn create_service_keeps_the_circuit_breaker() {
    let p = Pair::new().await;
    let mut kept = Vec::new();
    for r in [&p.strict, &p.bare] {
        build(r, &Stack::default()).await;
        let s = r
            .ecs
            .describe_services()
            .cluster("c")
            .services("s")
            .send()
            .await
            .unwrap();
        kept.push(
            s.services()[0]
                .deployment_configuration()
                .and_then(|c| c.deployment_circuit_breaker())
                .is_some_and(|b| b.enable() && b.rollback()),
        );
    }
    assert_eq!(kept, [true, false], "through the layer, and bare moto");
    p.clean().await;
}
