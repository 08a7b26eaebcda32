//! Workshops: one shared sandbox for a room (the strict layer in front of one
//! moto, started by the instructor), each student in an AWS account of their
//! own inside it.
//!
//! The layer keeps the roster (`strict/classroom.py`): a student joins with a
//! name and gets access keys that the layer maps to their own account, so
//! nobody reaches anyone else's resources. A student's gatewalk remembers the
//! seat in `<home>/seat.json`; while it is there every command and the wizard
//! work in the classroom ([`crate::sandbox::connect`]). The instructor's
//! gatewalk keeps the classroom's process and key in `<home>/classroom/`
//! ([`server`]), reads every account for the board ([`board`]) and applies
//! the exercises ([`exercises`]).

pub mod board;
pub mod exercises;
pub mod server;

use crate::error::{Error, Result};
use crate::session::Session;
use crate::session::store::ensure_private_dir;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Now, in epoch seconds as the classroom's layer counts them (a float).
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Whole epoch seconds of a layer time (0 for a time before 1970).
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "epoch seconds: clamped at 0, far below u64::MAX"
)]
pub fn secs(t: f64) -> u64 {
    t.max(0.0) as u64
}

/// The path of the classroom's routes on the layer's control endpoint.
pub const ROUTES: &str = "/gatewalk-strict/classroom";
/// Header carrying the instructor key.
pub const INSTRUCTOR_HEADER: &str = "x-gatewalk-instructor-key";

/// A student's seat, as their gatewalk remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    /// The classroom's URL (`http://host:port`).
    pub url: String,
    /// The classroom's id: a restarted classroom has another.
    pub classroom: String,
    /// The student's name in the room.
    pub name: String,
    /// Their account in the classroom.
    pub account: String,
    /// Their access key.
    pub access_key: String,
    /// Their secret key.
    pub secret_key: String,
    /// The region the room works in.
    pub region: String,
    /// Proves a later join of the same name is this student again.
    pub token: String,
}

impl Seat {
    /// The sandbox instance sessions made in this seat remember.
    pub fn instance(&self) -> String {
        format!("classroom-{}", self.classroom)
    }
}

/// What the layer says about a classroom (`GET …/classroom`), and with a
/// join, the seat it gave.
#[derive(Debug, Clone, Deserialize)]
pub struct Joined {
    /// Its id.
    pub classroom: String,
    /// Its region.
    pub region: String,
    /// The account.
    pub account: String,
    /// The name.
    pub name: String,
    /// The access key.
    pub access_key: String,
    /// The secret key.
    pub secret_key: String,
    /// Whether this was the same student joining again.
    pub rejoined: bool,
}

/// A classroom's public facts.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Facts {
    /// Its id.
    pub classroom: String,
    /// When it started (epoch seconds).
    pub started_at: f64,
    /// How many students it takes.
    pub seats: u32,
    /// How many have joined.
    pub taken: u32,
    /// Its region.
    pub region: String,
}

fn seat_path(home: &Path) -> PathBuf {
    home.join("seat.json")
}

/// The seat left by `gatewalk leave`: kept so a later join of the same name
/// at the same URL proves it is the same student (its token) and gets the
/// same seat, with everything made in it.
fn left_path(home: &Path) -> PathBuf {
    home.join("seat.left.json")
}

fn read_seat(path: &Path) -> Result<Option<Seat>> {
    match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::Config(format!(
                "{} is not a seat gatewalk wrote ({e}); remove it",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("reading", path, e)),
    }
}

/// The seat this home holds, if it joined a classroom.
pub fn seat(home: &Path) -> Result<Option<Seat>> {
    read_seat(&seat_path(home))
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        ensure_private_dir(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Error::io("writing", &tmp, e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io("writing", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io("writing", path, e))
}

/// The classroom URL as given to `join`: `http://host:port`, checked
/// before anything is sent.
pub fn check_url(url: &str) -> Result<String> {
    let u = url.trim().trim_end_matches('/');
    let bad = |why: &str| {
        Error::Config(format!(
            "`{}` is not a classroom URL: {why} (the instructor's `gatewalk classroom start` prints it, e.g. http://192.168.1.20:7400)",
            crate::text::shown(url)
        ))
    };
    let rest = u
        .strip_prefix("http://")
        .or_else(|| u.strip_prefix("https://"))
        .ok_or_else(|| bad("it must start with http://"))?;
    if rest.is_empty() || rest.contains('/') || rest.contains(char::is_whitespace) {
        return Err(bad("it is the address and port only"));
    }
    Ok(u.to_string())
}

pub(crate) fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Error::Sandbox(e.to_string()))
}

