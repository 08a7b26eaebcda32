//! EC2 reads by id: one resource, `None` when AWS no longer has it. What the
//! kit's `Kind::get` answers for a resource bound as yours, and what checks
//! read for an id the session recorded.

use crate::aws::{AwsContext, CallExt};
use crate::error::Result;
use aws_sdk_ec2::types::{
    Address, InternetGateway, NatGateway, RouteTable, SecurityGroup, Subnet, Vpc,
};

/// Writes `pub async fn $name(aws, id) -> Result<Option<$item>>`: one
/// describe call by id, a not-found answer read as `None`.
macro_rules! by_id {
    ($(#[$doc:meta])* $name:ident, $item:ty, $call:ident . $ids:ident, $list:ident, $op:literal) => {
        $(#[$doc])*
        pub async fn $name(aws: &AwsContext, id: &str) -> Result<Option<$item>> {
            let r = aws.ec2.$call().$ids(id).send().await.ctx("ec2", $op);
            Ok(crate::aws::error::optional(r)?.and_then(|o| o.$list().first().cloned()))
        }
    };
}

by_id!(
    /// A VPC by id.
    describe_vpc, Vpc, describe_vpcs.vpc_ids, vpcs, "DescribeVpcs"
);
by_id!(
    /// A subnet by id.
    describe_subnet, Subnet, describe_subnets.subnet_ids, subnets, "DescribeSubnets"
);
by_id!(
    /// An internet gateway by id.
    describe_igw, InternetGateway, describe_internet_gateways.internet_gateway_ids,
    internet_gateways, "DescribeInternetGateways"
);
by_id!(
    /// A route table by id.
    describe_route_table, RouteTable, describe_route_tables.route_table_ids, route_tables,
    "DescribeRouteTables"
);
by_id!(
    /// A NAT gateway by id, whatever its state.
    describe_nat, NatGateway, describe_nat_gateways.nat_gateway_ids, nat_gateways,
    "DescribeNatGateways"
);
by_id!(
    /// An Elastic IP by allocation id.
    describe_address, Address, describe_addresses.allocation_ids, addresses, "DescribeAddresses"
);
by_id!(
    /// A security group by id.
    describe_security_group, SecurityGroup, describe_security_groups.group_ids, security_groups,
    "DescribeSecurityGroups"
);
