//! What each key does on the picker and the wizard: moving, switching tabs,
//! starting and stopping jobs. Text entry (dialogs, the form) is in
//! [`super::edit`].

use super::app::{App, Focus, Form, Job, JobKind, Overlay, Screen, Tab};
use super::keys::Action;
use super::tasks;
use crate::model::StepId;
use crate::session::StepStatus;
use crossterm::event::{KeyEvent, KeyEventKind};
use std::time::Instant;

impl App {
    pub(super) fn on_key(&mut self, k: KeyEvent) {
        if k.kind != KeyEventKind::Press {
            return;
        }
        if let Some(ov) = self.overlay.clone() {
            return self.on_overlay_key(ov, k);
        }
        if let Screen::Wizard(w) = &self.screen
            && w.form.editing.is_some()
        {
            return self.on_edit_key(k);
        }
        let Some(action) = self.config.keys.action(self.context(), &k) else {
            return;
        };
        match action {
            Action::Quit => {
                if self.wizard().is_some_and(|w| w.job.is_some()) {
                    self.overlay = Some(Overlay::ConfirmQuit);
                } else {
                    self.quit = true;
                }
            }
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::CallLog => self.overlay = Some(Overlay::CallLog),
            _ if matches!(self.screen, Screen::Picker) => self.on_picker_action(action),
            _ => self.on_wizard_action(action),
        }
    }

    pub(super) fn on_picker_action(&mut self, action: Action) {
        match action {
            Action::Up => self.picked = self.picked.saturating_sub(1),
            Action::Down => {
                self.picked = (self.picked + 1).min(self.sessions.len().saturating_sub(1));
            }
            Action::Select => {
                if let Some(row) = self.sessions.get(self.picked) {
                    let name = row.name.clone();
                    self.open_session(name);
                } else {
                    self.overlay = Some(Overlay::NewSession {
                        name: String::new(),
                        error: None,
                    });
                }
            }
            Action::NewSession => {
                self.overlay = Some(Overlay::NewSession {
                    name: String::new(),
                    error: None,
                });
            }
            Action::DeleteSession => {
                if let Some(row) = self.sessions.get(self.picked) {
                    self.overlay = Some(Overlay::ConfirmDelete {
                        name: row.name.clone(),
                    });
                }
            }
            Action::Sandbox => self.reconnect(true),
            Action::Adopt => self.start_adopt(),
            _ => {}
        }
    }

    #[expect(clippy::too_many_lines, reason = "one arm per key action")]
    pub(super) fn on_wizard_action(&mut self, action: Action) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        match action {
            Action::Up | Action::Down => {
                let down = action == Action::Down;
                match (w.focus, w.tab) {
                    (Focus::Steps, _) if !w.done_screen => {
                        let i = w.selected.number() - 1;
                        let j = if down {
                            (i + 1).min(9)
                        } else {
                            i.saturating_sub(1)
                        };
                        if i != j {
                            w.selected = StepId::ALL[j];
                            w.scroll = 0;
                            w.form = Form::default();
                            self.on_view_change();
                        }
                    }
                    (Focus::Content, Tab::Configure) => {
                        let n = crate::inputs::Inputs::fields(w.selected).len();
                        w.form.field = if down {
                            (w.form.field + 1).min(n.saturating_sub(1))
                        } else {
                            w.form.field.saturating_sub(1)
                        };
                    }
                    _ => {
                        w.scroll = if down {
                            w.scroll.saturating_add(1)
                        } else {
                            w.scroll.saturating_sub(1)
                        }
                    }
                }
            }
            Action::Left => w.focus = Focus::Steps,
            Action::Right => w.focus = Focus::Content,
            Action::NextTab | Action::PrevTab => {
                w.tab = if action == Action::NextTab {
                    w.tab.next()
                } else {
                    w.tab.prev()
                };
                w.scroll = 0;
                w.done_screen = false;
                self.on_view_change();
            }
            Action::Select => {
                if w.tab == Tab::Configure && w.focus == Focus::Content {
                    self.start_edit();
                } else {
                    w.focus = Focus::Content;
                }
            }
            Action::Back => {
                if w.job.is_some() {
                    self.cancel_job();
                } else if w.done_screen {
                    w.done_screen = false;
                } else if w.focus == Focus::Content {
                    w.focus = Focus::Steps;
                } else {
                    // Closing the wizard drops the handle, releasing the lock.
                    self.screen = Screen::Picker;
                    tasks::list_sessions(&self.tx, self.config.home.clone());
                }
            }
            Action::Apply => self.start_apply(),
            Action::Recheck => {
                let step = w.selected;
                if w.session.status(step) == StepStatus::NotStarted {
                    self.request_live(step);
                    self.say(
                        format!("step {} has not been applied yet", step.number()),
                        false,
                    );
                } else {
                    self.request_checks(step);
                    self.request_live(step);
                }
            }
            Action::DoneScreen => {
                if w.session.status(StepId::Done) == StepStatus::Done {
                    w.done_screen = true;
                } else {
                    self.say("the done screen opens once all ten steps are done", false);
                }
            }
            Action::Teardown => {
                if w.job.is_some() {
                    self.say(
                        "wait for the running step to finish (or Esc to stop it)",
                        true,
                    );
                } else {
                    self.overlay = Some(Overlay::ConfirmTeardown {
                        typed: String::new(),
                    });
                }
            }
            _ => {}
        }
    }

    pub(super) fn start_apply(&mut self) {
        let Some(conn) = self.connection().cloned() else {
            return self.say("not connected; see the header", true);
        };
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let step = w.selected;
        if w.job.is_some() {
            return self.say("a step is already running", true);
        }
        if !w.can_apply(step) {
            let cur = w.session.current_step().unwrap_or(StepId::Done);
            return self.say(
                format!(
                    "step {} is locked: finish step {} ({}) first",
                    step.number(),
                    cur.number(),
                    cur.title()
                ),
                true,
            );
        }
        let Some(handle) = w.handle.take() else {
            return self.say("the session is busy", true);
        };
        let task = tasks::apply(&self.tx, conn, handle, w.inputs.clone(), step);
        w.job = Some(Job {
            kind: JobKind::Apply(step),
            started: Instant::now(),
            task: Some(task),
            waiting: None,
            cancelling: false,
        });
        self.say(
            format!("applying step {} — Esc stops safely", step.number()),
            false,
        );
    }

    pub(super) fn start_teardown(&mut self) {
        let Some(conn) = self.connection().cloned() else {
            return self.say("not connected; see the header", true);
        };
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let Some(handle) = w.handle.take() else {
            return self.say("the session is busy", true);
        };
        let task = tasks::teardown(&self.tx, conn, handle, w.inputs.clone());
        w.job = Some(Job {
            kind: JobKind::Teardown,
            started: Instant::now(),
            task: Some(task),
            waiting: None,
            cancelling: false,
        });
        w.done_screen = true;
        self.say(
            "tearing down — Esc stops safely; run teardown again to finish",
            false,
        );
    }

    pub(super) fn cancel_job(&mut self) {
        let home = self.config.home.clone();
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let name = w.session.name.clone();
        let Some(job) = w.job.as_mut() else { return };
        let Some(task) = job.task.take() else { return };
        job.cancelling = true;
        tasks::reopen_after(&self.tx, task, home, name);
        self.say("stopping at the next safe point…", false);
    }
}
