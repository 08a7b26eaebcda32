//! Steps 1–5 against the emulator: apply, validate, inspect, idempotency, teardown.

use crate::common;

use common::{World, kinds, mutating};
use gatewalk::progress::Progress;
use gatewalk::steps::engine::{self, blocking};
use gatewalk::steps::inputs::Inputs;
use gatewalk::steps::{self, CheckStatus, StepCx, StepId};

const FIVE: [StepId; 5] = [
    StepId::TaskDefinition,
    StepId::ClusterVpc,
    StepId::PrivateSubnet,
    StepId::LoadBalancer,
    StepId::NatGateway,
];

/// Output keys each step must record.
const EXPECTED_OUTPUTS: [(StepId, &[&str]); 5] = [
    (
        StepId::TaskDefinition,
        &[
            "execution_role_arn",
            "execution_role_created",
            "task_definition_arn",
        ],
    ),
    (
        StepId::ClusterVpc,
        &[
            "cluster_arn",
            "cluster_created",
            "vpc_id",
            "internet_gateway_id",
            "public_subnet_a_id",
            "public_route_table_id",
            "az_a",
            "az_b",
        ],
    ),
    (
        StepId::PrivateSubnet,
        &["private_subnet_id", "retired_public_subnet_b_id"],
    ),
    (
        StepId::LoadBalancer,
        &[
            "load_balancer_arn",
            "load_balancer_dns",
            "placeholder_target_group_arn",
        ],
    ),
    (
        StepId::NatGateway,
        &[
            "eip_allocation_id",
            "nat_gateway_id",
            "nat_client_token",
            "private_route_table_id",
        ],
    ),
];

#[tokio::test]
async fn steps_one_to_five_apply_validate_and_inspect() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "alpha", StepId::NatGateway).await;
    let s = h.session();

    // Every id is in the session, and the file on disk says the same.
    let on_disk = w.store.load("alpha").unwrap();
    assert_eq!(&on_disk, s);
    for (step, keys) in EXPECTED_OUTPUTS {
        for k in keys {
            let key = gatewalk::model::OutputKey::parse(k).expect(k);
            assert_eq!(key.step(), step, "{k} is recorded by {}", key.step());
            let v = s
                .output(key)
                .unwrap_or_else(|| panic!("{step} has no output {k}"));
            assert!(!v.is_empty(), "{step}.{k} is empty");
        }
        assert_eq!(
            s.status(step),
            gatewalk::session::StepStatus::Done,
            "{step}"
        );
    }
    assert_eq!(s.account_id.as_deref(), Some("123456789012"));

    // Validation: every check passes (no failures, nothing pending).
    let inputs = Inputs::resolve(s, &[]).unwrap();
    let results = engine::validate_steps(&w.aws, s, &inputs, &FIVE).await;
    for (step, r) in &results {
        let checks = r.as_ref().unwrap_or_else(|e| panic!("{step}: {e}"));
        assert!(checks.len() >= 4, "{step} has too few checks");
        let bad: Vec<_> = checks
            .iter()
            .filter(|c| c.status != CheckStatus::Pass)
            .collect();
        assert!(bad.is_empty(), "{step}: {bad:#?}");
    }

    // Inspect lists live resources for each step, none missing.
    let p = Progress::silent();
    for step in FIVE {
        let cx = StepCx {
            aws: &w.aws,
            inputs: &inputs,
            progress: &p,
        };
        let res = steps::inspect(step, cx, s).await.unwrap();
        assert!(!res.is_empty(), "{step} shows no resources");
        for r in &res {
            assert_ne!(r.state, "missing", "{step}: {r:?}");
            assert!(
                r.console_url.is_none(),
                "no console links against an emulator"
            );
        }
    }
    let kinds: Vec<String> = steps::inspect(
        StepId::NatGateway,
        StepCx {
            aws: &w.aws,
            inputs: &inputs,
            progress: &p,
        },
        s,
    )
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.kind)
    .collect();
    assert_eq!(kinds, ["Elastic IP", "NAT gateway", "Private route table"]);
}

