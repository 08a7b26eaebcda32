//! Step 5, `nat-gateway`: an Elastic IP, a NAT gateway in public subnet A, and
//! a private route table sending `0.0.0.0/0` to it, so tasks in the private
//! subnet can pull their image without being reachable from the internet.

mod checks;

use super::cluster_vpc::keys as vpc_keys;
use super::inputs::Inputs;
use super::net::{RouteTarget, delete_route_table, ensure_default_route};
use super::private_subnet::PRIVATE_SUBNET_KEY;
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::Required;
use crate::aws::find::{self, pick};
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::aws::wait::{Poll, delete_when_free, wait_for};
use crate::aws::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle};
use aws_sdk_ec2::types::{ConnectivityType, DomainType, NatGatewayState, ResourceType};
use std::time::Duration;

pub use crate::inputs::NatGatewayInputs;

/// Step 5.
#[derive(Debug, Clone, Copy)]
pub struct NatGateway;

/// Output keys.
pub mod keys {
    pub use crate::model::keys::{EIP, NAT};
    /// Client token of the `CreateNatGateway` call, written before the call.
    pub const NAT_TOKEN: &str = "nat_client_token";
    /// Private route table id.
    pub const PRIVATE_RT: &str = "private_route_table_id";
}
use keys::*;

/// A NAT gateway by id, `None` if it does not exist.
pub(crate) async fn describe_nat(
    aws: &AwsContext,
    id: &str,
) -> Result<Option<aws_sdk_ec2::types::NatGateway>> {
    let r = aws
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(id)
        .send()
        .await
        .ctx("ec2", "DescribeNatGateways");
    Ok(crate::aws::error::optional(r)?.and_then(|o| o.nat_gateways().first().cloned()))
}

impl Step for NatGateway {
    fn id(&self) -> StepId {
        StepId::NatGateway
    }

    fn plan(&self, _inputs: &Inputs, s: &Session) -> Vec<Change> {
        let out = |k| s.output(StepId::NatGateway, k);
        let tags = |rt: &str, role: &str| {
            format!(
                "--tag-specifications 'ResourceType={rt},Tags=[{{Key={SESSION_KEY},Value={}}},{{Key=gatewalk:role,Value={role}}}]'",
                s.name
            )
        };
        vec![
            Change::create_or_keep(
                out(EIP),
                "Elastic IP address (domain vpc) for the NAT gateway".to_string(),
                format!(
                    "aws ec2 allocate-address --domain vpc {}",
                    tags("elastic-ip", "nat-eip")
                ),
            ),
            Change::create_or_keep(
                out(NAT),
                format!(
                    "NAT gateway in public subnet A {}, then wait until available (1–2 minutes)",
                    s.output(StepId::ClusterVpc, vpc_keys::SUBNET_A)
                        .unwrap_or("")
                ),
                format!(
                    "aws ec2 create-nat-gateway --subnet-id $SUBNET_A_ID --allocation-id $EIP_ALLOCATION_ID --client-token $TOKEN {} && aws ec2 wait nat-gateway-available --nat-gateway-ids $NAT_ID",
                    tags("natgateway", "nat-gateway")
                ),
            ),
            Change::create_or_keep(
                out(PRIVATE_RT),
                "private route table: 0.0.0.0/0 → NAT gateway, associated with the private subnet"
                    .to_string(),
                format!(
                    "aws ec2 create-route-table --vpc-id $VPC_ID {} && aws ec2 create-route --route-table-id $PRIVATE_RTB_ID --destination-cidr-block 0.0.0.0/0 --nat-gateway-id $NAT_ID && aws ec2 associate-route-table --route-table-id $PRIVATE_RTB_ID --subnet-id $PRIVATE_SUBNET_ID",
                    tags("route-table", "private-route-table")
                ),
            ),
        ]
    }

