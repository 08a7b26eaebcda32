//! The strict layer's Route 53 rules, each a raw SDK call answered as AWS
//! answers it through the layer, beside bare moto — which takes an alias to a
//! load balancer that does not exist, finishes every change at once, and
//! answers no DNS query at all. Where moto already refuses, the test says so.

use crate::common;

use aws_sdk_route53::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_route53::operation::change_resource_record_sets::{
    ChangeResourceRecordSetsError, ChangeResourceRecordSetsOutput,
};
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeStatus, HostedZoneConfig, ResourceRecord,
    ResourceRecordSet, RrType, Vpc, VpcRegion,
};
use common::strict::*;
use serde_json::Value;

/// A load balancer's name that no load balancer has (an NLB's form of name).
const GHOST: &str = "ghost-0123456789abcdef.elb.us-east-1.amazonaws.com";

fn in_us_east_1(vpc: &str) -> Vpc {
    Vpc::builder()
        .vpc_region(VpcRegion::UsEast1)
        .vpc_id(vpc)
        .build()
}

/// A private hosted zone `corp.internal` associated with `vpc`; its id
/// without the `/hostedzone/` prefix.
async fn private_zone(r: &Raw, vpc: &str, reference: &str) -> String {
    let out = r
        .route53
        .create_hosted_zone()
        .name("corp.internal")
        .caller_reference(reference)
        .vpc(in_us_east_1(vpc))
        .hosted_zone_config(HostedZoneConfig::builder().private_zone(true).build())
        .send()
        .await
        .unwrap();
    bare_id(out.hosted_zone().unwrap().id())
}

/// A public hosted zone of this name; its id.
async fn public_zone(r: &Raw, name: &str, reference: &str) -> String {
    let out = r
        .route53
        .create_hosted_zone()
        .name(name)
        .caller_reference(reference)
        .send()
        .await
        .unwrap();
    bare_id(out.hosted_zone().unwrap().id())
}

/// The message of a failed call (empty when it succeeded).
fn message<T, E: ProvideErrorMetadata>(r: &Result<T, E>) -> String {
    match r {
        Err(e) => e.message().unwrap_or_default().to_string(),
        Ok(_) => String::new(),
    }
}

fn bare_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_string()
}

/// The load balancer's DNS name and `CanonicalHostedZoneId`, as
/// `DescribeLoadBalancers` gives them.
async fn lb_dns(r: &Raw, arn: &str) -> (String, String) {
    let out = r
        .elb
        .describe_load_balancers()
        .load_balancer_arns(arn)
        .send()
        .await
        .unwrap();
    let lb = &out.load_balancers()[0];
    (
        lb.dns_name().unwrap().to_string(),
        lb.canonical_hosted_zone_id().unwrap().to_string(),
    )
}

