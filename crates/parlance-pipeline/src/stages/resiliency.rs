//! The resiliency stage: retry ∘ circuit breaker ∘ per-attempt timeout around the provider
//! stage, as daprd runs `ComponentOutboundPolicy(<component>, "Conversation")` (spec §6).
//!
//! Each attempt asks the breaker for leave (an open breaker fails fast with "circuit breaker
//! is open" and never reaches the provider), then runs the inner stage under the timeout (an
//! expired attempt fails with "context deadline exceeded", retryable). A failed attempt is
//! retried when the error says it is retryable and it matches the policy's
//! `httpStatusCodes`; the wait is the back-off's, or the upstream's `Retry-After` if longer.
//! Breaker refusals are permanent, so they end the retries. The last error is returned.
//!
//! For the breaker, a failure is a retryable error (timeouts, connection failures, 408, 429,
//! 5xx, malformed replies): errors the upstream cannot fix by being healthier (400, 401, …)
//! count as successes, so one client's bad requests do not open the breaker for everyone.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use parlance_core::{FailureKind, ProviderError};

use super::resiliency_stream::settled;

use crate::resiliency::OutboundPolicy;
use crate::resiliency::backoff::{Jitter, RetryPolicy};
use crate::resiliency::breaker::Breaker;
use crate::resiliency::stats::{ResiliencyStats, Shared};
use crate::stage::{Call, DynStage, Reply, Stage, StreamReply};

/// Runs a component's resiliency policy around the next stage.
pub struct ResiliencyStage {
    next: DynStage,
    component: String,
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    shared: Arc<Shared>,
    jitter: Jitter,
}

impl ResiliencyStage {
    /// Wraps `next` with `policy`; the breaker (if any) is this component's own.
    pub fn new(next: DynStage, component: &str, policy: OutboundPolicy) -> ResiliencyStage {
        let breaker = policy.breaker.map(|p| Breaker::new(component, p));
        ResiliencyStage {
            next,
            component: component.to_string(),
            timeout: policy.timeout,
            retry: policy.retry,
            shared: Arc::new(Shared { breaker, ..Shared::default() }),
            jitter: Jitter::new(),
        }
    }

    /// A handle on this stage's counters, for metrics.
    pub fn stats(&self) -> ResiliencyStats {
        ResiliencyStats(self.shared.clone())
    }

    /// One attempt: breaker, then the timed call.
    async fn attempt(&self, call: Call) -> Result<Reply, ProviderError> {
        let permit = self.shared.breaker.as_ref().map(Breaker::acquire).transpose()?;
        let result = self.timed(call).await;
        if let Some(permit) = permit {
            permit.record(result.as_ref().map_or_else(|e| !e.retryable, |_| true));
        }
        result
    }

    /// One streamed attempt: breaker, then the timed wait for the first delta; the breaker
    /// hears the outcome when the stream ends.
    async fn attempt_stream(&self, call: Call) -> Result<StreamReply, ProviderError> {
        let permit = self.shared.breaker.as_ref().map(Breaker::acquire).transpose()?;
        let result = self.timed_with(call, |c| self.next.stream(c)).await;
        match (permit, result) {
            (None, result) => result,
            (Some(permit), Err(e)) => {
                permit.record(!e.retryable);
                Err(e)
            }
            (Some(permit), Ok(mut reply)) => {
                reply.deltas = settled(reply.deltas, self.shared.clone(), permit.defer());
                Ok(reply)
            }
        }
    }

    async fn timed(&self, call: Call) -> Result<Reply, ProviderError> {
        self.timed_with(call, |c| self.next.call(c)).await
    }

