//! Network helpers shared by the steps: EC2 lookups of route tables, subnets
//! and gateways. The CIDR rules (pure) live with the inputs they check
//! ([`crate::inputs::cidr`]).

use crate::aws::Required;
use crate::aws::ec2::SecurityGroups;
pub use crate::aws::ec2::get::{describe_igw, describe_route_table, describe_subnet, describe_vpc};
pub use crate::aws::ec2::{delete_subnet, disassociate_subnet, eni_holders, explicit_route_tables};
use crate::aws::kind::At;
use crate::aws::tags::Owner;
use crate::aws::{AwsContext, CallExt};
use crate::error::Result;
use crate::progress::Progress;
use crate::session::SessionHandle;
use crate::steps::StepCx;
use crate::steps::resource::Owned;
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType, RouteTable, SecurityGroup};

pub use crate::inputs::cidr::{overlaps, parse_cidr};

/// Whether a route table sends anything to an internet gateway.
pub fn routes_to_igw(rt: &RouteTable) -> bool {
    rt.routes()
        .iter()
        .any(|r| r.gateway_id().is_some_and(|g| g.starts_with("igw-")))
}

/// The default route (`0.0.0.0/0`) target of a route table, as an id.
pub fn default_route_target(rt: &RouteTable) -> Option<String> {
    rt.routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
        .and_then(|r| {
            r.gateway_id()
                .or(r.nat_gateway_id())
                .or(r.transit_gateway_id())
                .or(r.network_interface_id())
                .or(r.vpc_peering_connection_id())
                .map(str::to_string)
        })
}

/// The route table that actually applies to a subnet: its explicit association,
/// else the VPC's main route table.
pub async fn effective_route_table(
    aws: &AwsContext,
    vpc_id: &str,
    subnet_id: &str,
) -> Result<Option<RouteTable>> {
    if let Some(rt) = explicit_route_tables(aws, subnet_id)
        .await?
        .into_iter()
        .next()
    {
        return Ok(Some(rt));
    }
    let main = aws
        .ec2
        .describe_route_tables()
        .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
        .filters(
            Filter::builder()
                .name("association.main")
                .values("true")
                .build(),
        )
        .send()
        .await
        .ctx("ec2", "DescribeRouteTables")?;
    Ok(main.route_tables().first().cloned())
}

/// The EC2 `Name` tag, for display.
pub fn name_tag(tags: &[aws_sdk_ec2::types::Tag]) -> String {
    tags.iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .unwrap_or("")
        .to_string()
}

/// Routes of a table, one line each (`0.0.0.0/0 → igw-… (active)`), for display.
pub fn describe_routes(rt: &RouteTable) -> String {
    rt.routes()
        .iter()
        .map(|r| {
            let target = r
                .gateway_id()
                .or(r.nat_gateway_id())
                .or(r.transit_gateway_id())
                .or(r.network_interface_id())
                .unwrap_or("?");
            format!(
                "{} → {} ({})",
                r.destination_cidr_block()
                    .or(r.destination_prefix_list_id())
                    .unwrap_or("?"),
                target,
                r.state()
                    .map_or("?", aws_sdk_ec2::types::RouteState::as_str)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a default route points at.
#[derive(Debug, Clone, Copy)]
pub enum RouteTarget<'a> {
    /// An internet gateway id.
    Igw(&'a str),
    /// A NAT gateway id.
    Nat(&'a str),
}

impl RouteTarget<'_> {
    fn id(&self) -> &str {
        match self {
            RouteTarget::Igw(id) | RouteTarget::Nat(id) => id,
        }
    }
}

/// Makes the table's `0.0.0.0/0` route point at `target`, creating or
/// replacing it as needed (no call when it already does).
pub async fn ensure_default_route(
    aws: &AwsContext,
    progress: &Progress,
    rt: &RouteTable,
    target: RouteTarget<'_>,
) -> Result<()> {
    let rt_id = &rt
        .route_table_id()
        .required("ec2", "DescribeRouteTables", "RouteTableId")?;
    let current = default_route_target(rt);
    if current.as_deref() == Some(target.id()) {
        return Ok(());
    }
    if current.is_some() {
        let mut req = aws
            .ec2
            .replace_route()
            .route_table_id(rt_id)
            .destination_cidr_block("0.0.0.0/0");
        req = match target {
            RouteTarget::Igw(id) => req.gateway_id(id),
            RouteTarget::Nat(id) => req.nat_gateway_id(id),
        };
        req.send().await.ctx("ec2", "ReplaceRoute")?;
    } else {
        let mut req = aws
            .ec2
            .create_route()
            .route_table_id(rt_id)
            .destination_cidr_block("0.0.0.0/0");
        req = match target {
            RouteTarget::Igw(id) => req.gateway_id(id),
            RouteTarget::Nat(id) => req.nat_gateway_id(id),
        };
        req.send().await.ctx("ec2", "CreateRoute")?;
    }
    progress.info(format!("route 0.0.0.0/0 → {} in {rt_id}", target.id()));
    Ok(())
}

/// A security group admitting one TCP port from one block.
#[derive(Debug)]
pub struct GroupSpec<'a> {
    /// The VPC it lives in.
    pub vpc: &'a str,
    /// Its name (and `Name` tag).
    pub name: String,
    /// Its description.
    pub description: String,
    /// The TCP port it admits.
    pub port: i32,
    /// From where.
    pub cidr: &'a str,
    /// The rule's description.
    pub why: &'a str,
}

/// The group `decl` declares, settled by the resource kit and made to admit
/// `spec.port` from `spec.cidr` (a group of yours only with your consent);
/// returns its id.
pub async fn group_admitting(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    decl: &Owned<SecurityGroups>,
    spec: GroupSpec<'_>,
) -> Result<String> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = decl.tags(&owner);
    let GroupSpec {
        vpc,
        name,
        description,
        port,
        cidr,
        why,
    } = spec;
    let got = decl
        .ensure(cx, h, At::ANY, || async {
            let out = aws
                .ec2
                .create_security_group()
                .group_name(&name)
                .description(description)
                .vpc_id(vpc)
                .tag_specifications(t.ec2_spec(ResourceType::SecurityGroup, &name))
                .send()
                .await
                .ctx("ec2", "CreateSecurityGroup")?;
            Ok(SecurityGroup::builder()
                .set_group_id(out.group_id().map(str::to_string))
                .build())
        })
        .await?;
    if !admits_from(&got.item, port, cidr)
        && decl.may_change(cx, h, &got, &format!("allow TCP {port} from {cidr}"))?
    {
        aws.ec2
            .authorize_security_group_ingress()
            .group_id(&got.id)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(port)
                    .to_port(port)
                    .ip_ranges(IpRange::builder().cidr_ip(cidr).description(why).build())
                    .build(),
            )
            .send()
            .await
            .ctx("ec2", "AuthorizeSecurityGroupIngress")?;
        cx.progress
            .info(format!("{} allows TCP {port} from {cidr}", got.id));
    }
    Ok(got.id)
}

/// Whether the group admits TCP `port` from exactly `cidr` (a TCP rule whose
/// range holds the port, or an all-traffic rule).
pub fn admits_from(g: &SecurityGroup, port: i32, cidr: &str) -> bool {
    g.ip_permissions().iter().any(|p| {
        let proto = p.ip_protocol().unwrap_or_default();
        let ports = proto == "-1"
            || (matches!(proto, "tcp" | "6")
                && p.from_port().is_some_and(|f| f <= port)
                && p.to_port().is_some_and(|t| t >= port));
        ports && p.ip_ranges().iter().any(|r| r.cidr_ip() == Some(cidr))
    })
}
