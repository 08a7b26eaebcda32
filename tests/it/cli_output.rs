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
