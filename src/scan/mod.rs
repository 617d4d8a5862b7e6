//! Scan: the parallel extraction engine. Maps sources, splits large ones into
//! newline-aligned chunks, prefilters lines with one multi-literal automaton built
//! from every grammar's needles, parses envelopes and grammars only on candidate
//! lines, resolves time, and merges results in a thread-count-independent order.

use chrono::{DateTime, NaiveDateTime, Utc};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::envelope::RawTime;
use crate::envelope::time::{self, Resolved};
use crate::error::{Error, Problem};
use crate::events::{self, Event, Found, Kind, LineText, PackedFields, Sym};
use crate::input::{
    Bundle, InputConfig, NodeFrom, Pull, ScanTicket, Source, SourceData, SourceId, SourceMeta,
    StreamSink,
};

pub mod custom;
pub mod errors;
mod harvest;
mod inventory;
pub mod jsonl;
pub mod lines;
pub mod prefilter;
pub mod resolve;
mod scanner;
mod stream;
pub mod template;

pub use custom::{CustomRule, CustomRules};
pub use inventory::{NodeSummary, SourceReport, natural_order};
pub use prefilter::Prefilter;
pub use resolve::TimeConfig;

use harvest::Harvest;

/// Scan options the library understands (the CLI builds them from flags).
#[derive(Clone, Debug)]
pub struct ScanConfig {
    /// Year, zone and boot-time options.
    pub time: TimeConfig,
    /// Raw-line rules from the signature set.
    pub custom: CustomRules,
    /// Sources at or below this many bytes are parsed line by line in full.
    pub full_pass_below: usize,
    /// Chunk size for splitting large sources across threads.
    pub chunk_size: usize,
    /// Bytes scanned so far and the file being read, for a progress display.
    pub progress: Option<Arc<Progress>>,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            time: TimeConfig::default(),
            custom: CustomRules::default(),
            full_pass_below: 1 << 20,
            chunk_size: 8 << 20,
            progress: None,
        }
    }
}

/// What a scan gives: events in time order, the inventory, nodes and problems.
#[derive(Debug, Default)]
pub struct ScanOutput {
    /// Events sorted by (time, source, line); events without a time come last.
    pub events: Vec<Event>,
    /// One row per source.
    pub sources: Vec<SourceReport>,
    /// Nodes with their names and covered spans.
    pub nodes: Vec<NodeSummary>,
    /// Soft problems from input and scanning.
    pub problems: Vec<Problem>,
    /// Events dropped as duplicates of the same line seen in another source.
    pub duplicates: u64,
}

/// What one unit's scan gives (see [`crate::input::Shard`] for units): the part of a
/// [`ScanOutput`] that `events --format jsonl` writes and [`merge`] joins. A unit
/// resolves its nodes, clocks and duplicates alone, so scanning units apart and
/// merging gives what one scan of all of them gives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnitOutput {
    /// Display path of the unit (empty for in-memory bundles).
    pub unit: String,
    /// Its events, in time order.
    pub events: Vec<Event>,
    /// Its sources, in scan order.
    pub sources: Vec<SourceReport>,
    /// Its nodes: names, aliases and how they were decided.
    pub nodes: Vec<NodeRecord>,
    /// Its problems.
    pub problems: Vec<Problem>,
    /// Events dropped as copies of a line of another source.
    pub duplicates: u64,
}

/// A node as one unit knows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NodeRecord {
    /// Canonical name.
    pub name: String,
    /// Other names seen for it in this unit (hostnames, renames).
    pub aliases: Vec<String>,
    /// How the name was decided (that of its first source).
    pub node_from: NodeFrom,
}

/// The needles the prefilter is built from for this configuration.
pub fn prefilter(config: &ScanConfig) -> Prefilter {
    let mut needles: Vec<String> = events::needles().into_iter().map(str::to_string).collect();
    needles.extend(config.custom.literals().map(str::to_string));
    needles.extend(errors::NEEDLES.iter().map(|n| n.to_string()));
    Prefilter::new(needles)
}

/// What a progress display polls while a scan runs, in the units users think in:
/// uncompressed bytes scanned, the file being read, and the total when it is known
/// before the end (only plain files; a compressed or streamed input's decoded size
/// is known when it has been read).
#[derive(Debug, Default)]
pub struct Progress {
    /// Uncompressed bytes scanned so far.
    pub bytes: AtomicU64,
    /// Uncompressed bytes in all, 0 while unknown.
    pub total: AtomicU64,
    current: Mutex<String>,
}

