//! Scanning one source: format detection, then either a full pass (small sources,
//! JSON/CRI formats, journal exports) or newline-aligned chunks scanned in parallel
//! with the prefilter. Both paths feed the same lines to the grammars (needle lines
//! and whatever an assembler asks for), so they find the same events.

use rayon::prelude::*;
use std::borrow::Cow;

use super::custom::CustomRules;
use super::harvest::Harvest;
use super::lines;
use super::prefilter::Prefilter;
use crate::envelope::{self, Envelope, LineFormat, RawTime};
use crate::events::{self, Extractor, Kind};
use crate::input::{Location, SourceId};

/// Longest line prefix handed to the parsers; the rest of a giant line is not
/// searched (it is still counted and cited).
pub const MAX_PARSED_LINE: usize = 256 * 1024;

/// Everything the per-source scanner needs, shared by all threads.
pub struct Scanner<'a> {
    /// Needle automaton.
    pub prefilter: &'a Prefilter,
    /// User raw-line rules.
    pub custom: &'a CustomRules,
    /// Sources at or below this size are fully parsed.
    pub full_pass_below: usize,
    /// Chunk size for large sources.
    pub chunk_size: usize,
    /// Parse every line of every source (a custom rule had no literal).
    pub force_full: bool,
    /// Progress counter (bytes done).
    pub progress: &'a (dyn Fn(u64) + Sync),
}

