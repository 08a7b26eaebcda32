//! Steps 6–10 by hand: the tasks' security group, the service's target
//! group, listener and service, the placeholder removed, the VPC link and
//! the REST API — each as the console user makes it, optionally with a
//! mistake (the CDK pattern's security group, a link to another NLB).

use super::{ByHand, PORT};
use aws_sdk_elasticloadbalancingv2::types::ProtocolEnum;
use gatewalk::aws::AwsContext;

/// What the hand-built steps 6–10 made.
#[derive(Debug, Clone, Default)]
pub struct Rest {
    pub sg: String,
    pub tg: String,
    pub listener: String,
    pub service: String,
    pub link: String,
    pub api: String,
}

/// How steps 6–10 are done by hand.
#[derive(Debug, Clone, Copy)]
pub struct Hand<'a> {
    /// Whether the task security group lets the container port in from the
    /// VPC; the CDK pattern's bug leaves only port 80 open.
    pub container_rule: bool,
    /// The NLB the VPC link targets (the deployment's own when `None`).
    pub link_to: Option<&'a str>,
}

/// Done as the walkthrough says.
pub const RIGHT: Hand<'static> = Hand {
    container_rule: true,
    link_to: None,
};

/// Steps 6–10 by hand on top of steps 1–5.
pub async fn steps_6_to_10(aws: &AwsContext, prefix: &str, b: &ByHand, how: Hand<'_>) -> Rest {
    let mut r = Rest::default();
    step_6(aws, prefix, b, how.container_rule, &mut r).await;
    // Step 7: the listener forwards to the service's group; the first goes.
    aws.elb
        .delete_target_group()
        .target_group_arn(&b.placeholder)
        .send()
        .await
        .unwrap();
    r.link = vpc_link(aws, prefix, how.link_to.unwrap_or(&b.nlb)).await;
    r.api = rest_api(aws, prefix, b, &r.link).await;
    r
}

async fn step_6(aws: &AwsContext, prefix: &str, b: &ByHand, container_rule: bool, r: &mut Rest) {
    let sg = aws
        .ec2
        .create_security_group()
        .group_name(format!("{prefix}-tasks"))
        .description("pubquiz tasks")
        .vpc_id(&b.vpc)
        .send()
        .await
        .unwrap();
    r.sg = sg.group_id().unwrap().to_string();
    let port = if container_rule { PORT } else { 80 };
    aws.ec2
        .authorize_security_group_ingress()
        .group_id(&r.sg)
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .cidr_ip("10.0.0.0/16")
        .send()
        .await
        .unwrap();
    r.tg = super::target_group(aws, &format!("{prefix}-tg"), &b.vpc).await;
    let l = aws
        .elb
        .create_listener()
        .load_balancer_arn(&b.nlb)
        .protocol(ProtocolEnum::Tcp)
        .port(PORT)
        .default_actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Forward)
                .target_group_arn(&r.tg)
                .build(),
        )
        .send()
        .await
        .unwrap();
    r.listener = l.listeners()[0].listener_arn().unwrap().to_string();
    r.service = create_service(aws, prefix, b, r).await;
}

async fn create_service(aws: &AwsContext, prefix: &str, b: &ByHand, r: &Rest) -> String {
    use aws_sdk_ecs::types::{
        AssignPublicIp, AwsVpcConfiguration, DeploymentCircuitBreaker, DeploymentConfiguration,
        LaunchType, LoadBalancer, NetworkConfiguration,
    };
    let net = NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(&b.private)
                .security_groups(&r.sg)
                .assign_public_ip(AssignPublicIp::Disabled)
                .build()
                .unwrap(),
        )
        .build();
    // ECS's service-linked role, made with the cluster, may still be
    // propagating: the console retries too.
    for _ in 0..200 {
        let out = aws
            .ecs
            .create_service()
            .cluster(&b.cluster)
            .service_name(format!("{prefix}-service"))
            .task_definition(&b.task_definition)
            .desired_count(1)
            .launch_type(LaunchType::Fargate)
            .network_configuration(net.clone())
            .load_balancers(
                LoadBalancer::builder()
                    .target_group_arn(&r.tg)
                    .container_name(prefix)
                    .container_port(PORT)
                    .build(),
            )
            .deployment_configuration(
                DeploymentConfiguration::builder()
                    .deployment_circuit_breaker(
                        DeploymentCircuitBreaker::builder()
                            .enable(true)
                            .rollback(true)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await;
        match out {
            Ok(o) => return o.service().unwrap().service_arn().unwrap().to_string(),
            Err(e) if format!("{e:?}").contains("assume the service linked role") => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("CreateService: {e:?}"),
        }
    }
    panic!("ECS never accepted its service-linked role");
}

/// A VPC link to `nlb`, waited for until AVAILABLE.
async fn vpc_link(aws: &AwsContext, prefix: &str, nlb: &str) -> String {
    let l = aws
        .apigw
        .create_vpc_link()
        .name(format!("{prefix}-link"))
        .target_arns(nlb)
        .send()
        .await
        .unwrap();
    let id = l.id().unwrap().to_string();
    for _ in 0..600 {
        let g = aws
            .apigw
            .get_vpc_link()
            .vpc_link_id(&id)
            .send()
            .await
            .unwrap();
        if g.status()
            .map(aws_sdk_apigateway::types::VpcLinkStatus::as_str)
            == Some("AVAILABLE")
        {
            return id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("VPC link {id} never became AVAILABLE");
}

/// The REST API: `ANY /` and `ANY /{proxy+}` through the link to the NLB,
/// deployed to `prod`.
async fn rest_api(aws: &AwsContext, prefix: &str, b: &ByHand, link: &str) -> String {
    use aws_sdk_apigateway::types::{
        ConnectionType, EndpointConfiguration, EndpointType, IntegrationType,
    };
    let g = &aws.apigw;
    let api = g
        .create_rest_api()
        .name(format!("{prefix}-api"))
        .endpoint_configuration(
            EndpointConfiguration::builder()
                .types(EndpointType::Regional)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let id = api.id().unwrap().to_string();
    let dns = aws
        .elb
        .describe_load_balancers()
        .load_balancer_arns(&b.nlb)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .dns_name()
        .unwrap()
        .to_string();
    let res = g.get_resources().rest_api_id(&id).send().await.unwrap();
    let root = res.items()[0].id().unwrap().to_string();
    let proxy = g
        .create_resource()
        .rest_api_id(&id)
        .parent_id(&root)
        .path_part("{proxy+}")
        .send()
        .await
        .unwrap()
        .id()
        .unwrap()
        .to_string();
    for (rid, path, param) in [(&root, "/", false), (&proxy, "/{proxy}", true)] {
        let mut m = g
            .put_method()
            .rest_api_id(&id)
            .resource_id(rid)
            .http_method("ANY")
            .authorization_type("NONE");
        let mut i = g
            .put_integration()
            .rest_api_id(&id)
            .resource_id(rid)
            .http_method("ANY")
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method("ANY")
            .uri(format!("http://{dns}:{PORT}{path}"))
            .connection_type(ConnectionType::VpcLink)
            .connection_id(link);
        if param {
            m = m.request_parameters("method.request.path.proxy", true);
            i = i.request_parameters(
                "integration.request.path.proxy",
                "method.request.path.proxy",
            );
        }
        m.send().await.unwrap();
        i.send().await.unwrap();
    }
    g.create_deployment()
        .rest_api_id(&id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    id
}
