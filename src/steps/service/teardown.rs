//! Teardown of step 6: scale the service to zero and delete it, then the
//! listener, the target group and the security group (whose task network
//! interfaces linger for minutes).

use super::cluster_of;
use super::keys::{LISTENER, SERVICE};
use super::owned;
use crate::aws::kind::At;
use crate::error::Result;
use crate::session::SessionHandle;
use crate::steps::StepCx;
use crate::steps::load_balancer::keys as lb_keys;

pub(super) async fn run(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let name = cx.inputs.service.target_group_name.as_str();
    match cluster_of(h.session()) {
        Ok(cluster) => {
            let at = At::named(&cx.inputs.service.service_name).inside(&cluster);
            owned::SERVICE.delete_owned(cx, h, at).await?;
        }
        Err(_) => h.forget(SERVICE)?,
    }
    let port = cx.inputs.task_definition.container_port;
    match h.session().output(lb_keys::NLB).map(str::to_string) {
        Some(nlb) => {
            let at = At::ANY.inside(&nlb).on_port(port);
            owned::LISTENER.delete_owned(cx, h, at).await?;
        }
        None => h.forget(LISTENER)?,
    }
    owned::TG.delete_owned(cx, h, At::named(name)).await?;
    // Task network interfaces linger for minutes after tasks stop.
    owned::SG.delete_owned(cx, h, At::ANY).await
}
