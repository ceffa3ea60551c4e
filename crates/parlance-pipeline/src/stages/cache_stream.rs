//! The response cache on a stream. One entry serves both modes: a hit (memory, Redis, or a
//! flight that another request led) is replayed as a stream; a miss streams live while an
//! [`Assembler`] folds a copy of the deltas, and only a stream that ends cleanly is stored —
//! one that fails, is cancelled or is cut short stores nothing.
//!
//! Identical concurrent requests, streaming or not, share one flight: a follower of a
//! streaming leader gets the whole answer when the leader's stream completes (then replayed
//! to it as a stream if it streams), and takes over the work if the leader's client goes away.

use std::sync::Arc;

use futures::StreamExt;
use parlance_core::{Assembler, DeltaStream, ProviderError};

use super::cache::{CacheStage, Fetched, Flight, Tier};
use crate::cache::CacheKey;
use crate::cache::singleflight::{Begin, Ticket};
use crate::stage::{CacheMode, CacheStatus, Call, Reply, StreamReply};

/// Where a completed stream goes.
struct Keep {
    tier: Arc<Tier>,
    key: CacheKey,
    model: Option<String>,
    /// The flight this stream leads, if any: landed on completion or failure.
    ticket: Option<Ticket<CacheKey, Flight>>,
}

impl CacheStage {
    /// [`crate::stage::Stage::stream`] for the cache stage.
    pub(crate) async fn stream_call(&self, call: Call) -> Result<StreamReply, ProviderError> {
        match call.cache {
            CacheMode::Bypass => {
                self.tier.stats.bypass();
                let reply = self.next.stream(call).await?;
                Ok(StreamReply { cache: Some(CacheStatus::Bypass), ..reply })
            }
            CacheMode::Refresh => {
                let key = self.key(&call);
                self.tier.stats.miss();
                self.live(call, key, None).await
            }
            CacheMode::Normal => self.stream_lookup(call).await,
        }
    }

    async fn stream_lookup(&self, call: Call) -> Result<StreamReply, ProviderError> {
        let key = self.key(&call);
        if let Some(chat) = self.tier.memory_hit(&key).await {
            return Ok(StreamReply::replay(Reply { chat, cache: Some(CacheStatus::Hit) }));
        }
        loop {
            let ticket = match self.flights.begin(&key) {
                Begin::Lead(ticket) => ticket,
                Begin::Join(waiter) => match waiter.wait().await {
                    Some(flight) => return replay(self.tier.joined(flight)),
                    None => continue, // the leader went away: lead (or join) anew
                },
            };
            match self.tier.stored(key).await {
                Ok(fetched) => {
                    ticket.land(Ok(fetched.clone()));
                    return replay(Ok(fetched));
                }
                Err(status) => {
                    self.tier.count(status, &Default::default());
                    let mut reply = self.live(call, key, Some(ticket)).await?;
                    reply.cache = Some(status);
                    return Ok(reply);
                }
            }
        }
    }

    /// Streams from the next stage, keeping a copy to store (and land) on a clean end.
    async fn live(
        &self,
        call: Call,
        key: CacheKey,
        ticket: Option<Ticket<CacheKey, Flight>>,
    ) -> Result<StreamReply, ProviderError> {
        let reply = match self.next.stream(call).await {
            Ok(reply) => reply,
            Err(e) => {
                if let Some(ticket) = ticket {
                    ticket.land(Err(e.clone()));
                }
                return Err(e);
            }
        };
        let keep = Keep { tier: self.tier.clone(), key, model: reply.model.clone(), ticket };
        let deltas = teed(reply.deltas, keep);
        Ok(StreamReply { deltas, model: reply.model, cache: Some(CacheStatus::Miss) })
    }
}

fn replay(flight: Flight) -> Result<StreamReply, ProviderError> {
    let fetched = flight?;
    Ok(StreamReply::replay(Reply { chat: fetched.chat, cache: Some(fetched.status) }))
}

/// The state of a stream being copied for the cache.
struct Tee {
    inner: DeltaStream,
    copy: Assembler,
    keep: Option<Keep>,
}

/// `deltas`, copied into an assembler; stored when they end cleanly.
fn teed(inner: DeltaStream, keep: Keep) -> DeltaStream {
    let tee = Tee { inner, copy: Assembler::default(), keep: Some(keep) };
    Box::pin(futures::stream::unfold(tee, |mut tee| async move {
        let item = tee.inner.next().await;
        match &item {
            Some(Ok(delta)) => tee.copy.push(delta),
            Some(Err(e)) => tee.fail(e),
            None => tee.complete().await,
        }
        item.map(|item| (item, tee))
    }))
}

impl Tee {
    fn fail(&mut self, e: &ProviderError) {
        if let Some(ticket) = self.keep.take().and_then(|k| k.ticket) {
            ticket.land(Err(e.clone()));
        }
    }

    async fn complete(&mut self) {
        let Some(keep) = self.keep.take() else { return };
        let chat = std::mem::take(&mut self.copy).finish(keep.model);
        if let Some(ticket) = keep.ticket {
            ticket.land(Ok(Fetched { chat: chat.clone(), status: CacheStatus::Miss }));
        }
        keep.tier.store(keep.key, &chat, CacheStatus::Miss).await;
    }
}
