//! Every gatewalk session in the account and region, found from its tags
//! alone (no session file): what each has made, how far each has come by
//! the steps' own checks, and what it costs per hour. Read-only. Used by
//! `sessions --account`, `teardown --all-sessions` and the classroom board.

use super::examine::{StepSeen, examine, next_step};
use super::{Deployment, Maker, discover};
use crate::aws::AwsContext;
use crate::aws::find::{Tagged, Which, inventory_of};
use crate::engine::Engine;
use crate::error::Result;
use crate::model::{OutputKey, StepId, blocking};
use crate::summary::cost::{self, CostLine};
use std::collections::BTreeMap;

/// One session found in the account.
#[derive(Debug)]
pub struct AccountSession {
    /// Its name (the `gatewalk:session` tag).
    pub name: String,
    /// Its `gatewalk:session-id` tag (`None` on resources from before ids).
    pub session_id: Option<String>,
    /// Its VPC, once step 2 made one.
    pub vpc: Option<String>,
    /// Every live resource carrying its tags.
    pub resources: Vec<Tagged>,
    /// The resources discovery tied to its steps (output key → id): what
    /// a teardown from tags alone needs to know beyond the tags (the NLB
    /// whose listener must go before the target group).
    pub bound: Vec<(OutputKey, String)>,
    /// Each step as found, with its checks when present.
    pub seen: Vec<StepSeen>,
    /// What runs and is billed by the hour.
    pub cost: Vec<CostLine>,
}

impl AccountSession {
    /// The steps whose part exists and whose checks all pass.
    pub fn done(&self) -> Vec<StepId> {
        self.seen
            .iter()
            .filter(|s| s.present && !s.failing() && !s.unchecked())
            .map(|s| s.step)
            .collect()
    }

    /// The first step missing, failing or not checked (`None`: all done).
    pub fn current(&self) -> Option<StepId> {
        next_step(&self.seen)
    }

    /// The checks that hold a step back (failing, or still pending), by
    /// step and name.
    pub fn failing(&self) -> Vec<(StepId, String)> {
        let mut out = Vec::new();
        for s in &self.seen {
            if let Some(Ok(checks)) = &s.checks {
                out.extend(blocking(checks).iter().map(|c| (s.step, c.name.clone())));
            }
        }
        out
    }

    /// Steps whose checks could not run, with why.
    pub fn unchecked(&self) -> Vec<(StepId, String)> {
        self.seen
            .iter()
            .filter_map(|s| match &s.checks {
                Some(Err(e)) => Some((s.step, crate::text::one_line(&e.to_string()))),
                _ => None,
            })
            .collect()
    }

    /// Per hour, USD.
    pub fn per_hour(&self) -> f64 {
        cost::total(&self.cost)
    }
}

/// Every session with live resources in the account and region, by name.
pub async fn sessions(engine: &dyn Engine, aws: &AwsContext) -> Result<Vec<AccountSession>> {
    let mut groups: BTreeMap<(String, Option<String>), Vec<Tagged>> = BTreeMap::new();
    for t in inventory_of(aws, Which::Every).await? {
        groups
            .entry((t.session.clone(), t.session_id.clone()))
            .or_default()
            .push(t);
    }
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let found = discover(aws).await?;
    let mut out = Vec::new();
    for ((name, session_id), resources) in groups {
        let d = found
            .deployments
            .iter()
            .find(|d| {
                d.maker == Maker::Gatewalk(name.clone())
                    && (session_id.is_none() || d.session_id == session_id)
            })
            .cloned()
            .unwrap_or_else(|| without_vpc(&name, session_id.as_deref(), &resources));
        let (seen, _) = examine(engine, aws, &d).await;
        let (session, inputs, _) = d.session(&name, &aws.region);
        out.push(AccountSession {
            vpc: (!d.vpc.is_empty()).then(|| d.vpc.clone()),
            bound: d.resources().map(|(k, id)| (k, id.to_string())).collect(),
            cost: cost::hourly(&inputs, &session),
            name,
            session_id,
            resources,
            seen,
        });
    }
    Ok(out)
}

/// A session with no VPC yet (step 1 only, or what a teardown left): its
/// task definition, role and log group bound from their tags, so step 1's
/// checks can judge them.
fn without_vpc(name: &str, session_id: Option<&str>, resources: &[Tagged]) -> Deployment {
    let mut d = Deployment::new("", Maker::Gatewalk(name.to_string()));
    d.session_id = session_id.map(str::to_string);
    let newest = |kind: &str| {
        resources
            .iter()
            .filter(|t| t.kind == kind)
            .max_by_key(|t| revision(&t.id))
            .map(|t| t.id.clone())
    };
    if let Some(td) = newest("ecs:task-definition") {
        d.bind(OutputKey::TaskDefinition, &td);
    }
    if let Some(role) = newest("iam:role") {
        d.bind(OutputKey::ExecutionRole, &role);
    }
    if let Some(group) = newest("logs:log-group") {
        d.bind(OutputKey::LogGroup, &group);
    }
    d
}

/// A task definition ARN's revision (0 for anything else).
fn revision(arn: &str) -> u32 {
    arn.rsplit(':')
        .next()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_revision_is_bound() {
        let t = |kind: &str, id: &str| Tagged {
            session: "s".into(),
            kind: kind.into(),
            id: id.into(),
            session_id: Some("i".into()),
        };
        let d = without_vpc(
            "s",
            Some("i"),
            &[
                t("ecs:task-definition", "arn:aws:ecs:r:1:task-definition/s:9"),
                t(
                    "ecs:task-definition",
                    "arn:aws:ecs:r:1:task-definition/s:10",
                ),
                t("iam:role", "arn:aws:iam::1:role/s-x"),
            ],
        );
        assert_eq!(
            d.get(OutputKey::TaskDefinition),
            Some("arn:aws:ecs:r:1:task-definition/s:10")
        );
        assert_eq!(
            d.get(OutputKey::ExecutionRole),
            Some("arn:aws:iam::1:role/s-x")
        );
        assert!(d.present(StepId::TaskDefinition));
        assert!(!d.present(StepId::ClusterVpc));
    }
}