impl Progress {
    /// Note the file being read now.
    pub fn file(&self, name: &str) {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        current.clear();
        current.push_str(name);
    }

    /// The file being read now (empty before the first).
    pub fn current(&self) -> String {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Source id of a harvest taken before the sources were numbered; set afterwards.
const UNNUMBERED: SourceId = SourceId(u32::MAX);

/// The scanner run on sources met inside streams, while they are decoded: their
/// harvests wait here, under the ticket their source carries, until every source
/// is known and numbered.
struct Sink<'a> {
    scanner: Scanner<'a>,
    progress: Option<&'a Progress>,
    harvests: Mutex<Vec<Option<Harvest>>>,
}

impl Sink<'_> {
    fn keep(&self, h: Harvest) -> SourceData {
        let mut all = self.harvests.lock().unwrap_or_else(|p| p.into_inner());
        all.push(Some(h));
        SourceData::Scanned(ScanTicket(all.len() - 1))
    }

    fn note(&self, display: &str) {
        if let Some(p) = self.progress {
            p.file(display);
        }
    }
}

impl StreamSink for Sink<'_> {
    fn whole(&self, display: &str, data: SourceData) -> SourceData {
        self.note(display);
        let h = match &data {
            SourceData::Compressed(stream) => self.scanner.scan_stream(UNNUMBERED, stream),
            bytes => self.scanner.scan(UNNUMBERED, bytes),
        };
        self.keep(h)
    }

    fn pull(&self, display: &str, head: Vec<u8>, rest: &mut dyn Pull) -> SourceData {
        self.note(display);
        let h = self.scanner.scan_pull(UNNUMBERED, head, rest);
        self.keep(h)
    }
}

type Scanner<'a> = scanner::Scanner<'a>;

