//! What the deployment commands print: inspect's resources and console-link
//! note, apply's JSON lines and its summary of what changed.

use crate::common::{World, run};
use gatewalk::steps::StepId;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[tokio::test]
async fn inspect_gives_attributes_as_an_object_and_says_why_there_are_no_console_links() {
    let w = World::new().await;
    drop(w.apply(&w.aws, "i", StepId::VpcLink).await);
    let mut c = w.bin();
    c.args(["--session", "i", "--output", "json", "inspect", "vpc-link"]);
    let out = run(c);
    assert!(out.status.success());
    let text = stdout(&out);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let link = &v["steps"][0]["resources"][0];
    assert_eq!(link["kind"], "VPC Link", "{v:#}");
    let attrs = link["attributes"].as_object().expect("an object");
    assert!(attrs["name"].as_str().unwrap().ends_with("-link"), "{v:#}");
    // In display order, as the text shows them (not sorted).
    let at = |k: &str| text.find(&format!("\"{k}\":")).unwrap();
    assert!(
        at("name") < at("target") && at("target") < at("message"),
        "{text}"
    );
    let why = v["console_links"].as_str().expect("console_links explains");
    assert!(
        why.starts_with("none: ") && why.contains("not in an AWS account"),
        "{why}"
    );

    let mut c = w.bin();
    c.args(["--session", "i", "inspect"]);
    let text = stdout(&run(c));
    assert_eq!(
        text.matches("console links: none").count(),
        1,
        "said once:\n{text}"
    );
    assert!(text.contains("not in an AWS account"), "{text}");
}

/// Every line of `out`'s stdout, parsed; panics on one that is not JSON.
fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Events first, then the result, last: every line with its `event`.
fn events_then(lines: &[serde_json::Value], last: &str) {
    let (end, events) = lines.split_last().expect("some output");
    assert_eq!(end["event"], last, "{end}");
    for e in events {
        let kind = e["event"].as_str().unwrap_or_else(|| panic!("{e}"));
        assert!(
            !["result", "error"].contains(&kind),
            "only the last line is the result: {e}"
        );
    }
}

#[tokio::test]
async fn apply_and_teardown_json_is_lines_of_events_then_the_result() {
    let w = World::new().await;
    let mut c = w.bin();
    c.args([
        "--session",
        "jl",
        "inputs",
        "--set",
        "task-definition.cpu=256",
    ]);
    assert!(run(c).status.success());
    let mut c = w.bin();
    c.args(["--session", "jl", "--output", "json", "validate"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        json_lines(&out),
        vec![serde_json::json!([])],
        "nothing applied yet"
    );

    let mut c = w.bin();
    c.args([
        "--session",
        "jl",
        "--output",
        "json",
        "apply",
        "--through",
        "cluster-vpc",
    ]);
    let out = run(c);
    assert!(out.status.success());
    let lines = json_lines(&out);
    events_then(&lines, "result");
    let created = lines.iter().filter(|e| e["event"] == "created").count();
    assert!(created >= 5, "each resource as it is made: {lines:#?}");
    let vpc = lines
        .iter()
        .find(|e| e["event"] == "created" && e["kind"] == "VPC")
        .expect("the VPC's event");
    assert_eq!(vpc["step"], "cluster-vpc");
    let result = lines.last().unwrap();
    assert_eq!(result["steps"][1]["step"], "cluster-vpc");
    assert!(result["steps"][1]["changes"].as_array().unwrap().len() >= 5);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("\"event\""),
        "no event on stderr"
    );

    // An error is the last line, and the exit code is as before.
    let mut c = w.bin();
    c.args([
        "--session",
        "jl",
        "--output",
        "json",
        "apply",
        "--set",
        "task-definition.cpu=7",
    ]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    events_then(&lines, "error");
    assert_eq!(lines.last().unwrap()["exit_code"], 2);

    let mut c = w.bin();
    c.args(["--session", "jl", "--output", "json", "teardown", "--yes"]);
    let out = run(c);
    assert!(out.status.success());
    let lines = json_lines(&out);
    events_then(&lines, "result");
    assert!(lines.iter().any(|e| e["event"] == "deleted"), "{lines:#?}");
    assert_eq!(lines.last().unwrap()["remaining"], serde_json::json!([]));
}

#[tokio::test]
async fn apply_says_what_it_changed_in_each_step() {
    use gatewalk::model::OutputKey;
    let w = World::new().await;
    let mut c = w.bin();
    c.args(["--session", "ch", "apply"]);
    let text = stdout(&run(c));
    assert!(
        text.contains("step 2 cluster-vpc") && text.contains("created VPC vpc-"),
        "{text}"
    );

    // Behind gatewalk's back: the private subnet's default route to the internet.
    let s = w.store.load("ch").unwrap();
    let rtb = s.output(OutputKey::PrivateRouteTable).unwrap().to_string();
    let igw = s.output(OutputKey::InternetGateway).unwrap();
    let nat = s.output(OutputKey::NatGateway).unwrap().to_string();
    w.aws
        .ec2
        .replace_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(igw)
        .send()
        .await
        .unwrap();

    let mut c = w.bin();
    c.args(["--session", "ch", "apply"]);
    let text = stdout(&run(c));
    // Said under step 5 (on its line, or listed below it with the others).
    let from = text.find("step 5 nat-gateway").unwrap();
    let to = text.find("step 6 service").unwrap();
    assert!(
        text[from..to].contains(&format!(
            "changed private route table {rtb}: default route to {nat}"
        )),
        "{text}"
    );
    let step2 = text
        .lines()
        .find(|l| l.contains("step 2 cluster-vpc"))
        .unwrap();
    assert!(step2.ends_with("— nothing to change"), "{text}");
    // Step 3 fails on step 5's route until step 5 has run: the run carries
    // on to step 5 (not stopping at 3, not moving the subnet out of step
    // 5's table), and step 3 passes once checked again.
    let step3 = text
        .lines()
        .find(|l| l.contains("step 3 private-subnet"))
        .unwrap();
    assert!(step3.starts_with('✓'), "{text}");
    assert!(!text.contains("removed subnet"), "{text}");
}
