//! `nat-gateway.egress = endpoints` as a user meets it in the sandbox: the
//! walkthrough without a NAT gateway (tasks pull the ECR Public image's
//! mirror through a pull-through cache and VPC endpoints), each break of
//! it failing its named check until `apply` repairs it, the switch from a
//! NAT gateway, refusals before any call, and teardown to zero. Everything
//! through the binary against moto behind the strict layer, the breakage
//! made with raw SDK calls as a person in the console would.

use crate::common::checks::{all, check, failing, ok, until, validate};
use crate::common::{self, World};
use gatewalk::model::OutputKey;
use serde_json::Value;

const S: &str = "ep";
const ENDPOINTS: &str = "nat-gateway.egress=endpoints";

fn apply(w: &World, extra: &[&str]) -> std::process::Output {
    let mut c = w.bin();
    c.args(["--session", S, "apply"]).args(extra);
    common::run(c)
}

fn output(w: &World, key: OutputKey) -> String {
    w.store.load(S).unwrap().output(key).unwrap().to_string()
}

/// "about $0.123 per hour" from apply's cost reminder.
fn hourly(stderr: &str) -> f64 {
    let at = stderr.find("about $").expect("a cost line") + "about $".len();
    stderr[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn kinds(w: &World) -> Vec<String> {
    gatewalk::aws::find::inventory(&w.aws, S)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.kind)
        .collect()
}

fn green(w: &World) -> Vec<Value> {
    let (code, steps) = validate(w, S);
    assert_eq!(code, Some(0), "failing: {:?}", failing(&steps));
    steps
}

#[tokio::test]
async fn the_walkthrough_without_a_nat_gateway_runs_green_and_costs_less() {
    let w = World::new().await;
    let err = ok(&apply(&w, &["--set", ENDPOINTS]));
    let steps = green(&w);
    assert!(
        !all(&steps).iter().any(|c| c["status"] == "skipped"),
        "the sandbox judges every check"
    );
    let smoke = check(&steps, "GET https://");
    assert!(
        smoke["observed"].as_str().unwrap().contains("HTTP 200"),
        "{smoke}"
    );
    for name in [
        "ecr.api endpoint serves the private subnet",
        "ecr.dkr endpoint serves the private subnet",
        "logs endpoint serves the private subnet",
        "S3 gateway endpoint is on the private route table",
        "pull-through cache mirrors ECR Public",
        "execution role may import through the pull-through cache",
        "tasks are running",
    ] {
        assert_eq!(check(&steps, name)["status"], "pass", "{name}");
    }
    // The task definition names the mirror, not ECR Public.
    let td = output(&w, OutputKey::TaskDefinition);
    let def = w
        .aws
        .ecs
        .describe_task_definition()
        .task_definition(&td)
        .send()
        .await
        .unwrap();
    let image = def.task_definition().unwrap().container_definitions()[0]
        .image()
        .unwrap()
        .to_string();
    assert!(
        image.contains(".dkr.ecr.us-east-1.amazonaws.com/ep-ecr-public/nginx/nginx:"),
        "{image}"
    );
    let k = kinds(&w).await;
    assert!(
        !k.iter()
            .any(|k| k == "ec2:natgateway" || k == "ec2:elastic-ip"),
        "{k:?}"
    );
    assert_eq!(
        k.iter().filter(|k| *k == "ec2:vpc-endpoint").count(),
        4,
        "{k:?}"
    );
    assert!(k.iter().any(|k| k == "ecr:repository"), "{k:?}");
    let cost = hourly(&err);
    assert!(err.contains("interface VPC endpoint"), "{err}");
    assert!(!err.contains("NAT gateway  "), "{err}");

    // The same walkthrough with a NAT gateway costs more per hour.
    let mut c = w.bin();
    c.args(["--session", "ep-nat", "apply"]);
    let nat = common::run(c);
    let nat_err = String::from_utf8_lossy(&nat.stderr).to_string();
    assert!(nat.status.success(), "{nat_err}");
    assert!(hourly(&nat_err) > cost, "{cost} vs {nat_err}");

    let mut c = w.bin();
    c.args(["--session", S, "teardown", "--yes"]);
    ok(&common::run(c));
    assert!(kinds(&w).await.is_empty(), "{:?}", kinds(&w).await);
    let rules = w
        .aws
        .ecr
        .describe_pull_through_cache_rules()
        .send()
        .await
        .unwrap();
    assert!(rules.pull_through_cache_rules().is_empty(), "{rules:?}");
}

/// A break of each part turns exactly its check red (with its fix), and
/// apply brings it back.
#[tokio::test]
async fn each_break_names_its_check_and_apply_repairs_it() {
    let w = World::new().await;
    ok(&apply(&w, &["--set", ENDPOINTS]));
    green(&w);

    // The S3 gateway endpoint taken off the private route table.
    let s3 = output(&w, OutputKey::EndpointS3);
    let rt = output(&w, OutputKey::PrivateRouteTable);
    w.aws
        .ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&s3)
        .remove_route_table_ids(&rt)
        .send()
        .await
        .unwrap();
    let (code, steps) = validate(&w, S);
    assert_eq!(code, Some(3));
    let c = check(&steps, "S3 gateway endpoint is on the private route table");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["observed"].as_str().unwrap().contains("not on"), "{c}");
    assert!(c["fix"].as_str().unwrap().contains("apply"), "{c}");
    assert_eq!(
        failing(&steps),
        vec![c["name"].as_str().unwrap().to_string()]
    );
    ok(&apply(&w, &[]));
    green(&w);

    // The pull-through cache rule deleted, and the tasks replaced: the
    // mirror cannot be filled, so new tasks cannot start.
    let prefix = output(&w, OutputKey::CacheRule);
    w.aws
        .ecr
        .delete_pull_through_cache_rule()
        .ecr_repository_prefix(&prefix)
        .send()
        .await
        .unwrap();
    let (_, steps) = validate(&w, S);
    let c = check(&steps, "pull-through cache mirrors ECR Public");
    assert_eq!(c["status"], "fail", "{c}");
    assert_eq!(
        failing(&steps),
        vec![c["name"].as_str().unwrap().to_string()]
    );
    ok(&apply(&w, &[]));
    green(&w);

    // The endpoints' HTTPS rule revoked.
    let sg = output(&w, OutputKey::EndpointSecurityGroup);
    w.aws
        .ec2
        .revoke_security_group_ingress()
        .group_id(&sg)
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .cidr_ip("10.0.0.0/16")
        .send()
        .await
        .unwrap();
    let (_, steps) = validate(&w, S);
    let c = check(&steps, "endpoints admit HTTPS from the VPC");
    assert_eq!(c["status"], "fail", "{c}");
    assert_eq!(
        failing(&steps),
        vec![c["name"].as_str().unwrap().to_string()]
    );
    ok(&apply(&w, &[]));
    green(&w);
}