/// Build the scanner for `config` and run `work` with it.
fn with_scanner<R>(config: &ScanConfig, work: impl FnOnce(Scanner<'_>) -> R) -> R {
    let prefilter = prefilter(config);
    let progress = |n: u64| {
        if let Some(p) = &config.progress {
            p.bytes.fetch_add(n, Ordering::Relaxed);
        }
    };
    work(scanner::Scanner {
        prefilter: &prefilter,
        custom: &config.custom,
        full_pass_below: config.full_pass_below,
        chunk_size: config.chunk_size,
        force_full: config.custom.needs_full_pass(),
        progress: &progress,
        mapped: None,
    })
}

/// Scan every source of a bundle (in parallel on the current rayon pool).
pub fn scan(bundle: &Bundle, config: &ScanConfig) -> ScanOutput {
    merge(scan_units(bundle, config))
}

/// Scan every source of a bundle, resolved unit by unit, in unit order.
pub fn scan_units(bundle: &Bundle, config: &ScanConfig) -> Vec<UnitOutput> {
    with_scanner(config, |scanner| {
        scan_bundle(bundle, config, scanner, Vec::new())
    })
}

/// Collect and scan the sources under `paths` (`-` is stdin), scanning what lies
/// inside streams (members of compressed archives, stdin) while it is decoded, so
/// that memory stays bounded whatever their size. Gives the same output as
/// [`scan`] over [`crate::input::collect`].
pub fn scan_paths(
    paths: &[PathBuf],
    input: &InputConfig,
    config: &ScanConfig,
) -> Result<(Bundle, ScanOutput), Error> {
    let (bundle, units) = scan_paths_units(paths, input, config)?;
    Ok((bundle, merge(units)))
}

/// [`scan_paths`] resolved unit by unit and left unmerged (what `events --format
/// jsonl` writes): the same streaming collection, then [`scan_units`]' resolution.
/// `--shard` has selected the units before anything was opened.
pub fn scan_paths_units(
    paths: &[PathBuf],
    input: &InputConfig,
    config: &ScanConfig,
) -> Result<(Bundle, Vec<UnitOutput>), Error> {
    with_scanner(config, |scanner| {
        let sink = sink(scanner, config);
        let bundle = crate::input::collect_streaming(paths, input, &sink)?;
        let streamed = sink
            .harvests
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        let units = scan_bundle(&bundle, config, scanner, streamed);
        Ok((bundle, units))
    })
}

/// [`scan_paths`] over in-memory files `(path, bytes)`, laid out as on disk.
pub fn scan_memory(
    files: Vec<(String, Vec<u8>)>,
    input: &InputConfig,
    config: &ScanConfig,
) -> (Bundle, ScanOutput) {
    with_scanner(config, |scanner| {
        let sink = sink(scanner, config);
        let bundle = crate::input::collect_memory_streaming(files, input, &sink);
        let streamed = sink
            .harvests
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        let out = merge(scan_bundle(&bundle, config, scanner, streamed));
        (bundle, out)
    })
}

fn sink<'a>(scanner: Scanner<'a>, config: &'a ScanConfig) -> Sink<'a> {
    Sink {
        scanner,
        progress: config.progress.as_deref(),
        harvests: Mutex::new(Vec::new()),
    }
}

/// Scan the sources still holding bytes, take the harvests of those scanned while
/// streamed, and resolve them unit by unit (in unit order).
fn scan_bundle(
    bundle: &Bundle,
    config: &ScanConfig,
    scanner: Scanner<'_>,
    mut streamed: Vec<Option<Harvest>>,
) -> Vec<UnitOutput> {
    if let Some(p) = &config.progress
        && streamed.is_empty()
        && bundle
            .sources
            .iter()
            .all(|s| !matches!(s.data, SourceData::Compressed(_)))
    {
        let total = bundle.sources.iter().map(|s| s.data.len() as u64).sum();
        p.total.store(total, Ordering::Relaxed);
    }
    let taken: Vec<Option<Harvest>> = bundle
        .sources
        .iter()
        .map(|s| match &s.data {
            SourceData::Scanned(ScanTicket(t)) => streamed.get_mut(*t).and_then(Option::take),
            _ => None,
        })
        .collect();
    let harvests: Vec<Harvest> = bundle
        .sources
        .par_iter()
        .zip(taken)
        .map(|(s, done)| {
            if let Some(mut h) = done {
                for f in &mut h.found {
                    f.first.source = s.meta.id;
                }
                return h;
            }
            if let Some(p) = &config.progress {
                p.file(&s.meta.display);
            }
            match &s.data {
                SourceData::Compressed(stream) => scanner.scan_stream(s.meta.id, stream),
                data => Scanner {
                    mapped: mapping_of(data),
                    ..scanner
                }
                .scan(s.meta.id, data),
            }
        })
        .collect();
    // Group by unit; the map keeps the units in path order.
    let mut groups: BTreeMap<&str, UnitInput> = BTreeMap::new();
    for (source, harvest) in bundle.sources.iter().zip(harvests) {
        let group = groups.entry(source.meta.unit.as_str()).or_default();
        group.0.push(source);
        group.1.push(harvest);
    }
    for problem in &bundle.problems {
        let unit = crate::input::unit_of(&bundle.units, &problem.source).unwrap_or_default();
        groups.entry(unit).or_default().2.push(problem.clone());
    }
    groups
        .into_par_iter()
        .map(|(unit, (sources, harvests, problems))| {
            assemble(unit, &sources, harvests, problems, config)
        })
        .collect()
}

/// Where a source's bytes lie when they are a file mapping (or a member sliced from
/// one), so that its events cite their lines in place.
fn mapping_of(data: &SourceData) -> Option<(events::MapId, u64)> {
    match data {
        SourceData::Mapped(map) => Some((events::MapId::register(map)?, 0)),
        SourceData::Slice(whole, range) => match &**whole {
            SourceData::Mapped(map) => Some((events::MapId::register(map)?, range.start as u64)),
            _ => None,
        },
        _ => None,
    }
}

/// One unit's sources, their harvests and the input problems met reading it.
type UnitInput<'a> = (Vec<&'a Source>, Vec<Harvest>, Vec<Problem>);

