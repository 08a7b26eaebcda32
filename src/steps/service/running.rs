//! Waiting for the service to settle, and why its tasks stopped.

use super::describe_service;
use crate::aws::wait::{Poll, wait_for};
use crate::aws::{AwsContext, CallExt};
use crate::error::Result;
use crate::steps::StepCx;
use aws_sdk_ecs::types::{DeploymentRolloutState, DesiredStatus};
use std::time::Duration;

/// Waits for the service to reach steady state; stopped tasks' reasons are
/// shown as warnings while waiting (an image pull failure points at the NAT).
pub(crate) async fn wait_steady(cx: StepCx<'_>, cluster: &str, name: &str) -> Result<()> {
    let aws = cx.aws;
    let p = cx.progress;
    let seen = std::sync::Mutex::new(std::collections::BTreeSet::<String>::new());
    let seen = &seen;
    wait_for(
        p,
        "the service to reach steady state",
        Duration::from_secs(20 * 60),
        || async move {
            let Some(svc) = describe_service(aws, cluster, name).await? else {
                return Ok(Poll::Failed(format!("service {name} disappeared")));
            };
            let primary = svc
                .deployments()
                .iter()
                .find(|d| d.status() == Some("PRIMARY"));
            // A failed deployment is the primary one, or (rolled back) the
            // one listed beside the deployment ECS rolls back to.
            if let Some(d) = failed_deployment(&svc) {
                let back = if primary.is_some_and(|p| p.id() != d.id()) {
                    format!(
                        "; ECS rolls back to {}",
                        svc.task_definition()
                            .and_then(|t| t.rsplit('/').next())
                            .unwrap_or("the last deployment that worked")
                    )
                } else {
                    String::new()
                };
                let reasons = stopped_reasons(aws, cluster, name).await?;
                return Ok(Poll::Failed(format!(
                    "the deployment failed: {}{back}{}",
                    d.rollout_state_reason()
                        .unwrap_or("no reason given")
                        .trim_end_matches('.'),
                    reasons
                        .first()
                        .map_or(String::new(), |r| format!("; last stop reason: {r}"))
                )));
            }
            let done = svc.running_count() >= svc.desired_count()
                && svc.deployments().len() == 1
                && primary.is_none_or(|d| {
                    d.rollout_state()
                        .is_none_or(|r| r == &DeploymentRolloutState::Completed)
                });
            if done {
                return Ok(Poll::Ready(()));
            }
            for reason in stopped_reasons(aws, cluster, name).await? {
                let fresh = seen.lock().is_ok_and(|mut s| s.insert(reason.clone()));
                if fresh {
                    p.warn(format!("a task stopped: {reason}"));
                }
            }
            Ok(Poll::Pending(format!(
                "{} of {} tasks running",
                svc.running_count(),
                svc.desired_count()
            )))
        },
    )
    .await
}

/// Why the session's service's recently stopped tasks stopped: empty before
/// step 6 made the service, or once its cluster is gone.
pub(crate) async fn last_stopped_reasons(
    aws: &AwsContext,
    inputs: &crate::inputs::Inputs,
    s: &crate::session::Session,
) -> Result<Vec<String>> {
    let (Some(_), Ok(cluster)) = (s.output(super::keys::SERVICE), super::cluster_of(s)) else {
        return Ok(Vec::new());
    };
    let r = stopped_reasons(aws, &cluster, &inputs.service.service_name).await;
    Ok(crate::aws::error::optional(r)?.unwrap_or_default())
}

/// The failed deployment that says how the service stands: the primary one,
/// or the one the primary is rolling back from. (An older failed deployment
/// still listed beside a new primary says nothing about it.)
pub(crate) fn failed_deployment(
    svc: &aws_sdk_ecs::types::Service,
) -> Option<&aws_sdk_ecs::types::Deployment> {
    let primary = svc
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"));
    let rolling_back = primary
        .and_then(|p| p.rollout_state_reason())
        .is_some_and(|r| r.contains("rolling back"));
    svc.deployments().iter().find(|d| {
        d.rollout_state() == Some(&DeploymentRolloutState::Failed)
            && (d.status() == Some("PRIMARY") || rolling_back)
    })
}

/// Why the service's recently stopped tasks stopped, newest first, each
/// reason once.
pub(crate) async fn stopped_reasons(
    aws: &AwsContext,
    cluster: &str,
    name: &str,
) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in tasks(aws, cluster, name, DesiredStatus::Stopped).await? {
        if let Some(r) = t.stopped_reason().filter(|r| !r.is_empty())
            && !out.iter().any(|o| o == r)
        {
            out.push(r.to_string());
        }
    }
    Ok(out)
}

/// The reason the newest task failed to start, when no task has started
/// since: the service still runs older tasks (a deployment rolled back, or
/// a replacement cannot start), and the next task it needs will fail the same way.
pub(crate) async fn start_failing(
    aws: &AwsContext,
    cluster: &str,
    name: &str,
) -> Result<Option<String>> {
    let started = tasks(aws, cluster, name, DesiredStatus::Running)
        .await?
        .iter()
        .filter_map(|t| t.started_at().map(aws_smithy_types::DateTime::as_nanos))
        .max();
    let stopped = tasks(aws, cluster, name, DesiredStatus::Stopped).await?;
    Ok(stopped
        .iter()
        .find(|t| t.stop_code() == Some(&aws_sdk_ecs::types::TaskStopCode::TaskFailedToStart))
        .filter(|t| {
            let at = t.stopped_at().map(aws_smithy_types::DateTime::as_nanos);
            started.is_none_or(|s| at.is_some_and(|a| a > s))
        })
        .and_then(|t| t.stopped_reason().map(str::to_string)))
}

/// The service's tasks of one desired status, newest first (by when they
/// stopped, else when they were created).
async fn tasks(
    aws: &AwsContext,
    cluster: &str,
    name: &str,
    status: DesiredStatus,
) -> Result<Vec<aws_sdk_ecs::types::Task>> {
    let list = aws
        .ecs
        .list_tasks()
        .cluster(cluster)
        .service_name(name)
        .desired_status(status)
        .send()
        .await
        .ctx("ecs", "ListTasks")?;
    if list.task_arns().is_empty() {
        return Ok(vec![]);
    }
    // DescribeTasks takes at most 100.
    let d = aws
        .ecs
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(list.task_arns().iter().take(100).cloned().collect()))
        .send()
        .await
        .ctx("ecs", "DescribeTasks")?;
    let mut tasks = d.tasks().to_vec();
    tasks.sort_by_key(|t| {
        std::cmp::Reverse(
            t.stopped_at()
                .or(t.created_at())
                .map(aws_smithy_types::DateTime::as_nanos),
        )
    });
    Ok(tasks)
}
