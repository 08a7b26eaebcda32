//! The TUI's state: which screen, the connection, the open session and what
//! is loading or running. Changed only by [`App::update`](super::update);
//! read by the view.

use super::cmd::{Cmd, Runner, Setup};
use super::keys::{Context, KeyTable};
use super::msg::{Connection, Msg, Req, SessionRow};
use crate::aws::{AwsOptions, Identity};
use crate::engine::Engine;
use crate::inputs::Inputs;
use crate::model::{Check, Resource, StepId};
use crate::progress::Event;
use crate::session::{Session, SessionHandle, StepStatus};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// How long the wizard stays idle before it re-checks the applied steps.
pub const RECHECK_EVERY: Duration = Duration::from_secs(30);

/// How the app was started.
#[derive(Debug, Clone)]
pub struct Config {
    /// gatewalk's data directory (sessions, sandbox, logs).
    pub home: PathBuf,
    /// How to reach AWS (from --profile / --region / --endpoint-url).
    pub opts: AwsOptions,
    /// Start in the sandbox.
    pub sandbox: bool,
    /// The sandbox's pace, when given with --pace.
    pub pace: Option<crate::sandbox::Pace>,
    /// Go straight into this session.
    pub session: Option<String>,
    /// Key bindings.
    pub keys: KeyTable,
    /// Something to tell the user at start (a broken keys.toml).
    pub notice: Option<String>,
    /// The steps, behind their door (handed over by the binary).
    pub engine: &'static dyn Engine,
}

/// Something loaded in the background.
#[derive(Debug, Clone)]
pub enum Load<T> {
    /// Asked for, not back yet.
    Loading(Instant),
    /// Back.
    Ready(T, Instant),
    /// Failed; the message says why.
    Failed(String),
}

/// The connection's state.
#[derive(Debug, Clone)]
pub enum Conn {
    /// Credentials and clients being set up.
    Connecting,
    /// Ready to call AWS.
    Ready(Connection),
    /// Could not set up; the message says what to do.
    Failed(String),
}

/// The tabs of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Teaching text.
    Explain,
    /// The step's inputs.
    Configure,
    /// What apply will do.
    Plan,
    /// Live checks.
    Checks,
    /// Live resources.
    Live,
}

impl Tab {
    /// All tabs in order.
    pub const ALL: [Tab; 5] = [
        Tab::Explain,
        Tab::Configure,
        Tab::Plan,
        Tab::Checks,
        Tab::Live,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Explain => "Explain",
            Tab::Configure => "Configure",
            Tab::Plan => "Plan",
            Tab::Checks => "Checks",
            Tab::Live => "Live",
        }
    }

    /// The next tab (wrapping).
    pub fn next(self) -> Tab {
        let i = Self::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The previous tab (wrapping).
    pub fn prev(self) -> Tab {
        let i = Self::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

/// Which pane of the wizard has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The step list.
    Steps,
    /// The tab's content.
    Content,
}

/// How a step looks in the sidebar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMark {
    /// Done, every check passed.
    Done,
    /// Done, with checks the emulator could not run.
    DoneWithCaveat,
    /// The next step to do.
    Current,
    /// Applied, but failing.
    Failing,
    /// Being applied now.
    Applying,
    /// After the current step; readable, not yet appliable.
    Locked,
}

/// What runs in the background with the session handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Applying one step.
    Apply(StepId),
    /// Tearing everything down.
    Teardown,
}

/// A running job (its task is held by the [`Runner`]).
#[derive(Debug)]
pub struct Job {
    /// What it is.
    pub kind: JobKind,
    /// When it started.
    pub started: Instant,
    /// The request it answers.
    pub req: Req,
    /// The latest wait, shown with its elapsed time.
    pub waiting: Option<Event>,
    /// Esc was pressed; waiting for the task to let go of the session.
    pub cancelling: bool,
}

/// The Configure tab's form.
#[derive(Debug, Clone, Default)]
pub struct Form {
    /// Selected field.
    pub field: usize,
    /// Text being edited, if editing.
    pub editing: Option<super::text_field::TextField>,
    /// What is wrong with the edited text (checked as you type).
    pub error: Option<String>,
    /// Live candidates for the field being edited (existing roles, clusters).
    pub candidates: Option<Load<Vec<String>>>,
    /// Which candidate is highlighted.
    pub candidate: usize,
    /// Something said about the edit that is not an error (a field moved
    /// along with it).
    pub note: Option<String>,
}

