//! Step 4, `load-balancer`: an internal Network Load Balancer in the private
//! subnet, plus the placeholder target group the console insists on when an NLB
//! is created (step 7 replaces it with the service's own).

mod checks;

use super::cluster_vpc::keys as vpc_keys;
use super::inputs::Inputs;
use super::private_subnet::PRIVATE_SUBNET_KEY;
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::Required;
use crate::aws::find;
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::aws::wait::{Poll, delete_when_free, wait_for};
use crate::aws::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle};
use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancer as Nlb, LoadBalancerSchemeEnum, LoadBalancerStateEnum,
    LoadBalancerTypeEnum, ProtocolEnum, TargetGroup, TargetTypeEnum,
};
use std::time::Duration;

pub use crate::inputs::LoadBalancerInputs;

/// Step 4.
#[derive(Debug, Clone, Copy)]
pub struct LoadBalancer;

/// Output keys.
pub mod keys {
    pub use crate::model::keys::NLB;
    /// NLB DNS name.
    pub const NLB_DNS: &str = "load_balancer_dns";
    /// Placeholder target group ARN.
    pub const PLACEHOLDER: &str = "placeholder_target_group_arn";
}
use keys::*;

/// The `gatewalk:role` tag of the placeholder target group.
const PLACEHOLDER_ROLE: &str = "placeholder-target-group";

/// Deletes a placeholder of this session left under an earlier name, unless a
/// listener still forwards to it (then it says so and leaves it).
async fn retire_placeholder(
    aws: &AwsContext,
    p: &crate::progress::Progress,
    tg: &TargetGroup,
    session: &Owner,
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
    delete_own_target_group(
        aws,
        p,
        arn,
        session,
        "placeholder target group (earlier name)",
    )
    .await?;
    Ok(())
}

/// The placeholder target group the console insists on: found by name, else
/// created; one left under an earlier name goes. Nothing once step 7 retired it.
async fn ensure_placeholder(cx: StepCx<'_>, h: &mut SessionHandle, vpc_id: &str) -> Result<()> {
    let aws = cx.aws;
    let p = cx.progress;
    let i = &cx.inputs.load_balancer;
    let session = Owner::of(h.session());
    let sid = StepId::LoadBalancer;
    let tg_arn = match describe_tg(aws, &i.placeholder_target_group_name).await? {
        // Step 7 deleted it on purpose; it is not coming back.
        _ if placeholder_retired(h.session()) => String::new(),
        Some(tg) => {
            let arn = tg.target_group_arn().required(
                "elbv2",
                "DescribeTargetGroups",
                "TargetGroupArn",
            )?;
            ensure_ours(
                aws,
                &arn,
                &session,
                "target group",
                "load-balancer.placeholder_target_group_name",
            )
            .await?;
            p.reused("placeholder target group", &arn);
            arn
        }
        None => {
            h.creating(sid, PLACEHOLDER, "CreateTargetGroup")?;
            let out = aws
                .elb
                .create_target_group()
                .name(&i.placeholder_target_group_name)
                .protocol(ProtocolEnum::Tcp)
                .port(crate::model::api_int(
                    cx.inputs.task_definition.container_port,
                ))
                .vpc_id(vpc_id)
                .target_type(TargetTypeEnum::Ip)
                .set_tags(Some(
                    session
                        .tags(PLACEHOLDER_ROLE)
                        .elb(&i.placeholder_target_group_name),
                ))
                .send()
                .await
                .ctx("elbv2", "CreateTargetGroup")?;
            let arn = out
                .target_groups()
                .first()
                .and_then(|t| t.target_group_arn())
                .unwrap_or_default()
                .to_string();
            p.created("placeholder target group", &arn);
            arn
        }
    };
    if !tg_arn.is_empty() {
        h.record(sid, PLACEHOLDER, &tg_arn)?;
        // A renamed placeholder: the one made under the old name goes
        // (target group names cannot be changed), so there is only ever one.
        for old in find::target_groups(aws, &session.tags(PLACEHOLDER_ROLE))
            .await?
            .iter()
            .filter(|g| g.target_group_arn() != Some(tg_arn.as_str()))
        {
            retire_placeholder(aws, p, old, &session).await?;
        }
    }

    Ok(())
}

