//! Container logs (issue 15): step 1's log group — made with the session's
//! tags and a week's retention, used by the task definition's `awslogs`
//! driver, kept by a second apply, deleted by teardown, and left alone when
//! another owns the name — and `gatewalk logs` reading it, as a user runs it.

use crate::common;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use common::{World, mutating, run};
use gatewalk::model::{CheckStatus, OutputKey};
use gatewalk::progress::Progress;
use gatewalk::steps::engine;
use gatewalk::steps::inputs::Inputs;
use gatewalk::steps::{self, StepCx, StepId};
use std::collections::HashMap;
use std::io::BufRead;
use std::time::{Duration, Instant};

/// The log group's tags, as CloudWatch Logs keeps them.
async fn tags(w: &World, group: &str) -> HashMap<String, String> {
    let g = gatewalk::aws::logs::describe_log_group(&w.aws, group)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no log group {group}"));
    gatewalk::aws::logs::tags_of(&w.aws, &g).await.unwrap()
}

async fn retention(w: &World, group: &str) -> Option<i32> {
    gatewalk::aws::logs::describe_log_group(&w.aws, group)
        .await
        .unwrap()
        .and_then(|g| g.retention_in_days())
}

/// The awslogs options of the task definition the session recorded.
async fn awslogs(w: &World, s: &gatewalk::session::Session) -> HashMap<String, String> {
    let arn = s.output(OutputKey::TaskDefinition).unwrap();
    let td = w
        .aws
        .ecs
        .describe_task_definition()
        .task_definition(arn)
        .send()
        .await
        .unwrap();
    let c = &td.task_definition().unwrap().container_definitions()[0];
    let lc = c
        .log_configuration()
        .expect("the container has a log configuration");
    assert_eq!(lc.log_driver().as_str(), "awslogs");
    lc.options().cloned().unwrap_or_default()
}

async fn step_one_checks(w: &World, s: &gatewalk::session::Session) -> Vec<gatewalk::model::Check> {
    let inputs = Inputs::resolve(s, &[]).unwrap();
    let mut r = engine::validate_steps(&w.aws, s, &inputs, &[StepId::TaskDefinition]).await;
    r.pop().unwrap().1.unwrap()
}

#[tokio::test]
async fn step_one_makes_a_tagged_log_group_a_second_apply_keeps_and_teardown_deletes() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "logs", StepId::TaskDefinition).await;
    let s = h.session().clone();
    drop(h);
    assert_eq!(s.output(OutputKey::LogGroup), Some("/ecs/logs"));

    // Tagged as the session's, kept a week.
    let t = tags(&w, "/ecs/logs").await;
    assert_eq!(t.get("gatewalk:session").map(String::as_str), Some("logs"));
    assert_eq!(
        t.get("gatewalk:role").map(String::as_str),
        Some("log-group")
    );
    assert_eq!(t.get("gatewalk:session-id"), s.id.as_ref());
    assert_eq!(retention(&w, "/ecs/logs").await, Some(7));

    // The container sends its output there, in the console's stream shape.
    let o = awslogs(&w, &s).await;
    assert_eq!(o["awslogs-group"], "/ecs/logs");
    assert_eq!(o["awslogs-region"], common::REGION);
    assert_eq!(o["awslogs-stream-prefix"], "ecs");

    // Checked, inventoried and shown.
    let checks = step_one_checks(&w, &s).await;
    for name in [
        "log group exists",
        "log group keeps lines 7 days",
        "container sends its logs to the log group",
    ] {
        let c = checks.iter().find(|c| c.name == name).expect(name);
        assert_eq!(c.status, CheckStatus::Pass, "{c:?}");
    }
    let inv = w.inventory("logs").await;
    assert!(
        inv.iter()
            .any(|t| t.kind == "logs:log-group" && t.id == "/ecs/logs"),
        "{inv:#?}"
    );
    let inputs = Inputs::resolve(&s, &[]).unwrap();
    let p = Progress::silent();
    let cx = StepCx {
        aws: &w.aws,
        inputs: &inputs,
        progress: &p,
    };
    let res = steps::inspect(StepId::TaskDefinition, cx, &s)
        .await
        .unwrap();
    let g = res.iter().find(|r| r.kind == "Log group").unwrap();
    assert_eq!(g.id, "/ecs/logs");
    let attr = |k: &str| g.attributes.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(attr("retention"), "7 days");
    assert_eq!(attr("stored"), "0 bytes");
    assert_eq!(attr("created by"), "gatewalk");

    // A second apply (its own call log) makes and changes nothing.
    let second = World::context(&w.moto.endpoint()).await;
    let mut h = w.apply(&second, "logs", StepId::TaskDefinition).await;
    let changed = mutating(&second.calls.operations());
    assert!(
        changed.is_empty(),
        "the second apply changed things: {changed:?}"
    );
    assert_eq!(w.inventory("logs").await, inv);

    // Teardown deletes it.
    let left = engine::teardown_all(&w.aws, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:#?}");
    assert!(
        gatewalk::aws::logs::describe_log_group(&w.aws, "/ecs/logs")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(h.session().output(OutputKey::LogGroup), None);
}

/// A revision registered without logs (as gatewalk did before issue 15)
/// is replaced by one that sends them, and its check fails until then.
#[tokio::test]
async fn a_revision_without_logs_gets_a_new_one() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "old", StepId::TaskDefinition).await;
    let s = h.session().clone();
    drop(h);
    let arn = s.output(OutputKey::TaskDefinition).unwrap().to_string();
    let td = w
        .aws
        .ecs
        .describe_task_definition()
        .task_definition(&arn)
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    let def = td.task_definition().unwrap();
    let mut c = def.container_definitions()[0].clone();
    c.log_configuration = None;
    let old = w
        .aws
        .ecs
        .register_task_definition()
        .family("old")
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .cpu(def.cpu().unwrap())
        .memory(def.memory().unwrap())
        .execution_role_arn(def.execution_role_arn().unwrap())
        .container_definitions(c)
        .set_tags(Some(td.tags().to_vec()))
        .send()
        .await
        .unwrap();
    let old_arn = old
        .task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap();
    assert!(old_arn.ends_with(":2"));
    let mut h = w.store.open("old", common::REGION).unwrap();
    h.record(OutputKey::TaskDefinition, old_arn).unwrap();
    let checks = step_one_checks(&w, h.session()).await;
    let c = checks
        .iter()
        .find(|c| c.name == "container sends its logs to the log group")
        .unwrap();
    assert_eq!(c.status, CheckStatus::Fail, "{c:?}");
    assert_eq!(c.observed, "no log configuration");
    drop(h);

    let h = w.apply(&w.aws, "old", StepId::TaskDefinition).await;
    let now = h.session().output(OutputKey::TaskDefinition).unwrap();
    assert!(now.ends_with(":3"), "{now}");
    assert_eq!(awslogs(&w, h.session()).await["awslogs-group"], "/ecs/old");
}

