//! Every id or fact a session records, typed: which step records it and the
//! name it is stored under.

use super::StepId;
use std::fmt;

/// Every id or fact a session records, typed: the step that records it and
/// the name it is stored under in the session file (which stays as it was).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputKey {
    /// The execution role's ARN.
    ExecutionRole,
    /// "true" when gatewalk created the execution role.
    ExecutionRoleCreated,
    /// The container log group's name.
    LogGroup,
    /// The task definition revision's ARN.
    TaskDefinition,
    /// The ECS cluster's ARN.
    Cluster,
    /// "true" when the cluster is this session's (not yours).
    ClusterCreated,
    /// The VPC id.
    Vpc,
    /// The internet gateway id.
    InternetGateway,
    /// Public subnet A's id.
    PublicSubnetA,
    /// Public subnet B's id (until step 3 retires it).
    PublicSubnetB,
    /// The public route table id.
    PublicRouteTable,
    /// The first Availability Zone.
    AzA,
    /// The second Availability Zone.
    AzB,
    /// The private subnet id.
    PrivateSubnet,
    /// Public subnet B's id once step 3 deleted it.
    RetiredSubnetB,
    /// The NLB's ARN.
    LoadBalancer,
    /// The NLB's DNS name.
    LoadBalancerDns,
    /// The placeholder target group's ARN.
    Placeholder,
    /// The private hosted zone gatewalk made for the NLB's name.
    HostedZone,
    /// The hosted zone (yours) gatewalk associated with the VPC.
    ZoneAssociation,
    /// The NLB's alias record, as `<zone id>/<name>`.
    DnsRecord,
    /// The ACM certificate gatewalk requested for the NLB's name.
    Certificate,
    /// The Elastic IP's allocation id.
    ElasticIp,
    /// The NAT gateway id.
    NatGateway,
    /// The `CreateNatGateway` client token, written before the call.
    NatToken,
    /// The private route table id.
    PrivateRouteTable,
    /// The VPC endpoints' security group id.
    EndpointSecurityGroup,
    /// The `ecr.api` interface endpoint id.
    EndpointEcrApi,
    /// The `ecr.dkr` interface endpoint id.
    EndpointEcrDkr,
    /// The `logs` interface endpoint id.
    EndpointLogs,
    /// The S3 gateway endpoint id.
    EndpointS3,
    /// The ECR pull-through cache rule's prefix.
    CacheRule,
    /// The ECR repository the cache fills.
    CacheRepository,
    /// The tasks' security group id.
    SecurityGroup,
    /// The service's target group ARN.
    ServiceTargetGroup,
    /// The NLB listener's ARN.
    Listener,
    /// With TLS, the plain TCP listener kept on request.
    PlainListener,
    /// The ECS service's ARN.
    Service,
    /// The placeholder target group's ARN once step 7 deleted it.
    RetiredPlaceholder,
    /// The VPC Link id.
    VpcLink,
    /// The REST API id.
    RestApi,
    /// The deployed stage's name.
    Stage,
    /// The live deployment's id.
    Deployment,
    /// `https://<id>.execute-api.<region>.amazonaws.com/<stage>/`.
    InvokeUrl,
    /// The last smoke test's result in words.
    Smoke,
}

