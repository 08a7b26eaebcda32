//! Finding this session's resources again by their tags — how apply avoids
//! creating twice, how teardown finds what an interrupted run left, and how
//! `inventory` lists everything a session owns without its session file.

use super::ecs::session_services;
pub use super::elb::target_groups;
use super::tags::{ResourceTags, SESSION_ID_KEY, SESSION_KEY, session_id_of};
use super::{AwsContext, CallExt};
use crate::aws::Required;
use crate::error::Result;
use aws_sdk_ec2::types::{
    Address, Filter, InternetGateway, NatGateway, NatGatewayState, RouteTable, Subnet, Vpc,
};

/// Picks the recorded resource if it is among `items`, else the first one.
pub fn pick<T: Clone>(
    items: &[T],
    recorded: Option<&str>,
    id: impl Fn(&T) -> Option<&str>,
) -> Option<T> {
    recorded
        .and_then(|r| items.iter().find(|i| id(i) == Some(r)))
        .or_else(|| items.first())
        .cloned()
}

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

/// One live resource tagged with a session.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Tagged {
    /// Service and type (`ec2:vpc`, `elbv2:loadbalancer`, `ecs:cluster`, `iam:role`).
    pub kind: String,
    /// Id or ARN.
    pub id: String,
    /// Its `gatewalk:session-id` tag: which session of that name made it
    /// (`None` for resources made before sessions had ids).
    pub session_id: Option<String>,
}

