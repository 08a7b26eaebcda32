//! Reading the container's lines: the newest ones of the service's task
//! streams, and the ones written since (`gatewalk logs --follow`).
//!
//! The `awslogs` driver names each task's stream
//! `<awslogs-stream-prefix>/<container name>/<task id>`, so the streams of
//! the service's container share one prefix and the task id is the last part.

use super::super::{AwsContext, CallExt};
use crate::error::Result;
use aws_sdk_cloudwatchlogs::types::OrderBy;
use std::collections::HashSet;
use std::time::Duration;

/// The most task streams [`recent_lines`] reads: the newest tasks are the
/// ones a person asks about.
const MAX_STREAMS: usize = 10;
/// `GetLogEvents` and `FilterLogEvents` return at most this many events a call.
pub const MAX_LINES: u32 = 10_000;
/// Pages one [`since`] reads at most, so a burst of lines cannot hold a
/// follow loop forever; the rest come on the next poll.
const MAX_PAGES: usize = 20;

/// Where the service's container writes its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSource {
    /// The log group.
    pub group: String,
    /// The streams' common prefix, ending in `/` (`ecs/app/`).
    pub stream_prefix: String,
}

impl LogSource {
    /// The streams of `container` under `awslogs-stream-prefix` `prefix`.
    pub fn new(group: &str, prefix: &str, container: &str) -> Self {
        Self {
            group: group.to_string(),
            stream_prefix: format!("{prefix}/{container}/"),
        }
    }
}

/// One line a container wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    /// When it was written, in milliseconds since 1970 (UTC).
    pub timestamp: i64,
    /// The task that wrote it (the last part of the stream's name).
    pub task: String,
    /// The stream it is in.
    pub stream: String,
    /// What the container wrote.
    pub message: String,
}

impl LogLine {
    fn new(stream: &str, timestamp: Option<i64>, message: Option<&str>) -> Self {
        Self {
            timestamp: timestamp.unwrap_or_default(),
            task: stream.rsplit('/').next().unwrap_or(stream).to_string(),
            stream: stream.to_string(),
            message: message.unwrap_or_default().trim_end().to_string(),
        }
    }

    /// Its time as RFC 3339 in UTC (`2025-01-31T12:00:00.123Z`).
    pub fn time(&self) -> String {
        aws_smithy_types::DateTime::from_millis(self.timestamp)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap_or_else(|_| self.timestamp.to_string())
    }

    fn key(&self) -> (String, String) {
        (self.stream.clone(), self.message.clone())
    }
}

/// The newest `limit` lines of the source's task streams, oldest first.
///
/// The streams with the latest events come first from `DescribeLogStreams`
/// (it cannot order by time and filter by prefix at once, so the prefix is
/// checked here); the newest lines of each of the first few are read and
/// merged by time.
pub async fn recent_lines(aws: &AwsContext, src: &LogSource, limit: u32) -> Result<Vec<LogLine>> {
    let limit = limit.clamp(1, MAX_LINES);
    let streams = aws
        .logs
        .describe_log_streams()
        .log_group_name(&src.group)
        .order_by(OrderBy::LastEventTime)
        .descending(true)
        .limit(50)
        .send()
        .await
        .ctx("logs", "DescribeLogStreams")?;
    let names: Vec<&str> = streams
        .log_streams()
        .iter()
        .filter_map(|s| s.log_stream_name())
        .filter(|n| n.starts_with(&src.stream_prefix))
        .take(MAX_STREAMS)
        .collect();
    let mut lines = Vec::new();
    for name in names {
        let out = aws
            .logs
            .get_log_events()
            .log_group_name(&src.group)
            .log_stream_name(name)
            .start_from_head(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .ctx("logs", "GetLogEvents")?;
        lines.extend(
            out.events()
                .iter()
                .map(|e| LogLine::new(name, e.timestamp(), e.message())),
        );
    }
    lines.sort_by(|a, b| (a.timestamp, &a.stream).cmp(&(b.timestamp, &b.stream)));
    let skip = lines.len().saturating_sub(limit as usize);
    Ok(lines.split_off(skip))
}

/// Where a reader of the source has got to: the newest time it has seen,
/// and the lines of that very millisecond (a later read starts there
/// again, so that none written in it is missed, and skips these).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    newest: i64,
    at_newest: HashSet<(String, String)>,
}

