//! The session file: atomic, private, locked, and never overwritten when it
//! cannot be understood.

use gatewalk::session::{SCHEMA_VERSION, Store};
use std::os::unix::fs::PermissionsExt;

fn store() -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::new(d.path());
    (d, s)
}

#[test]
fn saved_with_mode_0600_and_no_temp_files() {
    let (d, st) = store();
    let mut h = st.open("demo", "eu-west-1").unwrap();
    h.record(gatewalk::model::OutputKey::Vpc, "vpc-123")
        .unwrap();
    let path = st.path("demo");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let names: Vec<String> = std::fs::read_dir(d.path().join("sessions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
    drop(h);
    let s = st.load("demo").unwrap();
    assert_eq!(s.output(gatewalk::model::OutputKey::Vpc), Some("vpc-123"));
    assert_eq!(s.region, "eu-west-1");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&format!("\"schema_version\": {SCHEMA_VERSION}")));
    assert!(
        !text.to_lowercase().contains("secret"),
        "no credentials in the file"
    );
}

#[test]
fn a_corrupt_file_is_refused_and_left_untouched() {
    let (_d, st) = store();
    drop(st.open("demo", "us-east-1").unwrap());
    let path = st.path("demo");
    std::fs::write(&path, "{ this is not json").unwrap();
    let err = st.open("demo", "us-east-1").unwrap_err().to_string();
    assert!(
        err.contains("not valid JSON") && err.contains("left untouched"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{ this is not json"
    );
    // Listing shows it as unreadable rather than failing.
    let l = st.list().unwrap();
    assert!(l[0].session.is_err());
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let (_d, st) = store();
    drop(st.open("demo", "us-east-1").unwrap());
    let path = st.path("demo");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        &format!("\"schema_version\": {SCHEMA_VERSION}"),
        "\"schema_version\": 99",
    );
    std::fs::write(&path, &text).unwrap();
    let err = st.open("demo", "us-east-1").unwrap_err().to_string();
    assert!(
        err.contains("newer gatewalk") && err.contains("99"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn a_file_without_version_is_refused() {
    let (_d, st) = store();
    std::fs::create_dir_all(st.path("x").parent().unwrap()).unwrap();
    std::fs::write(st.path("demo"), "{\"name\":\"demo\"}").unwrap();
    let err = st.load("demo").unwrap_err().to_string();
    assert!(err.contains("no schema_version"), "{err}");
}

#[test]
fn a_second_holder_gets_a_clear_error() {
    let (_d, st) = store();
    let h = st.open("demo", "us-east-1").unwrap();
    let err = st.open("demo", "us-east-1").unwrap_err().to_string();
    assert!(err.contains("in use by another gatewalk process"), "{err}");
    assert!(
        err.contains(&std::process::id().to_string()),
        "names the pid: {err}"
    );
    // Deleting is refused too while held.
    assert!(st.delete("demo").is_err());
    drop(h);
    assert!(st.open("demo", "us-east-1").is_ok(), "released on drop");
}

#[test]
fn the_lock_holds_across_processes() {
    let (d, st) = store();
    let _h = st.open("demo", "us-east-1").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"))
        .env("GATEWALK_HOME", d.path())
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .args([
            "--session",
            "demo",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "inputs",
            "--set",
            "task-definition.cpu=512",
            "--set",
            "task-definition.memory=1024",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("in use by another gatewalk process"), "{err}");
}

#[test]
fn a_lock_left_by_a_dead_process_does_not_block() {
    let (d, st) = store();
    drop(st.open("demo", "us-east-1").unwrap());
    // A lock file with a stale pid, as a killed process leaves it.
    std::fs::write(d.path().join("sessions/demo.lock"), "999999").unwrap();
    assert!(st.open("demo", "us-east-1").is_ok());
}

#[test]
fn bad_session_names_are_refused() {
    let (_d, st) = store();
    for bad in ["../etc", "Demo", "a b", ""] {
        assert!(st.open(bad, "us-east-1").is_err(), "{bad}");
    }
}

#[test]
fn delete_removes_only_the_record() {
    let (_d, st) = store();
    drop(st.open("demo", "us-east-1").unwrap());
    st.delete("demo").unwrap();
    assert!(!st.exists("demo"));
    assert!(st.list().unwrap().is_empty());
}
