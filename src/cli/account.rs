//! The account-wide commands, for one training account shared by many
//! people: `sessions --account` lists every gatewalk session in the account
//! and region from its tags (no session files), `teardown --all-sessions`
//! removes them all after the account id is typed.

use super::commands::Ctx;
use super::output::{Printer, print_json, print_line};
use super::{EXIT_ERROR, EXIT_OK};
use crate::discover::account::{AccountSession, sessions};
use crate::error::{Error, Result};
use crate::session::{SessionHandle, Store};
use anstream::{eprint, eprintln, println};
use serde_json::json;
use std::path::Path;

/// One session as JSON: name, id, progress, failing checks, cost, resources.
pub(crate) fn session_json(s: &AccountSession) -> serde_json::Value {
    json!({
        "name": s.name,
        "session_id": s.session_id,
        "vpc": s.vpc,
        "steps_done": s.done(),
        "done": s.done().len(),
        "of": 10,
        "current_step": s.current(),
        "failing": s.failing().iter().map(|(step, name)| json!({"step": step, "check": name})).collect::<Vec<_>>(),
        "unchecked": s.unchecked().iter().map(|(step, why)| json!({"step": step, "why": why})).collect::<Vec<_>>(),
        "per_hour": s.per_hour(),
        "cost": s.cost,
        "resources": s.resources,
    })
}

/// The text lines listing sessions: one per session, then the total.
fn table(list: &[AccountSession]) -> Vec<String> {
    let mut out = vec![format!(
        "{:<24} {:<17} {:>8}  {:<20} {:>9}  RESOURCES",
        "SESSION", "SESSION-ID", "PROGRESS", "NEXT", "$/HOUR"
    )];
    for s in list {
        out.push(format!(
            "{:<24} {:<17} {:>8}  {:<20} {:>9}  {}",
            s.name,
            s.session_id.as_deref().unwrap_or("-"),
            format!("{}/10", s.done().len()),
            s.current()
                .map_or_else(|| "(all done)".to_string(), |st| st.to_string()),
            format!("{:.4}", s.per_hour()),
            s.resources.len()
        ));
    }
    let total = list.iter().fold(0.0, |t, s| t + s.per_hour());
    out.push(format!(
        "{} session(s); together ${total:.4} an hour, about ${:.0} a month",
        list.len(),
        total * crate::summary::cost::HOURS_PER_MONTH
    ));
    out
}

/// `gatewalk sessions --account`.
pub(super) async fn list(cx: &Ctx<'_>, out: Printer) -> Result<u8> {
    cx.first_contact(out).await?;
    let account = cx.aws.identity().await?.account.clone();
    let found = sessions(cx.engine, &cx.aws).await?;
    if out.json() {
        let v: Vec<_> = found.iter().map(session_json).collect();
        print_json(&json!({ "account": account, "region": cx.aws.region, "sessions": v }));
        return Ok(EXIT_OK);
    }
    if found.is_empty() {
        println!(
            "no gatewalk session has resources in account {account}, region {}",
            cx.aws.region
        );
        return Ok(EXIT_OK);
    }
    println!("account {account}, region {}:", cx.aws.region);
    for l in table(&found) {
        println!("{l}");
    }
    for s in &found {
        for (step, check) in s.failing() {
            println!("  {}: {step}: failing: {check}", s.name);
        }
        for (step, why) in s.unchecked() {
            println!("  {}: {step}: not checked: {why}", s.name);
        }
    }
    Ok(EXIT_OK)
}

/// `gatewalk teardown --all-sessions`: lists each session with what it
/// costs, asks for the account id (typed, or piped by a script that knows
/// it — never skipped), then tears each down as its own session would.
pub(super) async fn teardown_all(cx: &Ctx<'_>, home: &Path, out: Printer) -> Result<u8> {
    cx.first_contact(out).await?;
    let account = cx.aws.identity().await?.account.clone();
    let found = sessions(cx.engine, &cx.aws).await?;
    if found.is_empty() {
        out.note(&format!(
            "nothing to remove: no gatewalk session has resources in account {account}, region {}",
            cx.aws.region
        ));
        if out.json() {
            print_line(&json!({ "event": "result", "account": account, "sessions": [] }));
        }
        return Ok(EXIT_OK);
    }
    eprintln!(
        "teardown --all-sessions removes every resource of these {} session(s) in account {account}, region {}:",
        found.len(),
        cx.aws.region
    );
    for l in table(&found) {
        eprintln!("  {l}");
    }
    confirm(&account)?;
    let mut results = Vec::new();
    let mut code = EXIT_OK;
    for s in &found {
        if let Err(e) = crate::session::validate_name(&s.name) {
            // Tagged by hand, not by gatewalk: a session file cannot hold it.
            out.note(&format!(
                "left alone: {e}; remove its resources in the console"
            ));
            code = EXIT_ERROR;
            results.push((s.name.clone(), s.resources.clone()));
            continue;
        }
        let left = one(cx, home, &account, s, out).await?;
        if !left.is_empty() {
            code = EXIT_ERROR;
        }
        results.push((s.name.clone(), left));
    }
    if out.json() {
        let v: Vec<_> = results
            .iter()
            .map(|(n, left)| json!({ "session": n, "remaining": left }))
            .collect();
        print_line(&json!({ "event": "result", "account": account, "sessions": v }));
    } else {
        for (n, left) in &results {
            if left.is_empty() {
                println!("{n}: nothing tagged gatewalk:session={n} remains");
            } else {
                println!("{n}: still there:");
                for t in left {
                    println!("  {} {}", t.kind, t.id);
                }
            }
        }
    }
    Ok(code)
}

/// Tears one session down: with its own session file when this home has
/// it (same name and id), else with a record made for the purpose in
/// `<home>/account/<account>-<region>/`, removed once nothing is left.
async fn one(
    cx: &Ctx<'_>,
    home: &Path,
    account: &str,
    s: &AccountSession,
    out: Printer,
) -> Result<Vec<crate::aws::find::Tagged>> {
    let own = cx.store.exists(&s.name)
        && cx
            .store
            .load(&s.name)
            .is_ok_and(|l| l.id == s.session_id && l.region == cx.aws.region);
    let spare = Store::new(
        &home
            .join("account")
            .join(format!("{account}-{}", cx.aws.region)),
    );
    let store = if own { cx.store } else { &spare };
    let mut h: SessionHandle = store.open(&s.name, &cx.aws.region)?;
    if !own {
        // Found by its tags: its ids recorded as the session's own, so each
        // step's teardown knows them. Each is still deleted only when it
        // carries this session's tags.
        let rec = h.session_mut();
        rec.id.clone_from(&s.session_id);
        for (k, id) in &s.bound {
            rec.step_mut(k.step())
                .outputs
                .insert(k.as_str().to_string(), id.clone());
        }
    }
    h.save()?;
    let inputs = super::commands::resolve(h.session(), &[])?;
    out.note(&format!("tearing down session `{}`", s.name));
    let left = super::deploy::tear_down(cx, &mut h, &inputs, out).await?;
    if left.is_empty() && !own {
        drop(h);
        store.delete(&s.name)?;
    }
    Ok(left)
}

/// Asks for the account id: from the terminal, or from a pipe.
fn confirm(account: &str) -> Result<()> {
    eprint!("Type the account id ({account}) to delete them all: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::Config(format!("could not read the confirmation: {e}")))?;
    if line.trim() == account {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "teardown cancelled: the account id did not match (type {account} to remove the sessions above); nothing was deleted"
        )))
    }
}
