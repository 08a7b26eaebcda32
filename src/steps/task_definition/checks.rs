//! Live checks and inspection for step 1.

use super::{
    EXECUTION_POLICY, TASKDEF_KEY, attached_policies, fargate_size, get_role, latest_revision,
    matches_inputs,
};
use crate::aws::Required;
use crate::error::Result;
use crate::model::Fix;
use crate::session::Session;
use crate::steps::{Check, Resource, StepCx, StepId};
use aws_sdk_ecs::types::{Compatibility, NetworkMode, TaskDefinitionStatus};

#[expect(
    clippy::too_many_lines,
    reason = "a hand-written resource life cycle or check list; split by the resource kit (issue 12)"
)]
pub(super) async fn validate(cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
    let i = &cx.inputs.task_definition;
    let mut checks = Vec::new();
    let role_name = role_name(i, s);
    let role = get_role(cx.aws, &role_name).await?;
    let role_arn = role
        .as_ref()
        .map(|r| r.arn().to_string())
        .unwrap_or_default();
    checks.push(Check::expect(
        "execution role exists",
        role.is_some(),
        if role.is_some() { role_arn.clone() } else { format!("no role named {role_name}") },
        "apply task-definition to create it, or name an existing one in the input task-definition.execution_role",
    ));
    if let Some(role) = &role {
        let trust = role.assume_role_policy_document().unwrap_or_default();
        checks.push(Check::expect(
            "execution role trusts ecs-tasks.amazonaws.com",
            trust.contains("ecs-tasks.amazonaws.com"),
            if trust.contains("ecs-tasks.amazonaws.com") { "trusted" } else { "not in the trust policy" },
            "edit the role's trust relationship so the principal ecs-tasks.amazonaws.com may sts:AssumeRole",
        ));
        let policies = attached_policies(cx.aws, &role_name).await?;
        let has = policies.iter().any(|p| p.ends_with(EXECUTION_POLICY));
        let c = if has {
            Check::pass(
                "execution role may pull images",
                "AmazonECSTaskExecutionRolePolicy attached",
            )
        } else if i.uses_existing_role() || s.is_yours(super::ROLE_KEY) {
            Check::warn(
                "execution role may pull images",
                "AmazonECSTaskExecutionRolePolicy not attached",
                "make sure the role allows ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and logs:PutLogEvents, or attach AmazonECSTaskExecutionRolePolicy",
            )
        } else {
            Check::fail(
                "execution role may pull images",
                "AmazonECSTaskExecutionRolePolicy not attached",
                "apply task-definition to attach it",
            )
        };
        checks.push(c);
        let yours = i.uses_existing_role() || s.is_yours(super::ROLE_KEY);
        checks.extend(super::cache::check(cx, &role_name, yours).await?);
    }
    let recorded = s.output(TASKDEF_KEY);
    let td = match recorded {
        Some(arn) => latest_revision(cx.aws, arn).await?.map(|(td, _)| td),
        None => None,
    };
    let Some(td) = td else {
        checks.push(Check::fail(
            "task definition registered",
            recorded.map_or("not created yet".to_string(), |a| format!("{a} not found")),
            Fix::Apply(StepId::TaskDefinition),
        ));
        checks.extend(super::logs::checks(cx, s, None).await?);
        return Ok(checks);
    };
    let arn =
        &td.task_definition_arn()
            .required("ecs", "DescribeTaskDefinition", "taskDefinitionArn")?;
    checks.push(Check::expect(
        "task definition is active",
        td.status() == Some(&TaskDefinitionStatus::Active),
        format!(
            "{arn} is {}",
            td.status()
                .map_or("unknown", aws_sdk_ecs::types::TaskDefinitionStatus::as_str)
        ),
        "it was deregistered; apply task-definition to register it again",
    ));
    checks.push(Check::expect(
        "runs on Fargate",
        td.requires_compatibilities()
            .contains(&Compatibility::Fargate),
        format!(
            "{:?}",
            td.requires_compatibilities()
                .iter()
                .map(aws_sdk_ecs::types::Compatibility::as_str)
                .collect::<Vec<_>>()
        ),
        "register a revision with requiresCompatibilities FARGATE (applying task-definition does)",
    ));
    checks.push(Check::expect(
        "network mode is awsvpc",
        td.network_mode() == Some(&NetworkMode::Awsvpc),
        td.network_mode()
            .map_or("none", aws_sdk_ecs::types::NetworkMode::as_str)
            .to_string(),
        "Fargate tasks need networkMode awsvpc; register a new revision (applying task-definition does)",
    ));
    let cpu: u32 = td.cpu().and_then(|c| c.parse().ok()).unwrap_or(0);
    let mem: u32 = td.memory().and_then(|c| c.parse().ok()).unwrap_or(0);
    let size = fargate_size(cpu, mem);
    checks.push(Check::expect(
        "CPU and memory are a Fargate size",
        size.is_ok(),
        format!("{cpu} CPU / {mem} MiB"),
        size.err().unwrap_or_default(),
    ));
    let c = td.container_definitions().first();
    let port_ok = c.is_some_and(|c| {
        c.name() == Some(i.container_name.as_str())
            && c.port_mappings()
                .iter()
                .any(|p| p.container_port() == Some(crate::model::api_int(i.container_port)))
    });
    checks.push(Check::expect(
        "container and port mapping",
        port_ok,
        c.map_or_else(
            || "no container".into(),
            |c| {
                format!(
                    "{} maps {:?}",
                    c.name().unwrap_or("?"),
                    c.port_mappings()
                        .iter()
                        .filter_map(aws_sdk_ecs::types::PortMapping::container_port)
                        .collect::<Vec<_>>()
                )
            },
        ),
        format!(
            "the container must be named {} and map port {}",
            i.container_name, i.container_port
        ),
    ));
    checks.push(Check::expect(
        "uses the execution role",
        !role_arn.is_empty() && td.execution_role_arn() == Some(role_arn.as_str()),
        td.execution_role_arn().unwrap_or("none").to_string(),
        "apply task-definition to register a revision with the role",
    ));
    let region = &cx.aws.region;
    let image = super::task_image(cx.inputs, &cx.aws.identity().await?.account, region);
    checks.push(Check::expect(
        "matches the current inputs",
        matches_inputs(&td, i, &image, &role_arn, region, !s.is_yours(TASKDEF_KEY)),
        format!("revision {}", td.revision()),
        "inputs changed since the last apply; apply task-definition to register a new revision",
    ));
    checks.extend(super::logs::checks(cx, s, Some(&td)).await?);
    Ok(checks)
}

