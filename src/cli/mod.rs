//! The headless command line: clap definitions (AWS CLI conventions), session
//! and AWS setup shared by every command, and exit codes.

mod account;
mod adopt;
mod applied;
pub mod classroom;
mod commands;
mod deploy;
mod doctor;
mod hints;
mod logs;
mod output;
mod paint;
mod report;

use crate::engine::Engine;
use crate::model::StepId;
use anstream::eprintln;
use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code for an operation that failed while working (an AWS error, a wait
/// that gave up, the sandbox not starting, a file that could not be saved).
pub const EXIT_ERROR: u8 = 1;
/// Exit code for a refusal before anything was created, changed or deleted:
/// bad flags, inputs, files or environment, a session in use, the wrong
/// account or region for the session.
pub const EXIT_INPUT: u8 = 2;
/// Exit code when validation ran and at least one check fails.
pub const EXIT_CHECKS: u8 = 3;
/// Exit code after Ctrl-C / SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// The exit-code contract, shown by `--help` and kept in step with the README.
pub const EXIT_CODES: &str = "Exit codes:
  0    done
  1    failed while working: an AWS error, a wait that gave up, the sandbox
       not starting, a file that could not be saved (stderr says why, with a hint)
  2    refused before anything was created, changed or deleted: bad flags,
       inputs, files or environment, a session in use, the wrong account or
       region for the session
  3    validate ran and at least one check fails
  130  stopped by Ctrl-C or SIGTERM (everything done so far is saved)";

/// gatewalk: from an empty AWS account to a container on Fargate in a private
/// subnet, behind an internal NLB, published through API Gateway and a VPC Link.
#[derive(Debug, Parser)]
#[command(name = "gatewalk", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Args {
    /// Session to work on (default: the only one, or `demo` when there is none).
    #[arg(long, global = true, env = "GATEWALK_SESSION")]
    pub session: Option<String>,
    /// AWS profile to use (as the AWS CLI's --profile).
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// AWS region (as the AWS CLI's --region).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint (as the AWS CLI's --endpoint-url).
    #[arg(long, global = true)]
    pub endpoint_url: Option<String>,
    /// Run against the local sandbox (a moto server started on demand) instead of AWS.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// How fast the sandbox's slow things happen: instant, fast (a tenth of AWS's
    /// typical times; the default for a new sandbox) or real (AWS's typical times).
    /// A running sandbox keeps its pace unless this is given. Goes with --sandbox
    /// or `sandbox start`.
    #[arg(long, global = true, value_enum)]
    pub pace: Option<crate::sandbox::Pace>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For people.
    Text,
    /// For scripts.
    Json,
}

