//! Step 5, `nat-gateway`: how tasks in the private subnet reach ECR and
//! CloudWatch Logs without being reachable from the internet. With
//! `egress = nat` (the walkthrough): an Elastic IP, a NAT gateway in public
//! subnet A, and a private route table sending `0.0.0.0/0` to it. With
//! `egress = endpoints` (the CDK variant): the private route table with no
//! way out, interface endpoints for `ecr.api`, `ecr.dkr` and `logs`, an S3
//! gateway endpoint, and for an ECR Public image a pull-through cache.

mod checks;
mod endpoint_checks;
mod endpoints;
mod ensure;

use super::cluster_vpc::keys as vpc_keys;
use super::inputs::Inputs;
use super::private_subnet::PRIVATE_SUBNET_KEY;
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::kind::At;
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle};

pub use crate::inputs::NatGatewayInputs;
use crate::inputs::nat_gateway::Egress;

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
    /// The endpoints' security group id.
    pub const ENDPOINT_SG: OutputKey = OutputKey::EndpointSecurityGroup;
    /// The `ecr.api` interface endpoint id.
    pub const ECR_API: OutputKey = OutputKey::EndpointEcrApi;
    /// The `ecr.dkr` interface endpoint id.
    pub const ECR_DKR: OutputKey = OutputKey::EndpointEcrDkr;
    /// The `logs` interface endpoint id.
    pub const LOGS: OutputKey = OutputKey::EndpointLogs;
    /// The S3 gateway endpoint id.
    pub const S3: OutputKey = OutputKey::EndpointS3;
    /// The pull-through cache rule's prefix.
    pub const CACHE_RULE: OutputKey = OutputKey::CacheRule;
    /// The cache repository's name.
    pub const CACHE_REPO: OutputKey = OutputKey::CacheRepository;
}
use keys::*;

/// What step 5 owns, each declared once for apply, plan and teardown.
pub mod owned {
    use super::keys;
    use crate::aws::ec2::{Addresses, NatGateways, RouteTables, SecurityGroups, VpcEndpoints};
    use crate::aws::ecr::{CacheRules, Repositories};

    use crate::steps::resource::{Foreign, Owned};

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
    /// The interface endpoints' security group: TCP 443 from the VPC.
    pub const ENDPOINT_SG: Owned<SecurityGroups> = Owned::new(
        keys::ENDPOINT_SG,
        "endpoint-security-group",
        "endpoint security group",
        "CreateSecurityGroup",
    );
    /// `ecr.api`: registry calls (authorization token, manifests).
    pub const ECR_API: Owned<VpcEndpoints> = Owned::new(
        keys::ECR_API,
        "ecr-api-endpoint",
        "ecr.api endpoint",
        "CreateVpcEndpoint",
    );
    /// `ecr.dkr`: the Docker registry protocol (image pulls).
    pub const ECR_DKR: Owned<VpcEndpoints> = Owned::new(
        keys::ECR_DKR,
        "ecr-dkr-endpoint",
        "ecr.dkr endpoint",
        "CreateVpcEndpoint",
    );
    /// `logs`: the awslogs driver's calls.
    pub const LOGS: Owned<VpcEndpoints> = Owned::new(
        keys::LOGS,
        "logs-endpoint",
        "logs endpoint",
        "CreateVpcEndpoint",
    );
    /// S3 (gateway): image layers live in S3.
    pub const S3: Owned<VpcEndpoints> = Owned::new(
        keys::S3,
        "s3-endpoint",
        "S3 gateway endpoint",
        "CreateVpcEndpoint",
    );
    /// The repository the cache fills, made (tagged) before the rule.
    pub const CACHE_REPO: Owned<Repositories> = Owned::new(
        keys::CACHE_REPO,
        "cache-repository",
        "cache repository",
        "CreateRepository",
    )
    .foreign(Foreign::Refuse("nat-gateway.cache_prefix"));
    /// The pull-through cache rule (ECR Public upstream, no credentials).
    pub const CACHE_RULE: Owned<CacheRules> = Owned::new(
        keys::CACHE_RULE,
        "pull-through-cache",
        "pull-through cache rule",
        "CreatePullThroughCacheRule",
    )
    .foreign(Foreign::Refuse("nat-gateway.cache_prefix"));
}

pub(crate) use crate::aws::ec2::describe_nat;

/// The Elastic IP and NAT gateway lines (`why`: said after the gateway's).
fn nat_plan(s: &Session, why: &str) -> Vec<Change> {
    vec![
        owned::EIP.change(
            s,
            "Elastic IP address (domain vpc) for the NAT gateway".to_string(),
            format!(
                "aws ec2 allocate-address --domain vpc {}",
                owned::EIP.cli_tags(s, "elastic-ip")
            ),
        ),
        owned::NAT.change(
            s,
            super::then_if_new(
                owned::NAT.recorded(s),
                match s.output(vpc_keys::SUBNET_A) {
                    Some(id) => format!("NAT gateway in public subnet A {id}{why}"),
                    None => format!("NAT gateway in public subnet A{why}"),
                },
                "then wait until available (1–2 minutes)",
            ),
            format!(
                "aws ec2 create-nat-gateway --subnet-id $SUBNET_A_ID --allocation-id $EIP_ALLOCATION_ID --client-token $TOKEN {} && aws ec2 wait nat-gateway-available --nat-gateway-ids $NAT_ID",
                owned::NAT.cli_tags(s, "natgateway")
            ),
        ),
    ]
}

