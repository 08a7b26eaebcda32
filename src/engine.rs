//! The front ends' door into the engine: every operation the CLI and the
//! wizard ask of the steps, as one trait.
//!
//! A leaf beside [`crate::model`]: it names the shared words, inputs,
//! sessions, progress and AWS access, never `steps`. The steps implement it
//! (`steps::ENGINE`); the crate root (`main.rs`) hands that implementation to
//! the front ends, so neither front end imports `steps`.
//!
//! Dyn-compatible: the async operations return boxed futures, so the front
//! ends hold one `&'static dyn Engine` and can move it into spawned tasks.

use crate::aws::AwsContext;
use crate::aws::find::Tagged;
use crate::aws::logs::LogSource;
use crate::error::Result;
use crate::inputs::Inputs;
use crate::model::{Change, Check, Resource, StepId};
use crate::progress::Progress;
use crate::session::{Session, SessionHandle};
use std::future::Future;
use std::pin::Pin;

/// A future the engine returns: boxed, sendable to another task, borrowing
/// for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The checks of each step applied, in order.
pub type Applied = Vec<(StepId, Vec<Check>)>;

/// The checks of each step validated, in the order asked; each may have
/// failed to run at all.
pub type Validated = Vec<(StepId, Result<Vec<Check>>)>;

/// What the front ends ask of the steps.
pub trait Engine: Send + Sync + std::fmt::Debug {
    /// The changes applying `step` would make. Pure: reads the inputs and the
    /// session only.
    fn plan(&self, step: StepId, inputs: &Inputs, session: &Session) -> Result<Vec<Change>>;

    /// Ties the session to the account (and sandbox instance) of `aws`,
    /// refusing a different account. Called before any step runs.
    fn bind<'a>(
        &'a self,
        aws: &'a AwsContext,
        h: &'a mut SessionHandle,
        sandbox_instance: Option<&'a str>,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<()>>;

    /// Applies every step up to and including `through`, validating each;
    /// stops at the first error or failing check.
    fn apply_through<'a>(
        &'a self,
        aws: &'a AwsContext,
        h: &'a mut SessionHandle,
        inputs: &'a Inputs,
        through: StepId,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<Applied>>;

    /// Applies one step and validates it, with the session's bookkeeping; a
    /// failing check is an error.
    fn apply_step<'a>(
        &'a self,
        aws: &'a AwsContext,
        h: &'a mut SessionHandle,
        inputs: &'a Inputs,
        step: StepId,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<Vec<Check>>>;

    /// Validates several steps concurrently (reads only; nothing is recorded).
    fn validate_steps<'a>(
        &'a self,
        aws: &'a AwsContext,
        session: &'a Session,
        inputs: &'a Inputs,
        steps: &'a [StepId],
    ) -> BoxFuture<'a, Validated>;

    /// The live resources of one step (reads only).
    fn inspect<'a>(
        &'a self,
        step: StepId,
        aws: &'a AwsContext,
        inputs: &'a Inputs,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<Vec<Resource>>>;

    /// Tears every step down in reverse order, then lists what is still
    /// tagged with the session (which should be nothing).
    fn teardown_all<'a>(
        &'a self,
        aws: &'a AwsContext,
        h: &'a mut SessionHandle,
        inputs: &'a Inputs,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<Vec<Tagged>>>;

    /// Where the service's container writes its lines (pure: from the
    /// inputs and the session). Before step 1 has made the log group, a
    /// refusal that says to apply it.
    fn log_source(&self, inputs: &Inputs, session: &Session) -> Result<LogSource>;

    /// Why the service's most recently stopped tasks stopped, as ECS says
    /// (`stoppedReason`); empty before the service exists.
    fn stopped_reasons<'a>(
        &'a self,
        aws: &'a AwsContext,
        inputs: &'a Inputs,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<Vec<String>>>;

    /// The input fields that may name an existing resource, offered by
    /// [`Engine::candidates`].
    fn candidate_fields(&self) -> &'static [&'static str];

    /// The existing resources `field` may name, sorted (empty for a field
    /// without candidates).
    fn candidates<'a>(
        &'a self,
        aws: &'a AwsContext,
        field: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>>>;
}
