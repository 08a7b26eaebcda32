//! A record of every AWS call made, kept by an SDK interceptor on every client.
//!
//! The learner's "API call log" (what the console did behind the clicks), the
//! tests that assert call order or "zero calls for bad input", and the progress
//! lines about retries all read from here.

use crate::progress::Progress;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One finished AWS call.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CallRecord {
    /// Service as the SDK names it (`EC2`, `ECS`, `Elastic Load Balancing v2`, ...).
    pub service: String,
    /// Operation name (`CreateVpc`).
    pub operation: String,
    /// Wall time of the whole call, retries included.
    pub duration: Duration,
    /// How many HTTP attempts were made (more than one means retries).
    pub attempts: u32,
    /// HTTP status of the last response, if any arrived.
    pub http_status: Option<u16>,
    /// Whether the call succeeded.
    pub ok: bool,
    /// The request's parameters as the SDK shows them (its sensitive
    /// fields redacted by the SDK, known secrets scrubbed).
    pub params: String,
    /// The AWS error code, when the call failed with one.
    pub code: Option<String>,
    /// The AWS error message, when the call failed with one.
    pub message: Option<String>,
}

impl CallRecord {
    /// A failure that is how gatewalk looks for something (`GetRole` of a
    /// role that does not exist yet): an answer, not a fault. Only reads
    /// count; a delete or change that finds nothing is a failure.
    pub fn not_found(&self) -> bool {
        let lookup = ["Describe", "Get", "List"]
            .iter()
            .any(|p| self.operation.starts_with(p));
        !self.ok
            && lookup
            && (self.http_status == Some(404)
                || self.code.as_deref().is_some_and(|c| {
                    c.contains("NotFound")
                        || c.starts_with("NoSuch")
                        || c == "ClusterNotFoundException"
                }))
    }
}

/// The value of `field: Some("…")` in an SDK Debug string (`code`,
/// `message` of its error metadata).
fn debug_field(debug: &str, field: &str) -> Option<String> {
    let key = format!("{field}: Some(\"");
    let start = debug.find(&key)? + key.len();
    let mut out = String::new();
    let mut chars = debug[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '"' => return Some(out),
            c => out.push(c),
        }
    }
    None
}

/// How many calls the log keeps; older ones are let go (a wizard left open
/// re-checks every 30 s, for hours).
pub const KEPT_CALLS: usize = 2000;

/// The calls kept, and how many older ones were let go.
#[derive(Debug, Default)]
struct Kept {
    calls: Vec<CallRecord>,
    dropped: usize,
}

/// Shared, append-only list of calls (the newest [`KEPT_CALLS`]). Cloning
/// shares the same list. Calls are numbered from 0 in the order they
/// finished, for the whole run.
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    inner: Arc<Mutex<Kept>>,
    /// Where retries are reported as they happen (the front end's progress).
    listener: Arc<Mutex<Option<Progress>>>,
}

impl CallLog {
    /// A copy of every call kept.
    pub fn snapshot(&self) -> Vec<CallRecord> {
        self.lock().calls.clone()
    }

    /// The calls numbered `from` to `from + n` that are still kept, with
    /// their numbers (a screenful, without copying the whole log).
    pub fn window(&self, from: usize, n: usize) -> Vec<(usize, CallRecord)> {
        let k = self.lock();
        let start = from.saturating_sub(k.dropped);
        k.calls
            .iter()
            .enumerate()
            .skip(start)
            .take(n)
            .map(|(i, c)| (i + k.dropped, c.clone()))
            .collect()
    }

    /// The first call number still kept.
    pub fn first_kept(&self) -> usize {
        self.lock().dropped
    }

    /// The most recent finished call.
    pub fn last(&self) -> Option<CallRecord> {
        self.lock().calls.last().cloned()
    }

    /// How many calls have finished (those let go included).
    pub fn len(&self) -> usize {
        let k = self.lock();
        k.dropped + k.calls.len()
    }

    /// True when no call has finished.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Operation names in the order they finished, e.g. `["CreateVpc", ...]`.
    pub fn operations(&self) -> Vec<String> {
        self.lock()
            .calls
            .iter()
            .map(|c| c.operation.clone())
            .collect()
    }

    /// Reports every retry to `progress` from now on.
    pub fn report_retries_to(&self, progress: Progress) {
        *self
            .listener
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(progress);
    }

    /// Stops reporting retries (so the progress channel can close).
    pub fn stop_reporting(&self) {
        *self
            .listener
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    fn retried(&self, service: &str, operation: &str, attempt: u32, reason: &str) {
        if let Some(p) = &*self
            .listener
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            p.retry(service, operation, attempt, reason);
        }
    }

