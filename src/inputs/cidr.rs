//! CIDR rules for the VPC and subnet inputs: pure, checked before any call.

use ipnet::Ipv4Net;

/// Parses an IPv4 CIDR and insists on its canonical form (no host bits set),
/// with a prefix AWS accepts for a VPC or subnet (/16 to /28).
pub fn parse_cidr(s: &str) -> std::result::Result<Ipv4Net, String> {
    let s = s.trim();
    let net: Ipv4Net = s
        .parse()
        .map_err(|_| format!("`{s}` is not an IPv4 CIDR block like 10.0.0.0/16"))?;
    if net.trunc() != net {
        return Err(format!(
            "`{s}` has host bits set; the block starts at {}",
            net.trunc()
        ));
    }
    if !(16..=28).contains(&net.prefix_len()) {
        return Err(format!(
            "`{s}` is a /{}; AWS allows VPC and subnet blocks from /16 to /28",
            net.prefix_len()
        ));
    }
    Ok(net)
}

/// Whether two blocks share any address.
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_rules() {
        assert!(parse_cidr("10.0.0.0/16").is_ok());
        assert!(parse_cidr("10.0.0.1/16").unwrap_err().contains("host bits"));
        assert!(parse_cidr("10.0.0.0/8").unwrap_err().contains("/16 to /28"));
        assert!(parse_cidr("10.0.0.0/29").is_err());
        assert!(parse_cidr("10.0.0/24").is_err());
        let a = parse_cidr("10.0.0.0/24").unwrap();
        let b = parse_cidr("10.0.0.0/20").unwrap();
        let c = parse_cidr("10.0.16.0/24").unwrap();
        assert!(overlaps(&a, &b) && overlaps(&b, &a));
        assert!(!overlaps(&b, &c));
    }
}