/// Whether step 7 has deleted the placeholder target group (so step 4 must
/// neither recreate it nor expect it).
pub fn placeholder_retired(s: &Session) -> bool {
    s.output(
        StepId::TargetGroupSwap,
        super::target_group_swap::RETIRED_PLACEHOLDER_KEY,
    )
    .is_some()
}

/// The load balancer of this name, if any.
pub(crate) async fn describe_nlb(aws: &AwsContext, name_or_arn: &str) -> Result<Option<Nlb>> {
    let mut req = aws.elb.describe_load_balancers();
    req = if name_or_arn.starts_with("arn:") {
        req.load_balancer_arns(name_or_arn)
    } else {
        req.names(name_or_arn)
    };
    let r = req.send().await.ctx("elbv2", "DescribeLoadBalancers");
    Ok(crate::aws::error::optional(r)?.and_then(|o| o.load_balancers().first().cloned()))
}

/// The target group of this name or ARN, if any.
pub(crate) async fn describe_tg(
    aws: &AwsContext,
    name_or_arn: &str,
) -> Result<Option<TargetGroup>> {
    let mut req = aws.elb.describe_target_groups();
    req = if name_or_arn.starts_with("arn:") {
        req.target_group_arns(name_or_arn)
    } else {
        req.names(name_or_arn)
    };
    let r = req.send().await.ctx("elbv2", "DescribeTargetGroups");
    Ok(crate::aws::error::optional(r)?.and_then(|o| o.target_groups().first().cloned()))
}

/// Whether an ELB resource carries `owner`'s tags (name and id).
pub(crate) async fn elb_owned(aws: &AwsContext, arn: &str, owner: &Owner) -> Result<bool> {
    let out = aws
        .elb
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .ctx("elbv2", "DescribeTags")?;
    Ok(out
        .tag_descriptions()
        .first()
        .is_some_and(|d| owner.owns(d.tags().iter().map(|t| (t.key(), t.value())))))
}

/// Refuses to adopt a load balancer or target group of our name that another
/// session (or someone else) owns; `input` is the `step.field` that names it.
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

