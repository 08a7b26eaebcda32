//! Deployments made by hand in the console, without gatewalk's tags: found
//! by `doctor`, made a session by `adopt`, finished by `apply` in the user's
//! own VPC without a second copy of anything, and torn down keeping what is
//! theirs unless they say otherwise.

use crate::common::console::{self, ByHand};
use crate::common::{World, account_counts, run};
use gatewalk::model::OutputKey as K;

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How many of each resource the account has (tagged or not): VPCs, NLBs,
/// NAT gateways that are not deleted, Elastic IPs.
async fn copies(w: &World) -> [usize; 4] {
    let c = account_counts(&w.aws).await;
    [c[0], c[6], c[5], c[4]]
}

async fn exists_vpc(w: &World, b: &ByHand) -> bool {
    w.aws
        .ec2
        .describe_vpcs()
        .vpc_ids(&b.vpc)
        .send()
        .await
        .is_ok_and(|o| !o.vpcs().is_empty())
}

/// Runs gatewalk with `args` against the world.
pub(crate) fn gw(w: &World, args: &[&str]) -> std::process::Output {
    let mut c = w.bin();
    c.args(args);
    run(c)
}

/// Runs gatewalk with `args`, typing `input` on its standard input.
fn gw_typing(w: &World, args: &[&str], input: &str) -> std::process::Output {
    let mut c = w.bin();
    c.args(args);
    crate::common::typing(c, input)
}