fn batch(action: ChangeAction, set: ResourceRecordSet) -> ChangeBatch {
    ChangeBatch::builder()
        .changes(
            Change::builder()
                .action(action)
                .resource_record_set(set)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

/// An alias A record `name` → `dns` in the target zone `zone`.
fn alias(name: &str, dns: &str, zone: &str) -> ResourceRecordSet {
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .alias_target(
            AliasTarget::builder()
                .hosted_zone_id(zone)
                .dns_name(dns)
                .evaluate_target_health(false)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

/// A record of `kind` (TTL 60) with one value.
fn record(name: &str, kind: RrType, value: &str) -> ResourceRecordSet {
    ResourceRecordSet::builder()
        .name(name)
        .r#type(kind)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value(value).build().unwrap())
        .build()
        .unwrap()
}

async fn change(
    r: &Raw,
    zone: &str,
    action: ChangeAction,
    set: ResourceRecordSet,
) -> Result<ChangeResourceRecordSetsOutput, SdkError<ChangeResourceRecordSetsError>> {
    r.route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch(action, set))
        .send()
        .await
}

async fn dns_hostnames(r: &Raw, vpc: &str) {
    r.ec2
        .modify_vpc_attribute()
        .vpc_id(vpc)
        .enable_dns_hostnames(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// The layer's answer for `name` from inside `vpc` (its control endpoint).
async fn resolve(p: &Pair, name: &str, vpc: &str) -> Value {
    reqwest::get(format!(
        "{}/gatewalk-strict/resolve?name={name}&vpc={vpc}",
        p.strict_server.endpoint()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap()
}

#[tokio::test]
async fn an_alias_must_name_a_load_balancer_that_exists() {
    let p = Pair::new().await;
    let mut ghosts = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        let arn = nlb(r, &n).await;
        let (dns, lb_zone) = lb_dns(r, &arn).await;
        let zone = private_zone(r, &n.vpc, "alias").await;
        ghosts.push(
            change(
                r,
                &zone,
                ChangeAction::Create,
                alias("ghost.corp.internal", GHOST, &lb_zone),
            )
            .await,
        );
        // The internal NLB itself is a target both take.
        change(
            r,
            &zone,
            ChangeAction::Create,
            alias("api.corp.internal", &dns, &lb_zone),
        )
        .await
        .unwrap();
    }
    let bare = ghosts.pop().unwrap();
    let strict = ghosts.pop().unwrap();
    let said = message(&strict);
    assert!(said.contains("but that target was not found"), "{said}");
    refused_only_by_layer(strict, bare, "InvalidChangeBatch");
    assert_eq!(p.refusals("route53-alias-elb-target").await, 1);
}

#[tokio::test]
async fn a_zone_that_holds_records_cannot_be_deleted() {
    let p = Pair::new().await;
    let mut with_a = Vec::new();
    let mut with_delegation = Vec::new();
    for r in [&p.strict, &p.bare] {
        let zone = public_zone(r, "example.com", "notempty").await;
        let www = record("www.example.com", RrType::A, "192.0.2.10");
        change(r, &zone, ChangeAction::Create, www.clone())
            .await
            .unwrap();
        with_a.push(r.route53.delete_hosted_zone().id(&zone).send().await);
        // Without the A record but with a subdomain's NS delegation: AWS
        // counts that too (only the apex's SOA and NS are the zone's own).
        change(r, &zone, ChangeAction::Delete, www).await.unwrap();
        let team = record("team.example.com", RrType::Ns, "ns-1.example.net");
        change(r, &zone, ChangeAction::Create, team).await.unwrap();
        with_delegation.push(r.route53.delete_hosted_zone().id(&zone).send().await);
    }
    let bare = with_a.pop().unwrap();
    let strict = with_a.pop().unwrap();
    assert_eq!(
        code(&strict).as_deref(),
        Some("HostedZoneNotEmpty"),
        "through the layer"
    );
    let said = message(&strict);
    assert!(
        said.contains("non-required resource record sets"),
        "AWS's words: {said}"
    );
    // moto refuses this one too, in its own words.
    assert_eq!(
        code(&bare).as_deref(),
        Some("HostedZoneNotEmpty"),
        "bare moto"
    );
    let bare = with_delegation.pop().unwrap();
    refused_only_by_layer(with_delegation.pop().unwrap(), bare, "HostedZoneNotEmpty");
}

#[tokio::test]
async fn a_private_zone_keeps_its_last_vpc() {
    let p = Pair::new().await;
    let mut last = Vec::new();
    let mut stranger = Vec::new();
    for r in [&p.strict, &p.bare] {
        let own = vpc(r, "10.0.0.0/16").await;
        let other = vpc(r, "10.1.0.0/16").await;
        let zone = private_zone(r, &own, "lastvpc").await;
        let disassociate = |v: String| {
            r.route53
                .disassociate_vpc_from_hosted_zone()
                .hosted_zone_id(&zone)
                .vpc(in_us_east_1(&v))
                .send()
        };
        last.push(disassociate(own).await);
        stranger.push(disassociate(other).await);
    }
    // moto already refuses the last VPC, as AWS does.
    assert_eq!(
        code(&last[0]).as_deref(),
        Some("LastVPCAssociation"),
        "through the layer"
    );
    assert_eq!(
        code(&last[1]).as_deref(),
        Some("LastVPCAssociation"),
        "bare moto"
    );
    // A VPC the zone was never associated with: moto says it is the last one.
    assert_eq!(
        code(&stranger[0]).as_deref(),
        Some("VPCAssociationNotFound"),
        "through the layer"
    );
    assert_eq!(
        code(&stranger[1]).as_deref(),
        Some("LastVPCAssociation"),
        "bare moto"
    );
}

#[tokio::test]
async fn a_change_is_pending_until_it_has_propagated() {
    let p = Pair::new().await;
    let mut seen = Vec::new();
    for r in [&p.strict, &p.bare] {
        let zone = public_zone(r, "example.org", "pending").await;
        let made = change(
            r,
            &zone,
            ChangeAction::Create,
            record("www.example.org", RrType::A, "192.0.2.20"),
        )
        .await
        .unwrap();
        let info = made.change_info().unwrap();
        let got = r.route53.get_change().id(info.id()).send().await.unwrap();
        seen.push((
            info.id().to_string(),
            info.status().clone(),
            got.change_info().unwrap().status().clone(),
        ));
    }
    let (id, made, polled) = seen[0].clone();
    assert_eq!(
        (made, polled),
        (ChangeStatus::Pending, ChangeStatus::Pending),
        "through the layer"
    );
    // At instant pace a change is seen PENDING by one later request, then INSYNC.
    let again = p.strict.route53.get_change().id(&id).send().await.unwrap();
    assert_eq!(again.change_info().unwrap().status(), &ChangeStatus::Insync);
    let unknown = p
        .strict
        .route53
        .get_change()
        .id("C0123456789ABCDEFGHIJ")
        .send()
        .await;
    assert_eq!(code(&unknown).as_deref(), Some("NoSuchChange"));
    // moto finishes every change at once.
    assert_eq!(
        (seen[1].1.clone(), seen[1].2.clone()),
        (ChangeStatus::Insync, ChangeStatus::Insync),
        "bare moto"
    );
    p.clean().await;
}

#[tokio::test]
async fn an_alias_to_a_deleted_load_balancer_dangles() {
    let p = Pair::new().await;
    let r = &p.strict;
    let n = net(r).await;
    // Private hosted zones answer only with the VPC's DNS support and hostnames on.
    dns_hostnames(r, &n.vpc).await;
    let arn = nlb(r, &n).await;
    let (dns, lb_zone) = lb_dns(r, &arn).await;
    let zone = private_zone(r, &n.vpc, "dangling").await;
    change(
        r,
        &zone,
        ChangeAction::Create,
        alias("api.corp.internal", &dns, &lb_zone),
    )
    .await
    .unwrap();
    let before = resolve(&p, "api.corp.internal", &n.vpc).await;
    assert_eq!(before["status"], "ok", "{before}");
    assert_eq!(before["load_balancer_arn"], arn.as_str(), "{before}");
    assert_eq!(before["zone"], zone.as_str(), "{before}");
    // AWS lets the load balancer go while an alias names it: the record stays.
    r.elb
        .delete_load_balancer()
        .load_balancer_arn(&arn)
        .send()
        .await
        .unwrap();
    let after = resolve(&p, "api.corp.internal", &n.vpc).await;
    assert_eq!(after["status"], "dangling", "{after}");
    assert!(after["load_balancer_arn"].is_null(), "{after}");
    let summary: Value = reqwest::get(format!("{}/gatewalk-strict/", p.strict_server.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dangling = summary["dangling_aliases"].as_array().unwrap();
    assert!(
        dangling
            .iter()
            .any(|d| d["zone"] == zone.as_str() && d["name"] == "api.corp.internal."),
        "{summary}"
    );
    p.clean().await;
}
