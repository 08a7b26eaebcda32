//! Step 7, `target-group-swap`: the NLB's listener forwards to the service's
//! target group, the placeholder from step 4 is deleted, and the targets the
//! service registered turn healthy.

use super::inputs::Inputs;
use super::load_balancer::keys as lb_keys;
use super::load_balancer::{describe_tg, elb_owned};
use super::service::keys as svc_keys;
use super::service::{forwards_to, listener_on};
use super::{Change, ChangeAction, Check, Resource, Step, StepCx, StepId};
use crate::aws::Required;
use crate::aws::kind::At;
use crate::aws::tags::Owner;
use crate::aws::wait::{Poll, wait_for};
use crate::aws::{AwsContext, CallExt};
use crate::error::{Error, Result};
use crate::model::Fix;
use crate::model::OutputKey;
use crate::session::{Session, SessionHandle};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, TargetHealthDescription, TargetHealthStateEnum,
};
use std::time::Duration;

/// Output key: the placeholder target group's ARN once deleted.
pub const RETIRED_PLACEHOLDER_KEY: OutputKey = OutputKey::RetiredPlaceholder;

pub use crate::inputs::TargetGroupSwapInputs;

/// Step 7.
#[derive(Debug, Clone, Copy)]
pub struct TargetGroupSwap;

const APPLY: Fix = Fix::Apply(StepId::TargetGroupSwap);

/// The health of every target in a target group.
pub(crate) async fn target_health(
    aws: &AwsContext,
    tg: &str,
) -> Result<Vec<TargetHealthDescription>> {
    let out = aws
        .elb
        .describe_target_health()
        .target_group_arn(tg)
        .send()
        .await
        .ctx("elbv2", "DescribeTargetHealth")?;
    Ok(out.target_health_descriptions().to_vec())
}

fn describe_target(t: &TargetHealthDescription) -> String {
    let target = t.target();
    let health = t.target_health();
    format!(
        "{}:{} in {} is {}{}",
        target.and_then(|x| x.id()).unwrap_or("?"),
        target
            .and_then(aws_sdk_elasticloadbalancingv2::types::TargetDescription::port)
            .unwrap_or(0),
        target.and_then(|x| x.availability_zone()).unwrap_or("?"),
        health.and_then(|h| h.state()).map_or(
            "?",
            aws_sdk_elasticloadbalancingv2::types::TargetHealthStateEnum::as_str
        ),
        health
            .and_then(|h| h.description())
            .map(|d| format!(" ({d})"))
            .unwrap_or_default()
    )
}

fn state(t: &TargetHealthDescription) -> Option<&TargetHealthStateEnum> {
    t.target_health().and_then(|h| h.state())
}

/// A target the NLB never uses because its zone is not enabled on the NLB.
fn outside_nlb_zones(t: &TargetHealthDescription) -> bool {
    state(t) == Some(&TargetHealthStateEnum::Unused)
        && t.target_health()
            .and_then(|h| h.description())
            .is_some_and(|d| d.contains("Availability Zone"))
}

fn tg_arn(s: &Session) -> Result<String> {
    s.output(svc_keys::TG)
        .map(str::to_string)
        .ok_or(Error::NotReady {
            step: StepId::TargetGroupSwap,
            needs: StepId::Service,
        })
}

/// "The placeholder target group is gone": judged by this session's tags;
/// one of yours is kept, and said so.
async fn placeholder_check(cx: StepCx<'_>, s: &Session) -> Result<Check> {
    let aws = cx.aws;
    let ph = describe_tg(aws, &cx.inputs.load_balancer.placeholder_target_group_name).await?;
    let ph_ours = match &ph {
        Some(t) => {
            elb_owned(
                aws,
                &t.target_group_arn().required(
                    "elbv2",
                    "DescribeTargetGroups",
                    "TargetGroupArn",
                )?,
                &Owner::of(s),
            )
            .await?
        }
        None => false,
    };
    let yours = s
        .output(OutputKey::Placeholder)
        .filter(|_| s.is_yours(OutputKey::Placeholder));
    if let Some(arn) = yours {
        return Ok(Check::warn(
            "the placeholder target group is gone",
            format!("{arn} is yours: kept"),
            format!(
                "delete it when nothing uses it: aws elbv2 delete-target-group --target-group-arn {arn}"
            ),
        ));
    }
    Ok(Check::expect(
        "the placeholder target group is gone",
        !ph_ours,
        if ph_ours {
            "still exists".to_string()
        } else {
            "deleted".to_string()
        },
        APPLY,
    ))
}

