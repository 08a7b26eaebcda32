//! Inputs of step 10: the path the smoke test fetches.

use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};

/// Inputs of step 10.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoneInputs {
    /// Path the smoke test fetches, below the stage.
    pub smoke_path: String,
}

impl StepInputs for DoneInputs {
    const STEP: StepId = StepId::Done;
    const FIELDS: &'static [Field] = &[Field {
        name: "smoke_path",
        meaning: "path the smoke test GETs below the invoke URL (starts with /)",
    }];

    fn defaults(_session: &str) -> Self {
        Self {
            smoke_path: "/".into(),
        }
    }

    fn check(&self, _all: &Inputs, _region: &str, e: &mut Errs<'_>) {
        let p = &self.smoke_path;
        if !p.starts_with('/') {
            e.push("smoke_path", format!("`{p}` must start with /"));
        } else if p.len() > 1024 {
            e.push("smoke_path", "must be at most 1024 characters");
        } else if let Some(c) = p
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || *c == '#')
        {
            e.push(
                "smoke_path",
                format!("`{p}` contains {c:?}; a URL path has no spaces, control characters or #"),
            );
        }
    }
}
