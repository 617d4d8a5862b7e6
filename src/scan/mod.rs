//! Scan: the parallel extraction engine. Maps sources, splits large ones into
//! newline-aligned chunks, prefilters lines with one multi-literal automaton built
//! from every grammar's needles, parses envelopes and grammars only on candidate
//! lines, and hands each unit's harvests (finds plus the facts time and identity are
//! decided from) to the resolution stage, in a thread-count-independent order.

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Problem};
use crate::events;
use crate::input::{
    Bundle, InputConfig, Pull, ScanTicket, Source, SourceData, SourceId, StreamSink,
};

pub mod custom;
pub mod errors;
mod harvest;
pub mod kept;
pub mod lines;
pub mod prefilter;
mod scanner;
mod stream;
pub mod template;

pub use custom::{CustomRule, CustomRules};
pub use prefilter::Prefilter;

pub(crate) use harvest::Harvest;

/// Extraction options the library understands (the CLI builds them from flags).
#[derive(Clone, Debug)]
pub struct ScanConfig {
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
            custom: CustomRules::default(),
            full_pass_below: 1 << 20,
            chunk_size: 8 << 20,
            progress: None,
        }
    }
}

/// One unit's sources (see [`crate::input::Shard`] for units), their harvests in the
/// same order and the input problems met reading it: what the resolution stage turns
/// into the unit's output.
pub(crate) struct UnitHarvest<'a> {
    /// Display path of the unit (empty for in-memory bundles).
    pub unit: &'a str,
    /// Its sources, in scan order.
    pub sources: Vec<&'a Source>,
    /// What each source yielded.
    pub harvests: Vec<Harvest>,
    /// Problems of the input stage within the unit.
    pub problems: Vec<Problem>,
}

impl<'a> UnitHarvest<'a> {
    fn new(unit: &'a str) -> UnitHarvest<'a> {
        UnitHarvest {
            unit,
            sources: Vec::new(),
            harvests: Vec::new(),
            problems: Vec::new(),
        }
    }
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
/// Scan every source of a bundle (in parallel on the current rayon pool) and give
/// what `each` makes of every unit's harvests, in unit order.
pub(crate) fn harvest_bundle<R: Send>(
    bundle: &Bundle,
    config: &ScanConfig,
    each: impl Fn(UnitHarvest<'_>) -> R + Sync,
) -> Vec<R> {
    with_scanner(config, |scanner| {
        scan_bundle(bundle, config, scanner, Vec::new(), &each)
    })
}

/// Collect and scan the sources under `paths` (`-` is stdin), scanning what lies
/// inside streams (members of compressed archives, stdin) while it is decoded, so
/// that memory stays bounded whatever their size; then as [`harvest_bundle`] over
/// the collected bundle. `--shard` has selected the units before anything was opened.
pub(crate) fn harvest_paths<R: Send>(
    paths: &[PathBuf],
    input: &InputConfig,
    config: &ScanConfig,
    each: impl Fn(UnitHarvest<'_>) -> R + Sync,
) -> Result<(Bundle, Vec<R>), Error> {
    with_scanner(config, |scanner| {
        let sink = sink(scanner, config);
        let bundle = crate::input::collect_streaming(paths, input, &sink)?;
        let streamed = sink
            .harvests
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        let units = scan_bundle(&bundle, config, scanner, streamed, &each);
        Ok((bundle, units))
    })
}

/// [`harvest_paths`] over in-memory files `(path, bytes)`, laid out as on disk.
pub(crate) fn harvest_memory<R: Send>(
    files: Vec<(String, Vec<u8>)>,
    input: &InputConfig,
    config: &ScanConfig,
    each: impl Fn(UnitHarvest<'_>) -> R + Sync,
) -> (Bundle, Vec<R>) {
    with_scanner(config, |scanner| {
        let sink = sink(scanner, config);
        let bundle = crate::input::collect_memory_streaming(files, input, &sink);
        let streamed = sink
            .harvests
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        let units = scan_bundle(&bundle, config, scanner, streamed, &each);
        (bundle, units)
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
/// streamed, and give what `each` makes of them unit by unit (in unit order).
fn scan_bundle<R: Send>(
    bundle: &Bundle,
    config: &ScanConfig,
    scanner: Scanner<'_>,
    streamed: Vec<Option<Harvest>>,
    each: &(impl Fn(UnitHarvest<'_>) -> R + Sync),
) -> Vec<R> {
    let harvests = harvest_sources(bundle, config, scanner, streamed);
    // Group by unit; the map keeps the units in path order.
    let mut groups: BTreeMap<&str, UnitHarvest<'_>> = BTreeMap::new();
    for (source, harvest) in bundle.sources.iter().zip(harvests) {
        let unit = source.meta.unit.as_str();
        let group = groups.entry(unit).or_insert_with(|| UnitHarvest::new(unit));
        group.sources.push(source);
        group.harvests.push(harvest);
    }
    for problem in &bundle.problems {
        let unit = crate::input::unit_of(&bundle.units, &problem.source).unwrap_or_default();
        let group = groups.entry(unit).or_insert_with(|| UnitHarvest::new(unit));
        group.problems.push(problem.clone());
    }
    groups.into_par_iter().map(|(_, unit)| each(unit)).collect()
}

/// Every source's harvest, in source order: those scanned while streamed are taken
/// from `streamed`, the others are scanned now.
fn harvest_sources(
    bundle: &Bundle,
    config: &ScanConfig,
    scanner: Scanner<'_>,
    mut streamed: Vec<Option<Harvest>>,
) -> Vec<Harvest> {
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
    bundle
        .sources
        .par_iter()
        .zip(taken)
        .map(|(s, done)| {
            if let Some(mut h) = done {
                h.set_source(s.meta.id);
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
