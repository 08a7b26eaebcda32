//! The instructor's side of a classroom: starting the shared sandbox where
//! the room can reach it, and remembering its process, address and
//! instructor key in `<home>/classroom/state.json` (readable only by the
//! instructor) so `status`, `board`, `break` and `stop` find it.

use super::{Facts, INSTRUCTOR_HEADER, ROUTES, call, client, facts};
use crate::error::{Error, Result};
use crate::sandbox::{self, Pace, Room, Server};
use crate::session::store::ensure_private_dir;
use serde::{Deserialize, Serialize};
use std::fs;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where a classroom listens unless `--listen` says otherwise: every
/// interface, so the room can reach it.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:7400";
/// Seats unless `--seats` says otherwise.
pub const DEFAULT_SEATS: u32 = 40;
/// The most seats one classroom takes (one moto holds every account in memory).
pub const MAX_SEATS: u32 = 200;

/// A running classroom, as its instructor's gatewalk remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classroom {
    /// The layer's process.
    pub pid: u32,
    /// The address it listens on.
    pub listen: String,
    /// The URL students join (the address the room reaches it at).
    pub url: String,
    /// The instructor key.
    pub key: String,
    /// Its id.
    pub id: String,
    /// Its pace.
    pub pace: Pace,
    /// How many students it takes.
    pub seats: u32,
    /// The region it works in.
    pub region: String,
    /// Start time, epoch seconds.
    pub started_at: u64,
}

impl Classroom {
    /// The URL this machine reaches it at (loopback when it listens on
    /// every interface).
    pub fn local_url(&self) -> String {
        match self.listen.parse::<SocketAddr>() {
            Ok(a) if a.ip().is_unspecified() => format!("http://127.0.0.1:{}", a.port()),
            _ => format!("http://{}", self.listen),
        }
    }

    /// The join command to hand out.
    pub fn join_command(&self) -> String {
        format!("gatewalk join {} --as YOUR-NAME", self.url)
    }
}

fn dir(home: &Path) -> PathBuf {
    home.join("classroom")
}

/// `--listen`, checked before anything starts: an IP address and a port.
pub fn check_listen(listen: &str) -> Result<SocketAddr> {
    listen.parse::<SocketAddr>().map_err(|_| {
        Error::Config(format!(
            "--listen `{}` is not ADDRESS:PORT, e.g. 0.0.0.0:7400 (every interface) or 192.168.1.20:7400",
            crate::text::shown(listen)
        ))
    })
}

/// `--seats`, checked before anything starts.
pub fn check_seats(seats: u32) -> Result<u32> {
    if (1..=MAX_SEATS).contains(&seats) {
        Ok(seats)
    } else {
        Err(Error::Config(format!(
            "--seats {seats}: a classroom takes 1 to {MAX_SEATS} students"
        )))
    }
}

/// The address this machine is reached at on the room's network: the one
/// the OS would send from (no packet is sent), else loopback.
fn room_address(addr: SocketAddr) -> IpAddr {
    if !addr.ip().is_unspecified() {
        return addr.ip();
    }
    UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|()| s))
        .and_then(|s| s.local_addr())
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |a| a.ip())
}

/// The running classroom of this home, if any, and whether it answers.
pub async fn status(home: &Path) -> Result<Option<(Classroom, Option<Facts>)>> {
    let path = dir(home).join("state.json");
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("reading", path, e)),
    };
    let c: Classroom = serde_json::from_str(&text)
        .map_err(|e| Error::Config(format!("{} is not gatewalk's: {e}", path.display())))?;
    let up = if sandbox::alive(c.pid) {
        facts(&c.local_url())
            .await
            .ok()
            .filter(|f| f.classroom == c.id)
    } else {
        None
    };
    Ok(Some((c, up)))
}

/// The running classroom, or a refusal saying how to start one.
pub async fn running(home: &Path) -> Result<Classroom> {
    match status(home).await? {
        Some((c, Some(_))) => Ok(c),
        Some((c, None)) => Err(Error::Classroom(format!(
            "the classroom started at {} no longer answers; `gatewalk classroom stop` clears it, \
             `gatewalk classroom start` starts a new one",
            c.url
        ))),
        None => Err(Error::Config(
            "no classroom is running from this machine; start one with `gatewalk classroom start`"
                .into(),
        )),
    }
}