/// The requests a wizard waits for; an answer to any other is stale.
#[derive(Debug, Clone, Default)]
pub struct Pending {
    /// Checks asked for, per step.
    pub checks: BTreeMap<StepId, u64>,
    /// Live resources asked for, per step.
    pub live: BTreeMap<StepId, u64>,
    /// Candidates for the field being edited.
    pub candidates: Option<u64>,
    /// The re-check of every applied step (on open and on `r`), whose
    /// answer replaces "re-checking…" with what it found.
    pub recheck_all: Option<u64>,
}

/// What the last draw learnt about the content pane, for scrolling keys.
#[derive(Debug, Default)]
pub struct Viewport {
    /// Rows the pane shows.
    pub page: Cell<u16>,
    /// Rows of the content, wrapped.
    pub total: Cell<u16>,
}

impl Viewport {
    /// The furthest the content can scroll.
    pub fn max_scroll(&self) -> u16 {
        self.total.get().saturating_sub(self.page.get())
    }
}

/// The open session.
#[derive(Debug)]
pub struct Wizard {
    /// The handle (holds the lock); `None` while a job has it.
    pub handle: Option<Box<SessionHandle>>,
    /// The latest copy of the session, for drawing.
    pub session: Session,
    /// The session's inputs, resolved.
    pub inputs: Inputs,
    /// Selected step.
    pub selected: StepId,
    /// Selected tab.
    pub tab: Tab,
    /// Focused pane.
    pub focus: Focus,
    /// Scroll offset of the content pane.
    pub scroll: u16,
    /// Last checks per step.
    pub checks: BTreeMap<StepId, Load<Vec<Check>>>,
    /// The container's last words, read when a check of step 6, 7 or 10 failed.
    pub diagnosis: Option<super::diagnosis::Diagnosis>,
    /// Last live resources per step.
    pub live: BTreeMap<StepId, Load<Vec<Resource>>>,
    /// What runs now.
    pub job: Option<Job>,
    /// Progress lines of this session's jobs.
    pub log: Vec<Event>,
    /// The Configure form.
    pub form: Form,
    /// Showing the done screen instead of the step tabs.
    pub done_screen: bool,
    /// The requests in flight.
    pub pending: Pending,
    /// When the applied steps were last re-checked:
    /// the idle re-check waits [`RECHECK_EVERY`] from here.
    pub last_recheck: Instant,
    /// The content pane as last drawn.
    pub viewport: Viewport,
    /// What each step's last apply in this run did, when it ended.
    pub last_apply: BTreeMap<StepId, (Instant, Vec<String>)>,
}

impl Wizard {
    /// A wizard on `handle`, landing on the first step not done.
    pub fn new(handle: Box<SessionHandle>) -> Self {
        let session = handle.session().clone();
        let inputs =
            Inputs::resolve(&session, &[]).unwrap_or_else(|_| Inputs::defaults(&session.name));
        let selected = session.current_step().unwrap_or(StepId::Done);
        Self {
            handle: Some(handle),
            session,
            inputs,
            selected,
            tab: Tab::Explain,
            focus: Focus::Steps,
            scroll: 0,
            checks: BTreeMap::new(),
            diagnosis: None,
            live: BTreeMap::new(),
            job: None,
            log: Vec::new(),
            form: Form::default(),
            done_screen: false,
            pending: Pending::default(),
            last_recheck: Instant::now(),
            viewport: Viewport::default(),
            last_apply: BTreeMap::new(),
        }
    }

    /// Selects `step`: its tabs start at the top, its form at its first field.
    pub fn select(&mut self, step: StepId) {
        if self.selected != step {
            self.selected = step;
            self.scroll = 0;
            self.form = Form::default();
        }
    }

    /// The sidebar mark of a step.
    pub fn mark(&self, step: StepId) -> StepMark {
        if self.job.as_ref().map(|j| j.kind) == Some(JobKind::Apply(step)) {
            return StepMark::Applying;
        }
        let rec = self.session.step(step);
        match rec.status {
            StepStatus::Done => {
                if rec.last_checks.as_ref().is_some_and(|c| c.skipped > 0) {
                    StepMark::DoneWithCaveat
                } else {
                    StepMark::Done
                }
            }
            StepStatus::Failed => StepMark::Failing,
            _ if Some(step) == self.session.current_step() => StepMark::Current,
            _ if self.can_apply(step) => StepMark::Current,
            _ => StepMark::Locked,
        }
    }

