//! Step 4's certificate for `load-balancer.tls`: yours (`certificate_arn`,
//! checked, never changed), or one gatewalk requests from ACM for the NLB's
//! name and validates with a CNAME record in your public hosted zone. Step 6
//! puts it on the TLS listener.

use super::keys::CERTIFICATE;
use crate::aws::acm::{self, Certificates, covers, status, validation_records};
use crate::aws::kind::At;
use crate::aws::route53::{self, get_zone, is_private, wait_insync};
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::model::{Change, ChangeAction, Fix, StepId};
use crate::session::{Session, SessionHandle};
use crate::steps::resource::Owned;
use crate::steps::{Check, Resource, StepCx};

const APPLY: Fix = Fix::Apply(StepId::LoadBalancer);

/// The certificate gatewalk requests when you name none.
pub const OWNED_CERT: Owned<Certificates> = Owned::new(
    CERTIFICATE,
    "certificate",
    "certificate",
    "RequestCertificate",
);

/// The certificate the TLS listener uses: yours, else the one gatewalk
/// requested (recorded).
pub fn certificate_of<'a>(inputs: &'a Inputs, s: &'a Session) -> Option<&'a str> {
    if !inputs.load_balancer.tls {
        return None;
    }
    inputs
        .load_balancer
        .your_certificate()
        .or_else(|| s.output(CERTIFICATE))
}

/// Apply: with TLS, a certificate ISSUED for the name; without, a
/// certificate gatewalk requested earlier goes once no listener uses it.
pub(super) async fn ensure(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    zone: Option<&str>,
) -> Result<()> {
    let i = &cx.inputs.load_balancer;
    let (true, Some(name)) = (i.tls, i.dns()) else {
        return retire_unused(cx, h).await;
    };
    if let Some(arn) = i.your_certificate() {
        yours(cx, arn, name).await?;
        return retire_unused(cx, h).await;
    }
    let Some(zone) = zone else {
        return Err(Error::Conflict(
            "a certificate gatewalk requests needs your public hosted zone for its validation record.\n  hint: --set load-balancer.hosted_zone=ZONE_ID".into(),
        ));
    };
    if let Some((z, _)) = get_zone(cx.aws, zone).await?
        && is_private(&z)
    {
        return Err(Error::Conflict(format!(
            "hosted zone {zone} is private, and ACM validates a certificate through public DNS, so it would never be issued.\n  hint: name a public zone (--set load-balancer.hosted_zone=ZONE_ID), or import a certificate and set load-balancer.certificate_arn"
        )));
    }
    requested(cx, h, zone, name).await
}

/// Your certificate: it must exist, be issued and cover the name.
async fn yours(cx: StepCx<'_>, arn: &str, name: &str) -> Result<()> {
    let Some(c) = acm::describe(cx.aws, arn).await? else {
        return Err(Error::Conflict(format!(
            "certificate {arn} does not exist in this account and region.\n  hint: `aws acm list-certificates` lists yours; or leave load-balancer.certificate_arn empty and gatewalk requests one"
        )));
    };
    if status(&c) != "ISSUED" {
        return Err(Error::Conflict(format!(
            "certificate {arn} is {}; a TLS listener needs an issued certificate.\n  hint: finish its validation (`aws acm describe-certificate --certificate-arn {arn}`), or name another",
            status(&c)
        )));
    }
    if !covers(&c, name) {
        return Err(Error::Conflict(format!(
            "certificate {arn} is for {}, not {name}: callers checking the name would refuse it.\n  hint: name a certificate that covers {name}",
            c.domain_name().unwrap_or("?")
        )));
    }
    cx.progress
        .info(format!("using your certificate {arn} for {name}"));
    Ok(())
}

