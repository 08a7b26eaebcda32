//! Where sessions live on disk, and how they are read, locked and saved.
//!
//! Layout under the gatewalk home (`GATEWALK_HOME`, else the platform data dir,
//! e.g. `~/.local/share/gatewalk`):
//! `sessions/<name>.json` (the session, mode 0600), `sessions/<name>.lock`
//! (held by the process driving the session), `logs/`, `sandbox/`.

use super::{SCHEMA_VERSION, Session, now, validate_name};
use crate::error::{Error, Result};
use crate::steps::StepId;
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
        .map_err(|e| Error::io("creating", dir, e))
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

    /// Whether a session file exists.
    pub fn exists(&self, name: &str) -> bool {
        self.path(name).exists()
    }

    /// Every session file, sorted by name. Unreadable ones are listed with their error.
    pub fn list(&self) -> Result<Vec<Listed>> {
        let rd = match fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(Error::io("reading", &self.dir, e)),
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
            out.push(Listed {
                name: name.to_string(),
                session: self.load(name),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Reads a session without locking it (for listing and read-only views).
    pub fn load(&self, name: &str) -> Result<Session> {
        let path = self.path(name);
        let text = fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Session(format!(
                    "there is no session named `{name}` (looked for {})",
                    path.display()
                ))
            } else {
                Error::io("reading", &path, e)
            }
        })?;
        parse(&path, &text)
    }

    /// Locks a session for exclusive use and loads it, creating it (bound to
    /// `region`) when it does not exist yet.
    pub fn open(&self, name: &str, region: &str) -> Result<SessionHandle> {
        validate_name(name).map_err(Error::Session)?;
        ensure_private_dir(&self.dir)?;
        let (lock, crashed_holder) = self.lock(name)?;
        let path = self.path(name);
        let (session, created) = if path.exists() {
            (
                parse(
                    &path,
                    &fs::read_to_string(&path).map_err(|e| Error::io("reading", &path, e))?,
                )?,
                false,
            )
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
        let mut h = SessionHandle {
            path,
            lock,
            session,
            crashed_holder,
        };
        if created {
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

    /// Deletes a session's record (not its AWS resources). Fails if another
    /// process holds the session.
    pub fn delete(&self, name: &str) -> Result<()> {
        validate_name(name).map_err(Error::Session)?;
        let _lock = self.lock(name)?;
        let path = self.path(name);
        fs::remove_file(&path).map_err(|e| Error::io("deleting", &path, e))?;
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
            .open(&lp)
            .map_err(|e| Error::io("opening", &lp, e))?;
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
            Err(TryLockError::Error(e)) => return Err(Error::io("locking", &lp, e)),
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

fn parse(path: &Path, text: &str) -> Result<Session> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::Session(format!(
            "session file {} is not valid JSON ({e}). It was left untouched: fix it, or move it \
             aside and start again (your AWS resources still carry the session's tags).",
            path.display()
        ))
    })?;
    let version = value.get("schema_version").and_then(|v| v.as_u64());
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
    serde_json::from_value(value).map_err(|e| {
        Error::Session(format!(
            "session file {} is damaged ({e}). It was left untouched.",
            path.display()
        ))
    })
}

/// Exclusive, locked access to one session. Dropping it releases the lock.
#[derive(Debug)]
pub struct SessionHandle {
    path: PathBuf,
    lock: File,
    session: Session,
    crashed_holder: Option<u32>,
}

impl Drop for SessionHandle {
    /// A clean release empties the lock file, so the next run can tell a
    /// crashed holder (pid left behind) from a finished one.
    fn drop(&mut self) {
        let _ = self.lock.set_len(0);
    }
}

impl SessionHandle {
    /// The pid of an earlier run that was killed or crashed while holding this
    /// session, if that is how the lock was found.
    pub fn took_over_from(&self) -> Option<u32> {
        self.crashed_holder
    }

    /// The session as last saved or modified.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Changes the session in memory; call [`save`](Self::save) to persist.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Where the file lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a step output (a created resource id) and saves at once, so the
    /// id survives a crash one instant later.
    pub fn record(&mut self, step: StepId, key: &str, id: &str) -> Result<()> {
        let outputs = &mut self.session.step_mut(step).outputs;
        outputs.remove(&intent_key(key));
        outputs.insert(key.to_string(), id.to_string());
        self.save()
    }

    /// Writes down, before a create call, that `operation` is about to make
    /// the resource recorded under `key`. If the run dies before the id is
    /// recorded, the intent stays in the session: `status` shows it, and the
    /// next apply settles it the way every apply starts — by looking the
    /// resource up by its tags or name before creating anything.
    pub fn creating(&mut self, step: StepId, key: &str, operation: &str) -> Result<()> {
        self.session.step_mut(step).outputs.insert(
            intent_key(key),
            format!("{operation} started {}", super::now()),
        );
        self.save()
    }

    /// Removes a step output (the resource was deleted), and any unfinished
    /// intent to create it, and saves.
    pub fn forget(&mut self, step: StepId, key: &str) -> Result<()> {
        let outputs = &mut self.session.step_mut(step).outputs;
        let a = outputs.remove(key).is_some();
        let b = outputs.remove(&intent_key(key)).is_some();
        if a || b {
            self.save()?;
        }
        Ok(())
    }

    /// Writes the session atomically: a temp file in the same directory
    /// (mode 0600), fsync, rename over the old file, fsync the directory.
    pub fn save(&mut self) -> Result<()> {
        self.session.updated_at = now();
        self.session.schema_version = SCHEMA_VERSION;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.json.tmp-{}",
            self.session.name,
            std::process::id()
        ));
        let text = serde_json::to_string_pretty(&self.session)
            .map_err(|e| Error::Session(format!("cannot encode session: {e}")))?;
        let write = || -> std::io::Result<()> {
            let mut f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            File::open(dir)?.sync_all()?;
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            Error::io("saving", &self.path, e)
        })
    }
}

/// Prefix of the output keys that hold unfinished create intents.
pub const INTENT_PREFIX: &str = "intent:";

fn intent_key(key: &str) -> String {
    format!("{INTENT_PREFIX}{key}")
}