/// Join unit outputs into one scan output. Units may come in any order; they are
/// ordered by path, a unit's sources keep their order, events are sorted and exact
/// copies of an event (a unit read twice) dropped. The nodes are summarised from every
/// source, and a hostname that names two nodes is reported as a collision (the nodes
/// stay apart).
pub fn merge(units: Vec<UnitOutput>) -> ScanOutput {
    let mut units = units;
    units.sort_by(|a, b| a.unit.cmp(&b.unit));
    // The largest unit's vector takes the others' events (a single unit is not copied).
    let largest = (0..units.len()).max_by_key(|&i| (units[i].events.len(), std::cmp::Reverse(i)));
    let mut events = largest
        .map(|i| std::mem::take(&mut units[i].events))
        .unwrap_or_default();
    events.reserve_exact(units.iter().map(|u| u.events.len()).sum());
    let mut rows: Vec<SourceReport> = Vec::new();
    let mut problems = Vec::new();
    let mut aliases: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut duplicates = 0;
    for unit in units {
        rows.extend(unit.sources);
        for node in unit.nodes {
            aliases.entry(node.name).or_default().extend(node.aliases);
        }
        duplicates += unit.duplicates;
        events.extend(unit.events);
        problems.extend(unit.problems);
    }
    let mut events = sort_events(events);
    events.dedup();
    let nodes = node_summaries(&rows, &aliases);
    problems.extend(collisions(&nodes));
    problems.sort_by(|a, b| a.source.cmp(&b.source).then(a.message.cmp(&b.message)));
    problems.dedup();
    ScanOutput {
        events,
        sources: rows,
        nodes,
        problems,
        duplicates,
    }
}

/// The nodes of unit outputs as [`merge`] summarises them, for a caller that keeps
/// the units apart (`events` writes them unmerged but resolves `--node` by them).
pub fn nodes_of(units: &[UnitOutput]) -> Vec<NodeSummary> {
    let mut aliases: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for node in units.iter().flat_map(|u| &u.nodes) {
        aliases
            .entry(node.name.clone())
            .or_default()
            .extend(node.aliases.iter().cloned());
    }
    node_summaries(units.iter().flat_map(|u| &u.sources), &aliases)
}

/// A hostname that is a name of two nodes: two units whose logs carry the same
/// generic hostname (`ubuntu`, `localhost`) stay two nodes, and the report says so.
fn collisions(nodes: &[NodeSummary]) -> Vec<Problem> {
    let mut owners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in nodes {
        for name in std::iter::once(&node.name).chain(&node.aliases) {
            owners.entry(name).or_default().push(&node.name);
        }
    }
    owners
        .into_iter()
        .filter(|(_, nodes)| nodes.len() > 1)
        .map(|(host, nodes)| Problem {
            source: format!("hostname {host}"),
            message: format!(
                "hostname collision: {host} names {}; kept as separate nodes",
                nodes.join(" and ")
            ),
        })
        .collect()
}

/// Turn one unit's harvests into its output: nodes, clocks, events, inventory.
fn assemble(
    unit: &str,
    sources: &[&Source],
    harvests: Vec<Harvest>,
    problems: Vec<Problem>,
    config: &ScanConfig,
) -> UnitOutput {
    let metas: Vec<_> = sources.iter().map(|s| &s.meta).collect();
    let hs: Vec<&Harvest> = harvests.iter().collect();
    let names = resolve::Names::build(&metas, &hs);
    let nodes: Vec<(String, NodeFrom)> = metas
        .iter()
        .zip(&hs)
        .map(|(m, h)| resolve::source_node(m, h, &names))
        .collect();
    let hints = YearHints::of(&metas, &hs, &nodes);
    let clocks: Vec<resolve::StreamClock> = metas
        .iter()
        .zip(&hs)
        .zip(&nodes)
        .map(|((meta, h), (node, _))| hints.clock(meta, h, node, &config.time))
        .collect();
    let anchors = anchors_by_node(&hs, &nodes, &clocks);
    let empty = HashMap::new();

    let mut events = Vec::new();
    let mut rows = Vec::new();
    let mut problems = problems;
    for (((meta, mut h), (node, node_from)), sc) in
        metas.iter().zip(harvests).zip(&nodes).zip(clocks)
    {
        let mut assumptions = sc.assumptions.clone();
        let node_anchors = anchors.get(node.as_str()).unwrap_or(&empty);
        let segments = boot_segments(&h, node_anchors, config.time.boot_time, &mut assumptions);
        let clock_for = |line: u64| {
            let mut c = sc.clock.clone();
            c.boot = segments
                .iter()
                .find(|s| line >= s.first && line <= s.last)
                .and_then(|s| s.boot);
            c
        };
        if h.examined < h.lines {
            assumptions.push(format!(
                "large source: {} of {} lines parsed in full (the lines holding a word some event grammar looks for; the others were skipped unread)",
                h.examined, h.lines
            ));
        }
        let first = h
            .first_time
            .and_then(|(l, t)| time::resolve(t, None, &clock_for(l)).utc);
        let last = h
            .last_time
            .and_then(|(l, t)| time::resolve(t, None, &clock_for(l)).utc);
        host_field_changes(&h, node, meta, &clock_for, &mut events);
        let found = std::mem::take(&mut h.found);
        let source = SourceContext {
            meta,
            node,
            names: &names,
        };
        harvested_events(found, &h, &source, &clock_for, &mut events);
        problems.extend(h.problems.drain(..).map(|message| Problem {
            source: meta.display.clone(),
            message,
        }));
        let errors: Vec<String> = problems
            .iter()
            .filter(|p| p.source == meta.display)
            .map(|p| p.message.clone())
            .collect();
        rows.push(SourceReport {
            path: meta.display.clone(),
            format: h.main_format().name().to_string(),
            node: node.clone(),
            node_from: *node_from,
            lines: h.lines,
            unparsed: h.unparsed,
            first,
            last,
            assumptions,
            errors,
            drift: h.drift.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        });
    }
    let events = drop_first_boots(events, &rows);
    let before = events.len();
    let events = dedup(events);
    let duplicates = (before - events.len()) as u64;
    UnitOutput {
        unit: unit.to_string(),
        events: sort_events(events),
        nodes: node_records(&rows, &names.aliases()),
        sources: rows,
        problems,
        duplicates,
    }
}

