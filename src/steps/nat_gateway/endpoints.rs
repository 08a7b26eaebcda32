//! Apply and teardown of step 5 with `egress = endpoints`: no NAT gateway;
//! the private subnet reaches ECR (`ecr.api`, `ecr.dkr`), CloudWatch Logs
//! (`logs`) and S3 (image layers) through VPC endpoints, and an ECR Public
//! image through a pull-through cache rule and its repository.
//! <https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html>

use super::owned;
use crate::aws::CallExt;
use crate::aws::ec2::VpcEndpoints;
use crate::aws::ec2::endpoints::{endpoint_state, service_name};
use crate::aws::ecr::ecr_tags;
use crate::aws::error::returned;
use crate::aws::kind::At;
use crate::aws::tags::Owner;
use crate::aws::wait::{Poll, wait_for};
use crate::error::Result;
use crate::inputs::nat_gateway::{ECR_PUBLIC, cache_repository, cached_image};
use crate::model::{Change, ChangeAction, OutputKey};
use crate::session::{Session, SessionHandle};
use crate::steps::StepCx;
use crate::steps::net::GroupSpec;
use crate::steps::resource::Owned;
use aws_sdk_ec2::types::{ResourceType, VpcEndpointType};
use aws_sdk_ecr::types::PullThroughCacheRule;
use std::time::Duration;

/// The interface endpoints, with the service each reaches.
pub const INTERFACES: [(&Owned<VpcEndpoints>, &str); 3] = [
    (&owned::ECR_API, "ecr.api"),
    (&owned::ECR_DKR, "ecr.dkr"),
    (&owned::LOGS, "logs"),
];

/// Where the endpoints go: the VPC, the private subnet, the private route
/// table.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// VPC id.
    pub vpc: &'a str,
    /// Private subnet id.
    pub subnet: &'a str,
    /// Private route table id.
    pub route_table: &'a str,
}

/// Everything of the endpoints variant, in dependency order.
pub async fn apply(cx: StepCx<'_>, h: &mut SessionHandle, at: Place<'_>) -> Result<()> {
    let owner = Owner::of(h.session());
    let spec = GroupSpec {
        vpc: at.vpc,
        name: format!("{owner}-endpoints"),
        description: format!(
            "gatewalk {owner}: VPC endpoints accept HTTPS from inside the VPC only"
        ),
        port: 443,
        cidr: &cx.inputs.cluster_vpc.vpc_cidr,
        why: "tasks reach ECR and CloudWatch Logs",
    };
    let sg = crate::steps::net::group_admitting(cx, h, &owned::ENDPOINT_SG, spec).await?;
    for (decl, service) in INTERFACES {
        interface(cx, h, decl, service, at, &sg).await?;
    }
    gateway_s3(cx, h, at).await?;
    cache(cx, h).await
}

/// One interface endpoint in the private subnet, with private DNS (so the
/// usual `api.ecr.<region>.amazonaws.com` names resolve to it), waited for
/// until available.
async fn interface(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    decl: &Owned<VpcEndpoints>,
    service: &str,
    at: Place<'_>,
    sg: &str,
) -> Result<()> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = decl.tags(&owner);
    let name = format!("{owner}-{service}");
    let got = decl
        .ensure(cx, h, At::ANY, || async {
            let req = create(aws, VpcEndpointType::Interface, at.vpc, service, &t, &name)
                .subnet_ids(at.subnet)
                .security_group_ids(sg)
                .private_dns_enabled(true);
            sent(req).await
        })
        .await?;
    let e = &got.item;
    let mut change = aws.ec2.modify_vpc_endpoint().vpc_endpoint_id(&got.id);
    let mut what = Vec::new();
    if !e.subnet_ids().iter().any(|x| x == at.subnet) {
        change = change.add_subnet_ids(at.subnet);
        what.push(format!("serve subnet {}", at.subnet));
    }
    if !e.groups().iter().any(|g| g.group_id() == Some(sg)) {
        change = change.add_security_group_ids(sg);
        what.push(format!("use security group {sg}"));
    }
    if e.private_dns_enabled() != Some(true) {
        change = change.private_dns_enabled(true);
        what.push("turn private DNS on".to_string());
    }
    let created = got.origin == crate::steps::resource::Origin::Created;
    if !created && !what.is_empty() && decl.may_change(cx, h, &got, &what.join(", "))? {
        change.send().await.ctx("ec2", "ModifyVpcEndpoint")?;
    }
    wait_available(cx, decl.noun, &got.id).await
}

