//! How the app reacts to each message. Nothing here waits for AWS or spawns
//! anything: `update` returns the commands it wants run, and
//! [`App::handle`] hands them to the one runner. Every answer carries the
//! request that asked for it and is dropped when that request is no longer
//! current (another session opened, a newer request for the same thing).

use super::app::{App, Conn, Load, Notice, Overlay, Screen, Tab, Wizard};
use super::cmd::Cmd;
use super::keys::Action;
use super::msg::{Msg, Req};
use crate::Error;
use crate::model::StepId;
use crate::progress::Event;
use crate::session::StepStatus;
use std::time::Instant;

/// Progress lines kept per session.
const LOG_LINES: usize = 500;

impl App {
    /// Starts connecting and listing sessions.
    pub fn start(&mut self) {
        self.sandbox_asked = self.config.sandbox;
        self.ask(Cmd::ListSessions);
        self.ask(Cmd::Connect {
            sandbox: self.config.sandbox,
            epoch: self.conn_epoch,
        });
        self.run_asked();
    }

    /// Applies one message and runs the commands it asked for.
    pub fn handle(&mut self, msg: Msg) {
        let cmds = self.update(msg);
        for c in cmds {
            self.runner.run(c, self.generation);
        }
        self.runner.forget_before(self.generation);
    }

    fn run_asked(&mut self) {
        for c in std::mem::take(&mut self.cmds) {
            self.runner.run(c, self.generation);
        }
    }

