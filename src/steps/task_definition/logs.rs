//! Step 1's log group: made (tagged, lines kept 7 days) before the task
//! definition that sends the container's output to it, checked, shown and
//! deleted with the step.

use super::{LOG_GROUP_KEY, STREAM_PREFIX, owned, sends_logs_to};
use crate::aws::CallExt;
use crate::aws::kind::At;
use crate::aws::logs::{RETENTION_DAYS, describe_log_group, put_retention, tags_of};
use crate::aws::tags::{Owner, ROLE_KEY, SESSION_KEY};
use crate::error::Result;
use crate::model::{Change, ChangeAction, Check, Fix, Resource, StepId};
use crate::session::{Session, SessionHandle};
use crate::steps::StepCx;
use crate::steps::resource::Origin;
use aws_sdk_cloudwatchlogs::types::LogGroup;

/// The log group of the inputs, made if missing, kept 7 days (when it is
/// gatewalk's, or yours and you agreed); returns its name. Beside a task
/// definition of yours gatewalk makes nothing: the group it names is
/// recorded when it exists (so `gatewalk logs` reads it), never made.
pub(super) async fn ensure(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<String> {
    let aws = cx.aws;
    let name = cx.inputs.task_definition.log_group_name();
    if h.session().is_yours(super::TASKDEF_KEY) {
        if describe_log_group(aws, &name).await?.is_some() {
            h.record(LOG_GROUP_KEY, &name)?;
            cx.progress.info(format!(
                "reading your task definition's logs from log group {name} (gatewalk never \
                 changes or deletes it)"
            ));
        }
        return Ok(name);
    }
    let session = Owner::of(h.session());
    let t = owned::LOG_GROUP.tags(&session);
    let got = owned::LOG_GROUP
        .ensure(cx, h, At::named(&name), || async {
            aws.logs
                .create_log_group()
                .log_group_name(&name)
                .set_tags(Some(t.logs()))
                .send()
                .await
                .ctx("logs", "CreateLogGroup")?;
            // CreateLogGroup answers nothing; the name is the id.
            Ok(LogGroup::builder().log_group_name(&name).build())
        })
        .await?;
    if got.item.retention_in_days() != Some(RETENTION_DAYS) {
        let what = format!("keep its lines {RETENTION_DAYS} days");
        if got.origin == Origin::Created || owned::LOG_GROUP.may_change(cx, h, &got, &what)? {
            put_retention(aws, &got.id, RETENTION_DAYS).await?;
        } else {
            cx.progress.info(format!(
                "log group {} keeps its lines {}; gatewalk leaves its retention as it is",
                got.id,
                kept(&got.item)
            ));
        }
    }
    Ok(got.id)
}

/// The plan's lines for the log group: create it with the session's tags,
/// and set its retention.
pub(super) fn plan(inputs: &crate::inputs::Inputs, session: &Session) -> Vec<Change> {
    let group = inputs.task_definition.log_group_name();
    let made = session.output(LOG_GROUP_KEY).is_some();
    if session.is_yours(super::TASKDEF_KEY) {
        return vec![Change {
            action: ChangeAction::Keep,
            resource: format!(
                "log group {group} as your task definition names it (gatewalk makes none beside yours)"
            ),
            cli: format!("aws logs describe-log-groups --log-group-name-prefix {group}"),
        }];
    }
    vec![
        owned::LOG_GROUP.change(
            session,
            format!("log group {group} for the container's output"),
            format!(
                "aws logs create-log-group --log-group-name {group} --tags {SESSION_KEY}={},{ROLE_KEY}={}",
                session.name,
                owned::LOG_GROUP.role
            ),
        ),
        Change {
            action: if made {
                ChangeAction::Keep
            } else {
                ChangeAction::Create
            },
            resource: if made {
                format!("{RETENTION_DAYS}-day retention on log group {group}")
            } else {
                format!("set {RETENTION_DAYS}-day retention on log group {group}")
            },
            cli: format!(
                "aws logs put-retention-policy --log-group-name {group} --retention-in-days {RETENTION_DAYS}"
            ),
        },
    ]
}

/// Deletes the log group the session recorded and the one the inputs name
/// (they differ when the input changed since), each only if it carries this
/// session's tags.
pub(super) async fn teardown(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let mut names = vec![cx.inputs.task_definition.log_group_name()];
    if let Some(r) = h.session().output(LOG_GROUP_KEY)
        && !names.iter().any(|n| n == r)
    {
        names.push(r.to_string());
    }
    for name in names {
        owned::LOG_GROUP
            .delete_owned(cx, h, At::named(&name))
            .await?;
    }
    Ok(())
}

/// "kept 7 days", "kept forever".
fn kept(g: &LogGroup) -> String {
    match g.retention_in_days() {
        Some(1) => "1 day".into(),
        Some(d) => format!("{d} days"),
        None => "forever (never expire)".into(),
    }
}

/// Whether this session made the group (else it is yours or someone's).
async fn is_ours(cx: StepCx<'_>, s: &Session, g: &LogGroup) -> Result<bool> {
    if s.is_yours(LOG_GROUP_KEY) {
        return Ok(false);
    }
    let tags = tags_of(cx.aws, g).await?;
    Ok(Owner::of(s).owns(
        tags.iter()
            .map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))),
    ))
}