impl Step for TargetGroupSwap {
    const ID: StepId = StepId::TargetGroupSwap;
    type Inputs = crate::inputs::TargetGroupSwapInputs;

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        let port = inputs.listener_port();
        let mut v = vec![Change {
            action: ChangeAction::Update,
            resource: format!(
                "the NLB listener on port {port} to forward to the service's target group (if it does not yet), then wait for healthy targets"
            ),
            cli: "aws elbv2 modify-listener --listener-arn $LISTENER_ARN --default-actions Type=forward,TargetGroupArn=$TG_ARN && aws elbv2 wait target-in-service --target-group-arn $TG_ARN".to_string(),
        }];
        let ph = crate::model::OutputKey::Placeholder;
        if s.is_yours(ph) {
            v.push(Change {
                action: ChangeAction::Keep,
                resource: format!(
                    "placeholder target group {} (yours: kept; delete it when you like)",
                    s.output(ph).unwrap_or_default()
                ),
                cli: "aws elbv2 delete-target-group --target-group-arn $PLACEHOLDER_ARN".into(),
            });
        } else if s.output(RETIRED_PLACEHOLDER_KEY).is_none() {
            v.push(Change {
                action: ChangeAction::Delete,
                resource: format!(
                    "placeholder target group {}",
                    inputs.load_balancer.placeholder_target_group_name
                ),
                cli: "aws elbv2 delete-target-group --target-group-arn $PLACEHOLDER_ARN".into(),
            });
        }
        v
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let aws = cx.aws;
        let p = cx.progress;
        let tg = tg_arn(h.session())?;
        let nlb = h
            .session()
            .output(lb_keys::NLB)
            .map(str::to_string)
            .ok_or(Error::NotReady {
                step: StepId::TargetGroupSwap,
                needs: StepId::LoadBalancer,
            })?;
        let port = cx.inputs.listener_port();
        let listener = listener_on(aws, &nlb, port).await?.ok_or(Error::NotReady {
            step: StepId::TargetGroupSwap,
            needs: StepId::Service,
        })?;
        if forwards_to(&listener) != Some(tg.as_str()) {
            let arn =
                listener
                    .listener_arn()
                    .required("elbv2", "DescribeListeners", "ListenerArn")?;
            let noun = format!("listener on port {port}");
            if h.session().is_yours(OutputKey::Listener) {
                let what = format!("forward to {}", crate::text::short_arn(&tg));
                crate::steps::resource::consent_to_change(cx, h, &noun, &arn, &what)?;
            } else {
                let owner = Owner::of(h.session());
                let input = "task-definition.container_port";
                super::load_balancer::ensure_ours(aws, &arn, &owner, &noun, input).await?;
            }
            aws.elb
                .modify_listener()
                .listener_arn(&listener.listener_arn().required(
                    "elbv2",
                    "DescribeListeners",
                    "ListenerArn",
                )?)
                .default_actions(
                    Action::builder()
                        .r#type(ActionTypeEnum::Forward)
                        .target_group_arn(&tg)
                        .build(),
                )
                .send()
                .await
                .ctx("elbv2", "ModifyListener")?;
            p.info(format!(
                "the listener on {port} now forwards to the service's target group"
            ));
        }

        if h.session().output(RETIRED_PLACEHOLDER_KEY).is_none() {
            let name = &cx.inputs.load_balancer.placeholder_target_group_name;
            let session = Owner::of(h.session());
            let ph = &crate::steps::load_balancer::owned::PLACEHOLDER;
            let found = ph.find(cx, &session, None, At::named(name)).await?;
            let retired = match found.first() {
                Some(tg) => tg.target_group_arn().required(
                    "elbv2",
                    "DescribeTargetGroups",
                    "TargetGroupArn",
                )?,
                None => "none".to_string(),
            };
            ph.delete_owned(cx, h, At::named(name)).await?;
            h.record(RETIRED_PLACEHOLDER_KEY, &retired)?;
        }

