//! `load-balancer.tls` as a user meets it in the sandbox: the walkthrough
//! with the NLB named in a public hosted zone, a certificate ACM issues once
//! its validation record is there, a TLS listener on 443 and nothing
//! unencrypted, API Gateway calling `https://` that name through the VPC
//! link; each break failing its named check until `apply` repairs it; and
//! teardown to zero (the zone, yours, kept). Against moto behind the strict
//! layer, which issues certificates and checks TLS as AWS does.

use crate::common::checks::{check, failing, ok, validate};
use crate::common::{self, World};
use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, ProtocolEnum};
use gatewalk::model::OutputKey;
use serde_json::Value;

const S: &str = "tl";

fn apply(w: &World, zone: &str) -> std::process::Output {
    let mut c = w.bin();
    c.args(["--session", S, "apply"]);
    for s in [
        "load-balancer.dns_name=api.example.org".to_string(),
        format!("load-balancer.hosted_zone={zone}"),
        "load-balancer.tls=true".to_string(),
    ] {
        c.arg("--set").arg(s);
    }
    common::run(c)
}

fn green(w: &World) -> Vec<Value> {
    let (code, steps) = validate(w, S);
    assert_eq!(code, Some(0), "failing: {:?}", failing(&steps));
    steps
}

fn output(w: &World, key: OutputKey) -> String {
    w.store.load(S).unwrap().output(key).unwrap().to_string()
}

async fn public_zone(w: &World) -> String {
    let out = w
        .aws
        .route53
        .create_hosted_zone()
        .name("example.org")
        .caller_reference("yours")
        .send()
        .await
        .unwrap();
    gatewalk::aws::route53::bare_id(out.hosted_zone().unwrap().id()).to_string()
}

async fn listeners(w: &World) -> Vec<aws_sdk_elasticloadbalancingv2::types::Listener> {
    w.aws
        .elb
        .describe_listeners()
        .load_balancer_arn(output(w, OutputKey::LoadBalancer))
        .send()
        .await
        .unwrap()
        .listeners()
        .to_vec()
}

#[tokio::test]
async fn the_walkthrough_over_tls_runs_green_each_break_names_its_check_and_teardown_leaves_nothing()
 {
    let w = World::new().await;
    let zone = public_zone(&w).await;
    let err = ok(&apply(&w, &zone));
    assert!(err.contains("certificate"), "{err}");
    let steps = green(&w);
    for name in [
        "certificate is issued for api.example.org",
        "NLB listener on 443 is TLS with the certificate",
        "TLS security policy is current",
        "no unencrypted listener is open",
        "api.example.org aliases this NLB",
    ] {
        assert_eq!(check(&steps, name)["status"], "pass", "{name}");
    }
    let smoke = check(&steps, "GET https://");
    assert!(
        smoke["observed"].as_str().unwrap().contains("HTTP 200"),
        "{smoke}"
    );
    let ls = listeners(&w).await;
    assert_eq!(ls.len(), 1, "only the TLS listener: {ls:?}");
    assert_eq!(ls[0].protocol(), Some(&ProtocolEnum::Tls));
    assert_eq!(ls[0].port(), Some(443));

    // The listener turned into plain TCP by hand: its check fails, and
    // API Gateway's https call cannot be made.
    let tg = output(&w, OutputKey::ServiceTargetGroup);
    let forward = Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(&tg)
        .build();
    w.aws
        .elb
        .modify_listener()
        .listener_arn(ls[0].listener_arn().unwrap())
        .protocol(ProtocolEnum::Tcp)
        .default_actions(forward.clone())
        .send()
        .await
        .unwrap();
    let (code, steps) = validate(&w, S);
    assert_ne!(code, Some(0));
    let c = check(&steps, "NLB listener on 443 is TLS with the certificate");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["fix"].as_str().unwrap().contains("apply"), "{c}");
    // Exactly its check; the API's calls failing is its consequence.
    let red = failing(&steps);
    assert!(
        red.iter()
            .all(|n| n == "NLB listener on 443 is TLS with the certificate"
                || n.starts_with("GET https://")),
        "{red:?}"
    );
    ok(&apply(&w, &zone));
    green(&w);

    // A plain listener on port 80 added by someone: named, never deleted
    // by gatewalk (it is not the session's).
    let nlb = output(&w, OutputKey::LoadBalancer);
    w.aws
        .elb
        .create_listener()
        .load_balancer_arn(&nlb)
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .default_actions(forward)
        .send()
        .await
        .unwrap();
    let (_, steps) = validate(&w, S);
    let c = check(&steps, "no unencrypted listener is open");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["observed"].as_str().unwrap().contains("TCP 80"), "{c}");
    assert_eq!(failing(&steps), vec!["no unencrypted listener is open"]);
    let again = apply(&w, &zone);
    assert!(!again.status.success(), "the check still fails after apply");
    let two = listeners(&w).await;
    assert_eq!(two.len(), 2, "someone else's listener is kept");
    // Its owner follows the fix.
    let theirs = two.iter().find(|l| l.port() == Some(80)).unwrap();
    w.aws
        .elb
        .delete_listener()
        .listener_arn(theirs.listener_arn().unwrap())
        .send()
        .await
        .unwrap();
    ok(&apply(&w, &zone));
    green(&w);

    torn_down(&w, &zone).await;
}

