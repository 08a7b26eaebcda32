//! The `gatewalk:session` / `gatewalk:role` tags every created resource carries,
//! in the shape each service wants, and the lookups that find resources by them.

use aws_sdk_ec2::types::{Filter, ResourceType, TagSpecification};

/// Tag key naming the session that created a resource.
pub const SESSION_KEY: &str = "gatewalk:session";
/// Tag key naming what the resource is for within the session (`vpc`, `nat-gateway`).
pub const ROLE_KEY: &str = "gatewalk:role";
/// Tag key carrying the session's unique id: two sessions of one name (a
/// copied data directory, a record deleted and made again, two students who
/// both kept `demo`) never own each other's resources.
pub const SESSION_ID_KEY: &str = "gatewalk:session-id";

/// Who owns resources: a session's name and its unique id. Derefs to the name,
/// which is also the base of default resource names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// Session name (the `gatewalk:session` tag).
    pub name: String,
    /// Session id (the `gatewalk:session-id` tag); `None` only for a session
    /// read without being opened, which never creates or deletes.
    pub id: Option<String>,
}

impl Owner {
    /// The owner identity of a session.
    pub fn of(s: &crate::session::Session) -> Self {
        Self {
            name: s.name.clone(),
            id: s.id.clone(),
        }
    }

    /// The name, as a string slice.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// Tags for `role` in this session.
    pub fn tags<'a>(&'a self, role: &'a str) -> ResourceTags<'a> {
        ResourceTags {
            session: &self.name,
            id: self.id.as_deref(),
            role,
        }
    }

    /// Whether tags say this session owns the resource: the session tag names
    /// it, and the id tag, when the resource has one, is this session's.
    /// Resources made before sessions had ids carry no id tag and are judged
    /// by the name alone.
    pub fn owns<'t>(
        &self,
        tags: impl IntoIterator<Item = (Option<&'t str>, Option<&'t str>)>,
    ) -> bool {
        let (mut name, mut id_ok) = (false, true);
        for (k, v) in tags {
            match (k, v) {
                (Some(SESSION_KEY), Some(v)) => name = v == self.name,
                (Some(SESSION_ID_KEY), v) => {
                    id_ok = self.id.is_none() || v == self.id.as_deref();
                }
                _ => {}
            }
        }
        name && id_ok
    }

    /// [`owns`](Self::owns) for a string map of tags (API Gateway's shape).
    pub fn owns_map(&self, tags: Option<&std::collections::HashMap<String, String>>) -> bool {
        tags.is_some_and(|t| self.owns(t.iter().map(|(k, v)| (Some(k.as_str()), Some(v.as_str())))))
    }
}

impl std::ops::Deref for Owner {
    type Target = str;
    fn deref(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// The identity tags of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTags<'a> {
    /// Session name.
    pub session: &'a str,
    /// Session id, written as a tag when known.
    pub id: Option<&'a str>,
    /// Role within the session.
    pub role: &'a str,
}

impl<'a> ResourceTags<'a> {
    /// Tags for `role` in the session named `session` (without its id: for
    /// lookups by name only; steps use [`Owner::tags`]).
    pub fn new(session: &'a str, role: &'a str) -> Self {
        Self {
            session,
            id: None,
            role,
        }
    }

    /// Key/value pairs, including a `Name` tag EC2's console shows.
    pub fn pairs(&self, name: Option<&str>) -> Vec<(String, String)> {
        let mut v = vec![
            (SESSION_KEY.to_string(), self.session.to_string()),
            (ROLE_KEY.to_string(), self.role.to_string()),
        ];
        if let Some(id) = self.id {
            v.push((SESSION_ID_KEY.to_string(), id.to_string()));
        }
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
    /// describe returns, because emulators (moto's `DescribeNatGateways`) ignore
    /// tag filters; on real AWS it costs nothing.
    pub fn ec2_matches(&self, tags: &[aws_sdk_ec2::types::Tag]) -> bool {
        self.matches(tags.iter().map(|t| (t.key(), t.value())))
    }

    /// `ELBv2` tags for a create call.
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

    /// CloudWatch Logs tags for a create call (a map, as `CreateLogGroup` takes them).
    pub fn logs(&self) -> std::collections::HashMap<String, String> {
        self.pairs(None).into_iter().collect()
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

    /// Whether a list of `(key, value)` pairs carries this identity: session
    /// and role, and the session id when both sides have one.
    pub fn matches<'t>(
        &self,
        tags: impl IntoIterator<Item = (Option<&'t str>, Option<&'t str>)>,
    ) -> bool {
        let (mut s, mut r, mut id_ok) = (false, false, true);
        for (k, v) in tags {
            match (k, v) {
                (Some(SESSION_KEY), Some(v)) if v == self.session => s = true,
                (Some(ROLE_KEY), Some(v)) if v == self.role => r = true,
                (Some(SESSION_ID_KEY), v) => id_ok = self.id.is_none() || v == self.id,
                _ => {}
            }
        }
        s && r && id_ok
    }
}

/// The `gatewalk:session-id` value in a tag list, if any.
pub fn session_id_of<'t>(
    tags: impl IntoIterator<Item = (Option<&'t str>, Option<&'t str>)>,
) -> Option<String> {
    tags.into_iter()
        .find(|(k, _)| *k == Some(SESSION_ID_KEY))
        .and_then(|(_, v)| v.map(str::to_string))
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

    #[test]
    fn a_namesake_with_another_id_is_not_ours() {
        let me = Owner {
            name: "demo".into(),
            id: Some("aaaa".into()),
        };
        let t = me.tags("vpc");
        let theirs = [
            (Some(SESSION_KEY), Some("demo")),
            (Some(ROLE_KEY), Some("vpc")),
            (Some(SESSION_ID_KEY), Some("bbbb")),
        ];
        assert!(!t.matches(theirs));
        assert!(!me.owns(theirs));
        let mine = [
            (Some(SESSION_KEY), Some("demo")),
            (Some(ROLE_KEY), Some("vpc")),
            (Some(SESSION_ID_KEY), Some("aaaa")),
        ];
        assert!(t.matches(mine) && me.owns(mine));
        // Made before sessions had ids: judged by the name.
        let legacy = [
            (Some(SESSION_KEY), Some("demo")),
            (Some(ROLE_KEY), Some("vpc")),
        ];
        assert!(t.matches(legacy) && me.owns(legacy));
        assert!(!me.owns([(Some(SESSION_KEY), Some("delta"))]));
    }
}
