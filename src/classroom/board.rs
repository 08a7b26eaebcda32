//! The instructor board's rows: each student's account read with their own
//! keys (the roster gives them to the instructor) and judged by the steps'
//! own checks, beside what the classroom's journal holds — when an exercise
//! was applied, when that student's checks went red and when green again.
//!
//! Reading the board writes what it saw to the journal when it changed (a
//! student's step, or their failing checks), so the time on a step and the
//! time to fix outlive one board: the journal is the classroom's memory.

use super::server::{Classroom, Student, journal, roster};
use crate::aws::{AwsContext, AwsOptions};
use crate::discover::account::{AccountSession, sessions};
use crate::engine::Engine;
use crate::error::Result;
use crate::model::StepId;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The user agent's `app/…` of the board's reads: the layer does not count
/// them as the student's activity.
pub const BOARD_APP: &str = "gatewalk-board";

/// One student's row.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Their name.
    pub name: String,
    /// Their account.
    pub account: String,
    /// The session shown (the one furthest on), if they have one.
    pub session: Option<String>,
    /// How many sessions their account holds.
    pub sessions: usize,
    /// The steps done (present, every check passing).
    pub done: Vec<StepId>,
    /// The first step missing or failing (`None`: all done, or nothing yet).
    pub current: Option<StepId>,
    /// Since when (epoch seconds) they are on `current`, as the journal saw it.
    pub on_step_since: Option<f64>,
    /// Failing checks, by step and name.
    pub failing: Vec<Failing>,
    /// Steps whose checks could not run, with why.
    pub unchecked: Vec<String>,
    /// Their last AWS call (epoch seconds).
    pub last_activity: Option<f64>,
    /// The last exercise applied to them, with its times.
    pub exercise: Option<ExerciseTimes>,
    /// Why their account could not be read, if it could not.
    pub error: Option<String>,
    /// Every check of the session shown, by step (for the board's detail).
    #[serde(skip)]
    pub checks: Vec<(StepId, Vec<crate::model::Check>)>,
    /// Its live resources (for the board's detail).
    #[serde(skip)]
    pub resources: Vec<crate::aws::find::Tagged>,
}

/// A failing check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failing {
    /// Its step.
    pub step: StepId,
    /// Its name.
    pub check: String,
}

/// An exercise applied to a student, and how it went.
#[derive(Debug, Clone, Serialize)]
pub struct ExerciseTimes {
    /// Its id.
    pub exercise: String,
    /// When it was applied.
    pub applied_at: f64,
    /// When their checks were first seen failing after it.
    pub red_at: Option<f64>,
    /// When their checks were next seen all passing.
    pub green_at: Option<f64>,
    /// `green_at - applied_at`, seconds.
    pub time_to_fix: Option<f64>,
}

/// How the board orders its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sort {
    /// In the order students joined.
    Joined,
    /// Furthest on first.
    Progress,
    /// Longest on their current step first.
    Stuck,
}

/// Orders rows as `sort` says.
pub fn sort_rows(rows: &mut [Row], sort: Sort) {
    match sort {
        Sort::Joined => {}
        Sort::Progress => rows.sort_by_key(|r| std::cmp::Reverse(r.done.len())),
        Sort::Stuck => rows.sort_by(|a, b| {
            let t = |r: &Row| r.current.and(r.on_step_since).unwrap_or(f64::MAX);
            t(a).total_cmp(&t(b))
        }),
    }
}

/// What the board read last, per student: a student whose account shows
/// nothing wrong, who made no call since and had no exercise applied is not
/// read again for a minute — every read goes through the one layer the
/// whole room shares.
#[derive(Debug, Default)]
pub struct Cache {
    rows: HashMap<String, (Option<f64>, f64, Row)>,
}

/// How long a quiet student's row is shown without reading their account.
const QUIET: f64 = 60.0;

impl Cache {
    fn fresh(&self, st: &Student, journal: &[Value], now: f64) -> Option<Row> {
        let (seen, at, row) = self.rows.get(&st.name)?;
        let quiet = *seen == st.last_seen
            && row.error.is_none()
            && row.failing.is_empty()
            && row.unchecked.is_empty()
            && now - at < QUIET;
        let broken_since = journal.iter().any(|e| {
            e["student"] == st.name.as_str()
                && e["event"] == "break"
                && e["at"].as_f64().is_some_and(|t| t >= *at)
        });
        (quiet && !broken_since).then(|| row.clone())
    }
}

/// Reads every student's account and returns the rows (in joining order),
/// writing to the journal what changed since it last looked.
pub async fn read(engine: &dyn Engine, c: &Classroom) -> Result<Vec<Row>> {
    read_with(engine, c, &mut Cache::default()).await
}

/// [`read`], reading again only the accounts `cache` does not hold fresh.
pub async fn read_with(engine: &dyn Engine, c: &Classroom, cache: &mut Cache) -> Result<Vec<Row>> {
    let r = roster(c).await?;
    let now = super::now();
    let mut rows = Vec::new();
    for st in &r.students {
        let mut row = match cache.fresh(st, &r.journal, now) {
            Some(row) => row,
            None => {
                let row = row_of(st, read_one(engine, c, st).await);
                cache
                    .rows
                    .insert(st.name.clone(), (st.last_seen, super::now(), row.clone()));
                row
            }
        };
        row.last_activity = st.last_seen;
        let mut entries: Vec<Value> = r
            .journal
            .iter()
            .filter(|e| e["student"] == st.name.as_str())
            .cloned()
            .collect();
        if row.error.is_none() && changed(&entries, &row) {
            let entry = json!({
                "event": "seen",
                "current": row.current,
                "done": row.done.len(),
                "failing": row.failing.iter().map(|f| &f.check).collect::<Vec<_>>(),
            });
            if let Err(e) = journal(c, &st.name, entry.clone()).await {
                tracing::warn!(error = %e, "could not write to the journal");
            }
            // Shown by this board at once, as the journal now holds it.
            let mut entry = entry;
            entry["at"] = json!(super::now());
            entries.push(entry);
        }
        row.on_step_since = since(&entries, row.current, st.joined_at);
        row.exercise = exercise_times(&entries);
        rows.push(row);
    }
    Ok(rows)
}

