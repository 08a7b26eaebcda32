//! A deployment built the way the console walkthrough builds it by hand:
//! raw SDK calls, the walkthrough's own names, no gatewalk tags. Always sent
//! through the strict layer, like everything else in the tests.

use aws_sdk_ec2::types::{
    AttributeBooleanValue, DomainType, NatGatewayState, ResourceType, Tag, TagSpecification,
};
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, NetworkMode, PortMapping, TransportProtocol,
};
use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum, TargetTypeEnum,
};
mod later;

pub use later::{Hand, RIGHT, steps_6_to_10};

use gatewalk::aws::AwsContext;

/// What the hand-built steps 1–5 made.
#[derive(Debug, Clone, Default)]
pub struct ByHand {
    pub role_arn: String,
    pub task_definition: String,
    pub cluster: String,
    pub vpc: String,
    pub igw: String,
    pub public_a: String,
    pub public_rt: String,
    pub private: String,
    pub nlb: String,
    pub placeholder: String,
    pub eip: String,
    pub nat: String,
    pub private_rt: String,
}

/// The container port the walkthrough's app listens on.
pub const PORT: i32 = 8080;

fn named(kind: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

fn on() -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(true).build()
}

/// Steps 1–5 by hand in `prefix`'s names (`pubquiz`), in a VPC of `cidr`
/// (`10.0.0.0/16`; subnets are its first three /24s).
pub async fn steps_1_to_5(aws: &AwsContext, prefix: &str, cidr: &str) -> ByHand {
    let mut b = ByHand::default();
    step_1(aws, prefix, &mut b).await;
    let [a, bb, p] = blocks(cidr);
    step_2(aws, prefix, cidr, (&a, &bb), &mut b).await;
    step_3(aws, prefix, &p, &mut b).await;
    step_4(aws, prefix, &mut b).await;
    step_5(aws, prefix, &mut b).await;
    b
}

/// The first three /24 blocks of a /16.
fn blocks(cidr: &str) -> [String; 3] {
    let base: Vec<&str> = cidr.split('.').take(2).collect();
    let b = |i: u8| format!("{}.{}.{i}.0/24", base[0], base[1]);
    [b(0), b(1), b(2)]
}

