//! Route 53: the private hosted zone gatewalk makes for the NLB's name, and
//! the alias record that gives the NLB that name — found, judged and deleted
//! as [`Kind`]s.
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
use super::tags::{Owner, ResourceTags, SESSION_ID_KEY, SESSION_KEY, session_id_of};
use super::wait::{Poll, wait_for};
use super::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::progress::Progress;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeStatus, HostedZone, HostedZoneConfig,
    ResourceRecord, ResourceRecordSet, RrType, Tag, TagResourceType, Vpc, VpcRegion,
};
use std::time::Duration;

/// Private hosted zones gatewalk made, by domain (apply) or by tags (teardown).
#[derive(Debug, Clone, Copy)]
pub struct HostedZones;

/// The NLB's alias record: `At::named(name).inside(zone)`; its id is
/// `<zone id>/<name>`.
#[derive(Debug, Clone, Copy)]
pub struct AliasRecords;

/// The record sets at one name of one zone (the alias, the session's TXT).
#[derive(Debug, Clone)]
pub struct RecordAt {
    /// Hosted zone id, without `/hostedzone/`.
    pub zone: String,
    /// The name, without the final dot.
    pub name: String,
    /// The A and TXT record sets at that name.
    pub sets: Vec<ResourceRecordSet>,
    /// `<zone>/<name>`.
    pub id: String,
}

