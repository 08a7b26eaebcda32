//! Step 3, `private-subnet`: add a private subnet (no route to the internet
//! gateway, no public IPs) in the second zone and remove public subnet B, as
//! the walkthrough does by hand in the VPC console.

use super::cluster_vpc::checks::{route_table_resource, subnet_resource};
use super::cluster_vpc::keys as vpc_keys;
use super::cluster_vpc::owned as vpc_owned;
use super::inputs::Inputs;
use super::net::{describe_routes, disassociate_subnet, effective_route_table, routes_to_igw};
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::CallExt;
use crate::aws::Required;
use crate::aws::ec2::create_subnet;
use crate::aws::find::{self};
use crate::aws::kind::At;
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::error::{Error, Result};
use crate::model::Fix;
use crate::model::OutputKey;
use crate::session::{Session, SessionHandle};
use aws_sdk_ec2::types::AttributeBooleanValue;

pub use crate::inputs::PrivateSubnetInputs;

/// Step 3.
#[derive(Debug, Clone, Copy)]
pub struct PrivateSubnet;

pub use crate::model::keys::PRIVATE_SUBNET_KEY;
/// Output key: the id of public subnet B once it has been deleted.
pub const RETIRED_KEY: OutputKey = OutputKey::RetiredSubnetB;

const APPLY: Fix = Fix::Apply(StepId::PrivateSubnet);

/// What step 3 owns.
pub mod owned {
    use crate::aws::ec2::Subnets;

    use crate::steps::resource::Owned;

    /// The private subnet.
    pub const PRIVATE: Owned<Subnets> = Owned::new(
        super::PRIVATE_SUBNET_KEY,
        "private-subnet",
        "private subnet",
        "CreateSubnet",
    );
}

/// Step 5's private route table (the NAT gateway's), once it exists.
const NAT_RT: OutputKey = OutputKey::PrivateRouteTable;

/// The private subnet, never mapping public IPs; returns its id.
async fn ensure_private(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    vpc_id: &str,
    az: &str,
) -> Result<String> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = owned::PRIVATE.tags(&owner);
    let cidr = cx.inputs.private_subnet.private_subnet_cidr.as_str();
    let got = owned::PRIVATE
        .ensure(cx, h, At::ANY, || {
            let name = format!("{owner}-private");
            async move { create_subnet(aws, vpc_id, (cidr, az), &t, &name).await }
        })
        .await?;
    if got.item.map_public_ip_on_launch() == Some(true)
        && owned::PRIVATE.may_change(cx, h, &got, "stop mapping public IPs")?
    {
        aws.ec2
            .modify_subnet_attribute()
            .subnet_id(&got.id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(false).build())
            .send()
            .await
            .ctx("ec2", "ModifySubnetAttribute")?;
        cx.progress
            .info(format!("{} no longer maps public IPs", got.id));
    }
    // An explicit association with a table that reaches the internet would
    // make the subnet public again; drop it (the NAT route comes in step 5).
    if let Some(rt) = effective_route_table(aws, vpc_id, &got.id).await?
        && routes_to_igw(&rt)
    {
        let rt_id = rt.route_table_id().unwrap_or("?");
        if h.session().output(NAT_RT) == Some(rt_id) {
            // Step 5's table, its route pointed at the internet gateway
            // (by hand): leaving it would only make step 5 move the subnet
            // back. Step 5 points the route at the NAT gateway again.
            cx.progress.warn(format!(
                "route table {rt_id} (step 5's) sends 0.0.0.0/0 to the internet gateway; \
                 apply step 5 (NAT gateway) to point it back at the NAT gateway"
            ));
            return Ok(got.id);
        }
        let what = format!("leave route table {rt_id}, which reaches the internet gateway");
        if owned::PRIVATE.may_change(cx, h, &got, &what)? {
            disassociate_subnet(aws, &got.id).await?;
            cx.progress
                .info(format!("removed {} from route table {rt_id}", got.id));
        }
    }
    Ok(got.id)
}

/// Deletes public subnet B (once) and remembers which one it was.
async fn retire_subnet_b(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    if h.session().output(RETIRED_KEY).is_some() {
        return Ok(());
    }
    let b = &vpc_owned::SUBNET_B;
    let owner = Owner::of(h.session());
    let found = b.find(cx, &owner, b.recorded(h.session()), At::ANY).await?;
    let retired = match found.last() {
        Some(sn) => sn
            .subnet_id()
            .required("ec2", "DescribeSubnets", "SubnetId")?,
        None => b.recorded(h.session()).unwrap_or("none").to_string(),
    };
    b.delete_owned(cx, h, At::ANY).await?;
    h.record(RETIRED_KEY, &retired)
}