/// Every live resource carrying `gatewalk:session=<session>`, across the
/// services gatewalk uses. Deleted NAT gateways (which AWS keeps visible for a
/// while) are not counted.
#[expect(
    clippy::too_many_lines,
    reason = "one describe per kind in a row; moves to the per-service AWS files (issue 12)"
)]
pub async fn inventory(aws: &AwsContext, session: &str) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    // EC2: one describe per resource type, filtered by the session tag and
    // checked again here. (DescribeTags is not used: emulators keep the tags of
    // deleted resources, and AWS lists deleted NAT gateways for an hour.)
    let f = || {
        vec![
            Filter::builder()
                .name(format!("tag:{SESSION_KEY}"))
                .values(session)
                .build(),
        ]
    };
    let mine = |tags: &[aws_sdk_ec2::types::Tag]| {
        tags.iter()
            .any(|t| t.key() == Some(SESSION_KEY) && t.value() == Some(session))
    };
    let mut push = |kind: &str, id: String, tags: &[aws_sdk_ec2::types::Tag]| {
        out.push(Tagged {
            kind: format!("ec2:{kind}"),
            id,
            session_id: session_id_of(tags.iter().map(|t| (t.key(), t.value()))),
        });
    };
    let r = aws
        .ec2
        .describe_vpcs()
        .set_filters(Some(f()))
        .send()
        .await
        .ctx("ec2", "DescribeVpcs")?;
    for x in r.vpcs().iter().filter(|x| mine(x.tags())) {
        let id = x.vpc_id().required("ec2", "DescribeVpcs", "VpcId")?;
        push("vpc", id, x.tags());
    }
    let r = aws
        .ec2
        .describe_subnets()
        .set_filters(Some(f()))
        .send()
        .await
        .ctx("ec2", "DescribeSubnets")?;
    for x in r.subnets().iter().filter(|x| mine(x.tags())) {
        let id = x
            .subnet_id()
            .required("ec2", "DescribeSubnets", "SubnetId")?;
        push("subnet", id, x.tags());
    }
    let r = aws
        .ec2
        .describe_internet_gateways()
        .set_filters(Some(f()))
        .send()
        .await
        .ctx("ec2", "DescribeInternetGateways")?;
    for x in r.internet_gateways().iter().filter(|x| mine(x.tags())) {
        let id = x.internet_gateway_id().required(
            "ec2",
            "DescribeInternetGateways",
            "InternetGatewayId",
        )?;
        push("internet-gateway", id, x.tags());
    }
    let r = aws
        .ec2
        .describe_route_tables()
        .set_filters(Some(f()))
        .send()
        .await
        .ctx("ec2", "DescribeRouteTables")?;
    for x in r.route_tables().iter().filter(|x| mine(x.tags())) {
        let id = x
            .route_table_id()
            .required("ec2", "DescribeRouteTables", "RouteTableId")?;
        push("route-table", id, x.tags());
    }
    let r = aws
        .ec2
        .describe_nat_gateways()
        .set_filter(Some(f()))
        .send()
        .await
        .ctx("ec2", "DescribeNatGateways")?;
    for x in r
        .nat_gateways()
        .iter()
        .filter(|x| mine(x.tags()) && !matches!(x.state(), Some(NatGatewayState::Deleted)))
    {
        let id = x
            .nat_gateway_id()
            .required("ec2", "DescribeNatGateways", "NatGatewayId")?;
        push("natgateway", id, x.tags());
    }
    let r = aws
        .ec2
        .describe_addresses()
        .set_filters(Some(f()))
        .send()
        .await
        .ctx("ec2", "DescribeAddresses")?;
    for x in r.addresses().iter().filter(|x| mine(x.tags())) {
        let id = x
            .allocation_id()
            .required("ec2", "DescribeAddresses", "AllocationId")?;
        push("elastic-ip", id, x.tags());
    }
    let r = aws
        .ec2
        .describe_security_groups()
        .set_filters(Some(f()))
        .send()
        .await
        .ctx("ec2", "DescribeSecurityGroups")?;
    for x in r.security_groups().iter().filter(|x| mine(x.tags())) {
        let id = x
            .group_id()
            .required("ec2", "DescribeSecurityGroups", "GroupId")?;
        push("security-group", id, x.tags());
    }
    // ELBv2: load balancers and target groups, tags fetched in batches of 20.
    let mut arns: Vec<(String, String)> = Vec::new();
    let lbs = aws
        .elb
        .describe_load_balancers()
        .send()
        .await
        .ctx("elbv2", "DescribeLoadBalancers")?;
    for lb in lbs.load_balancers() {
        if let Some(a) = lb.load_balancer_arn() {
            arns.push(("elbv2:loadbalancer".into(), a.to_string()));
        }
    }
    let tgs = aws
        .elb
        .describe_target_groups()
        .send()
        .await
        .ctx("elbv2", "DescribeTargetGroups")?;
    for tg in tgs.target_groups() {
        if let Some(a) = tg.target_group_arn() {
            arns.push(("elbv2:targetgroup".into(), a.to_string()));
        }
    }
    for chunk in arns.chunks(20) {
        let r = aws
            .elb
            .describe_tags()
            .set_resource_arns(Some(chunk.iter().map(|(_, a)| a.clone()).collect()))
            .send()
            .await
            .ctx("elbv2", "DescribeTags")?;
        for d in r.tag_descriptions() {
            let mine = d
                .tags()
                .iter()
                .any(|t| t.key() == Some(SESSION_KEY) && t.value() == Some(session));
            if let (true, Some(arn)) = (mine, d.resource_arn()) {
                let kind = chunk
                    .iter()
                    .find(|(_, a)| a == arn)
                    .map(|(k, _)| k.clone())
                    .unwrap_or_default();
                out.push(Tagged {
                    kind,
                    id: arn.to_string(),
                    session_id: session_id_of(d.tags().iter().map(|t| (t.key(), t.value()))),
                });
            }
        }
    }
    // ECS clusters.
    let clusters = aws
        .ecs
        .list_clusters()
        .send()
        .await
        .ctx("ecs", "ListClusters")?;
    if !clusters.cluster_arns().is_empty() {
        let d = aws
            .ecs
            .describe_clusters()
            .set_clusters(Some(clusters.cluster_arns().to_vec()))
            .include(aws_sdk_ecs::types::ClusterField::Tags)
            .send()
            .await
            .ctx("ecs", "DescribeClusters")?;
        for c in d.clusters() {
            let mine = c
                .tags()
                .iter()
                .any(|t| t.key() == Some(SESSION_KEY) && t.value() == Some(session));
            if mine && c.status() == Some("ACTIVE") {
                out.push(Tagged {
                    kind: "ecs:cluster".into(),
                    id: c
                        .cluster_arn()
                        .required("ecs", "DescribeClusters", "clusterArn")?,
                    session_id: session_id_of(c.tags().iter().map(|t| (t.key(), t.value()))),
                });
            }
            // The session's services, in any cluster (yours too), until INACTIVE:
            // a DRAINING service still runs tasks and holds network interfaces.
            if c.status() == Some("ACTIVE")
                && let Some(arn) = c.cluster_arn()
            {
                out.extend(session_services(aws, arn, session).await?);
            }
        }
    }
    // ECS task definitions: active revisions tagged with the session.
    let mut token = None;
    loop {
        let r = aws
            .ecs
            .list_task_definitions()
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .set_next_token(token)
            .send()
            .await
            .ctx("ecs", "ListTaskDefinitions")?;
        for arn in r.task_definition_arns() {
            let d = aws
                .ecs
                .describe_task_definition()
                .task_definition(arn)
                .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
                .send()
                .await
                .ctx("ecs", "DescribeTaskDefinition")?;
            if d.tags()
                .iter()
                .any(|t| t.key() == Some(SESSION_KEY) && t.value() == Some(session))
            {
                out.push(Tagged {
                    kind: "ecs:task-definition".into(),
                    id: arn.clone(),
                    session_id: session_id_of(d.tags().iter().map(|t| (t.key(), t.value()))),
                });
            }
        }
        token = r.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    // IAM roles: only those named after the session are examined, to keep the
    // number of calls small in accounts with many roles.
    let prefix = format!("{session}-");
    for role in roles(aws)
        .await?
        .iter()
        .filter(|r| r.role_name().starts_with(&prefix))
    {
        let tags = aws
            .iam
            .list_role_tags()
            .role_name(role.role_name())
            .send()
            .await
            .ctx("iam", "ListRoleTags")?;
        if tags
            .tags()
            .iter()
            .any(|t| t.key() == SESSION_KEY && t.value() == session)
        {
            out.push(Tagged {
                kind: "iam:role".into(),
                id: role.arn().to_string(),
                session_id: session_id_of(
                    tags.tags().iter().map(|t| (Some(t.key()), Some(t.value()))),
                ),
            });
        }
    }
    // API Gateway VPC links.
    for l in vpc_links(aws).await? {
        if l.tags()
            .and_then(|t| t.get(SESSION_KEY))
            .map(String::as_str)
            == Some(session)
        {
            out.push(Tagged {
                kind: "apigateway:vpclink".into(),
                id: l.id().required("apigateway", "GetVpcLinks", "id")?,
                session_id: l.tags().and_then(|t| t.get(SESSION_ID_KEY)).cloned(),
            });
        }
    }
    // API Gateway REST APIs.
    for a in rest_apis(aws).await? {
        if a.tags()
            .and_then(|t| t.get(SESSION_KEY))
            .map(String::as_str)
            == Some(session)
        {
            out.push(Tagged {
                kind: "apigateway:restapi".into(),
                id: a.id().required("apigateway", "GetRestApis", "id")?,
                session_id: a.tags().and_then(|t| t.get(SESSION_ID_KEY)).cloned(),
            });
        }
    }
    out.sort();
    Ok(out)
}

