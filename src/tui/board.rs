//! The instructor board: one row per student, read again every few seconds
//! in the background; a student's checks and live resources on Enter,
//! read-only. Its own small loop, beside the wizard's: it shares the
//! terminal handling (restored on every path out) but none of the steps.

use crate::classroom::board::{Cache, Row, Sort, read_with, sort_rows};
use crate::classroom::server::Classroom;
use crate::engine::Engine;
use crate::model::CheckStatus;
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use std::time::Duration;

/// How often the board reads every account again.
const REFRESH: Duration = Duration::from_secs(5);

/// "3m", "1h05m": how long since `t` (epoch seconds).
fn dur(now: f64, t: Option<f64>) -> String {
    let Some(t) = t else { return "-".into() };
    let s = crate::classroom::secs(now - t);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

fn exercise_cell(r: &Row) -> String {
    let Some(e) = &r.exercise else {
        return String::new();
    };
    match (e.red_at, e.time_to_fix) {
        (_, Some(t)) => format!("{}: fixed in {}", e.exercise, dur(t, Some(0.0))),
        (Some(_), None) => format!("{}: red", e.exercise),
        (None, None) => format!("{}: applied", e.exercise),
    }
}

/// The board as text lines: a header, then one line per student.
pub fn lines(rows: &[Row], now: f64) -> Vec<String> {
    let mut out = vec![format!(
        "{:<16} {:>5}  {:<18} {:>6}  {:>9}  {:<28} FAILING",
        "STUDENT", "DONE", "ON STEP", "FOR", "LAST CALL", "EXERCISE"
    )];
    for r in rows {
        let step = match (&r.error, r.current) {
            (Some(_), _) => "(unreadable)".to_string(),
            (None, Some(s)) => format!("{} {s}", s.number()),
            (None, None) => "all done".to_string(),
        };
        let failing = match &r.error {
            Some(e) => e.clone(),
            None => r
                .failing
                .iter()
                .map(|f| f.check.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        };
        out.push(format!(
            "{:<16} {:>5}  {:<18} {:>6}  {:>9}  {:<28} {}",
            r.name,
            format!("{}/10", r.done.len()),
            step,
            dur(now, r.on_step_since),
            dur(now, r.last_activity),
            exercise_cell(r),
            failing
        ));
    }
    out
}

struct Board {
    classroom: Classroom,
    rows: Vec<Row>,
    sort: Sort,
    selected: usize,
    detail: bool,
    /// Lines scrolled in the detail.
    scroll: u16,
    read_at: Option<f64>,
    error: Option<String>,
}

/// Runs the board until q (or Ctrl-C). The terminal is restored on every
/// path out.
pub async fn run(engine: &'static dyn Engine, c: Classroom, sort: Sort) -> crate::Result<()> {
    let mut terminal = ratatui::try_init()
        .map_err(|e| crate::Error::Terminal(format!("cannot set up the terminal: {e}")))?;
    let r = event_loop(&mut terminal, engine, c, sort).await;
    ratatui::restore();
    r
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    engine: &'static dyn Engine,
    classroom: Classroom,
    sort: Sort,
) -> crate::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let reader = classroom.clone();
    tokio::spawn(async move {
        let mut cache = Cache::default();
        loop {
            let r = read_with(engine, &reader, &mut cache)
                .await
                .map_err(|e| e.to_string());
            if tx.send(r).is_err() {
                return;
            }
            tokio::time::sleep(REFRESH).await;
        }
    });
    let mut b = Board {
        classroom,
        rows: Vec::new(),
        sort,
        selected: 0,
        detail: false,
        scroll: 0,
        read_at: None,
        error: None,
    };
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let term = crate::signals::terminate();
    tokio::pin!(term);
    loop {
        terminal
            .draw(|f| draw(&b, f))
            .map_err(|e| crate::Error::Terminal(format!("cannot draw to the terminal: {e}")))?;
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
                    if ctrl_c || !key(&mut b, k.code) {
                        return Ok(());
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(crate::Error::Terminal(format!("cannot read the terminal: {e}"))),
                None => return Ok(()),
            },
            Some(r) = rx.recv() => match r {
                Ok(mut rows) => {
                    sort_rows(&mut rows, b.sort);
                    b.rows = rows;
                    b.selected = b.selected.min(b.rows.len().saturating_sub(1));
                    b.read_at = Some(crate::classroom::now());
                    b.error = None;
                }
                Err(e) => b.error = Some(crate::text::one_line(&e)),
            },
            _ = tick.tick() => {}
            () = &mut term => return Ok(()),
        }
    }
}

