//! What each subcommand does: set up the session and AWS context, call the
//! engine (the session's commands are in [`super::deploy`]), hand results to
//! [`super::output`].

use super::hints::Scope;
use super::output::Printer;
use super::{
    Args, Command, EXIT_ERROR, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, InputArgs, SandboxAction,
    SessionsAction,
};
use super::{account, adopt, deploy, doctor};
use crate::aws::{AwsContext, AwsOptions};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::inputs::{Inputs, Override, parse_file, parse_set};
use crate::model::{InputError, StepId};
use crate::sandbox::{self, SandboxState};
use crate::session::store::home_dir;
use crate::session::{Session, SessionHandle, Store};
use anstream::eprintln;
use std::io::IsTerminal;
use std::path::Path;

/// Session name used when there is no session yet and none was named.
pub const DEFAULT_SESSION: &str = "demo";

pub(super) async fn dispatch(args: Args, engine: &'static dyn Engine) -> u8 {
    let mut out = Printer::new(args.output).scoped(scope(&args));
    if matches!(
        args.command,
        Some(Command::Apply { .. } | Command::Teardown { .. })
    ) {
        out = out.in_lines();
    }
    match Box::pin(run(&args, out, engine)).await {
        Ok(code) => code,
        Err(e) => {
            out.error(&e);
            exit_code(&e)
        }
    }
}

/// How the commands this run prints name its session: always by name (and
/// `--sandbox` for a session there) when the command acts on one session, so
/// a printed command works as printed even when several sessions exist
/// (docs/decisions.md, Issue 14). Best effort: a session that cannot be
/// named here is refused by the command itself.
fn scope(args: &Args) -> Scope {
    let about_one = matches!(
        args.command,
        Some(
            Command::Status
                | Command::Plan { .. }
                | Command::Inputs { .. }
                | Command::Apply { .. }
                | Command::Validate { .. }
                | Command::Inspect { .. }
                | Command::Logs { .. }
                | Command::Teardown { .. }
        )
    );
    let Some(store) = about_one
        .then(home_dir)
        .and_then(Result::ok)
        .map(|h| Store::new(&h))
    else {
        return Scope::default();
    };
    let Ok(name) = session_name(args, &store) else {
        return Scope::default();
    };
    let sandbox = args.sandbox
        || (args.endpoint_url.is_none()
            && store
                .load(&name)
                .is_ok_and(|s| s.sandbox_instance.is_some()));
    Scope::of(&name, sandbox)
}

/// The exit code of a failed command (the contract is in `gatewalk --help`).
pub(super) fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Interrupted { .. } => EXIT_INTERRUPTED,
        e if e.is_refusal() => EXIT_INPUT,
        _ => EXIT_ERROR,
    }
}

