//! EC2 reads: this session's resources of each type by their tags (checked
//! again client-side: emulators ignore some tag filters), and the EC2 part of
//! a session's inventory.

use crate::aws::find::{Tagged, Which};
use crate::aws::tags::{ResourceTags, SESSION_KEY, session_id_of};
use crate::aws::{AwsContext, CallExt, Required};
use crate::error::Result;
use aws_sdk_ec2::types::{
    Address, Filter, InternetGateway, NatGateway, NatGatewayState, RouteTable, SecurityGroup,
    Subnet, Vpc,
};

/// VPCs carrying these tags.
pub async fn vpcs(aws: &AwsContext, t: &ResourceTags<'_>) -> Result<Vec<Vpc>> {
    let out = aws
        .ec2
        .describe_vpcs()
        .set_filters(Some(t.ec2_filters()))
        .send()
        .await
        .ctx("ec2", "DescribeVpcs")?;
    Ok(out
        .vpcs()
        .iter()
        .filter(|v| t.ec2_matches(v.tags()))
        .cloned()
        .collect())
}

/// Subnets carrying these tags.
pub async fn subnets(aws: &AwsContext, t: &ResourceTags<'_>) -> Result<Vec<Subnet>> {
    let out = aws
        .ec2
        .describe_subnets()
        .set_filters(Some(t.ec2_filters()))
        .send()
        .await
        .ctx("ec2", "DescribeSubnets")?;
    Ok(out
        .subnets()
        .iter()
        .filter(|v| t.ec2_matches(v.tags()))
        .cloned()
        .collect())
}

/// Internet gateways carrying these tags.
pub async fn internet_gateways(
    aws: &AwsContext,
    t: &ResourceTags<'_>,
) -> Result<Vec<InternetGateway>> {
    let out = aws
        .ec2
        .describe_internet_gateways()
        .set_filters(Some(t.ec2_filters()))
        .send()
        .await
        .ctx("ec2", "DescribeInternetGateways")?;
    Ok(out
        .internet_gateways()
        .iter()
        .filter(|v| t.ec2_matches(v.tags()))
        .cloned()
        .collect())
}

/// Route tables carrying these tags.
pub async fn route_tables(aws: &AwsContext, t: &ResourceTags<'_>) -> Result<Vec<RouteTable>> {
    let out = aws
        .ec2
        .describe_route_tables()
        .set_filters(Some(t.ec2_filters()))
        .send()
        .await
        .ctx("ec2", "DescribeRouteTables")?;
    Ok(out
        .route_tables()
        .iter()
        .filter(|v| t.ec2_matches(v.tags()))
        .cloned()
        .collect())
}

/// NAT gateways carrying these tags that are not deleted, deleting or failed.
pub async fn nat_gateways(aws: &AwsContext, t: &ResourceTags<'_>) -> Result<Vec<NatGateway>> {
    let out = aws
        .ec2
        .describe_nat_gateways()
        .set_filter(Some(t.ec2_filters()))
        .send()
        .await
        .ctx("ec2", "DescribeNatGateways")?;
    Ok(out
        .nat_gateways()
        .iter()
        .filter(|n| t.ec2_matches(n.tags()))
        .filter(|n| {
            !matches!(
                n.state(),
                Some(
                    NatGatewayState::Deleted | NatGatewayState::Deleting | NatGatewayState::Failed
                )
            )
        })
        .cloned()
        .collect())
}

/// Elastic IP addresses carrying these tags.
pub async fn addresses(aws: &AwsContext, t: &ResourceTags<'_>) -> Result<Vec<Address>> {
    let out = aws
        .ec2
        .describe_addresses()
        .set_filters(Some(t.ec2_filters()))
        .send()
        .await
        .ctx("ec2", "DescribeAddresses")?;
    Ok(out
        .addresses()
        .iter()
        .filter(|a| t.ec2_matches(a.tags()))
        .cloned()
        .collect())
}

