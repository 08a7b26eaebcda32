//! The headless CLI as a user runs it: separate processes against the emulator.

use crate::common;

use common::{World, kinds, run};
use gatewalk::progress::{Event, Progress};
use gatewalk::sandbox::{self, Pace};
use gatewalk::steps::StepId;
use gatewalk::steps::engine;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn keys(s: &gatewalk::session::Session) -> Vec<(StepId, Vec<String>)> {
    s.steps
        .iter()
        .map(|(k, r)| (*k, r.outputs.keys().cloned().collect()))
        .collect()
}

#[tokio::test]
async fn resume_in_a_new_process_matches_an_uninterrupted_run() {
    let w = World::new().await;
    // Interrupted: steps 1–3 in one process, 4–5 in another.
    let mut c = w.bin();
    c.args([
        "--session",
        "resumed",
        "apply",
        "--through",
        "private-subnet",
    ]);
    assert!(run(c).status.success());
    let mid = w.store.load("resumed").unwrap();
    assert_eq!(mid.done_count(), 3);
    assert_eq!(mid.current_step(), Some(StepId::LoadBalancer));
    let mut c = w.bin();
    c.args(["--session", "resumed", "apply", "--through", "nat-gateway"]);
    let out = run(c);
    assert!(out.status.success());
    assert!(stdout(&out).contains("step 5 nat-gateway"));

    // Uninterrupted, in the same account.
    let mut c = w.bin();
    c.args(["--session", "straight", "apply", "--through", "nat-gateway"]);
    assert!(run(c).status.success());

    let (a, b) = (w.inventory("resumed").await, w.inventory("straight").await);
    assert_eq!(kinds(&a), kinds(&b));
    let (sa, sb) = (
        w.store.load("resumed").unwrap(),
        w.store.load("straight").unwrap(),
    );
    assert_eq!(keys(&sa), keys(&sb));
    assert_eq!(sa.done_count(), 5);
    // The resumed one reused steps 1–3: still one task definition revision.
    assert!(
        sa.output(gatewalk::model::OutputKey::TaskDefinition)
            .unwrap()
            .ends_with(":1")
    );

    for name in ["resumed", "straight"] {
        let mut c = w.bin();
        c.args(["--session", name, "validate"]);
        let out = run(c);
        assert_eq!(out.status.code(), Some(0), "{name}");
        assert_eq!(stdout(&out).matches("✓ step").count(), 5);
    }
}

