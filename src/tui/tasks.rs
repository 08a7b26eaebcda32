//! Background work: one async function per command, each owning what it
//! needs (the connection, with its clients and the engine; the session
//! handle when it writes) and reporting with one message that carries the
//! request it answers. None of them touches the app's state; the
//! [`Runner`](super::cmd::Runner) spawns them.

use super::cmd::Setup;
use super::msg::{Connection, Msg, Req, SessionRow};
use crate::aws::AwsContext;
use crate::discover::Deployment;
use crate::inputs::Inputs;
use crate::model::StepId;
use crate::progress::{Event, Progress};
use crate::sandbox;
use crate::session::{Session, SessionHandle, Store};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// Sets up clients (starting the sandbox when asked), then reads the identity.
pub async fn connect(tx: UnboundedSender<Msg>, s: Setup, (use_sandbox, epoch): (bool, u64)) {
    let r = connection(s, use_sandbox).await;
    let aws = r.as_ref().ok().map(|c| c.aws.clone());
    if let Some(aws) = &aws {
        aws.calls.report_retries_to(progress(&tx, None));
    }
    let _ = tx.send(Msg::Connected(epoch, r));
    if let Some(aws) = aws {
        let id = aws.identity().await.cloned();
        let _ = tx.send(Msg::Identity(epoch, id));
    }
}

async fn connection(s: Setup, use_sandbox: bool) -> crate::Result<Connection> {
    let mut opts = s.opts;
    let sandbox = if use_sandbox {
        Some(sandbox::connect(&s.home, s.pace, &mut opts).await?)
    } else {
        None
    };
    let profile = opts.profile.clone();
    let aws = AwsContext::load(&opts).await?;
    Ok(Connection {
        aws: Arc::new(aws),
        sandbox,
        profile,
        engine: s.engine,
    })
}

/// Looks for deployments of this shape in the account (read-only).
pub async fn discover(tx: UnboundedSender<Msg>, req: Req, conn: Connection) {
    let r = crate::discover::discover(&conn.aws).await;
    let _ = tx.send(Msg::Discovered(req, r.map(|f| f.deployments)));
}

/// Makes session `name` of a deployment made elsewhere and opens it.
pub async fn adopt(
    tx: UnboundedSender<Msg>,
    req: Req,
    home: PathBuf,
    conn: Connection,
    (d, name): (Deployment, String),
) {
    let store = Store::new(&home);
    let instance = conn.sandbox.as_ref().map(|s| s.instance.clone());
    let r = crate::discover::examine::adopt(
        conn.engine,
        &conn.aws,
        &store,
        (&d, &name),
        instance.as_deref(),
    )
    .await;
    let _ = tx.send(Msg::Opened(req, r.map(|(h, _, _)| Box::new(h))));
    list_sessions(&tx, &home);
}

/// Lists the sessions on disk.
pub fn list_sessions(tx: &UnboundedSender<Msg>, home: &std::path::Path) {
    let rows = match Store::new(home).list() {
        Ok(list) => list
            .into_iter()
            .map(|l| SessionRow {
                name: l.name,
                session: l.session.map_err(|e| e.to_string()),
            })
            .collect(),
        Err(e) => vec![SessionRow {
            name: "(sessions)".into(),
            session: Err(e.to_string()),
        }],
    };
    let _ = tx.send(Msg::Sessions(rows));
}

/// Opens (creating) a session, takes its lock and binds it to the account.
/// Opening a session the picker lists never creates it; a new one is written
/// once AWS has answered.
pub async fn open(tx: UnboundedSender<Msg>, req: Req, s: Setup, conn: Connection, name: String) {
    let r = async {
        let store = Store::new(&s.home);
        // Lock (a session in use is refused at once), reach AWS, and only
        // then write a new session: an endpoint that never answers leaves
        // no session behind.
        let lock = store.lock_session(&name)?;
        conn.aws.identity().await?;
        let mut h = store.open_locked(lock, &name, &conn.aws.region)?;
        let instance = conn.sandbox.as_ref().map(|s| s.instance.clone());
        conn.engine
            .bind(
                &conn.aws,
                &mut h,
                instance.as_deref(),
                &progress(&tx, Some(req)),
            )
            .await?;
        Ok::<_, crate::Error>(Box::new(h))
    }
    .await;
    let _ = tx.send(Msg::Opened(req, r));
}

