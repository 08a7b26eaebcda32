//! Step 6 against the emulator: call order, checks (with the emulator caveats
//! named, never passed), idempotency, drift, teardown.

use crate::common;

use common::{World, mutating};
use gatewalk::progress::Progress;
use gatewalk::steps::engine::{self, blocking};
use gatewalk::steps::inputs::Inputs;
use gatewalk::steps::{CheckStatus, StepId};

#[tokio::test]
async fn service_applies_in_the_order_aws_requires_and_validates() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "svc", StepId::Service).await;
    let s = h.session();
    for k in [
        "task_security_group_id",
        "service_target_group_arn",
        "listener_arn",
        "service_arn",
    ] {
        let key = gatewalk::model::OutputKey::parse(k).expect(k);
        assert_eq!(key.step(), StepId::Service);
        assert!(s.output(key).is_some(), "no {k}");
    }

    // The listener forwarding to the target group exists before CreateService.
    let ops = w.aws.calls.operations();
    let pos = |op: &str| {
        ops.iter()
            .position(|o| o == op)
            .unwrap_or_else(|| panic!("{op} never called"))
    };
    assert!(pos("CreateListener") < pos("CreateService"), "{ops:?}");
    assert!(pos("CreateTargetGroup") < pos("CreateListener"));
    assert!(pos("AuthorizeSecurityGroupIngress") < pos("CreateService"));

    let inputs = Inputs::resolve(s, &[]).unwrap();
    let results = engine::validate_steps(&w.aws, s, &inputs, &[StepId::Service]).await;
    let checks = results[0].1.as_ref().unwrap();
    assert!(blocking(checks).is_empty(), "{checks:#?}");
    // The sandbox's data plane runs the task: judged, not skipped.
    let running = checks
        .iter()
        .find(|c| c.name == "tasks are running")
        .unwrap();
    assert_eq!(running.status, CheckStatus::Pass, "{running:?}");
    assert_eq!(running.observed, "1 of 1 running");
    let summary = s.step(StepId::Service).last_checks.clone().unwrap();
    assert_eq!(summary.skipped, 0, "nothing left unjudged");

    // The security group admits the VPC block only.
    let sg = s.output(gatewalk::model::OutputKey::SecurityGroup).unwrap();
    let g = w
        .aws
        .ec2
        .describe_security_groups()
        .group_ids(sg)
        .send()
        .await
        .unwrap();
    let ranges: Vec<String> = g.security_groups()[0]
        .ip_permissions()
        .iter()
        .flat_map(|p| {
            p.ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip().map(str::to_string))
        })
        .collect();
    assert_eq!(ranges, ["10.0.0.0/16"]);

    // The service runs in the private subnet without a public IP.
    let svc = w
        .aws
        .ecs
        .describe_services()
        .cluster("svc")
        .services("svc-service")
        .send()
        .await
        .unwrap();
    let net = svc.services()[0]
        .network_configuration()
        .unwrap()
        .awsvpc_configuration()
        .unwrap();
    assert_eq!(
        net.subnets(),
        [s.output(gatewalk::model::OutputKey::PrivateSubnet).unwrap()]
    );
    assert_eq!(
        net.assign_public_ip(),
        Some(&aws_sdk_ecs::types::AssignPublicIp::Disabled)
    );
}

#[tokio::test]
async fn service_apply_twice_changes_nothing_and_drift_is_caught() {
    let w = World::new().await;
    drop(w.apply(&w.aws, "again", StepId::Service).await);
    let before = w.inventory("again").await;
    let second = World::context(&w.moto.endpoint()).await;
    let h = w.apply(&second, "again", StepId::Service).await;
    assert_eq!(w.inventory("again").await, before);
    assert_eq!(mutating(&second.calls.operations()), Vec::<String>::new());

    // Someone removes the ingress rule: targets could never become healthy.
    let s = h.session().clone();
    let sg = s.output(gatewalk::model::OutputKey::SecurityGroup).unwrap();
    w.aws
        .ec2
        .revoke_security_group_ingress()
        .group_id(sg)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(80)
                .to_port(80)
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("10.0.0.0/16")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let inputs = Inputs::resolve(&s, &[]).unwrap();
    let r = engine::validate_steps(&w.aws, &s, &inputs, &[StepId::Service]).await;
    let checks = r[0].1.as_ref().unwrap();
    let failing = blocking(checks);
    // The rule is named, with its command; what follows from it (the NLB
    // cannot health-check the tasks, so ECS replaces them) may fail too.
    assert_eq!(
        failing[0].name, "tasks accept the container port from the VPC",
        "{failing:#?}"
    );
    assert!(
        failing[0]
            .fix
            .as_ref()
            .unwrap()
            .to_string()
            .contains("authorize-security-group-ingress")
    );
    // apply repairs it.
    drop(h);
    let h = w.apply(&w.aws, "again", StepId::Service).await;
    let r = engine::validate_steps(&w.aws, h.session(), &inputs, &[StepId::Service]).await;
    assert!(blocking(r[0].1.as_ref().unwrap()).is_empty());
}