/// Inputs given on the command line.
#[derive(Debug, Clone, Default, ClapArgs)]
pub struct InputArgs {
    /// Set one input, e.g. --set task-definition.cpu=512 (repeatable).
    #[arg(long = "set", value_name = "STEP.FIELD=VALUE")]
    pub set: Vec<String>,
    /// Read inputs from a TOML file with one table per step, e.g. [task-definition].
    #[arg(long = "inputs", value_name = "FILE")]
    pub inputs_file: Option<PathBuf>,
    /// Use a resource of yours for a step, e.g. --bind `vpc_id=vpc-0abc` (repeatable):
    /// bound to the session as yours — used, never deleted, changed only when you
    /// agree. `OUTPUT=none` lets go of a binding.
    #[arg(long = "bind", value_name = "OUTPUT=ID")]
    pub bind: Vec<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List sessions, or delete a session's record.
    #[command(args_conflicts_with_subcommands = true)]
    Sessions {
        /// List every gatewalk session in the account and region from its
        /// tags (not from this machine's files), with its progress, failing
        /// checks and hourly cost: for a training account many people use.
        #[arg(long)]
        account: bool,
        /// What to do with sessions (default: list).
        #[command(subcommand)]
        action: Option<SessionsAction>,
    },
    /// Show the changes apply would make, with the equivalent aws CLI commands.
    Plan {
        /// Only this step (id or number).
        step: Option<StepId>,
        /// Inputs to change first (`--set`, `--inputs`).
        #[command(flatten)]
        inputs: InputArgs,
    },
    /// Create or converge the deployment, step by step, checking each.
    Apply {
        /// Stop after this step (default: all ten).
        #[arg(long)]
        through: Option<StepId>,
        /// Agree to the changes `plan` lists as `~ change your …`: apply may
        /// bring resources of yours (bound by `adopt`) to the walkthrough's shape.
        #[arg(long)]
        yes: bool,
        /// Inputs to change first (`--set`, `--inputs`).
        #[command(flatten)]
        inputs: InputArgs,
    },
    /// Check the live account against each applied step.
    Validate {
        /// Only this step.
        step: Option<StepId>,
    },
    /// Where the session stands (from the session file; no AWS calls).
    Status,
    /// Show each step's live resources.
    Inspect {
        /// Only this step.
        step: Option<StepId>,
    },
    /// Show the newest lines the service's container wrote (with time and task),
    /// then why its last tasks stopped.
    Logs {
        /// Keep printing new lines (asking every 2 s) until Ctrl-C.
        #[arg(long, short = 'f')]
        follow: bool,
        /// How many of the newest lines to show (1–10000).
        #[arg(long, short = 'n', value_name = "N", default_value_t = 50,
              value_parser = clap::value_parser!(u32).range(1..=10_000))]
        lines: u32,
    },
    /// Delete everything the session created, in the order AWS accepts.
    Teardown {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Remove the resources of yours bound to the session too (by `adopt`),
        /// after listing them; always asks for the session name, even with --yes.
        #[arg(long)]
        include_yours: bool,
        /// Remove every gatewalk session in the account and region (found by
        /// its tags, whoever ran it), after listing each with its hourly cost;
        /// always asks for the account id, even with --yes.
        #[arg(long, conflicts_with = "include_yours")]
        all_sessions: bool,
    },
    /// Find every deployment of this shape in the region, whoever made it (gatewalk
    /// or you, by hand), and check each of its steps. Read-only; needs no session.
    Doctor {
        /// Only the deployment in this VPC.
        #[arg(long, value_name = "VPC_ID")]
        vpc: Option<String>,
    },
    /// Make a session of a deployment made elsewhere (by hand in the console): its
    /// resources are bound to the steps as yours — never deleted, changed only
    /// when you agree — and apply carries on from the first step missing.
    Adopt {
        /// The deployment in this VPC (needed when doctor finds several).
        #[arg(long, value_name = "VPC_ID")]
        vpc: Option<String>,
        /// Change one binding, e.g. --bind private_subnet_id=subnet-0abc, or
        /// `--bind placeholder_target_group_arn=none` to bind nothing (repeatable).
        #[arg(long = "bind", value_name = "OUTPUT=ID")]
        bind: Vec<String>,
        /// Adopt without asking.
        #[arg(long)]
        yes: bool,
    },
    /// List (or with --set, change) each step's inputs.
    Inputs {
        /// Only this step.
        step: Option<StepId>,
        /// Inputs to change first (`--set`, `--inputs`).
        #[command(flatten)]
        inputs: InputArgs,
    },
    /// Show the wizard's keys (defaults with keys.toml applied), and check keys.toml.
    Keys,
    /// Print a shell completion script, e.g. `source <(gatewalk completions bash)`
    /// in ~/.bashrc, or `gatewalk completions zsh > ~/.zfunc/_gatewalk`.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Run a workshop (the instructor): one shared sandbox for the room, a
    /// live board of every student's progress, exercises that break things.
    Classroom {
        /// What to do.
        #[command(subcommand)]
        action: classroom::ClassroomAction,
    },
    /// Join a workshop's classroom (a student): from then on every command and
    /// the wizard work there, in an account of your own.
    Join {
        /// The classroom's URL, as the instructor gives it (http://ADDRESS:PORT).
        url: String,
        /// Your name in the room (lowercase letters, digits, hyphens).
        #[arg(long = "as", value_name = "NAME")]
        name: String,
    },
    /// Leave the classroom: back to your own setup (AWS or your local sandbox).
    Leave,
    /// Manage the local sandbox.
    Sandbox {
        /// What to do.
        #[command(subcommand)]
        action: SandboxAction,
    },
}

/// `gatewalk sessions …`
#[derive(Debug, Subcommand)]
pub enum SessionsAction {
    /// List sessions with their progress.
    List,
    /// Delete a session's record. Its AWS resources are NOT deleted (use teardown first).
    Delete {
        /// The session.
        name: String,
    },
    /// Make a session file that was moved here (with gatewalk's data) the
    /// session again. Only when the original is gone: two files of one
    /// session would both act on its resources.
    Claim {
        /// The session.
        name: String,
    },
}

/// `gatewalk sandbox …`
#[derive(Debug, Subcommand)]
pub enum SandboxAction {
    /// Start the sandbox (or confirm it is running).
    Start,
    /// Is the sandbox running, and where?
    Status,
    /// Stop the sandbox. Everything in it is lost.
    Stop,
}

/// Runs the parsed command with `engine` (the steps, handed over by the
/// binary) and returns the process exit code.
pub fn run(args: Args, engine: &'static dyn Engine) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gatewalk: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let code = rt.block_on(commands::dispatch(args, engine));
    ExitCode::from(code)
}