impl Scanner<'_> {
    /// Scan one source's bytes.
    pub fn scan(&self, id: SourceId, data: &[u8]) -> Harvest {
        let term = lines::terminator(data);
        let format = detect(data, term);
        let mut h = self.scan_detected(id, data, term, format);
        h.detected = format;
        h
    }

    fn scan_detected(&self, id: SourceId, data: &[u8], term: u8, format: LineFormat) -> Harvest {
        if format == LineFormat::JournalExport {
            let h = self.scan_export(id, data);
            (self.progress)(data.len() as u64);
            return h;
        }
        let full = self.force_full
            || data.len() <= self.full_pass_below
            || matches!(
                format,
                LineFormat::Cri
                    | LineFormat::DockerJson
                    | LineFormat::JournalJson
                    | LineFormat::KlogJson
                    | LineFormat::CalicoctlStatus
                    | LineFormat::BirdProtocols
                    | LineFormat::Dmesg
                    | LineFormat::Kmsg
            );
        if full {
            let h = self.scan_range(id, data, (0, data.len()), term, format, Mode::Full);
            (self.progress)(data.len() as u64);
            return h;
        }
        let chunks = lines::chunks(data, self.chunk_size, term);
        let parts: Vec<Harvest> = chunks
            .par_iter()
            .map(|&range| {
                let h = self.scan_range(id, data, range, term, format, Mode::Prefiltered);
                (self.progress)((range.1 - range.0) as u64);
                h
            })
            .collect();
        let mut total = Harvest::default();
        let mut base = 0;
        for mut part in parts {
            let lines = part.lines;
            part.shift(base);
            base += lines;
            total.absorb(part);
        }
        total
    }

    fn scan_range(
        &self,
        id: SourceId,
        data: &[u8],
        range: (usize, usize),
        term: u8,
        hint: LineFormat,
        mode: Mode,
    ) -> Harvest {
        let (start, end) = range;
        let slice = data.get(start..end).unwrap_or(&[]);
        let mut h = Harvest {
            lines: lines::count(slice, term)
                + u64::from(!slice.is_empty() && !slice.ends_with(&[term])),
            ..Harvest::default()
        };
        let mut ex = Extractor::new();
        let mut partial: Option<Joined> = None;
        let mut pos = start;
        let mut line_no = 1u64;
        let mut want_more = false;
        if mode == Mode::Prefiltered {
            self.sample_edges(data, range, term, hint, &mut h);
        }
        while pos < end || (want_more && pos < data.len()) {
            if mode == Mode::Prefiltered && !want_more {
                // Jump to the next line holding a needle.
                let Some(hit) = self
                    .prefilter
                    .find_from(data.get(..end).unwrap_or(data), pos)
                else {
                    break;
                };
                let ls = lines::line_start(data, hit, term).max(pos);
                line_no += lines::count(data.get(pos..ls).unwrap_or(&[]), term);
                pos = ls;
            }
            let (line, next) = lines::line_at(data, pos, term);
            let parsed = line.get(..MAX_PARSED_LINE).unwrap_or(line);
            let env = envelope::parse_line(parsed, Some(hint));
            h.note(line_no, &env);
            let at = Location {
                source: id,
                line: line_no,
                byte: pos as u64,
            };
            // CRI `P` and docker json partial lines are joined before the grammars see them.
            if env.partial || partial.is_some() {
                let joined = partial.get_or_insert_with(|| Joined::start(at, &env));
                if joined.at != at {
                    joined.push(&env);
                }
                if env.partial {
                    pos = next;
                    line_no += 1;
                    continue;
                }
                if let Some(j) = partial.take() {
                    let whole = j.envelope(&env);
                    want_more = self.feed(&mut ex, j.at, &whole, &mut h);
                }
            } else if want_more || self.is_candidate(line, &env) {
                let before = h.found.len();
                want_more = self.feed(&mut ex, at, &env, &mut h);
                if h.found
                    .get(before..)
                    .is_some_and(|f| f.iter().any(|f| f.payload.kind == Kind::KernelVersion))
                    && let Some(prev) = time_before(data, pos, term, hint, env.time)
                {
                    h.boot_gaps.push((line_no, prev));
                }
            } else {
                want_more = false;
            }
            pos = next;
            line_no += 1;
            if pos >= end && !want_more {
                break;
            }
        }
        ex.finish(&mut h.found);
        h.settle_hosts();
        h
    }

    /// A line goes to the grammars when it (or its decoded message) holds a needle.
    fn is_candidate(&self, line: &[u8], env: &Envelope<'_>) -> bool {
        self.prefilter.matches(line)
            || (matches!(env.message, Cow::Owned(_)) && self.prefilter.matches(&env.message))
    }

    fn feed(&self, ex: &mut Extractor, at: Location, env: &Envelope<'_>, h: &mut Harvest) -> bool {
        let before = h.found.len();
        let want = ex.feed(at, env, &mut h.found);
        self.custom.apply(at, env, &mut h.found);
        if h.found.len() == before && !want {
            if let Some(kind) = events::drift_kind(&env.message) {
                *h.drift.entry(kind).or_insert(0) += 1;
            }
        }
        want
    }

    /// In prefiltered mode only needle lines are parsed; the first and last timed
    /// lines and the hostname at both ends still come from the chunk's edges, and a
    /// chunk whose ends disagree on the hostname is walked to find the change.
    fn sample_edges(
        &self,
        data: &[u8],
        range: (usize, usize),
        term: u8,
        hint: LineFormat,
        h: &mut Harvest,
    ) {
        let (start, end) = range;
        let mut pos = start;
        let mut line_no = 1u64;
        let mut first_host = None;
        for _ in 0..64 {
            if pos >= end {
                break;
            }
            let (line, next) = lines::line_at(data, pos, term);
            let env = envelope::parse_line(line.get(..MAX_PARSED_LINE).unwrap_or(line), Some(hint));
            h.note_edge(line_no, &env);
            first_host = env.host.map(str::to_string);
            pos = next;
            line_no += 1;
            if !matches!(env.time, RawTime::None) {
                break;
            }
        }
        // Last line of the chunk.
        let last_start = lines::line_start(data, end.saturating_sub(1).max(start), term).max(start);
        if last_start >= pos {
            let (line, _) = lines::line_at(data, last_start, term);
            let env = envelope::parse_line(line.get(..MAX_PARSED_LINE).unwrap_or(line), Some(hint));
            let last_no = h.lines.max(1);
            let last_host = env.host.map(str::to_string);
            if first_host.is_some() && last_host.is_some() && first_host != last_host {
                self.walk_hosts(data, range, term, hint, h);
            }
            h.note_edge(last_no, &env);
        }
    }

    fn walk_hosts(
        &self,
        data: &[u8],
        range: (usize, usize),
        term: u8,
        hint: LineFormat,
        h: &mut Harvest,
    ) {
        let (mut pos, end) = range;
        let mut line_no = 1u64;
        while pos < end {
            let (line, next) = lines::line_at(data, pos, term);
            let env = envelope::parse_line(line.get(..MAX_PARSED_LINE).unwrap_or(line), Some(hint));
            if let Some(host) = env.host {
                h.note_host(line_no, host, env.time);
            }
            pos = next;
            line_no += 1;
        }
    }

    fn scan_export(&self, id: SourceId, data: &[u8]) -> Harvest {
        let mut h = Harvest {
            lines: lines::count(data, b'\n')
                + u64::from(!data.is_empty() && !data.ends_with(b"\n")),
            ..Harvest::default()
        };
        let mut ex = Extractor::new();
        let mut want_more = false;
        for entry in envelope::journald::export_entries(data) {
            let env = &entry.envelope;
            h.note(entry.line, env);
            let at = Location {
                source: id,
                line: entry.line,
                byte: entry.byte,
            };
            if want_more || self.prefilter.matches(&env.message) {
                want_more = self.feed(&mut ex, at, env, &mut h);
            }
        }
        ex.finish(&mut h.found);
        h
    }
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Mode {
    Full,
    Prefiltered,
}