/// What the year of year-less lines is judged from: the latest dated time per node
/// and in the unit, the latest year-less line and the newest mtime per stream.
struct YearHints<'a> {
    node_dated: HashMap<&'a str, NaiveDateTime>,
    bundle_dated: Option<NaiveDateTime>,
    stream_yearless: HashMap<(&'a str, &'a str), (u32, RawTime)>,
    stream_mtime: HashMap<(&'a str, &'a str), (u32, DateTime<Utc>)>,
}

impl<'a> YearHints<'a> {
    fn of(
        metas: &[&'a SourceMeta],
        hs: &[&Harvest],
        nodes: &'a [(String, NodeFrom)],
    ) -> YearHints<'a> {
        let mut hints = YearHints {
            node_dated: HashMap::new(),
            bundle_dated: None,
            stream_yearless: HashMap::new(),
            stream_mtime: HashMap::new(),
        };
        for ((meta, h), (node, _)) in metas.iter().zip(hs).zip(nodes) {
            if let Some(t) = h.latest_dated {
                let e = hints.node_dated.entry(node).or_insert(t);
                *e = (*e).max(t);
                hints.bundle_dated = Some(hints.bundle_dated.map_or(t, |b| b.max(t)));
            }
            let key = (node.as_str(), meta.stream.as_str());
            // The newest rotation (the lowest number) of a stream speaks for it.
            if let Some((_, t)) = h.latest_yearless
                && hints
                    .stream_yearless
                    .get(&key)
                    .is_none_or(|(rot, _)| meta.rotation < *rot)
            {
                hints.stream_yearless.insert(key, (meta.rotation, t));
            }
            if let Some(m) = meta.mtime
                && hints
                    .stream_mtime
                    .get(&key)
                    .is_none_or(|(rot, _)| meta.rotation < *rot)
            {
                hints.stream_mtime.insert(key, (meta.rotation, m));
            }
        }
        hints
    }

    /// The clock of one source of `node`.
    fn clock(
        &self,
        meta: &SourceMeta,
        h: &Harvest,
        node: &str,
        time: &TimeConfig,
    ) -> resolve::StreamClock {
        let key = (node, meta.stream.as_str());
        resolve::stream_clock(
            meta,
            h,
            self.node_dated.get(node).copied(),
            self.stream_yearless.get(&key).map(|(_, t)| *t),
            self.stream_mtime.get(&key).map(|(_, m)| *m),
            self.bundle_dated,
            time,
        )
    }
}

/// dmesg anchors per node: uptime → wall time, from kernel lines that carry both.
fn anchors_by_node<'a>(
    hs: &[&Harvest],
    nodes: &'a [(String, NodeFrom)],
    clocks: &[resolve::StreamClock],
) -> HashMap<&'a str, HashMap<u64, DateTime<Utc>>> {
    let mut anchors: HashMap<&str, HashMap<u64, DateTime<Utc>>> = HashMap::new();
    for ((h, (node, _)), sc) in hs.iter().zip(nodes).zip(clocks) {
        for (up, raw) in &h.anchors {
            if let Some(t) = time::resolve(*raw, None, &sc.clock).utc {
                anchors.entry(node).or_default().insert(*up, t);
            }
        }
    }
    anchors
}