/// Deletes a target group if it carries this session's tag, waiting while a
/// listener still releases it. Returns whether it deleted one.
pub(crate) async fn delete_own_target_group(
    aws: &AwsContext,
    p: &crate::progress::Progress,
    arn: &str,
    session: &Owner,
    kind: &str,
) -> Result<bool> {
    if !elb_owned(aws, arn, session).await? {
        return Ok(false);
    }
    delete_when_free(p, &format!("the {kind} to be released"), || async move {
        aws.elb
            .delete_target_group()
            .target_group_arn(arn)
            .send()
            .await
            .ctx("elbv2", "DeleteTargetGroup")
            .map(|_| ())
    })
    .await?;
    p.deleted(kind, arn);
    Ok(true)
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
    fn id(&self) -> StepId {
        StepId::LoadBalancer
    }

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        let i = &inputs.load_balancer;
        let port = inputs.task_definition.container_port;
        let out = |k| s.output(StepId::LoadBalancer, k);
        vec![
            Change::create_or_keep(
                out(PLACEHOLDER),
                format!(
                    "placeholder target group {} (TCP {port}, target type ip)",
                    i.placeholder_target_group_name
                ),
                format!(
                    "aws elbv2 create-target-group --name {} --protocol TCP --port {port} --target-type ip --vpc-id $VPC_ID --tags Key={SESSION_KEY},Value={}",
                    i.placeholder_target_group_name, s.name
                ),
            ),
            Change::create_or_keep(
                out(NLB),
                format!(
                    "internal network load balancer {} in the private subnet, then wait until active",
                    i.nlb_name
                ),
                format!(
                    "aws elbv2 create-load-balancer --name {} --type network --scheme internal --subnets $PRIVATE_SUBNET_ID --tags Key={SESSION_KEY},Value={} && aws elbv2 wait load-balancer-available --load-balancer-arns $NLB_ARN",
                    i.nlb_name, s.name
                ),
            ),
        ]
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let aws = cx.aws;
        let p = cx.progress;
        let i = &cx.inputs.load_balancer;
        let session = Owner::of(h.session());
        let sid = StepId::LoadBalancer;
        let Some(vpc_id) = h
            .session()
            .output(StepId::ClusterVpc, vpc_keys::VPC)
            .map(str::to_string)
        else {
            return Err(Error::NotReady {
                step: sid,
                needs: StepId::ClusterVpc,
            });
        };
        let Some(private) = h
            .session()
            .output(StepId::PrivateSubnet, PRIVATE_SUBNET_KEY)
            .map(str::to_string)
        else {
            return Err(Error::NotReady {
                step: sid,
                needs: StepId::PrivateSubnet,
            });
        };

        ensure_placeholder(cx, h, &vpc_id).await?;

        let nlb_arn = if let Some(lb) = describe_nlb(aws, &i.nlb_name).await? {
            let arn = lb.load_balancer_arn().required(
                "elbv2",
                "DescribeLoadBalancers",
                "LoadBalancerArn",
            )?;
            ensure_ours(
                aws,
                &arn,
                &session,
                "load balancer",
                "load-balancer.nlb_name",
            )
            .await?;
            p.reused("load balancer", &arn);
            arn
        } else {
            h.creating(sid, NLB, "CreateLoadBalancer")?;
            let out = aws
                .elb
                .create_load_balancer()
                .name(&i.nlb_name)
                .r#type(LoadBalancerTypeEnum::Network)
                .scheme(LoadBalancerSchemeEnum::Internal)
                .ip_address_type(IpAddressType::Ipv4)
                .subnets(&private)
                .set_tags(Some(session.tags("load-balancer").elb(&i.nlb_name)))
                .send()
                .await
                .ctx("elbv2", "CreateLoadBalancer")?;
            let arn = out
                .load_balancers()
                .first()
                .and_then(|l| l.load_balancer_arn())
                .unwrap_or_default()
                .to_string();
            p.created("load balancer", &arn);
            arn
        };
        h.record(sid, NLB, &nlb_arn)?;
        let dns = wait_active(cx, &nlb_arn).await?;
        h.record(sid, NLB_DNS, &dns)?;
        Ok(())
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        checks::validate(cx, s).await
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        checks::inspect(cx, s).await
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let aws = cx.aws;
        let p = cx.progress;
        let i = &cx.inputs.load_balancer;
        let session = Owner::of(h.session());
        let sid = StepId::LoadBalancer;
        let lb = match h.session().output(sid, NLB) {
            Some(arn) => describe_nlb(aws, arn).await?,
            None => describe_nlb(aws, &i.nlb_name).await?,
        };
        if let Some(lb) = lb {
            let arn = lb.load_balancer_arn().required(
                "elbv2",
                "DescribeLoadBalancers",
                "LoadBalancerArn",
            )?;
            if elb_owned(aws, &arn, &session).await? {
                aws.elb
                    .delete_load_balancer()
                    .load_balancer_arn(&arn)
                    .send()
                    .await
                    .ctx("elbv2", "DeleteLoadBalancer")?;
                let a = arn.as_str();
                wait_for(
                    p,
                    "the load balancer to be deleted",
                    Duration::from_secs(15 * 60),
                    || async move {
                        Ok(match describe_nlb(aws, a).await? {
                            None => Poll::Ready(()),
                            Some(lb) => Poll::Pending(
                                lb.state()
                                    .and_then(|s| s.code())
                                    .map_or("deleting".into(), |c| c.as_str().to_string()),
                            ),
                        })
                    },
                )
                .await?;
                p.deleted("load balancer", &arn);
            }
        }
        h.forget(sid, NLB)?;
        h.forget(sid, NLB_DNS)?;
        // Every placeholder of the session, found by its tags: the recorded one
        // and any left under an earlier name.
        let mut arns: Vec<String> = find::target_groups(aws, &session.tags(PLACEHOLDER_ROLE))
            .await?
            .iter()
            .filter_map(|g| g.target_group_arn().map(str::to_string))
            .collect();
        let named = match h.session().output(sid, PLACEHOLDER) {
            Some(arn) => describe_tg(aws, arn).await?,
            None => describe_tg(aws, &i.placeholder_target_group_name).await?,
        };
        if let Some(arn) = named.as_ref().and_then(|t| t.target_group_arn())
            && !arns.iter().any(|a| a == arn)
        {
            arns.push(arn.to_string());
        }
        for arn in &arns {
            delete_own_target_group(aws, p, arn, &session, "placeholder target group").await?;
        }
        h.forget(sid, PLACEHOLDER)?;
        Ok(())
    }
}
