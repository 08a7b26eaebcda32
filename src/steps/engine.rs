//! Runs steps with the bookkeeping around them: binding a session to its
//! account, status changes, saving, validating after apply, concurrent
//! validation, whole-session teardown. Both front ends call this.

use super::inputs::Inputs;
use super::{Check, CheckStatus, StepCx, StepId};
use crate::aws::AwsContext;
use crate::aws::find::{Tagged, inventory};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::session::{Session, SessionHandle, StepStatus};

pub use crate::model::blocking;

/// Ties the session to the account (and sandbox instance) of `aws`, refusing a
/// different account. Call before any step runs.
pub async fn bind(
    aws: &AwsContext,
    h: &mut SessionHandle,
    sandbox_instance: Option<&str>,
    progress: &Progress,
) -> Result<()> {
    // The region is known without a call: refuse before asking STS anything.
    if h.session().region != aws.region {
        let s = h.session();
        return Err(Error::Config(format!(
            "session `{}` lives in {}, but gatewalk is set to {}; run with --region {}",
            s.name, s.region, aws.region, s.region
        )));
    }
    let account = aws.identity().await?.account.clone();
    let s = h.session_mut();
    match &s.account_id {
        Some(a) if *a != account => {
            return Err(Error::WrongAccount {
                session: s.name.clone(),
                expected: a.clone(),
                actual: account,
            });
        }
        Some(_) => {}
        None => s.account_id = Some(account),
    }
    if s.endpoint_url.is_none() {
        s.endpoint_url.clone_from(&aws.endpoint_url);
    }
    if let Some(cur) = sandbox_instance {
        match s.sandbox_instance.as_deref() {
            Some(old) if old != cur => {
                progress.warn(format!(
                    "the sandbox was restarted since session `{}` was last used, so everything it \
                     had created is gone; the session starts again from step 1 (inputs kept)",
                    s.name
                ));
                for rec in s.steps.values_mut() {
                    rec.outputs.clear();
                    rec.status = StepStatus::NotStarted;
                    rec.last_checks = None;
                    rec.last_validated_at = None;
                    rec.last_error = None;
                }
                s.sandbox_instance = Some(cur.to_string());
            }
            Some(_) => {}
            None => s.sandbox_instance = Some(cur.to_string()),
        }
    }
    h.save()
}

/// Applies steps in order up to and including `through`, validating each; stops
/// at the first error or failing check. Every step's apply is idempotent, so
/// steps already done are converged again (finding, not re-creating, what exists).
pub async fn apply_through(
    aws: &AwsContext,
    h: &mut SessionHandle,
    inputs: &Inputs,
    through: StepId,
    progress: &Progress,
) -> Result<Vec<(StepId, Vec<Check>)>> {
    let mut results = Vec::new();
    // (step, the later step that repairs it)
    let mut deferred: Vec<(StepId, StepId)> = Vec::new();
    for step in StepId::ALL.into_iter().filter(|s| *s <= through) {
        let checks = apply_unchecked(aws, h, inputs, step, progress).await?;
        let p = progress.for_step(step);
        // A step failing only on what a later step of this run owns (step
        // 5's route pointed elsewhere fails step 3's checks too) waits for
        // that step instead of stopping the run before its repair.
        if let Some(later) = repaired_later(&checks, step, through) {
            p.warn(format!(
                "step {} fails on what step {} ({}) owns; checking it again once that step has run",
                step.number(),
                later.number(),
                later.title()
            ));
            deferred.push((step, later));
            results.push((step, checks));
            continue;
        }
        results.push((step, settle(h, step, &checks, &p)?));
        // The steps that waited for this one: checked again now, before
        // anything later relies on them.
        let due: Vec<StepId> = deferred
            .iter()
            .filter(|(_, later)| *later <= step)
            .map(|(s, _)| *s)
            .collect();
        deferred.retain(|(_, later)| *later > step);
        for waited in due {
            let p = progress.for_step(waited);
            let cx = StepCx {
                aws,
                inputs,
                progress: &p,
            };
            let checks = super::validate(waited, cx, h.session()).await?;
            h.session_mut().record_checks(waited, &checks);
            let checks = settle(h, waited, &checks, &p)?;
            if let Some(r) = results.iter_mut().find(|(s, _)| *s == waited) {
                r.1 = checks;
            }
        }
    }
    Ok(results)
}

/// The later step (within `through`) that every blocking check of `step`
/// names as its fix, if they all name one.
fn repaired_later(checks: &[Check], step: StepId, through: StepId) -> Option<StepId> {
    let failing = blocking(checks);
    let later: Vec<StepId> = failing
        .iter()
        .filter_map(|c| match c.fix {
            Some(crate::model::Fix::Apply(s)) if s > step && s <= through => Some(s),
            _ => None,
        })
        .collect();
    (!failing.is_empty() && later.len() == failing.len())
        .then(|| later.into_iter().max())
        .flatten()
}

/// Applies one step and validates it, with the session bookkeeping: inputs
/// saved, status `applying` while it runs, then `done` or `failed` with the
/// error. A failing check is returned as [`Error::ChecksFailed`].
pub async fn apply_step(
    aws: &AwsContext,
    h: &mut SessionHandle,
    inputs: &Inputs,
    step: StepId,
    progress: &Progress,
) -> Result<Vec<Check>> {
    let checks = apply_unchecked(aws, h, inputs, step, progress).await?;
    settle(h, step, &checks, &progress.for_step(step))
}

