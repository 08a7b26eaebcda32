//! Inputs of step 1 and the Fargate rules they must obey.

use super::names::{check_ecs_name, check_role_name, derive};
use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};

/// Inputs of step 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDefinitionInputs {
    /// Task definition family.
    pub family: String,
    /// Container name.
    pub container_name: String,
    /// Container image.
    pub image: String,
    /// Port the container listens on.
    pub container_port: u32,
    /// Task CPU units.
    pub cpu: u32,
    /// Task memory in MiB.
    pub memory: u32,
    /// Existing execution role (name or ARN); empty to create one.
    pub execution_role: String,
    /// CloudWatch Logs group for the container's output; empty for
    /// `/ecs/<family>`.
    pub log_group: String,
}

impl TaskDefinitionInputs {
    /// The name of the role gatewalk creates when none is given.
    pub fn created_role_name(session: &str) -> String {
        derive(session, "task-execution", 64)
    }

    /// The role name to look up: the given one (name or ARN) or the created one.
    pub fn role_name(&self, session: &str) -> String {
        if self.execution_role.trim().is_empty() {
            Self::created_role_name(session)
        } else {
            let r = self.execution_role.trim();
            r.rsplit('/').next().unwrap_or(r).to_string()
        }
    }

    /// The log group the container writes to: the one given, or
    /// `/ecs/<family>` as the console names it.
    pub fn log_group_name(&self) -> String {
        match self.log_group.trim() {
            "" => format!("/ecs/{}", self.family.trim()),
            g => g.to_string(),
        }
    }

    /// Whether the user chose an existing role.
    pub fn uses_existing_role(&self) -> bool {
        !self.execution_role.trim().is_empty()
    }
}

impl StepInputs for TaskDefinitionInputs {
    const STEP: StepId = StepId::TaskDefinition;
    const FIELDS: &'static [Field] = &[
        Field {
            name: "family",
            meaning: "task definition family name; each apply with changed settings adds a revision",
        },
        Field {
            name: "container_name",
            meaning: "name of the container in the task (the service and NLB refer to it)",
        },
        Field {
            name: "image",
            meaning: "container image to run, pulled through the NAT gateway (or, with nat-gateway.egress=endpoints, from ECR through VPC endpoints)",
        },
        Field {
            name: "container_port",
            meaning: "TCP port the container listens on (80, 443 or above 1024 for API Gateway)",
        },
        Field {
            name: "cpu",
            meaning: "task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384",
        },
        Field {
            name: "memory",
            meaning: "task memory in MiB; each cpu size allows its own range (256 CPU → 512, 1024 or 2048 MiB)",
        },
        Field {
            name: "execution_role",
            meaning: "existing execution role name or ARN; empty creates <session>-task-execution",
        },
        Field {
            name: "log_group",
            meaning: "CloudWatch Logs group the container writes to (kept 7 days); empty means /ecs/<family>, as the console names it",
        },
    ];

    fn defaults(session: &str) -> Self {
        Self {
            family: session.to_string(),
            container_name: "app".into(),
            image: "public.ecr.aws/nginx/nginx:stable-alpine".into(),
            container_port: 80,
            cpu: 256,
            memory: 512,
            execution_role: String::new(),
            log_group: String::new(),
        }
    }

    fn check(&self, _all: &Inputs, _region: &str, e: &mut Errs<'_>) {
        e.check("family", check_ecs_name(&self.family));
        e.check("container_name", check_ecs_name(&self.container_name));
        let image = self.image.trim();
        if image.is_empty() {
            e.push(
                "image",
                "an image is required, e.g. public.ecr.aws/nginx/nginx:stable-alpine",
            );
        } else if image.chars().any(char::is_whitespace) {
            e.push(
                "image",
                format!("`{image}` contains whitespace; an image reference has none"),
            );
        } else if image.len() > 255 {
            e.push("image", "is longer than the 255 characters ECS accepts");
        }
        e.check("container_port", check_port(self.container_port));
        // Empty is /ecs/<family>, valid whenever the family is.
        if !self.log_group.trim().is_empty() {
            e.check("log_group", check_log_group(self.log_group.trim()));
        }
        match fargate_memory(self.cpu) {
            Err(m) => e.push("cpu", m),
            Ok(_) => e.check("memory", fargate_size(self.cpu, self.memory)),
        }
        let role = self.execution_role.trim();
        if role.starts_with("arn:") {
            let ok = role.split(':').count() == 6 && role.contains(":role/");
            if ok {
                e.check(
                    "execution_role",
                    check_role_name(role.rsplit('/').next().unwrap_or("")),
                );
            } else {
                e.push(
                    "execution_role",
                    format!(
                        "`{role}` is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"
                    ),
                );
            }
        } else if !role.is_empty() {
            e.check("execution_role", check_role_name(role));
        }
    }
}

/// A container port API Gateway can reach through the NLB: 1–65535, and for an
/// HTTP integration 80, 443 or above 1024.
pub fn check_port(port: u32) -> std::result::Result<(), String> {
    if port == 0 || port > 65535 {
        return Err(format!("{port} is not a TCP port (1–65535)"));
    }
    if port != 80 && port != 443 && port <= 1024 {
        return Err(format!(
            "{port} cannot be used: API Gateway HTTP integrations reach only ports 80, 443 and above 1024"
        ));
    }
    Ok(())
}