/// The boots of a source with uptimes and how each was placed in wall time; says so
/// in `assumptions`.
fn boot_segments(
    h: &Harvest,
    anchors: &HashMap<u64, DateTime<Utc>>,
    boot_time: Option<DateTime<Utc>>,
    assumptions: &mut Vec<String>,
) -> Vec<resolve::BootSegment> {
    if h.uptimes.is_empty() {
        return Vec::new();
    }
    let segs = resolve::anchor_segments(h, anchors, boot_time);
    for (i, s) in segs.iter().enumerate() {
        let (n, first, last) = (i + 1, s.first, s.last);
        assumptions.push(match (s.boot, s.anchors) {
            (Some(b), 0) => format!("boot {n} (lines {first}-{last}) booted at {} (--boot-time)", b.to_rfc3339()),
            (Some(b), k) => {
                let replay = match s.replayed {
                    0 => String::new(),
                    r => format!("; {r} lines of the syslog daemon's start-up replay ignored"),
                };
                format!("boot {n} (lines {first}-{last}) anchored: booted at {} (lower envelope of wall - uptime over {k} kernel lines of the node{replay})", b.to_rfc3339())
            }
            (None, _) => format!("boot {n} (lines {first}-{last}) unanchored: uptimes only (give --boot-time)"),
        });
    }
    segs
}

/// `host.hostname_changed` events for every change of the host field in one stream.
fn host_field_changes(
    h: &Harvest,
    node: &str,
    meta: &SourceMeta,
    clock_for: &dyn Fn(u64) -> time::Clock,
    events: &mut Vec<Event>,
) {
    for pair in h.hosts.windows(2) {
        let (line, new, raw) = &pair[1];
        let old = &pair[0].1;
        let r = time::resolve(*raw, None, &clock_for(*line));
        let payload = events::host_field_change(old, new);
        events.push(make_event(
            payload.kind,
            r,
            node,
            meta,
            *line,
            *line,
            None,
            payload.fields.into(),
            format!("hostname field changed from {old} to {new}").into(),
        ));
    }
}

/// Where a source's events come from: its metadata, node and the unit's names.
struct SourceContext<'a> {
    meta: &'a SourceMeta,
    node: &'a str,
    names: &'a resolve::Names,
}

/// The grammars' finds of one source as events on the timeline; a boot banner also
/// gives a `node.reboot` with how long the node was silent before it.
fn harvested_events(
    found: Vec<Found>,
    h: &Harvest,
    source: &SourceContext<'_>,
    clock_for: &dyn Fn(u64) -> time::Clock,
    events: &mut Vec<Event>,
) {
    let meta = source.meta;
    let mut reboots = Vec::new();
    // `map` + `collect` over the vector's own iterator reuses its buffer (an event
    // is no larger than a find): a source's events never exist twice.
    let converted: Vec<Event> = found
        .into_iter()
        .map(|f| {
            let r = time::resolve(f.time, f.uptime_us, &clock_for(f.first.line));
            let ev_node = match (&meta.node, &f.host) {
                (None, Some(host)) => source.names.canonical(&resolve::namespace(meta), host),
                _ => source.node.to_string(),
            };
            let is_banner = f.kind == Kind::KernelVersion;
            let line = f.first.line;
            let ev = found_to_event(f, r, ev_node, meta);
            if is_banner {
                // How long the node had been silent before this boot, when the same
                // source shows its last line before the boot.
                let before = h
                    .boot_gaps
                    .iter()
                    .find(|(l, _)| *l == line)
                    .and_then(|(l, raw)| time::resolve(*raw, None, &clock_for(*l)).utc);
                let silence = before
                    .zip(ev.time)
                    .map(|(prev, t)| (t - prev).num_seconds());
                let payload = events::reboot_of(&ev.fields.unpack(), silence);
                let mut reboot = ev.clone();
                reboot.kind = payload.kind;
                reboot.fields = PackedFields::pack(&payload.fields);
                reboots.push(reboot);
            }
            ev
        })
        .collect();
    if events.is_empty() {
        *events = converted;
    } else {
        events.extend(converted);
    }
    events.extend(reboots);
}