async fn run(args: &Args, out: Printer, engine: &'static dyn Engine) -> Result<u8> {
    check_pace(args)?;
    if let Some(Command::Completions { shell }) = &args.command {
        // Needs no home, session or AWS: the script is made from the clap
        // definitions alone.
        let mut cmd = <Args as clap::CommandFactory>::command();
        clap_complete::generate(*shell, &mut cmd, "gatewalk", &mut std::io::stdout());
        return Ok(EXIT_OK);
    }
    let home = home_dir()?;
    let store = Store::new(&home);
    let Some(cmd) = &args.command else {
        let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        if tty && !out.json() {
            return wizard(args, home, engine).await;
        }
        out.overview(&store.list()?);
        return Ok(EXIT_OK);
    };
    let no_inputs = InputArgs::default();
    match cmd {
        Command::Sessions { account: true, .. }
        | Command::Teardown {
            all_sessions: true, ..
        }
        | Command::Classroom { .. }
        | Command::Join { .. }
        | Command::Leave => many(args, cmd, &home, &store, engine, out).await,
        Command::Sessions { action, .. } => sessions_cmd(&store, action.as_ref(), out),
        Command::Sandbox { action } => sandbox_cmd(&home, action, args.pace, out).await,

        Command::Keys => keys_cmd(out),
        Command::Completions { .. } => Ok(EXIT_OK),
        Command::Status => {
            let name = session_name(args, &store)?;
            out.status(&store.load(&name)?);
            Ok(EXIT_OK)
        }
        Command::Plan { step, inputs } => {
            let cx = Ctx::new(args, &home, &store, inputs, engine).await?;
            deploy::plan(&cx, *step, out).await
        }
        Command::Inputs { step, inputs } => {
            let cx = Ctx::new(args, &home, &store, inputs, engine).await?;
            deploy::inputs(&cx, *step, out)
        }
        Command::Apply {
            through,
            inputs,
            yes,
        } => {
            let cx = Ctx::new(args, &home, &store, inputs, engine).await?;
            deploy::apply(&cx, through.unwrap_or(StepId::Done), *yes, out).await
        }
        Command::Validate { step } => {
            let cx = Ctx::new(args, &home, &store, &no_inputs, engine).await?;
            deploy::validate(&cx, *step, out).await
        }
        Command::Inspect { step } => {
            let cx = Ctx::new(args, &home, &store, &no_inputs, engine).await?;
            deploy::inspect(&cx, *step, out).await
        }
        Command::Logs { follow, lines } => {
            let cx = Ctx::new(args, &home, &store, &no_inputs, engine).await?;
            super::logs::logs(&cx, *lines, *follow, out).await
        }
        Command::Teardown {
            yes, include_yours, ..
        } => {
            let cx = Ctx::new(args, &home, &store, &no_inputs, engine).await?;
            deploy::teardown(&cx, *yes, *include_yours, out).await
        }
        Command::Doctor { vpc } => {
            let vpc = doctor::check_vpc(vpc.as_deref())?;
            let cx = Ctx::without_session(args, &home, &store, engine).await?;
            doctor::doctor(&cx, vpc, out).await
        }
        Command::Adopt { vpc, bind, yes } => {
            let vpc = doctor::check_vpc(vpc.as_deref())?;
            let binds = adopt::parse_binds(bind)?;
            let name = adopt::session_for(args, &store)?;
            let mut cx = Ctx::without_session(args, &home, &store, engine).await?;
            cx.name = name;
            adopt::adopt(&cx, vpc, &binds, *yes, out).await
        }
    }
}

/// The commands about many sessions or people: the account's sessions and
/// the workshop's classroom.
async fn many(
    args: &Args,
    cmd: &Command,
    home: &Path,
    store: &Store,
    engine: &'static dyn Engine,
    out: Printer,
) -> Result<u8> {
    match cmd {
        Command::Classroom { action } => {
            super::classroom::run(home, action, args.pace, engine, out).await
        }
        Command::Join { url, name } => super::classroom::join(home, url, name, out).await,
        Command::Leave => super::classroom::leave(home, out),
        Command::Teardown { .. } => {
            if args.session.is_some() {
                return Err(Error::Config(
                    "--all-sessions removes every session in the account; drop --session (or drop \
                     --all-sessions to remove one session)"
                        .into(),
                ));
            }
            let cx = Ctx::without_session(args, home, store, engine).await?;
            account::teardown_all(&cx, home, out).await
        }
        _ => {
            let cx = Ctx::without_session(args, home, store, engine).await?;
            account::list(&cx, out).await
        }
    }
}

/// `--pace` is the local sandbox's: it needs `--sandbox` (or `sandbox start`).
fn check_pace(args: &Args) -> Result<()> {
    let starting = matches!(
        args.command,
        Some(
            Command::Sandbox {
                action: SandboxAction::Start
            } | Command::Classroom {
                action: super::classroom::ClassroomAction::Start { .. }
            }
        )
    );
    if args.pace.is_some() && !args.sandbox && !starting {
        return Err(Error::Inputs(vec![InputError {
            step: None,
            field: "--pace".into(),
            message: "sets the pace of the local sandbox; add --sandbox (or use `gatewalk sandbox start --pace …`)".into(),
        }]));
    }
    Ok(())
}

