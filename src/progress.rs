//! Progress reporting from the engine to whichever front end is listening.
//!
//! The engine never prints. It sends [`Event`]s down a channel; the CLI writes
//! them to stderr, the TUI shows them, tests collect them.

use crate::model::StepId;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Something worth telling the user while a step runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A plain progress message.
    Info {
        /// Step it belongs to, if any.
        step: Option<StepId>,
        /// The message.
        message: String,
    },
    /// A resource was created; its id is already saved in the session.
    Created {
        /// Step it belongs to.
        step: Option<StepId>,
        /// Resource kind (`VPC`).
        kind: String,
        /// Resource id.
        id: String,
    },
    /// A resource from an earlier run was found and reused instead of created.
    Reused {
        /// Step it belongs to.
        step: Option<StepId>,
        /// Resource kind.
        kind: String,
        /// Resource id.
        id: String,
    },
    /// A resource was deleted.
    Deleted {
        /// Step it belongs to.
        step: Option<StepId>,
        /// Resource kind.
        kind: String,
        /// Resource id.
        id: String,
    },
    /// A resource is being changed to the walkthrough's shape (sent just
    /// before the call; if the call fails, the step's error follows).
    Changed {
        /// Step it belongs to.
        step: Option<StepId>,
        /// Resource kind (`private route table`).
        kind: String,
        /// Resource id.
        id: String,
        /// The change, in words (`default route to nat-0abc…`).
        what: String,
    },
    /// Still waiting for AWS.
    Waiting {
        /// Step it belongs to.
        step: Option<StepId>,
        /// What is being waited for.
        what: String,
        /// The state last observed.
        state: String,
        /// Time waited so far, in seconds.
        elapsed_secs: u64,
    },
    /// AWS refused or failed a call for a reason worth retrying (throttling,
    /// a 5xx, a timeout); the SDK is trying it again after a pause.
    Retry {
        /// Service as the SDK names it.
        service: String,
        /// Operation (`CreateVpcLink`).
        operation: String,
        /// The attempt about to be made (2 = first retry).
        attempt: u32,
        /// What the previous attempt got (`HTTP 429`, `no response`).
        reason: String,
    },
    /// Something the user should know but that does not stop the step.
    Warning {
        /// Step it belongs to.
        step: Option<StepId>,
        /// The message.
        message: String,
    },
}

/// A cheap, cloneable handle for sending progress. A handle without a channel
/// drops everything (used where nobody listens).
#[derive(Debug, Clone, Default)]
pub struct Progress {
    tx: Option<UnboundedSender<Event>>,
    step: Option<StepId>,
}

impl Progress {
    /// A handle sending to `tx`.
    pub fn new(tx: UnboundedSender<Event>) -> Self {
        Self {
            tx: Some(tx),
            step: None,
        }
    }

    /// A handle that discards events.
    pub fn silent() -> Self {
        Self::default()
    }

    /// The same channel, with events attributed to `step`.
    pub fn for_step(&self, step: StepId) -> Self {
        Self {
            tx: self.tx.clone(),
            step: Some(step),
        }
    }

    fn send(&self, e: Event) {
        if let Some(tx) = &self.tx {
            // A closed receiver means the front end is gone; nothing to do.
            let _ = tx.send(e);
        }
    }

    /// Reports a message.
    pub fn info(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::info!(step = ?self.step, "{message}");
        self.send(Event::Info {
            step: self.step,
            message,
        });
    }

    /// Reports a warning.
    pub fn warn(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::warn!(step = ?self.step, "{message}");
        self.send(Event::Warning {
            step: self.step,
            message,
        });
    }

    /// Reports a created resource.
    pub fn created(&self, kind: &str, id: &str) {
        tracing::info!(step = ?self.step, kind, id, "created");
        self.send(Event::Created {
            step: self.step,
            kind: kind.into(),
            id: id.into(),
        });
    }

    /// Reports a reused resource.
    pub fn reused(&self, kind: &str, id: &str) {
        tracing::info!(step = ?self.step, kind, id, "reused");
        self.send(Event::Reused {
            step: self.step,
            kind: kind.into(),
            id: id.into(),
        });
    }

    /// Reports a deleted resource.
    pub fn deleted(&self, kind: &str, id: &str) {
        tracing::info!(step = ?self.step, kind, id, "deleted");
        self.send(Event::Deleted {
            step: self.step,
            kind: kind.into(),
            id: id.into(),
        });
    }

    /// Reports a change made to an existing resource.
    pub fn changed(&self, kind: &str, id: &str, what: &str) {
        tracing::info!(step = ?self.step, kind, id, what, "changed");
        self.send(Event::Changed {
            step: self.step,
            kind: kind.into(),
            id: id.into(),
            what: what.into(),
        });
    }

    /// Reports a retried AWS call.
    pub fn retry(&self, service: &str, operation: &str, attempt: u32, reason: &str) {
        self.send(Event::Retry {
            service: service.into(),
            operation: operation.into(),
            attempt,
            reason: reason.into(),
        });
    }

    /// Reports a wait in progress.
    pub fn waiting(&self, what: &str, state: &str, elapsed: Duration) {
        self.send(Event::Waiting {
            step: self.step,
            what: what.into(),
            state: state.into(),
            elapsed_secs: elapsed.as_secs(),
        });
    }
}

/// `75 s` → `1m 15s`.
pub fn fmt_elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = |step: &Option<StepId>| step.map(|s| format!("[{s}] ")).unwrap_or_default();
        match self {
            Event::Info { step, message } => write!(f, "{}{message}", prefix(step)),
            Event::Warning { step, message } => write!(f, "{}warning: {message}", prefix(step)),
            Event::Created { step, kind, id } => write!(f, "{}created {kind} {id}", prefix(step)),
            Event::Reused { step, kind, id } => {
                write!(f, "{}found {kind} {id} from an earlier run", prefix(step))
            }
            Event::Deleted { step, kind, id } => write!(f, "{}deleted {kind} {id}", prefix(step)),
            Event::Changed {
                step,
                kind,
                id,
                what,
            } => write!(
                f,
                "{}changed {kind} {}: {what}",
                prefix(step),
                crate::text::short_arn(id)
            ),
            Event::Retry {
                service,
                operation,
                attempt,
                reason,
            } => write!(
                f,
                "retrying {service} {operation} (attempt {attempt}; the last one got {reason})"
            ),
            Event::Waiting {
                step,
                what,
                state,
                elapsed_secs,
            } => write!(
                f,
                "{}waiting for {what} (now {state}, {})",
                prefix(step),
                fmt_elapsed(Duration::from_secs(*elapsed_secs))
            ),
        }
    }
}