/// Applies one step and checks it (the checks recorded in the session,
/// whatever they say).
async fn apply_unchecked(
    aws: &AwsContext,
    h: &mut SessionHandle,
    inputs: &Inputs,
    step: StepId,
    progress: &Progress,
) -> Result<Vec<Check>> {
    if step <= StepId::ClusterVpc && h.session().status(StepId::ClusterVpc) != StepStatus::Done {
        super::cluster_vpc::check_zones(aws, &inputs.cluster_vpc).await?;
    }
    inputs.store_in(h.session_mut());
    let p = progress.for_step(step);
    p.info(format!("step {} — {}", step.number(), step.title()));
    h.session_mut().step_mut(step).status = StepStatus::Applying;
    h.save()?;
    let cx = StepCx {
        aws,
        inputs,
        progress: &p,
    };
    if let Err(e) = super::apply(step, cx, h).await {
        let rec = h.session_mut().step_mut(step);
        rec.status = StepStatus::Failed;
        rec.last_error = Some(crate::text::one_line(&e.to_string()));
        h.save()?;
        return Err(e);
    }
    let checks = super::validate(step, cx, h.session()).await?;
    h.session_mut().record_checks(step, &checks);
    h.save()?;
    Ok(checks)
}

/// A step's checks as the run's outcome: failing ones are
/// [`Error::ChecksFailed`] (kept as the step's last error), passing ones
/// are said.
fn settle(
    h: &mut SessionHandle,
    step: StepId,
    checks: &[Check],
    p: &Progress,
) -> Result<Vec<Check>> {
    let failing: Vec<String> = blocking(checks)
        .iter()
        .map(|c| {
            format!(
                "  ✗ {}: {}{}",
                c.name,
                c.observed,
                c.fix
                    .as_ref()
                    .map(|f| format!("\n      fix: {f}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    if !failing.is_empty() {
        let e = Error::ChecksFailed {
            step,
            failed: failing.len(),
            details: failing.join("\n"),
        };
        h.session_mut().step_mut(step).last_error = Some(crate::text::one_line(&e.to_string()));
        h.save()?;
        return Err(e);
    }
    h.session_mut().step_mut(step).last_error = None;
    h.save()?;
    let passed = checks
        .iter()
        .filter(|c| c.status == CheckStatus::Pass)
        .count();
    let skipped = checks
        .iter()
        .filter(|c| c.status == CheckStatus::Skipped)
        .count();
    p.info(if skipped > 0 {
        format!(
            "step {} done: {passed} checks pass, {skipped} could not run in the emulator",
            step.number()
        )
    } else {
        format!("step {} done: {passed} checks pass", step.number())
    });
    Ok(checks.to_vec())
}

/// Validates several steps concurrently (their reads overlap in time).
pub async fn validate_steps(
    aws: &AwsContext,
    session: &Session,
    inputs: &Inputs,
    steps: &[StepId],
) -> Vec<(StepId, Result<Vec<Check>>)> {
    let p = Progress::silent();
    let futs = steps.iter().map(|&step| {
        let p = &p;
        async move {
            let cx = StepCx {
                aws,
                inputs,
                progress: p,
            };
            (step, super::validate(step, cx, session).await)
        }
    });
    futures::future::join_all(futs).await
}

/// Tears down every step in reverse order, then lists anything still tagged
/// with the session (which should be nothing).
pub async fn teardown_all(
    aws: &AwsContext,
    h: &mut SessionHandle,
    inputs: &Inputs,
    progress: &Progress,
) -> Result<Vec<Tagged>> {
    let steps: Vec<StepId> = StepId::ALL.to_vec();
    for &step in steps.iter().rev() {
        let p = progress.for_step(step);
        let cx = StepCx {
            aws,
            inputs,
            progress: &p,
        };
        if let Err(e) = super::teardown(step, cx, h).await {
            h.session_mut().step_mut(step).last_error = Some(crate::text::one_line(&e.to_string()));
            h.save()?;
            return Err(e);
        }
        let rec = h.session_mut().step_mut(step);
        rec.status = StepStatus::NotStarted;
        rec.last_checks = None;
        rec.last_validated_at = None;
        rec.last_error = None;
        h.save()?;
    }
    let name = h.session().name.clone();
    let id = h.session().id.clone();
    // Resources of a namesake (same name, another session id) were never
    // this session's to delete: say so, and do not count them as left over.
    let (left, namesakes): (Vec<Tagged>, Vec<Tagged>) = inventory(aws, &name)
        .await?
        .into_iter()
        .partition(|t| id.is_none() || t.session_id.is_none() || t.session_id == id);
    if !namesakes.is_empty() {
        progress.info(format!(
            "left alone: {} resource(s) tagged gatewalk:session={name} that another session of \
             the same name made (their gatewalk:session-id is not this session's)",
            namesakes.len()
        ));
    }
    if left.is_empty() {
        // Nothing of the session exists, so no unfinished create can matter.
        for rec in h.session_mut().steps.values_mut() {
            rec.outputs
                .retain(|k, _| !k.starts_with(crate::session::INTENT_PREFIX));
        }
        h.save()?;
    }
    Ok(left)
}