/// `CreateVpcEndpoint` for `service` in `vpc`, tagged and named.
fn create(
    aws: &crate::aws::AwsContext,
    kind: VpcEndpointType,
    vpc: &str,
    service: &str,
    t: &crate::aws::tags::ResourceTags<'_>,
    name: &str,
) -> aws_sdk_ec2::operation::create_vpc_endpoint::builders::CreateVpcEndpointFluentBuilder {
    aws.ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(kind)
        .vpc_id(vpc)
        .service_name(service_name(&aws.region, service))
        .tag_specifications(t.ec2_spec(ResourceType::VpcEndpoint, name))
}

async fn sent(
    req: aws_sdk_ec2::operation::create_vpc_endpoint::builders::CreateVpcEndpointFluentBuilder,
) -> Result<aws_sdk_ec2::types::VpcEndpoint> {
    let out = req.send().await.ctx("ec2", "CreateVpcEndpoint")?;
    returned(
        out.vpc_endpoint(),
        "ec2",
        "CreateVpcEndpoint",
        "VpcEndpoint",
    )
}

async fn wait_available(cx: StepCx<'_>, noun: &str, id: &str) -> Result<()> {
    let aws = cx.aws;
    wait_for(
        cx.progress,
        &format!("the {noun} to become available"),
        Duration::from_secs(10 * 60),
        || async move {
            let Some(e) = crate::aws::ec2::endpoints::describe_endpoint(aws, id).await? else {
                return Ok(Poll::Pending("not visible yet".into()));
            };
            Ok(match endpoint_state(&e).as_str() {
                "available" => Poll::Ready(()),
                "pending" | "pendingacceptance" | "unknown" => Poll::Pending("pending".into()),
                other => Poll::Failed(format!("it is {other}")),
            })
        },
    )
    .await
}

/// The S3 gateway endpoint on the private route table: free, and where
/// ECR keeps image layers.
async fn gateway_s3(cx: StepCx<'_>, h: &mut SessionHandle, at: Place<'_>) -> Result<()> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = owned::S3.tags(&owner);
    let name = format!("{owner}-s3");
    let got = owned::S3
        .ensure(cx, h, At::ANY, || async {
            let req = create(aws, VpcEndpointType::Gateway, at.vpc, "s3", &t, &name)
                .route_table_ids(at.route_table);
            sent(req).await
        })
        .await?;
    let on_table = got
        .item
        .route_table_ids()
        .iter()
        .any(|r| r == at.route_table);
    if !on_table
        && owned::S3.may_change(cx, h, &got, &format!("add route table {}", at.route_table))?
    {
        aws.ec2
            .modify_vpc_endpoint()
            .vpc_endpoint_id(&got.id)
            .add_route_table_ids(at.route_table)
            .send()
            .await
            .ctx("ec2", "ModifyVpcEndpoint")?;
        cx.progress.info(format!(
            "{} now serves route table {}",
            got.id, at.route_table
        ));
    }
    wait_available(cx, owned::S3.noun, &got.id).await
}

