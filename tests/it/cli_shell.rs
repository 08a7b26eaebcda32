//! The CLI in a user's shell: completion scripts, and colour only where a
//! person is looking.

/// The directory holding the gatewalk binary, first on a `PATH`.
fn path_with_gatewalk() -> String {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_gatewalk"));
    let dir = bin.parent().unwrap().display().to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

#[test]
fn completion_scripts_load_in_their_shells() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(
            script.contains("gatewalk") && script.contains("teardown"),
            "{shell}"
        );
    }
    let out = crate::common::succeeds(
        std::process::Command::new("bash")
            .env("PATH", path_with_gatewalk())
            .args([
                "-c",
                "source <(gatewalk completions bash) && complete -p gatewalk",
            ]),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("-F _gatewalk gatewalk"));
}

/// stdout and stderr of `gatewalk args` in `w`, with the colour variables
/// set as given (and the rest of the environment's removed).
fn both(w: &crate::common::World, colour: &[(&str, &str)], args: &[&str]) -> Vec<u8> {
    let mut c = w.bin();
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .envs(colour.iter().copied())
        .args(args);
    let out = c.output().unwrap();
    let mut v = out.stdout;
    v.extend(out.stderr);
    v
}

#[tokio::test]
async fn colour_only_where_asked_and_no_color_wins() {
    let w = crate::common::World::new().await;
    let has_esc = |v: &[u8]| v.contains(&0x1b);
    let runs: [&[&str]; 4] = [
        &["--session", "c", "apply", "--through", "task-definition"],
        &["--session", "c", "plan"],
        &["--session", "c", "validate"],
        // An error: a step id that does not exist.
        &["--session", "c", "plan", "nowhere"],
    ];
    for args in runs {
        let piped = both(&w, &[], args);
        assert!(
            !has_esc(&piped),
            "{args:?}: {}",
            String::from_utf8_lossy(&piped)
        );
        assert!(
            !has_esc(&both(
                &w,
                &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
                args
            )),
            "NO_COLOR wins over CLICOLOR_FORCE: {args:?}"
        );
    }
    let forced = both(&w, &[("CLICOLOR_FORCE", "1")], &["--session", "c", "plan"]);
    assert!(has_esc(&forced), "{}", String::from_utf8_lossy(&forced));
    let forced = both(
        &w,
        &[("CLICOLOR_FORCE", "1")],
        &["--session", "c", "validate"],
    );
    assert!(has_esc(&forced), "✓ and ✗ in colour");
    let forced = both(
        &w,
        &[("CLICOLOR_FORCE", "1")],
        &["--session", "c", "apply", "--through", "cluster-vpc"],
    );
    let text = String::from_utf8_lossy(&forced);
    assert!(
        text.contains("\x1b[32m  [cluster-vpc] created")
            || text.contains("\x1b[32m[cluster-vpc] created"),
        "{text}"
    );
    // An empty NO_COLOR does not count (no-color.org).
    assert!(has_esc(&both(
        &w,
        &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")],
        &["--session", "c", "plan"]
    )));
}
