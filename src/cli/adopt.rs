//! `gatewalk adopt`: a deployment made elsewhere becomes a session. Its
//! resources are bound to the steps' output keys as yours (never deleted,
//! changed only when you agree), its inputs read back from what exists, and
//! each step that is present is checked, so `apply` carries on from the
//! first one missing or failing.

use super::commands::{Ctx, DEFAULT_SESSION};
use super::hints::Scope;
use super::output::Printer;
use super::{Args, EXIT_OK};
use crate::discover::examine::{StepSeen, next_step};
use crate::discover::{Deployment, Maker, discover};
use crate::error::{Error, Result};
use crate::model::{InputError, OutputKey, blocking};
use crate::session::Store;
use anstream::{eprint, println};
use serde_json::json;
use std::io::IsTerminal;

/// One `--bind OUTPUT=ID` (`None`: bind nothing).
pub(super) type Bind = (OutputKey, Option<String>);

/// Reads every `--bind`, before any call.
pub(super) fn parse_binds(raw: &[String]) -> Result<Vec<Bind>> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for b in raw {
        let bad = |m: String| InputError {
            step: None,
            field: "--bind".into(),
            message: m,
        };
        let Some((k, id)) = b.split_once('=') else {
            errs.push(bad(format!("`{}` is not OUTPUT=ID", crate::text::shown(b))));
            continue;
        };
        let resources: Vec<&str> = OutputKey::ALL
            .iter()
            .filter(|k| k.is_resource())
            .map(|k| k.as_str())
            .collect();
        match OutputKey::parse(k.trim()).filter(|k| k.is_resource()) {
            None => errs.push(bad(format!(
                "`{}` is not a resource a step records; use one of {}",
                crate::text::shown(k),
                resources.join(", ")
            ))),
            Some(_) if id.trim().is_empty() || crate::text::control_char(id).is_some() => {
                errs.push(bad(format!(
                    "`{}` needs an id after `=` (or `none`)",
                    crate::text::shown(b)
                )));
            }
            Some(key) => out.push((key, (id.trim() != "none").then(|| id.trim().to_string()))),
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(Error::Inputs(errs))
    }
}

/// The new session's name: `--session`, else `demo`; one that exists is
/// refused (adopt never writes over a session).
pub(super) fn session_for(args: &Args, store: &Store) -> Result<String> {
    let name = args
        .session
        .clone()
        .unwrap_or_else(|| DEFAULT_SESSION.into());
    crate::session::validate_name(&name).map_err(Error::Session)?;
    if store.exists(&name) {
        return Err(Error::Session(format!(
            "session `{name}` exists already; adopt makes a new session: choose another name \
             with --session NAME"
        )));
    }
    Ok(name)
}

/// The deployment to adopt: the one `--vpc` names, else the only one.
/// `start`: the command that starts a deployment instead, for when there is none.
fn choose(
    found: Vec<Deployment>,
    vpc: Option<&str>,
    region: &str,
    start: &str,
) -> Result<Deployment> {
    let listed = |f: &[Deployment]| {
        f.iter()
            .map(|d| format!("{} ({})", d.vpc, d.maker))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let all = listed(&found);
    let mut found = found;
    if let Some(v) = vpc {
        found.retain(|d| d.vpc == v);
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 if vpc.is_some() => Err(Error::Config(format!(
            "no deployment of this shape in {}; found: {}",
            vpc.unwrap_or_default(),
            if all.is_empty() { "none".into() } else { all }
        ))),
        0 => Err(Error::Config(format!(
            "no deployment of this shape in {region}: nothing to adopt. Start one with `{start}`"
        ))),
        _ => Err(Error::Config(format!(
            "{} deployments found: {all}; pick one with --vpc VPC_ID (`gatewalk doctor` shows them)",
            found.len()
        ))),
    }
}

/// `gatewalk adopt`.
pub(super) async fn adopt(
    cx: &Ctx<'_>,
    vpc: Option<String>,
    binds: &[Bind],
    yes: bool,
    out: Printer,
) -> Result<u8> {
    if !yes && (!std::io::stdin().is_terminal() || out.json()) {
        return Err(Error::Config(
            "adopt asks before it makes a session; pass --yes when not running in a terminal"
                .into(),
        ));
    }
    cx.first_contact(out).await?;
    let found = discover(&cx.aws).await?;
    let start = Scope::of(&cx.name, cx.sandbox_instance().is_some()).cmd("apply");
    let mut d = choose(
        found.deployments.clone(),
        vpc.as_deref(),
        &cx.aws.region,
        &start,
    )?;
    if let Maker::Gatewalk(s) = &d.maker
        && cx.store.exists(s)
    {
        return Err(Error::Session(format!(
            "this deployment is gatewalk session `{s}`, which is here: continue it with --session {s}"
        )));
    }
    for (k, id) in binds {
        found.rebind(&mut d, *k, id.as_deref());
    }
    if !out.json() {
        print_bindings(&d, &cx.name);
    }
    if !yes && !ask(&format!("Make this session `{}`? [y/N] ", cx.name))? {
        out.note("nothing was adopted");
        return Ok(EXIT_OK);
    }
    let (_h, seen, notes) = crate::discover::examine::adopt(
        cx.engine,
        &cx.aws,
        cx.store,
        (&d, &cx.name),
        cx.sandbox_instance(),
    )
    .await?;
    report(&d, &seen, &notes, &cx.name, out);
    Ok(EXIT_OK)
}

fn ask(q: &str) -> Result<bool> {
    eprint!("{q}");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::Config(format!("could not read the answer: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

fn print_bindings(d: &Deployment, name: &str) {
    println!("deployment in {} — made by {}", d.vpc, d.maker);
    println!(
        "session `{name}` will bind these resources as yours (never deleted, changed only when you agree):"
    );
    for (k, id) in d.resources() {
        println!("  step {:>2} {:<26} {id}", k.step().number(), k.noun());
    }
    println!(
        "change one with --bind OUTPUT=ID (e.g. --bind {}=ID)\n",
        OutputKey::PrivateSubnet
    );
}

fn report(d: &Deployment, seen: &[StepSeen], notes: &[String], name: &str, out: Printer) {
    let next = next_step(seen);
    if out.json() {
        let steps: Vec<_> = seen
            .iter()
            .map(|s| {
                let ok = matches!(&s.checks, Some(Ok(c)) if blocking(c).is_empty());
                json!({ "step": s.step, "present": s.present, "ok": ok })
            })
            .collect();
        let v = json!({
            "session": name, "vpc": d.vpc, "bound": d.bound, "steps": steps,
            "next": next, "notes": notes,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    let present = seen.iter().filter(|s| s.present).count();
    println!(
        "session `{name}` adopted: {} resources bound as yours; {present} of 10 steps present",
        d.resources().count()
    );
    for n in d.notes.iter().chain(notes) {
        println!("  note: {}", crate::text::clean(n));
    }
    match next {
        Some(n) => println!(
            "next: step {} ({}) — `gatewalk --session {name} apply` carries on from there",
            n.number(),
            n.title()
        ),
        None => println!("all ten steps present and passing"),
    }
}