#[tokio::test]
async fn validation_catches_drift() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "drift", StepId::NatGateway).await;
    let s = h.session().clone();
    // Someone points the private subnet at the internet gateway by hand.
    let rt = s
        .output(gatewalk::model::OutputKey::PrivateRouteTable)
        .unwrap();
    let igw = s
        .output(gatewalk::model::OutputKey::InternetGateway)
        .unwrap();
    w.aws
        .ec2
        .replace_route()
        .route_table_id(rt)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(igw)
        .send()
        .await
        .unwrap();
    let inputs = Inputs::resolve(&s, &[]).unwrap();
    let results = engine::validate_steps(
        &w.aws,
        &s,
        &inputs,
        &[StepId::PrivateSubnet, StepId::NatGateway],
    )
    .await;
    for (step, r) in results {
        let checks = r.unwrap();
        let failing = blocking(&checks);
        assert!(
            !failing.is_empty(),
            "{step} did not notice the route to the internet gateway"
        );
        assert!(
            failing.iter().all(|c| c.fix.is_some()),
            "every failure carries a fix"
        );
    }
}

#[tokio::test]
async fn apply_twice_creates_nothing() {
    let w = World::new().await;
    drop(w.apply(&w.aws, "twice", StepId::NatGateway).await);
    let before = w.inventory("twice").await;
    assert!(before.len() >= 12, "{before:#?}");

    let second = World::context(&w.moto.endpoint()).await;
    drop(w.apply(&second, "twice", StepId::NatGateway).await);
    let after = w.inventory("twice").await;
    assert_eq!(
        before, after,
        "the second apply changed the set of resources"
    );
    let changed = mutating(&second.calls.operations());
    assert!(
        changed.is_empty(),
        "the second apply changed things: {changed:?}"
    );

    let revs = w
        .aws
        .ecs
        .list_task_definitions()
        .family_prefix("twice")
        .send()
        .await
        .unwrap();
    assert_eq!(revs.task_definition_arns().len(), 1, "no new revision");
}

#[tokio::test]
async fn changed_inputs_register_one_new_revision() {
    let w = World::new().await;
    drop(w.apply(&w.aws, "rev", StepId::TaskDefinition).await);
    let mut h = w.store.open("rev", common::REGION).unwrap();
    let o = vec![gatewalk::steps::inputs::parse_set("task-definition.memory=1024").unwrap()];
    let inputs = Inputs::resolve(h.session(), &o).unwrap();
    engine::apply_through(
        &w.aws,
        &mut h,
        &inputs,
        StepId::TaskDefinition,
        &Progress::silent(),
    )
    .await
    .unwrap();
    engine::apply_through(
        &w.aws,
        &mut h,
        &inputs,
        StepId::TaskDefinition,
        &Progress::silent(),
    )
    .await
    .unwrap();
    let revs = w
        .aws
        .ecs
        .list_task_definitions()
        .family_prefix("rev")
        .send()
        .await
        .unwrap();
    assert_eq!(revs.task_definition_arns().len(), 2);
    assert!(
        h.session()
            .output(gatewalk::model::OutputKey::TaskDefinition)
            .unwrap()
            .ends_with(":2")
    );
}

