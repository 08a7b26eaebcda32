//! Teardown of step 6: scale the service to zero and delete it, then the
//! listener, the target group and the security group (whose task network
//! interfaces linger for minutes).

use super::keys::*;
use super::{cluster_of, describe_service, listener_on};
use crate::aws::CallExt;
use crate::aws::Required;
use crate::aws::find;
use crate::aws::tags::Owner;
use crate::aws::wait::{Poll, delete_when_free_showing, wait_for};
use crate::error::Result;
use crate::session::SessionHandle;
use crate::steps::load_balancer::keys as lb_keys;
use crate::steps::load_balancer::{delete_own_target_group, describe_tg, elb_owned};
use crate::steps::net::eni_holders;
use crate::steps::{StepCx, StepId};
use std::time::Duration;

pub(super) async fn run(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let aws = cx.aws;
    let p = cx.progress;
    let session = Owner::of(h.session());
    let i = &cx.inputs.service;
    let sid = StepId::Service;
    delete_service(cx, h, &session).await?;
    h.forget(sid, SERVICE)?;
    if let Some(nlb) = h
        .session()
        .output(StepId::LoadBalancer, lb_keys::NLB)
        .map(str::to_string)
        && let Some(l) = listener_on(aws, &nlb, cx.inputs.task_definition.container_port).await?
    {
        let arn = l
            .listener_arn()
            .required("elbv2", "DescribeListeners", "ListenerArn")?;
        if elb_owned(aws, &arn, &session).await? {
            aws.elb
                .delete_listener()
                .listener_arn(&arn)
                .send()
                .await
                .ctx("elbv2", "DeleteListener")?;
            p.deleted("listener", &arn);
        }
    }
    h.forget(sid, LISTENER)?;
    if let Some(tg) = describe_tg(aws, &i.target_group_name).await? {
        let arn =
            &tg.target_group_arn()
                .required("elbv2", "DescribeTargetGroups", "TargetGroupArn")?;
        delete_own_target_group(aws, p, arn, &session, "target group").await?;
    }
    h.forget(sid, TG)?;
    for g in find::security_groups(aws, &session.tags("task-security-group")).await? {
        let id = g
            .group_id()
            .required("ec2", "DescribeSecurityGroups", "GroupId")?;
        let r = id.as_str();
        // Task network interfaces linger for minutes after tasks stop.
        delete_when_free_showing(
            p,
            &format!("security group {id} to be released by task network interfaces"),
            || async move {
                aws.ec2
                    .delete_security_group()
                    .group_id(r)
                    .send()
                    .await
                    .ctx("ec2", "DeleteSecurityGroup")
                    .map(|_| ())
            },
            || eni_holders(aws, "group-id", r),
        )
        .await?;
        p.deleted("security group", &id);
    }
    h.forget(sid, SG)?;
    Ok(())
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
