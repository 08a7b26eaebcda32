//! The words every part of gatewalk shares: the ten step ids, checks and
//! their outcomes, live resources, planned changes, rejected inputs, and the
//! output keys the front ends and the summary read from a session.
//!
//! A leaf: nothing here imports from the crate, so the error type, progress
//! events, sessions and the sandbox can use these words without reaching up
//! into the engine (`steps`), which builds on them.

use serde::{Deserialize, Serialize};
use std::fmt;

mod fix;
mod output_key;

pub use fix::Fix;
pub use output_key::{OutputKey, keys};

/// The most tasks a gatewalk service runs (the service step's input limit;
/// the sandbox sizes its fake capacity by it).
pub const MAX_DESIRED: u32 = 10;

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
    /// 9. REST API with a `VPC_LINK` proxy integration, deployed.
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
        self.meta().slug
    }

    /// What is known about this step without running it (one table: [`STEPS`]).
    pub fn meta(self) -> &'static StepMeta {
        &STEPS[self.number() - 1]
    }

    /// 1-based position in the walkthrough.
    pub fn number(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    /// A short human title.
    pub fn title(self) -> &'static str {
        self.meta().title
    }

    /// The step's teaching text (Markdown, built in from `assets/steps/`).
    pub fn explain(self) -> &'static str {
        self.meta().explain
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
                    Self::ALL.map(StepId::as_str).join(", ")
                )
            })
    }

    /// The step before this one.
    pub fn prev(self) -> Option<StepId> {
        self.number().checked_sub(2).map(|i| Self::ALL[i])
    }
}

/// A step's fixed facts: its id, the slug the CLI and the session use, its
/// title and its teaching text.
#[derive(Debug)]
pub struct StepMeta {
    /// Which step.
    pub id: StepId,
    /// The stable id string (`task-definition`).
    pub slug: &'static str,
    /// A short human title.
    pub title: &'static str,
    /// The teaching text (Markdown).
    pub explain: &'static str,
}

macro_rules! step_meta {
    ($id:ident, $slug:literal, $title:literal) => {
        StepMeta {
            id: StepId::$id,
            slug: $slug,
            title: $title,
            explain: include_str!(concat!("../../assets/steps/", $slug, ".md")),
        }
    };
}

/// The ten steps' facts, in walkthrough order (the order of [`StepId::ALL`]).
pub const STEPS: [StepMeta; 10] = [
    step_meta!(TaskDefinition, "task-definition", "Task definition"),
    step_meta!(ClusterVpc, "cluster-vpc", "Cluster and VPC"),
    step_meta!(PrivateSubnet, "private-subnet", "Private subnet"),
    step_meta!(LoadBalancer, "load-balancer", "Internal load balancer"),
    step_meta!(NatGateway, "nat-gateway", "NAT gateway"),
    step_meta!(Service, "service", "ECS service"),
    step_meta!(TargetGroupSwap, "target-group-swap", "Target group swap"),
    step_meta!(VpcLink, "vpc-link", "VPC Link"),
    step_meta!(RestApi, "rest-api", "REST API"),
    step_meta!(Done, "done", "Done"),
];

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
    pub fix: Option<Fix>,
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
    pub fn fail(name: impl Into<String>, observed: impl Into<String>, fix: impl Into<Fix>) -> Self {
        Self {
            name: name.into(),
            status: CheckStatus::Fail,
            observed: observed.into(),
            fix: Some(fix.into()),
        }
    }

    /// A warning with advice.
    pub fn warn(name: impl Into<String>, observed: impl Into<String>, fix: impl Into<Fix>) -> Self {
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
        fix: impl Into<Fix>,
    ) -> Self {
        if ok {
            Self::pass(name, observed)
        } else {
            Self::fail(name, observed, fix)
        }
    }
}

/// The checks that block a step: every one that failed or is still pending.
pub fn blocking(checks: &[Check]) -> Vec<&Check> {
    checks
        .iter()
        .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Pending))
        .collect()
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
    /// Key attributes, in display order. In JSON, an object in the same
    /// order (see [`attributes_object`]).
    #[serde(serialize_with = "attributes_object")]
    pub attributes: Vec<(String, String)>,
    /// AWS console link (none against an emulator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_url: Option<String>,
}

