//! Whether traffic can be judged where the clients point: on AWS it can; in
//! gatewalk's sandbox its data plane runs tasks, reports target health and
//! answers invoke URLs (docs/strict-aws.md); an emulator without one (moto
//! alone, another endpoint) carries none, and checks that need traffic say
//! so instead of passing.

use super::AwsContext;
use std::time::Duration;

/// Where a check that needs traffic is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Traffic {
    /// AWS itself.
    Aws,
    /// The sandbox's data plane at this endpoint: invoke URLs are sent there.
    Sandbox(String),
    /// An endpoint that carries no traffic.
    Nothing(String),
}

impl Traffic {
    /// Whether tasks, targets and invoke URLs can be judged.
    pub fn judged(&self) -> bool {
        !matches!(self, Traffic::Nothing(_))
    }

    /// Why a check that needs traffic cannot be judged, or `None`.
    pub fn why_not(&self, what: &str) -> Option<String> {
        match self {
            Traffic::Nothing(e) => Some(format!(
                "skipped: the emulator at {e} {what} (gatewalk's sandbox does; this endpoint is not it)"
            )),
            _ => None,
        }
    }
}

impl AwsContext {
    /// Where traffic is judged, asked of the endpoint once.
    pub async fn traffic(&self) -> Traffic {
        let Some(endpoint) = self.endpoint_url.clone() else {
            return Traffic::Aws;
        };
        // An endpoint that answered is asked once; one that could not be
        // reached (not up yet) is asked again next time.
        let has = match self.data_plane.get() {
            Some(known) => *known,
            None => match probe(&endpoint).await {
                Some(has) => {
                    let _ = self.data_plane.set(has);
                    has
                }
                None => false,
            },
        };
        if has {
            Traffic::Sandbox(endpoint)
        } else {
            Traffic::Nothing(endpoint)
        }
    }
}

/// Asks the endpoint's control page whether it models the data plane;
/// `None` when the endpoint could not be reached.
async fn probe(endpoint: &str) -> Option<bool> {
    let url = format!("{}/gatewalk-strict/", endpoint.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .ok()?;
    let resp = client.get(&url).send().await.ok()?;
    let Ok(v) = resp.json::<serde_json::Value>().await else {
        return Some(false); // it answered, but not as the sandbox does
    };
    Some(v.get("data_plane").and_then(serde_json::Value::as_bool) == Some(true))
}

#[cfg(test)]
mod tests {
    use super::Traffic;

    #[test]
    fn only_an_endpoint_without_a_data_plane_skips_and_says_why() {
        assert_eq!(Traffic::Aws.why_not("runs no containers"), None);
        assert_eq!(
            Traffic::Sandbox("http://x".into()).why_not("runs no containers"),
            None
        );
        let why = Traffic::Nothing("http://127.0.0.1:5000".into())
            .why_not("runs no containers")
            .unwrap_or_default();
        assert!(
            why.starts_with("skipped: the emulator at http://127.0.0.1:5000 runs no containers"),
            "{why}"
        );
        assert!(!Traffic::Nothing(String::new()).judged());
    }
}