/// One record per node of the unit, in source order, with the names it was known by.
fn node_records(
    rows: &[SourceReport],
    aliases: &BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<NodeRecord> {
    let mut nodes: Vec<NodeRecord> = Vec::new();
    for row in rows {
        if nodes.iter().any(|n| n.name == row.node) {
            continue;
        }
        nodes.push(NodeRecord {
            name: row.node.clone(),
            aliases: match aliases.get(&row.node) {
                Some(names) if row.node != "unknown" => names.iter().cloned().collect(),
                _ => Vec::new(),
            },
            node_from: row.node_from,
        });
    }
    nodes
}

#[allow(clippy::too_many_arguments)]
fn make_event(
    kind: Kind,
    r: Resolved,
    node: &str,
    meta: &crate::input::SourceMeta,
    line: u64,
    end_line: u64,
    level: Option<crate::envelope::Level>,
    fields: PackedFields,
    text: LineText,
) -> Event {
    debug_assert!(
        events::undeclared(&kind, &fields.unpack()).is_empty(),
        "{kind} carries fields events/fields.rs does not declare: {:?}",
        events::undeclared(&kind, &fields.unpack())
    );
    Event {
        kind,
        time: r.utc,
        uptime_us: r.uptime_us,
        time_quality: r.quality,
        node: Sym::new(node),
        source: Sym::new(&meta.display),
        line,
        end_line,
        level,
        fields,
        text,
    }
}

fn found_to_event(f: Found, r: Resolved, node: String, meta: &crate::input::SourceMeta) -> Event {
    make_event(
        f.kind,
        r,
        &node,
        meta,
        f.first.line,
        f.end_line.max(f.first.line),
        f.level,
        f.fields,
        f.text,
    )
}

/// `node.reboot` means a boot that follows earlier data of the same node: the boot
/// a node's logs begin with is not a reboot anyone needs to explain.
fn drop_first_boots(events: Vec<Event>, rows: &[SourceReport]) -> Vec<Event> {
    let mut earliest: HashMap<&str, DateTime<Utc>> = HashMap::new();
    for r in rows {
        if let Some(first) = r.first {
            let e = earliest.entry(r.node.as_str()).or_insert(first);
            *e = (*e).min(first);
        }
    }
    let earliest: HashMap<String, DateTime<Utc>> = earliest
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    events
        .into_iter()
        .filter(|e| {
            // Earlier lines of the same source, or an earlier time anywhere on the node.
            e.kind != Kind::NodeReboot
                // A shutdown announced by logind is a reboot wherever it sits.
                || e.fields.contains_key("announced_by")
                || e.line > 1
                || matches!((e.time, earliest.get(e.node.as_str())), (Some(t), Some(first)) if *first < t - chrono::Duration::seconds(1))
        })
        .collect()
}

/// The same line seen in two sources (kern.log and syslog, journal export and
/// syslog, dmesg and kern.log) counts once: the copy from the first source is kept,
/// and facts only the other copy could know (`silence_s` of a boot seen in syslog
/// but not in dmesg) are added to it. Events without any time are never merged.
fn dedup(mut events: Vec<Event>) -> Vec<Event> {
    /// The instant two copies of one line share.
    #[derive(Clone, Copy, PartialEq, Eq, Hash)]
    enum When {
        Uptime(u64),
        Wall(i64),
    }
    // Pass 1 (borrowing): which earlier event each copy folds into.
    let mut into: Vec<Option<usize>> = vec![None; events.len()];
    {
        let mut seen: rustc_hash::FxHashMap<(&str, &Kind, When), Vec<usize>> =
            rustc_hash::FxHashMap::default();
        for (i, ev) in events.iter().enumerate() {
            let when = match (ev.uptime_us, ev.time) {
                (Some(u), _) => When::Uptime(u),
                (None, Some(t)) => When::Wall(t.timestamp()),
                (None, None) => continue,
            };
            let firsts = seen.entry((ev.node.as_str(), &ev.kind, when)).or_default();
            match firsts.iter().find(|&&j| same_line_fields(&events[j], ev)) {
                Some(&j) if events[j].source != ev.source => into[i] = Some(j),
                Some(_) => {}
                None => firsts.push(i),
            }
        }
    }
    // Pass 2 (in place): the first copies take the others' missing fields, then the
    // others go. A copy always folds into an earlier event that is itself kept.
    for (i, target) in into.iter().enumerate() {
        let Some(j) = *target else { continue };
        if j >= i {
            continue;
        }
        let (head, tail) = events.split_at_mut(i);
        if let (Some(kept), Some(copy)) = (head.get_mut(j), tail.first_mut()) {
            let mut merged = kept.fields.unpack();
            for (name, value) in std::mem::take(&mut copy.fields).unpack() {
                merged.insert_missing(name, value);
            }
            kept.fields = PackedFields::pack(&merged);
        }
    }
    let mut index = 0;
    events.retain(|_| {
        let keep = into.get(index).is_none_or(Option::is_none);
        index += 1;
        keep
    });
    events
}

/// Equal fields, leaving out those derived from a source's context rather than from
/// the line itself.
fn same_line_fields(a: &Event, b: &Event) -> bool {
    const CONTEXTUAL: &[&str] = &["silence_s"];
    let own = |(k, _): &(&str, &events::Value)| !CONTEXTUAL.contains(k);
    let (a, b) = (a.fields.unpack(), b.fields.unpack());
    a.iter().filter(own).eq(b.iter().filter(own))
}

/// Deterministic order: time (missing last), then source, line and kind, then the
/// rest of the event, so that the order never depends on the input order and exact
/// copies end up side by side.
pub fn sort_events(mut events: Vec<Event>) -> Vec<Event> {
    // The order is total (ties compare everything an event carries), so an unstable
    // sort gives the same result, without a buffer of half the events.
    events.sort_unstable_by(event_order);
    events
}

fn event_order(a: &Event, b: &Event) -> std::cmp::Ordering {
    let ta = (a.time.is_none(), a.time);
    let tb = (b.time.is_none(), b.time);
    ta.cmp(&tb)
        .then_with(|| a.source.cmp(&b.source))
        .then(a.line.cmp(&b.line))
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| tie_break(a).cmp(&tie_break(b)))
}

