//! The `gatewalk …` commands the CLI prints for its user work as printed,
//! however many sessions there are.

use crate::common::{REGION, World, run};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Runs a printed command line as a user would paste it: the same home and
/// credentials, nothing else (no `--endpoint-url`: the session remembers it).
fn as_printed(w: &World, line: &str) -> std::process::Output {
    let mut words = line.split_whitespace();
    assert_eq!(words.next(), Some("gatewalk"), "{line}");
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"));
    c.env("GATEWALK_HOME", w.home.path())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env_remove("AWS_PROFILE")
        .env_remove("GATEWALK_SESSION")
        .env_remove("GATEWALK_CMD")
        .env_remove("AWS_ENDPOINT_URL")
        .args(words);
    run(c)
}

/// The command a `next: …` line names.
fn next_command(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("next: "))
        .unwrap_or_else(|| panic!("no next line:\n{text}"))
        .to_string()
}

#[tokio::test]
async fn with_two_sessions_the_printed_next_command_runs_as_printed() {
    let w = World::new().await;
    for name in ["two", "one"] {
        let mut c = w.bin();
        c.env_remove("GATEWALK_CMD").args([
            "--session",
            name,
            "apply",
            "--through",
            "task-definition",
        ]);
        let out = run(c);
        assert!(out.status.success());
    }
    let mut c = w.bin();
    c.env_remove("GATEWALK_CMD").args([
        "--session",
        "one",
        "apply",
        "--through",
        "task-definition",
    ]);
    let next = next_command(&stdout(&run(c)));
    assert_eq!(next, "gatewalk --session one apply --through cluster-vpc");
    let out = as_printed(&w, &next);
    assert!(out.status.success(), "{next}");
    assert_eq!(w.store.load("one").unwrap().done_count(), 2);

    // status's next line, and the overview's commands, run as printed too.
    let out = as_printed(&w, "gatewalk --session one status");
    let next = next_command(&stdout(&out));
    assert_eq!(
        next,
        "gatewalk --session one apply --through private-subnet"
    );
    let out = as_printed(&w, "gatewalk");
    let text = stdout(&out);
    let plan = text
        .lines()
        .find_map(|l| {
            l.trim_start()
                .split("  #")
                .next()
                .filter(|c| c.contains(" plan"))
        })
        .unwrap_or_else(|| panic!("{text}"))
        .trim()
        .to_string();
    // The last one used (both were used within the second here).
    assert!(
        ["gatewalk --session one plan", "gatewalk --session two plan"].contains(&plan.as_str()),
        "{text}"
    );
    assert!(as_printed(&w, &plan).status.success());

    // Without --session, the ambiguity is still refused, naming the way out.
    let out = as_printed(&w, "gatewalk apply --through cluster-vpc");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--session NAME"));
}
