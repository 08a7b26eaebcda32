//! Live checks and inspection for step 5.

use super::describe_nat;
use super::keys::*;
use crate::aws::CallExt;
use crate::aws::Required;
use crate::error::Result;
use crate::model::Fix;
use crate::session::Session;
use crate::steps::cluster_vpc::checks::route_table_resource;
use crate::steps::cluster_vpc::keys as vpc_keys;
use crate::steps::net::{
    describe_route_table, describe_routes, effective_route_table, routes_to_igw,
};
use crate::steps::private_subnet::PRIVATE_SUBNET_KEY;
use crate::steps::{Check, Resource, StepCx, StepId};
use aws_sdk_ec2::types::{NatGatewayState, RouteState};

const APPLY: Fix = Fix::Apply(StepId::NatGateway);

async fn describe_eip(cx: StepCx<'_>, alloc: &str) -> Result<Option<aws_sdk_ec2::types::Address>> {
    let r = cx
        .aws
        .ec2
        .describe_addresses()
        .allocation_ids(alloc)
        .send()
        .await
        .ctx("ec2", "DescribeAddresses");
    Ok(crate::aws::error::optional(r)?.and_then(|o| o.addresses().first().cloned()))
}

#[expect(
    clippy::too_many_lines,
    reason = "a hand-written resource life cycle or check list; split by the resource kit (issue 12)"
)]
pub(super) async fn validate(cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
    let aws = cx.aws;
    let out = |k| s.output(k);
    let vpc_id = s.output(vpc_keys::VPC).unwrap_or_default();
    let mut c = Vec::new();

    let nat = match out(NAT) {
        Some(id) => describe_nat(aws, id).await?,
        None => None,
    };
    let Some(nat) = nat else {
        c.push(Check::fail(
            "NAT gateway exists",
            out(NAT).map_or("not created yet".into(), |id| format!("{id} not found")),
            APPLY,
        ));
        return Ok(c);
    };
    let nat_id = nat
        .nat_gateway_id()
        .required("ec2", "DescribeNatGateways", "NatGatewayId")?;
    c.push(match nat.state() {
        Some(NatGatewayState::Available) => Check::pass("NAT gateway is available", nat_id.clone()),
        Some(NatGatewayState::Pending) => Check::pending("NAT gateway is available", "pending"),
        other => Check::fail(
            "NAT gateway is available",
            format!(
                "{} {}",
                other.map_or("?", aws_sdk_ec2::types::NatGatewayState::as_str),
                nat.failure_message().unwrap_or("")
            ),
            "it cannot recover; tear down this step and apply nat-gateway again",
        ),
    });
    let alloc = out(EIP).unwrap_or_default();
    let eip = if alloc.is_empty() {
        None
    } else {
        describe_eip(cx, alloc).await?
    };
    let nat_uses = nat
        .nat_gateway_addresses()
        .iter()
        .any(|a| a.allocation_id() == Some(alloc));
    c.push(Check::expect(
        "NAT gateway uses the session's Elastic IP",
        eip.is_some() && nat_uses,
        eip.as_ref()
            .and_then(|e| e.public_ip())
            .map_or("no Elastic IP".into(), |ip| format!("{alloc} ({ip})")),
        APPLY,
    ));
    let subnet = nat
        .subnet_id()
        .required("ec2", "DescribeNatGateways", "SubnetId")?;
    let public = match effective_route_table(aws, vpc_id, &subnet).await? {
        Some(rt) => routes_to_igw(&rt),
        None => false,
    };
    c.push(Check::expect(
        "NAT gateway sits in a public subnet",
        public,
        if public { format!("{subnet} reaches the internet gateway") } else { format!("{subnet} has no route to an internet gateway") },
        "a NAT gateway only reaches the internet from a subnet whose route table sends 0.0.0.0/0 to the internet gateway",
    ));
    let expected_subnet = s.output(vpc_keys::SUBNET_A).unwrap_or_default();
    if subnet != expected_subnet {
        c.push(Check::warn(
            "NAT gateway in public subnet A",
            subnet.clone(),
            format!("gatewalk placed it in {expected_subnet}"),
        ));
    }

    let rt = match out(PRIVATE_RT) {
        Some(id) => describe_route_table(aws, id).await?,
        None => None,
    };
    let Some(rt) = rt else {
        c.push(Check::fail(
            "private route table exists",
            "not found",
            APPLY,
        ));
        return Ok(c);
    };
    let rt_id = rt
        .route_table_id()
        .required("ec2", "DescribeRouteTables", "RouteTableId")?;
    let default = rt
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"));
    let to_nat = default.is_some_and(|r| r.nat_gateway_id() == Some(nat_id.as_str()));
    let blackhole = default.is_some_and(|r| r.state() == Some(&RouteState::Blackhole));
    c.push(Check::expect(
        "private route table sends 0.0.0.0/0 to the NAT gateway",
        to_nat && !blackhole,
        format!("{rt_id}: {}", describe_routes(&rt)),
        // The route is this step's own: applying it again points it back.
        APPLY,
    ));
    if let Some(private) = s.output(PRIVATE_SUBNET_KEY) {
        c.push(uses_private_table(&rt, private));
        c.push(Check::expect(
            "private subnet still has no route to the internet gateway",
            !routes_to_igw(&rt),
            describe_routes(&rt),
            APPLY,
        ));
    }
    Ok(c)
}

