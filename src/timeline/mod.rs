//! Timeline: the merged, sorted result of a scan — incidents, unclassified groups,
//! node summaries and the source inventory. The only input of `report`.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use crate::correlate::{Incident, Unclassified};
use crate::error::Problem;

/// Provenance of a run: what produced the report and from what, so a reader can
/// reproduce it or see why it differs from another run (issue 15, point 5).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunInfo {
    /// podmortem version that wrote the report.
    pub version: String,
    /// Inputs as given on the command line (`-` is standard input).
    pub inputs: Vec<String>,
    /// Filters applied, as `--flag value` (empty: the whole bundle).
    pub filters: Vec<String>,
    /// Time assumptions of the whole run: `--year`, `--tz`, `--boot-time`, the display
    /// zone, and hints about times that could not be placed.
    pub time: Vec<String>,
}

impl RunInfo {
    /// Provenance with this build's version and nothing else known yet.
    pub fn current() -> RunInfo {
        RunInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            ..RunInfo::default()
        }
    }
}

/// Everything a report needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    /// How the report was made (version, inputs, filters, time assumptions).
    pub run: RunInfo,
    /// Nodes, sorted by name.
    pub nodes: Vec<NodeSummary>,
    /// Incidents in time order.
    pub incidents: Vec<Incident>,
    /// Unexplained error-level events.
    pub unclassified: Vec<Unclassified>,
    /// What was read from each source (node, format, span, lines not understood), so a
    /// reader can judge coverage; `--node` keeps only its nodes' sources.
    pub sources: Vec<SourceReport>,
    /// Soft problems (unreadable sources...).
    pub problems: Vec<Problem>,
    /// Events extracted from the whole bundle; [`Timeline::apply`] leaves it as is.
    pub event_count: u64,
    /// Time of the last event in the bundle.
    pub last_event: Option<DateTime<Utc>>,
}

use crate::correlate::Correlation;
use crate::events::Event;
use crate::resolve::ScanOutput;
/// The inventory types are produced by the resolution stage; a timeline carries them
/// to reports.
pub use crate::resolve::{NodeSummary, SourceReport};
use crate::signatures::Severity;

/// Which part of a timeline to keep (`--since`, `--until`, `--node`, `--min-severity`).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Drop what ended before this.
    pub since: Option<DateTime<Utc>>,
    /// Drop what started after this.
    pub until: Option<DateTime<Utc>>,
    /// Keep only these nodes (empty: all).
    pub nodes: Vec<String>,
    /// Keep only incidents at or above this severity.
    pub min_severity: Option<Severity>,
}

impl Selection {
    fn keeps_span(&self, start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> bool {
        let end = end.or(start);
        let start = start.or(end);
        self.since.is_none_or(|s| end.is_none_or(|e| e >= s))
            && self.until.is_none_or(|u| start.is_none_or(|t| t <= u))
    }

    fn keeps_nodes<'a>(&self, mut nodes: impl Iterator<Item = &'a str>) -> bool {
        self.nodes.is_empty() || nodes.any(|n| self.nodes.iter().any(|k| k == n))
    }

    /// Whether an event passes the time and node filters.
    pub fn keeps_event(&self, e: &Event) -> bool {
        self.keeps_span(e.time, e.time) && self.keeps_nodes(std::iter::once(e.node.as_str()))
    }
}

/// The canonical name of the node called `name` among `nodes` (name or alias,
/// case-insensitively).
pub fn canonical_node<'a>(nodes: &'a [NodeSummary], name: &str) -> Option<&'a str> {
    let name = name.trim();
    nodes
        .iter()
        .find(|n| {
            n.name.eq_ignore_ascii_case(name)
                || n.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
        .map(|n| n.name.as_str())
}

/// First and last time a host was seen in events, and the sources that named it.
type HostSeen<'a> = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, Vec<&'a str>);

/// The nodes a report names: those the inventory decided, plus every host the events
/// name that no source was attributed to. A multi-host syslog file has no one node
/// (`unknown`), but its lines name their hosts; listing "1 node: unknown" beside
/// incidents on 16 hosts would be false. `unknown` is dropped once no event is left
/// on it.
fn with_event_hosts(mut nodes: Vec<NodeSummary>, events: &[Event]) -> Vec<NodeSummary> {
    let mut extra: BTreeMap<&str, HostSeen<'_>> = BTreeMap::new();
    for e in events {
        if canonical_node(&nodes, &e.node).is_some() {
            continue;
        }
        let entry = extra
            .entry(e.node.as_str())
            .or_insert((None, None, Vec::new()));
        if let Some(t) = e.time {
            entry.0 = Some(entry.0.map_or(t, |f| f.min(t)));
            entry.1 = Some(entry.1.map_or(t, |l| l.max(t)));
        }
        if !entry.2.contains(&e.source.as_str()) {
            entry.2.push(&e.source);
        }
    }
    if extra.is_empty() {
        return nodes;
    }
    if !events.iter().any(|e| e.node == "unknown") {
        nodes.retain(|n| n.name != "unknown");
    }
    nodes.extend(
        extra
            .into_iter()
            .map(|(name, (first, last, sources))| NodeSummary {
                name: name.to_string(),
                aliases: Vec::new(),
                spans: first.zip(last).into_iter().collect(),
                sources: sources.len(),
            }),
    );
    nodes.sort_by(|a, b| crate::resolve::natural_order(&a.name, &b.name));
    nodes
}

impl Timeline {
    /// Assemble a timeline from a scan and its correlation.
    pub fn new(scan: ScanOutput, correlation: Correlation) -> Timeline {
        let nodes = with_event_hosts(scan.nodes, &scan.events);
        Timeline {
            run: RunInfo::current(),
            nodes,
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
            run: RunInfo::current(),
            nodes: Vec::new(),
            incidents: Vec::new(),
            unclassified: Vec::new(),
            sources: Vec::new(),
            problems: Vec::new(),
            event_count: 0,
            last_event: last,
        }
    }

    /// The canonical name of the node called `name` (its name or one of its aliases,
    /// case-insensitively), so `--node` accepts any name the report shows.
    pub fn canonical_node(&self, name: &str) -> Option<&str> {
        canonical_node(&self.nodes, name)
    }

    /// Time of the bundle's last event: the base of relative `--since`/`--until`.
    pub fn last_time(&self) -> Option<DateTime<Utc>> {
        self.last_event
    }

    /// Keep only what `f` selects: incidents by time span, node and severity,
    /// unclassified groups by time span and node, and with `--node` the node list and
    /// the inventory too. The event count stays that of the whole bundle.
    pub fn apply(&mut self, f: &Selection) {
        self.incidents.retain(|i| {
            f.keeps_span(i.start, i.end)
                && f.keeps_nodes(i.nodes.iter().map(String::as_str))
                && f.min_severity.is_none_or(|m| i.severity >= m)
        });
        self.unclassified.retain(|u| {
            f.keeps_span(u.start, u.end) && f.keeps_nodes(u.nodes.iter().map(String::as_str))
        });
        if !f.nodes.is_empty() {
            self.nodes.retain(|n| f.nodes.contains(&n.name));
            self.sources.retain(|s| f.nodes.contains(&s.node));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::resolve::natural_order;

    #[test]
    fn node_names_sort_as_people_count() {
        let mut names = vec![
            "node-10",
            "node-2",
            "node-1",
            "ip-10-0-1-9",
            "ip-10-0-1-16",
            "node-02",
        ];
        names.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            names,
            [
                "ip-10-0-1-9",
                "ip-10-0-1-16",
                "node-1",
                "node-02",
                "node-2",
                "node-10"
            ]
        );
    }
}