async fn read_one(engine: &dyn Engine, c: &Classroom, s: &Student) -> Result<Vec<AccountSession>> {
    let aws = student_context(c, s).await?;
    sessions(engine, &aws).await
}

/// Clients that act as student `s` in the classroom.
pub async fn student_context(c: &Classroom, s: &Student) -> Result<AwsContext> {
    AwsContext::load(&AwsOptions {
        profile: None,
        region: Some(c.region.clone()),
        endpoint_url: Some(c.local_url()),
        static_credentials: Some((s.access_key.clone(), s.secret_key.clone())),
        call_delay: None,
        app_name: Some(BOARD_APP),
    })
    .await
}

/// The session a board shows for a student: the one furthest on.
pub fn furthest(found: &[AccountSession]) -> Option<&AccountSession> {
    found.iter().max_by_key(|s| s.done().len())
}

fn row_of(st: &Student, found: Result<Vec<AccountSession>>) -> Row {
    let mut row = Row {
        name: st.name.clone(),
        account: st.account.clone(),
        session: None,
        sessions: 0,
        done: Vec::new(),
        current: None,
        on_step_since: None,
        failing: Vec::new(),
        unchecked: Vec::new(),
        last_activity: st.last_seen,
        exercise: None,
        error: None,
        checks: Vec::new(),
        resources: Vec::new(),
    };
    match found {
        Err(e) => row.error = Some(crate::text::one_line(&e.to_string())),
        Ok(found) => {
            row.sessions = found.len();
            match furthest(&found) {
                Some(s) => {
                    row.session = Some(s.name.clone());
                    row.done = s.done();
                    row.current = s.current();
                    row.failing = s
                        .failing()
                        .into_iter()
                        .map(|(step, check)| Failing { step, check })
                        .collect();
                    row.checks = s
                        .seen
                        .iter()
                        .filter_map(|x| match &x.checks {
                            Some(Ok(c)) => Some((x.step, c.clone())),
                            _ => None,
                        })
                        .collect();
                    row.resources.clone_from(&s.resources);
                    row.unchecked = s
                        .unchecked()
                        .into_iter()
                        .map(|(step, why)| format!("{step}: {why}"))
                        .collect();
                }
                None => row.current = Some(StepId::TaskDefinition),
            }
        }
    }
    row
}

/// Whether the row differs from the last `seen` entry (step or failing checks).
fn changed(entries: &[Value], row: &Row) -> bool {
    let Some(last) = entries.iter().rev().find(|e| e["event"] == "seen") else {
        return true;
    };
    let failing: Vec<&str> = row.failing.iter().map(|f| f.check.as_str()).collect();
    last["current"] != json!(row.current) || last["failing"] != json!(failing)
}

/// Since when the student is on `current`: the first `seen` entry of the
/// latest unbroken run of entries at that step (joining, for step 1).
fn since(entries: &[Value], current: Option<StepId>, joined: f64) -> Option<f64> {
    let want = json!(current);
    let mut at = None;
    for e in entries.iter().filter(|e| e["event"] == "seen") {
        if e["current"] == want {
            at = at.or_else(|| e["at"].as_f64());
        } else {
            at = None;
        }
    }
    if current == Some(StepId::TaskDefinition) {
        return Some(joined);
    }
    at
}

/// The last exercise applied, with when the checks went red and green again
/// (from `seen` entries after it).
fn exercise_times(entries: &[Value]) -> Option<ExerciseTimes> {
    let i = entries.iter().rposition(|e| e["event"] == "break")?;
    let b = &entries[i];
    let applied_at = b["at"].as_f64()?;
    let mut red_at = None;
    let mut green_at = None;
    for e in entries[i + 1..].iter().filter(|e| e["event"] == "seen") {
        let failing = e["failing"].as_array().is_some_and(|f| !f.is_empty());
        match (red_at, failing) {
            (None, true) => red_at = e["at"].as_f64(),
            (Some(_), false) if green_at.is_none() => green_at = e["at"].as_f64(),
            _ => {}
        }
    }
    Some(ExerciseTimes {
        exercise: b["exercise"].as_str().unwrap_or_default().to_string(),
        applied_at,
        red_at,
        green_at,
        time_to_fix: green_at.map(|g| g - applied_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_to_fix_runs_from_the_break_to_the_first_green_after_red() {
        let e = vec![
            json!({"event": "seen", "at": 1.0, "current": "done", "failing": []}),
            json!({"event": "break", "at": 10.0, "exercise": "open-port"}),
            json!({"event": "seen", "at": 12.0, "current": "service", "failing": ["x"]}),
            json!({"event": "seen", "at": 30.0, "current": "service", "failing": ["x", "y"]}),
            json!({"event": "seen", "at": 70.0, "current": null, "failing": []}),
            json!({"event": "seen", "at": 90.0, "current": null, "failing": []}),
        ];
        let t = exercise_times(&e).unwrap();
        assert_eq!(
            (t.red_at, t.green_at, t.time_to_fix),
            (Some(12.0), Some(70.0), Some(60.0))
        );
        assert_eq!(since(&e, None, 0.0), Some(70.0));
        assert_eq!(since(&e, Some(StepId::Service), 0.0), None);
    }
}
