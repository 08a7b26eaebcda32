//! The commands that work on one session's deployment through the engine:
//! plan, inputs, apply, validate, inspect and teardown.

use super::commands::{Ctx, resolve};
use super::output::Printer;
use super::{EXIT_CHECKS, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK};
use crate::aws::AwsContext;
use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::model::{Change, ChangeAction, StepId, blocking};
use crate::progress::Progress;
use crate::session::{Consent, Session, SessionHandle, StepStatus};
use anstream::{eprint, eprintln};
use std::io::IsTerminal;

/// `gatewalk plan`: the changes apply would make. A session with resources
/// of yours (bound by `adopt`) is also checked live, read-only: each failing
/// check of a step that holds one is a `~ change your …` apply makes only
/// with `--yes`.
pub(super) async fn plan(cx: &Ctx<'_>, step: Option<StepId>, out: Printer) -> Result<u8> {
    let session = cx.provisional()?;
    let inputs = resolve(&session, &cx.overrides)?;
    let steps = chosen(step);
    let mut plans = Vec::new();
    for s in &steps {
        plans.push((*s, cx.engine.plan(*s, &inputs, &session)?));
    }
    let holding: Vec<StepId> = steps
        .iter()
        .copied()
        .filter(|s| session.yours().iter().any(|(k, _)| k.step() == *s))
        // A step not begun has nothing of yours to repair; its plan says
        // what it will change.
        .filter(|s| session.status(*s) != StepStatus::NotStarted)
        .collect();
    if !holding.is_empty() {
        cx.first_contact(out).await?;
        check_account(&cx.aws, &session).await?;
        let live = cx
            .engine
            .validate_steps(&cx.aws, &session, &inputs, &holding)
            .await;
        for (s, r) in live {
            let Some((_, changes)) = plans.iter_mut().find(|(p, _)| *p == s) else {
                continue;
            };
            for c in blocking(&r?) {
                changes.push(Change {
                    action: ChangeAction::ChangeYours,
                    resource: format!("resource so that {} (now: {})", c.name, c.observed),
                    cli: c
                        .fix
                        .as_ref()
                        .map(crate::model::Fix::for_cli)
                        .unwrap_or_default(),
                });
            }
        }
    }
    out.plan(&plans);
    Ok(EXIT_OK)
}

/// `gatewalk inputs`: each step's inputs, saved first when `--set`/`--inputs`
/// change them.
pub(super) fn inputs(cx: &Ctx<'_>, step: Option<StepId>, out: Printer) -> Result<u8> {
    let steps = chosen(step);
    let session = if cx.overrides.is_empty() && cx.binds.is_empty() {
        cx.provisional()?
    } else {
        // Validate first, so bad input never creates a session file.
        resolve(&cx.provisional()?, &cx.overrides)?;
        let mut h = cx.open()?;
        cx.rebind(h.session_mut())?;
        let inputs = resolve(h.session(), &cx.overrides)?;
        inputs.store_in(h.session_mut());
        h.save()?;
        out.note(&format!("saved in session `{}`", cx.name));
        h.session().clone()
    };
    let inputs = resolve(&session, &[])?;
    out.inputs(&steps, &session, &inputs, &Inputs::defaults(&session.name));
    Ok(EXIT_OK)
}

/// `gatewalk apply`: every step through `through`, checking each.
pub(super) async fn apply(cx: &Ctx<'_>, through: StepId, yes: bool, out: Printer) -> Result<u8> {
    resolve(&cx.provisional()?, &cx.overrides)?;
    // Lock first (a session in use is refused before any call), then
    // reach AWS before a new session file is written: an endpoint
    // that does not answer leaves no session behind.
    let lock = cx.store.lock_session(&cx.name)?;
    cx.first_contact(out).await?;
    let mut h = cx.store.open_locked(lock, &cx.name, &cx.aws.region)?;
    took_over(&h, out);
    h.set_consent(Consent {
        change_yours: yes,
        ..Consent::default()
    });
    cx.rebind(h.session_mut())?;
    h.save()?;
    let inputs = resolve(h.session(), &cx.overrides)?;
    let (progress, printer) = out.progress();
    cx.aws.calls.report_retries_to(progress.clone());
    let r = interruptible(&cx.name, async {
        cx.engine
            .bind(&cx.aws, &mut h, cx.sandbox_instance(), &progress)
            .await?;
        cx.engine
            .apply_through(&cx.aws, &mut h, &inputs, through, &progress)
            .await
    })
    .await;
    cx.aws.calls.stop_reporting();
    drop(progress);
    let changes = printer.await.unwrap_or_default();
    let results = r?;
    out.applied(h.session(), &results, &changes);
    Ok(EXIT_OK)
}