/// The log group's checks: it exists, it keeps lines 7 days (a warning
/// otherwise), and the task definition `td` (when there is one) sends the
/// container's output to it. With a task definition of yours none fails:
/// logs are what `gatewalk logs` reads, not what the service needs to run.
pub(super) async fn checks(
    cx: StepCx<'_>,
    s: &Session,
    td: Option<&aws_sdk_ecs::types::TaskDefinition>,
) -> Result<Vec<Check>> {
    let i = &cx.inputs.task_definition;
    let name = i.log_group_name();
    let mut v = Vec::new();
    let Some(g) = describe_log_group(cx.aws, &name).await? else {
        let observed = format!("no log group named {name}");
        // A task definition of yours may send its logs nowhere (or ECS
        // makes its group at the first task): it still runs, so a warning.
        v.push(if s.is_yours(super::TASKDEF_KEY) {
            Check::warn(
                "log group exists",
                observed,
                Fix::Apply(StepId::TaskDefinition),
            )
        } else {
            Check::fail(
                "log group exists",
                observed,
                Fix::Apply(StepId::TaskDefinition),
            )
        });
        return Ok(v);
    };
    v.push(Check::pass("log group exists", name.clone()));
    let retention = format!("kept {}", kept(&g));
    v.push(if g.retention_in_days() == Some(RETENTION_DAYS) {
        Check::pass("log group keeps lines 7 days", retention)
    } else if is_ours(cx, s, &g).await? {
        Check::warn(
            "log group keeps lines 7 days",
            retention,
            Fix::Apply(StepId::TaskDefinition),
        )
    } else {
        Check::warn(
            "log group keeps lines 7 days",
            format!("{retention} (not gatewalk's: it leaves it as it is)"),
            Fix::Aws(format!(
                "aws logs put-retention-policy --log-group-name {name} --retention-in-days {RETENTION_DAYS}"
            )),
        )
    });
    if let Some(td) = td {
        v.push(sends_check(cx, s, td, &name));
    }
    Ok(v)
}

/// "the container sends its logs to the log group": a failure for
/// gatewalk's task definition (apply registers a revision that does), a
/// warning for yours (gatewalk makes no revision beside yours).
fn sends_check(
    cx: StepCx<'_>,
    s: &Session,
    td: &aws_sdk_ecs::types::TaskDefinition,
    group: &str,
) -> Check {
    const NAME: &str = "container sends its logs to the log group";
    let c = td.container_definitions().first();
    let observed = match c.and_then(aws_sdk_ecs::types::ContainerDefinition::log_configuration) {
        None => "no log configuration".to_string(),
        Some(lc) => {
            let opt = |k: &str| {
                lc.options()
                    .and_then(|o| o.get(k))
                    .map_or("?", String::as_str)
            };
            format!(
                "{} → {} in {} (streams {}/…)",
                lc.log_driver().as_str(),
                opt("awslogs-group"),
                opt("awslogs-region"),
                opt("awslogs-stream-prefix")
            )
        }
    };
    if sends_logs_to(c, group, &cx.aws.region) {
        return Check::pass(
            NAME,
            format!("awslogs → {group} (streams {STREAM_PREFIX}/…)"),
        );
    }
    if s.is_yours(super::TASKDEF_KEY) {
        return Check::warn(
            NAME,
            observed,
            format!(
                "your task definition is yours to change: register a revision whose container has \
                 logConfiguration awslogs with awslogs-group {group}, awslogs-region {} and \
                 awslogs-stream-prefix {STREAM_PREFIX}, so `gatewalk logs` can show its lines",
                cx.aws.region
            ),
        );
    }
    Check::fail(NAME, observed, Fix::Apply(StepId::TaskDefinition))
}

/// The log group as a live resource: retention and bytes stored.
pub(super) async fn inspect(cx: StepCx<'_>, s: &Session) -> Result<Resource> {
    let name = cx.inputs.task_definition.log_group_name();
    let Some(g) = describe_log_group(cx.aws, &name).await? else {
        return Ok(Resource::missing("Log group", &name));
    };
    let by = if is_ours(cx, s, &g).await? {
        "gatewalk"
    } else {
        "not this session (gatewalk never changes or deletes it)"
    };
    Ok(Resource {
        kind: "Log group".into(),
        id: name.clone(),
        state: "exists".into(),
        attributes: vec![
            ("retention".into(), kept(&g)),
            (
                "stored".into(),
                format!("{} bytes", g.stored_bytes().unwrap_or_default()),
            ),
            (
                "streams".into(),
                format!(
                    "{STREAM_PREFIX}/{}/<task id>",
                    cx.inputs.task_definition.container_name
                ),
            ),
            ("created by".into(), by.into()),
        ],
        console_url: cx.aws.console_url(&format!(
            "cloudwatch/home?region={{region}}#logsV2:log-groups/log-group/{}",
            name.replace('/', "$252F")
        )),
    })
}
