//! Step 5, `nat-gateway`: an Elastic IP, a NAT gateway in public subnet A, and
//! a private route table sending `0.0.0.0/0` to it, so tasks in the private
//! subnet can pull their image without being reachable from the internet.

mod checks;
mod ensure;

use super::cluster_vpc::keys as vpc_keys;
use super::inputs::Inputs;
use super::private_subnet::PRIVATE_SUBNET_KEY;
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::kind::At;
use crate::aws::tags::SESSION_KEY;
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle};

pub use crate::inputs::NatGatewayInputs;

/// Step 5.
#[derive(Debug, Clone, Copy)]
pub struct NatGateway;

/// Output keys.
pub mod keys {
    use crate::model::OutputKey;

    pub use crate::model::keys::{EIP, NAT};
    /// Client token of the `CreateNatGateway` call, written before the call.
    pub const NAT_TOKEN: OutputKey = OutputKey::NatToken;
    /// Private route table id.
    pub const PRIVATE_RT: OutputKey = OutputKey::PrivateRouteTable;
}
use keys::*;

/// What step 5 owns, each declared once for apply, plan and teardown.
pub mod owned {
    use super::keys;
    use crate::aws::ec2::{Addresses, NatGateways, RouteTables};

    use crate::steps::resource::Owned;

    /// The Elastic IP the NAT gateway sends from.
    pub const EIP: Owned<Addresses> =
        Owned::new(keys::EIP, "nat-eip", "Elastic IP", "AllocateAddress");
    /// The NAT gateway, in public subnet A.
    pub const NAT: Owned<NatGateways> =
        Owned::new(keys::NAT, "nat-gateway", "NAT gateway", "CreateNatGateway");
    /// The private subnet's route table.
    pub const PRIVATE_RT: Owned<RouteTables> = Owned::new(
        keys::PRIVATE_RT,
        "private-route-table",
        "private route table",
        "CreateRouteTable",
    );
}

pub(crate) use crate::aws::ec2::describe_nat;

impl Step for NatGateway {
    const ID: StepId = StepId::NatGateway;
    type Inputs = crate::inputs::NatGatewayInputs;

    fn plan(&self, _inputs: &Inputs, s: &Session) -> Vec<Change> {
        let tags = |rt: &str, role: &str| {
            format!(
                "--tag-specifications 'ResourceType={rt},Tags=[{{Key={SESSION_KEY},Value={}}},{{Key=gatewalk:role,Value={role}}}]'",
                s.name
            )
        };
        vec![
            owned::EIP.change(
                s,
                "Elastic IP address (domain vpc) for the NAT gateway".to_string(),
                format!(
                    "aws ec2 allocate-address --domain vpc {}",
                    tags("elastic-ip", owned::EIP.role)
                ),
            ),
            owned::NAT.change(
                s,
                super::then_if_new(
                    owned::NAT.recorded(s),
                    match s.output(vpc_keys::SUBNET_A) {
                        Some(id) => format!("NAT gateway in public subnet A {id}"),
                        None => "NAT gateway in public subnet A".to_string(),
                    },
                    "then wait until available (1–2 minutes)",
                ),
                format!(
                    "aws ec2 create-nat-gateway --subnet-id $SUBNET_A_ID --allocation-id $EIP_ALLOCATION_ID --client-token $TOKEN {} && aws ec2 wait nat-gateway-available --nat-gateway-ids $NAT_ID",
                    tags("natgateway", owned::NAT.role)
                ),
            ),
            owned::PRIVATE_RT.change(
                s,
                "private route table: 0.0.0.0/0 → NAT gateway, associated with the private subnet"
                    .to_string(),
                format!(
                    "aws ec2 create-route-table --vpc-id $VPC_ID {} && aws ec2 create-route --route-table-id $PRIVATE_RTB_ID --destination-cidr-block 0.0.0.0/0 --nat-gateway-id $NAT_ID && aws ec2 associate-route-table --route-table-id $PRIVATE_RTB_ID --subnet-id $PRIVATE_SUBNET_ID",
                    tags("route-table", owned::PRIVATE_RT.role)
                ),
            ),
        ]
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let sid = StepId::NatGateway;
        let get = |h: &SessionHandle, _step, key| h.session().output(key).map(str::to_string);
        let (Some(vpc_id), Some(subnet_a)) = (
            get(h, StepId::ClusterVpc, vpc_keys::VPC),
            get(h, StepId::ClusterVpc, vpc_keys::SUBNET_A),
        ) else {
            return Err(Error::NotReady {
                step: sid,
                needs: StepId::ClusterVpc,
            });
        };
        let Some(private) = get(h, StepId::PrivateSubnet, PRIVATE_SUBNET_KEY) else {
            return Err(Error::NotReady {
                step: sid,
                needs: StepId::PrivateSubnet,
            });
        };
        let alloc = ensure::elastic_ip(cx, h).await?;
        let nat_id = ensure::nat_gateway(cx, h, &subnet_a, &alloc).await?;
        ensure::private_route_table(cx, h, &vpc_id, &nat_id, &private).await
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        checks::validate(cx, s).await
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        checks::inspect(cx, s).await
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        owned::PRIVATE_RT.delete_owned(cx, h, At::ANY).await?;
        owned::NAT.delete_owned(cx, h, At::ANY).await?;
        h.forget(NAT_TOKEN)?;
        owned::EIP.delete_owned(cx, h, At::ANY).await
    }
}
