//! Step 4, `load-balancer`: an internal Network Load Balancer in the private
//! subnet, plus the placeholder target group the console insists on when an NLB
//! is created (step 7 replaces it with the service's own).

mod checks;
mod dns;
pub mod tls;

use super::cluster_vpc::keys as vpc_keys;
use super::inputs::Inputs;
use super::private_subnet::PRIVATE_SUBNET_KEY;
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::Required;
use crate::aws::find;
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::aws::wait::{Poll, wait_for};
use crate::aws::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle};
use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum,
    ProtocolEnum, TargetGroup, TargetTypeEnum,
};
use std::time::Duration;

pub use crate::inputs::LoadBalancerInputs;

/// Step 4.
#[derive(Debug, Clone, Copy)]
pub struct LoadBalancer;

/// Output keys.
pub mod keys {
    use crate::model::OutputKey;

    pub use crate::model::keys::NLB;
    /// NLB DNS name.
    pub const NLB_DNS: OutputKey = OutputKey::LoadBalancerDns;
    /// Placeholder target group ARN.
    pub const PLACEHOLDER: OutputKey = OutputKey::Placeholder;
    /// The private hosted zone gatewalk made for the NLB's name.
    pub const ZONE: OutputKey = OutputKey::HostedZone;
    /// Your hosted zone, when gatewalk associated the VPC with it.
    pub const ZONE_ASSOCIATION: OutputKey = OutputKey::ZoneAssociation;
    /// The alias record, `<zone id>/<name>`.
    pub const DNS_RECORD: OutputKey = OutputKey::DnsRecord;
    /// The ACM certificate gatewalk requested for the name.
    pub const CERTIFICATE: OutputKey = OutputKey::Certificate;
}
use crate::aws::elb::TargetGroups;
use crate::aws::error::returned;
use crate::aws::kind::At;
use crate::aws::kind::Kind;
use keys::*;

pub(crate) use crate::aws::elb::{describe_nlb, describe_tg, elb_owned};

/// What step 4 owns, each declared once for apply, plan and teardown.
pub mod owned {
    use super::keys;
    use crate::aws::elb::{LoadBalancers, TargetGroups};

    use crate::steps::resource::{Foreign, Owned};

    /// The placeholder target group the console's wizard insists on.
    pub const PLACEHOLDER: Owned<TargetGroups> = Owned::new(
        keys::PLACEHOLDER,
        "placeholder-target-group",
        "placeholder target group",
        "CreateTargetGroup",
    )
    .foreign(Foreign::Refuse(
        "load-balancer.placeholder_target_group_name",
    ));
    /// The internal network load balancer.
    pub const NLB: Owned<LoadBalancers> = Owned::new(
        keys::NLB,
        "load-balancer",
        "load balancer",
        "CreateLoadBalancer",
    )
    .foreign(Foreign::Refuse("load-balancer.nlb_name"));
}

/// Refuses to change a listener (or another ELB resource) that another
/// session or someone else owns; `input` is the `step.field` that chose it.
pub(crate) async fn ensure_ours(
    aws: &AwsContext,
    arn: &str,
    session: &Owner,
    what: &str,
    input: &str,
) -> Result<()> {
    if elb_owned(aws, arn, session).await? {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "a {what} with this name already exists and does not belong to session `{session}`.\n  hint: choose another name with --set {input}=NAME"
        )))
    }
}

/// Deletes a placeholder of this session left under an earlier name, unless a
/// listener still forwards to it (then it says so and leaves it).
async fn retire_placeholder(
    aws: &AwsContext,
    p: &crate::progress::Progress,
    tg: &TargetGroup,
) -> Result<()> {
    let arn = &tg
        .target_group_arn()
        .required("elbv2", "DescribeTargetGroups", "TargetGroupArn")?;
    if !tg.load_balancer_arns().is_empty() {
        p.warn(format!(
            "placeholder target group {arn} (an earlier name) is still used by a listener; left in place"
        ));
        return Ok(());
    }
    // Found by this session's tags: ours.
    let noun = "placeholder target group (earlier name)";
    TargetGroups::delete(aws, p, tg, noun).await?;
    p.deleted(noun, arn);
    Ok(())
}

