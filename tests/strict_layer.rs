//! The strict-AWS layer itself: for each of its rules, a raw SDK call that AWS
//! refuses (or answers with an in-between state) gets AWS's answer through the
//! layer — and bare moto accepts it, which is why the layer exists.
//!
//! Clients here have retries off, so every answer is the server's first word.

mod common;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_ecs::types::{
    AwsVpcConfiguration, Compatibility, ContainerDefinition, LaunchType, LoadBalancer,
    NetworkConfiguration, NetworkMode, PortMapping,
};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum,
    TargetTypeEnum,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use gatewalk::sandbox::Ephemeral;
use tempfile::TempDir;

/// Raw clients of one server, retries off.
struct Raw {
    ec2: aws_sdk_ec2::Client,
    ecs: aws_sdk_ecs::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    apigw: aws_sdk_apigateway::Client,
    iam: aws_sdk_iam::Client,
}

impl Raw {
    async fn new(endpoint: &str) -> Self {
        let conf = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ecs::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .retry_config(RetryConfig::disabled())
            .load()
            .await;
        Self {
            ec2: aws_sdk_ec2::Client::new(&conf),
            ecs: aws_sdk_ecs::Client::new(&conf),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(&conf),
            apigw: aws_sdk_apigateway::Client::new(&conf),
            iam: aws_sdk_iam::Client::new(&conf),
        }
    }
}

/// The same empty account twice: behind the layer (instant pace) and bare.
struct Pair {
    _home: TempDir,
    strict_server: Ephemeral,
    _bare_server: Ephemeral,
    strict: Raw,
    bare: Raw,
}

impl Pair {
    async fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        let (strict_log, bare_log) = (home.path().join("moto.log"), home.path().join("bare.log"));
        let (strict_server, bare_server) = tokio::join!(
            Ephemeral::start(&strict_log),
            Ephemeral::start_bare(&bare_log),
        );
        let (strict_server, bare_server) = (strict_server.unwrap(), bare_server.unwrap());
        let strict = Raw::new(&strict_server.endpoint()).await;
        let bare = Raw::new(&bare_server.endpoint()).await;
        Self {
            _home: home,
            strict_server,
            _bare_server: bare_server,
            strict,
            bare,
        }
    }

    /// Fails the test if the layer had an internal error.
    async fn clean(&self) {
        self.refusals("").await;
    }

    /// The layer's rule refusals so far, by rule id.
    async fn refusals(&self, rule: &str) -> u64 {
        let v: serde_json::Value = reqwest::get(format!(
            "{}/gatewalk-strict/",
            self.strict_server.endpoint()
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(v["internal_errors"], 0, "the layer had an internal error");
        v["refusals"][rule].as_u64().unwrap_or(0)
    }
}

/// The error code of a failed call (None when it succeeded).
fn code<T, E: ProvideErrorMetadata>(r: &Result<T, E>) -> Option<String> {
    r.as_ref()
        .err()
        .map(|e| e.code().unwrap_or("?").to_string())
}

/// Asserts the layer refuses with `want` while bare moto accepts.
fn refused_only_by_layer<T, E: ProvideErrorMetadata + std::fmt::Debug>(
    strict: Result<T, E>,
    bare: Result<T, E>,
    want: &str,
) {
    assert_eq!(code(&strict).as_deref(), Some(want), "through the layer");
    assert!(bare.is_ok(), "bare moto accepts it: {:?}", bare.err());
}

/// A VPC with two subnets in two zones and a security group.
struct Net {
    vpc: String,
    a: String,
    b: String,
    sg: String,
}

async fn net(r: &Raw) -> Net {
    let vpc = r
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    let mut subnets = Vec::new();
    for (cidr, az) in [("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b")] {
        let s = r
            .ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(cidr)
            .availability_zone(az)
            .send()
            .await
            .unwrap();
        subnets.push(s.subnet().unwrap().subnet_id().unwrap().to_string());
    }
    let sg = r
        .ec2
        .create_security_group()
        .group_name("tasks")
        .description("tasks")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    Net {
        vpc,
        a: subnets[0].clone(),
        b: subnets[1].clone(),
        sg,
    }
}

/// ECS's service-linked role, made and given one request to propagate
/// (at instant pace a change is seen once in its in-between state).
async fn slr(r: &Raw) {
    r.iam
        .create_service_linked_role()
        .aws_service_name("ecs.amazonaws.com")
        .send()
        .await
        .unwrap();
    for _ in 0..2 {
        let _ = r.iam.list_roles().send().await;
    }
}

async fn task_definition(r: &Raw) -> String {
    r.ecs
        .register_task_definition()
        .family("web")
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("nginx")
                .port_mappings(PortMapping::builder().container_port(80).build())
                .build(),
        )
        .send()
        .await
        .unwrap()
        .task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap()
        .to_string()
}