/// Without the S3 route a new deployment's tasks cannot fetch layers: the
/// data plane stops them, and the failing checks say where to look.
#[tokio::test]
async fn tasks_started_without_the_s3_route_cannot_pull() {
    let w = World::new().await;
    ok(&apply(&w, &["--set", ENDPOINTS]));
    let s3 = output(&w, OutputKey::EndpointS3);
    w.aws
        .ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(&s3)
        .send()
        .await
        .unwrap();
    let cluster = output(&w, OutputKey::Cluster);
    let service = output(&w, OutputKey::Service);
    w.aws
        .ecs
        .update_service()
        .cluster(&cluster)
        .service(&service)
        .force_new_deployment(true)
        .send()
        .await
        .unwrap();
    let steps = until(&w, S, "new tasks can start", "fail");
    let c = check(&steps, "new tasks can start");
    assert!(
        c["fix"].as_str().unwrap().contains("s3"),
        "the stopped reason names the layer bucket: {c}"
    );
    assert_eq!(
        check(&steps, "S3 gateway endpoint is on the private route table")["status"],
        "fail"
    );
    ok(&apply(&w, &[]));
    until(&w, S, "tasks are running", "pass");
}

#[tokio::test]
async fn switching_from_nat_to_endpoints_retires_the_nat_gateway() {
    let w = World::new().await;
    ok(&apply(&w, &[]));
    assert!(kinds(&w).await.iter().any(|k| k == "ec2:natgateway"));
    let mut c = w.bin();
    c.args(["--session", S, "plan", "--set", ENDPOINTS]);
    let plan = common::run(c);
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(
        text.contains("the NAT gateway kept for the first pull"),
        "step 6 says it retires the NAT gateway: {text}"
    );
    assert!(text.contains("aws ec2 create-vpc-endpoint"), "{text}");
    ok(&apply(&w, &["--set", ENDPOINTS]));
    let k = kinds(&w).await;
    assert!(
        !k.iter()
            .any(|k| k == "ec2:natgateway" || k == "ec2:elastic-ip"),
        "{k:?}"
    );
    green(&w);
    // And back: the endpoints go, the NAT gateway returns.
    ok(&apply(&w, &["--set", "nat-gateway.egress=nat"]));
    let k = kinds(&w).await;
    assert!(k.iter().any(|k| k == "ec2:natgateway"), "{k:?}");
    assert!(
        !k.iter()
            .any(|k| k == "ec2:vpc-endpoint" || k == "ecr:repository"),
        "{k:?}"
    );
    green(&w);
}

