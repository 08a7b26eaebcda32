//! Step 8, `vpc-link`: a REST API VPC Link (v1) to the internal NLB — the
//! private road from API Gateway into the VPC. Created only once the NLB is
//! active, then waited through `PENDING` to `AVAILABLE`.

use super::inputs::Inputs;
use super::load_balancer::keys as lb_keys;
use super::load_balancer::wait_active;
use super::{Change, Check, Resource, Step, StepCx, StepId, then_if_new};
use crate::aws::CallExt;
use crate::aws::apigateway::VpcLinks;
use crate::aws::kind::At;
use crate::aws::tags::{Owner, ROLE_KEY, SESSION_KEY};
use crate::aws::wait::{Poll, wait_for};
use crate::error::{Error, Result};
use crate::model::Fix;
use crate::session::{Session, SessionHandle};
use crate::steps::resource::Owned;
use aws_sdk_apigateway::types::{VpcLink, VpcLinkStatus};
use std::time::Duration;

pub use crate::inputs::VpcLinkInputs;

/// Step 8.
#[derive(Debug, Clone, Copy)]
pub struct VpcLinkStep;

pub use crate::model::keys::LINK_KEY;
const APPLY: Fix = Fix::Apply(StepId::VpcLink);

/// The VPC link this step owns.
pub const LINK: Owned<VpcLinks> = Owned::new(LINK_KEY, "vpc-link", "VPC Link", "CreateVpcLink");

pub(crate) use crate::aws::apigateway::get_link;

/// Waits until the link is AVAILABLE; FAILED shows AWS's status message.
pub(crate) async fn wait_available(cx: StepCx<'_>, id: &str) -> Result<()> {
    let aws = cx.aws;
    wait_for(
        cx.progress,
        "the VPC Link to become AVAILABLE (usually 2–4 minutes)",
        Duration::from_secs(15 * 60),
        || async move {
            let Some(l) = get_link(aws, id).await? else {
                return Ok(Poll::Failed(format!("VPC Link {id} disappeared")));
            };
            Ok(match l.status() {
                Some(VpcLinkStatus::Available) => Poll::Ready(()),
                Some(VpcLinkStatus::Failed) => Poll::Failed(
                    l.status_message()
                        .unwrap_or("AWS gave no reason")
                        .to_string(),
                ),
                other => Poll::Pending(other.map_or("PENDING".into(), |s| s.as_str().to_string())),
            })
        },
    )
    .await
}

impl Step for VpcLinkStep {
    const ID: StepId = StepId::VpcLink;
    type Inputs = crate::inputs::VpcLinkInputs;

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        vec![LINK.change(
            s,
            then_if_new(
                LINK.recorded(s),
                format!(
                    "VPC Link {} to the internal NLB",
                    inputs.vpc_link.vpc_link_name
                ),
                "after the NLB is active, then wait until AVAILABLE",
            ),
            format!(
                "aws apigateway create-vpc-link --name {} --target-arns $NLB_ARN --tags {SESSION_KEY}={},{ROLE_KEY}=vpc-link && aws apigateway get-vpc-link --vpc-link-id $VPC_LINK_ID",
                inputs.vpc_link.vpc_link_name, s.name
            ),
        )]
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let aws = cx.aws;
        let session = Owner::of(h.session());
        let nlb = h
            .session()
            .output(lb_keys::NLB)
            .map(str::to_string)
            .ok_or(Error::NotReady {
                step: StepId::VpcLink,
                needs: StepId::LoadBalancer,
            })?;
        let t = LINK.tags(&session);
        let name = cx.inputs.vpc_link.vpc_link_name.as_str();
        let got = LINK
            .ensure_prepared(
                cx,
                h,
                At::ANY,
                // A VPC Link to a load balancer that is still provisioning fails.
                || async { wait_active(cx, &nlb).await.map(|_| ()) },
                || async {
                    let out = aws
                        .apigw
                        .create_vpc_link()
                        .name(name)
                        .description(format!(
                            "gatewalk session {session}: API Gateway → internal NLB"
                        ))
                        .target_arns(&nlb)
                        .set_tags(Some(t.pairs(None).into_iter().collect()))
                        .send()
                        .await
                        .ctx("apigateway", "CreateVpcLink")?;
                    Ok(VpcLink::builder()
                        .set_id(out.id().map(str::to_string))
                        .build())
                },
            )
            .await?;
        let id = got.id;
        wait_available(cx, &id).await
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        let mut c = Vec::new();
        let link = match s.output(LINK_KEY) {
            Some(id) => get_link(cx.aws, id).await?,
            None => None,
        };
        let Some(l) = link else {
            c.push(Check::fail("VPC Link exists", "not found", APPLY));
            return Ok(c);
        };
        c.push(match l.status() {
            Some(VpcLinkStatus::Available) => Check::pass("VPC Link is AVAILABLE", "AVAILABLE"),
            Some(VpcLinkStatus::Failed) => Check::fail(
                "VPC Link is AVAILABLE",
                format!("FAILED: {}", l.status_message().unwrap_or("")),
                "delete it and apply again; the usual cause is an NLB that was not active or is in another account",
            ),
            other => Check::pending("VPC Link is AVAILABLE", other.map_or("PENDING", aws_sdk_apigateway::types::VpcLinkStatus::as_str).to_string()),
        });
        let nlb = s.output(lb_keys::NLB).unwrap_or_default();
        c.push(Check::expect(
            "VPC Link targets the session's NLB",
            !nlb.is_empty() && l.target_arns() == [nlb.to_string()],
            l.target_arns().join(", "),
            "a REST API VPC Link targets exactly one NLB; recreate it for this session's NLB",
        ));
        Ok(c)
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        let Some(id) = s.output(LINK_KEY) else {
            return Ok(vec![]);
        };
        Ok(vec![match get_link(cx.aws, id).await? {
            Some(l) => Resource {
                kind: "VPC Link".into(),
                id: id.into(),
                state: l
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                attributes: vec![
                    ("name".into(), l.name().unwrap_or_default().into()),
                    ("target".into(), l.target_arns().join(", ")),
                    ("message".into(), l.status_message().unwrap_or("-").into()),
                ],
                console_url: cx.aws.console_url(&format!(
                    "apigateway/main/vpc-links/list?region={{region}}&vpcLink={id}"
                )),
            },
            None => Resource::missing("VPC Link", id),
        }])
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        LINK.delete_owned(cx, h, At::ANY).await
    }
}
