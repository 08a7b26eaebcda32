//! Where sessions live on disk, and how they are read, locked and saved.
//!
//! Layout under the gatewalk home (`GATEWALK_HOME`, else the platform data dir,
//! e.g. `~/.local/share/gatewalk`):
//! `sessions/<name>.json` (the session, mode 0600), `sessions/<name>.lock`
//! (held by the process driving the session), `logs/`, `sandbox/`.

pub use super::handle::SessionHandle;
use super::{SCHEMA_VERSION, Session, validate_name};
use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Environment variable that overrides the gatewalk home directory.
pub const HOME_ENV: &str = "GATEWALK_HOME";

/// The gatewalk home directory: `GATEWALK_HOME` or the platform data dir.
pub fn home_dir() -> Result<PathBuf> {
    if let Some(h) = std::env::var_os(HOME_ENV).filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h));
    }
    directories::ProjectDirs::from("", "", "gatewalk")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            Error::Config(format!(
                "cannot find a home directory for gatewalk's data; set {HOME_ENV}"
            ))
        })
}

/// Creates a private (0700) directory and its parents.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| {
            Error::Session(format!(
                "cannot use {} as gatewalk's data directory ({e}); set {HOME_ENV} to a directory you can write to",
                dir.display()
            ))
        })
}

/// What a file that must be a plain file turned out to be instead.
fn not_plain(path: &Path, what: &str, e: &std::io::Error) -> Error {
    let link = e.raw_os_error() == Some(libc::ELOOP)
        || fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if link {
        Error::Session(format!(
            "{what} {} is a symbolic link. gatewalk reads and writes only plain files in its \
             data directory, so a link cannot make it overwrite another file; replace the link \
             with the file itself",
            path.display()
        ))
    } else {
        Error::Session(format!("cannot read {what} {}: {e}", path.display()))
    }
}

/// Opens a file for reading without following a symbolic link.
fn open_plain(path: &Path, what: &str) -> Result<File> {
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| not_plain(path, what, &e))?;
    match f.metadata() {
        Ok(m) if m.is_file() => Ok(f),
        Ok(_) => Err(Error::Session(format!(
            "{what} {} is not a plain file",
            path.display()
        ))),
        Err(e) => Err(not_plain(path, what, &e)),
    }
}

/// The session directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// One line of `gatewalk sessions`: a session, or why its file could not be read.
#[derive(Debug)]
pub struct Listed {
    /// Session name (from the file name).
    pub name: String,
    /// The session, or the error reading it.
    pub session: Result<Session>,
}

impl Store {
    /// The store under `home`.
    pub fn new(home: &Path) -> Self {
        Self {
            dir: home.join("sessions"),
        }
    }

    /// The store under the default home.
    pub fn open_default() -> Result<Self> {
        Ok(Self::new(&home_dir()?))
    }

