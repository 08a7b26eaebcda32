//! EC2 resources gatewalk owns — VPC, subnets, internet gateway, route
//! tables, Elastic IP, NAT gateway, security group, VPC endpoints — as [`Kind`]s: found by
//! this session's tags, deleted in the way AWS accepts (detached,
//! disassociated, waiting out network interfaces that linger).

pub mod endpoints;
pub mod find;
pub mod get;

pub use endpoints::VpcEndpoints;
pub use get::describe_nat;

use super::error::returned;
use super::kind::{Kind, Lookup};
use super::tags::ResourceTags;
use super::wait::{Poll, delete_when_free, delete_when_free_showing, wait_for};
use super::{AwsContext, CallExt};
use crate::error::Result;
use crate::progress::Progress;
use aws_sdk_ec2::types::{
    Address, Filter, InternetGateway, NatGateway, NatGatewayState, ResourceType, RouteTable,
    SecurityGroup, Subnet, Vpc,
};
use std::time::Duration;

/// VPCs.
#[derive(Debug, Clone, Copy)]
pub struct Vpcs;

impl Kind for Vpcs {
    type Item = Vpc;
    const SERVICE: &'static str = "ec2";
    const LIST_OP: &'static str = "DescribeVpcs";
    const ID_FIELD: &'static str = "VpcId";
    fn id(item: &Vpc) -> Option<&str> {
        item.vpc_id()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<Vpc>> {
        get::describe_vpc(aws, id).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Vpc>> {
        find::vpcs(aws, &l.tags).await
    }
    async fn delete(aws: &AwsContext, p: &Progress, item: &Vpc, noun: &str) -> Result<()> {
        let id = &Self::required_id(item, Self::LIST_OP)?;
        delete_when_free(p, &format!("{noun} {id} to be empty"), || async move {
            aws.ec2
                .delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .ctx("ec2", "DeleteVpc")
                .map(|_| ())
        })
        .await
    }
}

/// Subnets.
#[derive(Debug, Clone, Copy)]
pub struct Subnets;

impl Kind for Subnets {
    type Item = Subnet;
    const SERVICE: &'static str = "ec2";
    const LIST_OP: &'static str = "DescribeSubnets";
    const ID_FIELD: &'static str = "SubnetId";
    fn id(item: &Subnet) -> Option<&str> {
        item.subnet_id()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<Subnet>> {
        get::describe_subnet(aws, id).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Subnet>> {
        find::subnets(aws, &l.tags).await
    }
    async fn delete(aws: &AwsContext, p: &Progress, item: &Subnet, noun: &str) -> Result<()> {
        delete_subnet(aws, p, &Self::required_id(item, Self::LIST_OP)?, noun).await
    }
}

/// Internet gateways.
#[derive(Debug, Clone, Copy)]
pub struct InternetGateways;

impl Kind for InternetGateways {
    type Item = InternetGateway;
    const SERVICE: &'static str = "ec2";
    const LIST_OP: &'static str = "DescribeInternetGateways";
    const ID_FIELD: &'static str = "InternetGatewayId";
    fn id(item: &InternetGateway) -> Option<&str> {
        item.internet_gateway_id()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<InternetGateway>> {
        get::describe_igw(aws, id).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<InternetGateway>> {
        find::internet_gateways(aws, &l.tags).await
    }
    /// Detaches it from its VPC (waiting while public addresses are still
    /// mapped), then deletes it.
    async fn delete(
        aws: &AwsContext,
        p: &Progress,
        item: &InternetGateway,
        noun: &str,
    ) -> Result<()> {
        let id = &Self::required_id(item, Self::LIST_OP)?;
        for vpc in item.attachments().iter().filter_map(|a| a.vpc_id()) {
            delete_when_free(p, &format!("{noun} {id} to detach"), || async move {
                aws.ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .ctx("ec2", "DetachInternetGateway")
                    .map(|_| ())
            })
            .await?;
        }
        let r = aws
            .ec2
            .delete_internet_gateway()
            .internet_gateway_id(id)
            .send()
            .await
            .ctx("ec2", "DeleteInternetGateway");
        super::error::optional(r).map(|_| ())
    }
}

/// Route tables.
#[derive(Debug, Clone, Copy)]
pub struct RouteTables;

impl Kind for RouteTables {
    type Item = RouteTable;
    const SERVICE: &'static str = "ec2";
    const LIST_OP: &'static str = "DescribeRouteTables";
    const ID_FIELD: &'static str = "RouteTableId";
    fn id(item: &RouteTable) -> Option<&str> {
        item.route_table_id()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<RouteTable>> {
        get::describe_route_table(aws, id).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<RouteTable>> {
        find::route_tables(aws, &l.tags).await
    }
    /// Removes every explicit association, then deletes it.
    async fn delete(aws: &AwsContext, p: &Progress, rt: &RouteTable, noun: &str) -> Result<()> {
        let rt_id = &Self::required_id(rt, Self::LIST_OP)?;
        for a in rt.associations().iter().filter(|a| a.main() != Some(true)) {
            if let Some(aid) = a.route_table_association_id() {
                disassociate(aws, aid).await?;
            }
        }
        delete_when_free(
            p,
            &format!("{noun} {rt_id} to be deletable"),
            || async move {
                aws.ec2
                    .delete_route_table()
                    .route_table_id(rt_id)
                    .send()
                    .await
                    .ctx("ec2", "DeleteRouteTable")
                    .map(|_| ())
            },
        )
        .await
    }
}

/// Elastic IP addresses.
#[derive(Debug, Clone, Copy)]
pub struct Addresses;

impl Kind for Addresses {
    type Item = Address;
    const SERVICE: &'static str = "ec2";
    const LIST_OP: &'static str = "DescribeAddresses";
    const ID_FIELD: &'static str = "AllocationId";
    fn id(item: &Address) -> Option<&str> {
        item.allocation_id()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<Address>> {
        get::describe_address(aws, id).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Address>> {
        find::addresses(aws, &l.tags).await
    }
    /// Releases it, waiting while a NAT gateway being deleted still holds it.
    async fn delete(aws: &AwsContext, p: &Progress, item: &Address, noun: &str) -> Result<()> {
        let id = &Self::required_id(item, Self::LIST_OP)?;
        delete_when_free(
            p,
            &format!("{noun} {id} to be released by the NAT gateway"),
            || async move {
                aws.ec2
                    .release_address()
                    .allocation_id(id)
                    .send()
                    .await
                    .ctx("ec2", "ReleaseAddress")
                    .map(|_| ())
            },
        )
        .await
    }
}

/// NAT gateways.
#[derive(Debug, Clone, Copy)]
pub struct NatGateways;

impl Kind for NatGateways {
    type Item = NatGateway;
    const SERVICE: &'static str = "ec2";
    const LIST_OP: &'static str = "DescribeNatGateways";
    const ID_FIELD: &'static str = "NatGatewayId";
    fn id(item: &NatGateway) -> Option<&str> {
        item.nat_gateway_id()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<NatGateway>> {
        Ok(describe_nat(aws, id).await?.filter(|n| {
            !matches!(
                n.state(),
                Some(
                    NatGatewayState::Deleted | NatGatewayState::Deleting | NatGatewayState::Failed
                )
            )
        }))
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<NatGateway>> {
        find::nat_gateways(aws, &l.tags).await
    }
    /// Deletes it and waits until AWS reports it deleted (about a minute).
    async fn delete(aws: &AwsContext, p: &Progress, item: &NatGateway, noun: &str) -> Result<()> {
        let id = &Self::required_id(item, Self::LIST_OP)?;
        let r = aws
            .ec2
            .delete_nat_gateway()
            .nat_gateway_id(id)
            .send()
            .await
            .ctx("ec2", "DeleteNatGateway");
        super::error::optional(r)?;
        wait_for(
            p,
            &format!("the {noun} to be deleted"),
            Duration::from_secs(10 * 60),
            || async move {
                Ok(match describe_nat(aws, id).await? {
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
        .await
    }
}

/// Security groups.
#[derive(Debug, Clone, Copy)]
pub struct SecurityGroups;

impl Kind for SecurityGroups {
    type Item = SecurityGroup;
    const SERVICE: &'static str = "ec2";
    const LIST_OP: &'static str = "DescribeSecurityGroups";
    const ID_FIELD: &'static str = "GroupId";
    fn id(item: &SecurityGroup) -> Option<&str> {
        item.group_id()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<SecurityGroup>> {
        get::describe_security_group(aws, id).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<SecurityGroup>> {
        find::security_groups(aws, &l.tags).await
    }
    /// Deletes it, waiting while task network interfaces (which linger for
    /// minutes after their tasks stop) still use it.
    async fn delete(
        aws: &AwsContext,
        p: &Progress,
        item: &SecurityGroup,
        noun: &str,
    ) -> Result<()> {
        let id = &Self::required_id(item, Self::LIST_OP)?;
        delete_when_free_showing(
            p,
            &format!("{noun} {id} to be released by task network interfaces"),
            || async move {
                aws.ec2
                    .delete_security_group()
                    .group_id(id)
                    .send()
                    .await
                    .ctx("ec2", "DeleteSecurityGroup")
                    .map(|_| ())
            },
            || eni_holders(aws, "group-id", id),
        )
        .await
    }
}

/// Creates a route table in `vpc_id`, tagged `t` and named `name`.
pub async fn create_route_table(
    aws: &AwsContext,
    vpc_id: &str,
    t: &ResourceTags<'_>,
    name: &str,
) -> Result<RouteTable> {
    let out = aws
        .ec2
        .create_route_table()
        .vpc_id(vpc_id)
        .tag_specifications(t.ec2_spec(ResourceType::RouteTable, name))
        .send()
        .await
        .ctx("ec2", "CreateRouteTable")?;
    returned(out.route_table(), "ec2", "CreateRouteTable", "RouteTable")
}

/// Creates a subnet of `cidr` in `az` of `vpc_id`, tagged `t` and named `name`.
pub async fn create_subnet(
    aws: &AwsContext,
    vpc_id: &str,
    (cidr, az): (&str, &str),
    t: &ResourceTags<'_>,
    name: &str,
) -> Result<Subnet> {
    let out = aws
        .ec2
        .create_subnet()
        .vpc_id(vpc_id)
        .cidr_block(cidr)
        .availability_zone(az)
        .tag_specifications(t.ec2_spec(ResourceType::Subnet, name))
        .send()
        .await
        .ctx("ec2", "CreateSubnet")?;
    returned(out.subnet(), "ec2", "CreateSubnet", "Subnet")
}

/// Route tables explicitly associated with a subnet (at most one on AWS).
pub async fn explicit_route_tables(aws: &AwsContext, subnet_id: &str) -> Result<Vec<RouteTable>> {
    let out = aws
        .ec2
        .describe_route_tables()
        .filters(
            Filter::builder()
                .name("association.subnet-id")
                .values(subnet_id)
                .build(),
        )
        .send()
        .await
        .ctx("ec2", "DescribeRouteTables")?;
    Ok(out.route_tables().to_vec())
}

/// Removes a subnet's explicit route table associations (it falls back to the
/// VPC's main table).
pub async fn disassociate_subnet(aws: &AwsContext, subnet_id: &str) -> Result<()> {
    for rt in explicit_route_tables(aws, subnet_id).await? {
        for a in rt
            .associations()
            .iter()
            .filter(|a| a.subnet_id() == Some(subnet_id))
        {
            if let Some(aid) = a.route_table_association_id() {
                disassociate(aws, aid).await?;
            }
        }
    }
    Ok(())
}

async fn disassociate(aws: &AwsContext, association_id: &str) -> Result<()> {
    let r = aws
        .ec2
        .disassociate_route_table()
        .association_id(association_id)
        .send()
        .await
        .ctx("ec2", "DisassociateRouteTable");
    super::error::optional(r).map(|_| ())
}

/// What still holds a subnet or security group (`filter` is `subnet-id` or
/// `group-id`): its network interfaces, by what AWS says they belong to.
pub async fn eni_holders(aws: &AwsContext, filter: &str, id: &str) -> Result<String> {
    let out = aws
        .ec2
        .describe_network_interfaces()
        .filters(Filter::builder().name(filter).values(id).build())
        .send()
        .await
        .ctx("ec2", "DescribeNetworkInterfaces")?;
    let enis = out.network_interfaces();
    if enis.is_empty() {
        return Ok("still in use".into());
    }
    let mut owners: Vec<String> = enis
        .iter()
        .map(|e| match e.description() {
            Some(d) if !d.is_empty() => d.to_string(),
            _ => e.network_interface_id().unwrap_or("?").to_string(),
        })
        .collect();
    owners.sort();
    owners.dedup();
    Ok(format!(
        "held by {} network interface{} ({}); AWS releases them minutes after their task or load balancer is gone",
        enis.len(),
        if enis.len() == 1 { "" } else { "s" },
        owners.join(", ")
    ))
}

/// Deletes a subnet (its explicit route table associations first), waiting
/// while network interfaces still linger in it.
pub async fn delete_subnet(aws: &AwsContext, p: &Progress, id: &str, noun: &str) -> Result<()> {
    disassociate_subnet(aws, id).await?;
    delete_when_free_showing(
        p,
        &format!("{noun} {id} to be free of network interfaces"),
        || async move {
            aws.ec2
                .delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .ctx("ec2", "DeleteSubnet")
                .map(|_| ())
        },
        || eni_holders(aws, "subnet-id", id),
    )
    .await
}
