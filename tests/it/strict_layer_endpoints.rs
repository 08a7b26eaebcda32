//! The strict layer's VPC endpoint and ECR pull-through cache rules, each a
//! raw SDK call answered as AWS answers it through the layer, beside bare
//! moto — which has no pull-through cache at all and accepts every endpoint.

use crate::common;

use aws_sdk_ec2::types::VpcEndpointType;
use common::strict::*;

async fn interface(
    r: &Raw,
    vpc: &str,
    subnets: &[&str],
    sg: &str,
) -> Result<
    aws_sdk_ec2::operation::create_vpc_endpoint::CreateVpcEndpointOutput,
    aws_sdk_ec2::error::SdkError<
        aws_sdk_ec2::operation::create_vpc_endpoint::CreateVpcEndpointError,
    >,
> {
    r.ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .vpc_id(vpc)
        .service_name("com.amazonaws.us-east-1.ecr.dkr")
        .set_subnet_ids(Some(subnets.iter().map(|s| (*s).to_string()).collect()))
        .security_group_ids(sg)
        .private_dns_enabled(true)
        .send()
        .await
}

async fn dns_hostnames(r: &Raw, vpc: &str) {
    r.ec2
        .modify_vpc_attribute()
        .vpc_id(vpc)
        .enable_dns_hostnames(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn private_dns_needs_the_vpcs_dns_and_one_subnet_per_zone() {
    let p = Pair::new().await;
    let mut no_dns = Vec::new();
    let mut same_zone = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        // A new VPC has DNS hostnames off: private DNS cannot resolve.
        no_dns.push(interface(r, &n.vpc, &[&n.a], &n.sg).await);
        dns_hostnames(r, &n.vpc).await;
        let extra = r
            .ec2
            .create_subnet()
            .vpc_id(&n.vpc)
            .cidr_block("10.0.9.0/24")
            .availability_zone("us-east-1a")
            .send()
            .await
            .unwrap();
        let extra = extra.subnet().unwrap().subnet_id().unwrap();
        same_zone.push(interface(r, &n.vpc, &[&n.a, extra], &n.sg).await);
    }
    let bare = no_dns.pop().unwrap();
    refused_only_by_layer(no_dns.pop().unwrap(), bare, "InvalidParameter");
    let bare = same_zone.pop().unwrap();
    refused_only_by_layer(same_zone.pop().unwrap(), bare, "DuplicateSubnetsInSameZone");
}

#[tokio::test]
async fn a_group_an_endpoint_uses_cannot_be_deleted() {
    let p = Pair::new().await;
    let mut answers = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        dns_hostnames(r, &n.vpc).await;
        interface(r, &n.vpc, &[&n.a], &n.sg).await.unwrap();
        answers.push(r.ec2.delete_security_group().group_id(&n.sg).send().await);
    }
    let bare = answers.pop().unwrap();
    refused_only_by_layer(answers.pop().unwrap(), bare, "DependencyViolation");
}

#[tokio::test]
async fn pull_through_cache_rules_are_answered_as_ecr_answers() {
    let p = Pair::new().await;
    let r = &p.strict;
    let create = |prefix: &'static str, url: &'static str| {
        r.ecr
            .create_pull_through_cache_rule()
            .ecr_repository_prefix(prefix)
            .upstream_registry_url(url)
            .send()
    };
    let made = create("demo-ecr-public", "public.ecr.aws").await.unwrap();
    assert_eq!(made.ecr_repository_prefix(), Some("demo-ecr-public"));
    assert_eq!(made.upstream_registry_url(), Some("public.ecr.aws"));
    assert_eq!(made.registry_id(), Some("123456789012"));
    assert!(made.created_at().is_some());
    let again = create("demo-ecr-public", "public.ecr.aws").await;
    assert_eq!(
        code(&again).as_deref(),
        Some("PullThroughCacheRuleAlreadyExistsException")
    );
    let bad = create("Demo", "public.ecr.aws").await;
    assert_eq!(code(&bad).as_deref(), Some("InvalidParameterException"));
    let hub = create("hub", "registry-1.docker.io").await;
    assert_eq!(
        code(&hub).as_deref(),
        Some("UnsupportedUpstreamRegistryException"),
        "Docker Hub needs credentials"
    );
    let listed = r
        .ecr
        .describe_pull_through_cache_rules()
        .send()
        .await
        .unwrap();
    assert_eq!(listed.pull_through_cache_rules().len(), 1);
    let missing = r
        .ecr
        .describe_pull_through_cache_rules()
        .ecr_repository_prefixes("nope")
        .send()
        .await;
    assert_eq!(
        code(&missing).as_deref(),
        Some("PullThroughCacheRuleNotFoundException")
    );
    r.ecr
        .delete_pull_through_cache_rule()
        .ecr_repository_prefix("demo-ecr-public")
        .send()
        .await
        .unwrap();
    let gone = r
        .ecr
        .delete_pull_through_cache_rule()
        .ecr_repository_prefix("demo-ecr-public")
        .send()
        .await;
    assert_eq!(
        code(&gone).as_deref(),
        Some("PullThroughCacheRuleNotFoundException")
    );
    // Bare moto has no pull-through cache: it cannot answer at all.
    let bare = p
        .bare
        .ecr
        .create_pull_through_cache_rule()
        .ecr_repository_prefix("demo-ecr-public")
        .upstream_registry_url("public.ecr.aws")
        .send()
        .await;
    assert!(bare.is_err(), "bare moto answered {bare:?}");
}