impl OutputKey {
    /// Every key, in walkthrough order.
    pub const ALL: [OutputKey; 45] = [
        OutputKey::ExecutionRole,
        OutputKey::ExecutionRoleCreated,
        OutputKey::LogGroup,
        OutputKey::TaskDefinition,
        OutputKey::Cluster,
        OutputKey::ClusterCreated,
        OutputKey::Vpc,
        OutputKey::InternetGateway,
        OutputKey::PublicSubnetA,
        OutputKey::PublicSubnetB,
        OutputKey::PublicRouteTable,
        OutputKey::AzA,
        OutputKey::AzB,
        OutputKey::PrivateSubnet,
        OutputKey::RetiredSubnetB,
        OutputKey::LoadBalancer,
        OutputKey::LoadBalancerDns,
        OutputKey::Placeholder,
        OutputKey::HostedZone,
        OutputKey::ZoneAssociation,
        OutputKey::DnsRecord,
        OutputKey::Certificate,
        OutputKey::ElasticIp,
        OutputKey::NatGateway,
        OutputKey::NatToken,
        OutputKey::PrivateRouteTable,
        OutputKey::EndpointSecurityGroup,
        OutputKey::EndpointEcrApi,
        OutputKey::EndpointEcrDkr,
        OutputKey::EndpointLogs,
        OutputKey::EndpointS3,
        OutputKey::CacheRule,
        OutputKey::CacheRepository,
        OutputKey::SecurityGroup,
        OutputKey::ServiceTargetGroup,
        OutputKey::Listener,
        OutputKey::PlainListener,
        OutputKey::Service,
        OutputKey::RetiredPlaceholder,
        OutputKey::VpcLink,
        OutputKey::RestApi,
        OutputKey::Stage,
        OutputKey::Deployment,
        OutputKey::InvokeUrl,
        OutputKey::Smoke,
    ];

    /// The step that records it.
    pub const fn step(self) -> StepId {
        match self {
            OutputKey::ExecutionRole => StepId::TaskDefinition,
            OutputKey::ExecutionRoleCreated => StepId::TaskDefinition,
            OutputKey::LogGroup => StepId::TaskDefinition,
            OutputKey::TaskDefinition => StepId::TaskDefinition,
            OutputKey::Cluster => StepId::ClusterVpc,
            OutputKey::ClusterCreated => StepId::ClusterVpc,
            OutputKey::Vpc => StepId::ClusterVpc,
            OutputKey::InternetGateway => StepId::ClusterVpc,
            OutputKey::PublicSubnetA => StepId::ClusterVpc,
            OutputKey::PublicSubnetB => StepId::ClusterVpc,
            OutputKey::PublicRouteTable => StepId::ClusterVpc,
            OutputKey::AzA => StepId::ClusterVpc,
            OutputKey::AzB => StepId::ClusterVpc,
            OutputKey::PrivateSubnet => StepId::PrivateSubnet,
            OutputKey::RetiredSubnetB => StepId::PrivateSubnet,
            OutputKey::LoadBalancer => StepId::LoadBalancer,
            OutputKey::LoadBalancerDns => StepId::LoadBalancer,
            OutputKey::Placeholder => StepId::LoadBalancer,
            OutputKey::HostedZone => StepId::LoadBalancer,
            OutputKey::ZoneAssociation => StepId::LoadBalancer,
            OutputKey::DnsRecord => StepId::LoadBalancer,
            OutputKey::Certificate => StepId::LoadBalancer,
            OutputKey::ElasticIp => StepId::NatGateway,
            OutputKey::NatGateway => StepId::NatGateway,
            OutputKey::NatToken => StepId::NatGateway,
            OutputKey::PrivateRouteTable => StepId::NatGateway,
            OutputKey::EndpointSecurityGroup => StepId::NatGateway,
            OutputKey::EndpointEcrApi => StepId::NatGateway,
            OutputKey::EndpointEcrDkr => StepId::NatGateway,
            OutputKey::EndpointLogs => StepId::NatGateway,
            OutputKey::EndpointS3 => StepId::NatGateway,
            OutputKey::CacheRule => StepId::NatGateway,
            OutputKey::CacheRepository => StepId::NatGateway,
            OutputKey::SecurityGroup => StepId::Service,
            OutputKey::ServiceTargetGroup => StepId::Service,
            OutputKey::Listener => StepId::Service,
            OutputKey::PlainListener => StepId::Service,
            OutputKey::Service => StepId::Service,
            OutputKey::RetiredPlaceholder => StepId::TargetGroupSwap,
            OutputKey::VpcLink => StepId::VpcLink,
            OutputKey::RestApi => StepId::RestApi,
            OutputKey::Stage => StepId::RestApi,
            OutputKey::Deployment => StepId::RestApi,
            OutputKey::InvokeUrl => StepId::RestApi,
            OutputKey::Smoke => StepId::Done,
        }
    }

