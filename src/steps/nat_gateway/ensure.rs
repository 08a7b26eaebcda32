//! Apply of step 5, one resource at a time: the Elastic IP, the NAT gateway
//! (waited for until available) and the private route table, which then takes
//! over the private subnet's association.

use super::keys::NAT_TOKEN;
use super::owned;
use crate::aws::ec2::create_route_table;
use crate::aws::error::returned;
use crate::aws::find;
use crate::aws::kind::At;
use crate::aws::tags::Owner;
use crate::aws::wait::{Poll, wait_for};
use crate::aws::{CallExt, Required};
use crate::error::{Error, Result};
use crate::session::SessionHandle;
use crate::steps::StepCx;
use crate::steps::net::{
    RouteTarget, default_route_target, ensure_default_route, explicit_route_tables,
};
use aws_sdk_ec2::types::{Address, ConnectivityType, DomainType, NatGatewayState, ResourceType};
use std::time::Duration;

/// The Elastic IP; returns its allocation id.
pub(super) async fn elastic_ip(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<String> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = owned::EIP.tags(&owner);
    let got = owned::EIP
        .ensure(cx, h, At::ANY, || async {
            let out = aws
                .ec2
                .allocate_address()
                .domain(DomainType::Vpc)
                .tag_specifications(t.ec2_spec(ResourceType::ElasticIp, &format!("{owner}-nat")))
                .send()
                .await
                .ctx("ec2", "AllocateAddress")?;
            Ok(Address::builder()
                .set_allocation_id(out.allocation_id().map(str::to_string))
                .set_public_ip(out.public_ip().map(str::to_string))
                .build())
        })
        .await?;
    if let Some(ip) = got.item.public_ip() {
        cx.progress.info(format!("{} is {ip}", got.id));
    }
    Ok(got.id)
}

/// The NAT gateway in public subnet A, created with a client token saved
/// before the call (a retry after a crash cannot make a second one), and
/// waited for until available.
pub(super) async fn nat_gateway(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    subnet_a: &str,
    alloc: &str,
) -> Result<String> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = owned::NAT.tags(&owner);
    let token = if let Some(t) = h.session().output(NAT_TOKEN) {
        t.to_string()
    } else {
        let t = crate::steps::names::client_token(64);
        h.record(NAT_TOKEN, &t)?;
        t
    };
    let got = owned::NAT
        .ensure(cx, h, At::ANY, || async {
            let out = aws
                .ec2
                .create_nat_gateway()
                .subnet_id(subnet_a)
                .allocation_id(alloc)
                .connectivity_type(ConnectivityType::Public)
                .client_token(&token)
                .tag_specifications(t.ec2_spec(ResourceType::Natgateway, &format!("{owner}-nat")))
                .send()
                .await
                .ctx("ec2", "CreateNatGateway")?;
            returned(out.nat_gateway(), "ec2", "CreateNatGateway", "NatGateway")
        })
        .await?;
    let nid = got.id.as_str();
    wait_for(
        cx.progress,
        "the NAT gateway to become available",
        Duration::from_secs(10 * 60),
        || async move {
            let Some(n) = super::describe_nat(aws, nid).await? else {
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
    Ok(got.id)
}

/// The private route table with its default route to the NAT gateway
/// (`nat`; with none, no default route: endpoints only), associated with
/// the private subnet (replacing another explicit association — only if
/// the subnet is this session's). Returns its id.
pub(super) async fn private_route_table(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    vpc_id: &str,
    nat: Option<&str>,
    private: &str,
) -> Result<String> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = owned::PRIVATE_RT.tags(&owner);
    let got = owned::PRIVATE_RT
        .ensure(cx, h, At::ANY, || {
            let name = format!("{owner}-private");
            async move { create_route_table(aws, vpc_id, &t, &name).await }
        })
        .await?;
    let current = default_route_target(&got.item);
    match nat {
        Some(nat_id) => {
            if current.as_deref() != Some(nat_id)
                && owned::PRIVATE_RT.may_change(
                    cx,
                    h,
                    &got,
                    &format!("default route to {nat_id}"),
                )?
            {
                ensure_default_route(aws, cx.progress, &got.item, RouteTarget::Nat(nat_id)).await?;
            }
        }
        None => {
            if current.is_some()
                && owned::PRIVATE_RT.may_change(
                    cx,
                    h,
                    &got,
                    "remove its default route (endpoints only)",
                )?
            {
                aws.ec2
                    .delete_route()
                    .route_table_id(&got.id)
                    .destination_cidr_block("0.0.0.0/0")
                    .send()
                    .await
                    .ctx("ec2", "DeleteRoute")?;
            }
        }
    }
    let associated = got
        .item
        .associations()
        .iter()
        .any(|a| a.subnet_id() == Some(private));
    if associated
        || !owned::PRIVATE_RT.may_change(cx, h, &got, &format!("associate it with {private}"))?
    {
        return Ok(got.id);
    }
    let yours = h
        .session()
        .is_yours(crate::steps::private_subnet::PRIVATE_SUBNET_KEY);
    if yours {
        let what = format!(
            "route it through {} (the NAT gateway's route table)",
            got.id
        );
        crate::steps::resource::consent_to_change(cx, h, "private subnet", private, &what)?;
    }
    associate(cx, &owner, &got.id, private, yours).await?;
    Ok(got.id)
}

/// Makes `rt_id` the private subnet's explicit route table (`yours`: the
/// subnet is bound to the session as yours, so it may move).
async fn associate(
    cx: StepCx<'_>,
    owner: &Owner,
    rt_id: &str,
    private: &str,
    yours: bool,
) -> Result<()> {
    let aws = cx.aws;
    let p = cx.progress;
    let ours = find::subnets(
        aws,
        &crate::steps::private_subnet::owned::PRIVATE.tags(owner),
    )
    .await?;
    if !yours && !ours.iter().any(|sn| sn.subnet_id() == Some(private)) {
        return Err(Error::Conflict(format!(
            "subnet {private}, recorded as this session's private subnet, does not carry its \
             tags; gatewalk will not move its route table.\n  hint: run `gatewalk apply \
             --through private-subnet` to settle step 3 first"
        )));
    }
    let mut existing = None;
    for t in &explicit_route_tables(aws, private).await? {
        if let Some(a) = t
            .associations()
            .iter()
            .find(|a| a.subnet_id() == Some(private))
        {
            let op = "DescribeRouteTables";
            existing = Some((
                t.route_table_id().required("ec2", op, "RouteTableId")?,
                a.route_table_association_id()
                    .required("ec2", op, "RouteTableAssociationId")?,
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
                .route_table_id(rt_id)
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
                .route_table_id(rt_id)
                .subnet_id(private)
                .send()
                .await
                .ctx("ec2", "AssociateRouteTable")?;
            p.info(format!("associated {rt_id} with {private}"));
        }
    }
    Ok(())
}
