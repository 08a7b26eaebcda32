//! Hostile and mistaken input, tried as a user would: every case runs the real
//! binary in a private home with a private ~/.aws, and must
//! - exit with the documented code (2: refused before anything was changed),
//! - say what is wrong in words a person can act on,
//! - print no raw control character and no debug dump,
//! - make no connection to the endpoint (a tripwire counts them), and
//! - leave every file under the test's root exactly as it was.
//!
//! The cases live in `cases()`; each category is a function.

use gatewalk::session::Store;
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One bad input.
struct Case {
    name: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    setup: Vec<Setup>,
    /// Pass the tripwire as --endpoint-url (off when the case sets its own).
    endpoint: bool,
    exit: i32,
    words: Vec<String>,
}

/// What a case puts on disk first (paths relative to the test's root; the
/// gatewalk home is `gw/`).
#[derive(Clone)]
enum Setup {
    /// A valid session of this name, made by gatewalk's own store.
    Session(&'static str),
    /// A file with these bytes.
    File(&'static str, Vec<u8>),
    /// A symbolic link `link` → `target`.
    Link(&'static str, &'static str),
    /// A directory.
    Dir(&'static str),
}

fn case(name: impl Into<String>, exit: i32, words: &[&str], args: &[&str]) -> Case {
    Case {
        name: name.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        env: vec![],
        setup: vec![],
        endpoint: true,
        exit,
        words: words.iter().map(|s| s.to_string()).collect(),
    }
}

impl Case {
    fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }
    fn with(mut self, s: Setup) -> Self {
        self.setup.push(s);
        self
    }
    fn own_endpoint(mut self) -> Self {
        self.endpoint = false;
        self
    }
}

fn s(x: &str) -> String {
    x.to_string()
}

fn session_names() -> Vec<Case> {
    let long = "a".repeat(33);
    let bad: Vec<(String, &str)> = vec![
        (s(""), "cannot be empty"),
        (s("Demo"), "lowercase letter"),
        (s("3demo"), "lowercase letter"),
        (s("demo-"), "hyphen"),
        (s("de--mo"), "hyphen"),
        (s("de_mo"), "contains `_`"),
        (s("de mo"), "contains ` `"),
        (s("../x"), "lowercase letter"),
        (s("a/b"), "contains `/`"),
        (long, "at most 32"),
        (s("demo\u{1b}[2J"), "contains"),
        (s("démo"), "contains `é`"),
        (s(".hidden"), "lowercase letter"),
        (s("-demo"), "lowercase letter"),
        (s("demo.json"), "contains `.`"),
    ];
    let mut out = Vec::new();
    for (n, w) in &bad {
        let arg = format!("--session={n}");
        out.push(case(
            format!("session {n:?} status"),
            2,
            &[w],
            &[&arg, "status"],
        ));
    }
    for (n, w) in bad.iter().take(6) {
        let arg = format!("--session={n}");
        out.push(case(
            format!("session {n:?} apply"),
            2,
            &[w],
            &[&arg, "apply"],
        ));
    }
    for (n, w) in bad.iter().skip(6).take(5) {
        out.push(
            case(format!("GATEWALK_SESSION={n:?}"), 2, &[w], &["validate"])
                .env("GATEWALK_SESSION", n),
        );
    }
    out
}

fn regions() -> Vec<Case> {
    let mut out = Vec::new();
    for r in [
        "us-east",
        "useast1",
        "US-EAST-1",
        "us-east-1a",
        "us--1",
        "eu_west_1",
        "mars",
        "us-east-1\u{7}",
        "1-2-3",
        &"x".repeat(200),
    ] {
        let arg = format!("--region={r}");
        out.push(case(
            format!("region {:.20?}", r),
            2,
            &["not an AWS region name"],
            &[&arg, "apply"],
        ));
    }
    for (var, v) in [
        ("AWS_REGION", "moon-1"),
        ("AWS_REGION", "us east 1"),
        ("AWS_DEFAULT_REGION", "nowhere"),
    ] {
        out.push(
            case(
                format!("{var}={v}"),
                2,
                &[var, "not an AWS region name"],
                &["apply"],
            )
            .env(var, v)
            .env("AWS_REGION_UNSET", "1"),
        );
    }
    out.push(
        case(
            "a region other than the session's",
            2,
            &["lives in us-east-1", "--region"],
            &["--session", "delta", "--region", "eu-west-1", "validate"],
        )
        .with(Setup::Session("delta")),
    );
    out.push(
        case(
            "a region other than the session's, apply",
            2,
            &["lives in us-east-1"],
            &["--session", "delta", "--region", "eu-west-2", "apply"],
        )
        .with(Setup::Session("delta")),
    );
    out
}

fn endpoints() -> Vec<Case> {
    let mut out = Vec::new();
    for (e, w) in [
        ("localhost:5000", "http:// or https://"),
        ("http://[::1", "not a URL"),
        ("http://127.0.0.1:99999", "invalid port"),
        ("http://127.0.0.1:0", "port 0"),
        ("ftp://example.com", "http:// or https://"),
        ("http://", "not a URL"),
        ("not a url", "not a URL"),
        ("http://user:pass@127.0.0.1:5000", "user name or password"),
        ("http://user@127.0.0.1:5000", "user name or password"),
        ("http://127.0.0.1:5000/?a=b", "query"),
        ("http://127.0.0.1:5000/#x", "fragment"),
        ("http://exa\u{1}mple.com", "control character"),
        ("", "not a URL"),
        ("file:///etc/passwd", "http:// or https://"),
    ] {
        let arg = format!("--endpoint-url={e}");
        out.push(case(format!("endpoint {e:?}"), 2, &[w], &[&arg, "apply"]).own_endpoint());
    }
    for (var, v, w) in [
        ("AWS_ENDPOINT_URL", "not a url", "not a URL"),
        ("AWS_ENDPOINT_URL", "http://[::1", "not a URL"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:70000", "invalid port"),
        (
            "AWS_ENDPOINT_URL",
            "http://u:p@127.0.0.1:1",
            "user name or password",
        ),
        ("AWS_ENDPOINT_URL_EC2", "nonsense", "AWS_ENDPOINT_URL_EC2"),
    ] {
        out.push(
            case(format!("{var}={v}"), 2, &[var, w], &["apply"])
                .env(var, v)
                .own_endpoint(),
        );
    }
    out
}

fn sets() -> Vec<Case> {
    let big = format!("task-definition.image={}", "n".repeat(100_000));
    let ctl = "task-definition.image=nginx\u{1}\u{1b}[2J".to_string();
    let rows: Vec<(String, &str)> = vec![
        (s("cpu=512"), "not STEP.FIELD"),
        (s("task-definition.cpu"), "not STEP.FIELD=VALUE"),
        (s("nosuch.x=1"), "unknown step `nosuch`"),
        (s("task-definition.nosuch=1"), "unknown field"),
        (s("task-definition.cpu=abc"), "not a whole number"),
        (s("task-definition.cpu=3"), "cpu"),
        (s("task-definition.cpu=-256"), "not a whole number"),
        (s("task-definition.memory=700"), "memory"),
        (s("task-definition.image="), "image"),
        (ctl, "control character"),
        (big, "longer than the 255 characters"),
        (s("task-definition.container_port=0"), "container_port"),
        (s("task-definition.container_port=70000"), "container_port"),
        (s("task-definition.family=bad family"), "family"),
        (
            s("task-definition.container_name=a\tb"),
            "control character",
        ),
        (s("cluster-vpc.vpc_cidr=10.0.0.0/33"), "vpc_cidr"),
        (s("cluster-vpc.vpc_cidr=banana"), "vpc_cidr"),
        (s("cluster-vpc.vpc_cidr=10.0.0.0/8"), "vpc_cidr"),
        (
            s("cluster-vpc.public_subnet_a_cidr=10.9.0.0/24"),
            "not inside",
        ),
        (
            s("cluster-vpc.public_subnet_b_cidr=10.0.0.0/24"),
            "overlaps",
        ),
        (
            s("cluster-vpc.availability_zones=eu-west-1a,eu-west-1b"),
            "not a zone of us-east-1",
        ),
        (
            s("cluster-vpc.availability_zones=us-east-1a"),
            "exactly two",
        ),
        (
            s("cluster-vpc.availability_zones=us-east-1a,us-east-1a"),
            "two different zones",
        ),
        (s("cluster-vpc.cluster_name=has space"), "cluster_name"),
        (
            s("private-subnet.private_subnet_cidr=10.0.0.0/24"),
            "overlap",
        ),
        (s("load-balancer.nlb_name=has_underscore"), "nlb_name"),
        (
            s(&format!("load-balancer.nlb_name={}", "n".repeat(40))),
            "at most 32",
        ),
        (s("load-balancer.nlb_name=internal-x"), "internal-"),
        (s("service.desired_count=0"), "desired_count"),
        (s("service.desired_count=-1"), "not a whole number"),
        (
            s("service.health_check_interval_seconds=1"),
            "health_check_interval_seconds",
        ),
        (
            s("service.deregistration_delay_seconds=99999"),
            "deregistration_delay_seconds",
        ),
        (s("rest-api.routes=FETCH /x"), "routes"),
        (s("rest-api.stage_name=a b"), "stage_name"),
        (s("nat-gateway.x=1"), "has no inputs"),
        (s("done.smoke_path=health"), "smoke_path"),
    ];
    rows.into_iter()
        .map(|(set, w)| {
            let name = format!("--set {:.40}", set.escape_debug().to_string());
            case(name, 2, &[w], &["apply", "--set", &set])
        })
        .collect()
}

fn toml_files() -> Vec<Case> {
    let rows: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "syntax",
            b"[task-definition\ncpu = 512\n".to_vec(),
            "inputs file",
        ),
        (
            "unknown step",
            b"[nosuch]\nx = 1\n".to_vec(),
            "unknown step `nosuch`",
        ),
        (
            "unknown field",
            b"[task-definition]\nnosuch = 1\n".to_vec(),
            "unknown field",
        ),
        (
            "datetime",
            b"[task-definition]\ncpu = 1979-05-27T07:32:00Z\n".to_vec(),
            "date/time",
        ),
        (
            "nested table",
            b"[task-definition]\ncpu = { a = 1 }\n".to_vec(),
            "is a table",
        ),
        (
            "text for a number",
            b"[task-definition]\ncpu = \"lots\"\n".to_vec(),
            "cpu",
        ),
        ("bare key", b"cpu = 512\n".to_vec(), "unknown step `cpu`"),
        (
            "value not a table",
            b"task-definition = 512\n".to_vec(),
            "must be a table",
        ),
        (
            "binary garbage",
            vec![0xff, 0xfe, 0x00, 0x01, 0x1b],
            "inputs file",
        ),
        ("float", b"[task-definition]\ncpu = 512.5\n".to_vec(), "cpu"),
        (
            "negative",
            b"[task-definition]\ncpu = -512\n".to_vec(),
            "cpu",
        ),
        (
            "huge",
            b"[task-definition]\ncpu = 99999999999999\n".to_vec(),
            "cpu",
        ),
        (
            "control char",
            b"[task-definition]\nimage = \"a\\u001b[2J\"\n".to_vec(),
            "control character",
        ),
        (
            "list for text",
            b"[task-definition]\nimage = [\"a\"]\n".to_vec(),
            "image",
        ),
        (
            "no inputs step",
            b"[nat-gateway]\nx = 1\n".to_vec(),
            "has no inputs",
        ),
    ];
    let mut out: Vec<Case> = rows
        .into_iter()
        .map(|(n, bytes, w)| {
            case(
                format!("toml {n}"),
                2,
                &[w],
                &["apply", "--inputs", "in.toml"],
            )
            .with(Setup::File("in.toml", bytes))
        })
        .collect();
    out.push(case(
        "toml missing",
        2,
        &["cannot read"],
        &["apply", "--inputs", "nope.toml"],
    ));
    out.push(
        case(
            "toml is a directory",
            2,
            &["cannot read"],
            &["apply", "--inputs", "adir"],
        )
        .with(Setup::Dir("adir")),
    );
    out
}

fn session_files() -> Vec<Case> {
    let rows: Vec<(&str, Setup, &str)> = vec![
        ("not json", Setup::File("gw/sessions/x.json", b"{ nope".to_vec()), "not valid JSON"),
        ("empty", Setup::File("gw/sessions/x.json", vec![]), "not valid JSON"),
        ("no schema", Setup::File("gw/sessions/x.json", br#"{"name":"x"}"#.to_vec()), "no schema_version"),
        (
            "newer schema",
            Setup::File("gw/sessions/x.json", br#"{"schema_version":99,"name":"x"}"#.to_vec()),
            "newer gatewalk",
        ),
        (
            "wrong types",
            Setup::File(
                "gw/sessions/x.json",
                br#"{"schema_version":1,"name":"x","created_at":"soon","updated_at":0,"region":"us-east-1"}"#.to_vec(),
            ),
            "damaged",
        ),
        (
            "unknown step",
            Setup::File(
                "gw/sessions/x.json",
                br#"{"schema_version":1,"name":"x","created_at":0,"updated_at":0,"region":"us-east-1","steps":{"warp-drive":{}}}"#.to_vec(),
            ),
            "damaged",
        ),
        (
            "inner name differs",
            Setup::File(
                "gw/sessions/x.json",
                br#"{"schema_version":1,"name":"delta","created_at":0,"updated_at":0,"region":"us-east-1"}"#.to_vec(),
            ),
            "holds session `delta`",
        ),
        ("symlink", Setup::Link("gw/sessions/x.json", "../../victim.json"), "symbolic link"),
        ("dangling symlink", Setup::Link("gw/sessions/x.json", "../../nowhere.json"), "symbolic link"),
        ("directory", Setup::Dir("gw/sessions/x.json"), "not a plain file"),
    ];
    let mut out = Vec::new();
    for (n, setup, w) in rows {
        for cmd in ["status", "validate", "apply", "teardown"] {
            let mut args = vec!["--session", "x", cmd];
            if cmd == "teardown" {
                args.push("--yes");
            }
            out.push(
                case(format!("session file {n}: {cmd}"), 2, &[w], &args)
                    .with(Setup::File("victim.json", b"precious".to_vec()))
                    .with(setup.clone()),
            );
        }
    }
    out.push(
        case(
            "a copied session file",
            2,
            &["holds session `delta`", "--session delta"],
            &["--session", "epsilon", "teardown", "--yes"],
        )
        .with(Setup::Session("delta"))
        .with(Setup::Link("copy-marker", "gw/sessions/delta.json")),
    );
    out
}

fn locks_and_homes() -> Vec<Case> {
    vec![
        case(
            "lock file is a symlink",
            2,
            &["symbolic link"],
            &["--session", "delta", "apply"],
        )
        .with(Setup::Session("delta"))
        .with(Setup::File("victim.txt", b"keep me".to_vec()))
        .with(Setup::Link("gw/sessions/delta.lock", "../../victim.txt")),
        case(
            "lock file is a dangling symlink",
            2,
            &["symbolic link"],
            &[
                "--session",
                "delta",
                "inputs",
                "--set",
                "task-definition.cpu=512",
                "--set",
                "task-definition.memory=1024",
            ],
        )
        .with(Setup::Session("delta"))
        .with(Setup::Link(
            "gw/sessions/delta.lock",
            "../../made-by-gatewalk.txt",
        )),
        case(
            "lock file is a directory",
            2,
            &["lock file"],
            &["--session", "delta", "apply"],
        )
        .with(Setup::Session("delta"))
        .with(Setup::Dir("gw/sessions/delta.lock")),
        case("home is a file", 2, &["GATEWALK_HOME"], &["apply"])
            .with(Setup::File("homefile", b"x".to_vec()))
            .env("GATEWALK_HOME", "{root}/homefile"),
        case("home below a file", 2, &["GATEWALK_HOME"], &["sessions"])
            .with(Setup::File("homefile", b"x".to_vec()))
            .env("GATEWALK_HOME", "{root}/homefile/below"),
        case(
            "sessions delete nosuch",
            2,
            &["no session named `nosuch`"],
            &["sessions", "delete", "nosuch"],
        ),
        case(
            "sessions delete a bad name",
            2,
            &["lowercase letter"],
            &["sessions", "delete", "Nope"],
        ),
    ]
}

fn keys_files() -> Vec<Case> {
    let rows: Vec<(&str, &str, &[&str])> = vec![
        (
            "q bound to apply",
            "[keys]\napply = [\"q\"]\n",
            &["`q` is bound to both `apply` and `quit`"],
        ),
        (
            "quit without a key",
            "[keys]\nquit = []\n",
            &["`quit` has no key"],
        ),
        (
            "help on ctrl-c",
            "[keys]\nhelp = [\"ctrl-c\"]\n",
            &["ctrl-c", "always quits"],
        ),
        (
            "tab shadows apply",
            "[keys]\nnext-tab = [\"a\"]\n",
            &["`a` is bound to both"],
        ),
        (
            "select on esc",
            "[keys]\nselect = [\"esc\"]\n",
            &["`esc` is bound to both `select` and `back`"],
        ),
        ("unknown action", "[keys]\nfly = [\"f\"]\n", &["fly"]),
        (
            "bad key name",
            "[keys]\napply = [\"banana\"]\n",
            &["not a key"],
        ),
        ("syntax", "[keys\napply = [\"a\"]\n", &["keys.toml"]),
        ("not a table", "keys = 3\n", &["keys.toml"]),
        ("unknown section", "[colours]\nred = 1\n", &["colours"]),
    ];
    rows.into_iter()
        .map(|(n, text, w)| {
            case(format!("keys.toml {n}"), 2, w, &["keys"])
                .with(Setup::File("cfg/keys.toml", text.as_bytes().to_vec()))
        })
        .collect()
}

fn flags_and_profiles() -> Vec<Case> {
    vec![
        case(
            "--pace without --sandbox",
            2,
            &["--sandbox"],
            &["--pace", "fast", "apply"],
        ),
        case(
            "--output yaml",
            2,
            &["yaml"],
            &["--output", "yaml", "status"],
        ),
        case(
            "unknown command",
            2,
            &["unrecognized subcommand"],
            &["deploy"],
        ),
        case(
            "unknown step for --through",
            2,
            &["unknown step"],
            &["apply", "--through", "nosuch"],
        ),
        case("step 11", 2, &["unknown step"], &["validate", "11"]),
        case(
            "teardown without --yes",
            2,
            &["--yes"],
            &["--session", "delta", "teardown"],
        )
        .with(Setup::Session("delta")),
        case(
            "--profile nosuch",
            2,
            &["profile `nosuch`", ".aws/config", "they define", "other"],
            &["--profile", "nosuch", "apply"],
        ),
        case(
            "AWS_PROFILE nosuch",
            2,
            &["AWS_PROFILE", "profile `nosuch`"],
            &["apply"],
        )
        .env("AWS_PROFILE", "nosuch"),
        case(
            "--profile with a control character",
            2,
            &["control character"],
            &["--profile", "ot\u{1b}her", "apply"],
        ),
        case(
            "--profile nosuch, inspect",
            2,
            &["profile `nosuch`"],
            &["--session", "delta", "--profile", "nosuch", "inspect"],
        )
        .with(Setup::Session("delta")),
        case(
            "AWS_CONFIG_FILE elsewhere, profile missing",
            2,
            &["profile `other`", "elsewhere"],
            &["--profile", "other", "apply"],
        )
        .env("AWS_CONFIG_FILE", "{root}/elsewhere")
        .env("AWS_SHARED_CREDENTIALS_FILE", "{root}/elsewhere-too"),
    ]
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    v.extend(session_names());
    v.extend(regions());
    v.extend(endpoints());
    v.extend(sets());
    v.extend(toml_files());
    v.extend(session_files());
    v.extend(locks_and_homes());
    v.extend(keys_files());
    v.extend(flags_and_profiles());
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
            if p.ends_with("gw/logs") {
                continue;
            }
            let m = std::fs::symlink_metadata(&p).unwrap();
            let mode = m.permissions().mode();
            let v = if m.file_type().is_symlink() {
                format!("link {:?}", std::fs::read_link(&p).unwrap())
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
            Setup::Dir(p) => {
                let _ = std::fs::remove_file(root.join(p));
                std::fs::create_dir_all(root.join(p)).unwrap()
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
    for w in &c.words {
        if !err.contains(w.as_str()) {
            why.push(format!("stderr lacks {w:?}"));
        }
    }
    if let Some(ch) = all.chars().find(|ch| ch.is_control() && *ch != '\n') {
        why.push(format!("output has the raw control character {:?}", ch));
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
