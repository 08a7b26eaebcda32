//! Background work. Each function spawns a task that owns what it needs (the
//! connection, with its clients and the engine; the session handle when it
//! writes) and reports with one message; none of them touches the app's state.

use super::msg::{Connection, Msg, SessionRow};
use crate::aws::{AwsContext, AwsOptions};
use crate::engine::Engine;
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
pub fn connect(
    tx: &UnboundedSender<Msg>,
    home: PathBuf,
    opts: AwsOptions,
    use_sandbox: bool,
    pace: Option<sandbox::Pace>,
    engine: &'static dyn Engine,
) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let r = connection(&home, opts, use_sandbox, pace, engine).await;
        let aws = r.as_ref().ok().map(|c| c.aws.clone());
        if let Some(aws) = &aws {
            aws.calls.report_retries_to(progress(&tx));
        }
        let _ = tx.send(Msg::Connected(r.map_err(|e| e.to_string())));
        if let Some(aws) = aws {
            let id = aws.identity().await.cloned().map_err(|e| e.to_string());
            let _ = tx.send(Msg::Identity(id));
        }
    });
}

async fn connection(
    home: &std::path::Path,
    mut opts: AwsOptions,
    use_sandbox: bool,
    pace: Option<sandbox::Pace>,
    engine: &'static dyn Engine,
) -> crate::Result<Connection> {
    let sandbox = if use_sandbox {
        Some(sandbox::connect(home, pace, &mut opts).await?)
    } else {
        None
    };
    let profile = opts.profile.clone();
    let aws = AwsContext::load(&opts).await?;
    Ok(Connection {
        aws: Arc::new(aws),
        sandbox,
        profile,
        engine,
    })
}

/// Looks for deployments of this shape in the account (read-only).
pub fn discover(tx: &UnboundedSender<Msg>, conn: Connection) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let r = crate::discover::discover(&conn.aws).await;
        let _ = tx.send(Msg::Discovered(
            r.map(|f| f.deployments).map_err(|e| e.to_string()),
        ));
    });
}

/// Makes session `name` of a deployment made elsewhere and opens it.
pub fn adopt(
    tx: &UnboundedSender<Msg>,
    home: PathBuf,
    conn: Connection,
    d: crate::discover::Deployment,
    name: String,
) {
    let tx = tx.clone();
    tokio::spawn(async move {
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
        let _ = tx.send(Msg::Opened(
            r.map(|(h, _, _)| Box::new(h)).map_err(|e| e.to_string()),
        ));
    });
}

/// Lists the sessions on disk.
pub fn list_sessions(tx: &UnboundedSender<Msg>, home: PathBuf) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let rows = match Store::new(&home).list() {
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
    });
}

/// Opens (creating) a session, takes its lock and binds it to the account.
/// Opening a session the picker lists never creates it; a new one is written
/// once AWS has answered.
pub fn open(tx: &UnboundedSender<Msg>, home: PathBuf, name: String, conn: Connection) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let r = async {
            let store = Store::new(&home);
            // Lock (a session in use is refused at once), reach AWS, and only
            // then write a new session: an endpoint that never answers leaves
            // no session behind.
            let lock = store.lock_session(&name)?;
            conn.aws.identity().await?;
            let mut h = store.open_locked(lock, &name, &conn.aws.region)?;
            let instance = conn.sandbox.as_ref().map(|s| s.instance.clone());
            conn.engine
                .bind(&conn.aws, &mut h, instance.as_deref(), &progress(&tx))
                .await?;
            Ok::<_, crate::Error>(Box::new(h))
        }
        .await;
        let _ = tx.send(Msg::Opened(r.map_err(|e| e.to_string())));
    });
}

fn progress(tx: &UnboundedSender<Msg>) -> Progress {
    let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let tx = tx.clone();
    tokio::spawn(async move {
        while let Some(e) = prx.recv().await {
            if tx.send(Msg::Progress(e)).is_err() {
                break;
            }
        }
    });
    Progress::new(ptx)
}

/// Applies one step (then checks it) with the handle; gives the handle back.
pub fn apply(
    tx: &UnboundedSender<Msg>,
    conn: Connection,
    mut handle: Box<SessionHandle>,
    inputs: Inputs,
    step: StepId,
) -> JoinHandle<()> {
    let tx = tx.clone();
    tokio::spawn(async move {
        let p = progress(&tx);
        let r = conn
            .engine
            .apply_step(&conn.aws, &mut handle, &inputs, step, &p)
            .await;
        let ask = match &r {
            Err(crate::Error::NeedsConsent { noun, id, what }) => {
                Some(crate::session::Consent::change(noun, id, what))
            }
            _ => None,
        };
        let result = r.map_err(|e| e.to_string());
        let _ = tx.send(Msg::Applied {
            step,
            result,
            ask,
            handle,
        });
    })
}

/// Tears everything down with the handle; gives the handle back.
pub fn teardown(
    tx: &UnboundedSender<Msg>,
    conn: Connection,
    mut handle: Box<SessionHandle>,
    inputs: Inputs,
) -> JoinHandle<()> {
    let tx = tx.clone();
    tokio::spawn(async move {
        let p = progress(&tx);
        let r = conn
            .engine
            .teardown_all(&conn.aws, &mut handle, &inputs, &p)
            .await;
        let _ = tx.send(Msg::TornDown {
            result: r.map_err(|e| e.to_string()),
            handle,
        });
    })
}

/// Waits for a cancelled task to let go, then opens the session again.
pub fn reopen_after(tx: &UnboundedSender<Msg>, task: JoinHandle<()>, home: PathBuf, name: String) {
    task.abort();
    let tx = tx.clone();
    tokio::spawn(async move {
        let _ = task.await;
        let r = Store::new(&home)
            .open_existing(&name)
            .map(Box::new)
            .map_err(|e| e.to_string());
        let _ = tx.send(Msg::Reopened(r));
    });
}

/// Validates steps concurrently (reads only).
pub fn validate(
    tx: &UnboundedSender<Msg>,
    conn: Connection,
    session: Session,
    inputs: Inputs,
    steps: Vec<StepId>,
) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let r = conn
            .engine
            .validate_steps(&conn.aws, &session, &inputs, &steps)
            .await;
        let r = r
            .into_iter()
            .map(|(s, r)| (s, r.map_err(|e| e.to_string())))
            .collect();
        let _ = tx.send(Msg::Validated(r));
    });
}

/// Reads a step's live resources.
pub fn inspect(
    tx: &UnboundedSender<Msg>,
    conn: Connection,
    session: Session,
    inputs: Inputs,
    step: StepId,
) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let r = conn
            .engine
            .inspect(step, &conn.aws, &inputs, &session)
            .await;
        let _ = tx.send(Msg::Inspected(step, r.map_err(|e| e.to_string())));
    });
}

/// Lists existing resources a field may name: execution roles that ECS tasks
/// can assume, or ECS clusters.
pub fn candidates(tx: &UnboundedSender<Msg>, conn: Connection, field: &'static str) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let r = conn.engine.candidates(&conn.aws, field).await;
        let _ = tx.send(Msg::Candidates {
            field,
            result: r.map_err(|e| e.to_string()),
        });
    });
}
