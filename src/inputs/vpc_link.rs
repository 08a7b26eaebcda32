//! Inputs of step 8: the VPC Link's name.

use super::names::derive;
use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};

/// Inputs of step 8.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcLinkInputs {
    /// VPC Link name.
    pub vpc_link_name: String,
}

impl StepInputs for VpcLinkInputs {
    const STEP: StepId = StepId::VpcLink;
    const FIELDS: &'static [Field] = &[Field {
        name: "vpc_link_name",
        meaning: "name of the REST API VPC Link (1–128 letters, digits, spaces, - and _)",
    }];

    fn defaults(session: &str) -> Self {
        Self {
            vpc_link_name: derive(session, "link", 128),
        }
    }

    fn check(&self, _all: &Inputs, _region: &str, e: &mut Errs<'_>) {
        let n = &self.vpc_link_name;
        if n.trim().is_empty() || n.len() > 128 {
            e.push("vpc_link_name", "must be 1–128 characters");
        } else if let Some(c) = n
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || " -_".contains(*c)))
        {
            e.push(
                "vpc_link_name",
                format!("`{n}` contains `{c}`; use letters, digits, spaces, - and _"),
            );
        }
    }
}