/// `gatewalk classroom start`: one shared sandbox at `listen`.
pub async fn start(
    home: &Path,
    listen: SocketAddr,
    pace: Pace,
    seats: u32,
    region: &str,
) -> Result<(Classroom, bool)> {
    if let Some((c, Some(_))) = status(home).await? {
        return Ok((c, false));
    }
    let d = dir(home);
    ensure_private_dir(&d)?;
    let moto = sandbox::find_moto()?;
    let room = Room {
        key: format!("{}{}", crate::session::new_id(), crate::session::new_id()),
        seats,
        id: crate::session::new_id()[..12].to_string(),
        region: region.to_string(),
    };
    let host = listen.ip().to_string();
    let log = d.join("moto.log");
    let layer = d.join("strict");
    let mut child = sandbox::spawn(
        &moto,
        listen.port(),
        &log,
        true,
        Server::Classroom {
            dir: &layer,
            pace,
            host: &host,
            room: &room,
        },
    )?;
    let url = format!("http://{}:{}", room_address(listen), listen.port());
    let c = Classroom {
        pid: child.id(),
        listen: listen.to_string(),
        url,
        key: room.key,
        id: room.id,
        pace,
        seats,
        region: region.to_string(),
        started_at: crate::session::now(),
    };
    if let Err(e) = wait_until_up(&c, &mut child, &log).await {
        // Not left running where no state file can find it.
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    let text = serde_json::to_string_pretty(&c).map_err(|e| Error::Sandbox(e.to_string()))?;
    super::write_private(&d.join("state.json"), &text)?;
    tracing::info!(url = %c.url, pid = c.pid, "classroom started");
    Ok((c, true))
}

async fn wait_until_up(c: &Classroom, child: &mut std::process::Child, log: &Path) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(f) = facts(&c.local_url()).await
            && f.classroom == c.id
        {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            let tail = fs::read_to_string(log).unwrap_or_default();
            let busy = tail.contains("Address already in use");
            return Err(Error::Sandbox(if busy {
                format!(
                    "{} is in use by another program; choose another port with --listen",
                    c.listen
                )
            } else {
                format!(
                    "the classroom's server exited ({status}) before answering; see {}",
                    log.display()
                )
            }));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(Error::Sandbox(format!(
        "the classroom did not answer on {} within 60 s; see {}",
        c.listen,
        log.display()
    )))
}

/// `gatewalk classroom stop`: stops the layer (everything in it is gone).
/// Returns the classroom that was running.
pub async fn stop(home: &Path) -> Result<Option<Classroom>> {
    let Some((c, up)) = status(home).await? else {
        return Ok(None);
    };
    // Only the process that answers as this classroom: a pid left in the
    // file may belong to another program by now.
    if up.is_some() && sandbox::alive(c.pid) {
        crate::signals::send(c.pid, libc::SIGTERM);
        let start = Instant::now();
        while sandbox::alive(c.pid) && start.elapsed() < Duration::from_secs(5) {
            crate::signals::reap(c.pid);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if sandbox::alive(c.pid) {
            crate::signals::send(c.pid, libc::SIGKILL);
            crate::signals::reap(c.pid);
        }
    }
    let path = dir(home).join("state.json");
    fs::remove_file(&path).map_err(|e| Error::io("removing", &path, e))?;
    Ok(Some(c))
}

/// The roster with every student's keys, and the journal.
pub async fn roster(c: &Classroom) -> Result<Roster> {
    let url = c.local_url();
    let req = client()?
        .get(format!("{url}{ROUTES}/roster"))
        .header(INSTRUCTOR_HEADER, &c.key);
    match call(req, &url).await? {
        Ok(v) => serde_json::from_value(v)
            .map_err(|e| Error::Classroom(format!("the roster could not be read: {e}"))),
        Err((403, why)) => Err(Error::Config(format!(
            "the classroom refused the instructor key ({why}); is {} the classroom this machine started?",
            c.url
        ))),
        Err((code, why)) => Err(Error::Classroom(format!("HTTP {code}: {why}"))),
    }
}

/// Writes one journal entry for `student`.
pub async fn journal(c: &Classroom, student: &str, entry: serde_json::Value) -> Result<()> {
    let url = c.local_url();
    let mut body = entry;
    body["student"] = student.into();
    let req = client()?
        .post(format!("{url}{ROUTES}/journal"))
        .header(INSTRUCTOR_HEADER, &c.key)
        .json(&body);
    match call(req, &url).await? {
        Ok(_) => Ok(()),
        Err((code, why)) => Err(Error::Classroom(format!(
            "the journal refused the entry: HTTP {code}: {why}"
        ))),
    }
}

/// The roster as the layer keeps it.
#[derive(Debug, Clone, Deserialize)]
pub struct Roster {
    /// The students, in the order they joined.
    pub students: Vec<Student>,
    /// Every journal entry, oldest first.
    pub journal: Vec<serde_json::Value>,
}

/// One student on the roster.
#[derive(Debug, Clone, Deserialize)]
pub struct Student {
    /// Their name.
    pub name: String,
    /// Their account.
    pub account: String,
    /// Their access key.
    pub access_key: String,
    /// Their secret key.
    pub secret_key: String,
    /// When they joined (epoch seconds).
    pub joined_at: f64,
    /// Their last AWS call (epoch seconds).
    pub last_seen: Option<f64>,
}
