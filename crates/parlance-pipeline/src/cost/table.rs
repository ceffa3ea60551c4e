//! The price table parlance ships (`data/prices.json`, written by `scripts/prices` from
//! LiteLLM's MIT-licensed price list; see `DATA.md`), embedded in the binary and parsed once.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::Price;

/// The table's text, as generated.
const TABLE: &str = include_str!("../../data/prices.json");

#[derive(Deserialize)]
struct File {
    providers: HashMap<String, HashMap<String, Entry>>,
}

/// One model's prices, USD per token, as the file writes them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    input: f64,
    output: f64,
    cached_input: Option<f64>,
    cache_write: Option<f64>,
    reasoning: Option<f64>,
}

/// Provider → model → price.
type Table = HashMap<String, HashMap<String, Price>>;

fn table() -> &'static Table {
    static PARSED: OnceLock<Table> = OnceLock::new();
    PARSED.get_or_init(|| match serde_json::from_str::<File>(TABLE) {
        Ok(f) => f.providers.into_iter().map(|(p, models)| (p, convert(models))).collect(),
        Err(e) => {
            // A unit test parses the shipped table, so this is only reachable by a bad build.
            tracing::error!(
                "the embedded price table does not parse: {e}; every reply is unpriced"
            );
            HashMap::new()
        }
    })
}

fn convert(models: HashMap<String, Entry>) -> HashMap<String, Price> {
    let price = |e: Entry| Price {
        input: e.input,
        output: e.output,
        cached_input: e.cached_input,
        cache_write: e.cache_write,
        reasoning: e.reasoning,
    };
    models.into_iter().map(|(m, e)| (m, price(e))).collect()
}

/// The shipped price of `model` at `provider` (a table name: `openai`, `azure`, `anthropic`,
/// `mistral`, `deepseek`, `googleai`, `bedrock`, `ollama`, `echo`): the model itself, else the
/// provider's `*` (the local providers, free).
pub fn lookup(provider: &str, model: &str) -> Option<Price> {
    let models = table().get(provider)?;
    models.get(model).or_else(|| models.get("*")).copied()
}

/// How many models the table prices (all providers).
pub fn len() -> usize {
    table().values().map(HashMap::len).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_and_prices_known_models() {
        let f: File = serde_json::from_str(TABLE).unwrap();
        assert!(f.providers.len() >= 9, "{:?}", f.providers.keys());
        assert!(len() > 500, "{} models", len());
        let gpt = lookup("openai", "gpt-4o").unwrap();
        assert!(gpt.input > 0.0 && gpt.output > gpt.input, "{gpt:?}");
        assert!(gpt.cached_input.unwrap() < gpt.input);
        let claude = lookup("anthropic", "claude-sonnet-4-5").unwrap();
        assert!(claude.cache_write.unwrap() > claude.input, "{claude:?}");
        assert!(lookup("googleai", "gemini-2.5-flash").is_some());
        assert!(lookup("mistral", "mistral-large-latest").is_some());
        assert!(lookup("deepseek", "deepseek-chat").is_some());
    }

    #[test]
    fn local_providers_are_free_and_unknown_models_unpriced() {
        let free = lookup("ollama", "llama3.2").unwrap();
        assert_eq!((free.input, free.output), (0.0, 0.0));
        assert_eq!(lookup("echo", "anything").map(|p| p.output), Some(0.0));
        assert_eq!(lookup("openai", "gpt-no-such-model"), None);
        assert_eq!(lookup("huggingface", "meta-llama/Llama-3.1-8B-Instruct"), None);
    }
}