    /// Path of a session's file.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    fn lock_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.lock"))
    }

    /// Whether a session file exists (a link, even a dangling one, counts:
    /// it is refused when read, never replaced by a new session).
    pub fn exists(&self, name: &str) -> bool {
        fs::symlink_metadata(self.path(name)).is_ok()
    }

    /// Every session file, sorted by name. Unreadable ones are listed with their error.
    pub fn list(&self) -> Result<Vec<Listed>> {
        let rd = match fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => {
                return Err(Error::Session(format!(
                    "cannot list sessions in {} ({e}); set {HOME_ENV} to a directory you can write to",
                    self.dir.display()
                )));
            }
        };
        let mut out = Vec::new();
        for entry in rd.flatten() {
            let p = entry.path();
            if p.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Some(name) = p.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            // A stray file whose name is no session name (it may hold
            // control characters) is listed cleaned, with why it is ignored.
            let session = match validate_name(name) {
                Ok(()) => self.load(name),
                Err(why) => Err(Error::Session(format!("{why}; gatewalk ignores this file"))),
            };
            out.push(Listed {
                name: crate::text::clean(name),
                session,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Reads a session without locking it (for listing and read-only views).
    pub fn load(&self, name: &str) -> Result<Session> {
        let path = self.path(name);
        if !self.exists(name) {
            return Err(Error::Session(format!(
                "there is no session named `{name}` (looked for {})",
                path.display()
            )));
        }
        read_session(&path, name)
    }

    /// Locks a session for exclusive use and loads it, creating it (bound to
    /// `region`) when it does not exist yet.
    pub fn open(&self, name: &str, region: &str) -> Result<SessionHandle> {
        let lock = self.lock_session(name)?;
        self.open_locked(lock, name, region)
    }

    /// Takes a session's lock without reading or creating its file, so a
    /// command can refuse a session in use before it makes any call, and
    /// write a new session only once AWS has answered.
    pub fn lock_session(&self, name: &str) -> Result<SessionLock> {
        validate_name(name).map_err(Error::Session)?;
        ensure_private_dir(&self.dir)?;
        let (file, crashed_holder) = self.lock(name)?;
        Ok(SessionLock {
            file: Some(file),
            crashed_holder,
            unused_path: (!self.exists(name)).then(|| self.lock_path(name)),
        })
    }

    /// [`open`](Self::open) with a lock already taken by
    /// [`lock_session`](Self::lock_session) for the same name.
    pub fn open_locked(
        &self,
        lock: SessionLock,
        name: &str,
        region: &str,
    ) -> Result<SessionHandle> {
        let mut held = lock;
        let crashed_holder = held.crashed_holder;
        let lock = held.file.take().ok_or_else(|| {
            Error::Session(format!("the lock of session `{name}` was already used"))
        })?;
        let path = self.path(name);
        let (session, created) = if self.exists(name) {
            (read_session(&path, name)?, false)
        } else {
            (Session::new(name, region), true)
        };
        if let Some(pid) = crashed_holder {
            tracing::warn!(
                session = name,
                pid,
                "taking over a session left by a run that ended without finishing"
            );
        }
        let needs_id = session.id.is_none();
        let needs_origin = session.origin.is_none();
        let mut h = SessionHandle::new(path, lock, session, crashed_holder);
        if needs_id {
            h.session.id = Some(super::new_id());
        }
        if created || needs_id || needs_origin {
            // Saved once so the file exists and its full path can be read.
            h.save()?;
        }
        if needs_origin {
            h.session.origin = Some(origin_of(&h.path)?);
        }
        if created || needs_id || needs_origin {
            h.save()?;
        }
        Ok(h)
    }

    /// Locks and opens an existing session; an error if it does not exist.
    pub fn open_existing(&self, name: &str) -> Result<SessionHandle> {
        if !self.exists(name) {
            return Err(Error::Session(format!(
                "there is no session named `{name}`"
            )));
        }
        let region = self.load(name)?.region;
        self.open(name, &region)
    }

    /// Makes the file at this session's path the session, after its data was
    /// moved: records the new path as its origin. Refuses while another
    /// process holds it; every other check of the file still applies.
    pub fn claim(&self, name: &str) -> Result<String> {
        let lock = self.lock_session(name)?;
        let path = self.path(name);
        let mut text = String::new();
        open_plain(&path, "session file")?
            .read_to_string(&mut text)
            .map_err(|e| not_plain(&path, "session file", &e))?;
        let mut session = parse(&path, &text)?;
        if session.name != name {
            return read_session(&path, name).map(|_| String::new());
        }
        let was = session.origin.take().unwrap_or_default();
        let mut held = lock;
        let file = held.file.take().ok_or_else(|| {
            Error::Session(format!("the lock of session `{name}` was already used"))
        })?;
        let mut h = SessionHandle::new(path, file, session, None);
        h.session.origin = Some(origin_of(&h.path)?);
        h.save()?;
        Ok(was)
    }

    /// Deletes a session's record (not its AWS resources). Fails if another
    /// process holds the session.
    pub fn delete(&self, name: &str) -> Result<()> {
        validate_name(name).map_err(Error::Session)?;
        let _lock = self.lock(name)?;
        let path = self.path(name);
        fs::remove_file(&path)
            .map_err(|e| Error::Session(format!("cannot delete {}: {e}", path.display())))?;
        let _ = fs::remove_file(self.lock_path(name));
        Ok(())
    }

    /// Takes the session's lock. Also returns the pid of a previous holder
    /// that died holding it (killed, crashed): a clean exit empties the file.
    fn lock(&self, name: &str) -> Result<(File, Option<u32>)> {
        let lp = self.lock_path(name);
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&lp)
            .map_err(|e| not_plain(&lp, "lock file", &e))?;
        match f.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = f.read_to_string(&mut holder);
                let holder = holder.trim();
                let who = if holder.is_empty() {
                    "another gatewalk process".to_string()
                } else {
                    format!("another gatewalk process (pid {holder})")
                };
                return Err(Error::Session(format!(
                    "session `{name}` is in use by {who}. Finish or quit that one first; \
                     two processes must not drive one deployment."
                )));
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::Session(format!(
                    "cannot lock {} ({e}); gatewalk's data directory must be on a local file system",
                    lp.display()
                )));
            }
        }
        // The OS releases the lock when the process dies, so a lock file left by a
        // crashed run never blocks the next one; its pid says one was there.
        let mut previous = String::new();
        let _ = f.read_to_string(&mut previous);
        let crashed = previous
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|p| *p != std::process::id());
        let _ = f.set_len(0);
        let _ = f.seek(SeekFrom::Start(0));
        let _ = write!(f, "{}", std::process::id());
        Ok((f, crashed))
    }
}

