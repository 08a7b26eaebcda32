//! Step inputs: typed structs with defaults derived from the session name,
//! overrides from `--set STEP.FIELD=VALUE` or a TOML file, and pure validation
//! that runs before any API call.
//!
//! Vocabulary, not engine: the front ends read, edit and check inputs without
//! running a step, so inputs live below `steps` (which re-exports them) and
//! import nothing from it. One file per step that has inputs; step 7, which
//! has none, is in [`empty`].

pub mod cidr;
pub mod cluster_vpc;
pub mod done;
pub mod empty;
pub mod load_balancer;
pub mod names;
pub mod nat_gateway;
pub mod private_subnet;
pub mod rest_api;
pub mod service;
pub mod task_definition;
pub mod vpc_link;

use crate::error::{Error, Result};
use crate::model::StepId;
use crate::session::Session;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::fmt;
use std::path::Path;

pub use crate::model::InputError;
pub use cluster_vpc::ClusterVpcInputs;
pub use done::DoneInputs;
pub use empty::TargetGroupSwapInputs;
pub use load_balancer::LoadBalancerInputs;
pub use nat_gateway::NatGatewayInputs;
pub use private_subnet::PrivateSubnetInputs;
pub use rest_api::RestApiInputs;
pub use service::ServiceInputs;
pub use task_definition::TaskDefinitionInputs;
pub use vpc_link::VpcLinkInputs;

/// A field's name and one-line meaning, for `gatewalk inputs` and the TUI form.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Field name as used in `--set STEP.FIELD=…`.
    pub name: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

/// Collects errors for one step.
#[derive(Debug)]
pub struct Errs<'a> {
    step: StepId,
    out: &'a mut Vec<InputError>,
}

impl Errs<'_> {
    /// Rejects `field` with `message`.
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.out.push(InputError {
            step: Some(self.step),
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Rejects `field` when `r` is an error.
    pub fn check(&mut self, field: &str, r: std::result::Result<(), String>) {
        if let Err(m) = r {
            self.push(field, m);
        }
    }
}

/// The inputs of one step.
pub trait StepInputs: Serialize + DeserializeOwned + Clone + fmt::Debug {
    /// The step these belong to.
    const STEP: StepId;
    /// Every field, in form order.
    const FIELDS: &'static [Field];
    /// Defaults for a session of this name.
    fn defaults(session: &str) -> Self;
    /// Pure validation; may look at other steps' inputs (CIDRs must not overlap).
    fn check(&self, all: &Inputs, region: &str, errs: &mut Errs<'_>);
}

/// One override: `step.field = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The step.
    pub step: StepId,
    /// The field.
    pub field: String,
    /// The value: typed (from TOML) or a string to coerce (from `--set`).
    pub value: OverrideValue,
}

/// A value to set.
#[derive(Debug, Clone, PartialEq)]
pub enum OverrideValue {
    /// Text from the command line; converted to the field's type.
    Text(String),
    /// A typed value from an inputs file.
    Typed(Value),
}

/// Parses `STEP.FIELD=VALUE`.
pub fn parse_set(s: &str) -> std::result::Result<Override, InputError> {
    let bad = |m: String| InputError {
        step: None,
        field: "--set".into(),
        message: m,
    };
    let (key, value) = s
        .split_once('=')
        .ok_or_else(|| bad(format!("`{s}` is not STEP.FIELD=VALUE")))?;
    let (step, field) = key.split_once('.').ok_or_else(|| {
        bad(format!(
            "`{key}` is not STEP.FIELD (e.g. task-definition.cpu)"
        ))
    })?;
    let step = StepId::parse(step).map_err(bad)?;
    Ok(Override {
        step,
        field: field.trim().to_string(),
        value: OverrideValue::Text(value.to_string()),
    })
}

/// Reads overrides from a TOML file: one table per step id, e.g.
/// `[task-definition]` / `cpu = 512`.
pub fn parse_file(path: &Path) -> Result<Vec<Override>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Config(format!(
            "inputs file {}: cannot read it: {e}",
            path.display()
        ))
    })?;
    let table: toml::Table = toml::from_str(&text)
        .map_err(|e| Error::Config(format!("inputs file {}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (step, fields) in table {
        let step = StepId::parse(&step)
            .map_err(|m| Error::Config(format!("inputs file {}: {m}", path.display())))?;
        let toml::Value::Table(fields) = fields else {
            return Err(Error::Config(format!(
                "inputs file {}: `{step}` must be a table of fields",
                path.display()
            )));
        };
        for (field, v) in fields {
            let json = toml_to_json(&v).map_err(|m| {
                Error::Config(format!(
                    "inputs file {}: [{step}] {field}: {m}",
                    path.display()
                ))
            })?;
            out.push(Override {
                step,
                field,
                value: OverrideValue::Typed(json),
            });
        }
    }
    Ok(out)
}

/// A TOML value as JSON. Dates and times have no field to go to, and a
/// nested table is never a field's value: both are named, not passed on as an
/// unreadable type error.
fn toml_to_json(v: &toml::Value) -> std::result::Result<Value, String> {
    Ok(match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .ok_or_else(|| format!("{f} is not a usable number"))?,
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => {
            return Err(format!(
                "`{d}` is a TOML date/time; no gatewalk input is one (quote text, write numbers bare)"
            ));
        }
        toml::Value::Array(items) => Value::Array(
            items
                .iter()
                .map(toml_to_json)
                .collect::<std::result::Result<_, _>>()?,
        ),
        toml::Value::Table(_) => {
            return Err(
                "is a table; a field's value is text, a number, true/false or a list".into(),
            );
        }
    })
}