/// `gatewalk validate`: the live account checked against each applied step.
pub(super) async fn validate(cx: &Ctx<'_>, step: Option<StepId>, out: Printer) -> Result<u8> {
    let mut h = cx.open_existing()?;
    let inputs = resolve(h.session(), &[])?;
    cx.first_contact(out).await?;
    cx.engine
        .bind(&cx.aws, &mut h, cx.sandbox_instance(), &Progress::silent())
        .await?;
    let steps: Vec<StepId> = match step {
        Some(s) => vec![s],
        None => StepId::ALL
            .into_iter()
            .filter(|s| h.session().status(*s) != StepStatus::NotStarted)
            .collect(),
    };
    if steps.is_empty() {
        out.note("nothing has been applied in this session yet; run `gatewalk apply`");
        out.checks(&[]); // JSON: an empty list, so stdout is JSON whatever happens
        return Ok(EXIT_OK);
    }
    let results = cx
        .engine
        .validate_steps(&cx.aws, h.session(), &inputs, &steps)
        .await;
    let mut failed = false;
    for (s, r) in &results {
        match r {
            Ok(checks) => {
                h.session_mut().record_checks(*s, checks);
                failed |= !blocking(checks).is_empty();
            }
            Err(_) => failed = true,
        }
    }
    h.save()?;
    out.checks(&results);
    if !out.json() && crate::tui::diagnosis::wanted(&results) {
        out.note(&format!(
            "what the container wrote and why its tasks stopped: `{}`",
            out.cmd("logs")
        ));
    }
    Ok(if failed { EXIT_CHECKS } else { EXIT_OK })
}

/// `gatewalk inspect`: each step's live resources.
pub(super) async fn inspect(cx: &Ctx<'_>, step: Option<StepId>, out: Printer) -> Result<u8> {
    let session = cx.store.load(&cx.name)?;
    cx.first_contact(out).await?;
    check_account(&cx.aws, &session).await?;
    let inputs = resolve(&session, &[])?;
    let steps: Vec<StepId> = match step {
        Some(s) => vec![s],
        None => StepId::ALL
            .into_iter()
            .filter(|s| !session.step(*s).outputs.is_empty())
            .collect(),
    };
    let mut all = Vec::new();
    for s in steps {
        all.push((s, cx.engine.inspect(s, &cx.aws, &inputs, &session).await?));
    }
    let emulated = match (cx.sandbox_instance(), &cx.aws.endpoint_url) {
        (Some(_), _) => Some("the local sandbox (an emulator)".to_string()),
        (None, Some(e)) => Some(format!("the emulator at {e}")),
        (None, None) => None,
    };
    out.resources(&all, emulated.as_deref());
    Ok(EXIT_OK)
}

/// `gatewalk teardown`: everything the session created, deleted.
pub(super) async fn teardown(
    cx: &Ctx<'_>,
    yes: bool,
    include_yours: bool,
    out: Printer,
) -> Result<u8> {
    if include_yours {
        // Listed from the file before anything is asked or called.
        let s = cx.store.load(&cx.name)?;
        confirm_yours(&s)?;
    } else if !yes {
        confirm(&cx.name)?;
    }
    let mut h = cx.open_existing()?;
    took_over(&h, out);
    h.set_consent(Consent {
        delete_yours: include_yours,
        ..Consent::default()
    });
    let inputs = resolve(h.session(), &[])?;
    cx.first_contact(out).await?;
    let left = tear_down(cx, &mut h, &inputs, out).await?;
    out.torn_down(h.session(), &left);
    Ok(if left.is_empty() { EXIT_OK } else { EXIT_ERROR })
}

