use super::*;
use parlance_core::{CompletionDetails, PromptDetails};

fn usage(prompt: u64, completion: u64) -> Usage {
    Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        ..Usage::default()
    }
}

const P: Price = Price {
    input: 2e-6,
    output: 8e-6,
    cached_input: Some(5e-7),
    cache_write: Some(2.5e-6),
    reasoning: None,
};

#[test]
fn input_output_cached_written_and_reasoning_tokens_are_priced_apart() {
    assert!((P.cost(&usage(1000, 100)) - (1000.0 * 2e-6 + 100.0 * 8e-6)).abs() < 1e-12);
    let mut u = usage(1000, 100);
    u.prompt_details =
        Some(PromptDetails { cached_tokens: 600, cache_write_tokens: 300, ..Default::default() });
    u.completion_details = Some(CompletionDetails { reasoning_tokens: 40, ..Default::default() });
    let want = 100.0 * 2e-6 + 600.0 * 5e-7 + 300.0 * 2.5e-6 + 100.0 * 8e-6;
    assert!((P.cost(&u) - want).abs() < 1e-12, "{} != {want}", P.cost(&u));
    let apart = Price { reasoning: Some(1e-5), ..P };
    let want = want + 40.0 * (1e-5 - 8e-6);
    assert!((apart.cost(&u) - want).abs() < 1e-12);
}

#[test]
fn metadata_overrides_the_table_and_prices_what_it_lacks() {
    let mut problems = Vec::new();
    let meta = Metadata::from_pairs(&[("priceOutputPerMTok", "20")]);
    let o = PriceOverride::parse(&meta, &mut problems);
    let table = Pricing::new("openai", PriceOverride::default()).price("gpt-4o").unwrap();
    let p = Pricing::new("openai", o).price("gpt-4o").unwrap();
    assert_eq!((p.input, p.output), (table.input, 20e-6));
    assert_eq!(
        Pricing::new("openai", o).price("my-finetune"),
        None,
        "output alone prices nothing new"
    );
    let meta = Metadata::from_pairs(&[("priceInputPerMTok", "1"), ("priceOutputPerMTok", "2")]);
    let o = PriceOverride::parse(&meta, &mut problems);
    let p = Pricing::new("huggingface", o).price("any").unwrap();
    assert_eq!((p.input, p.output, p.cached_input), (1e-6, 2e-6, None));
    assert!(problems.is_empty(), "{problems:?}");
    let bad = Metadata::from_pairs(&[("priceInputPerMTok", "-1"), ("priceOutputPerMTok", "lots")]);
    PriceOverride::parse(&bad, &mut problems);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("priceInputPerMTok: "), "{problems:?}");
}

#[test]
fn a_cache_hit_costs_nothing_and_an_unknown_model_is_unpriced() {
    let u = usage(1000, 0);
    assert_eq!(Charge::of(Some(P), Some(&u), true), Charge::CacheHit { saved: Some(0.002) });
    assert_eq!(Charge::of(Some(P), Some(&u), true).usd(), Some(0.0));
    assert_eq!(Charge::of(None, Some(&u), false), Charge::Unpriced);
    assert_eq!(Charge::of(None, Some(&u), false).usd(), None);
    assert_eq!(Charge::of(Some(P), None, false), Charge::Priced(0.0));
}

#[test]
fn costs_are_written_as_plain_decimals() {
    assert_eq!(usd_text(0.0), "0");
    assert_eq!(usd_text(0.00125), "0.00125");
    assert_eq!(usd_text(2.5), "2.5");
    assert_eq!(usd_text(1e-12), "0");
}
