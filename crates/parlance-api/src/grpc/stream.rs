//! `ConverseStreamAlpha2`, parlance's streaming RPC on the Dapr service: the alpha2 request,
//! answered by the same [`parlance_pipeline::ConversationService::converse_stream`] as the SSE
//! door. Chunks and the final `complete` are `ConversationStreamResponseAlpha2` messages
//! (`parlance_stream.proto`); a failure after the first chunk ends the stream with the status a
//! plain call would have failed with. tonic pulls the stream as HTTP/2 flow control allows, so
//! a client that stops reading stops the upstream, and one that cancels drops it.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use parlance_core::{Delta, ToolCallDelta};
use parlance_pipeline::{ConversedStream, StreamEvent, Summary};
use parlance_proto::runtime as pb;
use pb::conversation_stream_response_alpha2::ResponseType;
use tokio::sync::OwnedSemaphorePermit;
use tonic::Status;

use super::encode::usage;
use super::error;

/// The messages of one streamed answer.
pub type Messages =
    Pin<Box<dyn Stream<Item = Result<pb::ConversationStreamResponseAlpha2, Status>> + Send>>;

/// The stream's messages; `permit` (the admission slot) is held until it ends.
pub fn messages(stream: ConversedStream, permit: Option<OwnedSemaphorePermit>) -> Messages {
    let context_id = stream.context_id;
    // Anthropic's thinking has no place in Dapr's chunks.
    let events = stream
        .events
        .filter(|e| std::future::ready(!matches!(e, StreamEvent::Delta(Delta::Thinking { .. }))));
    let out = events.map(move |event| {
        let _held = &permit;
        message(event, &context_id)
    });
    Box::pin(out)
}

fn message(
    event: StreamEvent,
    context_id: &Option<String>,
) -> Result<pb::ConversationStreamResponseAlpha2, Status> {
    let response_type = match event {
        StreamEvent::Delta(d) => ResponseType::Chunk(chunk(d)),
        StreamEvent::Complete(s) => ResponseType::Complete(complete(s, context_id.clone())),
        StreamEvent::Error(e) => return Err(error::status(e)),
    };
    Ok(pb::ConversationStreamResponseAlpha2 { response_type: Some(response_type) })
}

fn chunk(d: Delta) -> pb::ConversationStreamChunkAlpha2 {
    let choice = match d {
        Delta::Text { choice, text } => pb::ConversationStreamChoiceDeltaAlpha2 {
            index: choice.into(),
            content: text,
            ..Default::default()
        },
        Delta::ToolCall(t) => pb::ConversationStreamChoiceDeltaAlpha2 {
            index: t.choice.into(),
            tool_calls: vec![tool_call(t)],
            ..Default::default()
        },
        Delta::Finish { choice, reason } => pb::ConversationStreamChoiceDeltaAlpha2 {
            index: choice.into(),
            finish_reason: reason,
            ..Default::default()
        },
        // The service keeps these from this door; an empty chunk is all they could be.
        Delta::Usage(_) | Delta::Thinking { .. } | Delta::Opaque { .. } => Default::default(),
    };
    pb::ConversationStreamChunkAlpha2 { output_index: 0, choices: vec![choice] }
}

fn tool_call(t: ToolCallDelta) -> pb::ConversationStreamToolCallDeltaAlpha2 {
    pb::ConversationStreamToolCallDeltaAlpha2 {
        index: t.index.into(),
        id: t.id,
        name: t.name,
        arguments: t.arguments,
    }
}

fn complete(s: Summary, context_id: Option<String>) -> pb::ConversationStreamCompleteAlpha2 {
    let summary = pb::ConversationStreamOutputSummaryAlpha2 {
        model: s.model.filter(|m| !m.is_empty()),
        usage: s.usage.as_ref().map(usage),
    };
    let cost_usd = s.cost_usd;
    pb::ConversationStreamCompleteAlpha2 { context_id, outputs: vec![summary], cost_usd }
}
