//! The steps behind the front ends' door ([`crate::engine::Engine`]): each
//! operation delegates to [`super::engine`], the step dispatch or
//! [`super::candidates`].

use super::{StepCx, candidates, engine};
use crate::aws::AwsContext;
use crate::aws::find::Tagged;
use crate::aws::logs::LogSource;
use crate::engine::{Applied, BoxFuture, Engine, Validated};
use crate::error::Result;
use crate::inputs::Inputs;
use crate::model::{Change, Check, Resource, StepId};
use crate::progress::Progress;
use crate::session::{Session, SessionHandle};

/// The engine: the ten steps and the bookkeeping around them.
#[derive(Debug, Clone, Copy)]
pub struct Steps;

/// The engine the crate root hands to the front ends.
pub static ENGINE: Steps = Steps;

impl Engine for Steps {
    fn plan(&self, step: StepId, inputs: &Inputs, session: &Session) -> Result<Vec<Change>> {
        super::plan(step, inputs, session)
    }

    fn bind<'a>(
        &'a self,
        aws: &'a AwsContext,
        h: &'a mut SessionHandle,
        sandbox_instance: Option<&'a str>,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(engine::bind(aws, h, sandbox_instance, progress))
    }

    fn apply_through<'a>(
        &'a self,
        aws: &'a AwsContext,
        h: &'a mut SessionHandle,
        inputs: &'a Inputs,
        through: StepId,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<Applied>> {
        Box::pin(engine::apply_through(aws, h, inputs, through, progress))
    }

    fn apply_step<'a>(
        &'a self,
        aws: &'a AwsContext,
        h: &'a mut SessionHandle,
        inputs: &'a Inputs,
        step: StepId,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<Vec<Check>>> {
        Box::pin(engine::apply_step(aws, h, inputs, step, progress))
    }

    fn validate_steps<'a>(
        &'a self,
        aws: &'a AwsContext,
        session: &'a Session,
        inputs: &'a Inputs,
        steps: &'a [StepId],
    ) -> BoxFuture<'a, Validated> {
        Box::pin(engine::validate_steps(aws, session, inputs, steps))
    }

    fn inspect<'a>(
        &'a self,
        step: StepId,
        aws: &'a AwsContext,
        inputs: &'a Inputs,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<Vec<Resource>>> {
        Box::pin(async move {
            let progress = Progress::silent();
            let cx = StepCx {
                aws,
                inputs,
                progress: &progress,
            };
            super::inspect(step, cx, session).await
        })
    }

    fn teardown_all<'a>(
        &'a self,
        aws: &'a AwsContext,
        h: &'a mut SessionHandle,
        inputs: &'a Inputs,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<Vec<Tagged>>> {
        Box::pin(engine::teardown_all(aws, h, inputs, progress))
    }

    fn log_source(&self, inputs: &Inputs, session: &Session) -> Result<LogSource> {
        super::task_definition::log_source(inputs, session)
    }

    fn stopped_reasons<'a>(
        &'a self,
        aws: &'a AwsContext,
        inputs: &'a Inputs,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(super::service::last_stopped_reasons(aws, inputs, session))
    }

    fn candidate_fields(&self) -> &'static [&'static str] {
        candidates::FIELDS
    }

    fn candidates<'a>(
        &'a self,
        aws: &'a AwsContext,
        field: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(candidates::list(aws, field))
    }
}
