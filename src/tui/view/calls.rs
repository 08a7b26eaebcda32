//! The API call log: every call gatewalk made, in columns sized to what
//! they hold; a lookup that found nothing is said as such (gatewalk asks
//! before it creates), not as a failure; Enter opens a call to show its
//! parameters and its error.

use crate::aws::calls::CallRecord;
use crate::tui::app::{App, Viewport};
use crate::tui::keys::Action;
use crate::tui::theme::THEME;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear};

/// `Elastic Load Balancing v2` → `elbv2`-like short names for the log.
fn short(service: &str) -> String {
    match service {
        "Elastic Load Balancing v2" => "elbv2".into(),
        "API Gateway" => "apigateway".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// How a call ended, in a word or two, with its style.
fn outcome(c: &CallRecord) -> (String, ratatui::style::Style) {
    let code = c
        .code
        .clone()
        .or(c.http_status.map(|s| format!("HTTP {s}")));
    if c.ok {
        ("ok".into(), THEME.ok)
    } else if c.not_found() {
        (
            format!("not found (a lookup): {}", code.unwrap_or_default()),
            THEME.muted,
        )
    } else {
        (
            format!("failed: {}", code.unwrap_or_else(|| "no response".into())),
            THEME.fail,
        )
    }
}

/// Draws the log (or the opened call) over the body of the screen, between
/// the header and the notice line, which it leaves alone.
pub fn render(
    app: &App,
    (selected, open, scroll): (Option<usize>, bool, u16),
    f: &mut Frame,
    area: Rect,
) {
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(3),
        ..area
    };
    let log = app
        .connection()
        .map(|c| c.aws.calls.clone())
        .unwrap_or_default();
    let n = log.len();
    let at = selected.unwrap_or(n.saturating_sub(1));
    let keys = &app.config.keys;
    let title = if open {
        format!(
            " API call #{} — {}/{} scroll · {} back to the list ",
            at + 1,
            keys.first(Action::Up),
            keys.first(Action::Down),
            keys.first(Action::Back),
        )
    } else {
        format!(
            " API call log — {n} call{} · {}/{} pick · {} opens one · {} closes ",
            if n == 1 { "" } else { "s" },
            keys.first(Action::Up),
            keys.first(Action::Down),
            keys.first(Action::Select),
            keys.first(Action::Back),
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(THEME.focus)
        .title(Span::styled(title, THEME.title));
    let inner = block.inner(body);
    f.render_widget(Clear, body);
    f.render_widget(block, body);
    let viewport = Viewport::default();
    if open && let Some((_, c)) = log.window(at, 1).into_iter().next() {
        let keys = format!("{}/{}", keys.first(Action::Up), keys.first(Action::Down));
        super::scroll::render(f, inner, &detail(at, &c), (scroll, None), &viewport, &keys);
        return;
    }
    let rows = usize::from(inner.height).max(1);
    let start = (at + 1).saturating_sub(rows).max(log.first_kept());
    let calls = log.window(start, rows);
    let text = list(&calls, at, usize::from(inner.width));
    let keep = calls.iter().position(|(i, _)| *i == at).map(|k| (k, k));
    super::scroll::render(f, inner, &text, (0, keep), &viewport, "");
}

/// One row per call, the highlighted one kept in view; what does not fit a
/// row is cut, not wrapped.
fn list(calls: &[(usize, CallRecord)], at: usize, width: usize) -> Text<'static> {
    if calls.is_empty() {
        return Text::from(Line::styled("No AWS call has been made yet.", THEME.muted));
    }
    let names: Vec<String> = calls
        .iter()
        .map(|(_, c)| format!("{} {}", short(&c.service), c.operation))
        .collect();
    let wide = names.iter().map(String::len).max().unwrap_or(0);
    let mut lines = Vec::new();
    for ((i, c), name) in calls.iter().zip(&names) {
        let (word, st) = outcome(c);
        let retries = if c.attempts > 1 {
            format!(" · {} retries", c.attempts - 1)
        } else {
            String::new()
        };
        let row = if *i == at { THEME.selected } else { THEME.text };
        let head = format!(
            "{:>5} {name:<wide$} {:>6} ms  ",
            i + 1,
            c.duration.as_millis()
        );
        let room = width.saturating_sub(Span::raw(head.as_str()).width());
        let tail = super::cut(format!("{word}{retries}"), room);
        let line = Line::from(vec![Span::styled(head, row), Span::styled(tail, st)]);
        // The highlight runs the whole row.
        lines.push(if *i == at {
            line.style(THEME.selected)
        } else {
            line
        });
    }
    Text::from(lines)
}

/// One call: what was asked, how it ended.
fn detail(i: usize, c: &CallRecord) -> Text<'static> {
    let (word, st) = outcome(c);
    let mut lines = vec![
        Line::styled(
            format!("#{} {} {}", i + 1, short(&c.service), c.operation),
            THEME.title,
        ),
        Line::from(vec![
            Span::styled("outcome    ", THEME.muted),
            Span::styled(word, st),
        ]),
        Line::styled(
            format!(
                "took       {} ms, {} attempt{}{}",
                c.duration.as_millis(),
                c.attempts,
                if c.attempts == 1 { "" } else { "s" },
                c.http_status
                    .map(|s| format!(", HTTP {s}"))
                    .unwrap_or_default()
            ),
            THEME.muted,
        ),
    ];
    if let Some(code) = &c.code {
        lines.push(Line::styled(format!("code       {code}"), THEME.text));
    }
    if let Some(m) = &c.message {
        lines.push(Line::styled(format!("message    {m}"), THEME.text));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("Parameters", THEME.title));
    lines.extend(
        params(&c.params)
            .into_iter()
            .map(|l| Line::styled(l, THEME.code)),
    );
    Text::from(lines)
}

/// The SDK's `CreateVpcInput { cidr_block: Some("10.0.0.0/16"), tag: None }`
/// as `cidr_block  10.0.0.0/16` lines: fields left unset are left out, and
/// nested values are written plainly (`[{resource_type: Vpc}]`), not as the
/// SDK's Debug text.
fn params(debug: &str) -> Vec<String> {
    // Unwrap `Input(TypeErasedBox[!Clone]:CreateVpcInput { … })` (the
    // orchestrator's box around the input) down to the struct that holds
    // the fields.
    let mut body = debug.trim();
    if let Some(x) = body
        .strip_prefix("Input(")
        .and_then(|x| x.strip_suffix(')'))
    {
        body = x;
    }
    if body.starts_with("TypeErasedBox")
        && let Some((_, x)) = body.split_once("]:")
    {
        body = x;
    }
    while let Some((head, rest)) = body.split_once(" { ")
        && !head.contains(['(', '[', ','])
        && let Some(inner) = rest.strip_suffix(" }").or_else(|| rest.strip_suffix('}'))
    {
        body = inner.trim();
        if top_level(body).len() > 1 {
            break;
        }
    }
    let mut out = Vec::new();
    for f in top_level(body) {
        if let Some((k, v)) = f.trim().split_once(": ")
            && let Some(v) = plain(v)
        {
            out.push(format!("  {k:<22} {v}"));
        }
    }
    if out.is_empty() {
        out.push("  (none)".into());
    }
    out
}

/// One Debug value written plainly, or `None` when it is unset: `Some(x)` is
/// `x`, strings lose their quotes, structs lose their type name and their
/// unset fields, lists keep their brackets.
fn plain(v: &str) -> Option<String> {
    let v = v.trim();
    if v == "None" || v.is_empty() {
        return None;
    }
    if let Some(inner) = v.strip_prefix("Some(").and_then(|x| x.strip_suffix(')')) {
        return plain(inner);
    }
    if let Some(inner) = v.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        let items: Vec<String> = top_level(inner).into_iter().filter_map(plain).collect();
        return Some(format!("[{}]", items.join(", ")));
    }
    if let Some((head, rest)) = v.split_once('{')
        && !head.contains(['(', '[', '"'])
        && let Some(inner) = rest.trim_end().strip_suffix('}')
    {
        let fields: Vec<String> = top_level(inner)
            .into_iter()
            .filter_map(|f| {
                let (k, x) = f.trim().split_once(": ")?;
                Some(format!("{k}: {}", plain(x)?))
            })
            .collect();
        return Some(format!("{{{}}}", fields.join(", ")));
    }
    Some(v.trim_matches('"').to_string())
}