    #[expect(
        clippy::too_many_lines,
        reason = "a hand-written resource life cycle or check list; split by the resource kit (issue 12)"
    )]
    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let aws = cx.aws;
        let p = cx.progress;
        let session = Owner::of(h.session());
        let sid = StepId::NatGateway;
        let get = |h: &SessionHandle, step, key| h.session().output(step, key).map(str::to_string);
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

        // Elastic IP.
        let t = session.tags("nat-eip");
        let found = pick(
            &find::addresses(aws, &t).await?,
            h.session().output(sid, EIP),
            aws_sdk_ec2::types::Address::allocation_id,
        );
        let alloc = if let Some(a) = found {
            let id = a
                .allocation_id()
                .required("ec2", "DescribeAddresses", "AllocationId")?;
            p.reused("Elastic IP", &id);
            id
        } else {
            h.creating(sid, EIP, "AllocateAddress")?;
            let out = aws
                .ec2
                .allocate_address()
                .domain(DomainType::Vpc)
                .tag_specifications(t.ec2_spec(ResourceType::ElasticIp, &format!("{session}-nat")))
                .send()
                .await
                .ctx("ec2", "AllocateAddress")?;
            let id = out
                .allocation_id()
                .required("ec2", "AllocateAddress", "AllocationId")?;
            p.created(
                "Elastic IP",
                &format!("{id} ({})", out.public_ip().unwrap_or("?")),
            );
            id
        };
        h.record(sid, EIP, &alloc)?;

        // NAT gateway, with a client token saved before the call.
        let t = session.tags("nat-gateway");
        let found = pick(
            &find::nat_gateways(aws, &t).await?,
            h.session().output(sid, NAT),
            aws_sdk_ec2::types::NatGateway::nat_gateway_id,
        );
        let nat_id = if let Some(n) = found {
            let id = n
                .nat_gateway_id()
                .required("ec2", "DescribeNatGateways", "NatGatewayId")?;
            p.reused("NAT gateway", &id);
            id
        } else {
            let token = if let Some(t) = h.session().output(sid, NAT_TOKEN) {
                t.to_string()
            } else {
                let t = crate::steps::names::client_token(64);
                h.record(sid, NAT_TOKEN, &t)?;
                t
            };
            h.creating(sid, NAT, "CreateNatGateway")?;
            let out = aws
                .ec2
                .create_nat_gateway()
                .subnet_id(&subnet_a)
                .allocation_id(&alloc)
                .connectivity_type(ConnectivityType::Public)
                .client_token(&token)
                .tag_specifications(t.ec2_spec(ResourceType::Natgateway, &format!("{session}-nat")))
                .send()
                .await
                .ctx("ec2", "CreateNatGateway")?;
            let id = out
                .nat_gateway()
                .and_then(|n| n.nat_gateway_id())
                .unwrap_or_default()
                .to_string();
            p.created("NAT gateway", &id);
            id
        };
        h.record(sid, NAT, &nat_id)?;
        let nid = nat_id.as_str();
        wait_for(
            p,
            "the NAT gateway to become available",
            Duration::from_secs(10 * 60),
            || async move {
                let Some(n) = describe_nat(aws, nid).await? else {
                    return Ok(Poll::Pending("not visible yet".into()));
                };
                Ok(match n.state() {
                    Some(NatGatewayState::Available) => Poll::Ready(()),
                    Some(NatGatewayState::Pending) | None => Poll::Pending("pending".into()),
                    Some(other) => Poll::Failed(format!(
                        "it is {}: {}",
                        other.as_str(),
                        n.failure_message().unwrap_or("AWS gave no reason")
                    )),
                })
            },
        )
        .await?;

        // Private route table.
        let t = session.tags("private-route-table");
        let found = pick(
            &find::route_tables(aws, &t).await?,
            h.session().output(sid, PRIVATE_RT),
            aws_sdk_ec2::types::RouteTable::route_table_id,
        );
        let rt = if let Some(rt) = found {
            p.reused(
                "private route table",
                &rt.route_table_id()
                    .required("ec2", "DescribeRouteTables", "RouteTableId")?,
            );
            rt
        } else {
            h.creating(sid, PRIVATE_RT, "CreateRouteTable")?;
            let out = aws
                .ec2
                .create_route_table()
                .vpc_id(&vpc_id)
                .tag_specifications(
                    t.ec2_spec(ResourceType::RouteTable, &format!("{session}-private")),
                )
                .send()
                .await
                .ctx("ec2", "CreateRouteTable")?;
            let rt = out
                .route_table()
                .cloned()
                .unwrap_or_else(|| aws_sdk_ec2::types::RouteTable::builder().build());
            p.created(
                "private route table",
                &rt.route_table_id()
                    .required("ec2", "CreateRouteTable", "RouteTableId")?,
            );
            rt
        };
        let rt_id = rt
            .route_table_id()
            .required("ec2", "DescribeRouteTables", "RouteTableId")?;
        h.record(sid, PRIVATE_RT, &rt_id)?;
        ensure_default_route(aws, p, &rt, RouteTarget::Nat(&nat_id)).await?;
        // Associate with the private subnet, replacing any other explicit
        // association — only if the recorded subnet is this session's.
        let ours = find::subnets(aws, &session.tags("private-subnet")).await?;
        if !ours
            .iter()
            .any(|sn| sn.subnet_id() == Some(private.as_str()))
        {
            return Err(Error::Conflict(format!(
                "subnet {private}, recorded as this session's private subnet, does not carry its \
                 tags; gatewalk will not move its route table.\n  hint: run `gatewalk apply \
                 --through private-subnet` to settle step 3 first"
            )));
        }
        let current = super::net::explicit_route_tables(aws, &private).await?;
        let mut existing = None;
        for t in &current {
            let of_private = t.associations().iter();
            if let Some(a) = of_private
                .clone()
                .find(|a| a.subnet_id() == Some(private.as_str()))
            {
                let op = "DescribeRouteTables";
                existing = Some((
                    t.route_table_id().required("ec2", op, "RouteTableId")?,
                    a.route_table_association_id().required(
                        "ec2",
                        op,
                        "RouteTableAssociationId",
                    )?,
                ));
                break;
            }
        }
        match existing {
            Some((table, _)) if table == rt_id => {}
            Some((table, assoc)) => {
                aws.ec2
                    .replace_route_table_association()
                    .association_id(&assoc)
                    .route_table_id(&rt_id)
                    .send()
                    .await
                    .ctx("ec2", "ReplaceRouteTableAssociation")?;
                p.info(format!(
                    "{private} moved from route table {table} to {rt_id}"
                ));
            }
            None => {
                aws.ec2
                    .associate_route_table()
                    .route_table_id(&rt_id)
                    .subnet_id(&private)
                    .send()
                    .await
                    .ctx("ec2", "AssociateRouteTable")?;
                p.info(format!("associated {rt_id} with {private}"));
            }
        }
        Ok(())
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        checks::validate(cx, s).await
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        checks::inspect(cx, s).await
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let aws = cx.aws;
        let p = cx.progress;
        let session = Owner::of(h.session());
        let sid = StepId::NatGateway;
        let t = session.tags("private-route-table");
        for rt in find::route_tables(aws, &t).await? {
            delete_route_table(aws, p, &rt, "private route table").await?;
        }
        h.forget(sid, PRIVATE_RT)?;
        for n in find::nat_gateways(aws, &session.tags("nat-gateway")).await? {
            let id = n
                .nat_gateway_id()
                .required("ec2", "DescribeNatGateways", "NatGatewayId")?;
            let r = aws
                .ec2
                .delete_nat_gateway()
                .nat_gateway_id(&id)
                .send()
                .await
                .ctx("ec2", "DeleteNatGateway");
            crate::aws::error::optional(r)?;
            let nid = id.as_str();
            wait_for(
                p,
                "the NAT gateway to be deleted",
                Duration::from_secs(10 * 60),
                || async move {
                    Ok(match describe_nat(aws, nid).await? {
                        None => Poll::Ready(()),
                        Some(n) => match n.state() {
                            Some(NatGatewayState::Deleted) => Poll::Ready(()),
                            other => Poll::Pending(
                                other.map_or("deleting".into(), |s| s.as_str().to_string()),
                            ),
                        },
                    })
                },
            )
            .await?;
            p.deleted("NAT gateway", &id);
        }
        h.forget(sid, NAT)?;
        h.forget(sid, NAT_TOKEN)?;
        for a in find::addresses(aws, &session.tags("nat-eip")).await? {
            let id = a
                .allocation_id()
                .required("ec2", "DescribeAddresses", "AllocationId")?;
            let r = id.as_str();
            delete_when_free(
                p,
                &format!("Elastic IP {id} to be released by the NAT gateway"),
                || async move {
                    aws.ec2
                        .release_address()
                        .allocation_id(r)
                        .send()
                        .await
                        .ctx("ec2", "ReleaseAddress")
                        .map(|_| ())
                },
            )
            .await?;
            p.deleted("Elastic IP", &id);
        }
        h.forget(sid, EIP)?;
        Ok(())
    }
}
