//! What each key does on the picker and the wizard: moving, switching tabs,
//! starting and stopping jobs. Text entry (dialogs, the form) is in
//! [`super::edit`].

use super::app::{App, Focus, Job, JobKind, Overlay, Screen, Tab};
use super::cmd::Cmd;
use super::keys::Action;
use super::text_field::TextField;
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
            Action::Quit => self.quit_asked(),
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::CallLog => {
                self.overlay = Some(Overlay::CallLog {
                    selected: None,
                    open: false,
                    scroll: 0,
                });
            }
            _ if matches!(self.screen, Screen::Picker) => self.on_picker_action(action),
            _ => self.on_wizard_action(action),
        }
    }

    /// The quit key: quits, or asks first while a step runs.
    pub(super) fn quit_asked(&mut self) {
        if self.wizard().is_some_and(|w| w.job.is_some()) {
            self.overlay = Some(Overlay::ConfirmQuit);
        } else {
            self.quit = true;
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
                        name: TextField::default(),
                        error: None,
                    });
                }
            }
            Action::NewSession => {
                self.overlay = Some(Overlay::NewSession {
                    name: TextField::default(),
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

    pub(super) fn on_wizard_action(&mut self, action: Action) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        match action {
            Action::Up | Action::Down => self.on_move(action == Action::Down),
            Action::PageUp | Action::PageDown => {
                let page = i32::from(w.viewport.page.get().saturating_sub(1).max(1));
                scroll(
                    w,
                    if action == Action::PageDown {
                        page
                    } else {
                        -page
                    },
                );
            }
            Action::Top => w.scroll = 0,
            Action::Bottom => w.scroll = w.viewport.max_scroll(),
            Action::Left => w.focus = Focus::Steps,
            Action::Right => w.focus = Focus::Content,
            Action::NextTab | Action::PrevTab => {
                if !w.done_screen {
                    w.tab = if action == Action::NextTab {
                        w.tab.next()
                    } else {
                        w.tab.prev()
                    };
                }
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
                    self.show(Screen::Picker);
                    self.ask(Cmd::ListSessions);
                }
            }
            Action::Apply => self.start_apply(),
            Action::Recheck if w.job.is_some() => {
                let back = self.config.keys.first(Action::Back);
                self.info(format!(
                    "a step is running; its checks come when it ends ({back} stops it)"
                ));
            }
            Action::Recheck => {
                let step = w.selected;
                let live = w.tab == Tab::Live;
                if w.session.applied().is_empty() {
                    self.info(format!("step {} has not been applied yet", step.number()));
                } else {
                    self.info("re-checking every applied step against the account…");
                    self.recheck_all(true);
                }
                if live {
                    self.request_live(step);
                }
            }
            Action::DoneScreen => {
                if w.session.status(StepId::Done) == StepStatus::Done {
                    w.done_screen = true;
                    w.scroll = 0;
                } else {
                    self.info("the done screen opens once all ten steps are done");
                }
            }
            Action::Teardown => {
                if w.job.is_some() {
                    let back = self.config.keys.first(Action::Back);
                    self.error(format!(
                        "wait for the running step to finish (or {back} to stop it)"
                    ));
                } else {
                    self.overlay = Some(Overlay::ConfirmTeardown {
                        typed: TextField::default(),
                    });
                }
            }
            _ => {}
        }
    }

    pub(super) fn start_apply(&mut self) {
        let Some(conn) = self.connection().cloned() else {
            return self.error("not connected; see the header");
        };
        let req = self.req();
        let back = self.config.keys.first(Action::Back);
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let step = w.selected;
        if w.job.is_some() {
            return self.error("a step is already running");
        }
        if let Some(first) = w.locked_by(step) {
            return self.error(format!(
                "step {} is locked: apply step {} ({}) first",
                step.number(),
                first.number(),
                first.title()
            ));
        }
        let Some(handle) = w.handle.take() else {
            return self.error("the session is busy");
        };
        let inputs = Box::new(w.inputs.clone());
        w.job = Some(Job {
            kind: JobKind::Apply(step),
            started: Instant::now(),
            req,
            waiting: None,
            cancelling: false,
        });
        self.ask(Cmd::Apply(req, conn, handle, inputs, step));
        self.info(format!(
            "applying step {} — {back} stops safely",
            step.number()
        ));
    }

    pub(super) fn start_teardown(&mut self) {
        let Some(conn) = self.connection().cloned() else {
            return self.error("not connected; see the header");
        };
        let req = self.req();
        let back = self.config.keys.first(Action::Back);
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let Some(handle) = w.handle.take() else {
            return self.error("the session is busy");
        };
        let inputs = Box::new(w.inputs.clone());
        w.job = Some(Job {
            kind: JobKind::Teardown,
            started: Instant::now(),
            req,
            waiting: None,
            cancelling: false,
        });
        w.done_screen = true;
        w.scroll = 0;
        self.ask(Cmd::Teardown(req, conn, handle, inputs));
        self.info(format!(
            "tearing down — {back} stops safely; run teardown again to finish"
        ));
    }

    pub(super) fn cancel_job(&mut self) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let name = w.session.name.clone();
        let Some(job) = w.job.as_mut() else { return };
        if job.cancelling {
            return;
        }
        job.cancelling = true;
        let req = job.req;
        self.ask(Cmd::CancelJob(req, name));
        self.info("stopping at the next safe point…");
    }

    /// ↑/↓: the step list, the form's fields, or the text, by focus.
    fn on_move(&mut self, down: bool) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        match (w.focus, w.tab) {
            (Focus::Steps, _) if !w.done_screen => {
                let i = w.selected.number() - 1;
                let j = if down {
                    (i + 1).min(9)
                } else {
                    i.saturating_sub(1)
                };
                if i != j {
                    w.select(StepId::ALL[j]);
                    self.on_step_selected();
                }
            }
            (Focus::Content, Tab::Configure) if !w.done_screen => {
                let n = crate::inputs::Inputs::fields(w.selected).len();
                w.form.field = if down {
                    (w.form.field + 1).min(n.saturating_sub(1))
                } else {
                    w.form.field.saturating_sub(1)
                };
            }
            _ => scroll(w, if down { 1 } else { -1 }),
        }
    }

    /// A step was selected: re-check it in the background, and load what
    /// its visible tab shows.
    fn on_step_selected(&mut self) {
        if let Screen::Wizard(w) = &self.screen
            && w.session.status(w.selected) != crate::session::StepStatus::NotStarted
            && w.job.is_none()
        {
            let step = w.selected;
            self.request_checks_quietly(step);
        }
        self.on_view_change();
    }
}

/// Moves the content pane by `rows`, within what the last draw showed.
fn scroll(w: &mut crate::tui::app::Wizard, rows: i32) {
    let max = i32::from(w.viewport.max_scroll());
    let now = i32::from(w.scroll).min(max);
    w.scroll = u16::try_from((now + rows).clamp(0, max)).unwrap_or(0);
}
