//! The smoke test: one HTTP GET to the invoke URL, timed, with the first bytes
//! of the body — and, when the answer is a 5xx, the likely causes read from
//! the live account, what is found broken first.

use crate::aws::traffic::Traffic;
use crate::error::Result;
use crate::session::Session;
use crate::steps::service::keys as svc_keys;
use crate::steps::target_group_swap::target_health;
use crate::steps::vpc_link::{LINK_KEY, get_link};
use crate::steps::{Check, StepCx};
use aws_sdk_elasticloadbalancingv2::types::TargetHealthStateEnum;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// API Gateway gives an integration 29 s; a little more covers the TLS setup.
pub const TIMEOUT: Duration = Duration::from_secs(35);
/// How much of the body is kept.
pub const BODY_HEAD: usize = 160;

/// What one GET saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Smoke {
    /// The URL fetched.
    pub url: String,
    /// HTTP status, or `None` when no answer came (DNS, TLS, timeout).
    pub status: Option<u16>,
    /// Time to the whole answer, milliseconds.
    pub latency_ms: u64,
    /// The first bytes of the body (or the transport error), printable.
    pub body_head: String,
}

impl Smoke {
    /// `HTTP 200 in 84 ms: <!DOCTYPE html>…`.
    pub fn summary(&self) -> String {
        match self.status {
            Some(s) => format!(
                "HTTP {s} in {} ms: {}",
                self.latency_ms,
                if self.body_head.is_empty() {
                    "(empty body)"
                } else {
                    &self.body_head
                }
            ),
            None => format!("no answer after {} ms: {}", self.latency_ms, self.body_head),
        }
    }

    /// A status the deployment is broken for: no answer, or 5xx.
    pub fn is_failure(&self) -> bool {
        self.status.is_none_or(|s| s >= 500)
    }
}

/// Text made safe for one line: control characters become spaces, cut at `max`.
pub fn printable(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max * 4)]);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One GET. Never errors: a transport failure is a result too.
pub async fn get(url: &str) -> Smoke {
    send(url, url, None).await
}

/// The GET where traffic goes: on AWS the URL itself; in the sandbox the
/// same request (the invoke URL's host in the Host header) sent to the
/// sandbox, whose data plane answers as API Gateway would. `None` when the
/// endpoint carries no traffic.
pub async fn fetch(url: &str, traffic: &Traffic) -> Option<Smoke> {
    match traffic {
        Traffic::Aws => Some(get(url).await),
        Traffic::Sandbox(endpoint) => {
            let Ok(u) = url::Url::parse(url) else {
                return Some(get(url).await);
            };
            let host = u.host_str().unwrap_or_default().to_string();
            let local = format!("{}{}", endpoint.trim_end_matches('/'), u.path());
            Some(send(url, &local, Some(host)).await)
        }
        Traffic::Nothing(_) => None,
    }
}

/// GETs `to`, reported as a GET of `url`.
async fn send(url: &str, to: &str, host: Option<String>) -> Smoke {
    let start = Instant::now();
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent(concat!(
            "gatewalk/",
            env!("CARGO_PKG_VERSION"),
            " smoke-test"
        ))
        .build();
    let r = match client {
        Ok(c) => {
            let mut req = c.get(to);
            if let Some(h) = host {
                req = req.header(reqwest::header::HOST, h);
            }
            req.send().await
        }
        Err(e) => {
            return Smoke {
                url: url.into(),
                status: None,
                latency_ms: 0,
                body_head: format!("could not build an HTTP client: {e}"),
            };
        }
    };
    let (status, body_head) = match r {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            (Some(status), printable(&body, BODY_HEAD))
        }
        Err(e) => {
            let what = if e.is_timeout() {
                format!("timed out after {} s", TIMEOUT.as_secs())
            } else if e.is_connect() {
                "could not connect (DNS or TLS); a new API can take a minute to resolve".into()
            } else {
                e.to_string()
            };
            (None, what)
        }
    };
    Smoke {
        url: url.into(),
        status,
        latency_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
        body_head,
    }
}

/// The check for one smoke result; a 5xx lists the likely causes, read live.
pub async fn judge(cx: StepCx<'_>, s: &Session, smoke: &Smoke) -> Result<Check> {
    let name = format!("GET {} answers", smoke.url);
    Ok(match smoke.status {
        Some(200..=399) => Check::pass(name, smoke.summary()),
        Some(403) if smoke.body_head.contains("Missing Authentication Token") => Check::fail(
            name,
            smoke.summary(),
            "API Gateway has no route for this path (it says \"Missing Authentication Token\"); \
             add it to rest-api.routes or test a listed path with done.smoke_path",
        ),
        Some(s) if s < 500 => Check::warn(
            name,
            smoke.summary(),
            "the request went all the way to the container, which answered with a client error; \
             the path may not exist in the app (set done.smoke_path)",
        ),
        _ => Check::fail(
            name,
            smoke.summary(),
            causes(cx, s, smoke.status.is_some()).await?,
        ),
    })
}

