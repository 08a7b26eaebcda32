//! A workshop, as the room runs it: the instructor starts a classroom, three
//! students join from homes of their own and walk different distances, the
//! board shows each one's progress, an exercise breaks one student's
//! deployment and their `apply` mends it, and `classroom stop` leaves
//! nothing running. Everything through the binary, against the shared
//! strict layer.

use gatewalk::aws::{AwsContext, AwsOptions};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;

struct Room {
    instructor: TempDir,
    url: String,
    students: Vec<(String, TempDir)>,
}

fn gw(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gatewalk"));
    c.env("GATEWALK_HOME", home)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("GATEWALK_SESSION")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("run gatewalk")
}

fn ok(c: &mut Command) -> String {
    let out = run(c);
    assert!(
        out.status.success(),
        "{:?} failed:\n{}\n{}",
        c.get_args().collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Room {
    fn start(seats: u32) -> Self {
        let instructor = tempfile::tempdir().unwrap();
        let listen = format!("127.0.0.1:{}", free_port());
        let out = ok(gw(instructor.path()).args([
            "classroom",
            "start",
            "--listen",
            &listen,
            "--pace",
            "instant",
            "--seats",
            &seats.to_string(),
            "--output",
            "json",
        ]));
        let v: Value = serde_json::from_str(&out).unwrap();
        let url = v["url"].as_str().unwrap().to_string();
        assert_eq!(url, format!("http://{listen}"));
        Self {
            instructor,
            url,
            students: Vec::new(),
        }
    }

    fn join(&mut self, name: &str) -> &Path {
        let home = tempfile::tempdir().unwrap();
        let out = ok(gw(home.path()).args(["join", &self.url, "--as", name]));
        assert!(out.contains(&format!("as `{name}`")), "{out}");
        self.students.push((name.to_string(), home));
        self.students.last().unwrap().1.path()
    }

    fn home(&self, name: &str) -> &Path {
        self.students
            .iter()
            .find(|(n, _)| n == name)
            .unwrap()
            .1
            .path()
    }

    fn board(&self) -> Value {
        let out = ok(gw(self.instructor.path()).args(["classroom", "board", "--output", "json"]));
        serde_json::from_str(&out).unwrap()
    }

    fn pid(&self) -> u32 {
        let text =
            std::fs::read_to_string(self.instructor.path().join("classroom/state.json")).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        u32::try_from(v["pid"].as_u64().unwrap()).unwrap()
    }
}

impl Drop for Room {
    /// A test that fails half-way leaves no classroom running.
    fn drop(&mut self) {
        let _ = gw(self.instructor.path())
            .args(["classroom", "stop"])
            .output();
    }
}

fn row<'a>(board: &'a Value, name: &str) -> &'a Value {
    board["students"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} not on the board: {board}"))
}

fn failing(board: &Value, name: &str) -> usize {
    row(board, name)["failing"].as_array().unwrap().len()
}