pub(super) async fn inspect(cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
    let aws = cx.aws;
    let out = |k| s.output(k);
    let mut v = Vec::new();
    if let Some(alloc) = out(EIP) {
        match describe_eip(cx, alloc).await? {
            Some(a) => v.push(Resource {
                kind: "Elastic IP".into(),
                id: alloc.into(),
                state: if a.association_id().is_some() || a.network_interface_id().is_some() {
                    "associated".into()
                } else {
                    "unassociated".into()
                },
                attributes: vec![("public ip".into(), a.public_ip().unwrap_or_default().into())],
                console_url: aws.console_url(&format!(
                    "ec2/home?region={{region}}#ElasticIpDetails:AllocationId={alloc}"
                )),
            }),
            None => v.push(Resource::missing("Elastic IP", alloc)),
        }
    }
    if let Some(id) = out(NAT) {
        match describe_nat(aws, id).await? {
            Some(n) => v.push(Resource {
                kind: "NAT gateway".into(),
                id: id.into(),
                state: n
                    .state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                attributes: vec![
                    ("subnet".into(), n.subnet_id().unwrap_or_default().into()),
                    (
                        "public ip".into(),
                        n.nat_gateway_addresses()
                            .first()
                            .and_then(|a| a.public_ip())
                            .unwrap_or_default()
                            .into(),
                    ),
                    (
                        "private ip".into(),
                        n.nat_gateway_addresses()
                            .first()
                            .and_then(|a| a.private_ip())
                            .unwrap_or_default()
                            .into(),
                    ),
                ],
                console_url: aws.console_url(&format!(
                    "vpcconsole/home?region={{region}}#NatGatewayDetails:natGatewayId={id}"
                )),
            }),
            None => v.push(Resource::missing("NAT gateway", id)),
        }
    }
    if let Some(id) = out(PRIVATE_RT) {
        v.push(route_table_resource(cx, id, "Private route table").await?);
    }
    Ok(v)
}

/// "private subnet uses the private route table", for either egress.
pub(super) fn uses_private_table(rt: &aws_sdk_ec2::types::RouteTable, private: &str) -> Check {
    let assoc = rt
        .associations()
        .iter()
        .any(|a| a.subnet_id() == Some(private));
    Check::expect(
        "private subnet uses the private route table",
        assoc,
        if assoc {
            rt.route_table_id().unwrap_or("?").to_string()
        } else {
            "not associated".into()
        },
        APPLY,
    )
}
