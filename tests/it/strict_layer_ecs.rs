//! The strict-AWS layer's ECS and IAM rules: for each, a raw SDK call that AWS
//! refuses (or answers with an in-between state) gets AWS's answer through the
//! layer — and bare moto accepts it, which is why the layer exists. Clients
//! have retries off, so every answer is the server's first word.

use crate::common;

use aws_sdk_ecs::types::{LaunchType, LoadBalancer, NetworkMode};
use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, ProtocolEnum, TargetTypeEnum};
use common::strict::*;

#[tokio::test]
async fn delete_cluster_with_a_live_service_is_refused() {
    let p = Pair::new().await;
    let mut answers = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        slr(r).await;
        service(r, &n).await;
        answers.push(r.ecs.delete_cluster().cluster("c").send().await);
    }
    let bare = answers.pop().unwrap();
    let strict = answers.pop().unwrap();
    refused_only_by_layer(strict, bare, "ClusterContainsServicesException");
    assert_eq!(p.refusals("ecs-delete-cluster-with-services").await, 1);
}

/// At instant pace every in-between state is seen by exactly one request, so
/// the order of calls below is the order of AWS's states.
#[tokio::test]
async fn a_deleted_service_drains_and_holds_its_security_group_and_subnet() {
    let p = Pair::new().await;
    let (mut status, mut sg_answers, mut subnet_answers, mut again) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        slr(r).await;
        service(r, &n).await;
        r.ecs
            .delete_service()
            .cluster("c")
            .service("s")
            .force(true)
            .send()
            .await
            .unwrap();
        let d = r
            .ecs
            .describe_services()
            .cluster("c")
            .services("s")
            .send()
            .await
            .unwrap();
        status.push(d.services()[0].status().unwrap_or_default().to_string());
        // The service is INACTIVE from here on; its task's interface lingers.
        sg_answers.push(r.ec2.delete_security_group().group_id(&n.sg).send().await);
        subnet_answers.push(r.ec2.delete_subnet().subnet_id(&n.a).send().await);
        again.push(
            r.ecs
                .delete_service()
                .cluster("c")
                .service("s")
                .force(true)
                .send()
                .await,
        );
        if std::ptr::eq(r, &raw const p.strict) {
            // The interface is gone now: the group and the subnet are free.
            r.ec2
                .delete_security_group()
                .group_id(&n.sg)
                .send()
                .await
                .expect("free once the interface is gone");
            r.ec2
                .delete_subnet()
                .subnet_id(&n.a)
                .send()
                .await
                .expect("free once the interface is gone");
        }
    }
    assert_eq!(status, ["DRAINING", "INACTIVE"]);
    let bare = sg_answers.pop().unwrap();
    refused_only_by_layer(sg_answers.pop().unwrap(), bare, "DependencyViolation");
    let bare = subnet_answers.pop().unwrap();
    refused_only_by_layer(subnet_answers.pop().unwrap(), bare, "DependencyViolation");
    let bare = again.pop().unwrap();
    refused_only_by_layer(again.pop().unwrap(), bare, "ServiceNotActiveException");
    p.clean().await;
}

#[tokio::test]
async fn a_new_deployment_takes_time() {
    let p = Pair::new().await;
    let mut running = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        slr(r).await;
        service(r, &n).await;
        let d = r
            .ecs
            .describe_services()
            .cluster("c")
            .services("s")
            .send()
            .await
            .unwrap();
        let s = &d.services()[0];
        running.push((
            s.running_count(),
            s.deployments()[0]
                .rollout_state()
                .map(|x| x.as_str().to_string()),
        ));
    }
    assert_eq!(
        running[0],
        (0, Some("IN_PROGRESS".into())),
        "through the layer"
    );
    // Bare moto: done at once, with as many tasks as MOTO_ECS_SERVICE_RUNNING says.
    assert!(running[1].0 >= 1 && running[1].1.as_deref() == Some("COMPLETED"));
    assert_eq!(p.refusals("ecs-service-linked-role").await, 0);
}

