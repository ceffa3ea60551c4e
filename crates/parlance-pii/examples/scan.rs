//! Prints what the engine finds in a file or stdin, one finding per line (for inspecting
//! false positives on real text): `cargo run -p parlance-pii --example scan --release -- FILE`.

use parlance_pii::Scrubber;
use std::io::Read;

fn main() {
    let mut text = String::new();
    let read = match std::env::args().nth(1) {
        Some(path) => std::fs::read_to_string(path).map(|t| text = t),
        None => std::io::stdin().read_to_string(&mut text).map(|_| ()),
    };
    if let Err(e) = read {
        eprintln!("cannot read input: {e}");
        std::process::exit(2);
    }
    let found = Scrubber::default().find(&text);
    for f in &found {
        println!("{:>8} {:<15} {:?}", f.start, f.entity.label(), &text[f.start..f.end]);
    }
    eprintln!("{} findings in {} bytes", found.len(), text.len());
}
