//! Step 1, `task-definition`: a Fargate task definition and the execution role
//! ECS uses to pull the image.

mod checks;

pub use crate::inputs::task_definition::{TaskDefinitionInputs, check_port, fargate_size};

use super::inputs::Inputs;
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::Required;
use crate::aws::error::optional;
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::aws::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle};
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, NetworkMode, PortMapping, TaskDefinitionField,
    TaskDefinitionStatus, TransportProtocol,
};

/// The managed policy that lets ECS pull images and write logs for a task.
pub const EXECUTION_POLICY: &str = "policy/service-role/AmazonECSTaskExecutionRolePolicy";
const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

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
fn matches_inputs(
    td: &aws_sdk_ecs::types::TaskDefinition,
    i: &TaskDefinitionInputs,
    role_arn: &str,
) -> bool {
    let c = td.container_definitions().first();
    td.cpu() == Some(i.cpu.to_string().as_str())
        && td.memory() == Some(i.memory.to_string().as_str())
        && td.network_mode() == Some(&NetworkMode::Awsvpc)
        && td
            .requires_compatibilities()
            .contains(&Compatibility::Fargate)
        && td.execution_role_arn() == Some(role_arn)
        && td.container_definitions().len() == 1
        && c.and_then(|c| c.name()) == Some(i.container_name.as_str())
        && c.and_then(|c| c.image()) == Some(i.image.as_str())
        && c.map(|c| {
            c.port_mappings()
                .iter()
                .filter_map(aws_sdk_ecs::types::PortMapping::container_port)
                .collect::<Vec<_>>()
        }) == Some(vec![crate::model::api_int(i.container_port)])
}

/// The latest ACTIVE revision of a family with its tags, if the family exists.
async fn latest_revision(
    aws: &AwsContext,
    family_or_arn: &str,
) -> Result<
    Option<(
        aws_sdk_ecs::types::TaskDefinition,
        Vec<aws_sdk_ecs::types::Tag>,
    )>,
> {
    let r = aws
        .ecs
        .describe_task_definition()
        .task_definition(family_or_arn)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .ctx("ecs", "DescribeTaskDefinition");
    match r {
        // A deregistered (INACTIVE) revision stays readable for a long time but
        // can never be used again: it is not "the latest revision" to reuse.
        Ok(out) => Ok(out
            .task_definition()
            .filter(|td| td.status() == Some(&TaskDefinitionStatus::Active))
            .cloned()
            .map(|td| (td, out.tags().to_vec()))),
        // ECS answers an unknown family with a generic ClientException.
        Err(e)
            if e.as_aws()
                .is_some_and(|a| a.code == "ClientException" || a.is_not_found()) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn ecs_owned(tags: &[aws_sdk_ecs::types::Tag], owner: &Owner) -> bool {
    owner.owns(tags.iter().map(|t| (t.key(), t.value())))
}

async fn get_role(aws: &AwsContext, name: &str) -> Result<Option<aws_sdk_iam::types::Role>> {
    let r = aws
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .ctx("iam", "GetRole");
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
        let session = Owner::of(h.session());
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
        let tags = session.tags("task-execution-role");
        let arn = if let Some(role) = get_role(aws, &name).await? {
            if !session.owns(role.tags().iter().map(|t| (Some(t.key()), Some(t.value())))) {
                return Err(Error::Conflict(format!(
                    "an IAM role named `{name}` already exists and was not created by this session.\n  hint: to use it, run with --set task-definition.execution_role={name}"
                )));
            }
            p.reused("IAM role", role.arn());
            role.arn().to_string()
        } else {
            h.creating(StepId::TaskDefinition, ROLE_KEY, "CreateRole")?;
            let out = aws
                .iam
                .create_role()
                .role_name(&name)
                .assume_role_policy_document(TRUST_POLICY)
                .description(format!(
                    "ECS task execution role for gatewalk session {session}"
                ))
                .set_tags(Some(tags.iam()))
                .send()
                .await
                .ctx("iam", "CreateRole")?;
            let arn = out.role().map(|r| r.arn().to_string()).unwrap_or_default();
            h.record(StepId::TaskDefinition, ROLE_OWNED_KEY, "true")?;
            h.record(StepId::TaskDefinition, ROLE_KEY, &arn)?;
            p.created("IAM role", &arn);
            arn
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
            p.info(format!(
                "attached AmazonECSTaskExecutionRolePolicy to {name}"
            ));
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
        let session = Owner::of(h.session());
        if let Some((td, tags)) = latest_revision(cx.aws, &i.family).await? {
            if !ecs_owned(&tags, &session) {
                return Err(Error::Conflict(format!(
                    "task definition family `{}` already exists and is not from this session.\n  hint: choose another with --set task-definition.family=NAME",
                    i.family
                )));
            }
            if matches_inputs(&td, i, &role_arn) {
                let arn = td.task_definition_arn().required(
                    "ecs",
                    "DescribeTaskDefinition",
                    "taskDefinitionArn",
                )?;
                cx.progress.reused("task definition", &arn);
                h.record(StepId::TaskDefinition, TASKDEF_KEY, &arn)?;
                return Ok(());
            }
            cx.progress
                .info("the task definition's settings changed: registering a new revision");
        }
        h.creating(
            StepId::TaskDefinition,
            TASKDEF_KEY,
            "RegisterTaskDefinition",
        )?;
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
                            .container_port(crate::model::api_int(i.container_port))
                            .protocol(TransportProtocol::Tcp)
                            .build(),
                    )
                    .build(),
            )
            .set_tags(Some(session.tags("task-definition").ecs()))
            .send()
            .await
            .ctx("ecs", "RegisterTaskDefinition")?;
        let arn = out
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .required("ecs", "RegisterTaskDefinition", "taskDefinitionArn")?;
        h.record(StepId::TaskDefinition, TASKDEF_KEY, &arn)?;
        cx.progress.created("task definition", &arn);
        Ok(())
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        checks::validate(cx, s).await
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        checks::inspect(cx, s).await
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let session = Owner::of(h.session());
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
                let fam = arn
                    .rsplit('/')
                    .next()
                    .and_then(|x| x.rsplit_once(':'))
                    .map(|x| x.0);
                if fam != Some(i.family.as_str()) {
                    continue;
                }
                let Some((_, tags)) = latest_revision(cx.aws, arn).await? else {
                    continue;
                };
                if !ecs_owned(&tags, &session) {
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
            cx.progress
                .info("keeping your execution role: gatewalk did not create it");
        }
        h.forget(StepId::TaskDefinition, ROLE_KEY)?;
        h.forget(StepId::TaskDefinition, ROLE_OWNED_KEY)?;
        Ok(())
    }
}

async fn delete_owned_role(cx: StepCx<'_>, name: &str, session: &Owner) -> Result<()> {
    let Some(role) = get_role(cx.aws, name).await? else {
        return Ok(());
    };
    if !session.owns(role.tags().iter().map(|t| (Some(t.key()), Some(t.value())))) {
        cx.progress.warn(format!(
            "keeping IAM role {name}: it does not carry this session's tag"
        ));
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
    cx.aws
        .iam
        .delete_role()
        .role_name(name)
        .send()
        .await
        .ctx("iam", "DeleteRole")?;
    cx.progress.deleted("IAM role", role.arn());
    Ok(())
}
