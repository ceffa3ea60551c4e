//! The benchmark inputs, shared by `benches/scrub.rs` and `examples/throughput.rs`.

pub const CLEAN: &str = "Hi there, could you summarise the attached quarterly report for the board? \
Focus on revenue growth, the new product launch in the third quarter, and any risks you see in \
the supply chain. Keep it short please.";

pub const DIRTY: &str = "Hi, I'm Jennifer Lopez. Please call me at (415) 555-2671 or mail \
jennifer.lopez@example.com. Ship the order to 1600 Pennsylvania Avenue, Washington, DC 20500 \
and charge card 4111 1111 1111 1111, thanks!";

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