/// A log group of the chosen name that is not this session's is used as it
/// is: never tagged, its retention never changed (a warning says so, with
/// the command), never deleted.
#[tokio::test]
async fn a_log_group_that_is_not_the_sessions_is_used_and_left_alone() {
    let w = World::new().await;
    for (group, tag) in [("/ecs/theirs", None), ("/ecs/namesake", Some("someone"))] {
        w.aws
            .logs
            .create_log_group()
            .log_group_name(group)
            .set_tags(tag.map(|t| HashMap::from([("gatewalk:session".into(), t.into())])))
            .send()
            .await
            .unwrap();
    }
    let mut h = w.apply(&w.aws, "theirs", StepId::TaskDefinition).await;
    assert_eq!(
        awslogs(&w, h.session()).await["awslogs-group"],
        "/ecs/theirs"
    );
    assert!(
        tags(&w, "/ecs/theirs").await.is_empty(),
        "gatewalk tagged it"
    );
    assert_eq!(
        retention(&w, "/ecs/theirs").await,
        None,
        "gatewalk changed it"
    );
    let checks = step_one_checks(&w, h.session()).await;
    let c = checks
        .iter()
        .find(|c| c.name == "log group keeps lines 7 days")
        .unwrap();
    assert_eq!(c.status, CheckStatus::Warn, "{c:?}");
    assert_eq!(
        c.fix.as_ref().unwrap().for_cli(),
        "aws logs put-retention-policy --log-group-name /ecs/theirs --retention-in-days 7"
    );
    assert!(
        !w.inventory("theirs")
            .await
            .iter()
            .any(|t| t.kind == "logs:log-group")
    );
    let inputs = Inputs::resolve(h.session(), &[]).unwrap();
    engine::teardown_all(&w.aws, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(
        gatewalk::aws::logs::describe_log_group(&w.aws, "/ecs/theirs")
            .await
            .unwrap()
            .is_some(),
        "teardown deleted a log group that was not the session's"
    );

    // One tagged for another session: the same.
    let mut c = w.bin();
    c.args([
        "--session",
        "other",
        "apply",
        "--through",
        "1",
        "--set",
        "task-definition.log_group=/ecs/namesake",
    ]);
    assert!(run(c).status.success());
    let t = tags(&w, "/ecs/namesake").await;
    assert_eq!(
        t.get("gatewalk:session").map(String::as_str),
        Some("someone")
    );
    let mut c = w.bin();
    c.args(["--session", "other", "teardown", "--yes"]);
    let out = run(c);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("keeping log group /ecs/namesake: it does not carry this session's tags")
    );
    assert!(
        gatewalk::aws::logs::describe_log_group(&w.aws, "/ecs/namesake")
            .await
            .unwrap()
            .is_some()
    );
}