impl Cursor {
    /// After `lines` (the lines already shown).
    pub fn after(lines: &[LogLine]) -> Self {
        let mut c = Self::default();
        c.advance(lines);
        c
    }

    /// Moves past `lines`.
    fn advance(&mut self, lines: &[LogLine]) {
        for l in lines {
            if l.timestamp > self.newest {
                self.newest = l.timestamp;
                self.at_newest.clear();
            }
            if l.timestamp == self.newest {
                self.at_newest.insert(l.key());
            }
        }
    }

    /// Whether `l` is past the cursor (not shown yet).
    fn is_new(&self, l: &LogLine) -> bool {
        l.timestamp > self.newest
            || (l.timestamp == self.newest && !self.at_newest.contains(&l.key()))
    }
}

/// The source's lines written after `cursor`, oldest first; the cursor moves
/// past them.
pub async fn since(aws: &AwsContext, src: &LogSource, cursor: &mut Cursor) -> Result<Vec<LogLine>> {
    let mut lines = Vec::new();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let page = aws
            .logs
            .filter_log_events()
            .log_group_name(&src.group)
            .log_stream_name_prefix(&src.stream_prefix)
            .start_time(cursor.newest)
            .set_next_token(token)
            .send()
            .await
            .ctx("logs", "FilterLogEvents")?;
        lines.extend(
            page.events()
                .iter()
                .filter_map(|e| {
                    let stream = e.log_stream_name()?;
                    Some(LogLine::new(stream, e.timestamp(), e.message()))
                })
                // Emulators may ignore the prefix; AWS honours it.
                .filter(|l| l.stream.starts_with(&src.stream_prefix))
                .filter(|l| cursor.is_new(l)),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    lines.sort_by(|a, b| (a.timestamp, &a.stream).cmp(&(b.timestamp, &b.stream)));
    lines.dedup();
    cursor.advance(&lines);
    Ok(lines)
}

/// Hands every line written after `cursor` to `emit`, asking again every
/// `every`, until an error (or the caller drops the future: `gatewalk logs
/// --follow` does on Ctrl-C).
pub async fn follow(
    aws: &AwsContext,
    src: &LogSource,
    mut cursor: Cursor,
    every: Duration,
    mut emit: impl FnMut(&LogLine),
) -> Result<()> {
    loop {
        tokio::time::sleep(every).await;
        for l in since(aws, src, &mut cursor).await? {
            emit(&l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(ts: i64, stream: &str, msg: &str) -> LogLine {
        LogLine::new(stream, Some(ts), Some(msg))
    }

    #[test]
    fn the_task_is_the_last_part_of_the_stream() {
        let l = line(1, "ecs/app/0123abcd", "GET / 200\n");
        assert_eq!(l.task, "0123abcd");
        assert_eq!(l.message, "GET / 200");
        assert_eq!(
            LogSource::new("/ecs/demo", "ecs", "app").stream_prefix,
            "ecs/app/"
        );
    }

    #[test]
    fn a_cursor_skips_what_was_shown_even_in_the_same_millisecond() {
        let shown = [line(5, "ecs/app/a", "one"), line(7, "ecs/app/a", "two")];
        let c = Cursor::after(&shown);
        assert!(!c.is_new(&shown[0]));
        assert!(!c.is_new(&shown[1]));
        assert!(c.is_new(&line(7, "ecs/app/b", "two")));
        assert!(c.is_new(&line(8, "ecs/app/a", "three")));
        assert!(Cursor::default().is_new(&line(0, "ecs/app/a", "x")));
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(
            line(1_700_000_000_123, "s", "m").time(),
            "2023-11-14T22:13:20.123Z"
        );
    }
}
