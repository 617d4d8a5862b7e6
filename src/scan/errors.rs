//! Error-level lines: which lines say, by their own markers, that something failed,
//! so that one no grammar turns into a typed event still reaches the report as an
//! `unclassified` group (issue #11: nothing unexplained is dropped).
//!
//! Finding them must stay cheap: the markers below are literals of the scanner's
//! prefilter, so a large source is searched for them in the same pass as every
//! grammar's needles, and only the lines holding one are parsed and judged here.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::envelope::{Envelope, Level, LineFormat};

/// Literals a line written at error level holds (prefilter needles; every one at
/// least four bytes, the prefilter's anchor length). Lines they find are only
/// candidates; [`level`] decides.
///
/// Every needle costs the prefilter's first level an anchor, and its packed searcher
/// slows down quickly and unevenly as anchors are added (issue #11 allows ~10% on
/// benches/compare.sh's sparse dump): with `ERROR`, `FATAL`, ` err=`, `Oops` and klog's
/// `]: E0` as well the first level was ~20% slower, with these six it is not slower at
/// all (measured with the anchors tuned on that dump). So the needles are few and
/// broad, and sources small enough for a full pass (1 MiB) have every line judged:
///
/// - `error`: logrus `level=error`, `error:` of OpenSSH-style daemons, `error=` and
///   `err="rpc error: ..."` values, the kernel's `EXT4-fs error`, `I/O error`;
/// - `fatal` and `panic`: `level=fatal|panic`, Go panics, `Kernel panic`;
/// - kernel failures: `BUG:` (an `Oops` follows one), `Call Trace`, `segfault`.
///
/// klog's level letter has no literal to search for everywhere; sources that show klog
/// errors get [`KLOG_IN_SYSLOG`] or [`KLOG_LINE_START`] as well.
pub const NEEDLES: &[&str] = &["error", "fatal", "panic", "BUG:", "Call Trace", "segfault"];

/// klog under a syslog or journal prefix (`kubelet[1234]: E0614 ...`): needles for a
/// source whose sample shows one.
pub const KLOG_IN_SYSLOG: &[&str] = &["]: E0", "]: E1", "]: F0", "]: F1"];

/// Needles for sources in raw klog format, whose level letter starts the line
/// (`E0614 10:00:03.123456 ...`): the line end before it and the month, so each is
/// four bytes long. The hit is on the `\n`; the scanner takes the line after it.
pub const KLOG_LINE_START: &[&str] = &[
    "\nE01", "\nE02", "\nE03", "\nE04", "\nE05", "\nE06", "\nE07", "\nE08", "\nE09", "\nE10",
    "\nE11", "\nE12", "\nF01", "\nF02", "\nF03", "\nF04", "\nF05", "\nF06", "\nF07", "\nF08",
    "\nF09", "\nF10", "\nF11", "\nF12",
];

/// Kernel messages that report a failure whatever printk level they were written at
/// (a `segfault` line is `KERN_INFO`, a `Call Trace:` follows a `WARNING:`).
/// `error` must be a word: `errors=remount-ro` in a mount line is not one.
const KERNEL_MARKERS: &[&str] = &[
    "error",
    "BUG:",
    "Oops",
    "Call Trace",
    "segfault",
    "Kernel panic",
];

/// Kernel markers that mean the kernel itself is broken: fatal.
const KERNEL_FATAL: &[&str] = &["BUG:", "Oops", "Kernel panic"];

static KERNEL: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| AhoCorasick::new(KERNEL_MARKERS).ok());

/// The level at which `env`'s line reports an error, or `None` when it does not.
///
/// - a written level (klog letter, logrus `level=`, felix, journald `PRIORITY`,
///   syslog PRI) of error or fatal counts as written;
/// - a kernel line counts when it holds a kernel failure marker, at any printk level;
/// - a line with no written level counts when it begins `error:` / `fatal:` (how
///   OpenSSH and many C daemons mark errors) or carries a structured error value
///   (`err="..."`, `error="..."`, not `<nil>`);
/// - a line whose program wrote a lower level (info, warning) does not count, even
///   when it mentions an error: the program said what it was.
pub fn level(env: &Envelope<'_>) -> Option<Level> {
    if is_kernel(env)
        && let Some(level) = kernel_level(&env.message)
    {
        return Some(level);
    }
    match env.level {
        Some(level @ (Level::Error | Level::Fatal)) => Some(level),
        Some(_) => None,
        None => unlevelled(&env.message),
    }
}

/// Lines the kernel wrote: `kernel:` under syslog or journal, or a kernel ring format.
fn is_kernel(env: &Envelope<'_>) -> bool {
    env.app == Some("kernel")
        || matches!(
            env.format,
            LineFormat::Dmesg | LineFormat::DmesgCtime | LineFormat::DmesgIso | LineFormat::Kmsg
        )
}

fn kernel_level(message: &[u8]) -> Option<Level> {
    let ac = KERNEL.as_ref()?;
    let mut found = None;
    for m in ac.find_iter(message) {
        let marker = KERNEL_MARKERS.get(m.pattern().as_usize())?;
        if *marker == "error" && !is_word(message, m.start(), m.end()) {
            continue;
        }
        if KERNEL_FATAL.contains(marker) {
            return Some(Level::Fatal);
        }
        found = Some(Level::Error);
    }
    found
}

