//! The local AWS sandbox: a moto server (`moto[server]` from `PyPI`) on a loopback
//! port, for workshops, first tries without an AWS account, and tests.
//!
//! moto keeps everything in memory, so for "resume" to mean anything the sandbox
//! outlives one gatewalk process: it is started detached, and its pid, port and
//! an instance id are recorded in `<home>/sandbox/state.json`. Every later
//! `gatewalk --sandbox …` with the same home reuses it. A session remembers the
//! instance it was made in, so a restarted sandbox (whose resources are gone)
//! is noticed. Tests start their own short-lived server through [`Ephemeral`].
//!
//! moto accepts what AWS refuses and finishes at once what takes AWS minutes, so
//! it never runs bare: the strict-AWS layer (`strict/`, Python, embedded in this
//! binary and written next to the sandbox's state) wraps moto's server app and
//! refuses, delays and throttles as AWS does, at a [`Pace`]. Only the layer's own
//! tests start a bare moto ([`Ephemeral::start_bare`]) to show that the layer matters.

use crate::error::{Error, Result};
use crate::session::store::ensure_private_dir;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The throwaway access key every sandbox client uses.
pub const ACCESS_KEY: &str = "gatewalk-sandbox";
/// The throwaway secret key every sandbox client uses.
pub const SECRET_KEY: &str = "gatewalk-sandbox-secret";
/// Region used in the sandbox unless `--region` says otherwise.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Environment variable naming the `moto_server` executable explicitly.
pub const MOTO_ENV: &str = "GATEWALK_MOTO";
/// The moto version the project is tested with (the scripts install it).
pub const MOTO_VERSION: &str = "5.2.5";

/// The strict layer's Python sources, written to disk before it starts.
const LAYER_FILES: &[(&str, &str)] = &[
    ("server.py", include_str!("../strict/server.py")),
    ("app.py", include_str!("../strict/app.py")),
    ("wire.py", include_str!("../strict/wire.py")),
    ("clock.py", include_str!("../strict/clock.py")),
    ("backends.py", include_str!("../strict/backends.py")),
    ("rules_ecs.py", include_str!("../strict/rules_ecs.py")),
    ("rules_ec2.py", include_str!("../strict/rules_ec2.py")),
    ("rules_elb.py", include_str!("../strict/rules_elb.py")),
    ("rules_apigw.py", include_str!("../strict/rules_apigw.py")),
    ("rules_iam.py", include_str!("../strict/rules_iam.py")),
    ("rules_data.py", include_str!("../strict/rules_data.py")),
    ("tasks.py", include_str!("../strict/tasks.py")),
    ("deploys.py", include_str!("../strict/deploys.py")),
    ("health.py", include_str!("../strict/health.py")),
    ("invoke.py", include_str!("../strict/invoke.py")),
    ("container.py", include_str!("../strict/container.py")),
    ("net.py", include_str!("../strict/net.py")),
    ("perms.py", include_str!("../strict/perms.py")),
    ("classroom.py", include_str!("../strict/classroom.py")),
    (
        "rules_accounts.py",
        include_str!("../strict/rules_accounts.py"),
    ),
];

/// The path of the strict layer's control endpoint.
pub const CONTROL_PATH: &str = "/gatewalk-strict";

/// How fast the sandbox's slow things happen (load balancers provisioning, NAT
/// gateways pending, services draining, roles propagating, throttles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Pace {
    /// No waiting, but every slow change is seen in its in-between state once.
    Instant,
    /// A tenth of AWS's typical times (the default).
    #[default]
    Fast,
    /// AWS's typical times, so a workshop sees the waits it will meet on AWS.
    Real,
}

impl Pace {
    /// The word used on the command line, in the state file and by the layer.
    pub fn as_str(self) -> &'static str {
        match self {
            Pace::Instant => "instant",
            Pace::Fast => "fast",
            Pace::Real => "real",
        }
    }
}

