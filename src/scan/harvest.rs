//! What one source (or one chunk of it) yields: found events plus the cheap facts the
//! inventory and time resolution need. Line numbers are relative to the chunk until
//! [`Harvest::shift`] makes them absolute; byte offsets are offsets into the buffer
//! scanned (the whole source, or one decoded block of a compressed one).

use chrono::NaiveDateTime;
use std::collections::BTreeMap;

use super::kept::KeptFinds;
use crate::envelope::{Envelope, LineFormat, RawTime};
use crate::events::{Found, Sym};

/// What scanning one source (or one chunk of it) yields: its finds and the facts
/// that resolve their time and node afterwards (host samples, uptime anchors, years).
#[derive(Debug)]
pub struct Harvest {
    /// Lines in the scanned range (a chunk's own count until [`Harvest::absorb`]).
    pub lines: u64,
    /// Lines whose envelope was parsed.
    pub examined: u64,
    /// Examined lines that matched no envelope format.
    pub unparsed: u64,
    /// Events the chunk being scanned has found so far (the grammars append here).
    pub found: Vec<Found>,
    /// Events of finished chunks, encoded compactly ([`Harvest::keep_found`]), one
    /// list per chunk in order: a large source's events are held this way until they
    /// are resolved, never copied into one list. [`Harvest::finds`] reads them all.
    kept: Vec<KeptFinds>,
    /// Examined lines per format.
    pub formats: BTreeMap<LineFormat, u64>,
    /// First timed line seen (line, time).
    pub first_time: Option<(u64, RawTime)>,
    /// Last timed line seen (line, time).
    pub last_time: Option<(u64, RawTime)>,
    /// Hostname (and the line's raw time) at sampled lines, in line order,
    /// consecutive repeats collapsed.
    pub hosts: Vec<(u64, Sym, RawTime)>,
    /// (uptime µs, wall time) of lines carrying both: anchors raw dmesg.
    pub anchors: Vec<(u64, RawTime)>,
    /// (line, uptime µs, is boot banner) of uptime-only lines.
    pub uptimes: Vec<(u64, u64, bool)>,
    /// Needle lines that produced no event, per kind they looked relevant to.
    pub drift: BTreeMap<&'static str, u64>,
    /// Latest timestamp that carried a year (zone ignored): the year hint for the node.
    pub latest_dated: Option<NaiveDateTime>,
    /// End of the span a journalctl header (`-- Logs begin at ..., end at B. --`) gives:
    /// an upper bound for every entry below it, so the year reference of this stream.
    pub journal_end: Option<NaiveDateTime>,
    /// Latest year-less (month, day, time) seen, for `--year`.
    pub latest_yearless: Option<(u64, RawTime)>,
    /// Format detected by sampling the start of the source.
    pub detected: LineFormat,
    /// (banner line, time of the last line before the boot) for boot banners in
    /// the middle of a source: how long the node was silent before it booted.
    pub boot_gaps: Vec<(u64, RawTime)>,
    /// Problems met while reading the source (a compressed stream cut short).
    pub problems: Vec<String>,
    /// (line, byte) of boot banners whose look-back reached the start of the buffer
    /// scanned: for a block of a decoded stream, the answer lies in data not held.
    pub look_back_short: Vec<(u64, u64)>,
}

impl Default for Harvest {
    fn default() -> Harvest {
        Harvest {
            lines: 0,
            examined: 0,
            unparsed: 0,
            found: Vec::new(),
            kept: Vec::new(),
            formats: BTreeMap::new(),
            first_time: None,
            last_time: None,
            hosts: Vec::new(),
            anchors: Vec::new(),
            uptimes: Vec::new(),
            drift: BTreeMap::new(),
            latest_dated: None,
            journal_end: None,
            latest_yearless: None,
            detected: LineFormat::Unknown,
            boot_gaps: Vec::new(),
            problems: Vec::new(),
            look_back_short: Vec::new(),
        }
    }
}

impl Harvest {
    /// Record what an examined line tells (format, time, host, anchors).
    pub fn note(&mut self, line: u64, env: &Envelope<'_>) {
        self.examined += 1;
        *self.formats.entry(env.format).or_insert(0) += 1;
        if env.format == LineFormat::Unknown {
            self.unparsed += 1;
        }
        self.note_edge(line, env);
        match env.time {
            RawTime::Utc(_) | RawTime::Local(_) => {}
            RawTime::YearLess { .. } => self.latest_yearless = Some((line, env.time)),
            RawTime::Uptime(u) => {
                let banner = env.message.starts_with(b"Linux version ");
                self.uptimes.push((line, u, banner));
            }
            RawTime::None => {
                if let Some(end) = crate::envelope::banner_end(env.raw) {
                    self.journal_end = self.journal_end.max(Some(end));
                }
                // `systemctl status` captured as a file: its `Active: ... since <date>`
                // is a dated time of this node, like any year-bearing line.
                if let Some(since) = crate::envelope::systemctl_active_since(env.raw) {
                    self.note_dated(since);
                }
            }
        }
        if let (Some(u), t) = (env.uptime_us, env.time)
            && !matches!(t, RawTime::None | RawTime::Uptime(_))
        {
            self.anchors.push((u, t));
        }
    }

