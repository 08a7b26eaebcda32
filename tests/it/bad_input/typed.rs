//! Cases typed on the command line or set in the environment: session names,
//! regions, endpoints, `--set` values.

use super::case::{Case, Setup, case, s};

pub fn session_names() -> Vec<Case> {
    let long = "a".repeat(33);
    let bad: Vec<(String, &str)> = vec![
        (s(""), "cannot be empty"),
        (s("Demo"), "lowercase letter"),
        (s("3demo"), "lowercase letter"),
        (s("demo-"), "hyphen"),
        (s("de--mo"), "hyphen"),
        (s("de_mo"), "contains `_`"),
        (s("de mo"), "contains ` `"),
        (s("../x"), "lowercase letter"),
        (s("a/b"), "contains `/`"),
        (long, "at most 32"),
        (s("demo\u{1b}[2J"), "contains"),
        (s("démo"), "contains `é`"),
        (s(".hidden"), "lowercase letter"),
        (s("-demo"), "lowercase letter"),
        (s("demo.json"), "contains `.`"),
    ];
    let mut out = Vec::new();
    for (n, w) in &bad {
        let arg = format!("--session={n}");
        out.push(case(
            format!("session {n:?} status"),
            2,
            &[w],
            &[&arg, "status"],
        ));
    }
    for (n, w) in bad.iter().take(6) {
        let arg = format!("--session={n}");
        out.push(case(
            format!("session {n:?} apply"),
            2,
            &[w],
            &[&arg, "apply"],
        ));
    }
    for (n, w) in bad.iter().skip(6).take(5) {
        out.push(
            case(format!("GATEWALK_SESSION={n:?}"), 2, &[w], &["validate"])
                .env("GATEWALK_SESSION", n),
        );
    }
    out
}

pub fn regions() -> Vec<Case> {
    let mut out = Vec::new();
    for r in [
        "us-east",
        "useast1",
        "US-EAST-1",
        "us-east-1a",
        "us--1",
        "eu_west_1",
        "mars",
        "us-east-1\u{7}",
        "1-2-3",
        &"x".repeat(200),
    ] {
        let arg = format!("--region={r}");
        out.push(case(
            format!("region {r:.20?}"),
            2,
            &["not an AWS region name"],
            &[&arg, "apply"],
        ));
    }
    for (var, v) in [
        ("AWS_REGION", "moon-1"),
        ("AWS_REGION", "us east 1"),
        ("AWS_DEFAULT_REGION", "nowhere"),
    ] {
        out.push(
            case(
                format!("{var}={v}"),
                2,
                &[var, "not an AWS region name"],
                &["apply"],
            )
            .env(var, v)
            .env("AWS_REGION_UNSET", "1"),
        );
    }
    out.push(
        case(
            "a region other than the session's",
            2,
            &["lives in us-east-1", "--region"],
            &["--session", "delta", "--region", "eu-west-1", "validate"],
        )
        .with(Setup::Session("delta")),
    );
    out.push(
        case(
            "a region other than the session's, apply",
            2,
            &["lives in us-east-1"],
            &["--session", "delta", "--region", "eu-west-2", "apply"],
        )
        .with(Setup::Session("delta")),
    );
    out
}