impl std::fmt::Display for Pace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is recorded about a running sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxState {
    /// Process id of `moto_server`.
    pub pid: u32,
    /// Loopback port it listens on.
    pub port: u16,
    /// Unique id of this start; sessions remember it.
    pub instance: String,
    /// Start time, seconds since the epoch.
    pub started_at: u64,
    /// The strict layer's pace; absent for a sandbox started before the layer
    /// existed (bare moto), which is replaced on the next start.
    #[serde(default)]
    pub pace: Option<Pace>,
    /// Set when the sandbox is a workshop's classroom this home joined (its
    /// URL and the student's name); never saved.
    #[serde(skip)]
    pub classroom: Option<(String, String)>,
}

impl SandboxState {
    /// The endpoint URL clients use.
    pub fn endpoint(&self) -> String {
        match &self.classroom {
            Some((url, _)) => url.clone(),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// How the header and messages name it.
    pub fn describe(&self) -> String {
        match (&self.classroom, self.pace) {
            (Some((url, name)), _) => format!("classroom {url} as {name}"),
            (None, Some(pace)) => format!("sandbox {} (pace {pace})", self.endpoint()),
            (None, None) => format!("sandbox {}", self.endpoint()),
        }
    }
}

/// The default place the project's scripts install moto.
pub fn default_venv_moto() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| {
        PathBuf::from(h)
            .join(".cache/gatewalk")
            .join(format!("moto-{MOTO_VERSION}"))
            .join("bin/moto_server")
    })
}

/// Finds `moto_server`: `GATEWALK_MOTO`, then the scripts' venv, then `PATH`.
pub fn find_moto() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(MOTO_ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(Error::Sandbox(format!(
                "{MOTO_ENV} points at {}, which does not exist",
                p.display()
            )))
        };
    }
    // The pinned version the scripts install comes before whatever is on PATH.
    if let Some(p) = default_venv_moto().filter(|p| p.is_file()) {
        return Ok(p);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let c = dir.join("moto_server");
            if c.is_file() {
                return Ok(c);
            }
        }
    }
    Err(Error::Sandbox(format!(
        "moto_server was not found. Install it with `bash scripts/setup-moto.sh` (the README's \
         first command does this), or `pip install 'moto[server]=={MOTO_VERSION}'`, or set {MOTO_ENV}"
    )))
}

fn state_dir(home: &Path) -> PathBuf {
    home.join("sandbox")
}

/// A loopback port that is free now and was not handed out before by this
/// process. The port is released before the server binds it, so the OS may
/// offer it again meanwhile: two servers started at once (tests in one
/// process) would share it — the second fails to bind, yet finds the first
/// answering there and takes it for itself.
fn free_port() -> Result<u16> {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    for _ in 0..64 {
        let l = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(|e| Error::Sandbox(format!("no free loopback port: {e}")))?;
        let port = l
            .local_addr()
            .map(|a| a.port())
            .map_err(|e| Error::Sandbox(format!("no free loopback port: {e}")))?;
        let mut given = GIVEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !given.contains(&port) {
            given.push(port);
            return Ok(port);
        }
    }
    Err(Error::Sandbox(
        "no loopback port that this process has not used already".into(),
    ))
}

