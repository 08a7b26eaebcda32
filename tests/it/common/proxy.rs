//! A harness proxy between gatewalk and moto: it counts the API calls that
//! reach the emulator, can SIGKILL a child process right after call N was
//! carried out (so the resource exists but the client never hears of it), and
//! can answer a fixed share of calls with throttling errors or 5xx instead of
//! forwarding them — in each protocol's own error format, so the SDK's retry
//! logic sees exactly what AWS would send.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

#[derive(Default)]
struct State {
    upstream: String,
    /// Requests received (faulted or not).
    seen: AtomicUsize,
    /// Calls carried out by the emulator.
    done: AtomicUsize,
    /// Kill this pid once `done` reaches this count.
    kill: Mutex<Option<(usize, u32)>>,
    /// Inject faults.
    faults: AtomicBool,
    /// Faults injected so far.
    injected: AtomicUsize,
    /// While set, `DescribeLoadBalancers` reports every NLB as provisioning.
    hold_provisioning: AtomicBool,
}

/// A running proxy.
#[derive(Clone)]
pub struct Proxy {
    /// URL to give gatewalk as its endpoint.
    pub endpoint: String,
    state: Arc<State>,
}

impl Proxy {
    /// Starts a proxy to `upstream` on a free loopback port.
    pub async fn start(upstream: &str) -> Self {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", l.local_addr().unwrap());
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_string(),
            ..Default::default()
        });
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = l.accept().await else {
                    return;
                };
                let st = st.clone();
                let client = client.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(st.clone(), client.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(sock), svc)
                        .await;
                });
            }
        });
        Self { endpoint, state }
    }

    /// Calls the emulator carried out since the last reset.
    pub fn calls(&self) -> usize {
        self.state.done.load(Ordering::SeqCst)
    }

    /// Starts counting from zero and disarms the kill.
    pub fn reset(&self) {
        self.state.done.store(0, Ordering::SeqCst);
        self.state.seen.store(0, Ordering::SeqCst);
        *self.state.kill.lock().unwrap() = None;
    }

    /// SIGKILLs `pid` right after the emulator has carried out call `n`
    /// (counted from the last reset), before the answer goes back.
    pub fn kill_after(&self, n: usize, pid: u32) {
        *self.state.kill.lock().unwrap() = Some((n, pid));
    }

    /// Turns fault injection on or off: of every 20 calls, 4 are throttled
    /// and 1 gets a 503, never two in a row.
    pub fn faults(&self, on: bool) {
        self.state.faults.store(on, Ordering::SeqCst);
    }

    /// Faults injected so far.
    pub fn injected(&self) -> usize {
        self.state.injected.load(Ordering::SeqCst)
    }

    /// While on, every NLB is reported `provisioning` (a long AWS wait).
    pub fn hold_provisioning(&self, on: bool) {
        self.state.hold_provisioning.store(on, Ordering::SeqCst);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Protocol {
    /// EC2's query protocol.
    Ec2,
    /// awsQuery (ELB, IAM, STS).
    Query,
    /// `awsJson1_1` (ECS).
    Json,
    /// restJson1 (API Gateway).
    Rest,
    /// restXml (Route 53): errors in an `<ErrorResponse>` document.
    RestXml,
}

fn protocol(req: &hyper::http::request::Parts, body: &[u8]) -> Protocol {
    if req.headers.contains_key("x-amz-target") {
        Protocol::Json
    } else if req.uri.path().starts_with("/2013-04-01/") {
        Protocol::RestXml
    } else if req.method != hyper::Method::POST || req.uri.path() != "/" {
        Protocol::Rest
    } else if String::from_utf8_lossy(body).contains("Version=2016-11-15") {
        Protocol::Ec2
    } else {
        Protocol::Query
    }
}

fn fault(p: Protocol, throttle: bool) -> Response<Full<Bytes>> {
    let (status, code, msg) = if throttle {
        let code = match p {
            Protocol::Ec2 => "RequestLimitExceeded",
            Protocol::Query | Protocol::RestXml => "Throttling",
            Protocol::Json => "ThrottlingException",
            Protocol::Rest => "TooManyRequestsException",
        };
        let status = if p == Protocol::Rest { 429 } else { 400 };
        (status, code, "Rate exceeded (injected by the test proxy)")
    } else {
        (
            503,
            "ServiceUnavailable",
            "Service unavailable (injected by the test proxy)",
        )
    };
    let (ctype, body) = match p {
        Protocol::Ec2 => (
            "text/xml",
            format!(
                "<Response><Errors><Error><Code>{code}</Code><Message>{msg}</Message></Error></Errors><RequestID>proxy</RequestID></Response>"
            ),
        ),
        Protocol::Query | Protocol::RestXml => (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{msg}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>"
            ),
        ),
        Protocol::Json => (
            "application/x-amz-json-1.1",
            format!(r#"{{"__type":"{code}","message":"{msg}"}}"#),
        ),
        Protocol::Rest => ("application/json", format!(r#"{{"message":"{msg}"}}"#)),
    };
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", ctype)
        .header("x-amzn-errortype", code)
        .header("x-amzn-requestid", "proxy")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

async fn handle(
    st: Arc<State>,
    client: reqwest::Client,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
    // Faults are for AWS API calls: a request to an invoke URL (the smoke
    // test's GET) is the data plane, which the SDK's retries do not cover.
    let invoke = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h.contains(".execute-api."));
    let i = st.seen.fetch_add(1, Ordering::SeqCst);
    if !invoke && st.faults.load(Ordering::SeqCst) && matches!(i % 20, 3 | 7 | 11 | 15 | 18) {
        st.injected.fetch_add(1, Ordering::SeqCst);
        return Ok(fault(protocol(&parts, &body), i % 20 != 18));
    }
    let url = format!(
        "{}{}",
        st.upstream,
        parts
            .uri
            .path_and_query()
            .map_or("/", hyper::http::uri::PathAndQuery::as_str)
    );
    let mut out = client.request(parts.method.clone(), url).body(body.clone());
    for (k, v) in &parts.headers {
        if k != "host" && k != "content-length" {
            out = out.header(k, v);
        }
    }
    let resp = match out.send().await {
        Ok(r) => r,
        Err(e) => {
            return Ok(Response::builder()
                .status(502)
                .body(Full::new(Bytes::from(format!("proxy: {e}"))))
                .unwrap());
        }
    };
    let status = resp.status();
    let headers = resp.headers().clone();
    let mut bytes = resp.bytes().await.unwrap_or_default();
    let n = st.done.fetch_add(1, Ordering::SeqCst) + 1;
    let kill = *st.kill.lock().unwrap();
    if let Some((k, pid)) = kill
        && n == k
    {
        // The call happened; the client dies before it learns the outcome.
        gatewalk::signals::send(pid, libc::SIGKILL);
        return Ok(Response::builder()
            .status(502)
            .body(Full::new(Bytes::new()))
            .unwrap());
    }
    if st.hold_provisioning.load(Ordering::SeqCst) {
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("<DescribeLoadBalancersResult") {
            bytes = Bytes::from(text.replace("<Code>active</Code>", "<Code>provisioning</Code>"));
        }
    }
    let mut b = Response::builder().status(status.as_u16());
    for (k, v) in &headers {
        if k != "content-length" && k != "transfer-encoding" && k != "connection" {
            b = b.header(k, v);
        }
    }
    Ok(b.body(Full::new(bytes)).unwrap())
}