/// Runs `work` with a progress handle whose events come back as messages
/// for `req` — every one of them before this returns — and collects what
/// they say was created, changed or deleted.
async fn with_progress<T>(
    tx: &UnboundedSender<Msg>,
    req: Req,
    work: impl AsyncFnOnce(&Progress) -> T,
) -> (T, Vec<Event>) {
    let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let p = Progress::new(ptx);
    let mut changes = Vec::new();
    let pass = |e: Event, changes: &mut Vec<Event>| {
        if matches!(
            e,
            Event::Created { .. } | Event::Changed { .. } | Event::Deleted { .. }
        ) {
            changes.push(e.clone());
        }
        let _ = tx.send(Msg::Progress(Some(req), e));
    };
    let out = {
        let fut = work(&p);
        tokio::pin!(fut);
        loop {
            tokio::select! {
                out = &mut fut => break out,
                Some(e) = prx.recv() => pass(e, &mut changes),
            }
        }
    };
    drop(p);
    while let Ok(e) = prx.try_recv() {
        pass(e, &mut changes);
    }
    (out, changes)
}

/// A progress handle whose events come back as messages for `req`.
fn progress(tx: &UnboundedSender<Msg>, req: Option<Req>) -> Progress {
    let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let tx = tx.clone();
    tokio::spawn(async move {
        while let Some(e) = prx.recv().await {
            if tx.send(Msg::Progress(req, e)).is_err() {
                break;
            }
        }
    });
    Progress::new(ptx)
}

/// Applies one step (then checks it) with the handle; gives the handle back.
pub async fn apply(
    tx: UnboundedSender<Msg>,
    req: Req,
    conn: Connection,
    mut handle: Box<SessionHandle>,
    inputs: Inputs,
    step: StepId,
) {
    let (result, changes) = with_progress(&tx, req, async |p: &Progress| {
        conn.engine
            .apply_step(&conn.aws, &mut handle, &inputs, step, p)
            .await
    })
    .await;
    let _ = tx.send(Msg::Applied {
        req,
        step,
        result,
        handle,
        changes,
    });
}

/// Tears everything down with the handle; gives the handle back.
pub async fn teardown(
    tx: UnboundedSender<Msg>,
    req: Req,
    conn: Connection,
    mut handle: Box<SessionHandle>,
    inputs: Inputs,
) {
    let (result, changes) = with_progress(&tx, req, async |p: &Progress| {
        conn.engine
            .teardown_all(&conn.aws, &mut handle, &inputs, p)
            .await
    })
    .await;
    let _ = tx.send(Msg::TornDown {
        req,
        result,
        handle,
        changes,
    });
}

/// Waits for a cancelled task to let go, then opens the session again.
pub async fn reopen_after(
    tx: UnboundedSender<Msg>,
    req: Req,
    task: JoinHandle<()>,
    home: PathBuf,
    name: String,
) {
    let _ = task.await;
    let r = Store::new(&home).open_existing(&name).map(Box::new);
    let _ = tx.send(Msg::Reopened(req, r));
}

/// Validates steps concurrently (reads only).
pub async fn validate(
    tx: UnboundedSender<Msg>,
    req: Req,
    conn: Connection,
    (session, inputs): (Session, Inputs),
    steps: Vec<StepId>,
) {
    let r = conn
        .engine
        .validate_steps(&conn.aws, &session, &inputs, &steps)
        .await;
    let diagnose = super::diagnosis::wanted(&r);
    let _ = tx.send(Msg::Validated(req, r));
    if diagnose {
        let d = super::diagnosis::read(&conn, &session, &inputs).await;
        let _ = tx.send(Msg::Diagnosed(req, Box::new(d)));
    }
}

/// Reads a step's live resources.
pub async fn inspect(
    tx: UnboundedSender<Msg>,
    req: Req,
    conn: Connection,
    (session, inputs): (Session, Inputs),
    step: StepId,
) {
    let r = conn
        .engine
        .inspect(step, &conn.aws, &inputs, &session)
        .await;
    let _ = tx.send(Msg::Inspected(req, step, r));
}

/// Lists existing resources a field may name: execution roles that ECS tasks
/// can assume, or ECS clusters.
pub async fn candidates(tx: UnboundedSender<Msg>, req: Req, conn: Connection, field: &'static str) {
    let result = conn.engine.candidates(&conn.aws, field).await;
    let _ = tx.send(Msg::Candidates { req, field, result });
}
