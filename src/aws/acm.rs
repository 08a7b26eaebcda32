//! AWS Certificate Manager: the certificate gatewalk requests for the NLB's
//! name (DNS validation, tagged with the session), read, waited for and
//! deleted as a [`Kind`]; and what any certificate covers.

use super::error::optional;
use super::find::{Tagged, Which};
use super::kind::{Kind, Lookup};
use super::tags::{Owner, ResourceTags, session_id_of};
use super::wait::{Poll, delete_when_free, wait_for};
use super::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::progress::Progress;
use aws_sdk_acm::types::{CertificateDetail, CertificateStatus, Tag, ValidationMethod};
use std::time::Duration;

/// Certificates this session requested, found by their tags.
#[derive(Debug, Clone, Copy)]
pub struct Certificates;

/// The certificate, if it exists.
pub async fn describe(aws: &AwsContext, arn: &str) -> Result<Option<CertificateDetail>> {
    let r = aws
        .acm
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .ctx("acm", "DescribeCertificate");
    Ok(optional(r)?.and_then(|o| o.certificate().cloned()))
}

/// Whether the certificate covers `name`: its domain or one of its
/// alternative names, exactly or as a one-level wildcard (`*.example.com`
/// covers `api.example.com`, not `a.b.example.com` nor `example.com`).
pub fn covers(c: &CertificateDetail, name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    c.domain_name()
        .into_iter()
        .chain(c.subject_alternative_names().iter().map(String::as_str))
        .any(|d| {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            match d.strip_prefix("*.") {
                Some(parent) => name
                    .split_once('.')
                    .is_some_and(|(first, rest)| !first.is_empty() && rest == parent),
                None => d == name,
            }
        })
}

/// Its status in words (`ISSUED`, `PENDING_VALIDATION`).
pub fn status(c: &CertificateDetail) -> &str {
    c.status().map_or("unknown", CertificateStatus::as_str)
}

/// The CNAME records DNS validation asks for: (name, value), once ACM has
/// made them (a moment after the request).
pub fn validation_records(c: &CertificateDetail) -> Vec<(String, String)> {
    c.domain_validation_options()
        .iter()
        .filter_map(|d| d.resource_record())
        .map(|r| (r.name().to_string(), r.value().to_string()))
        .collect()
}

fn tags(t: &ResourceTags<'_>) -> Result<Vec<Tag>> {
    t.pairs(None)
        .into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| Error::Config(format!("gatewalk could not build an ACM tag: {e}")))
        })
        .collect()
}

/// Requests a certificate for `name` with DNS validation, tagged.
pub async fn request(
    aws: &AwsContext,
    t: &ResourceTags<'_>,
    name: &str,
) -> Result<CertificateDetail> {
    // The same token within an hour returns the same certificate: a request
    // repeated after a crash before its ARN was written down makes no second.
    // One token per session and name (a new name is a new certificate).
    let token = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (t.session, t.id, name).hash(&mut h);
        format!("gw{:016x}", h.finish())
    };
    let out = aws
        .acm
        .request_certificate()
        .domain_name(name)
        .validation_method(ValidationMethod::Dns)
        .idempotency_token(token)
        .set_tags(Some(tags(t)?))
        .send()
        .await
        .ctx("acm", "RequestCertificate")?;
    let arn = out
        .certificate_arn()
        .map(str::to_string)
        .ok_or_else(|| super::error::incomplete("acm", "RequestCertificate", "CertificateArn"))?;
    // Written down at once (the caller records it); read in full later.
    Ok(CertificateDetail::builder()
        .certificate_arn(arn)
        .domain_name(name)
        .status(CertificateStatus::PendingValidation)
        .build())
}

/// Waits until ACM has written the validation records into the certificate.
pub async fn wait_validation_records(
    aws: &AwsContext,
    p: &Progress,
    arn: &str,
) -> Result<CertificateDetail> {
    wait_for(
        p,
        "ACM to name the validation record",
        Duration::from_secs(5 * 60),
        || async move {
            Ok(match describe(aws, arn).await? {
                Some(c) if !validation_records(&c).is_empty() => Poll::Ready(c),
                Some(_) => Poll::Pending("no record yet".into()),
                None => Poll::Failed(format!("{arn} disappeared")),
            })
        },
    )
    .await
}

