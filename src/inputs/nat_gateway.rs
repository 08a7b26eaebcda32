//! Inputs of step 5: how tasks in the private subnet reach what they need —
//! a NAT gateway (the walkthrough), or VPC endpoints and nothing that leaves
//! AWS (the CDK variant) — and, for endpoints, the prefix of the ECR
//! pull-through cache that brings an ECR Public image into the account.

use super::names::derive;
use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};

/// The registry VPC endpoints cannot reach, and that a pull-through cache
/// rule can mirror without credentials.
pub const ECR_PUBLIC: &str = "public.ecr.aws";

/// How the private subnet's tasks reach ECR and CloudWatch Logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Egress {
    /// A NAT gateway in public subnet A: everything on the internet is
    /// reachable (the walkthrough).
    #[default]
    Nat,
    /// Interface endpoints for `ecr.api`, `ecr.dkr` and `logs`, a gateway
    /// endpoint for S3: only those AWS services are reachable.
    Endpoints,
}

impl Egress {
    /// Its value as `--set` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Egress::Nat => "nat",
            Egress::Endpoints => "endpoints",
        }
    }
}

/// Inputs of step 5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatGatewayInputs {
    /// `nat` or `endpoints`.
    pub egress: Egress,
    /// The pull-through cache rule's repository prefix (endpoints only).
    pub cache_prefix: String,
}

impl StepInputs for NatGatewayInputs {
    const STEP: StepId = StepId::NatGateway;
    const FIELDS: &'static [Field] = &[
        Field {
            name: "egress",
            meaning: "how private tasks pull their image: nat (a NAT gateway, ~$0.05/h) or endpoints (VPC endpoints for ECR, S3 and Logs, ~$0.03/h, nothing leaves AWS)",
        },
        Field {
            name: "cache_prefix",
            meaning: "with endpoints: the ECR pull-through cache prefix an ECR Public image is mirrored under (2–30 lowercase letters, digits, . _ - /)",
        },
    ];

    fn defaults(session: &str) -> Self {
        Self {
            egress: Egress::Nat,
            cache_prefix: derive(session, "ecr-public", 30),
        }
    }

    fn check(&self, all: &Inputs, region: &str, e: &mut Errs<'_>) {
        e.check("cache_prefix", check_cache_prefix(&self.cache_prefix));
        if self.egress == Egress::Endpoints {
            e.check(
                "egress",
                pulled_through_endpoints(&all.task_definition.image, region),
            );
        }
    }
}

/// An ECR repository prefix as `CreatePullThroughCacheRule` takes it: 2–30
/// characters, lowercase components joined by `.`, `_`, `-`, separated by `/`.
pub fn check_cache_prefix(p: &str) -> Result<(), String> {
    if !(2..=30).contains(&p.len()) {
        return Err(format!(
            "`{p}` is {} characters; ECR takes a prefix of 2–30",
            p.len()
        ));
    }
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.split(['.', '_', '-']).all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            })
    };
    if !p.split('/').all(component_ok) {
        return Err(format!(
            "`{p}` is not an ECR prefix: lowercase letters and digits, joined by single . _ or -, parts separated by /"
        ));
    }
    Ok(())
}

/// Whether tasks with only VPC endpoints can pull `image`: an image in this
/// region's private ECR, or one on ECR Public (mirrored by a pull-through
/// cache rule). Any other registry is on the internet, which endpoints do
/// not reach.
pub fn pulled_through_endpoints(image: &str, region: &str) -> Result<(), String> {
    if image.starts_with(&format!("{ECR_PUBLIC}/")) && image.contains('@') {
        return Err(format!(
            "`{image}` names a digest; a pull-through cache fetches ECR Public images by tag: name the image by its tag, or use --set nat-gateway.egress=nat"
        ));
    }
    if image.starts_with(&format!("{ECR_PUBLIC}/")) {
        return Ok(());
    }
    let registry = image.split('/').next().unwrap_or_default();
    if let Some(rest) = registry.split_once(".dkr.ecr.").map(|(_, r)| r) {
        let image_region = rest.split('.').next().unwrap_or_default();
        if image_region == region {
            return Ok(());
        }
        return Err(format!(
            "`{image}` is in ECR in {image_region}; VPC endpoints reach only this region's ECR ({region}): copy the image to {region} or use --set nat-gateway.egress=nat"
        ));
    }
    Err(format!(
        "`{image}` is not in ECR: VPC endpoints reach only AWS services, not {} on the internet. Push it to your private ECR, use an ECR Public image (gatewalk mirrors it with a pull-through cache), or use --set nat-gateway.egress=nat",
        if registry.contains('.') {
            registry
        } else {
            "Docker Hub"
        }
    ))
}

