//! Route 53: the private hosted zone gatewalk makes for the NLB's name (here)
//! and the alias record that gives the NLB that name (`records`) — found,
//! judged and deleted as [`Kind`]s.
//!
//! Ownership. A hosted zone takes tags only after it exists
//! (`ChangeTagsForResource`), so gatewalk also writes the session into the
//! zone's caller reference, which covers a crash between the two calls. A
//! record set takes no tags at all: gatewalk writes a TXT record at the same
//! name naming the session, in the same change batch as the alias (Route 53
//! applies a batch whole or not at all), and removes both together. A name
//! without that TXT record is someone else's and is never changed.

use super::error::{optional, returned};
use super::find::{Tagged, Which};
use super::kind::{Kind, Lookup};
use super::tags::{Owner, ResourceTags, session_id_of};
use super::wait::{Poll, wait_for};
use super::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::progress::Progress;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ChangeStatus, HostedZone, HostedZoneConfig,
    ResourceRecordSet, Tag, TagResourceType, Vpc, VpcRegion,
};
use std::time::Duration;

mod records;

pub use records::{
    AliasRecords, RecordAt, alias_target_name, marked_in, marker_value, record_at, upsert_cname,
    write_alias,
};

/// Private hosted zones gatewalk made, by domain (apply) or by tags (teardown).
#[derive(Debug, Clone, Copy)]
pub struct HostedZones;

/// `Z123` of `/hostedzone/Z123` (and `C9` of `/change/C9`).
pub fn bare_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// A DNS name without its final dot, lowercase (as Route 53 compares them).
pub fn plain(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn build_error(what: &str, e: &aws_smithy_types::error::operation::BuildError) -> Error {
    Error::Config(format!("gatewalk could not build the Route 53 {what}: {e}"))
}

/// The start of a caller reference gatewalk writes for this session.
fn reference_prefix(owner: &Owner) -> String {
    format!(
        "gatewalk/{}/{}/",
        owner.name,
        owner.id.as_deref().unwrap_or("-")
    )
}

/// The zone and the VPCs associated with it (private zones), if it exists.
pub async fn get_zone(aws: &AwsContext, id: &str) -> Result<Option<(HostedZone, Vec<Vpc>)>> {
    let r = aws
        .route53
        .get_hosted_zone()
        .id(bare_id(id))
        .send()
        .await
        .ctx("route53", "GetHostedZone");
    let Some(out) = optional(r)? else {
        return Ok(None);
    };
    let zone = returned(out.hosted_zone(), "route53", "GetHostedZone", "HostedZone")?;
    Ok(Some((zone, out.vpcs().to_vec())))
}

/// Whether the zone is private.
pub fn is_private(z: &HostedZone) -> bool {
    z.config().is_some_and(HostedZoneConfig::private_zone)
}

/// A zone's tags.
pub async fn zone_tags(aws: &AwsContext, id: &str) -> Result<Vec<Tag>> {
    let r = aws
        .route53
        .list_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(bare_id(id))
        .send()
        .await
        .ctx("route53", "ListTagsForResource");
    Ok(optional(r)?
        .and_then(|o| o.resource_tag_set().map(|s| s.tags().to_vec()))
        .unwrap_or_default())
}

fn pairs(tags: &[Tag]) -> impl Iterator<Item = (Option<&str>, Option<&str>)> {
    tags.iter().map(|t| (t.key(), t.value()))
}

/// Whether the session made the zone: its tags, or (before they were
/// written) its caller reference.
async fn zone_owned(aws: &AwsContext, z: &HostedZone, owner: &Owner) -> Result<bool> {
    if owner.id.is_some() && z.caller_reference().starts_with(&reference_prefix(owner)) {
        return Ok(true);
    }
    Ok(owner.owns(pairs(&zone_tags(aws, z.id()).await?)))
}

/// Every hosted zone of the account, page by page.
async fn all_zones(aws: &AwsContext) -> Result<Vec<HostedZone>> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = aws
            .route53
            .list_hosted_zones()
            .set_marker(marker)
            .send()
            .await
            .ctx("route53", "ListHostedZones")?;
        out.extend(page.hosted_zones().iter().cloned());
        marker = page.next_marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            return Ok(out);
        }
    }
}

/// Creates a private hosted zone for `domain` associated with `vpc`, tagged
/// for the session; returns it once Route 53 has it.
pub async fn create_private_zone(
    aws: &AwsContext,
    owner: &Owner,
    t: &ResourceTags<'_>,
    domain: &str,
    vpc: &str,
) -> Result<HostedZone> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let out = aws
        .route53
        .create_hosted_zone()
        .name(domain)
        .caller_reference(format!("{}{nanos}", reference_prefix(owner)))
        .hosted_zone_config(
            HostedZoneConfig::builder()
                .private_zone(true)
                .comment(format!("gatewalk session {owner}: the NLB's name"))
                .build(),
        )
        .vpc(vpc_of(aws, vpc))
        .send()
        .await
        .ctx("route53", "CreateHostedZone")?;
    let zone = returned(
        out.hosted_zone(),
        "route53",
        "CreateHostedZone",
        "HostedZone",
    )?;
    tag_zone(aws, zone.id(), t).await?;
    Ok(zone)
}

/// Writes the session's tags on a zone (again, for one made just before a
/// crash, which only its caller reference names).
pub async fn tag_zone(aws: &AwsContext, zone: &str, t: &ResourceTags<'_>) -> Result<()> {
    let mut tag = aws
        .route53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(bare_id(zone));
    for (k, v) in t.pairs(None) {
        tag = tag.add_tags(Tag::builder().key(k).value(v).build());
    }
    tag.send()
        .await
        .ctx("route53", "ChangeTagsForResource")
        .map(|_| ())
}