/// The full, link-free path of a session file, as recorded in `origin`.
fn origin_of(path: &Path) -> Result<String> {
    fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .map_err(|e| Error::Session(format!("cannot resolve {}: {e}", path.display())))
}

/// Reads and parses a session file, refusing links and a file whose inner
/// name is not its file name (a copy or a rename: driving it would act on the
/// other session's resources, whose tags carry the inner name).
fn read_session(path: &Path, name: &str) -> Result<Session> {
    let mut text = String::new();
    open_plain(path, "session file")?
        .read_to_string(&mut text)
        .map_err(|e| not_plain(path, "session file", &e))?;
    let session = parse(path, &text)?;
    if session.name != name {
        return Err(Error::Session(format!(
            "session file {} holds session `{}`: it is a copy or was renamed. gatewalk refuses it, \
             so it cannot act on `{}`'s resources. To work on `{}` use --session {}; to start a \
             new session `{name}`, move the file aside",
            path.display(),
            crate::text::shown(&session.name),
            crate::text::shown(&session.name),
            crate::text::shown(&session.name),
            crate::text::shown(&session.name),
        )));
    }
    if let Some(origin) = &session.origin
        && *origin != origin_of(path)?
    {
        return Err(Error::Session(format!(
            "session file {} is a copy of one made at {}. A copy would act on the original's AWS \
             resources, so gatewalk refuses it. If you moved gatewalk's data and the original is \
             gone, run `gatewalk sessions claim {name}`; otherwise move this file aside",
            path.display(),
            crate::text::shown(origin),
        )));
    }
    Ok(session)
}

fn parse(path: &Path, text: &str) -> Result<Session> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::Session(format!(
            "session file {} is not valid JSON ({e}). It was left untouched: fix it, or move it \
             aside and start again (your AWS resources still carry the session's tags).",
            path.display()
        ))
    })?;
    let version = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64);
    match version {
        None => {
            return Err(Error::Session(format!(
                "session file {} has no schema_version; it was not written by gatewalk or is damaged. It was left untouched.",
                path.display()
            )));
        }
        Some(v) if v > u64::from(SCHEMA_VERSION) => {
            return Err(Error::Session(format!(
                "session file {} was written by a newer gatewalk (schema {v}; this one reads up to {SCHEMA_VERSION}). \
                 Upgrade gatewalk to continue this session; the file was left untouched.",
                path.display()
            )));
        }
        Some(_) => {}
    }
    if let Some(at) = control_text(&value, "") {
        return Err(Error::Session(format!(
            "session file {} holds a control character in `{at}`; gatewalk never writes one, so \
             the file was edited or damaged. It was left untouched.",
            path.display()
        )));
    }
    serde_json::from_value(value).map_err(|e| {
        Error::Session(format!(
            "session file {} is damaged ({e}). It was left untouched.",
            path.display()
        ))
    })
}

/// A session's lock, held until dropped or turned into a [`SessionHandle`].
#[derive(Debug)]
pub struct SessionLock {
    file: Option<File>,
    crashed_holder: Option<u32>,
    /// The lock file's path when its session file does not exist yet.
    unused_path: Option<PathBuf>,
}

impl Drop for SessionLock {
    /// Released without being used: empty the file, as a clean exit does, and
    /// remove it when no session was written (AWS never answered), so a
    /// refused first contact leaves nothing behind.
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            let _ = f.set_len(0);
            if let Some(p) = &self.unused_path {
                let _ = fs::remove_file(p);
            }
        }
    }
}

/// Where in a session file a key or text holds a control character, if anywhere
/// (such text would reach terminals through `status` and the wizard).
fn control_text(v: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    let bad = |s: &str| crate::text::control_char(s).is_some();
    match v {
        Value::String(s) if bad(s) => Some(at.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| control_text(x, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let here = if at.is_empty() {
                crate::text::clean(k)
            } else {
                format!("{at}.{}", crate::text::clean(k))
            };
            if bad(k) {
                Some(here)
            } else {
                control_text(x, &here)
            }
        }),
        _ => None,
    }
}