/// Writes `messages` into the task's stream as the awslogs driver would.
async fn put(w: &World, group: &str, task: &str, messages: &[(i64, &str)]) {
    let stream = format!("ecs/app/{task}");
    let _ = w
        .aws
        .logs
        .create_log_stream()
        .log_group_name(group)
        .log_stream_name(&stream)
        .send()
        .await;
    let events = messages
        .iter()
        .map(|(t, m)| {
            InputLogEvent::builder()
                .timestamp(*t)
                .message(*m)
                .build()
                .unwrap()
        })
        .collect();
    w.aws
        .logs
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(&stream)
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

const TASK_A: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const TASK_B: &str = "ffeeddccbbaa00998877665544332211";

#[tokio::test]
async fn gatewalk_logs_prints_the_newest_lines_with_time_and_task() {
    let w = World::new().await;

    // Before step 1 there is nothing to read: said, with the command, exit 2.
    let mut c = w.bin();
    c.args([
        "--session",
        "tail",
        "inputs",
        "--set",
        "task-definition.cpu=256",
    ]);
    assert!(run(c).status.success());
    let mut c = w.bin();
    c.args(["--session", "tail", "logs"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`gatewalk --session tail apply --through 1`"),
        "{err}"
    );

    drop(w.apply(&w.aws, "tail", StepId::TaskDefinition).await);
    let t0 = now_ms() - 60_000;
    put(
        &w,
        "/ecs/tail",
        TASK_A,
        &[(t0, "started"), (t0 + 1000, "GET / 200")],
    )
    .await;
    put(
        &w,
        "/ecs/tail",
        TASK_B,
        &[(t0 + 500, "started"), (t0 + 2000, "GET /b 404")],
    )
    .await;
    // Another container's stream in the group is not the service's.
    let _ = w
        .aws
        .logs
        .create_log_stream()
        .log_group_name("/ecs/tail")
        .log_stream_name("ecs/sidecar/x")
        .send()
        .await;

    let mut c = w.bin();
    c.args(["--session", "tail", "logs", "--lines", "3"]);
    let out = run(c);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    // Oldest first, the oldest one left out; each with time and task.
    assert!(lines[0].ends_with(&format!("{TASK_B}  started")), "{text}");
    assert!(
        lines[1].ends_with(&format!("{TASK_A}  GET / 200")),
        "{text}"
    );
    assert!(
        lines[2].ends_with(&format!("{TASK_B}  GET /b 404")),
        "{text}"
    );
    assert!(
        lines[0].starts_with("20") && lines[0].contains('T'),
        "{text}"
    );

    let mut c = w.bin();
    c.args(["--session", "tail", "--output", "json", "logs"]);
    let out = run(c);
    assert!(out.status.success());
    let objs: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(objs.len(), 4);
    assert!(objs.iter().all(|o| o["event"] == "log"));
    assert_eq!(objs[0]["task"], TASK_A);
    assert_eq!(objs[0]["message"], "started");
    assert_eq!(objs[0]["timestamp"], t0);
    assert_eq!(objs[3]["stream"], format!("ecs/app/{TASK_B}"));
}

#[test]
fn bad_line_counts_are_refused_before_anything() {
    let home = tempfile::tempdir().unwrap();
    for bad in ["0", "abc", "-3", "10001"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"))
            .env("GATEWALK_HOME", home.path())
            // Nothing may be asked of this endpoint: nothing listens there.
            .args(["--endpoint-url", "http://127.0.0.1:9", "logs"])
            .arg(format!("--lines={bad}"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--lines {bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--lines"), "{err}");
    }
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);
}

/// `--follow` prints lines written after it started, and Ctrl-C ends it
/// with 130.
#[tokio::test]
async fn gatewalk_logs_follow_prints_new_lines_until_ctrl_c() {
    let w = World::new().await;
    drop(w.apply(&w.aws, "follow", StepId::TaskDefinition).await);
    let t0 = now_ms() - 10_000;
    put(&w, "/ecs/follow", TASK_A, &[(t0, "first")]).await;
    let mut c = w.bin();
    c.args(["--session", "follow", "logs", "--follow"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = c.spawn().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stdout).lines() {
            let Ok(l) = l else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| {
        rx.recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no line {what}"))
    };
    assert!(next("at first").ends_with("first"));
    put(&w, "/ecs/follow", TASK_A, &[(t0 + 1, "second")]).await;
    put(&w, "/ecs/follow", TASK_B, &[(now_ms(), "third")]).await;
    assert!(next("after the first poll").ends_with(&format!("{TASK_A}  second")));
    assert!(next("from the second task").ends_with(&format!("{TASK_B}  third")));
    let started = Instant::now();
    assert!(gatewalk::signals::send(child.id(), libc::SIGINT));
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(rx.try_recv().is_err(), "a line shown twice");
}
