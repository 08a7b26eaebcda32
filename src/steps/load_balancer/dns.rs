//! Step 4's optional DNS name (`load-balancer.dns_name`): an alias A record
//! that names the NLB, in your hosted zone (`load-balancer.hosted_zone`) or in
//! a private hosted zone gatewalk makes for the name's domain and associates
//! with the VPC — apply, checks, Live resources, plan and teardown.

use super::keys::{DNS_RECORD, ZONE, ZONE_ASSOCIATION};
use crate::aws::elb::nlb_by_dns;
use crate::aws::kind::At;
use crate::aws::kind::Kind;
use crate::aws::route53::{
    self, AliasRecords, HostedZones, RecordAt, alias_target_name, bare_id, get_zone, is_private,
    plain, record_at, wait_insync, write_alias,
};
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::model::{Change, ChangeAction, Fix, StepId};
use crate::session::{Session, SessionHandle};
use crate::steps::resource::{Foreign, Origin, Owned, consent_to_change};
use crate::steps::{Check, Resource, StepCx};
use aws_sdk_elasticloadbalancingv2::types::LoadBalancer as Nlb;
use aws_sdk_route53::types::ChangeAction as RecordAction;

const APPLY: Fix = Fix::Apply(StepId::LoadBalancer);

/// The private hosted zone gatewalk makes when you name no zone.
pub const OWNED_ZONE: Owned<HostedZones> = Owned::new(
    ZONE,
    "hosted-zone",
    "private hosted zone",
    "CreateHostedZone",
);

/// The alias record (with its session TXT record beside it).
pub const RECORD: Owned<AliasRecords> = Owned::new(
    DNS_RECORD,
    "alias-record",
    "alias record",
    "ChangeResourceRecordSets",
)
.foreign(Foreign::Refuse("load-balancer.dns_name"));

/// The zone the name goes in: yours, or the one gatewalk made (recorded).
fn zone_of<'s>(inputs: &'s Inputs, s: &'s Session) -> Option<&'s str> {
    inputs.load_balancer.zone_id().or_else(|| s.output(ZONE))
}

/// Whether `name` lies in the zone named `zone_name`.
fn within(name: &str, zone_name: &str) -> bool {
    let (n, z) = (plain(name), plain(zone_name));
    n == z || n.ends_with(&format!(".{z}"))
}

/// Whether the record aliases this load balancer.
fn aliases(at: &RecordAt, lb: &Nlb) -> bool {
    at.alias().is_some_and(|a| {
        lb.dns_name()
            .is_some_and(|d| alias_target_name(a) == plain(d))
            && lb.canonical_hosted_zone_id() == Some(a.hosted_zone_id())
    })
}

/// Apply: first what an earlier setting left (a record under another name
/// or zone, gatewalk's zone for another name, an association with another
/// zone of yours) goes; then the zone (made, or yours checked and associated
/// with the VPC) and the alias record, brought to point at `lb`. Without a
/// name, whatever an earlier name left goes.
pub(super) async fn ensure(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    vpc: &str,
    lb: &Nlb,
) -> Result<()> {
    let i = &cx.inputs.load_balancer;
    let Some(name) = i.dns() else {
        // Route 53 is asked only when an earlier name left something.
        let s = h.session();
        let outputs = &s.step(StepId::LoadBalancer).outputs;
        if [DNS_RECORD, ZONE, ZONE_ASSOCIATION].iter().any(|k| {
            s.output(*k).is_some()
                || outputs.contains_key(&format!("{}{k}", crate::session::INTENT_PREFIX))
        }) {
            return remove(cx, h).await;
        }
        return Ok(());
    };
    let yours = i.zone_id();
    let ours_now = h.session().output(ZONE).map(str::to_string);
    let want_zone = yours.map(str::to_string).or(ours_now);
    let want = want_zone.map(|z| RecordAt::empty(&z, name).id);
    if h.session()
        .output(DNS_RECORD)
        .is_some_and(|r| Some(r) != want.as_deref())
    {
        RECORD.delete_owned(cx, h, At::ANY).await?;
    }
    if let Some(old) = h.session().output(ZONE_ASSOCIATION).map(str::to_string)
        && Some(old.as_str()) != yours
    {
        undo_association(cx, h, &old).await?;
    }
    let zone = match yours {
        Some(z) => {
            // Checked (and agreed to) before anything of the earlier
            // setting goes: a refusal leaves everything as it was.
            let associate = your_zone(cx, h, z, name, vpc).await?;
            retire_own_zones(cx, h, |other| bare_id(other.id()) == z).await?;
            if associate {
                h.record(ZONE_ASSOCIATION, z)?;
                route53::associate(cx.aws, z, vpc).await?;
            }
            z.to_string()
        }
        None => {
            retire_own_zones(cx, h, |other| plain(other.name()) == plain(name)).await?;
            own_zone(cx, h, name, vpc).await?
        }
    };
    record(cx, h, &zone, name, lb).await
}

