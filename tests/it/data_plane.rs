//! What breaks, as a user meets it in the sandbox: the data plane of the
//! strict layer runs the tasks, reports target health and answers the invoke
//! URL, so each failure story below ends in its named failing check with its
//! fix — and `apply` repairs what gatewalk owns. Everything through the binary,
//! the breakage made with raw SDK calls as a person in the console would.

use crate::common::checks::{check, until, validate};
use crate::common::{self, World};
use crate::tui_flow::Harness;
use gatewalk::model::OutputKey;
use gatewalk::session::StepStatus;
use gatewalk::steps::StepId;
use gatewalk::tui::app::{Screen, Tab};
use serde_json::Value;
use std::time::Duration;

const S: &str = "dp";

fn apply(w: &World, extra: &[&str]) -> std::process::Output {
    let mut c = w.bin();
    c.args(["--session", S, "apply"]).args(extra);
    common::run(c)
}

fn output(w: &World, key: OutputKey) -> String {
    w.store.load(S).unwrap().output(key).unwrap().to_string()
}

fn fix(c: &Value) -> String {
    c["fix"].as_str().unwrap_or_default().to_string()
}

/// `gatewalk logs`: the container's newest lines, then why tasks stopped.
fn logs(w: &World) -> String {
    let mut c = w.bin();
    c.args(["--session", S, "logs", "--lines", "20"]);
    let out = common::run(c);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Removes step 6's rule, as someone tidying up in the console would;
/// returns the security group.
async fn revoke(w: &World) -> String {
    let sg = output(w, OutputKey::SecurityGroup);
    w.aws
        .ec2
        .revoke_security_group_ingress()
        .group_id(&sg)
        .ip_protocol("tcp")
        .from_port(80)
        .to_port(80)
        .cidr_ip("10.0.0.0/16")
        .send()
        .await
        .unwrap();
    sg
}

fn healthy_again(w: &World) {
    let out = apply(w, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, steps) = validate(w, S);
    let smoke = check(&steps, "GET https://");
    assert_eq!(code, Some(0), "{steps:#?}");
    assert!(
        smoke["observed"].as_str().unwrap().contains("HTTP 200"),
        "{smoke}"
    );
}

#[tokio::test]
async fn a_revoked_security_group_rule_is_named_first_and_apply_repairs_it() {
    let w = World::new().await;
    assert!(apply(&w, &[]).status.success());
    let sg = revoke(&w).await;

    let steps = until(&w, S, "GET https://", "fail");
    let rule = check(&steps, "tasks accept the container port from the VPC");
    assert_eq!(rule["status"], "fail");
    let smoke = check(&steps, "GET https://");
    let observed = smoke["observed"].as_str().unwrap();
    assert!(observed.starts_with("HTTP 50"), "{smoke}");
    let causes = fix(smoke);
    let first = causes.lines().nth(1).unwrap();
    assert!(
        first.contains("1. the task security group") && first.contains(&sg),
        "the security group comes first: {causes}"
    );
    let said = logs(&w);
    assert!(
        said.contains("Configuration complete; ready for start up"),
        "{said}"
    );
    assert!(
        said.contains("SIGTERM"),
        "ECS stopped the unhealthy task: {said}"
    );
    assert!(said.contains("Task failed ELB health checks"), "{said}");
    healthy_again(&w);
}

#[tokio::test]
async fn a_private_subnet_without_its_route_cannot_pull_and_apply_repairs_it() {
    let w = World::new().await;
    assert!(apply(&w, &[]).status.success());
    let rt = output(&w, OutputKey::PrivateRouteTable);
    w.aws
        .ec2
        .delete_route()
        .route_table_id(&rt)
        .destination_cidr_block("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    // Running tasks have their image; the next one must pull it.
    let cluster = output(&w, OutputKey::Cluster);
    w.aws
        .ecs
        .update_service()
        .cluster(&cluster)
        .service(output(&w, OutputKey::Service))
        .force_new_deployment(true)
        .send()
        .await
        .unwrap();

    let steps = until(&w, S, "new tasks can start", "fail");
    let starts = check(&steps, "new tasks can start");
    let f = fix(starts);
    assert!(f.contains("CannotPullContainerError"), "{f}");
    assert!(f.contains("i/o timeout") && f.contains("step 5"), "{f}");
    assert_eq!(
        check(
            &steps,
            "private route table sends 0.0.0.0/0 to the NAT gateway"
        )["status"],
        "fail"
    );
    let said = logs(&w);
    assert!(said.contains("CannotPullContainerError"), "{said}");
    assert!(
        said.contains("GET / HTTP/1.1\" 200"),
        "the access log of the apply's smoke test: {said}"
    );
    healthy_again(&w);
}

#[tokio::test]
async fn tasks_in_a_zone_the_nlb_lacks_are_unused() {
    let w = World::new().await;
    assert!(apply(&w, &[]).status.success());
    // A subnet in the zone the private subnet (and so the NLB) is not in,
    // public, and the service moved into it.
    let private = w
        .aws
        .ec2
        .describe_subnets()
        .subnet_ids(output(&w, OutputKey::PrivateSubnet))
        .send()
        .await
        .unwrap();
    let nlb_zone = private.subnets()[0]
        .availability_zone()
        .unwrap()
        .to_string();
    let (a, b) = (output(&w, OutputKey::AzA), output(&w, OutputKey::AzB));
    let other = if nlb_zone == a { b } else { a };
    let subnet = w
        .aws
        .ec2
        .create_subnet()
        .vpc_id(output(&w, OutputKey::Vpc))
        .cidr_block("10.0.200.0/24")
        .availability_zone(&other)
        .send()
        .await
        .unwrap()
        .subnet()
        .unwrap()
        .subnet_id()
        .unwrap()
        .to_string();
    w.aws
        .ec2
        .associate_route_table()
        .route_table_id(output(&w, OutputKey::PublicRouteTable))
        .subnet_id(&subnet)
        .send()
        .await
        .unwrap();
    let net = aws_sdk_ecs::types::NetworkConfiguration::builder()
        .awsvpc_configuration(
            aws_sdk_ecs::types::AwsVpcConfiguration::builder()
                .subnets(&subnet)
                .security_groups(output(&w, OutputKey::SecurityGroup))
                .assign_public_ip(aws_sdk_ecs::types::AssignPublicIp::Enabled)
                .build()
                .unwrap(),
        )
        .build();
    w.aws
        .ecs
        .update_service()
        .cluster(output(&w, OutputKey::Cluster))
        .service(output(&w, OutputKey::Service))
        .network_configuration(net)
        .send()
        .await
        .unwrap();

    let steps = until(&w, S, "targets are in the NLB's Availability Zones", "fail");
    let zones = check(&steps, "targets are in the NLB's Availability Zones");
    assert!(
        zones["observed"].as_str().unwrap().contains("unused"),
        "{zones}"
    );
    let f = fix(zones);
    assert!(
        f.contains("Target.NotInUse") && f.contains("private subnet"),
        "{f}"
    );
}

#[tokio::test]
async fn an_image_that_does_not_exist_trips_the_circuit_breaker() {
    let w = World::new().await;
    assert!(apply(&w, &[]).status.success());
    let out = apply(
        &w,
        &[
            "--set",
            "task-definition.image=public.ecr.aws/nginx/nginx:does-not-exist",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("circuit breaker"), "{err}");
    assert!(
        err.contains("CannotPullContainerError") && err.contains("does-not-exist: not found"),
        "the stoppedReason: {err}"
    );
    let (_, steps) = validate(&w, S);
    let runs = check(&steps, "runs step 1's task definition");
    assert_eq!(
        runs["status"], "fail",
        "rolled back to the old revision: {runs}"
    );
    // The old revision still serves.
    assert_eq!(check(&steps, "GET https://")["status"], "pass");
    let said = logs(&w);
    assert!(said.contains("does-not-exist: not found"), "{said}");
}

/// The same story in the wizard: step 6 turns red by itself, and beside its
/// failing checks stand why the tasks stopped and what the container wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_shows_the_stopped_reason_and_the_log_beside_the_failing_checks() {
    let w = World::new().await;
    assert!(apply(&w, &[]).status.success());
    revoke(&w).await;
    let mut h = Harness::new(&w, Some(S), None);
    h.tall();
    let limit = Duration::from_secs(60);
    h.until("the session", limit, |a| {
        matches!(a.screen, Screen::Wizard(_))
    })
    .await;
    while h.app.wizard().unwrap().selected != StepId::Service {
        h.press(crossterm::event::KeyCode::Char('k'));
    }
    if let Screen::Wizard(wz) = &mut h.app.screen {
        wz.tab = Tab::Checks;
    }
    h.until("step 6 red, with the container's words", limit, |a| {
        a.wizard().is_some_and(|w| {
            w.session.status(StepId::Service) == StepStatus::Failed
                && w.diagnosis
                    .as_ref()
                    .is_some_and(|d| d.stopped.as_ref().is_ok_and(|v| !v.is_empty()))
        })
    })
    .await;
    let screen = h.screen();
    for part in [
        "tasks accept the container port from the VPC",
        "Why the last tasks stopped",
        "Task failed ELB health checks",
        "The container's newest log lines",
        "SIGTERM",
    ] {
        assert!(screen.contains(part), "{part} missing:\n{screen}");
    }
}

/// GETs `path` of the invoke URL through the sandbox, as gatewalk's smoke
/// test does: (status, body, the sandbox's note of why).
async fn invoke(w: &World, path: &str) -> (u16, String, String) {
    let api = output(w, OutputKey::RestApi);
    let r = reqwest::Client::new()
        .get(format!("{}{path}", w.moto.endpoint()))
        .header("host", format!("{api}.execute-api.us-east-1.amazonaws.com"))
        .send()
        .await
        .unwrap();
    let why = r
        .headers()
        .get("x-gatewalk-sandbox-why")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), r.text().await.unwrap(), why)
}

