//! The done screen: the invoke URL, the smoke test, what runs and what it
//! costs, and the way to tear it all down (with its progress).

use super::wizard::progress_panel;
use crate::steps::StepId;
use crate::steps::done::{SMOKE_KEY, summary};
use crate::steps::rest_api::keys::INVOKE_URL;
use crate::tui::app::{App, Wizard};
use crate::tui::keys::Action;
use crate::tui::theme::THEME;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draws the done screen into `area`.
pub fn render(app: &App, w: &Wizard, f: &mut Frame, area: Rect) {
    let (main, panel) = match &w.job {
        Some(job) => {
            let [m, p] = Layout::vertical([Constraint::Fill(1), Constraint::Length(8)]).areas(area);
            (m, Some((job, p)))
        }
        None => (area, None),
    };
    let s = &w.session;
    let mut lines = Vec::new();
    match s.output(StepId::RestApi, INVOKE_URL) {
        Some(url) => {
            lines.push(Line::styled("Your API", THEME.title));
            lines.push(Line::styled(format!("  {url}"), THEME.code));
            if s.sandbox_instance.is_some() {
                lines.push(Line::styled(
                    "  (sandbox: the URL has the real shape but nothing serves it — the emulator carries no traffic)",
                    THEME.warn,
                ));
            }
        }
        None => lines.push(Line::styled(
            "Nothing is deployed in this session (torn down, or not built yet).",
            THEME.muted,
        )),
    }
    if let Some(smoke) = s.output(StepId::Done, SMOKE_KEY) {
        lines.push(Line::from(""));
        lines.push(Line::styled("Smoke test", THEME.title));
        let st = if smoke.starts_with("skipped") {
            THEME.warn
        } else if smoke.starts_with("HTTP 2") || smoke.starts_with("HTTP 3") {
            THEME.ok
        } else {
            THEME.fail
        };
        lines.push(Line::styled(format!("  {smoke}"), st));
    }
    if s.output(StepId::RestApi, INVOKE_URL).is_some() {
        lines.push(Line::from(""));
        for l in summary(&w.inputs, s) {
            let style = if l.starts_with(' ') {
                THEME.text
            } else {
                THEME.title
            };
            lines.push(Line::styled(l, style));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(app.config.keys.label(Action::Teardown), THEME.key),
        Span::raw(" tears everything down (you type the session name to confirm) · "),
        Span::styled(app.config.keys.label(Action::Back), THEME.key),
        Span::raw(" back to the steps"),
    ]));
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(THEME.focus)
                .title(Span::styled(
                    format!(" Done — session {} ", s.name),
                    THEME.title,
                )),
        ),
        main,
    );
    if let Some((job, p)) = panel {
        progress_panel(app, w, job, f, p);
    }
}