/// Clients acting as a student, from the seat their gatewalk saved.
async fn as_student(home: &Path) -> AwsContext {
    let seat: Value =
        serde_json::from_str(&std::fs::read_to_string(home.join("seat.json")).unwrap()).unwrap();
    AwsContext::load(&AwsOptions {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some(seat["url"].as_str().unwrap().into()),
        static_credentials: Some((
            seat["access_key"].as_str().unwrap().into(),
            seat["secret_key"].as_str().unwrap().into(),
        )),
        call_delay: None,
        app_name: None,
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workshop_of_three_from_join_to_stop() {
    let mut room = Room::start(3);
    for n in ["ann", "bob", "cat"] {
        room.join(n);
    }
    ok(gw(room.home("ann")).arg("apply"));
    ok(gw(room.home("bob")).args(["apply", "--through", "nat-gateway"]));
    ok(gw(room.home("cat")).args(["apply", "--through", "task-definition"]));

    let b = room.board();
    let done = |n: &str| row(&b, n)["done"].as_array().unwrap().len();
    assert_eq!((done("ann"), done("bob"), done("cat")), (10, 5, 1), "{b}");
    assert_eq!(row(&b, "bob")["current"], "service");
    assert_eq!(row(&b, "cat")["current"], "cluster-vpc");
    assert!(row(&b, "ann")["current"].is_null());
    assert_eq!(
        (failing(&b, "ann"), failing(&b, "bob"), failing(&b, "cat")),
        (0, 0, 0),
        "{b}"
    );
    assert!(row(&b, "ann")["last_activity"].is_number());
    // The board reads as the student, but its reads are not their activity.
    let again = room.board();
    assert_eq!(
        row(&again, "ann")["last_activity"],
        row(&b, "ann")["last_activity"]
    );
    let accounts: std::collections::BTreeSet<_> = ["ann", "bob", "cat"]
        .iter()
        .map(|n| row(&b, n)["account"].to_string())
        .collect();
    assert_eq!(accounts.len(), 3, "an account each: {b}");

    cross_account(&room).await;

    // The exercise breaks exactly ann's deployment…
    let out = ok(gw(room.instructor.path()).args([
        "classroom",
        "break",
        "open-port",
        "--student",
        "ann",
    ]));
    assert!(out.contains("ann: open-port"), "{out}");
    let b = room.board();
    assert!(failing(&b, "ann") > 0, "{b}");
    assert_eq!((failing(&b, "bob"), failing(&b, "cat")), (0, 0), "{b}");
    let ex = &row(&b, "ann")["exercise"];
    assert_eq!(ex["exercise"], "open-port");
    assert!(ex["red_at"].is_number() && ex["green_at"].is_null(), "{ex}");
    // …her validate says which rule is missing, and her apply mends it.
    let out = run(gw(room.home("ann")).arg("validate"));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("tasks accept the container port from the VPC")
    );
    ok(gw(room.home("ann")).arg("apply"));
    let b = room.board();
    assert_eq!(failing(&b, "ann"), 0, "{b}");
    let ex = &row(&b, "ann")["exercise"];
    assert!(ex["time_to_fix"].as_f64().is_some_and(|t| t >= 0.0), "{ex}");
    assert!(row(&b, "bob")["exercise"].is_null());

    refusals(&mut room);
    leave_and_return(&room);

    // Stop: the process is gone, the port closed, the students told so.
    let pid = room.pid();
    let out = run(gw(room.instructor.path()).args(["classroom", "stop"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopped"));
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "the classroom's server still runs"
    );
    assert!(std::net::TcpStream::connect(room.url.trim_start_matches("http://")).is_err());
    let out = run(gw(room.home("bob")).arg("validate"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no classroom answers") && err.contains("gatewalk leave"),
        "{err}"
    );
    let out = run(gw(room.instructor.path()).args(["classroom", "status"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no classroom is running"));
}

/// A student's calls with another student's ids fail as across accounts.
async fn cross_account(room: &Room) {
    let ann = as_student(room.home("ann")).await;
    let bob = as_student(room.home("bob")).await;
    let vpcs = ann.ec2.describe_vpcs().send().await.unwrap();
    let anns: Vec<String> = vpcs
        .vpcs()
        .iter()
        .filter(|v| !v.is_default().unwrap_or(false))
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();
    assert_eq!(anns.len(), 1);
    let e = bob
        .ec2
        .describe_vpcs()
        .vpc_ids(&anns[0])
        .send()
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("InvalidVpcID.NotFound"), "{e:?}");
    let e = bob
        .ec2
        .delete_vpc()
        .vpc_id(&anns[0])
        .send()
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("InvalidVpcID.NotFound"), "{e:?}");
    let clusters = ann.ecs.list_clusters().send().await.unwrap();
    let arn = clusters.cluster_arns().first().unwrap().clone();
    let d = bob
        .ecs
        .describe_clusters()
        .clusters(&arn)
        .send()
        .await
        .unwrap();
    assert!(d.clusters().is_empty() && !d.failures().is_empty(), "{d:?}");
    // An unknown key is refused as AWS refuses one.
    let stranger = AwsContext::load(&AwsOptions {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some(room.url.clone()),
        static_credentials: Some(("AKIASTRANGER".into(), "x".into())),
        call_delay: None,
        app_name: None,
    })
    .await
    .unwrap();
    let e = stranger.ec2.describe_vpcs().send().await.unwrap_err();
    assert!(format!("{e:?}").contains("AuthFailure"), "{e:?}");
    // Ann's key id without her secret (seen on the room's network) is not enough.
    let seat: Value =
        serde_json::from_str(&std::fs::read_to_string(room.home("ann").join("seat.json")).unwrap())
            .unwrap();
    let forged = AwsContext::load(&AwsOptions {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some(room.url.clone()),
        static_credentials: Some((
            seat["access_key"].as_str().unwrap().into(),
            "guessed".into(),
        )),
        call_delay: None,
        app_name: None,
    })
    .await
    .unwrap();
    let e = forged.ecs.list_clusters().send().await.unwrap_err();
    assert!(
        format!("{e:?}").contains("InvalidSignatureException"),
        "{e:?}"
    );
}

/// `leave` keeps the seat aside: the session made in the classroom is
/// refused elsewhere (not started over), and joining again takes the same
/// seat with everything in it.
fn leave_and_return(room: &Room) {
    let home = room.home("cat");
    let account = |h: &Path| {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(h.join("seat.json")).unwrap()).unwrap();
        v["account"].clone()
    };
    let before = account(home);
    let out = run(gw(home).arg("leave"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("left the classroom"));
    let out = run(gw(home).arg("validate"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("was made in the classroom") && err.contains("gatewalk join"),
        "{err}"
    );
    let again = ok(gw(home).args(["join", &room.url, "--as", "cat"]));
    assert!(again.contains("back in"), "{again}");
    assert_eq!(account(home), before);
    ok(gw(home).arg("validate"));
}

/// Bad input and faults: each a clear message, nothing lost.
fn refusals(room: &mut Room) {
    // Full (three seats), a name taken, the same student again.
    let other = tempfile::tempdir().unwrap();
    let out = run(gw(other.path()).args(["join", &room.url, "--as", "dan"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("full"));
    let out = run(gw(other.path()).args(["join", &room.url, "--as", "ann"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("taken"));
    assert!(!other.path().join("seat.json").exists());
    let again = ok(gw(room.home("bob")).args(["join", &room.url, "--as", "bob"]));
    assert!(again.contains("back in"), "{again}");
    let out = run(gw(room.home("bob")).args(["join", &room.url, "--as", "bobby"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gatewalk leave"));
    // The classroom's region is the room's.
    let out = run(gw(room.home("bob")).args(["--region", "eu-west-1", "doctor"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the classroom works in us-east-1"));
    // Bad URL and name: refused before anything is sent.
    for (url, name) in [("localhost:1", "x"), (room.url.as_str(), "Not A Name")] {
        let out = run(gw(other.path()).args(["join", url, "--as", name]));
        assert_eq!(out.status.code(), Some(2), "{url} {name}");
    }
    // A classroom that is gone.
    let gone = format!("http://127.0.0.1:{}", free_port());
    let out = run(gw(other.path()).args(["join", &gone, "--as", "dan"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no classroom answers"));
    // A wrong instructor key.
    let state = room.instructor.path().join("classroom/state.json");
    let text = std::fs::read_to_string(&state).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["key"] = "wrong-key-wrong-key".into();
    std::fs::write(&state, v.to_string()).unwrap();
    let out = run(gw(room.instructor.path()).args(["classroom", "board", "--output", "json"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("instructor key"));
    std::fs::write(&state, text).unwrap();
    // An exercise the catalogue does not have, a student not in the room.
    let out = run(gw(room.instructor.path()).args(["classroom", "break", "nope", "--all"]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(gw(room.instructor.path()).args([
        "classroom",
        "break",
        "open-port",
        "--student",
        "zed",
    ]));
    assert_eq!(out.status.code(), Some(2));
}