/// A resource's attributes as one JSON object, `{"key": "value", …}`, in
/// display order. A key met again (two cost lines of one kind) gets its
/// number: `key (2)`, so no value is lost and every key is unique.
fn attributes_object<S: serde::Serializer>(
    attrs: &[(String, String)],
    ser: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = ser.serialize_map(Some(attrs.len()))?;
    for (i, (k, v)) in attrs.iter().enumerate() {
        let seen = attrs[..i].iter().filter(|(p, _)| p == k).count();
        if seen == 0 {
            map.serialize_entry(k, v)?;
        } else {
            map.serialize_entry(&format!("{k} ({})", seen + 1), v)?;
        }
    }
    map.end()
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
    /// Change a resource of yours (bound by `adopt`) where it differs from
    /// the walkthrough's shape: only when you agree (`apply --yes`).
    ChangeYours,
}

impl ChangeAction {
    /// The plan's mark for it: `+`, `=`, `~` or `-`.
    pub fn symbol(self) -> &'static str {
        match self {
            ChangeAction::Create => "+",
            ChangeAction::Keep => "=",
            ChangeAction::Update | ChangeAction::ChangeYours => "~",
            ChangeAction::Delete => "-",
        }
    }

    /// The verb that goes before a change's resource: `create` VPC …,
    /// `change your` listener ….
    pub fn verb(self) -> &'static str {
        match self {
            ChangeAction::Create => "create",
            ChangeAction::Keep => "keep",
            ChangeAction::Update => "update",
            ChangeAction::Delete => "delete",
            ChangeAction::ChangeYours => "change your",
        }
    }
}

/// The verbs a change's `resource` may begin with when the change is none of
/// its action's verbs (`attach policy … to role …`, `run the smoke test …`):
/// the resource is then the whole sentence.
pub const OWN_VERBS: [&str; 3] = ["attach", "run", "set"];

/// One planned change, with the AWS CLI command that does the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What happens.
    pub action: ChangeAction,
    /// The resource, in words ("VPC 10.0.0.0/16"): a noun phrase the
    /// action's verb goes before, or a sentence of its own beginning with
    /// one of [`OWN_VERBS`]. Read it with [`Change::sentence`].
    pub resource: String,
    /// The equivalent `aws …` command, pasteable into a shell: `$NAME`
    /// stands for an id known only at apply time, and is never inside
    /// single quotes.
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

    /// What the change does, as a sentence without its mark:
    /// `create VPC 10.0.0.0/16 with DNS hostnames`, `attach policy … to role …`,
    /// `update the NLB listener on port 80 …`.
    pub fn sentence(&self) -> String {
        let what = self.resource.trim();
        if self.has_own_verb() {
            what.to_string()
        } else {
            format!("{} {what}", self.action.verb())
        }
    }

    /// The plan line: mark and sentence (`+ create VPC 10.0.0.0/16 …`). The
    /// CLI prints it, and the wizard's Plan tab can too.
    pub fn line(&self) -> String {
        format!("{} {}", self.action.symbol(), self.sentence())
    }

    /// The command to show under the line: none for a resource kept as it
    /// is (its `cli` is how it was made, not something to run again).
    pub fn command(&self) -> Option<&str> {
        let kept = self.action == ChangeAction::Keep && !self.has_own_verb();
        (!kept && !self.cli.is_empty()).then_some(self.cli.as_str())
    }

    fn has_own_verb(&self) -> bool {
        let first = self.resource.split_whitespace().next().unwrap_or("");
        OWN_VERBS.contains(&first)
    }
}

/// One rejected input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// The step the field belongs to (`None` for the session itself).
    pub step: Option<StepId>,
    /// Field name.
    pub field: String,
    /// What is wrong and what would be right.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Some(s) => write!(f, "{s}.{}: {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

impl InputError {
    /// All errors, one per line, for display.
    pub fn list(errs: &[InputError]) -> String {
        let lines: Vec<String> = errs.iter().map(|e| format!("  {e}")).collect();
        format!(
            "invalid input — nothing was sent to AWS:\n{}",
            lines.join("\n")
        )
    }
}

/// A validated input (port, count, size, seconds) as the `i32` the AWS APIs
/// take. Inputs are checked far below `i32::MAX` before any call; should one
/// ever get past, it is clamped, never wrapped into a negative number.
pub fn api_int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}
