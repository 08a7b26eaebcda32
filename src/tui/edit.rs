//! Text entry: the Configure form's editor (checked as you type, live
//! candidates) and the dialogs (new session, confirmations).

use super::app::{App, Load, Overlay, Screen};
use super::cmd::Cmd;
use super::form;
use super::keys::Action;
use super::text_field::TextField;
use super::update::current_field;
use crate::session::Store;
use crossterm::event::{KeyCode, KeyEvent};
use std::time::Instant;

impl App {
    pub(super) fn start_edit(&mut self) {
        let conn = self.connection().cloned();
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        if w.job.is_some() {
            return self.error("inputs can be changed once the running step finishes");
        }
        let fields = form::values(&w.inputs, w.selected);
        let Some((f, value)) = fields.get(w.form.field) else {
            return self.info("this step has no inputs: it works on what earlier steps made");
        };
        w.form.editing = Some(TextField::new(value.clone()));
        w.form.error = None;
        w.form.note = None;
        w.form.candidates = None;
        w.pending.candidates = None;
        let field = self
            .config
            .engine
            .candidate_fields()
            .iter()
            .copied()
            .find(|x| *x == f.name);
        if let Some(field) = field
            && let Some(c) = conn
        {
            w.form.candidates = Some(Load::Loading(Instant::now()));
            let req = self.req();
            if let Screen::Wizard(w) = &mut self.screen {
                w.pending.candidates = Some(req.id);
            }
            self.ask(Cmd::Candidates(req, c, field));
        }
    }