/// The stage serves what was deployed: an integration edited in the console
/// changes nothing until a new deployment, and then it does.
#[tokio::test]
async fn the_stage_serves_what_was_deployed() {
    let w = World::new().await;
    assert!(apply(&w, &[]).status.success());
    let (status, body, _) = invoke(&w, "/prod/").await;
    assert_eq!(status, 200);
    assert!(body.contains("Welcome to nginx"), "{body}");
    let (status, body, _) = invoke(&w, "/dev/").await;
    assert_eq!((status, body.as_str()), (403, r#"{"message":"Forbidden"}"#));

    // Someone points the proxy at port 8080, where the NLB has no listener.
    let api = output(&w, OutputKey::RestApi);
    let res = w
        .aws
        .apigw
        .get_resources()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let proxy = res
        .items()
        .iter()
        .find(|r| r.path() == Some("/{proxy+}"))
        .and_then(|r| r.id())
        .unwrap()
        .to_string();
    let dns = output(&w, OutputKey::LoadBalancerDns);
    w.aws
        .apigw
        .put_integration()
        .rest_api_id(&api)
        .resource_id(&proxy)
        .http_method("ANY")
        .r#type(aws_sdk_apigateway::types::IntegrationType::HttpProxy)
        .integration_http_method("ANY")
        .uri(format!("http://{dns}:8080/{{proxy}}"))
        .connection_type(aws_sdk_apigateway::types::ConnectionType::VpcLink)
        .connection_id(output(&w, OutputKey::VpcLink))
        .send()
        .await
        .unwrap();
    let (status, _, _) = invoke(&w, "/prod/index.html").await;
    assert_eq!(
        status, 200,
        "not deployed yet: the stage still serves the old integration"
    );
    w.aws
        .apigw
        .create_deployment()
        .rest_api_id(&api)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    let (status, body, why) = invoke(&w, "/prod/index.html").await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body, r#"{"message":"Internal server error"}"#);
    assert!(why.contains("no active listener on 8080"), "{why}");
}
