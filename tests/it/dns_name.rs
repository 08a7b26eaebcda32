//! `load-balancer.dns_name` as a user meets it in the sandbox: an alias
//! record naming the NLB, in a private hosted zone gatewalk makes or in a
//! zone of yours; each break of it failing its named check until `apply`
//! repairs it; someone else's record never touched; teardown to zero. Through
//! the binary against moto behind the strict layer, the breakage made with
//! raw SDK calls as a person in the console would.

use crate::common::checks::{check, failing, ok};
use crate::common::{self, World};
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use gatewalk::model::OutputKey;
use serde_json::Value;

const S: &str = "dn";
const NAME: &str = "dns_name=api.example.com";

fn run(w: &World, args: &[&str]) -> std::process::Output {
    let mut c = w.bin();
    c.args(["--session", S]).args(args);
    common::run(c)
}

/// Applies through step 4 with these `load-balancer.` inputs.
fn apply(w: &World, sets: &[&str], extra: &[&str]) -> std::process::Output {
    let mut c = w.bin();
    c.args(["--session", S, "apply", "--through", "load-balancer"]);
    for s in sets {
        c.arg("--set").arg(format!("load-balancer.{s}"));
    }
    c.args(extra);
    common::run(c)
}

/// Step 4's checks: (exit code, checks as `validate --output json` gives them).
fn step4(w: &World) -> (Option<i32>, Vec<Value>) {
    let out = run(w, &["--output", "json", "validate", "load-balancer"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code(), v.as_array().unwrap().clone())
}

fn green(w: &World) -> Vec<Value> {
    let (code, steps) = step4(w);
    assert_eq!(code, Some(0), "failing: {:?}", failing(&steps));
    steps
}

fn output(w: &World, key: OutputKey) -> Option<String> {
    w.store.load(S).unwrap().output(key).map(str::to_string)
}

async fn kinds(w: &World) -> Vec<String> {
    gatewalk::aws::find::inventory(&w.aws, S)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.kind)
        .collect()
}

/// The A and TXT record sets at `name` in `zone`.
async fn sets(w: &World, zone: &str, name: &str) -> Vec<ResourceRecordSet> {
    gatewalk::aws::route53::record_at(&w.aws, zone, name)
        .await
        .unwrap()
        .sets
}

