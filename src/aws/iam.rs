//! IAM: the task execution role as a [`Kind`] — found by name and judged by
//! its tags; deleted only after its managed policies are detached and its
//! inline policies removed, which `DeleteRole` requires.

use super::error::optional;
use super::find::{Tagged, Which};
use super::kind::{Kind, Lookup};
use super::tags::{Owner, session_id_of};
use super::{AwsContext, CallExt};
use crate::error::Result;
use crate::progress::Progress;
use aws_sdk_iam::types::Role;

/// IAM roles, found by name.
#[derive(Debug, Clone, Copy)]
pub struct Roles;

impl Kind for Roles {
    type Item = Role;
    const SERVICE: &'static str = "iam";
    const LIST_OP: &'static str = "GetRole";
    const ID_FIELD: &'static str = "Arn";
    fn id(item: &Role) -> Option<&str> {
        Some(item.arn())
    }
    /// By ARN: a role's name is the last part of its path.
    async fn get(aws: &AwsContext, arn: &str) -> Result<Option<Role>> {
        get_role(aws, arn.rsplit('/').next().unwrap_or(arn)).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Role>> {
        match l.at.name {
            Some(name) => Ok(get_role(aws, name).await?.into_iter().collect()),
            None => Ok(Vec::new()),
        }
    }
    async fn owned(_aws: &AwsContext, item: &Role, owner: &Owner) -> Result<bool> {
        Ok(owner.owns(item.tags().iter().map(|t| (Some(t.key()), Some(t.value())))))
    }
    async fn delete(aws: &AwsContext, _p: &Progress, item: &Role, _noun: &str) -> Result<()> {
        let name = item.role_name();
        for arn in attached_policies(aws, name).await? {
            aws.iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(&arn)
                .send()
                .await
                .ctx("iam", "DetachRolePolicy")?;
        }
        let inline = aws
            .iam
            .list_role_policies()
            .role_name(name)
            .send()
            .await
            .ctx("iam", "ListRolePolicies")?;
        for p in inline.policy_names() {
            aws.iam
                .delete_role_policy()
                .role_name(name)
                .policy_name(p)
                .send()
                .await
                .ctx("iam", "DeleteRolePolicy")?;
        }
        aws.iam
            .delete_role()
            .role_name(name)
            .send()
            .await
            .ctx("iam", "DeleteRole")
            .map(|_| ())
    }
}

/// The role of this name, if it exists.
pub async fn get_role(aws: &AwsContext, name: &str) -> Result<Option<Role>> {
    let r = aws
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .ctx("iam", "GetRole");
    Ok(optional(r)?.and_then(|o| o.role().cloned()))
}

/// The ARNs of the managed policies attached to a role.
pub async fn attached_policies(aws: &AwsContext, role: &str) -> Result<Vec<String>> {
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

/// Every IAM role of the account (paginated).
pub async fn roles(aws: &AwsContext) -> Result<Vec<aws_sdk_iam::types::Role>> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let r = aws
            .iam
            .list_roles()
            .set_marker(marker)
            .send()
            .await
            .ctx("iam", "ListRoles")?;
        out.extend(r.roles().iter().cloned());
        marker = r.marker().map(str::to_string);
        if !r.is_truncated() || marker.is_none() {
            return Ok(out);
        }
    }
}

/// This session's IAM roles: only roles named after the session are
/// examined, to keep the number of calls small in accounts with many roles.
/// For every session, only roles ECS tasks may assume (the only kind
/// gatewalk makes) are.
pub async fn inventory(aws: &AwsContext, which: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    let candidate = |r: &&aws_sdk_iam::types::Role| match which {
        Which::Session(s) => r
            .role_name()
            .strip_prefix(s)
            .is_some_and(|rest| rest.starts_with('-')),
        Which::Every => r
            .assume_role_policy_document()
            .is_some_and(|d| d.contains("ecs-tasks.amazonaws.com")),
    };
    for role in roles(aws).await?.iter().filter(candidate) {
        let tags = aws
            .iam
            .list_role_tags()
            .role_name(role.role_name())
            .send()
            .await
            .ctx("iam", "ListRoleTags")?;
        let pairs = || tags.tags().iter().map(|t| (Some(t.key()), Some(t.value())));
        if let Some(session) = which.of(pairs()) {
            out.push(Tagged {
                session,
                kind: "iam:role".into(),
                id: role.arn().to_string(),
                session_id: session_id_of(pairs()),
            });
        }
    }
    Ok(out)
}
