//! The crate's error type: everything a front end may have to show a person.

use crate::aws::AwsError;
use crate::model::{InputError, StepId};
use std::path::PathBuf;
use std::time::Duration;

/// Result with gatewalk's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every way an operation can fail, each with enough context to act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An AWS call failed; the inner error names service, operation, code and a hint.
    #[error("{0}")]
    Aws(Box<AwsError>),

    /// Inputs were rejected before any API call.
    #[error("{}", InputError::list(.0))]
    Inputs(Vec<InputError>),

    /// Configuration is missing or wrong (no region, bad endpoint, ...).
    #[error("{0}")]
    Config(String),

    /// The terminal could not be set up, drawn to or read.
    #[error("{0}")]
    Terminal(String),

    /// The session file or its lock.
    #[error("{0}")]
    Session(String),

    /// The session belongs to a different account than the credentials.
    #[error(
        "session `{session}` was created in account {expected}, but these credentials are for account {actual}.\n  hint: use the profile/credentials of account {expected}, or start a new session with --session NEW-NAME"
    )]
    WrongAccount {
        /// Session name.
        session: String,
        /// The account recorded in the session.
        expected: String,
        /// The account of the current credentials.
        actual: String,
    },

    /// A step cannot run yet because an earlier one is not done.
    #[error(
        "step `{step}` needs step `{needs}` to be done first.\n  hint: run `gatewalk apply --through {needs}`"
    )]
    NotReady {
        /// The step asked for.
        step: StepId,
        /// The earlier step that is not done.
        needs: StepId,
    },

    /// Something already exists under our name but does not belong to this session.
    #[error("{0}")]
    Conflict(String),

    /// A resource of yours (bound by `adopt`) needs a change that apply
    /// makes only when you agree; nothing of it was changed.
    #[error(
        "your {noun} {} needs a change: {what}. gatewalk changes a resource of yours only when you agree.\n  hint: `gatewalk plan` lists it as `~ change your …`; run `gatewalk apply --yes` to agree, or make the change yourself",
        crate::text::short_arn(.id)
    )]
    NeedsConsent {
        /// What it is (`task security group`).
        noun: String,
        /// Its id.
        id: String,
        /// The change, in words.
        what: String,
    },

    /// The user (or the system) stopped the run; everything done so far is saved.
    #[error(
        "stopped by {signal}. Everything created so far is recorded in session `{session}`; run the same command again to continue from there"
    )]
    Interrupted {
        /// `Ctrl-C` or `SIGTERM`.
        signal: &'static str,
        /// The session.
        session: String,
    },

    /// A wait gave up.
    #[error("gave up waiting for {what} after {}s (last state: {last_state}).\n  hint: AWS is slower than usual; run the same command again to keep waiting — nothing is lost", .waited.as_secs())]
    Timeout {
        /// What was being waited for.
        what: String,
        /// How long it waited.
        waited: Duration,
        /// The last state observed.
        last_state: String,
    },

    /// A wait ended in a state that can never become the wanted one.
    #[error("{what} failed: {reason}")]
    WaitFailed {
        /// What was being waited for.
        what: String,
        /// AWS's reason.
        reason: String,
    },

    /// A step's checks did not pass after apply.
    #[error("step `{step}` was applied but {failed} check(s) fail:\n{details}")]
    ChecksFailed {
        /// The step.
        step: StepId,
        /// Number of failing checks.
        failed: usize,
        /// One line per failing check with its fix.
        details: String,
    },

    /// The local emulator could not be started or reached.
    #[error("sandbox: {0}")]
    Sandbox(String),

    /// A workshop's classroom could not be reached, or is not the one joined.
    #[error("classroom: {0}")]
    Classroom(String),

    /// A file could not be read or written.
    #[error("{action} {}: {source}", .path.display())]
    Io {
        /// What was being done ("reading", "writing").
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl From<AwsError> for Error {
    fn from(e: AwsError) -> Self {
        Error::Aws(Box::new(e))
    }
}

impl Error {
    /// Wraps an I/O error with the path and action.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// Whether this is a refusal made before anything was created, changed or
    /// deleted: bad flags, inputs, files or environment, a session in use, or
    /// the wrong account or region for the session. Front ends give these exit
    /// code 2; see `cli::EXIT_INPUT`.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Inputs(_) | Error::Config(_) | Error::Session(_) | Error::WrongAccount { .. }
        )
    }

    /// The AWS error inside, if this is one.
    pub fn as_aws(&self) -> Option<&AwsError> {
        match self {
            Error::Aws(e) => Some(e),
            _ => None,
        }
    }
}
