//! Inputs of step 9 and the routes they describe: `METHOD /path` strings parsed
//! and checked against API Gateway's rules before any call, and turned into the
//! resources, methods and proxy integrations the REST API needs.

use super::names::derive;
use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Inputs of step 9.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestApiInputs {
    /// REST API name.
    pub api_name: String,
    /// Stage the API is deployed to.
    pub stage_name: String,
    /// Routes as `METHOD /path`; the default proxies everything.
    pub routes: Vec<String>,
}

/// Methods a REST API route may use (`ANY` matches all of them).
pub const METHODS: &[&str] = &[
    "ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
];

impl StepInputs for RestApiInputs {
    const STEP: StepId = StepId::RestApi;
    const FIELDS: &'static [Field] = &[
        Field {
            name: "api_name",
            meaning: "name of the REST API (1–128 characters)",
        },
        Field {
            name: "stage_name",
            meaning: "stage to deploy to; part of the invoke URL (letters, digits, - and _)",
        },
        Field {
            name: "routes",
            meaning: "comma-separated `METHOD /path` routes; the default `ANY /, ANY /{proxy+}` forwards every path",
        },
    ];

    fn defaults(session: &str) -> Self {
        Self {
            api_name: derive(session, "api", 128),
            stage_name: "prod".into(),
            routes: vec!["ANY /".into(), "ANY /{proxy+}".into()],
        }
    }

    fn check(&self, _all: &Inputs, _region: &str, e: &mut Errs<'_>) {
        let n = &self.api_name;
        if n.trim().is_empty() || n.chars().count() > 128 {
            e.push("api_name", "must be 1–128 characters");
        } else if n.chars().any(char::is_control) {
            e.push("api_name", "cannot contain control characters");
        }
        let s = &self.stage_name;
        if s.is_empty() || s.len() > 128 {
            e.push("stage_name", "must be 1–128 characters");
        } else if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-_".contains(*c)))
        {
            e.push(
                "stage_name",
                format!("`{s}` contains `{c}`; use letters, digits, - and _"),
            );
        }
        if let Err(m) = parse_routes(&self.routes) {
            e.push("routes", m);
        }
    }
}

/// One segment of a resource path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Segment {
    /// A literal part (`orders`).
    Literal(String),
    /// A path parameter (`{id}`).
    Param(String),
    /// A greedy parameter matching the rest of the path (`{proxy+}`).
    Greedy(String),
}

impl Segment {
    /// How API Gateway spells it as a `pathPart`.
    pub fn path_part(&self) -> String {
        match self {
            Segment::Literal(s) => s.clone(),
            Segment::Param(p) => format!("{{{p}}}"),
            Segment::Greedy(p) => format!("{{{p}+}}"),
        }
    }

    fn param(&self) -> Option<&str> {
        match self {
            Segment::Param(p) | Segment::Greedy(p) => Some(p),
            Segment::Literal(_) => None,
        }
    }
}

/// A route: one method on one resource path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// `ANY`, `GET`, …
    pub method: String,
    /// The path's segments; empty for `/`.
    pub segments: Vec<Segment>,
}

impl Route {
    /// The resource path as API Gateway shows it (`/{proxy+}`).
    pub fn path(&self) -> String {
        path_of(&self.segments)
    }

    /// The path parameters, in order.
    pub fn params(&self) -> Vec<&str> {
        self.segments.iter().filter_map(Segment::param).collect()
    }