/// Sends one request to a classroom route and reads its JSON answer; the
/// layer's `error` comes back as the error's text.
pub(crate) async fn call(
    req: reqwest::RequestBuilder,
    url: &str,
) -> Result<std::result::Result<serde_json::Value, (u16, String)>> {
    let r = req.send().await.map_err(|e| {
        Error::Classroom(format!(
            "no classroom answers at {url} ({}); it may have stopped. Ask the instructor for the \
             current URL, or `gatewalk leave` to work on your own",
            crate::text::one_line(&e.to_string())
        ))
    })?;
    let status = r.status().as_u16();
    let v: serde_json::Value = r.json().await.map_err(|_| {
        Error::Classroom(format!(
            "{url} answers, but not as a gatewalk classroom (HTTP {status}); check the URL"
        ))
    })?;
    if status == 200 {
        Ok(Ok(v))
    } else {
        let why = v["error"].as_str().unwrap_or("refused").to_string();
        Ok(Err((status, why)))
    }
}

/// The classroom's public facts, or why there is none at `url`.
pub async fn facts(url: &str) -> Result<Facts> {
    let v = call(client()?.get(format!("{url}{ROUTES}")), url).await?;
    match v {
        Ok(v) if v.get("classroom").is_none() => Err(not_a_classroom(url)),
        Ok(v) => serde_json::from_value(v).map_err(|e| {
            Error::Classroom(format!(
                "{url} answered something gatewalk cannot read: {e}"
            ))
        }),
        Err((404, _)) => Err(not_a_classroom(url)),
        Err((code, why)) => Err(Error::Classroom(format!("{url}: HTTP {code}: {why}"))),
    }
}

/// `gatewalk join URL --as NAME`: takes a seat (or the same seat again, for
/// the student who already holds it) and remembers it in this home.
pub async fn join(home: &Path, url: &str, name: &str) -> Result<(Seat, bool)> {
    let url = check_url(url)?;
    crate::session::validate_name(name)
        .map_err(|e| Error::Config(e.replace("session name", "name")))?;
    let _lock = lock(home)?;
    let held = seat(home)?;
    if let Some(s) = &held
        && (s.url != url || s.name != name)
    {
        return Err(Error::Config(format!(
            "this gatewalk already has a seat: `{}` at {}. `gatewalk leave` first to join as \
             someone else or elsewhere",
            s.name, s.url
        )));
    }
    // The same student again: this seat, or the one left here before.
    let left = read_seat(&left_path(home))
        .ok()
        .flatten()
        .filter(|s| s.url == url && s.name == name);
    let token = held.as_ref().or(left.as_ref()).map_or_else(
        || format!("{}{}", crate::session::new_id(), crate::session::new_id()),
        |s| s.token.clone(),
    );
    let body = serde_json::json!({ "name": name, "token": token });
    let v = call(
        client()?.post(format!("{url}{ROUTES}/join")).json(&body),
        &url,
    )
    .await?;
    let j: Joined = match v {
        Ok(v) if v.get("classroom").is_none() => return Err(not_a_classroom(&url)),
        Ok(v) => serde_json::from_value(v)
            .map_err(|e| Error::Classroom(format!("{url} answered a join oddly: {e}")))?,
        Err((404, _)) => return Err(not_a_classroom(&url)),
        // The classroom's refusals: a bad name, a name taken, no seat left.
        Err((400 | 403 | 409, why)) => return Err(Error::Config(why)),
        Err((code, why)) => {
            return Err(Error::Classroom(format!(
                "{url} failed the join: HTTP {code}: {why}"
            )));
        }
    };
    let s = Seat {
        url,
        classroom: j.classroom,
        name: j.name,
        account: j.account,
        access_key: j.access_key,
        secret_key: j.secret_key,
        region: j.region,
        token,
    };
    let text = serde_json::to_string_pretty(&s).map_err(|e| Error::Sandbox(e.to_string()))?;
    write_private(&seat_path(home), &text)?;
    let _ = fs::remove_file(left_path(home));
    Ok((s, j.rejoined))
}

