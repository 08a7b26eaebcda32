//! All ten steps against the emulator: the order AWS requires, every id in the
//! session, every check green (emulator caveats skipped, never passed),
//! idempotency, resume after each of steps 5–9, isolation between sessions, and
//! a teardown that survives an interruption.

use crate::common;

use common::{REGION, World, kinds, mutating};
use gatewalk::aws::AwsContext;
use gatewalk::progress::Progress;
use gatewalk::session::{SessionHandle, StepStatus};
use gatewalk::steps::engine::{self, blocking};
use gatewalk::steps::inputs::{Inputs, parse_set};
use gatewalk::steps::{self, CheckStatus, StepCx, StepId};

/// Every output key a complete deployment records, per step.
const KEYS: &[(StepId, &[&str])] = &[
    (StepId::TaskDefinition, &["task_definition_arn"]),
    (
        StepId::ClusterVpc,
        &[
            "cluster_arn",
            "vpc_id",
            "internet_gateway_id",
            "public_subnet_a_id",
            "public_route_table_id",
        ],
    ),
    (StepId::PrivateSubnet, &["private_subnet_id"]),
    (
        StepId::LoadBalancer,
        &["load_balancer_arn", "load_balancer_dns"],
    ),
    (
        StepId::NatGateway,
        &[
            "eip_allocation_id",
            "nat_gateway_id",
            "private_route_table_id",
        ],
    ),
    (
        StepId::Service,
        &[
            "task_security_group_id",
            "service_target_group_arn",
            "listener_arn",
            "service_arn",
        ],
    ),
    (StepId::VpcLink, &["vpc_link_id"]),
    (
        StepId::RestApi,
        &["rest_api_id", "stage_name", "deployment_id", "invoke_url"],
    ),
    (StepId::Done, &["smoke_result"]),
];

/// Applies with overrides (`step.field=value`).
async fn apply_with(
    w: &World,
    aws: &AwsContext,
    name: &str,
    through: StepId,
    sets: &[&str],
) -> SessionHandle {
    let mut h = w.store.open(name, REGION).expect("open session");
    let overrides: Vec<_> = sets.iter().map(|s| parse_set(s).unwrap()).collect();
    let inputs = Inputs::resolve(h.session(), &overrides).expect("valid inputs");
    engine::bind(aws, &mut h, None, &Progress::silent())
        .await
        .unwrap();
    engine::apply_through(aws, &mut h, &inputs, through, &Progress::silent())
        .await
        .unwrap_or_else(|e| panic!("apply {name} through {through}: {e}"));
    h
}

async fn validate_all(w: &World, h: &SessionHandle) -> Vec<(StepId, Vec<gatewalk::steps::Check>)> {
    let s = h.session();
    let inputs = Inputs::resolve(s, &[]).unwrap();
    engine::validate_steps(&w.aws, s, &inputs, &StepId::ALL)
        .await
        .into_iter()
        .map(|(st, r)| (st, r.unwrap_or_else(|e| panic!("{st}: {e}"))))
        .collect()
}