/// The time of the last line before a boot banner at `pos` that is not part of the
/// boot itself (boot output shares the banner's timestamp), looking back at most
/// 2,000 lines.
fn time_before(
    data: &[u8],
    pos: usize,
    term: u8,
    hint: LineFormat,
    banner: RawTime,
) -> Option<RawTime> {
    let mut end = pos;
    for _ in 0..2000 {
        if end == 0 {
            return None;
        }
        let start = lines::line_start(data, end - 1, term);
        let (line, _) = lines::line_at(data, start, term);
        let env = envelope::parse_line(line.get(..4096).unwrap_or(line), Some(hint));
        // Lines within a minute of the banner are the boot itself (the syslog daemon
        // starting, early kernel output stamped with its start time).
        let boot_output = match (seconds_of(env.time), seconds_of(banner)) {
            (Some(a), Some(b)) => (b - a).abs() <= 60,
            _ => true,
        };
        if !boot_output {
            return Some(env.time);
        }
        end = start;
    }
    None
}

/// Seconds on a scale where two times of one stream can be compared (a year-less
/// time ignores the year; good enough for gaps of minutes).
fn seconds_of(t: RawTime) -> Option<i64> {
    match t {
        RawTime::Utc(t) => Some(t.timestamp()),
        RawTime::Local(t) => Some(t.and_utc().timestamp()),
        RawTime::YearLess { month, day, time } => {
            use chrono::Timelike;
            Some(
                (i64::from(month) * 31 + i64::from(day)) * 86_400
                    + i64::from(time.num_seconds_from_midnight()),
            )
        }
        RawTime::None | RawTime::Uptime(_) => None,
    }
}

/// Detect a source's format from up to 64 non-empty lines at its start.
fn detect(data: &[u8], term: u8) -> LineFormat {
    let mut sample: Vec<&[u8]> = Vec::with_capacity(64);
    let mut pos = 0;
    while sample.len() < 64 && pos < data.len() {
        let (line, next) = lines::line_at(data, pos, term);
        if !line.is_empty() {
            sample.push(line.get(..4096).unwrap_or(line));
        }
        pos = next;
    }
    envelope::detect(&sample)
}

/// Partial (CRI `P`, docker json without `\n`) lines being joined.
struct Joined {
    at: Location,
    message: Vec<u8>,
    raw: Vec<u8>,
}

impl Joined {
    fn start(at: Location, env: &Envelope<'_>) -> Joined {
        Joined {
            at,
            message: env.message.to_vec(),
            raw: env.raw.to_vec(),
        }
    }

    fn push(&mut self, env: &Envelope<'_>) {
        self.message.extend_from_slice(&env.message);
        self.raw.push(b'\n');
        self.raw.extend_from_slice(env.raw);
    }

    /// The joined envelope, with the last part's metadata.
    fn envelope<'a>(&'a self, last: &Envelope<'a>) -> Envelope<'a> {
        Envelope {
            message: Cow::Borrowed(&self.message),
            raw: &self.raw,
            partial: false,
            ..last.clone()
        }
    }
}