    /// Its name in the session file.
    pub const fn as_str(self) -> &'static str {
        match self {
            OutputKey::ExecutionRole => "execution_role_arn",
            OutputKey::ExecutionRoleCreated => "execution_role_created",
            OutputKey::LogGroup => "log_group_name",
            OutputKey::TaskDefinition => "task_definition_arn",
            OutputKey::Cluster => "cluster_arn",
            OutputKey::ClusterCreated => "cluster_created",
            OutputKey::Vpc => "vpc_id",
            OutputKey::InternetGateway => "internet_gateway_id",
            OutputKey::PublicSubnetA => "public_subnet_a_id",
            OutputKey::PublicSubnetB => "public_subnet_b_id",
            OutputKey::PublicRouteTable => "public_route_table_id",
            OutputKey::AzA => "az_a",
            OutputKey::AzB => "az_b",
            OutputKey::PrivateSubnet => "private_subnet_id",
            OutputKey::RetiredSubnetB => "retired_public_subnet_b_id",
            OutputKey::LoadBalancer => "load_balancer_arn",
            OutputKey::LoadBalancerDns => "load_balancer_dns",
            OutputKey::Placeholder => "placeholder_target_group_arn",
            OutputKey::HostedZone => "private_hosted_zone_id",
            OutputKey::ZoneAssociation => "associated_hosted_zone_id",
            OutputKey::DnsRecord => "alias_record",
            OutputKey::Certificate => "certificate_arn",
            OutputKey::ElasticIp => "eip_allocation_id",
            OutputKey::NatGateway => "nat_gateway_id",
            OutputKey::NatToken => "nat_client_token",
            OutputKey::PrivateRouteTable => "private_route_table_id",
            OutputKey::EndpointSecurityGroup => "endpoint_security_group_id",
            OutputKey::EndpointEcrApi => "ecr_api_endpoint_id",
            OutputKey::EndpointEcrDkr => "ecr_dkr_endpoint_id",
            OutputKey::EndpointLogs => "logs_endpoint_id",
            OutputKey::EndpointS3 => "s3_endpoint_id",
            OutputKey::CacheRule => "pull_through_cache_prefix",
            OutputKey::CacheRepository => "cache_repository_name",
            OutputKey::SecurityGroup => "task_security_group_id",
            OutputKey::ServiceTargetGroup => "service_target_group_arn",
            OutputKey::Listener => "listener_arn",
            OutputKey::PlainListener => "plain_listener_arn",
            OutputKey::Service => "service_arn",
            OutputKey::RetiredPlaceholder => "retired_placeholder_target_group_arn",
            OutputKey::VpcLink => "vpc_link_id",
            OutputKey::RestApi => "rest_api_id",
            OutputKey::Stage => "stage_name",
            OutputKey::Deployment => "deployment_id",
            OutputKey::InvokeUrl => "invoke_url",
            OutputKey::Smoke => "smoke_result",
        }
    }

    /// Whether it names a resource (that can be yours, bound to a session)
    /// rather than a fact about one (a zone, a DNS name, a token).
    pub const fn is_resource(self) -> bool {
        !matches!(
            self,
            OutputKey::ExecutionRoleCreated
                | OutputKey::ClusterCreated
                | OutputKey::AzA
                | OutputKey::AzB
                | OutputKey::RetiredSubnetB
                | OutputKey::LoadBalancerDns
                | OutputKey::NatToken
                | OutputKey::ZoneAssociation
                | OutputKey::RetiredPlaceholder
                | OutputKey::Stage
                | OutputKey::Deployment
                | OutputKey::InvokeUrl
                | OutputKey::Smoke
        )
    }

    /// What it is, in words (`NAT gateway`), for binding tables.
    pub const fn noun(self) -> &'static str {
        match self {
            OutputKey::ExecutionRole => "execution role",
            OutputKey::ExecutionRoleCreated => "execution role made by gatewalk",
            OutputKey::LogGroup => "log group",
            OutputKey::TaskDefinition => "task definition",
            OutputKey::Cluster => "ECS cluster",
            OutputKey::ClusterCreated => "cluster made by gatewalk",
            OutputKey::Vpc => "VPC",
            OutputKey::InternetGateway => "internet gateway",
            OutputKey::PublicSubnetA => "public subnet A",
            OutputKey::PublicSubnetB => "public subnet B",
            OutputKey::PublicRouteTable => "public route table",
            OutputKey::AzA => "zone A",
            OutputKey::AzB => "zone B",
            OutputKey::PrivateSubnet => "private subnet",
            OutputKey::RetiredSubnetB => "retired public subnet B",
            OutputKey::LoadBalancer => "network load balancer",
            OutputKey::LoadBalancerDns => "load balancer DNS name",
            OutputKey::Placeholder => "placeholder target group",
            OutputKey::HostedZone => "private hosted zone",
            OutputKey::ZoneAssociation => "hosted zone associated with the VPC",
            OutputKey::DnsRecord => "alias record",
            OutputKey::Certificate => "certificate",
            OutputKey::ElasticIp => "Elastic IP",
            OutputKey::NatGateway => "NAT gateway",
            OutputKey::NatToken => "NAT client token",
            OutputKey::PrivateRouteTable => "private route table",
            OutputKey::EndpointSecurityGroup => "endpoint security group",
            OutputKey::EndpointEcrApi => "ecr.api endpoint",
            OutputKey::EndpointEcrDkr => "ecr.dkr endpoint",
            OutputKey::EndpointLogs => "logs endpoint",
            OutputKey::EndpointS3 => "S3 gateway endpoint",
            OutputKey::CacheRule => "pull-through cache rule",
            OutputKey::CacheRepository => "cache repository",
            OutputKey::SecurityGroup => "task security group",
            OutputKey::ServiceTargetGroup => "service target group",
            OutputKey::Listener => "listener",
            OutputKey::PlainListener => "plain listener",
            OutputKey::Service => "ECS service",
            OutputKey::RetiredPlaceholder => "retired placeholder",
            OutputKey::VpcLink => "VPC link",
            OutputKey::RestApi => "REST API",
            OutputKey::Stage => "stage",
            OutputKey::Deployment => "API deployment",
            OutputKey::InvokeUrl => "invoke URL",
            OutputKey::Smoke => "smoke test",
        }
    }

    /// The key stored under this name, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for OutputKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Output keys that more than their own step reads: the front ends, the
