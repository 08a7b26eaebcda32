//! The strict layer's ACM rules and TLS listeners, each a raw SDK call
//! answered as AWS answers it through the layer, beside bare moto — which
//! issues a requested certificate a minute after the request whether or not its
//! validation record exists, takes a TLS listener with a certificate that is not
//! issued or with none at all, and deletes a certificate a load balancer uses.

use crate::common;

use aws_sdk_acm::types::{CertificateDetail, CertificateStatus, DomainStatus, ValidationMethod};
use aws_sdk_elasticloadbalancingv2::error::SdkError;
use aws_sdk_elasticloadbalancingv2::operation::create_listener::{
    CreateListenerError, CreateListenerOutput,
};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, ProtocolEnum, TargetTypeEnum,
};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HostedZoneConfig, ResourceRecord, ResourceRecordSet, RrType,
    Vpc, VpcRegion,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use common::strict::*;

/// What ACM says of a certificate: its status and each domain's validation status.
type Seen = (CertificateStatus, Vec<DomainStatus>);

/// A certificate for `name` requested with DNS validation; its ARN.
async fn request(r: &Raw, name: &str) -> String {
    r.acm
        .request_certificate()
        .domain_name(name)
        .validation_method(ValidationMethod::Dns)
        .send()
        .await
        .unwrap()
        .certificate_arn()
        .unwrap()
        .to_string()
}

async fn detail(r: &Raw, arn: &str) -> CertificateDetail {
    let out = r
        .acm
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .unwrap();
    out.certificate().unwrap().clone()
}

async fn status(r: &Raw, arn: &str) -> Seen {
    let c = detail(r, arn).await;
    let domains = c
        .domain_validation_options()
        .iter()
        .map(|d| d.validation_status().unwrap().clone())
        .collect();
    (c.status().unwrap().clone(), domains)
}

/// Describes the certificate up to `times` times, until it is ISSUED; what each
/// describe said, in order.
async fn watch(r: &Raw, arn: &str, times: usize) -> Vec<Seen> {
    let mut seen = Vec::new();
    for _ in 0..times {
        let s = status(r, arn).await;
        let issued = s.0 == CertificateStatus::Issued;
        seen.push(s);
        if issued {
            break;
        }
    }
    seen
}

