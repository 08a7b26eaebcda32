//! Polling waits with visible progress: "waiting for the NLB to become active (1m 12s)".

use crate::error::{Error, Result};
use crate::progress::Progress;
use std::future::Future;
use std::time::{Duration, Instant};

/// One observation of the thing being waited for.
#[derive(Debug)]
pub enum Poll<T> {
    /// It reached the wanted state; the value is what the caller needs next.
    Ready(T),
    /// Not yet; the string is the observed state (`provisioning`, `pending`).
    Pending(String),
    /// It can never reach the wanted state (`failed`); the string says why.
    Failed(String),
}

/// Polls until ready, failed or `timeout`. The first poll is immediate, then the
/// interval grows from 250 ms to at most 10 s (quick for states that settle
/// in a moment, a handful of calls per minute for the slow ones). Each pending poll is reported to
/// `progress` with the elapsed time.
pub async fn wait_for<T, F, Fut>(
    progress: &Progress,
    what: &str,
    timeout: Duration,
    mut poll: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>>>,
{
    let start = Instant::now();
    let mut interval = Duration::from_millis(250);
    loop {
        // Boxed: a poll usually holds an SDK call's future, several kilobytes,
        // which would otherwise be copied into every caller's future.
        match Box::pin(poll()).await? {
            Poll::Ready(v) => {
                if start.elapsed() >= Duration::from_secs(1) {
                    progress.info(format!(
                        "{what}: done after {}",
                        crate::progress::fmt_elapsed(start.elapsed())
                    ));
                }
                return Ok(v);
            }
            Poll::Failed(why) => {
                return Err(Error::WaitFailed {
                    what: what.to_string(),
                    reason: why,
                });
            }
            Poll::Pending(state) => {
                let elapsed = start.elapsed();
                if elapsed >= timeout {
                    return Err(Error::Timeout {
                        what: what.to_string(),
                        waited: elapsed,
                        last_state: state,
                    });
                }
                progress.waiting(what, &state, elapsed);
                tokio::time::sleep(interval).await;
                interval = (interval * 2).min(Duration::from_secs(10));
            }
        }
    }
}

/// Runs a delete until AWS accepts it: "still in use" answers (ENIs that AWS
/// releases minutes after a NAT gateway or NLB is gone) are waited out, and
/// "not found" counts as done.
pub async fn delete_when_free<F, Fut>(progress: &Progress, what: &str, delete: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    delete_when_free_showing(progress, what, delete, || async {
        Ok("still in use".to_string())
    })
    .await
}

/// [`delete_when_free`], showing while it waits what still holds the resource
/// (`holders` reads it, e.g. the network interfaces in a subnet).
pub async fn delete_when_free_showing<F, Fut, H, HFut>(
    progress: &Progress,
    what: &str,
    mut delete: F,
    mut holders: H,
) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
    H: FnMut() -> HFut,
    HFut: Future<Output = Result<String>>,
{
    wait_for(progress, what, Duration::from_secs(900), || {
        let fut = Box::pin(delete());
        let held = Box::pin(holders());
        async move {
            match fut.await {
                Ok(()) => Ok(Poll::Ready(())),
                Err(e) if e.as_aws().is_some_and(super::error::AwsError::is_not_found) => {
                    Ok(Poll::Ready(()))
                }
                Err(e)
                    if e.as_aws()
                        .is_some_and(super::error::AwsError::is_dependency) =>
                {
                    Ok(Poll::Pending(held.await?))
                }
                Err(e) => Err(e),
            }
        }
    })
    .await
}

/// Runs a call that AWS refuses while a new IAM role (or service-linked role)
/// propagates, again and again with visible progress until it is accepted or
/// `timeout` passes. Any other error ends it at once.
pub async fn once_propagated<T, F, Fut>(
    progress: &Progress,
    what: &str,
    timeout: Duration,
    mut call: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    wait_for(progress, what, timeout, || {
        let fut = Box::pin(call());
        async move {
            match fut.await {
                Ok(v) => Ok(Poll::Ready(v)),
                Err(e)
                    if e.as_aws()
                        .is_some_and(super::error::AwsError::is_propagation) =>
                {
                    Ok(Poll::Pending("not usable yet".into()))
                }
                Err(e) => Err(e),
            }
        }
    })
    .await
}
