//! The reports of the deployment commands that only read: plan, inputs,
//! validate's checks and inspect's resources (text and JSON).

use super::output::{Printer, print_json};
use super::paint::{self, Role, mark, paint};
use crate::error::Result;
use crate::inputs::Inputs;
use crate::model::{
    Change, ChangeAction, Check, CheckStatus, OutputKey, Resource, StepId, blocking,
};
use crate::session::Session;
use anstream::println;
use serde_json::json;

impl Printer {
    /// `gatewalk plan`.
    pub fn plan(self, plans: &[(StepId, Vec<Change>)]) {
        if self.json() {
            let v: Vec<_> = plans
                .iter()
                .map(|(s, changes)| {
                    let c: Vec<_> = changes
                        .iter()
                        .map(|c| json!({ "action": c.action, "resource": c.resource, "line": c.line(), "cli": c.command() }))
                        .collect();
                    json!({ "step": s, "changes": c })
                })
                .collect();
            return print_json(&v);
        }
        for (step, changes) in plans {
            println!("step {} {} — {}", step.number(), step, step.title());
            for c in changes {
                println!("  {}", paint(paint::change(c.action), c.line()));
                if let Some(cli) = c.command() {
                    println!("      $ {cli}");
                }
            }
            println!();
        }
        println!(
            "{}",
            paint(
                Role::Muted,
                "legend: + create · = exists already, kept · ~ change · - delete; $NAMES in the \
                 commands stand for ids earlier steps made (`gatewalk inspect` shows them)"
            )
        );
        let yours = plans
            .iter()
            .flat_map(|(_, c)| c)
            .any(|c| c.action == ChangeAction::ChangeYours);
        if yours {
            println!(
                "~ change your …: a resource of yours that apply changes only with `{}`",
                self.cmd("apply --yes")
            );
        }
    }

    /// `gatewalk inputs`: each step's inputs, and the resources bound to it
    /// — yours (by `adopt`) or made by gatewalk.
    pub fn inputs(self, steps: &[StepId], session: &Session, current: &Inputs, defaults: &Inputs) {
        let bound = |s: StepId| -> Vec<(OutputKey, &str, bool)> {
            OutputKey::ALL
                .into_iter()
                .filter(|k| k.step() == s && k.is_resource())
                .filter_map(|k| session.output(k).map(|id| (k, id, session.is_yours(k))))
                .collect()
        };
        if self.json() {
            let v: Vec<_> = steps
                .iter()
                .map(|s| {
                    let res: Vec<_> = bound(*s)
                        .into_iter()
                        .map(|(k, id, y)| json!({ "output": k, "id": id, "yours": y }))
                        .collect();
                    let cur = current.step_value(*s).unwrap_or_default();
                    let def = defaults.step_value(*s).unwrap_or_default();
                    let fields: Vec<_> = Inputs::fields(*s)
                        .iter()
                        .map(|f| json!({ "field": f.name, "value": cur.get(f.name), "default": def.get(f.name), "meaning": f.meaning }))
                        .collect();
                    json!({ "step": s, "fields": fields, "resources": res })
                })
                .collect();
            return print_json(&v);
        }
        let show = |v: Option<&serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) if s.is_empty() => "(empty)".to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Array(a)) if a.is_empty() => "(automatic)".to_string(),
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(","),
            Some(v) => v.to_string(),
            None => String::new(),
        };
        for s in steps {
            println!("step {} {}", s.number(), s);
            let fields = Inputs::fields(*s);
            if fields.is_empty() {
                println!("  (no inputs)");
            }
            let cur = current.step_value(*s).unwrap_or_default();
            let def = defaults.step_value(*s).unwrap_or_default();
            for f in fields {
                let (c, d) = (show(cur.get(f.name)), show(def.get(f.name)));
                let changed = if c == d {
                    String::new()
                } else {
                    format!("  (default {d})")
                };
                println!("  {s}.{:<28} = {c}{changed}", f.name);
                println!("      {}", f.meaning);
            }
            for (k, id, yours) in bound(*s) {
                let who = if yours { "yours" } else { "made by gatewalk" };
                println!("  {:<33}   {id}  ({who})", k.noun());
            }
            println!();
        }
        println!("change with --set STEP.FIELD=VALUE or --inputs FILE.toml");
    }

    /// `gatewalk validate`.
    pub fn checks(self, results: &[(StepId, Result<Vec<Check>>)]) {
        if self.json() {
            let v: Vec<_> = results
                .iter()
                .map(|(s, r)| match r {
                    Ok(c) => json!({ "step": s, "ok": blocking(c).is_empty(), "checks": c }),
                    Err(e) => json!({ "step": s, "ok": false, "error": e.to_string() }),
                })
                .collect();
            return print_json(&v);
        }
        for (s, r) in results {
            match r {
                Ok(checks) => {
                    let ok = blocking(checks).is_empty();
                    println!(
                        "{} step {} {} — {}",
                        paint::verdict(ok),
                        s.number(),
                        s,
                        s.title()
                    );
                    for c in checks {
                        println!("    {} {:<52} {}", mark(c.status), c.name, c.observed);
                        if c.status != CheckStatus::Pass
                            && let Some(f) = &c.fix
                        {
                            println!("        fix: {}", self.qualify(&f.for_cli()));
                        }
                    }
                }
                Err(e) => println!(
                    "{} step {} {} — could not check: {e}",
                    paint::verdict(false),
                    s.number(),
                    s
                ),
            }
        }
    }

    /// `gatewalk inspect`. `emulated`: where the resources live when that is
    /// not an AWS account (the local sandbox, an emulator's endpoint), which
    /// is why they have no console links.
    pub fn resources(self, all: &[(StepId, Vec<Resource>)], emulated: Option<&str>) {
        let no_links = emulated.map(|place| {
            format!(
                "none: these resources live in {place}, not in an AWS account, so the AWS console cannot show them"
            )
        });
        if self.json() {
            // Serialized straight from the structs, so each resource's
            // attributes keep their display order.
            #[derive(serde::Serialize)]
            struct Step<'a> {
                step: StepId,
                resources: &'a [Resource],
            }
            #[derive(serde::Serialize)]
            struct Report<'a> {
                steps: Vec<Step<'a>>,
                #[serde(skip_serializing_if = "Option::is_none")]
                console_links: Option<String>,
            }
            let steps = all
                .iter()
                .map(|(step, r)| Step {
                    step: *step,
                    resources: r,
                })
                .collect();
            return print_json(&Report {
                steps,
                console_links: no_links,
            });
        }
        if all.is_empty() {
            println!("nothing is live for this session yet");
        } else if let Some(n) = &no_links {
            println!("{}", paint(Role::Muted, format!("console links: {n}")));
        }
        for (s, rs) in all {
            println!("step {} {}", s.number(), s);
            for r in rs {
                println!("  {} {}  [{}]", r.kind, r.id, r.state);
                for (k, v) in &r.attributes {
                    println!("      {k:<16} {v}");
                }
                if let Some(u) = &r.console_url {
                    println!("      {:<16} {u}", "console");
                }
            }
        }
    }
}
