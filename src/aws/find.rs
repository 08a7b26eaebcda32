//! Finding this session's resources again by their tags — how apply avoids
//! creating twice, how teardown finds what an interrupted run left, and how
//! `inventory` lists everything a session owns without its session file.

pub use super::apigateway::{rest_apis, vpc_links};
pub use super::ec2::find::{
    addresses, internet_gateways, nat_gateways, route_tables, security_groups, subnets, vpcs,
};
pub use super::elb::target_groups;
pub use super::iam::roles;
use super::{AwsContext, apigateway, ec2, ecs, elb, iam, logs};
use crate::error::Result;

/// One live resource tagged with a session.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Tagged {
    /// Service and type (`ec2:vpc`, `elbv2:loadbalancer`, `ecs:cluster`, `iam:role`,
    /// `logs:log-group`).
    pub kind: String,
    /// Id or ARN.
    pub id: String,
    /// Its `gatewalk:session-id` tag: which session of that name made it
    /// (`None` for resources made before sessions had ids).
    pub session_id: Option<String>,
}

/// Every live resource carrying `gatewalk:session=<session>`, across the
/// services gatewalk uses, sorted. Each service's file reads its own part.
pub async fn inventory(aws: &AwsContext, session: &str) -> Result<Vec<Tagged>> {
    let mut out = ec2::find::inventory(aws, session).await?;
    out.extend(elb::inventory(aws, session).await?);
    out.extend(ecs::inventory(aws, session).await?);
    out.extend(iam::inventory(aws, session).await?);
    out.extend(apigateway::inventory(aws, session).await?);
    out.extend(logs::inventory(aws, session).await?);
    out.sort();
    Ok(out)
}