/// The ECR Public repository path and tag an image names (`nginx/nginx`,
/// `stable-alpine`), when it is on ECR Public.
pub fn ecr_public_path(image: &str) -> Option<(&str, &str)> {
    let rest = image.strip_prefix(ECR_PUBLIC)?.strip_prefix('/')?;
    let last = rest.rsplit('/').next().unwrap_or(rest);
    match last.split_once(':') {
        Some((_, tag)) => Some((&rest[..rest.len() - tag.len() - 1], tag)),
        None => Some((rest, "latest")),
    }
}

/// The image the task definition runs: the input, or — with endpoints and
/// an ECR Public image — its mirror in this account's registry under the
/// cache prefix, which is what a pull-through cache serves.
pub fn task_image(all: &Inputs, account: &str, region: &str) -> String {
    let image = &all.task_definition.image;
    let n = &all.nat_gateway;
    match (n.egress, ecr_public_path(image)) {
        (Egress::Endpoints, Some((path, tag))) => format!(
            "{account}.dkr.ecr.{region}.amazonaws.com/{}/{path}:{tag}",
            n.cache_prefix
        ),
        _ => image.clone(),
    }
}

/// The cache repository and tag the task pulls, when the session mirrors
/// an ECR Public image.
pub fn cached_image(all: &Inputs) -> Option<(String, String)> {
    let repo = cache_repository(all)?;
    let (_, tag) = ecr_public_path(&all.task_definition.image)?;
    Some((repo, tag.to_string()))
}

/// The cache repository a pull through the rule fills (`<prefix>/<path>`),
/// when the session mirrors an ECR Public image.
pub fn cache_repository(all: &Inputs) -> Option<String> {
    let n = &all.nat_gateway;
    if n.egress != Egress::Endpoints {
        return None;
    }
    ecr_public_path(&all.task_definition.image)
        .map(|(path, _)| format!("{}/{path}", n.cache_prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ecr_public_image_is_mirrored_under_the_prefix() {
        let mut i = Inputs::defaults("demo");
        assert_eq!(
            task_image(&i, "123456789012", "us-east-1"),
            "public.ecr.aws/nginx/nginx:stable-alpine"
        );
        i.nat_gateway.egress = Egress::Endpoints;
        assert_eq!(
            task_image(&i, "123456789012", "us-east-1"),
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-ecr-public/nginx/nginx:stable-alpine"
        );
        assert_eq!(
            cache_repository(&i).as_deref(),
            Some("demo-ecr-public/nginx/nginx")
        );
        assert_eq!(
            ecr_public_path("public.ecr.aws/a/b"),
            Some(("a/b", "latest"))
        );
        assert_eq!(ecr_public_path("docker.io/nginx:1"), None);
    }

    #[test]
    fn endpoints_refuse_images_on_the_internet() {
        assert!(pulled_through_endpoints("public.ecr.aws/nginx/nginx:1", "us-east-1").is_ok());
        assert!(
            pulled_through_endpoints("1.dkr.ecr.us-east-1.amazonaws.com/app:1", "us-east-1")
                .is_ok()
        );
        let e = pulled_through_endpoints("nginx:latest", "us-east-1").unwrap_err();
        assert!(e.contains("Docker Hub") && e.contains("egress=nat"), "{e}");
        let e = pulled_through_endpoints("1.dkr.ecr.eu-west-1.amazonaws.com/app:1", "us-east-1")
            .unwrap_err();
        assert!(e.contains("eu-west-1"), "{e}");
        assert!(pulled_through_endpoints("public.ecr.aws/a/b@sha256:00", "us-east-1").is_err());
        assert!(check_cache_prefix("demo-ecr-public").is_ok());
        assert!(check_cache_prefix("a").is_err());
        assert!(check_cache_prefix("Demo").is_err());
    }
}
