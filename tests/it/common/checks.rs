//! `validate --output json` as the tests read it: one session's checks, a
//! check by name, and waiting for the data plane to move a check on.

use super::World;
use serde_json::Value;

/// `validate --output json` of `session`: (exit code, every step's checks).
pub fn validate(w: &World, session: &str) -> (Option<i32>, Vec<Value>) {
    let mut c = w.bin();
    c.args(["--session", session, "--output", "json", "validate"]);
    let out = super::run(c);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code(), v.as_array().unwrap().clone())
}

/// Every check of every step.
pub fn all(steps: &[Value]) -> Vec<&Value> {
    steps
        .iter()
        .flat_map(|s| s["checks"].as_array().unwrap())
        .collect()
}

/// The check named `name` (a prefix) in the validate result.
pub fn check<'a>(steps: &'a [Value], name: &str) -> &'a Value {
    all(steps)
        .into_iter()
        .find(|c| c["name"].as_str().unwrap().starts_with(name))
        .unwrap_or_else(|| panic!("no check {name}"))
}

/// Validates `session` until `check(name)` has `status` (the model moves on
/// with each request; a handful of runs is plenty at instant pace).
pub fn until(w: &World, session: &str, name: &str, status: &str) -> Vec<Value> {
    for _ in 0..8 {
        let (_, steps) = validate(w, session);
        if check(&steps, name)["status"] == status {
            return steps;
        }
    }
    let (_, steps) = validate(w, session);
    panic!("{name} never {status}: {:#}", check(&steps, name));
}

/// The names of the checks that do not pass.
pub fn failing(steps: &[Value]) -> Vec<String> {
    all(steps)
        .into_iter()
        .filter(|c| c["status"] != "pass")
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// The command's standard error, after asserting it succeeded (both
/// streams shown when it did not).
pub fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}
