//! `assets/iam-policy.json` lists exactly the actions the code calls, plus the
//! few that AWS checks implicitly (named below with the reason).

use regex::Regex;
use std::collections::BTreeSet;
use std::path::Path;

/// Actions AWS authorises on the side of a call the code makes.
const IMPLIED: &[(&str, &str)] = &[
    (
        "ec2:CreateTags",
        "tagging on create (TagSpecifications) needs it",
    ),
    (
        "ecs:TagResource",
        "tags on CreateCluster / RegisterTaskDefinition need it",
    ),
    (
        "elasticloadbalancing:AddTags",
        "tags on CreateLoadBalancer / CreateTargetGroup need it",
    ),
    ("iam:TagRole", "tags on CreateRole need it"),
    (
        "acm:AddTagsToCertificate",
        "tags on RequestCertificate need it",
    ),
    ("ecr:TagResource", "tags on CreateRepository need it"),
    (
        "logs:TagResource",
        "tags on CreateLogGroup need it (or the older logs:TagLogGroup)",
    ),
    (
        "logs:TagLogGroup",
        "tags on CreateLogGroup: accounts still checking the older action need it",
    ),
    (
        "ec2:DescribeRegions",
        "CreateHostedZone for a private zone checks the VPC's region with it",
    ),
    (
        "ec2:DescribeVpcs",
        "CreateHostedZone for a private zone and AssociateVPCWithHostedZone check the VPC with it",
    ),
    (
        "iam:PassRole",
        "RegisterTaskDefinition with an execution role passes the role to ECS",
    ),
];

fn called() -> BTreeSet<String> {
    // Every `"service", "Operation"` pair: `.ctx(…)`, `required(…)`, and the
    // macros that pass them on (a paginated read, a describe by id).
    let re = Regex::new(
        r#""(ec2|ecs|elbv2|iam|apigateway|sts|logs|ecr|route53|acm)",\s*"([A-Z][A-Za-z]+)""#,
    )
    .unwrap();
    let mut out = BTreeSet::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            // A classroom's exercises run only in the classroom's sandbox,
            // with a student's keys there, never on AWS: the policy for AWS
            // does not grant the faults they make.
            if p.ends_with("classroom/exercises.rs") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for c in re.captures_iter(&text) {
                    out.insert(gatewalk::aws::error::iam_action(&c[1], &c[2]));
                }
            }
        }
    }
    out
}

fn policy() -> (BTreeSet<String>, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/iam-policy.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut actions = BTreeSet::new();
    let mut sids = Vec::new();
    for st in v["Statement"].as_array().unwrap() {
        sids.push(st["Sid"].as_str().unwrap().to_string());
        for a in st["Action"].as_array().unwrap() {
            actions.insert(a.as_str().unwrap().to_string());
        }
    }
    (actions, sids)
}

#[test]
fn policy_matches_the_calls_in_the_code() {
    let called = called();
    assert!(called.len() > 40, "the scan found too little: {called:?}");
    let (allowed, _) = policy();
    let missing: Vec<_> = called.difference(&allowed).collect();
    assert!(
        missing.is_empty(),
        "called but not in assets/iam-policy.json: {missing:?}"
    );
    let implied: BTreeSet<String> = IMPLIED.iter().map(|(a, _)| a.to_string()).collect();
    let extra: Vec<_> = allowed
        .iter()
        .filter(|a| !called.contains(*a) && !implied.contains(*a))
        .collect();
    assert!(
        extra.is_empty(),
        "in the policy but never called: {extra:?}"
    );
}

#[test]
fn one_statement_per_service() {
    let (actions, sids) = policy();
    let services: BTreeSet<&str> = actions
        .iter()
        .map(|a| a.split(':').next().unwrap())
        .collect();
    assert!(sids.len() >= services.len());
    assert!(
        actions.iter().all(|a| !a.contains('*')),
        "no wildcard actions"
    );
}