fn assert_green(results: &[(StepId, Vec<gatewalk::steps::Check>)]) {
    for (step, checks) in results {
        assert!(blocking(checks).is_empty(), "{step}: {checks:#?}");
        for c in checks.iter().filter(|c| c.status == CheckStatus::Skipped) {
            assert!(
                c.observed.contains("emulator"),
                "{step}: a skipped check must say why: {c:?}"
            );
        }
    }
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario told in order")]
async fn ten_steps_in_the_order_aws_requires() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "full", StepId::Done).await;
    let s = h.session();
    for id in StepId::ALL {
        assert_eq!(s.status(id), StepStatus::Done, "{id}");
    }
    for (step, keys) in KEYS {
        for k in *keys {
            let key = gatewalk::model::OutputKey::parse(k).expect(k);
            assert_eq!(key.step(), *step, "{k} is recorded by {}", key.step());
            assert!(s.output(key).is_some(), "{step} did not record {k}");
        }
    }

    // Call order: listener before the service; NLB seen active before the
    // link; the link read (waited to AVAILABLE) before any integration and
    // before the deployment.
    let ops = w.aws.calls.operations();
    let first = |op: &str| {
        ops.iter()
            .position(|o| o == op)
            .unwrap_or_else(|| panic!("{op} never called: {ops:?}"))
    };
    assert!(first("CreateListener") < first("CreateService"));
    let link_at = first("CreateVpcLink");
    assert!(
        ops[first("CreateLoadBalancer") + 1..link_at]
            .iter()
            .any(|o| o == "DescribeLoadBalancers"),
        "the NLB's state is read between its creation and CreateVpcLink"
    );
    let deploy_at = first("CreateDeployment");
    let integ_at = first("PutIntegration");
    assert!(link_at < integ_at && integ_at < deploy_at);
    let api_at = first("CreateRestApi");
    assert!(
        ops[api_at + 1..integ_at].iter().any(|o| o == "GetVpcLink"),
        "step 9 reads the link's status before the first integration: {ops:?}"
    );

    // The REST API is what the walkthrough describes, read back from AWS.
    let api = s.output(gatewalk::model::OutputKey::RestApi).unwrap();
    let dns = s
        .output(gatewalk::model::OutputKey::LoadBalancerDns)
        .unwrap();
    let res = w
        .aws
        .apigw
        .get_resources()
        .rest_api_id(api)
        .send()
        .await
        .unwrap();
    let proxy = res
        .items()
        .iter()
        .find(|r| r.path() == Some("/{proxy+}"))
        .expect("a greedy proxy resource");
    let integ = w
        .aws
        .apigw
        .get_integration()
        .rest_api_id(api)
        .resource_id(proxy.id().unwrap())
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    assert_eq!(integ.r#type().unwrap().as_str(), "HTTP_PROXY");
    assert_eq!(integ.connection_type().unwrap().as_str(), "VPC_LINK");
    assert_eq!(
        integ.uri(),
        Some(format!("http://{dns}:80/{{proxy}}").as_str())
    );
    assert_eq!(
        integ
            .request_parameters()
            .unwrap()
            .get("integration.request.path.proxy")
            .map(String::as_str),
        Some("method.request.path.proxy")
    );
    let stage = w
        .aws
        .apigw
        .get_stage()
        .rest_api_id(api)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(
        stage.deployment_id(),
        s.output(gatewalk::model::OutputKey::Deployment)
    );
    assert_eq!(
        s.output(gatewalk::model::OutputKey::InvokeUrl).unwrap(),
        format!("https://{api}.execute-api.{REGION}.amazonaws.com/prod/")
    );

    // Every check green and none skipped: the sandbox's data plane runs the
    // tasks, reports their targets' health and answers the invoke URL.
    let results = validate_all(&w, &h).await;
    assert_green(&results);
    for (step, checks) in &results {
        for c in checks {
            assert_ne!(c.status, CheckStatus::Skipped, "{step}: {c:?}");
        }
    }
    let done = &results.iter().find(|(s, _)| *s == StepId::Done).unwrap().1;
    let smoke = done.iter().find(|c| c.name.starts_with("GET ")).unwrap();
    assert_eq!(smoke.status, CheckStatus::Pass);
    assert!(smoke.observed.contains("HTTP 200"), "{smoke:?}");
    assert!(smoke.observed.contains("Welcome to nginx"), "{smoke:?}");
    assert!(
        s.output(gatewalk::model::OutputKey::Smoke)
            .unwrap()
            .starts_with("HTTP 200 in "),
    );

    // Inspect shows live resources for every step, none missing.
    let inputs = Inputs::resolve(s, &[]).unwrap();
    let p = Progress::silent();
    for step in StepId::ALL {
        let cx = StepCx {
            aws: &w.aws,
            inputs: &inputs,
            progress: &p,
        };
        let res = steps::inspect(step, cx, s).await.unwrap();
        if step == StepId::TargetGroupSwap {
            continue; // its resources are step 6's listener and target group
        }
        assert!(!res.is_empty(), "{step} shows no resources");
        for r in &res {
            assert_ne!(r.state, "missing", "{step}: {r:?}");
        }
    }
}

#[tokio::test]
async fn applying_all_ten_twice_creates_nothing() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "twice", StepId::Done).await;
    let before = w.inventory("twice").await;
    let deployment = h
        .session()
        .output(gatewalk::model::OutputKey::Deployment)
        .map(str::to_string);
    drop(h);
    let again = World::context(&w.moto.endpoint()).await;
    let h = w.apply(&again, "twice", StepId::Done).await;
    assert_eq!(mutating(&again.calls.operations()), Vec::<String>::new());
    assert_eq!(w.inventory("twice").await, before);
    assert_eq!(
        h.session()
            .output(gatewalk::model::OutputKey::Deployment)
            .map(str::to_string),
        deployment,
        "no redeployment when nothing changed"
    );
}