/// Binds the session to the account and tears every step down, printing
/// progress as it goes; stops at Ctrl-C. Returns what still carries the
/// session's tags.
pub(super) async fn tear_down(
    cx: &Ctx<'_>,
    h: &mut SessionHandle,
    inputs: &crate::inputs::Inputs,
    out: Printer,
) -> Result<Vec<crate::aws::find::Tagged>> {
    let (progress, printer) = out.progress();
    cx.aws.calls.report_retries_to(progress.clone());
    let name = h.session().name.clone();
    let r = interruptible(&name, async {
        cx.engine
            .bind(&cx.aws, h, cx.sandbox_instance(), &progress)
            .await?;
        cx.engine.teardown_all(&cx.aws, h, inputs, &progress).await
    })
    .await;
    cx.aws.calls.stop_reporting();
    drop(progress);
    let _ = printer.await;
    r
}

/// Runs `work` until it ends or Ctrl-C / SIGTERM arrives. On a signal the
/// work is dropped at the await it is in: every id is recorded the moment it
/// exists and every save is atomic, so that is a safe point, and the next run
/// finds what the interrupted call may have created by its tags. A second
/// signal while gatewalk finishes up quits at once.
async fn interruptible<T>(
    session: &str,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    tokio::select! {
        r = work => r,
        signal = crate::signals::interrupt() => {
            tracing::warn!(signal, "interrupted");
            tokio::spawn(async {
                let _ = tokio::signal::ctrl_c().await;
                std::process::exit(EXIT_INTERRUPTED.into());
            });
            Err(Error::Interrupted { signal, session: session.to_string() })
        }
    }
}

fn took_over(h: &SessionHandle, out: Printer) {
    if let Some(pid) = h.took_over_from() {
        out.note(&format!(
            "gatewalk: session `{}` was left by a run that stopped before finishing (pid {pid}); continuing from where it stopped",
            h.session().name
        ));
    }
}

/// Lists the resources of yours a `teardown --include-yours` would remove,
/// then asks for the session name — from the terminal, or from a pipe (a
/// script that knows the name): never skipped by --yes.
fn confirm_yours(s: &Session) -> Result<()> {
    let yours = s.yours();
    eprintln!(
        "teardown --include-yours removes everything of session `{}`, and these resources of yours:",
        s.name
    );
    if yours.is_empty() {
        eprintln!("  (none are bound to the session)");
    }
    for (k, id) in &yours {
        eprintln!("  {:<26} {id}", k.noun());
    }
    eprint!("Type the session name to confirm: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::Config(format!("could not read the confirmation: {e}")))?;
    if line.trim() == s.name {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "teardown cancelled: the name did not match (type `{}` to remove the resources above)",
            s.name
        )))
    }
}

/// Asks for the session name to be typed, as a guard against tearing down the
/// wrong deployment.
fn confirm(name: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Config(
            "teardown deletes every resource of the session; pass --yes to confirm when not running in a terminal".into(),
        ));
    }
    eprint!(
        "This deletes every AWS resource of session `{name}`. Type the session name to confirm: "
    );
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::Config(format!("could not read the confirmation: {e}")))?;
    if line.trim() == name {
        Ok(())
    } else {
        Err(Error::Config(
            "teardown cancelled: the name did not match".into(),
        ))
    }
}

fn chosen(step: Option<StepId>) -> Vec<StepId> {
    match step {
        Some(s) => vec![s],
        None => StepId::ALL.into_iter().collect(),
    }
}

pub(super) async fn check_account(aws: &AwsContext, s: &Session) -> Result<()> {
    let actual = &aws.identity().await?.account;
    match &s.account_id {
        Some(a) if a != actual => Err(Error::WrongAccount {
            session: s.name.clone(),
            expected: a.clone(),
            actual: actual.clone(),
        }),
        _ => Ok(()),
    }
}
