//! Resources of yours in the wizard. The picker's "continue a deployment
//! made elsewhere": deployments of this shape are looked up in the account
//! (read-only), the user picks one and names the session, and adopt binds
//! its resources as theirs and opens it. And the question apply asks before
//! it changes one of them.

use super::app::{App, Load, Overlay};
use super::cmd::Cmd;
use super::text_field::TextField;
use crossterm::event::{KeyCode, KeyEvent};
use std::time::Instant;

impl App {
    /// Opens the dialog and looks for deployments.
    pub(super) fn start_adopt(&mut self) {
        let Some(conn) = self.connection().cloned() else {
            return self.error("not connected; see the header");
        };
        self.adoptable = Some(Load::Loading(Instant::now()));
        let req = self.req();
        self.discover_req = Some(req.id);
        self.ask(Cmd::Discover(req, conn));
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
            name: TextField::new(name),
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
        mut name: TextField,
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
            KeyCode::Enter => return self.adopt_picked(found.get(picked).cloned(), picked, name),
            _ => {}
        }
        let error = if name.on_key(&k) {
            crate::session::validate_name(name.text()).err()
        } else {
            error
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
            return self.info("left as it is: nothing of yours was changed");
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
        field: TextField,
    ) {
        let name = field.text().to_string();
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
                name: field,
                error,
            });
            return;
        };
        self.overlay = None;
        self.info(format!(
            "making session `{name}` of the deployment in {}…",
            d.vpc
        ));
        let req = self.req();
        self.picker_req = Some(req.id);
        self.ask(Cmd::Adopt(req, conn, Box::new(d), name));
    }
}
