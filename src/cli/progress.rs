//! A progress bar on stderr for scans that take more than about a second: bytes
//! done of total, throughput, ETA. Hidden with `--quiet` or when stderr is not a
//! terminal; never touches stdout.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A polling progress display fed by the scanner's byte counter.
pub struct Bar {
    counter: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    /// Start polling (if stderr is a terminal and not quiet).
    pub fn start(total: u64, quiet: bool) -> Bar {
        let counter = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let thread = if quiet || !std::io::stderr().is_terminal() {
            None
        } else {
            let (c, d) = (counter.clone(), done.clone());
            Some(std::thread::spawn(move || poll(total, &c, &d)))
        };
        Bar {
            counter,
            done,
            thread,
        }
    }

    /// The counter the scanner adds bytes to.
    pub fn counter(&self) -> Arc<AtomicU64> {
        self.counter.clone()
    }

    /// Stop and clear the bar.
    pub fn finish(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn poll(total: u64, counter: &AtomicU64, done: &AtomicBool) {
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if bar.is_none() && started.elapsed() >= Duration::from_secs(1) {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} scanning [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
            )
            .map(|s| s.progress_chars("=> "));
            if let Ok(style) = style {
                b.set_style(style);
            }
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_position(counter.load(Ordering::Relaxed).min(total));
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}
