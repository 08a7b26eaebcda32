//! Resources of yours in the wizard. The picker's "continue a deployment
//! made elsewhere": deployments of this shape are looked up in the account
//! (read-only), the user picks one and names the session, and adopt binds
//! its resources as theirs and opens it. And the question apply asks before
//! it changes one of them.

use super::app::{App, Load, Overlay};
use super::tasks;
use crossterm::event::{KeyCode, KeyEvent};
use std::time::Instant;

impl App {
    /// Opens the dialog and looks for deployments.
    pub(super) fn start_adopt(&mut self) {
        let Some(conn) = self.connection().cloned() else {
            return self.say("not connected; see the header", true);
        };
        self.adoptable = Some(Load::Loading(Instant::now()));
        tasks::discover(&self.tx, conn);
        let taken = |n: &str| self.sessions.iter().any(|r| r.name == n);
        let name = (1..=99)
            .map(|i| {
                if i == 1 {
                    "mine".to_string()
                } else {
                    format!("mine-{i}")
                }
            })
            .find(|n| !taken(n))
            .unwrap_or_default();
        self.overlay = Some(Overlay::Adopt {
            picked: 0,
            name,
            error: None,
        });
    }

    /// The deployments found arrived.
    pub(super) fn on_discovered(&mut self, r: Result<Vec<crate::discover::Deployment>, String>) {
        self.adoptable = Some(match r {
            Ok(found) => Load::Ready(found, Instant::now()),
            Err(e) => Load::Failed(e),
        });
    }

    /// A key in the dialog: ↑/↓ pick, typing names, Enter adopts, Esc leaves.
    pub(super) fn on_adopt_key(
        &mut self,
        mut picked: usize,
        mut name: String,
        error: Option<String>,
        k: KeyEvent,
    ) {
        let found = match &self.adoptable {
            Some(Load::Ready(f, _)) => f.clone(),
            _ => Vec::new(),
        };
        match k.code {
            KeyCode::Esc => {
                self.overlay = None;
                return;
            }
            KeyCode::Up => picked = picked.saturating_sub(1),
            KeyCode::Down => picked = (picked + 1).min(found.len().saturating_sub(1)),
            KeyCode::Backspace => {
                name.pop();
            }
            KeyCode::Char(c) if !c.is_control() => name.push(c),
            KeyCode::Enter => return self.adopt_picked(found.get(picked).cloned(), picked, name),
            _ => {}
        }
        let error = if k.code == KeyCode::Up || k.code == KeyCode::Down {
            error
        } else {
            crate::session::validate_name(&name).err()
        };
        self.overlay = Some(Overlay::Adopt {
            picked,
            name,
            error,
        });
    }

    /// The answer to "change a resource of yours?": `y` agrees to that one
    /// change (and applies the step again: another change asks again), any
    /// other key leaves it as it is.
    pub(super) fn on_consent_key(&mut self, step: crate::model::StepId, what: String, k: KeyEvent) {
        self.overlay = None;
        if k.code != KeyCode::Char('y') {
            return self.say("left as it is: nothing of yours was changed", false);
        }
        if let super::app::Screen::Wizard(w) = &mut self.screen
            && let Some(h) = w.handle.as_mut()
        {
            let mut c = h.consent().clone();
            c.agreed.push(what);
            h.set_consent(c);
            w.selected = step;
        }
        self.start_apply();
    }

    fn adopt_picked(
        &mut self,
        d: Option<crate::discover::Deployment>,
        picked: usize,
        name: String,
    ) {
        let exists = self.sessions.iter().any(|r| r.name == name);
        let error = crate::session::validate_name(&name)
            .err()
            .or(exists.then(|| format!("`{name}` exists; choose another name")))
            .or(d
                .is_none()
                .then(|| "no deployment to continue (yet)".to_string()));
        let (Some(d), None, Some(conn)) = (d, &error, self.connection().cloned()) else {
            self.overlay = Some(Overlay::Adopt {
                picked,
                name,
                error,
            });
            return;
        };
        self.overlay = None;
        self.say(
            format!("making session `{name}` of the deployment in {}…", d.vpc),
            false,
        );
        tasks::adopt(&self.tx, self.config.home.clone(), conn, d, name);
        tasks::list_sessions(&self.tx, self.config.home.clone());
    }
}