/// Your hosted zone: it must exist and hold the name; whether a private one
/// must be associated with the VPC (a change to your zone: asked here; the
/// caller writes it down before making it, so teardown undoes it even after
/// a crash).
async fn your_zone(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    zone: &str,
    name: &str,
    vpc: &str,
) -> Result<bool> {
    let Some((z, vpcs)) = get_zone(cx.aws, zone).await? else {
        return Err(Error::Conflict(format!(
            "hosted zone {zone} does not exist in this account.\n  hint: `aws route53 list-hosted-zones` lists yours; \
             set one with --set load-balancer.hosted_zone=ZONE_ID, or leave it empty for a private zone gatewalk makes"
        )));
    };
    if !within(name, z.name()) {
        return Err(Error::Conflict(format!(
            "hosted zone {zone} is for {}, which does not hold {name}.\n  hint: name a zone for {name}'s domain \
             (--set load-balancer.hosted_zone=ZONE_ID), or choose a name under {}",
            plain(z.name()),
            plain(z.name())
        )));
    }
    if is_private(&z) && !vpcs.iter().any(|v| v.vpc_id() == Some(vpc)) {
        consent_to_change(
            cx,
            h,
            "hosted zone",
            zone,
            &format!("associate VPC {vpc} with it, so the name resolves there"),
        )?;
        return Ok(true);
    }
    Ok(false)
}

/// The private zone gatewalk makes for the name itself (the alias sits at
/// its apex, so no other name of the domain is hidden inside the VPC),
/// associated with the VPC (again, if someone disassociated it).
async fn own_zone(cx: StepCx<'_>, h: &mut SessionHandle, name: &str, vpc: &str) -> Result<String> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = OWNED_ZONE.tags(&owner);
    let got = OWNED_ZONE
        .ensure(cx, h, At::named(name), || {
            route53::create_private_zone(aws, &owner, &t, name, vpc)
        })
        .await?;
    if got.origin != Origin::Created {
        // Tags again: a zone made just before a crash may have none yet.
        route53::tag_zone(aws, &got.id, &t).await?;
        let vpcs = get_zone(aws, &got.id)
            .await?
            .map(|(_, v)| v)
            .unwrap_or_default();
        if !vpcs.iter().any(|v| v.vpc_id() == Some(vpc))
            && OWNED_ZONE.may_change(cx, h, &got, &format!("associate VPC {vpc} with it"))?
        {
            route53::associate(aws, &got.id, vpc).await?;
        }
    }
    Ok(got.id)
}

/// The alias record: written with its TXT record when the name is free,
/// pointed at this NLB again when it is this session's and points elsewhere.
/// The wait for Route 53 comes after the record is written down.
async fn record(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    zone: &str,
    name: &str,
    lb: &Nlb,
) -> Result<()> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let dns = lb.dns_name().unwrap_or_default();
    let target_zone = lb.canonical_hosted_zone_id().unwrap_or_default();
    let pending = std::sync::Mutex::new(None);
    let got = RECORD
        .ensure(cx, h, At::named(name).inside(zone), || async {
            let free = RecordAt::empty(zone, name);
            let change =
                write_alias(aws, &free, &owner, dns, target_zone, RecordAction::Create).await?;
            if let Ok(mut p) = pending.lock() {
                *p = Some(change);
            }
            record_at(aws, zone, name).await
        })
        .await?;
    let mut change = pending.into_inner().ok().flatten();
    if got.origin != Origin::Created
        && !aliases(&got.item, lb)
        && RECORD.may_change(cx, h, &got, "alias this load balancer")?
    {
        change = Some(
            write_alias(
                aws,
                &got.item,
                &owner,
                dns,
                target_zone,
                RecordAction::Upsert,
            )
            .await?,
        );
    }
    match change {
        Some(c) => wait_insync(aws, cx.progress, &c).await,
        None => Ok(()),
    }
}

