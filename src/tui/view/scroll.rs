//! Long text in a pane: wrapped by words with a hanging indent (a wrapped
//! bullet, check or `key  value` line continues under its text, not at
//! column 0; an ARN longer than the pane breaks inside itself), scrolled
//! within what there is, with its position shown (`12/40`) and the keys
//! that move it.

use crate::tui::app::Viewport;
use crate::tui::theme::THEME;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::Paragraph;

/// Markers a wrapped line continues after (`• item` continues under `item`).
const MARKERS: [&str; 16] = [
    "• ", "- ", "* ", "+ ", "~ ", "= ", "✓ ", "✗ ", "! ", "… ", "– ", "> ", "$ ", "▸ ", "✓* ",
    "fix: ",
];

fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// Where the continuation of a line starts: its leading spaces, plus a
/// marker or numbered item after them, or the value column of a
/// `key   value` line.
fn hanging_indent(text: &str) -> usize {
    let lead = text.len() - text.trim_start_matches(' ').len();
    let rest = &text[lead..];
    if let Some(m) = MARKERS.iter().find(|m| rest.starts_with(*m)) {
        return lead + width(m);
    }
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && rest[digits..].starts_with(". ") {
        return lead + digits + 2;
    }
    // `key   value`: a word, then two or more spaces.
    if let Some(word) = rest.split(' ').next()
        && !word.is_empty()
        && rest[word.len()..].starts_with("  ")
    {
        let gap = rest[word.len()..].len() - rest[word.len()..].trim_start().len();
        return lead + width(word) + gap;
    }
    lead
}

/// `line` broken into rows of at most `max` columns.
fn wrap_line(line: &Line<'static>, max: usize) -> Vec<Line<'static>> {
    let plain: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    if width(&plain) <= max || max < 8 {
        return vec![line.clone()];
    }
    let indent = hanging_indent(&plain).min(max / 2);
    // Each character with its style, then words (runs of non-spaces with the
    // spaces before them).
    let chars: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| {
            let st = line.style.patch(s.style);
            s.content.chars().map(move |c| (c, st))
        })
        .collect();
    let mut words: Vec<&[(char, Style)]> = Vec::new();
    let mut start = 0;
    for i in 1..=chars.len() {
        let boundary = i == chars.len() || (chars[i].0 == ' ' && chars[i - 1].0 != ' ');
        if boundary {
            words.push(&chars[start..i]);
            start = i;
        }
    }
    let mut rows: Vec<Vec<(char, Style)>> = vec![Vec::new()];
    let mut used = 0;
    for mut word in words {
        let w: usize = word.iter().map(|(c, _)| width(&c.to_string())).sum();
        if used + w > max && used > indent {
            rows.push(vec![(' ', Style::default()); indent]);
            used = indent;
            // A continuation row does not start with the gap between words.
            let gap = word.iter().take_while(|(c, _)| *c == ' ').count();
            word = &word[gap..];
        }
        for &(c, st) in word {
            let cw = width(&c.to_string());
            if used + cw > max {
                rows.push(vec![(' ', Style::default()); indent]);
                used = indent;
            }
            if let Some(r) = rows.last_mut() {
                r.push((c, st));
            }
            used += cw;
        }
    }
    rows.into_iter().map(|r| styled(&r)).collect()
}

/// A row of styled characters as spans, one per run of a style.
fn styled(row: &[(char, Style)]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut style = row.first().map(|(_, s)| *s).unwrap_or_default();
    for &(c, st) in row {
        if st != style && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        style = st;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, style));
    }
    Line::from(spans)
}

/// Draws `text` into `area` from row `scroll` (kept within the text; with
/// `keep` the lines, first to last, that must be visible — the selected
/// field; when they do not all fit, their first), records
/// the pane's size in `vp`, and, when there is more than fits, says on its
/// last row where you are and how to move: `12–31 of 40 ↑↓ · PgUp/PgDn scroll`.
pub fn render(
    f: &mut Frame,
    area: Rect,
    text: &Text<'static>,
    (scroll, keep): (u16, Option<(usize, usize)>),
    vp: &Viewport,
    keys: &str,
) {
    let mut lines = Vec::new();
    let (mut first, mut last) = (None, None);
    for (i, l) in text.lines.iter().enumerate() {
        if keep.is_some_and(|(a, _)| a == i) {
            first = Some(lines.len());
        }
        lines.extend(wrap_line(l, usize::from(area.width)));
        if keep.is_some_and(|(_, b)| b == i) {
            last = Some(lines.len().saturating_sub(1));
        }
    }
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    // When it does not fit, the last row says where you are instead.
    let overflows = total > area.height && area.height > 1;
    let page = area.height - u16::from(overflows);
    vp.page.set(page);
    vp.total.set(total);
    let max = total.saturating_sub(page);
    let mut top = scroll.min(max);
    let row = |r: Option<usize>| r.and_then(|r| u16::try_from(r).ok());
    if let Some(k) = row(last)
        && k >= top + page
    {
        top = (k + 1).saturating_sub(page).min(max);
    }
    if let Some(k) = row(first)
        && k < top
    {
        top = k;
    }
    let text_area = Rect {
        height: page,
        ..area
    };
    f.render_widget(Paragraph::new(lines).scroll((top, 0)), text_area);
    if overflows {
        let last = (top + page).min(total);
        let more = match (top > 0, last < total) {
            (true, true) => "↑↓",
            (false, true) => "↓",
            (true, false) => "↑",
            (false, false) => "",
        };
        let how = if keys.is_empty() {
            String::new()
        } else {
            format!(" · {keys} scroll")
        };
        let label = format!("{}–{last} of {total} {more}{how}", top + 1);
        let at = Rect {
            y: area.y + page,
            height: 1,
            ..area
        };
        f.render_widget(
            Paragraph::new(Line::styled(label, THEME.key))
                .alignment(ratatui::layout::Alignment::Right),
            at,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, max: usize) -> Vec<String> {
        wrap_line(&Line::from(text.to_string()), max)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn wrapped_bullets_hang_under_their_text() {
        let r = rows(
            "  • the NAT gateway lets the private task pull its image",
            24,
        );
        assert_eq!(r[0], "  • the NAT gateway lets");
        assert!(
            r[1..]
                .iter()
                .all(|l| l.starts_with("    ") && !l.starts_with("     ")),
            "{r:?}"
        );
    }

    #[test]
    fn a_long_arn_breaks_inside_itself_under_its_value_column() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo/0123";
        let r = rows(&format!("    arn    {arn}"), 40);
        assert!(r.len() > 1);
        assert!(
            r.iter().all(|l| Span::raw(l.clone()).width() <= 40),
            "{r:?}"
        );
        assert!(
            r[1..].iter().all(|l| l.starts_with(&" ".repeat(11))),
            "{r:?}"
        );
        let joined: String = r.iter().map(|l| l.trim()).collect();
        assert!(joined.contains(arn), "{r:?}");
    }

    #[test]
    fn numbered_items_and_short_lines() {
        let r = rows("12. one two three four five six", 16);
        assert!(
            r[1].starts_with("    ") && !r[1].starts_with("     "),
            "{r:?}"
        );
        assert_eq!(rows("short", 40), vec!["short".to_string()]);
    }
}
