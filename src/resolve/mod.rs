//! Resolve: what a unit's harvests mean once every source of it is known. Decides
//! node identity (layout, hostnames, renames), each stream's zone and year reference,
//! dmesg anchoring, and the time and node of every event; drops the boot a node's
//! logs begin with and copies of a line seen in two sources; fills the inventory.
//! Units resolve alone ([`UnitOutput`]) and [`merge`] joins them.
//!
//! The entry points run the `scan` engine and resolve what it extracts, unit by unit
//! as the engine hands them over.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::error::{Error, Problem};
use crate::events::Event;
use crate::input::{Bundle, InputConfig, NodeFrom};
use crate::scan::{self, ScanConfig};

mod clock;
mod inventory;
pub mod jsonl;
mod names;
mod order;
mod unit;

pub use clock::TimeConfig;
pub use inventory::{NodeSummary, SourceReport, natural_order};
pub use order::{is_sorted, sort_events, sort_events_ref};

/// Options of a scan and its resolution (the CLI builds them from flags).
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The extraction engine's options: raw-line rules, chunking, progress.
    pub scan: ScanConfig,
    /// Year, zone and boot-time options.
    pub time: TimeConfig,
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
    /// Soft problems of its input and scan (the unit is still used).
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

/// Scan every source of a bundle (in parallel on the current rayon pool).
pub fn scan(bundle: &Bundle, config: &Config) -> ScanOutput {
    merge(scan_units(bundle, config))
}

/// Scan every source of a bundle, resolved unit by unit, in unit order.
pub fn scan_units(bundle: &Bundle, config: &Config) -> Vec<UnitOutput> {
    scan::harvest_bundle(bundle, &config.scan, |u| unit::assemble(u, &config.time))
}

/// Collect and scan the sources under `paths` (`-` is stdin), scanning what lies
/// inside streams (members of compressed archives, stdin) while it is decoded, so
/// that memory stays bounded whatever their size. Gives the same output as
/// [`scan()`] over [`crate::input::collect`].
pub fn scan_paths(
    paths: &[PathBuf],
    input: &InputConfig,
    config: &Config,
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
    config: &Config,
) -> Result<(Bundle, Vec<UnitOutput>), Error> {
    scan::harvest_paths(paths, input, &config.scan, |u| {
        unit::assemble(u, &config.time)
    })
}

/// [`scan_paths`] over in-memory files `(path, bytes)`, laid out as on disk.
pub fn scan_memory(
    files: Vec<(String, Vec<u8>)>,
    input: &InputConfig,
    config: &Config,
) -> (Bundle, ScanOutput) {
    let (bundle, units) = scan::harvest_memory(files, input, &config.scan, |u| {
        unit::assemble(u, &config.time)
    });
    (bundle, merge(units))
}

/// Scan in-memory files `(path, text)` — signature examples and tests. Paths are
/// laid out as on disk: `node-1/var/log/syslog` belongs to node `node-1`.
pub fn extract_texts(files: &[(String, String)], config: &Config) -> Vec<Event> {
    let files = files
        .iter()
        .map(|(p, t)| (p.clone(), t.as_bytes().to_vec()))
        .collect();
    let bundle = crate::input::collect_memory(files, &crate::input::InputConfig::default());
    scan(&bundle, config).events
}

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
    let mut aliases: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
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
    let nodes = inventory::node_summaries(&rows, &aliases);
    problems.extend(inventory::collisions(&nodes));
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
    let mut aliases: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in units.iter().flat_map(|u| &u.nodes) {
        aliases
            .entry(node.name.clone())
            .or_default()
            .extend(node.aliases.iter().cloned());
    }
    inventory::node_summaries(units.iter().flat_map(|u| &u.sources), &aliases)
}
