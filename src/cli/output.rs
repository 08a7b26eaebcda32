//! Human and JSON output of the headless commands. Results go to stdout;
//! progress and errors go to stderr.

use super::Output;
use super::hints::Scope;
use super::paint::{Role, paint};
use crate::aws::find::Tagged;
use crate::error::Error;
use crate::inputs::Inputs;
use crate::model::StepId;
use crate::model::keys::INVOKE_URL;
use crate::progress::Event;
use crate::sandbox::SandboxState;
use crate::session::Session;
use crate::session::store::Listed;
use crate::summary::cost;
use anstream::{eprintln, println};
use serde_json::json;

/// Prints results in the chosen format.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    format: Output,
    /// How the commands it prints name the session.
    scope: Scope,
    /// JSON as lines on stdout (apply, teardown): each progress event as
    /// it happens, then the result or the error.
    lines: bool,
}

/// Where a session lives, in full.
fn place(s: &Session) -> String {
    if s.sandbox_instance.is_some() {
        "sandbox".into()
    } else if let Some(e) = &s.endpoint_url {
        e.clone()
    } else {
        "aws".into()
    }
}

/// One JSON value on one line of stdout (a line of `--output json` lines).
pub(super) fn print_line(v: &impl serde::Serialize) {
    match serde_json::to_string(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("gatewalk: cannot encode output: {e}"),
    }
}

pub(super) fn print_json(v: &impl serde::Serialize) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("gatewalk: cannot encode output: {e}"),
    }
}

impl Printer {
    /// A printer for `format`.
    pub fn new(format: Output) -> Self {
        Self {
            format,
            scope: Scope::default(),
            lines: false,
        }
    }

    /// The same printer, for a command whose JSON is lines on stdout:
    /// progress events as they happen, then one line with the result (or
    /// the error).
    pub fn in_lines(self) -> Self {
        Self {
            lines: true,
            ..self
        }
    }

    /// Whether JSON goes out as lines (see [`Printer::in_lines`]).
    pub fn json_lines(self) -> bool {
        self.json() && self.lines
    }

    /// The same printer, naming the run's session in the commands it prints.
    pub fn scoped(self, scope: Scope) -> Self {
        Self { scope, ..self }
    }

    /// A `gatewalk …` command to print for the user to run: `args` with the
    /// session named (`--session NAME`, `--sandbox` when it lives there).
    pub fn cmd(self, args: &str) -> String {
        self.scope.cmd(args)
    }

    /// `text` (a message, an error, a fix) with the session named in every
    /// quoted `gatewalk` command it holds.
    pub fn qualify(self, text: &str) -> String {
        self.scope.qualify(text)
    }

    /// Prints one progress event: a JSON line on stdout, or a line of text
    /// on stderr.
    pub fn event(self, e: &Event) {
        if self.json() {
            print_line(e);
        } else {
            let text = self.qualify(&crate::text::clean(&e.to_string()));
            let role = match e {
                Event::Created { .. } => Some(Role::Ok),
                Event::Deleted { .. } => Some(Role::Fail),
                Event::Changed { .. } | Event::Warning { .. } => Some(Role::Warn),
                Event::Waiting { .. } | Event::Retry { .. } => Some(Role::Muted),
                Event::Info { .. } | Event::Reused { .. } => None,
            };
            match role {
                Some(r) => eprintln!("  {}", paint(r, text)),
                None => eprintln!("  {text}"),
            }
        }
    }

    /// Whether output is JSON.
    pub fn json(self) -> bool {
        self.format == Output::Json
    }

    /// An error: one line of reason first, then any hint lines.
    pub fn error(self, e: &Error) {
        // Whatever the error quotes (a value typed, a file's text, an
        // endpoint's answer) reaches the terminal cleaned and cut.
        let text = self.qualify(&crate::text::clean(&e.to_string()));
        if self.json() {
            let mut v = json!({ "error": text, "exit_code": super::commands::exit_code(e) });
            if let Some(a) = e.as_aws() {
                v["aws"] = json!(a);
            }
            if let Error::Inputs(list) = e {
                v["inputs"] = json!(list);
            }
            if self.json_lines() {
                // The last line of the stream on stdout, where the reader is.
                v["event"] = json!("error");
                println!("{v}");
            } else {
                eprintln!("{v}");
            }
        } else {
            eprintln!("{} {text}", paint(Role::Error, "gatewalk:"));
        }
    }

