//! Existing resources a user may pick instead of creating new ones: execution
//! roles ECS tasks can assume (step 1) and ECS clusters (step 2). Front ends
//! offer them as choices for the matching input field.

use crate::aws::{AwsContext, CallExt};
use crate::error::Result;

/// Fields that have live candidates.
pub const FIELDS: &[&str] = &["execution_role", "cluster_name"];

/// Whether `field` has live candidates.
pub fn has_candidates(field: &str) -> bool {
    FIELDS.contains(&field)
}

/// The candidates for `field`, sorted by name (empty for other fields).
pub async fn list(aws: &AwsContext, field: &str) -> Result<Vec<String>> {
    let mut out = match field {
        "execution_role" => task_roles(aws).await?,
        "cluster_name" => active_clusters(aws).await?,
        _ => Vec::new(),
    };
    out.sort();
    Ok(out)
}

/// Roles whose trust policy lets ECS tasks assume them. The policy document
/// comes URL-encoded; the service name has no characters that encoding changes.
async fn task_roles(aws: &AwsContext) -> Result<Vec<String>> {
    Ok(crate::aws::find::roles(aws)
        .await?
        .iter()
        .filter(|r| {
            r.assume_role_policy_document()
                .is_some_and(|d| d.contains("ecs-tasks.amazonaws.com"))
        })
        .map(|r| r.role_name().to_string())
        .collect())
}

/// Names of ACTIVE clusters (deleted ones stay listed for a while).
async fn active_clusters(aws: &AwsContext) -> Result<Vec<String>> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let r = aws
            .ecs
            .list_clusters()
            .set_next_token(token)
            .send()
            .await
            .ctx("ecs", "ListClusters")?;
        arns.extend(r.cluster_arns().iter().cloned());
        token = r.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut out = Vec::new();
    for chunk in arns.chunks(100) {
        let d = aws
            .ecs
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .send()
            .await
            .ctx("ecs", "DescribeClusters")?;
        out.extend(
            d.clusters()
                .iter()
                .filter(|c| c.status() == Some("ACTIVE"))
                .filter_map(|c| c.cluster_name().map(str::to_string)),
        );
    }
    Ok(out)
}
