//! Teardown of step 6: scale the service to zero and delete it, then the
//! listener, the target group and the security group (whose task network
//! interfaces linger for minutes).

use super::cluster_of;
use super::keys::{LISTENER, SERVICE};
use super::owned;
use crate::aws::CallExt;
use crate::aws::kind::At;
use crate::error::Result;
use crate::session::SessionHandle;
use crate::steps::StepCx;

pub(super) async fn run(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let name = cx.inputs.service.target_group_name.as_str();
    match cluster_of(h.session()) {
        Ok(cluster) => {
            let at = At::named(&cx.inputs.service.service_name).inside(&cluster);
            owned::SERVICE.delete_owned(cx, h, at).await?;
        }
        Err(_) => h.forget(SERVICE)?,
    }
    super::listeners::remove(cx, h).await?;
    point_back(cx, h).await?;
    owned::TG.delete_owned(cx, h, At::named(name)).await?;
    // Task network interfaces linger for minutes after tasks stop.
    owned::SG.delete_owned(cx, h, At::ANY).await
}

/// A listener of yours that apply pointed at the service's target group
/// (the walkthrough's step 7) is pointed back at your placeholder target
/// group, as it was, so the target group gatewalk made can go. Without a
/// placeholder to go back to, teardown stops and says what to do.
async fn point_back(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let s = h.session();
    let (Some(l), Some(tg)) = (
        s.output(LISTENER).filter(|_| s.is_yours(LISTENER)),
        s.output(super::keys::TG)
            .filter(|_| !s.is_yours(super::keys::TG)),
    ) else {
        return Ok(());
    };
    let Some(listener) =
        <crate::aws::elb::Listeners as crate::aws::kind::Kind>::get(cx.aws, l).await?
    else {
        return Ok(());
    };
    if super::forwards_to(&listener) != Some(tg) {
        return Ok(());
    }
    let placeholder = s
        .output(crate::model::OutputKey::Placeholder)
        .filter(|_| s.is_yours(crate::model::OutputKey::Placeholder));
    let Some(back) = placeholder else {
        return Err(crate::Error::Conflict(format!(
            "your listener {l} forwards to the target group gatewalk made ({tg}), which AWS will \
             not delete while it is used.\n  hint: point the listener at a target group of \
             yours, or run `gatewalk teardown --include-yours` to remove the listener too"
        )));
    };
    cx.aws
        .elb
        .modify_listener()
        .listener_arn(l)
        .default_actions(super::forward(back))
        .send()
        .await
        .ctx("elbv2", "ModifyListener")?;
    cx.progress.info(format!(
        "your listener {l} forwards to your target group {back} again, as before"
    ));
    Ok(())
}