/// Handles a key; false to quit.
fn key(b: &mut Board, code: KeyCode) -> bool {
    match code {
        KeyCode::Char('q') => return false,
        KeyCode::Esc if !b.detail => return false,
        KeyCode::Esc | KeyCode::Backspace => b.detail = false,
        KeyCode::Enter => {
            b.detail = !b.rows.is_empty();
            b.scroll = 0;
        }
        KeyCode::Down | KeyCode::Char('j') if b.detail => b.scroll = b.scroll.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') if b.detail => b.scroll = b.scroll.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            b.selected = (b.selected + 1).min(b.rows.len().saturating_sub(1));
        }
        KeyCode::Up | KeyCode::Char('k') => b.selected = b.selected.saturating_sub(1),
        KeyCode::Char('s') => {
            b.sort = match b.sort {
                Sort::Joined => Sort::Progress,
                Sort::Progress => Sort::Stuck,
                Sort::Stuck => Sort::Joined,
            };
            sort_rows(&mut b.rows, b.sort);
        }
        _ => {}
    }
    true
}

fn draw(b: &Board, f: &mut Frame) {
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let now = crate::classroom::now();
    let read = match (&b.error, b.read_at) {
        (Some(e), _) => format!("cannot read: {e}"),
        (None, Some(t)) => format!("read {} ago", dur(now, Some(t))),
        (None, None) => "reading every account…".into(),
    };
    f.render_widget(
        Line::from(format!(
            "gatewalk classroom {} · {} · {} student(s) · sort: {:?} · {read}",
            b.classroom.id,
            b.classroom.url,
            b.rows.len(),
            b.sort
        ))
        .add_modifier(Modifier::REVERSED),
        head,
    );
    let text: Vec<Line> = if b.detail {
        b.rows.get(b.selected).map(detail).unwrap_or_default()
    } else if b.rows.is_empty() && b.read_at.is_some() {
        vec![Line::from(format!(
            "Nobody has joined yet. Students join with: {}",
            b.classroom.join_command()
        ))]
    } else {
        lines(&b.rows, now)
            .into_iter()
            .enumerate()
            .map(|(i, l)| match i {
                0 => Line::from(l).add_modifier(Modifier::BOLD),
                i if i - 1 == b.selected => Line::from(l).add_modifier(Modifier::REVERSED),
                _ => Line::from(l),
            })
            .collect()
    };
    let scroll = if b.detail { b.scroll } else { 0 };
    f.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        body,
    );
    let keys = if b.detail {
        "↑↓ scroll · Esc back · q quit"
    } else {
        "↑↓ choose · Enter checks and resources · s sort · q quit (read-only: nothing is changed)"
    };
    f.render_widget(Line::from(keys).style(Style::new().dim()), foot);
}

/// One student's checks and live resources.
fn detail(r: &Row) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::from(format!(
            "{} — account {} — session {} — {}/10 steps done",
            r.name,
            r.account,
            r.session.as_deref().unwrap_or("(none yet)"),
            r.done.len()
        ))
        .add_modifier(Modifier::BOLD),
    ];
    if let Some(e) = &r.error {
        out.push(Line::from(format!("cannot read this account: {e}")));
    }
    for (step, checks) in &r.checks {
        let passing = checks
            .iter()
            .filter(|c| c.status == CheckStatus::Pass)
            .count();
        if passing == checks.len() {
            out.push(Line::from(format!(
                "step {} {step}: all {passing} checks pass",
                step.number()
            )));
            continue;
        }
        out.push(Line::from(format!("step {} {step}", step.number())).add_modifier(Modifier::BOLD));
        for c in checks.iter().filter(|c| c.status != CheckStatus::Pass) {
            let mark = match c.status {
                CheckStatus::Pass => "ok  ",
                CheckStatus::Fail => "FAIL",
                CheckStatus::Warn => "warn",
                CheckStatus::Pending => "wait",
                CheckStatus::Skipped => "skip",
            };
            let line = Line::from(format!(
                "  {mark} {}: {}",
                c.name,
                crate::text::clean(&c.observed)
            ));
            out.push(if c.status == CheckStatus::Fail {
                line.add_modifier(Modifier::BOLD)
            } else {
                line
            });
        }
    }
    out.push(Line::from("live resources").add_modifier(Modifier::BOLD));
    if r.resources.is_empty() {
        out.push(Line::from("  (none)"));
    }
    for t in &r.resources {
        out.push(Line::from(format!("  {:<24} {}", t.kind, t.id)));
    }
    out
}