#[tokio::test(flavor = "multi_thread")]
async fn steps_1_to_5_by_hand_are_adopted_and_finished_in_their_own_vpc() {
    let w = World::new().await;
    let before = account_counts(&w.aws).await;
    let b = console::steps_1_to_5(&w.aws, "pubquiz", "10.0.0.0/16").await;
    let built = copies(&w).await;
    doctor_sees_five_steps(&w, &b);
    assert_eq!(copies(&w).await, built, "doctor changed the account");

    // adopt: a session whose steps are bound to their resources.
    let out = gw(&w, &["adopt", "--yes"]);
    let t = text(&out);
    eprintln!("--- adopt\n{t}");
    assert_eq!(out.status.code(), Some(0), "{t}");
    for id in [
        &b.vpc,
        &b.nlb,
        &b.nat,
        &b.private,
        &b.cluster,
        &b.task_definition,
    ] {
        assert!(t.contains(id.as_str()), "{id} not bound:\n{t}");
    }
    assert!(t.contains("next: step 6"), "{t}");

    // apply carries on: all ten steps, in their VPC, on their NLB.
    let out = gw(&w, &["apply"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = gw(&w, &["validate"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    // Their placeholder was kept, and the checks say so rather than "deleted".
    assert!(t.contains("is yours: kept by step 7"), "{t}");
    assert!(!t.contains("deleted in step 7"), "{t}");
    assert_eq!(
        copies(&w).await,
        built,
        "a second VPC, NLB, NAT gateway or Elastic IP"
    );
    runs_in_theirs(&w, &b).await;

    // teardown keeps theirs and removes gatewalk's.
    let out = gw(&w, &["teardown", "--yes"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("kept (yours"), "{t}");
    assert!(exists_vpc(&w, &b).await, "their VPC was deleted");
    assert_eq!(
        copies(&w).await,
        built,
        "teardown removed something of theirs"
    );
    assert!(
        w.inventory("demo").await.is_empty(),
        "gatewalk's resources remain"
    );

    // doctor sends them back to the session that holds it, not to adopt.
    let t = text(&gw(&w, &["doctor"]));
    assert!(
        t.contains("session `demo` holds this deployment: `gatewalk --session demo apply`"),
        "{t}"
    );

    // --include-yours lists each resource, asks for the name, leaves nothing.
    let out = gw_typing(&w, &["teardown", "--include-yours"], "wrong\n");
    assert_eq!(out.status.code(), Some(2), "a wrong name cancels");
    assert!(
        exists_vpc(&w, &b).await,
        "cancelled, yet their VPC was deleted"
    );
    let out = gw_typing(&w, &["teardown", "--include-yours"], "demo\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{}\n{err}", text(&out));
    assert!(
        err.contains(&b.nat),
        "each resource is listed first:\n{err}"
    );
    assert!(!exists_vpc(&w, &b).await, "their VPC is still there");
    assert_eq!(account_counts(&w.aws).await, before, "something is left");
}

/// `doctor` on the hand-built steps 1–5: five present and passing, step 6
/// next, exit 0.
fn doctor_sees_five_steps(w: &World, b: &ByHand) {
    let out = gw(w, &["doctor"]);
    let t = text(&out);
    eprintln!("--- doctor\n{t}");
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains(&format!("deployment in {}", b.vpc)), "{t}");
    assert!(t.contains("made by you"), "{t}");
    for n in 1..=5 {
        assert!(
            t.lines().any(|l| l.contains(&format!("step {n:>2} "))
                && l.contains("present")
                && l.contains('✓')),
            "step {n} should be present and passing:\n{t}"
        );
    }
    assert!(
        t.lines()
            .any(|l| l.contains("step  6 service") && l.contains("missing")),
        "{t}"
    );
    assert!(t.contains("next: step 6"), "{t}");
}

/// The session records their VPC, NLB and task definition, and the service
/// runs their task definition in their private subnet.
async fn runs_in_theirs(w: &World, b: &ByHand) {
    let s = w.store.load("demo").unwrap();
    let out = |k| s.output(k).map(str::to_string);
    assert_eq!(out(K::Vpc).as_deref(), Some(b.vpc.as_str()));
    assert_eq!(out(K::LoadBalancer).as_deref(), Some(b.nlb.as_str()));
    assert_eq!(
        out(K::TaskDefinition).as_deref(),
        Some(b.task_definition.as_str())
    );
    let svc = w
        .aws
        .ecs
        .describe_services()
        .cluster(&b.cluster)
        .services(out(K::Service).unwrap())
        .send()
        .await
        .unwrap();
    let svc = &svc.services()[0];
    let net = svc
        .network_configuration()
        .unwrap()
        .awsvpc_configuration()
        .unwrap();
    assert_eq!(
        net.subnets(),
        std::slice::from_ref(&b.private),
        "their private subnet"
    );
    assert_eq!(svc.task_definition(), Some(b.task_definition.as_str()));
}

/// `--bind` on a session of gatewalk's own: their VPC, internet gateway and
/// cluster are used (yours), gatewalk makes the rest inside their VPC, and
/// teardown keeps what was bound. A key that holds gatewalk's own resource
/// cannot be bound over.
#[tokio::test(flavor = "multi_thread")]
async fn apply_binds_resources_of_yours_and_builds_around_them() {
    let w = World::new().await;
    let b = console::steps_1_to_5(&w.aws, "pubquiz", "10.0.0.0/16").await;
    let vpc = format!("vpc_id={}", b.vpc);
    let igw = format!("internet_gateway_id={}", b.igw);
    let cluster = format!("cluster_arn={}", b.cluster);
    let out = gw(
        &w,
        &[
            "--session",
            "mine",
            "apply",
            "--through",
            "cluster-vpc",
            "--bind",
            &vpc,
            "--bind",
            &igw,
            "--bind",
            &cluster,
            "--set",
            "cluster-vpc.cluster_name=pubquiz-cluster",
            "--set",
            "cluster-vpc.public_subnet_a_cidr=10.0.5.0/24",
            "--set",
            "cluster-vpc.public_subnet_b_cidr=10.0.6.0/24",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = w.store.load("mine").unwrap();
    assert_eq!(s.output(K::Vpc), Some(b.vpc.as_str()));
    assert!(s.is_yours(K::Vpc) && s.is_yours(K::InternetGateway) && s.is_yours(K::Cluster));
    let a = s.output(K::PublicSubnetA).unwrap().to_string();
    assert!(!s.is_yours(K::PublicSubnetA), "gatewalk made subnet A");
    let sn = w
        .aws
        .ec2
        .describe_subnets()
        .subnet_ids(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sn.subnets()[0].vpc_id(),
        Some(b.vpc.as_str()),
        "inside their VPC"
    );

    let out = gw(&w, &["--session", "mine", "inputs", "cluster-vpc"]);
    let t = text(&out);
    assert!(t.contains(&format!("{}  (yours)", b.vpc)), "{t}");
    assert!(t.contains(&format!("{a}  (made by gatewalk)")), "{t}");

    // Their VPC cannot replace gatewalk's own subnet, and a bad id is refused
    // before any call.
    let over = format!("public_subnet_a_id={}", b.public_a);
    let out = gw(&w, &["--session", "mine", "apply", "--bind", &over]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("made by gatewalk"));

    let out = gw(&w, &["--session", "mine", "teardown", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(exists_vpc(&w, &b).await, "their VPC was deleted");
    let gone = w.aws.ec2.describe_subnets().subnet_ids(&a).send().await;
    assert!(
        gone.is_err() || gone.unwrap().subnets().is_empty(),
        "gatewalk's subnet is left"
    );
}
