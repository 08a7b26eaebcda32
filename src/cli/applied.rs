//! What apply and teardown print while they run (each progress event, as
//! text on stderr or a JSON line on stdout) and what apply says when it is
//! done: each step's checks and what it changed.

use super::output::{Printer, print_line};
use super::paint;
use crate::model::keys::INVOKE_URL;
use crate::model::{Check, CheckStatus, StepId};
use crate::progress::{Event, Progress};
use crate::session::Session;
use anstream::println;
use serde_json::json;

/// Apply's summary of one step's resources: what it created, changed and
/// deleted (resources found and kept are no news).
fn said(e: &Event) -> Option<String> {
    let short = crate::text::short_arn;
    match e {
        Event::Created { kind, id, .. } => Some(format!("created {kind} {}", short(id))),
        Event::Deleted { kind, id, .. } => Some(format!("deleted {kind} {}", short(id))),
        Event::Changed { kind, id, what, .. } => {
            Some(format!("changed {kind} {}: {what}", short(id)))
        }
        _ => None,
    }
}

/// The events that changed something in `step`.
fn of_step(changes: &[Event], step: StepId) -> Vec<&Event> {
    changes
        .iter()
        .filter(|e| match e {
            Event::Created { step: s, .. }
            | Event::Deleted { step: s, .. }
            | Event::Changed { step: s, .. } => *s == Some(step),
            _ => false,
        })
        .collect()
}

impl Printer {
    /// A progress handle whose events are printed by a background task as
    /// they come; the task ends, when every handle is gone, with the events
    /// that changed something (created, changed, deleted), in order.
    pub(super) fn progress(self) -> (Progress, tokio::task::JoinHandle<Vec<Event>>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
        let task = tokio::spawn(async move {
            let mut changes = Vec::new();
            while let Some(e) = rx.recv().await {
                self.event(&e);
                if said(&e).is_some() {
                    changes.push(e);
                }
            }
            changes
        });
        (Progress::new(tx), task)
    }

    /// After apply: each step's checks and what it changed (`changes`, the
    /// events [`Printer::progress`] collected).
    pub fn applied(self, s: &Session, results: &[(StepId, Vec<Check>)], changes: &[Event]) {
        if self.json() {
            let v: Vec<_> = results
                .iter()
                .map(|(st, c)| {
                    json!({ "step": st, "status": s.status(*st), "checks": c, "changes": of_step(changes, *st) })
                })
                .collect();
            return print_line(&json!({ "event": "result", "session": s.name, "steps": v }));
        }
        println!();
        for (st, checks) in results {
            let count = |k: CheckStatus| checks.iter().filter(|c| c.status == k).count();
            let mut extra = String::new();
            if count(CheckStatus::Warn) > 0 {
                extra.push_str(&format!(", {} warnings", count(CheckStatus::Warn)));
            }
            if count(CheckStatus::Skipped) > 0 {
                extra.push_str(&format!(
                    ", {} skipped in the emulator",
                    count(CheckStatus::Skipped)
                ));
            }
            let did: Vec<String> = of_step(changes, *st).into_iter().filter_map(said).collect();
            let what = match did.as_slice() {
                [] => "nothing to change".to_string(),
                [one] => one.clone(),
                many => format!("{} changes:", many.len()),
            };
            println!(
                "{} step {} {:<18} {} checks pass{extra} — {what}",
                paint::verdict(true),
                st.number(),
                st.as_str(),
                count(CheckStatus::Pass)
            );
            if did.len() > 1 {
                for d in &did {
                    println!("      {d}");
                }
            }
        }
        if let Some(url) = s.output(INVOKE_URL) {
            println!("\ninvoke URL: {url}");
        }
        match s.current_step() {
            Some(next) => println!("\nnext: {}", self.cmd(&format!("apply --through {next}"))),
            None => println!(
                "\nall ten steps done. It costs money while it runs: `{}` removes it all.",
                self.cmd("teardown")
            ),
        }
    }
}
