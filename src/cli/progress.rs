//! A progress display on stderr for scans that take more than about a second, in
//! the units users think in: uncompressed bytes scanned and the file being read.
//! With a known total (plain files only) it is a bar with an ETA; when the total is
//! unknown (compressed files, archives, stdin: their decoded size is known only once
//! read) it shows bytes and rate, and no ETA. Hidden with `--quiet` or when stderr
//! is not a terminal; never touches stdout.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use podmortem::scan::Progress;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A polling progress display fed by the scanner's [`Progress`].
pub struct Bar {
    progress: Arc<Progress>,
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    /// Start polling (if stderr is a terminal and not quiet).
    pub fn start(quiet: bool) -> Bar {
        let progress = Arc::new(Progress::default());
        let done = Arc::new(AtomicBool::new(false));
        let thread = if quiet || !std::io::stderr().is_terminal() {
            None
        } else {
            let (p, d) = (progress.clone(), done.clone());
            Some(std::thread::spawn(move || poll(&p, &d)))
        };
        Bar {
            progress,
            done,
            thread,
        }
    }

    /// What the scanner reports to.
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// Stop and clear the display.
    pub fn finish(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The two looks: a bar with ETA when the total is known, bytes and rate when not.
fn style(total_known: bool) -> Option<ProgressStyle> {
    let template = if total_known {
        "{spinner} scanning [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {wide_msg}"
    } else {
        "{spinner} scanning {bytes} (uncompressed) {binary_bytes_per_sec} {wide_msg}"
    };
    ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .ok()
}

fn poll(progress: &Progress, done: &AtomicBool) {
    let started = Instant::now();
    // Fed from the start, drawn after a second: the rate is then measured over the
    // whole run, not over the jump from nothing to what the first second scanned.
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    let mut known = false;
    if let Some(s) = style(known) {
        bar.set_style(s);
    }
    let mut shown = false;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        let total = progress.total.load(Ordering::Relaxed);
        if (total > 0) != known {
            known = total > 0;
            if let Some(s) = style(known) {
                bar.set_style(s);
            }
        }
        let bytes = progress.bytes.load(Ordering::Relaxed);
        if known {
            bar.set_length(total);
            bar.set_position(bytes.min(total));
        } else {
            bar.set_position(bytes);
        }
        bar.set_message(progress.current());
        if !shown && started.elapsed() >= Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
    }
    bar.finish_and_clear();
}
