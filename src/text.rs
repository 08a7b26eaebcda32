//! Text that came from a person or a file, made safe to show: control
//! characters escaped, overlong values cut, so nothing a user typed can move
//! the cursor, clear the screen or flood the terminal.

/// Longest run of non-space characters shown whole in a message.
const LONGEST_WORD: usize = 80;
/// How much of an overlong run is kept.
const KEPT: usize = 60;

/// `s` with every control character but newline written as `\u{…}`, and every
/// run of more than 80 non-space characters cut to its first 60 plus a count.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4096));
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut first = true;
        for word in line.split(' ') {
            if !first {
                out.push(' ');
            }
            first = false;
            push_word(&mut out, word);
        }
    }
    out
}

fn push_word(out: &mut String, word: &str) {
    let count = word.chars().count();
    let kept = if count > LONGEST_WORD { KEPT } else { count };
    for c in word.chars().take(kept) {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    if kept < count {
        out.push_str(&format!("…({count} characters)"));
    }
}

/// `s` on one line, as a session file keeps an error: its lines trimmed and
/// joined with spaces (`…\n  hint: …` reads `… hint: …`), then cleaned as
/// [`clean`] does. The file refuses control characters when read, so a
/// multi-line error saved as it is would make the session unreadable.
pub fn one_line(s: &str) -> String {
    let joined: Vec<&str> = s
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    clean(&joined.join(" "))
}

/// An ARN's resource part (`listener/net/web/50dc…/f2f7…`), short enough to
/// show whole in a message; anything else as it is.
pub fn short_arn(s: &str) -> &str {
    if !s.starts_with("arn:") {
        return s;
    }
    s.splitn(6, ':').nth(5).unwrap_or(s)
}

/// A value quoted for a message: cleaned and cut as [`clean`] does, and cut
/// further when it is long text with spaces.
pub fn shown(value: &str) -> String {
    let count = value.chars().count();
    if count > LONGEST_WORD {
        let head: String = value.chars().take(KEPT).collect();
        return format!("{}…({count} characters)", clean(&head));
    }
    clean(value)
}

/// The first control character in `s`, if any (tab included: no AWS name or
/// value gatewalk sets wants one).
pub fn control_char(s: &str) -> Option<char> {
    s.chars().find(|c| c.is_control())
}

/// `Err` naming the control character, when `s` has one.
pub fn printable(s: &str) -> Result<(), String> {
    match control_char(s) {
        Some(c) => Err(format!(
            "`{}` contains the control character {}; only printable text is accepted",
            shown(s),
            c.escape_unicode()
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_shown_by_their_resource_part() {
        let l = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/web/50dc/f2f7";
        assert_eq!(short_arn(l), "listener/net/web/50dc/f2f7");
        assert_eq!(short_arn("sg-123"), "sg-123");
    }

    #[test]
    fn errors_are_kept_on_one_line() {
        let e = "a named `x` exists.\n  hint: choose another name\n";
        assert_eq!(one_line(e), "a named `x` exists. hint: choose another name");
        assert_eq!(control_char(&one_line("bell\u{7}\tend")), None);
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("nginx\u{1}\u{1b}[2J"), "nginx\\u{1}\\u{1b}[2J");
        assert_eq!(clean("two\nlines"), "two\nlines");
        assert!(printable("nginx\u{7}").is_err());
        assert!(printable("public.ecr.aws/nginx/nginx:latest").is_ok());
    }

    #[test]
    fn long_runs_are_cut() {
        let long = "x".repeat(100_000);
        let c = clean(&format!("image `{long}` is bad"));
        assert!(c.len() < 120, "{c}");
        assert!(c.contains("(100002 characters)"), "{c}");
        assert!(shown(&"a b ".repeat(50)).ends_with("(200 characters)"));
    }
}