fn awsvpc(n: &Net) -> NetworkConfiguration {
    NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(&n.a)
                .security_groups(&n.sg)
                .build()
                .unwrap(),
        )
        .build()
}

/// A cluster `c` with a Fargate service `s` (one task) in subnet a.
async fn service(r: &Raw, n: &Net) {
    r.ecs
        .create_cluster()
        .cluster_name("c")
        .send()
        .await
        .unwrap();
    let td = task_definition(r).await;
    r.ecs
        .create_service()
        .cluster("c")
        .service_name("s")
        .task_definition(td)
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc(n))
        .send()
        .await
        .unwrap();
}

/// An internal NLB in subnets a and b.
async fn nlb(r: &Raw, n: &Net) -> String {
    r.elb
        .create_load_balancer()
        .name("nlb")
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .subnets(&n.a)
        .subnets(&n.b)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string()
}

async fn target_group(r: &Raw, n: &Net, name: &str, kind: TargetTypeEnum) -> String {
    r.elb
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .vpc_id(&n.vpc)
        .target_type(kind)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string()
}

/// A NAT gateway with an Elastic IP in subnet a; returns (nat id, allocation id).
async fn nat(r: &Raw, n: &Net) -> (String, String) {
    let alloc = r
        .ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .unwrap()
        .allocation_id()
        .unwrap()
        .to_string();
    let nat = r
        .ec2
        .create_nat_gateway()
        .subnet_id(&n.a)
        .allocation_id(&alloc)
        .send()
        .await
        .unwrap()
        .nat_gateway()
        .unwrap()
        .nat_gateway_id()
        .unwrap()
        .to_string();
    (nat, alloc)
}

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
        if std::ptr::eq(r, &p.strict) {
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

#[tokio::test]
async fn create_service_needs_the_service_linked_role_propagated() {
    let p = Pair::new().await;
    let mut answers = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        r.ecs
            .create_cluster()
            .cluster_name("c")
            .send()
            .await
            .unwrap();
        let td = task_definition(r).await;
        let create = || {
            r.ecs
                .create_service()
                .cluster("c")
                .service_name("s")
                .task_definition(&td)
                .desired_count(1)
                .launch_type(LaunchType::Fargate)
                .network_configuration(awsvpc(&n))
                .send()
        };
        let without = create().await;
        r.iam
            .create_service_linked_role()
            .aws_service_name("ecs.amazonaws.com")
            .send()
            .await
            .unwrap();
        let right_after = create().await;
        let later = create().await;
        answers.push((without, right_after, later));
    }
    let (b0, b1, _) = answers.pop().unwrap();
    let (s0, s1, s2) = answers.pop().unwrap();
    refused_only_by_layer(s0, b0, "InvalidParameterException");
    assert_eq!(code(&s1).as_deref(), Some("InvalidParameterException"));
    assert!(b1.is_ok() || code(&b1).is_some());
    s2.expect("accepted once the role has propagated");
    assert_eq!(p.refusals("ecs-service-linked-role").await, 2);
    // AWS's name for the role, which moto spells differently.
    p.strict
        .iam
        .get_role()
        .role_name("AWSServiceRoleForECS")
        .send()
        .await
        .expect("AWSServiceRoleForECS");
    let again = p
        .strict
        .iam
        .create_service_linked_role()
        .aws_service_name("ecs.amazonaws.com")
        .send()
        .await;
    assert_eq!(code(&again).as_deref(), Some("InvalidInput"));
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
        sizes.push(
            r.ecs
                .register_task_definition()
                .family("big")
                .requires_compatibilities(Compatibility::Fargate)
                .network_mode(NetworkMode::Awsvpc)
                .cpu("256")
                .memory("4096")
                .container_definitions(
                    ContainerDefinition::builder()
                        .name("web")
                        .image("nginx")
                        .build(),
                )
                .send()
                .await,
        );
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

#[tokio::test]
async fn a_load_balancer_provisions_holds_its_subnets_and_is_held_by_a_vpc_link() {
    let p = Pair::new().await;
    let mut states = Vec::new();
    let mut subnet_answers = Vec::new();
    let mut delete_answers = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        let lb = nlb(r, &n).await;
        let d = r
            .elb
            .describe_load_balancers()
            .load_balancer_arns(&lb)
            .send()
            .await
            .unwrap();
        states.push(
            d.load_balancers()[0]
                .state()
                .and_then(|s| s.code())
                .map(|c| c.as_str().to_string()),
        );
        subnet_answers.push(r.ec2.delete_subnet().subnet_id(&n.b).send().await);
        r.apigw
            .create_vpc_link()
            .name("link")
            .target_arns(&lb)
            .send()
            .await
            .unwrap();
        delete_answers.push(
            r.elb
                .delete_load_balancer()
                .load_balancer_arn(&lb)
                .send()
                .await,
        );
    }
    assert_eq!(
        states,
        [Some("provisioning".to_string()), Some("active".to_string())]
    );
    let bare = subnet_answers.pop().unwrap();
    refused_only_by_layer(subnet_answers.pop().unwrap(), bare, "DependencyViolation");
    let bare = delete_answers.pop().unwrap();
    refused_only_by_layer(delete_answers.pop().unwrap(), bare, "ResourceInUse");
}

