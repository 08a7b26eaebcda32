//! The one message type. Requests start background tasks; their results come
//! back here, each carrying what it produced — including the session handle a
//! writing task borrowed, so exactly one owner holds it at any time.

use crate::aws::find::Tagged;
use crate::aws::{AwsContext, Identity};
use crate::engine::Engine;
use crate::model::{Check, Resource, StepId};
use crate::progress::Event;
use crate::sandbox::SandboxState;
use crate::session::{Session, SessionHandle};
use crossterm::event::KeyEvent;
use std::sync::Arc;

/// A live connection: clients for one account and region (or the sandbox).
#[derive(Debug, Clone)]
pub struct Connection {
    /// The SDK clients (shared with background tasks).
    pub aws: Arc<AwsContext>,
    /// The sandbox, when that is where the clients point.
    pub sandbox: Option<SandboxState>,
    /// The profile in use, if one was named.
    pub profile: Option<String>,
    /// The steps, behind their door (the background tasks call them).
    pub engine: &'static dyn Engine,
}

/// One row of the session picker.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// The session's name.
    pub name: String,
    /// The session, or why it cannot be read.
    pub session: Result<Session, String>,
}

/// Everything that can happen to the app.
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// Time passed (spinners, elapsed times).
    Tick,
    /// Clients are set up (or could not be).
    Connected(Result<Connection, String>),
    /// The caller's identity, read from STS.
    Identity(Result<Identity, String>),
    /// The sessions on disk.
    Sessions(Vec<SessionRow>),
    /// A session was opened, locked and bound to the account.
    Opened(Result<Box<SessionHandle>, String>),
    /// Deployments of this shape found in the account (for adopt).
    Discovered(Result<Vec<crate::discover::Deployment>, String>),
    /// Progress from a running step or teardown.
    Progress(Event),
    /// An apply finished; the handle comes back with it.
    Applied {
        /// The step applied.
        step: StepId,
        /// Its checks, or the error (AWS errors with service, code, hint).
        result: Result<Vec<Check>, String>,
        /// The change to a resource of yours it stopped before, to ask about.
        ask: Option<String>,
        /// The session handle the task borrowed.
        handle: Box<SessionHandle>,
    },
    /// Checks of some steps, read live.
    Validated(Vec<(StepId, Result<Vec<Check>, String>)>),
    /// A step's live resources.
    Inspected(StepId, Result<Vec<Resource>, String>),
    /// Existing resources the user may pick for a field.
    Candidates {
        /// The field they are for.
        field: &'static str,
        /// Names, or why they could not be listed.
        result: Result<Vec<String>, String>,
    },
    /// The teardown finished; what is still tagged, if anything.
    TornDown {
        /// Resources still carrying the session tag, or the error.
        result: Result<Vec<Tagged>, String>,
        /// The session handle the task borrowed.
        handle: Box<SessionHandle>,
    },
    /// After a cancelled task: the session opened again (its lock was
    /// released when the task was dropped).
    Reopened(Result<Box<SessionHandle>, String>),
}
