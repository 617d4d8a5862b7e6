//! Input: turns the paths a user gives into [`Source`]s — byte buffers with a
//! display path, a node and a rotation stream — without ever writing to disk.
//!
//! Owns discovery (directories, archives, nested archives, compressed files),
//! the map-or-read policy, decompression caps, binary detection and node
//! identity. It knows nothing of line formats.
//!
//! Bytes that can be read only once (members of a compressed archive, stdin) are
//! handed to a [`StreamSink`] while they are decoded ([`collect_streaming`]): the
//! scanner consumes them then, and the source keeps the sink's [`ScanTicket`]
//! instead of its bytes, so an archive is never held decompressed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::ops::{Deref, Range};
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Problem};

mod archive;
mod assemble;
mod binary;
pub(crate) mod decompress;
mod discover;
mod expand;
mod facts;
mod item;
pub(crate) mod mmap;
mod node;
mod open;
mod parts;
mod rotation;
mod stream;

pub use decompress::Pull;

/// Index of a source in the [`Bundle`]; stable for a given input (discovery is sorted).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceId(pub u32);

/// Where a line is: source, 1-based line number, absolute byte offset in the source.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// The source the line is in; reports turn it into the display path.
    pub source: SourceId,
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the line start within the (decompressed) source.
    pub byte: u64,
}

/// How a source's node name was decided (shown by `sources` as `node_from`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeFrom {
    /// `--node NAME` on the command line.
    Flag,
    /// The hostname field of the log lines themselves.
    Envelope,
    /// A sosreport directory (`sosreport-<host>-...`) or its `hostname` file.
    Sosreport,
    /// A must-gather layout (`nodes/<node>/...`).
    MustGather,
    /// A plain copy laid out as `<node>/var/log/...`.
    Directory,
    /// A per-node archive name (`<node>.tar.gz`).
    ArchiveName,
    /// Nothing told us; the node is `unknown`.
    Unknown,
}

/// Everything known about a source before reading its lines.
#[derive(Clone, Debug)]
pub struct SourceMeta {
    /// Its index in [`Bundle::sources`], which [`Location::source`] refers to.
    pub id: SourceId,
    /// Display path, e.g. `bundle.tgz!/node-3/var/log/syslog.2.gz`.
    pub display: String,
    /// Node name from the collection layout (or `--node`), if any.
    pub node: Option<String>,
    /// How `node` was decided.
    pub node_from: NodeFrom,
    /// Modification time of the file or archive member (year hint for year-less formats).
    pub mtime: Option<DateTime<Utc>>,
    /// Rotation stream this source belongs to: `syslog`, `syslog.1`, `syslog.2.gz` share
    /// the stream `<dir>/syslog`; `rotation` orders them (higher = older).
    pub stream: String,
    /// Rotation index: 0 for the live file, N for `.N` / `.N.gz`.
    pub rotation: u32,
    /// Time zone named by the bundle for this node (`etc/timezone`), if collected.
    pub bundle_zone: Option<String>,
    /// Display path of the unit the source belongs to (see [`Shard`]): host names are
    /// resolved within a unit, so a unit scanned alone gets the nodes it gets in a
    /// whole scan.
    pub unit: String,
    /// The name a per-node archive unit gives sources that neither the layout nor a
    /// hostname names (`node-7.tar.gz` → `node-7`).
    pub unit_node: Option<String>,
}

/// The bytes of a source: a read-only memory map, or an owned buffer (decompressed
/// data, archive members, stdin, small files).
pub enum SourceData {
    /// A memory-mapped regular file.
    Mapped(std::sync::Arc<memmap2::Mmap>),
    /// Bytes held in memory.
    Owned(Vec<u8>),
    /// A large compressed log kept compressed: the scanner decodes it block by block.
    Compressed(CompressedData),
    /// A range of another buffer: a member of a plain tar archive, sliced from the
    /// archive's mapping instead of copied.
    Slice(Arc<SourceData>, Range<usize>),
    /// A source read once from a stream (a member of a compressed archive, stdin) and
    /// handed to a [`StreamSink`] while it was decoded; the number is the sink's.
    Scanned(ScanTicket),
}

/// What a [`StreamSink`] returned for a source it consumed: its own key for the
/// result, so that the bytes need not be kept.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ScanTicket(pub usize);