/// Every step's inputs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inputs {
    /// Step 1.
    pub task_definition: TaskDefinitionInputs,
    /// Step 2.
    pub cluster_vpc: ClusterVpcInputs,
    /// Step 3.
    pub private_subnet: PrivateSubnetInputs,
    /// Step 4.
    pub load_balancer: LoadBalancerInputs,
    /// Step 5.
    pub nat_gateway: NatGatewayInputs,
    /// Step 6.
    pub service: ServiceInputs,
    /// Step 7.
    pub target_group_swap: TargetGroupSwapInputs,
    /// Step 8.
    pub vpc_link: VpcLinkInputs,
    /// Step 9.
    pub rest_api: RestApiInputs,
    /// Step 10.
    pub done: DoneInputs,
}

/// Runs `$body` with `$T` bound to the inputs type of `$step`.
macro_rules! with_inputs_type {
    ($step:expr, $T:ident => $body:expr) => {
        match $step {
            StepId::TaskDefinition => {
                type $T = TaskDefinitionInputs;
                $body
            }
            StepId::ClusterVpc => {
                type $T = ClusterVpcInputs;
                $body
            }
            StepId::PrivateSubnet => {
                type $T = PrivateSubnetInputs;
                $body
            }
            StepId::LoadBalancer => {
                type $T = LoadBalancerInputs;
                $body
            }
            StepId::NatGateway => {
                type $T = NatGatewayInputs;
                $body
            }
            StepId::Service => {
                type $T = ServiceInputs;
                $body
            }
            StepId::TargetGroupSwap => {
                type $T = TargetGroupSwapInputs;
                $body
            }
            StepId::VpcLink => {
                type $T = VpcLinkInputs;
                $body
            }
            StepId::RestApi => {
                type $T = RestApiInputs;
                $body
            }
            StepId::Done => {
                type $T = DoneInputs;
                $body
            }
        }
    };
}

impl Inputs {
    /// The port the NLB's listener for the service uses, which API Gateway
    /// calls: 443 with TLS, else the container port.
    pub fn listener_port(&self) -> u32 {
        if self.load_balancer.tls {
            load_balancer::TLS_PORT
        } else {
            self.task_definition.container_port
        }
    }

    /// The host the REST integration calls: with TLS the name the
    /// certificate covers, else the NLB's own DNS name.
    pub fn integration_host<'a>(&'a self, nlb_dns: &'a str) -> &'a str {
        match self.load_balancer.dns() {
            Some(name) if self.load_balancer.tls => name,
            _ => nlb_dns,
        }
    }