/// Points `name`'s A record at another load balancer, as someone in the
/// console would.
async fn alias_to(w: &World, zone: &str, name: &str, dns: &str, target_zone: &str) {
    let set = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .alias_target(
            AliasTarget::builder()
                .dns_name(dns)
                .hosted_zone_id(target_zone)
                .evaluate_target_health(false)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    change(w, zone, ChangeAction::Upsert, set).await;
}

async fn change(w: &World, zone: &str, action: ChangeAction, set: ResourceRecordSet) {
    w.aws
        .route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(
            ChangeBatch::builder()
                .changes(
                    Change::builder()
                        .action(action)
                        .resource_record_set(set)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// A second internal NLB in the session's private subnet: (name, DNS, zone).
async fn other_nlb(w: &World) -> (String, String, String) {
    let subnet = output(w, OutputKey::PrivateSubnet).unwrap();
    let out = w
        .aws
        .elb
        .create_load_balancer()
        .name("someone-elses")
        .r#type(aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::Network)
        .scheme(aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::Internal)
        .subnets(subnet)
        .send()
        .await
        .unwrap();
    let lb = out.load_balancers()[0].clone();
    (
        lb.load_balancer_arn().unwrap().to_string(),
        lb.dns_name().unwrap().to_string(),
        lb.canonical_hosted_zone_id().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_private_zone_names_the_nlb_each_break_fails_its_check_and_teardown_leaves_nothing() {
    let w = World::new().await;
    ok(&apply(&w, &[NAME], &[]));
    let steps = green(&w);
    for name in [
        "hosted zone holds api.example.com",
        "private zone is associated with the VPC",
        "api.example.com aliases this NLB",
    ] {
        assert_eq!(check(&steps, name)["status"], "pass", "{name}");
    }
    let zone = output(&w, OutputKey::HostedZone).expect("the zone is recorded");
    assert!(kinds(&w).await.iter().any(|k| k == "route53:hostedzone"));
    let (z, vpcs) = gatewalk::aws::route53::get_zone(&w.aws, &zone)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(z.name().trim_end_matches('.'), "api.example.com");
    assert_eq!(
        vpcs[0].vpc_id(),
        output(&w, OutputKey::Vpc).as_deref(),
        "associated with the session's VPC"
    );

    // The record pointed at someone else's load balancer.
    let (arn, dns, target_zone) = other_nlb(&w).await;
    alias_to(&w, &zone, "api.example.com", &dns, &target_zone).await;
    let (code, steps) = step4(&w);
    assert_ne!(code, Some(0));
    let c = check(&steps, "api.example.com aliases this NLB");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["observed"].as_str().unwrap().contains("someone-elses"),
        "{c}"
    );
    assert!(c["fix"].as_str().unwrap().contains("apply"), "{c}");
    assert_eq!(failing(&steps), vec!["api.example.com aliases this NLB"]);

    // That load balancer deleted: the record dangles, and says so.
    w.aws
        .elb
        .delete_load_balancer()
        .load_balancer_arn(&arn)
        .send()
        .await
        .unwrap();
    let (_, steps) = step4(&w);
    let c = check(&steps, "api.example.com aliases this NLB");
    assert!(c["observed"].as_str().unwrap().contains("dangles"), "{c}");
    ok(&apply(&w, &[NAME], &[]));
    green(&w);

    // A new name: a zone for it; the old name's zone goes with its record.
    ok(&apply(&w, &["dns_name=www.example.com"], &[]));
    green(&w);
    let www = output(&w, OutputKey::HostedZone).unwrap();
    assert_ne!(www, zone);
    assert!(
        gatewalk::aws::route53::get_zone(&w.aws, &zone)
            .await
            .unwrap()
            .is_none(),
        "the zone of the earlier name is gone"
    );
    assert_eq!(sets(&w, &www, "www.example.com").await.len(), 2, "A + TXT");
    let zone = www;

    ok(&run(&w, &["teardown", "--yes"]));
    assert!(kinds(&w).await.is_empty(), "{:?}", kinds(&w).await);
    assert!(
        gatewalk::aws::route53::get_zone(&w.aws, &zone)
            .await
            .unwrap()
            .is_none()
    );
}

/// A public zone of yours: used, its other records untouched, a name
/// someone else holds refused, and the zone kept at teardown.
#[tokio::test]
async fn your_zone_is_used_and_kept_and_a_name_someone_holds_is_refused() {
    let w = World::new().await;
    let out = w
        .aws
        .route53
        .create_hosted_zone()
        .name("example.org")
        .caller_reference("someone")
        .send()
        .await
        .unwrap();
    let zone = gatewalk::aws::route53::bare_id(out.hosted_zone().unwrap().id()).to_string();
    let theirs = ResourceRecordSet::builder()
        .name("taken.example.org")
        .r#type(RrType::A)
        .ttl(300)
        .resource_records(
            ResourceRecord::builder()
                .value("192.0.2.10")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    change(&w, &zone, ChangeAction::Create, theirs).await;
    let zone_set = format!("hosted_zone={zone}");

    let refused = apply(&w, &["dns_name=taken.example.org", &zone_set], &[]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("load-balancer.dns_name"), "{err}");
    let still = sets(&w, &zone, "taken.example.org").await;
    assert_eq!(still.len(), 1, "{still:?}");
    assert_eq!(still[0].resource_records()[0].value(), "192.0.2.10");

    // A zone that does not hold the name: said before anything is written.
    let wrong = apply(&w, &["dns_name=api.example.net", &zone_set], &[]);
    assert!(!wrong.status.success());
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("does not hold api.example.net"), "{err}");

    ok(&apply(&w, &["dns_name=api.example.org", &zone_set], &[]));
    let steps = green(&w);
    assert_eq!(
        check(&steps, "api.example.org aliases this NLB")["status"],
        "pass"
    );
    assert!(output(&w, OutputKey::HostedZone).is_none(), "no zone made");

    ok(&run(&w, &["teardown", "--yes"]));
    assert!(sets(&w, &zone, "api.example.org").await.is_empty());
    assert_eq!(sets(&w, &zone, "taken.example.org").await.len(), 1);
    assert!(
        gatewalk::aws::route53::get_zone(&w.aws, &zone)
            .await
            .unwrap()
            .is_some(),
        "your zone is kept"
    );
}

/// Your private zone for the name: apply asks before associating the VPC
/// with it (nothing changes until you agree), gatewalk's own zone for the
/// name goes first (Route 53 allows one zone of a name per VPC), and
/// teardown undoes the association and keeps your zone.
#[tokio::test]
async fn your_private_zone_is_associated_only_when_you_agree_and_teardown_undoes_it() {
    use aws_sdk_route53::types::{HostedZoneConfig, Vpc, VpcRegion};
    use gatewalk::aws::route53::{bare_id, get_zone};
    let w = World::new().await;
    ok(&apply(&w, &[NAME], &[]));
    let own = output(&w, OutputKey::HostedZone).unwrap();
    let vpc2 = w
        .aws
        .ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    let out = w
        .aws
        .route53
        .create_hosted_zone()
        .name("api.example.com")
        .caller_reference("mine")
        .vpc(
            Vpc::builder()
                .vpc_id(&vpc2)
                .vpc_region(VpcRegion::UsEast1)
                .build(),
        )
        .hosted_zone_config(HostedZoneConfig::builder().private_zone(true).build())
        .send()
        .await
        .unwrap();
    let mine = bare_id(out.hosted_zone().unwrap().id()).to_string();
    let set = format!("hosted_zone={mine}");

    let refused = apply(&w, &[NAME, &set], &[]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("associate VPC") && err.contains("--yes"),
        "{err}"
    );
    assert!(
        get_zone(&w.aws, &own).await.unwrap().is_some(),
        "nothing changed before you agreed"
    );

    ok(&apply(&w, &[NAME, &set], &["--yes"]));
    let steps = green(&w);
    assert_eq!(
        check(&steps, "private zone is associated with the VPC")["status"],
        "pass"
    );
    assert!(
        get_zone(&w.aws, &own).await.unwrap().is_none(),
        "gatewalk's zone for the name went first"
    );

    ok(&run(&w, &["teardown", "--yes"]));
    let (_, vpcs) = get_zone(&w.aws, &mine).await.unwrap().unwrap();
    let ids: Vec<&str> = vpcs.iter().filter_map(|v| v.vpc_id()).collect();
    assert_eq!(
        ids,
        vec![vpc2.as_str()],
        "the association gatewalk added is undone"
    );
}
