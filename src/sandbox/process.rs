//! Starting the strict layer (or bare moto) as a process: finding moto and
//! the Python that runs it, writing the layer's sources, choosing a port,
//! waiting until it answers; and [`Ephemeral`], the server a test owns.

use super::{MOTO_ENV, MOTO_VERSION, Pace, answers};
use crate::error::{Error, Result};
use crate::session::store::ensure_private_dir;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The strict layer's Python sources, written to disk before it starts.
const LAYER_FILES: &[(&str, &str)] = &[
    ("server.py", include_str!("../../strict/server.py")),
    ("app.py", include_str!("../../strict/app.py")),
    ("wire.py", include_str!("../../strict/wire.py")),
    ("clock.py", include_str!("../../strict/clock.py")),
    ("backends.py", include_str!("../../strict/backends.py")),
    ("rules_ecs.py", include_str!("../../strict/rules_ecs.py")),
    ("rules_ec2.py", include_str!("../../strict/rules_ec2.py")),
    ("rules_elb.py", include_str!("../../strict/rules_elb.py")),
    (
        "rules_apigw.py",
        include_str!("../../strict/rules_apigw.py"),
    ),
    ("rules_iam.py", include_str!("../../strict/rules_iam.py")),
    ("rules_ecr.py", include_str!("../../strict/rules_ecr.py")),
    ("rules_data.py", include_str!("../../strict/rules_data.py")),
    (
        "rules_route53.py",
        include_str!("../../strict/rules_route53.py"),
    ),
    ("rules_acm.py", include_str!("../../strict/rules_acm.py")),
    ("resolver.py", include_str!("../../strict/resolver.py")),
    ("tasks.py", include_str!("../../strict/tasks.py")),
    ("deploys.py", include_str!("../../strict/deploys.py")),
    ("health.py", include_str!("../../strict/health.py")),
    ("invoke.py", include_str!("../../strict/invoke.py")),
    ("container.py", include_str!("../../strict/container.py")),
    ("net.py", include_str!("../../strict/net.py")),
    ("perms.py", include_str!("../../strict/perms.py")),
    ("classroom.py", include_str!("../../strict/classroom.py")),
    (
        "rules_accounts.py",
        include_str!("../../strict/rules_accounts.py"),
    ),
];

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

/// A loopback port that is free now and was not handed out before by this
/// process. The port is released before the server binds it, so the OS may
/// offer it again meanwhile: two servers started at once (tests in one
/// process) would share it — the second fails to bind, yet finds the first
/// answering there and takes it for itself.
pub(super) fn free_port() -> Result<u16> {
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
    // moto would put every request in this one account, whatever the
    // request names: the classroom's accounts would collapse into one.
    cmd.env_remove("MOTO_ACCOUNT_ID");
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

pub(super) async fn wait_until_up(
    port: u16,
    child: &mut std::process::Child,
    log: &Path,
) -> Result<()> {
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
