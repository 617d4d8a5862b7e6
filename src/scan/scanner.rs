//! Scanning one source: format detection, then either a full pass (small sources,
//! JSON/CRI formats, journal exports) or newline-aligned chunks scanned in parallel
//! with the prefilter. Both paths feed the same lines to the grammars (needle lines
//! and whatever an assembler asks for), so they find the same events.

use rayon::prelude::*;
use std::borrow::Cow;

use super::custom::CustomRules;
use super::errors;
use super::harvest::Harvest;
use super::lines;
use super::prefilter::Prefilter;
use super::template;
use crate::envelope::{self, Envelope, LineFormat, RawTime};
use crate::events::{self, Extractor, Found, Kind, MapId, Payload};
use crate::input::{Location, SourceId};

/// Bytes before a chunk that are fed to the grammars first (their events are left to
/// the previous chunk), so that multi-line events cut by a chunk boundary are seen
/// whole, exactly as in a whole-file parse. Multi-line events (SLUB and OOM blocks,
/// calicoctl and `df` tables) are far shorter.
pub(super) const WARM_UP: usize = 64 << 10;

/// Lines a chunk follows past its end while an event goes on.
const MAX_PAST_END: usize = 4096;

/// Longest line prefix handed to the parsers; the rest of a giant line is not
/// searched (it is still counted and cited).
pub const MAX_PARSED_LINE: usize = 256 * 1024;

/// Everything the per-source scanner needs, shared by all threads.
#[derive(Clone, Copy)]
pub struct Scanner<'a> {
    /// Picks the lines worth parsing in large sources (every grammar's needles and
    /// every raw-line rule's literals).
    pub prefilter: &'a Prefilter,
    /// User raw-line rules.
    pub custom: &'a CustomRules,
    /// Sources at or below this size are fully parsed.
    pub full_pass_below: usize,
    /// Bytes per chunk of a large source: chunks are scanned in parallel.
    pub chunk_size: usize,
    /// Parse every line of every source (a custom rule had no literal).
    pub force_full: bool,
    /// Called with the number of bytes just scanned (not a running total).
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// The mapping the scanned bytes lie in (and their offset in it), if they are a
    /// mapped file: events then cite their lines there instead of copying them.
    pub mapped: Option<(MapId, u64)>,
}

