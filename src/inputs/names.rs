//! Resource names: defaults derived from the session name, and the naming rules
//! of each service, checked before any API call.

/// `<session>-<suffix>`, shortened so the whole fits in `max` characters. The
/// session part is cut (never the suffix, which says what the resource is) and a
/// hyphen left dangling by the cut is dropped.
pub fn derive(session: &str, suffix: &str, max: usize) -> String {
    let full = format!("{session}-{suffix}");
    if full.len() <= max {
        return full;
    }
    let room = max.saturating_sub(suffix.len() + 1);
    let head: String = session.chars().take(room).collect();
    let head = head.trim_end_matches('-');
    if head.is_empty() {
        suffix.chars().take(max).collect()
    } else {
        format!("{head}-{suffix}")
    }
}

/// Elastic Load Balancing names (load balancers and target groups): 1–32 of
/// letters, digits and hyphens, not starting or ending with a hyphen; a load
/// balancer's may not start with `internal-`.
pub fn check_elb_name(name: &str, is_load_balancer: bool) -> Result<(), String> {
    if name.is_empty() {
        return Err("cannot be empty".into());
    }
    if name.len() > 32 {
        return Err(format!(
            "`{name}` is {} characters; Elastic Load Balancing allows at most 32",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "`{name}` contains `{c}`; use only letters, digits and hyphens"
        ));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(format!("`{name}` cannot start or end with a hyphen"));
    }
    if is_load_balancer && name.to_ascii_lowercase().starts_with("internal-") {
        return Err(format!(
            "`{name}` starts with `internal-`, which AWS reserves for internal load balancers' DNS names"
        ));
    }
    Ok(())
}

/// ECS cluster, service, task family and container names: 1–255 of letters,
/// digits, underscores and hyphens.
pub fn check_ecs_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("cannot be empty".into());
    }
    if name.len() > 255 {
        return Err(format!(
            "is {} characters; ECS allows at most 255",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "`{name}` contains `{c}`; use only letters, digits, `_` and `-`"
        ));
    }
    Ok(())
}

/// IAM role names: 1–64 of letters, digits and `+=,.@_-`.
pub fn check_role_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err(format!("`{name}` must be 1–64 characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c)))
    {
        return Err(format!(
            "`{name}` contains `{c}`, which IAM role names do not allow"
        ));
    }
    Ok(())
}

/// An idempotency token for one create, unique to this process and moment, at
/// most `max` characters (ECS allows 36, EC2 64). Retries inside one run reuse
/// it. A step that finds its resource again by name or tag (the ECS service)
/// makes a new one each run, so no token outlives what it created; one whose
/// emulator-era lookups need the token (the NAT gateway) records it first.
pub fn client_token(max: usize) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut t = format!("gw-{:x}-{nanos:x}", std::process::id());
    t.truncate(max);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_tokens_fit_ecs_and_differ() {
        let a = client_token(36);
        std::thread::sleep(std::time::Duration::from_millis(1));
        let b = client_token(36);
        assert!(a.len() <= 36 && b.len() <= 36, "{a} {b}");
        assert_ne!(a, b);
    }

    #[test]
    fn derive_respects_the_limit() {
        assert_eq!(derive("demo", "nlb", 32), "demo-nlb");
        let long = "a-very-long-session-name-for-a-workshop";
        let n = derive(long, "placeholder", 32);
        assert!(n.len() <= 32, "{n}");
        assert!(n.ends_with("-placeholder"));
        assert!(check_elb_name(&n, false).is_ok());
        // A cut that lands on a hyphen does not leave `--`.
        let n = derive("abcdefghijklmnopqrst-uvwxyz", "nlb", 24);
        assert!(!n.contains("--"), "{n}");
    }
}
