//! ECS: the cluster as a [`Kind`] (found by name, judged by its tags), and
//! reads that need more than one call — a cluster's services, all pages,
//! described with their tags (ECS returns none unless asked).

use super::find::{Tagged, Which};
use super::kind::{Kind, Lookup};
use super::tags::Owner;
use super::tags::session_id_of;
use super::wait::{Poll, wait_for};
use super::{AwsContext, CallExt};
use crate::aws::Required;
use crate::error::Result;
use crate::progress::Progress;
use aws_sdk_ecs::types::{
    Cluster, ClusterField, Service, Tag, TaskDefinition, TaskDefinitionField, TaskDefinitionStatus,
};
use std::time::Duration;

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
    async fn get(aws: &AwsContext, arn: &str) -> Result<Option<Cluster>> {
        describe_cluster(aws, arn).await
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

/// ECS services, found by name (`At::named`) in a cluster (`At::inside`),
/// with their tags.
#[derive(Debug, Clone, Copy)]
pub struct Services;

impl Kind for Services {
    type Item = Service;
    const SERVICE: &'static str = "ecs";
    const LIST_OP: &'static str = "DescribeServices";
    const ID_FIELD: &'static str = "serviceArn";
    fn id(item: &Service) -> Option<&str> {
        item.service_arn()
    }
    /// By ARN: `arn:…:service/CLUSTER/NAME` names its cluster (an ARN of
    /// the old form, without it, is looked for in the default cluster).
    async fn get(aws: &AwsContext, arn: &str) -> Result<Option<Service>> {
        let path = arn.rsplit_once(":service/").map_or(arn, |x| x.1);
        let (cluster, name) = path.split_once('/').unwrap_or(("default", path));
        describe_service(aws, cluster, name).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Service>> {
        match (l.at.parent, l.at.name) {
            (Some(cluster), Some(name)) => Ok(describe_service(aws, cluster, name)
                .await?
                .into_iter()
                .collect()),
            _ => Ok(Vec::new()),
        }
    }
    fn settling(item: &Service) -> Option<String> {
        (item.status() != Some("ACTIVE"))
            .then(|| format!("is {} (being deleted)", item.status().unwrap_or("?")))
    }
    async fn owned(_aws: &AwsContext, item: &Service, owner: &Owner) -> Result<bool> {
        Ok(owner.owns(item.tags().iter().map(|t| (t.key(), t.value()))))
    }
    /// Scales it to zero, deletes it and waits until it is INACTIVE (its
    /// tasks stopped); one found DRAINING is only waited for.
    async fn delete(aws: &AwsContext, p: &Progress, item: &Service, noun: &str) -> Result<()> {
        let cluster = &item
            .cluster_arn()
            .required("ecs", "DescribeServices", "clusterArn")?;
        let name = &item
            .service_name()
            .required("ecs", "DescribeServices", "serviceName")?;
        if item.status() == Some("ACTIVE") {
            aws.ecs
                .update_service()
                .cluster(cluster)
                .service(name)
                .desired_count(0)
                .send()
                .await
                .ctx("ecs", "UpdateService")?;
            aws.ecs
                .delete_service()
                .cluster(cluster)
                .service(name)
                .force(true)
                .send()
                .await
                .ctx("ecs", "DeleteService")?;
        }
        wait_for(
            p,
            &format!("the {noun} to be deleted"),
            Duration::from_secs(15 * 60),
            || async move {
                Ok(match describe_service(aws, cluster, name).await? {
                    None => Poll::Ready(()),
                    Some(s) => Poll::Pending(s.status().unwrap_or("DRAINING").to_lowercase()),
                })
            },
        )
        .await
    }
}

/// A service by name in a cluster, with its tags (ECS returns none unless
/// asked, and an ownership check on a service without tags would say "not
/// ours" and leave it running); an INACTIVE one counts as gone.
pub async fn describe_service(
    aws: &AwsContext,
    cluster: &str,
    name: &str,
) -> Result<Option<Service>> {
    let out = aws
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .send()
        .await;
    let out = super::error::optional(out.ctx("ecs", "DescribeServices"))?;
    Ok(out.and_then(|o| {
        o.services()
            .iter()
            .find(|s| s.status() != Some("INACTIVE"))
            .cloned()
    }))
}

/// One task definition revision with its tags (ECS returns them apart).
#[derive(Debug, Clone)]
pub struct Revision {
    /// The revision.
    pub def: TaskDefinition,
    /// Its tags.
    pub tags: Vec<Tag>,
}

/// Task definition revisions of a family (`At::named(family)`): apply
/// considers the latest ACTIVE one; teardown every ACTIVE one.
#[derive(Debug, Clone, Copy)]
pub struct TaskDefinitions;

impl Kind for TaskDefinitions {
    type Item = Revision;
    const SERVICE: &'static str = "ecs";
    const LIST_OP: &'static str = "DescribeTaskDefinition";
    const ID_FIELD: &'static str = "taskDefinitionArn";
    fn id(item: &Revision) -> Option<&str> {
        item.def.task_definition_arn()
    }
    async fn get(aws: &AwsContext, arn: &str) -> Result<Option<Revision>> {
        latest_revision(aws, arn).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Revision>> {
        match l.at.name {
            Some(family) => Ok(latest_revision(aws, family).await?.into_iter().collect()),
            None => Ok(Vec::new()),
        }
    }
    async fn find_all(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Revision>> {
        let Some(family) = l.at.name else {
            return Ok(Vec::new());
        };
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let out = aws
                .ecs
                .list_task_definitions()
                .family_prefix(family)
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
                if fam == Some(family) {
                    all.extend(latest_revision(aws, arn).await?);
                }
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(all);
            }
        }
    }
    async fn owned(_aws: &AwsContext, item: &Revision, owner: &Owner) -> Result<bool> {
        Ok(owner.owns(item.tags.iter().map(|t| (t.key(), t.value()))))
    }
    async fn delete(aws: &AwsContext, _p: &Progress, item: &Revision, _noun: &str) -> Result<()> {
        aws.ecs
            .deregister_task_definition()
            .task_definition(Self::required_id(item, Self::LIST_OP)?)
            .send()
            .await
            .ctx("ecs", "DeregisterTaskDefinition")
            .map(|_| ())
    }
}

/// The latest ACTIVE revision of a family (or the revision of an ARN) with
/// its tags, if there is one.
pub async fn latest_revision(aws: &AwsContext, family_or_arn: &str) -> Result<Option<Revision>> {
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
            .map(|def| Revision {
                def,
                tags: out.tags().to_vec(),
            })),
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
    which: Which<'_>,
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
            let mine = which.of(svc.tags().iter().map(|t| (t.key(), t.value())));
            if let (Some(session), false) = (mine, svc.status() == Some("INACTIVE")) {
                out.push(Tagged {
                    session,
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

/// This session's ECS clusters, services (in any cluster, until INACTIVE: a
/// DRAINING service still runs tasks) and ACTIVE task definition revisions.
pub async fn inventory(aws: &AwsContext, which: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = aws
            .ecs
            .list_clusters()
            .set_next_token(token)
            .send()
            .await
            .ctx("ecs", "ListClusters")?;
        arns.extend(page.cluster_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    // DescribeClusters takes at most 100 clusters a call.
    for chunk in arns.chunks(100) {
        let d = aws
            .ecs
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .include(aws_sdk_ecs::types::ClusterField::Tags)
            .send()
            .await
            .ctx("ecs", "DescribeClusters")?;
        for c in d.clusters() {
            let mine = which.of(c.tags().iter().map(|t| (t.key(), t.value())));
            if let (Some(session), true) = (mine, c.status() == Some("ACTIVE")) {
                out.push(Tagged {
                    session,
                    kind: "ecs:cluster".into(),
                    id: c
                        .cluster_arn()
                        .required("ecs", "DescribeClusters", "clusterArn")?,
                    session_id: session_id_of(c.tags().iter().map(|t| (t.key(), t.value()))),
                });
            }
            // The session's services, in any cluster (yours too), until INACTIVE:
            // a DRAINING service still runs tasks and holds network interfaces.
            if c.status() == Some("ACTIVE")
                && let Some(arn) = c.cluster_arn()
            {
                out.extend(session_services(aws, arn, which).await?);
            }
        }
    }
    // ECS task definitions: active revisions tagged with the session.
    let mut token = None;
    loop {
        let r = aws
            .ecs
            .list_task_definitions()
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .set_next_token(token)
            .send()
            .await
            .ctx("ecs", "ListTaskDefinitions")?;
        for arn in r.task_definition_arns() {
            let d = aws
                .ecs
                .describe_task_definition()
                .task_definition(arn)
                .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
                .send()
                .await
                .ctx("ecs", "DescribeTaskDefinition")?;
            if let Some(session) = which.of(d.tags().iter().map(|t| (t.key(), t.value()))) {
                out.push(Tagged {
                    session,
                    kind: "ecs:task-definition".into(),
                    id: arn.clone(),
                    session_id: session_id_of(d.tags().iter().map(|t| (t.key(), t.value()))),
                });
            }
        }
        token = r.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}