    /// Applies one message; returns the commands it asks for.
    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Key(k) => self.on_key(k),
            Msg::Tick => {
                self.frame = self.frame.wrapping_add(1);
                self.recheck_when_idle();
            }
            Msg::Connected(epoch, r) if epoch == self.conn_epoch => self.on_connected(r),
            Msg::Identity(epoch, r) if epoch == self.conn_epoch => {
                self.identity = Some(r.map_err(|e| e.to_string()));
            }
            Msg::Sessions(rows) => {
                self.sessions = rows;
                self.picked = self.picked.min(self.sessions.len().saturating_sub(1));
            }
            Msg::Opened(req, r) if self.picker_req == Some(req.id) && self.current(req) => {
                self.on_opened(r);
            }
            Msg::Discovered(req, r) if self.discover_req == Some(req.id) && self.current(req) => {
                self.on_discovered(r.map_err(|e| e.to_string()));
            }
            Msg::Progress(req, e) if req.is_none_or(|r| self.current(r)) => self.on_progress(e),
            Msg::Applied {
                req,
                step,
                result,
                handle,
                changes,
            } if self.current(req) => self.on_applied(step, result, handle, &changes),
            Msg::Validated(req, results) if self.current(req) => self.on_validated(req, results),
            Msg::Diagnosed(req, d) if self.current(req) => {
                if let Screen::Wizard(w) = &mut self.screen {
                    w.diagnosis = Some(*d);
                }
            }
            Msg::Inspected(req, step, r) if self.current(req) => {
                if let Screen::Wizard(w) = &mut self.screen
                    && w.pending.live.get(&step) == Some(&req.id)
                {
                    w.pending.live.remove(&step);
                    w.live.insert(step, load(r));
                }
            }
            Msg::Candidates { req, field, result } if self.current(req) => {
                if let Screen::Wizard(w) = &mut self.screen
                    && w.pending.candidates == Some(req.id)
                    && current_field(w) == Some(field)
                {
                    w.pending.candidates = None;
                    w.form.candidates = Some(load(result));
                    w.form.candidate = 0;
                }
            }
            Msg::TornDown {
                req,
                result,
                handle,
                changes,
            } if self.current(req) => self.on_torn_down(result, handle, &changes),
            Msg::Reopened(req, r) if self.current(req) => self.on_reopened(r),
            stale => tracing::debug!("dropped an answer for a screen that is gone: {stale:?}"),
        }
        std::mem::take(&mut self.cmds)
    }

    fn on_connected(&mut self, r: Result<super::msg::Connection, Error>) {
        match r {
            Ok(c) => {
                self.conn = Conn::Ready(c);
                self.identity = None;
                if let Some(name) = self.config.session.take() {
                    self.open_session(name);
                }
            }
            Err(e) => {
                self.conn = Conn::Failed(e.to_string());
                // A session asked for that lives in the sandbox opens there
                // (as the CLI does); another one says why it cannot open.
                // (Not when it was the sandbox that failed: no loop.)
                if !self.sandbox_asked
                    && let Some(name) = self.config.session.take()
                {
                    self.open_session(name);
                } else {
                    self.config.session = None;
                }
            }
        }
    }

    fn on_opened(&mut self, r: Result<Box<crate::session::SessionHandle>, Error>) {
        self.picker_req = None;
        let h = match r {
            Ok(h) => h,
            Err(e) => return self.error(e.to_string()),
        };
        let crashed = h
            .took_over_from()
            .map(|pid| format!(" (a run, pid {pid}, stopped before finishing; continuing)"))
            .unwrap_or_default();
        let w = Wizard::new(h);
        let name = w.session.name.clone();
        let applied = w.session.applied().len();
        self.show(Screen::Wizard(Box::new(w)));
        if applied == 0 {
            let keys = &self.config.keys;
            let (tab, apply) = (keys.first(Action::NextTab), keys.first(Action::Apply));
            self.info(format!(
                "session `{name}`: step 1 is next — {tab} shows its tabs, {apply} applies it{crashed}"
            ));
        } else {
            self.info(format!(
                "session `{name}`: re-checking the {applied} applied step{} against the account…{crashed}",
                if applied == 1 { "" } else { "s" }
            ));
            self.recheck_all(true);
        }
    }

    pub(super) fn on_progress(&mut self, e: Event) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        if let Some(job) = &mut w.job {
            job.waiting = matches!(e, Event::Waiting { .. }).then(|| e.clone());
        }
        if let Some(Event::Waiting { what, .. }) = w.log.last()
            && let Event::Waiting { what: new, .. } = &e
            && what == new
        {
            w.log.pop(); // one line per wait, updated in place
        }
        w.log.push(e);
        if w.log.len() > LOG_LINES {
            w.log.drain(..w.log.len() - LOG_LINES);
        }
    }

    pub(super) fn on_applied(
        &mut self,
        step: StepId,
        result: Result<Vec<crate::model::Check>, Error>,
        handle: Box<crate::session::SessionHandle>,
        changes: &[Event],
    ) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        // What was asked before the apply ended describes the account
        // before it: those answers are dropped, and asked again below.
        let stale = w.job_ended(handle);
        w.pending.live.remove(&step);
        w.live.remove(&step);
        let lines = super::words::change_lines(changes);
        match result {
            Ok(checks) => {
                if !lines.is_empty() {
                    w.last_apply.insert(step, (Instant::now(), lines.clone()));
                }
                w.checks.insert(step, Load::Ready(checks, Instant::now()));
                let did = match lines.len() {
                    0 | 1 => super::words::changes(changes),
                    _ => format!(
                        "{} (step {}'s Checks tab lists them)",
                        super::words::changes(changes),
                        step.number()
                    ),
                };
                let msg = if step == StepId::Done {
                    w.done_screen = true;
                    w.scroll = 0;
                    format!("all ten steps are done — {did}")
                } else {
                    // The next step after this one still to do (an earlier
                    // one this apply repaired turns green once re-checked).
                    let next = StepId::ALL
                        .into_iter()
                        .find(|s| *s > step && w.session.status(*s) != StepStatus::Done)
                        .or_else(|| w.session.current_step());
                    if w.selected == step
                        && let Some(next) = next
                    {
                        w.select(next);
                    }
                    match next {
                        Some(n) if n > step => {
                            format!(
                                "step {} done — {did}; step {} is next",
                                step.number(),
                                n.number()
                            )
                        }
                        _ => format!("step {} done — {did}", step.number()),
                    }
                };
                self.notify(Notice::Success(msg));
                // A repair may have mended earlier steps that failed.
                self.recheck_failing(stale, step);
                self.on_view_change();
            }
            Err(Error::NeedsConsent { noun, id, what }) => {
                let what = crate::session::Consent::change(&noun, &id, &what);
                self.info("waiting for your answer: nothing of yours has changed yet");
                self.overlay = Some(Overlay::ConfirmChangeYours { step, what });
            }
            Err(e) => {
                w.tab = Tab::Checks;
                w.scroll = 0;
                self.error(e.to_string());
                self.request_checks(step);
                self.recheck_failing(stale, step);
            }
        }
    }

    fn on_torn_down(
        &mut self,
        result: Result<Vec<crate::aws::find::Tagged>, Error>,
        handle: Box<crate::session::SessionHandle>,
        changes: &[Event],
    ) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        w.job_ended(handle);
        w.checks.clear();
        w.live.clear();
        w.pending = super::app::Pending::default();
        let n = w.session.name.clone();
        match result {
            Ok(left) if left.is_empty() => self.notify(Notice::Success(format!(
                "teardown finished ({}): nothing tagged gatewalk:session={n} remains",
                super::words::changes(changes)
            ))),
            Ok(left) => self.error(format!(
                "teardown finished, but {} resources still carry the tag; run it again",
                left.len()
            )),
            Err(e) => self.error(e.to_string()),
        }
    }

    fn on_reopened(&mut self, r: Result<Box<crate::session::SessionHandle>, Error>) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        if w.handle.is_some() {
            return; // the task finished before it could be stopped
        }
        match r {
            Ok(h) => {
                w.handle = Some(h);
                w.job = None;
                w.refresh();
                self.info("stopped. Everything created so far is saved; apply again to continue");
            }
            Err(e) => {
                self.show(Screen::Picker);
                self.error(format!(
                    "stopped, but the session could not be reopened: {e}"
                ));
                self.ask(Cmd::ListSessions);
            }
        }
    }

    pub(super) fn on_validated(
        &mut self,
        req: Req,
        results: Vec<(StepId, Result<Vec<crate::model::Check>, Error>)>,
    ) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        if w.handle.is_none() {
            // A job holds the session and changes the account: this answer
            // was asked before it and is asked again when the job ends.
            return;
        }
        let failing_before = w.session.failing();
        // Steps that could not be checked (an AWS error): never counted
        // as passing.
        let mut unjudged: Vec<(StepId, String)> = Vec::new();
        for (step, r) in results {
            if w.pending.checks.get(&step) != Some(&req.id) {
                continue; // superseded (an apply, a newer re-check)
            }
            w.pending.checks.remove(&step);
            match (&r, w.handle.as_mut()) {
                (Ok(checks), Some(h)) => h.session_mut().record_checks(step, checks),
                (Err(e), _) => unjudged.push((step, crate::text::one_line(&e.to_string()))),
                (Ok(_), None) => {} // not reached: a job's answers return above
            }
            w.checks.insert(step, load(r));
        }
        if let Some(h) = w.handle.as_mut()
            && let Err(e) = h.save()
        {
            return self.error(e.to_string());
        }
        w.refresh();
        let all = w.pending.recheck_all == Some(req.id);
        if all {
            w.pending.recheck_all = None;
        }
        let failing = w.session.failing();
        let newly: Vec<StepId> = failing
            .iter()
            .filter(|s| !failing_before.contains(s))
            .copied()
            .collect();
        let (next, applied) = (w.session.current_step(), w.session.applied().len());
        if let Some((_, why)) = unjudged.first() {
            let steps: Vec<StepId> = unjudged.iter().map(|(s, _)| *s).collect();
            self.notify(Notice::Warn(format!(
                "could not check {}: {why}",
                super::words::steps(&steps)
            )));
        } else if !newly.is_empty() || (all && !failing.is_empty()) {
            let shown = if newly.is_empty() { &failing } else { &newly };
            self.notify(Notice::Warn(super::words::failing(shown)));
        } else if all {
            let passed = match applied {
                1 => "the applied step passes its checks".to_string(),
                n => format!("all {n} applied steps pass their checks"),
            };
            self.notify(Notice::Success(match next {
                Some(n) => format!("{passed}; step {} ({}) is next", n.number(), n.title()),
                None => "all ten steps pass their checks".to_string(),
            }));
        }
    }

    /// Re-checks every applied step in the background (open, `r`, idle);
    /// `announce`: say what it found when it is back.
    pub(super) fn recheck_all(&mut self, announce: bool) {
        let steps = match &self.screen {
            Screen::Wizard(w) => w.session.applied(),
            Screen::Picker => return,
        };
        let id = self.validate(steps);
        if let (Some(id), true, Screen::Wizard(w)) = (id, announce, &mut self.screen) {
            w.pending.recheck_all = Some(id);
        }
    }

    /// After an apply of `applied`: re-checks the steps that fail now (it
    /// may have mended them) and those whose answers were dropped as stale.
    fn recheck_failing(&mut self, stale: Vec<StepId>, applied: StepId) {
        if let Screen::Wizard(w) = &self.screen {
            let mut steps = w.session.failing();
            steps.extend(stale);
            steps.retain(|s| *s != applied);
            steps.sort();
            steps.dedup();
            self.validate(steps);
        }
    }

    /// Every 30 s with nothing running: re-check the applied steps and
    /// refresh the selected step's live resources if they are shown.
    fn recheck_when_idle(&mut self) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let busy = w.job.is_some() || !w.pending.checks.is_empty() || self.overlay.is_some();
        if busy || w.last_recheck.elapsed() < super::app::RECHECK_EVERY {
            return;
        }
        w.last_recheck = Instant::now();
        let (step, live) = (w.selected, w.tab == Tab::Live);
        self.recheck_all(false);
        if live {
            self.request_live(step);
        }
    }

    /// Asks for the checks of `steps`; the request's id, if one was made.
    fn validate(&mut self, steps: Vec<StepId>) -> Option<u64> {
        let conn = self.connection().cloned()?;
        if steps.is_empty() {
            return None;
        }
        let req = self.req();
        let Screen::Wizard(w) = &mut self.screen else {
            return None;
        };
        w.last_recheck = Instant::now();
        for s in &steps {
            w.pending.checks.insert(*s, req.id);
            if !matches!(w.checks.get(s), Some(Load::Ready(..))) {
                w.checks.insert(*s, Load::Loading(Instant::now()));
            }
        }
        let (session, inputs) = (w.session.clone(), w.inputs.clone());
        self.ask(Cmd::Validate(
            req,
            conn,
            Box::new(session),
            Box::new(inputs),
            steps,
        ));
        Some(req.id)
    }

    /// Re-checks `step`, keeping what it showed until the answer is back.
    pub(super) fn request_checks_quietly(&mut self, step: StepId) {
        self.validate(vec![step]);
    }

    pub(super) fn request_checks(&mut self, step: StepId) {
        if let Screen::Wizard(w) = &mut self.screen {
            w.checks.insert(step, Load::Loading(Instant::now()));
        }
        self.validate(vec![step]);
    }

    pub(super) fn request_live(&mut self, step: StepId) {
        let Some(conn) = self.connection().cloned() else {
            return;
        };
        let req = self.req();
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        if !matches!(w.live.get(&step), Some(Load::Ready(..))) {
            w.live.insert(step, Load::Loading(Instant::now()));
        }
        w.pending.live.insert(step, req.id);
        let (session, inputs) = (w.session.clone(), w.inputs.clone());
        self.ask(Cmd::Inspect(
            req,
            conn,
            Box::new(session),
            Box::new(inputs),
            step,
        ));
    }

    /// Loads what the visible tab needs and does not have yet.
    pub(super) fn on_view_change(&mut self) {
        let Screen::Wizard(w) = &self.screen else {
            return;
        };
        let step = w.selected;
        if w.tab == Tab::Live && !w.live.contains_key(&step) && !w.pending.live.contains_key(&step)
        {
            self.request_live(step);
        }
    }

    /// Opens `name`, reconnecting first when it lives elsewhere (sandbox or
    /// AWS) — also when AWS could not be reached and the session lives in
    /// the sandbox.
    pub fn open_session(&mut self, name: String) {
        if let Err(e) = crate::session::validate_name(&name) {
            return self.error(e);
        }
        // A session of the classroom while not seated there, or of the local
        // sandbox while seated: opening it would start it over.
        let seat = crate::classroom::seat(&self.config.home).ok().flatten();
        let saved = crate::session::Store::new(&self.config.home)
            .load(&name)
            .ok();
        if let Some(Err(e)) = saved
            .as_ref()
            .map(|s| crate::classroom::where_it_lives(s, seat.as_ref()))
        {
            return self.error(e);
        }
        // Where it lives: from the list, or (before the list is back) from
        // its file — a small read, no AWS.
        let in_sandbox = self
            .sessions
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.session.as_ref().ok())
            .map(|s| s.sandbox_instance.is_some())
            .or_else(|| saved.as_ref().map(|s| s.sandbox_instance.is_some()));
        let Some(conn) = self.connection().cloned() else {
            if matches!(self.conn, Conn::Connecting) {
                self.config.session = Some(name); // opened once connected
            } else if in_sandbox == Some(true) {
                self.config.session = Some(name);
                self.reconnect(true);
            } else {
                let key = self.config.keys.label(super::keys::Action::Sandbox);
                self.error(format!(
                    "not connected to AWS (see the header); press {key} to use the local sandbox"
                ));
            }
            return;
        };
        let here = conn.sandbox.is_some();
        match in_sandbox {
            Some(there) if there != here => {
                self.config.session = Some(name);
                self.reconnect(there);
            }
            _ if self.picker_req.is_some() => {
                self.info("a session is being opened; one moment");
            }
            _ => {
                self.info(format!("opening session `{name}`…"));
                let req = self.req();
                self.picker_req = Some(req.id);
                self.ask(Cmd::Open(req, conn, name));
            }
        }
    }

    pub(super) fn reconnect(&mut self, sandbox: bool) {
        // A new attempt: answers of the old one (its identity, a session it
        // was opening) are dropped, so nothing ends up on the wrong backend.
        self.conn_epoch += 1;
        self.generation += 1;
        self.picker_req = None;
        self.discover_req = None;
        self.runner.forget_before(self.generation);
        self.conn = Conn::Connecting;
        self.sandbox_asked = sandbox;
        self.identity = None;
        self.info(if sandbox {
            "starting the local sandbox…"
        } else {
            "connecting to AWS…"
        });
        let epoch = self.conn_epoch;
        self.ask(Cmd::Connect { sandbox, epoch });
    }
}

pub(super) fn current_field(w: &Wizard) -> Option<&'static str> {
    crate::inputs::Inputs::fields(w.selected)
        .get(w.form.field)
        .map(|f| f.name)
}

fn load<T>(r: Result<T, Error>) -> Load<T> {
    match r {
        Ok(v) => Load::Ready(v, Instant::now()),
        Err(e) => Load::Failed(e.to_string()),
    }
}