/// For an ECR Public image: the cache repository (tagged, made first: it
/// is how the untaggable rule is known to be this session's), then the
/// rule. A rule with the prefix that this session did not make (or start
/// to make) is refused before anything is created. A rule or repository of
/// an earlier apply that the inputs no longer name (another prefix or
/// image, or an image in private ECR) is deleted first.
async fn cache(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let wanted = cache_repository(cx.inputs);
    let prefix = cx.inputs.nat_gateway.cache_prefix.as_str();
    retire_other_cache(cx, h, wanted.as_deref().map(|r| (r, prefix))).await?;
    let Some(repo) = wanted else {
        return Ok(());
    };
    refuse_foreign_rule(cx, h, prefix).await?;
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = owned::CACHE_REPO.tags(&owner);
    owned::CACHE_REPO
        .ensure(cx, h, At::named(&repo), || async {
            let out = aws
                .ecr
                .create_repository()
                .repository_name(&repo)
                .set_tags(Some(ecr_tags(&t)))
                .send()
                .await
                .ctx("ecr", "CreateRepository")?;
            returned(out.repository(), "ecr", "CreateRepository", "repository")
        })
        .await?;
    owned::CACHE_RULE
        .ensure(cx, h, At::named(prefix), || async {
            let out = aws
                .ecr
                .create_pull_through_cache_rule()
                .ecr_repository_prefix(prefix)
                .upstream_registry_url(ECR_PUBLIC)
                .send()
                .await
                .ctx("ecr", "CreatePullThroughCacheRule")?;
            Ok(PullThroughCacheRule::builder()
                .set_ecr_repository_prefix(out.ecr_repository_prefix().map(str::to_string))
                .set_upstream_registry_url(out.upstream_registry_url().map(str::to_string))
                .build())
        })
        .await?;
    Ok(())
}

/// Refuses a rule with `prefix` that this session has neither recorded nor
/// begun to create: someone else's (rules carry no tags to tell).
async fn refuse_foreign_rule(cx: StepCx<'_>, h: &SessionHandle, prefix: &str) -> Result<()> {
    let s = h.session();
    let ours = s.output(owned::CACHE_RULE.key) == Some(prefix) || started(s, owned::CACHE_RULE.key);
    if ours
        || crate::aws::ecr::describe_rule(cx.aws, prefix)
            .await?
            .is_none()
    {
        return Ok(());
    }
    Err(crate::error::Error::Conflict(format!(
        "a pull-through cache rule with prefix `{prefix}` already exists and was not made by \
         session `{}`.\n  hint: choose another prefix with --set nat-gateway.cache_prefix=NAME",
        s.name
    )))
}

/// Whether the session wrote the intent to create `key` (a run interrupted
/// between the create call and the record).
fn started(s: &Session, key: OutputKey) -> bool {
    s.step(key.step())
        .outputs
        .keys()
        .any(|k| k != key.as_str() && k.ends_with(key.as_str()))
}

/// Deletes the recorded rule and repository when they are not the ones
/// `wanted` (repository, prefix) names.
async fn retire_other_cache(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    wanted: Option<(&str, &str)>,
) -> Result<()> {
    let s = h.session();
    if let Some(old) = s.output(owned::CACHE_RULE.key).map(str::to_string)
        && wanted.map(|w| w.1) != Some(old.as_str())
    {
        owned::CACHE_RULE
            .delete_owned(cx, h, At::named(&old))
            .await?;
    }
    if let Some(old) = h
        .session()
        .output(owned::CACHE_REPO.key)
        .map(str::to_string)
        && wanted.map(|w| w.0) != Some(old.as_str())
    {
        owned::CACHE_REPO
            .delete_owned(cx, h, At::named(&old))
            .await?;
    }
    Ok(())
}

/// Whether the task's image still has to be fetched into the cache for the
/// first time. AWS documents that this first fetch needs a way out to the
/// internet even with the ECR endpoints in place ("Subsequent image pulls
/// don't require this"), so until it has happened step 5 keeps a NAT
/// gateway beside the endpoints, and step 6 retires it once the cache holds
/// the image.
/// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html>
pub async fn first_pull_pending(cx: StepCx<'_>) -> Result<bool> {
    let Some((repo, tag)) = cached_image(cx.inputs) else {
        return Ok(false);
    };
    Ok(!crate::aws::ecr::image_cached(cx.aws, &repo, &tag).await?)
}