/// ECS makes its service-linked role itself with the first cluster; a service
/// created right after is refused until the role has propagated.
#[tokio::test]
async fn create_service_needs_the_service_linked_role_propagated() {
    let p = Pair::new().await;
    let mut answers = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        let td = task_definition(r).await;
        r.ecs
            .create_cluster()
            .cluster_name("c")
            .send()
            .await
            .unwrap();
        let create = |name: &'static str| {
            r.ecs
                .create_service()
                .cluster("c")
                .service_name(name)
                .task_definition(&td)
                .desired_count(1)
                .launch_type(LaunchType::Fargate)
                .network_configuration(awsvpc(&n))
                .send()
        };
        let right_after = create("s1").await;
        let later = create("s2").await;
        let role = r
            .iam
            .get_role()
            .role_name("AWSServiceRoleForECS")
            .send()
            .await;
        answers.push((right_after, later, role));
    }
    let (b0, b1, b_role) = answers.pop().unwrap();
    let (s0, s1, s_role) = answers.pop().unwrap();
    refused_only_by_layer(s0, b0, "InvalidParameterException");
    s1.expect("accepted once the role has propagated");
    b1.expect("bare moto accepts it too");
    s_role.expect("CreateCluster made AWSServiceRoleForECS, under AWS's name");
    assert_eq!(
        code(&b_role).as_deref(),
        Some("NoSuchEntity"),
        "bare moto makes none"
    );
    assert_eq!(p.refusals("ecs-service-linked-role").await, 1);
    let again = p
        .strict
        .iam
        .create_service_linked_role()
        .aws_service_name("ecs.amazonaws.com")
        .send()
        .await;
    assert_eq!(code(&again).as_deref(), Some("InvalidInput"));
}

/// A task started while its brand-new execution role propagates fails and is
/// started again: the deployment takes a round more, and the service says why.
#[tokio::test]
async fn a_new_execution_role_costs_the_deployment_a_round() {
    let p = Pair::new().await;
    let r = &p.strict;
    let n = net(r).await;
    way_out(r, &n).await;
    slr(r).await;
    r.ecs
        .create_cluster()
        .cluster_name("c")
        .send()
        .await
        .unwrap();
    let mut rounds = Vec::new();
    for (name, fresh_role) in [("old", false), ("new", true)] {
        let role_arn = format!("arn:aws:iam::123456789012:role/{name}-exec");
        let td = register(r, name, NetworkMode::Awsvpc, "512", Some(&role_arn))
            .await
            .unwrap();
        let td = td.task_definition().unwrap().task_definition_arn().unwrap();
        if fresh_role {
            exec_role(r, &format!("{name}-exec")).await;
        } else {
            // A role made long ago: give it requests to propagate.
            exec_role(r, &format!("{name}-exec")).await;
            for _ in 0..2 {
                r.iam.list_roles().send().await.unwrap();
            }
        }
        r.ecs
            .create_service()
            .cluster("c")
            .service_name(name)
            .task_definition(td)
            .desired_count(1)
            .launch_type(LaunchType::Fargate)
            .network_configuration(awsvpc(&n))
            .send()
            .await
            .unwrap();
        let mut describes = 0;
        let events = loop {
            describes += 1;
            let d = r
                .ecs
                .describe_services()
                .cluster("c")
                .services(name)
                .send()
                .await
                .unwrap();
            let s = &d.services()[0];
            if s.running_count() == 1 || describes > 10 {
                break s
                    .events()
                    .iter()
                    .filter_map(|e| e.message().map(str::to_string))
                    .collect::<Vec<_>>();
            }
        };
        rounds.push((describes, events));
    }
    // Each task phase lasts until one request has seen it: launched by
    // CreateService, PROVISIONING at the first look, PENDING at the second.
    assert_eq!(rounds[0].0, 3, "an old role: running at the third look");
    assert_eq!(rounds[1].0, 4, "a new role: one failed round first");
    assert!(
        rounds[1]
            .1
            .iter()
            .any(|m| m.contains("unable to assume the role")),
        "{:?}",
        rounds[1].1
    );
    p.clean().await;
}

/// A service being deleted can be neither replaced by a namesake nor changed;
/// a client token has at most 36 characters.
#[tokio::test]
async fn a_draining_service_is_not_active() {
    let p = Pair::new().await;
    let (mut recreate, mut update, mut token) = (Vec::new(), Vec::new(), Vec::new());
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        slr(r).await;
        service(r, &n).await;
        let td = task_definition(r).await;
        let create = |name: &'static str, token: String| {
            r.ecs
                .create_service()
                .cluster("c")
                .service_name(name)
                .task_definition(&td)
                .desired_count(1)
                .launch_type(LaunchType::Fargate)
                .network_configuration(awsvpc(&n))
                .client_token(token)
                .send()
        };
        r.ecs
            .delete_service()
            .cluster("c")
            .service("s")
            .force(true)
            .send()
            .await
            .unwrap();
        recreate.push(create("s", "t1".into()).await);
        update.push(
            r.ecs
                .update_service()
                .cluster("c")
                .service("s")
                .desired_count(2)
                .send()
                .await,
        );
        token.push(create("other", "x".repeat(37)).await);
    }
    let bare = recreate.pop().unwrap();
    refused_only_by_layer(recreate.pop().unwrap(), bare, "InvalidParameterException");
    let bare = update.pop().unwrap();
    refused_only_by_layer(update.pop().unwrap(), bare, "ServiceNotActiveException");
    let bare = token.pop().unwrap();
    refused_only_by_layer(token.pop().unwrap(), bare, "InvalidParameterException");
    assert_eq!(p.refusals("ecs-client-token").await, 1);
    assert_eq!(p.refusals("ecs-create-service-inactive").await, 1);
}

