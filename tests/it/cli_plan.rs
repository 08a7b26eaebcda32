//! `gatewalk plan` as a person reads it and pastes it: every line a sentence,
//! every command runnable in a shell, no command under a resource kept.

use crate::common::{World, run, succeeds};
use gatewalk::steps::StepId;

/// The words a plan line may begin with (after its mark).
const VERBS: [&str; 8] = [
    "create ",
    "keep ",
    "update ",
    "delete ",
    "attach ",
    "run ",
    "set ",
    "change your ",
];

/// Runs each command in bash with `aws` and `curl` replaced by functions that
/// print their arguments: whatever still holds a `$` was not expanded.
fn unexpanded(commands: &[String]) -> Vec<String> {
    let mut script = String::from("aws() { printf '%s\\n' \"$@\"; }\ncurl() { aws \"$@\"; }\n");
    for c in commands {
        script.push_str(c);
        script.push('\n');
    }
    let out = succeeds(std::process::Command::new("bash").args(["-c", &script]));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|a| a.contains('$'))
        .map(str::to_string)
        .collect()
}

/// Whether a `$` stands inside single quotes, where a shell keeps it as is.
fn dollar_in_single_quotes(cmd: &str) -> bool {
    let mut quoted = false;
    for ch in cmd.chars() {
        match ch {
            '\'' => quoted = !quoted,
            '$' if quoted => return true,
            _ => {}
        }
    }
    false
}

/// Checks one `plan` text; returns its commands.
fn reads_right(text: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut last: Option<&str> = None;
    let mut lines = 0;
    for line in text.lines() {
        if let Some(cmd) = line.strip_prefix("      $ ") {
            let above = last.unwrap_or_else(|| panic!("a command under no line: {cmd}"));
            assert!(
                !above.starts_with("= keep "),
                "a command under a kept resource:\n{above}\n{cmd}"
            );
            assert!(
                !dollar_in_single_quotes(cmd),
                "a variable in single quotes does not expand: {cmd}"
            );
            commands.push(cmd.to_string());
        } else if let Some(change) = line.strip_prefix("  ") {
            let (mark, sentence) = change.split_at(2);
            assert!(["+ ", "= ", "~ ", "- "].contains(&mark), "{line}");
            let verb = VERBS
                .iter()
                .find(|v| sentence.starts_with(**v))
                .unwrap_or_else(|| panic!("not a sentence: {line}"));
            let next = sentence[verb.len()..].split(' ').next().unwrap_or("");
            assert!(
                !VERBS.iter().any(|v| v.trim() == next) && next != "make" && next != "use",
                "two verbs: {line}"
            );
            assert!(
                !sentence.ends_with(' ') && !sentence.contains(" ,"),
                "{line:?}"
            );
            last = Some(change);
            lines += 1;
        }
    }
    assert!(lines >= 20, "every step has its lines:\n{text}");
    commands
}

#[tokio::test]
async fn every_plan_line_reads_right_and_every_command_pastes() {
    let w = World::new().await;
    let plan = |name: &str| {
        let mut c = w.bin();
        c.args(["--session", name, "plan"]);
        let out = run(c);
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).to_string()
    };

    let fresh = plan("fresh");
    assert!(
        fresh.contains(
            "+ attach policy AmazonECSTaskExecutionRolePolicy to role fresh-task-execution"
        ),
        "{fresh}"
    );
    assert!(
        fresh.contains("~ update the NLB listener on port 80"),
        "{fresh}"
    );
    let commands = reads_right(&fresh);
    assert!(
        commands
            .iter()
            .any(|c| c.contains("--uri \"http://$NLB_DNS:80/\""))
    );
    assert_eq!(unexpanded(&commands), Vec::<String>::new());

    drop(w.apply(&w.aws, "full", StepId::Done).await);
    let full = plan("full");
    assert!(
        full.contains("= keep policy AmazonECSTaskExecutionRolePolicy attached to role"),
        "{full}"
    );
    assert!(full.contains("= keep VPC 10.0.0.0/16"), "{full}");
    assert!(
        full.contains("= run the smoke test: GET https://"),
        "{full}"
    );
    assert!(
        !full.contains("  + create"),
        "nothing is made again: {full}"
    );
    let commands = reads_right(&full);
    assert_eq!(unexpanded(&commands), Vec::<String>::new());
    assert!(
        commands.iter().any(|c| c.starts_with("curl ")),
        "the smoke test's command is shown: it is something to run"
    );

    // JSON carries the same sentence, and no command for a kept resource.
    let mut c = w.bin();
    c.args([
        "--session",
        "full",
        "--output",
        "json",
        "plan",
        "cluster-vpc",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&run(c).stdout).unwrap();
    for ch in v[0]["changes"].as_array().unwrap() {
        assert_eq!(ch["action"], "keep", "{ch}");
        assert!(ch["line"].as_str().unwrap().starts_with("= keep "), "{ch}");
        assert!(ch["cli"].is_null(), "{ch}");
    }
}