#[tokio::test]
async fn resume_after_each_of_steps_5_to_9_finishes_without_duplicates() {
    let w = World::new().await;
    drop(w.apply(&w.aws, "ref", StepId::Done).await);
    let reference = kinds(&w.inventory("ref").await);
    for stop in [
        StepId::NatGateway,
        StepId::Service,
        StepId::TargetGroupSwap,
        StepId::VpcLink,
        StepId::RestApi,
    ] {
        let name = format!("r{}", stop.number());
        // First process: stops after `stop`.
        let first = World::context(&w.moto.endpoint()).await;
        drop(w.apply(&first, &name, stop).await);
        // Second process: a new context and a new handle on the saved file.
        let second = World::context(&w.moto.endpoint()).await;
        let h = w.apply(&second, &name, StepId::Done).await;
        assert_eq!(
            kinds(&w.inventory(&name).await),
            reference,
            "resumed after {stop}"
        );
        let created: Vec<String> = second
            .calls
            .operations()
            .into_iter()
            .filter(|o| o.starts_with("Create"))
            .collect();
        if stop == StepId::RestApi {
            assert_eq!(created, Vec::<String>::new(), "nothing left to create");
        }
        assert_green(&validate_all(&w, &h).await);
    }

    // A crash right after CreateRestApi, before its id reached the session:
    // the next run finds the API by its tags instead of creating a second one.
    let mut h = w.store.open("r9", REGION).unwrap();
    let api = h
        .session()
        .output(gatewalk::model::OutputKey::RestApi)
        .unwrap()
        .to_string();
    h.session_mut().step_mut(StepId::RestApi).outputs.clear();
    h.save().unwrap();
    drop(h);
    let again = World::context(&w.moto.endpoint()).await;
    let h = w.apply(&again, "r9", StepId::Done).await;
    assert_eq!(
        h.session().output(gatewalk::model::OutputKey::RestApi),
        Some(api.as_str())
    );
    assert!(
        !again
            .calls
            .operations()
            .contains(&"CreateRestApi".to_string())
    );
}

async fn assert_nothing_left(w: &World, name: &str) {
    assert_eq!(
        w.inventory(name).await,
        vec![],
        "tagged resources of {name}"
    );
    let lbs = w.aws.elb.describe_load_balancers().send().await.unwrap();
    assert!(
        lbs.load_balancers().iter().all(|l| !l
            .load_balancer_name()
            .unwrap_or("")
            .starts_with(&format!("{name}-"))),
        "an NLB of {name} is left"
    );
    let tgs = w.aws.elb.describe_target_groups().send().await.unwrap();
    assert!(
        tgs.target_groups().iter().all(|t| !t
            .target_group_name()
            .unwrap_or("")
            .starts_with(&format!("{name}-"))),
        "a target group of {name} is left"
    );
    let clusters = w.aws.ecs.list_clusters().send().await.unwrap();
    let arns: Vec<String> = clusters.cluster_arns().to_vec();
    if !arns.is_empty() {
        let d = w
            .aws
            .ecs
            .describe_clusters()
            .set_clusters(Some(arns))
            .send()
            .await
            .unwrap();
        assert!(
            d.clusters()
                .iter()
                .filter(|c| c.cluster_name() == Some(name))
                .all(|c| c.status() == Some("INACTIVE")),
            "cluster {name} is still active"
        );
    }
    let apis = w.aws.apigw.get_rest_apis().send().await.unwrap();
    assert!(
        apis.items()
            .iter()
            .all(|a| a.name() != Some(&format!("{name}-api"))),
        "REST API of {name} is left"
    );
    let links = w.aws.apigw.get_vpc_links().send().await.unwrap();
    assert!(
        links
            .items()
            .iter()
            .all(|l| l.name() != Some(&format!("{name}-link"))),
        "VPC Link of {name} is left"
    );
}

