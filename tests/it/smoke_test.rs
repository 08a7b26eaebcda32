//! Step 10's smoke test against a real HTTP server on loopback (the emulator
//! serves no invoke URL), and its verdicts — a 5xx explained with the likely
//! causes read from the emulated account.

use crate::common;

use common::World;
use gatewalk::progress::Progress;
use gatewalk::steps::done::smoke::{self, Smoke};
use gatewalk::steps::inputs::Inputs;
use gatewalk::steps::{CheckStatus, StepCx, StepId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A tiny HTTP/1.1 server: `/ok` → 200, `/broken` → 502, anything else → 404.
async fn server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = l.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, body) = match path.as_str() {
                    "/ok" => ("200 OK", "hello\r\n<b>world</b>\n".to_string()),
                    "/broken" => ("502 Bad Gateway", "Bad Gateway".to_string()),
                    "/big" => ("200 OK", "x".repeat(10_000)),
                    _ => ("404 Not Found", "nope".to_string()),
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn the_get_reports_status_latency_and_the_first_bytes() {
    let base = server().await;
    let ok = smoke::get(&format!("{base}/ok")).await;
    assert_eq!(ok.status, Some(200));
    assert_eq!(ok.body_head, "hello <b>world</b>");
    assert!(!ok.is_failure());
    assert!(ok.summary().starts_with("HTTP 200 in "), "{}", ok.summary());

    let big = smoke::get(&format!("{base}/big")).await;
    assert_eq!(big.body_head.chars().count(), smoke::BODY_HEAD + 1);

    let broken = smoke::get(&format!("{base}/broken")).await;
    assert_eq!(broken.status, Some(502));
    assert!(broken.is_failure());

    // Nobody listens on the port any more: no status, and a reason.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        smoke::get(&format!("http://127.0.0.1:{port}/")).await
    };
    assert_eq!(closed.status, None);
    assert!(closed.is_failure());
    assert!(closed.body_head.contains("could not connect"), "{closed:?}");
}

#[tokio::test]
async fn a_server_error_is_explained_with_what_the_account_shows() {
    let w = World::new().await;
    let h = w.apply(&w.aws, "smk", StepId::Done).await;
    let s = h.session();
    let inputs = Inputs::resolve(s, &[]).unwrap();
    let p = Progress::silent();
    let cx = StepCx {
        aws: &w.aws,
        inputs: &inputs,
        progress: &p,
    };
    let at = |status: Option<u16>, body: &str| Smoke {
        url: "https://x.execute-api.us-east-1.amazonaws.com/prod/".into(),
        status,
        latency_ms: 12,
        body_head: body.into(),
    };

    let c = smoke::judge(cx, s, &at(Some(200), "<html>")).await.unwrap();
    assert_eq!(c.status, CheckStatus::Pass);

    let c = smoke::judge(cx, s, &at(Some(500), "Internal server error"))
        .await
        .unwrap();
    assert_eq!(c.status, CheckStatus::Fail);
    let fix = c.fix.unwrap().to_string();
    // Everything the account shows is fine: the container's own 5xx, which
    // HTTP_PROXY passes through, comes first; what looks fine is said so.
    for part in [
        "what the account shows first",
        "1. the container itself answered with a server error",
        "(looks fine now) 1 of 1 targets healthy",
        "(looks fine now) the VPC Link is not AVAILABLE (now: AVAILABLE)",
    ] {
        assert!(fix.contains(part), "{part} missing from: {fix}");
    }

    let c = smoke::judge(cx, s, &at(None, "timed out after 35 s"))
        .await
        .unwrap();
    assert_eq!(c.status, CheckStatus::Fail);

    let c = smoke::judge(
        cx,
        s,
        &at(Some(403), r#"{"message":"Missing Authentication Token"}"#),
    )
    .await
    .unwrap();
    assert_eq!(c.status, CheckStatus::Fail);
    assert!(c.fix.unwrap().to_string().contains("no route"));

    let c = smoke::judge(cx, s, &at(Some(404), "nope")).await.unwrap();
    assert_eq!(c.status, CheckStatus::Warn);
}