    /// Record only the time and hostname of a line (edge samples in prefiltered mode).
    pub fn note_edge(&mut self, line: u64, env: &Envelope<'_>) {
        match env.time {
            RawTime::Utc(t) => self.note_dated(t.naive_utc()),
            RawTime::Local(t) => self.note_dated(t),
            _ => {}
        }
        if !matches!(env.time, RawTime::None) {
            if self.first_time.is_none_or(|(l, _)| line < l) {
                self.first_time = Some((line, env.time));
            }
            if self.last_time.is_none_or(|(l, _)| line >= l) {
                self.last_time = Some((line, env.time));
            }
        }
        if let Some(host) = env.host {
            self.note_host(line, host, env.time);
        }
    }

    /// Sort host samples by line and collapse consecutive repeats.
    pub fn settle_hosts(&mut self) {
        self.hosts.sort_by_key(|(l, _, _)| *l);
        self.hosts.dedup_by(|b, a| a.1 == b.1);
    }

    fn note_dated(&mut self, t: NaiveDateTime) {
        if self.latest_dated.is_none_or(|l| t > l) {
            self.latest_dated = Some(t);
        }
    }

    /// Record the hostname at `line` (collapsing repeats).
    pub fn note_host(&mut self, line: u64, host: &str, time: RawTime) {
        if self
            .hosts
            .last()
            .is_none_or(|(l, h, _)| h != host || *l > line)
        {
            self.hosts.push((line, Sym::new(host), time));
        }
    }

    /// Encode the events of `found` into the kept lists (a chunk is done with them).
    pub fn keep_found(&mut self) {
        if !self.found.is_empty() {
            self.kept
                .push(KeptFinds::keep(std::mem::take(&mut self.found)));
        }
    }

    /// Every event found, in line order, decoded (a copy; tests read them all).
    #[cfg(test)]
    pub fn finds(&self) -> impl Iterator<Item = Found> + '_ {
        self.kept
            .iter()
            .flat_map(KeptFinds::iter)
            .chain(self.found.iter().cloned())
    }

    /// The host names the events found carry (each at least once; nothing decoded).
    pub fn find_hosts(&self) -> impl Iterator<Item = Sym> + '_ {
        self.kept
            .iter()
            .flat_map(|k| k.hosts().iter().copied())
            .chain(self.found.iter().filter_map(|f| f.host))
    }

    /// The events of `kind`, in line order (the others are not decoded).
    pub fn finds_of(&self, kind: crate::events::Kind) -> impl Iterator<Item = Found> + '_ {
        self.kept
            .iter()
            .flat_map(move |k| k.of_kind(kind))
            .chain(self.found.iter().filter(move |f| f.kind == kind).cloned())
    }

    /// The kinds of the events found, in line order (nothing else is decoded).
    pub fn find_kinds(&self) -> impl Iterator<Item = crate::events::Kind> + '_ {
        self.kept
            .iter()
            .flat_map(KeptFinds::kinds)
            .chain(self.found.iter().map(|f| f.kind))
    }

    /// Say which source the events are from (a stream is scanned before its id is final).
    pub fn set_source(&mut self, source: crate::input::SourceId) {
        for f in &mut self.found {
            f.first.source = source;
        }
        for k in &mut self.kept {
            k.set_source(source);
        }
    }

    /// Take every event found, as the lists of the chunks that found them.
    pub fn take_finds(&mut self) -> Vec<KeptFinds> {
        self.keep_found();
        std::mem::take(&mut self.kept)
    }

    /// Make relative line numbers absolute by adding `base` (lines before the chunk).
    pub fn shift(&mut self, base: u64) {
        if base == 0 {
            return;
        }
        for f in &mut self.found {
            f.first.line += base;
            f.end_line += base;
        }
        for k in &mut self.kept {
            k.shift(base);
        }
        for t in [
            &mut self.first_time,
            &mut self.last_time,
            &mut self.latest_yearless,
        ]
        .into_iter()
        .flatten()
        {
            t.0 += base;
        }
        for h in &mut self.hosts {
            h.0 += base;
        }
        for u in &mut self.uptimes {
            u.0 += base;
        }
        for g in &mut self.boot_gaps {
            g.0 += base;
        }
    }

    /// Append a later chunk's harvest (already shifted).
    pub fn absorb(&mut self, mut later: Harvest) {
        self.lines += later.lines;
        self.examined += later.examined;
        self.unparsed += later.unparsed;
        self.keep_found();
        later.keep_found();
        self.kept.append(&mut later.kept);
        for (k, v) in later.formats {
            *self.formats.entry(k).or_insert(0) += v;
        }
        if self.first_time.is_none() {
            self.first_time = later.first_time;
        }
        if later.last_time.is_some() {
            self.last_time = later.last_time;
        }
        for (line, host, time) in later.hosts {
            self.note_host(line, &host, time);
        }
        self.anchors.extend(later.anchors);
        self.uptimes.extend(later.uptimes);
        self.boot_gaps.extend(later.boot_gaps);
        self.problems.extend(later.problems);
        self.look_back_short.extend(later.look_back_short);
        for (k, v) in later.drift {
            *self.drift.entry(k).or_insert(0) += v;
        }
        if let Some(t) = later.latest_dated {
            self.note_dated(t);
        }
        self.journal_end = self.journal_end.max(later.journal_end);
        if later.latest_yearless.is_some() {
            self.latest_yearless = later.latest_yearless;
        }
    }

    /// The format most examined lines had (ties: the earlier variant); when no line
    /// was examined (a large source without needles), the format detected by sampling.
    pub fn main_format(&self) -> LineFormat {
        self.formats
            .iter()
            .filter(|(f, _)| **f != LineFormat::Unknown)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or(self.detected, |(f, _)| *f)
    }
}
