//! Drawing: a pure function of the app's state. The frame is a header bar,
//! the screen, a notice line and a footer generated from the key table, with
//! dialogs drawn over it.

mod calls;
mod done;
mod overlay;
mod picker;
pub mod scroll;
mod tabs;
mod wizard;

use super::app::{App, Conn, Notice, Overlay, Screen};
use super::keys::Action;
use super::theme::THEME;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The smallest terminal gatewalk draws in.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal height gatewalk draws in.
pub const MIN_HEIGHT: u16 = 24;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner glyph for a frame number.
pub fn spinner(frame: usize) -> &'static str {
    SPINNER[frame % SPINNER.len()]
}

/// Draws the whole app.
pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return too_small(app, f, area);
    }
    let notice_text = app.notice.as_ref().map(|n| {
        let (glyph, style) = match n {
            Notice::Info(_) => ("", THEME.pending),
            Notice::Success(_) => ("✓ ", THEME.ok),
            Notice::Warn(_) => ("! ", THEME.warn),
            Notice::Error(_) => ("✗ ", THEME.fail),
        };
        (format!("{glyph}{}", n.text()), style)
    });
    // A notice longer than a row gets two (then it is cut, and says so).
    let rows = notice_text.as_ref().map_or(1, |(t, _)| {
        // (Drawn one column in from the edge.)
        if Span::raw(t.as_str()).width() >= usize::from(area.width) {
            2
        } else {
            1
        }
    });
    let [header, body, notice, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(rows),
        Constraint::Length(1),
    ])
    .areas(area);
    f.render_widget(header_line(app), header);
    match &app.screen {
        Screen::Picker => picker::render(app, f, body),
        Screen::Wizard(w) if w.done_screen => done::render(app, w, f, body),
        Screen::Wizard(w) => wizard::render(app, w, f, body),
    }
    if let Some((text, style)) = notice_text {
        let notice = Rect {
            x: notice.x + 1,
            width: notice.width.saturating_sub(1),
            ..notice
        };
        // Wrapped in its rows; cut where it ends, and said so.
        // (Two rows hold a little less than twice a row: words wrap whole.)
        let w = usize::from(notice.width);
        let room = if notice.height > 1 { 2 * w - w / 4 } else { w };
        let text = cut(text, room);
        f.render_widget(
            Paragraph::new(Line::styled(text, style)).wrap(Wrap { trim: true }),
            notice,
        );
    }
    f.render_widget(footer_line(app), footer);
    if let Some(ov) = &app.overlay {
        overlay::render(app, ov, f, area);
    }
}

fn too_small(app: &App, f: &mut Frame, area: Rect) {
    let text = vec![
        Line::styled("gatewalk needs a bigger terminal", THEME.title),
        Line::from(format!(
            "This one is {}×{}; gatewalk needs at least {MIN_WIDTH}×{MIN_HEIGHT}.",
            area.width, area.height
        )),
        Line::from(format!(
            "Enlarge the window or make the font smaller. Press {} to quit.",
            app.config.keys.first(Action::Quit)
        )),
    ];
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

fn header_line(app: &App) -> Paragraph<'static> {
    let sandbox = app.config.keys.first(Action::Sandbox);
    let mut parts: Vec<String> = vec!["gatewalk".into()];
    if let Some(w) = app.wizard() {
        parts.push(format!("session {}", w.session.name));
    }
    match &app.conn {
        Conn::Connecting => parts.push(format!("{} connecting…", spinner(app.frame))),
        Conn::Failed(e) => parts.push(format!(
            "not connected (press {sandbox} for the local sandbox): {}",
            e.lines().next().unwrap_or("")
        )),
        Conn::Ready(c) => {
            match &app.identity {
                None => parts.push(format!("{} checking credentials…", spinner(app.frame))),
                Some(Ok(id)) => parts.push(format!("account {}", id.account)),
                Some(Err(e)) => parts.push(format!(
                    "credentials failed (press {sandbox} in the session list for the local sandbox): {}",
                    e.lines().next().unwrap_or("")
                )),
            }
            parts.push(c.aws.region.clone());
            match (&c.sandbox, &c.aws.endpoint_url, &c.profile) {
                (Some(s), _, _) => parts.push(s.describe()),
                (None, Some(e), _) => parts.push(format!("endpoint {e}")),
                (None, None, Some(p)) => parts.push(format!("profile {p}")),
                (None, None, None) => parts.push("default credentials".into()),
            }
        }
    }
    Paragraph::new(Line::styled(
        format!(" {}", parts.join(" │ ")),
        THEME.header,
    ))
    .style(THEME.header)
}

fn footer_line(app: &App) -> Paragraph<'static> {
    let mut spans = Vec::new();
    if let Some(ov) = &app.overlay {
        // A dialog has the keys: say its keys, not the screen's below it.
        let k = |a| app.config.keys.first(a);
        let pairs: Vec<(String, &str)> = match ov {
            Overlay::Help => vec![(k(Action::Back), "close"), (k(Action::Quit), "quit")],
            Overlay::CallLog { open: true, .. } => vec![
                (format!("{}/{}", k(Action::Up), k(Action::Down)), "scroll"),
                (k(Action::Back), "back to the list"),
                (k(Action::Quit), "quit"),
            ],
            Overlay::CallLog { .. } => vec![
                (format!("{}/{}", k(Action::Up), k(Action::Down)), "pick"),
                (k(Action::Select), "open"),
                (k(Action::Back), "close"),
                (k(Action::Quit), "quit"),
            ],
            Overlay::NewSession { .. }
            | Overlay::ConfirmTeardown { .. }
            | Overlay::Adopt { .. } => {
                vec![
                    ("type".into(), "the name"),
                    ("enter".into(), "confirm"),
                    ("esc".into(), "cancel"),
                ]
            }
            Overlay::ConfirmDelete { .. }
            | Overlay::ConfirmQuit
            | Overlay::ConfirmChangeYours { .. } => {
                vec![("y".into(), "yes"), ("any other key".into(), "no")]
            }
        };
        for (keys, what) in pairs {
            spans.push(Span::styled(format!(" {keys}"), THEME.key));
            spans.push(Span::styled(format!(" {what} "), THEME.muted));
        }
        return Paragraph::new(Line::from(spans));
    }
    for (keys, what) in app.config.keys.footer(app.context()) {
        spans.push(Span::styled(format!(" {keys}"), THEME.key));
        spans.push(Span::styled(format!(" {what} "), THEME.muted));
    }
    Paragraph::new(Line::from(spans))
}

/// `text` in at most `room` columns: cut with `…` when it is longer.
fn cut(text: String, room: usize) -> String {
    if Span::raw(text.as_str()).width() <= room {
        return text;
    }
    text.chars()
        .take(room.saturating_sub(1))
        .collect::<String>()
        + "…"
}

/// The keys that scroll long text, for its position label (`PgUp/PgDn`).
fn scroll_keys(app: &App) -> String {
    format!(
        "{}/{}",
        app.config.keys.first(Action::PageUp),
        app.config.keys.first(Action::PageDown)
    )
}

/// A rectangle of `w`×`h` centred in `area` (clamped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// `1m 12s`, `8s` for a number of seconds.
pub fn elapsed(secs: u64) -> String {
    crate::progress::fmt_elapsed(std::time::Duration::from_secs(secs))
}
