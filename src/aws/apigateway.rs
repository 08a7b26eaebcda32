//! API Gateway resources gatewalk owns — the REST API and its VPC link — as
//! [`Kind`]s: found among all of the account's (every page) by this session's
//! tags, deleted the way API Gateway allows (a VPC link takes minutes to go;
//! REST API deletes are throttled to about one every 30 seconds).

use super::Required;
use super::find::{Tagged, Which};
use super::kind::{Kind, Lookup};
use super::tags::ResourceTags;
use super::tags::SESSION_ID_KEY;
use super::wait::{Poll, wait_for};
use super::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::progress::Progress;
use aws_sdk_apigateway::types::{RestApi, VpcLink, VpcLinkStatus};
use std::collections::HashMap;
use std::time::Duration;

fn carries(t: &ResourceTags<'_>, tags: Option<&HashMap<String, String>>) -> bool {
    tags.is_some_and(|m| t.matches(m.iter().map(|(k, v)| (Some(k.as_str()), Some(v.as_str())))))
}

/// REST API VPC links.
#[derive(Debug, Clone, Copy)]
pub struct VpcLinks;

impl Kind for VpcLinks {
    type Item = VpcLink;
    const SERVICE: &'static str = "apigateway";
    const LIST_OP: &'static str = "GetVpcLinks";
    const ID_FIELD: &'static str = "id";
    fn id(item: &VpcLink) -> Option<&str> {
        item.id()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<VpcLink>> {
        get_link(aws, id).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<VpcLink>> {
        Ok(vpc_links(aws)
            .await?
            .into_iter()
            .filter(|v| carries(&l.tags, v.tags()))
            .collect())
    }
    /// A FAILED link never recovers: it is replaced.
    fn usable(item: &VpcLink) -> bool {
        item.status() != Some(&VpcLinkStatus::Failed)
    }
    /// Deletes it and waits until API Gateway no longer has it (minutes).
    async fn delete(aws: &AwsContext, p: &Progress, item: &VpcLink, noun: &str) -> Result<()> {
        let id = &Self::required_id(item, Self::LIST_OP)?;
        let r = aws
            .apigw
            .delete_vpc_link()
            .vpc_link_id(id)
            .send()
            .await
            .ctx("apigateway", "DeleteVpcLink");
        super::error::optional(r)?;
        wait_for(
            p,
            &format!("the {noun} to be deleted (it can take minutes)"),
            Duration::from_secs(15 * 60),
            || async move {
                Ok(match get_link(aws, id).await? {
                    None => Poll::Ready(()),
                    Some(l) => Poll::Pending(
                        l.status()
                            .map_or("DELETING".into(), |s| s.as_str().to_string()),
                    ),
                })
            },
        )
        .await
    }
}

/// A VPC link by id, `None` if it is gone.
pub async fn get_link(aws: &AwsContext, id: &str) -> Result<Option<VpcLink>> {
    let r = aws
        .apigw
        .get_vpc_link()
        .vpc_link_id(id)
        .send()
        .await
        .ctx("apigateway", "GetVpcLink");
    Ok(super::error::optional(r)?.map(|o| {
        VpcLink::builder()
            .set_id(o.id().map(str::to_string))
            .set_name(o.name().map(str::to_string))
            .set_status(o.status().cloned())
            .set_status_message(o.status_message().map(str::to_string))
            .set_target_arns(Some(o.target_arns().to_vec()))
            .set_tags(o.tags().cloned())
            .build()
    }))
}

/// A REST API by id, `None` if it is gone.
pub async fn get_rest_api(aws: &AwsContext, id: &str) -> Result<Option<RestApi>> {
    let r = aws
        .apigw
        .get_rest_api()
        .rest_api_id(id)
        .send()
        .await
        .ctx("apigateway", "GetRestApi");
    Ok(super::error::optional(r)?.map(|o| {
        RestApi::builder()
            .set_id(o.id().map(str::to_string))
            .set_name(o.name().map(str::to_string))
            .set_endpoint_configuration(o.endpoint_configuration().cloned())
            .set_tags(o.tags().cloned())
            .set_created_date(o.created_date().copied())
            .build()
    }))
}

/// REST APIs.
#[derive(Debug, Clone, Copy)]
pub struct RestApis;

impl Kind for RestApis {
    type Item = RestApi;
    const SERVICE: &'static str = "apigateway";
    const LIST_OP: &'static str = "GetRestApis";
    const ID_FIELD: &'static str = "id";
    fn id(item: &RestApi) -> Option<&str> {
        item.id()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<RestApi>> {
        get_rest_api(aws, id).await
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<RestApi>> {
        Ok(rest_apis(aws)
            .await?
            .into_iter()
            .filter(|a| carries(&l.tags, a.tags()))
            .collect())
    }
    /// Deletes it; a throttled delete is waited out, visibly, not failed.
    async fn delete(aws: &AwsContext, p: &Progress, item: &RestApi, _noun: &str) -> Result<()> {
        let id = &Self::required_id(item, Self::LIST_OP)?;
        wait_for(
            p,
            "API Gateway to accept the REST API delete (it allows about one every 30 s)",
            Duration::from_secs(5 * 60),
            || async move {
                let r = aws
                    .apigw
                    .delete_rest_api()
                    .rest_api_id(id)
                    .send()
                    .await
                    .ctx("apigateway", "DeleteRestApi");
                match super::error::optional(r) {
                    Ok(_) => Ok(Poll::Ready(())),
                    Err(Error::Aws(e)) if e.code == "TooManyRequestsException" => {
                        Ok(Poll::Pending("throttled".into()))
                    }
                    Err(e) => Err(e),
                }
            },
        )
        .await
    }
}

/// Every REST API VPC link of the account, all pages.
pub async fn vpc_links(aws: &AwsContext) -> Result<Vec<aws_sdk_apigateway::types::VpcLink>> {
    let mut out = Vec::new();
    let mut position = None;
    loop {
        let r = aws
            .apigw
            .get_vpc_links()
            .set_position(position)
            .limit(500)
            .send()
            .await
            .ctx("apigateway", "GetVpcLinks")?;
        out.extend(r.items().iter().cloned());
        position = r.position().map(str::to_string);
        if position.is_none() || r.items().is_empty() {
            return Ok(out);
        }
    }
}

/// Every REST API in the region (paginated).
pub async fn rest_apis(aws: &AwsContext) -> Result<Vec<aws_sdk_apigateway::types::RestApi>> {
    let mut out = Vec::new();
    let mut position = None;
    loop {
        let r = aws
            .apigw
            .get_rest_apis()
            .set_position(position)
            .limit(500)
            .send()
            .await
            .ctx("apigateway", "GetRestApis")?;
        out.extend(r.items().iter().cloned());
        position = r.position().map(str::to_string);
        if position.is_none() || r.items().is_empty() {
            return Ok(out);
        }
    }
}

/// A tag map as (key, value) pairs.
fn pairs(t: Option<&HashMap<String, String>>) -> Vec<(Option<&str>, Option<&str>)> {
    t.into_iter()
        .flatten()
        .map(|(k, v)| (Some(k.as_str()), Some(v.as_str())))
        .collect()
}

/// This session's VPC links and REST APIs.
pub async fn inventory(aws: &AwsContext, which: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    // API Gateway VPC links.
    for l in vpc_links(aws).await? {
        if let Some(session) = which.of(pairs(l.tags())) {
            out.push(Tagged {
                session,
                kind: "apigateway:vpclink".into(),
                id: l.id().required("apigateway", "GetVpcLinks", "id")?,
                session_id: l.tags().and_then(|t| t.get(SESSION_ID_KEY)).cloned(),
            });
        }
    }
    // API Gateway REST APIs.
    for a in rest_apis(aws).await? {
        if let Some(session) = which.of(pairs(a.tags())) {
            out.push(Tagged {
                session,
                kind: "apigateway:restapi".into(),
                id: a.id().required("apigateway", "GetRestApis", "id")?,
                session_id: a.tags().and_then(|t| t.get(SESSION_ID_KEY)).cloned(),
            });
        }
    }
    Ok(out)
}