    /// Defaults for a session of this name.
    pub fn defaults(session: &str) -> Self {
        Self {
            task_definition: TaskDefinitionInputs::defaults(session),
            cluster_vpc: ClusterVpcInputs::defaults(session),
            private_subnet: PrivateSubnetInputs::defaults(session),
            load_balancer: LoadBalancerInputs::defaults(session),
            nat_gateway: NatGatewayInputs::defaults(session),
            service: ServiceInputs::defaults(session),
            target_group_swap: TargetGroupSwapInputs::defaults(session),
            vpc_link: VpcLinkInputs::defaults(session),
            rest_api: RestApiInputs::defaults(session),
            done: DoneInputs::defaults(session),
        }
    }

    /// Defaults, overlaid with what the session saved, overlaid with
    /// `overrides`; then validated. No API call is made.
    pub fn resolve(
        session: &Session,
        overrides: &[Override],
    ) -> std::result::Result<Self, Vec<InputError>> {
        let mut errs = Vec::new();
        for o in overrides {
            if Self::fields(o.step).is_empty() {
                errs.push(InputError {
                    step: Some(o.step),
                    field: o.field.clone(),
                    message: format!(
                        "step `{}` has no inputs: it works on what earlier steps made",
                        o.step
                    ),
                });
            }
        }
        let inputs = Self {
            task_definition: resolve_one(session, overrides, &mut errs),
            cluster_vpc: resolve_one(session, overrides, &mut errs),
            private_subnet: resolve_one(session, overrides, &mut errs),
            load_balancer: resolve_one(session, overrides, &mut errs),
            nat_gateway: resolve_one(session, overrides, &mut errs),
            service: resolve_one(session, overrides, &mut errs),
            target_group_swap: resolve_one(session, overrides, &mut errs),
            vpc_link: resolve_one(session, overrides, &mut errs),
            rest_api: resolve_one(session, overrides, &mut errs),
            done: resolve_one(session, overrides, &mut errs),
        };
        if errs.is_empty() {
            errs = inputs.validate(&session.region);
        }
        if errs.is_empty() {
            Ok(inputs)
        } else {
            Err(errs)
        }
    }

    /// Every rule every step's inputs must obey.
    pub fn validate(&self, region: &str) -> Vec<InputError> {
        let mut out = Vec::new();
        macro_rules! run {
            ($f:ident) => {{
                let mut e = Errs {
                    step: self.$f.step_id(),
                    out: &mut out,
                };
                self.$f.check(self, region, &mut e);
            }};
        }
        run!(task_definition);
        run!(cluster_vpc);
        run!(private_subnet);
        run!(load_balancer);
        run!(nat_gateway);
        run!(service);
        run!(target_group_swap);
        run!(vpc_link);
        run!(rest_api);
        run!(done);
        out
    }

    /// The fields of a step (empty for steps without inputs).
    pub fn fields(step: StepId) -> &'static [Field] {
        with_inputs_type!(step, T => T::FIELDS)
    }

    /// One step's inputs as JSON (what the session stores).
    pub fn step_value(&self, step: StepId) -> Option<Value> {
        let v = match step {
            StepId::TaskDefinition => serde_json::to_value(&self.task_definition),
            StepId::ClusterVpc => serde_json::to_value(&self.cluster_vpc),
            StepId::PrivateSubnet => serde_json::to_value(&self.private_subnet),
            StepId::LoadBalancer => serde_json::to_value(&self.load_balancer),
            StepId::NatGateway => serde_json::to_value(&self.nat_gateway),
            StepId::Service => serde_json::to_value(&self.service),
            StepId::TargetGroupSwap => serde_json::to_value(&self.target_group_swap),
            StepId::VpcLink => serde_json::to_value(&self.vpc_link),
            StepId::RestApi => serde_json::to_value(&self.rest_api),
            StepId::Done => serde_json::to_value(&self.done),
        };
        v.ok()
    }

    /// Saves every step's inputs into the session (in memory).
    pub fn store_in(&self, session: &mut Session) {
        for step in StepId::ALL {
            if let Some(v) = self.step_value(step) {
                session.step_mut(step).inputs = Some(v);
            }
        }
    }
}

