//! Exclusive, locked access to one session while a command drives it: every
//! id recorded the moment it exists, saved atomically; and what the user has
//! agreed to for this run (changing or removing resources of theirs).

use super::{SCHEMA_VERSION, Session, now};
use crate::error::{Error, Result};
use crate::model::OutputKey;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Exclusive, locked access to one session. Dropping it releases the lock.
#[derive(Debug)]
pub struct SessionHandle {
    pub(super) path: PathBuf,
    lock: File,
    pub(super) session: Session,
    crashed_holder: Option<u32>,
    consent: Consent,
}

/// What the user agreed to for this run, about resources of theirs bound to
/// the session. Never saved: each run asks again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consent {
    /// Change resources of yours where the plan said so (`apply --yes`).
    pub change_yours: bool,
    /// Delete resources of yours too (`teardown --include-yours`, after
    /// typing the session name).
    pub delete_yours: bool,
    /// Single changes agreed to one by one (the wizard asks about each), as
    /// [`Consent::change`] words them.
    pub agreed: Vec<String>,
}

impl Consent {
    /// How a change to a resource of yours is put to you, and agreed to.
    pub fn change(noun: &str, id: &str, what: &str) -> String {
        format!("your {noun} {id}: {what}")
    }

    /// Whether this change may go ahead.
    pub fn allows(&self, change: &str) -> bool {
        self.change_yours || self.agreed.iter().any(|a| a == change)
    }
}

impl Drop for SessionHandle {
    /// A clean release empties the lock file, so the next run can tell a
    /// crashed holder (pid left behind) from a finished one.
    fn drop(&mut self) {
        let _ = self.lock.set_len(0);
    }
}

impl SessionHandle {
    pub(super) fn new(
        path: PathBuf,
        lock: File,
        session: Session,
        crashed_holder: Option<u32>,
    ) -> Self {
        Self {
            path,
            lock,
            session,
            crashed_holder,
            consent: Consent::default(),
        }
    }

    /// What the user agreed to for this run.
    pub fn consent(&self) -> &Consent {
        &self.consent
    }

    /// Records what the user agreed to for this run.
    pub fn set_consent(&mut self, c: Consent) {
        self.consent = c;
    }

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
    pub fn record(&mut self, key: OutputKey, id: &str) -> Result<()> {
        let outputs = &mut self.session.step_mut(key.step()).outputs;
        outputs.remove(&intent_key(key));
        outputs.insert(key.as_str().to_string(), id.to_string());
        self.save()
    }

    /// Writes down, before a create call, that `operation` is about to make
    /// the resource recorded under `key`. If the run dies before the id is
    /// recorded, the intent stays in the session: `status` shows it, and the
    /// next apply settles it the way every apply starts — by looking the
    /// resource up by its tags or name before creating anything.
    pub fn creating(&mut self, key: OutputKey, operation: &str) -> Result<()> {
        self.session.step_mut(key.step()).outputs.insert(
            intent_key(key),
            format!("{operation} started {}", super::now()),
        );
        self.save()
    }

    /// Removes a step output (the resource was deleted, or was yours and is
    /// let go), any unfinished intent to create it and its binding, and saves.
    pub fn forget(&mut self, key: OutputKey) -> Result<()> {
        let rec = self.session.step_mut(key.step());
        // A resource of yours is let go only when it was removed with your
        // consent (`teardown --include-yours`); else it stays bound, so a
        // later teardown can still list or remove it.
        if rec.yours.contains(key.as_str()) && !self.consent.delete_yours {
            return Ok(());
        }
        let a = rec.outputs.remove(key.as_str()).is_some();
        let b = rec.outputs.remove(&intent_key(key)).is_some();
        let c = rec.yours.remove(key.as_str());
        if a || b || c {
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
            // A stale temp file (or a link planted in its place) is removed,
            // never written through.
            let _ = fs::remove_file(&tmp);
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW)
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

fn intent_key(key: OutputKey) -> String {
    format!("{INTENT_PREFIX}{key}")
}
