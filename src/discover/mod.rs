//! Finding deployments of this shape that already exist, whoever made them:
//! read-only. One pass reads the region ([`region`]); the chain is followed
//! inside each VPC that holds an NLB, an ECS service or gatewalk's tags
//! ([`chain`], [`ecs`], [`api`]); the inputs that describe what exists are
//! read back ([`settings`]). `doctor` validates the result on a session that
//! is never saved; `adopt` saves it with every resource bound as yours.

pub mod account;
mod api;
mod chain;
mod ecs;
pub mod examine;
pub mod region;
mod settings;

use crate::aws::AwsContext;
use crate::error::Result;
use crate::inputs::{Inputs, parse_set};
use crate::model::{OutputKey, StepId};
use crate::session::Session;
use serde::Serialize;
use std::collections::BTreeMap;

/// Who made a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "session")]
pub enum Maker {
    /// A gatewalk session, by its tags (the session's name).
    Gatewalk(String),
    /// Someone else: by hand in the console, another tool.
    You,
}

impl std::fmt::Display for Maker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Maker::Gatewalk(s) => write!(f, "gatewalk session `{s}`"),
            Maker::You => f.write_str("you (no gatewalk tags)"),
        }
    }
}

/// One deployment found: its VPC, what was bound to each step's keys, the
/// inputs that describe it, and what discovery noticed.
#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    /// The VPC id.
    pub vpc: String,
    /// The VPC's `Name` tag.
    pub vpc_name: String,
    /// Who made it.
    pub maker: Maker,
    /// The `gatewalk:session-id` of gatewalk's session that made it.
    pub session_id: Option<String>,
    /// Output key → id (resources) or fact (zone, DNS name).
    pub bound: BTreeMap<OutputKey, String>,
    /// Inputs as `step.field=value`, read from what exists.
    pub settings: Vec<String>,
    /// What discovery noticed and left alone.
    pub notes: Vec<String>,
}