    pub(super) fn on_edit_key(&mut self, k: KeyEvent) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let Some(text) = w.form.editing.as_mut() else {
            return;
        };
        match k.code {
            KeyCode::Esc => {
                w.form = super::app::Form {
                    field: w.form.field,
                    ..Default::default()
                };
                w.pending.candidates = None;
                return;
            }
            KeyCode::Enter => return self.commit_edit(),
            KeyCode::Up | KeyCode::Down => {
                if let Some(Load::Ready(list, _)) = &w.form.candidates
                    && !list.is_empty()
                {
                    let n = list.len();
                    w.form.candidate = if k.code == KeyCode::Down {
                        (w.form.candidate + 1) % n
                    } else {
                        (w.form.candidate + n - 1) % n
                    };
                    text.set(list[w.form.candidate].clone());
                }
            }
            _ => {
                if !text.on_key(&k) {
                    return;
                }
            }
        }
        let text = text.text().to_string();
        let field = current_field(w).unwrap_or("");
        match form::check_edit(&w.session, w.selected, field, &text) {
            Ok(e) => {
                w.form.error = None;
                w.form.note = e.note;
            }
            Err(e) => {
                w.form.error = Some(e);
                w.form.note = None;
            }
        }
    }

    pub(super) fn commit_edit(&mut self) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let (Some(text), Some(field)) = (w.form.editing.clone(), current_field(w)) else {
            return;
        };
        match form::check_edit(&w.session, w.selected, field, text.text()) {
            Err(e) => w.form.error = Some(e),
            Ok(form::Edited { inputs, note }) => {
                let Some(h) = w.handle.as_mut() else {
                    return self.error("the session is busy");
                };
                inputs.store_in(h.session_mut());
                if let Err(e) = h.save() {
                    return self.error(e.to_string());
                }
                w.form = super::app::Form {
                    field: w.form.field,
                    ..Default::default()
                };
                w.refresh();
                let step = w.selected;
                let also = note.map(|n| format!(" ({n})")).unwrap_or_default();
                let apply = self.config.keys.first(Action::Apply);
                self.notify(super::app::Notice::Success(format!(
                    "saved {}.{field}{also}; {apply} applies step {} to put it into effect",
                    step.as_str(),
                    step.number()
                )));
            }
        }
    }

    pub(super) fn on_overlay_key(&mut self, ov: Overlay, k: KeyEvent) {
        let action = self.config.keys.action(self.context(), &k);
        match ov {
            Overlay::Help => {
                if action == Some(Action::Quit) {
                    self.overlay = None;
                    self.quit_asked();
                } else if matches!(action, Some(Action::Back | Action::Help | Action::CallLog)) {
                    self.overlay = None;
                }
            }
            Overlay::CallLog {
                selected,
                open,
                scroll,
            } => self.on_call_log_key(action, selected, (open, scroll)),
            // `y`, or the quit key again (Ctrl-C twice quits at once).
            Overlay::ConfirmQuit => match k.code {
                _ if action == Some(Action::Quit) || k.code == KeyCode::Char('y') => {
                    self.ask(Cmd::AbortJob);
                    self.quit = true;
                }
                _ => self.overlay = None,
            },
            Overlay::Adopt {
                picked,
                name,
                error,
            } => self.on_adopt_key(picked, name, error, k),
            Overlay::ConfirmChangeYours { step, what } => self.on_consent_key(step, what, k),
            Overlay::ConfirmDelete { name } => match k.code {
                KeyCode::Char('y') => {
                    self.overlay = None;
                    match Store::new(&self.config.home).delete(&name) {
                        Ok(()) => self.info(format!(
                                "deleted the record of `{name}`; its AWS resources (tagged gatewalk:session={name}) were NOT deleted"
                            )),
                        Err(e) => self.error(e.to_string()),
                    }
                    self.ask(Cmd::ListSessions);
                }
                _ => self.overlay = None,
            },
            Overlay::NewSession { mut name, error } => match k.code {
                KeyCode::Esc => self.overlay = None,
                KeyCode::Enter => {
                    let name = name.text().to_string();
                    let exists = self.sessions.iter().any(|r| r.name == name);
                    let error = crate::session::validate_name(&name)
                        .err()
                        .or(exists.then(|| format!("`{name}` exists; pick it from the list")));
                    if error.is_none() {
                        self.overlay = None;
                        self.open_session(name);
                    } else {
                        self.overlay = Some(Overlay::NewSession {
                            name: TextField::new(name),
                            error,
                        });
                    }
                }
                _ => {
                    if name.on_key(&k) {
                        let error = if name.text().is_empty() {
                            None
                        } else {
                            crate::session::validate_name(name.text()).err()
                        };
                        self.overlay = Some(Overlay::NewSession { name, error });
                    } else {
                        self.overlay = Some(Overlay::NewSession { name, error });
                    }
                }
            },
            Overlay::ConfirmTeardown { mut typed } => match k.code {
                KeyCode::Esc => self.overlay = None,
                KeyCode::Enter => {
                    let name = self.wizard().map(|w| w.session.name.clone());
                    if name.as_deref() == Some(typed.text()) {
                        self.overlay = None;
                        self.start_teardown();
                    } else {
                        self.overlay = Some(Overlay::ConfirmTeardown { typed });
                        self.error("the name does not match; nothing was deleted");
                    }
                }
                _ => {
                    typed.on_key(&k);
                    self.overlay = Some(Overlay::ConfirmTeardown { typed });
                }
            },
        }
    }

    /// ↑/↓ pick a call, Enter opens it (parameters, error) and then ↑/↓
    /// scroll it, Esc goes back to the list and then closes the log.
    fn on_call_log_key(
        &mut self,
        action: Option<Action>,
        selected: Option<usize>,
        (open, scroll): (bool, u16),
    ) {
        let (n, first) = self
            .connection()
            .map_or((0, 0), |c| (c.aws.calls.len(), c.aws.calls.first_kept()));
        let last = n.saturating_sub(1);
        let at = selected.unwrap_or(last).clamp(first, last.max(first));
        let mut next = (selected, open, scroll);
        match action {
            Some(Action::Back | Action::Select) if open => next = (Some(at), false, 0),
            Some(Action::Quit) => {
                self.overlay = None;
                return self.quit_asked();
            }
            Some(Action::Back | Action::CallLog | Action::Help) => {
                self.overlay = None;
                return;
            }
            Some(Action::Select) if n > 0 => next = (Some(at), true, 0),
            Some(a) if open => {
                let by: i32 = match a {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::PageUp => -10,
                    Action::PageDown => 10,
                    Action::Top => -i32::from(u16::MAX),
                    Action::Bottom => i32::from(u16::MAX),
                    _ => 0,
                };
                let s = (i32::from(scroll) + by).clamp(0, 500);
                next.2 = u16::try_from(s).unwrap_or(0);
            }
            Some(Action::Up) => next.0 = Some(at.saturating_sub(1).max(first)),
            Some(Action::Down) if at >= last => next.0 = None,
            Some(Action::Down) => next.0 = Some(at + 1),
            Some(Action::PageUp) => next.0 = Some(at.saturating_sub(10).max(first)),
            Some(Action::PageDown) => next.0 = Some((at + 10).min(last)),
            Some(Action::Top) => next.0 = Some(first),
            Some(Action::Bottom) => next.0 = None,
            _ => {}
        }
        let (selected, open, scroll) = next;
        self.overlay = Some(Overlay::CallLog {
            selected,
            open,
            scroll,
        });
    }
}