        if let Some(why) = aws
            .traffic()
            .await
            .why_not("runs no containers, so no targets register")
        {
            p.info(format!("not waiting for healthy targets: {why}"));
            return Ok(());
        }
        let want = cx.inputs.service.desired_count as usize;
        let t = tg.as_str();
        wait_for(p, "the targets to become healthy", Duration::from_secs(10 * 60), || async move {
            let targets = target_health(aws, t).await?;
            if let Some(bad) = targets.iter().find(|t| outside_nlb_zones(t)) {
                return Ok(Poll::Failed(format!(
                    "{} — the service runs tasks in a zone where the NLB has no subnet; the service must use the private subnet only",
                    describe_target(bad)
                )));
            }
            let healthy = targets.iter().filter(|t| state(t) == Some(&TargetHealthStateEnum::Healthy)).count();
            if healthy >= want {
                return Ok(Poll::Ready(()));
            }
            let detail = targets.iter().map(describe_target).collect::<Vec<_>>().join("; ");
            Ok(Poll::Pending(if detail.is_empty() { "no targets registered yet".into() } else { detail }))
        })
        .await
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        let aws = cx.aws;
        let mut c = Vec::new();
        let tg = s.output(svc_keys::TG).unwrap_or_default();
        let nlb = s.output(lb_keys::NLB).unwrap_or_default();
        let port = cx.inputs.listener_port();
        let listener = if nlb.is_empty() {
            None
        } else {
            listener_on(aws, nlb, port).await?
        };
        c.push(Check::expect(
            "the NLB forwards to the service's target group",
            !tg.is_empty() && listener.as_ref().and_then(forwards_to) == Some(tg),
            listener
                .as_ref()
                .and_then(forwards_to)
                .unwrap_or("no listener")
                .to_string(),
            APPLY,
        ));
        c.push(placeholder_check(cx, s).await?);
        if let Some(why) = aws
            .traffic()
            .await
            .why_not("runs no containers, so no targets register")
        {
            c.push(Check::skipped("targets are healthy", why));
            return Ok(c);
        }
        let targets = if tg.is_empty() {
            vec![]
        } else {
            target_health(aws, tg).await?
        };
        let outside: Vec<String> = targets
            .iter()
            .filter(|t| outside_nlb_zones(t))
            .map(describe_target)
            .collect();
        c.push(Check::expect(
            "targets are in the NLB's Availability Zones",
            outside.is_empty(),
            if outside.is_empty() { "all in enabled zones".into() } else { outside.join("; ") },
            "a target in an Availability Zone the NLB has no subnet in is never used (Target.NotInUse); run the service in the private subnet only (apply step 6)",
        ));
        let healthy = targets
            .iter()
            .filter(|t| state(t) == Some(&TargetHealthStateEnum::Healthy))
            .count();
        let want = cx.inputs.service.desired_count as usize;
        let initial = targets
            .iter()
            .any(|t| state(t) == Some(&TargetHealthStateEnum::Initial));
        let observed = if targets.is_empty() {
            "no targets registered".to_string()
        } else {
            targets
                .iter()
                .map(describe_target)
                .collect::<Vec<_>>()
                .join("; ")
        };
        c.push(if healthy >= want {
            Check::pass("targets are healthy", observed)
        } else if initial {
            Check::pending("targets are healthy", observed)
        } else {
            Check::fail(
                "targets are healthy",
                observed,
                "health checks come from the NLB's private addresses: the task security group must allow the container port from the VPC block, and the container must listen on that port (check the service step)",
            )
        });
        Ok(c)
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        let Some(tg) = s.output(svc_keys::TG) else {
            return Ok(vec![]);
        };
        let targets = target_health(cx.aws, tg).await?;
        let mut v: Vec<Resource> = targets
            .iter()
            .map(|t| Resource {
                kind: "Target".into(),
                id: format!(
                    "{}:{}",
                    t.target().and_then(|x| x.id()).unwrap_or("?"),
                    t.target()
                        .and_then(aws_sdk_elasticloadbalancingv2::types::TargetDescription::port)
                        .unwrap_or(0)
                ),
                state: state(t).map(|s| s.as_str().to_string()).unwrap_or_default(),
                attributes: vec![
                    (
                        "zone".into(),
                        t.target()
                            .and_then(|x| x.availability_zone())
                            .unwrap_or("?")
                            .into(),
                    ),
                    (
                        "reason".into(),
                        t.target_health()
                            .and_then(|h| h.description())
                            .unwrap_or("-")
                            .into(),
                    ),
                ],
                console_url: None,
            })
            .collect();
        if v.is_empty() {
            v.push(Resource {
                kind: "Targets".into(),
                id: tg.into(),
                state: if cx.aws.traffic().await.judged() {
                    "none registered".into()
                } else {
                    "none (this emulator runs no containers)".into()
                },
                attributes: vec![],
                console_url: cx.aws.console_url(&format!(
                    "ec2/home?region={{region}}#TargetGroup:targetGroupArn={tg}"
                )),
            });
        }
        Ok(v)
    }

    async fn teardown(&self, _cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        // Nothing of its own to delete; forgetting the retirement lets a later
        // apply of step 4 create a placeholder again.
        h.forget(RETIRED_PLACEHOLDER_KEY)
    }
}
