//! The one message type. Requests become commands ([`super::cmd::Cmd`]) that
//! run in the background; their results come back here, each carrying the
//! [`Req`] that asked for it (so a late answer to a screen that is gone, or
//! to a request that was superseded, is dropped) and what it produced —
//! including the session handle a writing task borrowed, so exactly one
//! owner holds it at any time.

use crate::Error;
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

/// Who asked: the generation of the screen that made the request (it
/// changes whenever a session is opened or closed) and the request's own
/// number. A result is kept only while both are still current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Req {
    /// The screen's generation ([`super::app::App::generation`]).
    pub generation: u64,
    /// The request's number, unique within the app's run.
    pub id: u64,
}

/// Everything that can happen to the app.
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// Time passed (spinners, elapsed times, the idle re-check).
    Tick,
    /// Clients are set up (or could not be), for the connection attempt
    /// numbered so ([`super::app::App::conn_epoch`]; an older one's answer
    /// is dropped).
    Connected(u64, Result<Connection, Error>),
    /// The caller's identity, read from STS, for that attempt.
    Identity(u64, Result<Identity, Error>),
    /// The sessions on disk.
    Sessions(Vec<SessionRow>),
    /// A session was opened, locked and bound to the account.
    Opened(Req, Result<Box<SessionHandle>, Error>),
    /// Deployments of this shape found in the account (for adopt).
    Discovered(Req, Result<Vec<crate::discover::Deployment>, Error>),
    /// Progress from a running step or teardown (`None`: not tied to a
    /// screen, e.g. a retried call).
    Progress(Option<Req>, Event),
    /// An apply finished; the handle comes back with it.
    Applied {
        /// The request.
        req: Req,
        /// The step applied.
        step: StepId,
        /// Its checks, or the error (AWS errors with service, code, hint).
        result: Result<Vec<Check>, Error>,
        /// The session handle the task borrowed.
        handle: Box<SessionHandle>,
        /// What it created, changed and deleted (every such progress event
        /// was sent before this message).
        changes: Vec<Event>,
    },
    /// Checks of some steps, read live.
    Validated(Req, Vec<(StepId, Result<Vec<Check>, Error>)>),
    /// What the container said and why tasks stopped, read after checks of
    /// step 6, 7 or 10 failed.
    Diagnosed(Req, Box<super::diagnosis::Diagnosis>),
    /// A step's live resources.
    Inspected(Req, StepId, Result<Vec<Resource>, Error>),
    /// Existing resources the user may pick for a field.
    Candidates {
        /// The request.
        req: Req,
        /// The field they are for.
        field: &'static str,
        /// Names, or why they could not be listed.
        result: Result<Vec<String>, Error>,
    },
    /// The teardown finished; what is still tagged, if anything.
    TornDown {
        /// The request.
        req: Req,
        /// Resources still carrying the session tag, or the error.
        result: Result<Vec<Tagged>, Error>,
        /// The session handle the task borrowed.
        handle: Box<SessionHandle>,
        /// What it deleted.
        changes: Vec<Event>,
    },
    /// After a cancelled task: the session opened again (its lock was
    /// released when the task was dropped).
    Reopened(Req, Result<Box<SessionHandle>, Error>),
}
