//! With `nat-gateway.egress = endpoints` and an ECR Public image, the task
//! pulls the image's mirror from this account's ECR, filled on first pull
//! by step 5's pull-through cache rule. ECR imports the upstream image as
//! the puller — the execution role — so the role needs
//! `ecr:BatchImportUpstreamImage` on the cache's repositories (the managed
//! execution policy does not grant it). Step 5 makes the repository itself,
//! so `ecr:CreateRepository` is not needed.
//! <https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html>

use crate::aws::{AwsContext, CallExt};
use crate::error::Result;
use crate::inputs::Inputs;
use crate::inputs::nat_gateway::cache_repository;
use crate::model::{Fix, StepId};
use crate::session::Session;
use crate::steps::{Change, ChangeAction, Check, StepCx};

/// The inline policy's name on the execution role.
pub const POLICY_NAME: &str = "gatewalk-pull-through-cache";
/// The action the policy grants.
pub const IMPORT_ACTION: &str = "ecr:BatchImportUpstreamImage";

/// The policy document for the cache prefix, in this account and region.
pub fn document(partition: &str, region: &str, account: &str, prefix: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{IMPORT_ACTION}","Resource":"arn:{partition}:ecr:{region}:{account}:repository/{prefix}/*"}}]}}"#
    )
}

/// The role's inline cache policy, decoded, if it has one.
pub async fn current(aws: &AwsContext, role: &str) -> Result<Option<String>> {
    let r = aws
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name(POLICY_NAME)
        .send()
        .await
        .ctx("iam", "GetRolePolicy");
    Ok(crate::aws::error::optional(r)?.map(|o| {
        let doc = o.policy_document();
        urlencoding::decode(doc).map_or_else(|_| doc.to_string(), std::borrow::Cow::into_owned)
    }))
}

/// Whether the (decoded) document grants the import on the prefix.
fn grants(doc: &str, prefix: &str) -> bool {
    doc.contains(IMPORT_ACTION) && doc.contains(&format!(":repository/{prefix}/"))
}

/// What the role needs for the session's inputs: `Some(prefix)` when the
/// task pulls through the cache.
pub fn needed(inputs: &Inputs) -> Option<&str> {
    cache_repository(inputs).map(|_| inputs.nat_gateway.cache_prefix.as_str())
}

/// Puts (or removes, when no longer needed) the inline policy on `role`,
/// which gatewalk may change (`may`: asked by the caller, which knows
/// whether the role is yours).
pub async fn settle(
    cx: StepCx<'_>,
    role: &str,
    may: impl FnOnce(&str) -> Result<bool>,
) -> Result<()> {
    let aws = cx.aws;
    let have = current(aws, role).await?;
    match needed(cx.inputs) {
        Some(prefix) => {
            if have.as_deref().is_some_and(|d| grants(d, prefix)) {
                return Ok(());
            }
            let what = format!("allow {IMPORT_ACTION} on the cache's repositories ({prefix}/*)");
            if !may(&what)? {
                return Ok(());
            }
            let id = aws.identity().await?;
            aws.iam
                .put_role_policy()
                .role_name(role)
                .policy_name(POLICY_NAME)
                .policy_document(document(&id.partition, &aws.region, &id.account, prefix))
                .send()
                .await
                .ctx("iam", "PutRolePolicy")?;
            cx.progress
                .info(format!("{role} may now import images into {prefix}/*"));
        }
        None if have.is_some() => {
            if !may(&format!(
                "remove its inline policy {POLICY_NAME} (no cache is used)"
            ))? {
                return Ok(());
            }
            aws.iam
                .delete_role_policy()
                .role_name(role)
                .policy_name(POLICY_NAME)
                .send()
                .await
                .ctx("iam", "DeleteRolePolicy")?;
        }
        None => {}
    }
    Ok(())
}

/// For a role of yours that gatewalk does not change: a warning, with the
/// command, when the session pulls through the cache and the role may not
/// (its tasks would stop with a 403 on the first pull).
pub async fn warn_if_missing(cx: StepCx<'_>, role: &str) -> Result<()> {
    if let Some(check) = check(cx, role, true).await?
        && check.status != crate::model::CheckStatus::Pass
    {
        cx.progress.warn(format!(
            "your execution role {role} may not import through the pull-through cache; \
             gatewalk does not change a role you named. {}",
            check.fix.map(|f| f.for_cli()).unwrap_or_default()
        ));
    }
    Ok(())
}

/// Its plan line, when the session pulls through the cache.
pub fn plan(inputs: &Inputs, s: &Session, role: &str) -> Option<Change> {
    let prefix = needed(inputs)?;
    let account = s.account_id.as_deref().unwrap_or("$ACCOUNT_ID");
    let doc = document("aws", &s.region, account, prefix);
    Some(Change {
        action: ChangeAction::Create,
        resource: format!(
            "inline policy {POLICY_NAME} on role {role}: {IMPORT_ACTION} on {prefix}/* (pulls through step 5's cache)"
        ),
        cli: format!(
            "aws iam put-role-policy --role-name {role} --policy-name {POLICY_NAME} --policy-document '{doc}'"
        ),
    })
}

/// The check, when the session pulls through the cache (`yours`: the role
/// is yours, which gatewalk does not change without being told).
pub async fn check(cx: StepCx<'_>, role: &str, yours: bool) -> Result<Option<Check>> {
    let Some(prefix) = needed(cx.inputs) else {
        return Ok(None);
    };
    let have = current(cx.aws, role).await?;
    let ok = have.as_deref().is_some_and(|d| grants(d, prefix));
    Ok(Some(Check::expect(
        "execution role may import through the pull-through cache",
        ok,
        if ok {
            format!("{POLICY_NAME}: {IMPORT_ACTION} on {prefix}/*")
        } else {
            format!("no inline policy allowing {IMPORT_ACTION} on {prefix}/*")
        },
        if yours {
            Fix::Aws(format!(
                "aws iam put-role-policy --role-name {role} --policy-name {POLICY_NAME} --policy-document '{}'",
                document("aws", &cx.aws.region, "$ACCOUNT_ID", prefix)
            ))
        } else {
            Fix::Apply(StepId::TaskDefinition)
        },
    )))
}
