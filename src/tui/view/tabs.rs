//! The content of each tab of a step: teaching text, the input form, the
//! plan, the live checks and the live resources.

use super::{elapsed, spinner};
use crate::model::{ChangeAction, CheckStatus, Fix, StepId};
use crate::session::StepStatus;
use crate::tui::app::{App, Focus, Load, Tab, Wizard};
use crate::tui::keys::{Action, KeyTable};
use crate::tui::theme::THEME;
use crate::tui::{form, markdown};
use ratatui::text::{Line, Span, Text};

/// A fix as the wizard says it: keys, not command lines.
fn worded(fix: &Fix, here: StepId, keys: &KeyTable) -> String {
    match fix {
        Fix::Apply(s) if *s == here => {
            format!("press {} to apply this step", keys.first(Action::Apply))
        }
        Fix::Apply(s) => format!("apply step {} ({}) first", s.number(), s.title()),
        Fix::Aws(c) => format!("by hand, in a shell: {c}"),
        Fix::Text(t) => t.clone(),
    }
}

/// The selected tab's content, and the lines (first, last) that must stay
/// in view (the Configure form's selected field).
pub fn content(app: &App, w: &Wizard) -> (Text<'static>, Option<(usize, usize)>) {
    match w.tab {
        Tab::Explain => (markdown::render(w.selected.explain()), None),
        Tab::Configure => configure(&app.config.keys, w),
        Tab::Plan => (plan(app, w), None),
        Tab::Checks => (checks(app, w), None),
        Tab::Live => (live(app, w), None),
    }
}

fn not_applied(keys: &KeyTable, w: &Wizard) -> Line<'static> {
    match w.locked_by(w.selected) {
        None => Line::styled(
            format!(
                "Not applied yet. Press {} to apply this step; its checks run right after.",
                keys.first(Action::Apply)
            ),
            THEME.muted,
        ),
        Some(first) => Line::styled(
            format!(
                "Locked until step {} ({}) is applied. You can read everything here meanwhile.",
                first.number(),
                first.title()
            ),
            THEME.muted,
        ),
    }
}

fn configure(keys: &KeyTable, w: &Wizard) -> (Text<'static>, Option<(usize, usize)>) {
    let fields = form::values(&w.inputs, w.selected);
    if fields.is_empty() {
        return (
            Text::from(vec![Line::styled(
                "This step has no inputs: it works on what the earlier steps made.",
                THEME.muted,
            )]),
            None,
        );
    }
    let mut lines = vec![Line::styled(
        format!(
            "{} edits the selected field ({} focuses this pane); values are checked as you type \
             and saved in the session on Enter.",
            keys.first(Action::Select),
            keys.label(Action::Right).replace('/', " or ")
        ),
        THEME.muted,
    )];
    lines.push(Line::from(""));
    let field = w.form.field.min(fields.len() - 1);
    let mut keep = None;
    for (i, (f, value)) in fields.iter().enumerate() {
        let starts = lines.len();
        let selected = i == field && w.focus == Focus::Content;

        let editing = selected && w.form.editing.is_some();
        let mut row = vec![
            Span::styled(
                format!("{} {}", if selected { "▸" } else { " " }, f.name),
                if selected {
                    THEME.selected
                } else {
                    THEME.title
                },
            ),
            Span::styled(" = ", THEME.muted),
        ];
        match &w.form.editing {
            Some(t) if editing => row.extend(t.spans(THEME.pending)),
            _ if value.is_empty() => row.push(Span::styled("(empty)", THEME.muted)),
            _ => row.push(Span::styled(value.clone(), THEME.code)),
        }
        lines.push(Line::from(row));
        lines.push(Line::styled(
            format!("    {}", form::meaning(&w.inputs, w.selected, f)),
            THEME.muted,
        ));
        if editing {
            lines.push(match (&w.form.error, &w.form.note) {
                (Some(e), _) => Line::styled(format!("    ✗ {e}"), THEME.fail),
                (None, Some(n)) => Line::styled(
                    format!("    ✓ valid ({n}) — Enter saves, Esc cancels"),
                    THEME.ok,
                ),
                (None, None) => Line::styled("    ✓ valid — Enter saves, Esc cancels", THEME.ok),
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
        if i == field {
            keep = Some((starts, lines.len() - 1));
        }
    }
    (Text::from(lines), keep)
}

fn plan(app: &App, w: &Wizard) -> Text<'static> {
    let changes = match app.config.engine.plan(w.selected, &w.inputs, &w.session) {
        Ok(c) => c,
        Err(e) => return Text::from(Line::styled(e.to_string(), THEME.fail)),
    };
    let mut lines = repairs(w);
    lines.push(Line::styled(
        "What apply does here, and the aws CLI command that would do the same \
         ($NAMES stand for ids earlier steps made; their Live tabs show them):",
        THEME.muted,
    ));
    for c in changes {
        let style = match c.action {
            ChangeAction::Create => THEME.ok,
            ChangeAction::Keep => THEME.muted,
            ChangeAction::Update | ChangeAction::ChangeYours => THEME.warn,
            ChangeAction::Delete => THEME.fail,
        };
        lines.push(Line::from(""));
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", c.action.symbol()), style),
            Span::styled(c.sentence(), THEME.text),
        ]));
        if let Some(cmd) = c.command() {
            lines.push(Line::styled(format!("    $ {cmd}"), THEME.code));
        }
    }
    Text::from(lines)
}