#[tokio::test]
async fn interrupted_teardown_finishes_and_leaves_the_other_session_whole() {
    let w = World::new().await;
    let mut a = w.apply(&w.aws, "ta", StepId::Done).await;
    let b = w.apply(&w.aws, "tb", StepId::Done).await;
    let b_before = w.inventory("tb").await;
    let inputs = Inputs::resolve(a.session(), &[]).unwrap();

    // Interrupted halfway: the API side and the service are gone, the
    // network and load balancer are not.
    let p = Progress::silent();
    for step in [
        StepId::Done,
        StepId::RestApi,
        StepId::VpcLink,
        StepId::TargetGroupSwap,
        StepId::Service,
    ] {
        let cx = StepCx {
            aws: &w.aws,
            inputs: &inputs,
            progress: &p,
        };
        steps::teardown(step, cx, &mut a).await.unwrap();
    }
    drop(a);

    // Run again, from a new process's point of view.
    let again = World::context(&w.moto.endpoint()).await;
    let mut a = w.store.open("ta", REGION).unwrap();
    let left = engine::teardown_all(&again, &mut a, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:#?}");
    assert_nothing_left(&w, "ta").await;
    assert!(a.session().steps.values().all(|r| r.outputs.is_empty()));

    // A second teardown changes nothing.
    let third = World::context(&w.moto.endpoint()).await;
    let left = engine::teardown_all(&third, &mut a, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(left.is_empty());
    assert_eq!(mutating(&third.calls.operations()), Vec::<String>::new());

    // The other session is untouched and still valid.
    assert_eq!(w.inventory("tb").await, b_before);
    assert_green(&validate_all(&w, &b).await);
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario told in order")]
async fn routes_converge_and_a_stale_stage_is_caught() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "routes", StepId::Done).await;
    let s = h.session().clone();
    drop(h);
    let api = s
        .output(gatewalk::model::OutputKey::RestApi)
        .unwrap()
        .to_string();
    let inputs = Inputs::resolve(&s, &[]).unwrap();

    // Someone points the proxy at another host in the console, without deploying.
    let res = w
        .aws
        .apigw
        .get_resources()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let proxy = res
        .items()
        .iter()
        .find(|r| r.path() == Some("/{proxy+}"))
        .unwrap()
        .id()
        .unwrap()
        .to_string();
    w.aws
        .apigw
        .put_integration()
        .rest_api_id(&api)
        .resource_id(&proxy)
        .http_method("ANY")
        .r#type(aws_sdk_apigateway::types::IntegrationType::HttpProxy)
        .integration_http_method("ANY")
        .uri("http://nat-gateway.example:80/{proxy}")
        .connection_type(aws_sdk_apigateway::types::ConnectionType::VpcLink)
        .connection_id(s.output(gatewalk::model::OutputKey::VpcLink).unwrap())
        .send()
        .await
        .unwrap();
    let r = engine::validate_steps(&w.aws, &s, &inputs, &[StepId::RestApi]).await;
    let checks = r[0].1.as_ref().unwrap();
    let failing: Vec<&str> = blocking(checks).iter().map(|c| c.name.as_str()).collect();
    assert!(
        failing.contains(&"ANY /{proxy+}: URI names the NLB's DNS name and listener port"),
        "{failing:?}"
    );
    assert!(
        failing.contains(&"ANY /{proxy+}: path parameters are passed to the backend"),
        "{failing:?}"
    );
    assert!(
        failing.contains(&"stage `prod` serves the current configuration"),
        "{failing:?}"
    );
    assert!(blocking(checks).iter().all(|c| c.fix.is_some()));

    // Apply repairs it; the repaired API is what the stage already serves, so
    // there is nothing to redeploy.
    let h = w.apply(&w.aws, "routes", StepId::RestApi).await;
    assert_eq!(
        h.session().output(gatewalk::model::OutputKey::Deployment),
        s.output(gatewalk::model::OutputKey::Deployment)
    );
    assert_green(&validate_all(&w, &h).await);
    drop(h);

    // New routes and a new stage: the API is reshaped, the old stage removed.
    let h = apply_with(
        &w,
        &w.aws,
        "routes",
        StepId::Done,
        &[
            "rest-api.routes=GET /health, POST /orders/{id}",
            "rest-api.stage_name=v2",
            // `/` is no route any more: API Gateway would answer 403.
            "done.smoke_path=/health",
        ],
    )
    .await;
    let res = w
        .aws
        .apigw
        .get_resources()
        .rest_api_id(&api)
        .embed("methods")
        .send()
        .await
        .unwrap();
    let mut routes: Vec<String> = res
        .items()
        .iter()
        .flat_map(|r| {
            r.resource_methods()
                .into_iter()
                .flatten()
                .map(move |(m, _)| format!("{m} {}", r.path().unwrap_or("")))
        })
        .collect();
    routes.sort();
    assert_eq!(routes, ["GET /health", "POST /orders/{id}"]);
    let mut paths: Vec<&str> = res.items().iter().filter_map(|r| r.path()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/", "/health", "/orders", "/orders/{id}"]);
    let stages = w
        .aws
        .apigw
        .get_stages()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = stages
        .item()
        .iter()
        .filter_map(|s| s.stage_name())
        .collect();
    assert_eq!(names, ["v2"]);
    assert!(
        h.session()
            .output(gatewalk::model::OutputKey::InvokeUrl)
            .unwrap()
            .ends_with("/v2/")
    );
    assert_ne!(
        h.session().output(gatewalk::model::OutputKey::Deployment),
        s.output(gatewalk::model::OutputKey::Deployment),
        "new routes are deployed"
    );
    assert_green(&validate_all(&w, &h).await);
}
