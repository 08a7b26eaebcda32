//! The ten steps of the walkthrough, all behind one contract ([`Step`]), and the
//! registry that dispatches a [`StepId`] to its implementation.

pub mod candidates;
pub mod cluster_vpc;
pub mod done;
pub mod engine;
pub mod inputs;
pub mod load_balancer;
pub mod names;
pub mod nat_gateway;
pub mod net;
pub mod private_subnet;
pub mod rest_api;
pub mod service;
pub mod target_group_swap;
pub mod task_definition;
pub mod vpc_link;

use crate::aws::AwsContext;
use crate::error::Result;
use crate::progress::Progress;
use crate::session::{Session, SessionHandle};
use inputs::Inputs;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;

/// The stable ids of the ten steps, used in code, files, the CLI and state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepId {
    /// 1. Fargate task definition and its execution role.
    TaskDefinition,
    /// 2. ECS cluster and a VPC with two public subnets.
    ClusterVpc,
    /// 3. One public subnet replaced by a private one.
    PrivateSubnet,
    /// 4. Internal NLB in the private subnet plus a placeholder target group.
    LoadBalancer,
    /// 5. NAT gateway and the private route table.
    NatGateway,
    /// 6. Security group, service target group, listener, ECS service.
    Service,
    /// 7. The NLB forwards to the service's target group.
    TargetGroupSwap,
    /// 8. REST API VPC Link to the NLB.
    VpcLink,
    /// 9. REST API with a VPC_LINK proxy integration, deployed.
    RestApi,
    /// 10. Smoke test, summary, cost reminder.
    Done,
}

impl StepId {
    /// All ten, in walkthrough order.
    pub const ALL: [StepId; 10] = [
        StepId::TaskDefinition,
        StepId::ClusterVpc,
        StepId::PrivateSubnet,
        StepId::LoadBalancer,
        StepId::NatGateway,
        StepId::Service,
        StepId::TargetGroupSwap,
        StepId::VpcLink,
        StepId::RestApi,
        StepId::Done,
    ];

    /// The stable id string (`task-definition`).
    pub fn as_str(self) -> &'static str {
        match self {
            StepId::TaskDefinition => "task-definition",
            StepId::ClusterVpc => "cluster-vpc",
            StepId::PrivateSubnet => "private-subnet",
            StepId::LoadBalancer => "load-balancer",
            StepId::NatGateway => "nat-gateway",
            StepId::Service => "service",
            StepId::TargetGroupSwap => "target-group-swap",
            StepId::VpcLink => "vpc-link",
            StepId::RestApi => "rest-api",
            StepId::Done => "done",
        }
    }

    /// 1-based position in the walkthrough.
    pub fn number(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    /// A short human title.
    pub fn title(self) -> &'static str {
        match self {
            StepId::TaskDefinition => "Task definition",
            StepId::ClusterVpc => "Cluster and VPC",
            StepId::PrivateSubnet => "Private subnet",
            StepId::LoadBalancer => "Internal load balancer",
            StepId::NatGateway => "NAT gateway",
            StepId::Service => "ECS service",
            StepId::TargetGroupSwap => "Target group swap",
            StepId::VpcLink => "VPC Link",
            StepId::RestApi => "REST API",
            StepId::Done => "Done",
        }
    }

    /// Parses a step id (`nat-gateway`) or its number (`5`).
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        if let Ok(n) = s.parse::<usize>()
            && (1..=10).contains(&n)
        {
            return Ok(Self::ALL[n - 1]);
        }
        Self::ALL
            .iter()
            .copied()
            .find(|id| id.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown step `{s}`; steps are: {}",
                    Self::ALL.map(|i| i.as_str()).join(", ")
                )
            })
    }

    /// The step before this one.
    pub fn prev(self) -> Option<StepId> {
        self.number().checked_sub(2).map(|i| Self::ALL[i])
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for StepId {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Self::parse(s)
    }
}

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    /// Right.
    Pass,
    /// Wrong; the check's fix says what to do.
    Fail,
    /// Works, but not as recommended.
    Warn,
    /// Not there yet (AWS is still provisioning).
    Pending,
    /// Cannot be judged here (the emulator runs no containers and carries no
    /// traffic). Never counted as a pass; the step may be accepted with this
    /// caveat, which the session records.
    Skipped,
}

