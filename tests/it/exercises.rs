//! Every exercise of the classroom catalogue, on a finished deployment: it
//! turns the check its teaching note names red (judged by the data plane of
//! the strict layer), and the student's `apply` turns every check green
//! again. The classroom test runs one of them through the binary; these run
//! each through the library, in an account of their own.

use crate::common::{REGION, World};
use gatewalk::classroom::exercises::{CATALOGUE, apply, find};
use gatewalk::discover::account::{AccountSession, sessions};
use gatewalk::progress::Progress;
use gatewalk::steps::StepId;
use gatewalk::steps::engine;
use gatewalk::steps::inputs::Inputs;

async fn the_session(w: &World) -> AccountSession {
    let mut found = sessions(&gatewalk::steps::ENGINE, &w.aws).await.unwrap();
    assert_eq!(found.len(), 1);
    found.remove(0)
}

/// Reads the account until a failing check's name holds `want` (the data
/// plane moves one phase per request at instant pace).
async fn red(w: &World, want: &str) -> Vec<String> {
    let mut last = Vec::new();
    for _ in 0..12 {
        last = the_session(w)
            .await
            .failing()
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        if last.iter().any(|n| n.contains(want)) {
            return last;
        }
    }
    panic!("no failing check names `{want}`; failing: {last:?}");
}

async fn exercise(id: &str, want: &str) {
    let ex = find(id).unwrap();
    let w = World::new().await;
    let mut h = w.apply(&w.aws, "demo", StepId::Done).await;
    let s = the_session(&w).await;
    assert!(s.failing().is_empty(), "{:?}", s.failing());
    let what = apply(ex, &w.aws, &s).await.unwrap();
    assert!(!what.is_empty());
    let failing = red(&w, want).await;
    assert!(ex.note.len() > 100, "{id} has a teaching note");
    // The student's apply puts it right.
    let inputs = Inputs::resolve(h.session(), &[]).unwrap();
    engine::apply_through(&w.aws, &mut h, &inputs, StepId::Done, &Progress::silent())
        .await
        .unwrap_or_else(|e| panic!("{id}: apply after the break failed ({failing:?}): {e}"));
    let s = the_session(&w).await;
    assert!(
        s.failing().is_empty(),
        "{id}: still failing after apply: {:?}",
        s.failing()
    );
    assert_eq!(s.done().len(), 10, "{id}");
    let _ = REGION;
}

#[tokio::test(flavor = "multi_thread")]
async fn igw_route() {
    exercise("igw-route", "sends 0.0.0.0/0 to the NAT gateway").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn open_port() {
    exercise("open-port", "accept the container port").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn other_zone() {
    exercise("other-zone", "tasks run only in the private subnet").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn container_port() {
    exercise(
        "container-port",
        "registers container and port with the target group",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_image() {
    exercise("missing-image", "new tasks can start").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn not_redeployed() {
    exercise("not-redeployed", "serves the current configuration").await;
}

#[test]
fn the_catalogue_has_every_exercise_the_issue_names() {
    let ids: Vec<&str> = CATALOGUE.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        [
            "igw-route",
            "open-port",
            "other-zone",
            "container-port",
            "missing-image",
            "not-redeployed"
        ]
    );
    assert!(find("nope").is_err());
}