    /// The backend path for the integration URI: greedy `{proxy+}` becomes `{proxy}`.
    pub fn backend_path(&self) -> String {
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Greedy(p) => format!("{{{p}}}"),
                other => other.path_part(),
            })
            .collect();
        format!("/{}", parts.join("/"))
    }

    /// The integration URI: the host (the NLB's DNS name, or with TLS the
    /// name its certificate covers) and the listener port, then the path.
    pub fn uri(&self, host: &str, port: u32, tls: bool) -> String {
        if tls {
            let port = if port == 443 {
                String::new()
            } else {
                format!(":{port}")
            };
            format!("https://{host}{port}{}", self.backend_path())
        } else {
            format!("http://{host}:{port}{}", self.backend_path())
        }
    }

    /// `method.request.path.X` → required, for each parameter.
    pub fn method_parameters(&self) -> BTreeMap<String, bool> {
        self.params()
            .into_iter()
            .map(|p| (format!("method.request.path.{p}"), true))
            .collect()
    }

    /// `integration.request.path.X` ← `method.request.path.X`, for each parameter.
    pub fn integration_parameters(&self) -> BTreeMap<String, String> {
        self.params()
            .into_iter()
            .map(|p| {
                (
                    format!("integration.request.path.{p}"),
                    format!("method.request.path.{p}"),
                )
            })
            .collect()
    }

    /// `ANY /{proxy+}`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path())
    }
}

/// `/a/{b}` from segments.
pub fn path_of(segments: &[Segment]) -> String {
    let parts: Vec<String> = segments.iter().map(Segment::path_part).collect();
    format!("/{}", parts.join("/"))
}

fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Parses one `METHOD /path`.
pub fn parse_route(text: &str) -> Result<Route, String> {
    let t = text.trim();
    let (method, path) = t
        .split_once(char::is_whitespace)
        .ok_or_else(|| format!("`{t}` is not `METHOD /path` (e.g. `GET /orders/{{id}}`)"))?;
    let method = method.to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(format!(
            "`{method}` in `{t}` is not a method; use one of {}",
            METHODS.join(", ")
        ));
    }
    let path = path.trim();
    if !path.starts_with('/') {
        return Err(format!("the path in `{t}` must start with `/`"));
    }
    let body = path.trim_start_matches('/');
    let mut segments = Vec::new();
    if !body.is_empty() {
        let raw: Vec<&str> = body.trim_end_matches('/').split('/').collect();
        for (i, part) in raw.iter().enumerate() {
            let seg = if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}'))
            {
                if let Some(p) = inner.strip_suffix('+') {
                    if i + 1 != raw.len() {
                        return Err(format!(
                            "in `{t}`, the greedy `{{{p}+}}` must be the last part of the path"
                        ));
                    }
                    Segment::Greedy(p.to_string())
                } else {
                    Segment::Param(inner.to_string())
                }
            } else {
                Segment::Literal(part.to_string())
            };
            let name = match &seg {
                Segment::Literal(s) | Segment::Param(s) | Segment::Greedy(s) => s,
            };
            if !name_ok(name) {
                return Err(format!(
                    "`{part}` in `{t}` is not a valid path part; use letters, digits, -, _ and ., \
                     or `{{name}}` / `{{name+}}` for parameters"
                ));
            }
            segments.push(seg);
        }
    }
    let route = Route { method, segments };
    let params = route.params();
    let unique: BTreeSet<&&str> = params.iter().collect();
    if unique.len() != params.len() {
        return Err(format!("`{t}` uses a path parameter name twice"));
    }
    Ok(route)
}

/// Parses and cross-checks the whole list: no duplicates, and no two
/// different parameters (or a parameter and a greedy one) side by side, which
/// API Gateway refuses.
pub fn parse_routes(list: &[String]) -> Result<Vec<Route>, String> {
    if list.is_empty() {
        return Err("list at least one route, e.g. `ANY /{proxy+}`".into());
    }
    if list.len() > 50 {
        return Err(format!(
            "{} routes; gatewalk deploys at most 50 (API Gateway throttles each call)",
            list.len()
        ));
    }
    let mut routes: Vec<Route> = Vec::new();
    for text in list {
        let r = parse_route(text)?;
        if routes.contains(&r) {
            return Err(format!("`{}` is listed twice", r.label()));
        }
        routes.push(r);
    }
    // Every resource path the routes need, parents included.
    let mut variable_child: BTreeMap<String, String> = BTreeMap::new();
    for r in &routes {
        for (i, seg) in r.segments.iter().enumerate() {
            if seg.param().is_none() {
                continue;
            }
            let parent = path_of(&r.segments[..i]);
            let part = seg.path_part();
            match variable_child.get(&parent) {
                Some(other) if *other != part => {
                    return Err(format!(
                        "`{parent}` would have two parameter children, `{other}` and `{part}`; \
                         API Gateway allows one per level — use the same name in every route"
                    ));
                }
                _ => {
                    variable_child.insert(parent, part);
                }
            }
        }
    }
    routes.sort();
    Ok(routes)
}

