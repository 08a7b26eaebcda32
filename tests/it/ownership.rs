//! gatewalk only ever deletes what carries this session's tags — name and
//! unique id — and it takes credentials exactly as the AWS CLI does. Both are
//! tried as a user would, with the binary, against the strict sandbox.

use crate::common;

use common::{World, account_counts, run};
use std::path::Path;
use std::process::Command;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// `gatewalk validate --session NAME` in `home`: exit code and output.
fn validate(w: &World, home: &Path, name: &str) -> std::process::Output {
    let mut c = w.bin();
    c.env("GATEWALK_HOME", home)
        .args(["--session", name, "validate"]);
    c.output().unwrap()
}

fn teardown(w: &World, home: &Path, name: &str) -> std::process::Output {
    let mut c = w.bin();
    c.env("GATEWALK_HOME", home)
        .args(["--session", name, "teardown", "--yes"]);
    c.output().unwrap()
}

#[tokio::test]
async fn copies_renames_and_namesakes_of_a_session_delete_nothing_of_it() {
    let w = World::new().await;
    let home = w.home.path().to_path_buf();
    let mut c = w.bin();
    c.args(["--session", "delta", "apply"]);
    assert!(run(c).status.success());
    let full = account_counts(&w.aws).await;
    let inv = w.inventory("delta").await;
    assert!(inv.len() > 15, "{inv:?}");
    let id = w.store.load("delta").unwrap().id.expect("a session id");
    assert!(
        inv.iter()
            .all(|t| t.session_id.as_deref() == Some(id.as_str())),
        "every resource carries the session id: {inv:?}"
    );
    let sessions = home.join("sessions");
    let original = std::fs::read_to_string(sessions.join("delta.json")).unwrap();

    // 1. `cp delta.json epsilon.json`: refused on open, before any call.
    std::fs::write(sessions.join("epsilon.json"), &original).unwrap();
    let out = teardown(&w, &home, "epsilon");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("holds session `delta`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(account_counts(&w.aws).await, full, "nothing was deleted");

    // 2. The copy with its inner name edited too: a session `epsilon` that
    //    recorded delta's ids. Its teardown finds nothing of its own.
    //    It still says where it was made, so it is refused as a copy...
    let mut renamed: serde_json::Value = serde_json::from_str(&original).unwrap();
    renamed["name"] = "epsilon".into();
    std::fs::write(sessions.join("epsilon.json"), renamed.to_string()).unwrap();
    let out = teardown(&w, &home, "epsilon");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a copy"), "{}", stderr(&out));
    //    ...and with that erased too, the tags decide: none are epsilon's.
    renamed.as_object_mut().unwrap().remove("origin");
    std::fs::write(sessions.join("epsilon.json"), renamed.to_string()).unwrap();
    let out = teardown(&w, &home, "epsilon");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(account_counts(&w.aws).await, full, "nothing was deleted");

    // 3. The whole file copied into another data directory (a backup
    //    restored, a home copied): refused, it was made at another path.
    let other_home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(other_home.path().join("sessions")).unwrap();
    std::fs::write(other_home.path().join("sessions/delta.json"), &original).unwrap();
    let out = teardown(&w, other_home.path(), "delta");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is a copy") && stderr(&out).contains("sessions claim delta"),
        "{}",
        stderr(&out)
    );
    assert_eq!(account_counts(&w.aws).await, full, "nothing was deleted");

    // 4. A namesake: another session called `delta` (a record deleted and
    //    made again, a student who also kept `delta`), holding the same ids.
    //    Its id differs, so nothing carries its tags.
    let mut namesake: serde_json::Value = serde_json::from_str(&original).unwrap();
    namesake["id"] = "0123456789abcdef".into();
    namesake.as_object_mut().unwrap().remove("origin");
    std::fs::write(
        other_home.path().join("sessions/delta.json"),
        serde_json::to_string_pretty(&namesake).unwrap(),
    )
    .unwrap();
    let out = teardown(&w, other_home.path(), "delta");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("left alone")
            && stderr(&out).contains("another session of the same name"),
        "{}",
        stderr(&out)
    );
    assert_eq!(account_counts(&w.aws).await, full, "nothing was deleted");

    // The original is whole: every check of every step passes.
    let out = validate(&w, &home, "delta");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // And its owner can still tear it all down.
    let out = teardown(&w, &home, "delta");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(w.inventory("delta").await.is_empty());
}