/// Why the NAT gateway stays for now, in words.
pub const FIRST_PULL: &str = "the first pull through the cache needs a way out to the internet (AWS documents it: later pulls go through the endpoints alone)";

/// Whether the session has (or began to make) anything of the endpoints
/// variant: then apply with `egress = nat`, and teardown, remove it.
pub fn touched(s: &Session) -> bool {
    let outputs = &s.step(crate::model::StepId::NatGateway).outputs;
    [
        owned::ENDPOINT_SG.key,
        owned::ECR_API.key,
        owned::ECR_DKR.key,
        owned::LOGS.key,
        owned::S3.key,
        owned::CACHE_RULE.key,
        owned::CACHE_REPO.key,
    ]
    .iter()
    .any(|k| outputs.keys().any(|o| o.ends_with(k.as_str())))
}

/// Deletes the endpoints variant: each rule over one of this session's
/// cache repositories before the repositories (their tags are what make a
/// rule this session's), the endpoints before their security group.
pub async fn remove(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let owner = Owner::of(h.session());
    let repos = owned::CACHE_REPO.find(cx, &owner, None, At::ANY).await?;
    let mut prefixes: Vec<String> = h
        .session()
        .output(owned::CACHE_RULE.key)
        .map(str::to_string)
        .into_iter()
        .collect();
    if !repos.is_empty() {
        for rule in crate::aws::ecr::all_rules(cx.aws).await? {
            let Some(p) = rule.ecr_repository_prefix() else {
                continue;
            };
            let covers = repos.iter().any(|r| {
                r.repository_name()
                    .is_some_and(|n| n.starts_with(&format!("{}/", p.trim_end_matches('/'))))
            });
            if covers && !prefixes.iter().any(|x| x == p) {
                prefixes.push(p.to_string());
            }
        }
    }
    for p in &prefixes {
        owned::CACHE_RULE.delete_owned(cx, h, At::named(p)).await?;
    }
    owned::CACHE_REPO.delete_owned(cx, h, At::ANY).await?;
    owned::S3.delete_owned(cx, h, At::ANY).await?;
    for (decl, _) in INTERFACES {
        decl.delete_owned(cx, h, At::ANY).await?;
    }
    owned::ENDPOINT_SG.delete_owned(cx, h, At::ANY).await
}

/// Plan lines of the endpoints variant (and the NAT gateway it retires).
pub fn plan(inputs: &crate::inputs::Inputs, s: &Session) -> Vec<Change> {
    let region = &s.region;
    let cidr = &inputs.cluster_vpc.vpc_cidr;
    let mut v = vec![
        owned::PRIVATE_RT.change(
            s,
            "private route table associated with the private subnet, no way to the internet once nothing needs one"
                .to_string(),
            format!(
                "aws ec2 create-route-table --vpc-id $VPC_ID {} && aws ec2 associate-route-table --route-table-id $PRIVATE_RTB_ID --subnet-id $PRIVATE_SUBNET_ID",
                owned::PRIVATE_RT.cli_tags(s, "route-table")
            ),
        ),
        owned::ENDPOINT_SG.change(
            s,
            format!("security group for the endpoints: TCP 443 from {cidr}"),
            format!(
                "aws ec2 create-security-group --group-name {}-endpoints --description 'VPC endpoints' --vpc-id $VPC_ID {} && aws ec2 authorize-security-group-ingress --group-id $ENDPOINT_SG_ID --protocol tcp --port 443 --cidr {cidr}",
                s.name,
                owned::ENDPOINT_SG.cli_tags(s, "security-group")
            ),
        ),
    ];
    for (decl, service) in INTERFACES {
        v.push(decl.change(
            s,
            format!("interface endpoint {service} in the private subnet, private DNS on (then wait until available)"),
            format!(
                "aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id $VPC_ID --service-name {} --subnet-ids $PRIVATE_SUBNET_ID --security-group-ids $ENDPOINT_SG_ID --private-dns-enabled {}",
                service_name(region, service),
                decl.cli_tags(s, "vpc-endpoint")
            ),
        ));
    }
    v.push(owned::S3.change(
        s,
        "S3 gateway endpoint on the private route table (free; ECR keeps image layers in S3)"
            .to_string(),
        format!(
            "aws ec2 create-vpc-endpoint --vpc-endpoint-type Gateway --vpc-id $VPC_ID --service-name {} --route-table-ids $PRIVATE_RTB_ID {}",
            service_name(region, "s3"),
            owned::S3.cli_tags(s, "vpc-endpoint")
        ),
    ));
    if let Some(repo) = cache_repository(inputs) {
        let prefix = &inputs.nat_gateway.cache_prefix;
        v.push(owned::CACHE_REPO.change(
            s,
            format!("ECR repository {repo}, which the cache fills on the first pull"),
            format!(
                "aws ecr create-repository --repository-name {repo} --tags Key={},Value={}",
                crate::aws::tags::SESSION_KEY,
                s.name
            ),
        ));
        v.push(owned::CACHE_RULE.change(
            s,
            format!("pull-through cache rule {prefix}/ → {ECR_PUBLIC} (no credentials needed)"),
            format!(
                "aws ecr create-pull-through-cache-rule --ecr-repository-prefix {prefix} --upstream-registry-url {ECR_PUBLIC}"
            ),
        ));
    }
    v
}