/// Whether a moto server answers on `port`.
pub async fn answers(port: u16) -> bool {
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
    else {
        return false;
    };
    client
        .get(format!("http://127.0.0.1:{port}/moto-api/"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

pub(crate) fn alive(pid: u32) -> bool {
    // Signal 0 checks existence without sending anything.
    crate::signals::send(pid, 0)
}

/// The recorded sandbox, if any, and whether it is up.
pub async fn status(home: &Path) -> Option<(SandboxState, bool)> {
    let text = fs::read_to_string(state_dir(home).join("state.json")).ok()?;
    let st: SandboxState = serde_json::from_str(&text).ok()?;
    let up = alive(st.pid) && answers(st.port).await;
    Some((st, up))
}

/// The Python that runs `moto_server`, so the layer imports the same moto: the
/// `python3` beside it (a venv), else the Python its `#!` line names (pip writes
/// `#!/bin/sh` and an `exec "…/python"` line when that path is long).
fn python_of(moto: &Path) -> Result<PathBuf> {
    if let Some(p) = ["python3", "python"]
        .iter()
        .filter_map(|n| moto.parent().map(|d| d.join(n)))
        .find(|p| p.is_file())
    {
        return Ok(p);
    }
    let text = fs::read(moto).map_err(|e| Error::io("reading", moto, e))?;
    let head = String::from_utf8_lossy(&text[..text.len().min(512)]).to_string();
    let mut lines = head.lines();
    let shebang = lines.next().unwrap_or_default();
    let named = if shebang.starts_with("#!/bin/sh") {
        lines
            .next()
            .and_then(|l| l.split('"').nth(1))
            .map(str::to_string)
    } else {
        shebang.strip_prefix("#!").and_then(|rest| {
            let mut words = rest.split_whitespace();
            let prog = words.next()?;
            // `#!/usr/bin/env python3` names the interpreter in its second word.
            if prog.ends_with("/env") {
                words.next().map(str::to_string)
            } else {
                Some(prog.to_string())
            }
        })
    };
    named
        .filter(|p| {
            Path::new(p)
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("python"))
        })
        .map(PathBuf::from)
        .ok_or_else(|| {
            Error::Sandbox(format!(
                "cannot tell which Python runs {}; install the sandbox with `bash scripts/setup-moto.sh` \
                 or set {MOTO_ENV} to a moto_server installed by pip",
                moto.display()
            ))
        })
}

/// Writes the strict layer's sources into `dir` (replacing older copies).
fn write_layer(dir: &Path) -> Result<PathBuf> {
    ensure_private_dir(dir)?;
    for (name, text) in LAYER_FILES {
        let path = dir.join(name);
        fs::write(&path, text).map_err(|e| Error::io("writing", &path, e))?;
    }
    Ok(dir.join("server.py"))
}

/// What to start: the strict layer around moto (always, except in the layer's
/// own tests), or bare moto.
#[derive(Clone, Copy)]
pub(crate) enum Server<'a> {
    /// The strict layer, on loopback, for one person.
    Strict { dir: &'a Path, pace: Pace },
    /// The strict layer shared by a room ([`crate::classroom`]), listening
    /// where the room can reach it.
    Classroom {
        dir: &'a Path,
        pace: Pace,
        host: &'a str,
        room: &'a Room,
    },
    /// moto alone.
    Bare,
}

/// What a classroom's layer is started with (through its environment, so
/// the instructor key never shows in the process list).
#[derive(Debug, Clone)]
pub(crate) struct Room {
    pub(crate) key: String,
    pub(crate) seats: u32,
    pub(crate) id: String,
    pub(crate) region: String,
}

pub(crate) fn spawn(
    moto: &Path,
    port: u16,
    log: &Path,
    detach: bool,
    server: Server<'_>,
) -> Result<std::process::Child> {
    let logf = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(log)
        .map_err(|e| Error::io("opening", log, e))?;
    let logf2 = logf.try_clone().map_err(|e| Error::io("opening", log, e))?;
    let port_s = port.to_string();
    let mut cmd = match server {
        Server::Strict { dir, pace } => {
            let script = write_layer(dir)?;
            let mut c = Command::new(python_of(moto)?);
            c.arg(script)
                .args(["-H", "127.0.0.1", "-p", &port_s, "--pace", pace.as_str()]);
            c
        }
        Server::Classroom {
            dir,
            pace,
            host,
            room,
        } => {
            let script = write_layer(dir)?;
            let mut c = Command::new(python_of(moto)?);
            c.arg(script)
                .args(["-H", host, "-p", &port_s, "--pace", pace.as_str()])
                .arg("--classroom")
                .env("GATEWALK_CLASSROOM_KEY", &room.key)
                .env("GATEWALK_CLASSROOM_SEATS", room.seats.to_string())
                .env("GATEWALK_CLASSROOM_ID", &room.id)
                .env("GATEWALK_CLASSROOM_REGION", &room.region);
            c
        }
        Server::Bare => {
            let mut c = Command::new(moto);
            c.args(["-H", "127.0.0.1", "-p", &port_s]);
            c
        }
    };
    if matches!(server, Server::Bare) {
        // Bare moto runs no tasks: its services report this many running
        // (the most a session may ask for). Behind the strict layer the data
        // plane runs them (strict/tasks.py).
        cmd.env(
            "MOTO_ECS_SERVICE_RUNNING",
            crate::model::MAX_DESIRED.to_string(),
        );
    }
    cmd.env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(logf)
        .stderr(logf2);
    if detach {
        // Its own process group: Ctrl-C in gatewalk's terminal must not stop it.
        cmd.process_group(0);
    }
    cmd.spawn()
        .map_err(|e| Error::Sandbox(format!("could not start {}: {e}", moto.display())))
}

/// Changes the running layer's pace.
async fn set_pace(port: u16, pace: Pace) -> Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| Error::Sandbox(e.to_string()))?;
    let r = client
        .post(format!("http://127.0.0.1:{port}{CONTROL_PATH}/pace"))
        .body(format!(r#"{{"pace":"{pace}"}}"#))
        .send()
        .await
        .map_err(|e| Error::Sandbox(format!("could not change the sandbox's pace: {e}")))?;
    if r.status().is_success() {
        Ok(())
    } else {
        Err(Error::Sandbox(format!(
            "the sandbox refused pace {pace}: HTTP {}",
            r.status()
        )))
    }
}

async fn wait_until_up(port: u16, child: &mut std::process::Child, log: &Path) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if answers(port).await {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::Sandbox(format!(
                "moto_server exited ({status}) before answering; see {}",
                log.display()
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(Error::Sandbox(format!(
        "moto_server did not answer on port {port} within 60 s; see {}",
        log.display()
    )))
}

/// Ensures the sandbox runs and points `opts` at it: its endpoint, its
/// throwaway credentials, no profile, and its region unless one was chosen.
pub async fn connect(
    home: &Path,
    pace: Option<Pace>,
    opts: &mut crate::aws::AwsOptions,
) -> Result<SandboxState> {
    if let Some(seat) = crate::classroom::seat(home)? {
        // A workshop's classroom, joined with `gatewalk join`, stands in
        // for the local sandbox until `gatewalk leave`.
        if pace.is_some() {
            return Err(Error::Config(
                "--pace: the classroom's pace is the instructor's; drop --pace (or `gatewalk \
                 leave` to use a sandbox of your own)"
                    .into(),
            ));
        }
        let facts = crate::classroom::connect(&seat, opts).await?;
        return Ok(SandboxState {
            pid: 0,
            port: 0,
            instance: seat.instance(),
            started_at: crate::classroom::secs(facts.started_at),
            pace: None,
            classroom: Some((seat.url.clone(), seat.name.clone())),
        });
    }
    let st = ensure(home, pace).await?;
    opts.endpoint_url = Some(st.endpoint());
    opts.static_credentials = Some((ACCESS_KEY.into(), SECRET_KEY.into()));
    opts.profile = None;
    opts.region
        .get_or_insert_with(|| DEFAULT_REGION.to_string());
    Ok(st)
}

/// Returns the running sandbox for this home, starting one (detached) if none
/// answers, at `pace` (a running one keeps its pace unless `pace` is given).
/// Concurrent callers are serialised by a lock file.
pub async fn ensure(home: &Path, pace: Option<Pace>) -> Result<SandboxState> {
    let dir = state_dir(home);
    ensure_private_dir(&dir)?;
    let lock_path = dir.join("start.lock");
    let lock = File::create(&lock_path).map_err(|e| Error::io("creating", &lock_path, e))?;
    lock.lock()
        .map_err(|e| Error::io("locking", &lock_path, e))?;
    let path = dir.join("state.json");
    match status(home).await {
        Some((mut st, true)) if st.pace.is_some() => {
            if let Some(p) = pace.filter(|p| Some(*p) != st.pace) {
                set_pace(st.port, p).await?;
                st.pace = Some(p);
                write_state(&path, &st)?;
                tracing::info!(pace = %p, "sandbox pace changed");
            }
            return Ok(st);
        }
        Some((_, true)) => {
            // Bare moto from before the strict layer: replace it.
            tracing::warn!("replacing a sandbox started without the strict-AWS layer");
            stop(home).await?;
        }
        _ => {}
    }
    let pace = pace.unwrap_or_default();
    let moto = find_moto()?;
    let port = free_port()?;
    let log = dir.join("moto.log");
    let layer_dir = dir.join("strict");
    let mut child = spawn(
        &moto,
        port,
        &log,
        true,
        Server::Strict {
            dir: &layer_dir,
            pace,
        },
    )?;
    wait_until_up(port, &mut child, &log).await?;
    let started_at = crate::session::now();
    let st = SandboxState {
        pid: child.id(),
        port,
        instance: format!("{}-{started_at}", child.id()),
        started_at,
        pace: Some(pace),
        classroom: None,
    };
    write_state(&path, &st)?;
    tracing::info!(port, pid = st.pid, pace = %pace, "sandbox started");
    Ok(st)
}

fn write_state(path: &Path, st: &SandboxState) -> Result<()> {
    let text = serde_json::to_string_pretty(st).map_err(|e| Error::Sandbox(e.to_string()))?;
    fs::write(path, text).map_err(|e| Error::io("writing", path, e))
}

/// Stops the recorded sandbox. Returns whether one was running.
pub async fn stop(home: &Path) -> Result<bool> {
    let path = state_dir(home).join("state.json");
    let Some((st, up)) = status(home).await else {
        return Ok(false);
    };
    if alive(st.pid) && up {
        let pid = st.pid;
        crate::signals::send(pid, libc::SIGTERM);
        let start = Instant::now();
        while alive(st.pid) && start.elapsed() < Duration::from_secs(5) {
            // Reap it if it is our child; otherwise just wait for it to go.
            crate::signals::reap(pid);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if alive(st.pid) {
            crate::signals::send(pid, libc::SIGKILL);
        }
    }
    let _ = fs::remove_file(&path);
    Ok(up)
}

/// A moto server owned by the caller (tests): killed when dropped.
#[derive(Debug)]
pub struct Ephemeral {
    child: std::process::Child,
    /// Its port.
    pub port: u16,
}

impl Ephemeral {
    /// Starts a fresh moto behind the strict layer at `pace` and waits until it
    /// answers. Its log goes to `log`; the layer's sources beside it.
    pub async fn start_at(log: &Path, pace: Pace) -> Result<Self> {
        let dir = log.with_extension("strict");
        Self::launch(log, Server::Strict { dir: &dir, pace }).await
    }

    /// [`Self::start_at`] at `instant` pace: the layer's rules without its waits.
    pub async fn start(log: &Path) -> Result<Self> {
        Self::start_at(log, Pace::Instant).await
    }

    /// Bare moto, with no strict layer: only for tests that show what the layer adds.
    pub async fn start_bare(log: &Path) -> Result<Self> {
        Self::launch(log, Server::Bare).await
    }

    async fn launch(log: &Path, server: Server<'_>) -> Result<Self> {
        let moto = find_moto()?;
        let port = free_port()?;
        let mut child = spawn(&moto, port, log, false, server)?;
        wait_until_up(port, &mut child, log).await?;
        Ok(Self { child, port })
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Ephemeral {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
