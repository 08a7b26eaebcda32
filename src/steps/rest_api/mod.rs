//! Step 9, `rest-api`: a regional REST API whose routes proxy through the VPC
//! Link to the internal NLB's DNS name, deployed to a stage. The public door of
//! the whole deployment.

mod checks;
pub mod converge;
pub mod live;

pub use crate::inputs::rest_api as routes;
pub use routes::RestApiInputs;

use super::inputs::Inputs;
use super::load_balancer::describe_nlb;
use super::load_balancer::keys as lb_keys;
use super::vpc_link::{LINK_KEY, wait_available};
use super::{Change, ChangeAction, Check, Resource, Step, StepCx, StepId};
use crate::aws::CallExt;
use crate::aws::Required;
use crate::aws::apigateway::RestApis;
use crate::aws::kind::At;
use crate::aws::tags::{Owner, ROLE_KEY, SESSION_KEY};
use crate::error::{Error, Result};
use crate::model::Fix;
use crate::session::{Session, SessionHandle};
use crate::steps::resource::{Got, Origin, Owned};
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType};
use converge::Target;

/// Output keys of step 9.
pub mod keys {
    use crate::model::OutputKey;

    /// REST API id.
    pub const API: OutputKey = OutputKey::RestApi;
    /// The stage deployed to.
    pub const STAGE: OutputKey = OutputKey::Stage;
    /// The deployment the stage serves.
    pub const DEPLOYMENT: OutputKey = OutputKey::Deployment;
    pub use crate::model::keys::INVOKE_URL;
}
use keys::*;

/// The REST API this step owns (its resources, stage and deployment are
/// converged inside it and go with it).
pub const REST_API: Owned<RestApis> = Owned::new(API, live::ROLE, "REST API", "CreateRestApi");

/// Step 9.
#[derive(Debug, Clone, Copy)]
pub struct RestApi;

const APPLY: Fix = Fix::Apply(StepId::RestApi);

/// What the integrations point at, read from the live NLB and the session.
pub(crate) async fn target_of(
    cx: StepCx<'_>,
    s: &Session,
) -> Result<(String, String, u32, String)> {
    let nlb = s
        .output(lb_keys::NLB)
        .ok_or(Error::NotReady {
            step: StepId::RestApi,
            needs: StepId::LoadBalancer,
        })?
        .to_string();
    let link = s
        .output(LINK_KEY)
        .ok_or(Error::NotReady {
            step: StepId::RestApi,
            needs: StepId::VpcLink,
        })?
        .to_string();
    let dns = match describe_nlb(cx.aws, &nlb).await? {
        Some(lb) => lb
            .dns_name()
            .required("elbv2", "DescribeLoadBalancers", "DNSName")?,
        None => s
            .output(lb_keys::NLB_DNS)
            .map(str::to_string)
            .unwrap_or_default(),
    };
    // With TLS the integration calls the name the certificate covers.
    let host = cx.inputs.integration_host(&dns).to_string();
    Ok((nlb, link, cx.inputs.listener_port(), host))
}

fn parsed_routes(inputs: &Inputs) -> Result<Vec<routes::Route>> {
    routes::parse_routes(&inputs.rest_api.routes)
        .map_err(|m| Error::Config(format!("rest-api.routes: {m}")))
}

/// Removes a stage the inputs no longer name (one URL stays live) and
/// deploys the API to the chosen stage unless the live deployment already
/// serves it as it is (its label is `fp`; for an API of yours deployed
/// without gatewalk's label, when apply `changed` nothing); returns the
/// deployment id.
async fn deploy(
    cx: StepCx<'_>,
    h: &SessionHandle,
    got: &Got<aws_sdk_apigateway::types::RestApi>,
    (fp, changed): (&str, bool),
) -> Result<String> {
    let aws = cx.aws;
    let i = &cx.inputs.rest_api;
    let api_id = &got.id;
    let yours = got.origin == Origin::Yours;
    // A stage the inputs no longer name is removed, so one URL stays live.
    if let Some(old) = h.session().output(STAGE)
        && old != i.stage_name
        && REST_API.may_change(cx, h, got, &format!("delete its stage {old}"))?
    {
        let old = old.to_string();
        let r = aws
            .apigw
            .delete_stage()
            .rest_api_id(api_id)
            .stage_name(&old)
            .send()
            .await
            .ctx("apigateway", "DeleteStage");
        crate::aws::error::optional(r)?;
        cx.progress.deleted("stage", &old);
    }
    let deployed = live::stage_deployment(aws, api_id, &i.stage_name).await?;
    Ok(match deployed {
        Some((dep, desc))
            if live::label_fingerprint(&desc) == Some(fp)
                || (yours && !changed && live::label_fingerprint(&desc).is_none()) =>
        {
            cx.progress
                .reused("deployment", &format!("{dep} on stage {}", i.stage_name));
            dep
        }
        _ => {
            if yours {
                let what = format!("deploy it to stage {}", i.stage_name);
                REST_API.may_change(cx, h, got, &what)?;
            }
            let out = aws
                .apigw
                .create_deployment()
                .rest_api_id(api_id)
                .stage_name(&i.stage_name)
                .description(live::deployment_label(fp))
                .send()
                .await
                .ctx("apigateway", "CreateDeployment")?;
            let dep = out.id().required("apigateway", "CreateDeployment", "id")?;
            cx.progress
                .created("deployment", &format!("{dep} on stage {}", i.stage_name));
            dep
        }
    })
}

