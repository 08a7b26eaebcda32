//! One text field for every place the user types: the Configure form, the
//! new session's name, the adopt dialog's name and the teardown's typed
//! confirmation. A cursor that moves (←/→, Home/End), Backspace and Delete
//! at the cursor, printable characters inserted — counted in characters,
//! never bytes, so `é` or `→` never splits.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui::text::Span;

/// Text being typed, with its cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextField {
    text: String,
    /// The cursor, in characters from the start.
    cursor: usize,
}

impl TextField {
    /// A field holding `text`, the cursor at its end.
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let cursor = text.chars().count();
        Self { text, cursor }
    }

    /// The text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Replaces the text (a picked candidate), the cursor at its end.
    pub fn set(&mut self, text: impl Into<String>) {
        *self = Self::new(text);
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Applies an editing key; true when the text changed. Keys that are not
    /// editing keys (Enter, Esc, ↑/↓) are left to the caller.
    pub fn on_key(&mut self, k: &KeyEvent) -> bool {
        let len = self.text.chars().count();
        match k.code {
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
                return true;
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                return true;
            }
            KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                self.text.clear();
                self.cursor = 0;
                return true;
            }
            KeyCode::Char(c)
                if !c.is_control()
                    && !k
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                return true;
            }
            _ => {}
        }
        false
    }

    /// The text as spans, the cursor drawn as a block (`ab█c`, `abc█`).
    pub fn spans(&self, style: Style) -> Vec<Span<'static>> {
        let at = self.byte_at(self.cursor);
        let (before, after) = self.text.split_at(at);
        let mut rest = after.chars();
        let under = rest.next();
        let mut v = vec![Span::styled(before.to_string(), style)];
        match under {
            Some(c) => {
                v.push(Span::styled(c.to_string(), style.reversed()));
                v.push(Span::styled(rest.collect::<String>(), style));
            }
            None => v.push(Span::styled("█", style)),
        }
        v
    }
}

impl From<&str> for TextField {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_at_the_cursor_by_characters() {
        let mut f = TextField::new("aé");
        assert!(f.on_key(&key(KeyCode::Char('→'))));
        assert_eq!(f.text(), "aé→");
        f.on_key(&key(KeyCode::Left));
        f.on_key(&key(KeyCode::Left));
        assert!(f.on_key(&key(KeyCode::Backspace)));
        assert_eq!(f.text(), "é→");
        f.on_key(&key(KeyCode::Home));
        assert!(f.on_key(&key(KeyCode::Delete)));
        assert_eq!(f.text(), "→");
        assert!(f.on_key(&key(KeyCode::Char('x'))));
        assert_eq!(f.text(), "x→");
        assert!(!f.on_key(&key(KeyCode::Enter)));
        let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert!(f.on_key(&ctrl_u));
        assert_eq!(f.text(), "");
        assert!(!f.on_key(&key(KeyCode::Backspace)));
    }

    #[test]
    fn the_cursor_is_drawn_where_it_is() {
        let mut f = TextField::new("ab");
        let text = |f: &TextField| {
            f.spans(Style::default())
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        assert_eq!(text(&f), "ab█");
        f.on_key(&key(KeyCode::Left));
        assert_eq!(text(&f), "ab");
        assert_eq!(f.spans(Style::default())[1].content, "b");
    }
}