/// gatewalk's certificate: requested (tagged), its validation record
/// written in the zone, then waited for until ACM issues it.
async fn requested(cx: StepCx<'_>, h: &mut SessionHandle, zone: &str, name: &str) -> Result<()> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = OWNED_CERT.tags(&owner);
    let got = OWNED_CERT
        .ensure(cx, h, At::named(name), || acm::request(aws, &t, name))
        .await?;
    if status(&got.item) == "ISSUED" {
        return retire_unused(cx, h).await;
    }
    let c = acm::wait_validation_records(aws, cx.progress, &got.id).await?;
    for (rname, value) in validation_records(&c) {
        let change = route53::upsert_cname(aws, zone, &rname, &value).await?;
        cx.progress
            .info(format!("validation record {rname} written in {zone}"));
        wait_insync(aws, cx.progress, &change).await?;
    }
    acm::wait_issued(aws, cx.progress, &got.id).await?;
    retire_unused(cx, h).await
}

/// This session's certificates other than `keep` (an earlier name's, one
/// replaced by yours, or all of them when TLS is off) go, unless a listener
/// still uses one: that one is named and goes on a later apply or at
/// teardown (step 6 replaces the listener after step 4 runs).
pub(crate) async fn retire_unused(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let keep = certificate_of(cx.inputs, h.session())
        .filter(|_| cx.inputs.load_balancer.your_certificate().is_none())
        .map(str::to_string);
    let owner = Owner::of(h.session());
    for c in OWNED_CERT.find(cx, &owner, None, At::ANY).await? {
        let Some(arn) = c.certificate_arn() else {
            continue;
        };
        if Some(arn) == keep.as_deref() {
            continue;
        }
        if !c.in_use_by().is_empty() {
            cx.progress.info(format!(
                "certificate {arn} is kept while {} uses it; a later apply or teardown removes it",
                c.in_use_by().join(", ")
            ));
            continue;
        }
        <Certificates as crate::aws::kind::Kind>::delete(cx.aws, cx.progress, &c, "certificate")
            .await?;
        cx.progress.deleted("certificate", arn);
        if h.session().output(CERTIFICATE) == Some(arn) {
            h.forget(CERTIFICATE)?;
        }
    }
    Ok(())
}