/// TLS turned off on a deployed session: the TCP listener comes back, the
/// TLS one goes, and the certificate gatewalk requested goes once ELB has
/// let go of it (the next apply at the latest).
#[tokio::test]
async fn turning_tls_off_puts_the_tcp_listener_back_and_retires_the_certificate() {
    let w = World::new().await;
    let zone = public_zone(&w).await;
    ok(&apply(&w, &zone));
    let mut c = w.bin();
    c.args(["--session", S, "apply", "--set", "load-balancer.tls=false"]);
    ok(&common::run(c));
    let ls = listeners(&w).await;
    assert_eq!(ls.len(), 1, "{ls:?}");
    assert_eq!(ls[0].protocol(), Some(&ProtocolEnum::Tcp));
    assert_eq!(ls[0].port(), Some(80));
    let steps = green(&w);
    let uri = check(&steps, "ANY /: URI names");
    assert!(
        uri["observed"].as_str().unwrap().starts_with("http://"),
        "{uri}"
    );
    let mut c = w.bin();
    c.args(["--session", S, "apply"]);
    ok(&common::run(c));
    let certs = w.aws.acm.list_certificates().send().await.unwrap();
    assert!(certs.certificate_summary_list().is_empty(), "{certs:?}");
}

/// TLS turned on for a deployed session: the API keeps answering through
/// the old listener until step 9 points it at the TLS one (make before
/// break), then the plain listener goes.
#[tokio::test]
async fn turning_tls_on_keeps_the_api_answering_until_it_calls_the_tls_listener() {
    let w = World::new().await;
    let zone = public_zone(&w).await;
    let mut c = w.bin();
    c.args([
        "--session",
        S,
        "apply",
        "--set",
        "load-balancer.dns_name=api.example.org",
    ]);
    c.arg("--set")
        .arg(format!("load-balancer.hosted_zone={zone}"));
    ok(&common::run(c));
    let mut c = w.bin();
    c.args(["--session", S, "plan", "--set", "load-balancer.tls=true"]);
    let plan = String::from_utf8_lossy(&common::run(c).stdout).to_string();
    assert!(plan.contains("plain listener on port 80"), "{plan}");
    assert!(plan.contains("NLB listener TLS 443"), "{plan}");
    let mut c = w.bin();
    c.args([
        "--session",
        S,
        "apply",
        "--through",
        "service",
        "--set",
        "load-balancer.tls=true",
    ]);
    // Stopped before step 9: said, with the step that finishes it.
    let early = common::run(c);
    let err = String::from_utf8_lossy(&early.stderr);
    assert!(err.contains("kept while the API still calls it"), "{err}");
    assert!(err.contains("--through rest-api"), "{err}");
    let ls = listeners(&w).await;
    assert_eq!(ls.len(), 2, "the old listener stays for the API: {ls:?}");
    let (_, steps) = validate(&w, S);
    let kept = check(&steps, "no unencrypted listener is open");
    assert!(kept["fix"].as_str().unwrap().contains("rest-api"), "{kept}");
    let smoke = check(&steps, "GET https://");
    assert!(
        smoke["observed"].as_str().unwrap().contains("HTTP 200"),
        "{smoke}"
    );
    ok(&apply(&w, &zone));
    let ls = listeners(&w).await;
    assert_eq!(ls.len(), 1, "{ls:?}");
    assert_eq!(ls[0].protocol(), Some(&ProtocolEnum::Tls));
    green(&w);
}

/// Teardown leaves nothing of the session; your zone keeps only its own
/// records and the validation CNAME (ACM reuses it; teardown says how to
/// delete it).
async fn torn_down(w: &World, zone: &str) {
    let mut c = w.bin();
    c.args(["--session", S, "teardown", "--yes"]);
    let err = ok(&common::run(c));
    assert!(
        err.contains("aws route53 change-resource-record-sets"),
        "{err}"
    );
    let left = gatewalk::aws::find::inventory(&w.aws, S).await.unwrap();
    assert!(left.is_empty(), "{left:?}");
    let certs = w.aws.acm.list_certificates().send().await.unwrap();
    assert!(certs.certificate_summary_list().is_empty(), "{certs:?}");
    let records = w
        .aws
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .send()
        .await
        .unwrap();
    let mut kinds: Vec<&str> = records
        .resource_record_sets()
        .iter()
        .map(|r| r.r#type().as_str())
        .collect();
    // The validation CNAME stays (ACM reuses it for the name in every
    // region); teardown said how to delete it.
    kinds.sort_unstable();
    assert_eq!(kinds, vec!["CNAME", "NS", "SOA"], "{kinds:?}");
}