/// gatewalk's private zones that `keep` does not keep go, with what the
/// session wrote in them (a zone holding records cannot be deleted).
async fn retire_own_zones(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    keep: impl Fn(&aws_sdk_route53::types::HostedZone) -> bool,
) -> Result<()> {
    let owner = Owner::of(h.session());
    for z in OWNED_ZONE.find(cx, &owner, None, At::ANY).await? {
        if keep(&z) {
            continue;
        }
        for at in route53::marked_in(cx.aws, z.id(), &owner).await? {
            AliasRecords::delete(cx.aws, cx.progress, &at, "alias record").await?;
            cx.progress.deleted("alias record", &at.id);
            if h.session().output(DNS_RECORD) == Some(at.id.as_str()) {
                h.forget(DNS_RECORD)?;
            }
        }
        HostedZones::delete(cx.aws, cx.progress, &z, "private hosted zone").await?;
        cx.progress.deleted("private hosted zone", bare_id(z.id()));
        if h.session().output(ZONE) == Some(bare_id(z.id())) {
            h.forget(ZONE)?;
        }
    }
    Ok(())
}

/// Undoes the association gatewalk added to your private zone `zone`.
async fn undo_association(cx: StepCx<'_>, h: &mut SessionHandle, zone: &str) -> Result<()> {
    if let Some(vpc) = h
        .session()
        .output(crate::model::OutputKey::Vpc)
        .map(str::to_string)
    {
        match route53::disassociate(cx.aws, zone, &vpc).await {
            Ok(()) => cx.progress.info(format!(
                "VPC {vpc} is no longer associated with your hosted zone {zone}"
            )),
            Err(Error::Aws(e)) if e.is_not_found() => {}
            Err(Error::Aws(e)) if e.code == "LastVPCAssociation" => cx.progress.warn(format!(
                "your hosted zone {zone} stays associated with {vpc}: it is the zone's last VPC, which Route 53 keeps"
            )),
            Err(e) => return Err(e),
        }
    }
    h.forget(ZONE_ASSOCIATION)
}

/// Teardown (and apply once the name is cleared): the record, gatewalk's
/// zones with what the session wrote in them, and the association with your
/// zone that gatewalk added.
pub(super) async fn remove(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let i = &cx.inputs.load_balancer;
    let zone = zone_of(cx.inputs, h.session()).map(str::to_string);
    let at = match (i.dns(), zone.as_deref()) {
        (Some(n), Some(z)) => At::named(n).inside(z),
        _ => At::ANY,
    };
    RECORD.delete_owned(cx, h, at).await?;
    retire_own_zones(cx, h, |_| false).await?;
    h.forget(ZONE)?;
    if let Some(z) = h.session().output(ZONE_ASSOCIATION).map(str::to_string) {
        undo_association(cx, h, &z).await?;
    }
    Ok(())
}

/// Checks of the name, when one is chosen (or one is still recorded).
pub(super) async fn validate(
    cx: StepCx<'_>,
    s: &Session,
    lb: &Nlb,
    c: &mut Vec<Check>,
) -> Result<()> {
    let i = &cx.inputs.load_balancer;
    let Some(name) = i.dns() else {
        if let Some(r) = s.output(DNS_RECORD) {
            c.push(Check::fail(
                "no alias record is left from an earlier name",
                format!("{r} is still recorded"),
                APPLY,
            ));
        }
        return Ok(());
    };
    let ours = i.zone_id().is_none();
    let Some(zone) = zone_of(cx.inputs, s) else {
        c.push(Check::fail(
            format!("hosted zone holds {name}"),
            "not created yet",
            APPLY,
        ));
        return Ok(());
    };
    let Some((z, vpcs)) = get_zone(cx.aws, zone).await? else {
        let fix: Fix = if ours {
            APPLY
        } else {
            "name an existing zone with --set load-balancer.hosted_zone=ZONE_ID (`aws route53 list-hosted-zones`)".into()
        };
        c.push(Check::fail(
            format!("hosted zone holds {name}"),
            format!("{zone} not found"),
            fix,
        ));
        return Ok(());
    };
    let holds_fix: Fix = if ours {
        APPLY
    } else {
        format!(
            "name a hosted zone for {name}'s domain with --set load-balancer.hosted_zone=ZONE_ID"
        )
        .into()
    };
    c.push(Check::expect(
        format!("hosted zone holds {name}"),
        within(name, z.name()),
        format!(
            "{zone} ({}, {})",
            plain(z.name()),
            if is_private(&z) { "private" } else { "public" }
        ),
        holds_fix,
    ));
    if is_private(&z) {
        let vpc = s.output(crate::model::OutputKey::Vpc).unwrap_or_default();
        let ids: Vec<&str> = vpcs.iter().filter_map(|v| v.vpc_id()).collect();
        c.push(Check::expect(
            "private zone is associated with the VPC",
            ids.contains(&vpc),
            if ids.is_empty() {
                "no VPC".into()
            } else {
                ids.join(", ")
            },
            APPLY,
        ));
    }
    c.push(alias_check(cx, zone, name, lb).await?);
    Ok(())
}

