//! Writing one syslog line into a reused buffer: header (time, host, tag[pid]) and the
//! inner envelopes (kernel uptime, klog, logrus, felix, BIRD).

use std::io::Write;

use crate::clock::{self, Civil};
use crate::hosts::Host;

/// Outer syslog format.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Jun  8 03:03:28 host tag[pid]: msg`
    Rfc3164,
    /// `2018-06-08T03:03:28.803180+00:00 host tag[pid]: msg`
    Rfc3339,
}

/// A line under construction; `buf` is reused between lines.
pub struct Line {
    /// The bytes of the current line (without the final newline until `finish`).
    pub buf: Vec<u8>,
    /// Outer format.
    pub format: Format,
    /// Time of the current line.
    pub civil: Civil,
    /// Time of the current line, Unix microseconds.
    pub t_us: i64,
}

impl Line {
    /// Start a line: `stamp host tag[pid]: ` (`pid` 0 means no `[pid]`).
    pub fn start(&mut self, t_us: i64, host: &Host, tag: &str, pid: u32) {
        self.buf.clear();
        self.t_us = t_us;
        self.civil = clock::civil(t_us);
        match self.format {
            Format::Rfc3164 => clock::rfc3164(&mut self.buf, &self.civil),
            Format::Rfc3339 => clock::rfc3339_micros(&mut self.buf, &self.civil),
        }
        self.buf.push(b' ');
        self.buf.extend_from_slice(host.name.as_bytes());
        self.buf.push(b' ');
        self.buf.extend_from_slice(tag.as_bytes());
        if pid != 0 {
            let _ = write!(self.buf, "[{pid}]");
        }
        self.buf.extend_from_slice(b": ");
    }

    /// `kernel: [uptime] ` prefix as imklog leaves it.
    pub fn kernel(&mut self, t_us: i64, host: &Host) {
        self.start(t_us, host, "kernel", 0);
        let up = (t_us - host.boot_us).max(0);
        let _ = write!(self.buf, "[{:5}.{:06}] ", up / 1_000_000, up % 1_000_000);
    }

    /// `kubelet[pid]: Lmmdd hh:mm:ss.uuuuuu pid file:line] `.
    pub fn klog(&mut self, t_us: i64, host: &Host, sev: char, file_line: &str) {
        self.start(t_us, host, "kubelet", host.kubelet);
        let c = self.civil;
        clock::klog(&mut self.buf, sev, &c, host.kubelet, file_line);
    }

    /// `dockerd[pid]: time="..." level=L msg=` (the caller writes the msg value).
    pub fn logrus(&mut self, t_us: i64, host: &Host, tag: &str, pid: u32, level: &str) {
        self.start(t_us, host, tag, pid);
        let c = self.civil;
        clock::logrus_time(
            &mut self.buf,
            &c,
            (t_us as u32).wrapping_mul(2_654_435_761) >> 20,
        );
        let _ = write!(self.buf, " level={level} msg=");
    }

    /// `calico-felix[pid]: 2018-06-17 03:05:13.803 [LEVEL][pid] file line: `.
    pub fn felix(&mut self, t_us: i64, host: &Host, level: &str, file: &str, line: u32) {
        self.start(t_us, host, "calico-felix", host.felix);
        let c = self.civil;
        clock::felix(&mut self.buf, &c);
        let _ = write!(self.buf, " [{level}][{}] {file} {line}: ", host.felix);
    }

    /// `bird[pid]: ` (calico's BIRD, stderr sink forwarded to syslog).
    pub fn bird(&mut self, t_us: i64, host: &Host) {
        self.start(t_us, host, "bird", host.bird);
    }

    /// Append text.
    pub fn push(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// End the line with `\n`.
    pub fn finish(&mut self) {
        self.buf.push(b'\n');
    }
}
