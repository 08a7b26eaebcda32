//! How the app reacts to each message. Nothing here waits for AWS: requests
//! start tasks (see [`super::tasks`]) and their results arrive as messages.

use super::app::{App, Conn, Load, Screen, Tab, Wizard};
use super::msg::Msg;
use super::tasks;
use crate::model::StepId;
use crate::progress::Event;
use crate::session::StepStatus;
use std::time::Instant;

/// Progress lines kept per session.
const LOG_LINES: usize = 500;

impl App {
    /// Starts connecting and listing sessions.
    pub fn start(&mut self) {
        tasks::list_sessions(&self.tx, self.config.home.clone());
        tasks::connect(
            &self.tx,
            self.config.home.clone(),
            self.config.opts.clone(),
            self.config.sandbox,
            self.config.pace,
            self.config.engine,
        );
    }

    /// Applies one message.
    #[expect(clippy::too_many_lines, reason = "one arm per engine event")]
    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Key(k) => self.on_key(k),
            Msg::Tick => self.frame = self.frame.wrapping_add(1),
            Msg::Connected(Ok(c)) => {
                self.conn = Conn::Ready(c);
                self.identity = None;
                if let Some(name) = self.config.session.take() {
                    self.open_session(name);
                }
            }
            Msg::Connected(Err(e)) => {
                self.conn = Conn::Failed(e);
                self.config.session = None;
            }
            Msg::Identity(r) => self.identity = Some(r),
            Msg::Sessions(rows) => {
                self.sessions = rows;
                self.picked = self.picked.min(self.sessions.len().saturating_sub(1));
            }
            Msg::Opened(Ok(h)) => {
                let crashed = h
                    .took_over_from()
                    .map(|pid| format!(" (a run, pid {pid}, stopped before finishing; continuing)"))
                    .unwrap_or_default();
                let w = Wizard::new(h);
                let next = w.selected;
                self.say(
                    format!(
                        "session `{}`: step {} ({}) is next; re-checking what is done…{crashed}",
                        w.session.name,
                        next.number(),
                        next.title()
                    ),
                    false,
                );
                self.screen = Screen::Wizard(Box::new(w));
                self.revalidate_applied();
            }
            Msg::Opened(Err(e)) => self.say(e, true),
            Msg::Discovered(r) => self.on_discovered(r),
            Msg::Progress(e) => self.on_progress(e),
            Msg::Applied {
                step,
                result,
                ask,
                handle,
            } => {
                self.on_applied(step, result, handle);
                if let Some(what) = ask {
                    self.overlay = Some(super::app::Overlay::ConfirmChangeYours { step, what });
                }
            }
            Msg::Validated(results) => self.on_validated(results),
            Msg::Inspected(step, r) => {
                if let Screen::Wizard(w) = &mut self.screen {
                    w.live.insert(step, load(r));
                }
            }
            Msg::Candidates { field, result } => {
                if let Screen::Wizard(w) = &mut self.screen
                    && w.form.editing.is_some()
                    && current_field(w) == Some(field)
                {
                    w.form.candidates = Some(load(result));
                    w.form.candidate = 0;
                }
            }
            Msg::TornDown { result, handle } => {
                let Screen::Wizard(w) = &mut self.screen else {
                    return;
                };
                w.handle = Some(handle);
                w.job = None;
                w.refresh();
                w.checks.clear();
                w.live.clear();
                match result {
                    Ok(left) if left.is_empty() => {
                        let n = w.session.name.clone();
                        self.say(
                            format!(
                                "teardown finished: nothing tagged gatewalk:session={n} remains"
                            ),
                            false,
                        );
                    }
                    Ok(left) => self.say(
                        format!(
                            "teardown finished, but {} resources still carry the tag; run it again",
                            left.len()
                        ),
                        true,
                    ),
                    Err(e) => self.say(e, true),
                }
            }
            Msg::Reopened(r) => {
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
                        self.say(
                            "stopped. Everything created so far is saved; apply again to continue",
                            false,
                        );
                    }
                    Err(e) => {
                        self.screen = Screen::Picker;
                        self.say(
                            format!("stopped, but the session could not be reopened: {e}"),
                            true,
                        );
                        tasks::list_sessions(&self.tx, self.config.home.clone());
                    }
                }
            }
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
        result: Result<Vec<crate::model::Check>, String>,
        handle: Box<crate::session::SessionHandle>,
    ) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        w.handle = Some(handle);
        w.job = None;
        w.refresh();
        w.live.remove(&step);
        match result {
            Ok(checks) => {
                w.checks.insert(step, Load::Ready(checks, Instant::now()));
                let msg = if step == StepId::Done {
                    w.done_screen = true;
                    "all ten steps are done".to_string()
                } else {
                    if w.selected == step
                        && let Some(next) = w.session.current_step()
                    {
                        w.selected = next;
                        w.scroll = 0;
                    }
                    format!(
                        "step {} done; step {} unlocked",
                        step.number(),
                        step.number() + 1
                    )
                };
                self.say(msg, false);
            }
            Err(e) => {
                w.tab = Tab::Checks;
                self.say(e, true);
                self.request_checks(step);
            }
        }
    }

    pub(super) fn on_validated(
        &mut self,
        results: Vec<(StepId, Result<Vec<crate::model::Check>, String>)>,
    ) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        for (step, r) in results {
            if let (Ok(checks), Some(h)) = (&r, w.handle.as_mut()) {
                h.session_mut().record_checks(step, checks);
            }
            w.checks.insert(step, load(r));
        }
        if let Some(h) = w.handle.as_mut()
            && let Err(e) = h.save()
        {
            self.say(e.to_string(), true);
            return;
        }
        w.refresh();
        let failing: Vec<String> = StepId::ALL
            .iter()
            .filter(|s| w.session.status(**s) == StepStatus::Failed)
            .map(|s| s.number().to_string())
            .collect();
        if !failing.is_empty() {
            self.say(
                format!(
                    "step {} fails its checks now (changed outside gatewalk?) — see its Checks tab",
                    failing.join(", ")
                ),
                true,
            );
        }
    }

    /// Re-checks every applied step in the background (resume, drift).
    pub(super) fn revalidate_applied(&mut self) {
        let Some(conn) = self.connection().cloned() else {
            return;
        };
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let steps: Vec<StepId> = StepId::ALL
            .into_iter()
            .filter(|s| w.session.status(*s) != StepStatus::NotStarted)
            .collect();
        if steps.is_empty() {
            return;
        }
        for s in &steps {
            w.checks.insert(*s, Load::Loading(Instant::now()));
        }
        tasks::validate(&self.tx, conn, w.session.clone(), w.inputs.clone(), steps);
    }

    pub(super) fn request_checks(&mut self, step: StepId) {
        let Some(conn) = self.connection().cloned() else {
            return;
        };
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        w.checks.insert(step, Load::Loading(Instant::now()));
        tasks::validate(
            &self.tx,
            conn,
            w.session.clone(),
            w.inputs.clone(),
            vec![step],
        );
    }

    pub(super) fn request_live(&mut self, step: StepId) {
        let Some(conn) = self.connection().cloned() else {
            return;
        };
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        w.live.insert(step, Load::Loading(Instant::now()));
        tasks::inspect(&self.tx, conn, w.session.clone(), w.inputs.clone(), step);
    }

    /// Loads what the visible tab needs and does not have yet.
    pub(super) fn on_view_change(&mut self) {
        let Screen::Wizard(w) = &self.screen else {
            return;
        };
        let step = w.selected;
        let applied = w.session.status(step) != StepStatus::NotStarted;
        match w.tab {
            Tab::Checks if applied && !w.checks.contains_key(&step) => self.request_checks(step),
            Tab::Live if !w.live.contains_key(&step) => self.request_live(step),
            _ => {}
        }
    }

    /// Opens `name`, reconnecting first when it lives elsewhere (sandbox or AWS).
    pub fn open_session(&mut self, name: String) {
        if let Err(e) = crate::session::validate_name(&name) {
            return self.say(e, true);
        }
        let in_sandbox = self
            .sessions
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.session.as_ref().ok())
            .map(|s| s.sandbox_instance.is_some());
        let Some(conn) = self.connection().cloned() else {
            if matches!(self.conn, Conn::Connecting) {
                self.config.session = Some(name); // opened once connected
            } else {
                self.say(
                    "not connected to AWS; press s to use the local sandbox",
                    true,
                );
            }
            return;
        };
        let here = conn.sandbox.is_some();
        match in_sandbox {
            Some(there) if there != here => {
                self.config.session = Some(name);
                self.reconnect(there);
            }
            _ => {
                self.say(format!("opening session `{name}`…"), false);
                tasks::open(&self.tx, self.config.home.clone(), name, conn);
            }
        }
    }

    pub(super) fn reconnect(&mut self, sandbox: bool) {
        self.conn = Conn::Connecting;
        self.identity = None;
        self.say(
            if sandbox {
                "starting the local sandbox…"
            } else {
                "connecting to AWS…"
            },
            false,
        );
        tasks::connect(
            &self.tx,
            self.config.home.clone(),
            self.config.opts.clone(),
            sandbox,
            self.config.pace,
            self.config.engine,
        );
    }
}

pub(super) fn current_field(w: &Wizard) -> Option<&'static str> {
    crate::inputs::Inputs::fields(w.selected)
        .get(w.form.field)
        .map(|f| f.name)
}

fn load<T>(r: Result<T, String>) -> Load<T> {
    match r {
        Ok(v) => Load::Ready(v, Instant::now()),
        Err(e) => Load::Failed(e),
    }
}
