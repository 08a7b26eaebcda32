//! Just enough Markdown for the teaching texts: `#` headings, `-` lists,
//! numbered lists, fenced code blocks, `code spans`, **bold** and *emphasis*, turned into
//! styled ratatui lines. Anything else is shown as plain text.

use super::theme::THEME;
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};

/// Renders `md` into styled text (wrapping is left to the paragraph).
pub fn render(md: &str) -> Text<'static> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut in_code = false;
    for raw in md.lines() {
        let line = raw.trim_end();
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            lines.push(Line::from(Span::styled(format!("  {line}"), THEME.code)));
            continue;
        }
        if let Some(h) = line.strip_prefix("# ") {
            lines.push(Line::from(Span::styled(
                h.to_uppercase(),
                THEME.title.patch(THEME.pending),
            )));
        } else if let Some(h) = line
            .strip_prefix("## ")
            .or_else(|| line.strip_prefix("### "))
        {
            if !lines.is_empty() && lines.last().is_some_and(|l| !l.spans.is_empty()) {
                lines.push(Line::default());
            }
            lines.push(Line::from(Span::styled(h.to_string(), THEME.title)));
        } else if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            let mut spans = vec![Span::styled("  • ", THEME.muted)];
            spans.extend(inline(item));
            lines.push(Line::from(spans));
        } else if let Some((n, item)) = numbered(line) {
            let mut spans = vec![Span::styled(format!("  {n}. "), THEME.muted)];
            spans.extend(inline(item));
            lines.push(Line::from(spans));
        } else {
            lines.push(Line::from(inline(line)));
        }
    }
    Text::from(lines)
}

fn numbered(line: &str) -> Option<(&str, &str)> {
    let (n, rest) = line.split_once(". ")?;
    (!n.is_empty() && n.len() <= 2 && n.chars().all(|c| c.is_ascii_digit())).then_some((n, rest))
}

/// Code spans and bold within one line.
fn inline(text: &str) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut plain = String::new();
    let flush = |plain: &mut String, out: &mut Vec<Span<'static>>, style: Style| {
        if !plain.is_empty() {
            out.push(Span::styled(std::mem::take(plain), style));
        }
    };
    while let Some(c) = rest.chars().next() {
        if c == '`'
            && let Some(end) = rest[1..].find('`')
        {
            flush(&mut plain, &mut out, THEME.text);
            out.push(Span::styled(rest[1..=end].to_string(), THEME.code));
            rest = &rest[end + 2..];
            continue;
        }
        if rest.starts_with("**")
            && let Some(end) = rest[2..].find("**")
        {
            flush(&mut plain, &mut out, THEME.text);
            out.push(Span::styled(rest[2..2 + end].to_string(), THEME.title));
            rest = &rest[end + 4..];
            continue;
        }
        if c == '*'
            && rest.len() > 2
            && !rest[1..].starts_with([' ', '*'])
            && let Some(end) = rest[1..].find('*')
            && end > 0
        {
            flush(&mut plain, &mut out, THEME.text);
            out.push(Span::styled(
                rest[1..=end].to_string(),
                THEME.text.add_modifier(ratatui::style::Modifier::ITALIC),
            ));
            rest = &rest[end + 2..];
            continue;
        }
        plain.push(c);
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut plain, &mut out, THEME.text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(t: &Text<'_>) -> Vec<String> {
        t.lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn headings_lists_code_and_bold() {
        let t = render(
            "# Title\nSome `code` and **bold**.\n## Why\n- one `x`\n2. two\n```\naws ec2 x\n```",
        );
        assert_eq!(
            plain(&t),
            [
                "TITLE",
                "Some code and bold.",
                "",
                "Why",
                "  • one x",
                "  2. two",
                "  aws ec2 x"
            ]
        );
        assert_eq!(t.lines[1].spans[1].style, THEME.code);
        assert_eq!(t.lines[1].spans[3].style, THEME.title);
        // An unclosed backtick stays as text.
        assert_eq!(plain(&render("a `b")), ["a `b"]);
        assert_eq!(plain(&render("go *out* and 2 * 3")), ["go out and 2 * 3"]);
    }
}