#[tokio::test]
async fn load_balancer_names_and_zones_are_checked_like_aws() {
    let p = Pair::new().await;
    let mut internal = Vec::new();
    let mut long = Vec::new();
    let mut same_zone = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        let extra = r
            .ec2
            .create_subnet()
            .vpc_id(&n.vpc)
            .cidr_block("10.0.3.0/24")
            .availability_zone("us-east-1a")
            .send()
            .await
            .unwrap()
            .subnet()
            .unwrap()
            .subnet_id()
            .unwrap()
            .to_string();
        let create = |name: &str, subnets: [&str; 2]| {
            r.elb
                .create_load_balancer()
                .name(name)
                .r#type(LoadBalancerTypeEnum::Network)
                .scheme(LoadBalancerSchemeEnum::Internal)
                .subnets(subnets[0])
                .subnets(subnets[1])
                .send()
        };
        internal.push(create("internal-api", [&n.a, &n.b]).await);
        long.push(create(&"x".repeat(33), [&n.a, &n.b]).await);
        same_zone.push(create("twice", [&n.a, &extra]).await);
    }
    let bare = internal.pop().unwrap();
    refused_only_by_layer(internal.pop().unwrap(), bare, "ValidationError");
    let (strict, bare) = (long.remove(0), long.remove(0));
    assert_eq!(code(&strict).as_deref(), Some("ValidationError"));
    let _ = bare; // moto checks the length itself
    let bare = same_zone.pop().unwrap();
    refused_only_by_layer(
        same_zone.pop().unwrap(),
        bare,
        "InvalidConfigurationRequest",
    );
}

#[tokio::test]
async fn nat_gateways_hold_their_address_and_vpc_until_deleted() {
    let p = Pair::new().await;
    let (mut states, mut detach, mut release) = (Vec::new(), Vec::new(), Vec::new());
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        let igw = r
            .ec2
            .create_internet_gateway()
            .send()
            .await
            .unwrap()
            .internet_gateway()
            .unwrap()
            .internet_gateway_id()
            .unwrap()
            .to_string();
        r.ec2
            .attach_internet_gateway()
            .internet_gateway_id(&igw)
            .vpc_id(&n.vpc)
            .send()
            .await
            .unwrap();
        let (nat, alloc) = nat(r, &n).await;
        let state = || async {
            r.ec2
                .describe_nat_gateways()
                .nat_gateway_ids(&nat)
                .send()
                .await
                .unwrap()
                .nat_gateways()[0]
                .state()
                .unwrap()
                .as_str()
                .to_string()
        };
        let first = state().await;
        detach.push(
            r.ec2
                .detach_internet_gateway()
                .internet_gateway_id(&igw)
                .vpc_id(&n.vpc)
                .send()
                .await,
        );
        release.push(r.ec2.release_address().allocation_id(&alloc).send().await);
        r.ec2
            .delete_nat_gateway()
            .nat_gateway_id(&nat)
            .send()
            .await
            .unwrap();
        states.push((first, state().await));
    }
    assert_eq!(
        states,
        [
            ("pending".to_string(), "deleting".to_string()),
            ("available".to_string(), "deleted".to_string())
        ]
    );
    let bare = detach.pop().unwrap();
    refused_only_by_layer(detach.pop().unwrap(), bare, "DependencyViolation");
    let bare = release.pop().unwrap();
    refused_only_by_layer(release.pop().unwrap(), bare, "InvalidIPAddress.InUse");
    p.clean().await;
}

