//! The local AWS sandbox: a moto server (`moto[server]` from PyPI) on a loopback
//! port, for workshops, first tries without an AWS account, and tests.
//!
//! moto keeps everything in memory, so for "resume" to mean anything the sandbox
//! outlives one gatewalk process: it is started detached, and its pid, port and
//! an instance id are recorded in `<home>/sandbox/state.json`. Every later
//! `gatewalk --sandbox …` with the same home reuses it. A session remembers the
//! instance it was made in, so a restarted sandbox (whose resources are gone)
//! is noticed. Tests start their own short-lived server through [`Ephemeral`].

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

/// What is recorded about a running sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxState {
    /// Process id of moto_server.
    pub pid: u32,
    /// Loopback port it listens on.
    pub port: u16,
    /// Unique id of this start; sessions remember it.
    pub instance: String,
    /// Start time, seconds since the epoch.
    pub started_at: u64,
}

impl SandboxState {
    /// The endpoint URL clients use.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
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

/// Finds `moto_server`: `GATEWALK_MOTO`, then `PATH`, then the scripts' venv.
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
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let c = dir.join("moto_server");
            if c.is_file() {
                return Ok(c);
            }
        }
    }
    if let Some(p) = default_venv_moto().filter(|p| p.is_file()) {
        return Ok(p);
    }
    Err(Error::Sandbox(format!(
        "moto_server was not found. Install it with `bash scripts/setup-moto.sh` (the README's \
         first command does this), or `pip install 'moto[server]=={MOTO_VERSION}'`, or set {MOTO_ENV}"
    )))
}

fn state_dir(home: &Path) -> PathBuf {
    home.join("sandbox")
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::Sandbox(format!("no free loopback port: {e}")))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::Sandbox(format!("no free loopback port: {e}")))
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

fn alive(pid: u32) -> bool {
    // Signal 0 checks existence without sending anything.
    i32::try_from(pid).is_ok_and(|p| unsafe { libc::kill(p, 0) } == 0)
}

/// The recorded sandbox, if any, and whether it is up.
pub async fn status(home: &Path) -> Option<(SandboxState, bool)> {
    let text = fs::read_to_string(state_dir(home).join("state.json")).ok()?;
    let st: SandboxState = serde_json::from_str(&text).ok()?;
    let up = alive(st.pid) && answers(st.port).await;
    Some((st, up))
}

fn spawn_moto(moto: &Path, port: u16, log: &Path, detach: bool) -> Result<std::process::Child> {
    let logf = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(log)
        .map_err(|e| Error::io("opening", log, e))?;
    let logf2 = logf.try_clone().map_err(|e| Error::io("opening", log, e))?;
    let mut cmd = Command::new(moto);
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        // Services report this many running tasks (moto runs no containers);
        // the most a session may ask for, so every deployment "completes".
        .env(
            "MOTO_ECS_SERVICE_RUNNING",
            crate::steps::service::MAX_DESIRED.to_string(),
        )
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
pub async fn connect(home: &Path, opts: &mut crate::aws::AwsOptions) -> Result<SandboxState> {
    let st = ensure(home).await?;
    opts.endpoint_url = Some(st.endpoint());
    opts.static_credentials = Some((ACCESS_KEY.into(), SECRET_KEY.into()));
    opts.profile = None;
    opts.region
        .get_or_insert_with(|| DEFAULT_REGION.to_string());
    Ok(st)
}

/// Returns the running sandbox for this home, starting one (detached) if none
/// answers. Concurrent callers are serialised by a lock file.
pub async fn ensure(home: &Path) -> Result<SandboxState> {
    let dir = state_dir(home);
    ensure_private_dir(&dir)?;
    let lock_path = dir.join("start.lock");
    let lock = File::create(&lock_path).map_err(|e| Error::io("creating", &lock_path, e))?;
    lock.lock()
        .map_err(|e| Error::io("locking", &lock_path, e))?;
    if let Some((st, true)) = status(home).await {
        return Ok(st);
    }
    let moto = find_moto()?;
    let port = free_port()?;
    let log = dir.join("moto.log");
    let mut child = spawn_moto(&moto, port, &log, true)?;
    wait_until_up(port, &mut child, &log).await?;
    let started_at = crate::session::now();
    let st = SandboxState {
        pid: child.id(),
        port,
        instance: format!("{}-{started_at}", child.id()),
        started_at,
    };
    let path = dir.join("state.json");
    let text = serde_json::to_string_pretty(&st).map_err(|e| Error::Sandbox(e.to_string()))?;
    fs::write(&path, text).map_err(|e| Error::io("writing", &path, e))?;
    tracing::info!(port, pid = st.pid, "sandbox started");
    Ok(st)
}

/// Stops the recorded sandbox. Returns whether one was running.
pub async fn stop(home: &Path) -> Result<bool> {
    let path = state_dir(home).join("state.json");
    let Some((st, up)) = status(home).await else {
        return Ok(false);
    };
    if alive(st.pid) && up {
        let pid = st.pid as i32;
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let start = Instant::now();
        while alive(st.pid) && start.elapsed() < Duration::from_secs(5) {
            // Reap it if it is our child; otherwise just wait for it to go.
            unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if alive(st.pid) {
            unsafe { libc::kill(pid, libc::SIGKILL) };
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
    /// Starts a fresh server and waits until it answers. Its log goes to `log`.
    pub async fn start(log: &Path) -> Result<Self> {
        let moto = find_moto()?;
        let port = free_port()?;
        let mut child = spawn_moto(&moto, port, log, false)?;
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