/// `gatewalk` in a terminal: the interactive wizard.
async fn wizard(args: &Args, home: std::path::PathBuf, engine: &'static dyn Engine) -> Result<u8> {
    if let Some(n) = &args.session {
        crate::session::validate_name(n).map_err(Error::Session)?;
    }
    if let Some(r) = &args.region {
        crate::aws::validate_region(r).map_err(Error::Config)?;
    }
    if let Some(e) = &args.endpoint_url {
        check_endpoint(e)?;
    }
    crate::aws::check_environment(args.sandbox || args.endpoint_url.is_some())
        .map_err(Error::Config)?;
    let seated = crate::classroom::seat(&home)?.is_some();
    let (keys, notice) =
        crate::tui::keys::KeyTable::load(crate::tui::keys::KeyTable::config_path().as_deref());
    let config = crate::tui::app::Config {
        home,
        opts: AwsOptions {
            profile: args.profile.clone(),
            region: args.region.clone(),
            endpoint_url: args.endpoint_url.clone(),
            static_credentials: None,
            call_delay: None,
            app_name: None,
        },
        sandbox: args.sandbox || (args.endpoint_url.is_none() && seated),
        pace: args.pace,
        session: args.session.clone(),
        keys,
        notice,
        engine,
    };
    if let Some(name) = crate::tui::run(config).await? {
        // The terminal is back: say how to come back.
        println!("gatewalk: session `{name}` is saved; `gatewalk --session {name}` carries on");
    }
    Ok(EXIT_OK)
}

/// `gatewalk sessions [list|delete|claim]`: the records only, no AWS call.
fn sessions_cmd(store: &Store, action: Option<&SessionsAction>, out: Printer) -> Result<u8> {
    let existing = |name: &str| -> Result<()> {
        crate::session::validate_name(name).map_err(Error::Session)?;
        if store.exists(name) {
            Ok(())
        } else {
            Err(Error::Session(format!(
                "there is no session named `{name}`; `gatewalk sessions` lists them"
            )))
        }
    };
    match action {
        None | Some(SessionsAction::List) => out.sessions(&store.list()?),
        Some(SessionsAction::Delete { name }) => {
            existing(name)?;
            store.delete(name)?;
            out.note(&format!(
                "deleted the record of session `{name}`. Its AWS resources (tagged gatewalk:session={name}) were NOT deleted."
            ));
        }
        Some(SessionsAction::Claim { name }) => {
            existing(name)?;
            let was = store.claim(name)?;
            let was = if was.is_empty() {
                "an unrecorded place".to_string()
            } else {
                crate::text::shown(&was)
            };
            out.note(&format!(
                "session `{name}` now belongs to {} (it was made at {was}). If the original still \
                 exists elsewhere, move one of the two aside: both would act on the same resources.",
                store.path(name).display(),
            ));
        }
    }
    Ok(EXIT_OK)
}

/// `gatewalk keys`: the wizard's keys with keys.toml applied; a file the
/// wizard would refuse is refused here with exit 2.
fn keys_cmd(out: Printer) -> Result<u8> {
    use crate::tui::keys::KeyTable;
    let path = KeyTable::config_path();
    let table = match &path {
        Some(p) if std::fs::symlink_metadata(p).is_ok() => std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| KeyTable::with_overrides(&t))
            .map_err(|e| Error::Config(format!("{}: {e}", p.display())))?,
        _ => KeyTable::default(),
    };
    out.keys(&table, path.as_deref());
    Ok(EXIT_OK)
}

async fn sandbox_cmd(
    home: &Path,
    action: &SandboxAction,
    pace: Option<sandbox::Pace>,
    out: Printer,
) -> Result<u8> {
    match action {
        SandboxAction::Start => {
            let st = sandbox::ensure(home, pace).await?;
            out.sandbox(Some((&st, true)));
        }
        SandboxAction::Status => {
            let st = sandbox::status(home).await;
            out.sandbox(st.as_ref().map(|(s, up)| (s, *up)));
        }
        SandboxAction::Stop => {
            let was = sandbox::stop(home).await?;
            out.note(if was {
                "sandbox stopped; everything in it is gone"
            } else {
                "no sandbox was running"
            });
        }
    }
    Ok(EXIT_OK)
}