/// The placeholder target group the console insists on: found by name, else
/// created; one left under an earlier name goes. Nothing once step 7 retired it.
async fn ensure_placeholder(cx: StepCx<'_>, h: &mut SessionHandle, vpc_id: &str) -> Result<()> {
    // Step 7 deleted it on purpose; it is not coming back.
    if placeholder_retired(h.session()) {
        return Ok(());
    }
    let aws = cx.aws;
    let name = cx
        .inputs
        .load_balancer
        .placeholder_target_group_name
        .as_str();
    let port = crate::model::api_int(cx.inputs.task_definition.container_port);
    let owner = Owner::of(h.session());
    let t = owned::PLACEHOLDER.tags(&owner);
    let got = owned::PLACEHOLDER
        .ensure(cx, h, At::named(name), || async {
            let out = aws
                .elb
                .create_target_group()
                .name(name)
                .protocol(ProtocolEnum::Tcp)
                .port(port)
                .vpc_id(vpc_id)
                .target_type(TargetTypeEnum::Ip)
                .set_tags(Some(t.elb(name)))
                .send()
                .await
                .ctx("elbv2", "CreateTargetGroup")?;
            returned(
                out.target_groups().first(),
                "elbv2",
                "CreateTargetGroup",
                "TargetGroups",
            )
        })
        .await?;
    // A renamed placeholder: the one made under the old name goes (target
    // group names cannot be changed), so there is only ever one.
    for old in find::target_groups(aws, &t)
        .await?
        .iter()
        .filter(|g| g.target_group_arn() != Some(got.id.as_str()))
    {
        retire_placeholder(aws, cx.progress, old).await?;
    }
    Ok(())
}

/// Whether step 7 has deleted the placeholder target group (so step 4 must
/// neither recreate it nor expect it).
pub fn placeholder_retired(s: &Session) -> bool {
    s.output(super::target_group_swap::RETIRED_PLACEHOLDER_KEY)
        .is_some()
}

/// A target group as a live resource.
pub(crate) async fn tg_resource(cx: StepCx<'_>, arn: &str, kind: &str) -> Result<Resource> {
    Ok(match describe_tg(cx.aws, arn).await? {
        Some(tg) => Resource {
            kind: kind.into(),
            id: arn.into(),
            state: if tg.load_balancer_arns().is_empty() {
                "unattached".into()
            } else {
                "attached".into()
            },
            attributes: vec![
                (
                    "name".into(),
                    tg.target_group_name().unwrap_or_default().into(),
                ),
                (
                    "protocol:port".into(),
                    format!(
                        "{}:{}",
                        tg.protocol().map_or(
                            "?",
                            aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::as_str
                        ),
                        tg.port().unwrap_or(0)
                    ),
                ),
                (
                    "target type".into(),
                    tg.target_type()
                        .map_or(
                            "?",
                            aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::as_str,
                        )
                        .into(),
                ),
                (
                    "health check".into(),
                    format!(
                        "every {} s",
                        tg.health_check_interval_seconds().unwrap_or(0)
                    ),
                ),
            ],
            console_url: cx.aws.console_url(&format!(
                "ec2/home?region={{region}}#TargetGroup:targetGroupArn={arn}"
            )),
        },
        None => Resource::missing(kind, arn),
    })
}

/// Waits until the NLB is active and returns its DNS name.
pub(crate) async fn wait_active(cx: StepCx<'_>, arn: &str) -> Result<String> {
    wait_for(
        cx.progress,
        "the load balancer to become active",
        Duration::from_secs(15 * 60),
        || async move {
            let Some(lb) = describe_nlb(cx.aws, arn).await? else {
                return Ok(Poll::Failed(format!(
                    "{arn} disappeared while provisioning"
                )));
            };
            let state = lb.state();
            Ok(match state.and_then(|s| s.code()) {
                Some(LoadBalancerStateEnum::Active) => Poll::Ready(lb.dns_name().required(
                    "elbv2",
                    "DescribeLoadBalancers",
                    "DNSName",
                )?),
                Some(LoadBalancerStateEnum::Failed) => Poll::Failed(
                    state
                        .and_then(|s| s.reason())
                        .unwrap_or("AWS gave no reason")
                        .to_string(),
                ),
                other => Poll::Pending(other.map_or("unknown".into(), |c| c.as_str().to_string())),
            })
        },
    )
    .await
}