async fn step_1(aws: &AwsContext, prefix: &str, b: &mut ByHand) {
    // The console's default role name; one per account, made once.
    let role = "ecsTaskExecutionRole";
    b.role_arn = match aws.iam.get_role().role_name(role).send().await {
        Ok(r) => r.role().unwrap().arn().to_string(),
        Err(_) => {
            let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
            let r = aws
                .iam
                .create_role()
                .role_name(role)
                .assume_role_policy_document(trust)
                .send()
                .await
                .unwrap();
            aws.iam
                .attach_role_policy()
                .role_name(role)
                .policy_arn("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
                .send()
                .await
                .unwrap();
            r.role().unwrap().arn().to_string()
        }
    };
    let td = aws
        .ecs
        .register_task_definition()
        .family(prefix)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("512")
        .memory("1024")
        .execution_role_arn(&b.role_arn)
        .container_definitions(
            ContainerDefinition::builder()
                .name(prefix)
                .image("public.ecr.aws/docker/library/httpd:2.4")
                .essential(true)
                .port_mappings(
                    PortMapping::builder()
                        .container_port(PORT)
                        .protocol(TransportProtocol::Tcp)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    b.task_definition = td
        .task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap()
        .to_string();
}

async fn step_2(aws: &AwsContext, prefix: &str, cidr: &str, (a, bb): (&str, &str), b: &mut ByHand) {
    let c = aws
        .ecs
        .create_cluster()
        .cluster_name(format!("{prefix}-cluster"))
        .send()
        .await
        .unwrap();
    b.cluster = c.cluster().unwrap().cluster_arn().unwrap().to_string();
    let e = &aws.ec2;
    let vpc = e
        .create_vpc()
        .cidr_block(cidr)
        .tag_specifications(named(ResourceType::Vpc, &format!("{prefix}-vpc")))
        .send()
        .await
        .unwrap();
    b.vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    e.modify_vpc_attribute()
        .vpc_id(&b.vpc)
        .enable_dns_hostnames(on())
        .send()
        .await
        .unwrap();
    let igw = e.create_internet_gateway().send().await.unwrap();
    b.igw = igw
        .internet_gateway()
        .unwrap()
        .internet_gateway_id()
        .unwrap()
        .to_string();
    e.attach_internet_gateway()
        .internet_gateway_id(&b.igw)
        .vpc_id(&b.vpc)
        .send()
        .await
        .unwrap();
    b.public_rt = route_table(aws, &b.vpc, Some(&b.igw), None).await;
    let zones = ["us-east-1a", "us-east-1b"];
    for (block, az) in [(a, zones[0]), (bb, zones[1])] {
        let sn = e
            .create_subnet()
            .vpc_id(&b.vpc)
            .cidr_block(block)
            .availability_zone(az)
            .send()
            .await
            .unwrap();
        let id = sn.subnet().unwrap().subnet_id().unwrap().to_string();
        e.modify_subnet_attribute()
            .subnet_id(&id)
            .map_public_ip_on_launch(on())
            .send()
            .await
            .unwrap();
        e.associate_route_table()
            .route_table_id(&b.public_rt)
            .subnet_id(&id)
            .send()
            .await
            .unwrap();
        if b.public_a.is_empty() {
            b.public_a = id;
        } else {
            // Step 3 removes it again; remembered only for that.
            b.private = id;
        }
    }
}

/// Replaces public subnet B with a private one (no route to the gateway).
async fn step_3(aws: &AwsContext, prefix: &str, block: &str, b: &mut ByHand) {
    let e = &aws.ec2;
    let old = std::mem::take(&mut b.private);
    let rts = e
        .describe_route_tables()
        .route_table_ids(&b.public_rt)
        .send()
        .await
        .unwrap();
    for a in rts.route_tables()[0].associations() {
        if a.subnet_id() == Some(old.as_str()) {
            e.disassociate_route_table()
                .association_id(a.route_table_association_id().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    e.delete_subnet().subnet_id(&old).send().await.unwrap();
    let sn = e
        .create_subnet()
        .vpc_id(&b.vpc)
        .cidr_block(block)
        .availability_zone("us-east-1b")
        .tag_specifications(named(ResourceType::Subnet, &format!("{prefix}-private")))
        .send()
        .await
        .unwrap();
    b.private = sn.subnet().unwrap().subnet_id().unwrap().to_string();
}

/// An internal NLB named `name` in `subnets`, as AWS answers.
pub async fn nlb(aws: &AwsContext, name: &str, subnets: &[&str]) -> Result<String, String> {
    let lb = aws
        .elb
        .create_load_balancer()
        .name(name)
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .set_subnets(Some(subnets.iter().map(|s| (*s).to_string()).collect()))
        .send()
        .await
        .map_err(|e| {
            use aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata;
            e.code().unwrap_or("?").to_string()
        })?;
    Ok(lb.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string())
}

/// The internal NLB in the private subnet, and the target group the
/// console insists on (no listener yet).
async fn step_4(aws: &AwsContext, prefix: &str, b: &mut ByHand) {
    b.nlb = nlb(aws, &format!("{prefix}-nlb"), &[&b.private])
        .await
        .unwrap();
    b.placeholder = target_group(aws, &format!("{prefix}-tg-first"), &b.vpc).await;
}

/// The NAT gateway in public subnet A, and the private subnet's route to it.
async fn step_5(aws: &AwsContext, prefix: &str, b: &mut ByHand) {
    let e = &aws.ec2;
    let eip = e
        .allocate_address()
        .domain(DomainType::Vpc)
        .send()
        .await
        .unwrap();
    b.eip = eip.allocation_id().unwrap().to_string();
    let nat = e
        .create_nat_gateway()
        .subnet_id(&b.public_a)
        .allocation_id(&b.eip)
        .tag_specifications(named(ResourceType::Natgateway, &format!("{prefix}-nat")))
        .send()
        .await
        .unwrap();
    b.nat = nat
        .nat_gateway()
        .unwrap()
        .nat_gateway_id()
        .unwrap()
        .to_string();
    for _ in 0..600 {
        let d = e
            .describe_nat_gateways()
            .nat_gateway_ids(&b.nat)
            .send()
            .await
            .unwrap();
        if d.nat_gateways()[0].state() == Some(&NatGatewayState::Available) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.private_rt = route_table(aws, &b.vpc, None, Some(&b.nat)).await;
    e.associate_route_table()
        .route_table_id(&b.private_rt)
        .subnet_id(&b.private)
        .send()
        .await
        .unwrap();
}

/// A route table in `vpc` whose default route goes to an internet gateway or
/// a NAT gateway.
async fn route_table(aws: &AwsContext, vpc: &str, igw: Option<&str>, nat: Option<&str>) -> String {
    let e = &aws.ec2;
    let rt = e.create_route_table().vpc_id(vpc).send().await.unwrap();
    let id = rt
        .route_table()
        .unwrap()
        .route_table_id()
        .unwrap()
        .to_string();
    e.create_route()
        .route_table_id(&id)
        .destination_cidr_block("0.0.0.0/0")
        .set_gateway_id(igw.map(str::to_string))
        .set_nat_gateway_id(nat.map(str::to_string))
        .send()
        .await
        .unwrap();
    id
}

/// A TCP target group on the container port for ip targets, as the
/// console's wizards make it.
pub async fn target_group(aws: &AwsContext, name: &str, vpc: &str) -> String {
    let tg = aws
        .elb
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Tcp)
        .port(PORT)
        .vpc_id(vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .unwrap();
    tg.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string()
}