/// The inputs of `session` with `overrides`, validated.
pub(super) fn resolve(session: &Session, overrides: &[Override]) -> Result<Inputs> {
    Inputs::resolve(session, overrides).map_err(Error::Inputs)
}

fn overrides(a: &InputArgs) -> Result<Vec<Override>> {
    let mut v = match &a.inputs_file {
        Some(p) => parse_file(p)?,
        None => Vec::new(),
    };
    let mut errs = Vec::new();
    for s in &a.set {
        match parse_set(s) {
            Ok(o) => v.push(o),
            Err(e) => errs.push(e),
        }
    }
    if errs.is_empty() {
        Ok(v)
    } else {
        Err(Error::Inputs(errs))
    }
}

/// Which session: `--session`, else the only one, else `demo`.
fn session_name(args: &Args, store: &Store) -> Result<String> {
    if let Some(n) = &args.session {
        crate::session::validate_name(n).map_err(Error::Session)?;
        return Ok(n.clone());
    }
    let names: Vec<String> = store.list()?.into_iter().map(|l| l.name).collect();
    match names.as_slice() {
        [] => Ok(DEFAULT_SESSION.to_string()),
        [one] => Ok(one.clone()),
        many => Err(Error::Session(format!(
            "there are several sessions ({}); choose one with --session NAME",
            many.join(", ")
        ))),
    }
}

/// Everything a session command needs, set up without any AWS API call.
pub(super) struct Ctx<'a> {
    /// The session's name.
    pub(super) name: String,
    /// Where sessions are kept.
    pub(super) store: &'a Store,
    /// SDK clients.
    pub(super) aws: AwsContext,
    sandbox: Option<SandboxState>,
    /// Inputs given with `--set` / `--inputs`.
    pub(super) overrides: Vec<Override>,
    /// Resources of yours given with `--bind`.
    pub(super) binds: Vec<super::adopt::Bind>,
    existing: Option<Session>,
    /// The steps, behind their door.
    pub(super) engine: &'static dyn Engine,
}

impl<'a> Ctx<'a> {
    async fn new(
        args: &Args,
        home: &Path,
        store: &'a Store,
        inputs: &InputArgs,
        engine: &'static dyn Engine,
    ) -> Result<Self> {
        let name = session_name(args, store)?;
        Self::named(args, home, store, inputs, engine, name).await
    }

    /// For the commands that work without a session (`doctor`, and `adopt`
    /// before it makes one): the sandbox when `--sandbox` says so, else AWS.
    pub(super) async fn without_session(
        args: &Args,
        home: &Path,
        store: &'a Store,
        engine: &'static dyn Engine,
    ) -> Result<Self> {
        Self::named(
            args,
            home,
            store,
            &InputArgs::default(),
            engine,
            String::new(),
        )
        .await
    }

