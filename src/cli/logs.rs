//! `gatewalk logs [--follow] [--lines N]`: the newest lines the service's
//! container wrote, each with its time and task, then why the last tasks
//! stopped; with `--follow`, new lines as they come until Ctrl-C.

use super::commands::{Ctx, resolve};
use super::output::{Printer, print_line};
use super::paint::{Role, paint};
use super::{EXIT_INTERRUPTED, EXIT_OK};
use crate::aws::logs::{self, Cursor, LogLine, LogSource};
use crate::error::{Error, Result};
use anstream::println;
use serde_json::json;
use std::time::Duration;

/// How often `--follow` asks for new lines.
const POLL: Duration = Duration::from_secs(2);

/// Runs `gatewalk logs`.
pub(super) async fn logs(cx: &Ctx<'_>, lines: u32, follow: bool, out: Printer) -> Result<u8> {
    let session = cx.store.load(&cx.name)?;
    let inputs = resolve(&session, &[])?;
    // Refused before any call when step 1 has not made the group.
    let src = cx.engine.log_source(&inputs, &session)?;
    cx.first_contact(out).await?;
    super::deploy::check_account(&cx.aws, &session).await?;
    if logs::describe_log_group(&cx.aws, &src.group)
        .await?
        .is_none()
    {
        return Err(Error::Session(format!(
            "log group {} of session `{}` no longer exists.\n  hint: run `gatewalk apply \
             --through 1` to make it again",
            src.group, session.name
        )));
    }
    let shown = logs::recent_lines(&cx.aws, &src, lines).await?;
    if shown.is_empty() && !out.json() {
        out.note(&format!(
            "no lines yet in log group {} (streams {}<task id>): the service's tasks write \
             there once they run",
            src.group, src.stream_prefix
        ));
    }
    for l in &shown {
        print(out, l);
    }
    let reasons = cx
        .engine
        .stopped_reasons(&cx.aws, &inputs, &session)
        .await?;
    stopped(out, &reasons);
    if !follow {
        return Ok(EXIT_OK);
    }
    follow_until_interrupted(cx, &src, Cursor::after(&shown), out).await
}

/// New lines every [`POLL`] until Ctrl-C or SIGTERM (exit 130).
async fn follow_until_interrupted(
    cx: &Ctx<'_>,
    src: &LogSource,
    cursor: Cursor,
    out: Printer,
) -> Result<u8> {
    if !out.json() {
        out.note(&format!(
            "following {} (every {} s; Ctrl-C stops)",
            src.group,
            POLL.as_secs()
        ));
    }
    tokio::select! {
        r = logs::follow(&cx.aws, src, cursor, POLL, |l| print(out, l)) => r.map(|()| EXIT_OK),
        _ = crate::signals::interrupt() => Ok(EXIT_INTERRUPTED),
    }
}

/// One line: `time  task  message`, or a JSON object on its own line.
fn print(out: Printer, l: &LogLine) {
    if out.json() {
        print_line(&json!({
            "event": "log",
            "time": l.time(),
            "timestamp": l.timestamp,
            "task": l.task,
            "stream": l.stream,
            "message": l.message,
        }));
    } else {
        println!(
            "{}  {}  {}",
            paint(Role::Muted, l.time()),
            l.task,
            escaped(&l.message)
        );
    }
}

/// Why the last tasks stopped, after the lines.
fn stopped(out: Printer, reasons: &[String]) {
    if out.json() {
        for r in reasons {
            print_line(&json!({ "event": "stopped-task", "reason": r }));
        }
        return;
    }
    if reasons.is_empty() {
        return;
    }
    println!("\nlast stopped tasks:");
    for r in reasons {
        println!("  {}", paint(Role::Warn, escaped(r)));
    }
}

/// A container's line made safe for a terminal: control characters (an
/// ANSI colour, a carriage return) written as `\u{…}`, tabs kept; long
/// words are kept whole (a URL in an access log), unlike [`crate::text::clean`].
fn escaped(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_control() && c != '\t' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_line_cannot_drive_the_terminal() {
        assert_eq!(
            super::escaped("\u{1b}[31mred\tok\r"),
            "\\u{1b}[31mred\tok\\u{d}"
        );
    }
}
