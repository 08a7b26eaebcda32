//! Step 1, `task-definition`: a Fargate task definition and the execution role
//! ECS uses to pull the image.

mod cache;
mod checks;
mod logs;

pub use crate::inputs::task_definition::{TaskDefinitionInputs, check_port, fargate_size};

use super::inputs::Inputs;
use super::{Change, ChangeAction, Check, Resource, Step, StepCx, StepId};
use crate::aws::ecs::Revision;
use crate::aws::error::returned;
use crate::aws::kind::At;
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::aws::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::model::OutputKey;
use crate::session::{Session, SessionHandle};
use crate::steps::resource::Origin;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, LogConfiguration, LogDriver, NetworkMode, PortMapping,
    TransportProtocol,
};

/// The managed policy that lets ECS pull images and write logs for a task.
pub const EXECUTION_POLICY: &str = "policy/service-role/AmazonECSTaskExecutionRolePolicy";
const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// Step 1.
#[derive(Debug, Clone, Copy)]
pub struct TaskDefinition;

const ROLE_KEY: OutputKey = OutputKey::ExecutionRole;
const ROLE_OWNED_KEY: OutputKey = OutputKey::ExecutionRoleCreated;
const TASKDEF_KEY: OutputKey = OutputKey::TaskDefinition;
const LOG_GROUP_KEY: OutputKey = OutputKey::LogGroup;

/// The `awslogs-stream-prefix`: each task's stream is
/// `ecs/<container>/<task id>`, as the console sets it.
pub const STREAM_PREFIX: &str = "ecs";

fn container_json(i: &TaskDefinitionInputs, image: &str, region: &str) -> String {
    format!(
        r#"[{{"name":"{}","image":"{}","essential":true,"portMappings":[{{"containerPort":{},"protocol":"tcp"}}],"logConfiguration":{{"logDriver":"awslogs","options":{{"awslogs-group":"{}","awslogs-region":"{region}","awslogs-stream-prefix":"{STREAM_PREFIX}"}}}}}}]"#,
        i.container_name,
        image,
        i.container_port,
        i.log_group_name()
    )
}

/// The image the task definition runs (the input, or its pull-through
/// cache mirror with `nat-gateway.egress = endpoints`).
pub fn task_image(inputs: &Inputs, account: &str, region: &str) -> String {
    crate::inputs::nat_gateway::task_image(inputs, account, region)
}

/// The container's log configuration: the `awslogs` driver into `group`.
fn log_configuration(group: &str, region: &str) -> Result<LogConfiguration> {
    LogConfiguration::builder()
        .log_driver(LogDriver::Awslogs)
        .options("awslogs-group", group)
        .options("awslogs-region", region)
        .options("awslogs-stream-prefix", STREAM_PREFIX)
        .build()
        .map_err(|e| Error::Config(format!("log configuration: {e}")))
}

/// Whether the container sends its output to `group` in `region` with
/// gatewalk's stream prefix (where `gatewalk logs` reads it).
pub(crate) fn sends_logs_to(
    c: Option<&aws_sdk_ecs::types::ContainerDefinition>,
    group: &str,
    region: &str,
) -> bool {
    let Some(lc) = c.and_then(aws_sdk_ecs::types::ContainerDefinition::log_configuration) else {
        return false;
    };
    let opt = |k: &str| lc.options().and_then(|o| o.get(k)).map(String::as_str);
    lc.log_driver() == &LogDriver::Awslogs
        && opt("awslogs-group") == Some(group)
        && opt("awslogs-region") == Some(region)
        && opt("awslogs-stream-prefix") == Some(STREAM_PREFIX)
}

/// The live task definition's shape, for comparing with the inputs. The
/// log configuration is compared when `with_logs` (always, but for a task
/// definition of yours: gatewalk registers no revision beside yours, and
/// its check only warns that yours sends no logs where `gatewalk logs`
/// reads).
fn matches_inputs(
    td: &aws_sdk_ecs::types::TaskDefinition,
    i: &TaskDefinitionInputs,
    image: &str,
    role_arn: &str,
    region: &str,
    with_logs: bool,
) -> bool {
    let c = td.container_definitions().first();
    (!with_logs || sends_logs_to(c, &i.log_group_name(), region))
        && td.cpu() == Some(i.cpu.to_string().as_str())
        && td.memory() == Some(i.memory.to_string().as_str())
        && td.network_mode() == Some(&NetworkMode::Awsvpc)
        && td
            .requires_compatibilities()
            .contains(&Compatibility::Fargate)
        && td.execution_role_arn() == Some(role_arn)
        && td.container_definitions().len() == 1
        && c.and_then(|c| c.name()) == Some(i.container_name.as_str())
        && c.and_then(|c| c.image()) == Some(image)
        && c.map(|c| {
            c.port_mappings()
                .iter()
                .filter_map(aws_sdk_ecs::types::PortMapping::container_port)
                .collect::<Vec<_>>()
        }) == Some(vec![crate::model::api_int(i.container_port)])
}

