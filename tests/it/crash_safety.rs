//! Crash safety, proven: the binary is `SIGKILLed` right after each API call in
//! turn (the call took effect, the answer never arrived), then the run is
//! repeated; the result must equal an uninterrupted run, with nothing
//! duplicated and nothing orphaned. The same for teardown. Plus: a run with
//! injected throttling and 5xx, Ctrl-C during a long wait, and a lock left by
//! a killed process.
//!
//! `GATEWALK_SWEEP_STRIDE=N` kills at every Nth call only (for quick local
//! runs); CI uses the default, every call.

use crate::common;

use common::proxy::Proxy;
use common::{REGION, World, account_counts, kinds};
use gatewalk::aws::AwsContext;
use gatewalk::progress::Progress;
use gatewalk::steps::StepId;
use gatewalk::steps::engine::{self, blocking};
use gatewalk::steps::inputs::Inputs;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn stride() -> usize {
    std::env::var("GATEWALK_SWEEP_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1)
}

/// Applies `name` through `through` in-process, as a second run would.
async fn apply(w: &World, aws: &AwsContext, name: &str, through: StepId) {
    let mut h = w.store.open(name, REGION).unwrap();
    let inputs = Inputs::resolve(h.session(), &[]).unwrap();
    engine::bind(aws, &mut h, None, &Progress::silent())
        .await
        .unwrap();
    engine::apply_through(aws, &mut h, &inputs, through, &Progress::silent())
        .await
        .unwrap_or_else(|e| panic!("{name}: apply again failed: {e}"));
}

async fn validate_green(w: &World, name: &str) {
    let s = w.store.load(name).unwrap();
    let inputs = Inputs::resolve(&s, &[]).unwrap();
    for (step, r) in engine::validate_steps(&w.aws, &s, &inputs, &StepId::ALL).await {
        let checks = r.unwrap_or_else(|e| panic!("{name} {step}: {e}"));
        assert!(blocking(&checks).is_empty(), "{name} {step}: {checks:#?}");
    }
}

async fn teardown(w: &World, aws: &AwsContext, name: &str) {
    let mut h = w.store.open(name, REGION).unwrap();
    let inputs = Inputs::resolve(h.session(), &[]).unwrap();
    let left = engine::teardown_all(aws, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap_or_else(|e| panic!("{name}: teardown failed: {e}"));
    assert!(left.is_empty(), "{name}: {left:#?}");
}

/// Runs `args` as a child through the proxy, `SIGKILLed` after call `k`.
/// Returns whether the kill happened (the run may finish in fewer calls).
fn run_killed(w: &World, proxy: &Proxy, k: usize, args: &[&str]) -> bool {
    proxy.reset();
    let mut c = w.bin_at(&proxy.endpoint);
    c.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    proxy.kill_after(k, child.id());
    let status = child.wait().unwrap();
    status.signal() == Some(libc::SIGKILL)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_killed_after_every_call_finishes_on_the_next_run() {
    let w = World::new().await;
    let proxy = Proxy::start(&w.moto.endpoint()).await;
    // The ECS service-linked role is the account's, created once, never deleted:
    // make it before the baseline so every run starts from the same account.
    apply(&w, &w.aws, "warm", StepId::Done).await;
    teardown(&w, &w.aws, "warm").await;
    let baseline = account_counts(&w.aws).await;

    // An uninterrupted run, counted.
    proxy.reset();
    let out = w
        .bin_at(&proxy.endpoint)
        .args(["--session", "ref", "apply"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = proxy.calls();
    let reference = kinds(&w.inventory("ref").await);
    teardown(&w, &w.aws, "ref").await;
    assert_eq!(account_counts(&w.aws).await, baseline);
    eprintln!("apply sweep: {calls} calls");
    assert!(calls > 50, "only {calls} calls counted");

    let start = Instant::now();
    let mut killed = 0;
    for k in (1..=calls).step_by(stride()) {
        let name = format!("a{k}");
        if run_killed(&w, &proxy, k, &["--session", &name, "apply"]) {
            killed += 1;
            let h = w.store.open(&name, REGION).unwrap();
            assert!(
                h.took_over_from().is_some(),
                "k={k}: the killed run's lock is recognised as stale"
            );
        }
        let again = World::context(&w.moto.endpoint()).await;
        apply(&w, &again, &name, StepId::Done).await;
        assert_eq!(
            kinds(&w.inventory(&name).await),
            reference,
            "k={k}: resources differ from an uninterrupted run"
        );
        validate_green(&w, &name).await;
        teardown(&w, &w.aws, &name).await;
        assert_eq!(
            account_counts(&w.aws).await,
            baseline,
            "k={k}: something created by the killed run was left behind (an orphan or a duplicate)"
        );
    }
    eprintln!("apply sweep: {killed} kills in {:.0?}", start.elapsed());
    assert!(
        killed * stride() >= calls - stride(),
        "the kills did not happen"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_killed_after_every_call_finishes_on_the_next_run() {
    let w = World::new().await;
    let proxy = Proxy::start(&w.moto.endpoint()).await;
    apply(&w, &w.aws, "warm", StepId::Done).await;
    teardown(&w, &w.aws, "warm").await;
    let baseline = account_counts(&w.aws).await;

    apply(&w, &w.aws, "ref", StepId::Done).await;
    proxy.reset();
    let out = w
        .bin_at(&proxy.endpoint)
        .args(["--session", "ref", "teardown", "--yes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = proxy.calls();
    assert_eq!(account_counts(&w.aws).await, baseline);
    eprintln!("teardown sweep: {calls} calls");

    let start = Instant::now();
    for k in (1..=calls).step_by(stride()) {
        let name = format!("t{k}");
        apply(&w, &w.aws, &name, StepId::Done).await;
        run_killed(&w, &proxy, k, &["--session", &name, "teardown", "--yes"]);
        let again = World::context(&w.moto.endpoint()).await;
        teardown(&w, &again, &name).await;
        assert_eq!(
            account_counts(&w.aws).await,
            baseline,
            "k={k}: teardown killed after call {k} and run again left something behind"
        );
        assert_eq!(w.inventory(&name).await, vec![]);
    }
    eprintln!("teardown sweep done in {:.0?}", start.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_server_errors_are_retried_visibly() {
    let w = World::new().await;
    let proxy = Proxy::start(&w.moto.endpoint()).await;
    apply(&w, &w.aws, "clean", StepId::Done).await;
    let clean = kinds(&w.inventory("clean").await);

    proxy.faults(true);
    let out = w
        .bin_at(&proxy.endpoint)
        .args(["--session", "faulty", "apply"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    let injected = proxy.injected();
    assert!(injected >= 20, "only {injected} faults injected");
    assert_eq!(kinds(&w.inventory("faulty").await), clean);
    // Every retry is shown, with what the failed attempt got.
    let shown = err.matches("retrying ").count();
    assert!(
        shown >= injected / 2,
        "{shown} retries shown for {injected} faults:\n{err}"
    );
    assert!(
        err.contains("HTTP 429") || err.contains("HTTP 400"),
        "{err}"
    );
    assert!(err.contains("HTTP 503"), "{err}");
    validate_green(&w, "faulty").await;

    // The API call log counts the attempts of each call.
    let ctx = World::context(&proxy.endpoint).await;
    let mut h = w.store.open("faulty", REGION).unwrap();
    let inputs = Inputs::resolve(h.session(), &[]).unwrap();
    let left = engine::teardown_all(&ctx, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:#?}");
    let retried = ctx
        .calls
        .snapshot()
        .iter()
        .filter(|c| c.attempts > 1)
        .count();
    assert!(retried > 0, "no call in the log shows a retry");
    proxy.faults(false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_long_wait_saves_and_the_next_run_keeps_waiting() {
    let w = World::new().await;
    let proxy = Proxy::start(&w.moto.endpoint()).await;
    proxy.hold_provisioning(true);
    let child = w
        .bin_at(&proxy.endpoint)
        .args(["--session", "intr", "apply", "--through", "vpc-link"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the load balancer exists and the run is waiting on it.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = w.store.load("intr").ok();
        if s.as_ref()
            .and_then(|s| s.output(gatewalk::model::OutputKey::LoadBalancer))
            .is_some()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run never reached the NLB wait"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    gatewalk::signals::send(child.id(), libc::SIGINT);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("stopped by Ctrl-C"), "{err}");
    assert!(err.contains("run the same command again"), "{err}");
    let saved = w.store.load("intr").unwrap();
    let nlb = saved
        .output(gatewalk::model::OutputKey::LoadBalancer)
        .unwrap()
        .to_string();
    assert_eq!(
        saved.status(StepId::LoadBalancer),
        gatewalk::session::StepStatus::Applying,
        "the interrupted step stays resumable"
    );

    // The next run waits for the same load balancer and finishes.
    proxy.hold_provisioning(false);
    let out = w
        .bin_at(&proxy.endpoint)
        .args(["--session", "intr", "apply", "--through", "vpc-link"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = w.store.load("intr").unwrap();
    assert_eq!(
        s.output(gatewalk::model::OutputKey::LoadBalancer),
        Some(nlb.as_str())
    );
    let lbs = w.aws.elb.describe_load_balancers().send().await.unwrap();
    assert_eq!(lbs.load_balancers().len(), 1, "no second load balancer");
    assert_eq!(s.done_count(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_left_by_a_killed_process_does_not_block() {
    let w = World::new().await;
    let proxy = Proxy::start(&w.moto.endpoint()).await;
    // Killed during its first call: the lock file still names it.
    assert!(run_killed(&w, &proxy, 1, &["--session", "stale", "apply"]));
    let out = w
        .bin()
        .args([
            "--session",
            "stale",
            "apply",
            "--through",
            "task-definition",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("stopped before finishing"), "{err}");
    // A clean exit leaves nothing to take over.
    let out = w
        .bin()
        .args([
            "--session",
            "stale",
            "apply",
            "--through",
            "task-definition",
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("stopped before finishing"));
}
