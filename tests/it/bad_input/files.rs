//! Cases that come from files or flags: inputs files, session and lock files,
//! the home directory, keys.toml, profiles and other flags.

use super::case::{Case, Setup, case};

pub fn toml_files() -> Vec<Case> {
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
            b"[target-group-swap]\nx = 1\n".to_vec(),
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

pub fn session_files() -> Vec<Case> {
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

pub fn locks_and_homes() -> Vec<Case> {
    let mut copied: Vec<Case> = ["status", "validate", "apply", "teardown", "inspect"]
        .into_iter()
        .map(|cmd| {
            let mut args = vec!["--session", "delta", cmd];
            if cmd == "teardown" {
                args.push("--yes");
            }
            case(
                format!("a session file copied from another data directory: {cmd}"),
                2,
                &["is a copy", "sessions claim delta"],
                &args,
            )
            .with(Setup::Session("delta"))
            .with(Setup::Copy(
                "gw/sessions/delta.json",
                "gw2/sessions/delta.json",
            ))
            .env("GATEWALK_HOME", "{root}/gw2")
        })
        .collect();
    copied.extend(vec![
        case(
            "a stray file named with an escape sequence",
            0,
            &["ignores this file"],
            &["sessions"],
        )
        .with(Setup::File("gw/sessions/\u{1b}[2J.json", b"{}".to_vec())),
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
    ]);
    copied
}

pub fn keys_files() -> Vec<Case> {
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

pub fn flags_and_profiles() -> Vec<Case> {
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
