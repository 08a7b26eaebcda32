//! Step 2, `cluster-vpc`: the ECS cluster, and a VPC with an internet gateway,
//! two public subnets in two Availability Zones and a public route table — what
//! the console's "create cluster, networking only, create VPC" wizard made.

pub use crate::inputs::ClusterVpcInputs;

use super::inputs::Inputs;
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::tags::SESSION_KEY;
use crate::aws::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle};
use aws_sdk_ec2::types::Filter;

/// Step 2.
#[derive(Debug, Clone, Copy)]
pub struct ClusterVpc;

/// Output keys (shared with later steps).
pub mod keys {
    use crate::model::OutputKey;

    /// Cluster ARN.
    pub const CLUSTER: OutputKey = OutputKey::Cluster;
    /// "true" when gatewalk created the cluster.
    pub const CLUSTER_CREATED: OutputKey = OutputKey::ClusterCreated;
    /// VPC id.
    pub const VPC: OutputKey = OutputKey::Vpc;
    /// Internet gateway id.
    pub const IGW: OutputKey = OutputKey::InternetGateway;
    /// Public subnet A id.
    pub const SUBNET_A: OutputKey = OutputKey::PublicSubnetA;
    /// Public subnet B id.
    pub const SUBNET_B: OutputKey = OutputKey::PublicSubnetB;
    /// Public route table id.
    pub const ROUTE_TABLE: OutputKey = OutputKey::PublicRouteTable;
    /// First AZ.
    pub const AZ_A: OutputKey = OutputKey::AzA;
    /// Second AZ.
    pub const AZ_B: OutputKey = OutputKey::AzB;
}
use keys::*;

/// What step 2 owns, each declared once for apply, plan and teardown.
pub mod owned {
    use super::keys;
    use crate::aws::ec2::{InternetGateways, RouteTables, Subnets, Vpcs};
    use crate::aws::ecs::Clusters;

    use crate::steps::resource::{Foreign, Owned};

    /// The ECS cluster (a same-named one of yours is used, never deleted).
    pub const CLUSTER: Owned<Clusters> =
        Owned::new(keys::CLUSTER, "cluster", "ECS cluster", "CreateCluster").foreign(Foreign::Use);
    /// The VPC.
    pub const VPC: Owned<Vpcs> = Owned::new(keys::VPC, "vpc", "VPC", "CreateVpc");
    /// The internet gateway.
    pub const IGW: Owned<InternetGateways> = Owned::new(
        keys::IGW,
        "internet-gateway",
        "internet gateway",
        "CreateInternetGateway",
    );
    /// Public subnet A.
    pub const SUBNET_A: Owned<Subnets> = Owned::new(
        keys::SUBNET_A,
        "public-subnet-a",
        "public subnet",
        "CreateSubnet",
    );
    /// Public subnet B (retired by step 3).
    pub const SUBNET_B: Owned<Subnets> = Owned::new(
        keys::SUBNET_B,
        "public-subnet-b",
        "public subnet",
        "CreateSubnet",
    );
    /// The public route table.
    pub const ROUTE_TABLE: Owned<RouteTables> = Owned::new(
        keys::ROUTE_TABLE,
        "public-route-table",
        "public route table",
        "CreateRouteTable",
    );
}

/// Whether step 3 has retired public subnet B (so step 2 must not recreate it).
pub fn subnet_b_retired(s: &Session) -> bool {
    s.output(super::private_subnet::RETIRED_KEY).is_some()
}

pub(crate) use crate::aws::ecs::describe_cluster;

/// Checks the chosen Availability Zones against the region's list before
/// anything is created: `CreateSubnet` would refuse an unknown zone only after
/// the role, task definition, cluster, VPC and internet gateway exist. A zone
/// AWS does not list is refused (exit 2); no zones chosen is nothing to check.
pub async fn check_zones(aws: &AwsContext, i: &ClusterVpcInputs) -> Result<()> {
    if i.availability_zones.is_empty() {
        return Ok(());
    }
    let usable = usable_zones(aws).await?;
    let unknown: Vec<String> = i
        .availability_zones
        .iter()
        .filter(|az| !usable.contains(az))
        .map(|az| format!("`{}`", crate::text::shown(az)))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    // A refusal (exit 2) made after one read-only call: not "nothing was sent".
    Err(Error::Config(format!(
        "cluster-vpc.availability_zones: {} is not an available Availability Zone of {} for this \
         account, so nothing was created.\n  hint: choose two of {} with --set \
         cluster-vpc.availability_zones=A,B, or leave it empty to take the first two",
        unknown.join(" and "),
        aws.region,
        usable.join(", ")
    )))
}

/// The region's available Availability Zones (not Local or Wavelength
/// zones), as AWS lists them to this account.
async fn usable_zones(aws: &AwsContext) -> Result<Vec<String>> {
    let out = aws
        .ec2
        .describe_availability_zones()
        .filters(Filter::builder().name("state").values("available").build())
        .send()
        .await
        .ctx("ec2", "DescribeAvailabilityZones")?;
    Ok(out
        .availability_zones()
        .iter()
        .filter(|z| z.state().is_none_or(|s| s.as_str() == "available"))
        .filter(|z| z.zone_type().is_none_or(|t| t == "availability-zone"))
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect())
}