    /// Whether `step` may be applied now: every earlier step is done, or
    /// was done once and fails now (drift) — the repair may well be a later
    /// step (a route of step 5 pointed elsewhere fails step 3's checks
    /// too). A step that never got done locks every step after it.
    pub fn can_apply(&self, step: StepId) -> bool {
        self.locked_by(step).is_none()
    }

    /// The first earlier step that locks `step`: never applied, or not done
    /// and never got past (no step after it was ever applied, so it was
    /// never done).
    pub fn locked_by(&self, step: StepId) -> Option<StepId> {
        let s = &self.session;
        let applied_after = |x: StepId| {
            StepId::ALL
                .into_iter()
                .any(|t| t > x && s.status(t) != StepStatus::NotStarted)
        };
        StepId::ALL
            .into_iter()
            .take_while(|x| *x < step)
            .find(|x| match s.status(*x) {
                StepStatus::Done => false,
                StepStatus::NotStarted => true,
                _ => !applied_after(*x),
            })
    }

    /// A job gave the handle back: no job runs any more, and every check
    /// asked for before it ended describes the account before it (those
    /// answers will be dropped); the steps they were for.
    pub fn job_ended(&mut self, handle: Box<SessionHandle>) -> Vec<StepId> {
        self.handle = Some(handle);
        self.job = None;
        self.refresh();
        self.pending.recheck_all = None;
        let stale: Vec<StepId> = self.pending.checks.keys().copied().collect();
        self.pending.checks.clear();
        stale
    }

    /// Takes a fresh copy of the session from the handle.
    pub fn refresh(&mut self) {
        if let Some(h) = &self.handle {
            self.session = h.session().clone();
            if let Ok(i) = Inputs::resolve(&self.session, &[]) {
                self.inputs = i;
            }
        }
    }
}

/// Dialogs over the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// Key help.
    Help,
    /// The API call log.
    CallLog {
        /// The highlighted call (0 = the first made); `None` follows the newest.
        selected: Option<usize>,
        /// Showing the highlighted call's parameters and error.
        open: bool,
        /// How far the opened call is scrolled.
        scroll: u16,
    },
    /// Naming a new session.
    NewSession {
        /// Typed so far.
        name: super::text_field::TextField,
        /// What is wrong with it.
        error: Option<String>,
    },
    /// Deleting a session's record.
    ConfirmDelete {
        /// The session.
        name: String,
    },
    /// Teardown: type the session name to confirm.
    ConfirmTeardown {
        /// Typed so far.
        typed: super::text_field::TextField,
    },
    /// Quit while a step runs?
    ConfirmQuit,
    /// Continue a deployment made elsewhere: pick it, name the session.
    Adopt {
        /// The deployment picked (in [`App::adoptable`]).
        picked: usize,
        /// The session name typed so far.
        name: super::text_field::TextField,
        /// What is wrong with the name.
        error: Option<String>,
    },
    /// Apply stopped before changing a resource of yours: change it?
    ConfirmChangeYours {
        /// The step to apply again.
        step: StepId,
        /// The resource and the change, in words ([`crate::session::Consent::change`]).
        what: String,
    },
}

/// The screens.
#[derive(Debug)]
pub enum Screen {
    /// Choosing a session.
    Picker,
    /// Walking a session's steps.
    Wizard(Box<Wizard>),
}