/// Likely causes of a 5xx or no answer, read from the live account: what is
/// found broken comes first, then what could still be wrong.
pub async fn causes(cx: StepCx<'_>, s: &Session, answered: bool) -> Result<String> {
    let aws = cx.aws;
    let port = crate::model::api_int(cx.inputs.task_definition.container_port);
    let cidr = &cx.inputs.cluster_vpc.vpc_cidr;
    let sg_id = s.output(svc_keys::SG);
    let admits = match sg_id {
        Some(id) => crate::steps::service::checks::task_group(aws, id)
            .await?
            .map(|g| crate::steps::service::checks::admits_from(&g, port, cidr)),
        None => None,
    };
    let (healthy, total, states) = match s.output(svc_keys::TG) {
        Some(tg) => {
            let targets = target_health(aws, tg).await?;
            let state = |t: &aws_sdk_elasticloadbalancingv2::types::TargetHealthDescription| {
                t.target_health().and_then(|h| h.state()).cloned()
            };
            let healthy = targets
                .iter()
                .filter(|t| state(t) == Some(TargetHealthStateEnum::Healthy))
                .count();
            let states: Vec<String> = targets
                .iter()
                .filter_map(|t| state(t).map(|x| x.as_str().to_string()))
                .collect();
            (healthy, targets.len(), states.join(", "))
        }
        None => (0, 0, String::new()),
    };
    let link = match s.output(LINK_KEY) {
        Some(id) => match get_link(aws, id).await? {
            Some(l) => l
                .status()
                .map(|x| x.as_str().to_string())
                .unwrap_or_default(),
            None => "deleted".into(),
        },
        None => "not recorded".into(),
    };
    let sg = sg_id.unwrap_or("(not recorded)");
    let mut found = Vec::new();
    let mut maybe = Vec::new();
    let sg_line = format!(
        "the task security group {sg} does not admit TCP {port} from the VPC block {cidr}, so the NLB can \
         neither health-check nor reach the tasks (apply step 6 adds the rule)"
    );
    if admits == Some(false) {
        found.push(sg_line);
    } else if admits.is_none() {
        found.push(match sg_id {
            Some(_) => format!("the task security group {sg} is gone (apply step 6)"),
            None => "step 6 has recorded no task security group (apply step 6)".to_string(),
        });
    }
    let link_line = format!(
        "the VPC Link is not AVAILABLE (now: {link}), or the integration does not use it (steps 8–9)"
    );
    if link == "AVAILABLE" {
        maybe.push(link_line);
    } else {
        found.push(link_line);
    }
    let targets_line = if total == 0 {
        "no targets are registered: the service runs no tasks (see step 6's stopped tasks)"
            .to_string()
    } else {
        format!(
            "{healthy} of {total} targets healthy (now: {states}) — check steps 6–7 and the tasks' stoppedReason"
        )
    };
    if healthy == 0 {
        found.push(targets_line);
    } else {
        maybe.push(targets_line);
    }
    if found.is_empty() && !answered {
        found.push(
            "no answer came (DNS, TLS or a timeout) though the account looks fine: a new API \
             can take a minute to resolve — try again"
                .to_string(),
        );
    } else if found.is_empty() {
        found.push(
            "the container itself answered with a server error: the API passes its answer through \
             unchanged (HTTP_PROXY) — read its logs"
                .to_string(),
        );
    }
    let mut out = vec!["likely causes, what the account shows first:".to_string()];
    let n = found.len();
    for (i, line) in found.into_iter().enumerate() {
        out.push(format!("{}. {line}", i + 1));
    }
    for (i, line) in maybe.into_iter().enumerate() {
        out.push(format!("{}. (looks fine now) {line}", n + i + 1));
    }
    Ok(out.join("\n      "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_become_one_printable_line() {
        assert_eq!(printable(b"<h1>hi</h1>\n\r\tok", 100), "<h1>hi</h1> ok");
        let long = vec![b'a'; 500];
        let p = printable(&long, 10);
        assert_eq!(p.chars().count(), 11);
        assert!(p.ends_with('…'));
        assert_eq!(printable(&[0xff, 0xfe, b'x'], 10), "��x");
    }

    #[test]
    fn failures_are_5xx_or_silence() {
        let mut s = Smoke {
            url: "u".into(),
            status: Some(502),
            latency_ms: 3,
            body_head: String::new(),
        };
        assert!(s.is_failure());
        assert!(s.summary().contains("(empty body)"));
        s.status = Some(404);
        assert!(!s.is_failure());
        s.status = None;
        assert!(s.is_failure());
    }
}
