//! Hostile and mistaken input, tried as a user would: every case runs the real
//! binary in a private home with a private ~/.aws, and must
//! - exit with the documented code (2: refused before anything was changed),
//! - say what is wrong in words a person can act on,
//! - print no raw control character and no debug dump,
//! - make no connection to the endpoint (a tripwire counts them), and
//! - leave every file under the test's root exactly as it was.
//!
//! The cases live in `typed.rs` and `files.rs`, one function per category.

mod case;
mod files;
mod typed;

use case::{Case, Setup};
use gatewalk::session::Store;
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    v.extend(typed::session_names());
    v.extend(typed::regions());
    v.extend(typed::endpoints());
    v.extend(typed::sets());
    v.extend(typed::dns_names());
    v.extend(files::toml_files());
    v.extend(files::session_files());
    v.extend(files::locks_and_homes());
    v.extend(files::keys_files());
    v.extend(files::flags_and_profiles());
    v
}

/// Counts every connection made to it (and closes each at once).
fn tripwire() -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            h.fetch_add(1, Ordering::SeqCst);
            drop(c);
        }
    });
    (url, hits)
}

/// Every entry under `root` (logs aside): kind, mode, and content or link target.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == "logs") {
                continue;
            }
            let m = std::fs::symlink_metadata(&p).unwrap();
            let mode = m.permissions().mode();
            let v = if m.file_type().is_symlink() {
                format!("link {}", std::fs::read_link(&p).unwrap().display())
            } else if m.is_dir() {
                stack.push(p.clone());
                format!("dir {mode:o}")
            } else {
                format!("file {mode:o} {:?}", std::fs::read(&p).unwrap())
            };
            out.insert(p, v);
        }
    }
    out
}

fn prepare(root: &Path, c: &Case) {
    std::fs::create_dir_all(root.join(".aws")).unwrap();
    // The log is allowed to grow; its directory exists before the snapshot.
    std::fs::create_dir_all(root.join("gw/logs")).unwrap();
    std::fs::write(
        root.join(".aws/config"),
        "[default]\nregion = us-east-1\n\n[profile other]\nregion = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        root.join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = defaultdefaultdefault\n\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = otherotherotherother\n",
    )
    .unwrap();
    for s in &c.setup {
        match s {
            Setup::Session(n) => drop(Store::new(&root.join("gw")).open(n, "us-east-1").unwrap()),
            Setup::File(p, bytes) => {
                let p = root.join(p);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, bytes).unwrap();
            }
            Setup::Link(link, target) if *link == "copy-marker" => {
                // The user's `cp delta.json epsilon.json`.
                let from = root.join(target);
                std::fs::copy(&from, from.with_file_name("epsilon.json")).unwrap();
            }
            Setup::Link(link, target) => {
                let p = root.join(link);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                let _ = std::fs::remove_file(&p);
                symlink(target, p).unwrap();
            }
            Setup::Copy(from, to) => {
                let to = root.join(to);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(root.join(from), to).unwrap();
            }
            Setup::Dir(p) => {
                let _ = std::fs::remove_file(root.join(p));
                std::fs::create_dir_all(root.join(p)).unwrap();
            }
        }
    }
}

