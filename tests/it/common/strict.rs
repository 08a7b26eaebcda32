//! Raw SDK clients with retries off, one empty account behind the strict layer
//! and one in bare moto, and the small scenarios the layer's tests build in both.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_ecs::types::{
    AwsVpcConfiguration, Compatibility, ContainerDefinition, LaunchType, NetworkConfiguration,
    NetworkMode, PortMapping,
};
use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum, TargetTypeEnum,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use gatewalk::sandbox::Ephemeral;
use tempfile::TempDir;

/// Raw clients of one server, retries off.
pub struct Raw {
    pub ec2: aws_sdk_ec2::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub apigw: aws_sdk_apigateway::Client,
    pub iam: aws_sdk_iam::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub route53: aws_sdk_route53::Client,
    pub acm: aws_sdk_acm::Client,
}

impl Raw {
    pub async fn new(endpoint: &str) -> Self {
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
            ecr: aws_sdk_ecr::Client::new(&conf),
            // Route 53 is global; it signs for us-east-1, the region set above.
            route53: aws_sdk_route53::Client::new(&conf),
            acm: aws_sdk_acm::Client::new(&conf),
        }
    }
}

/// The same empty account twice: behind the layer (instant pace) and bare.
pub struct Pair {
    _home: TempDir,
    pub strict_server: Ephemeral,
    _bare_server: Ephemeral,
    pub strict: Raw,
    pub bare: Raw,
}

impl Pair {
    pub async fn new() -> Self {
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
    pub async fn clean(&self) {
        self.refusals("").await;
    }

    /// The layer's rule refusals so far, by rule id.
    pub async fn refusals(&self, rule: &str) -> u64 {
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
pub fn code<T, E: ProvideErrorMetadata>(r: &Result<T, E>) -> Option<String> {
    r.as_ref()
        .err()
        .map(|e| e.code().unwrap_or("?").to_string())
}

/// Asserts the layer refuses with `want` while bare moto accepts.
#[allow(clippy::needless_pass_by_value)] // called with two answers, read once
pub fn refused_only_by_layer<T, E: ProvideErrorMetadata + std::fmt::Debug>(
    strict: Result<T, E>,
    bare: Result<T, E>,
    want: &str,
) {
    assert_eq!(code(&strict).as_deref(), Some(want), "through the layer");
    assert!(bare.is_ok(), "bare moto accepts it: {:?}", bare.err());
}

/// A VPC with two subnets in two zones and a security group.
pub struct Net {
    pub vpc: String,
    pub a: String,
    pub b: String,
    pub sg: String,
}

pub async fn net(r: &Raw) -> Net {
    let vpc = vpc(r, "10.0.0.0/16").await;
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
pub async fn slr(r: &Raw) {
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

pub async fn task_definition(r: &Raw) -> String {
    register(r, "web", NetworkMode::Awsvpc, "512", None)
        .await
        .unwrap()
        .task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap()
        .to_string()
}

/// `RegisterTaskDefinition` for Fargate: 256 CPU, `memory`, container `web`
/// (nginx on port 80), with an execution role when one is named.
pub async fn register(
    r: &Raw,
    family: &str,
    mode: NetworkMode,
    memory: &str,
    execution_role: Option<&str>,
) -> Result<
    aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionOutput,
    aws_sdk_ecs::error::SdkError<
        aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionError,
    >,
> {
    r.ecs
        .register_task_definition()
        .family(family)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(mode)
        .cpu("256")
        .memory(memory)
        .set_execution_role_arn(execution_role.map(str::to_string))
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("nginx")
                .port_mappings(PortMapping::builder().container_port(80).build())
                .build(),
        )
        .send()
        .await
}

/// A VPC of `cidr`.
pub async fn vpc(r: &Raw, cidr: &str) -> String {
    r.ec2
        .create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string()
}

pub fn awsvpc(n: &Net) -> NetworkConfiguration {
    NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(&n.a)
                .security_groups(&n.sg)
                .assign_public_ip(aws_sdk_ecs::types::AssignPublicIp::Enabled)
                .build()
                .unwrap(),
        )
        .build()
}

/// An IAM role `name` that ECS tasks may assume.
pub async fn exec_role(r: &Raw, name: &str) {
    r.iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
}

/// A cluster `c` with a Fargate service `s` (one task) in subnet a.
pub async fn service(r: &Raw, n: &Net) {
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
pub async fn nlb(r: &Raw, n: &Net) -> String {
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

pub async fn target_group(r: &Raw, n: &Net, name: &str, kind: TargetTypeEnum) -> String {
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

/// A way out for tasks with a public IP (what `awsvpc` gives them): an
/// internet gateway and the VPC's main route table sending 0.0.0.0/0 to it.
pub async fn way_out(r: &Raw, n: &Net) {
    let igw = attached_igw(r, &n.vpc).await;
    let tables = r
        .ec2
        .describe_route_tables()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&n.vpc)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let main = tables.route_tables()[0].route_table_id().unwrap();
    r.ec2
        .create_route()
        .route_table_id(main)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(igw)
        .send()
        .await
        .unwrap();
}

/// An internet gateway attached to `vpc`.
pub async fn attached_igw(r: &Raw, vpc: &str) -> String {
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
        .vpc_id(vpc)
        .send()
        .await
        .unwrap();
    igw
}

/// A NAT gateway with an Elastic IP in subnet a; returns (nat id, allocation id).
pub async fn nat(r: &Raw, n: &Net) -> (String, String) {
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
