//! The `parlance` binary: parse flags, then run the sidecar or validate resources.

use std::process::ExitCode;

/// jemalloc, configured at build time (`.cargo/config.toml`); `_RJEM_MALLOC_CONF` overrides
/// its settings at run time.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = parlance::cli::parse();
    parlance::run(cli)
}
