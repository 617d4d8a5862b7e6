//! `podmortem` binary: parse arguments, run, turn the result into an exit code.

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// Scans allocate and free many small event fields and strings across threads;
/// mimalloc does that markedly faster than the system allocator (benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (option 15 in both versions libmimalloc-sys
/// bundles, v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc's `mi_option_arena_eager_commit` (option 4 in v2 and v3).
#[cfg(target_os = "linux")]
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Arenas are committed as they are used, not whole when reserved: with eager commit a
/// busy 4 GiB log peaked ~60 MB higher (benches/README.md, issue 13). The first arena
/// is reserved by the first allocation, before `main`, so this runs as a constructor.
#[cfg(target_os = "linux")]
extern "C" fn allocator_options() {
    // SAFETY: setting an option is allowed at any time, before mimalloc's first use too;
    // it only changes when mimalloc commits arena memory.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
}

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static ALLOCATOR_OPTIONS: extern "C" fn() = allocator_options;

fn main() -> ExitCode {
    // Memory a scan frees (a chunk's lines and finds, once its events are kept) goes
    // back to the system after 10 ms rather than mimalloc's default delay (~150 MB
    // less peak memory on a busy 4 GiB log when finds were large); 0 ms cost a
    // madvise and TLB flushes per freed page (sys time 0.35 -> 0.22 s on the realistic
    // 1 GiB dump) for 1-3 MB (benches/README.md, issue 13).
    // SAFETY: setting an option is allowed at any time; it only changes when mimalloc
    // decommits pages it no longer uses.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
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
