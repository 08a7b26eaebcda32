//! Inputs of step 4: the internal NLB's name, its placeholder target group's,
//! and an optional DNS name for it (a Route 53 alias record) with the hosted
//! zone that holds it.

use super::names::{check_elb_name, derive};
use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};

/// Inputs of step 4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerInputs {
    /// Network Load Balancer name.
    pub nlb_name: String,
    /// Placeholder target group name.
    pub placeholder_target_group_name: String,
    /// A DNS name for the NLB (`api.example.com`), or empty for none.
    pub dns_name: String,
    /// The hosted zone that holds the name: an existing zone's id, or empty
    /// for a private hosted zone gatewalk creates for the name itself.
    pub hosted_zone: String,
    /// TLS on the NLB: a TLS :443 listener with a certificate for `dns_name`.
    pub tls: bool,
    /// With TLS: the ARN of your ACM certificate, or empty for one gatewalk
    /// requests with DNS validation in the (public) hosted zone.
    pub certificate_arn: String,
    /// With TLS: keep a plain TCP listener on the container port as well.
    pub plain_listener: bool,
}

impl StepInputs for LoadBalancerInputs {
    const STEP: StepId = StepId::LoadBalancer;
    const FIELDS: &'static [Field] = &[
        Field {
            name: "nlb_name",
            meaning: "internal NLB name: 1–32 letters, digits, hyphens; not starting with internal-",
        },
        Field {
            name: "placeholder_target_group_name",
            meaning: "the throwaway target group the console makes you create with the NLB (1–32 characters)",
        },
        Field {
            name: "dns_name",
            meaning: "optional: a name for the NLB such as api.example.com (a Route 53 alias record); empty for none",
        },
        Field {
            name: "tls",
            meaning: "true: the NLB listens with TLS on 443 with a certificate for dns_name, and the API calls https://dns_name/",
        },
        Field {
            name: "certificate_arn",
            meaning: "with tls: your ACM certificate for dns_name, or empty for one gatewalk requests (DNS validation in your public hosted_zone; free)",
        },
        Field {
            name: "plain_listener",
            meaning: "with tls: also keep a plain TCP listener on the container port (off: nothing unencrypted is open)",
        },
        Field {
            name: "hosted_zone",
            meaning: "with dns_name: the id of your hosted zone for it (Z…), or empty for a private zone gatewalk makes for the name ($0.50 a month once kept over 12 hours)",
        },
    ];

    fn defaults(session: &str) -> Self {
        let mut nlb_name = derive(session, "nlb", 32);
        if nlb_name.starts_with("internal-") {
            nlb_name = derive(&format!("gw-{session}"), "nlb", 32);
        }
        Self {
            nlb_name,
            placeholder_target_group_name: derive(session, "placeholder", 32),
            dns_name: String::new(),
            hosted_zone: String::new(),
            tls: false,
            certificate_arn: String::new(),
            plain_listener: false,
        }
    }

    fn check(&self, all: &Inputs, region: &str, e: &mut Errs<'_>) {
        e.check("nlb_name", check_elb_name(&self.nlb_name, true));
        e.check(
            "placeholder_target_group_name",
            check_elb_name(&self.placeholder_target_group_name, false),
        );
        e.check("dns_name", check_dns_name(&self.dns_name));
        e.check(
            "hosted_zone",
            check_hosted_zone(&self.hosted_zone, &self.dns_name),
        );
        e.check("tls", self.check_tls(all.task_definition.container_port));
        e.check("certificate_arn", self.check_certificate(region));
        if self.plain_listener && !self.tls {
            e.check(
                "plain_listener",
                Err("only with tls: without TLS the plain listener is the only one".into()),
            );
        }
    }
}

impl LoadBalancerInputs {
    /// The hosted zone id given, without the `/hostedzone/` some tools print.
    pub fn zone_id(&self) -> Option<&str> {
        let z = self.hosted_zone.trim();
        (!z.is_empty()).then(|| z.strip_prefix("/hostedzone/").unwrap_or(z))
    }

    /// TLS needs a name of yours the certificate covers, and a requested
    /// certificate needs a public zone to validate in.
    fn check_tls(&self, container_port: u32) -> Result<(), String> {
        if !self.tls {
            return Ok(());
        }
        if self.dns_name.is_empty() {
            return Err(
                "TLS needs a name the certificate covers, and the NLB's own (…elb.amazonaws.com) can never be in yours: also set load-balancer.dns_name (such as api.example.com)"
                    .into(),
            );
        }
        if self.certificate_arn.is_empty() && self.dns_name.len() > 64 {
            return Err(format!(
                "`{}` is {} characters; a certificate ACM issues names at most 64 (its subject's common name): choose a shorter name, or name your certificate",
                self.dns_name,
                self.dns_name.len()
            ));
        }
        if self.plain_listener && container_port == TLS_PORT {
            return Err("the plain listener would sit on the container port, 443, where the TLS listener is: use another container port, or plain_listener=false".into());
        }
        if self.certificate_arn.is_empty() && self.hosted_zone.is_empty() {
            return Err(
                "a certificate gatewalk requests is validated through public DNS, which the private zone gatewalk would make cannot answer: name your public hosted zone (--set load-balancer.hosted_zone=Z…) or your certificate (--set load-balancer.certificate_arn=arn:aws:acm:…)"
                    .into(),
            );
        }
        Ok(())
    }

