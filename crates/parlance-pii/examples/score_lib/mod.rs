//! Scores the engine against a labelled corpus (`corpus/dev.jsonl`): recall per entity, false
//! positives per entity, and the share of look-alikes kept. Shared by `examples/score.rs` and
//! the `tests/accuracy.rs` regression test.

use parlance_pii::{Entity, Finding, Scrubber};
use std::collections::BTreeMap;

/// Totals for one entity.
#[derive(Default, Clone, Copy)]
pub struct Tally {
    /// Labelled spans.
    pub total: u32,
    /// Spans whose every alphanumeric byte is covered by a finding of the right entity.
    pub found: u32,
    /// Spans whose every alphanumeric byte is covered by some finding (no leak).
    pub covered: u32,
    /// Findings of this entity overlapping no labelled PII span.
    pub false_pos: u32,
}

/// The result of a scoring run.
#[derive(Default)]
pub struct Report {
    /// Per entity label.
    pub per_entity: BTreeMap<&'static str, Tally>,
    /// Look-alikes per kind: (total, kept).
    pub keep: BTreeMap<String, (u32, u32)>,
    /// Misses and false positives, for debugging.
    pub errors: Vec<String>,
    /// Bytes scanned.
    pub bytes: usize,
}

impl Report {
    /// Recall of one entity (1.0 when there is no labelled span).
    #[allow(dead_code)] // used by tests/accuracy.rs, not by the example
    pub fn recall(&self, e: &str) -> f64 {
        self.per_entity.get(e).map_or(1.0, |t| ratio(t.found, t.total))
    }

    /// Share of look-alikes kept.
    pub fn kept(&self) -> f64 {
        let (t, k) = self.keep.values().fold((0, 0), |(a, b), (t, k)| (a + t, b + k));
        ratio(k, t)
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 { 1.0 } else { f64::from(a) / f64::from(b) }
}

struct Span {
    start: usize,
    end: usize,
    label: String,
}

fn parse_line(line: &str) -> Option<(String, Vec<Span>)> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let text = v.get("text")?.as_str()?.to_string();
    let spans = v.get("spans")?.as_array()?.iter().filter_map(|s| {
        Some(Span {
            start: usize::try_from(s.get("start")?.as_u64()?).ok()?,
            end: usize::try_from(s.get("end")?.as_u64()?).ok()?,
            label: s.get("label")?.as_str()?.to_string(),
        })
    });
    Some((text, spans.collect()))
}

fn covered(text: &str, span: &Span, found: &[Finding], want: Option<Entity>) -> bool {
    text.as_bytes()[span.start..span.end].iter().enumerate().all(|(k, c)| {
        let p = span.start + k;
        !c.is_ascii_alphanumeric()
            || found.iter().any(|f| f.start <= p && p < f.end && want.is_none_or(|w| w == f.entity))
    })
}

/// Scores `scrubber` on the JSON-lines `corpus`.
pub fn score(scrubber: &Scrubber, corpus: &str) -> Report {
    let mut r = Report::default();
    for e in Entity::ALL {
        r.per_entity.insert(e.label(), Tally::default());
    }
    for (text, spans) in corpus.lines().filter_map(parse_line) {
        r.bytes += text.len();
        let found = scrubber.find(&text);
        score_record(&mut r, &text, &spans, &found);
    }
    r
}

fn score_record(r: &mut Report, text: &str, spans: &[Span], found: &[Finding]) {
    for s in spans {
        if let Some(kind) = s.label.strip_prefix("KEEP:") {
            let kept = !found.iter().any(|f| f.start < s.end && s.start < f.end);
            let e = r.keep.entry(kind.to_string()).or_default();
            e.0 += 1;
            e.1 += u32::from(kept);
            if !kept {
                r.errors.push(format!(
                    "LOOKALIKE {kind} {:?} in {text:?} -> {found:?}",
                    &text[s.start..s.end]
                ));
            }
            continue;
        }
        let Some(entity) = Entity::from_label(&s.label) else { continue };
        let ok = covered(text, s, found, Some(entity));
        let t = r.per_entity.entry(entity.label()).or_default();
        t.total += 1;
        t.found += u32::from(ok);
        t.covered += u32::from(covered(text, s, found, None));
        if !ok {
            r.errors.push(format!(
                "MISS {} {:?} in {text:?} -> {found:?}",
                s.label,
                &text[s.start..s.end]
            ));
        }
    }
    for f in found {
        let hits_pii = spans
            .iter()
            .any(|s| !s.label.starts_with("KEEP:") && f.start < s.end && s.start < f.end);
        if !hits_pii {
            r.per_entity.entry(f.entity.label()).or_default().false_pos += 1;
            r.errors.push(format!(
                "FALSE {} {:?} in {text:?}",
                f.entity.label(),
                &text[f.start..f.end]
            ));
        }
    }
}

/// The report as a markdown table.
#[allow(dead_code)] // used by the score example and tests, not by the trainer
pub fn markdown(r: &Report) -> String {
    let mut out = String::from(
        "| Entity | Labelled | Recall | No leak | False positives |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for (label, t) in &r.per_entity {
        out.push_str(&format!(
            "| {label} | {} | {:.3} | {:.3} | {} |\n",
            t.total,
            ratio(t.found, t.total),
            ratio(t.covered, t.total),
            t.false_pos
        ));
    }
    out.push_str("\n| Look-alike | Count | Kept |\n| --- | ---: | ---: |\n");
    for (kind, (t, k)) in &r.keep {
        out.push_str(&format!("| {kind} | {t} | {:.3} |\n", ratio(*k, *t)));
    }
    let total: u32 = r.keep.values().map(|(t, _)| t).sum();
    out.push_str(&format!("| **all** | {total} | **{:.3}** |\n", r.kept()));
    out
}