/// Where text sources met inside a stream go while their bytes are at hand: a
/// `.tar.gz` member or stdin can be read only once, as it is decoded, so the caller
/// (the scanner) consumes it then, and the source's data becomes what it returns.
pub trait StreamSink: Sync {
    /// A text source held whole (a small member, or a log left compressed).
    fn whole(&self, display: &str, data: SourceData) -> SourceData;
    /// A text source too large to hold: `head` is its start, `rest` gives the
    /// remainder as it is decoded.
    fn pull(&self, display: &str, head: Vec<u8>, rest: &mut dyn Pull) -> SourceData;
}

/// The sink of [`collect`]: keeps every source's bytes in memory.
struct Keep;

impl StreamSink for Keep {
    fn whole(&self, _: &str, data: SourceData) -> SourceData {
        data
    }
    fn pull(&self, _: &str, mut head: Vec<u8>, rest: &mut dyn Pull) -> SourceData {
        while !rest.finished() {
            rest.read_into(&mut head, usize::MAX);
        }
        SourceData::Owned(head)
    }
}

/// Dereferences to the bytes as stored: for [`SourceData::Compressed`] these are the
/// *compressed* bytes (their length is what a progress display counts).
impl Deref for SourceData {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            SourceData::Mapped(m) => m,
            SourceData::Owned(v) => v,
            SourceData::Compressed(c) => &c.compressed,
            SourceData::Slice(whole, range) => whole.get(range.clone()).unwrap_or_default(),
            SourceData::Scanned(_) => &[],
        }
    }
}

/// A gzip or zstd stream too large to hold decompressed, that decodes to plain log
/// text (its head was checked: no archive, no nested compression, not binary).
/// Memory then stays at a few blocks however large the stream is.
pub struct CompressedData {
    compressed: Box<SourceData>,
    format: decompress::Compression,
    cap: u64,
}

impl CompressedData {
    /// A fresh decoder over the stream, capped like any decompression; `progress`
    /// is told of the compressed bytes it takes.
    pub(crate) fn decoding<'a>(
        &'a self,
        progress: Option<decompress::Progress<'a>>,
    ) -> decompress::Decoding<decompress::Decoder<'a>> {
        decompress::Decoding::new(&self.compressed, self.format, self.cap, progress)
    }

    /// Problem message for a stream that stopped early.
    pub(crate) fn cut_message(&self, cut: &decompress::Cut) -> String {
        cut.message(self.format.name())
    }
}

/// One readable log source.
pub struct Source {
    /// Display path, node, rotation stream and time hints: all known before a line
    /// is read.
    pub meta: SourceMeta,
    /// Its bytes, or the sink's [`ScanTicket`] when it was consumed as it streamed by.
    pub data: SourceData,
}

/// Input options the library understands (built from CLI flags by `cli`).
#[derive(Clone, Debug)]
pub struct InputConfig {
    /// Maximum decompressed size of one compressed stream or archive member, in bytes.
    pub decompress_cap: u64,
    /// Files at or above this size are memory-mapped; smaller ones are read.
    pub mmap_threshold: u64,
    /// Compressed logs that decode to more than this many bytes are decoded block by
    /// block while scanned instead of held decompressed in memory.
    pub stream_above: u64,
    /// `--node NAME`: force the node of every source.
    pub node_override: Option<String>,
    /// `--source-name NAME`: the display path of stdin (default `<stdin>`); an archive
    /// name such as `node-1.tar.gz` names its node as the file would.
    pub stdin_name: Option<String>,
    /// `--shard I/N`: read only the units of shard I.
    pub shard: Option<Shard>,
}

/// One of N stable parts of the inputs' units (`events --shard I/N`).
///
/// A *unit* is a top-level node folder or per-node archive: each entry of a given
/// folder that holds node folders (`bundle/node-1/var/log/...`), else each given path
/// itself (a node folder, an archive, a file, stdin). Units are sorted by display path
/// (bytes) and shard `I` takes those at positions `p` with `p % N == I`, so the N
/// shards together are exactly the whole, each unit in one shard.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 0 (Kubernetes' `JOB_COMPLETION_INDEX`).
    pub index: u32,
    /// How many shards (N): every job of one sharded scan must be given the same N,
    /// or units are read twice or not at all.
    pub count: u32,
}

