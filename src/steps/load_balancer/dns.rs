//! Step 4's optional DNS name (`load-balancer.dns_name`): an alias A record
//! that names the NLB, in your hosted zone (`load-balancer.hosted_zone`) or in
//! a private hosted zone gatewalk makes for the name's domain and associates
//! with the VPC — apply, checks, Live resources, plan and teardown.

use super::keys::{DNS_RECORD, ZONE, ZONE_ASSOCIATION};
use crate::aws::elb::nlb_by_dns;
use crate::aws::kind::At;
use crate::aws::route53::{
    self, AliasRecords, HostedZones, RecordAt, alias_target_name, bare_id, get_zone, is_private,
    plain, record_at, wait_insync, write_alias,
};
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::inputs::load_balancer::zone_domain;
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

/// Apply: the zone (made, or yours checked and associated with the VPC),
/// then the alias record, brought to point at `lb`; a record left under an
/// earlier name goes. Without a name, whatever an earlier name left goes.
pub(super) async fn ensure(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    vpc: &str,
    lb: &Nlb,
) -> Result<()> {
    let i = &cx.inputs.load_balancer;
    let Some(name) = i.dns() else {
        return remove(cx, h).await;
    };
    let zone = match i.zone_id() {
        Some(z) => your_zone(cx, h, z, name, vpc).await?,
        None => own_zone(cx, h, name, vpc).await?,
    };
    let want = format!("{zone}/{}", plain(name));
    if let Some(old) = h.session().output(DNS_RECORD).filter(|r| *r != want) {
        let old = old.to_string();
        RECORD.delete_owned(cx, h, At::ANY).await?;
        cx.progress
            .info(format!("the record of the earlier name ({old}) is gone"));
    }
    if i.zone_id().is_some() {
        // A zone of ours from an earlier setting is no longer needed.
        OWNED_ZONE.delete_owned(cx, h, At::ANY).await?;
    }
    record(cx, h, &zone, name, lb).await
}

/// Your hosted zone: it must exist and hold the name; a private one is
/// associated with the VPC (a change to your zone: asked first).
async fn your_zone(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    zone: &str,
    name: &str,
    vpc: &str,
) -> Result<String> {
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
        route53::associate(cx.aws, zone, vpc).await?;
        h.record(ZONE_ASSOCIATION, zone)?;
    }
    Ok(zone.to_string())
}

/// The private zone gatewalk makes for the name's domain, associated with
/// the VPC (again, if someone disassociated it).
async fn own_zone(cx: StepCx<'_>, h: &mut SessionHandle, name: &str, vpc: &str) -> Result<String> {
    let aws = cx.aws;
    let domain = zone_domain(name).unwrap_or(name);
    let owner = Owner::of(h.session());
    let t = OWNED_ZONE.tags(&owner);
    let got = OWNED_ZONE
        .ensure(cx, h, At::named(domain), || {
            route53::create_private_zone(aws, &owner, &t, domain, vpc)
        })
        .await?;
    if got.origin != Origin::Created {
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
    let got = RECORD
        .ensure(cx, h, At::named(name).inside(zone), || async {
            let free = RecordAt {
                zone: zone.to_string(),
                name: plain(name),
                sets: Vec::new(),
                id: format!("{zone}/{}", plain(name)),
            };
            let change =
                write_alias(aws, &free, &owner, dns, target_zone, RecordAction::Create).await?;
            wait_insync(aws, cx.progress, &change).await?;
            record_at(aws, zone, name).await
        })
        .await?;
    if got.origin != Origin::Created
        && !aliases(&got.item, lb)
        && RECORD.may_change(cx, h, &got, "alias this load balancer")?
    {
        let change = write_alias(
            aws,
            &got.item,
            &owner,
            dns,
            target_zone,
            RecordAction::Upsert,
        )
        .await?;
        wait_insync(aws, cx.progress, &change).await?;
    }
    Ok(())
}

/// Teardown (and apply without a name): the record, the zone gatewalk made,
/// and the association with your zone that gatewalk added.
pub(super) async fn remove(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let i = &cx.inputs.load_balancer;
    let zone = zone_of(cx.inputs, h.session()).map(str::to_string);
    let at = match (i.dns(), zone.as_deref()) {
        (Some(n), Some(z)) => At::named(n).inside(z),
        _ => At::ANY,
    };
    RECORD.delete_owned(cx, h, at).await?;
    // What the session wrote in its own zones under names no longer known
    // (a session known only from its tags): a zone with records cannot go.
    let owner = Owner::of(h.session());
    for z in OWNED_ZONE.find(cx, &owner, None, At::ANY).await? {
        for at in route53::marked_in(cx.aws, z.id(), &owner).await? {
            <AliasRecords as crate::aws::kind::Kind>::delete(
                cx.aws,
                cx.progress,
                &at,
                "alias record",
            )
            .await?;
            cx.progress.deleted("alias record", &at.id);
        }
    }
    OWNED_ZONE.delete_owned(cx, h, At::ANY).await?;
    if let Some(z) = h.session().output(ZONE_ASSOCIATION).map(str::to_string) {
        if let Some(vpc) = h
            .session()
            .output(crate::model::OutputKey::Vpc)
            .map(str::to_string)
        {
            match route53::disassociate(cx.aws, &z, &vpc).await {
                Ok(()) => cx.progress.info(format!("VPC {vpc} is no longer associated with your hosted zone {z}")),
                Err(Error::Aws(e)) if e.is_not_found() || e.code == "VPCAssociationNotFound" => {}
                Err(Error::Aws(e)) if e.code == "LastVPCAssociation" => cx.progress.warn(format!(
                    "your hosted zone {z} stays associated with {vpc}: it is the zone's last VPC, which Route 53 keeps"
                )),
                Err(e) => return Err(e),
            }
        }
        h.forget(ZONE_ASSOCIATION)?;
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
    c.push(Check::expect(
        format!("hosted zone holds {name}"),
        within(name, z.name()),
        format!(
            "{zone} ({}, {})",
            plain(z.name()),
            if is_private(&z) { "private" } else { "public" }
        ),
        format!(
            "name a hosted zone for {name}'s domain with --set load-balancer.hosted_zone=ZONE_ID"
        ),
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

/// Plan lines for the name.
pub(super) fn plan(inputs: &Inputs, s: &Session) -> Vec<Change> {
    let i = &inputs.load_balancer;
    let Some(name) = i.dns() else {
        return Vec::new();
    };
    let mut v = Vec::new();
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
            let domain = zone_domain(name).unwrap_or(name);
            v.push(OWNED_ZONE.change(
                s,
                format!("private hosted zone {domain}, associated with the VPC (~$0.50 a month)"),
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
