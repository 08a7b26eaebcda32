//! The persisted session: what the user chose, what gatewalk created, how far it got.
//!
//! One JSON file per session (see [`store`]). It never holds credentials.

mod handle;
pub mod store;

use crate::model::{Check, CheckStatus, OutputKey, StepId, blocking};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{SystemTime, UNIX_EPOCH};

pub use handle::{Consent, INTENT_PREFIX, SessionHandle};
pub use store::Store;

/// The schema version this build writes. Files with a higher version are refused.
///
/// 2: a step's record may name resources that are yours (`yours`); files of
/// schema 1 read with none.
pub const SCHEMA_VERSION: u32 = 2;

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A fresh session id: 16 hex digits from the OS-seeded hasher keys, the
/// time and the process id.
pub fn new_id() -> String {
    use std::hash::BuildHasher;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let h = std::collections::hash_map::RandomState::new().hash_one((nanos, std::process::id()));
    format!("{h:016x}")
}

/// `5s ago`, `3m ago`, `2h ago`, `4d ago` for a time in epoch seconds.
pub fn ago(t: u64) -> String {
    let d = now().saturating_sub(t);
    match d {
        0..=59 => format!("{d}s ago"),
        60..=3599 => format!("{}m ago", d / 60),
        3600..=86399 => format!("{}h ago", d / 3600),
        _ => format!("{}d ago", d / 86400),
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// Nothing has been done for this step.
    #[default]
    NotStarted,
    /// Apply started and has not finished (it may have been interrupted).
    Applying,
    /// Apply failed, or its checks did not pass.
    Failed,
    /// Applied and every check passed.
    Done,
}

impl StepStatus {
    /// Short word for tables.
    pub fn label(self) -> &'static str {
        match self {
            StepStatus::NotStarted => "not started",
            StepStatus::Applying => "in progress",
            StepStatus::Failed => "failed",
            StepStatus::Done => "done",
        }
    }
}

/// Counts from the last validation of a step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSummary {
    /// Checks that passed.
    pub pass: usize,
    /// Checks that failed.
    pub fail: usize,
    /// Checks with warnings.
    pub warn: usize,
    /// Checks still waiting for AWS.
    pub pending: usize,
    /// Checks that could not run here (emulator caveats).
    #[serde(default)]
    pub skipped: usize,
}

impl CheckSummary {
    /// Counts a list of check outcomes.
    pub fn of<'a>(statuses: impl IntoIterator<Item = &'a CheckStatus>) -> Self {
        let mut s = Self::default();
        for st in statuses {
            match st {
                CheckStatus::Pass => s.pass += 1,
                CheckStatus::Fail => s.fail += 1,
                CheckStatus::Warn => s.warn += 1,
                CheckStatus::Pending => s.pending += 1,
                CheckStatus::Skipped => s.skipped += 1,
            }
        }
        s
    }
}

/// Everything recorded about one step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Where the step stands.
    #[serde(default)]
    pub status: StepStatus,
    /// The step's inputs as last validated and saved (all fields, defaults included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<serde_json::Value>,
    /// Ids of what the step created or adopted, by role (`vpc` → `vpc-0abc…`).
    /// Each is written the moment AWS returns it.
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
    /// The output keys whose resource is yours: bound by `adopt` (or given
    /// as an input), never created or deleted by gatewalk, and changed only
    /// when the plan says so and you agree.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub yours: BTreeSet<String>,
    /// When the step's checks last ran (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_validated_at: Option<u64>,
    /// Outcome counts of that validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_checks: Option<CheckSummary>,
    /// The last error apply or teardown hit, as shown to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// One deployment in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// File format version.
    pub schema_version: u32,
    /// Session name; also the `gatewalk:session` tag value and the base of default names.
    pub name: String,
    /// Unique id, the `gatewalk:session-id` tag value: what makes this session
    /// the owner of its resources rather than a namesake. Files written before
    /// ids existed get one when next opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The full path this session's file was first written at. A file read
    /// at another path is a copy (of a file, or of the whole data directory)
    /// and is refused: it would own the original's resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Creation time (seconds since the epoch).
    pub created_at: u64,
    /// Last save (seconds since the epoch).
    pub updated_at: u64,
    /// The region everything lives in.
    pub region: String,
    /// The account the session is bound to, set on first contact with AWS.
    #[serde(default)]
    pub account_id: Option<String>,
    /// The endpoint override in use when the session was created, if any.
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// Set when the session lives in the local sandbox: the sandbox instance it
    /// was made in. A different instance means the sandbox restarted and every
    /// resource is gone.
    #[serde(default)]
    pub sandbox_instance: Option<String>,
    /// Per-step records.
    #[serde(default)]
    pub steps: BTreeMap<StepId, StepRecord>,
}

impl Session {
    /// A new, empty session.
    pub fn new(name: &str, region: &str) -> Self {
        let t = now();
        Self {
            schema_version: SCHEMA_VERSION,
            name: name.to_string(),
            id: Some(new_id()),
            origin: None,
            created_at: t,
            updated_at: t,
            region: region.to_string(),
            account_id: None,
            endpoint_url: None,
            sandbox_instance: None,
            steps: BTreeMap::new(),
        }
    }

    /// The record of a step (empty if nothing was recorded).
    pub fn step(&self, id: StepId) -> &StepRecord {
        static EMPTY: std::sync::OnceLock<StepRecord> = std::sync::OnceLock::new();
        self.steps
            .get(&id)
            .unwrap_or_else(|| EMPTY.get_or_init(StepRecord::default))
    }

    /// The record of a step, created if missing.
    pub fn step_mut(&mut self, id: StepId) -> &mut StepRecord {
        self.steps.entry(id).or_default()
    }