impl Shard {
    /// Whether the unit at `position` of the sorted unit list belongs to this shard.
    pub fn keeps(&self, position: usize) -> bool {
        self.count > 0 && position % self.count as usize == self.index as usize
    }
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            decompress_cap: 4 << 30,
            mmap_threshold: 64 << 10,
            stream_above: 8 << 20,
            node_override: None,
            stdin_name: None,
            shard: None,
        }
    }
}

/// All sources found under the given paths, plus soft problems met on the way.
#[derive(Default)]
pub struct Bundle {
    /// Readable sources, in deterministic order (sorted paths; archive order inside archives).
    pub sources: Vec<Source>,
    /// Sources that could not be (fully) read: truncated archives, binary files, caps hit...
    pub problems: Vec<Problem>,
    /// Small files that describe a node rather than log anything (`etc/timezone`,
    /// `etc/hostname`, sosreport `hostname`), sorted by display path. Not sources.
    pub facts: Vec<Fact>,
    /// Display paths of the units read (all, or the shard's), sorted.
    pub units: Vec<String>,
}

impl Bundle {
    /// The value of the first fact of `kind` recorded for `node` (e.g. the zone of
    /// `node-1`), so callers need not walk [`Bundle::facts`] themselves.
    pub fn fact(&self, kind: FactKind, node: Option<&str>) -> Option<&str> {
        self.facts
            .iter()
            .find(|f| f.kind == kind && f.node.as_deref() == node)
            .map(|f| f.value.as_str())
    }
}

/// What a facts file tells.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// `etc/timezone`: the node's zone name (`Asia/Shanghai`).
    Timezone,
    /// `etc/hostname`: the node's static host name.
    Hostname,
    /// A sosreport's top-level `hostname` file (names the sosreport's node).
    SosreportHostname,
}

/// A small facts file of a collection, read as text and not listed as a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    /// Which facts file it is, hence what `value` means (a zone or a host name).
    pub kind: FactKind,
    /// The node it belongs to, decided like a source's node.
    pub node: Option<String>,
    /// Display path of the file.
    pub source: String,
    /// Its first non-empty line, trimmed.
    pub value: String,
}

/// Discover and open every source under `paths` (`-` is stdin).
///
/// Fatal only when a given path does not exist; everything else is a [`Problem`].
///
/// Directories are walked in sorted order, archives and compressed files are opened
/// in memory (nothing is written to disk), and the sources come back sorted by node,
/// stream, rotation (oldest first) and display path, with ids in that order. The
/// result does not depend on the number of threads.
pub fn collect(paths: &[PathBuf], config: &InputConfig) -> Result<Bundle, Error> {
    collect_streaming(paths, config, &Keep)
}

/// [`collect`], handing every text source met inside a stream (members of a
/// compressed archive, stdin) to `sink` as it is decoded, so that nothing larger
/// than a few blocks is held: the archive is never decoded into memory whole.
pub fn collect_streaming(
    paths: &[PathBuf],
    config: &InputConfig,
    sink: &dyn StreamSink,
) -> Result<Bundle, Error> {
    use rayon::prelude::*;

    let stdin_name = config.stdin_name.as_deref().unwrap_or("<stdin>");
    let mut discovery = discover::discover(paths, stdin_name)?;
    let mut units = std::mem::take(&mut discovery.units);
    units.sort();
    units.dedup();
    if let Some(shard) = config.shard {
        units = units
            .into_iter()
            .enumerate()
            .filter(|(position, _)| shard.keeps(*position))
            .map(|(_, unit)| unit)
            .collect();
        discovery
            .found
            .retain(|f| unit_of(&units, &f.display).is_some());
        discovery
            .problems
            .retain(|p| unit_of(&units, &p.source).is_some());
    }
    let mut problems = discovery.problems;
    let outcomes: Vec<item::Outcome> = discovery
        .found
        .into_par_iter()
        .map(|found| {
            let mut outcome = item::Outcome::default();
            match open::open(found, config) {
                Ok(open::Opened::Item(item)) => expand::expand(item, config, sink, &mut outcome),
                Ok(open::Opened::Stream(head, reader)) => {
                    stream::expand_read(head, reader, config, sink, &mut outcome, expand::expand);
                }
                Err(problem) => outcome.problems.push(problem),
            }
            outcome
        })
        .collect();
    let mut all = item::Outcome::default();
    for outcome in outcomes {
        all.absorb(outcome);
    }
    problems.append(&mut all.problems);
    let (sources, facts) = assemble::assemble(
        all.sources,
        all.facts,
        config,
        &assemble::Units {
            keys: &units,
            node_parents: &discovery.node_parents,
        },
    );
    Ok(Bundle {
        sources,
        problems,
        facts,
        units,
    })
}

