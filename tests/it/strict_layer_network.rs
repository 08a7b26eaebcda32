//! The strict-AWS layer's VPC, load balancer and API Gateway rules: for each,
//! a raw SDK call that AWS refuses (or answers with an in-between state) gets
//! AWS's answer through the layer — and bare moto accepts it. Clients have
//! retries off, so every answer is the server's first word.

use crate::common;

use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerSchemeEnum, LoadBalancerTypeEnum};
use common::strict::*;
use gatewalk::sandbox::Ephemeral;

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
    let bare = long.pop().unwrap();
    refused_only_by_layer(long.pop().unwrap(), bare, "ValidationError");
    let tg = p
        .strict
        .elb
        .create_target_group()
        .name("-placeholder")
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Tcp)
        .port(80)
        .send()
        .await;
    assert_eq!(
        code(&tg).as_deref(),
        Some("ValidationError"),
        "no hyphen first"
    );
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
        let igw = attached_igw(r, &n.vpc).await;
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
        let vpc = vpc(r, "10.1.0.0/16").await;
        attached_igw(r, &vpc).await;
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
            settled
                .status()
                .map(aws_sdk_apigateway::types::VpcLinkStatus::as_str),
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

#[tokio::test]
async fn a_deleted_load_balancer_holds_its_subnets_for_a_while() {
    let p = Pair::new().await;
    let mut answers = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        let lb = nlb(r, &n).await;
        r.elb
            .delete_load_balancer()
            .load_balancer_arn(&lb)
            .send()
            .await
            .unwrap();
        answers.push(r.ec2.delete_subnet().subnet_id(&n.a).send().await);
    }
    let bare = answers.pop().unwrap();
    refused_only_by_layer(answers.pop().unwrap(), bare, "DependencyViolation");
    // Its interfaces go a while later (at instant pace: the next request).
    let r = &p.strict;
    let a = r
        .ec2
        .describe_subnets()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("cidr-block")
                .values("10.0.1.0/24")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .subnets()[0]
        .subnet_id()
        .unwrap()
        .to_string();
    r.ec2
        .delete_subnet()
        .subnet_id(a)
        .send()
        .await
        .expect("free once the interfaces are gone");
}

#[tokio::test]
async fn a_group_named_by_another_groups_rule_is_held() {
    let p = Pair::new().await;
    let mut answers = Vec::new();
    for r in [&p.strict, &p.bare] {
        let n = net(r).await;
        let other = r
            .ec2
            .create_security_group()
            .group_name("nlb")
            .description("nlb")
            .vpc_id(&n.vpc)
            .send()
            .await
            .unwrap()
            .group_id()
            .unwrap()
            .to_string();
        r.ec2
            .authorize_security_group_ingress()
            .group_id(&other)
            .ip_permissions(
                aws_sdk_ec2::types::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(80)
                    .to_port(80)
                    .user_id_group_pairs(
                        aws_sdk_ec2::types::UserIdGroupPair::builder()
                            .group_id(&n.sg)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        answers.push(r.ec2.delete_security_group().group_id(&n.sg).send().await);
    }
    let bare = answers.pop().unwrap();
    refused_only_by_layer(answers.pop().unwrap(), bare, "DependencyViolation");
}

#[tokio::test]
async fn delete_vpc_with_a_subnet_or_a_nat_gateway_is_refused() {
    let p = Pair::new().await;
    let r = &p.strict;
    let n = net(r).await;
    let (nat_id, _) = nat(r, &n).await;
    for sn in [&n.a, &n.b] {
        let _ = r.ec2.delete_subnet().subnet_id(sn).send().await;
    }
    let answer = r.ec2.delete_vpc().vpc_id(&n.vpc).send().await;
    assert_eq!(
        code(&answer).as_deref(),
        Some("DependencyViolation"),
        "the NAT gateway's subnet and interface"
    );
    r.ec2
        .delete_nat_gateway()
        .nat_gateway_id(nat_id)
        .send()
        .await
        .unwrap();
    p.clean().await;
}
