//! ECR resources gatewalk owns when step 5's egress is `endpoints`: the
//! repository an ECR Public image is mirrored into (tagged like every other
//! resource) and the pull-through cache rule that fills it.
//!
//! A pull-through cache rule cannot carry tags. gatewalk creates the cache
//! repository (tagged) *before* the rule, so a rule is this session's when a
//! repository under its prefix carries this session's tags; one without is
//! someone else's and is never deleted. Teardown deletes the rule before the
//! repository for the same reason.

use super::error::optional;
use super::find::{Tagged, Which};
use super::kind::{Kind, Lookup};
use super::tags::{Owner, ResourceTags, session_id_of};
use super::{AwsContext, CallExt};
use crate::error::Result;
use crate::progress::Progress;
use aws_sdk_ecr::types::{PullThroughCacheRule, Repository, Tag};

/// Pull-through cache rules, by their repository prefix.
#[derive(Debug, Clone, Copy)]
pub struct CacheRules;

/// Private repositories.
#[derive(Debug, Clone, Copy)]
pub struct Repositories;

/// The rule with this prefix, if any.
pub async fn describe_rule(aws: &AwsContext, prefix: &str) -> Result<Option<PullThroughCacheRule>> {
    let r = aws
        .ecr
        .describe_pull_through_cache_rules()
        .ecr_repository_prefixes(prefix)
        .send()
        .await
        .ctx("ecr", "DescribePullThroughCacheRules");
    Ok(optional(r)?.and_then(|o| {
        o.pull_through_cache_rules()
            .iter()
            .find(|r| r.ecr_repository_prefix() == Some(prefix))
            .cloned()
    }))
}

/// The repository of this name, if any.
pub async fn describe_repository(aws: &AwsContext, name: &str) -> Result<Option<Repository>> {
    let r = aws
        .ecr
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
        .ctx("ecr", "DescribeRepositories");
    Ok(optional(r)?.and_then(|o| o.repositories().first().cloned()))
}

/// Whether the repository holds an image with this tag (a pull through
/// the cache has filled it).
pub async fn image_cached(aws: &AwsContext, repo: &str, tag: &str) -> Result<bool> {
    let r = aws
        .ecr
        .describe_images()
        .repository_name(repo)
        .image_ids(
            aws_sdk_ecr::types::ImageIdentifier::builder()
                .image_tag(tag)
                .build(),
        )
        .send()
        .await
        .ctx("ecr", "DescribeImages");
    Ok(optional(r)?.is_some_and(|o| !o.image_details().is_empty()))
}

/// A repository's tags (none for one deleted meanwhile).
pub async fn tags_of(aws: &AwsContext, repo: &Repository) -> Result<Vec<Tag>> {
    let Some(arn) = repo.repository_arn() else {
        return Ok(Vec::new());
    };
    let r = aws
        .ecr
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .ctx("ecr", "ListTagsForResource");
    Ok(optional(r)?.map(|o| o.tags().to_vec()).unwrap_or_default())
}

fn pairs(tags: &[Tag]) -> impl Iterator<Item = (Option<&str>, Option<&str>)> {
    tags.iter().map(|t| (Some(t.key()), Some(t.value())))
}