#[tokio::test]
async fn teardown_leaves_nothing_and_is_repeatable() {
    let w = World::new().await;
    let empty = common::account_counts(&w.aws).await;
    let mut h = w.apply(&w.aws, "gone", StepId::NatGateway).await;
    assert_ne!(common::account_counts(&w.aws).await, empty);
    let inputs = Inputs::resolve(h.session(), &[]).unwrap();
    let left = engine::teardown_all(&w.aws, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:#?}");
    assert!(w.inventory("gone").await.is_empty());
    assert_eq!(
        common::account_counts(&w.aws).await,
        empty,
        "the account is not as it was"
    );
    for step in FIVE {
        assert!(
            h.session().step(step).outputs.is_empty(),
            "{step} still records ids"
        );
    }
    let tds = w
        .aws
        .ecs
        .list_task_definitions()
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap();
    assert!(tds.task_definition_arns().is_empty());

    // A second teardown finds nothing to delete.
    let again = World::context(&w.moto.endpoint()).await;
    let left = engine::teardown_all(&again, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(left.is_empty());
    assert_eq!(mutating(&again.calls.operations()), Vec::<String>::new());
}

#[tokio::test]
async fn sessions_in_one_account_are_isolated() {
    let w = World::new().await;
    drop(w.apply(&w.aws, "one", StepId::NatGateway).await);
    let mut two = w.apply(&w.aws, "two", StepId::NatGateway).await;
    let inv_one = w.inventory("one").await;
    let inputs = Inputs::resolve(two.session(), &[]).unwrap();
    engine::teardown_all(&w.aws, &mut two, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert_eq!(w.inventory("one").await, inv_one);
    assert_eq!(kinds(&inv_one).len(), inv_one.len());
    let one = w.store.load("one").unwrap();
    let inputs = Inputs::resolve(&one, &[]).unwrap();
    for (step, r) in engine::validate_steps(&w.aws, &one, &inputs, &FIVE).await {
        assert!(
            blocking(&r.unwrap()).is_empty(),
            "{step} of session one broke"
        );
    }
}

#[tokio::test]
async fn an_existing_execution_role_is_used_and_kept() {
    let w = World::new().await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    w.aws
        .iam
        .create_role()
        .role_name("my-own-role")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let mut h = w.store.open("mine", common::REGION).unwrap();
    let o = vec![
        gatewalk::steps::inputs::parse_set("task-definition.execution_role=my-own-role").unwrap(),
    ];
    let inputs = Inputs::resolve(h.session(), &o).unwrap();
    engine::bind(&w.aws, &mut h, None, &Progress::silent())
        .await
        .unwrap();
    engine::apply_through(
        &w.aws,
        &mut h,
        &inputs,
        StepId::TaskDefinition,
        &Progress::silent(),
    )
    .await
    .unwrap();
    assert_eq!(
        h.session()
            .output(gatewalk::model::OutputKey::ExecutionRoleCreated),
        Some("false")
    );
    engine::teardown_all(&w.aws, &mut h, &inputs, &Progress::silent())
        .await
        .unwrap();
    assert!(
        w.aws
            .iam
            .get_role()
            .role_name("my-own-role")
            .send()
            .await
            .is_ok(),
        "the user's role was deleted"
    );
}

#[tokio::test]
async fn aws_errors_carry_service_operation_code_and_hint() {
    use gatewalk::aws::CallExt;
    let w = World::new().await;
    let err = w
        .aws
        .ec2
        .describe_vpcs()
        .vpc_ids("vpc-0000000000000000")
        .send()
        .await
        .ctx("ec2", "DescribeVpcs")
        .unwrap_err();
    let a = err.as_aws().expect("an AWS error");
    assert_eq!((a.service, a.operation), ("ec2", "DescribeVpcs"));
    assert_eq!(a.code, "InvalidVpcID.NotFound");
    assert!(!a.message.is_empty());
    assert!(a.hint.contains("deleted outside gatewalk"), "{}", a.hint);
    let text = err.to_string();
    assert!(
        text.starts_with("ec2 DescribeVpcs failed: InvalidVpcID.NotFound"),
        "{text}"
    );
    assert!(!text.contains("ServiceError {"), "no debug dump: {text}");
}

#[tokio::test]
async fn a_session_refuses_another_account() {
    let w = World::new().await;
    let mut h = w.store.open("elsewhere", common::REGION).unwrap();
    h.session_mut().account_id = Some("111111111111".into());
    h.save().unwrap();
    let err = engine::bind(&w.aws, &mut h, None, &Progress::silent())
        .await
        .unwrap_err();
    assert!(matches!(err, gatewalk::Error::WrongAccount { .. }), "{err}");
    assert!(err.to_string().contains("111111111111"));
}