/// `--pace` belongs to the local sandbox: without `--sandbox` (or `sandbox
/// start`) it is refused with exit 2 before anything starts or is written.
#[test]
fn pace_goes_with_the_sandbox() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"))
        .env("GATEWALK_HOME", home.path())
        .args(["--pace", "real", "--session", "p", "plan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--pace") && err.contains("--sandbox"), "{err}");
    assert!(
        !home.path().join("sandbox").exists(),
        "no sandbox was started"
    );
    assert!(!home.path().join("sessions").join("p.json").exists());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"))
        .env("GATEWALK_HOME", home.path())
        .args(["--pace", "fastest", "--sandbox", "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "clap names the three paces");
    assert!(String::from_utf8_lossy(&out.stderr).contains("instant"));
}

#[tokio::test]
async fn json_output_and_exit_codes() {
    let w = World::new().await;
    let mut c = w.bin();
    c.args([
        "--session",
        "j",
        "--output",
        "json",
        "apply",
        "--through",
        "load-balancer",
    ]);
    let out = run(c);
    assert!(out.status.success());
    let last = stdout(&out).lines().last().unwrap_or_default().to_string();
    let v: serde_json::Value = serde_json::from_str(&last).expect("apply ends with its result");
    assert_eq!(v["steps"].as_array().unwrap().len(), 4);

    let mut c = w.bin();
    c.args(["--session", "j", "--output", "json", "status"]);
    let v: serde_json::Value = serde_json::from_slice(&run(c).stdout).unwrap();
    assert_eq!(v["done"], 4);
    assert_eq!(v["current_step"], "nat-gateway");

    let mut c = w.bin();
    c.args([
        "--session",
        "j",
        "--output",
        "json",
        "inspect",
        "load-balancer",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&run(c).stdout).unwrap();
    let res = v["steps"][0]["resources"].as_array().unwrap();
    assert_eq!(res[0]["state"], "active");

    let mut c = w.bin();
    c.args(["--session", "j", "--output", "json", "plan", "nat-gateway"]);
    let v: serde_json::Value = serde_json::from_slice(&run(c).stdout).unwrap();
    let changes = v[0]["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .all(|c| c["action"] == "create" && c["cli"].as_str().unwrap().starts_with("aws ec2 "))
    );

    // Break step 3 behind gatewalk's back: validate exits 3 and names the fix.
    let s = w.store.load("j").unwrap();
    let subnet = s.output(gatewalk::model::OutputKey::PrivateSubnet).unwrap();
    w.aws
        .ec2
        .modify_subnet_attribute()
        .subnet_id(subnet)
        .map_public_ip_on_launch(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut c = w.bin();
    c.args(["--session", "j", "validate"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = stdout(&out);
    assert!(
        text.contains("✗ private subnet does not map public IPs"),
        "{text}"
    );
    assert!(text.contains("--no-map-public-ip-on-launch"), "{text}");
    assert_eq!(
        w.store.load("j").unwrap().status(StepId::PrivateSubnet),
        gatewalk::session::StepStatus::Failed
    );

    // apply repairs it.
    let mut c = w.bin();
    c.args(["--session", "j", "apply", "--through", "private-subnet"]);
    assert!(run(c).status.success());

    // sessions lists it.
    let mut c = w.bin();
    c.args(["sessions"]);
    let text = stdout(&run(c));
    assert!(text.contains("j ") && text.contains("4/10"), "{text}");

    // Teardown needs confirmation when not in a terminal.
    let mut c = w.bin();
    c.args(["--session", "j", "teardown"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a refusal: nothing was deleted");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    let mut c = w.bin();
    c.args(["--session", "j", "teardown", "--yes"]);
    assert!(run(c).status.success());
    assert!(w.inventory("j").await.is_empty());
}

#[tokio::test]
async fn inputs_are_saved_and_listed() {
    let w = World::new().await;
    let mut c = w.bin();
    c.args([
        "--session",
        "inp",
        "inputs",
        "task-definition",
        "--set",
        "task-definition.cpu=512",
        "--set",
        "task-definition.memory=2048",
    ]);
    let text = stdout(&run(c));
    assert!(
        text.contains("task-definition.cpu") && text.contains("(default 256)"),
        "{text}"
    );
    let s = w.store.load("inp").unwrap();
    assert_eq!(
        s.step(StepId::TaskDefinition).inputs.as_ref().unwrap()["cpu"],
        512
    );
    // Later commands keep the saved value.
    let mut c = w.bin();
    c.args([
        "--session",
        "inp",
        "--output",
        "json",
        "inputs",
        "task-definition",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&run(c).stdout).unwrap();
    let cpu = v[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "cpu")
        .unwrap()
        .clone();
    assert_eq!(
        (cpu["value"].as_u64(), cpu["default"].as_u64()),
        (Some(512), Some(256))
    );
}

/// The sandbox outlives a process, is reused, and a restart is noticed by the
/// sessions made in it.
#[tokio::test]
async fn sandbox_is_reused_and_a_restart_is_noticed() {
    let home = tempfile::tempdir().unwrap();
    let a = sandbox::ensure(home.path(), None).await.unwrap();
    assert_eq!(
        a.pace,
        Some(Pace::Fast),
        "a new sandbox runs the strict layer at fast pace"
    );
    let again = sandbox::ensure(home.path(), None).await.unwrap();
    assert_eq!(a, again, "the running sandbox is reused");
    let (st, up) = sandbox::status(home.path()).await.unwrap();
    assert!(up && st == a);
    // A pace given later changes the running sandbox (same instance) and is remembered.
    let real = sandbox::ensure(home.path(), Some(Pace::Real))
        .await
        .unwrap();
    assert_eq!(
        (real.instance.as_str(), real.pace),
        (a.instance.as_str(), Some(Pace::Real))
    );
    let layer: serde_json::Value = reqwest::get(format!("{}/gatewalk-strict/", a.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(layer["pace"], "real");
    let kept = sandbox::ensure(home.path(), None).await.unwrap();
    assert_eq!(kept.pace, Some(Pace::Real));
    let a = sandbox::ensure(home.path(), Some(Pace::Fast))
        .await
        .unwrap();

    let aws = World::context(&a.endpoint()).await;
    let store = gatewalk::session::Store::new(home.path());
    let mut h = store.open("sb", "us-east-1").unwrap();
    engine::bind(&aws, &mut h, Some(&a.instance), &Progress::silent())
        .await
        .unwrap();
    h.record(gatewalk::model::OutputKey::Vpc, "vpc-gone")
        .unwrap();
    h.session_mut().step_mut(StepId::ClusterVpc).status = gatewalk::session::StepStatus::Done;
    h.save().unwrap();

    assert!(sandbox::stop(home.path()).await.unwrap());
    assert!(sandbox::status(home.path()).await.is_none());
    let b = sandbox::ensure(home.path(), None).await.unwrap();
    assert_ne!(a.instance, b.instance);

    let aws = World::context(&b.endpoint()).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    engine::bind(&aws, &mut h, Some(&b.instance), &Progress::new(tx))
        .await
        .unwrap();
    let ev = rx.recv().await.unwrap();
    assert!(
        matches!(&ev, Event::Warning { message, .. } if message.contains("sandbox was restarted")),
        "{ev:?}"
    );
    assert!(h.session().step(StepId::ClusterVpc).outputs.is_empty());
    assert_eq!(
        h.session().sandbox_instance.as_deref(),
        Some(b.instance.as_str())
    );
    drop(h);

    // The binary finds the same sandbox through the recorded state.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"))
        .env("GATEWALK_HOME", home.path())
        .args(["--output", "json", "sandbox", "status"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["running"], true);
    assert_eq!(v["instance"], b.instance.as_str());
    assert_eq!(v["pace"], "fast");
    sandbox::stop(home.path()).await.unwrap();
}

#[tokio::test]
async fn the_whole_walkthrough_from_the_command_line() {
    let w = World::new().await;
    let empty = common::account_counts(&w.aws).await;

    let mut c = w.bin();
    c.args(["--session", "cli", "apply"]);
    let out = run(c);
    assert!(out.status.success());
    let text = stdout(&out);
    assert_eq!(text.matches("✓ step").count(), 10, "{text}");
    assert!(text.contains("invoke URL: https://"), "{text}");
    assert!(
        !text.contains("skipped"),
        "the sandbox judges every check: {text}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("per hour"), "the cost reminder: {err}");
    assert!(err.contains("teardown"), "{err}");

    let mut c = w.bin();
    c.args(["--session", "cli", "--output", "json", "validate"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = v.as_array().expect("one entry per step");
    assert_eq!(steps.len(), 10);
    assert!(steps.iter().all(|s| s["ok"] == true), "{v:#}");
    // Zero skipped, and the smoke test got the container's answer.
    let checks: Vec<&serde_json::Value> = steps
        .iter()
        .flat_map(|s| s["checks"].as_array().unwrap())
        .collect();
    assert!(checks.iter().all(|c| c["status"] != "skipped"), "{v:#}");
    let smoke = checks
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with("GET https://"))
        .unwrap();
    assert_eq!(smoke["status"], "pass", "{smoke}");
    assert!(
        smoke["observed"].as_str().unwrap().contains("HTTP 200")
            && smoke["observed"]
                .as_str()
                .unwrap()
                .contains("Welcome to nginx"),
        "{smoke}"
    );

    let mut c = w.bin();
    c.args(["--session", "cli", "status"]);
    let text = stdout(&run(c));
    let api = w
        .store
        .load("cli")
        .unwrap()
        .output(gatewalk::model::OutputKey::RestApi)
        .unwrap()
        .to_string();
    assert!(
        text.contains(&format!(
            "invoke URL: https://{api}.execute-api.us-east-1.amazonaws.com/prod/"
        )),
        "{text}"
    );
    assert!(text.contains("10/10 done"), "{text}");

    let mut c = w.bin();
    c.args(["--session", "cli", "teardown", "--yes"]);
    let out = run(c);
    assert!(out.status.success());
    assert!(stdout(&out).contains("nothing tagged gatewalk:session=cli remains"));
    assert_eq!(
        common::account_counts(&w.aws).await,
        empty,
        "the account is as it was found"
    );
}

#[tokio::test]
async fn an_unknown_availability_zone_is_refused_before_anything_is_created() {
    let w = World::new().await;
    let empty = common::account_counts(&w.aws).await;
    let mut c = w.bin();
    c.args([
        "--session",
        "zones",
        "apply",
        "--set",
        "cluster-vpc.availability_zones=us-east-1a,us-east-1zz",
    ]);
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`us-east-1zz` is not an available Availability Zone"),
        "{err}"
    );
    assert!(
        err.contains("us-east-1b"),
        "the zones it may use are listed: {err}"
    );
    assert_eq!(
        common::account_counts(&w.aws).await,
        empty,
        "no role, task definition, cluster, VPC or gateway was made"
    );
}