/// Every resource path the routes need (parents included), shortest first.
pub fn needed_paths(routes: &[Route]) -> Vec<Vec<Segment>> {
    let mut set: BTreeSet<(usize, String, Vec<Segment>)> = BTreeSet::new();
    for r in routes {
        for n in 0..=r.segments.len() {
            let segs = r.segments[..n].to_vec();
            set.insert((n, path_of(&segs), segs));
        }
    }
    set.into_iter().map(|(_, _, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(list: &[&str]) -> Result<Vec<Route>, String> {
        parse_routes(
            &list
                .iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn default_routes_proxy_everything() {
        let r = routes(&["ANY /", "ANY /{proxy+}"]).unwrap();
        assert_eq!(r[0].path(), "/");
        assert_eq!(r[0].uri("nlb.example", 80, false), "http://nlb.example:80/");
        assert!(r[0].integration_parameters().is_empty());
        assert_eq!(r[1].path(), "/{proxy+}");
        assert_eq!(
            r[1].uri("nlb.example", 8080, false),
            "http://nlb.example:8080/{proxy}"
        );
        // With TLS: https to the name the certificate covers, 443 implied.
        assert_eq!(
            r[0].uri("api.example.com", 443, true),
            "https://api.example.com/"
        );
        assert_eq!(
            r[1].uri("api.example.com", 8443, true),
            "https://api.example.com:8443/{proxy}"
        );
        assert_eq!(
            r[1].integration_parameters()
                .get("integration.request.path.proxy"),
            Some(&"method.request.path.proxy".to_string())
        );
        assert_eq!(
            r[1].method_parameters().get("method.request.path.proxy"),
            Some(&true)
        );
    }

    #[test]
    fn listed_routes_and_their_resources() {
        let r = routes(&["get /orders/{id}", "POST /orders", "GET /health/"]).unwrap();
        let labels: Vec<String> = r.iter().map(Route::label).collect();
        assert_eq!(
            labels,
            ["GET /health", "GET /orders/{id}", "POST /orders"].map(String::from)
        );
        let paths: Vec<String> = needed_paths(&r).iter().map(|s| path_of(s)).collect();
        assert_eq!(paths, ["/", "/health", "/orders", "/orders/{id}"]);
    }

    #[test]
    fn bad_routes_say_why() {
        for (bad, words) in [
            (vec![], "at least one"),
            (vec!["/x"], "METHOD /path"),
            (vec!["FETCH /x"], "not a method"),
            (vec!["GET x"], "start with `/`"),
            (vec!["GET /a/{p+}/b"], "last part"),
            (vec!["GET /a b"], "valid path part"),
            (vec!["GET /{}"], "valid path part"),
            (vec!["GET /x", "get /x"], "listed twice"),
            (vec!["GET /{a}/{a}"], "twice"),
            (vec!["GET /{id}", "PUT /{name}"], "one per level"),
            (vec!["GET /{id}", "ANY /{proxy+}"], "one per level"),
        ] {
            let list: Vec<String> = bad.iter().map(std::string::ToString::to_string).collect();
            let e = parse_routes(&list).unwrap_err();
            assert!(e.contains(words), "{bad:?}: {e}");
        }
    }
}