/// Security groups carrying these tags.
pub async fn security_groups(
    aws: &AwsContext,
    t: &ResourceTags<'_>,
) -> Result<Vec<aws_sdk_ec2::types::SecurityGroup>> {
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

/// Every REST API VPC link of the account, all pages.
pub async fn vpc_links(aws: &AwsContext) -> Result<Vec<aws_sdk_apigateway::types::VpcLink>> {
    let mut out = Vec::new();
    let mut position = None;
    loop {
        let r = aws
            .apigw
            .get_vpc_links()
            .set_position(position)
            .limit(500)
            .send()
            .await
            .ctx("apigateway", "GetVpcLinks")?;
        out.extend(r.items().iter().cloned());
        position = r.position().map(str::to_string);
        if position.is_none() || r.items().is_empty() {
            return Ok(out);
        }
    }
}

/// Every REST API in the region (paginated).
pub async fn rest_apis(aws: &AwsContext) -> Result<Vec<aws_sdk_apigateway::types::RestApi>> {
    let mut out = Vec::new();
    let mut position = None;
    loop {
        let r = aws
            .apigw
            .get_rest_apis()
            .set_position(position)
            .limit(500)
            .send()
            .await
            .ctx("apigateway", "GetRestApis")?;
        out.extend(r.items().iter().cloned());
        position = r.position().map(str::to_string);
        if position.is_none() || r.items().is_empty() {
            return Ok(out);
        }
    }
}

/// Every IAM role of the account (paginated).
pub async fn roles(aws: &AwsContext) -> Result<Vec<aws_sdk_iam::types::Role>> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let r = aws
            .iam
            .list_roles()
            .set_marker(marker)
            .send()
            .await
            .ctx("iam", "ListRoles")?;
        out.extend(r.roles().iter().cloned());
        marker = r.marker().map(str::to_string);
        if !r.is_truncated() || marker.is_none() {
            return Ok(out);
        }
    }
}