/// summary and the cost estimate. Each step that records one re-exports it
/// beside its other keys, so step code reads them as before.
pub mod keys {
    use super::OutputKey;

    /// Step 3: the private subnet id.
    pub const PRIVATE_SUBNET_KEY: OutputKey = OutputKey::PrivateSubnet;
    /// Step 4: the NLB's ARN.
    pub const NLB: OutputKey = OutputKey::LoadBalancer;
    /// Step 5: the Elastic IP's allocation id.
    pub const EIP: OutputKey = OutputKey::ElasticIp;
    /// Step 5: the NAT gateway id.
    pub const NAT: OutputKey = OutputKey::NatGateway;
    /// Step 6: the ECS service's ARN.
    pub const SERVICE: OutputKey = OutputKey::Service;
    /// Step 8: the VPC Link id.
    pub const LINK_KEY: OutputKey = OutputKey::VpcLink;
    /// Step 9: `https://<id>.execute-api.<region>.amazonaws.com/<stage>/`.
    pub const INVOKE_URL: OutputKey = OutputKey::InvokeUrl;
    /// Step 10: the last smoke test's result in words.
    pub const SMOKE_KEY: OutputKey = OutputKey::Smoke;
}

/// Written as its name in the session file (`vpc_id`), so it can key a map.
impl serde::Serialize for OutputKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
