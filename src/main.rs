//! `podmortem` binary: parse arguments, run, turn the result into an exit code.

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// Scans allocate and free many small event fields and strings across threads;
/// mimalloc does that markedly faster than the system allocator (benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    match cli::run(args) {
        Ok(code) => ExitCode::from(code),
        // A closed pipe (`podmortem scan ... | head`) is not an error.
        Err(podmortem::Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("podmortem: {e}");
            ExitCode::from(2)
        }
    }
}
