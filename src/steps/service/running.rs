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
            if let Some(d) = primary
                && d.rollout_state() == Some(&DeploymentRolloutState::Failed)
            {
                return Ok(Poll::Failed(format!(
                    "the deployment failed and was rolled back: {}",
                    d.rollout_state_reason().unwrap_or("no reason given")
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

/// Why the service's recently stopped tasks stopped.
pub(crate) async fn stopped_reasons(
    aws: &AwsContext,
    cluster: &str,
    name: &str,
) -> Result<Vec<String>> {
    let list = aws
        .ecs
        .list_tasks()
        .cluster(cluster)
        .service_name(name)
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .ctx("ecs", "ListTasks")?;
    if list.task_arns().is_empty() {
        return Ok(vec![]);
    }
    let d = aws
        .ecs
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(list.task_arns().iter().take(10).cloned().collect()))
        .send()
        .await
        .ctx("ecs", "DescribeTasks")?;
    Ok(d.tasks()
        .iter()
        .filter_map(|t| t.stopped_reason().map(std::string::ToString::to_string))
        .collect())
}