    async fn named(
        args: &Args,
        home: &Path,
        store: &'a Store,
        inputs: &InputArgs,
        engine: &'static dyn Engine,
        name: String,
    ) -> Result<Self> {
        let overrides = overrides(inputs)?;
        let binds = super::adopt::parse_binds(&inputs.bind)?;
        let existing = if !name.is_empty() && store.exists(&name) {
            Some(store.load(&name)?)
        } else {
            None
        };
        let seat = crate::classroom::seat(home)?;
        let in_sandbox = args.sandbox
            || (args.endpoint_url.is_none()
                && (seat.is_some()
                    || existing
                        .as_ref()
                        .is_some_and(|s| s.sandbox_instance.is_some())));
        if let (Some(s), None) = (&existing, &args.endpoint_url) {
            crate::classroom::where_it_lives(s, seat.as_ref()).map_err(Error::Config)?;
        }
        if let (Some(seat), None) = (&seat, &args.endpoint_url) {
            eprintln!(
                "gatewalk: working in the classroom at {} as `{}` (`gatewalk leave` to stop)",
                seat.url, seat.name
            );
        } else if in_sandbox && !args.sandbox && !name.is_empty() {
            eprintln!("gatewalk: session `{name}` lives in the local sandbox; using it");
        }
        let mut opts = AwsOptions {
            profile: args.profile.clone(),
            region: args
                .region
                .clone()
                .or_else(|| existing.as_ref().map(|s| s.region.clone())),
            endpoint_url: args
                .endpoint_url
                .clone()
                .or_else(|| existing.as_ref().and_then(|s| s.endpoint_url.clone())),
            static_credentials: None,
            call_delay: None,
            app_name: None,
        };
        if let Some(r) = &opts.region {
            crate::aws::validate_region(r).map_err(Error::Config)?;
        }
        if let Some(e) = &opts.endpoint_url {
            let source = if args.endpoint_url.is_some() {
                "--endpoint-url"
            } else {
                "the endpoint saved in the session"
            };
            crate::aws::validate_endpoint(e, source).map_err(Error::Config)?;
        }
        crate::aws::check_environment(in_sandbox || opts.endpoint_url.is_some())
            .map_err(Error::Config)?;
        if let (Some(s), Some(r)) = (&existing, &args.region)
            && s.region != *r
        {
            return Err(Error::Config(format!(
                "session `{name}` lives in {}, not {r}; drop --region or use --region {}",
                s.region, s.region
            )));
        }
        let sandbox = if in_sandbox {
            Some(sandbox::connect(home, args.pace, &mut opts).await?)
        } else {
            None
        };
        let aws = AwsContext::load(&opts).await?;
        Ok(Self {
            name,
            store,
            aws,
            sandbox,
            overrides,
            binds,
            existing,
            engine,
        })
    }

    /// Asks STS who the credentials are — the first call every AWS command
    /// makes — saying every few seconds what it is waiting for, so an endpoint
    /// that never answers is not a silent terminal for 90 s.
    pub(super) async fn first_contact(&self, out: Printer) -> Result<()> {
        let place = self
            .aws
            .endpoint_url
            .clone()
            .unwrap_or_else(|| format!("AWS ({})", self.aws.region));
        let started = std::time::Instant::now();
        let call = self.aws.identity();
        tokio::pin!(call);
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        tick.tick().await;
        loop {
            tokio::select! {
                r = &mut call => return r.map(|_| ()),
                _ = tick.tick() => out.note(&format!(
                    "gatewalk: still waiting for sts GetCallerIdentity to answer from {place} ({} s; gives up after 90 s)",
                    started.elapsed().as_secs()
                )),
            }
        }
    }

    pub(super) fn sandbox_instance(&self) -> Option<&str> {
        self.sandbox.as_ref().map(|s| s.instance.as_str())
    }

    /// The saved session, or a new one in memory (not written), with the
    /// `--bind` bindings made (in memory).
    pub(super) fn provisional(&self) -> Result<Session> {
        let mut s = self
            .existing
            .clone()
            .unwrap_or_else(|| Session::new(&self.name, &self.aws.region));
        self.rebind(&mut s)?;
        Ok(s)
    }

    /// Makes the `--bind` bindings in `s` (a refusal is exit 2, before any
    /// call).
    pub(super) fn rebind(&self, s: &mut Session) -> Result<()> {
        for (k, id) in &self.binds {
            s.rebind(*k, id.as_deref()).map_err(Error::Session)?;
        }
        Ok(())
    }

    pub(super) fn open(&self) -> Result<SessionHandle> {
        self.store.open(&self.name, &self.aws.region)
    }

    pub(super) fn open_existing(&self) -> Result<SessionHandle> {
        self.store.open_existing(&self.name)
    }
}

fn check_endpoint(e: &str) -> Result<()> {
    crate::aws::validate_endpoint(e, "--endpoint-url").map_err(Error::Config)
}
