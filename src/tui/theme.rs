//! The one semantic theme: styles named by role. Widgets ask for `title` or
//! `fail`, never for a colour.

use ratatui::style::{Color, Modifier, Style};

/// Styles by role.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Headings and pane titles.
    pub title: Style,
    /// The selected row or tab.
    pub selected: Style,
    /// Ordinary text.
    pub text: Style,
    /// Secondary text: hints, timestamps, ids.
    pub muted: Style,
    /// A passing check, a finished step.
    pub ok: Style,
    /// A failing check or an error.
    pub fail: Style,
    /// A warning or an emulator caveat.
    pub warn: Style,
    /// Something in progress.
    pub pending: Style,
    /// Code spans, ids, commands.
    pub code: Style,
    /// Key names in the footer and help.
    pub key: Style,
    /// The header bar.
    pub header: Style,
    /// Borders of the focused pane.
    pub focus: Style,
    /// Borders of other panes.
    pub border: Style,
}

/// The theme gatewalk draws with: readable on dark and light terminals, using
/// the terminal's own palette (16 colours) rather than fixed RGB.
pub const THEME: Theme = Theme {
    title: Style::new().add_modifier(Modifier::BOLD),
    selected: Style::new().add_modifier(Modifier::REVERSED),
    text: Style::new(),
    muted: Style::new().fg(Color::DarkGray),
    ok: Style::new().fg(Color::Green),
    fail: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    warn: Style::new().fg(Color::Yellow),
    pending: Style::new().fg(Color::Cyan),
    code: Style::new().fg(Color::Magenta),
    key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
    header: Style::new().add_modifier(Modifier::REVERSED),
    focus: Style::new().fg(Color::Cyan),
    border: Style::new().fg(Color::DarkGray),
};
