//! One training account, many people: `sessions --account` lists every
//! session from its tags (from a home that has none of their files), and
//! `teardown --all-sessions` removes them all after the account id is typed.

use crate::common::{World, live_services, run, typing};
use gatewalk::aws::find::{Which, inventory_of};
use gatewalk::steps::StepId;
use serde_json::Value;

/// The gatewalk binary with a home of its own (the instructor's machine).
fn elsewhere(w: &World, home: &std::path::Path) -> std::process::Command {
    let mut c = w.bin();
    c.env("GATEWALK_HOME", home);
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn every_session_of_the_account_is_listed_and_removed_from_its_tags() {
    let w = World::new().await;
    drop(w.apply(&w.aws, "alpha", StepId::TaskDefinition).await);
    drop(w.apply(&w.aws, "beta", StepId::NatGateway).await);
    drop(w.apply(&w.aws, "gamma", StepId::Done).await);
    let instructor = tempfile::tempdir().unwrap();

    listed(&w, instructor.path());

    // A wrong account id deletes nothing.
    let mut c = elsewhere(&w, instructor.path());
    c.args(["teardown", "--all-sessions"]);
    let out = typing(c, "999999999999\n");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gamma") && err.contains("$/HOUR"),
        "lists each session first:\n{err}"
    );
    assert!(err.contains("nothing was deleted"), "{err}");
    assert!(inventory_of(&w.aws, Which::Every).await.unwrap().len() > 20);

    // The account id, typed: everything goes, in the order AWS accepts.
    let account = w.aws.identity().await.unwrap().account.clone();
    let mut c = elsewhere(&w, instructor.path());
    c.args(["teardown", "--all-sessions", "--yes"]);
    let out = typing(c, &format!("{account}\n"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for n in ["alpha", "beta", "gamma"] {
        assert!(
            stdout.contains(&format!("{n}: nothing tagged gatewalk:session={n} remains")),
            "{stdout}"
        );
    }
    let left = inventory_of(&w.aws, Which::Every).await.unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(live_services(&w.aws).await, 0);
    // The records made for the purpose are gone; the owners' files are untouched.
    assert!(w.store.exists("gamma"));
    let spare = instructor.path().join("account");
    let files: Vec<_> = walk(&spare)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert!(files.is_empty(), "{files:?}");
    let mut c = elsewhere(&w, instructor.path());
    c.args(["sessions", "--account"]);
    let text = String::from_utf8(run(c).stdout).unwrap();
    assert!(text.contains("no gatewalk session has resources"), "{text}");
}

/// `sessions --account` from a home without the sessions' files: each
/// session's progress, next step and hourly cost, in JSON and in text.
fn listed(w: &World, home: &std::path::Path) {
    let mut c = elsewhere(w, home);
    c.args(["sessions", "--account", "--output", "json"]);
    let out = run(c);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let by = |n: &str| {
        v["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap_or_else(|| panic!("{n} not listed: {v}"))
            .clone()
    };
    assert_eq!(v["sessions"].as_array().unwrap().len(), 3, "{v}");
    let (a, b, g) = (by("alpha"), by("beta"), by("gamma"));
    assert_eq!(
        (a["done"].clone(), b["done"].clone(), g["done"].clone()),
        (1.into(), 5.into(), 10.into()),
        "{v}"
    );
    assert_eq!(a["current_step"], "cluster-vpc");
    assert_eq!(b["current_step"], "service");
    assert!(g["current_step"].is_null());
    assert_eq!(
        a["per_hour"], 0.0,
        "a task definition costs nothing at rest"
    );
    let nat = b["per_hour"].as_f64().unwrap();
    assert!(
        (nat - 0.0725).abs() < 1e-9,
        "NAT, its address, the NLB: {nat}"
    );
    assert!(g["per_hour"].as_f64().unwrap() > nat, "{g}");
    assert!(g["failing"].as_array().unwrap().is_empty(), "{g}");

    // The text form names each session with its progress and cost.
    let mut c = elsewhere(w, home);
    c.args(["sessions", "--account"]);
    let text = String::from_utf8(run(c).stdout).unwrap();
    for want in [
        "alpha",
        "beta",
        "gamma",
        "1/10",
        "5/10",
        "10/10",
        "3 session(s)",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
}

#[test]
fn all_sessions_is_refused_with_one_session_named() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"))
        .env("GATEWALK_HOME", home.path())
        .args(["teardown", "--all-sessions", "--session", "demo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("drop --session"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"))
        .env("GATEWALK_HOME", home.path())
        .args(["sessions", "--account", "delete", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