/// Delete lines for the NAT gateway and its Elastic IP, when recorded
/// (egress is endpoints and no first pull needs them).
pub fn retire_nat_plan(s: &Session) -> Vec<Change> {
    let mut v = Vec::new();
    if let Some(rt) = s.output(owned::PRIVATE_RT.key) {
        v.push(Change {
            action: ChangeAction::Update,
            resource: format!(
                "private route table {rt}: remove the default route (endpoints only)"
            ),
            cli: format!(
                "aws ec2 delete-route --route-table-id {rt} --destination-cidr-block 0.0.0.0/0"
            ),
        });
    }
    if let Some(id) = s.output(owned::NAT.key) {
        v.push(deletion(
            format!("NAT gateway {id} (egress is endpoints now)"),
            format!("aws ec2 delete-nat-gateway --nat-gateway-id {id}"),
        ));
    }
    if let Some(id) = s.output(owned::EIP.key) {
        v.push(deletion(
            format!("Elastic IP {id} of the NAT gateway"),
            format!("aws ec2 release-address --allocation-id {id}"),
        ));
    }
    v
}

/// Delete lines for what the endpoints variant recorded (egress is nat).
pub fn removal_plan(s: &Session) -> Vec<Change> {
    let mut v = Vec::new();
    if let Some(p) = s.output(owned::CACHE_RULE.key) {
        v.push(deletion(
            format!("pull-through cache rule {p}/"),
            format!("aws ecr delete-pull-through-cache-rule --ecr-repository-prefix {p}"),
        ));
    }
    if let Some(r) = s.output(owned::CACHE_REPO.key) {
        v.push(deletion(
            format!("ECR repository {r} and its cached images"),
            format!("aws ecr delete-repository --repository-name {r} --force"),
        ));
    }
    for decl in [&owned::S3, &owned::ECR_API, &owned::ECR_DKR, &owned::LOGS] {
        if let Some(id) = s.output(decl.key) {
            v.push(deletion(
                format!("{} {id}", decl.noun),
                format!("aws ec2 delete-vpc-endpoints --vpc-endpoint-ids {id}"),
            ));
        }
    }
    if let Some(id) = s.output(owned::ENDPOINT_SG.key) {
        v.push(deletion(
            format!("endpoint security group {id}"),
            format!("aws ec2 delete-security-group --group-id {id}"),
        ));
    }
    v
}

fn deletion(resource: String, cli: String) -> Change {
    Change {
        action: ChangeAction::Delete,
        resource,
        cli,
    }
}
