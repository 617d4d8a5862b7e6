//! The inventory the resolution stage makes beside the events: one row per source
//! and one summary per node. Defined here, with the stage that fills them; the
//! timeline carries them on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use crate::error::Problem;
use crate::input::NodeFrom;

/// Inventory row of one source (the `sources` subcommand and the reports' appendix).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceReport {
    /// Display path.
    pub path: String,
    /// Detected format name (the most common one when a file mixes formats).
    pub format: String,
    /// The node the source was attributed to (see `node_from` for how).
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

/// Names in the order people count them: `node-2` before `node-10` (runs of digits
/// compare as numbers, the rest as text); ties fall back to the plain byte order so
/// the order stays total.
pub fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> impl Iterator<Item = (bool, &str)> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digits = first.is_ascii_digit();
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digits)
                .unwrap_or(rest.len());
            let (chunk, tail) = rest.split_at(end);
            rest = tail;
            Some((digits, chunk))
        })
    }
    let mut x = chunks(a);
    let mut y = chunks(b);
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some((true, p)), Some((true, q))) => {
                let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                let o = p.len().cmp(&q.len()).then_with(|| p.cmp(q));
                if o.is_ne() {
                    return o;
                }
            }
            (Some((_, p)), Some((_, q))) => {
                if p != q {
                    return p.cmp(q);
                }
            }
        }
    }
}

/// One summary per node of `rows`, with the names it was known by, in natural order.
pub(super) fn node_summaries<'a>(
    rows: impl IntoIterator<Item = &'a SourceReport>,
    aliases: &BTreeMap<String, BTreeSet<String>>,
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

/// Past this many nodes a collision names only the first [`COLLISION_SHOWN`]: a fleet
/// whose syslogs all say `ubuntu` would otherwise print every node on one line.
const COLLISION_LISTED: usize = 5;
/// How many nodes a long collision names before "and N more".
const COLLISION_SHOWN: usize = 4;

/// A hostname that is a name of two nodes: two units whose logs carry the same
/// generic hostname (`ubuntu`, `localhost`) stay two nodes, and the report says so.
pub(super) fn collisions(nodes: &[NodeSummary]) -> Vec<Problem> {
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
            message: if nodes.len() <= COLLISION_LISTED {
                format!(
                    "hostname collision: {host} names {}; kept as separate nodes",
                    nodes.join(" and ")
                )
            } else {
                format!(
                    "hostname collision: {host} names {} nodes ({} and {} more); kept as separate nodes",
                    nodes.len(),
                    nodes[..COLLISION_SHOWN].join(", "),
                    nodes.len() - COLLISION_SHOWN
                )
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nodes `worker-1..=n`, each also known as `ubuntu`, in the inventory's order.
    fn ubuntu_fleet(n: usize) -> Vec<NodeSummary> {
        let rows: Vec<SourceReport> = (1..=n)
            .map(|i| SourceReport {
                path: format!("worker-{i}/var/log/syslog"),
                format: "rfc3164".into(),
                node: format!("worker-{i}"),
                node_from: NodeFrom::Directory,
                lines: 1,
                unparsed: 0,
                first: None,
                last: None,
                assumptions: Vec::new(),
                errors: Vec::new(),
                drift: BTreeMap::new(),
            })
            .collect();
        let aliases = rows
            .iter()
            .map(|r| (r.node.clone(), BTreeSet::from(["ubuntu".to_string()])))
            .collect();
        node_summaries(&rows, &aliases)
    }

    #[test]
    fn a_few_colliding_nodes_are_all_named() {
        let problems = collisions(&ubuntu_fleet(3));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].source, "hostname ubuntu");
        assert_eq!(
            problems[0].message,
            "hostname collision: ubuntu names worker-1 and worker-2 and worker-3; kept as separate nodes"
        );
        let five = &collisions(&ubuntu_fleet(5))[0].message;
        assert!(five.contains("worker-5; kept"), "{five}");
        assert!(!five.contains("more"), "{five}");
    }

    #[test]
    fn a_fleet_of_colliding_nodes_is_summarised() {
        let problems = collisions(&ubuntu_fleet(120));
        assert_eq!(problems.len(), 1);
        // natural order: worker-2 before worker-10
        assert_eq!(
            problems[0].message,
            "hostname collision: ubuntu names 120 nodes (worker-1, worker-2, worker-3, worker-4 and 116 more); kept as separate nodes"
        );
        let six = &collisions(&ubuntu_fleet(6))[0].message;
        assert!(
            six.ends_with(
                "(worker-1, worker-2, worker-3, worker-4 and 2 more); kept as separate nodes"
            ),
            "{six}"
        );
    }

    #[test]
    fn a_name_of_one_node_is_no_collision() {
        assert!(collisions(&ubuntu_fleet(1)).is_empty());
    }
}