pub(crate) use crate::aws::iam::{attached_policies, get_role};

/// What step 1 owns, each declared once for apply, plan and teardown.
pub mod owned {
    use crate::aws::ecs::TaskDefinitions;
    use crate::aws::iam::Roles;
    use crate::aws::logs::LogGroups;

    use crate::steps::resource::{Foreign, Owned};

    /// The execution role gatewalk creates (unless you name your own).
    pub const ROLE: Owned<Roles> = Owned::new(
        super::ROLE_KEY,
        "task-execution-role",
        "IAM role",
        "CreateRole",
    )
    .foreign(Foreign::RefuseOrName("task-definition.execution_role"));
    /// The container's log group (one of the same name that is not this
    /// session's is used as it is, never changed or deleted).
    pub const LOG_GROUP: Owned<LogGroups> = Owned::new(
        super::LOG_GROUP_KEY,
        "log-group",
        "log group",
        "CreateLogGroup",
    )
    .foreign(Foreign::Use);
    /// The task definition family's revisions.
    pub const TASKDEF: Owned<TaskDefinitions> = Owned::new(
        super::TASKDEF_KEY,
        "task-definition",
        "task definition",
        "RegisterTaskDefinition",
    )
    .foreign(Foreign::Refuse("task-definition.family"));
}

/// The latest ACTIVE revision of a family (or an ARN's revision): the
/// definition and its tags.
pub(crate) async fn latest_revision(
    aws: &AwsContext,
    family_or_arn: &str,
) -> Result<
    Option<(
        aws_sdk_ecs::types::TaskDefinition,
        Vec<aws_sdk_ecs::types::Tag>,
    )>,
> {
    Ok(crate::aws::ecs::latest_revision(aws, family_or_arn)
        .await?
        .map(|r| (r.def, r.tags)))
}

/// Where the service's container writes its lines: the log group step 1
/// made, and the streams of the container. Refused (exit 2) before step 1
/// has made the group.
pub fn log_source(
    inputs: &crate::inputs::Inputs,
    session: &Session,
) -> Result<crate::aws::logs::LogSource> {
    let i = &inputs.task_definition;
    let Some(group) = session.output(LOG_GROUP_KEY) else {
        return Err(Error::Session(format!(
            "session `{}` has no log group yet: step 1 ({}) makes it and sends the container's \
             output there.\n  hint: run `gatewalk apply --through 1`, then, once the service \
             runs (step 6), `gatewalk logs` again",
            session.name,
            StepId::TaskDefinition
        )));
    };
    Ok(crate::aws::logs::LogSource::new(
        group,
        STREAM_PREFIX,
        &i.container_name,
    ))
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
            p.info(format!(
                "using your execution role {} (you named it: gatewalk never deletes it)",
                role.arn()
            ));
            h.record(ROLE_OWNED_KEY, "false")?;
            h.record(ROLE_KEY, role.arn())?;
            cache::warn_if_missing(cx, role.role_name()).await?;
            return Ok(role.arn().to_string());
        }
        let t = owned::ROLE.tags(&session);
        let got = owned::ROLE
            .ensure(cx, h, At::named(&name), || async {
                let out = aws
                    .iam
                    .create_role()
                    .role_name(&name)
                    .assume_role_policy_document(TRUST_POLICY)
                    .description(format!(
                        "ECS task execution role for gatewalk session {session}"
                    ))
                    .set_tags(Some(t.iam()))
                    .send()
                    .await
                    .ctx("iam", "CreateRole")?;
                returned(out.role(), "iam", "CreateRole", "Role")
            })
            .await?;
        // A role of yours bound to the session (adopt, --bind) is used by
        // its own name, and given the policy only when you agree.
        let yours = got.origin == Origin::Yours;
        let name = got.item.role_name().to_string();
        h.record(ROLE_OWNED_KEY, if yours { "false" } else { "true" })?;
        let partition = &aws.identity().await?.partition;
        let policy = format!("arn:{partition}:iam::aws:{EXECUTION_POLICY}");
        if !attached_policies(aws, &name).await?.contains(&policy)
            && owned::ROLE.may_change(cx, h, &got, "attach AmazonECSTaskExecutionRolePolicy")?
        {
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
        cache::settle(cx, &name, |what| owned::ROLE.may_change(cx, h, &got, what)).await?;
        Ok(got.id)
    }
}