/// A CloudWatch Logs group name: 1–512 letters, digits and `_ - / . #`.
pub fn check_log_group(name: &str) -> std::result::Result<(), String> {
    let shown = crate::text::shown(name);
    if name.is_empty() || name.len() > 512 {
        return Err(format!(
            "`{shown}` is {} characters; a log group name has 1 to 512",
            name.chars().count()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/' | '.' | '#')))
    {
        return Err(format!(
            "`{shown}` contains `{c}`; a log group name has only letters, digits and _ - / . #"
        ));
    }
    Ok(())
}

/// The memory sizes (MiB) Fargate runs with `cpu` units, smallest first, or
/// why `cpu` is not a Fargate size.
pub fn fargate_memory(cpu: u32) -> std::result::Result<Vec<u32>, String> {
    let gib = |g: u32| g * 1024;
    Ok(match cpu {
        256 => vec![512, 1024, 2048],
        512 => (1..=4).map(gib).collect(),
        1024 => (2..=8).map(gib).collect(),
        2048 => (4..=16).map(gib).collect(),
        4096 => (8..=30).map(gib).collect(),
        8192 => (16..=60).step_by(4).map(gib).collect(),
        16384 => (32..=120).step_by(8).map(gib).collect(),
        _ => {
            return Err(format!(
                "cpu {cpu} is not a Fargate size; use 256, 512, 1024, 2048, 4096, 8192 or 16384"
            ));
        }
    })
}

/// The memory cpu `cpu` allows, in words: `cpu 512 allows 1024–4096 MiB in
/// steps of 1024 MiB`.
pub fn memory_range(cpu: u32) -> std::result::Result<String, String> {
    let allowed = fargate_memory(cpu)?;
    let (lo, hi) = (allowed[0], allowed[allowed.len() - 1]);
    Ok(match allowed.get(1) {
        Some(next) if allowed.windows(2).all(|w| w[1] - w[0] == next - lo) => {
            format!(
                "cpu {cpu} allows {lo}–{hi} MiB in steps of {} MiB",
                next - lo
            )
        }
        _ => format!(
            "cpu {cpu} allows {} MiB",
            allowed
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// Whether `cpu`/`memory` (MiB) is a size Fargate runs.
pub fn fargate_size(cpu: u32, memory: u32) -> std::result::Result<(), String> {
    let allowed = fargate_memory(cpu)?;
    if allowed.contains(&memory) {
        return Ok(());
    }
    Err(format!(
        "{memory} MiB does not pair with cpu {cpu}: {} (set task_definition.memory too)",
        memory_range(cpu)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_pairs() {
        assert!(fargate_size(256, 512).is_ok());
        assert!(fargate_size(256, 4096).is_err());
        assert!(fargate_size(512, 4096).is_ok());
        assert!(fargate_size(4096, 30 * 1024).is_ok());
        assert!(fargate_size(8192, 20 * 1024).is_ok());
        assert!(fargate_size(8192, 18 * 1024).is_err());
        assert!(fargate_size(16384, 40 * 1024).is_ok());
        assert!(fargate_size(16384, 36 * 1024).is_err());
        assert!(
            fargate_size(300, 512)
                .unwrap_err()
                .contains("not a Fargate size")
        );
        assert_eq!(
            memory_range(256).unwrap(),
            "cpu 256 allows 512, 1024, 2048 MiB"
        );
        assert_eq!(
            memory_range(512).unwrap(),
            "cpu 512 allows 1024–4096 MiB in steps of 1024 MiB"
        );
    }

    #[test]
    fn log_group_names() {
        let mut i = TaskDefinitionInputs::defaults("demo");
        assert_eq!(i.log_group_name(), "/ecs/demo");
        i.family = "web".into();
        assert_eq!(i.log_group_name(), "/ecs/web");
        i.log_group = " /aws/ecs/mine ".into();
        assert_eq!(i.log_group_name(), "/aws/ecs/mine");
        assert!(check_log_group("/ecs/app_1.x-#2").is_ok());
        assert!(check_log_group(&"a".repeat(512)).is_ok());
        assert!(
            check_log_group(&"a".repeat(513))
                .unwrap_err()
                .contains("1 to 512")
        );
        assert!(check_log_group("/ecs/my app").unwrap_err().contains("` `"));
        assert!(check_log_group("/ecs/a:b").unwrap_err().contains("`:`"));
    }

    #[test]
    fn a_cpu_that_is_not_a_size_is_the_cpus_fault() {
        let s = crate::session::Session::new("t", "us-east-1");
        let o = crate::inputs::Override {
            step: crate::model::StepId::TaskDefinition,
            field: "cpu".into(),
            value: crate::inputs::OverrideValue::Text("300".into()),
        };
        let errs = crate::inputs::Inputs::resolve(&s, &[o]).unwrap_err();
        assert!(errs.iter().all(|e| e.field == "cpu"), "{errs:?}");
    }
}