trait HasStep {
    fn step_id(&self) -> StepId;
}
impl<T: StepInputs> HasStep for T {
    fn step_id(&self) -> StepId {
        T::STEP
    }
}

/// Converts command-line text to the JSON type of the field's default.
fn coerce(field: &str, text: &str, like: &Value) -> std::result::Result<Value, String> {
    let t = text.trim();
    match like {
        Value::Number(_) => t
            .parse::<u64>()
            .map(Value::from)
            .map_err(|_| format!("`{}` is not a whole number", crate::text::shown(t))),
        Value::Bool(_) => t
            .parse::<bool>()
            .map(Value::from)
            .map_err(|_| format!("`{}` is not true or false", crate::text::shown(t))),
        Value::Array(_) => Ok(Value::Array(
            t.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        )),
        Value::String(_) | Value::Null => Ok(Value::String(text.to_string())),
        Value::Object(_) => Err(format!("`{field}` cannot be set from the command line")),
    }
}

/// Refuses text with control characters (an escape sequence in an image name
/// would be saved, sent to AWS and echoed to terminals); the field falls back
/// to its default so no later message repeats the raw text.
fn refuse_control_chars(
    obj: &mut Map<String, Value>,
    defaults: &Map<String, Value>,
    push: &mut impl FnMut(&str, String),
) {
    for (k, v) in obj.iter_mut() {
        let bad = match v {
            Value::String(s) => crate::text::printable(s).err(),
            Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str())
                .find_map(|s| crate::text::printable(s).err()),
            _ => None,
        };
        if let Some(m) = bad {
            push(k, m);
            *v = defaults.get(k).cloned().unwrap_or(Value::Null);
        }
    }
}

fn resolve_one<T: StepInputs>(
    session: &Session,
    overrides: &[Override],
    errs: &mut Vec<InputError>,
) -> T {
    let defaults = T::defaults(&session.name);
    let Ok(Value::Object(mut obj)) = serde_json::to_value(&defaults) else {
        return defaults;
    };
    let default_obj = obj.clone();
    let mut push = |field: &str, message: String| {
        errs.push(InputError {
            step: Some(T::STEP),
            field: field.to_string(),
            message,
        });
    };
    if let Some(Value::Object(saved)) = &session.step(T::STEP).inputs {
        for (k, v) in saved {
            // Fields a newer build no longer has are dropped, not fatal.
            if obj.contains_key(k) {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    for o in overrides.iter().filter(|o| o.step == T::STEP) {
        let Some(like) = default_obj.get(&o.field) else {
            let known: Vec<&str> = T::FIELDS.iter().map(|f| f.name).collect();
            push(
                &o.field,
                format!("unknown field; `{}` has: {}", T::STEP, known.join(", ")),
            );
            continue;
        };
        let v = match &o.value {
            OverrideValue::Text(t) => coerce(&o.field, t, like),
            OverrideValue::Typed(v) => Ok(v.clone()),
        };
        match v {
            Ok(v) => {
                obj.insert(o.field.clone(), v);
            }
            Err(m) => push(&o.field, m),
        }
    }
    refuse_control_chars(&mut obj, &default_obj, &mut push);
    match serde_json::from_value::<T>(Value::Object(obj.clone())) {
        Ok(t) => t,
        Err(e) => {
            // Name the offending field: try each one alone over the defaults.
            let mut named = false;
            for (k, v) in &obj {
                let mut probe: Map<String, Value> = default_obj.clone();
                probe.insert(k.clone(), v.clone());
                if let Err(e) = serde_json::from_value::<T>(Value::Object(probe)) {
                    push(k, format!("wrong type: {e}"));
                    named = true;
                }
            }
            if !named {
                push("(inputs)", e.to_string());
            }
            defaults
        }
    }
}
