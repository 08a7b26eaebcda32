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

mod process;

pub use process::{Ephemeral, default_venv_moto, find_moto};
pub(crate) use process::{Room, Server, spawn};
use process::{free_port, wait_until_up};

use crate::error::{Error, Result};
use crate::session::store::ensure_private_dir;
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
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

fn state_dir(home: &Path) -> PathBuf {
    home.join("sandbox")
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
        if let Some(r) = opts.region.as_ref().filter(|r| **r != seat.region) {
            return Err(Error::Config(format!(
                "--region {r}: the classroom works in {}; drop --region (or `gatewalk leave` to \
                 work elsewhere)",
                seat.region
            )));
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