/// `a: 1, b: Some([x, y])` split at its top-level commas.
fn top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut quoted) = (0i32, 0, false);
    for (i, ch) in s.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth -= 1,
            ',' if depth == 0 && !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_read_as_fields_with_unset_ones_left_out() {
        let p = params(
            r#"Input { field: CreateVpcInput { cidr_block: Some("10.0.0.0/16"), tag_specifications: Some([TagSpecification { resource_type: Some(Vpc), tags: None }]), dry_run: None } }"#,
        );
        assert!(
            p.iter()
                .any(|l| l.contains("cidr_block") && l.contains("10.0.0.0/16")),
            "{p:?}"
        );
        let tags = p.iter().find(|l| l.contains("tag_specifications")).unwrap();
        assert!(tags.ends_with("[{resource_type: Vpc}]"), "{tags}");
        assert!(!p.iter().any(|l| l.contains("dry_run")), "{p:?}");
    }

    #[test]
    fn the_orchestrators_box_around_the_input_is_unwrapped() {
        let p = params(
            r#"Input(TypeErasedBox[!Clone]:CreateNatGatewayInput { availability_mode: None, allocation_id: Some("eipalloc-1"), subnet_id: Some("subnet-2") })"#,
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].contains("allocation_id") && p[0].ends_with("eipalloc-1"),
            "{p:?}"
        );
        assert!(!p.iter().any(|l| l.contains("TypeErasedBox")), "{p:?}");
    }

    #[test]
    fn a_lookup_that_finds_nothing_is_not_a_failure() {
        let c = CallRecord {
            service: "IAM".into(),
            operation: "GetRole".into(),
            duration: std::time::Duration::from_millis(5),
            attempts: 1,
            http_status: Some(404),
            ok: false,
            params: String::new(),
            code: Some("NoSuchEntity".into()),
            message: None,
        };
        assert_eq!(outcome(&c).0, "not found (a lookup): NoSuchEntity");
        let denied = CallRecord {
            http_status: Some(403),
            code: Some("AccessDenied".into()),
            ..c
        };
        assert_eq!(outcome(&denied).0, "failed: AccessDenied");
    }
}