impl CheckStatus {
    /// Short word for tables.
    pub fn label(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "FAIL",
            CheckStatus::Warn => "warn",
            CheckStatus::Pending => "pending",
            CheckStatus::Skipped => "skipped",
        }
    }
}

/// One named check of the live account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// What is checked ("NLB scheme is internal").
    pub name: String,
    /// Outcome.
    pub status: CheckStatus,
    /// What was observed ("internal", "vpc-0abc…").
    pub observed: String,
    /// For a failure or warning: how to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    /// A passing check.
    pub fn pass(name: impl Into<String>, observed: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: CheckStatus::Pass,
            observed: observed.into(),
            fix: None,
        }
    }

    /// A failing check with its fix.
    pub fn fail(
        name: impl Into<String>,
        observed: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            status: CheckStatus::Fail,
            observed: observed.into(),
            fix: Some(fix.into()),
        }
    }

    /// A warning with advice.
    pub fn warn(
        name: impl Into<String>,
        observed: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            status: CheckStatus::Warn,
            observed: observed.into(),
            fix: Some(fix.into()),
        }
    }

    /// Not ready yet.
    pub fn pending(name: impl Into<String>, observed: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: CheckStatus::Pending,
            observed: observed.into(),
            fix: None,
        }
    }

    /// Cannot be judged here; `why` says so plainly.
    pub fn skipped(name: impl Into<String>, why: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: CheckStatus::Skipped,
            observed: why.into(),
            fix: None,
        }
    }

    /// Pass when `ok`, else fail with `fix`.
    pub fn expect(
        name: impl Into<String>,
        ok: bool,
        observed: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        if ok {
            Self::pass(name, observed)
        } else {
            Self::fail(name, observed, fix)
        }
    }
}

/// One live resource of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// Kind ("VPC", "NAT gateway").
    pub kind: String,
    /// Id or ARN.
    pub id: String,
    /// Current state as AWS reports it ("available"), or "missing".
    pub state: String,
    /// Key attributes, in display order.
    pub attributes: Vec<(String, String)>,
    /// AWS console link (none against an emulator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_url: Option<String>,
}

impl Resource {
    /// A resource the session expects but AWS does not have.
    pub fn missing(kind: &str, id: &str) -> Self {
        Self {
            kind: kind.into(),
            id: id.into(),
            state: "missing".into(),
            attributes: vec![],
            console_url: None,
        }
    }
}

/// What apply will do to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeAction {
    /// Create it.
    Create,
    /// It exists already (recorded in the session); apply checks and keeps it.
    Keep,
    /// Modify an existing resource.
    Update,
    /// Delete it.
    Delete,
}

/// One planned change, with the AWS CLI command that does the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What happens.
    pub action: ChangeAction,
    /// The resource, in words ("VPC 10.0.0.0/16").
    pub resource: String,
    /// The equivalent `aws …` command; `$NAME` stands for an id known only at apply time.
    pub cli: String,
}

impl Change {
    /// A change that creates, or keeps when `existing` is `Some`.
    pub fn create_or_keep(
        existing: Option<&str>,
        resource: impl Into<String>,
        cli: impl Into<String>,
    ) -> Self {
        let resource = resource.into();
        match existing {
            Some(id) => Self {
                action: ChangeAction::Keep,
                resource: format!("{resource} ({id})"),
                cli: cli.into(),
            },
            None => Self {
                action: ChangeAction::Create,
                resource,
                cli: cli.into(),
            },
        }
    }
}

