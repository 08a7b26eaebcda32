//! Commands: what [`App::update`](super::app::App) asks for instead of doing
//! it, and the one place that runs them. The runner spawns each command's
//! task, keeps its abort handle under the generation of the screen that
//! asked, and aborts every task of a screen once that screen is gone (a
//! late answer is dropped in `update` as well, by its [`Req`]).

use super::msg::{Connection, Msg, Req};
use super::tasks;
use crate::discover::Deployment;
use crate::inputs::Inputs;
use crate::model::StepId;
use crate::session::{Session, SessionHandle};
use std::path::PathBuf;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::{AbortHandle, JoinHandle};

/// Something to do in the background.
#[derive(Debug)]
pub enum Cmd {
    /// Set up clients (starting the sandbox when asked).
    Connect {
        /// Use the local sandbox.
        sandbox: bool,
        /// The attempt's number, carried by its answers.
        epoch: u64,
    },
    /// List the sessions on disk.
    ListSessions,
    /// Open (or create) a session, lock it and bind it to the account.
    Open(Req, Connection, String),
    /// Look for deployments of this shape in the account.
    Discover(Req, Connection),
    /// Make a session of a deployment made elsewhere, and open it.
    Adopt(Req, Connection, Box<Deployment>, String),
    /// Apply one step with the session handle.
    Apply(Req, Connection, Box<SessionHandle>, Box<Inputs>, StepId),
    /// Tear everything down with the session handle.
    Teardown(Req, Connection, Box<SessionHandle>, Box<Inputs>),
    /// Stop the running apply or teardown at once, then open the session
    /// again (the handle went with the task).
    CancelJob(Req, String),
    /// Stop the running apply or teardown (quitting).
    AbortJob,
    /// Check some steps against the live account (reads only).
    Validate(Req, Connection, Box<Session>, Box<Inputs>, Vec<StepId>),
    /// Read one step's live resources.
    Inspect(Req, Connection, Box<Session>, Box<Inputs>, StepId),
    /// List existing resources a field may name.
    Candidates(Req, Connection, &'static str),
}

/// How the app was started, as far as tasks need it.
#[derive(Debug, Clone)]
pub struct Setup {
    /// gatewalk's data directory.
    pub home: PathBuf,
    /// How to reach AWS.
    pub opts: crate::aws::AwsOptions,
    /// The sandbox's pace.
    pub pace: Option<crate::sandbox::Pace>,
    /// The steps.
    pub engine: &'static dyn crate::engine::Engine,
}

/// Runs commands: spawns their tasks and aborts those of screens that are gone.
#[derive(Debug)]
pub struct Runner {
    tx: UnboundedSender<Msg>,
    setup: Setup,
    /// Tasks tied to a screen, by the generation that asked.
    tasks: Vec<(u64, AbortHandle)>,
    /// The apply or teardown holding the session handle.
    job: Option<JoinHandle<()>>,
}

impl Runner {
    /// A runner sending results to `tx`.
    pub fn new(tx: UnboundedSender<Msg>, setup: Setup) -> Self {
        Self {
            tx,
            setup,
            tasks: Vec::new(),
            job: None,
        }
    }

    /// Aborts every task asked for by a screen older than `generation`.
    pub fn forget_before(&mut self, generation: u64) {
        self.tasks.retain(|(g, t)| {
            if *g < generation {
                t.abort();
            }
            *g >= generation && !t.is_finished()
        });
    }

    /// Runs `cmd` for the screen of `generation`.
    pub fn run(&mut self, cmd: Cmd, generation: u64) {
        self.forget_before(generation);
        let tx = self.tx.clone();
        let s = self.setup.clone();
        let (req, handle) = match cmd {
            Cmd::Connect { sandbox, epoch } => {
                tokio::spawn(tasks::connect(tx, s, (sandbox, epoch)));
                return;
            }
            Cmd::ListSessions => {
                tokio::spawn(async move { tasks::list_sessions(&tx, &s.home) });
                return;
            }
            Cmd::Open(req, conn, name) => (req, tokio::spawn(tasks::open(tx, req, s, conn, name))),
            Cmd::Discover(req, conn) => (req, tokio::spawn(tasks::discover(tx, req, conn))),
            Cmd::Adopt(req, conn, d, name) => (
                req,
                tokio::spawn(tasks::adopt(tx, req, s.home, conn, (*d, name))),
            ),
            Cmd::Apply(req, conn, h, inputs, step) => {
                self.job = Some(tokio::spawn(tasks::apply(tx, req, conn, h, *inputs, step)));
                return;
            }
            Cmd::Teardown(req, conn, h, inputs) => {
                self.job = Some(tokio::spawn(tasks::teardown(tx, req, conn, h, *inputs)));
                return;
            }
            Cmd::CancelJob(req, name) => {
                if let Some(job) = self.job.take() {
                    job.abort();
                    tokio::spawn(tasks::reopen_after(tx, req, job, s.home, name));
                }
                return;
            }
            Cmd::AbortJob => {
                if let Some(job) = self.job.take() {
                    job.abort();
                }
                return;
            }
            Cmd::Validate(req, conn, session, inputs, steps) => (
                req,
                tokio::spawn(tasks::validate(tx, req, conn, (*session, *inputs), steps)),
            ),
            Cmd::Inspect(req, conn, session, inputs, step) => (
                req,
                tokio::spawn(tasks::inspect(tx, req, conn, (*session, *inputs), step)),
            ),
            Cmd::Candidates(req, conn, field) => {
                (req, tokio::spawn(tasks::candidates(tx, req, conn, field)))
            }
        };
        self.tasks.push((req.generation, handle.abort_handle()));
    }
}
