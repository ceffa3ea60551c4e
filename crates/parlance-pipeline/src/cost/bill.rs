//! Pricing one reply and recording it: spend (or saved spend for a cache hit) by key, group,
//! component and model; an unpriced model counted and warned about once per component and model.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use parlance_core::Usage;

use super::Charge;
use crate::keys::Principal;
use crate::service::Component;
use crate::telemetry::{Spender, Telemetry};

/// Prices a reply of `component` (the one that answered) for `model` (the reply's, else the
/// component's configured one) and records it.
pub(crate) fn bill(
    telemetry: &Telemetry,
    component: &Component,
    principal: Option<&Principal>,
    model: Option<&str>,
    usage: Option<&Usage>,
    cache_hit: bool,
) -> Charge {
    let price = model
        .and_then(|m| component.pricing.price(m))
        .or_else(|| component.pricing.price(&component.model));
    let charge = Charge::of(price, usage, cache_hit);
    if charge == Charge::Unpriced {
        warn_once(&component.name, model.unwrap_or(&component.model));
    }
    match principal {
        Some(p) => {
            let who = Spender {
                key: p.name(),
                group: p.group().unwrap_or(""),
                component: &component.name,
                model: &component.model,
            };
            telemetry.key_charge_cached(&p.entry.meters, &who, charge, usage);
        }
        None => {
            if let Some(m) = &component.meters {
                m.spend.record(charge);
            }
        }
    }
    charge
}

fn warn_once(component: &str, model: &str) {
    static WARNED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let warned = WARNED.get_or_init(Default::default);
    let mut warned = warned.lock().unwrap_or_else(|e| e.into_inner());
    if warned.len() < 1024 && warned.insert(format!("{component}\u{0}{model}")) {
        tracing::warn!(
            component,
            model,
            "no price for this model: its replies are reported as unpriced, not as free \
             (set priceInputPerMTok and priceOutputPerMTok in the component's metadata)"
        );
    }
}