fn not_a_classroom(url: &str) -> Error {
    Error::Classroom(format!(
        "{url} is a gatewalk sandbox, but not a classroom; check the URL the instructor gave"
    ))
}

/// `gatewalk leave`: the seat is no longer used, but kept aside so a later
/// join of the same name at the same URL takes it again. Returns it, if
/// there was one.
pub fn leave(home: &Path) -> Result<Option<Seat>> {
    let _lock = lock(home)?;
    let held = seat(home).ok().flatten();
    let path = seat_path(home);
    match fs::rename(&path, left_path(home)) {
        Ok(()) => Ok(held),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("moving aside", path, e)),
    }
}

/// Serialises joins and leaves of one home (two terminals at once).
fn lock(home: &Path) -> Result<fs::File> {
    ensure_private_dir(home)?;
    let path = home.join("seat.lock");
    let f = fs::File::create(&path).map_err(|e| Error::io("creating", &path, e))?;
    f.lock().map_err(|e| Error::io("locking", &path, e))?;
    Ok(f)
}

/// Points `opts` at the seat's classroom with the student's keys, after
/// making sure the classroom is still the one joined.
pub async fn connect(seat: &Seat, opts: &mut crate::aws::AwsOptions) -> Result<Facts> {
    let f = facts(&seat.url).await?;
    if f.classroom != seat.classroom {
        return Err(Error::Classroom(format!(
            "the classroom at {} was restarted since you joined as `{}`, so your seat (and \
             everything you made) is gone. Join again: `gatewalk leave`, then `gatewalk join {} \
             --as {}`",
            seat.url, seat.name, seat.url, seat.name
        )));
    }
    opts.endpoint_url = Some(seat.url.clone());
    opts.static_credentials = Some((seat.access_key.clone(), seat.secret_key.clone()));
    opts.profile = None;
    opts.region = Some(seat.region.clone());
    Ok(f)
}

/// Refuses a session whose resources live in a classroom this home is not
/// seated in, or in the local sandbox while seated in a classroom: using
/// it there would find none of them.
pub fn where_it_lives(s: &Session, seat: Option<&Seat>) -> std::result::Result<(), String> {
    let Some(instance) = s.sandbox_instance.as_deref() else {
        return match (seat, &s.account_id) {
            (Some(seat), Some(account)) => Err(format!(
                "session `{}` lives in AWS account {account}, but this gatewalk is seated in the \
                 classroom at {} as `{}`; `gatewalk leave` to work on it, or choose another \
                 session with --session",
                s.name, seat.url, seat.name
            )),
            _ => Ok(()),
        };
    };
    let in_class = instance.starts_with("classroom-");
    match seat {
        Some(seat) if in_class && instance != seat.instance() => Err(format!(
            "session `{}` was made in another classroom ({}), not the one you joined; choose \
             another session with --session",
            s.name,
            s.endpoint_url.as_deref().unwrap_or("gone")
        )),
        Some(seat) if !in_class => Err(format!(
            "session `{}` lives in your local sandbox, but this gatewalk is seated in the classroom \
             at {} as `{}`; `gatewalk leave` to work on it, or choose another session with --session",
            s.name, seat.url, seat.name
        )),
        None if in_class => Err(format!(
            "session `{}` was made in the classroom at {}; join it again (`gatewalk join {} --as \
             NAME`) to work on it",
            s.name,
            s.endpoint_url.as_deref().unwrap_or("(unknown)"),
            s.endpoint_url.as_deref().unwrap_or("URL"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classroom_urls_are_checked_before_anything_is_sent() {
        assert_eq!(
            check_url("http://10.0.0.5:7400/").unwrap(),
            "http://10.0.0.5:7400"
        );
        for bad in ["10.0.0.5:7400", "http://", "http://h:1/path", "ftp://x"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
