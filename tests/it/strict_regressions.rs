//! What the strict-AWS layer found in gatewalk, each with the test that failed
//! before the fix: teardown that left the ECS service running, apply after
//! teardown stuck on a deregistered task definition, `CreateService` before ECS's
//! new service-linked role had propagated, and a placeholder target group left
//! behind after its name changed; and an integration whose VPC link moto forgot,
//! which left the "uses the session's link" check unjudged and doctor unable to
//! follow an API to its link.

use crate::common;

use common::strict::Pair;
use common::{World, account_counts, kinds, live_services, run};
use gatewalk::aws::find::{self, inventory};
use gatewalk::aws::tags::ResourceTags;
use gatewalk::progress::{Event, Progress};
use gatewalk::sandbox::Pace;
use gatewalk::steps::engine;
use gatewalk::steps::inputs::Inputs;
use gatewalk::steps::{CheckStatus, StepId};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The Done-when of the strict-layer issue, on one session from the command
/// line: apply, teardown, apply, teardown — each one run, exit 0 — leaves the
/// account as it was, live services (in every cluster) and network interfaces
/// included.
#[tokio::test]
async fn apply_teardown_apply_teardown_on_one_session_leaves_nothing() {
    let w = World::new().await;
    let empty = account_counts(&w.aws).await;
    for round in 1..=2 {
        let mut c = w.bin();
        c.args(["--session", "again", "apply"]);
        let out = run(c);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "apply #{round}: {err}");
        assert_eq!(stdout(&out).matches("✓ step").count(), 10, "apply #{round}");
        assert!(!err.contains("INACTIVE"), "apply #{round}: {err}");
        assert_eq!(live_services(&w.aws).await, 1, "apply #{round}");

        let mut c = w.bin();
        c.args(["--session", "again", "teardown", "--yes"]);
        let out = run(c);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "teardown #{round}: {err}");
        assert!(
            err.contains("deleted ECS service"),
            "teardown #{round}: {err}"
        );
        assert!(
            stdout(&out).contains("nothing tagged gatewalk:session=again remains"),
            "teardown #{round}"
        );
        assert_eq!(live_services(&w.aws).await, 0, "teardown #{round}");
        assert_eq!(
            account_counts(&w.aws).await,
            empty,
            "teardown #{round} leaves the account as it was found"
        );
    }
}

/// Teardown deletes the service (scaled to 0, deleted, waited INACTIVE) before
/// the cluster, the task security group and the subnets it held.
#[tokio::test]
async fn teardown_deletes_the_service_before_what_it_uses() {
    let w = World::new().await;
    let mut h = w.apply(&w.aws, "svc", StepId::Done).await;
    let inputs = Inputs::resolve(h.session(), &[]).unwrap();
    let aws = World::context(&w.moto.endpoint()).await;
    let left = engine::teardown_all(&aws, &mut h, &inputs, &Progress::silent())
        .await
        .expect("teardown");
    assert!(left.is_empty(), "{:?}", kinds(&left));
    let calls = aws.calls.snapshot();
    let ok = |op: &str| {
        calls
            .iter()
            .position(|c| c.ok && c.operation == op)
            .unwrap_or_else(|| panic!("{op} never succeeded"))
    };
    let scaled = ok("UpdateService");
    let deleted = ok("DeleteService");
    assert!(scaled < deleted, "scaled to 0 before DeleteService");
    assert!(deleted < ok("DeleteSecurityGroup"));
    assert!(deleted < ok("DeleteSubnet"));
    assert!(deleted < ok("DeleteCluster"));
    assert_eq!(live_services(&aws).await, 0);
}

