//! A progress bar on stderr for scans that take more than about a second: bytes
//! done of total, throughput, ETA, and the file being read. Hidden with `--quiet` or
//! when stderr is not a terminal; never touches stdout.

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
    /// Start polling (if stderr is a terminal and not quiet). `files` are the
    /// sources in scan order with their sizes: the bar names the one the byte count
    /// has reached (files are scanned in that order, a few at a time).
    pub fn start(files: Vec<(String, u64)>, quiet: bool) -> Bar {
        let total = files.iter().map(|(_, size)| size).sum();
        let counter = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let thread = if quiet || !std::io::stderr().is_terminal() {
            None
        } else {
            let (c, d) = (counter.clone(), done.clone());
            Some(std::thread::spawn(move || poll(total, &c, &d, &files)))
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

/// The file whose byte range (in scan order) holds position `at`.
fn current_file(files: &[(String, u64)], at: u64) -> Option<&str> {
    let mut end = 0;
    for (name, size) in files {
        end += size;
        if at < end {
            return Some(name);
        }
    }
    files.last().map(|(name, _)| name.as_str())
}

fn poll(total: u64, counter: &AtomicU64, done: &AtomicBool, files: &[(String, u64)]) {
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if bar.is_none() && started.elapsed() >= Duration::from_secs(1) {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} scanning [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {wide_msg}",
            )
            .map(|s| s.progress_chars("=> "));
            if let Ok(style) = style {
                b.set_style(style);
            }
            bar = Some(b);
        }
        if let Some(b) = &bar {
            let at = counter.load(Ordering::Relaxed).min(total);
            b.set_position(at);
            if let Some(name) = current_file(files, at) {
                b.set_message(name.to_string());
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_file_follows_the_byte_count() {
        let files = vec![
            ("node-1/var/log/syslog".to_string(), 100),
            ("node-2/var/log/kubelet.log.2.gz".to_string(), 50),
        ];
        assert_eq!(current_file(&files, 0), Some("node-1/var/log/syslog"));
        assert_eq!(current_file(&files, 99), Some("node-1/var/log/syslog"));
        assert_eq!(
            current_file(&files, 100),
            Some("node-2/var/log/kubelet.log.2.gz")
        );
        assert_eq!(
            current_file(&files, 150),
            Some("node-2/var/log/kubelet.log.2.gz")
        );
        assert_eq!(current_file(&[], 0), None);
    }
}
