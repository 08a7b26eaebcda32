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
    let out = std::process::Command::new("bash")
        .env("PATH", path_with_gatewalk())
        .args([
            "-c",
            "source <(gatewalk completions bash) && complete -p gatewalk",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("-F _gatewalk gatewalk"));
}
