//! `gatewalk doctor`: every deployment of this shape in the region, whoever
//! made it, checked step by step with the same checks as `validate`, run on
//! a session that is never saved.

use super::commands::Ctx;
use super::hints::{Scope, free_name};
use super::output::Printer;
use super::paint::{mark, verdict};
use super::{EXIT_CHECKS, EXIT_ERROR, EXIT_OK};
use crate::discover::examine::{StepSeen, examine, next_step};
use crate::discover::{Deployment, discover};
use crate::error::{Error, Result};
use crate::model::{Check, CheckStatus, InputError, OutputKey, blocking};
use anstream::println;
use serde_json::json;

/// `--vpc`, checked before any call: `vpc-` and 8 or 17 hex digits.
pub(super) fn check_vpc(vpc: Option<&str>) -> Result<Option<String>> {
    let Some(v) = vpc else {
        return Ok(None);
    };
    let hex = v.strip_prefix("vpc-").unwrap_or_default();
    if (hex.len() == 8 || hex.len() == 17) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(Some(v.to_ascii_lowercase()));
    }
    Err(Error::Inputs(vec![InputError {
        step: None,
        field: "--vpc".into(),
        message: format!(
            "`{}` is not a VPC id (vpc- and 8 or 17 hexadecimal digits, e.g. vpc-0abc12345def67890)",
            crate::text::shown(v)
        ),
    }]))
}

/// `gatewalk doctor`.
pub(super) async fn doctor(cx: &Ctx<'_>, vpc: Option<String>, out: Printer) -> Result<u8> {
    cx.first_contact(out).await?;
    let fresh = Scope::of(&free_name(cx.store), cx.sandbox_instance().is_some());
    let mut found = discover(&cx.aws).await?.deployments;
    if let Some(v) = &vpc {
        found.retain(|d| d.vpc == *v);
    }
    if found.is_empty() {
        let where_ = vpc.map_or_else(
            || format!("region {}", cx.aws.region),
            |v| format!("VPC {v}"),
        );
        if out.json() {
            println!("[]");
        } else {
            println!(
                "no deployment of this shape in {where_}: no internal NLB, ECS service or gatewalk \
                 session there. Start one with `{}`.",
                fresh.cmd("apply")
            );
        }
        return Ok(EXIT_OK);
    }
    let mut code = EXIT_OK;
    let mut reports = Vec::new();
    let sessions = cx.store.list()?;
    for d in &found {
        let (seen, notes) = examine(cx.engine, &cx.aws, d).await;
        // A session here that already holds this VPC is where to carry on.
        let here = sessions
            .iter()
            .find(|l| {
                l.session
                    .as_ref()
                    .is_ok_and(|s| s.output(OutputKey::Vpc) == Some(d.vpc.as_str()))
            })
            .map(|l| l.name.clone());

        if seen.iter().any(StepSeen::unchecked) {
            code = EXIT_ERROR;
        } else if code == EXIT_OK && seen.iter().any(StepSeen::failing) {
            code = EXIT_CHECKS;
        }
        reports.push((d, seen, notes, here));
    }
    if out.json() {
        let v: Vec<_> = reports
            .iter()
            .map(|(d, s, n, here)| report_json(d, s, n, here.as_deref()))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        if found.len() > 1 {
            println!("{} deployments found in {}\n", found.len(), cx.aws.region);
        }
        for (d, seen, notes, here) in &reports {
            print_report(d, seen, notes, here.as_deref(), fresh);
        }
    }
    Ok(code)
}

/// `here`: the session on this machine that holds the deployment, if any.
fn report_json(
    d: &Deployment,
    seen: &[StepSeen],
    notes: &[String],
    here: Option<&str>,
) -> serde_json::Value {
    let steps: Vec<_> = seen
        .iter()
        .map(|s| match &s.checks {
            None => json!({ "step": s.step, "present": s.present }),
            Some(Ok(c)) => json!({
                "step": s.step, "present": s.present, "ok": blocking(c).is_empty(), "checks": c
            }),
            Some(Err(e)) => json!({
                "step": s.step, "present": s.present, "ok": false, "error": e.to_string()
            }),
        })
        .collect();
    let mut all_notes = d.notes.clone();
    all_notes.extend(notes.iter().cloned());
    json!({
        "vpc": d.vpc,
        "vpc_name": d.vpc_name,
        "made_by": d.maker,
        "bound": d.bound,
        "inputs": d.settings,
        "steps": steps,
        "next": next_step(seen),
        "session": here,
        "notes": all_notes,
    })
}

/// `fresh`: how printed commands name a new session (one no session here has).
fn print_report(
    d: &Deployment,
    seen: &[StepSeen],
    notes: &[String],
    here: Option<&str>,
    fresh: Scope,
) {
    let name = if d.vpc_name.is_empty() {
        String::new()
    } else {
        format!(" ({})", crate::text::clean(&d.vpc_name))
    };
    println!("deployment in {}{name} — made by {}", d.vpc, d.maker);
    for s in seen {
        let head = format!("step {:>2} {:<18}", s.step.number(), s.step.as_str());
        match &s.checks {
            None => println!("  {} {head} missing", mark(CheckStatus::Skipped)),
            Some(Err(e)) => println!("  {} {head} present, could not check: {e}", verdict(false)),
            Some(Ok(checks)) => print_checks(&head, checks),
        }
    }
    match (next_step(seen), here) {
        (Some(n), Some(name)) => println!(
            "  next: step {} ({}) — session `{name}` holds this deployment: `gatewalk --session {name} apply` carries on",
            n.number(),
            n.title(),
        ),
        (Some(n), None) => println!(
            "  next: step {} ({}) — `{}` makes it a session, then `{}` carries on",
            n.number(),
            n.title(),
            fresh.cmd(&format!("adopt --vpc {}", d.vpc)),
            fresh.cmd("apply"),
        ),
        (None, _) => println!("  all ten steps present and passing"),
    }
    for n in d.notes.iter().chain(notes) {
        println!("  note: {}", crate::text::clean(n));
    }
    println!();
}

fn print_checks(head: &str, checks: &[Check]) {
    let bad = blocking(checks);
    let count = |k: CheckStatus| checks.iter().filter(|c| c.status == k).count();
    if bad.is_empty() {
        let mut extra = String::new();
        if count(CheckStatus::Skipped) > 0 {
            extra = format!(", {} could not run here", count(CheckStatus::Skipped));
        }
        println!(
            "  {} {head} present, {} checks pass{extra}",
            verdict(true),
            count(CheckStatus::Pass)
        );
    } else if bad.iter().all(|c| c.status == CheckStatus::Pending) {
        println!(
            "  {} {head} present, {} of {} checks still waiting for AWS (run doctor again in a minute)",
            mark(CheckStatus::Pending),
            bad.len(),
            checks.len()
        );
    } else {
        println!(
            "  {} {head} present, {} of {} checks fail",
            verdict(false),
            bad.len(),
            checks.len()
        );
    }
    for c in checks.iter().filter(|c| c.status != CheckStatus::Pass) {
        println!("      {} {}: {}", mark(c.status), c.name, c.observed);
        if let Some(f) = &c.fix {
            println!("        fix: {}", f.for_cli());
        }
    }
}