pub fn endpoints() -> Vec<Case> {
    let mut out = Vec::new();
    for (e, w) in [
        ("localhost:5000", "http:// or https://"),
        ("http://[::1", "not a URL"),
        ("http://127.0.0.1:99999", "invalid port"),
        ("http://127.0.0.1:0", "port 0"),
        ("ftp://example.com", "http:// or https://"),
        ("http://", "not a URL"),
        ("not a url", "not a URL"),
        ("http://user:pass@127.0.0.1:5000", "user name or password"),
        ("http://user@127.0.0.1:5000", "user name or password"),
        ("http://127.0.0.1:5000/?a=b", "query"),
        ("http://127.0.0.1:5000/#x", "fragment"),
        ("http://exa\u{1}mple.com", "control character"),
        ("", "not a URL"),
        ("file:///etc/passwd", "http:// or https://"),
    ] {
        let arg = format!("--endpoint-url={e}");
        out.push(case(format!("endpoint {e:?}"), 2, &[w], &[&arg, "apply"]).own_endpoint());
    }
    for (var, v, w) in [
        ("AWS_ENDPOINT_URL", "not a url", "not a URL"),
        ("AWS_ENDPOINT_URL", "http://[::1", "not a URL"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:70000", "invalid port"),
        (
            "AWS_ENDPOINT_URL",
            "http://u:p@127.0.0.1:1",
            "user name or password",
        ),
        ("AWS_ENDPOINT_URL_EC2", "nonsense", "AWS_ENDPOINT_URL_EC2"),
    ] {
        out.push(
            case(format!("{var}={v}"), 2, &[var, w], &["apply"])
                .env(var, v)
                .own_endpoint(),
        );
    }
    out
}

/// The NLB's DNS name and its zone: refused before any call.
pub fn dns_names() -> Vec<Case> {
    [
        ("load-balancer.dns_name=API.example.com", "lowercase"),
        ("load-balancer.dns_name=api", "single label"),
        ("load-balancer.dns_name=*.example.com", "contains `*`"),
        ("load-balancer.dns_name=api.example.123", "ends in a number"),
        ("load-balancer.hosted_zone=Z123", "without a name"),
        (
            "load-balancer.hosted_zone=not-a-zone",
            "not a hosted zone id",
        ),
        ("load-balancer.tls=true", "TLS needs a name"),
        ("load-balancer.plain_listener=true", "only with tls"),
        (
            "load-balancer.certificate_arn=arn:aws:acm:us-east-1:123456789012:certificate/x",
            "a certificate without TLS",
        ),
    ]
    .into_iter()
    .map(|(set, w)| case(format!("--set {set}"), 2, &[w], &["apply", "--set", set]))
    .chain(tls_pairs())
    .collect()
}

/// TLS inputs that are wrong only together.
fn tls_pairs() -> Vec<Case> {
    let name = "load-balancer.dns_name=api.example.com";
    [
        (
            vec![name, "load-balancer.tls=true"],
            "validated through public DNS",
        ),
        (
            vec![
                name,
                "load-balancer.tls=true",
                "load-balancer.certificate_arn=arn:aws:acm:eu-west-1:123456789012:certificate/x",
            ],
            "only a certificate of us-east-1",
        ),
        (
            vec![
                name,
                "load-balancer.tls=true",
                "load-balancer.certificate_arn=nope",
            ],
            "not an ACM certificate ARN",
        ),
        (
            vec![
                "load-balancer.dns_name=a-very-long-name-for-the-internal-load-balancer-of-this-walkthrough.example.com",
                "load-balancer.tls=true",
                "load-balancer.hosted_zone=Z1",
            ],
            "at most 64",
        ),
    ]
    .into_iter()
    .map(|(sets, w)| {
        let mut args = vec!["apply"];
        for s in &sets {
            args.push("--set");
            args.push(s);
        }
        case(format!("--set {}", sets[1..].join(" ")), 2, &[w], &args)
    })
    .collect()
}

pub fn sets() -> Vec<Case> {
    let big = format!("task-definition.image={}", "n".repeat(100_000));
    let ctl = "task-definition.image=nginx\u{1}\u{1b}[2J".to_string();
    let rows: Vec<(String, &str)> = vec![
        (s("cpu=512"), "not STEP.FIELD"),
        (s("task-definition.cpu"), "not STEP.FIELD=VALUE"),
        (s("nosuch.x=1"), "unknown step `nosuch`"),
        (s("task-definition.nosuch=1"), "unknown field"),
        (s("task-definition.cpu=abc"), "not a whole number"),
        (s("task-definition.cpu=3"), "cpu"),
        (s("task-definition.cpu=-256"), "not a whole number"),
        (s("task-definition.memory=700"), "memory"),
        (s("task-definition.image="), "image"),
        (ctl, "control character"),
        (big, "longer than the 255 characters"),
        (s("task-definition.container_port=0"), "container_port"),
        (s("task-definition.container_port=70000"), "container_port"),
        (s("task-definition.family=bad family"), "family"),
        (
            s("task-definition.container_name=a\tb"),
            "control character",
        ),
        (s("cluster-vpc.vpc_cidr=10.0.0.0/33"), "vpc_cidr"),
        (s("cluster-vpc.vpc_cidr=banana"), "vpc_cidr"),
        (s("cluster-vpc.vpc_cidr=10.0.0.0/8"), "vpc_cidr"),
        (
            s("cluster-vpc.public_subnet_a_cidr=10.9.0.0/24"),
            "not inside",
        ),
        (
            s("cluster-vpc.public_subnet_b_cidr=10.0.0.0/24"),
            "overlaps",
        ),
        (
            s("cluster-vpc.availability_zones=eu-west-1a,eu-west-1b"),
            "not a zone of us-east-1",
        ),
        (
            s("cluster-vpc.availability_zones=us-east-1a"),
            "exactly two",
        ),
        (
            s("cluster-vpc.availability_zones=us-east-1a,us-east-1a"),
            "two different zones",
        ),
        (s("cluster-vpc.cluster_name=has space"), "cluster_name"),
        (
            s("private-subnet.private_subnet_cidr=10.0.0.0/24"),
            "overlap",
        ),
        (s("load-balancer.nlb_name=has_underscore"), "nlb_name"),
        (
            s(&format!("load-balancer.nlb_name={}", "n".repeat(40))),
            "at most 32",
        ),
        (s("load-balancer.nlb_name=internal-x"), "internal-"),
        (s("service.desired_count=0"), "desired_count"),
        (s("service.desired_count=-1"), "not a whole number"),
        (
            s("service.health_check_interval_seconds=1"),
            "health_check_interval_seconds",
        ),
        (
            s("service.deregistration_delay_seconds=99999"),
            "deregistration_delay_seconds",
        ),
        (s("rest-api.routes=FETCH /x"), "routes"),
        (s("rest-api.stage_name=a b"), "stage_name"),
        (s("target-group-swap.x=1"), "has no inputs"),
        (s("nat-gateway.egress=vpn"), "unknown variant `vpn`"),
        (s("nat-gateway.cache_prefix=A"), "cache_prefix"),
        (s("done.smoke_path=health"), "smoke_path"),
    ];
    let mut v: Vec<Case> = rows
        .into_iter()
        .map(|(set, w)| {
            let name = format!("--set {:.40}", set.escape_debug().to_string());
            case(name, 2, &[w], &["apply", "--set", &set])
        })
        .collect();
    // VPC endpoints reach AWS services only: an image elsewhere, or an ECR
    // Public image by digest (the cache fetches by tag), is refused.
    for (image, w) in [
        ("nginx:latest", "Docker Hub"),
        ("ghcr.io/o/app:1", "ghcr.io"),
        ("public.ecr.aws/nginx/nginx@sha256:00", "digest"),
    ] {
        let img = format!("task-definition.image={image}");
        v.push(case(
            format!("endpoints with {image}"),
            2,
            &["nat-gateway.egress", w],
            &[
                "apply",
                "--set",
                "nat-gateway.egress=endpoints",
                "--set",
                &img,
            ],
        ));
    }
    v
}