/// The unit a display path belongs to: the longest unit that is the path itself or
/// a folder or archive above it. `units` is sorted (a binary search per ancestor, so
/// fleets of thousands of units stay cheap).
pub fn unit_of<'a>(units: &'a [String], display: &str) -> Option<&'a str> {
    let ends = display
        .match_indices(['/', '!'])
        .map(|(i, _)| i)
        .chain(std::iter::once(display.len()));
    // Longest first: the deepest unit wins.
    ends.rev().find_map(|end| {
        let prefix = display.get(..end)?;
        let i = units.binary_search_by(|u| u.as_str().cmp(prefix)).ok()?;
        units.get(i).map(String::as_str)
    })
}

/// Open one in-memory buffer as if it were a file called `name` (archives and
/// compressed data are expanded as usual). For fuzzing and tests: no disk access.
pub fn collect_bytes(name: &str, data: Vec<u8>, config: &InputConfig) -> Bundle {
    collect_memory(vec![(name.to_string(), data)], config)
}

/// Open in-memory files `(path, bytes)` as one bundle, with the same expansion,
/// node-layout, rotation and ordering rules as files on disk (signature examples,
/// tests, fuzzing).
pub fn collect_memory(files: Vec<(String, Vec<u8>)>, config: &InputConfig) -> Bundle {
    collect_memory_streaming(files, config, &Keep)
}

/// [`collect_memory`] with a [`StreamSink`], as [`collect_streaming`].
pub fn collect_memory_streaming(
    files: Vec<(String, Vec<u8>)>,
    config: &InputConfig,
    sink: &dyn StreamSink,
) -> Bundle {
    let mut outcome = item::Outcome::default();
    for (name, data) in files {
        let item = item::Item {
            parts: parts::from_member(&name),
            display: name,
            mtime: None,
            data: SourceData::Owned(data),
            depth: 0,
            cut_reported: false,
        };
        expand::expand(item, config, sink, &mut outcome);
    }
    let (sources, facts) = assemble::assemble(
        outcome.sources,
        outcome.facts,
        config,
        &assemble::Units::default(),
    );
    Bundle {
        sources,
        problems: outcome.problems,
        facts,
        units: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_belongs_to_the_longest_unit_above_it() {
        let mut units: Vec<String> = ["b/node-1", "b/node-10", "b/node-3.tar.gz", "b"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        units.sort();
        assert_eq!(unit_of(&units, "b/node-1/var/log/syslog"), Some("b/node-1"));
        // `node-1` is no folder above `node-10/...`.
        assert_eq!(
            unit_of(&units, "b/node-10/var/log/syslog"),
            Some("b/node-10")
        );
        assert_eq!(
            unit_of(&units, "b/node-3.tar.gz!/var/log/kern.log"),
            Some("b/node-3.tar.gz")
        );
        assert_eq!(unit_of(&units, "b/node-3.tar.gz"), Some("b/node-3.tar.gz"));
        assert_eq!(unit_of(&units, "b/README"), Some("b"));
        assert_eq!(unit_of(&units, "other/syslog"), None);
    }

    #[test]
    fn shards_take_every_nth_unit_and_together_all() {
        let shards: Vec<Shard> = (0..3).map(|index| Shard { index, count: 3 }).collect();
        for position in 0..10 {
            let owners = shards.iter().filter(|s| s.keeps(position)).count();
            assert_eq!(owners, 1, "unit {position}");
        }
        assert!(shards[1].keeps(4) && !shards[1].keeps(5));
        assert!(!Shard { index: 0, count: 0 }.keeps(0));
    }
}