/// [`sort_events`] over borrowed events.
pub fn sort_events_ref<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<&'a Event> {
    let mut events: Vec<&Event> = events.into_iter().collect();
    events.sort_by(|a, b| event_order(a, b));
    events
}

/// What orders two events of one kind on one line: everything else they carry.
fn tie_break(e: &Event) -> (u64, &str, String, String) {
    (
        e.end_line,
        e.node.as_str(),
        e.text.get().into_owned(),
        serde_json::to_string(&e.fields).unwrap_or_default(),
    )
}

fn node_summaries<'a>(
    rows: impl IntoIterator<Item = &'a SourceReport>,
    aliases: &BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<NodeSummary> {
    let mut by_node: BTreeMap<&str, Vec<&SourceReport>> = BTreeMap::new();
    for r in rows {
        by_node.entry(&r.node).or_default().push(r);
    }
    let mut summaries: Vec<NodeSummary> = by_node
        .into_iter()
        .map(|(node, rs)| {
            let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = rs
                .iter()
                .filter_map(|r| Some((r.first?, r.last?)))
                .filter(|(a, b)| a <= b)
                .collect();
            spans.sort();
            let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
            for (a, b) in spans {
                match merged.last_mut() {
                    // Gaps under an hour are not worth reporting as holes in coverage.
                    Some(last) if a <= last.1 + chrono::Duration::hours(1) => {
                        last.1 = last.1.max(b)
                    }
                    _ => merged.push((a, b)),
                }
            }
            NodeSummary {
                name: node.to_string(),
                aliases: match aliases.get(node) {
                    Some(names) if node != "unknown" => names.iter().cloned().collect(),
                    _ => Vec::new(),
                },
                spans: merged,
                sources: rs.len(),
            }
        })
        .collect();
    summaries.sort_by(|a, b| natural_order(&a.name, &b.name));
    summaries
}

/// Scan in-memory files `(path, text)` — signature examples and tests. Paths are
/// laid out as on disk: `node-1/var/log/syslog` belongs to node `node-1`.
pub fn extract_texts(files: &[(String, String)], config: &ScanConfig) -> Vec<Event> {
    let files = files
        .iter()
        .map(|(p, t)| (p.clone(), t.as_bytes().to_vec()))
        .collect();
    let bundle = crate::input::collect_memory(files, &crate::input::InputConfig::default());
    scan(&bundle, config).events
}