    /// An ACM certificate ARN in this region, only with TLS.
    fn check_certificate(&self, region: &str) -> Result<(), String> {
        let arn = self.certificate_arn.as_str();
        if arn.is_empty() {
            return Ok(());
        }
        if !self.tls {
            return Err("a certificate without TLS; also set load-balancer.tls=true, or leave certificate_arn empty".into());
        }
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let shaped = parts.len() == 6
            && parts[0] == "arn"
            && parts[1].starts_with("aws")
            && parts[2] == "acm"
            && parts[4].len() == 12
            && parts[4].chars().all(|c| c.is_ascii_digit())
            && parts[5]
                .strip_prefix("certificate/")
                .is_some_and(|id| !id.is_empty());
        if !shaped {
            return Err(format!(
                "`{arn}` is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID); `aws acm list-certificates` lists yours"
            ));
        }
        if parts[3] != region {
            return Err(format!(
                "`{arn}` is in {}; a load balancer in {region} can use only a certificate of {region}",
                parts[3]
            ));
        }
        Ok(())
    }

    /// The certificate you named, if any.
    pub fn your_certificate(&self) -> Option<&str> {
        (self.tls && !self.certificate_arn.is_empty()).then_some(self.certificate_arn.as_str())
    }

    /// The DNS name, when one is chosen.
    pub fn dns(&self) -> Option<&str> {
        (!self.dns_name.is_empty()).then_some(self.dns_name.as_str())
    }
}

/// The longest name Route 53 takes, without the final dot.
const MAX_NAME: usize = 253;

/// A name for an alias record: empty (none), or lowercase labels of letters,
/// digits and hyphens (1–63 characters, no hyphen at either end), at least
/// two of them, 253 characters at most. Wildcards and a final dot are not
/// taken: the record is one exact name.
pub fn check_dns_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Ok(());
    }
    if name.len() > MAX_NAME {
        return Err(format!(
            "`{name}` is {} characters; a DNS name has at most {MAX_NAME}",
            name.len()
        ));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "`{name}` is a single label; give a full name such as api.example.com"
        ));
    }
    for l in &labels {
        if l.is_empty() {
            return Err(format!(
                "`{name}` has an empty label (two dots, or a dot at either end); write it as api.example.com"
            ));
        }
        if l.len() > 63 {
            return Err(format!(
                "`{l}` is {} characters; a DNS label has at most 63",
                l.len()
            ));
        }
        if let Some(c) = l
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(format!(
                "`{name}` contains `{c}`; use lowercase letters, digits, hyphens and dots"
            ));
        }
        if l.starts_with('-') || l.ends_with('-') {
            return Err(format!("the label `{l}` cannot start or end with a hyphen"));
        }
    }
    if labels
        .last()
        .is_some_and(|t| t.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(format!(
            "`{name}` ends in a number; that is an address, not a name"
        ));
    }
    Ok(())
}

/// A hosted zone id as Route 53 writes it (`Z0123456789ABC`, 1–32 uppercase
/// letters and digits), accepted only with a DNS name.
pub fn check_hosted_zone(zone: &str, name: &str) -> Result<(), String> {
    if zone.is_empty() {
        return Ok(());
    }
    let id = zone.strip_prefix("/hostedzone/").unwrap_or(zone);
    if id.is_empty()
        || id.len() > 32
        || !id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err(format!(
            "`{zone}` is not a hosted zone id (such as Z0123456789ABCDEFGHIJ); `aws route53 list-hosted-zones` shows yours"
        ));
    }
    if name.is_empty() {
        return Err(
            "a hosted zone without a name to put in it; also set load-balancer.dns_name (such as api.example.com), or leave hosted_zone empty"
                .into(),
        );
    }
    Ok(())
}

/// The port TLS listens on.
pub const TLS_PORT: u32 = 443;

/// AWS's recommended TLS policy for NLB listeners (TLS 1.3 and 1.2).
pub const TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dns_rules() {
        assert!(check_dns_name("").is_ok());
        assert!(check_dns_name("api.example.com").is_ok());
        assert!(check_dns_name("a-1.b.example.co.uk").is_ok());
        for bad in [
            "api",
            "API.example.com",
            "api..example.com",
            "api.example.com.",
            "-api.example.com",
            "*.example.com",
            "api.example.123",
            "a_b.example.com",
        ] {
            assert!(check_dns_name(bad).is_err(), "{bad} accepted");
        }
        assert!(check_dns_name(&format!("{}.example.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn zone_ids_and_domains() {
        assert!(check_hosted_zone("", "").is_ok());
        assert!(check_hosted_zone("", "api.example.com").is_ok());
        assert!(check_hosted_zone("", "example.com").is_ok());
        assert!(check_hosted_zone("Z0123ABC", "example.com").is_ok());
        assert!(check_hosted_zone("Z0123ABC", "").is_err());
        assert!(check_hosted_zone("z0123", "api.example.com").is_err());
        assert!(check_hosted_zone("/hostedzone/Z1", "api.example.com").is_ok());
    }
}
