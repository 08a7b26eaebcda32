//! Elastic Load Balancing (v2): load balancers, target groups and listeners
//! as [`Kind`]s — found by name (or recorded ARN) and judged by their tags,
//! which ELB keeps apart from the resource — and reads that need more than one
//! call: every target group, all pages, with its tags read in batches.

use super::find::{Tagged, Which};
use super::kind::{Kind, Lookup};
use super::tags::{Owner, ResourceTags, session_id_of};
use super::wait::{Poll, delete_when_free, wait_for};
use super::{AwsContext, CallExt};
use crate::error::Result;
use crate::progress::Progress;
use aws_sdk_elasticloadbalancingv2::types::{Listener, LoadBalancer as Nlb, TargetGroup};
use std::time::Duration;

/// Network load balancers, found by name (apply: the name the inputs
/// choose), else by the recorded ARN (teardown).
#[derive(Debug, Clone, Copy)]
pub struct LoadBalancers;

impl Kind for LoadBalancers {
    type Item = Nlb;
    const SERVICE: &'static str = "elbv2";
    const LIST_OP: &'static str = "DescribeLoadBalancers";
    const ID_FIELD: &'static str = "LoadBalancerArn";
    fn id(item: &Nlb) -> Option<&str> {
        item.load_balancer_arn()
    }
    async fn get(aws: &AwsContext, arn: &str) -> Result<Option<Nlb>> {
        describe_nlb(aws, arn).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Nlb>> {
        match l.at.name.or(l.recorded) {
            Some(key) => Ok(describe_nlb(aws, key).await?.into_iter().collect()),
            None => Ok(Vec::new()),
        }
    }
    async fn owned(aws: &AwsContext, item: &Nlb, owner: &Owner) -> Result<bool> {
        elb_owned(aws, &Self::required_id(item, Self::LIST_OP)?, owner).await
    }
    /// Deletes it and waits until AWS no longer lists it (its network
    /// interfaces go with it, a little later).
    async fn delete(aws: &AwsContext, p: &Progress, item: &Nlb, noun: &str) -> Result<()> {
        let arn = &Self::required_id(item, Self::LIST_OP)?;
        aws.elb
            .delete_load_balancer()
            .load_balancer_arn(arn)
            .send()
            .await
            .ctx("elbv2", "DeleteLoadBalancer")?;
        wait_for(
            p,
            &format!("the {noun} to be deleted"),
            Duration::from_secs(15 * 60),
            || async move {
                Ok(match describe_nlb(aws, arn).await? {
                    None => Poll::Ready(()),
                    Some(lb) => Poll::Pending(
                        lb.state()
                            .and_then(|s| s.code())
                            .map_or("deleting".into(), |c| c.as_str().to_string()),
                    ),
                })
            },
        )
        .await
    }
}

/// Target groups: the one of the chosen name (apply), else this session's
/// found by tags and the recorded one (teardown, which also finds one left
/// under an earlier name).
#[derive(Debug, Clone, Copy)]
pub struct TargetGroups;

impl Kind for TargetGroups {
    type Item = TargetGroup;
    const SERVICE: &'static str = "elbv2";
    const LIST_OP: &'static str = "DescribeTargetGroups";
    const ID_FIELD: &'static str = "TargetGroupArn";
    fn id(item: &TargetGroup) -> Option<&str> {
        item.target_group_arn()
    }
    async fn get(aws: &AwsContext, arn: &str) -> Result<Option<TargetGroup>> {
        describe_tg(aws, arn).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<TargetGroup>> {
        if let Some(name) = l.at.name {
            return Ok(describe_tg(aws, name).await?.into_iter().collect());
        }
        let mut named = Vec::new();
        if let Some(arn) = l.recorded {
            named.extend(describe_tg(aws, arn).await?);
        }
        for tg in target_groups(aws, &l.tags).await? {
            if !named
                .iter()
                .any(|g| g.target_group_arn() == tg.target_group_arn())
            {
                named.push(tg);
            }
        }
        Ok(named)
    }
    async fn owned(aws: &AwsContext, item: &TargetGroup, owner: &Owner) -> Result<bool> {
        elb_owned(aws, &Self::required_id(item, Self::LIST_OP)?, owner).await
    }
    /// Deletes it, waiting while a listener being deleted still releases it.
    async fn delete(aws: &AwsContext, p: &Progress, item: &TargetGroup, noun: &str) -> Result<()> {
        let arn = &Self::required_id(item, Self::LIST_OP)?;
        delete_when_free(p, &format!("the {noun} to be released"), || async move {
            aws.elb
                .delete_target_group()
                .target_group_arn(arn)
                .send()
                .await
                .ctx("elbv2", "DeleteTargetGroup")
                .map(|_| ())
        })
        .await
    }
}

/// Listeners of a load balancer (`At::inside`), on one port (`At::on_port`).
#[derive(Debug, Clone, Copy)]
pub struct Listeners;

impl Kind for Listeners {
    type Item = Listener;
    const SERVICE: &'static str = "elbv2";
    const LIST_OP: &'static str = "DescribeListeners";
    const ID_FIELD: &'static str = "ListenerArn";
    fn id(item: &Listener) -> Option<&str> {
        item.listener_arn()
    }
    async fn get(aws: &AwsContext, arn: &str) -> Result<Option<Listener>> {
        let r = aws
            .elb
            .describe_listeners()
            .listener_arns(arn)
            .send()
            .await
            .ctx("elbv2", "DescribeListeners");
        Ok(super::error::optional(r)?.and_then(|o| o.listeners().first().cloned()))
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<Listener>> {
        let (Some(nlb), Some(port)) = (l.at.parent, l.at.port) else {
            return Ok(Vec::new());
        };
        Ok(listener_on(aws, nlb, port).await?.into_iter().collect())
    }
    async fn owned(aws: &AwsContext, item: &Listener, owner: &Owner) -> Result<bool> {
        elb_owned(aws, &Self::required_id(item, Self::LIST_OP)?, owner).await
    }
    async fn delete(aws: &AwsContext, _p: &Progress, item: &Listener, _noun: &str) -> Result<()> {
        aws.elb
            .delete_listener()
            .listener_arn(Self::required_id(item, Self::LIST_OP)?)
            .send()
            .await
            .ctx("elbv2", "DeleteListener")
            .map(|_| ())
    }
}

/// The load balancer of this name or ARN, if any.
pub async fn describe_nlb(aws: &AwsContext, name_or_arn: &str) -> Result<Option<Nlb>> {
    let mut req = aws.elb.describe_load_balancers();
    req = if name_or_arn.starts_with("arn:") {
        req.load_balancer_arns(name_or_arn)
    } else {
        req.names(name_or_arn)
    };
    let r = req.send().await.ctx("elbv2", "DescribeLoadBalancers");
    Ok(super::error::optional(r)?.and_then(|o| o.load_balancers().first().cloned()))
}

/// The load balancer whose DNS name this is (compared as DNS compares
/// names), if any: what an alias record points at.
pub async fn nlb_by_dns(aws: &AwsContext, dns: &str) -> Result<Option<Nlb>> {
    let want = super::route53::plain(dns);
    Ok(all_load_balancers(aws).await?.into_iter().find(|lb| {
        lb.dns_name()
            .is_some_and(|d| super::route53::plain(d) == want)
    }))
}

/// The target group of this name or ARN, if any.
pub async fn describe_tg(aws: &AwsContext, name_or_arn: &str) -> Result<Option<TargetGroup>> {
    let mut req = aws.elb.describe_target_groups();
    req = if name_or_arn.starts_with("arn:") {
        req.target_group_arns(name_or_arn)
    } else {
        req.names(name_or_arn)
    };
    let r = req.send().await.ctx("elbv2", "DescribeTargetGroups");
    Ok(super::error::optional(r)?.and_then(|o| o.target_groups().first().cloned()))
}

/// Whether an ELB resource carries `owner`'s tags (name and id).
pub async fn elb_owned(aws: &AwsContext, arn: &str, owner: &Owner) -> Result<bool> {
    let out = aws
        .elb
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .ctx("elbv2", "DescribeTags")?;
    Ok(out
        .tag_descriptions()
        .first()
        .is_some_and(|d| owner.owns(d.tags().iter().map(|t| (t.key(), t.value())))))
}

/// The listener of a load balancer on a port, if any.
pub async fn listener_on(aws: &AwsContext, nlb: &str, port: u32) -> Result<Option<Listener>> {
    let out = aws
        .elb
        .describe_listeners()
        .load_balancer_arn(nlb)
        .send()
        .await
        .ctx("elbv2", "DescribeListeners");
    Ok(super::error::optional(out)?.and_then(|o| {
        o.listeners()
            .iter()
            .find(|l| l.port() == Some(crate::model::api_int(port)))
            .cloned()
    }))
}

/// Target groups carrying these tags (tags read in batches of 20, all pages).
pub async fn target_groups(
    aws: &AwsContext,
    t: &ResourceTags<'_>,
) -> Result<Vec<aws_sdk_elasticloadbalancingv2::types::TargetGroup>> {
    let all = all_target_groups(aws).await?;
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

/// The target group attribute that holds the deregistration delay.
pub const DEREGISTRATION_DELAY: &str = "deregistration_delay.timeout_seconds";

/// A target group's deregistration delay in seconds, as AWS writes it.
pub async fn deregistration_delay(aws: &AwsContext, tg: &str) -> Result<Option<String>> {
    let out = aws
        .elb
        .describe_target_group_attributes()
        .target_group_arn(tg)
        .send()
        .await
        .ctx("elbv2", "DescribeTargetGroupAttributes")?;
    Ok(out
        .attributes()
        .iter()
        .find(|a| a.key() == Some(DEREGISTRATION_DELAY))
        .and_then(|a| a.value().map(str::to_string)))
}

/// Every load balancer of the account, all pages.
pub async fn all_load_balancers(aws: &AwsContext) -> Result<Vec<Nlb>> {
    let mut all = Vec::new();
    let mut marker = None;
    loop {
        let page = aws
            .elb
            .describe_load_balancers()
            .set_marker(marker)
            .send()
            .await
            .ctx("elbv2", "DescribeLoadBalancers")?;
        all.extend(page.load_balancers().iter().cloned());
        marker = page.next_marker().map(str::to_string);
        if marker.is_none() {
            return Ok(all);
        }
    }
}

/// Every target group of the account, all pages.
pub async fn all_target_groups(aws: &AwsContext) -> Result<Vec<TargetGroup>> {
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
            return Ok(all);
        }
    }
}

/// This session's load balancers and target groups (all pages), their tags
/// read in batches of 20.
pub async fn inventory(aws: &AwsContext, which: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    let mut arns: Vec<(String, String)> = Vec::new();
    for lb in all_load_balancers(aws).await? {
        if let Some(a) = lb.load_balancer_arn() {
            arns.push(("elbv2:loadbalancer".into(), a.to_string()));
        }
    }
    for tg in all_target_groups(aws).await? {
        if let Some(a) = tg.target_group_arn() {
            arns.push(("elbv2:targetgroup".into(), a.to_string()));
        }
    }
    for chunk in arns.chunks(20) {
        let r = aws
            .elb
            .describe_tags()
            .set_resource_arns(Some(chunk.iter().map(|(_, a)| a.clone()).collect()))
            .send()
            .await
            .ctx("elbv2", "DescribeTags")?;
        for d in r.tag_descriptions() {
            let mine = which.of(d.tags().iter().map(|t| (t.key(), t.value())));
            if let (Some(session), Some(arn)) = (mine, d.resource_arn()) {
                let kind = chunk
                    .iter()
                    .find(|(_, a)| a == arn)
                    .map(|(k, _)| k.clone())
                    .unwrap_or_default();
                out.push(Tagged {
                    session,
                    kind,
                    id: arn.to_string(),
                    session_id: session_id_of(d.tags().iter().map(|t| (t.key(), t.value()))),
                });
            }
        }
    }
    Ok(out)
}
