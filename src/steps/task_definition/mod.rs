//! Step 1, `task-definition`: a Fargate task definition and the execution role
//! ECS uses to pull the image.

use super::inputs::{Errs, Field, Inputs, StepInputs};
use super::names::{check_ecs_name, check_role_name, derive};
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::error::optional;
use crate::aws::tags::{ResourceTags, SESSION_KEY};
use crate::aws::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle};
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, NetworkMode, PortMapping, TaskDefinitionField,
    TaskDefinitionStatus, TransportProtocol,
};
use serde::{Deserialize, Serialize};

/// The managed policy that lets ECS pull images and write logs for a task.
pub const EXECUTION_POLICY: &str = "policy/service-role/AmazonECSTaskExecutionRolePolicy";
const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

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

    /// Whether the user chose an existing role.
    pub fn uses_existing_role(&self) -> bool {
        !self.execution_role.trim().is_empty()
    }
}

impl StepInputs for TaskDefinitionInputs {
    const STEP: StepId = StepId::TaskDefinition;
    const FIELDS: &'static [Field] = &[
        Field { name: "family", meaning: "task definition family name; each apply with changed settings adds a revision" },
        Field { name: "container_name", meaning: "name of the container in the task (the service and NLB refer to it)" },
        Field { name: "image", meaning: "container image to run, pulled through the NAT gateway" },
        Field { name: "container_port", meaning: "TCP port the container listens on (80, 443 or above 1024 for API Gateway)" },
        Field { name: "cpu", meaning: "task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384" },
        Field { name: "memory", meaning: "task memory in MiB; must pair with cpu (256 CPU → 512, 1024 or 2048)" },
        Field { name: "execution_role", meaning: "existing execution role name or ARN; empty creates <session>-task-execution" },
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
        }
    }

    fn check(&self, _all: &Inputs, _region: &str, e: &mut Errs<'_>) {
        e.check("family", check_ecs_name(&self.family));
        e.check("container_name", check_ecs_name(&self.container_name));
        let image = self.image.trim();
        if image.is_empty() {
            e.push("image", "an image is required, e.g. public.ecr.aws/nginx/nginx:stable-alpine");
        } else if image.chars().any(char::is_whitespace) {
            e.push("image", format!("`{image}` contains whitespace; an image reference has none"));
        } else if image.len() > 255 {
            e.push("image", "is longer than the 255 characters ECS accepts");
        }
        e.check("container_port", check_port(self.container_port));
        e.check("memory", fargate_size(self.cpu, self.memory));
        let role = self.execution_role.trim();
        if role.starts_with("arn:") {
            let ok = role.split(':').count() == 6 && role.contains(":role/");
            if !ok {
                e.push("execution_role", format!("`{role}` is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"));
            } else {
                e.check("execution_role", check_role_name(role.rsplit('/').next().unwrap_or("")));
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

/// Whether `cpu`/`memory` (MiB) is a size Fargate runs.
pub fn fargate_size(cpu: u32, memory: u32) -> std::result::Result<(), String> {
    let gib = |g: u32| g * 1024;
    let allowed: Vec<u32> = match cpu {
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
    };
    if allowed.contains(&memory) {
        return Ok(());
    }
    let (lo, hi) = (allowed[0], allowed[allowed.len() - 1]);
    let step = if allowed.len() > 1 { allowed[1] - allowed[0] } else { 0 };
    Err(format!(
        "{memory} MiB does not pair with cpu {cpu}; Fargate allows {lo}–{hi} MiB in steps of {step} MiB"
    ))
}

/// Step 1.
#[derive(Debug, Clone, Copy)]
pub struct TaskDefinition;

const ROLE_KEY: &str = "execution_role_arn";
const ROLE_OWNED_KEY: &str = "execution_role_created";
const TASKDEF_KEY: &str = "task_definition_arn";

fn container_json(i: &TaskDefinitionInputs) -> String {
    format!(
        r#"[{{"name":"{}","image":"{}","essential":true,"portMappings":[{{"containerPort":{},"protocol":"tcp"}}]}}]"#,
        i.container_name, i.image, i.container_port
    )
}

/// The live task definition's shape, for comparing with the inputs.
fn matches_inputs(td: &aws_sdk_ecs::types::TaskDefinition, i: &TaskDefinitionInputs, role_arn: &str) -> bool {
    let c = td.container_definitions().first();
    td.cpu() == Some(i.cpu.to_string().as_str())
        && td.memory() == Some(i.memory.to_string().as_str())
        && td.network_mode() == Some(&NetworkMode::Awsvpc)
        && td.requires_compatibilities().contains(&Compatibility::Fargate)
        && td.execution_role_arn() == Some(role_arn)
        && td.container_definitions().len() == 1
        && c.and_then(|c| c.name()) == Some(i.container_name.as_str())
        && c.and_then(|c| c.image()) == Some(i.image.as_str())
        && c.map(|c| c.port_mappings().iter().filter_map(|p| p.container_port()).collect::<Vec<_>>())
            == Some(vec![i.container_port as i32])
}

/// The latest ACTIVE revision of a family with its tags, if the family exists.
async fn latest_revision(
    aws: &AwsContext,
    family_or_arn: &str,
) -> Result<Option<(aws_sdk_ecs::types::TaskDefinition, Vec<aws_sdk_ecs::types::Tag>)>> {
    let r = aws
        .ecs
        .describe_task_definition()
        .task_definition(family_or_arn)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .ctx("ecs", "DescribeTaskDefinition");
    match r {
        Ok(out) => Ok(out
            .task_definition()
            .cloned()
            .map(|td| (td, out.tags().to_vec()))),
        // ECS answers an unknown family with a generic ClientException.
        Err(e) if e.code == "ClientException" || e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn ecs_session_tag(tags: &[aws_sdk_ecs::types::Tag]) -> Option<String> {
    crate::aws::tags::session_of(tags.iter().map(|t| (t.key(), t.value())))
}

async fn get_role(aws: &AwsContext, name: &str) -> Result<Option<aws_sdk_iam::types::Role>> {
    let r = aws.iam.get_role().role_name(name).send().await.ctx("iam", "GetRole");
    Ok(optional(r)?.and_then(|o| o.role().cloned()))
}

async fn attached_policies(aws: &AwsContext, role: &str) -> Result<Vec<String>> {
    let out = aws
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .ctx("iam", "ListAttachedRolePolicies")?;
    Ok(out
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect())
}

impl TaskDefinition {
    async fn ensure_role(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<String> {
        let aws = cx.aws;
        let i = &cx.inputs.task_definition;
        let session = h.session().name.clone();
        let name = i.role_name(&session);
        let p = cx.progress;
        if i.uses_existing_role() {
            let role = get_role(aws, &name).await?.ok_or_else(|| {
                Error::Conflict(format!(
                    "execution role `{name}` does not exist in this account.\n  hint: create it, or clear task-definition.execution_role so gatewalk creates one"
                ))
            })?;
            p.reused("IAM role (your choice)", role.arn());
            h.record(StepId::TaskDefinition, ROLE_OWNED_KEY, "false")?;
            h.record(StepId::TaskDefinition, ROLE_KEY, role.arn())?;
            return Ok(role.arn().to_string());
        }
        let tags = ResourceTags::new(&session, "task-execution-role");
        let arn = match get_role(aws, &name).await? {
            Some(role) => {
                let owner = crate::aws::tags::session_of(role.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
                if owner.as_deref() != Some(session.as_str()) {
                    return Err(Error::Conflict(format!(
                        "an IAM role named `{name}` already exists and was not created by this session.\n  hint: to use it, run with --set task-definition.execution_role={name}"
                    )));
                }
                p.reused("IAM role", role.arn());
                role.arn().to_string()
            }
            None => {
                let out = aws
                    .iam
                    .create_role()
                    .role_name(&name)
                    .assume_role_policy_document(TRUST_POLICY)
                    .description(format!("ECS task execution role for gatewalk session {session}"))
                    .set_tags(Some(tags.iam()))
                    .send()
                    .await
                    .ctx("iam", "CreateRole")?;
                let arn = out.role().map(|r| r.arn().to_string()).unwrap_or_default();
                h.record(StepId::TaskDefinition, ROLE_OWNED_KEY, "true")?;
                h.record(StepId::TaskDefinition, ROLE_KEY, &arn)?;
                p.created("IAM role", &arn);
                arn
            }
        };
        h.record(StepId::TaskDefinition, ROLE_OWNED_KEY, "true")?;
        h.record(StepId::TaskDefinition, ROLE_KEY, &arn)?;
        let partition = &aws.identity().await?.partition;
        let policy = format!("arn:{partition}:iam::aws:{EXECUTION_POLICY}");
        if !attached_policies(aws, &name).await?.contains(&policy) {
            aws.iam
                .attach_role_policy()
                .role_name(&name)
                .policy_arn(&policy)
                .send()
                .await
                .ctx("iam", "AttachRolePolicy")?;
            p.info(format!("attached AmazonECSTaskExecutionRolePolicy to {name}"));
        }
        Ok(arn)
    }
}

impl Step for TaskDefinition {
    fn id(&self) -> StepId {
        StepId::TaskDefinition
    }

    fn plan(&self, inputs: &Inputs, session: &Session) -> Vec<Change> {
        let i = &inputs.task_definition;
        let out = |k| session.output(StepId::TaskDefinition, k);
        let role = i.role_name(&session.name);
        let mut v = Vec::new();
        if i.uses_existing_role() {
            v.push(Change::create_or_keep(
                Some("your existing role"),
                format!("use execution role {role}"),
                format!("aws iam get-role --role-name {role}"),
            ));
        } else {
            v.push(Change::create_or_keep(
                out(ROLE_KEY),
                format!("IAM role {role}, trusted by ecs-tasks.amazonaws.com"),
                format!(
                    "aws iam create-role --role-name {role} --assume-role-policy-document '{TRUST_POLICY}' --tags Key={SESSION_KEY},Value={}",
                    session.name
                ),
            ));
            v.push(Change::create_or_keep(
                out(ROLE_KEY).map(|_| "attached"),
                "attach AmazonECSTaskExecutionRolePolicy to the role".to_string(),
                format!("aws iam attach-role-policy --role-name {role} --policy-arn arn:aws:iam::aws:{EXECUTION_POLICY}"),
            ));
        }
        v.push(Change::create_or_keep(
            out(TASKDEF_KEY),
            format!(
                "task definition {} (Fargate, awsvpc, {} CPU / {} MiB, container {} = {} on port {})",
                i.family, i.cpu, i.memory, i.container_name, i.image, i.container_port
            ),
            format!(
                "aws ecs register-task-definition --family {} --requires-compatibilities FARGATE --network-mode awsvpc --cpu {} --memory {} --execution-role-arn $EXECUTION_ROLE_ARN --container-definitions '{}'",
                i.family, i.cpu, i.memory, container_json(i)
            ),
        ));
        v
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let role_arn = self.ensure_role(cx, h).await?;
        let i = &cx.inputs.task_definition;
        let session = h.session().name.clone();
        if let Some((td, tags)) = latest_revision(cx.aws, &i.family).await? {
            let owner = ecs_session_tag(&tags);
            if owner.as_deref() != Some(session.as_str()) {
                return Err(Error::Conflict(format!(
                    "task definition family `{}` already exists and is not from this session.\n  hint: choose another with --set task-definition.family=NAME",
                    i.family
                )));
            }
            if matches_inputs(&td, i, &role_arn) {
                let arn = td.task_definition_arn().unwrap_or_default().to_string();
                cx.progress.reused("task definition", &arn);
                h.record(StepId::TaskDefinition, TASKDEF_KEY, &arn)?;
                return Ok(());
            }
            cx.progress.info("the task definition's settings changed: registering a new revision");
        }
        let out = cx
            .aws
            .ecs
            .register_task_definition()
            .family(&i.family)
            .requires_compatibilities(Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .cpu(i.cpu.to_string())
            .memory(i.memory.to_string())
            .execution_role_arn(&role_arn)
            .container_definitions(
                ContainerDefinition::builder()
                    .name(&i.container_name)
                    .image(&i.image)
                    .essential(true)
                    .port_mappings(
                        PortMapping::builder()
                            .container_port(i.container_port as i32)
                            .protocol(TransportProtocol::Tcp)
                            .build(),
                    )
                    .build(),
            )
            .set_tags(Some(ResourceTags::new(&session, "task-definition").ecs()))
            .send()
            .await
            .ctx("ecs", "RegisterTaskDefinition")?;
        let arn = out
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap_or_default()
            .to_string();
        h.record(StepId::TaskDefinition, TASKDEF_KEY, &arn)?;
        cx.progress.created("task definition", &arn);
        Ok(())
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        let i = &cx.inputs.task_definition;
        let mut checks = Vec::new();
        let role_name = i.role_name(&s.name);
        let role = get_role(cx.aws, &role_name).await?;
        let role_arn = role.as_ref().map(|r| r.arn().to_string()).unwrap_or_default();
        checks.push(Check::expect(
            "execution role exists",
            role.is_some(),
            if role.is_some() { role_arn.clone() } else { format!("no role named {role_name}") },
            "run `gatewalk apply --through task-definition` to create it, or name an existing one with --set task-definition.execution_role=NAME",
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
                Check::pass("execution role may pull images", "AmazonECSTaskExecutionRolePolicy attached")
            } else if i.uses_existing_role() {
                Check::warn(
                    "execution role may pull images",
                    "AmazonECSTaskExecutionRolePolicy not attached",
                    "make sure the role allows ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and logs:PutLogEvents, or attach AmazonECSTaskExecutionRolePolicy",
                )
            } else {
                Check::fail(
                    "execution role may pull images",
                    "AmazonECSTaskExecutionRolePolicy not attached",
                    "run `gatewalk apply --through task-definition` to attach it",
                )
            };
            checks.push(c);
        }
        let recorded = s.output(StepId::TaskDefinition, TASKDEF_KEY);
        let td = match recorded {
            Some(arn) => latest_revision(cx.aws, arn).await?.map(|(td, _)| td),
            None => None,
        };
        let Some(td) = td else {
            checks.push(Check::fail(
                "task definition registered",
                recorded.map_or("not created yet".to_string(), |a| format!("{a} not found")),
                "run `gatewalk apply --through task-definition`",
            ));
            return Ok(checks);
        };
        let arn = td.task_definition_arn().unwrap_or_default();
        checks.push(Check::expect(
            "task definition is active",
            td.status() == Some(&TaskDefinitionStatus::Active),
            format!("{arn} is {}", td.status().map(|s| s.as_str()).unwrap_or("unknown")),
            "it was deregistered; run `gatewalk apply --through task-definition` to register it again",
        ));
        checks.push(Check::expect(
            "runs on Fargate",
            td.requires_compatibilities().contains(&Compatibility::Fargate),
            format!("{:?}", td.requires_compatibilities().iter().map(|c| c.as_str()).collect::<Vec<_>>()),
            "register a revision with requiresCompatibilities FARGATE (gatewalk apply does)",
        ));
        checks.push(Check::expect(
            "network mode is awsvpc",
            td.network_mode() == Some(&NetworkMode::Awsvpc),
            td.network_mode().map(|m| m.as_str()).unwrap_or("none").to_string(),
            "Fargate tasks need networkMode awsvpc; register a new revision (gatewalk apply does)",
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
                && c.port_mappings().iter().any(|p| p.container_port() == Some(i.container_port as i32))
        });
        checks.push(Check::expect(
            "container and port mapping",
            port_ok,
            c.map(|c| {
                format!(
                    "{} maps {:?}",
                    c.name().unwrap_or("?"),
                    c.port_mappings().iter().filter_map(|p| p.container_port()).collect::<Vec<_>>()
                )
            })
            .unwrap_or_else(|| "no container".into()),
            format!("the container must be named {} and map port {}", i.container_name, i.container_port),
        ));
        checks.push(Check::expect(
            "uses the execution role",
            !role_arn.is_empty() && td.execution_role_arn() == Some(role_arn.as_str()),
            td.execution_role_arn().unwrap_or("none").to_string(),
            "run `gatewalk apply --through task-definition` to register a revision with the role",
        ));
        checks.push(Check::expect(
            "matches the current inputs",
            matches_inputs(&td, i, &role_arn),
            format!("revision {}", td.revision()),
            "inputs changed since the last apply; run `gatewalk apply --through task-definition` to register a new revision",
        ));
        Ok(checks)
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        let i = &cx.inputs.task_definition;
        let mut v = Vec::new();
        let role_name = i.role_name(&s.name);
        match get_role(cx.aws, &role_name).await? {
            Some(r) => v.push(Resource {
                kind: "IAM role".into(),
                id: r.arn().to_string(),
                state: "exists".into(),
                attributes: vec![
                    ("name".into(), role_name.clone()),
                    ("created by".into(), if i.uses_existing_role() { "you".into() } else { "gatewalk".into() }),
                    ("policies".into(), attached_policies(cx.aws, &role_name).await?.join(", ")),
                ],
                console_url: cx.aws.console_url(&format!("iam/home#/roles/details/{role_name}")),
            }),
            None => v.push(missing("IAM role", &role_name)),
        }
        if let Some(arn) = s.output(StepId::TaskDefinition, TASKDEF_KEY) {
            match latest_revision(cx.aws, arn).await? {
                Some((td, _)) => {
                    let c = td.container_definitions().first();
                    v.push(Resource {
                        kind: "Task definition".into(),
                        id: arn.to_string(),
                        state: td.status().map(|s| s.as_str().to_lowercase()).unwrap_or_default(),
                        attributes: vec![
                            ("family:revision".into(), format!("{}:{}", td.family().unwrap_or(""), td.revision())),
                            ("cpu / memory".into(), format!("{} / {} MiB", td.cpu().unwrap_or("?"), td.memory().unwrap_or("?"))),
                            ("container".into(), c.and_then(|c| c.name()).unwrap_or("?").to_string()),
                            ("image".into(), c.and_then(|c| c.image()).unwrap_or("?").to_string()),
                            ("port".into(), i.container_port.to_string()),
                        ],
                        console_url: cx.aws.console_url(&format!(
                            "ecs/v2/task-definitions/{}/{}?region={{region}}",
                            td.family().unwrap_or(""),
                            td.revision()
                        )),
                    });
                }
                None => v.push(missing("Task definition", arn)),
            }
        }
        Ok(v)
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let session = h.session().name.clone();
        let i = &cx.inputs.task_definition;
        // Every active revision of the family that carries this session's tag.
        let mut token = None;
        loop {
            let out = cx
                .aws
                .ecs
                .list_task_definitions()
                .family_prefix(&i.family)
                .status(TaskDefinitionStatus::Active)
                .set_next_token(token)
                .send()
                .await
                .ctx("ecs", "ListTaskDefinitions")?;
            for arn in out.task_definition_arns() {
                // family_prefix also matches longer families; keep exact ones.
                let fam = arn.rsplit('/').next().and_then(|x| x.rsplit_once(':')).map(|x| x.0);
                if fam != Some(i.family.as_str()) {
                    continue;
                }
                let Some((_, tags)) = latest_revision(cx.aws, arn).await? else { continue };
                if ecs_session_tag(&tags).as_deref() != Some(session.as_str()) {
                    continue;
                }
                cx.aws
                    .ecs
                    .deregister_task_definition()
                    .task_definition(arn)
                    .send()
                    .await
                    .ctx("ecs", "DeregisterTaskDefinition")?;
                cx.progress.deleted("task definition revision", arn);
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        h.forget(StepId::TaskDefinition, TASKDEF_KEY)?;
        let owned = h.session().output(StepId::TaskDefinition, ROLE_OWNED_KEY) == Some("true");
        if owned || !i.uses_existing_role() {
            delete_owned_role(cx, &i.role_name(&session), &session).await?;
        } else {
            cx.progress.info("keeping your execution role: gatewalk did not create it");
        }
        h.forget(StepId::TaskDefinition, ROLE_KEY)?;
        h.forget(StepId::TaskDefinition, ROLE_OWNED_KEY)?;
        Ok(())
    }
}

async fn delete_owned_role(cx: StepCx<'_>, name: &str, session: &str) -> Result<()> {
    let Some(role) = get_role(cx.aws, name).await? else { return Ok(()) };
    let owner = crate::aws::tags::session_of(role.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
    if owner.as_deref() != Some(session) {
        cx.progress.warn(format!("keeping IAM role {name}: it does not carry this session's tag"));
        return Ok(());
    }
    for arn in attached_policies(cx.aws, name).await? {
        cx.aws
            .iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(&arn)
            .send()
            .await
            .ctx("iam", "DetachRolePolicy")?;
    }
    let inline = cx
        .aws
        .iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .ctx("iam", "ListRolePolicies")?;
    for p in inline.policy_names() {
        cx.aws
            .iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(p)
            .send()
            .await
            .ctx("iam", "DeleteRolePolicy")?;
    }
    cx.aws.iam.delete_role().role_name(name).send().await.ctx("iam", "DeleteRole")?;
    cx.progress.deleted("IAM role", role.arn());
    Ok(())
}

/// A resource the session expects but AWS does not have.
pub fn missing(kind: &str, id: &str) -> Resource {
    Resource {
        kind: kind.into(),
        id: id.into(),
        state: "missing".into(),
        attributes: vec![],
        console_url: None,
    }
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
        assert!(fargate_size(300, 512).unwrap_err().contains("not a Fargate size"));
    }
}