/// Waits until the certificate is ISSUED (ACM found the validation record).
pub async fn wait_issued(aws: &AwsContext, p: &Progress, arn: &str) -> Result<()> {
    wait_for(
        p,
        "ACM to issue the certificate",
        Duration::from_secs(45 * 60),
        || async move {
            let Some(c) = describe(aws, arn).await? else {
                return Ok(Poll::Failed(format!("{arn} disappeared")));
            };
            Ok(match c.status() {
                Some(CertificateStatus::Issued) => Poll::Ready(()),
                Some(CertificateStatus::PendingValidation) => {
                    Poll::Pending("PENDING_VALIDATION".into())
                }
                _ => Poll::Failed(format!(
                    "the certificate is {}{}",
                    status(&c),
                    c.failure_reason()
                        .map(|r| format!(" ({})", r.as_str()))
                        .unwrap_or_default()
                )),
            })
        },
    )
    .await
}

async fn tags_of(aws: &AwsContext, arn: &str) -> Result<Vec<Tag>> {
    let r = aws
        .acm
        .list_tags_for_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .ctx("acm", "ListTagsForCertificate");
    Ok(optional(r)?.map(|o| o.tags().to_vec()).unwrap_or_default())
}

fn pairs(tags: &[Tag]) -> impl Iterator<Item = (Option<&str>, Option<&str>)> {
    tags.iter().map(|t| (Some(t.key()), t.value()))
}

/// Every certificate ARN of the region, page by page.
pub async fn all_arns(aws: &AwsContext) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = aws
            .acm
            .list_certificates()
            .set_next_token(token)
            .send()
            .await
            .ctx("acm", "ListCertificates")?;
        out.extend(
            page.certificate_summary_list()
                .iter()
                .filter_map(|c| c.certificate_arn().map(str::to_string)),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

impl Kind for Certificates {
    type Item = CertificateDetail;
    const SERVICE: &'static str = "acm";
    const LIST_OP: &'static str = "ListCertificates";
    const ID_FIELD: &'static str = "CertificateArn";
    fn id(item: &CertificateDetail) -> Option<&str> {
        item.certificate_arn()
    }
    async fn get(aws: &AwsContext, arn: &str) -> Result<Option<CertificateDetail>> {
        describe(aws, arn).await
    }
    /// This session's certificates (for the name asked for, else every one).
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<CertificateDetail>> {
        let mut mine = Vec::new();
        for arn in all_arns(aws).await? {
            if !l.owner.owns(pairs(&tags_of(aws, &arn).await?)) {
                continue;
            }
            if let Some(c) = describe(aws, &arn).await?
                && l.at.name.is_none_or(|n| c.domain_name() == Some(n))
            {
                mine.push(c);
            }
        }
        Ok(mine)
    }
    /// A failed request (validation timed out) is replaced by a new one.
    fn usable(item: &CertificateDetail) -> bool {
        matches!(
            item.status(),
            Some(CertificateStatus::Issued | CertificateStatus::PendingValidation)
        )
    }
    /// Deletes it, waiting while a listener being deleted still holds it.
    async fn delete(
        aws: &AwsContext,
        p: &Progress,
        item: &CertificateDetail,
        noun: &str,
    ) -> Result<()> {
        let arn = &Self::required_id(item, Self::LIST_OP)?;
        delete_when_free(p, &format!("the {noun} to be released"), || async move {
            let r = aws
                .acm
                .delete_certificate()
                .certificate_arn(arn)
                .send()
                .await
                .ctx("acm", "DeleteCertificate");
            optional(r).map(|_| ())
        })
        .await
    }
}

/// The sessions' certificates (one tag read each).
pub async fn inventory(aws: &AwsContext, which: Which<'_>) -> Result<Vec<Tagged>> {
    let mut out = Vec::new();
    for arn in all_arns(aws).await? {
        let tags = tags_of(aws, &arn).await?;
        let Some(session) = which.of(pairs(&tags)) else {
            continue;
        };
        out.push(Tagged {
            session,
            kind: "acm:certificate".into(),
            id: arn,
            session_id: session_id_of(pairs(&tags)),
        });
    }
    Ok(out)
}

/// Whether `owner` made the certificate (its tags).
pub async fn owned(aws: &AwsContext, arn: &str, owner: &Owner) -> Result<bool> {
    Ok(owner.owns(pairs(&tags_of(aws, arn).await?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(domain: &str, sans: &[&str]) -> CertificateDetail {
        CertificateDetail::builder()
            .domain_name(domain)
            .set_subject_alternative_names(Some(sans.iter().map(|s| (*s).to_string()).collect()))
            .build()
    }

    #[test]
    fn a_certificate_covers_its_names_and_one_wildcard_level() {
        let c = cert(
            "api.example.com",
            &["api.example.com", "*.internal.example.com"],
        );
        assert!(covers(&c, "api.example.com"));
        assert!(covers(&c, "API.example.com."));
        assert!(covers(&c, "x.internal.example.com"));
        assert!(!covers(&c, "a.b.internal.example.com"));
        assert!(!covers(&c, "internal.example.com"));
        assert!(!covers(&c, "www.example.com"));
    }
}
