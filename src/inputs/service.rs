//! Inputs of step 6: the service, its target group and the tuning that makes
//! deployments and health checks quick enough for a walkthrough.

use super::names::{check_ecs_name, check_elb_name, derive};
use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};

pub use crate::model::MAX_DESIRED;

/// Inputs of step 6.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceInputs {
    /// ECS service name.
    pub service_name: String,
    /// How many tasks to run.
    pub desired_count: u32,
    /// The service's target group name.
    pub target_group_name: String,
    /// Seconds between NLB health checks.
    pub health_check_interval_seconds: u32,
    /// Seconds a deregistering target keeps its connections.
    pub deregistration_delay_seconds: u32,
}

impl StepInputs for ServiceInputs {
    const STEP: StepId = StepId::Service;
    const FIELDS: &'static [Field] = &[
        Field {
            name: "service_name",
            meaning: "ECS service name (letters, digits, _ and -)",
        },
        Field {
            name: "desired_count",
            meaning: "how many tasks to keep running, 1–10",
        },
        Field {
            name: "target_group_name",
            meaning: "the service's target group (type ip), 1–32 characters",
        },
        Field {
            name: "health_check_interval_seconds",
            meaning: "NLB health check interval, 5–300 s (AWS default 30; 10 gets targets healthy sooner)",
        },
        Field {
            name: "deregistration_delay_seconds",
            meaning: "how long a stopping task keeps connections, 0–3600 s (AWS default 300 slows every deploy and teardown)",
        },
    ];

    fn defaults(session: &str) -> Self {
        Self {
            service_name: derive(session, "service", 255),
            desired_count: 1,
            target_group_name: derive(session, "tg", 32),
            health_check_interval_seconds: 10,
            deregistration_delay_seconds: 30,
        }
    }

    fn check(&self, all: &Inputs, _region: &str, e: &mut Errs<'_>) {
        e.check("service_name", check_ecs_name(&self.service_name));
        e.check(
            "target_group_name",
            check_elb_name(&self.target_group_name, false),
        );
        if self.target_group_name == all.load_balancer.placeholder_target_group_name {
            e.push(
                "target_group_name",
                "must differ from the placeholder target group's name",
            );
        }
        if !(1..=MAX_DESIRED).contains(&self.desired_count) {
            e.push(
                "desired_count",
                format!("{} is outside 1–{MAX_DESIRED}", self.desired_count),
            );
        }
        if !(5..=300).contains(&self.health_check_interval_seconds) {
            e.push(
                "health_check_interval_seconds",
                format!(
                    "{} is outside 5–300 seconds",
                    self.health_check_interval_seconds
                ),
            );
        }
        if self.deregistration_delay_seconds > 3600 {
            e.push(
                "deregistration_delay_seconds",
                format!(
                    "{} is above 3600 seconds",
                    self.deregistration_delay_seconds
                ),
            );
        }
    }
}
