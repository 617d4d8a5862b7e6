//! Timeline: the merged, sorted result of a scan — incidents, unclassified groups,
//! node summaries and the source inventory. The only input of `report`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::correlate::{Incident, Unclassified};
use crate::error::Problem;
use crate::input::NodeFrom;

/// Inventory row of one source (the `sources` subcommand and the reports' appendix).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceReport {
    /// Display path.
    pub path: String,
    /// Detected format name (the most common one when a file mixes formats).
    pub format: String,
    /// Node.
    pub node: String,
    /// How the node was decided.
    pub node_from: NodeFrom,
    /// Number of lines.
    pub lines: u64,
    /// Lines examined that matched no envelope format.
    pub unparsed: u64,
    /// First time seen (UTC).
    pub first: Option<DateTime<Utc>>,
    /// Last time seen (UTC).
    pub last: Option<DateTime<Utc>>,
    /// Year / zone / anchoring assumptions made for this source.
    pub assumptions: Vec<String>,
    /// Problems reading it.
    pub errors: Vec<String>,
    /// Lines that looked relevant to an event kind but failed its grammar, per kind.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub drift: BTreeMap<String, u64>,
}

/// One node: its names and the time spans its logs cover.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    /// Canonical name.
    pub name: String,
    /// Other names the node was known by (renames).
    pub aliases: Vec<String>,
    /// Covered spans (merged first..last of its sources).
    pub spans: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Number of sources.
    pub sources: usize,
}

/// Everything a report needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Nodes, sorted by name.
    pub nodes: Vec<NodeSummary>,
    /// Incidents in time order.
    pub incidents: Vec<Incident>,
    /// Unexplained error-level events.
    pub unclassified: Vec<Unclassified>,
    /// Source inventory.
    pub sources: Vec<SourceReport>,
    /// Soft problems (unreadable sources...).
    pub problems: Vec<Problem>,
    /// Total events extracted.
    pub event_count: u64,
    /// Time of the last event in the bundle.
    pub last_event: Option<DateTime<Utc>>,
}

use crate::correlate::Correlation;
use crate::events::Event;
use crate::scan::ScanOutput;
use crate::signatures::Severity;

/// Which part of a timeline to keep (`--since`, `--until`, `--node`, `--min-severity`).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Drop what ended before this.
    pub since: Option<DateTime<Utc>>,
    /// Drop what started after this.
    pub until: Option<DateTime<Utc>>,
    /// Keep only these nodes (empty: all).
    pub nodes: Vec<String>,
    /// Keep only incidents at or above this severity.
    pub min_severity: Option<Severity>,
}

impl Filter {
    fn keeps_span(&self, start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> bool {
        let end = end.or(start);
        let start = start.or(end);
        self.since.is_none_or(|s| end.is_none_or(|e| e >= s))
            && self.until.is_none_or(|u| start.is_none_or(|t| t <= u))
    }

    fn keeps_nodes<'a>(&self, mut nodes: impl Iterator<Item = &'a String>) -> bool {
        self.nodes.is_empty() || nodes.any(|n| self.nodes.contains(n))
    }

    /// Whether an event passes the time and node filters.
    pub fn keeps_event(&self, e: &Event) -> bool {
        self.keeps_span(e.time, e.time) && self.keeps_nodes(std::iter::once(&e.node))
    }
}

impl Timeline {
    /// Assemble a timeline from a scan and its correlation.
    pub fn new(scan: ScanOutput, correlation: Correlation) -> Timeline {
        Timeline {
            nodes: scan.nodes,
            incidents: correlation.incidents,
            unclassified: correlation.unclassified,
            sources: scan.sources,
            problems: scan.problems,
            event_count: scan.events.len() as u64,
            last_event: scan.events.iter().filter_map(|e| e.time).max(),
        }
    }

    /// An empty timeline that only knows the time of the last event (for relative filters).
    pub fn empty_with_last(last: Option<DateTime<Utc>>) -> Timeline {
        Timeline {
            nodes: Vec::new(),
            incidents: Vec::new(),
            unclassified: Vec::new(),
            sources: Vec::new(),
            problems: Vec::new(),
            event_count: 0,
            last_event: last,
        }
    }

    /// Time of the bundle's last event: the base of relative `--since`/`--until`.
    pub fn last_time(&self) -> Option<DateTime<Utc>> {
        self.last_event
    }

    /// Keep only what the filter selects.
    pub fn apply(&mut self, f: &Filter) {
        self.incidents.retain(|i| {
            f.keeps_span(i.start, i.end)
                && f.keeps_nodes(i.nodes.iter())
                && f.min_severity.is_none_or(|m| i.severity >= m)
        });
        self.unclassified
            .retain(|u| f.keeps_span(u.start, u.end) && f.keeps_nodes(u.nodes.iter()));
        if !f.nodes.is_empty() {
            self.nodes.retain(|n| f.nodes.contains(&n.name));
            self.sources.retain(|s| f.nodes.contains(&s.node));
        }
    }
}