#[tokio::test]
async fn create_service_checks_its_load_balancer_like_aws() {
    let p = Pair::new().await;
    let mut no_listener = Vec::new();
    let mut instance_type = Vec::new();
    let mut wrong_container = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        slr(r).await;
        r.ecs
            .create_cluster()
            .cluster_name("c")
            .send()
            .await
            .unwrap();
        let td = task_definition(r).await;
        let lb = nlb(r, &n).await;
        let ip = target_group(r, &n, "ip-tg", TargetTypeEnum::Ip).await;
        let inst = target_group(r, &n, "inst-tg", TargetTypeEnum::Instance).await;
        let create = |tg: String, name: &'static str, container: &'static str| {
            r.ecs
                .create_service()
                .cluster("c")
                .service_name(name)
                .task_definition(&td)
                .desired_count(1)
                .launch_type(LaunchType::Fargate)
                .network_configuration(awsvpc(&n))
                .load_balancers(
                    LoadBalancer::builder()
                        .target_group_arn(tg)
                        .container_name(container)
                        .container_port(80)
                        .build(),
                )
                .send()
        };
        no_listener.push(create(ip.clone(), "s1", "web").await);
        for (tg, port) in [(&ip, 80), (&inst, 8080)] {
            r.elb
                .create_listener()
                .load_balancer_arn(&lb)
                .protocol(ProtocolEnum::Tcp)
                .port(port)
                .default_actions(
                    Action::builder()
                        .r#type(ActionTypeEnum::Forward)
                        .target_group_arn(tg)
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        instance_type.push(create(inst, "s2", "web").await);
        wrong_container.push(create(ip, "s3", "nginx").await);
    }
    for answers in [&mut no_listener, &mut instance_type, &mut wrong_container] {
        let bare = answers.pop().unwrap();
        refused_only_by_layer(answers.pop().unwrap(), bare, "InvalidParameterException");
    }
    assert_eq!(p.refusals("ecs-create-service-load-balancer").await, 3);
}

#[tokio::test]
async fn create_service_in_a_deleted_cluster_is_refused() {
    let p = Pair::new().await;
    let mut answers = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        slr(r).await;
        r.ecs
            .create_cluster()
            .cluster_name("c")
            .send()
            .await
            .unwrap();
        r.ecs.delete_cluster().cluster("c").send().await.unwrap();
        let td = task_definition(r).await;
        answers.push(
            r.ecs
                .create_service()
                .cluster("c")
                .service_name("s")
                .task_definition(td)
                .desired_count(1)
                .launch_type(LaunchType::Fargate)
                .network_configuration(awsvpc(&n))
                .send()
                .await,
        );
    }
    let bare = answers.pop().unwrap();
    refused_only_by_layer(answers.pop().unwrap(), bare, "ClusterNotFoundException");
}

#[tokio::test]
async fn task_definitions_follow_fargate_and_deregistration_rules() {
    let p = Pair::new().await;
    let mut sizes = Vec::new();
    let mut described = Vec::new();
    for r in [&p.strict, &p.bare] {
        sizes.push(register(r, "big", NetworkMode::Awsvpc, "4096", None).await);
        let arn = task_definition(r).await;
        r.ecs
            .deregister_task_definition()
            .task_definition(arn)
            .send()
            .await
            .unwrap();
        described.push(
            r.ecs
                .describe_task_definition()
                .task_definition("web")
                .send()
                .await,
        );
    }
    let bare = sizes.pop().unwrap();
    refused_only_by_layer(sizes.pop().unwrap(), bare, "ClientException");
    let bridge = register(&p.strict, "bridge", NetworkMode::Bridge, "512", None).await;
    assert_eq!(
        code(&bridge).as_deref(),
        Some("ClientException"),
        "Fargate is awsvpc only"
    );
    let bare = described.pop().unwrap();
    let strict = described.pop().unwrap();
    assert_eq!(
        bare.unwrap()
            .task_definition()
            .unwrap()
            .status()
            .unwrap()
            .as_str(),
        "INACTIVE",
        "bare moto names a deregistered revision as the family's latest"
    );
    assert_eq!(code(&strict).as_deref(), Some("ClientException"));
}
