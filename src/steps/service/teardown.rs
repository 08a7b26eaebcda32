//! Teardown of step 6: scale the service to zero and delete it, then the
//! listener, the target group and the security group (whose task network
//! interfaces linger for minutes).

use super::keys::{LISTENER, SERVICE};
use super::owned;
use super::{cluster_of, describe_service};
use crate::aws::CallExt;
use crate::aws::Required;
use crate::aws::kind::At;
use crate::aws::tags::Owner;
use crate::aws::wait::{Poll, wait_for};
use crate::error::Result;
use crate::session::SessionHandle;
use crate::steps::load_balancer::keys as lb_keys;
use crate::steps::{StepCx, StepId};
use std::time::Duration;

pub(super) async fn run(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let session = Owner::of(h.session());
    let name = cx.inputs.service.target_group_name.as_str();
    delete_service(cx, h, &session).await?;
    h.forget(StepId::Service, SERVICE)?;
    let port = cx.inputs.task_definition.container_port;
    match h
        .session()
        .output(StepId::LoadBalancer, lb_keys::NLB)
        .map(str::to_string)
    {
        Some(nlb) => {
            let at = At::ANY.inside(&nlb).on_port(port);
            owned::LISTENER.delete_owned(cx, h, at).await?;
        }
        None => h.forget(StepId::Service, LISTENER)?,
    }
    owned::TG.delete_owned(cx, h, At::named(name)).await?;
    // Task network interfaces linger for minutes after tasks stop.
    owned::SG.delete_owned(cx, h, At::ANY).await
}

/// Scales the session's service to zero, deletes it and waits until it is
/// INACTIVE (its tasks stopped); one found DRAINING is only waited for.
async fn delete_service(cx: StepCx<'_>, h: &SessionHandle, session: &Owner) -> Result<()> {
    let aws = cx.aws;
    let p = cx.progress;
    let i = &cx.inputs.service;
    let Ok(cluster) = cluster_of(h.session()) else {
        return Ok(());
    };
    let Some(svc) = describe_service(aws, &cluster, &i.service_name).await? else {
        return Ok(());
    };
    if !session.owns(svc.tags().iter().map(|t| (t.key(), t.value()))) {
        return Ok(());
    }
    // A teardown stopped earlier may find it DRAINING: only wait then.
    if svc.status() == Some("ACTIVE") {
        aws.ecs
            .update_service()
            .cluster(&cluster)
            .service(&i.service_name)
            .desired_count(0)
            .send()
            .await
            .ctx("ecs", "UpdateService")?;
        aws.ecs
            .delete_service()
            .cluster(&cluster)
            .service(&i.service_name)
            .force(true)
            .send()
            .await
            .ctx("ecs", "DeleteService")?;
    }
    let (c, n) = (cluster.as_str(), i.service_name.as_str());
    wait_for(
        p,
        "the service to be deleted",
        Duration::from_secs(15 * 60),
        || async move {
            Ok(match describe_service(aws, c, n).await? {
                None => Poll::Ready(()),
                Some(s) => Poll::Pending(s.status().unwrap_or("DRAINING").to_lowercase()),
            })
        },
    )
    .await?;
    p.deleted(
        "ECS service",
        &svc.service_arn()
            .required("ecs", "DescribeServices", "serviceArn")?,
    );
    Ok(())
}
