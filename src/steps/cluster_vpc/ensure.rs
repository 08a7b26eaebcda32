//! Apply of step 2, one resource at a time: each is settled by the resource
//! kit, then brought to the shape the walkthrough wants (DNS hostnames on,
//! gateway attached, subnets mapping public IPs, the default route).

use super::keys::CLUSTER_CREATED;
use super::owned;
use crate::aws::CallExt;
use crate::aws::ec2::Subnets;
use crate::aws::ec2::{create_route_table, create_subnet};
use crate::aws::error::returned;
use crate::aws::kind::At;
use crate::aws::tags::Owner;
use crate::error::{Error, Result};
use crate::session::SessionHandle;
use crate::steps::StepCx;
use crate::steps::net::{RouteTarget, default_route_target, ensure_default_route};
use crate::steps::resource::{Origin, Owned};
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, VpcAttributeName};

fn true_attr() -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(true).build()
}

/// The cluster: ours, else the user's of the same name (used, never
/// deleted), else a new one.
pub(super) async fn ensure_cluster(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let aws = cx.aws;
    let name = cx.inputs.cluster_vpc.cluster_name.as_str();
    let owner = Owner::of(h.session());
    let t = owned::CLUSTER.tags(&owner);
    let got = owned::CLUSTER
        .ensure(cx, h, At::named(name), || async {
            let out = aws
                .ecs
                .create_cluster()
                .cluster_name(name)
                .set_tags(Some(t.ecs()))
                .send()
                .await
                .ctx("ecs", "CreateCluster")?;
            returned(out.cluster(), "ecs", "CreateCluster", "cluster")
        })
        .await?;
    let created = if matches!(got.origin, Origin::Foreign | Origin::Yours) {
        "false"
    } else {
        "true"
    };
    h.record(CLUSTER_CREATED, created)
}

/// The VPC, with DNS hostnames on (the VPC link and task networking want
/// them). A found VPC with another block is refused: a block cannot change.
pub(super) async fn ensure_vpc(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<String> {
    let aws = cx.aws;
    let cidr = cx.inputs.cluster_vpc.vpc_cidr.as_str();
    let owner = Owner::of(h.session());
    let t = owned::VPC.tags(&owner);
    let got = owned::VPC
        .ensure(cx, h, At::ANY, || async {
            let out = aws
                .ec2
                .create_vpc()
                .cidr_block(cidr)
                .tag_specifications(t.ec2_spec(ResourceType::Vpc, &format!("{owner}-vpc")))
                .send()
                .await
                .ctx("ec2", "CreateVpc")?;
            returned(out.vpc(), "ec2", "CreateVpc", "Vpc")
        })
        .await?;
    let id = got.id.clone();
    if got.item.cidr_block() != Some(cidr) {
        return Err(Error::Conflict(format!(
            "this session's VPC {id} has block {}, but cluster-vpc.vpc_cidr is {cidr}. A VPC's block cannot change: set it back, or tear down and apply again",
            got.item.cidr_block().unwrap_or("?"),
        )));
    }
    let dns = aws
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .ctx("ec2", "DescribeVpcAttribute")?;
    if dns
        .enable_dns_hostnames()
        .and_then(AttributeBooleanValue::value)
        != Some(true)
        && owned::VPC.may_change(cx, h, &got, "turn on DNS hostnames")?
    {
        aws.ec2
            .modify_vpc_attribute()
            .vpc_id(&id)
            .enable_dns_hostnames(true_attr())
            .send()
            .await
            .ctx("ec2", "ModifyVpcAttribute")?;
    }
    Ok(id)
}

/// The internet gateway, attached to the VPC.
pub(super) async fn ensure_igw(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    vpc_id: &str,
) -> Result<String> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = owned::IGW.tags(&owner);
    let got = owned::IGW
        .ensure(cx, h, At::ANY, || async {
            let out = aws
                .ec2
                .create_internet_gateway()
                .tag_specifications(
                    t.ec2_spec(ResourceType::InternetGateway, &format!("{owner}-igw")),
                )
                .send()
                .await
                .ctx("ec2", "CreateInternetGateway")?;
            returned(
                out.internet_gateway(),
                "ec2",
                "CreateInternetGateway",
                "InternetGateway",
            )
        })
        .await?;
    let attached = got
        .item
        .attachments()
        .iter()
        .any(|a| a.vpc_id() == Some(vpc_id));
    if !attached && owned::IGW.may_change(cx, h, &got, &format!("attach it to {vpc_id}"))? {
        aws.ec2
            .attach_internet_gateway()
            .internet_gateway_id(&got.id)
            .vpc_id(vpc_id)
            .send()
            .await
            .ctx("ec2", "AttachInternetGateway")?;
        cx.progress.info(format!("attached {} to {vpc_id}", got.id));
    }
    Ok(got.id)
}

/// A public subnet in `az`, mapping public IPs on launch.
pub(super) async fn ensure_public_subnet(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    decl: &Owned<Subnets>,
    vpc_id: &str,
    cidr: &str,
    az: &str,
) -> Result<String> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = decl.tags(&owner);
    let got = decl
        .ensure(cx, h, At::ANY, || {
            let name = format!("{owner}-{}", decl.role);
            async move { create_subnet(aws, vpc_id, (cidr, az), &t, &name).await }
        })
        .await?;
    // A subnet just created reports the default (no public IPs): set it.
    let maps_public =
        got.origin != Origin::Created && got.item.map_public_ip_on_launch() == Some(true);
    if !maps_public && decl.may_change(cx, h, &got, "map public IPs on launch")? {
        aws.ec2
            .modify_subnet_attribute()
            .subnet_id(&got.id)
            .map_public_ip_on_launch(true_attr())
            .send()
            .await
            .ctx("ec2", "ModifySubnetAttribute")?;
    }
    Ok(got.id)
}

/// The public route table: default route to the internet gateway,
/// associated with the public subnets.
pub(super) async fn ensure_public_route_table(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    vpc_id: &str,
    igw_id: &str,
    public: &[String],
) -> Result<()> {
    let aws = cx.aws;
    let p = cx.progress;
    let owner = Owner::of(h.session());
    let t = owned::ROUTE_TABLE.tags(&owner);
    let got = owned::ROUTE_TABLE
        .ensure(cx, h, At::ANY, || {
            let name = format!("{owner}-public");
            async move { create_route_table(aws, vpc_id, &t, &name).await }
        })
        .await?;
    let (rt, rt_id) = (&got.item, &got.id);
    if default_route_target(rt).as_deref() != Some(igw_id)
        && owned::ROUTE_TABLE.may_change(cx, h, &got, &format!("default route to {igw_id}"))?
    {
        ensure_default_route(aws, p, rt, RouteTarget::Igw(igw_id)).await?;
    }
    for sn in public {
        let associated = rt
            .associations()
            .iter()
            .any(|a| a.subnet_id() == Some(sn.as_str()));
        let subnet_yours = h.session().yours().iter().any(|(_, id)| *id == sn.as_str());
        if subnet_yours && !associated {
            let what = format!("associate it with route table {rt_id}");
            crate::steps::resource::consent_to_change(cx, h, "public subnet", sn, &what)?;
        }
        if !associated
            && owned::ROUTE_TABLE.may_change(cx, h, &got, &format!("associate it with {sn}"))?
        {
            aws.ec2
                .associate_route_table()
                .route_table_id(rt_id)
                .subnet_id(sn)
                .send()
                .await
                .ctx("ec2", "AssociateRouteTable")?;
            p.info(format!("associated {rt_id} with {sn}"));
        }
    }
    Ok(())
}
