//! ECS: the cluster as a [`Kind`] (found by name, judged by its tags), and
//! reads that need more than one call — a cluster's services, all pages,
//! described with their tags (ECS returns none unless asked).

use super::find::Tagged;
use super::kind::{Kind, Lookup};
use super::tags::Owner;
use super::tags::SESSION_KEY;
use super::{AwsContext, CallExt};
use crate::aws::Required;
use crate::error::Result;
use crate::progress::Progress;
use aws_sdk_ecs::types::{Cluster, ClusterField};

/// ECS clusters, found by name. One of the same name that is not this
/// session's is the user's own (the walkthrough lets you use yours).
#[derive(Debug, Clone, Copy)]
pub struct Clusters;

impl Kind for Clusters {
    type Item = Cluster;
    const SERVICE: &'static str = "ecs";
    const LIST_OP: &'static str = "DescribeClusters";
    const ID_FIELD: &'static str = "clusterArn";
    fn id(item: &Cluster) -> Option<&str> {
        item.cluster_arn()
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Cluster>> {
        match l.at.name {
            Some(name) => Ok(describe_cluster(aws, name).await?.into_iter().collect()),
            None => Ok(Vec::new()),
        }
    }
    async fn owned(_aws: &AwsContext, item: &Cluster, owner: &Owner) -> Result<bool> {
        Ok(owner.owns(item.tags().iter().map(|t| (t.key(), t.value()))))
    }
    /// Deletes it; AWS refuses while services are still active in it.
    async fn delete(aws: &AwsContext, _p: &Progress, item: &Cluster, _noun: &str) -> Result<()> {
        let arn = Self::required_id(item, Self::LIST_OP)?;
        aws.ecs
            .delete_cluster()
            .cluster(item.cluster_name().unwrap_or(&arn))
            .send()
            .await
            .ctx("ecs", "DeleteCluster")
            .map(|_| ())
    }
}

/// The ACTIVE cluster of this name, with its tags.
pub async fn describe_cluster(aws: &AwsContext, name: &str) -> Result<Option<Cluster>> {
    let out = aws
        .ecs
        .describe_clusters()
        .clusters(name)
        .include(ClusterField::Tags)
        .send()
        .await
        .ctx("ecs", "DescribeClusters")?;
    Ok(out
        .clusters()
        .iter()
        .find(|c| c.status() == Some("ACTIVE"))
        .cloned())
}

/// The services of a cluster that carry the session's tag and are not INACTIVE.
pub(crate) async fn session_services(
    aws: &AwsContext,
    cluster: &str,
    session: &str,
) -> Result<Vec<Tagged>> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = aws
            .ecs
            .list_services()
            .cluster(cluster)
            .set_next_token(token)
            .send()
            .await
            .ctx("ecs", "ListServices")?;
        arns.extend(page.service_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut out = Vec::new();
    // DescribeServices takes at most 10 services a call.
    for chunk in arns.chunks(10) {
        let d = aws
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(chunk.to_vec()))
            .include(aws_sdk_ecs::types::ServiceField::Tags)
            .send()
            .await
            .ctx("ecs", "DescribeServices")?;
        for svc in d.services() {
            let mine = svc
                .tags()
                .iter()
                .any(|t| t.key() == Some(SESSION_KEY) && t.value() == Some(session));
            if mine && svc.status() != Some("INACTIVE") {
                out.push(Tagged {
                    kind: "ecs:service".into(),
                    id: svc
                        .service_arn()
                        .required("ecs", "DescribeServices", "serviceArn")?,
                    session_id: super::tags::session_id_of(
                        svc.tags().iter().map(|t| (t.key(), t.value())),
                    ),
                });
            }
        }
    }
    Ok(out)
}