/// `error` standing alone: not inside a longer word, not a `key=` (`errors=`, `error=`
/// in a mount option list is configuration, not a failure).
fn is_word(message: &[u8], start: usize, end: usize) -> bool {
    let before = start
        .checked_sub(1)
        .and_then(|i| message.get(i))
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    let after = message
        .get(end)
        .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'='));
    !before && !after
}

/// Lines without a written level: the message's own error markers.
fn unlevelled(message: &[u8]) -> Option<Level> {
    if message.starts_with(b"error:") {
        return Some(Level::Error);
    }
    if message.starts_with(b"fatal:") {
        return Some(Level::Fatal);
    }
    let structured = [&b" err="[..], b" error="].into_iter().any(|key| {
        memchr::memmem::find_iter(message, key).any(|i| real_value(message, i + key.len()))
    });
    structured.then_some(Level::Error)
}

/// An error value that says something (not `<nil>`, `null`, `""` or nothing).
fn real_value(message: &[u8], at: usize) -> bool {
    let value = message.get(at..).unwrap_or_default();
    !(value.is_empty()
        || value.starts_with(b"<nil>")
        || value.starts_with(b"null")
        || value.starts_with(b"\"\"")
        || value.starts_with(b" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::parse_line;

    fn level_of(line: &str) -> Option<Level> {
        level(&parse_line(line.as_bytes(), None))
    }

    /// Real formats: the shapes of issue #11 (kubelet E lines and dockerd under
    /// syslog, an ext4 kernel error) and common kernel failures.
    #[test]
    fn error_level_lines_are_recognised() {
        for (line, want) in [
            (
                r#"Jun 14 10:00:05 node-3 kubelet[1123]: E0614 10:00:05.123456    1123 remote_runtime.go:116] "RunPodSandbox from runtime service failed" err="rpc error: code = DeadlineExceeded desc = context deadline exceeded""#,
                Level::Error,
            ),
            (
                r#"Jun 14 10:00:03 node-3 dockerd[987]: time="2018-06-14T10:00:03Z" level=error msg="Handler for POST /v1.24/containers/create returned error: conflict""#,
                Level::Error,
            ),
            (
                "Jun 14 10:00:07 node-3 kernel: [ 5432.101112] EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm systemd: reading directory lblock 0",
                Level::Error,
            ),
            (
                "[ 7712.419823] mysqld[4123]: segfault at 7f3c2a1b0000 ip 00007f3c29a1b2c3 sp 00007ffd5e6f7a80 error 4 in libc-2.27.so[7f3c29980000+1e7000]",
                Level::Error,
            ),
            (
                "Jun 14 10:01:00 node-3 kernel: [ 9001.000001] BUG: unable to handle kernel NULL pointer dereference at 0000000000000008",
                Level::Fatal,
            ),
            (
                "Dec 10 09:12:34 LabSZ sshd[24200]: error: Received disconnect from 103.99.0.122: 14: No more user authentication methods available. [preauth]",
                Level::Error,
            ),
            (
                "F0614 10:00:05.123456    1123 server.go:262] failed to run Kubelet: unable to load bootstrap kubeconfig",
                Level::Fatal,
            ),
        ] {
            assert_eq!(level_of(line), Some(want), "{line}");
        }
    }

    #[test]
    fn benign_lines_are_not_errors() {
        for line in [
            "Jun 14 10:00:00 node-3 kernel: [    3.123456] EXT4-fs (sda1): re-mounted. Opts: errors=remount-ro",
            r#"Jun 14 10:00:03 node-3 dockerd[987]: time="2018-06-14T10:00:03Z" level=info msg="API listen on /var/run/docker.sock""#,
            r#"Jun 14 10:00:03 node-3 containerd[900]: time="2018-06-14T10:00:03Z" level=warning msg="cleanup warnings" error="exit status 1""#,
            "Jun 14 10:00:05 node-3 kubelet[1123]: I0614 10:00:05.123456    1123 kubelet.go:1823] \"SyncLoop ADD\" source=\"api\" err=<nil>",
            "Jun 14 10:00:05 node-3 systemd[1]: Started Kubernetes systemd probe.",
            "Jun 14 10:00:05 node-3 kubelet[1123]: I0614 10:00:05.123456    1123 server.go:1] error is logged at info here",
        ] {
            assert_eq!(level_of(line), None, "{line}");
        }
    }

    #[test]
    fn every_needle_is_long_enough_for_the_prefilter() {
        for n in NEEDLES.iter().chain(KLOG_LINE_START).chain(KLOG_IN_SYSLOG) {
            assert!(n.len() >= 4, "{n:?}");
        }
        // Kernel markers are found by a needle in large sources, except `Oops`,
        // which follows a `BUG:` line.
        for m in KERNEL_MARKERS.iter().filter(|m| **m != "Oops") {
            assert!(
                NEEDLES.iter().any(|n| m.contains(n)),
                "kernel marker {m} holds a needle"
            );
        }
    }
}