/// `<name> aliases this NLB`: the A record exists, is an alias, and names
/// this load balancer (not another, not one that is gone).
async fn alias_check(cx: StepCx<'_>, zone: &str, name: &str, lb: &Nlb) -> Result<Check> {
    let title = format!("{name} aliases this NLB");
    let at = record_at(cx.aws, zone, name).await?;
    if !at.has_a() {
        return Ok(Check::fail(title, format!("no A record in {zone}"), APPLY));
    }
    if aliases(&at, lb) {
        return Ok(Check::pass(
            title,
            format!("→ {}", lb.dns_name().unwrap_or("?")),
        ));
    }
    let Some(a) = at.alias() else {
        return Ok(Check::fail(
            title,
            "an A record with fixed addresses, not an alias (an NLB's addresses are AWS's to change)",
            APPLY,
        ));
    };
    let target = alias_target_name(a);
    let detail = match nlb_by_dns(cx.aws, &target).await? {
        Some(other) => format!(
            "aliases {target} (load balancer {}, not this one)",
            other.load_balancer_name().unwrap_or("?")
        ),
        None => format!("aliases {target}, which no load balancer has: the record dangles"),
    };
    Ok(Check::fail(title, detail, APPLY))
}

/// Live resources: the zone (gatewalk's or yours) and the record.
pub(super) async fn inspect(cx: StepCx<'_>, s: &Session, v: &mut Vec<Resource>) -> Result<()> {
    let i = &cx.inputs.load_balancer;
    let Some(zone) = zone_of(cx.inputs, s) else {
        return Ok(());
    };
    let kind = if i.zone_id().is_some() {
        "Hosted zone (yours)"
    } else {
        "Private hosted zone"
    };
    let url = cx.aws.console_url(&format!(
        "route53/v2/hostedzones#ListRecordSets/{}",
        bare_id(zone)
    ));
    match get_zone(cx.aws, zone).await? {
        Some((z, vpcs)) => v.push(Resource {
            kind: kind.into(),
            id: bare_id(zone).into(),
            state: if is_private(&z) { "private" } else { "public" }.into(),
            attributes: vec![
                ("domain".into(), plain(z.name())),
                (
                    "VPCs".into(),
                    vpcs.iter()
                        .filter_map(|v| v.vpc_id())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ],
            console_url: url.clone(),
        }),
        None => v.push(Resource::missing(kind, zone)),
    }
    if let Some(name) = i.dns() {
        let at = record_at(cx.aws, zone, name).await?;
        v.push(match at.alias() {
            Some(a) => Resource {
                kind: "Alias record".into(),
                id: plain(name),
                state: "A (alias)".into(),
                attributes: vec![
                    ("target".into(), alias_target_name(a)),
                    ("target zone".into(), a.hosted_zone_id().into()),
                ],
                console_url: url,
            },
            None => Resource::missing("Alias record", name),
        });
    }
    Ok(())
}

/// Plan lines for what an earlier setting left and apply removes.
fn removals(inputs: &Inputs, s: &Session) -> Vec<Change> {
    let i = &inputs.load_balancer;
    let mut v = Vec::new();
    let want_zone = i.zone_id().or_else(|| s.output(ZONE));
    let want = match (i.dns(), want_zone) {
        (Some(n), Some(z)) => Some(RecordAt::empty(z, n).id),
        _ => None,
    };
    if let Some(old) = s.output(DNS_RECORD).filter(|r| Some(*r) != want.as_deref()) {
        let (zone, name) = old.split_once('/').unwrap_or((old, old));
        v.push(Change {
            action: ChangeAction::Delete,
            resource: format!("alias record {name} and its TXT record (an earlier name)"),
            cli: format!(
                "aws route53 list-resource-record-sets --hosted-zone-id {zone} --query \"ResourceRecordSets[?Name=='{name}.']\" \
                 # then change-resource-record-sets with DELETE of each, values as listed"
            ),
        });
    }
    if let Some(z) = s.output(ZONE)
        && (i.dns().is_none() || i.zone_id().is_some())
    {
        v.push(Change {
            action: ChangeAction::Delete,
            resource: format!("private hosted zone {z} (no longer used)"),
            cli: format!("aws route53 delete-hosted-zone --id {z}"),
        });
    }
    if let Some(z) = s
        .output(ZONE_ASSOCIATION)
        .filter(|z| Some(*z) != i.zone_id())
    {
        v.push(Change {
            action: ChangeAction::ChangeYours,
            resource: format!("your hosted zone {z}: undo the association with the VPC gatewalk added"),
            cli: format!(
                "aws route53 disassociate-vpc-from-hosted-zone --hosted-zone-id {z} --vpc VPCRegion=\"$AWS_REGION\",VPCId=\"$VPC_ID\""
            ),
        });
    }
    v
}

/// Plan lines for the name.
pub(super) fn plan(inputs: &Inputs, s: &Session) -> Vec<Change> {
    let i = &inputs.load_balancer;
    let mut v = removals(inputs, s);
    let Some(name) = i.dns() else {
        return v;
    };
    let zone_var = match i.zone_id() {
        Some(z) => {
            v.push(Change {
                action: ChangeAction::ChangeYours,
                resource: format!(
                    "your hosted zone {z}: if it is private and the VPC is not associated with it, associate it \
                     (asked first; teardown undoes it)"
                ),
                cli: format!(
                    "aws route53 associate-vpc-with-hosted-zone --hosted-zone-id {z} --vpc VPCRegion=\"$AWS_REGION\",VPCId=\"$VPC_ID\""
                ),
            });
            z.to_string()
        }
        None => {
            let domain = name;
            v.push(OWNED_ZONE.change(
                s,
                format!(
                    "private hosted zone {domain} (the name itself: nothing else of the domain is hidden), \
                     associated with the VPC ($0.50 a month once kept over 12 hours)"
                ),
                format!(
                    "ZONE_ID=$(aws route53 create-hosted-zone --name {domain} --caller-reference \"gatewalk-$(date +%s)\" \
                     --hosted-zone-config PrivateZone=true --vpc VPCRegion=\"$AWS_REGION\",VPCId=\"$VPC_ID\" \
                     --query HostedZone.Id --output text) && aws route53 change-tags-for-resource --resource-type hostedzone \
                     --resource-id \"${{ZONE_ID##*/}}\" --add-tags Key={SESSION_KEY},Value={}",
                    s.name
                ),
            ));
            "$ZONE_ID".to_string()
        }
    };
    let batch = format!(
        r#"{{\"Changes\":[{{\"Action\":\"CREATE\",\"ResourceRecordSet\":{{\"Name\":\"{name}\",\"Type\":\"TXT\",\"TTL\":300,\"ResourceRecords\":[{{\"Value\":\"\\\"{SESSION_KEY}={session}\\\"\"}}]}}}},{{\"Action\":\"CREATE\",\"ResourceRecordSet\":{{\"Name\":\"{name}\",\"Type\":\"A\",\"AliasTarget\":{{\"HostedZoneId\":\"$NLB_ZONE_ID\",\"DNSName\":\"$NLB_DNS\",\"EvaluateTargetHealth\":false}}}}}}]}}"#,
        session = s.name
    );
    let lookup = |field: &str| {
        format!(
            "$(aws elbv2 describe-load-balancers --load-balancer-arns \"$NLB_ARN\" --query 'LoadBalancers[0].{field}' --output text)"
        )
    };
    v.push(RECORD.change(
        s,
        format!("alias A record {name} → the NLB, with a TXT record marking it as this session's"),
        format!(
            "NLB_DNS={} && NLB_ZONE_ID={} && CHANGE_ID=$(aws route53 change-resource-record-sets --hosted-zone-id \"{zone_var}\" --change-batch \"{batch}\" \
             --query ChangeInfo.Id --output text) && aws route53 wait resource-record-sets-changed --id \"$CHANGE_ID\"",
            lookup("DNSName"),
            lookup("CanonicalHostedZoneId")
        ),
    ));
    v
}