/// The whole app.
#[derive(Debug)]
pub struct App {
    /// How it was started.
    pub config: Config,
    /// Current screen.
    pub screen: Screen,
    /// The connection.
    pub conn: Conn,
    /// Who the credentials belong to.
    pub identity: Option<Result<Identity, String>>,
    /// Sessions on disk.
    pub sessions: Vec<SessionRow>,
    /// Selected row of the picker.
    pub picked: usize,
    /// A dialog, if one is open.
    pub overlay: Option<Overlay>,
    /// The last thing to tell the user (shown above the footer).
    pub notice: Option<Notice>,
    /// Spinner frame, advanced on every tick.
    pub frame: usize,
    /// Set when the app should end.
    pub quit: bool,
    /// Frames drawn (the responsiveness test counts them).
    pub frames_drawn: u64,
    /// Deployments found in the account for the adopt dialog.
    pub adoptable: Option<Load<Vec<crate::discover::Deployment>>>,
    /// The screen's generation: it changes whenever a session is opened or
    /// closed, and answers to an older one are dropped.
    pub generation: u64,
    /// The last request number handed out.
    pub last_req: u64,
    /// The open (or adopt) the picker waits for; another is not started
    /// meanwhile.
    pub picker_req: Option<u64>,
    /// The look for deployments the adopt dialog waits for.
    pub discover_req: Option<u64>,
    /// The connection attempt whose answers are wanted.
    pub conn_epoch: u64,
    /// Commands asked for during this update (returned by it).
    pub cmds: Vec<Cmd>,
    /// Runs the commands.
    pub runner: Runner,
    /// The connection being made (or last made) is the sandbox.
    pub sandbox_asked: bool,
}

/// Something to tell the user, by how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Where things are.
    Info(String),
    /// Something finished well.
    Success(String),
    /// Worth knowing; nothing failed.
    Warn(String),
    /// Something failed.
    Error(String),
}

impl Notice {
    /// The text.
    pub fn text(&self) -> &str {
        match self {
            Notice::Info(t) | Notice::Success(t) | Notice::Warn(t) | Notice::Error(t) => t,
        }
    }
}

impl App {
    /// A new app; call [`App::start`] to begin connecting.
    pub fn new(config: Config, tx: UnboundedSender<Msg>) -> Self {
        let notice = config.notice.clone().map(Notice::Warn);
        let runner = Runner::new(
            tx,
            Setup {
                home: config.home.clone(),
                opts: config.opts.clone(),
                pace: config.pace,
                engine: config.engine,
            },
        );
        Self {
            config,
            screen: Screen::Picker,
            conn: Conn::Connecting,
            identity: None,
            sessions: Vec::new(),
            picked: 0,
            overlay: None,
            notice,
            frame: 0,
            quit: false,
            frames_drawn: 0,
            adoptable: None,
            generation: 0,
            last_req: 0,
            picker_req: None,
            discover_req: None,
            conn_epoch: 0,
            cmds: Vec::new(),
            runner,
            sandbox_asked: false,
        }
    }

    /// The key context of the current screen.
    pub fn context(&self) -> Context {
        match &self.screen {
            Screen::Picker => Context::Picker,
            Screen::Wizard(w) if w.done_screen => Context::Done,
            Screen::Wizard(_) => Context::Wizard,
        }
    }

    /// The open wizard, if any.
    pub fn wizard(&self) -> Option<&Wizard> {
        match &self.screen {
            Screen::Wizard(w) => Some(w),
            Screen::Picker => None,
        }
    }

    /// The connection, when ready.
    pub fn connection(&self) -> Option<&Connection> {
        match &self.conn {
            Conn::Ready(c) => Some(c),
            _ => None,
        }
    }

    /// Tells the user something.
    pub fn notify(&mut self, n: Notice) {
        self.notice = Some(n);
    }

    /// Tells the user where things are.
    pub fn info(&mut self, text: impl Into<String>) {
        self.notify(Notice::Info(text.into()));
    }

    /// Tells the user what failed.
    pub fn error(&mut self, text: impl Into<String>) {
        self.notify(Notice::Error(text.into()));
    }

    /// A new request of the current screen.
    pub fn req(&mut self) -> Req {
        self.last_req += 1;
        Req {
            generation: self.generation,
            id: self.last_req,
        }
    }

    /// Whether an answer to `req` is still wanted by this screen.
    pub fn current(&self, req: Req) -> bool {
        req.generation == self.generation
    }

    /// Moves to `screen`: a new generation, so every answer still on its
    /// way to the old screen is dropped and its tasks are aborted.
    pub fn show(&mut self, screen: Screen) {
        self.screen = screen;
        self.generation += 1;
        self.picker_req = None;
        self.runner.forget_before(self.generation);
    }

    /// Asks for `cmd` (run once this update returns).
    pub fn ask(&mut self, cmd: Cmd) {
        self.cmds.push(cmd);
    }
}