impl RecordAt {
    /// The A record set, if any.
    pub fn alias(&self) -> Option<&AliasTarget> {
        self.sets
            .iter()
            .find(|s| s.r#type() == &RrType::A)
            .and_then(ResourceRecordSet::alias_target)
    }

    /// Whether an A record exists at the name (alias or not).
    pub fn has_a(&self) -> bool {
        self.sets.iter().any(|s| s.r#type() == &RrType::A)
    }

    /// The session TXT value at the name, if gatewalk wrote one.
    fn marker(&self) -> Option<&str> {
        self.sets
            .iter()
            .filter(|s| s.r#type() == &RrType::Txt)
            .flat_map(ResourceRecordSet::resource_records)
            .map(ResourceRecord::value)
            .find(|v| v.contains(SESSION_KEY))
    }
}

/// `Z123` of `/hostedzone/Z123` (and `C9` of `/change/C9`).
pub fn bare_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// A DNS name without its final dot, lowercase (as Route 53 compares them).
pub fn plain(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The load balancer DNS name an alias names, as `DescribeLoadBalancers`
/// spells it (Route 53 may store the `dualstack.` form).
pub fn alias_target_name(a: &AliasTarget) -> String {
    let n = plain(a.dns_name());
    n.strip_prefix("dualstack.")
        .map_or(n.clone(), str::to_string)
}

fn build_error(what: &str, e: &aws_smithy_types::error::operation::BuildError) -> Error {
    Error::Config(format!("gatewalk could not build the Route 53 {what}: {e}"))
}

/// The TXT value that marks a name as this session's.
pub fn marker_value(owner: &Owner) -> String {
    match &owner.id {
        Some(id) => format!("\"{SESSION_KEY}={} {SESSION_ID_KEY}={id}\"", owner.name),
        None => format!("\"{SESSION_KEY}={}\"", owner.name),
    }
}

/// Whether a TXT value names this session (and, when it carries one, its id).
fn marks(value: &str, owner: &Owner) -> bool {
    let v = value.trim_matches('"');
    let pairs = v.split_whitespace().filter_map(|w| w.split_once('='));
    owner.owns(pairs.map(|(k, v)| (Some(k), Some(v))))
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
    let mut tag = aws
        .route53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(bare_id(zone.id()));
    for (k, v) in t.pairs(None) {
        tag = tag.add_tags(Tag::builder().key(k).value(v).build());
    }
    tag.send().await.ctx("route53", "ChangeTagsForResource")?;
    Ok(zone)
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

/// The A and TXT record sets at `name` in `zone` (none when the zone is gone).
pub async fn record_at(aws: &AwsContext, zone: &str, name: &str) -> Result<RecordAt> {
    let zone = bare_id(zone).to_string();
    let want = plain(name);
    let r = aws
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(&zone)
        .start_record_name(&want)
        .max_items(10)
        .send()
        .await
        .ctx("route53", "ListResourceRecordSets");
    let sets = optional(r)?
        .map(|o| {
            o.resource_record_sets()
                .iter()
                .filter(|s| plain(s.name()) == want)
                .filter(|s| matches!(s.r#type(), RrType::A | RrType::Txt))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Ok(RecordAt {
        id: format!("{zone}/{want}"),
        zone,
        name: want,
        sets,
    })
}

/// Every name in the zone that carries this session's TXT record, with its
/// record sets: what a zone of the session holds of the session's, found
/// without knowing the names (a session known only from its tags).
pub async fn marked_in(aws: &AwsContext, zone: &str, owner: &Owner) -> Result<Vec<RecordAt>> {
    let mut names = Vec::new();
    let (mut start, mut kind) = (None::<String>, None::<RrType>);
    loop {
        let r = aws
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(bare_id(zone))
            .set_start_record_name(start)
            .set_start_record_type(kind)
            .send()
            .await
            .ctx("route53", "ListResourceRecordSets");
        let Some(page) = optional(r)? else {
            return Ok(Vec::new());
        };
        for set in page.resource_record_sets() {
            let ours = set.r#type() == &RrType::Txt
                && set
                    .resource_records()
                    .iter()
                    .any(|v| marks(v.value(), owner));
            if ours {
                names.push(plain(set.name()));
            }
        }
        if !page.is_truncated() {
            break;
        }
        start = page.next_record_name().map(str::to_string);
        kind = page.next_record_type().cloned();
        if start.is_none() {
            break;
        }
    }
    let mut out = Vec::new();
    for n in names {
        out.push(record_at(aws, zone, &n).await?);
    }
    Ok(out)
}

fn alias_set(name: &str, target_dns: &str, target_zone: &str) -> Result<ResourceRecordSet> {
    let alias = AliasTarget::builder()
        .hosted_zone_id(target_zone)
        .dns_name(target_dns)
        .evaluate_target_health(false)
        .build()
        .map_err(|e| build_error("alias target", &e))?;
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .alias_target(alias)
        .build()
        .map_err(|e| build_error("alias record", &e))
}

fn marker_set(name: &str, owner: &Owner) -> Result<ResourceRecordSet> {
    let value = ResourceRecord::builder()
        .value(marker_value(owner))
        .build()
        .map_err(|e| build_error("TXT value", &e))?;
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Txt)
        .ttl(300)
        .resource_records(value)
        .build()
        .map_err(|e| build_error("TXT record", &e))
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

/// Writes the alias (and the session's TXT record beside it) in one batch:
/// `Create` for a new name (refused by Route 53 if someone wrote it
/// meanwhile), `Upsert` to point this session's name at the NLB again.
/// Returns the change id.
pub async fn write_alias(
    aws: &AwsContext,
    at: &RecordAt,
    owner: &Owner,
    target_dns: &str,
    target_zone: &str,
    action: ChangeAction,
) -> Result<String> {
    let mut changes = vec![(
        action.clone(),
        alias_set(&at.name, target_dns, target_zone)?,
    )];
    if at.marker().is_none() || action == ChangeAction::Create {
        changes.insert(0, (action, marker_set(&at.name, owner)?));
    }
    change(aws, &at.zone, changes).await
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
            if named && is_private(&z) && zone_owned(aws, &z, l.owner).await? {
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

impl Kind for AliasRecords {
    type Item = RecordAt;
    const SERVICE: &'static str = "route53";
    const LIST_OP: &'static str = "ListResourceRecordSets";
    const ID_FIELD: &'static str = "Name";
    fn id(item: &RecordAt) -> Option<&str> {
        Some(&item.id)
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<RecordAt>> {
        let Some((zone, name)) = id.split_once('/') else {
            return Ok(None);
        };
        let at = record_at(aws, zone, name).await?;
        Ok((!at.sets.is_empty()).then_some(at))
    }
    /// What is at the name (whoever wrote it), and at the recorded name
    /// when that is another.
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<RecordAt>> {
        let mut out = Vec::new();
        if let (Some(name), Some(zone)) = (l.at.name, l.at.parent) {
            let at = record_at(aws, zone, name).await?;
            if !at.sets.is_empty() {
                out.push(at);
            }
        }
        if let Some(id) = l.recorded
            && !out.iter().any(|a| a.id == id)
            && let Some(at) = Self::get(aws, id).await?
        {
            out.push(at);
        }
        Ok(out)
    }
    async fn owned(_aws: &AwsContext, item: &RecordAt, owner: &Owner) -> Result<bool> {
        Ok(item.marker().is_some_and(|v| marks(v, owner)))
    }
    /// Deletes the A and TXT record sets at the name in one batch.
    async fn delete(aws: &AwsContext, _p: &Progress, item: &RecordAt, _noun: &str) -> Result<()> {
        let changes = item
            .sets
            .iter()
            .map(|s| (ChangeAction::Delete, s.clone()))
            .collect::<Vec<_>>();
        if changes.is_empty() {
            return Ok(());
        }
        match change(aws, &item.zone, changes).await {
            Err(Error::Aws(e)) if e.code == "NoSuchHostedZone" => Ok(()),
            r => r.map(|_| ()),
        }
    }
}

/// The sessions' hosted zones (one tag read each).
pub async fn inventory(aws: &AwsContext, which: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    for z in all_zones(aws).await? {
        let tags = zone_tags(aws, z.id()).await?;
        let Some(session) = which.of(pairs(&tags)) else {
            continue;
        };
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

    fn owner(id: Option<&str>) -> Owner {
        Owner {
            name: "demo".into(),
            id: id.map(str::to_string),
        }
    }

    #[test]
    fn a_marker_names_its_session_and_id() {
        let me = owner(Some("abc"));
        let v = marker_value(&me);
        assert!(marks(&v, &me));
        assert!(!marks(&v, &owner(Some("other"))));
        assert!(!marks("\"v=spf1 -all\"", &me));
        let mut other = owner(Some("abc"));
        other.name = "demo2".into();
        assert!(!marks(&v, &other));
    }

    #[test]
    fn ids_and_names_are_compared_plainly() {
        assert_eq!(bare_id("/hostedzone/Z12"), "Z12");
        assert_eq!(bare_id("Z12"), "Z12");
        assert_eq!(plain("Api.Example.com."), "api.example.com");
    }
}
