//! The ten steps of the walkthrough, all behind one contract ([`Step`]), and the
//! registry that dispatches a [`StepId`] to its implementation.

pub mod candidates;
pub mod cluster_vpc;
pub mod done;
mod door;
pub mod engine;
pub mod load_balancer;
pub mod nat_gateway;
pub mod net;
pub mod private_subnet;
pub mod resource;
pub mod rest_api;
pub mod service;
pub mod target_group_swap;
pub mod task_definition;
pub mod vpc_link;

use crate::aws::AwsContext;
use crate::error::Result;
use crate::progress::Progress;
use crate::session::{Session, SessionHandle};
use inputs::{Inputs, StepInputs};
use std::future::Future;

pub use crate::inputs;
pub use crate::inputs::names;
pub use crate::model::{Change, ChangeAction, Check, CheckStatus, Resource, StepId};
pub use door::{ENGINE, Steps};

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
    /// Which step this is; its slug, title and teaching text are
    /// `Self::ID.meta()` (one table, in `model`).
    const ID: StepId;

    /// The step's part of the inputs.
    type Inputs: StepInputs;

    /// Which step this is, for a caller holding a value.
    fn id(&self) -> StepId {
        Self::ID
    }

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

/// A plan's resource text, with what apply does once it has made it
/// (`then wait until available`) while it is still to be made: a resource
/// kept as it is waits for nothing.
pub(crate) fn then_if_new(recorded: Option<&str>, what: String, then: &str) -> String {
    match recorded {
        Some(_) => what,
        None => format!("{what}, {then}"),
    }
}

/// Plan of one step.
pub fn plan(id: StepId, inputs: &Inputs, session: &Session) -> Result<Vec<Change>> {
    dispatch!(id, s => Ok(s.plan(inputs, session)))
}

/// Apply of one step (no status bookkeeping; see [`engine`]).
pub async fn apply(id: StepId, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    dispatch!(id, s => Box::pin(s.apply(cx, h)).await)
}

/// Validation of one step.
pub async fn validate(id: StepId, cx: StepCx<'_>, session: &Session) -> Result<Vec<Check>> {
    dispatch!(id, s => Box::pin(s.validate(cx, session)).await)
}

/// Live resources of one step.
pub async fn inspect(id: StepId, cx: StepCx<'_>, session: &Session) -> Result<Vec<Resource>> {
    dispatch!(id, s => Box::pin(s.inspect(cx, session)).await)
}

/// Teardown of one step.
pub async fn teardown(id: StepId, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    dispatch!(id, s => Box::pin(s.teardown(cx, h)).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A step's inputs type names the same step.
    fn inputs_belong<S: Step>(_: &S) {
        assert_eq!(<S::Inputs as StepInputs>::STEP, S::ID);
    }

    #[test]
    fn fixes_are_typed_and_read_back_from_their_cli_words() {
        use crate::model::Fix;
        let apply = Fix::Apply(StepId::NatGateway);
        assert_eq!(
            apply.to_string(),
            "run `gatewalk apply --through nat-gateway`"
        );
        assert_eq!(Fix::from(apply.to_string()), apply);
        let json = serde_json::to_string(&apply).unwrap();
        assert_eq!(serde_json::from_str::<Fix>(&json).unwrap(), apply);
        assert!(matches!(
            Fix::from("aws ec2 delete-vpc --vpc-id v"),
            Fix::Aws(_)
        ));
        assert!(matches!(Fix::from("wait a minute"), Fix::Text(_)));
        assert!(matches!(
            Fix::from("run `gatewalk apply --through nowhere`"),
            Fix::Text(_)
        ));
    }

    #[test]
    fn a_change_reads_as_a_sentence_and_a_kept_one_shows_no_command() {
        let keep = Change::create_or_keep(Some("vpc-1"), "VPC 10.0.0.0/16", "aws ec2 create-vpc");
        assert_eq!(keep.line(), "= keep VPC 10.0.0.0/16 (vpc-1)");
        assert_eq!(keep.command(), None);
        let attach = Change::create_or_keep(None, "attach policy P to role R", "aws iam x");
        assert_eq!(attach.line(), "+ attach policy P to role R");
        assert_eq!(attach.command(), Some("aws iam x"));
        let run = Change {
            action: ChangeAction::Keep,
            resource: "run the smoke test".into(),
            cli: "curl x".into(),
        };
        assert_eq!(
            (run.line().as_str(), run.command()),
            ("= run the smoke test", Some("curl x"))
        );
    }

    #[test]
    fn output_keys_have_one_name_each_and_read_back() {
        use crate::model::OutputKey;
        let mut names: Vec<&str> = OutputKey::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OutputKey::ALL.len(), "two keys share a name");
        for k in OutputKey::ALL {
            assert_eq!(OutputKey::parse(k.as_str()), Some(k));
            assert!(!k.as_str().starts_with("intent:"));
        }
        assert_eq!(OutputKey::Vpc.step(), StepId::ClusterVpc);
        assert_eq!(OutputKey::parse("nope"), None);
    }

    #[test]
    fn ids_round_trip() {
        for id in StepId::ALL {
            assert_eq!(StepId::parse(id.as_str()), Ok(id));
            assert_eq!(StepId::parse(&id.number().to_string()), Ok(id));
            assert_eq!(id.meta().id, id, "the step table is in walkthrough order");
            assert!(!id.explain().is_empty());
            dispatch!(id, s => inputs_belong(s));
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{}\"", id.as_str()));
        }
        assert!(StepId::parse("nat").is_err());
        assert!(StepId::parse("11").is_err());
        assert_eq!(StepId::ClusterVpc.prev(), Some(StepId::TaskDefinition));
        assert_eq!(StepId::TaskDefinition.prev(), None);
    }
}
