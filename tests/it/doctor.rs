//! `doctor` on deployments of every origin: all ten steps by hand with the
//! CDK pattern's security group bug (diagnosed, then repaired only with
//! consent), network mistakes, two deployments in one region, and a
//! session of gatewalk's own.

use crate::adopt::gw;
use crate::common::console::{self, Hand, RIGHT};
use crate::common::{ENIS, World, account_counts};
use gatewalk::model::OutputKey as K;
use gatewalk::steps::StepId;

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The task security group's rules: (from port, CIDR).
async fn sg_rules(w: &World, sg: &str) -> Vec<(i32, String)> {
    let g = w
        .aws
        .ec2
        .describe_security_groups()
        .group_ids(sg)
        .send()
        .await
        .unwrap();
    g.security_groups()[0]
        .ip_permissions()
        .iter()
        .flat_map(|p| {
            p.ip_ranges().iter().map(|r| {
                (
                    p.from_port().unwrap_or(0),
                    r.cidr_ip().unwrap_or("").to_string(),
                )
            })
        })
        .collect()
}

async fn deployments(w: &World, api: &str) -> usize {
    let d = w
        .aws
        .apigw
        .get_deployments()
        .rest_api_id(api)
        .send()
        .await
        .unwrap();
    d.items().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cdk_security_group_bug_is_named_and_repaired_only_with_consent() {
    let w = World::new().await;
    let b = console::steps_1_to_5(&w.aws, "pubquiz", "10.0.0.0/16").await;
    let how = Hand {
        container_rule: false,
        ..RIGHT
    };
    let r = console::steps_6_to_10(&w.aws, "pubquiz", &b, how).await;
    let built = account_counts(&w.aws).await;
    let deployed = deployments(&w, &r.api).await;

    let out = gw(&w, &["doctor"]);
    let t = text(&out);
    eprintln!("--- doctor\n{t}");
    assert_eq!(out.status.code(), Some(3), "a failing check exits 3:\n{t}");
    assert!(
        t.contains("✗ tasks accept the container port from the VPC"),
        "{t}"
    );
    let fix = format!(
        "fix: aws ec2 authorize-security-group-ingress --group-id {} --protocol tcp --port 8080 --cidr 10.0.0.0/16",
        r.sg
    );
    assert!(t.contains(&fix), "{t}");
    for n in [1, 2, 3, 4, 5, 8, 9] {
        assert!(
            t.lines()
                .any(|l| l.contains(&format!("step {n:>2} ")) && l.contains('✓')),
            "step {n} passes:\n{t}"
        );
    }
    // What the missing rule does: the NLB cannot health-check the tasks.
    assert!(t.contains("✗ targets are healthy"), "{t}");

    assert_eq!(gw(&w, &["adopt", "--yes"]).status.code(), Some(0));
    // Without consent, apply names the change and stops before it.
    let out = gw(&w, &["apply"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let e = err(&out);
    assert!(
        e.contains("needs a change: allow TCP 8080 from 10.0.0.0/16"),
        "{e}"
    );
    assert!(e.contains("apply --yes`"), "{e}");
    assert!(
        !sg_rules(&w, &r.sg)
            .await
            .contains(&(8080, "10.0.0.0/16".into()))
    );

    // With it, that rule is added and nothing else changes.
    let out = gw(&w, &["apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out), err(&out));
    assert!(
        sg_rules(&w, &r.sg)
            .await
            .contains(&(8080, "10.0.0.0/16".into()))
    );
    // Nothing added or removed — but network interfaces: ECS replaced the
    // task the missing rule had failed, and a stopped task's lingers a while.
    let (mut now, mut then) = (account_counts(&w.aws).await, built.clone());
    now.remove(ENIS);
    then.remove(ENIS);
    assert_eq!(now, then, "something was added or removed");
    assert!(
        w.inventory("demo").await.is_empty(),
        "gatewalk made something"
    );
    assert_eq!(
        deployments(&w, &r.api).await,
        deployed,
        "the API was redeployed"
    );
    let s = w.store.load("demo").unwrap();
    for (k, id) in [
        (K::Service, &r.service),
        (K::ServiceTargetGroup, &r.tg),
        (K::Listener, &r.listener),
        (K::VpcLink, &r.link),
        (K::RestApi, &r.api),
    ] {
        assert_eq!(s.output(k), Some(id.as_str()), "{k} rebound");
        assert!(s.is_yours(k), "{k} is yours");
    }
    let out = gw(&w, &["doctor"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_names_a_public_private_subnet_and_a_link_to_another_nlb() {
    let w = World::new().await;
    let b = console::steps_1_to_5(&w.aws, "pubquiz", "10.0.0.0/16").await;
    let other = console::nlb(&w.aws, "pubquiz-other", &[&b.private])
        .await
        .unwrap();
    let how = Hand {
        link_to: Some(&other),
        ..RIGHT
    };
    console::steps_6_to_10(&w.aws, "pubquiz", &b, how).await;
    // The private subnet is put back on the public route table.
    let e = &w.aws.ec2;
    let rts = e
        .describe_route_tables()
        .route_table_ids(&b.private_rt)
        .send()
        .await
        .unwrap();
    let assoc = rts.route_tables()[0].associations()[0]
        .route_table_association_id()
        .unwrap()
        .to_string();
    e.replace_route_table_association()
        .association_id(assoc)
        .route_table_id(&b.public_rt)
        .send()
        .await
        .unwrap();

    let out = gw(&w, &["doctor"]);
    let t = text(&out);
    eprintln!("--- doctor\n{t}");
    assert_eq!(out.status.code(), Some(3), "{t}");
    assert!(
        t.contains("✗ private subnet has no route to an internet gateway"),
        "{t}"
    );
    assert!(t.contains("✗ VPC Link targets the session's NLB"), "{t}");
    assert!(t.contains(&other), "the other NLB is named:\n{t}");
    assert!(
        t.contains("✗ only private subnets"),
        "the NLB's subnet reaches the gateway:\n{t}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_nlb_cannot_have_two_subnets_in_one_zone() {
    // AWS refuses it (the strict layer's elb-one-subnet-per-az), so no
    // deployment can carry one; doctor's check for it stays for safety.
    let w = World::new().await;
    let b = console::steps_1_to_5(&w.aws, "pubquiz", "10.0.0.0/16").await;
    let second = w
        .aws
        .ec2
        .create_subnet()
        .vpc_id(&b.vpc)
        .cidr_block("10.0.3.0/24")
        .availability_zone("us-east-1b")
        .send()
        .await
        .unwrap();
    let second = second.subnet().unwrap().subnet_id().unwrap().to_string();
    let r = console::nlb(&w.aws, "two-in-one", &[&b.private, &second]).await;
    assert_eq!(r, Err("InvalidConfigurationRequest".to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_deployments_are_both_listed_and_adopt_picks_one_by_vpc() {
    let w = World::new().await;
    let one = console::steps_1_to_5(&w.aws, "pubquiz", "10.0.0.0/16").await;
    let two = console::steps_1_to_5(&w.aws, "trivia", "10.1.0.0/16").await;
    let out = gw(&w, &["doctor", "--output", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["vpc"].as_str().unwrap())
        .collect();
    let mut want = vec![one.vpc.as_str(), two.vpc.as_str()];
    want.sort_unstable();
    assert_eq!(found, want);
    for d in v.as_array().unwrap() {
        assert_eq!(d["next"], "service", "{d}");
        assert_eq!(d["made_by"]["kind"], "you");
    }

    let out = gw(&w, &["adopt", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "two to choose from");
    assert!(err(&out).contains("--vpc"), "{}", err(&out));
    assert!(!w.store.exists("demo"), "a refused adopt wrote a session");

    let out = gw(
        &w,
        &["--session", "trivia", "adopt", "--yes", "--vpc", &two.vpc],
    );
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    let s = w.store.load("trivia").unwrap();
    assert_eq!(s.output(K::Vpc), Some(two.vpc.as_str()));
    assert_eq!(
        s.output(K::Cluster),
        Some(two.cluster.as_str()),
        "named like its VPC"
    );
    assert_eq!(
        s.output(K::TaskDefinition),
        Some(two.task_definition.as_str())
    );
    assert_eq!(s.output(K::NatGateway), Some(two.nat.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_of_gatewalks_own_is_reported_as_gatewalks() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "demo", StepId::LoadBalancer).await;
    let vpc = h.session().output(K::Vpc).unwrap().to_string();
    drop(h);
    let out = gw(&w, &["doctor"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains(&format!("deployment in {vpc}")), "{t}");
    assert!(t.contains("made by gatewalk session `demo`"), "{t}");
    assert!(t.contains("next: step 5"), "{t}");
    // Its session is here: adopt sends the user to it.
    let out = gw(&w, &["--session", "other", "adopt", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(err(&out).contains("--session demo"), "{}", err(&out));
}

#[test]
fn bad_doctor_and_adopt_input_is_refused_before_any_call() {
    // No emulator: a refusal must come before the first call.
    let home = tempfile::tempdir().unwrap();
    let bin = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"));
        c.env("GATEWALK_HOME", home.path())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .args([
                "--region",
                "us-east-1",
                "--endpoint-url",
                "http://127.0.0.1:9",
            ]);
        c
    };
    for (args, says) in [
        (vec!["doctor", "--vpc", "subnet-123"], "is not a VPC id"),
        (
            vec!["adopt", "--yes", "--vpc", "vpc-xyz"],
            "is not a VPC id",
        ),
        (
            vec!["adopt", "--yes", "--bind", "vpc_id"],
            "is not OUTPUT=ID",
        ),
        (
            vec!["adopt", "--yes", "--bind", "az_a=us-east-1a"],
            "is not a resource",
        ),
        (vec!["adopt", "--yes", "--bind", "vpc_id="], "needs an id"),
        (vec!["--session", "Bad", "adopt", "--yes"], "lowercase"),
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", err(&out));
        assert!(err(&out).contains(says), "{args:?}: {}", err(&out));
        assert!(
            !err(&out).contains("GetCallerIdentity"),
            "{args:?} called AWS"
        );
    }
}

/// The console makes an NLB with a listener to the first target group. Step
/// 6 points that listener of yours at the service's target group (the
/// walkthrough's step 7) only with consent, and teardown points it back.
#[tokio::test(flavor = "multi_thread")]
async fn a_console_listener_of_yours_is_swapped_with_consent_and_pointed_back() {
    use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, ProtocolEnum};
    let w = World::new().await;
    let b = console::steps_1_to_5(&w.aws, "pubquiz", "10.0.0.0/16").await;
    let l = w
        .aws
        .elb
        .create_listener()
        .load_balancer_arn(&b.nlb)
        .protocol(ProtocolEnum::Tcp)
        .port(8080)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&b.placeholder)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let l = l.listeners()[0].listener_arn().unwrap().to_string();
    let forwards = || async {
        let d = w
            .aws
            .elb
            .describe_listeners()
            .listener_arns(&l)
            .send()
            .await
            .unwrap();
        d.listeners()[0].default_actions()[0]
            .target_group_arn()
            .unwrap()
            .to_string()
    };
    let out = gw(&w, &["doctor"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("next: step 6"), "{}", text(&out));
    assert_eq!(gw(&w, &["adopt", "--yes"]).status.code(), Some(0));
    let out = gw(&w, &["plan", "service"]);
    let t = text(&out);
    assert!(
        t.contains(&format!("~ change your listener {l} to forward")),
        "{t}"
    );

    let out = gw(&w, &["apply"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        err(&out).contains(&format!(
            "your listener {} needs a change: forward to targetgroup/demo-tg/",
            gatewalk::text::short_arn(&l)
        )),
        "{}",
        err(&out)
    );
    assert_eq!(forwards().await, b.placeholder, "changed without consent");
    let out = gw(&w, &["apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    let s = w.store.load("demo").unwrap();
    assert_eq!(
        s.output(K::Listener),
        Some(l.as_str()),
        "their listener, not a second"
    );
    assert_eq!(
        Some(forwards().await.as_str()),
        s.output(K::ServiceTargetGroup)
    );

    let out = gw(&w, &["teardown", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert_eq!(forwards().await, b.placeholder, "pointed back as it was");
    assert!(
        w.inventory("demo").await.is_empty(),
        "gatewalk's resources remain"
    );
}
