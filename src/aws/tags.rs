//! The `gatewalk:session` / `gatewalk:role` tags every created resource carries,
//! in the shape each service wants, and the lookups that find resources by them.

use aws_sdk_ec2::types::{Filter, ResourceType, TagSpecification};

/// Tag key naming the session that created a resource.
pub const SESSION_KEY: &str = "gatewalk:session";
/// Tag key naming what the resource is for within the session (`vpc`, `nat-gateway`).
pub const ROLE_KEY: &str = "gatewalk:role";

/// The identity tags of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTags<'a> {
    /// Session name.
    pub session: &'a str,
    /// Role within the session.
    pub role: &'a str,
}

impl<'a> ResourceTags<'a> {
    /// Tags for `role` in `session`.
    pub fn new(session: &'a str, role: &'a str) -> Self {
        Self { session, role }
    }

    /// Key/value pairs, including a `Name` tag EC2's console shows.
    pub fn pairs(&self, name: Option<&str>) -> Vec<(String, String)> {
        let mut v = vec![
            (SESSION_KEY.to_string(), self.session.to_string()),
            (ROLE_KEY.to_string(), self.role.to_string()),
        ];
        if let Some(n) = name {
            v.push(("Name".to_string(), n.to_string()));
        }
        v
    }

    /// EC2 tag specification for a create call.
    pub fn ec2_spec(&self, rt: ResourceType, name: &str) -> TagSpecification {
        let mut b = TagSpecification::builder().resource_type(rt);
        for (k, v) in self.pairs(Some(name)) {
            b = b.tags(aws_sdk_ec2::types::Tag::builder().key(k).value(v).build());
        }
        b.build()
    }

    /// EC2 describe filters selecting this session's resource of this role.
    pub fn ec2_filters(&self) -> Vec<Filter> {
        vec![
            Filter::builder()
                .name(format!("tag:{SESSION_KEY}"))
                .values(self.session)
                .build(),
            Filter::builder()
                .name(format!("tag:{ROLE_KEY}"))
                .values(self.role)
                .build(),
        ]
    }

    /// Whether EC2 tags carry this identity. Checked on everything a tag-filtered
    /// describe returns, because emulators (moto's DescribeNatGateways) ignore
    /// tag filters; on real AWS it costs nothing.
    pub fn ec2_matches(&self, tags: &[aws_sdk_ec2::types::Tag]) -> bool {
        self.matches(tags.iter().map(|t| (t.key(), t.value())))
    }

    /// ELBv2 tags for a create call.
    pub fn elb(&self, name: &str) -> Vec<aws_sdk_elasticloadbalancingv2::types::Tag> {
        self.pairs(Some(name))
            .into_iter()
            .map(|(k, v)| {
                aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect()
    }

    /// ECS tags for a create call.
    pub fn ecs(&self) -> Vec<aws_sdk_ecs::types::Tag> {
        self.pairs(None)
            .into_iter()
            .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build())
            .collect()
    }

    /// IAM tags for a create call.
    pub fn iam(&self) -> Vec<aws_sdk_iam::types::Tag> {
        self.pairs(None)
            .into_iter()
            .filter_map(|(k, v)| {
                aws_sdk_iam::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .ok()
            })
            .collect()
    }

    /// Whether a list of `(key, value)` pairs carries this identity.
    pub fn matches<'t>(
        &self,
        tags: impl IntoIterator<Item = (Option<&'t str>, Option<&'t str>)>,
    ) -> bool {
        let (mut s, mut r) = (false, false);
        for (k, v) in tags {
            match (k, v) {
                (Some(SESSION_KEY), Some(v)) if v == self.session => s = true,
                (Some(ROLE_KEY), Some(v)) if v == self.role => r = true,
                _ => {}
            }
        }
        s && r
    }
}

/// The session named by a tag list, if any.
pub fn session_of<'t>(
    tags: impl IntoIterator<Item = (Option<&'t str>, Option<&'t str>)>,
) -> Option<String> {
    tags.into_iter()
        .find(|(k, _)| *k == Some(SESSION_KEY))
        .and_then(|(_, v)| v.map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_needs_both_tags() {
        let t = ResourceTags::new("demo", "vpc");
        assert!(t.matches([
            (Some(SESSION_KEY), Some("demo")),
            (Some(ROLE_KEY), Some("vpc"))
        ]));
        assert!(!t.matches([(Some(SESSION_KEY), Some("demo"))]));
        assert!(!t.matches([
            (Some(SESSION_KEY), Some("other")),
            (Some(ROLE_KEY), Some("vpc"))
        ]));
    }
}