impl Step for LoadBalancer {
    const ID: StepId = StepId::LoadBalancer;
    type Inputs = crate::inputs::LoadBalancerInputs;

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        let i = &inputs.load_balancer;
        let port = inputs.task_definition.container_port;
        let mut v = vec![
            owned::PLACEHOLDER.change(
                s,
                format!(
                    "placeholder target group {} (TCP {port}, target type ip)",
                    i.placeholder_target_group_name
                ),
                format!(
                    "aws elbv2 create-target-group --name {} --protocol TCP --port {port} --target-type ip --vpc-id $VPC_ID --tags Key={SESSION_KEY},Value={}",
                    i.placeholder_target_group_name, s.name
                ),
            ),
            owned::NLB.change(
                s,
                super::then_if_new(
                    owned::NLB.recorded(s),
                    format!(
                        "internal network load balancer {} in the private subnet",
                        i.nlb_name
                    ),
                    "then wait until active",
                ),
                format!(
                    "aws elbv2 create-load-balancer --name {} --type network --scheme internal --subnets $PRIVATE_SUBNET_ID --tags Key={SESSION_KEY},Value={} && aws elbv2 wait load-balancer-available --load-balancer-arns $NLB_ARN",
                    i.nlb_name, s.name
                ),
            ),
        ];
        // Step 7 deleted it once the service's target group took over:
        // step 4 neither remakes nor keeps it.
        if placeholder_retired(s) {
            v.remove(0);
        }
        v.extend(dns::plan(inputs, s));
        v.extend(tls::plan(inputs, s));
        v
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let aws = cx.aws;
        let i = &cx.inputs.load_balancer;
        let session = Owner::of(h.session());
        let sid = StepId::LoadBalancer;
        let Some(vpc_id) = h.session().output(vpc_keys::VPC).map(str::to_string) else {
            return Err(Error::NotReady {
                step: sid,
                needs: StepId::ClusterVpc,
            });
        };
        let Some(private) = h.session().output(PRIVATE_SUBNET_KEY).map(str::to_string) else {
            return Err(Error::NotReady {
                step: sid,
                needs: StepId::PrivateSubnet,
            });
        };

        ensure_placeholder(cx, h, &vpc_id).await?;

        let t = owned::NLB.tags(&session);
        let name = i.nlb_name.as_str();
        let got = owned::NLB
            .ensure(cx, h, At::named(name), || async {
                let out = aws
                    .elb
                    .create_load_balancer()
                    .name(name)
                    .r#type(LoadBalancerTypeEnum::Network)
                    .scheme(LoadBalancerSchemeEnum::Internal)
                    .ip_address_type(IpAddressType::Ipv4)
                    .subnets(&private)
                    .set_tags(Some(t.elb(name)))
                    .send()
                    .await
                    .ctx("elbv2", "CreateLoadBalancer")?;
                returned(
                    out.load_balancers().first(),
                    "elbv2",
                    "CreateLoadBalancer",
                    "LoadBalancers",
                )
            })
            .await?;
        let nlb_arn = got.id;
        let dns = wait_active(cx, &nlb_arn).await?;
        h.record(NLB_DNS, &dns)?;
        let Some(lb) = describe_nlb(aws, &nlb_arn).await? else {
            return Err(Error::Conflict(format!(
                "load balancer {nlb_arn} disappeared right after it became active.\n  hint: run apply again"
            )));
        };
        dns::ensure(cx, h, &vpc_id, &lb).await?;
        let zone = i.zone_id().map(str::to_string);
        tls::ensure(cx, h, zone.as_deref()).await
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        checks::validate(cx, s).await
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        checks::inspect(cx, s).await
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let i = &cx.inputs.load_balancer;
        // The name first: an alias to a deleted load balancer would dangle.
        dns::remove(cx, h).await?;
        // The recorded load balancer, else the one of the chosen name.
        let at = if owned::NLB.recorded(h.session()).is_some() {
            At::ANY
        } else {
            At::named(&i.nlb_name)
        };
        owned::NLB.delete_owned(cx, h, at).await?;
        h.forget(NLB_DNS)?;
        // The certificate once nothing of the load balancer holds it.
        tls::remove(cx, h).await?;
        // Every placeholder of the session, found by its tags: the recorded one
        // and any left under an earlier name.
        owned::PLACEHOLDER.delete_owned(cx, h, At::ANY).await
    }
}