    /// Runs `work` under the policy's timeout (for a stream: the time to its first delta).
    async fn timed_with<T, Fut>(
        &self,
        mut call: Call,
        work: impl FnOnce(Call) -> Fut,
    ) -> Result<T, ProviderError>
    where
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let Some(limit) = self.timeout else { return work(call).await };
        // The policy's timeout replaces the provider's default bound (Dapr sets its client
        // timeout to 0 for the same reason); the extra second lets this timer fire first.
        call.ctx.attempt_timeout = Some(limit + Duration::from_secs(1));
        match tokio::time::timeout(limit, work(call)).await {
            Ok(result) => result,
            Err(_) => {
                Err(ProviderError::transient(FailureKind::Timeout, "context deadline exceeded"))
            }
        }
    }

    /// Attempts until success, a non-retryable error, or the retries run out.
    async fn with_retries<T, Fut>(
        &self,
        retry: &RetryPolicy,
        call: Call,
        attempt: impl Fn(Call) -> Fut,
    ) -> Result<T, ProviderError>
    where
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let mut backoff = retry.start();
        loop {
            let err = match attempt(call.clone()).await {
                Ok(reply) => return Ok(reply),
                Err(err) => err,
            };
            if !retry.allows(&err) {
                return Err(err);
            }
            let Some(wait) = backoff.next(self.jitter.unit()) else { return Err(err) };
            let wait = wait.max(err.retry_after.unwrap_or_default());
            self.shared.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(component = %self.component, retry = backoff.retries(), ?wait, error = %err, "retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

#[async_trait]
impl Stage for ResiliencyStage {
    async fn call(&self, call: Call) -> Result<Reply, ProviderError> {
        match &self.retry {
            Some(retry) => self.with_retries(retry, call, |c| self.attempt(c)).await,
            None => self.attempt(call).await,
        }
    }

    /// Retries, the breaker and the timeout act until the first delta is in hand, never
    /// after: a failure later in the stream reaches the client as it is.
    async fn stream(&self, call: Call) -> Result<StreamReply, ProviderError> {
        match &self.retry {
            Some(retry) => self.with_retries(retry, call, |c| self.attempt_stream(c)).await,
            None => self.attempt_stream(call).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    use parlance_core::{ChatRequest, ChatResponse};
    use tokio::time::Instant;

    use super::*;
    use crate::resiliency::backoff::{BackoffKind, StatusCodes};
    use crate::resiliency::breaker::{BreakerPolicy, BreakerState};
    use crate::resiliency::trip::Trip;

    /// What the scripted inner stage does on one call.
    enum Step {
        Ok,
        Fail(ProviderError),
        Hang,
    }

    /// An inner stage that plays a script (then answers Ok) and counts its calls.
    #[derive(Default)]
    struct Script {
        steps: Mutex<VecDeque<Step>>,
        calls: AtomicUsize,
    }

    impl Script {
        fn new(steps: Vec<Step>) -> Arc<Script> {
            Arc::new(Script { steps: Mutex::new(steps.into()), calls: AtomicUsize::new(0) })
        }
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    #[async_trait]
    impl Stage for Script {
        async fn call(&self, _call: Call) -> Result<Reply, ProviderError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let step = self.steps.lock().unwrap().pop_front().unwrap_or(Step::Ok);
            match step {
                Step::Ok => Ok(Reply { chat: ChatResponse::default(), cache: None }),
                Step::Fail(e) => Err(e),
                Step::Hang => std::future::pending().await,
            }
        }

        async fn stream(&self, call: Call) -> Result<StreamReply, ProviderError> {
            self.call(call).await.map(StreamReply::replay)
        }
    }

    fn status(code: u16, retry_after: Option<u64>) -> Step {
        Step::Fail(ProviderError::upstream(code, "x", retry_after.map(Duration::from_secs)))
    }

    fn constant(wait_ms: u64, max_retries: u64) -> RetryPolicy {
        RetryPolicy {
            backoff: BackoffKind::Constant(Duration::from_millis(wait_ms)),
            max_retries: Some(max_retries),
            ..RetryPolicy::default_constant()
        }
    }

    fn stage(script: &Arc<Script>, policy: OutboundPolicy) -> ResiliencyStage {
        ResiliencyStage::new(script.clone(), "c", policy)
    }

    fn call() -> Call {
        Call::new(ChatRequest::default())
    }

    #[tokio::test(start_paused = true)]
    async fn retries_a_500_then_succeeds() {
        let script = Script::new(vec![status(500, None)]);
        let s =
            stage(&script, OutboundPolicy { retry: Some(constant(100, 3)), ..Default::default() });
        let started = Instant::now();
        assert!(s.call(call()).await.is_ok());
        assert_eq!((script.calls(), s.stats().retries()), (2, 1));
        assert_eq!(started.elapsed(), Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_a_minimum_wait() {
        let script = Script::new(vec![status(429, Some(3))]);
        let s =
            stage(&script, OutboundPolicy { retry: Some(constant(100, 3)), ..Default::default() });
        let started = Instant::now();
        assert!(s.call(call()).await.is_ok());
        assert_eq!(started.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn client_errors_and_unmatched_statuses_are_not_retried() {
        let script = Script::new(vec![status(400, None)]);
        let s =
            stage(&script, OutboundPolicy { retry: Some(constant(100, 3)), ..Default::default() });
        assert_eq!(s.call(call()).await.unwrap_err().status, Some(400));
        assert_eq!(script.calls(), 1);
        let only_429 = RetryPolicy {
            http_statuses: StatusCodes::parse("429", (100, 599)).ok(),
            ..constant(100, 3)
        };
        let script = Script::new(vec![status(503, None)]);
        let s = stage(&script, OutboundPolicy { retry: Some(only_429), ..Default::default() });
        assert!(s.call(call()).await.is_err());
        assert_eq!(script.calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_retries_with_the_last_error() {
        let script = Script::new(vec![status(500, None), status(502, None), status(503, None)]);
        let s =
            stage(&script, OutboundPolicy { retry: Some(constant(10, 2)), ..Default::default() });
        assert_eq!(s.call(call()).await.unwrap_err().status, Some(503));
        assert_eq!(script.calls(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn per_attempt_timeout_is_retried() {
        let script = Script::new(vec![Step::Hang, Step::Hang]);
        let policy = OutboundPolicy {
            timeout: Some(Duration::from_millis(200)),
            retry: Some(constant(0, 1)),
            ..Default::default()
        };
        let err = stage(&script, policy.clone()).call(call()).await.unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (FailureKind::Timeout, "context deadline exceeded")
        );
        let script = Script::new(vec![Step::Hang]);
        let started = Instant::now();
        assert!(stage(&script, policy).call(call()).await.is_ok());
        assert_eq!((script.calls(), started.elapsed()), (2, Duration::from_millis(200)));
    }

    #[tokio::test(start_paused = true)]
    async fn breaker_opens_fails_fast_half_opens_and_closes() {
        let steps = (0..3).map(|_| status(500, None)).collect();
        let script = Script::new(steps);
        let breaker = BreakerPolicy {
            timeout: Duration::from_secs(30),
            trip: Trip::parse("consecutiveFailures >= 3").unwrap(),
            ..BreakerPolicy::default()
        };
        let s = stage(&script, OutboundPolicy { breaker: Some(breaker), ..Default::default() });
        for _ in 0..3 {
            assert_eq!(s.call(call()).await.unwrap_err().status, Some(500));
        }
        assert_eq!(s.stats().breaker_state(), Some(BreakerState::Open));
        let err = s.call(call()).await.unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (FailureKind::Rejected, "circuit breaker is open")
        );
        assert_eq!(script.calls(), 3, "an open breaker does not touch the upstream");
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(s.stats().breaker_state(), Some(BreakerState::HalfOpen));
        assert!(s.call(call()).await.is_ok());
        assert_eq!(s.stats().breaker_state(), Some(BreakerState::Closed));
        assert_eq!((script.calls(), s.stats().breaker_opened()), (4, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn an_open_breaker_stops_retries() {
        let script = Script::new((0..5).map(|_| status(500, None)).collect());
        let breaker = BreakerPolicy {
            trip: Trip::parse("consecutiveFailures >= 2").unwrap(),
            ..BreakerPolicy::default()
        };
        let policy = OutboundPolicy {
            retry: Some(constant(10, 10)),
            breaker: Some(breaker),
            ..Default::default()
        };
        let s = stage(&script, policy);
        assert_eq!(s.call(call()).await.unwrap_err().message, "circuit breaker is open");
        assert_eq!((script.calls(), s.stats().retries()), (2, 2));
    }

    #[tokio::test(start_paused = true)]
    async fn client_errors_do_not_open_the_breaker() {
        let script = Script::new((0..3).map(|_| status(400, None)).collect());
        let breaker = BreakerPolicy {
            trip: Trip::parse("consecutiveFailures >= 1").unwrap(),
            ..BreakerPolicy::default()
        };
        let s = stage(&script, OutboundPolicy { breaker: Some(breaker), ..Default::default() });
        for _ in 0..3 {
            assert_eq!(s.call(call()).await.unwrap_err().status, Some(400));
        }
        assert_eq!(s.stats().breaker_state(), Some(BreakerState::Closed));
    }
}