impl Scanner<'_> {
    /// Scan one source held in memory: in full when small, forced or of a format read
    /// whole, else by prefiltered chunks in parallel.
    pub fn scan(&self, id: SourceId, data: &[u8]) -> Harvest {
        let term = lines::terminator(data);
        let format = detect(data, term);
        let mut h = self.scan_detected(id, data, term, format);
        h.detected = format;
        h
    }

    fn scan_detected(&self, id: SourceId, data: &[u8], term: u8, format: LineFormat) -> Harvest {
        let hosts = host_mode(data, term, format);
        if format == LineFormat::JournalExport {
            let h = self.scan_export(id, data);
            (self.progress)(data.len() as u64);
            return h;
        }
        let full = self.force_full || data.len() <= self.full_pass_below || whole_only(format);
        if full {
            let mut h = self.scan_range(id, data, (0, data.len()), term, format, Mode::Full, hosts);
            settle_interleaved(&mut h);
            (self.progress)(data.len() as u64);
            return h;
        }
        // Anchors chosen for this source's own bytes: the prefilter's first level
        // then hits a few times per megabyte instead of on every other line.
        let tuned = self.source_prefilter(format, &sample(data));
        let this = Scanner {
            prefilter: &tuned,
            ..*self
        };
        let chunks = lines::chunks(data, self.chunk_size, term);
        let parts: Vec<Harvest> = chunks
            .par_iter()
            .map(|&range| {
                if let Some((map, base)) = this.mapped {
                    map.populate(base as usize + range.0, range.1 - range.0);
                }
                let h = this.scan_range(id, data, range, term, format, Mode::Prefiltered, hosts);
                (this.progress)((range.1 - range.0) as u64);
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
        settle_interleaved(&mut total);
        total
    }

    /// The prefilter for one source of `format`, tuned on `sample`: raw klog, whose
    /// level letter starts the line, also looks for error lines by their line start,
    /// and a source whose sample shows klog errors under a syslog prefix for those.
    pub(super) fn source_prefilter(&self, format: LineFormat, sample: &[u8]) -> Prefilter {
        if format == LineFormat::Klog {
            return self.prefilter.extended(errors::KLOG_LINE_START, sample);
        }
        let shows = |n: &&str| memchr::memmem::find(sample, n.as_bytes()).is_some();
        if errors::KLOG_IN_SYSLOG.iter().any(shows) {
            self.prefilter.extended(errors::KLOG_IN_SYSLOG, sample)
        } else {
            self.prefilter.tuned(sample)
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn scan_range(
        &self,
        id: SourceId,
        data: &[u8],
        range: (usize, usize),
        term: u8,
        hint: LineFormat,
        mode: Mode,
        hosts: HostMode,
    ) -> Harvest {
        let (start, end) = range;
        let slice = data.get(start..end).unwrap_or(&[]);
        // A chunk starts feeding the grammars a little before its range, so that an
        // event begun in the previous chunk leaves the extractor in the same state as a
        // whole-file parse would; events are kept by the chunk holding their first line.
        let warm = if mode == Mode::Prefiltered && start > 0 {
            lines::line_start(data, start.saturating_sub(WARM_UP), term)
        } else {
            start
        };
        let warm_lines = lines::count(data.get(warm..start).unwrap_or(&[]), term);
        let mut h = Harvest::default();
        let mut ex = Extractor::new();
        let mut partial: Option<Joined> = None;
        let mut pos = warm;
        // 1-based, counted from `warm`; `line_no - warm_lines` is the chunk's numbering.
        let mut line_no = 1u64;
        let mut want_more = false;
        let mut past_end = 0usize;
        if mode == Mode::Prefiltered && start == 0 {
            self.first_line_error(id, data, term, hint, &mut h);
        }
        while pos < end || (want_more && pos < data.len() && past_end < MAX_PAST_END) {
            // The prefilter found a needle in this very line: no need to search again.
            let mut holds_needle = false;
            if mode == Mode::Prefiltered && !want_more {
                let Some(ls) = self.next_needle_line(data, end, pos, term) else {
                    break;
                };
                line_no += lines::count(data.get(pos..ls).unwrap_or(&[]), term);
                pos = ls;
                holds_needle = true;
            }
            let ours = pos >= start && pos < end;
            past_end += usize::from(pos >= end);
            let rel = line_no.saturating_sub(warm_lines);
            let (line, next) = lines::line_at(data, pos, term);
            let parsed = line.get(..MAX_PARSED_LINE).unwrap_or(line);
            let env = envelope::parse_line(parsed, Some(hint));
            if ours {
                h.note(rel, &env);
            }
            let at = Location {
                source: id,
                line: rel,
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
                    let before = h.found.len();
                    let in_block = want_more;
                    want_more = self.feed(&mut ex, j.at, &whole, &mut h, ours);
                    if ours && !in_block && !want_more && !ex.took_last_line() {
                        note_error_line(j.at, &whole, before, &mut h);
                    }
                }
            } else if want_more || holds_needle || self.is_candidate(line, &env) {
                let before = h.found.len();
                let in_block = want_more;
                want_more = self.feed(&mut ex, at, &env, &mut h, ours);
                if ours && !in_block && !want_more && !ex.took_last_line() {
                    note_error_line(at, &env, before, &mut h);
                }
                if ours
                    && h.found
                        .get(before..)
                        .is_some_and(|f| f.iter().any(|f| f.kind == Kind::KernelVersion))
                {
                    note_boot_gap(data, pos, term, hint, &env, rel, &mut h);
                }
            } else {
                want_more = false;
                // A full pass judges every line; a prefiltered one only needle lines
                // (the error markers are needles).
                if ours && mode == Mode::Full {
                    note_error_line(at, &env, h.found.len(), &mut h);
                }
            }
            pos = next;
            line_no += 1;
            if pos >= end && !want_more {
                break;
            }
        }
        ex.finish(&mut h.found);
        // Events belong to the chunk holding their first line.
        h.found
            .retain(|f| f.first.byte >= start as u64 && f.first.byte < end as u64);
        self.keep_finds(data, &mut h);
        h.lines = if pos <= end {
            // Lines are counted once: between needle lines while jumping, the rest here.
            let rest = data.get(pos..end).unwrap_or(&[]);
            (line_no - 1 + lines::count_all(rest, term)).saturating_sub(warm_lines)
        } else {
            // An event continued into the next chunk: count the range itself.
            lines::count_all(slice, term)
        };
        if mode == Mode::Prefiltered {
            self.sample_edges(data, range, term, hint, hosts, &mut h);
        }
        if hosts == HostMode::Interleaved {
            h.hosts.clear();
        }
        h.settle_hosts();
        h
    }

    /// A chunk's finds as they are held until the source is resolved: lines of a
    /// mapped source cited in place (their copies dropped), no spare capacity.
    fn keep_finds(&self, data: &[u8], h: &mut Harvest) {
        if let Some((map, base)) = self.mapped {
            for f in &mut h.found {
                f.text.pin(data, f.first.byte, map, base);
                f.fields.anchor_to_text(&f.text, map, data, base);
            }
        }
        h.keep_found();
    }

    /// Start of the next line at or after `pos` (before `end`) that holds a needle.
    /// The search starts on the previous line's end, where a needle for a line-start
    /// marker (raw klog's level letter after `\n`) begins; such a hit is a hit on the
    /// line after it.
    fn next_needle_line(&self, data: &[u8], end: usize, pos: usize, term: u8) -> Option<usize> {
        let from = if pos > 0 && data.get(pos - 1) == Some(&term) {
            pos - 1
        } else {
            pos
        };
        let hit = self
            .prefilter
            .find_from(data.get(..end).unwrap_or(data), from)?;
        Some(if data.get(hit) == Some(&term) {
            hit + 1
        } else {
            lines::line_start(data, hit, term).max(pos)
        })
    }

    /// The first line of a prefiltered source has no line end before it, so a needle
    /// that begins with one ([`errors::KLOG_LINE_START`]) cannot find it: it is judged
    /// here unless it holds a needle of its own (then the jump finds it).
    fn first_line_error(
        &self,
        id: SourceId,
        data: &[u8],
        term: u8,
        hint: LineFormat,
        h: &mut Harvest,
    ) {
        let (line, _) = lines::line_at(data, 0, term);
        let line = line.get(..MAX_PARSED_LINE).unwrap_or(line);
        if self.prefilter.matches(line) {
            return;
        }
        let env = envelope::parse_line(line, Some(hint));
        let at = Location {
            source: id,
            line: 1,
            byte: 0,
        };
        note_error_line(at, &env, h.found.len(), h);
    }

    /// A line goes to the grammars when it (or its decoded message) holds a needle,
    /// or always when a raw rule has no needle to be found by.
    fn is_candidate(&self, line: &[u8], env: &Envelope<'_>) -> bool {
        self.force_full
            || self.prefilter.matches(line)
            || (matches!(env.message, Cow::Owned(_)) && self.prefilter.matches(&env.message))
    }

    /// Feed one line to the grammars and the custom rules; `ours` is false for lines
    /// outside the chunk (warm-up before it, continuation after it), whose drift the
    /// neighbouring chunk counts.
    fn feed(
        &self,
        ex: &mut Extractor,
        at: Location,
        env: &Envelope<'_>,
        h: &mut Harvest,
        ours: bool,
    ) -> bool {
        let before = h.found.len();
        let want = ex.feed(at, env, &mut h.found);
        self.custom.apply(at, env, &mut h.found);
        if ours
            && h.found.len() == before
            && !want
            && let Some(kind) = events::drift_kind(&env.message)
        {
            *h.drift.entry(kind).or_insert(0) += 1;
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
        hosts: HostMode,
        h: &mut Harvest,
    ) {
        let (start, end) = range;
        let mut pos = start;
        let mut first_host = None;
        for line_no in 1..=64u64 {
            if pos >= end {
                break;
            }
            let (line, next) = lines::line_at(data, pos, term);
            let env = envelope::parse_line(line.get(..MAX_PARSED_LINE).unwrap_or(line), Some(hint));
            h.note_edge(line_no, &env);
            first_host = env.host.map(str::to_string);
            pos = next;
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
            if hosts == HostMode::Single
                && first_host.is_some()
                && last_host.is_some()
                && first_host != last_host
            {
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
        let mut returns = Returns::default();
        while pos < end {
            let (line, next) = lines::line_at(data, pos, term);
            let env = envelope::parse_line(line.get(..MAX_PARSED_LINE).unwrap_or(line), Some(hint));
            if let Some(host) = env.host {
                h.note_host(line_no, host, env.time);
                // Hosts taking turns (a stream that became multi-host after its first
                // lines): the walk would parse every line for nothing, and the source
                // is settled as interleaved afterwards anyway.
                if returns.see(host) {
                    return;
                }
            }
            pos = next;
            line_no += 1;
        }
    }

    fn scan_export(&self, id: SourceId, data: &[u8]) -> Harvest {
        let mut h = Harvest::default();
        h.lines = lines::count(data, b'\n') + u64::from(!data.is_empty() && !data.ends_with(b"\n"));
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
            let in_block = want_more;
            let before = h.found.len();
            if want_more || self.prefilter.matches(&env.message) {
                want_more = self.feed(&mut ex, at, env, &mut h, true);
            } else {
                ex.forget_last_line();
            }
            if !in_block && !want_more && !ex.took_last_line() {
                note_error_line(at, env, before, &mut h);
            }
        }
        ex.finish(&mut h.found);
        h.keep_found();
        h
    }
}

/// A boot banner at `pos`: how long before it the source's previous line was, for the
/// reboot's silence (or, past the data held, the look-back left for later).
fn note_boot_gap(
    data: &[u8],
    pos: usize,
    term: u8,
    hint: LineFormat,
    env: &Envelope<'_>,
    rel: u64,
    h: &mut Harvest,
) {
    match time_before(data, pos, term, hint, env) {
        LookBack::Found(prev) => h.boot_gaps.push((rel, prev)),
        LookBack::NotFound => {}
        LookBack::OutOfData => h.look_back_short.push((rel, pos as u64)),
    }
}

/// An error-level line that gave no event of its own (events found since `before`
/// do not cover it) becomes a `log.error` event, so that it is never dropped
/// (issue #11). Lines fed while a multi-line event was open belong to that event.
fn note_error_line(at: Location, env: &Envelope<'_>, before: usize, h: &mut Harvest) {
    let covered = h.found.get(before..).is_some_and(|new| {
        new.iter()
            .any(|f| f.first.line <= at.line && at.line <= f.end_line.max(f.first.line))
    });
    if covered {
        return;
    }
    let Some(level) = errors::level(env) else {
        return;
    };
    let payload = Payload::new(Kind::LogError)
        .with("template", template::of(&env.message))
        .with_opt("component", env.app);
    h.found.push(Found {
        kind: payload.kind,
        fields: payload.fields.into(),
        first: at,
        end_line: at.line,
        time: env.time,
        uptime_us: env.uptime_us,
        host: env.host.map(crate::events::Sym::new),
        level: Some(level),
        text: String::from_utf8_lossy(env.raw).into_owned().into(),
    });
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(super) enum Mode {
    Full,
    Prefiltered,
}

/// The time of the last line before a boot banner at `pos` that is not part of the
/// boot itself (boot output shares the banner's timestamp). When the banner names its
/// host, only lines of that host count: in a syslog aggregated from many nodes the
/// line just before the banner belongs to another node, and the rebooting node's
/// silence is what matters. Looks back at most 2,000 lines of the host, and at most
/// [`LOOK_BACK_LINES`] lines in all.
fn time_before(
    data: &[u8],
    pos: usize,
    term: u8,
    hint: LineFormat,
    banner: &Envelope<'_>,
) -> LookBack {
    let host = banner.host.filter(|h| !h.is_empty());
    let finder = host.map(|h| memchr::memmem::Finder::new(h.as_bytes()));
    let mut end = pos;
    let mut examined = 0;
    for _ in 0..LOOK_BACK_LINES {
        if end == 0 {
            return LookBack::OutOfData;
        }
        if examined >= 2000 {
            return LookBack::NotFound;
        }
        let start = lines::line_start(data, end - 1, term);
        end = start;
        let (line, _) = lines::line_at(data, start, term);
        let line = line.get(..4096).unwrap_or(line);
        if finder.as_ref().is_some_and(|f| f.find(line).is_none()) {
            continue;
        }
        let env = envelope::parse_line(line, Some(hint));
        if host.is_some() && env.host != host {
            continue;
        }
        examined += 1;
        // Lines within a minute of the banner are the boot itself (the syslog daemon
        // starting, early kernel output stamped with its start time).
        let boot_output = match (seconds_of(env.time), seconds_of(banner.time)) {
            (Some(a), Some(b)) => (b - a).abs() <= 60,
            _ => true,
        };
        if !boot_output {
            return LookBack::Found(env.time);
        }
    }
    LookBack::NotFound
}

/// What [`time_before`] found.
enum LookBack {
    /// The time of the node's last line before the boot.
    Found(RawTime),
    /// Nothing within the limits.
    NotFound,
    /// The buffer began before anything was found (for a whole source: nothing).
    OutOfData,
}

/// Lines [`time_before`] walks back over at most, whatever their host (about 150 MB of
/// typical syslog; a cheap substring test skips other hosts' lines).
const LOOK_BACK_LINES: usize = 1_000_000;

/// Whether a source's host field names one node (possibly renamed once in a while)
/// or several nodes taking turns, as in a syslog aggregated from a fleet.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(super) enum HostMode {
    /// One node: a change of the host field is a rename.
    Single,
    /// Several nodes interleaved: each line's host names its node, and host changes
    /// are not renames (they are neither recorded nor walked for).
    Interleaved,
}

/// Decide the [`HostMode`] from the host fields of up to 1,024 lines at the start.
pub(super) fn host_mode(data: &[u8], term: u8, hint: LineFormat) -> HostMode {
    let mut returns = Returns::default();
    let mut pos = 0;
    for _ in 0..1024 {
        if pos >= data.len() {
            break;
        }
        let (line, next) = lines::line_at(data, pos, term);
        let env = envelope::parse_line(line.get(..4096).unwrap_or(line), Some(hint));
        if let Some(host) = env.host
            && returns.see(host)
        {
            return HostMode::Interleaved;
        }
        pos = next;
    }
    HostMode::Single
}

/// A harvest whose host samples show hosts taking turns (found past the first lines,
/// or across chunks) loses them: they are not renames of one node.
pub(super) fn settle_interleaved(h: &mut Harvest) {
    let mut returns = Returns::default();
    if h.hosts.iter().any(|(_, host, _)| returns.see(host)) {
        h.hosts.clear();
    }
}

/// Counts host names that come back after another host was seen. A rename gives
/// none (`a a b b`), a node renamed back gives one (`a b a`); three or more mean the
/// hosts take turns.
#[derive(Default)]
struct Returns {
    seen: Vec<String>,
    last: Option<usize>,
    count: u32,
}

impl Returns {
    /// Note the next host; `true` once hosts are known to take turns.
    fn see(&mut self, host: &str) -> bool {
        match self.seen.iter().position(|s| s == host) {
            Some(i) if self.last == Some(i) => {}
            Some(i) => {
                self.count += 1;
                self.last = Some(i);
            }
            None => {
                // Bounded: a stream with this many names is interleaved anyway.
                if self.seen.len() >= 64 {
                    self.count = self.count.max(3);
                }
                self.seen.push(host.to_string());
                self.last = Some(self.seen.len() - 1);
            }
        }
        self.count >= 3
    }
}

/// Formats scanned only as a whole source: line-oriented JSON and CRI (partial lines
/// are joined), tables, and raw kernel rings (uptime segments).
pub(super) fn whole_only(format: LineFormat) -> bool {
    matches!(
        format,
        LineFormat::JournalExport
            | LineFormat::Cri
            | LineFormat::DockerJson
            | LineFormat::JournalJson
            | LineFormat::KlogJson
            | LineFormat::CalicoctlStatus
            | LineFormat::BirdProtocols
            | LineFormat::Dmesg
            | LineFormat::Kmsg
    )
}

/// Up to 256 KiB of a source, taken from four places, to tune the prefilter on.
pub(super) fn sample(data: &[u8]) -> Vec<u8> {
    const PIECE: usize = 64 << 10;
    if data.len() <= 4 * PIECE {
        return data.to_vec();
    }
    let step = data.len() / 4;
    (0..4)
        .flat_map(|i| data.get(i * step..i * step + PIECE).unwrap_or(&[]))
        .copied()
        .collect()
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
pub(super) fn detect(data: &[u8], term: u8) -> LineFormat {
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
    /// The parts' whole lines as written, `\n`-joined (the joined envelope's `raw`).
    lines: Vec<u8>,
}

impl Joined {
    fn start(at: Location, env: &Envelope<'_>) -> Joined {
        Joined {
            at,
            message: env.message.to_vec(),
            lines: env.raw.to_vec(),
        }
    }

    fn push(&mut self, env: &Envelope<'_>) {
        self.message.extend_from_slice(&env.message);
        self.lines.push(b'\n');
        self.lines.extend_from_slice(env.raw);
    }

    /// The joined envelope, with the last part's metadata.
    fn envelope<'a>(&'a self, last: &Envelope<'a>) -> Envelope<'a> {
        Envelope {
            message: Cow::Borrowed(&self.message),
            raw: &self.lines,
            partial: false,
            ..last.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::prefilter;

    /// Sample syslog from two nodes, interleaved line by line (an aggregated dump), and
    /// repeated so that chunks cut through it in many places.
    fn fleet() -> Vec<u8> {
        let a = include_str!("../../samples/k8s-incidents/bundle/node-1/var/log/kern.log");
        let b = include_str!("../../samples/k8s-incidents/bundle/node-2/var/log/syslog.1");
        let mut out = String::new();
        for _ in 0..3 {
            let mut la = a.lines();
            let mut lb = b.lines();
            loop {
                match (la.next(), lb.next()) {
                    (None, None) => break,
                    (x, y) => {
                        for l in [x, y].into_iter().flatten() {
                            out.push_str(l);
                            out.push('\n');
                        }
                    }
                }
            }
        }
        out.into_bytes()
    }

    fn scan_with(data: &[u8], full_pass_below: usize, chunk_size: usize) -> Harvest {
        let p = prefilter(&crate::scan::ScanConfig::default());
        let custom = CustomRules::default();
        let progress = |_: u64| {};
        let scanner = Scanner {
            prefilter: &p,
            custom: &custom,
            full_pass_below,
            chunk_size,
            force_full: false,
            progress: &progress,
            mapped: None,
        };
        scanner.scan(SourceId(0), data)
    }

    /// The prefiltered, chunked scan finds exactly what parsing every line finds,
    /// whatever the chunk size (issue #7: results must not depend on how input is cut).
    #[test]
    fn chunked_prefiltered_scan_equals_full_parse() {
        let data = fleet();
        let full = scan_with(&data, usize::MAX, 1 << 30);
        assert!(full.finds().count() > 50, "{} events", full.finds().count());
        let key = |h: &Harvest| -> Vec<(u64, u64, String, String)> {
            h.finds()
                .map(|f| {
                    (
                        f.first.line,
                        f.end_line,
                        f.kind.name().to_string(),
                        format!("{:?}", f.fields),
                    )
                })
                .collect()
        };
        for chunk in [4 << 10, 64 << 10, 1 << 20] {
            let part = scan_with(&data, 0, chunk);
            assert_eq!(part.lines, full.lines, "chunk {chunk}: line count");
            let (got, want) = (key(&part), key(&full));
            let missing: Vec<_> = want.iter().filter(|k| !got.contains(k)).take(3).collect();
            let extra: Vec<_> = got.iter().filter(|k| !want.contains(k)).take(3).collect();
            assert!(
                missing.is_empty() && extra.is_empty() && got.len() == want.len(),
                "chunk {chunk}: {} events, {} expected; missing {missing:?}; extra {extra:?}",
                got.len(),
                want.len()
            );
            assert!(part.examined < full.examined, "prefilter skipped lines");
        }
        // Two nodes taking turns are not a rename.
        assert!(full.hosts.is_empty());
    }

    /// Raw klog (a kubelet.log) scanned in prefiltered chunks finds the same error
    /// lines as a full parse: the level letter starts the line, so the prefilter looks
    /// for it after the line end (issue #11), and the very first line is judged too.
    #[test]
    fn klog_error_lines_are_found_by_the_prefilter() {
        let log = include_str!("../../samples/k8s-incidents/bundle/node-2/var/log/kubelet.log");
        // An untyped kubelet error (pod_workers' CrashLoopBackOff report) first and every
        // 40 lines.
        let deadline = "E0614 10:00:05.123456    1123 pod_workers.go:190] Error syncing pod 9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d (\"web-7d9f8b6c5d-2xk4p_default(9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d)\"), skipping: failed to \"StartContainer\" for \"web\" with CrashLoopBackOff: \"back-off 5m0s restarting failed container=web pod=web-7d9f8b6c5d-2xk4p_default(9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d)\"";
        let mut text = format!("{deadline}\n");
        for _ in 0..3 {
            for (i, line) in log.lines().enumerate() {
                text.push_str(line);
                text.push('\n');
                if i % 40 == 39 {
                    text.push_str(deadline);
                    text.push('\n');
                }
            }
        }
        let data = text.into_bytes();
        let errors = |h: &Harvest| -> Vec<(u64, String)> {
            h.finds()
                .filter(|f| f.kind == Kind::LogError)
                .map(|f| (f.first.line, format!("{:?}", f.fields)))
                .collect()
        };
        let full = scan_with(&data, usize::MAX, 1 << 30);
        assert!(errors(&full).len() > 3, "{:?}", errors(&full));
        assert_eq!(errors(&full).first().map(|e| e.0), Some(1));
        for chunk in [4 << 10, 64 << 10] {
            let part = scan_with(&data, 0, chunk);
            assert_eq!(part.detected, LineFormat::Klog);
            assert_eq!(errors(&part), errors(&full), "chunk {chunk}");
        }
    }

    /// klog errors under a syslog prefix that name no error word (kubelet's
    /// `node "X" not found`, kubernetes/minikube's shape) are found in prefiltered
    /// chunks when the source's sample shows them (issue #11).
    #[test]
    fn klog_errors_in_syslog_are_found_by_the_prefilter() {
        let log = include_str!("../../samples/k8s-incidents/bundle/node-2/var/log/syslog.1");
        let missing = "Jun 14 10:00:05 node-2 kubelet[1123]: E0614 10:00:05.123456    1123 reflector.go:134] k8s.io/kubernetes/pkg/kubelet/kubelet.go:453: Failed to list *v1.Node: Get https://10.0.1.5:6443/api/v1/nodes?fieldSelector=metadata.name%3Dnode-2&limit=500&resourceVersion=0: dial tcp 10.0.1.5:6443: connect: connection refused";
        let mut text = String::new();
        for _ in 0..3 {
            for (i, line) in log.lines().enumerate() {
                text.push_str(line);
                text.push('\n');
                if i % 25 == 24 {
                    text.push_str(missing);
                    text.push('\n');
                }
            }
        }
        let data = text.into_bytes();
        let errors = |h: &Harvest| -> Vec<u64> {
            h.finds()
                .filter(|f| {
                    f.kind == Kind::LogError
                        && f.fields
                            .get_str("template")
                            .is_some_and(|t| t.contains("Failed to list *v1.Node"))
                })
                .map(|f| f.first.line)
                .collect()
        };
        let full = scan_with(&data, usize::MAX, 1 << 30);
        assert!(errors(&full).len() > 10, "{:?}", errors(&full));
        let part = scan_with(&data, 0, 16 << 10);
        assert_eq!(errors(&part), errors(&full));
    }

    #[test]
    fn host_turns_and_renames_are_told_apart() {
        let mut r = Returns::default();
        assert!(!["a", "a", "b", "b"].iter().any(|h| r.see(h)), "a rename");
        let mut r = Returns::default();
        assert!(["a", "b", "a", "b", "a"].iter().any(|h| r.see(h)), "turns");
    }
}