    fn push(&self, rec: CallRecord) {
        let mut k = self.lock();
        k.calls.push(rec);
        if k.calls.len() > KEPT_CALLS {
            let over = k.calls.len() - KEPT_CALLS;
            k.calls.drain(..over);
            k.dropped += over;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A poisoned lock only means another thread panicked mid-push; the
        // list itself is still a valid Vec, so keep using it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[derive(Debug, Clone)]
struct CallStart {
    at: Instant,
    attempts: u32,
    /// The request as the SDK shows it.
    params: String,
    /// What the last attempt got, for the retry report.
    last: Option<String>,
}

impl Storable for CallStart {
    type Storer = StoreReplace<Self>;
}

/// The interceptor that feeds a [`CallLog`].
#[derive(Debug, Clone)]
pub struct CallRecorder {
    log: CallLog,
}

impl CallRecorder {
    /// A recorder appending to `log`.
    pub fn new(log: CallLog) -> Self {
        Self { log }
    }
}

impl Intercept for CallRecorder {
    fn name(&self) -> &'static str {
        "gatewalk-call-recorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(CallStart {
            at: Instant::now(),
            attempts: 0,
            params: crate::logging::scrub(&format!("{:?}", context.input())),
            last: None,
        });
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut start = cfg.load::<CallStart>().cloned().unwrap_or(CallStart {
            at: Instant::now(),
            attempts: 0,
            params: String::new(),
            last: None,
        });
        start.attempts += 1;
        if start.attempts > 1
            && let Some(meta) = cfg.load::<Metadata>()
        {
            let reason = start.last.clone().unwrap_or_else(|| "no response".into());
            tracing::warn!(
                service = meta.service(),
                operation = meta.name(),
                attempt = start.attempts,
                reason,
                "retrying AWS call"
            );
            self.log
                .retried(meta.service(), meta.name(), start.attempts, &reason);
        }
        cfg.interceptor_state().store_put(start);
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(mut start) = cfg.load::<CallStart>().cloned() {
            start.last = Some(match context.response() {
                Some(r) => format!("HTTP {}", r.status().as_u16()),
                None => "no response".into(),
            });
            cfg.interceptor_state().store_put(start);
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg.load::<Metadata>().map_or_else(
            || ("unknown".into(), "unknown".into()),
            |m| (m.service().to_string(), m.name().to_string()),
        );
        let start = cfg.load::<CallStart>();
        let ok = matches!(context.output_or_error(), Some(Ok(_)));
        let error = match context.output_or_error() {
            Some(Err(e)) => format!("{e:?}"),
            _ => String::new(),
        };
        let http_status = context.response().map(|r| r.status().as_u16());
        let rec = CallRecord {
            service,
            operation,
            duration: start.map(|s| s.at.elapsed()).unwrap_or_default(),
            attempts: start.map_or(1, |s| s.attempts),
            http_status,
            ok,
            params: start.map(|s| s.params.clone()).unwrap_or_default(),
            code: debug_field(&error, "code"),
            message: debug_field(&error, "message").map(|m| crate::logging::scrub(&m)),
        };
        tracing::debug!(
            service = %rec.service,
            operation = %rec.operation,
            ms = u64::try_from(rec.duration.as_millis()).unwrap_or(u64::MAX),
            attempts = rec.attempts,
            ok = rec.ok,
            "aws call"
        );
        self.log.push(rec);
        Ok(())
    }
}

/// Holds each request back before it is sent, to simulate a slow AWS. It
/// blocks the runtime worker it runs on — which is the point: the TUI must keep
/// drawing and handling keys while background tasks are stuck in AWS calls.
#[derive(Debug, Clone, Copy)]
pub struct Delay(pub Duration);

impl Intercept for Delay {
    fn name(&self) -> &'static str {
        "gatewalk-test-delay"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        std::thread::sleep(self.0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::debug_field;

    #[test]
    fn reads_code_and_message_out_of_an_sdk_error() {
        let d = r#"ServiceError(ServiceError { source: NoSuchEntityException(NoSuchEntityException { message: Some("The role with name x cannot be found."), meta: ErrorMetadata { code: Some("NoSuchEntity"), message: Some("The role \"x\" cannot be found."), extras: None } }) })"#;
        assert_eq!(debug_field(d, "code").as_deref(), Some("NoSuchEntity"));
        assert_eq!(
            debug_field(d, "message").as_deref(),
            Some("The role with name x cannot be found.")
        );
        assert_eq!(debug_field("no error", "code"), None);
    }
}

#[cfg(test)]
mod kept_tests {
    use super::*;

    fn call(op: &str) -> CallRecord {
        CallRecord {
            service: "EC2".into(),
            operation: op.into(),
            duration: Duration::ZERO,
            attempts: 1,
            http_status: Some(200),
            ok: true,
            params: String::new(),
            code: None,
            message: None,
        }
    }

    #[test]
    fn the_log_keeps_the_newest_calls_and_numbers_them_for_the_run() {
        let log = CallLog::default();
        for i in 0..KEPT_CALLS + 10 {
            log.push(call(&format!("Op{i}")));
        }
        assert_eq!(log.len(), KEPT_CALLS + 10);
        assert_eq!(log.first_kept(), 10);
        assert_eq!(log.snapshot().len(), KEPT_CALLS);
        let w = log.window(0, 2);
        assert_eq!((w[0].0, w[0].1.operation.as_str()), (10, "Op10"));
        let w = log.window(KEPT_CALLS + 9, 5);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].1.operation, format!("Op{}", KEPT_CALLS + 9));
    }

    #[test]
    fn only_a_read_that_finds_nothing_is_a_lookup() {
        let mut c = call("GetRole");
        c.ok = false;
        c.http_status = Some(404);
        c.code = Some("NoSuchEntity".into());
        assert!(c.not_found());
        c.operation = "DeleteRole".into();
        assert!(!c.not_found());
    }
}