impl Step for TaskDefinition {
    const ID: StepId = StepId::TaskDefinition;
    type Inputs = crate::inputs::TaskDefinitionInputs;

    fn plan(&self, inputs: &Inputs, session: &Session) -> Vec<Change> {
        let i = &inputs.task_definition;
        let out = |k| session.output(k);
        let role = i.role_name(&session.name);
        let mut v = Vec::new();
        if i.uses_existing_role() {
            v.push(Change::create_or_keep(
                Some("yours"),
                format!("execution role {role}"),
                format!("aws iam get-role --role-name {role}"),
            ));
        } else {
            v.push(owned::ROLE.change(
                session,
                format!("IAM role {role}, trusted by ecs-tasks.amazonaws.com"),
                format!(
                    "aws iam create-role --role-name {role} --assume-role-policy-document '{TRUST_POLICY}' --tags Key={SESSION_KEY},Value={}",
                    session.name
                ),
            ));
            let policy = EXECUTION_POLICY
                .rsplit('/')
                .next()
                .unwrap_or(EXECUTION_POLICY);
            v.push(Change {
                action: if out(ROLE_KEY).is_some() {
                    ChangeAction::Keep
                } else {
                    ChangeAction::Create
                },
                resource: if out(ROLE_KEY).is_some() {
                    format!("policy {policy} attached to role {role}")
                } else {
                    format!("attach policy {policy} to role {role}")
                },
                cli: format!("aws iam attach-role-policy --role-name {role} --policy-arn arn:aws:iam::aws:{EXECUTION_POLICY}"),
            });
        }
        if !i.uses_existing_role() {
            v.extend(cache::plan(inputs, session, &role));
        }
        v.extend(logs::plan(inputs, session));
        let account = session.account_id.as_deref().unwrap_or("$ACCOUNT_ID");
        let image = task_image(inputs, account, &session.region);
        v.push(owned::TASKDEF.change(
            session,
            format!(
                "task definition {} (Fargate, awsvpc, {} CPU / {} MiB, container {} = {} on port {}, logs to {})",
                i.family,
                i.cpu,
                i.memory,
                i.container_name,
                image,
                i.container_port,
                i.log_group_name()
            ),
            format!(
                "aws ecs register-task-definition --family {} --requires-compatibilities FARGATE --network-mode awsvpc --cpu {} --memory {} --execution-role-arn $EXECUTION_ROLE_ARN --container-definitions '{}'",
                i.family,
                i.cpu,
                i.memory,
                container_json(i, &image, &session.region)
            ),
        ));
        v
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let role_arn = self.ensure_role(cx, h).await?;
        let group = logs::ensure(cx, h).await?;
        let logging = log_configuration(&group, &cx.aws.region)?;
        let i = &cx.inputs.task_definition;
        let session = Owner::of(h.session());
        let t = owned::TASKDEF.tags(&session);
        let with_logs = !h.session().is_yours(TASKDEF_KEY);
        let region = &cx.aws.region;
        let image = task_image(cx.inputs, &cx.aws.identity().await?.account, region);
        let keeps = |r: &Revision| matches_inputs(&r.def, i, &image, &role_arn, region, with_logs);
        owned::TASKDEF
            .ensure_matching(cx, h, At::named(&i.family), keeps, || async {
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
                            .image(&image)
                            .essential(true)
                            .port_mappings(
                                PortMapping::builder()
                                    .container_port(crate::model::api_int(i.container_port))
                                    .protocol(TransportProtocol::Tcp)
                                    .build(),
                            )
                            .log_configuration(logging)
                            .build(),
                    )
                    .set_tags(Some(t.ecs()))
                    .send()
                    .await
                    .ctx("ecs", "RegisterTaskDefinition")?;
                Ok(Revision {
                    def: returned(
                        out.task_definition(),
                        "ecs",
                        "RegisterTaskDefinition",
                        "taskDefinition",
                    )?,
                    tags: out.tags().to_vec(),
                })
            })
            .await?;
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
        owned::TASKDEF
            .delete_owned(cx, h, At::named(&i.family))
            .await?;
        logs::teardown(cx, h).await?;
        let created = h.session().output(ROLE_OWNED_KEY) == Some("true");
        if created || !i.uses_existing_role() || h.session().is_yours(ROLE_KEY) {
            // Bound as yours (adopt): kept, or removed with --include-yours.
            let name = i.role_name(&session);
            owned::ROLE.delete_owned(cx, h, At::named(&name)).await?;
        } else {
            cx.progress
                .info("keeping your execution role: gatewalk did not create it");
            h.forget(ROLE_KEY)?;
        }
        h.forget(ROLE_OWNED_KEY)
    }
}