/// Whether a private zone serves a VPC of this client's region. Hosted zones
/// are global; a session lives in one region, so a zone of a same-named
/// session in another region is never taken for this one's.
async fn in_region(aws: &AwsContext, z: &HostedZone) -> Result<bool> {
    Ok(get_zone(aws, z.id()).await?.is_some_and(|(_, vpcs)| {
        vpcs.iter()
            .any(|v| v.vpc_region().map(VpcRegion::as_str) == Some(aws.region.as_str()))
    }))
}

fn vpc_of(aws: &AwsContext, vpc: &str) -> Vpc {
    Vpc::builder()
        .vpc_id(vpc)
        .vpc_region(VpcRegion::from(aws.region.as_str()))
        .build()
}

/// Associates the VPC with a private zone (yours, named in the inputs).
pub async fn associate(aws: &AwsContext, zone: &str, vpc: &str) -> Result<()> {
    aws.route53
        .associate_vpc_with_hosted_zone()
        .hosted_zone_id(bare_id(zone))
        .vpc(vpc_of(aws, vpc))
        .comment("gatewalk: the NLB's name, resolved inside its VPC")
        .send()
        .await
        .ctx("route53", "AssociateVPCWithHostedZone")
        .map(|_| ())
}

/// Undoes [`associate`].
pub async fn disassociate(aws: &AwsContext, zone: &str, vpc: &str) -> Result<()> {
    aws.route53
        .disassociate_vpc_from_hosted_zone()
        .hosted_zone_id(bare_id(zone))
        .vpc(vpc_of(aws, vpc))
        .send()
        .await
        .ctx("route53", "DisassociateVPCFromHostedZone")
        .map(|_| ())
}

async fn change(
    aws: &AwsContext,
    zone: &str,
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
) -> Result<String> {
    let mut batch = ChangeBatch::builder().comment("gatewalk: the NLB's name");
    for (action, set) in changes {
        batch = batch.changes(
            Change::builder()
                .action(action)
                .resource_record_set(set)
                .build()
                .map_err(|e| build_error("change", &e))?,
        );
    }
    let out = aws
        .route53
        .change_resource_record_sets()
        .hosted_zone_id(bare_id(zone))
        .change_batch(batch.build().map_err(|e| build_error("change batch", &e))?)
        .send()
        .await
        .ctx("route53", "ChangeResourceRecordSets")?;
    let info = returned(
        out.change_info(),
        "route53",
        "ChangeResourceRecordSets",
        "ChangeInfo",
    )?;
    Ok(bare_id(info.id()).to_string())
}

/// Waits until Route 53 reports the change INSYNC (on every name server).
pub async fn wait_insync(aws: &AwsContext, p: &Progress, change_id: &str) -> Result<()> {
    wait_for(
        p,
        "Route 53 to publish the record",
        Duration::from_secs(10 * 60),
        || async move {
            let out = aws
                .route53
                .get_change()
                .id(change_id)
                .send()
                .await
                .ctx("route53", "GetChange")?;
            let info = returned(out.change_info(), "route53", "GetChange", "ChangeInfo")?;
            Ok(match info.status() {
                ChangeStatus::Insync => Poll::Ready(()),
                other => Poll::Pending(other.as_str().to_string()),
            })
        },
    )
    .await
}

impl Kind for HostedZones {
    type Item = HostedZone;
    const SERVICE: &'static str = "route53";
    const LIST_OP: &'static str = "ListHostedZones";
    const ID_FIELD: &'static str = "Id";
    fn id(item: &HostedZone) -> Option<&str> {
        Some(bare_id(item.id()))
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<HostedZone>> {
        Ok(get_zone(aws, id).await?.map(|(z, _)| z))
    }
    /// This session's private zones: of the domain asked for, else every one.
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<HostedZone>> {
        let mut mine = Vec::new();
        for z in all_zones(aws).await? {
            let named = l.at.name.is_none_or(|n| plain(z.name()) == plain(n));
            if named
                && is_private(&z)
                && zone_owned(aws, &z, l.owner).await?
                && in_region(aws, &z).await?
            {
                mine.push(z);
            }
        }
        Ok(mine)
    }
    async fn delete(aws: &AwsContext, _p: &Progress, item: &HostedZone, _noun: &str) -> Result<()> {
        let r = aws
            .route53
            .delete_hosted_zone()
            .id(bare_id(item.id()))
            .send()
            .await
            .ctx("route53", "DeleteHostedZone");
        optional(r).map(|_| ())
    }
}

/// The sessions' hosted zones (one tag read each).
pub async fn inventory(aws: &AwsContext, which: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    for z in all_zones(aws).await? {
        if !is_private(&z) {
            continue;
        }
        let tags = zone_tags(aws, z.id()).await?;
        let Some(session) = which.of(pairs(&tags)) else {
            continue;
        };
        if !in_region(aws, &z).await? {
            continue;
        }
        out.push(Tagged {
            session,
            kind: "route53:hostedzone".into(),
            id: bare_id(z.id()).to_string(),
            session_id: session_id_of(pairs(&tags)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_compared_plainly() {
        assert_eq!(bare_id("/hostedzone/Z12"), "Z12");
        assert_eq!(bare_id("Z12"), "Z12");
        assert_eq!(plain("Api.Example.com."), "api.example.com");
    }
}