impl Deployment {
    fn new(vpc: &str, maker: Maker) -> Self {
        Self {
            vpc: vpc.to_string(),
            vpc_name: String::new(),
            maker,
            session_id: None,
            bound: BTreeMap::new(),
            settings: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn bind(&mut self, key: OutputKey, id: &str) {
        self.bound.insert(key, id.to_string());
    }

    fn bind_opt(&mut self, key: OutputKey, id: Option<&str>) {
        if let Some(id) = id.filter(|x| !x.is_empty()) {
            self.bind(key, id);
        }
    }

    /// Whether `key` is bound.
    pub fn has(&self, key: OutputKey) -> bool {
        self.bound.contains_key(&key)
    }

    /// The id bound to `key`.
    pub fn get(&self, key: OutputKey) -> Option<&str> {
        self.bound.get(&key).map(String::as_str)
    }

    fn note(&mut self, n: String) {
        self.notes.push(n);
    }

    /// Whether a step's part exists: one of its resources is bound (step 7:
    /// the listener and the service's target group; step 10: a URL to test).
    pub fn present(&self, step: StepId) -> bool {
        match step {
            StepId::TargetGroupSwap => {
                self.has(OutputKey::Listener) && self.has(OutputKey::ServiceTargetGroup)
            }
            StepId::Done => self.has(OutputKey::InvokeUrl),
            // The console's NLB comes with a listener before any service.
            StepId::Service => [
                OutputKey::Service,
                OutputKey::SecurityGroup,
                OutputKey::ServiceTargetGroup,
            ]
            .iter()
            .any(|k| self.has(*k)),
            _ => self
                .bound
                .keys()
                .any(|k| k.step() == step && k.is_resource()),
        }
    }

    /// The resources bound, in walkthrough order (facts left out).
    pub fn resources(&self) -> impl Iterator<Item = (OutputKey, &str)> {
        self.bound
            .iter()
            .filter(|(k, _)| k.is_resource())
            .map(|(k, v)| (*k, v.as_str()))
    }

    /// A session named `name` whose outputs are this deployment's bindings
    /// (every resource marked yours) and whose inputs describe it. Inputs
    /// gatewalk would refuse are left at their defaults, and said so in the
    /// returned notes. Nothing is saved.
    pub fn session(&self, name: &str, region: &str) -> (Session, Inputs, Vec<String>) {
        let mut s = Session::new(name, region);
        // Judged as gatewalk's own session it is, so checks that look for
        // the session's tags find them.
        if self.maker == Maker::Gatewalk(name.to_string()) && self.session_id.is_some() {
            s.id.clone_from(&self.session_id);
        }
        for (k, id) in &self.bound {
            if k.is_resource() {
                s.bind_yours(*k, id);
            } else {
                s.step_mut(k.step())
                    .outputs
                    .insert(k.as_str().to_string(), id.clone());
            }
        }
        let mut notes = Vec::new();
        let mut overrides: Vec<_> = self
            .settings
            .iter()
            .filter_map(|x| parse_set(x).ok())
            .collect();
        let inputs = loop {
            match Inputs::resolve(&s, &overrides) {
                Ok(i) => break i,
                Err(errs) if overrides.is_empty() => {
                    notes.extend(errs.iter().map(|e| format!("inputs: {e}")));
                    break Inputs::defaults(name);
                }
                Err(errs) => {
                    let before = overrides.len();
                    overrides.retain(|o| {
                        !errs
                            .iter()
                            .any(|e| e.step == Some(o.step) && e.field == o.field)
                    });
                    if overrides.len() == before {
                        // An error on a field left at its default (two blocks that
                        // overlap): the step's values read back go with it.
                        overrides.retain(|o| !errs.iter().any(|e| e.step == Some(o.step)));
                    }
                    if overrides.len() == before {
                        overrides.clear();
                    }
                    for e in &errs {
                        notes.push(format!("input left at its default: {e}"));
                    }
                }
            }
        };
        inputs.store_in(&mut s);
        (s, inputs, notes)
    }
}

/// What discovery found, with the region as it read it (so a binding can be
/// changed and the inputs read back again).
#[derive(Debug, Clone)]
pub struct Found {
    /// One per VPC that holds an NLB, an ECS service or gatewalk's tags, in
    /// VPC id order.
    pub deployments: Vec<Deployment>,
    region: region::Region,
}

impl Found {
    /// Binds `id` under `key` (`None`: nothing), as `adopt --bind` asks, and
    /// reads the inputs back again. A task definition brings its execution
    /// role along.
    pub fn rebind(&self, d: &mut Deployment, key: OutputKey, id: Option<&str>) {
        match id {
            Some(id) => d.bind(key, id),
            None => {
                d.bound.remove(&key);
            }
        }
        match key {
            OutputKey::TaskDefinition => {
                let td = id.and_then(|a| {
                    let r = &self.region;
                    r.task_defs
                        .iter()
                        .find(|t| t.task_definition_arn() == Some(a))
                });
                if let Some(td) = td {
                    ecs::bind_task_definition(d, td);
                }
            }
            OutputKey::Cluster if id.is_some() => d.bind(OutputKey::ClusterCreated, "false"),
            _ => {}
        }
        d.settings = settings::read_back(&self.region, d);
    }
}

/// Every deployment of this shape in the region, read-only.
pub async fn discover(aws: &AwsContext) -> Result<Found> {
    let r = region::Region::read(aws).await?;
    let mut found: Vec<Deployment> = r
        .vpcs
        .iter()
        .filter(|v| chain::anchored(&r, v))
        .map(|v| chain::assemble(&r, v, &aws.region))
        .collect();
    found.sort_by(|a, b| a.vpc.cmp(&b.vpc));
    ecs::bind_idle(&r, &mut found);
    for d in &mut found {
        d.settings = settings::read_back(&r, d);
    }
    Ok(Found {
        deployments: found,
        region: r,
    })
}

/// The EC2 `Name` tag.
fn ec2_name(tags: &[aws_sdk_ec2::types::Tag]) -> String {
    tags.iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .unwrap_or_default()
        .to_string()
}
