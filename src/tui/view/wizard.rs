//! The wizard screen: the ten steps on the left with their status, the
//! selected step's tabs on the right, and a progress panel while something runs.

use super::{elapsed, spinner, tabs};
use crate::model::StepId;
use crate::progress::Event;
use crate::tui::app::{App, Focus, Job, JobKind, StepMark, Tab, Wizard};
use crate::tui::theme::THEME;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Tabs};

/// The sidebar's glyph and style for a mark.
pub fn mark_style(m: StepMark, frame: usize) -> (&'static str, Style) {
    match m {
        StepMark::Done => ("✓", THEME.ok),
        StepMark::DoneWithCaveat => ("✓*", THEME.warn),
        StepMark::Current => ("▸", THEME.pending),
        StepMark::Failing => ("✗", THEME.fail),
        StepMark::Applying => (spinner(frame), THEME.pending),
        StepMark::Locked => ("·", THEME.muted),
    }
}

/// Draws the wizard into `area`.
pub fn render(app: &App, w: &Wizard, f: &mut Frame, area: Rect) {
    let [side, main] =
        Layout::horizontal([Constraint::Length(30), Constraint::Fill(1)]).areas(area);
    sidebar(app, w, f, side);
    let (content, panel) = match &w.job {
        Some(job) => {
            let [c, p] = Layout::vertical([Constraint::Fill(1), Constraint::Length(7)]).areas(main);
            (c, Some((job, p)))
        }
        None => (main, None),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if w.focus == Focus::Content {
            THEME.focus
        } else {
            THEME.border
        })
        .title(Span::styled(
            format!(" {}. {} ", w.selected.number(), w.selected.title()),
            THEME.title,
        ));
    let inner = block.inner(content);
    f.render_widget(block, content);
    let [tab_row, body] =
        Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);
    let titles: Vec<Line> = Tab::ALL.iter().map(|t| Line::from(t.title())).collect();
    let selected = Tab::ALL.iter().position(|t| *t == w.tab).unwrap_or(0);
    f.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(THEME.selected)
            .style(THEME.muted)
            .block(
                Block::default()
                    .borders(Borders::BOTTOM)
                    .border_style(THEME.border),
            ),
        tab_row,
    );
    let (text, keep) = tabs::content(app, w);
    super::scroll::render(
        f,
        body,
        &text,
        (w.scroll, keep),
        &w.viewport,
        &super::scroll_keys(app),
    );
    if let Some((job, p)) = panel {
        progress_panel(app, w, job, f, p);
    }
}

fn sidebar(app: &App, w: &Wizard, f: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if w.focus == Focus::Steps {
            THEME.focus
        } else {
            THEME.border
        })
        .title(Span::styled(
            format!(" Steps {}/10 ", w.session.done_count()),
            THEME.title,
        ));
    let mut lines: Vec<Line> = StepId::ALL
        .iter()
        .map(|s| {
            let (glyph, style) = mark_style(w.mark(*s), app.frame);
            let label = format!("{:>2} {}", s.number(), s.title());
            let row = if *s == w.selected {
                if w.focus == Focus::Steps {
                    THEME.selected
                } else {
                    THEME.title
                }
            } else {
                THEME.text
            };
            Line::from(vec![
                Span::styled(format!(" {glyph:<2}"), style),
                Span::styled(label, row),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    for (m, word) in [
        (StepMark::Done, "done"),
        (StepMark::DoneWithCaveat, "done, emulator caveats"),
        (StepMark::Current, "next"),
        (StepMark::Failing, "failing"),
        (StepMark::Locked, "locked"),
    ] {
        let (g, st) = mark_style(m, 0);
        lines.push(Line::from(vec![
            Span::styled(format!(" {g:<2} "), st),
            Span::styled(word, THEME.muted),
        ]));
    }
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// One progress event as a line.
pub fn event_line(e: &Event) -> Line<'static> {
    let (style, text) = match e {
        Event::Info { message, .. } => (THEME.text, message.clone()),
        Event::Created { kind, id, .. } => (THEME.ok, format!("+ created {kind} {id}")),
        Event::Reused { kind, id, .. } => (THEME.muted, format!("= found {kind} {id}")),
        Event::Deleted { kind, id, .. } => (THEME.warn, format!("- deleted {kind} {id}")),
        Event::Changed { kind, id, what, .. } => (
            THEME.pending,
            format!("~ changed {kind} {}: {what}", crate::text::short_arn(id)),
        ),
        Event::Waiting {
            what,
            state,
            elapsed_secs,
            ..
        } => (
            THEME.pending,
            format!("… {} {state} · waiting for {what}", elapsed(*elapsed_secs)),
        ),
        Event::Warning { message, .. } => (THEME.warn, format!("! {message}")),
        Event::Retry { .. } => (THEME.warn, format!("↻ {e}")),
    };
    Line::styled(text, style)
}

/// The panel shown while a job runs: what, for how long, the current wait,
/// the last call and the latest lines.
pub fn progress_panel(app: &App, w: &Wizard, job: &Job, f: &mut Frame, area: Rect) {
    let what = match job.kind {
        JobKind::Apply(s) => format!("applying step {}", s.number()),
        JobKind::Teardown => "tearing down".to_string(),
    };
    let stop = if job.cancelling {
        "stopping…".to_string()
    } else {
        format!(
            "{} stops safely",
            app.config.keys.label(crate::tui::keys::Action::Back)
        )
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", spinner(app.frame)), THEME.pending),
        Span::styled(what, THEME.title),
        Span::styled(
            format!(" · {} · {stop}", elapsed(job.started.elapsed().as_secs())),
            THEME.muted,
        ),
    ])];
    if let Some(w) = &job.waiting {
        lines.push(event_line(w));
    }
    if let Some(c) = app.connection().and_then(|c| c.aws.calls.last()) {
        lines.push(Line::styled(
            format!(
                "last call: {} {} ({} ms{})",
                c.service,
                c.operation,
                c.duration.as_millis(),
                if c.attempts > 1 {
                    format!(", {} attempts", c.attempts)
                } else {
                    String::new()
                }
            ),
            THEME.muted,
        ));
    }
    let room = area.height.saturating_sub(2) as usize;
    let take = room.saturating_sub(lines.len());
    let recent: Vec<&Event> = w
        .log
        .iter()
        .filter(|e| !matches!(e, Event::Waiting { .. }))
        .collect();
    let start = recent.len().saturating_sub(take);
    lines.extend(recent[start..].iter().map(|e| event_line(e)));
    // One row per line (clipped, not wrapped), so the newest stay visible.
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(THEME.pending)
                .title(Span::styled(" Progress ", THEME.title)),
        ),
        area,
    );
}
