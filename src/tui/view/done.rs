//! The done screen: the invoke URL, the smoke test, what runs and what it
//! costs, and the way to tear it all down (with its progress).

use super::wizard::progress_panel;
use crate::model::keys::{INVOKE_URL, SMOKE_KEY};
use crate::summary::{cost, summary};
use crate::tui::app::{App, Wizard};
use crate::tui::keys::Action;
use crate::tui::theme::THEME;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::Block;
use ratatui::widgets::Borders;

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
    let url = s.output(INVOKE_URL);
    match url {
        Some(url) => {
            lines.push(Line::from(vec![
                Span::styled("Invoke URL  ", THEME.title),
                Span::styled(url.to_string(), THEME.code),
            ]));
            if s.sandbox_instance.is_some() {
                lines.push(Line::styled(
                    "            sandbox: not on the internet; gatewalk sends its requests to the sandbox, \
                     which answers as API Gateway would",
                    THEME.muted,
                ));
            }
        }
        None => lines.push(Line::styled(
            "Nothing is deployed in this session (torn down, or not built yet).",
            THEME.muted,
        )),
    }
    if let Some(smoke) = s.output(SMOKE_KEY) {
        let st = if smoke.starts_with("skipped") {
            THEME.warn
        } else if smoke.starts_with("HTTP 2") || smoke.starts_with("HTTP 3") {
            THEME.ok
        } else {
            THEME.fail
        };
        lines.push(Line::from(vec![
            Span::styled("Smoke test  ", THEME.title),
            Span::styled(smoke.to_string(), st),
        ]));
    }
    let costs = cost::hourly(&w.inputs, s);
    if !costs.is_empty() {
        let t = cost::total(&costs);
        lines.push(Line::from(vec![
            Span::styled("Cost        ", THEME.title),
            Span::styled(
                format!(
                    "about ${t:.3}/hour, ${:.0}/month while it runs, plus traffic (us-east-1 list prices)",
                    t * cost::HOURS_PER_MONTH
                ),
                THEME.warn,
            ),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled("Teardown    ", THEME.title),
        Span::styled(app.config.keys.label(Action::Teardown), THEME.key),
        Span::raw(" removes everything this session created (you type its name) · "),
        Span::styled(app.config.keys.label(Action::Back), THEME.key),
        Span::raw(" back to the steps"),
    ]));
    if url.is_some() {
        lines.push(Line::from(""));
        lines.push(Line::styled("What runs", THEME.title));
        let built = summary(&w.inputs, s);
        // The summary's own lines, without its cost block (shown per item below).
        for l in built.iter().skip(1).take_while(|l| l.starts_with(' ')) {
            lines.push(Line::styled(l.clone(), THEME.text));
        }
        cost_lines(&costs, &mut lines);
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(THEME.focus)
        .title(Span::styled(
            format!(" Done — session {} ", s.name),
            THEME.title,
        ));
    let inner = block.inner(main);
    f.render_widget(block, main);
    super::scroll::render(
        f,
        inner,
        &Text::from(lines),
        (w.scroll, None),
        &w.viewport,
        &super::scroll_keys(app),
    );
    if let Some((job, p)) = panel {
        progress_panel(app, w, job, f, p);
    }
}

/// The per-item cost lines, under their heading.
fn cost_lines(costs: &[cost::CostLine], lines: &mut Vec<Line<'static>>) {
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "What it costs per hour while it runs (us-east-1 list prices)",
        THEME.title,
    ));
    let wide = costs
        .iter()
        .map(|c| Span::raw(c.what.as_str()).width())
        .max()
        .unwrap_or(0);
    for c in costs {
        let price = if c.per_hour > 0.0 {
            format!("${:.4}/h", c.per_hour)
        } else {
            c.plus.to_string()
        };
        lines.push(Line::styled(
            format!("  {:<wide$}  {price}", c.what),
            THEME.muted,
        ));
    }
}