impl Step for PrivateSubnet {
    const ID: StepId = StepId::PrivateSubnet;
    type Inputs = crate::inputs::PrivateSubnetInputs;

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        let i = &inputs.private_subnet;
        let az = s.output(vpc_keys::AZ_B).unwrap_or("$AZ_B");
        let mut v = vec![owned::PRIVATE.change(
            s,
            format!(
                "private subnet {} in {az} (no public IPs, no route to the internet gateway)",
                i.private_subnet_cidr
            ),
            format!(
                "aws ec2 create-subnet --vpc-id $VPC_ID --cidr-block {} --availability-zone {az} --tag-specifications 'ResourceType=subnet,Tags=[{{Key={SESSION_KEY},Value={}}},{{Key=gatewalk:role,Value={}}}]'",
                i.private_subnet_cidr, s.name, owned::PRIVATE.role
            ),
        )];
        if s.output(RETIRED_KEY).is_none() {
            v.push(Change {
                action: super::ChangeAction::Delete,
                resource: format!(
                    "public subnet B {}",
                    s.output(vpc_keys::SUBNET_B).unwrap_or("")
                ),
                cli: "aws ec2 delete-subnet --subnet-id $SUBNET_B_ID".into(),
            });
        }
        v
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let (Some(vpc_id), Some(az)) = (
            h.session().output(vpc_keys::VPC).map(str::to_string),
            h.session().output(vpc_keys::AZ_B).map(str::to_string),
        ) else {
            return Err(Error::NotReady {
                step: StepId::PrivateSubnet,
                needs: StepId::ClusterVpc,
            });
        };
        ensure_private(cx, h, &vpc_id, &az).await?;
        retire_subnet_b(cx, h).await
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        let aws = cx.aws;
        let i = &cx.inputs.private_subnet;
        let mut c = Vec::new();
        let vpc_id = s.output(vpc_keys::VPC).unwrap_or_default();
        let sn = match s.output(PRIVATE_SUBNET_KEY) {
            Some(id) => super::net::describe_subnet(aws, id).await?,
            None => None,
        };
        let Some(sn) = sn else {
            c.push(Check::fail("private subnet exists", "not found", APPLY));
            return Ok(c);
        };
        let id = sn
            .subnet_id()
            .required("ec2", "DescribeSubnets", "SubnetId")?;
        c.push(Check::expect(
            "private subnet exists in the VPC",
            sn.vpc_id() == Some(vpc_id) && sn.cidr_block() == Some(i.private_subnet_cidr.as_str()),
            format!(
                "{id} {} in {}",
                sn.cidr_block().unwrap_or("?"),
                sn.availability_zone().unwrap_or("?")
            ),
            format!(
                "expected {} in {vpc_id}; apply private-subnet again",
                i.private_subnet_cidr
            ),
        ));
        c.push(Check::expect(
            "private subnet does not map public IPs",
            sn.map_public_ip_on_launch() != Some(true),
            format!(
                "MapPublicIpOnLaunch={}",
                sn.map_public_ip_on_launch().unwrap_or(false)
            ),
            format!(
                "aws ec2 modify-subnet-attribute --subnet-id {id} --no-map-public-ip-on-launch"
            ),
        ));
        match effective_route_table(aws, vpc_id, &id).await? {
            Some(rt) => {
                let rt_id = rt.route_table_id().unwrap_or("?");
                // Step 5's own table routes to the internet gateway: the
                // repair is step 5's (point its route back at the NAT).
                let fix = if s.output(NAT_RT) == Some(rt_id) {
                    Fix::Apply(StepId::NatGateway)
                } else {
                    format!("remove the igw- route from {rt_id}, or associate the subnet with a table without one").into()
                };
                c.push(Check::expect(
                    "private subnet has no route to an internet gateway",
                    !routes_to_igw(&rt),
                    format!("{rt_id}: {}", describe_routes(&rt)),
                    fix,
                ));
            }
            None => c.push(Check::pass(
                "private subnet has no route to an internet gateway",
                "no route table",
            )),
        }
        let leftover = find::subnets(aws, &Owner::of(s).tags(vpc_owned::SUBNET_B.role)).await?;
        c.push(Check::expect(
            "public subnet B was removed",
            leftover.is_empty(),
            if leftover.is_empty() {
                "removed".to_string()
            } else {
                format!("{} still exists", leftover[0].subnet_id().unwrap_or("?"))
            },
            APPLY,
        ));
        Ok(c)
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        let mut v = Vec::new();
        if let Some(id) = s.output(PRIVATE_SUBNET_KEY) {
            v.push(subnet_resource(cx, id, "Private subnet").await?);
            let vpc_id = s.output(vpc_keys::VPC).unwrap_or_default();
            if let Some(rt) = effective_route_table(cx.aws, vpc_id, id).await? {
                v.push(
                    route_table_resource(
                        cx,
                        &rt.route_table_id().required(
                            "ec2",
                            "DescribeRouteTables",
                            "RouteTableId",
                        )?,
                        "Route table in effect",
                    )
                    .await?,
                );
            }
        }
        Ok(v)
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        owned::PRIVATE.delete_owned(cx, h, At::ANY).await?;
        h.forget(RETIRED_KEY)
    }
}
