//! The benchmark inputs, shared by `benches/scrub.rs` and `examples/throughput.rs`.

pub const CLEAN: &str = "Hi there, could you summarise the attached quarterly report for the board? \
Focus on revenue growth, the new product launch in the third quarter, and any risks you see in \
the supply chain. Keep it short please.";

pub const DIRTY: &str = "Hi, I'm Jennifer Lopez. Please call me at (415) 555-2671 or mail \
jennifer.lopez@example.com. Ship the order to 1600 Pennsylvania Avenue, Washington, DC 20500 \
and charge card 4111 1111 1111 1111, thanks!";

/// Prose dense with names and numbers (written for the benchmark; issue 20's "4 KiB prompt"
/// target is measured on [`dense_prose`]).
pub const DENSE: &str = "On 12 March Hartley met Okonkwo, Ana Beatriz Souza and Dr. Lars Eriksen \
in Lisbon; Priya Raman (mobile 07700 900123) joined at 14:30 with Tomasz Wójcik, who paid 1,250 \
EUR for 3 tickets. Later Mei Ling Chen wrote to Jean-Luc Moreau about invoice 48213 and asked \
Siobhan O'Brien to call +44 20 7946 0958 before Friday. ";

/// About 4 KiB of [`DENSE`] repeated, cut at a char boundary.
#[allow(dead_code)] // used by the benchmark, not by every example that includes this file
pub fn dense_prose() -> String {
    let mut t = DENSE.repeat(4096 / DENSE.len() + 1);
    let mut end = 4096;
    while !t.is_char_boundary(end) {
        end += 1;
    }
    t.truncate(end);
    t
}

/// A ~1 MiB document: mostly clean prose, one sentence in six carrying PII, plus look-alikes.
pub fn mixed_document() -> String {
    let parts = [
        CLEAN,
        "Version 2.4.1 was released on 2024-01-05 at 10:30; order #123456 costs $1,234.56. ",
        DIRTY,
        "The team met in Paris and New York to discuss the roadmap and the Q3 budget. ",
        "Commit d41d8cd98f00b204e9800998ecf8427e fixed ISBN 978-3-16-148410-0 parsing. ",
        "Server 10.0.0.12 and 2001:db8::1 answered; MAC 00:1A:2B:3C:4D:5E. ",
    ];
    let mut doc = String::with_capacity(1 << 20);
    let mut k = 0;
    while doc.len() < 1 << 20 {
        doc.push_str(parts[k % parts.len()]);
        doc.push(' ');
        k += 1;
    }
    doc
}