impl Step for RestApi {
    const ID: StepId = StepId::RestApi;
    type Inputs = crate::inputs::RestApiInputs;

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        let i = &inputs.rest_api;
        let api = s.output(API);
        let port = inputs.listener_port();
        let tls = inputs.load_balancer.tls;
        let host = inputs.integration_host("$NLB_DNS");
        let mut out = vec![Change::create_or_keep(
            api,
            format!("regional REST API {}", i.api_name),
            format!(
                "aws apigateway create-rest-api --name '{}' --endpoint-configuration types=REGIONAL --tags {SESSION_KEY}={},{ROLE_KEY}={}",
                i.api_name,
                s.name,
                live::ROLE
            ),
        )];
        for r in parsed_routes(inputs).unwrap_or_default() {
            let mut cli = String::new();
            if !r.segments.is_empty() {
                cli.push_str(&format!(
                    "aws apigateway create-resource --rest-api-id $API_ID --parent-id $PARENT_ID --path-part '{}' && ",
                    r.segments.last().map(routes::Segment::path_part).unwrap_or_default()
                ));
            }
            let mparams: Vec<String> = r
                .method_parameters()
                .keys()
                .map(|k| format!("{k}=true"))
                .collect();
            let iparams: Vec<String> = r
                .integration_parameters()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let opt = |flag: &str, v: &[String]| {
                if v.is_empty() {
                    String::new()
                } else {
                    format!(" {flag} {}", v.join(","))
                }
            };
            cli.push_str(&format!(
                "aws apigateway put-method --rest-api-id $API_ID --resource-id $RESOURCE_ID --http-method {m} --authorization-type NONE{mp} && \
                 aws apigateway put-integration --rest-api-id $API_ID --resource-id $RESOURCE_ID --http-method {m} --type HTTP_PROXY \
                 --integration-http-method {m} --connection-type VPC_LINK --connection-id $VPC_LINK_ID --uri \"{uri}\"{ip}",
                m = r.method,
                mp = opt("--request-parameters", &mparams),
                uri = r.uri(host, port, tls),
                ip = opt("--request-parameters", &iparams),
            ));
            out.push(Change {
                action: if api.is_some() {
                    ChangeAction::Keep
                } else {
                    ChangeAction::Create
                },
                resource: format!(
                    "route {} → HTTP proxy through the VPC Link to {}",
                    r.label(),
                    r.uri(inputs.integration_host("<NLB DNS>"), port, tls)
                ),
                cli,
            });
        }
        out.push(Change::create_or_keep(
            s.output(DEPLOYMENT),
            super::then_if_new(
                s.output(DEPLOYMENT),
                format!("deployment to stage `{}`", i.stage_name),
                "once the VPC Link is AVAILABLE (redeployed whenever the routes change)",
            ),
            format!(
                "aws apigateway create-deployment --rest-api-id $API_ID --stage-name {}",
                i.stage_name
            ),
        ));
        out
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let aws = cx.aws;
        let session = Owner::of(h.session());
        let i = &cx.inputs.rest_api;
        let (_nlb, link, port, dns) = target_of(cx, h.session()).await?;
        if dns.is_empty() {
            return Err(Error::NotReady {
                step: StepId::RestApi,
                needs: StepId::LoadBalancer,
            });
        }
        let routes = parsed_routes(cx.inputs)?;

        let t = REST_API.tags(&session);
        let got = REST_API
            .ensure(cx, h, At::ANY, || async {
                let out = aws
                    .apigw
                    .create_rest_api()
                    .name(&i.api_name)
                    .description(format!(
                        "gatewalk session {session}: public door to the Fargate service"
                    ))
                    .endpoint_configuration(
                        EndpointConfiguration::builder()
                            .types(EndpointType::Regional)
                            .build(),
                    )
                    .set_tags(Some(t.pairs(None).into_iter().collect()))
                    .send()
                    .await
                    .ctx("apigateway", "CreateRestApi")?;
                Ok(aws_sdk_apigateway::types::RestApi::builder()
                    .set_id(out.id().map(str::to_string))
                    .build())
            })
            .await?;
        let api_id = got.id.clone();

        // Integrations and deployments through a link that is not AVAILABLE
        // wait or fail: settle the link before touching either.
        wait_available(cx, &link).await?;

        let target = Target {
            link_id: &link,
            nlb_dns: &dns,
            port,
            tls: cx.inputs.load_balancer.tls,
        };
        let mut now = live::read_api(aws, &api_id).await?;
        let what = "bring its methods and integrations in line with rest-api.routes";
        let mut changed = false;
        if !converge::routes_match(&now, &routes, &target)
            && REST_API.may_change(cx, h, &got, what)?
            && converge::converge(cx, &api_id, &now, &routes, &target).await? > 0
        {
            now = live::read_api(aws, &api_id).await?;
            changed = true;
        }
        let fp = now.fingerprint();

        let deployment = deploy(cx, h, &got, (&fp, changed)).await?;
        h.record(STAGE, &i.stage_name)?;
        h.record(DEPLOYMENT, &deployment)?;
        let url = live::invoke_url(&api_id, &aws.region, &i.stage_name);
        h.record(INVOKE_URL, &url)?;
        cx.progress.info(format!("invoke URL: {url}"));
        // The API calls the new listener now: one step 6 kept for the old
        // calls (a switch of TLS) can go.
        crate::steps::service::listeners::retire_unwanted(cx, h).await
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        checks::validate(cx, s).await
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        checks::inspect(cx, s).await
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        REST_API.delete_owned(cx, h, At::ANY).await?;
        for key in [INVOKE_URL, DEPLOYMENT, STAGE, API] {
            h.forget(key)?;
        }
        Ok(())
    }
}
