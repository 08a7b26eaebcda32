//! The content of each tab of a step: teaching text, the input form, the
//! plan, the live checks and the live resources.

use super::{elapsed, spinner};
use crate::model::{ChangeAction, CheckStatus, Fix, StepId};
use crate::session::StepStatus;
use crate::tui::app::{App, Focus, Load, Tab, Wizard};
use crate::tui::theme::THEME;
use crate::tui::{form, markdown};
use ratatui::text::{Line, Span, Text};

/// A fix as the wizard says it: keys, not command lines.
fn worded(fix: &Fix, here: StepId) -> String {
    match fix {
        Fix::Apply(s) if *s == here => "press a to apply this step".into(),
        Fix::Apply(s) => format!("apply step {} ({}) first", s.number(), s.title()),
        Fix::Aws(c) => format!("by hand, in a shell: {c}"),
        Fix::Text(t) => t.clone(),
    }
}

/// The selected tab's content.
pub fn content(app: &App, w: &Wizard) -> Text<'static> {
    match w.tab {
        Tab::Explain => markdown::render(w.selected.explain()),
        Tab::Configure => configure(w),
        Tab::Plan => plan(app, w),
        Tab::Checks => checks(app, w),
        Tab::Live => live(app, w),
    }
}

fn not_applied(w: &Wizard) -> Line<'static> {
    if w.can_apply(w.selected) {
        Line::styled(
            "Not applied yet. Press a to apply this step; its checks run right after.",
            THEME.muted,
        )
    } else {
        let cur = w.session.current_step().unwrap_or(StepId::Done);
        Line::styled(
            format!(
                "Locked until step {} ({}) is done. You can read everything here meanwhile.",
                cur.number(),
                cur.title()
            ),
            THEME.muted,
        )
    }
}

fn configure(w: &Wizard) -> Text<'static> {
    let fields = form::values(&w.inputs, w.selected);
    if fields.is_empty() {
        return Text::from(vec![Line::styled(
            "This step has no inputs: it works on what the earlier steps made.",
            THEME.muted,
        )]);
    }
    let mut lines = vec![Line::styled(
        "Enter edits the selected field (→ or l focuses this pane); values are checked as you type \
         and saved in the session on Enter.",
        THEME.muted,
    )];
    lines.push(Line::from(""));
    // Keep the selected field in view: start one field above it.
    let first = w.form.field.saturating_sub(1);
    if first > 0 {
        lines.push(Line::styled(format!("  ↑ {first} more above"), THEME.muted));
    }
    for (i, (f, value)) in fields.iter().enumerate().skip(first) {
        let selected = i == w.form.field && w.focus == Focus::Content;
        let editing = selected && w.form.editing.is_some();
        let shown = if editing {
            format!("{}█", w.form.editing.clone().unwrap_or_default())
        } else if value.is_empty() {
            "(empty)".to_string()
        } else {
            value.clone()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {}", if selected { "▸" } else { " " }, f.name),
                if selected {
                    THEME.selected
                } else {
                    THEME.title
                },
            ),
            Span::styled(" = ", THEME.muted),
            Span::styled(shown, if editing { THEME.pending } else { THEME.code }),
        ]));
        lines.push(Line::styled(format!("    {}", f.meaning), THEME.muted));
        if editing {
            lines.push(match &w.form.error {
                Some(e) => Line::styled(format!("    ✗ {e}"), THEME.fail),
                None => Line::styled("    ✓ valid — Enter saves, Esc cancels", THEME.ok),
            });
            match &w.form.candidates {
                Some(Load::Loading(t)) => lines.push(Line::styled(
                    format!(
                        "    {} listing existing ones… ({})",
                        spinner(t.elapsed().as_millis() as usize / 100),
                        elapsed(t.elapsed().as_secs())
                    ),
                    THEME.pending,
                )),
                Some(Load::Ready(list, _)) if !list.is_empty() => {
                    lines.push(Line::styled("    existing (↑/↓ picks one):", THEME.muted));
                    for (j, c) in list.iter().enumerate().take(8) {
                        let st = if j == w.form.candidate {
                            THEME.selected
                        } else {
                            THEME.code
                        };
                        lines.push(Line::styled(format!("      {c}"), st));
                    }
                }
                Some(Load::Ready(_, _)) => lines.push(Line::styled(
                    "    none exist yet; gatewalk creates it",
                    THEME.muted,
                )),
                Some(Load::Failed(e)) => lines.push(Line::styled(
                    format!(
                        "    could not list existing ones: {}",
                        e.lines().next().unwrap_or("")
                    ),
                    THEME.warn,
                )),
                None => {}
            }
        }
    }
    Text::from(lines)
}

fn plan(app: &App, w: &Wizard) -> Text<'static> {
    let changes = match app.config.engine.plan(w.selected, &w.inputs, &w.session) {
        Ok(c) => c,
        Err(e) => return Text::from(Line::styled(e.to_string(), THEME.fail)),
    };
    let mut lines = vec![Line::styled(
        "What apply does here, and the aws CLI command that would do the same:",
        THEME.muted,
    )];
    for c in changes {
        let (sign, style) = match c.action {
            ChangeAction::Create => ("+ create", THEME.ok),
            ChangeAction::Keep => ("= keep  ", THEME.muted),
            ChangeAction::Update => ("~ update", THEME.warn),
            ChangeAction::Delete => ("- delete", THEME.fail),
            ChangeAction::ChangeYours => ("~ yours ", THEME.warn),
        };
        lines.push(Line::from(""));
        lines.push(Line::from(vec![
            Span::styled(format!("{sign} "), style),
            Span::styled(c.resource, THEME.text),
        ]));
        lines.push(Line::styled(format!("    $ {}", c.cli), THEME.code));
    }
    Text::from(lines)
}