/// The CNAME (name, value) that validates the certificate's first domain.
async fn validation_record(r: &Raw, arn: &str) -> (String, String) {
    let c = detail(r, arn).await;
    let rr = c.domain_validation_options()[0].resource_record().unwrap();
    assert_eq!(rr.r#type().as_str(), "CNAME");
    (rr.name().to_string(), rr.value().to_string())
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
    out.hosted_zone().unwrap().id().to_string()
}

/// A private hosted zone of this name associated with `vpc`; its id.
async fn private_zone(r: &Raw, vpc: &str, name: &str, reference: &str) -> String {
    let out = r
        .route53
        .create_hosted_zone()
        .name(name)
        .caller_reference(reference)
        .vpc(
            Vpc::builder()
                .vpc_region(VpcRegion::UsEast1)
                .vpc_id(vpc)
                .build(),
        )
        .hosted_zone_config(HostedZoneConfig::builder().private_zone(true).build())
        .send()
        .await
        .unwrap();
    out.hosted_zone().unwrap().id().to_string()
}

/// Creates the CNAME `name` → `value` (TTL 300) in `zone`.
async fn cname(r: &Raw, zone: &str, name: &str, value: &str) {
    let set = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Cname)
        .ttl(300)
        .resource_records(ResourceRecord::builder().value(value).build().unwrap())
        .build()
        .unwrap();
    r.route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(
            ChangeBatch::builder()
                .changes(
                    Change::builder()
                        .action(ChangeAction::Create)
                        .resource_record_set(set)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// Puts the certificate's validation record in a new public zone `example.com`
/// and describes it until it is issued (at most ten times); what it said last.
async fn validate(r: &Raw, arn: &str, reference: &str) -> Seen {
    let (name, value) = validation_record(r, arn).await;
    let zone = public_zone(r, "example.com", reference).await;
    cname(r, &zone, &name, &value).await;
    watch(r, arn, 10).await.pop().unwrap()
}

/// A TLS listener on `port` forwarding to `tg`, with `cert` as its certificate.
async fn tls_listener(
    r: &Raw,
    lb: &str,
    tg: &str,
    port: i32,
    cert: Option<&str>,
) -> Result<CreateListenerOutput, SdkError<CreateListenerError>> {
    r.elb
        .create_listener()
        .load_balancer_arn(lb)
        .protocol(ProtocolEnum::Tls)
        .port(port)
        .set_certificates(cert.map(|arn| vec![Certificate::builder().certificate_arn(arn).build()]))
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(tg)
                .build(),
        )
        .send()
        .await
}

/// The message of a failed call (empty when it succeeded).
fn message<T, E: ProvideErrorMetadata>(r: &Result<T, E>) -> String {
    match r {
        Err(e) => e.message().unwrap_or_default().to_string(),
        Ok(_) => String::new(),
    }
}

fn pending() -> Seen {
    (
        CertificateStatus::PendingValidation,
        vec![DomainStatus::PendingValidation],
    )
}

#[tokio::test]
async fn a_certificate_is_issued_once_its_record_is_in_public_dns() {
    let p = Pair::new().await;
    let mut seen = Vec::new();
    for r in [&p.strict, &p.bare] {
        let vpc_id = vpc(r, "10.0.0.0/16").await;
        let arn = request(r, "api.example.com").await;
        let (name, value) = validation_record(r, &arn).await;
        let requested = status(r, &arn).await;
        let issued_at_while_pending = detail(r, &arn).await.issued_at().is_some();
        // ACM asks public DNS: the record in a private zone validates nothing.
        let private = private_zone(r, &vpc_id, "example.com", "tls-private").await;
        cname(r, &private, &name, &value).await;
        let after_private = watch(r, &arn, 6).await.pop().unwrap();
        let public = public_zone(r, "example.com", "tls-public").await;
        cname(r, &public, &name, &value).await;
        let after_public = watch(r, &arn, 10).await;
        let issued_at = detail(r, &arn).await.issued_at().is_some();
        // Another name's record: one per domain name (and account).
        let (other, _) = validation_record(r, &request(r, "www.example.com").await).await;
        seen.push((
            name,
            other,
            requested,
            issued_at_while_pending,
            after_private,
            after_public,
            issued_at,
        ));
    }
    let (name, other, requested, early, after_private, after_public, issued_at) = seen[0].clone();
    assert!(
        name.starts_with('_') && name.ends_with(".api.example.com."),
        "{name}"
    );
    assert_ne!(
        name.split('.').next(),
        other.split('.').next(),
        "each domain has a record of its own"
    );
    assert_eq!(requested, pending(), "through the layer");
    assert!(!early, "no IssuedAt before the certificate is issued");
    assert_eq!(after_private, pending(), "a private zone does not validate");
    // At instant pace ACM finds the record, then issues: the domain's
    // validation succeeds before the certificate is issued.
    assert!(
        after_public.contains(&(
            CertificateStatus::PendingValidation,
            vec![DomainStatus::Success]
        )),
        "{after_public:?}"
    );
    assert_eq!(
        after_public.last().unwrap(),
        &(CertificateStatus::Issued, vec![DomainStatus::Success]),
        "{after_public:?}"
    );
    assert!(issued_at);

    // moto gives every domain the same record, reports an IssuedAt at once,
    // and ignores DNS: pending here, issued a minute after the request anyway.
    let (name, other, requested, early, after_private, after_public, _) = seen[1].clone();
    assert_eq!(name.split('.').next(), other.split('.').next(), "bare moto");
    assert_eq!(requested, pending(), "bare moto");
    assert!(early, "bare moto");
    assert_eq!(after_private, pending(), "bare moto");
    assert_eq!(after_public.last().unwrap(), &pending(), "bare moto");
    p.clean().await;
}

#[tokio::test]
async fn a_tls_listener_needs_an_issued_certificate() {
    let p = Pair::new().await;
    let mut with_pending = Vec::new();
    let mut without = Vec::new();
    let mut ghosts = Vec::new();
    let mut places = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        let lb = nlb(r, &n).await;
        let tg = target_group(r, &n, "tg", TargetTypeEnum::Ip).await;
        let arn = request(r, "api.example.com").await;
        with_pending.push(tls_listener(r, &lb, &tg, 443, Some(&arn)).await);
        without.push(tls_listener(r, &lb, &tg, 8443, None).await);
        let ghost = format!("{}0000", &arn[..arn.len() - 4]);
        ghosts.push((tls_listener(r, &lb, &tg, 9443, Some(&ghost)).await, ghost));
        places.push((lb, tg, arn));
    }
    let bare = with_pending.pop().unwrap();
    let strict = with_pending.pop().unwrap();
    let said = message(&strict);
    assert!(
        said.contains("must have a fully-qualified domain name"),
        "{said}"
    );
    refused_only_by_layer(strict, bare, "UnsupportedCertificate");
    let bare = without.pop().unwrap();
    let strict = without.pop().unwrap();
    assert_eq!(
        message(&strict),
        "A certificate must be specified for TLS listeners"
    );
    refused_only_by_layer(strict, bare, "ValidationError");
    // A certificate that does not exist: moto refuses it too, in its own words.
    let (bare, _) = ghosts.pop().unwrap();
    let (strict, ghost) = ghosts.pop().unwrap();
    assert_eq!(code(&strict).as_deref(), Some("CertificateNotFound"));
    assert_eq!(message(&strict), format!("Certificate '{ghost}' not found"));
    assert_eq!(
        code(&bare).as_deref(),
        Some("CertificateNotFound"),
        "bare moto"
    );
    assert_eq!(p.refusals("elb-tls-listener-certificate").await, 3);

    // Once issued, the same certificate makes the TLS listener.
    let r = &p.strict;
    let (lb, tg, arn) = places.swap_remove(0);
    let (last, _) = validate(r, &arn, "tls-issued").await;
    assert_eq!(last, CertificateStatus::Issued);
    let made = tls_listener(r, &lb, &tg, 443, Some(&arn)).await.unwrap();
    assert_eq!(made.listeners()[0].protocol(), Some(&ProtocolEnum::Tls));
    assert_eq!(detail(r, &arn).await.in_use_by(), [lb]);
    p.clean().await;
}

#[tokio::test]
async fn a_certificate_in_use_cannot_be_deleted() {
    let p = Pair::new().await;
    let mut users = Vec::new();
    let mut deletes = Vec::new();
    let mut used = Vec::new();
    for (i, r) in [&p.strict, &p.bare].into_iter().enumerate() {
        let n = net(r).await;
        let lb = nlb(r, &n).await;
        let tg = target_group(r, &n, "tg", TargetTypeEnum::Ip).await;
        let arn = request(r, "api.example.com").await;
        // Issued through the layer; bare moto takes the pending one.
        validate(r, &arn, &format!("in-use-{i}")).await;
        let listener = tls_listener(r, &lb, &tg, 443, Some(&arn))
            .await
            .unwrap()
            .listeners()[0]
            .listener_arn()
            .unwrap()
            .to_string();
        users.push((detail(r, &arn).await.in_use_by().to_vec(), lb, listener));
        deletes.push(
            r.acm
                .delete_certificate()
                .certificate_arn(&arn)
                .send()
                .await,
        );
        used.push(arn);
    }
    // ACM names the load balancer; moto named the listener.
    assert_eq!(users[0].0, [users[0].1.clone()], "through the layer");
    assert_eq!(users[1].0, [users[1].2.clone()], "bare moto");
    let bare = deletes.pop().unwrap();
    let strict = deletes.pop().unwrap();
    let account = used[0].split(':').nth(4).unwrap();
    assert_eq!(
        message(&strict),
        format!("Certificate {} in account {account} is in use.", used[0])
    );
    refused_only_by_layer(strict, bare, "ResourceInUseException");

    // ACM learns a little late that the listener has gone: a delete right
    // after it is refused once more, and the next one goes through.
    let r = &p.strict;
    r.elb
        .delete_listener()
        .listener_arn(&users[0].2)
        .send()
        .await
        .unwrap();
    let at_once = r
        .acm
        .delete_certificate()
        .certificate_arn(&used[0])
        .send()
        .await;
    assert_eq!(code(&at_once).as_deref(), Some("ResourceInUseException"));
    r.acm
        .delete_certificate()
        .certificate_arn(&used[0])
        .send()
        .await
        .unwrap();
    assert_eq!(p.refusals("acm-delete-in-use").await, 2);
    p.clean().await;
}
