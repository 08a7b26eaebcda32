//! One key with its modifiers: matched against terminal events, parsed from
//! `keys.toml` (`k`, `ctrl-c`, `pageup`, `f1`) and shown in prompts.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// One key with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl / Alt (Shift is part of the character for letters).
    pub modifiers: KeyModifiers,
}

impl Key {
    pub(super) const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    pub(super) const fn ch(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    /// Whether a terminal key event is this key.
    pub fn matches(&self, e: &KeyEvent) -> bool {
        let mods = e.modifiers - KeyModifiers::SHIFT;
        match (self.code, e.code) {
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            (a, b) => a == b && mods == self.modifiers - KeyModifiers::SHIFT,
        }
    }

    /// Parses `k`, `K`, `up`, `enter`, `esc`, `tab`, `shift-tab`, `ctrl-c`, `f1`, `?`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let (mods, name) = match t.split_once('-') {
            Some((m, rest)) if !rest.is_empty() && m.eq_ignore_ascii_case("ctrl") => {
                (KeyModifiers::CONTROL, rest)
            }
            Some((m, rest)) if !rest.is_empty() && m.eq_ignore_ascii_case("alt") => {
                (KeyModifiers::ALT, rest)
            }
            _ => (KeyModifiers::NONE, t),
        };
        let code = match name.to_ascii_lowercase().as_str() {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "shift-tab" | "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = name.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => {
                        return Err(format!(
                            "`{s}` is not a key (try `k`, `up`, `ctrl-c`, `f1`)"
                        ));
                    }
                }
            }
        };
        Ok(Self {
            code,
            modifiers: mods,
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            other => write!(f, "{other:?}"),
        }
    }
}