async fn choose_azs(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<(String, String)> {
    let i = &cx.inputs.cluster_vpc;
    let s = h.session();
    let (a, b) = if let [a, b] = i.availability_zones.as_slice() {
        (a.clone(), b.clone())
    } else if let (Some(a), Some(b)) = (s.output(AZ_A), s.output(AZ_B)) {
        (a.to_string(), b.to_string())
    } else {
        let mut zones = usable_zones(cx.aws).await?;
        zones.sort();
        if zones.len() < 2 {
            return Err(Error::Conflict(format!(
                "region {} offers fewer than two Availability Zones to this account; choose another region",
                cx.aws.region
            )));
        }
        (zones[0].clone(), zones[1].clone())
    };
    h.record(AZ_A, &a)?;
    h.record(AZ_B, &b)?;
    Ok((a, b))
}

impl Step for ClusterVpc {
    const ID: StepId = StepId::ClusterVpc;
    type Inputs = crate::inputs::ClusterVpcInputs;

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        let i = &inputs.cluster_vpc;
        let out = |k| s.output(k);
        let tags = |role: &str| {
            format!(
                "Tags=[{{Key={SESSION_KEY},Value={}}},{{Key=gatewalk:role,Value={role}}}]",
                s.name
            )
        };
        let azs = if i.availability_zones.len() == 2 {
            i.availability_zones.clone()
        } else {
            vec![
                out(AZ_A).unwrap_or("$AZ_A").to_string(),
                out(AZ_B).unwrap_or("$AZ_B").to_string(),
            ]
        };
        let mut v = vec![
            owned::CLUSTER.change(
                s,
                format!("ECS cluster {}", i.cluster_name),
                format!(
                    "aws ecs create-cluster --cluster-name {} --tags key={SESSION_KEY},value={}",
                    i.cluster_name, s.name
                ),
            ),
            owned::VPC.change(
                s,
                format!("VPC {} with DNS hostnames", i.vpc_cidr),
                format!(
                    "aws ec2 create-vpc --cidr-block {} --tag-specifications 'ResourceType=vpc,{}' && aws ec2 modify-vpc-attribute --vpc-id $VPC_ID --enable-dns-hostnames",
                    i.vpc_cidr,
                    tags(owned::VPC.role)
                ),
            ),
            owned::IGW.change(
                s,
                "internet gateway, attached to the VPC".to_string(),
                format!(
                    "aws ec2 create-internet-gateway --tag-specifications 'ResourceType=internet-gateway,{}' && aws ec2 attach-internet-gateway --internet-gateway-id $IGW_ID --vpc-id $VPC_ID",
                    tags(owned::IGW.role)
                ),
            ),
        ];
        v.push(owned::SUBNET_A.change(
            s,
            format!("public subnet {} in {}", i.public_subnet_a_cidr, azs[0]),
            format!(
                "aws ec2 create-subnet --vpc-id $VPC_ID --cidr-block {} --availability-zone {} --tag-specifications 'ResourceType=subnet,{}' && aws ec2 modify-subnet-attribute --subnet-id $SUBNET_A_ID --map-public-ip-on-launch",
                i.public_subnet_a_cidr,
                azs[0],
                tags(owned::SUBNET_A.role)
            ),
        ));
        if !subnet_b_retired(s) {
            v.push(owned::SUBNET_B.change(
                s,
                format!("public subnet {} in {}", i.public_subnet_b_cidr, azs[1]),
                format!(
                    "aws ec2 create-subnet --vpc-id $VPC_ID --cidr-block {} --availability-zone {} --tag-specifications 'ResourceType=subnet,{}' && aws ec2 modify-subnet-attribute --subnet-id $SUBNET_B_ID --map-public-ip-on-launch",
                    i.public_subnet_b_cidr,
                    azs[1],
                    tags(owned::SUBNET_B.role)
                ),
            ));
        }
        v.push(owned::ROUTE_TABLE.change(
            s,
            "public route table: 0.0.0.0/0 → internet gateway, associated with the public subnets".to_string(),
            format!(
                "aws ec2 create-route-table --vpc-id $VPC_ID --tag-specifications 'ResourceType=route-table,{}' && aws ec2 create-route --route-table-id $RTB_ID --destination-cidr-block 0.0.0.0/0 --gateway-id $IGW_ID && aws ec2 associate-route-table --route-table-id $RTB_ID --subnet-id $SUBNET_A_ID",
                tags(owned::ROUTE_TABLE.role)
            ),
        ));
        v
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        ensure_cluster(cx, h).await?;
        let (az_a, az_b) = choose_azs(cx, h).await?;
        let vpc_id = ensure_vpc(cx, h).await?;
        let igw_id = ensure_igw(cx, h, &vpc_id).await?;
        let mut public = Vec::new();
        let i = &cx.inputs.cluster_vpc;
        // Public subnet B only until step 3 retires it.
        for (decl, cidr, az) in [
            (&owned::SUBNET_A, &i.public_subnet_a_cidr, &az_a),
            (&owned::SUBNET_B, &i.public_subnet_b_cidr, &az_b),
        ] {
            if decl.key == SUBNET_B && subnet_b_retired(h.session()) {
                continue;
            }
            public.push(ensure_public_subnet(cx, h, decl, &vpc_id, cidr, az).await?);
        }
        ensure_public_route_table(cx, h, &vpc_id, &igw_id, &public).await
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        checks::validate(cx, s).await
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        checks::inspect(cx, s).await
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        teardown::run(cx, h).await
    }
}

pub mod checks;
mod ensure;
mod teardown;

use ensure::{
    ensure_cluster, ensure_igw, ensure_public_route_table, ensure_public_subnet, ensure_vpc,
};
