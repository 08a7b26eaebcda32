//! Elastic Load Balancing reads that need more than one call: every target
//! group, all pages, with its tags read in batches.

use super::tags::ResourceTags;
use super::{AwsContext, CallExt};
use crate::error::Result;

/// Target groups carrying these tags (tags read in batches of 20, all pages).
pub async fn target_groups(
    aws: &AwsContext,
    t: &ResourceTags<'_>,
) -> Result<Vec<aws_sdk_elasticloadbalancingv2::types::TargetGroup>> {
    let mut all = Vec::new();
    let mut marker = None;
    loop {
        let page = aws
            .elb
            .describe_target_groups()
            .set_marker(marker)
            .send()
            .await
            .ctx("elbv2", "DescribeTargetGroups")?;
        all.extend(page.target_groups().iter().cloned());
        marker = page.next_marker().map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    let mut out = Vec::new();
    for chunk in all.chunks(20) {
        let arns: Vec<String> = chunk
            .iter()
            .filter_map(|g| g.target_group_arn().map(str::to_string))
            .collect();
        if arns.is_empty() {
            continue;
        }
        let r = aws
            .elb
            .describe_tags()
            .set_resource_arns(Some(arns))
            .send()
            .await
            .ctx("elbv2", "DescribeTags")?;
        for d in r.tag_descriptions() {
            if t.matches(d.tags().iter().map(|x| (x.key(), x.value())))
                && let Some(g) = chunk
                    .iter()
                    .find(|g| g.target_group_arn() == d.resource_arn())
            {
                out.push(g.clone());
            }
        }
    }
    Ok(out)
}