/// Security groups carrying these tags.
pub async fn security_groups(aws: &AwsContext, t: &ResourceTags<'_>) -> Result<Vec<SecurityGroup>> {
    let out = aws
        .ec2
        .describe_security_groups()
        .set_filters(Some(t.ec2_filters()))
        .send()
        .await
        .ctx("ec2", "DescribeSecurityGroups")?;
    Ok(out
        .security_groups()
        .iter()
        .filter(|g| t.ec2_matches(g.tags()))
        .cloned()
        .collect())
}

/// Reads one EC2 type into `out`: describe with the session-tag filter, keep
/// what carries the tag (and passes `keep`), note its session id.
macro_rules! read_type {
    ($out:ident, $aws:ident, $session:ident, $call:ident . $set:ident, $list:ident,
     $op:literal, $id:ident, $field:literal, $kind:literal $(, $keep:expr)?) => {{
        let r = $aws
            .ec2
            .$call()
            .$set(Some(session_filter($session)))
            .send()
            .await
            .ctx("ec2", $op)?;
        for x in r.$list() {
            let tags = || x.tags().iter().map(|t| (t.key(), t.value()));
            let Some(session) = $session.of(tags()) else {
                continue;
            };
            $( if !($keep)(x) { continue; } )?
            $out.push(Tagged {
                session,
                kind: concat!("ec2:", $kind).into(),
                id: x.$id().required("ec2", $op, $field)?,
                session_id: session_id_of(tags()),
            });
        }
    }};
}

fn session_filter(which: Which<'_>) -> Vec<Filter> {
    let f = match which {
        Which::Session(s) => Filter::builder()
            .name(format!("tag:{SESSION_KEY}"))
            .values(s),
        Which::Every => Filter::builder().name("tag-key").values(SESSION_KEY),
    };
    vec![f.build()]
}

/// This session's EC2 resources, one describe per type, filtered by the
/// session tag and checked again here. (`DescribeTags` is not used: emulators
/// keep the tags of deleted resources, and AWS lists deleted NAT gateways for
/// an hour.) Deleted NAT gateways are not counted.
pub async fn inventory(aws: &AwsContext, session: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    read_type!(
        out,
        aws,
        session,
        describe_vpcs.set_filters,
        vpcs,
        "DescribeVpcs",
        vpc_id,
        "VpcId",
        "vpc"
    );
    read_type!(
        out,
        aws,
        session,
        describe_subnets.set_filters,
        subnets,
        "DescribeSubnets",
        subnet_id,
        "SubnetId",
        "subnet"
    );
    read_type!(
        out,
        aws,
        session,
        describe_internet_gateways.set_filters,
        internet_gateways,
        "DescribeInternetGateways",
        internet_gateway_id,
        "InternetGatewayId",
        "internet-gateway"
    );
    read_type!(
        out,
        aws,
        session,
        describe_route_tables.set_filters,
        route_tables,
        "DescribeRouteTables",
        route_table_id,
        "RouteTableId",
        "route-table"
    );
    read_type!(
        out,
        aws,
        session,
        describe_nat_gateways.set_filter,
        nat_gateways,
        "DescribeNatGateways",
        nat_gateway_id,
        "NatGatewayId",
        "natgateway",
        |n: &NatGateway| !matches!(n.state(), Some(NatGatewayState::Deleted))
    );
    read_type!(
        out,
        aws,
        session,
        describe_addresses.set_filters,
        addresses,
        "DescribeAddresses",
        allocation_id,
        "AllocationId",
        "elastic-ip"
    );
    read_type!(
        out,
        aws,
        session,
        describe_security_groups.set_filters,
        security_groups,
        "DescribeSecurityGroups",
        group_id,
        "GroupId",
        "security-group"
    );
    read_type!(
        out,
        aws,
        session,
        describe_vpc_endpoints.set_filters,
        vpc_endpoints,
        "DescribeVpcEndpoints",
        vpc_endpoint_id,
        "VpcEndpointId",
        "vpc-endpoint",
        |e: &aws_sdk_ec2::types::VpcEndpoint| super::endpoints::endpoint_state(e) != "deleted"
    );
    Ok(out)
}
