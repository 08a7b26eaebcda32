//! What the container said and why its tasks stopped, read when a check of
//! step 6, 7 or 10 fails and shown beside those checks: the answer to "why
//! is it red" is usually in these lines, not in the check.

use super::msg::Connection;
use super::theme::THEME;
use crate::aws::logs::tail::{LogLine, recent_lines};
use crate::model::{Check, CheckStatus, StepId};
use crate::session::Session;
use crate::steps::inputs::Inputs;
use ratatui::text::Line;

/// How many of the container's newest lines are shown.
pub const LINES: u32 = 8;
/// How many stopped tasks' reasons are shown.
pub const STOPPED: usize = 3;

/// The steps whose failing checks the container explains.
pub const STEPS: [StepId; 3] = [StepId::Service, StepId::TargetGroupSwap, StepId::Done];

/// One reading: each part, or why it could not be read.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// The last stopped tasks' `stoppedReason`, newest first.
    pub stopped: Result<Vec<String>, String>,
    /// The container's newest lines, oldest first.
    pub lines: Result<Vec<LogLine>, String>,
}

/// Whether `results` call for a diagnosis: a check of step 6, 7 or 10 fails.
pub fn wanted<E>(results: &[(StepId, Result<Vec<Check>, E>)]) -> bool {
    results.iter().any(|(step, r)| {
        STEPS.contains(step)
            && r.as_ref()
                .is_ok_and(|c| c.iter().any(|c| c.status == CheckStatus::Fail))
    })
}

/// Reads the stopped tasks' reasons and the container's newest lines.
pub async fn read(conn: &Connection, session: &Session, inputs: &Inputs) -> Diagnosis {
    let text = |e: crate::error::Error| crate::text::one_line(&e.to_string());
    let stopped = conn
        .engine
        .stopped_reasons(&conn.aws, inputs, session)
        .await
        .map(|mut v| {
            v.truncate(STOPPED);
            v
        })
        .map_err(text);
    let lines = match conn.engine.log_source(inputs, session) {
        Ok(src) => recent_lines(&conn.aws, &src, LINES).await.map_err(text),
        Err(e) => Err(text(e)),
    };
    Diagnosis { stopped, lines }
}

/// The lines drawn under the failing checks.
pub fn render(d: &Diagnosis) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::from(""),
        Line::styled("Why the last tasks stopped (newest first):", THEME.title),
    ];
    match &d.stopped {
        Ok(v) if v.is_empty() => out.push(Line::styled("  no task has stopped", THEME.muted)),
        Ok(v) => out.extend(
            v.iter()
                .map(|r| Line::styled(format!("  • {r}"), THEME.fail)),
        ),
        Err(e) => out.push(Line::styled(format!("  could not read: {e}"), THEME.warn)),
    }
    out.push(Line::styled(
        "The container's newest log lines:",
        THEME.title,
    ));
    match &d.lines {
        Ok(v) if v.is_empty() => out.push(Line::styled(
            "  none yet (a task that never started writes nothing)",
            THEME.muted,
        )),
        Ok(v) => out.extend(v.iter().map(|l| {
            let task: String = l.task.chars().take(8).collect();
            let time = l.time();
            let clock = time.get(11..19).unwrap_or(&time);
            // A container's bytes never drive the terminal.
            let said: String = l
                .message
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            Line::styled(format!("  {clock} {task}  {said}"), THEME.text)
        })),
        Err(e) => out.push(Line::styled(format!("  could not read: {e}"), THEME.warn)),
    }
    out
}