#[tokio::test]
async fn a_session_written_before_ids_is_given_one_and_keeps_its_resources() {
    let w = World::new().await;
    let mut c = w.bin();
    c.args(["--session", "old", "apply", "--through", "cluster-vpc"]);
    assert!(run(c).status.success());
    // What an earlier gatewalk wrote: no id in the file, none on the resources.
    let path = w.home.path().join("sessions/old.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("id");
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let vpc = w
        .store
        .load("old")
        .unwrap()
        .output(gatewalk::model::OutputKey::Vpc)
        .unwrap()
        .to_string();
    let made = w.inventory("old").await;
    assert!(made.len() >= 8, "{made:?}");
    for t in &made {
        untag_session_id(&w.aws, &t.kind, &t.id).await;
    }
    assert!(
        w.inventory("old")
            .await
            .iter()
            .all(|t| t.session_id.is_none())
    );
    // The next run gives the session an id and still owns the untagged VPC.
    let mut c = w.bin();
    c.args(["--session", "old", "apply", "--through", "private-subnet"]);
    assert!(run(c).status.success());
    let s = w.store.load("old").unwrap();
    assert!(s.id.is_some());
    assert_eq!(
        s.output(gatewalk::model::OutputKey::Vpc),
        Some(vpc.as_str())
    );
    let out = teardown(&w, w.home.path(), "old");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(w.inventory("old").await.is_empty());
}

/// Removes the `gatewalk:session-id` tag, as resources made before ids lack it.
async fn untag_session_id(aws: &gatewalk::aws::AwsContext, kind: &str, id: &str) {
    const KEY: &str = "gatewalk:session-id";
    match kind.split_once(':').map(|k| k.0) {
        Some("ec2") => {
            aws.ec2
                .delete_tags()
                .resources(id)
                .tags(aws_sdk_ec2::types::Tag::builder().key(KEY).build())
                .send()
                .await
                .unwrap();
        }
        Some("ecs") => {
            aws.ecs
                .untag_resource()
                .resource_arn(id)
                .tag_keys(KEY)
                .send()
                .await
                .unwrap();
        }
        Some("iam") => {
            let name = id.rsplit('/').next().unwrap();
            aws.iam
                .untag_role()
                .role_name(name)
                .tag_keys(KEY)
                .send()
                .await
                .unwrap();
        }
        Some("logs") => {
            let g = gatewalk::aws::logs::describe_log_group(aws, id)
                .await
                .unwrap()
                .unwrap();
            aws.logs
                .untag_resource()
                .resource_arn(g.log_group_arn().unwrap())
                .tag_keys(KEY)
                .send()
                .await
                .unwrap();
        }
        _ => panic!("untagging {kind} is not needed through step 2"),
    }
}

/// A private ~/.aws for the credentials tests: profile `other` holds keys of
/// account 222222222222 (moto maps assumed-role keys to the role's account).
async fn profiles(w: &World, dir: &Path) -> (String, String) {
    let creds = w
        .aws
        .sts
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/other-account")
        .role_session_name("gatewalk-test")
        .send()
        .await
        .unwrap();
    let c = creds.credentials().unwrap();
    std::fs::create_dir_all(dir.join(".aws")).unwrap();
    std::fs::write(
        dir.join(".aws/config"),
        "[default]\nregion = us-east-1\n\n[profile other]\nregion = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join(".aws/credentials"),
        format!(
            "[other]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            c.access_key_id(),
            c.secret_access_key(),
            c.session_token()
        ),
    )
    .unwrap();
    (
        c.secret_access_key().to_string(),
        c.session_token().to_string(),
    )
}

fn account_of(w: &World, home: &Path, name: &str) -> Option<String> {
    let mut c = w.bin();
    c.env("GATEWALK_HOME", home)
        .args(["--session", name, "--output", "json", "status"]);
    let v: serde_json::Value = serde_json::from_slice(&run(c).stdout).unwrap();
    v["session"]["account_id"].as_str().map(str::to_string)
}

fn apply_first_step(
    w: &World,
    dir: &Path,
    name: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut c: Command = w.bin();
    c.env("HOME", dir)
        .env("GATEWALK_LOG", "trace")
        .env_remove("AWS_CONFIG_FILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(extra)
        .args(["--session", name, "apply", "--through", "task-definition"]);
    c.output().unwrap()
}

#[tokio::test]
async fn credentials_follow_the_aws_cli_precedence() {
    let w = World::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (secret, token) = profiles(&w, dir.path()).await;
    let home = w.home.path();

    // Rule 1: --profile beats the keys in the environment (World sets them).
    let out = apply_first_step(&w, dir.path(), "flag", &["--profile", "other"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        account_of(&w, home, "flag").as_deref(),
        Some("222222222222")
    );

    // Rule 2: --profile beats AWS_PROFILE (even one that does not exist).
    let out = apply_first_step(
        &w,
        dir.path(),
        "both",
        &["--profile", "other"],
        &[("AWS_PROFILE", "nosuch")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        account_of(&w, home, "both").as_deref(),
        Some("222222222222")
    );

    // Rule 3: without the flag, the environment's keys beat AWS_PROFILE.
    let out = apply_first_step(&w, dir.path(), "envkeys", &[], &[("AWS_PROFILE", "other")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        account_of(&w, home, "envkeys").as_deref(),
        Some("123456789012")
    );

    // Rule 4: an unknown profile is refused, naming the files read.
    let out = apply_first_step(&w, dir.path(), "unknown", &["--profile", "nosuch"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(".aws/credentials"),
        "{}",
        stderr(&out)
    );

    // The session that used account 222… refuses the environment's account.
    let out = apply_first_step(&w, dir.path(), "flag", &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("account 222222222222"),
        "{}",
        stderr(&out)
    );

    // At trace level the log saw every request, and not one secret.
    let log = std::fs::read_to_string(home.join("logs/gatewalk.log")).unwrap();
    assert!(
        log.contains("GetCallerIdentity"),
        "the log is at trace level"
    );
    assert!(
        !log.contains(&secret),
        "the profile's secret key is in the log"
    );
    assert!(!log.contains(&token), "the session token is in the log");
    assert!(log.contains("[redacted]"), "secrets were seen and redacted");
}

/// The region a new session is bound to, under `flags` and `env`, with
/// ~/.aws/config giving `default` ap-south-1 and `other` us-west-2.
fn region_chosen(flags: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
    std::fs::write(
        dir.path().join(".aws/config"),
        "[default]\nregion = ap-south-1\n\n[profile other]\nregion = us-west-2\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = defaultdefaultdefault\n\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = otherotherotherother\n",
    )
    .unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_gatewalk"));
    c.env_clear()
        .env("HOME", dir.path())
        .env("GATEWALK_HOME", dir.path().join("gw"))
        .args(flags)
        .args([
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--session",
            "r",
            "inputs",
            "--set",
            "task-definition.cpu=512",
            "--set",
            "task-definition.memory=1024",
        ]);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = run(c);
    assert!(out.status.success(), "{flags:?} {env:?}: {}", stderr(&out));
    let s = gatewalk::session::Store::new(&dir.path().join("gw"))
        .load("r")
        .unwrap();
    s.region
}

#[test]
fn the_region_follows_the_aws_cli_precedence() {
    // Rule 5: --region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile.
    assert_eq!(region_chosen(&[], &[]), "ap-south-1");
    assert_eq!(region_chosen(&["--profile", "other"], &[]), "us-west-2");
    assert_eq!(region_chosen(&[], &[("AWS_PROFILE", "other")]), "us-west-2");
    let both = [
        ("AWS_REGION", "eu-west-2"),
        ("AWS_DEFAULT_REGION", "eu-west-3"),
    ];
    assert_eq!(region_chosen(&[], &both[1..]), "eu-west-3");
    assert_eq!(region_chosen(&[], &both), "eu-west-2");
    assert_eq!(region_chosen(&["--profile", "other"], &both), "eu-west-2");
    assert_eq!(
        region_chosen(&["--region", "ca-central-1", "--profile", "other"], &both),
        "ca-central-1"
    );
}
