//! Step 10, `done`: the smoke test of the invoke URL, a summary of what was
//! built, what it costs per hour while it runs, and how to tear it down.

pub mod smoke;

pub use crate::summary::cost;

use super::inputs::Inputs;
use super::rest_api::keys::INVOKE_URL;
use super::{Change, Check, Resource, Step, StepCx, StepId};
use crate::aws::traffic::Traffic;
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle, StepStatus};
use std::time::{Duration, Instant};

pub use crate::inputs::DoneInputs;

pub use crate::model::keys::SMOKE_KEY;

/// What an emulator without a data plane cannot do for the smoke test.
const NO_TRAFFIC: &str = "routes no traffic, so the invoke URL cannot be fetched";

/// Step 10.
#[derive(Debug, Clone, Copy)]
pub struct Done;

/// The URL the smoke test fetches: the invoke URL (ending in `/`) plus the path.
pub fn smoke_url(invoke_url: &str, path: &str) -> String {
    format!(
        "{}/{}",
        invoke_url.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

pub use crate::summary::summary;

impl Step for Done {
    const ID: StepId = StepId::Done;
    type Inputs = crate::inputs::DoneInputs;

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        let url = s
            .output(INVOKE_URL)
            .unwrap_or("https://$API_ID.execute-api.$REGION.amazonaws.com/$STAGE/");
        vec![Change {
            action: super::ChangeAction::Keep,
            resource: format!(
                "run the smoke test: GET {} (nothing is created), then a summary and the hourly cost",
                smoke_url(url, &inputs.done.smoke_path)
            ),
            cli: format!(
                "curl -sS -o /dev/null -w '%{{http_code}} %{{time_total}}s\\n' \"{}\"",
                smoke_url(url, &inputs.done.smoke_path)
            ),
        }]
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let url = h
            .session()
            .output(INVOKE_URL)
            .ok_or(Error::NotReady {
                step: StepId::Done,
                needs: StepId::RestApi,
            })?
            .to_string();
        let full = smoke_url(&url, &cx.inputs.done.smoke_path);
        let traffic = cx.aws.traffic().await;
        let result = if let Some(why) = traffic.why_not(NO_TRAFFIC) {
            cx.progress.info(format!(
                "smoke test {why}; on AWS gatewalk would GET {full}"
            ));
            why
        } else {
            // A new deployment, DNS name or target can take a minute to answer;
            // retry server errors for a while, showing each attempt.
            let start = Instant::now();
            let what = "the API to answer without a server error";
            let mut last = smoke::fetch(&full, &traffic).await;
            while let Some(l) = last.as_ref().filter(|l| l.is_failure())
                && start.elapsed() < Duration::from_secs(150)
            {
                cx.progress.waiting(what, &l.summary(), start.elapsed());
                // The sandbox's model settles in seconds; AWS in tens of them.
                let pause = if traffic == Traffic::Aws { 10 } else { 1 };
                tokio::time::sleep(Duration::from_secs(pause)).await;
                last = smoke::fetch(&full, &traffic).await;
            }
            let summary = last.map_or_else(String::new, |l| l.summary());
            cx.progress.info(format!("GET {full}: {summary}"));
            summary
        };
        h.record(SMOKE_KEY, &result)?;
        for line in summary(cx.inputs, h.session()) {
            cx.progress.info(line);
        }
        Ok(())
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        let mut c = Vec::new();
        let behind: Vec<&str> = StepId::ALL
            .iter()
            .filter(|id| **id < StepId::Done && s.status(**id) != StepStatus::Done)
            .map(|id| id.as_str())
            .collect();
        c.push(Check::expect(
            "every earlier step is done",
            behind.is_empty(),
            if behind.is_empty() {
                "steps 1–9 done".to_string()
            } else {
                format!("not done: {}", behind.join(", "))
            },
            "apply the steps not done, or check them to see what fails",
        ));
        let Some(url) = s.output(INVOKE_URL) else {
            c.push(Check::fail(
                "the invoke URL is known",
                "not recorded",
                crate::model::Fix::Apply(StepId::RestApi),
            ));
            return Ok(c);
        };
        let full = smoke_url(url, &cx.inputs.done.smoke_path);
        let traffic = cx.aws.traffic().await;
        c.push(match smoke::fetch(&full, &traffic).await {
            Some(got) => smoke::judge(cx, s, &got).await?,
            None => Check::skipped(
                format!("GET {full} answers"),
                traffic.why_not(NO_TRAFFIC).unwrap_or_default(),
            ),
        });
        Ok(c)
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        let mut out = Vec::new();
        if let Some(url) = s.output(INVOKE_URL) {
            out.push(Resource {
                kind: "Invoke URL".into(),
                id: smoke_url(url, &cx.inputs.done.smoke_path),
                state: s.output(SMOKE_KEY).unwrap_or("not tested yet").to_string(),
                attributes: vec![("smoke path".into(), cx.inputs.done.smoke_path.clone())],
                console_url: None,
            });
        }
        let lines = cost::hourly(cx.inputs, s);
        if !lines.is_empty() {
            out.push(Resource {
                kind: "Hourly cost".into(),
                id: "while it runs".into(),
                state: format!("${:.3}/h", cost::total(&lines)),
                attributes: lines
                    .iter()
                    .map(|l| {
                        let price = if l.per_hour > 0.0 {
                            format!("${:.4}/h", l.per_hour)
                        } else {
                            String::new()
                        };
                        let plus = match (price.is_empty(), l.plus.is_empty()) {
                            (_, true) => String::new(),
                            (true, false) => l.plus.to_string(),
                            (false, false) => format!(" + {}", l.plus),
                        };
                        (l.what.clone(), format!("{price}{plus}"))
                    })
                    .collect(),
                console_url: None,
            });
        }
        Ok(out)
    }

    async fn teardown(&self, _cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        h.forget(SMOKE_KEY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoke_urls_join_cleanly() {
        let u = "https://a.execute-api.us-east-1.amazonaws.com/prod/";
        assert_eq!(smoke_url(u, "/"), u);
        assert_eq!(
            smoke_url(u, "/health"),
            "https://a.execute-api.us-east-1.amazonaws.com/prod/health"
        );
    }
}