    /// `gatewalk keys`: each action, its keys and what it does.
    pub fn keys(self, t: &crate::tui::keys::KeyTable, path: Option<&std::path::Path>) {
        use crate::tui::keys::{Action, key_name};
        if self.json() {
            let v: Vec<_> = Action::ALL
                .iter()
                .map(|a| json!({"action": key_name(*a), "keys": t.keys(*a).iter().map(ToString::to_string).collect::<Vec<_>>(), "does": a.description()}))
                .collect();
            return print_json(&v);
        }
        for a in Action::ALL {
            println!("{:<16} {:<14} {}", key_name(a), t.label(a), a.description());
        }
        if let Some(p) = path {
            println!(
                "\nChange them in {} ([keys] / apply = [\"ctrl-a\"]).",
                p.display()
            );
        }
    }

    /// A short note for people (stderr, so JSON stdout stays clean).
    pub fn note(self, msg: &str) {
        eprintln!("{}", self.qualify(msg));
    }

    /// `gatewalk` with no subcommand.
    pub fn overview(self, list: &[Listed]) {
        if self.json() {
            return self.sessions(list);
        }
        println!(
            "gatewalk — from an empty AWS account to Fargate behind API Gateway, one checked step at a time.\n"
        );
        let latest = list
            .iter()
            .filter_map(|l| l.session.as_ref().ok())
            .max_by_key(|s| s.updated_at);
        let scope = match latest {
            None => {
                if !list.is_empty() {
                    self.sessions(list);
                    println!();
                }
                println!("No sessions to continue. Try it locally, no AWS account needed:");
                Scope::with_flags("--sandbox")
            }
            Some(s) => {
                self.sessions(list);
                println!(
                    "\nContinue with session `{}` (the last one used; --session NAME picks another):",
                    s.name
                );
                Scope::of(&s.name, s.sandbox_instance.is_some())
            }
        };
        for (args, what) in [
            ("plan", "what will be built, with aws CLI equivalents"),
            ("apply", "build all ten steps, checking each"),
            ("validate", "check everything live"),
            ("inspect", "see each step's resources"),
            ("teardown --yes", "remove it all"),
        ] {
            println!("  {:<58} # {what}", scope.cmd(args));
        }
        if latest.is_none() {
            println!(
                "\nWithout --sandbox the same commands use your AWS credentials (--profile, --region)."
            );
        }
        println!(
            "Run `gatewalk` in a terminal for the interactive wizard; `gatewalk --help` lists every command."
        );
    }

    /// `gatewalk sessions`.
    pub fn sessions(self, list: &[Listed]) {
        if self.json() {
            let v: Vec<_> = list
                .iter()
                .map(|l| match &l.session {
                    Ok(s) => json!({
                        "name": l.name, "done": s.done_count(), "of": 10, "region": s.region,
                        "account": s.account_id, "where": place(s), "updated_at": s.updated_at,
                        "current_step": s.current_step(),
                    }),
                    Err(e) => {
                        json!({ "name": l.name, "error": crate::text::clean(&e.to_string()) })
                    }
                })
                .collect();
            return print_json(&v);
        }
        if list.is_empty() {
            println!("no sessions");
            return;
        }
        println!(
            "{:<24} {:>8}  {:<14} {:<14} {:<10} LAST ACTIVITY",
            "SESSION", "PROGRESS", "REGION", "ACCOUNT", "WHERE"
        );
        for l in list {
            match &l.session {
                Ok(s) => println!(
                    "{:<24} {:>8}  {:<14} {:<14} {:<10} {}",
                    l.name,
                    format!("{}/10", s.done_count()),
                    s.region,
                    s.account_id.as_deref().unwrap_or("-"),
                    s.place_short(),
                    crate::session::ago(s.updated_at)
                ),
                Err(e) => println!(
                    "{:<24} unreadable: {}",
                    l.name,
                    crate::text::clean(e.to_string().lines().next().unwrap_or(""))
                ),
            }
        }
    }

