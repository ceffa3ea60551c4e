//! The `parlance` binary: parse flags, then run the sidecar or validate resources.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = parlance::cli::parse();
    parlance::run(cli)
}