/// An image already in the account's private ECR needs no cache and no NAT
/// gateway at any point: the endpoints alone serve it.
#[tokio::test]
async fn a_private_ecr_image_never_needs_a_nat_gateway() {
    let w = World::new().await;
    w.aws
        .ecr
        .create_repository()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,"digest":"sha256:aa"},"layers":[]}"#;
    w.aws
        .ecr
        .put_image()
        .repository_name("app")
        .image_manifest(manifest)
        .image_tag("1")
        .send()
        .await
        .unwrap();
    let image = "task-definition.image=123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1";
    let err = ok(&apply(&w, &["--set", ENDPOINTS, "--set", image]));
    assert!(!err.contains("created NAT gateway"), "{err}");
    assert!(!err.contains("created pull-through cache rule"), "{err}");
    let steps = green(&w);
    assert_eq!(
        check(&steps, "private subnet has no way to the internet")["status"],
        "pass"
    );
    assert!(
        w.store
            .load(S)
            .unwrap()
            .output(OutputKey::NatGateway)
            .is_none()
    );
}

/// A pull-through cache rule with the session's prefix that someone else
/// made is refused before anything of the cache is created, and survives.
#[tokio::test]
async fn someone_elses_cache_rule_is_refused_and_kept() {
    let w = World::new().await;
    w.aws
        .ecr
        .create_pull_through_cache_rule()
        .ecr_repository_prefix("ep-ecr-public")
        .upstream_registry_url("public.ecr.aws")
        .send()
        .await
        .unwrap();
    let out = apply(&w, &["--set", ENDPOINTS]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not made by session `ep`") && err.contains("cache_prefix"),
        "{err}"
    );
    assert!(!kinds(&w).await.iter().any(|k| k == "ecr:repository"));
    let mut c = w.bin();
    c.args(["--session", S, "teardown", "--yes"]);
    ok(&common::run(c));
    let rules = w
        .aws
        .ecr
        .describe_pull_through_cache_rules()
        .send()
        .await
        .unwrap();
    assert_eq!(
        rules.pull_through_cache_rules().len(),
        1,
        "the rule is not ours"
    );
    assert!(kinds(&w).await.is_empty(), "{:?}", kinds(&w).await);
}
