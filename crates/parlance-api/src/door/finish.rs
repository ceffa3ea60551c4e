//! Why a reply ended, read once for every door: the providers' spellings of a finish reason
//! (OpenAI, Anthropic, Bedrock, Gemini) sorted into a few kinds, which each door then names in
//! its own vocabulary.

/// The kind of a provider's finish reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// A natural end (and any spelling not known here).
    Stop,
    /// The output limit, or the context window, was reached.
    Length,
    /// The model asks for tool calls.
    ToolCalls,
    /// A safety or content filter stopped the reply.
    Filtered,
    /// A stop sequence was generated (Anthropic's own reason).
    StopSequence,
    /// A long turn paused (Anthropic's own reason).
    PauseTurn,
}

/// The kind of the provider's finish `reason`.
pub fn classify(reason: &str) -> Finish {
    match reason {
        "length" | "max_tokens" | "MAX_TOKENS" | "model_context_window_exceeded" => Finish::Length,
        "tool_calls" | "tool_use" | "function_call" => Finish::ToolCalls,
        "content_filter"
        | "content_filtered"
        | "guardrail_intervened"
        | "refusal"
        | "SAFETY"
        | "RECITATION"
        | "BLOCKLIST"
        | "PROHIBITED_CONTENT"
        | "SPII"
        | "IMAGE_SAFETY" => Finish::Filtered,
        "stop_sequence" => Finish::StopSequence,
        "pause_turn" => Finish::PauseTurn,
        _ => Finish::Stop,
    }
}

#[cfg(test)]
mod tests {
    use super::{Finish, classify};

    #[test]
    fn every_spelling_has_its_kind() {
        assert_eq!(classify("MAX_TOKENS"), Finish::Length);
        assert_eq!(classify("tool_use"), Finish::ToolCalls);
        assert_eq!(classify("guardrail_intervened"), Finish::Filtered);
        assert_eq!(classify("stop_sequence"), Finish::StopSequence);
        assert_eq!(classify("pause_turn"), Finish::PauseTurn);
        assert_eq!(classify("end_turn"), Finish::Stop);
        assert_eq!(classify("whatever"), Finish::Stop);
    }
}
