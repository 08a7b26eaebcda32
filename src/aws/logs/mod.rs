//! CloudWatch Logs: the container log group as a [`Kind`] — found by name and
//! judged by its tags (log groups carry them apart: `ListTagsForResource`) —
//! the session's log group in the inventory, and ([`tail`]) the newest lines
//! of the service's tasks.

pub mod tail;

use super::error::optional;
use super::find::{Tagged, Which};
use super::kind::{Kind, Lookup};
use super::tags::{Owner, session_id_of};
use super::{AwsContext, CallExt};
use crate::error::Result;
use crate::progress::Progress;
use aws_sdk_cloudwatchlogs::types::LogGroup;
use std::collections::HashMap;

pub use tail::{Cursor, LogLine, LogSource, follow, recent_lines};

/// How long gatewalk keeps container logs: a week is enough to read why a
/// task failed, and costs next to nothing.
pub const RETENTION_DAYS: i32 = 7;

/// CloudWatch Logs log groups, found by name.
#[derive(Debug, Clone, Copy)]
pub struct LogGroups;

impl Kind for LogGroups {
    type Item = LogGroup;
    const SERVICE: &'static str = "logs";
    const LIST_OP: &'static str = "DescribeLogGroups";
    const ID_FIELD: &'static str = "logGroupName";
    /// A log group's name is its id: every call takes the name.
    fn id(item: &LogGroup) -> Option<&str> {
        item.log_group_name()
    }
    async fn get(aws: &AwsContext, name: &str) -> Result<Option<LogGroup>> {
        describe_log_group(aws, name).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<LogGroup>> {
        match l.at.name {
            Some(name) => Ok(describe_log_group(aws, name).await?.into_iter().collect()),
            None => Ok(Vec::new()),
        }
    }
    async fn owned(aws: &AwsContext, item: &LogGroup, owner: &Owner) -> Result<bool> {
        let tags = tags_of(aws, item).await?;
        Ok(owner.owns(
            tags.iter()
                .map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))),
        ))
    }
    /// Deletes it (its streams and lines go with it); one already gone is
    /// gone.
    async fn delete(aws: &AwsContext, _p: &Progress, item: &LogGroup, _noun: &str) -> Result<()> {
        let r = aws
            .logs
            .delete_log_group()
            .log_group_name(Self::required_id(item, Self::LIST_OP)?)
            .send()
            .await
            .ctx("logs", "DeleteLogGroup");
        optional(r).map(|_| ())
    }
}

/// The log group of exactly this name, if it exists. `DescribeLogGroups`
/// matches by prefix (`/ecs/demo` also finds `/ecs/demo-2`), so every page
/// is read until the exact name turns up.
pub async fn describe_log_group(aws: &AwsContext, name: &str) -> Result<Option<LogGroup>> {
    let mut token = None;
    loop {
        let page = aws
            .logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .set_next_token(token)
            .send()
            .await
            .ctx("logs", "DescribeLogGroups")?;
        if let Some(g) = page
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
        {
            return Ok(Some(g.clone()));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(None);
        }
    }
}

/// The ARN tags are asked with: `logGroupArn`, or `arn` without the `:*`
/// that `DescribeLogGroups` puts after it.
fn tag_arn(g: &LogGroup) -> Option<String> {
    g.log_group_arn()
        .or_else(|| g.arn().map(|a| a.strip_suffix(":*").unwrap_or(a)))
        .map(str::to_string)
}

/// A log group's tags (none for one deleted meanwhile).
pub async fn tags_of(aws: &AwsContext, g: &LogGroup) -> Result<HashMap<String, String>> {
    let Some(arn) = tag_arn(g) else {
        return Ok(HashMap::new());
    };
    let r = aws
        .logs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .ctx("logs", "ListTagsForResource");
    Ok(optional(r)?
        .and_then(|o| o.tags().cloned())
        .unwrap_or_default())
}

/// Sets how many days the group keeps its lines.
pub async fn put_retention(aws: &AwsContext, name: &str, days: i32) -> Result<()> {
    aws.logs
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(days)
        .send()
        .await
        .ctx("logs", "PutRetentionPolicy")
        .map(|_| ())
}

/// This session's log groups. Only groups whose name holds the session's
/// name are examined (each costs a tag read; accounts keep many groups):
/// gatewalk's default `/ecs/<family>`, with the family named after the
/// session, always does. `logGroupNamePattern` narrows the listing on AWS;
/// emulators that ignore it are filtered here. For every session, every
/// group is.
pub async fn inventory(aws: &AwsContext, which: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    let mut token = None;
    let named = |n: &str| match which {
        Which::Session(s) => n.contains(s),
        Which::Every => true,
    };
    loop {
        let page = aws
            .logs
            .describe_log_groups()
            .set_log_group_name_pattern(match which {
                Which::Session(s) => Some(s.to_string()),
                Which::Every => None,
            })
            .set_next_token(token)
            .send()
            .await
            .ctx("logs", "DescribeLogGroups")?;
        for g in page.log_groups() {
            let Some(name) = g.log_group_name().filter(|n| named(n)) else {
                continue;
            };
            let tags = tags_of(aws, g).await?;
            let pairs = || {
                tags.iter()
                    .map(|(k, v)| (Some(k.as_str()), Some(v.as_str())))
            };
            if let Some(session) = which.of(pairs()) {
                out.push(Tagged {
                    session,
                    kind: "logs:log-group".into(),
                    id: name.to_string(),
                    session_id: session_id_of(pairs()),
                });
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}
