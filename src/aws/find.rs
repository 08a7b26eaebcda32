//! Finding this session's resources again by their tags — how apply avoids
//! creating twice, how teardown finds what an interrupted run left, and how
//! `inventory` lists everything a session owns without its session file.

pub use super::apigateway::{rest_apis, vpc_links};
pub use super::ec2::find::{
    addresses, internet_gateways, nat_gateways, route_tables, security_groups, subnets, vpcs,
};
pub use super::elb::target_groups;
pub use super::iam::roles;
use super::{AwsContext, acm, apigateway, ec2, ecr, ecs, elb, iam, logs, route53};
use crate::error::Result;

/// One live resource tagged with a session.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Tagged {
    /// The session that made it: its `gatewalk:session` tag.
    #[serde(skip)]
    pub session: String,
    /// Service and type (`ec2:vpc`, `elbv2:loadbalancer`, `ecs:cluster`, `iam:role`,
    /// `logs:log-group`, `ecr:repository`).
    pub kind: String,
    /// Id or ARN.
    pub id: String,
    /// Its `gatewalk:session-id` tag: which session of that name made it
    /// (`None` for resources made before sessions had ids).
    pub session_id: Option<String>,
}

/// Whose resources an inventory reads: one session's, or every session's
/// in the account and region (`sessions --account`, `teardown --all-sessions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which<'a> {
    /// Resources tagged `gatewalk:session=<name>`.
    Session(&'a str),
    /// Resources carrying any `gatewalk:session` tag.
    Every,
}

impl Which<'_> {
    /// The session a resource with these tags belongs to, when it is one
    /// this inventory reads.
    pub fn of<'t>(
        self,
        tags: impl IntoIterator<Item = (Option<&'t str>, Option<&'t str>)>,
    ) -> Option<String> {
        let session = super::tags::session_of(tags)?;
        match self {
            Which::Session(s) if s != session => None,
            _ => Some(session),
        }
    }
}

/// Every live resource carrying `gatewalk:session=<session>`, across the
/// services gatewalk uses, sorted.
pub async fn inventory(aws: &AwsContext, session: &str) -> Result<Vec<Tagged>> {
    inventory_of(aws, Which::Session(session)).await
}

/// Every live resource of the sessions `which` names, sorted. Each
/// service's file reads its own part.
pub async fn inventory_of(aws: &AwsContext, which: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = ec2::find::inventory(aws, which).await?;
    out.extend(elb::inventory(aws, which).await?);
    out.extend(ecs::inventory(aws, which).await?);
    out.extend(iam::inventory(aws, which).await?);
    out.extend(apigateway::inventory(aws, which).await?);
    out.extend(logs::inventory(aws, which).await?);
    out.extend(ecr::inventory(aws, which).await?);
    out.extend(route53::inventory(aws, which).await?);
    out.extend(acm::inventory(aws, which).await?);
    out.sort();
    Ok(out)
}
