//! Colour for the command line's text, named by role (the wizard's theme is
//! its own, in `tui`). Text is painted with ANSI codes and printed through
//! `anstream`'s `println!`/`eprintln!`, which drop the codes when the stream
//! is not a terminal or `NO_COLOR` is set, and keep them with
//! `CLICOLOR_FORCE=1` (anstream's documented precedence: `NO_COLOR` first).

use crate::model::{ChangeAction, CheckStatus};
use anstyle::{AnsiColor, Style};
use std::fmt::Display;

/// What a piece of text is, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Passed, created, done.
    Ok,
    /// Failed, deleted.
    Fail,
    /// A warning or a change.
    Warn,
    /// Kept, skipped, waiting: there, but not news.
    Muted,
    /// The word before an error.
    Error,
}

impl Role {
    fn style(self) -> Style {
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        match self {
            Role::Ok => fg(AnsiColor::Green),
            Role::Fail => fg(AnsiColor::Red),
            Role::Warn => fg(AnsiColor::Yellow),
            Role::Muted => Style::new().dimmed(),
            Role::Error => fg(AnsiColor::Red).bold(),
        }
    }
}

/// `text` in the colour of `role`.
pub fn paint(role: Role, text: impl Display) -> String {
    let s = role.style();
    format!("{s}{text}{s:#}")
}

/// A check's mark (`✓`, `✗`, …), coloured.
pub fn mark(status: CheckStatus) -> String {
    let (m, role) = match status {
        CheckStatus::Pass => ("✓", Role::Ok),
        CheckStatus::Fail => ("✗", Role::Fail),
        CheckStatus::Warn => ("!", Role::Warn),
        CheckStatus::Pending => ("…", Role::Warn),
        CheckStatus::Skipped => ("-", Role::Muted),
    };
    paint(role, m)
}

/// `✓` when `ok`, else `✗`, coloured.
pub fn verdict(ok: bool) -> String {
    mark(if ok {
        CheckStatus::Pass
    } else {
        CheckStatus::Fail
    })
}

/// The colour of a plan line.
pub fn change(action: ChangeAction) -> Role {
    match action {
        ChangeAction::Create => Role::Ok,
        ChangeAction::Keep => Role::Muted,
        ChangeAction::Update | ChangeAction::ChangeYours => Role::Warn,
        ChangeAction::Delete => Role::Fail,
    }
}