/// With `egress = endpoints`, once the first pull has filled the cache:
/// the private route table's way out removed, then the NAT gateway kept for
/// that pull and its Elastic IP deleted (step 6 calls it once its tasks
/// run). Nothing when there is no NAT gateway or the pull is still to come.
pub async fn retire_first_pull_nat(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    if cx.inputs.nat_gateway.egress != Egress::Endpoints
        || h.session().output(NAT).is_none()
        || endpoints::first_pull_pending(cx).await?
    {
        return Ok(());
    }
    let get = |key| h.session().output(key).map(str::to_string);
    let (Some(vpc), Some(private)) = (get(vpc_keys::VPC), get(PRIVATE_SUBNET_KEY)) else {
        return Ok(());
    };
    cx.progress
        .info("the cache holds the image now: the NAT gateway kept for the first pull goes");
    ensure::private_route_table(cx, h, &vpc, None, &private).await?;
    remove_nat(cx, h).await
}

/// Deletes this session's NAT gateway and its Elastic IP (teardown, and
/// apply with `egress = endpoints` once the route to it is gone).
async fn remove_nat(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    owned::NAT.delete_owned(cx, h, At::ANY).await?;
    h.forget(NAT_TOKEN)?;
    owned::EIP.delete_owned(cx, h, At::ANY).await
}

impl Step for NatGateway {
    const ID: StepId = StepId::NatGateway;
    type Inputs = crate::inputs::NatGatewayInputs;

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        let cached = crate::inputs::nat_gateway::cache_repository(inputs).is_some();
        match inputs.nat_gateway.egress {
            Egress::Endpoints if cached => {
                // The first pull through the cache needs the NAT gateway.
                let mut v = nat_plan(
                    s,
                    " — only until the first pull through the cache: step 6 retires it",
                );
                v.extend(endpoints::plan(inputs, s));
                v
            }
            Egress::Endpoints => {
                let mut v = endpoints::plan(inputs, s);
                v.extend(endpoints::retire_nat_plan(s));
                v
            }
            Egress::Nat => {
                let mut v = nat_plan(s, "");
                v.push(owned::PRIVATE_RT.change(
                    s,
                    "private route table: 0.0.0.0/0 → NAT gateway, associated with the private subnet"
                        .to_string(),
                    format!(
                        "aws ec2 create-route-table --vpc-id $VPC_ID {} && aws ec2 create-route --route-table-id $PRIVATE_RTB_ID --destination-cidr-block 0.0.0.0/0 --nat-gateway-id $NAT_ID && aws ec2 associate-route-table --route-table-id $PRIVATE_RTB_ID --subnet-id $PRIVATE_SUBNET_ID",
                        owned::PRIVATE_RT.cli_tags(s, "route-table")
                    ),
                ));
                v.extend(endpoints::removal_plan(s));
                v
            }
        }
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let sid = StepId::NatGateway;
        let get = |h: &SessionHandle, key| h.session().output(key).map(str::to_string);
        let (Some(vpc_id), Some(subnet_a)) = (get(h, vpc_keys::VPC), get(h, vpc_keys::SUBNET_A))
        else {
            return Err(Error::NotReady {
                step: sid,
                needs: StepId::ClusterVpc,
            });
        };
        let Some(private) = get(h, PRIVATE_SUBNET_KEY) else {
            return Err(Error::NotReady {
                step: sid,
                needs: StepId::PrivateSubnet,
            });
        };
        if cx.inputs.nat_gateway.egress == Egress::Endpoints {
            // The way out stays until the endpoints are there: while they
            // become available, tasks still reach ECR and Logs.
            let pending = endpoints::first_pull_pending(cx).await?;
            if pending {
                cx.progress.info(format!(
                    "keeping a NAT gateway for now: {}; step 6 retires it once the cache holds the image",
                    endpoints::FIRST_PULL
                ));
            }
            let nat = if pending {
                let alloc = ensure::elastic_ip(cx, h).await?;
                Some(ensure::nat_gateway(cx, h, &subnet_a, &alloc).await?)
            } else {
                h.session().output(NAT).map(str::to_string)
            };
            let rt = ensure::private_route_table(cx, h, &vpc_id, nat.as_deref(), &private).await?;
            let at = endpoints::Place {
                vpc: &vpc_id,
                subnet: &private,
                route_table: &rt,
            };
            endpoints::apply(cx, h, at).await?;
            if !pending {
                // Nothing needs the internet now: no default route, no NAT.
                ensure::private_route_table(cx, h, &vpc_id, None, &private).await?;
                remove_nat(cx, h).await?;
            }
            return Ok(());
        }
        let alloc = ensure::elastic_ip(cx, h).await?;
        let nat_id = ensure::nat_gateway(cx, h, &subnet_a, &alloc).await?;
        ensure::private_route_table(cx, h, &vpc_id, Some(&nat_id), &private).await?;
        if endpoints::touched(h.session()) {
            endpoints::remove(cx, h).await?;
        }
        Ok(())
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        match cx.inputs.nat_gateway.egress {
            Egress::Nat => checks::validate(cx, s).await,
            Egress::Endpoints => endpoint_checks::validate(cx, s).await,
        }
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        let mut v = checks::inspect(cx, s).await?;
        v.extend(endpoint_checks::inspect(cx, s).await?);
        Ok(v)
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        // Always: a session whose file is gone (`teardown --all-sessions`)
        // knows its endpoints only by their tags.
        endpoints::remove(cx, h).await?;
        owned::PRIVATE_RT.delete_owned(cx, h, At::ANY).await?;
        remove_nat(cx, h).await
    }
}
