//! Loads resources directories and prints what was found, or every problem:
//! `cargo run -p parlance-config --example check -- DIR...`

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dirs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    match parlance_config::load(&dirs, &parlance_config::env_lookup) {
        Ok(resources) => {
            for c in &resources.components {
                println!(
                    "component {} ({} {}) from {}",
                    c.name, c.type_display, c.version, c.source
                );
            }
            for r in &resources.resiliencies {
                println!("resiliency {} from {}", r.name, r.source);
            }
            for w in &resources.warnings {
                println!("warning: {w}");
            }
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for p in &problems {
                println!("error: {p}");
            }
            ExitCode::FAILURE
        }
    }
}