/// Runs one case; returns what is wrong with the result, if anything.
fn check(c: &Case, url: &str, hits: &AtomicUsize) -> Option<String> {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    prepare(r, c);
    let before = snapshot(r);
    hits.store(0, Ordering::SeqCst);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gatewalk"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", r)
        .env("GATEWALK_HOME", r.join("gw"))
        .env("GATEWALK_CONFIG_DIR", r.join("cfg"))
        .env("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
        .env("AWS_SECRET_ACCESS_KEY", "environmentenvironment")
        .env("AWS_REGION", "us-east-1")
        .stdin(Stdio::null());
    for (k, v) in &c.env {
        let v = v.replace("{root}", &r.display().to_string());
        if k == "AWS_REGION_UNSET" {
            continue;
        }
        cmd.env(k, v);
    }
    if c.env.iter().any(|(k, _)| k == "AWS_REGION_UNSET")
        && !c.env.iter().any(|(k, _)| k == "AWS_REGION")
    {
        cmd.env_remove("AWS_REGION");
    }
    if c.endpoint {
        cmd.arg("--endpoint-url").arg(url);
    }
    cmd.args(&c.args).current_dir(r);
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let all = format!("{}{err}", String::from_utf8_lossy(&out.stdout));
    let mut why = Vec::new();
    if out.status.code() != Some(c.exit) {
        why.push(format!("exit {:?}, want {}", out.status.code(), c.exit));
    }
    // A refusal explains itself on stderr; a listing that copes, on stdout.
    let said = if c.exit == 0 { &all } else { &err };
    for w in &c.words {
        if !said.contains(w.as_str()) {
            why.push(format!("stderr lacks {w:?}"));
        }
    }
    if let Some(ch) = all.chars().find(|ch| ch.is_control() && *ch != '\n') {
        why.push(format!("output has the raw control character {ch:?}"));
    }
    for dump in ["SdkBody", "Request {", "panicked", "RUST_BACKTRACE"] {
        if all.contains(dump) {
            why.push(format!("output has a debug dump ({dump})"));
        }
    }
    if all.len() > 4000 {
        why.push(format!("output is {} bytes long", all.len()));
    }
    let n = hits.load(Ordering::SeqCst);
    if n > 0 {
        why.push(format!("{n} connection(s) to the endpoint"));
    }
    let after = snapshot(r);
    if before != after {
        let changed: Vec<_> = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(v))
            .map(|(k, _)| k.strip_prefix(r).unwrap().display().to_string())
            .chain(
                before
                    .keys()
                    .filter(|k| !after.contains_key(*k))
                    .map(|k| format!("-{}", k.strip_prefix(r).unwrap().display())),
            )
            .collect();
        why.push(format!("files changed: {changed:?}"));
    }
    if why.is_empty() {
        None
    } else {
        Some(format!(
            "{}: {}\n    stderr: {}",
            c.name,
            why.join("; "),
            err.escape_debug()
        ))
    }
}

#[test]
fn every_bad_input_is_refused_early_clearly_and_without_side_effects() {
    let all = cases();
    assert!(
        all.len() >= 150,
        "the suite has {} cases; keep at least 150",
        all.len()
    );
    eprintln!("bad-input suite: {} cases", all.len());
    let (url, hits) = tripwire();
    let failures: Vec<String> = all.iter().filter_map(|c| check(c, &url, &hits)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn the_help_and_the_readme_state_one_exit_code_contract() {
    let out = Command::new(env!("CARGO_BIN_EXE_gatewalk"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("2    refused before anything was created, changed or deleted"),
        "{help}"
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("`2` refused before anything was created, changed or deleted"));
}

/// An endpoint that answers every request with `HTTP 200` and a body that is
/// not an AWS response.
fn garbage_endpoint() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let mut buf = vec![0u8; 65536];
                let _ = c.read(&mut buf);
                let body = "<html>\u{1b}[2Jhello from a web server</html>";
                let _ = write!(
                    c,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    url
}

#[test]
fn an_endpoint_that_is_not_aws_is_named_as_such_and_leaves_no_session() {
    let root = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gatewalk"))
        .env_clear()
        .env("HOME", root.path())
        .env("GATEWALK_HOME", root.path().join("gw"))
        .env("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
        .env("AWS_SECRET_ACCESS_KEY", "environmentenvironment")
        .env("AWS_REGION", "us-east-1")
        .args(["--endpoint-url", &garbage_endpoint(), "apply"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("sts GetCallerIdentity"), "{err}");
    assert!(err.contains("not an AWS sts response"), "{err}");
    assert!(err.contains("not another web server"), "{err}");
    assert!(!err.contains("see the AWS documentation"), "{err}");
    assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "{err:?}");
    assert!(
        !root.path().join("gw/sessions/demo.json").exists(),
        "an endpoint that is not AWS leaves no session behind"
    );
}

#[test]
fn output_cut_short_by_a_closed_pipe_is_not_a_panic() {
    // `gatewalk keys | head -1`: the reader goes away after one line.
    let root = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatewalk"))
        .env_clear()
        .env("HOME", root.path())
        .env("GATEWALK_HOME", root.path().join("gw"))
        .env("GATEWALK_CONFIG_DIR", root.path().join("cfg"))
        .arg("keys")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}