    /// `gatewalk status`.
    pub fn status(self, s: &Session) {
        if self.json() {
            let costs = Inputs::resolve(s, &[])
                .map(|i| cost::hourly(&i, s))
                .unwrap_or_default();
            return print_json(&json!({
                "session": s,
                "done": s.done_count(),
                "current_step": s.current_step(),
                "invoke_url": s.output(INVOKE_URL),
                "hourly_cost_usd": cost::total(&costs),
                "costs": costs,
            }));
        }
        println!(
            "session {}  ·  {}  ·  account {}  ·  {}  ·  {}/10 done",
            s.name,
            s.region,
            s.account_id.as_deref().unwrap_or("(not bound yet)"),
            place(s),
            s.done_count()
        );
        for id in StepId::ALL {
            let r = s.step(id);
            let status = r.status.label();
            let checks = r
                .last_checks
                .as_ref()
                .map(|c| {
                    let caveat = if c.skipped > 0 {
                        format!(", {} skipped in the emulator", c.skipped)
                    } else {
                        String::new()
                    };
                    format!(
                        "{} pass, {} fail, {} warn, {} pending{caveat} · checked {}",
                        c.pass,
                        c.fail,
                        c.warn,
                        c.pending,
                        r.last_validated_at
                            .map(crate::session::ago)
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            println!(
                "{:>2}. {:<18} {:<20} {}",
                id.number(),
                id.as_str(),
                status,
                checks
            );
            if let Some(e) = &r.last_error {
                println!("      last error: {}", e.lines().next().unwrap_or(""));
            }
            for (k, v) in &r.outputs {
                if let Some(key) = k.strip_prefix(crate::session::INTENT_PREFIX) {
                    println!(
                        "      unfinished: {} ({key}) — the next apply looks for it by its tags or name before creating anything",
                        v.split(" started").next().unwrap_or(v)
                    );
                }
            }
        }
        if let Some(dns) = s.output(crate::model::OutputKey::LoadBalancerDns) {
            println!("\nNLB DNS name: {dns}");
        }
        if let Some(url) = s.output(INVOKE_URL) {
            let emulated = if s.sandbox_instance.is_some() {
                " (sandbox: not on the internet; gatewalk's smoke test sends its request to the sandbox, which answers as API Gateway would)"
            } else if s.endpoint_url.is_some() {
                " (emulated: on AWS this is the public URL)"
            } else {
                ""
            };
            println!("invoke URL: {url}{emulated}");
        }
        if let Ok(inputs) = Inputs::resolve(s, &[]) {
            let lines = cost::hourly(&inputs, s);
            if !lines.is_empty() {
                println!("\nrunning now, at list price:");
                for l in cost::describe(&lines) {
                    println!("{l}");
                }
            }
        }
        match s.current_step() {
            Some(next) => println!("\nnext: {}", self.cmd(&format!("apply --through {next}"))),
            None => println!(
                "\nall ten steps are done; `{}` re-checks them",
                self.cmd("validate")
            ),
        }
    }

    /// After teardown.
    pub fn torn_down(self, s: &Session, left: &[Tagged]) {
        let name = &s.name;
        let kept: Vec<_> = s
            .yours()
            .into_iter()
            .map(|(k, id)| json!({ "output": k, "what": k.noun(), "id": id }))
            .collect();
        if self.json() {
            return print_line(
                &json!({ "event": "result", "session": name, "remaining": left, "kept_yours": kept }),
            );
        }
        if left.is_empty() {
            println!("\nteardown finished: nothing tagged gatewalk:session={name} remains");
        } else {
            println!("\nteardown finished, but these resources still carry the session's tag:");
            for t in left {
                println!("  {} {}", t.kind, t.id);
            }
            println!(
                "run `{}` again in a few minutes, or delete them in the console",
                self.cmd("teardown")
            );
        }
        self.kept_yours(s);
    }

    /// After teardown: the resources of yours it kept (bound to the session,
    /// so `teardown --include-yours` can still remove them).
    fn kept_yours(self, s: &Session) {
        let yours = s.yours();
        if yours.is_empty() || self.json() {
            return;
        }
        println!("kept (yours, not gatewalk's):");
        for (k, id) in &yours {
            println!("  {:<26} {id}", k.noun());
        }
        println!(
            "`{}` removes them too",
            self.cmd("teardown --include-yours")
        );
    }

    /// `gatewalk sandbox status|start`.
    pub fn sandbox(self, st: Option<(&SandboxState, bool)>) {
        if self.json() {
            return print_json(&match st {
                Some((s, up)) => {
                    json!({ "running": up, "endpoint": s.endpoint(), "pid": s.pid, "instance": s.instance, "started_at": s.started_at, "pace": s.pace.map(super::super::sandbox::Pace::as_str), "strict": s.pace.is_some() })
                }
                None => json!({ "running": false }),
            });
        }
        match st {
            Some((s, true)) => println!(
                "sandbox running at {} (pid {}, started {}){}",
                s.endpoint(),
                s.pid,
                crate::session::ago(s.started_at),
                match s.pace {
                    Some(p) => format!(
                        "; strict-AWS layer at pace {p} (`--sandbox --pace instant|fast|real` changes it)"
                    ),
                    None =>
                        " without the strict-AWS layer; the next `gatewalk --sandbox …` replaces it"
                            .into(),
                }
            ),
            Some((s, false)) => println!(
                "sandbox not running (last seen at {}); `gatewalk --sandbox …` starts a new one — earlier sandbox resources are gone",
                s.endpoint()
            ),
            None => println!(
                "no sandbox; `gatewalk --sandbox …` or `gatewalk sandbox start` starts one"
            ),
        }
    }
}