/// The execution role's name: a role of yours bound to the session by its
/// own name, else the one the inputs name (or gatewalk's).
fn role_name(i: &super::TaskDefinitionInputs, s: &Session) -> String {
    let yours = s
        .output(super::ROLE_KEY)
        .filter(|_| s.is_yours(super::ROLE_KEY));
    match yours {
        Some(arn) => arn.rsplit('/').next().unwrap_or(arn).to_string(),
        None => i.role_name(&s.name),
    }
}

pub(super) async fn inspect(cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
    let i = &cx.inputs.task_definition;
    let mut v = Vec::new();
    let role_name = role_name(i, s);
    match get_role(cx.aws, &role_name).await? {
        Some(r) => v.push(Resource {
            kind: "IAM role".into(),
            id: r.arn().to_string(),
            state: "exists".into(),
            attributes: vec![
                ("name".into(), role_name.clone()),
                (
                    "created by".into(),
                    if i.uses_existing_role() || s.is_yours(super::ROLE_KEY) {
                        "you".into()
                    } else {
                        "gatewalk".into()
                    },
                ),
                (
                    "policies".into(),
                    attached_policies(cx.aws, &role_name).await?.join(", "),
                ),
            ],
            console_url: cx
                .aws
                .console_url(&format!("iam/home#/roles/details/{role_name}")),
        }),
        None => v.push(Resource::missing("IAM role", &role_name)),
    }
    if let Some(arn) = s.output(TASKDEF_KEY) {
        match latest_revision(cx.aws, arn).await? {
            Some((td, _)) => {
                let c = td.container_definitions().first();
                v.push(Resource {
                    kind: "Task definition".into(),
                    id: arn.to_string(),
                    state: td
                        .status()
                        .map(|s| s.as_str().to_lowercase())
                        .unwrap_or_default(),
                    attributes: vec![
                        (
                            "family:revision".into(),
                            format!("{}:{}", td.family().unwrap_or(""), td.revision()),
                        ),
                        (
                            "cpu / memory".into(),
                            format!(
                                "{} / {} MiB",
                                td.cpu().unwrap_or("?"),
                                td.memory().unwrap_or("?")
                            ),
                        ),
                        (
                            "container".into(),
                            c.and_then(|c| c.name()).unwrap_or("?").to_string(),
                        ),
                        (
                            "image".into(),
                            c.and_then(|c| c.image()).unwrap_or("?").to_string(),
                        ),
                        ("port".into(), i.container_port.to_string()),
                    ],
                    console_url: cx.aws.console_url(&format!(
                        "ecs/v2/task-definitions/{}/{}?region={{region}}",
                        td.family().unwrap_or(""),
                        td.revision()
                    )),
                });
            }
            None => v.push(Resource::missing("Task definition", arn)),
        }
    }
    v.push(super::logs::inspect(cx, s).await?);
    Ok(v)
}
