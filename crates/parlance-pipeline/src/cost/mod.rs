//! What a reply cost: the shipped price table ([`table`]) or a component's own prices
//! (metadata, per million tokens: [`PRICE_KEYS`]), applied to the reply's usage.
//!
//! A cache hit costs 0 and what it would have cost is counted as saved. A model with no price
//! is *unpriced*: no cost is reported for it (no `x-parlance-cost-usd`), a metric counts it
//! and one warning per component and model says so — it is never taken to be free.

mod bill;
pub mod table;

pub(crate) use bill::bill;

use parlance_config::Metadata;
use parlance_core::Usage;

/// The metadata keys that set a component's prices, in USD per million tokens, and what each
/// prices: `priceInputPerMTok` (uncached input), `priceOutputPerMTok` (output, reasoning
/// included unless priced apart), `priceCachedInputPerMTok` (input read from the provider's
/// prompt cache), `priceCacheWritePerMTok` (input written to it), `priceReasoningPerMTok`.
pub const PRICE_KEYS: [&str; 5] = [
    "priceInputPerMTok",
    "priceOutputPerMTok",
    "priceCachedInputPerMTok",
    "priceCacheWritePerMTok",
    "priceReasoningPerMTok",
];

/// One model's prices in USD per token; the optional ones fall back to `input` (cached
/// input, cache writes) or `output` (reasoning).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    /// Uncached input tokens.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Input tokens read from the provider's prompt cache.
    pub cached_input: Option<f64>,
    /// Input tokens written to the provider's prompt cache.
    pub cache_write: Option<f64>,
    /// Reasoning tokens (part of the output tokens).
    pub reasoning: Option<f64>,
}

impl Price {
    /// The USD cost of `u` at these prices.
    pub fn cost(&self, u: &Usage) -> f64 {
        let cached = u.prompt_details.as_ref().map_or(0, |d| d.cached_tokens);
        let written = u.prompt_details.as_ref().map_or(0, |d| d.cache_write_tokens);
        let plain_in = u.prompt_tokens.saturating_sub(cached + written);
        let reasoning = u.completion_details.as_ref().map_or(0, |d| d.reasoning_tokens);
        let reasoning = reasoning.min(u.completion_tokens);
        let plain_out = u.completion_tokens - reasoning;
        plain_in as f64 * self.input
            + cached as f64 * self.cached_input.unwrap_or(self.input)
            + written as f64 * self.cache_write.unwrap_or(self.input)
            + plain_out as f64 * self.output
            + reasoning as f64 * self.reasoning.unwrap_or(self.output)
    }
}

/// A component's prices set in its metadata (USD per token), each `None` when not set.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PriceOverride {
    input: Option<f64>,
    output: Option<f64>,
    cached_input: Option<f64>,
    cache_write: Option<f64>,
    reasoning: Option<f64>,
}

impl PriceOverride {
    /// Reads [`PRICE_KEYS`]; problems are `"<key>: <message>"`.
    pub fn parse(meta: &Metadata, problems: &mut Vec<String>) -> PriceOverride {
        let mut read = |key: &str| match meta.f64(key) {
            Ok(Some(v)) if v.is_finite() && (0.0..=1e6).contains(&v) => Some(v / 1e6),
            Ok(Some(v)) => {
                problems.push(format!("{key}: must be USD per million tokens in 0..=1e6, got {v}"));
                None
            }
            Ok(None) => None,
            Err(e) => {
                problems.push(format!("{key}: {e}"));
                None
            }
        };
        PriceOverride {
            input: read(PRICE_KEYS[0]),
            output: read(PRICE_KEYS[1]),
            cached_input: read(PRICE_KEYS[2]),
            cache_write: read(PRICE_KEYS[3]),
            reasoning: read(PRICE_KEYS[4]),
        }
    }

    /// `base` with these prices over it; without a base, a price only when both `input` and
    /// `output` are set.
    fn over(&self, base: Option<Price>) -> Option<Price> {
        let base = base.or_else(|| {
            let (input, output) = (self.input?, self.output?);
            Some(Price { input, output, cached_input: None, cache_write: None, reasoning: None })
        })?;
        Some(Price {
            input: self.input.unwrap_or(base.input),
            output: self.output.unwrap_or(base.output),
            cached_input: self.cached_input.or(base.cached_input),
            cache_write: self.cache_write.or(base.cache_write),
            reasoning: self.reasoning.or(base.reasoning),
        })
    }
}

/// How a component's replies are priced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pricing {
    /// The price table's provider (`""`: none; only overrides price it).
    pub provider: &'static str,
    /// The component's own prices.
    pub overrides: PriceOverride,
}

impl Pricing {
    /// The price table's provider name for a GenAI provider name (see
    /// `parlance_providers::ProviderConfig::gen_ai_provider`).
    pub fn new(gen_ai_provider: &str, overrides: PriceOverride) -> Pricing {
        let provider = match gen_ai_provider {
            "openai" => "openai",
            "azure.ai.openai" => "azure",
            "anthropic" => "anthropic",
            "mistral_ai" => "mistral",
            "deepseek" => "deepseek",
            "gcp.gemini" => "googleai",
            "aws.bedrock" => "bedrock",
            "ollama" => "ollama",
            "echo" => "echo",
            _ => "",
        };
        Pricing { provider, overrides }
    }

    /// The price of `model` for this component.
    pub fn price(&self, model: &str) -> Option<Price> {
        self.overrides.over(table::lookup(self.provider, model))
    }
}

/// What one reply cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Charge {
    /// Answered by the provider at this price (USD).
    Priced(f64),
    /// Answered from parlance's cache: cost 0; `saved` what the provider would have charged
    /// (`None` when the model has no price).
    CacheHit {
        /// USD not spent.
        saved: Option<f64>,
    },
    /// The model has no price: nothing is reported or charged.
    Unpriced,
}

impl Charge {
    /// The USD the reply cost, when known (`0` for a cache hit).
    pub fn usd(&self) -> Option<f64> {
        match self {
            Charge::Priced(usd) => Some(*usd),
            Charge::CacheHit { .. } => Some(0.0),
            Charge::Unpriced => None,
        }
    }

    /// The prices of a reply from `usage` at `price`, answered from the cache or not.
    pub fn of(price: Option<Price>, usage: Option<&Usage>, cache_hit: bool) -> Charge {
        let usd = price.map(|p| usage.map_or(0.0, |u| p.cost(u)));
        match (cache_hit, usd) {
            (true, saved) => Charge::CacheHit { saved },
            (false, Some(usd)) => Charge::Priced(usd),
            (false, None) => Charge::Unpriced,
        }
    }
}

/// A cost as the headers and stream events write it: a plain decimal, up to 10 places,
/// trailing zeros dropped (`0`, `0.00125`).
pub fn usd_text(usd: f64) -> String {
    let mut s = format!("{:.10}", usd.max(0.0));
    let kept = s.trim_end_matches('0').trim_end_matches('.').len();
    s.truncate(kept.max(1));
    s
}

#[cfg(test)]
mod tests;