/// For a step that fails its checks now: what apply will put back (the
/// plan's `= keep` lines say a resource stays, not that it is right).
fn repairs(w: &Wizard) -> Vec<Line<'static>> {
    let Some(Load::Ready(checks, _)) = w.checks.get(&w.selected) else {
        return Vec::new();
    };
    let failing: Vec<_> = checks
        .iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .collect();
    if failing.is_empty() || w.session.status(w.selected) != StepStatus::Failed {
        return Vec::new();
    }
    let mut lines = vec![Line::styled(
        "This step fails its checks now; applying it repairs what it owns:",
        THEME.fail,
    )];
    for c in failing {
        lines.push(Line::from(vec![
            Span::styled("~ repair ", THEME.warn),
            Span::styled(format!("{} (now: {})", c.name, c.observed), THEME.text),
        ]));
        if let Some(Fix::Apply(other)) = &c.fix
            && *other != w.selected
        {
            lines.push(Line::styled(
                format!(
                    "    this one is step {}'s to repair ({})",
                    other.number(),
                    other.title()
                ),
                THEME.muted,
            ));
        }
    }
    lines.push(Line::from(""));
    lines
}

fn checks(app: &App, w: &Wizard) -> Text<'static> {
    let step = w.selected;
    let rec = w.session.step(step);
    let mut lines = Vec::new();
    if let Some((at, did)) = w.last_apply.get(&step) {
        lines.push(Line::styled(
            format!("Last apply, {} ago:", elapsed(at.elapsed().as_secs())),
            THEME.title,
        ));
        for d in did {
            lines.push(Line::styled(format!("  • {d}"), THEME.text));
        }
        lines.push(Line::from(""));
    }
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
        None if rec.status == StepStatus::NotStarted => {
            lines.push(not_applied(&app.config.keys, w));
        }
        None => lines.push(Line::styled(
            format!(
                "Press {} to check the live account.",
                app.config.keys.first(Action::Recheck)
            ),
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
                    "checked {} ago: {} pass, {} fail, {} warn, {} pending, {} skipped   ({} re-checks)",
                    elapsed(at.elapsed().as_secs()),
                    count(CheckStatus::Pass),
                    count(CheckStatus::Fail),
                    count(CheckStatus::Warn),
                    count(CheckStatus::Pending),
                    count(CheckStatus::Skipped),
                    app.config.keys.first(Action::Recheck)
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
                        format!("    fix: {}", worded(fix, w.selected, &app.config.keys)),
                        st,
                    ));
                }
            }
            let failing = checks.iter().any(|c| c.status == CheckStatus::Fail);
            if let Some(d) = w.diagnosis.as_ref().filter(|_| failing)
                && crate::tui::diagnosis::STEPS.contains(&step)
            {
                lines.extend(crate::tui::diagnosis::render(d));
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
            format!(
                "Press {} to read the live resources.",
                app.config.keys.first(Action::Recheck)
            ),
            THEME.muted,
        )),
        Some(Load::Loading(t)) => lines.push(reading(app, t)),
        Some(Load::Failed(e)) => {
            lines.extend(e.lines().map(|l| Line::styled(l.to_string(), THEME.fail)));
        }
        Some(Load::Ready(res, _)) if res.is_empty() => {
            if w.session.status(w.selected) == StepStatus::NotStarted {
                lines.push(not_applied(&app.config.keys, w));
            } else {
                lines.push(Line::styled("Nothing of this step's is live.", THEME.muted));
            }
        }
        Some(Load::Ready(res, at)) => {
            lines.push(Line::styled(
                format!(
                    "read {} ago   ({} refreshes; every 30 s while nothing runs)",
                    elapsed(at.elapsed().as_secs()),
                    app.config.keys.first(Action::Recheck)
                ),
                THEME.muted,
            ));
            if app.connection().is_some_and(|c| c.aws.is_emulated()) {
                lines.push(Line::styled(
                    "No console links: these resources live in the local sandbox (an emulator), \
                     not in an AWS account the console can show.",
                    THEME.muted,
                ));
            }
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
        let keys = KeyTable::default();
        assert_eq!(
            worded(&Fix::Apply(here), here, &keys),
            "press a to apply this step"
        );
        assert_eq!(
            worded(&Fix::Apply(StepId::LoadBalancer), here, &keys),
            "apply step 4 (Internal load balancer) first"
        );
        assert!(!worded(&Fix::Apply(here), here, &keys).contains("gatewalk apply"));
        assert_eq!(
            worded(&Fix::Aws("aws ec2 x".into()), here, &keys),
            "by hand, in a shell: aws ec2 x"
        );
        let rebound = KeyTable::with_overrides("[keys]\napply = [\"F5\"]").unwrap();
        assert_eq!(
            worded(&Fix::Apply(here), here, &rebound),
            "press F5 to apply this step"
        );
    }
}
