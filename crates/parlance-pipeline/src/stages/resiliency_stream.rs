//! The resiliency stage on a stream, after its first delta: nothing is retried any more (the
//! client may already hold part of the answer), but the circuit breaker still hears how the
//! stream ended — a retryable failure counts against the upstream, a clean end or a
//! non-retryable error for it, and a client that goes away is not the upstream's fault.

use std::sync::Arc;

use futures::StreamExt;
use parlance_core::{Delta, DeltaStream, ProviderError};

use crate::resiliency::breaker::Pending;
use crate::resiliency::stats::Shared;

/// Settles the breaker's pending call once, however the stream ends (a dropped stream counts
/// as a success).
struct Settle {
    shared: Arc<Shared>,
    pending: Option<Pending>,
}

impl Settle {
    fn settle(&mut self, success: bool) {
        if let (Some(breaker), Some(pending)) = (&self.shared.breaker, self.pending.take()) {
            breaker.settle(pending, success);
        }
    }
}

impl Drop for Settle {
    fn drop(&mut self) {
        self.settle(true);
    }
}

/// `deltas`, with the breaker told of their outcome when they end.
pub(crate) fn settled(deltas: DeltaStream, shared: Arc<Shared>, pending: Pending) -> DeltaStream {
    let mut settle = Settle { shared, pending: Some(pending) };
    let observed = deltas.map(move |item: Result<Delta, ProviderError>| {
        if let Err(e) = &item {
            settle.settle(!e.retryable);
        }
        item
    });
    Box::pin(observed)
}