fn checks(app: &App, w: &Wizard) -> Text<'static> {
    let step = w.selected;
    let rec = w.session.step(step);
    let mut lines = Vec::new();
    if let Some(e) = &rec.last_error
        && rec.status == StepStatus::Failed
    {
        lines.push(Line::styled("Last error:", THEME.fail));
        for l in e.lines() {
            lines.push(Line::styled(format!("  {l}"), THEME.fail));
        }
        lines.push(Line::from(""));
    }
    match w.checks.get(&step) {
        None if rec.status == StepStatus::NotStarted => lines.push(not_applied(w)),
        None => lines.push(Line::styled(
            "Press r to check the live account.",
            THEME.muted,
        )),
        Some(Load::Loading(t)) => lines.push(reading(app, t)),
        Some(Load::Failed(e)) => {
            lines.push(Line::styled("Could not check:", THEME.fail));
            lines.extend(
                e.lines()
                    .map(|l| Line::styled(format!("  {l}"), THEME.fail)),
            );
        }
        Some(Load::Ready(checks, at)) => {
            let count = |s: CheckStatus| checks.iter().filter(|c| c.status == s).count();
            lines.push(Line::styled(
                format!(
                    "checked {} ago: {} pass, {} fail, {} warn, {} pending, {} skipped   (r re-checks)",
                    elapsed(at.elapsed().as_secs()),
                    count(CheckStatus::Pass),
                    count(CheckStatus::Fail),
                    count(CheckStatus::Warn),
                    count(CheckStatus::Pending),
                    count(CheckStatus::Skipped)
                ),
                THEME.muted,
            ));
            for c in checks {
                let (g, st) = match c.status {
                    CheckStatus::Pass => ("✓", THEME.ok),
                    CheckStatus::Fail => ("✗", THEME.fail),
                    CheckStatus::Warn => ("!", THEME.warn),
                    CheckStatus::Pending => ("…", THEME.pending),
                    CheckStatus::Skipped => ("–", THEME.warn),
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{g} "), st),
                    Span::styled(c.name.clone(), THEME.text),
                ]));
                lines.push(Line::styled(format!("    {}", c.observed), THEME.muted));
                if let Some(fix) = &c.fix {
                    lines.push(Line::styled(
                        format!("    fix: {}", worded(fix, w.selected)),
                        st,
                    ));
                }
            }
        }
    }
    Text::from(lines)
}

/// "⠋ reading the live account… (3s)".
fn reading(app: &App, since: &std::time::Instant) -> Line<'static> {
    Line::styled(
        format!(
            "{} reading the live account… ({})",
            spinner(app.frame),
            elapsed(since.elapsed().as_secs())
        ),
        THEME.pending,
    )
}

fn live(app: &App, w: &Wizard) -> Text<'static> {
    let mut lines = Vec::new();
    match w.live.get(&w.selected) {
        None => lines.push(Line::styled(
            "Press r to read the live resources.",
            THEME.muted,
        )),
        Some(Load::Loading(t)) => lines.push(reading(app, t)),
        Some(Load::Failed(e)) => {
            lines.extend(e.lines().map(|l| Line::styled(l.to_string(), THEME.fail)));
        }
        Some(Load::Ready(res, _)) if res.is_empty() => {
            if w.session.status(w.selected) == StepStatus::NotStarted {
                lines.push(not_applied(w));
            } else {
                lines.push(Line::styled("Nothing of this step's is live.", THEME.muted));
            }
        }
        Some(Load::Ready(res, at)) => {
            lines.push(Line::styled(
                format!(
                    "read {} ago   (r refreshes)",
                    elapsed(at.elapsed().as_secs())
                ),
                THEME.muted,
            ));
            for r in res {
                let st = if r.state == "missing" {
                    THEME.fail
                } else {
                    THEME.ok
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{} ", r.kind), THEME.title),
                    Span::styled(r.id.clone(), THEME.code),
                    Span::styled(format!("  [{}]", r.state), st),
                ]));
                for (k, v) in &r.attributes {
                    lines.push(Line::styled(format!("    {k:<16} {v}"), THEME.text));
                }
                if let Some(u) = &r.console_url {
                    lines.push(Line::styled(format!("    console: {u}"), THEME.muted));
                }
            }
        }
    }
    Text::from(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wizard_words_a_fix_as_keys_not_commands() {
        let here = StepId::VpcLink;
        assert_eq!(
            worded(&Fix::Apply(here), here),
            "press a to apply this step"
        );
        assert_eq!(
            worded(&Fix::Apply(StepId::LoadBalancer), here),
            "apply step 4 (Internal load balancer) first"
        );
        assert!(!worded(&Fix::Apply(here), here).contains("gatewalk apply"));
        assert_eq!(
            worded(&Fix::Aws("aws ec2 x".into()), here),
            "by hand, in a shell: aws ec2 x"
        );
    }
}
