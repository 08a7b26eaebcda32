//! Teardown of step 2: route table, subnets, internet gateway, VPC, cluster —
//! the order AWS accepts, waiting out lingering network interfaces. A cluster
//! that is not this session's is kept.

use super::keys::{AZ_A, AZ_B, CLUSTER_CREATED};
use super::owned;
use crate::aws::kind::At;
use crate::error::Result;
use crate::session::SessionHandle;
use crate::steps::StepCx;

pub(super) async fn run(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    owned::ROUTE_TABLE.delete_owned(cx, h, At::ANY).await?;
    owned::SUBNET_A.delete_owned(cx, h, At::ANY).await?;
    owned::SUBNET_B.delete_owned(cx, h, At::ANY).await?;
    owned::IGW.delete_owned(cx, h, At::ANY).await?;
    owned::VPC.delete_owned(cx, h, At::ANY).await?;
    let name = cx.inputs.cluster_vpc.cluster_name.as_str();
    // A cluster of this name that is not this session's is yours: kept.
    owned::CLUSTER.delete_owned(cx, h, At::named(name)).await?;
    // The cluster's key went with it, unless it is yours and kept.
    for k in [CLUSTER_CREATED, AZ_A, AZ_B] {
        h.forget(k)?;
    }
    Ok(())
}