/// ECR tags for a create call.
pub fn ecr_tags(t: &ResourceTags<'_>) -> Vec<Tag> {
    t.pairs(None)
        .into_iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

/// Every repository in the registry, page by page.
async fn all_repositories(aws: &AwsContext) -> Result<Vec<Repository>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = aws
            .ecr
            .describe_repositories()
            .set_next_token(token)
            .send()
            .await
            .ctx("ecr", "DescribeRepositories")?;
        out.extend(page.repositories().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Every pull-through cache rule in the registry, page by page.
pub async fn all_rules(aws: &AwsContext) -> Result<Vec<PullThroughCacheRule>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = aws
            .ecr
            .describe_pull_through_cache_rules()
            .set_next_token(token)
            .send()
            .await
            .ctx("ecr", "DescribePullThroughCacheRules")?;
        out.extend(page.pull_through_cache_rules().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Whether a repository under the rule's prefix carries this session's
/// tags and was made before the rule (gatewalk makes it first; a rule older
/// than every such repository was someone else's already).
async fn session_repository_under(
    aws: &AwsContext,
    rule: &PullThroughCacheRule,
    owner: &Owner,
) -> Result<bool> {
    let prefix = rule
        .ecr_repository_prefix()
        .unwrap_or_default()
        .trim_end_matches('/');
    for repo in all_repositories(aws).await? {
        let under = repo
            .repository_name()
            .is_some_and(|n| n.starts_with(&format!("{prefix}/")));
        let before = match (repo.created_at(), rule.created_at()) {
            (Some(r), Some(c)) => r.secs() <= c.secs(),
            _ => true,
        };
        if under && before && owner.owns(pairs(&tags_of(aws, &repo).await?)) {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Kind for CacheRules {
    type Item = PullThroughCacheRule;
    const SERVICE: &'static str = "ecr";
    const LIST_OP: &'static str = "DescribePullThroughCacheRules";
    const ID_FIELD: &'static str = "ecrRepositoryPrefix";
    fn id(item: &PullThroughCacheRule) -> Option<&str> {
        item.ecr_repository_prefix()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<PullThroughCacheRule>> {
        describe_rule(aws, id).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<PullThroughCacheRule>> {
        let Some(prefix) = l.at.name.or(l.recorded) else {
            return Ok(Vec::new());
        };
        Ok(describe_rule(aws, prefix).await?.into_iter().collect())
    }
    /// Rules carry no tags: one is this session's when a repository under
    /// its prefix carries this session's tags (made before the rule).
    async fn owned(aws: &AwsContext, item: &PullThroughCacheRule, owner: &Owner) -> Result<bool> {
        session_repository_under(aws, item, owner).await
    }
    async fn delete(
        aws: &AwsContext,
        _p: &Progress,
        item: &PullThroughCacheRule,
        _noun: &str,
    ) -> Result<()> {
        let prefix = Self::required_id(item, Self::LIST_OP)?;
        let r = aws
            .ecr
            .delete_pull_through_cache_rule()
            .ecr_repository_prefix(prefix)
            .send()
            .await
            .ctx("ecr", "DeletePullThroughCacheRule");
        optional(r).map(|_| ())
    }
}

impl Kind for Repositories {
    type Item = Repository;
    const SERVICE: &'static str = "ecr";
    const LIST_OP: &'static str = "DescribeRepositories";
    const ID_FIELD: &'static str = "repositoryName";
    fn id(item: &Repository) -> Option<&str> {
        item.repository_name()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<Repository>> {
        describe_repository(aws, id).await
    }
    /// By name when the step knows it; else every repository carrying this
    /// session's tags for the role (teardown, one tag read per repository).
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Repository>> {
        if let Some(name) = l.at.name {
            return Ok(describe_repository(aws, name).await?.into_iter().collect());
        }
        let mut out = Vec::new();
        for repo in all_repositories(aws).await? {
            if l.tags.matches(pairs(&tags_of(aws, &repo).await?)) {
                out.push(repo);
            }
        }
        Ok(out)
    }
    async fn owned(aws: &AwsContext, item: &Repository, owner: &Owner) -> Result<bool> {
        Ok(owner.owns(pairs(&tags_of(aws, item).await?)))
    }
    /// Deletes it with the images the cache put in it.
    async fn delete(aws: &AwsContext, _p: &Progress, item: &Repository, _noun: &str) -> Result<()> {
        let name = Self::required_id(item, Self::LIST_OP)?;
        let r = aws
            .ecr
            .delete_repository()
            .repository_name(name)
            .force(true)
            .send()
            .await
            .ctx("ecr", "DeleteRepository");
        optional(r).map(|_| ())
    }
}

/// The sessions' ECR repositories (one tag read each).
pub async fn inventory(aws: &AwsContext, which: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    for repo in all_repositories(aws).await? {
        let tags = tags_of(aws, &repo).await?;
        let (Some(session), Some(name)) = (which.of(pairs(&tags)), repo.repository_name()) else {
            continue;
        };
        out.push(Tagged {
            session,
            kind: "ecr:repository".into(),
            id: name.to_string(),
            session_id: session_id_of(pairs(&tags)),
        });
    }
    Ok(out)
}
