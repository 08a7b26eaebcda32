//! Inputs of step 4: the internal NLB's name and its placeholder target group's.

use super::names::{check_elb_name, derive};
use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};

/// Inputs of step 4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerInputs {
    /// Network Load Balancer name.
    pub nlb_name: String,
    /// Placeholder target group name.
    pub placeholder_target_group_name: String,
}

impl StepInputs for LoadBalancerInputs {
    const STEP: StepId = StepId::LoadBalancer;
    const FIELDS: &'static [Field] = &[
        Field {
            name: "nlb_name",
            meaning: "internal NLB name: 1–32 letters, digits, hyphens; not starting with internal-",
        },
        Field {
            name: "placeholder_target_group_name",
            meaning: "the throwaway target group the console makes you create with the NLB (1–32 characters)",
        },
    ];

    fn defaults(session: &str) -> Self {
        let mut nlb_name = derive(session, "nlb", 32);
        if nlb_name.starts_with("internal-") {
            nlb_name = derive(&format!("gw-{session}"), "nlb", 32);
        }
        Self {
            nlb_name,
            placeholder_target_group_name: derive(session, "placeholder", 32),
        }
    }

    fn check(&self, _all: &Inputs, _region: &str, e: &mut Errs<'_>) {
        e.check("nlb_name", check_elb_name(&self.nlb_name, true));
        e.check(
            "placeholder_target_group_name",
            check_elb_name(&self.placeholder_target_group_name, false),
        );
    }
}