#[tokio::test]
async fn teardown_with_a_service_leaves_nothing() {
    let w = World::new().await;
    let mut h = w.apply(&w.aws, "down", StepId::Service).await;
    let inputs = Inputs::resolve(h.session(), &[]).unwrap();
    let left = engine::teardown_all(&w.aws, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:#?}");
    let lbs = w.aws.elb.describe_load_balancers().send().await.unwrap();
    assert!(lbs.load_balancers().is_empty());
    let tgs = w.aws.elb.describe_target_groups().send().await.unwrap();
    assert!(tgs.target_groups().is_empty());
    let sgs = w.aws.ec2.describe_security_groups().send().await.unwrap();
    assert!(
        sgs.security_groups()
            .iter()
            .all(|g| g.group_name() == Some("default")),
        "only default security groups remain"
    );
    // AWS's own service-linked role is shared by every ECS user of the
    // account; it is left in place on purpose.
    let roles = w.aws.iam.list_roles().send().await.unwrap();
    let names: Vec<&str> = roles
        .roles()
        .iter()
        .map(aws_sdk_iam::types::Role::role_name)
        .collect();
    // (moto 5.2.5 spells it AWSServiceRoleForecs.)
    assert!(
        names
            .iter()
            .all(|n| n.eq_ignore_ascii_case("AWSServiceRoleForECS")),
        "{names:?}"
    );
}

#[tokio::test]
async fn target_group_swap_retires_the_placeholder_for_good() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "swap", StepId::TargetGroupSwap).await;
    let s = h.session().clone();
    drop(h);
    let tgs = w.aws.elb.describe_target_groups().send().await.unwrap();
    let names: Vec<&str> = tgs
        .target_groups()
        .iter()
        .filter_map(|t| t.target_group_name())
        .collect();
    assert_eq!(
        names,
        ["swap-tg"],
        "only the service's target group is left"
    );
    assert!(s.output(gatewalk::model::OutputKey::Placeholder).is_none());

    let inputs = Inputs::resolve(&s, &[]).unwrap();
    let all: Vec<StepId> = StepId::ALL
        .into_iter()
        .filter(|s| *s <= StepId::TargetGroupSwap)
        .collect();
    for (step, r) in engine::validate_steps(&w.aws, &s, &inputs, &all).await {
        let checks = r.unwrap();
        assert!(blocking(&checks).is_empty(), "{step}: {checks:#?}");
    }
    let r = engine::validate_steps(&w.aws, &s, &inputs, &[StepId::TargetGroupSwap]).await;
    let healthy = r[0]
        .1
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.name == "targets are healthy")
        .cloned()
        .unwrap();
    assert_eq!(healthy.status, CheckStatus::Pass, "{healthy:?}");
    assert!(healthy.observed.contains("is healthy"), "{healthy:?}");

    // Applying everything again neither recreates the placeholder nor changes anything.
    let again = World::context(&w.moto.endpoint()).await;
    let mut h = w.apply(&again, "swap", StepId::TargetGroupSwap).await;
    assert_eq!(mutating(&again.calls.operations()), Vec::<String>::new());
    let left = engine::teardown_all(&w.aws, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:#?}");
}

#[tokio::test]
async fn vpc_link_comes_after_an_active_nlb_and_is_torn_down() {
    let w = World::new().await;
    let mut h = w.apply(&w.aws, "link", StepId::VpcLink).await;
    let s = h.session().clone();
    let id = s
        .output(gatewalk::model::OutputKey::VpcLink)
        .unwrap()
        .to_string();
    let link = w
        .aws
        .apigw
        .get_vpc_link()
        .vpc_link_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        link.target_arns(),
        [s.output(gatewalk::model::OutputKey::LoadBalancer).unwrap()]
    );
    assert!(
        w.inventory("link")
            .await
            .iter()
            .any(|t| t.kind == "apigateway:vpclink" && t.id == id)
    );

    // The NLB was seen active before CreateVpcLink.
    let ops = w.aws.calls.operations();
    let link_at = ops.iter().position(|o| o == "CreateVpcLink").unwrap();
    assert!(ops[..link_at].iter().any(|o| o == "DescribeLoadBalancers"));

    let inputs = Inputs::resolve(&s, &[]).unwrap();
    let r = engine::validate_steps(&w.aws, &s, &inputs, &[StepId::VpcLink]).await;
    let checks = r[0].1.as_ref().unwrap();
    assert!(
        checks.iter().all(|c| c.status == CheckStatus::Pass),
        "{checks:#?}"
    );

    let again = World::context(&w.moto.endpoint()).await;
    drop(h);
    h = w.apply(&again, "link", StepId::VpcLink).await;
    assert_eq!(mutating(&again.calls.operations()), Vec::<String>::new());

    let left = engine::teardown_all(&w.aws, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:#?}");
    let links = w.aws.apigw.get_vpc_links().send().await.unwrap();
    assert!(links.items().is_empty());
}