/// What every step operation gets: AWS, the resolved inputs, and where to report.
#[derive(Debug, Clone, Copy)]
pub struct StepCx<'a> {
    /// SDK clients.
    pub aws: &'a AwsContext,
    /// All steps' inputs, validated.
    pub inputs: &'a Inputs,
    /// Progress for this step.
    pub progress: &'a Progress,
}

/// The contract every step fulfils, so front ends and tests treat all ten alike.
pub trait Step: Send + Sync {
    /// Which step this is.
    fn id(&self) -> StepId;

    /// The changes apply would make. Pure: reads inputs and the session only.
    fn plan(&self, inputs: &Inputs, session: &Session) -> Vec<Change>;

    /// Makes the changes idempotently, recording each id the moment it exists.
    fn apply(
        &self,
        cx: StepCx<'_>,
        s: &mut SessionHandle,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Reads the live account and judges it.
    fn validate(
        &self,
        cx: StepCx<'_>,
        s: &Session,
    ) -> impl Future<Output = Result<Vec<Check>>> + Send;

    /// The step's live resources.
    fn inspect(
        &self,
        cx: StepCx<'_>,
        s: &Session,
    ) -> impl Future<Output = Result<Vec<Resource>>> + Send;

    /// Removes what the step created, in an order AWS accepts.
    fn teardown(
        &self,
        cx: StepCx<'_>,
        s: &mut SessionHandle,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Runs `$body` with `$s` bound to the implementation of `$id`.
macro_rules! dispatch {
    ($id:expr, $s:ident => $body:expr) => {
        match $id {
            StepId::TaskDefinition => {
                let $s = &task_definition::TaskDefinition;
                $body
            }
            StepId::ClusterVpc => {
                let $s = &cluster_vpc::ClusterVpc;
                $body
            }
            StepId::PrivateSubnet => {
                let $s = &private_subnet::PrivateSubnet;
                $body
            }
            StepId::LoadBalancer => {
                let $s = &load_balancer::LoadBalancer;
                $body
            }
            StepId::NatGateway => {
                let $s = &nat_gateway::NatGateway;
                $body
            }
            StepId::Service => {
                let $s = &service::Service;
                $body
            }
            StepId::TargetGroupSwap => {
                let $s = &target_group_swap::TargetGroupSwap;
                $body
            }
            StepId::VpcLink => {
                let $s = &vpc_link::VpcLinkStep;
                $body
            }
            StepId::RestApi => {
                let $s = &rest_api::RestApi;
                $body
            }
            StepId::Done => {
                let $s = &done::Done;
                $body
            }
        }
    };
}

/// Plan of one step.
pub fn plan(id: StepId, inputs: &Inputs, session: &Session) -> Result<Vec<Change>> {
    dispatch!(id, s => Ok(s.plan(inputs, session)))
}

/// Apply of one step (no status bookkeeping; see [`engine`]).
pub async fn apply(id: StepId, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    dispatch!(id, s => s.apply(cx, h).await)
}

/// Validation of one step.
pub async fn validate(id: StepId, cx: StepCx<'_>, session: &Session) -> Result<Vec<Check>> {
    dispatch!(id, s => s.validate(cx, session).await)
}

/// Live resources of one step.
pub async fn inspect(id: StepId, cx: StepCx<'_>, session: &Session) -> Result<Vec<Resource>> {
    dispatch!(id, s => s.inspect(cx, session).await)
}

/// Teardown of one step.
pub async fn teardown(id: StepId, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    dispatch!(id, s => s.teardown(cx, h).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for id in StepId::ALL {
            assert_eq!(StepId::parse(id.as_str()), Ok(id));
            assert_eq!(StepId::parse(&id.number().to_string()), Ok(id));
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{}\"", id.as_str()));
        }
        assert!(StepId::parse("nat").is_err());
        assert!(StepId::parse("11").is_err());
        assert_eq!(StepId::ClusterVpc.prev(), Some(StepId::TaskDefinition));
        assert_eq!(StepId::TaskDefinition.prev(), None);
    }
}
