//! Step 9's live checks (each route's integration read back; the stage serving
//! the current configuration) and its live resources.

use super::keys::*;
use super::live::{self, LiveIntegration};
use super::{APPLY, parsed_routes, target_of};
use crate::aws::Required;
use crate::error::Result;
use crate::session::Session;
use crate::steps::{Check, Resource, StepCx};
use aws_sdk_apigateway::types::EndpointType;

/// `host:port` of an integration URI (`http://host:port/path`).
pub fn uri_authority(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

fn integration_checks(
    label: &str,
    i: &LiveIntegration,
    want_uri: &str,
    link: &str,
    mapping: bool,
    want_params: &std::collections::BTreeMap<String, String>,
) -> Vec<Check> {
    let mut c = Vec::new();
    c.push(Check::expect(
        format!("{label}: integration type is HTTP_PROXY"),
        i.kind == "HTTP_PROXY",
        &i.kind,
        "the walkthrough's integration passes requests through unchanged (HTTP proxy); apply again to correct it",
    ));
    c.push(match (&i.connection_type[..], &i.connection_id) {
        ("VPC_LINK", Some(id)) => Check::expect(
            format!("{label}: connection is the session's VPC Link"),
            id == link,
            format!("VPC_LINK {id}"),
            format!("the integration must use VPC Link {link}; apply again to correct it"),
        ),
        ("VPC_LINK", None) => Check::fail(
            format!("{label}: connection is the session's VPC Link"),
            "VPC_LINK with no VPC Link id",
            format!("the integration must use VPC Link {link}; apply again to correct it"),
        ),
        (other, _) => Check::fail(
            format!("{label}: connection is the session's VPC Link"),
            other,
            "without connection type VPC_LINK API Gateway tries the public internet, where an internal NLB cannot be reached; apply again",
        ),
    });
    let want = uri_authority(want_uri);
    let got = uri_authority(&i.uri);
    c.push(Check::expect(
        format!("{label}: URI names the NLB's DNS name and listener port"),
        got.eq_ignore_ascii_case(want) && i.uri == want_uri,
        &i.uri,
        format!(
            "the URI must be {want_uri} — the NLB's DNS name, not the NAT gateway's address as some \
             walkthroughs say; apply again to correct it"
        ),
    ));
    if mapping {
        c.push(Check::expect(
            format!("{label}: path parameters are passed to the backend"),
            &i.params == want_params,
            format!("{:?}", i.params),
            "each path parameter must map method.request.path.X to integration.request.path.X; apply again",
        ));
    }
    c
}

/// The checks of step 9.
pub async fn validate(cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
    let aws = cx.aws;
    let mut c = Vec::new();
    let api = match s.output(API) {
        Some(id) => live::get_api(aws, id).await?,
        None => None,
    };
    let Some(api) = api else {
        c.push(Check::fail("REST API exists", "not found", APPLY));
        return Ok(c);
    };
    let api_id = api.id().required("apigateway", "GetRestApis", "id")?;
    c.push(Check::pass(
        "REST API exists",
        format!("{api_id} ({})", api.name().unwrap_or_default()),
    ));
    let types: Vec<&EndpointType> = api
        .endpoint_configuration()
        .map(|e| e.types().iter().collect())
        .unwrap_or_default();
    c.push(if types == [&EndpointType::Regional] {
        Check::pass("endpoint type is REGIONAL", "REGIONAL")
    } else {
        Check::warn(
            "endpoint type is REGIONAL",
            format!("{types:?}"),
            "gatewalk creates a regional API; an edge-optimised or private one behaves differently \
             (CloudFront in front, or no public URL at all)",
        )
    });
    let (_nlb, link, port, dns) = target_of(cx, s).await?;
    let routes = parsed_routes(cx.inputs)?;
    let now = live::read_api(aws, &api_id).await?;
    for r in &routes {
        let label = r.label();
        let Some(m) = now.method(&r.path(), &r.method) else {
            c.push(Check::fail(
                format!("route {label} exists"),
                "no such method",
                APPLY,
            ));
            continue;
        };
        let Some(i) = &m.integration else {
            c.push(Check::fail(
                format!("route {label} has an integration"),
                "method without integration (API Gateway answers 500)",
                APPLY,
            ));
            continue;
        };
        let want_params = r.integration_parameters();
        c.extend(integration_checks(
            &label,
            i,
            &r.uri(&dns, port, cx.inputs.load_balancer.tls),
            &link,
            !want_params.is_empty(),
            &want_params,
        ));
    }
    let extra: Vec<String> = now
        .methods
        .iter()
        .filter(|m| {
            !routes
                .iter()
                .any(|r| r.path() == m.path && r.method == m.method)
        })
        .map(|m| format!("{} {}", m.method, m.path))
        .collect();
    if !extra.is_empty() {
        c.push(Check::warn(
            "only the listed routes exist",
            extra.join(", "),
            "these methods are not in rest-api.routes; apply removes them",
        ));
    }
    let stage = &cx.inputs.rest_api.stage_name;
    c.push(stage_check(aws, &api_id, stage, &now).await?);
    Ok(c)
}

/// Whether the stage serves the API as it is now: judged by the fingerprint
/// gatewalk labels its deployments with; one made without it cannot be
/// judged, and says so.
async fn stage_check(
    aws: &crate::aws::AwsContext,
    api_id: &str,
    stage: &str,
    now: &live::LiveApi,
) -> Result<Check> {
    Ok(match live::stage_deployment(aws, api_id, stage).await? {
        None => Check::fail(format!("stage `{stage}` exists"), "not found", APPLY),
        Some((dep, desc)) if live::label_fingerprint(&desc).is_none() => Check::warn(
            format!("stage `{stage}` serves the current configuration"),
            format!(
                "deployment {dep} was not made by gatewalk, so it carries no record of what it serves"
            ),
            format!(
                "if you changed the API since, redeploy: aws apigateway create-deployment \
                 --rest-api-id {api_id} --stage-name {stage}"
            ),
        ),
        Some((dep, desc)) => {
            let fp = now.fingerprint();
            Check::expect(
                format!("stage `{stage}` serves the current configuration"),
                live::label_fingerprint(&desc) == Some(fp.as_str()),
                format!("deployment {dep}"),
                "the API changed after its last deployment, so callers still get the old one; \
                     apply again to redeploy",
            )
        }
    })
}

/// The live resources of step 9.
pub async fn inspect(cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
    let aws = cx.aws;
    let Some(id) = s.output(API) else {
        return Ok(vec![]);
    };
    let Some(api) = live::get_api(aws, id).await? else {
        return Ok(vec![Resource::missing("REST API", id)]);
    };
    let stage = s
        .output(STAGE)
        .unwrap_or(&cx.inputs.rest_api.stage_name)
        .to_string();
    let url = live::invoke_url(id, &aws.region, &stage);
    let mut out = vec![Resource {
        kind: "REST API".into(),
        id: id.into(),
        state: "available".into(),
        attributes: vec![
            ("name".into(), api.name().unwrap_or_default().into()),
            (
                "endpoint".into(),
                api.endpoint_configuration()
                    .map(|e| {
                        e.types()
                            .iter()
                            .map(aws_sdk_apigateway::types::EndpointType::as_str)
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default(),
            ),
            ("invoke URL".into(), url.clone()),
        ],
        console_url: aws.console_url(&format!(
            "apigateway/main/apis/{id}/resources?api={id}&region={{region}}"
        )),
    }];
    let now = live::read_api(aws, id).await?;
    for m in &now.methods {
        let (state, attributes) = match &m.integration {
            Some(i) => (
                format!("{} via {}", i.kind, i.connection_type),
                vec![
                    ("uri".into(), i.uri.clone()),
                    (
                        "connection".into(),
                        i.connection_id.clone().unwrap_or_else(|| "-".into()),
                    ),
                ],
            ),
            None => ("no integration".into(), vec![]),
        };
        out.push(Resource {
            kind: "Method".into(),
            id: format!("{} {}", m.method, m.path),
            state,
            attributes,
            console_url: None,
        });
    }
    out.push(match live::stage_deployment(aws, id, &stage).await? {
        Some((dep, desc)) => Resource {
            kind: "Stage".into(),
            id: stage.clone(),
            state: if live::label_fingerprint(&desc) == Some(now.fingerprint().as_str()) {
                "current".into()
            } else {
                "outdated".into()
            },
            attributes: vec![("deployment".into(), dep), ("invoke URL".into(), url)],
            console_url: aws.console_url(&format!(
                "apigateway/main/apis/{id}/stages?api={id}&region={{region}}"
            )),
        },
        None => Resource::missing("Stage", &stage),
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::uri_authority;

    #[test]
    fn authority_of_uris() {
        assert_eq!(
            uri_authority("http://nlb-1.elb.amazonaws.com:80/{proxy}"),
            "nlb-1.elb.amazonaws.com:80"
        );
        assert_eq!(uri_authority("http://h:8080/"), "h:8080");
        assert_eq!(uri_authority("h"), "h");
    }
}
