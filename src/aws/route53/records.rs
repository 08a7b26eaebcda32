//! The NLB's alias record and the session's TXT record beside it: what is at
//! a name, whose it is, and the change batches that write and remove them.

use super::{AwsContext, bare_id, build_error, change, plain};
use crate::aws::CallExt;
use crate::aws::error::optional;
use crate::aws::kind::{Kind, Lookup};
use crate::aws::tags::{Owner, SESSION_ID_KEY, SESSION_KEY};
use crate::error::{Error, Result};
use crate::progress::Progress;
use aws_sdk_route53::types::{
    AliasTarget, ChangeAction, ResourceRecord, ResourceRecordSet, RrType,
};

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
    /// The A, TXT and CNAME record sets at that name.
    pub sets: Vec<ResourceRecordSet>,
    /// `<zone>/<name>`.
    pub id: String,
}

impl RecordAt {
    /// Nothing at `name` in `zone` (yet).
    pub fn empty(zone: &str, name: &str) -> Self {
        let (zone, name) = (bare_id(zone).to_string(), plain(name));
        Self {
            id: format!("{zone}/{name}"),
            zone,
            name,
            sets: Vec::new(),
        }
    }

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

/// The load balancer DNS name an alias names, as `DescribeLoadBalancers`
/// spells it (Route 53 may store the `dualstack.` form).
pub fn alias_target_name(a: &AliasTarget) -> String {
    let n = plain(a.dns_name());
    n.strip_prefix("dualstack.")
        .map_or(n.clone(), str::to_string)
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

/// The A and TXT record sets at `name` in `zone` (none when the zone is gone).
pub async fn record_at(aws: &AwsContext, zone: &str, name: &str) -> Result<RecordAt> {
    let mut at = RecordAt::empty(zone, name);
    let r = aws
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(&at.zone)
        .start_record_name(&at.name)
        .max_items(10)
        .send()
        .await
        .ctx("route53", "ListResourceRecordSets");
    // A CNAME at the name counts: no A record may sit beside it.
    at.sets = optional(r)?
        .map(|o| {
            o.resource_record_sets()
                .iter()
                .filter(|s| plain(s.name()) == at.name)
                .filter(|s| matches!(s.r#type(), RrType::A | RrType::Txt | RrType::Cname))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Ok(at)
}

/// Every name in the zone that carries this session's TXT record, with its
/// record sets: what a zone of the session holds of the session's, found
/// without knowing the names (a session known only from its tags).
pub async fn marked_in(aws: &AwsContext, zone: &str, owner: &Owner) -> Result<Vec<RecordAt>> {
    let mut names = Vec::new();
    let (mut start, mut kind, mut ident) = (None::<String>, None::<RrType>, None::<String>);
    loop {
        let r = aws
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(bare_id(zone))
            .set_start_record_name(start)
            .set_start_record_type(kind)
            .set_start_record_identifier(ident)
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
        ident = page.next_record_identifier().map(str::to_string);
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
/// Writes (or rewrites) a CNAME record, as ACM's DNS validation asks for;
/// returns the change id.
pub async fn upsert_cname(aws: &AwsContext, zone: &str, name: &str, value: &str) -> Result<String> {
    let set = cname_set(name, value)?;
    change(aws, zone, vec![(ChangeAction::Upsert, set)]).await
}

fn cname_set(name: &str, value: &str) -> Result<ResourceRecordSet> {
    let v = ResourceRecord::builder()
        .value(value)
        .build()
        .map_err(|e| build_error("CNAME value", &e))?;
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Cname)
        .ttl(300)
        .resource_records(v)
        .build()
        .map_err(|e| build_error("CNAME record", &e))
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
}
