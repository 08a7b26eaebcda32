//! The step without inputs (7): it works on what earlier steps made.

use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};

/// Step 7 has no inputs: it works on what steps 4 and 6 made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGroupSwapInputs {}

impl StepInputs for TargetGroupSwapInputs {
    const STEP: StepId = StepId::TargetGroupSwap;
    const FIELDS: &'static [Field] = &[];
    fn defaults(_session: &str) -> Self {
        Self {}
    }
    fn check(&self, _all: &Inputs, _region: &str, _e: &mut Errs<'_>) {}
}