    /// A recorded output (an id, or a fact such as a DNS name), read from
    /// the step that records it.
    pub fn output(&self, key: OutputKey) -> Option<&str> {
        self.step(key.step())
            .outputs
            .get(key.as_str())
            .map(String::as_str)
    }

    /// Whether the resource recorded under `key` is yours (bound, not made
    /// by gatewalk).
    pub fn is_yours(&self, key: OutputKey) -> bool {
        self.step(key.step()).yours.contains(key.as_str())
    }

    /// Binds `id` under `key` as yours (in memory; the caller saves).
    pub fn bind_yours(&mut self, key: OutputKey, id: &str) {
        let rec = self.step_mut(key.step());
        rec.outputs.insert(key.as_str().to_string(), id.to_string());
        rec.yours.insert(key.as_str().to_string());
    }

    /// Binds a resource of yours under `key` (`None`: lets go of a binding
    /// of yours). Refused when the key holds a resource gatewalk made: it
    /// would be left behind, found by no teardown.
    pub fn rebind(&mut self, key: OutputKey, id: Option<&str>) -> Result<(), String> {
        let made = self.output(key).filter(|_| !self.is_yours(key));
        match (id, made) {
            // Already this session's own: nothing to bind.
            (Some(id), Some(old)) if old == id => Ok(()),
            (Some(_), Some(old)) => Err(format!(
                "session `{}` already has its own {} {old}, made by gatewalk; tear it down first \
                 (`gatewalk teardown`) to use yours instead",
                self.name,
                key.noun()
            )),
            (None, Some(old)) => Err(format!(
                "{} {old} was made by gatewalk, not bound; `gatewalk teardown` removes it",
                key.noun()
            )),
            (Some(id), _) => {
                self.bind_yours(key, id);
                Ok(())
            }
            (None, None) => {
                let rec = self.step_mut(key.step());
                rec.outputs.remove(key.as_str());
                rec.yours.remove(key.as_str());
                Ok(())
            }
        }
    }

    /// Every binding of yours, in walkthrough order: key and id.
    pub fn yours(&self) -> Vec<(OutputKey, &str)> {
        OutputKey::ALL
            .into_iter()
            .filter(|k| self.is_yours(*k))
            .filter_map(|k| self.output(k).map(|id| (k, id)))
            .collect()
    }

    /// Status of a step.
    pub fn status(&self, id: StepId) -> StepStatus {
        self.step(id).status
    }

    /// The steps applied at least once, in order.
    pub fn applied(&self) -> Vec<StepId> {
        StepId::ALL
            .into_iter()
            .filter(|s| self.status(*s) != StepStatus::NotStarted)
            .collect()
    }

    /// The steps that fail their checks (or their last apply) now, in order.
    pub fn failing(&self) -> Vec<StepId> {
        StepId::ALL
            .into_iter()
            .filter(|s| self.status(*s) == StepStatus::Failed)
            .collect()
    }

    /// How many of the ten steps are done.
    pub fn done_count(&self) -> usize {
        StepId::ALL
            .iter()
            .filter(|s| self.status(**s) == StepStatus::Done)
            .count()
    }

    /// Where it lives, in one word: `sandbox`, `endpoint` or `aws`.
    pub fn place_short(&self) -> &'static str {
        if self.sandbox_instance.is_some() {
            "sandbox"
        } else if self.endpoint_url.is_some() {
            "endpoint"
        } else {
            "aws"
        }
    }

    /// The first step that is not done, if any.
    pub fn current_step(&self) -> Option<StepId> {
        StepId::ALL
            .iter()
            .copied()
            .find(|s| self.status(*s) != StepStatus::Done)
    }

    /// Records a validation (in memory): counts and time, and the status
    /// change it implies — a step that passes becomes done (if it was applied
    /// at all); a done step that now fails has drifted and becomes failed.
    pub fn record_checks(&mut self, step: StepId, checks: &[Check]) {
        let rec = self.step_mut(step);
        rec.last_validated_at = Some(now());
        rec.last_checks = Some(CheckSummary::of(checks.iter().map(|c| &c.status)));
        let ok = blocking(checks).is_empty();
        rec.status = match (rec.status, ok) {
            (StepStatus::NotStarted, _) => StepStatus::NotStarted,
            (_, true) => StepStatus::Done,
            (_, false) => StepStatus::Failed,
        };
    }
}

/// Checks a session name: it becomes a file name, a tag value and the prefix of
/// every default resource name, so it is kept short and plain.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a session name cannot be empty".into());
    }
    if name.len() > 32 {
        return Err(format!(
            "session name `{name}` is {} characters; use at most 32",
            name.len()
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!(
            "session name `{name}` must start with a lowercase letter"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "session name `{name}` contains `{c}`; use lowercase letters, digits and hyphens"
        ));
    }
    if name.ends_with('-') || name.contains("--") {
        return Err(format!(
            "session name `{name}` cannot end with a hyphen or contain two in a row"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "demo",
            "a",
            "team-3-workshop",
            "abcdefghijabcdefghijabcdefghijab",
        ] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Demo",
            "3demo",
            "demo-",
            "de--mo",
            "de_mo",
            "de mo",
            "../x",
            "abcdefghijabcdefghijabcdefghijabc",
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn current_step_is_first_not_done() {
        let mut s = Session::new("demo", "us-east-1");
        assert_eq!(s.current_step(), Some(StepId::TaskDefinition));
        s.step_mut(StepId::TaskDefinition).status = StepStatus::Done;
        assert_eq!(s.current_step(), Some(StepId::ClusterVpc));
        assert_eq!(s.done_count(), 1);
    }
}
