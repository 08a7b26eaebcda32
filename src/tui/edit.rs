//! Text entry: the Configure form's editor (checked as you type, live
//! candidates) and the dialogs (new session, confirmations).

use super::app::{App, Load, Overlay, Screen};
use super::form;
use super::keys::Action;
use super::tasks;
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
            return self.say("inputs can be changed once the running step finishes", true);
        }
        let fields = form::values(&w.inputs, w.selected);
        let Some((f, value)) = fields.get(w.form.field) else {
            return self.say(
                "this step has no inputs: it works on what earlier steps made",
                false,
            );
        };
        w.form.editing = Some(value.clone());
        w.form.error = None;
        w.form.candidates = None;
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
            tasks::candidates(&self.tx, c, field);
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
                w.form.editing = None;
                w.form.error = None;
                w.form.candidates = None;
                return;
            }
            KeyCode::Enter => return self.commit_edit(),
            KeyCode::Backspace => {
                text.pop();
            }
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
                    text.clone_from(&list[w.form.candidate]);
                }
            }
            KeyCode::Char(c) if !c.is_control() => text.push(c),
            _ => return,
        }
        let text = text.clone();
        let field = current_field(w).unwrap_or("");
        w.form.error = form::check_edit(&w.session, w.selected, field, &text).err();
    }

    pub(super) fn commit_edit(&mut self) {
        let Screen::Wizard(w) = &mut self.screen else {
            return;
        };
        let (Some(text), Some(field)) = (w.form.editing.clone(), current_field(w)) else {
            return;
        };
        match form::check_edit(&w.session, w.selected, field, &text) {
            Err(e) => w.form.error = Some(e),
            Ok(inputs) => {
                let Some(h) = w.handle.as_mut() else {
                    return self.say("the session is busy", true);
                };
                inputs.store_in(h.session_mut());
                if let Err(e) = h.save() {
                    return self.say(e.to_string(), true);
                }
                w.form.editing = None;
                w.form.error = None;
                w.form.candidates = None;
                w.refresh();
                let step = w.selected;
                self.say(
                    format!(
                        "saved {}.{field}; apply step {} to put it into effect",
                        step.as_str(),
                        step.number()
                    ),
                    false,
                );
            }
        }
    }

    pub(super) fn on_overlay_key(&mut self, ov: Overlay, k: KeyEvent) {
        let action = self.config.keys.action(self.context(), &k);
        match ov {
            Overlay::Help | Overlay::CallLog => {
                if matches!(
                    action,
                    Some(Action::Back | Action::Help | Action::CallLog | Action::Quit)
                ) {
                    self.overlay = None;
                }
            }
            // `y`, or the quit key again (Ctrl-C twice quits at once).
            Overlay::ConfirmQuit => match k.code {
                _ if action == Some(Action::Quit) || k.code == KeyCode::Char('y') => {
                    if let Screen::Wizard(w) = &mut self.screen
                        && let Some(t) = w.job.as_mut().and_then(|j| j.task.take())
                    {
                        t.abort();
                    }
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
                        Ok(()) => self.say(
                            format!(
                                "deleted the record of `{name}`; its AWS resources (tagged gatewalk:session={name}) were NOT deleted"
                            ),
                            false,
                        ),
                        Err(e) => self.say(e.to_string(), true),
                    }
                    tasks::list_sessions(&self.tx, self.config.home.clone());
                }
                _ => self.overlay = None,
            },
            Overlay::NewSession { mut name, .. } => match k.code {
                KeyCode::Esc => self.overlay = None,
                KeyCode::Enter => {
                    let exists = self.sessions.iter().any(|r| r.name == name);
                    let error = crate::session::validate_name(&name)
                        .err()
                        .or(exists.then(|| format!("`{name}` exists; pick it from the list")));
                    if error.is_none() {
                        self.overlay = None;
                        self.open_session(name);
                    } else {
                        self.overlay = Some(Overlay::NewSession { name, error });
                    }
                }
                KeyCode::Backspace | KeyCode::Char(_) => {
                    match k.code {
                        KeyCode::Char(c) if !c.is_control() => name.push(c),
                        KeyCode::Backspace => {
                            name.pop();
                        }
                        _ => {}
                    }
                    let error = if name.is_empty() {
                        None
                    } else {
                        crate::session::validate_name(&name).err()
                    };
                    self.overlay = Some(Overlay::NewSession { name, error });
                }
                _ => {}
            },
            Overlay::ConfirmTeardown { mut typed } => match k.code {
                KeyCode::Esc => self.overlay = None,
                KeyCode::Enter => {
                    let name = self.wizard().map(|w| w.session.name.clone());
                    if name.as_deref() == Some(typed.as_str()) {
                        self.overlay = None;
                        self.start_teardown();
                    } else {
                        self.overlay = Some(Overlay::ConfirmTeardown { typed });
                        self.say("the name does not match; nothing was deleted", true);
                    }
                }
                KeyCode::Backspace => {
                    typed.pop();
                    self.overlay = Some(Overlay::ConfirmTeardown { typed });
                }
                KeyCode::Char(c) if !c.is_control() => {
                    typed.push(c);
                    self.overlay = Some(Overlay::ConfirmTeardown { typed });
                }
                _ => {}
            },
        }
    }
}