#[tokio::test]
async fn delete_vpc_with_an_attached_internet_gateway_is_refused() {
    let p = Pair::new().await;
    let mut answers = Vec::new();
    for r in [&p.strict, &p.bare] {
        let vpc = r
            .ec2
            .create_vpc()
            .cidr_block("10.1.0.0/16")
            .send()
            .await
            .unwrap()
            .vpc()
            .unwrap()
            .vpc_id()
            .unwrap()
            .to_string();
        let igw = r
            .ec2
            .create_internet_gateway()
            .send()
            .await
            .unwrap()
            .internet_gateway()
            .unwrap()
            .internet_gateway_id()
            .unwrap()
            .to_string();
        r.ec2
            .attach_internet_gateway()
            .internet_gateway_id(igw)
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap();
        answers.push(r.ec2.delete_vpc().vpc_id(&vpc).send().await);
    }
    let bare = answers.pop().unwrap();
    refused_only_by_layer(answers.pop().unwrap(), bare, "DependencyViolation");
}

#[tokio::test]
async fn vpc_links_are_pending_then_available_and_deleting_then_gone() {
    let p = Pair::new().await;
    let mut pending = Vec::new();
    let mut deleting = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        let lb = nlb(r, &n).await;
        // The load balancer is active before the link is made.
        for _ in 0..3 {
            r.elb.describe_load_balancers().send().await.unwrap();
        }
        let id = r
            .apigw
            .create_vpc_link()
            .name("link")
            .target_arns(&lb)
            .send()
            .await
            .unwrap()
            .id()
            .unwrap()
            .to_string();
        let get = |id: String| {
            let c = r.apigw.clone();
            async move { c.get_vpc_link().vpc_link_id(id).send().await }
        };
        pending.push(
            get(id.clone())
                .await
                .unwrap()
                .status()
                .map(|s| s.as_str().to_string()),
        );
        let settled = get(id.clone()).await.unwrap();
        assert_eq!(
            settled.status().map(|s| s.as_str()),
            Some("AVAILABLE"),
            "{:?}",
            settled.status_message()
        );
        r.apigw
            .delete_vpc_link()
            .vpc_link_id(&id)
            .send()
            .await
            .unwrap();
        deleting.push(
            get(id)
                .await
                .map(|l| l.status().map(|s| s.as_str().to_string())),
        );
    }
    assert_eq!(
        pending,
        [Some("PENDING".to_string()), Some("AVAILABLE".to_string())]
    );
    let bare = deleting.pop().unwrap();
    assert_eq!(code(&bare).as_deref(), Some("NotFoundException"));
    assert_eq!(
        deleting.pop().unwrap().unwrap(),
        Some("DELETING".to_string())
    );
}

#[tokio::test]
async fn api_gateway_throttles_its_control_plane_at_fast_pace() {
    let p = Pair::new().await;
    let set = reqwest::Client::new()
        .post(format!(
            "{}/gatewalk-strict/pace",
            p.strict_server.endpoint()
        ))
        .body(r#"{"pace":"fast"}"#)
        .send()
        .await
        .unwrap();
    assert!(set.status().is_success());
    let mut second = Vec::new();
    for r in [&p.strict, &p.bare] {
        let mut ids = Vec::new();
        for name in ["one", "two"] {
            let api = r.apigw.create_rest_api().name(name).send().await;
            if let Ok(api) = api {
                ids.push(api.id().unwrap().to_string());
            }
            // CreateRestApi allows one call every 3 s (0.3 s at fast pace).
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        }
        assert_eq!(ids.len(), 2, "spaced CreateRestApi calls pass");
        r.apigw
            .delete_rest_api()
            .rest_api_id(&ids[0])
            .send()
            .await
            .unwrap();
        // DeleteRestApi: one call every 30 s (3 s at fast pace).
        second.push(r.apigw.delete_rest_api().rest_api_id(&ids[1]).send().await);
    }
    let bare = second.pop().unwrap();
    refused_only_by_layer(second.pop().unwrap(), bare, "TooManyRequestsException");
}

#[tokio::test]
async fn every_rule_is_documented_and_cites_aws() {
    let home = tempfile::tempdir().unwrap();
    let server = Ephemeral::start(&home.path().join("moto.log"))
        .await
        .unwrap();
    let v: serde_json::Value = reqwest::get(format!("{}/gatewalk-strict/", server.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["pace"], "instant");
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/strict-aws.md"))
        .unwrap();
    let rules = v["rules"].as_array().unwrap();
    assert!(rules.len() >= 20, "{v:#}");
    for r in rules {
        let id = r["id"].as_str().unwrap();
        assert!(
            doc.contains(&format!("`{id}`")),
            "{id} is not in docs/strict-aws.md"
        );
        let cite = r["aws"].as_str().unwrap();
        assert!(
            cite.starts_with("https://docs.aws.amazon.com/"),
            "{id}: {cite}"
        );
        assert!(doc.contains(cite), "{id}: docs cite {cite}");
    }
}