/// A session torn down and applied again reuses nothing deregistered: a fresh
/// task-definition revision, every check green.
#[tokio::test]
async fn apply_after_teardown_registers_a_fresh_task_definition() {
    let w = World::new().await;
    let mut h = w.apply(&w.aws, "redo", StepId::Service).await;
    let first = h
        .session()
        .output(gatewalk::model::OutputKey::TaskDefinition)
        .unwrap()
        .to_string();
    let inputs = Inputs::resolve(h.session(), &[]).unwrap();
    engine::teardown_all(&w.aws, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap();
    engine::apply_through(
        &w.aws,
        &mut h,
        &inputs,
        StepId::Service,
        &Progress::silent(),
    )
    .await
    .expect("apply after teardown");
    let second = h
        .session()
        .output(gatewalk::model::OutputKey::TaskDefinition)
        .unwrap()
        .to_string();
    assert_ne!(first, second, "a new revision, not the deregistered one");
    let steps: Vec<StepId> = StepId::ALL
        .into_iter()
        .filter(|s| *s <= StepId::Service)
        .collect();
    for (step, r) in engine::validate_steps(&w.aws, h.session(), &inputs, &steps).await {
        let checks = r.unwrap_or_else(|e| panic!("{step}: {e}"));
        assert!(
            checks
                .iter()
                .all(|c| matches!(c.status, CheckStatus::Pass | CheckStatus::Skipped)),
            "{step}: {checks:?}"
        );
    }
}

/// ECS refuses `CreateService` until a brand-new service-linked role has
/// propagated; apply makes the role when the account has none, waits that out
/// and says so. (ECS makes the role itself with the first cluster, so the
/// account here loses it after step 5, as one whose role was deleted would.)
#[tokio::test]
async fn a_new_service_linked_role_is_waited_for_visibly() {
    let w = World::new_at(Pace::Fast).await;
    let mut h = w.apply(&w.aws, "slr", StepId::NatGateway).await;
    w.aws
        .iam
        .delete_role()
        .role_name("AWSServiceRoleForECS")
        .send()
        .await
        .expect("ECS made its role with the cluster");
    let inputs = Inputs::resolve(h.session(), &[]).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let aws = World::context(&w.moto.endpoint()).await;
    engine::apply_through(&aws, &mut h, &inputs, StepId::Service, &Progress::new(tx))
        .await
        .expect("apply waits for the role instead of failing");
    let mut waited = false;
    while let Ok(ev) = rx.try_recv() {
        if let Event::Waiting { what, .. } = &ev
            && what.contains("service-linked role")
        {
            waited = true;
        }
    }
    assert!(waited, "the wait for the new role is shown");
    let calls = aws.calls.snapshot();
    let made = calls
        .iter()
        .position(|c| c.operation == "CreateServiceLinkedRole" && c.ok)
        .expect("apply made the role");
    let refused = calls
        .iter()
        .filter(|c| c.operation == "CreateService" && !c.ok)
        .count();
    assert!(
        refused >= 1,
        "AWS (the layer) refused the first CreateService"
    );
    assert!(
        calls[made..]
            .iter()
            .any(|c| c.operation == "CreateService" && c.ok),
        "and accepted a later one"
    );
}

/// The placeholder's name is an input like any other: listed under its step,
/// changed with --set, and a changed name leaves exactly one placeholder, which
/// teardown removes.
#[tokio::test]
async fn the_placeholder_input_round_trips_and_leaves_one_placeholder() {
    let w = World::new().await;
    let mut c = w.bin();
    c.args([
        "--session",
        "ph",
        "--output",
        "json",
        "inputs",
        "load-balancer",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&run(c).stdout).unwrap();
    let text = v.to_string();
    assert!(!text.contains("load-balancer.load-balancer"), "{text}");
    assert!(text.contains("\"ph-placeholder\""), "{text}");

    let mut c = w.bin();
    c.args(["--session", "ph", "apply", "--through", "load-balancer"]);
    assert!(run(c).status.success());
    let mut c = w.bin();
    c.args([
        "--session",
        "ph",
        "apply",
        "--through",
        "load-balancer",
        "--set",
        "load-balancer.placeholder_target_group_name=ph-renamed",
    ]);
    assert!(run(c).status.success());
    let placeholders =
        find::target_groups(&w.aws, &ResourceTags::new("ph", "placeholder-target-group"))
            .await
            .unwrap();
    let names: Vec<&str> = placeholders
        .iter()
        .filter_map(|t| t.target_group_name())
        .collect();
    assert_eq!(names, ["ph-renamed"]);

    let mut c = w.bin();
    c.args(["--session", "ph", "teardown", "--yes"]);
    assert!(run(c).status.success());
    assert!(inventory(&w.aws, "ph").await.unwrap().is_empty());
}

/// An integration put with a VPC link keeps it, as AWS does; moto alone
/// answers without it.
#[tokio::test]
async fn an_integration_keeps_its_vpc_link() {
    use aws_sdk_apigateway::types::{ConnectionType, IntegrationType};
    let p = Pair::new().await;
    let mut kept = Vec::new();
    for r in [&p.strict, &p.bare] {
        let api = r.apigw.create_rest_api().name("kept").send().await.unwrap();
        let api = api.id().unwrap();
        let res = r
            .apigw
            .get_resources()
            .rest_api_id(api)
            .send()
            .await
            .unwrap();
        let root = res.items()[0].id().unwrap();
        r.apigw
            .put_method()
            .rest_api_id(api)
            .resource_id(root)
            .http_method("ANY")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        r.apigw
            .put_integration()
            .rest_api_id(api)
            .resource_id(root)
            .http_method("ANY")
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method("ANY")
            .uri("http://nlb.example:80/")
            .connection_type(ConnectionType::VpcLink)
            .connection_id("link123")
            .send()
            .await
            .unwrap();
        let i = r
            .apigw
            .get_integration()
            .rest_api_id(api)
            .resource_id(root)
            .http_method("ANY")
            .send()
            .await
            .unwrap();
        let embedded = r
            .apigw
            .get_resources()
            .rest_api_id(api)
            .embed("methods")
            .send()
            .await
            .unwrap();
        let via_resources = embedded.items()[0]
            .resource_methods()
            .and_then(|m| m.get("ANY"))
            .and_then(|m| m.method_integration())
            .and_then(|i| i.connection_id())
            .map(str::to_string);
        kept.push((i.connection_id().map(str::to_string), via_resources));
    }
    let link = Some("link123".to_string());
    assert_eq!(kept[0], (link.clone(), link), "the strict layer keeps it");
    assert_eq!(
        kept[1],
        (None, None),
        "moto alone drops it (the rule is still needed)"
    );
    p.clean().await;
}
