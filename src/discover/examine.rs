//! What both front ends do with a deployment found: check each step that is
//! present (the steps' own checks, through the engine, on a session that is
//! never saved), and adopt it — save that session with every resource bound
//! as yours and each present step's checks recorded.

use super::Deployment;
use crate::aws::AwsContext;
use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Check, StepId, blocking};
use crate::progress::Progress;
use crate::session::{SessionHandle, StepStatus, Store};

/// One step of one deployment, as it was found.
#[derive(Debug)]
pub struct StepSeen {
    /// The step.
    pub step: StepId,
    /// Whether any of its resources exists.
    pub present: bool,
    /// Its checks (present steps only), or why they could not run.
    pub checks: Option<Result<Vec<Check>>>,
}

impl StepSeen {
    /// Present, and a check fails.
    pub fn failing(&self) -> bool {
        matches!(&self.checks, Some(Ok(c)) if !blocking(c).is_empty())
    }

    /// Present, and its checks could not run.
    pub fn unchecked(&self) -> bool {
        matches!(self.checks, Some(Err(_)))
    }
}

/// The first step that is missing or failing.
pub fn next_step(seen: &[StepSeen]) -> Option<StepId> {
    seen.iter()
        .find(|s| !s.present || s.failing() || s.unchecked())
        .map(|s| s.step)
}

/// Runs every present step's checks on the deployment, as a session that
/// is never saved; returns them with what reading the inputs noticed.
pub async fn examine(
    engine: &dyn Engine,
    aws: &AwsContext,
    d: &Deployment,
) -> (Vec<StepSeen>, Vec<String>) {
    // Gatewalk's own deployment is judged as its session; anyone else's as
    // a session of none (no tags of it exist).
    let name = match &d.maker {
        super::Maker::Gatewalk(s) => s.as_str(),
        super::Maker::You => "doctor",
    };
    let (mut session, inputs, notes) = d.session(name, &aws.region);
    let present: Vec<StepId> = StepId::ALL.into_iter().filter(|s| d.present(*s)).collect();
    // Steps 1–9 first; step 10 judges whether they are done.
    let (last, first): (Vec<StepId>, Vec<StepId>) =
        present.iter().partition(|s| **s == StepId::Done);
    let mut results = engine.validate_steps(aws, &session, &inputs, &first).await;
    for (step, r) in &results {
        if let Ok(checks) = r {
            session.step_mut(*step).status = StepStatus::Failed;
            session.record_checks(*step, checks);
        }
    }
    results.extend(engine.validate_steps(aws, &session, &inputs, &last).await);
    let seen = StepId::ALL
        .into_iter()
        .map(|step| {
            let at = results.iter().position(|(s, _)| *s == step);
            StepSeen {
                step,
                present: at.is_some(),
                checks: at.map(|i| results.swap_remove(i).1),
            }
        })
        .collect();
    (seen, notes)
}

/// Makes session `name` of the deployment: its resources bound as yours,
/// its inputs read back, each present step's checks recorded (done when
/// they pass), bound to the account (and sandbox instance). Refuses a name
/// in use. Returns the handle with what [`examine`] saw.
pub async fn adopt(
    engine: &dyn Engine,
    aws: &AwsContext,
    store: &Store,
    (d, name): (&Deployment, &str),
    sandbox_instance: Option<&str>,
) -> Result<(SessionHandle, Vec<StepSeen>, Vec<String>)> {
    let lock = store.lock_session(name)?;
    if store.exists(name) {
        return Err(crate::Error::Session(format!(
            "session `{name}` exists already; adopt makes a new session: choose another name"
        )));
    }
    let (seen, notes) = examine(engine, aws, d).await;
    let (session, _, _) = d.session(name, &aws.region);
    let mut h = store.open_locked(lock, name, &aws.region)?;
    h.session_mut().steps = session.steps;
    for s in &seen {
        if let Some(Ok(checks)) = &s.checks {
            h.session_mut().step_mut(s.step).status = StepStatus::Failed;
            h.session_mut().record_checks(s.step, checks);
        }
    }
    engine
        .bind(aws, &mut h, sandbox_instance, &Progress::silent())
        .await?;
    h.save()?;
    Ok((h, seen, notes))
}