/// Teardown, once the load balancer is gone: every certificate this session
/// requested. The validation CNAME stays in your zone: ACM reuses one record
/// per name for every certificate of the account, in every region, and
/// keeps renewing those with it; gatewalk says how to delete it.
pub(super) async fn remove(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let records = match h.session().output(CERTIFICATE) {
        Some(arn) => acm::describe(cx.aws, arn)
            .await?
            .map(|c| validation_records(&c))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    OWNED_CERT.delete_owned(cx, h, At::ANY).await?;
    if let Some(zone) = cx.inputs.load_balancer.zone_id() {
        for (name, value) in records {
            cx.progress.info(format!(
                "the validation record {name} stays in your zone {zone} (other certificates for the name, in any region, \
                 validate with it); once none does: aws route53 change-resource-record-sets --hosted-zone-id {zone} \
                 --change-batch '{{\"Changes\": [{{\"Action\": \"DELETE\", \"ResourceRecordSet\": {{\"Name\": \"{name}\", \"Type\": \"CNAME\", \"TTL\": 300, \"ResourceRecords\": [{{\"Value\": \"{value}\"}}]}}}}]}}'"
            ));
        }
    }
    Ok(())
}

/// `certificate is issued for NAME`.
pub(super) async fn validate(cx: StepCx<'_>, s: &Session, c: &mut Vec<Check>) -> Result<()> {
    let i = &cx.inputs.load_balancer;
    let (true, Some(name)) = (i.tls, i.dns()) else {
        return Ok(());
    };
    let title = format!("certificate is issued for {name}");
    let fix: Fix = if i.your_certificate().is_some() {
        format!(
            "name an issued certificate for {name} with --set load-balancer.certificate_arn=ARN"
        )
        .into()
    } else {
        APPLY
    };
    let Some(arn) = certificate_of(cx.inputs, s) else {
        c.push(Check::fail(title, "not requested yet", APPLY));
        return Ok(());
    };
    let Some(cert) = acm::describe(cx.aws, arn).await? else {
        c.push(Check::fail(title, format!("{arn} not found"), fix));
        return Ok(());
    };
    let detail = format!(
        "{arn}: {}, for {}",
        status(&cert),
        cert.domain_name().unwrap_or("?")
    );
    c.push(match status(&cert) {
        "ISSUED" if covers(&cert, name) => Check::pass(title, detail),
        "ISSUED" => Check::fail(title, format!("{detail}, which does not cover {name}"), fix),
        "PENDING_VALIDATION" => Check::pending(title, detail),
        _ => Check::fail(title, detail, fix),
    });
    Ok(())
}

/// Live resources: the certificate.
pub(super) async fn inspect(cx: StepCx<'_>, s: &Session, v: &mut Vec<Resource>) -> Result<()> {
    let Some(arn) = certificate_of(cx.inputs, s) else {
        return Ok(());
    };
    let kind = if cx.inputs.load_balancer.your_certificate().is_some() {
        "Certificate (yours)"
    } else {
        "Certificate"
    };
    v.push(match acm::describe(cx.aws, arn).await? {
        Some(c) => Resource {
            kind: kind.into(),
            id: arn.into(),
            state: status(&c).into(),
            attributes: vec![
                ("domain".into(), c.domain_name().unwrap_or("?").into()),
                ("in use by".into(), c.in_use_by().join(", ")),
            ],
            console_url: cx
                .aws
                .console_url("acm/home?region={region}#/certificates/list"),
        },
        None => Resource::missing(kind, arn),
    });
    Ok(())
}

/// Plan lines for the certificate.
pub(super) fn plan(inputs: &Inputs, s: &Session) -> Vec<Change> {
    let i = &inputs.load_balancer;
    let (true, Some(name)) = (i.tls, i.dns()) else {
        return Vec::new();
    };
    if let Some(arn) = i.your_certificate() {
        return vec![Change {
            action: ChangeAction::Keep,
            resource: format!(
                "your certificate {arn} (must be ISSUED and cover {name}; never changed)"
            ),
            cli: format!(
                "aws acm describe-certificate --certificate-arn \"{arn}\" --query Certificate.Status"
            ),
        }];
    }
    let zone = i.zone_id().unwrap_or("$ZONE_ID");
    vec![OWNED_CERT.change(
        s,
        format!(
            "ACM certificate for {name}, validated by a CNAME record in hosted zone {zone} (free), then wait until ISSUED"
        ),
        format!(
            "CERT_ARN=$(aws acm request-certificate --domain-name {name} --validation-method DNS --tags Key={SESSION_KEY},Value={} \
             --query CertificateArn --output text) && sleep 10 && \
             REC_NAME=$(aws acm describe-certificate --certificate-arn \"$CERT_ARN\" --query 'Certificate.DomainValidationOptions[0].ResourceRecord.Name' --output text) && \
             REC_VALUE=$(aws acm describe-certificate --certificate-arn \"$CERT_ARN\" --query 'Certificate.DomainValidationOptions[0].ResourceRecord.Value' --output text) && \
             aws route53 change-resource-record-sets --hosted-zone-id {zone} --change-batch \
             \"{{\\\"Changes\\\":[{{\\\"Action\\\":\\\"UPSERT\\\",\\\"ResourceRecordSet\\\":{{\\\"Name\\\":\\\"$REC_NAME\\\",\\\"Type\\\":\\\"CNAME\\\",\\\"TTL\\\":300,\\\"ResourceRecords\\\":[{{\\\"Value\\\":\\\"$REC_VALUE\\\"}}]}}}}]}}\" && \
             aws acm wait certificate-validated --certificate-arn \"$CERT_ARN\"",
            s.name
        ),
    )]
}
