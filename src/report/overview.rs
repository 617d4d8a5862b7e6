//! Facts every format prints the same way: counts by severity, covered time spans,
//! causal chains. Computed once from the [`Timeline`] so the formats cannot disagree.

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

use super::{DisplayZone, times};
use crate::correlate::Incident;
use crate::signatures::Severity;
use crate::timeline::Timeline;

/// The summary of a timeline shown at the top of every report.
#[derive(Clone, Debug, PartialEq)]
pub struct Overview {
    /// Nodes the timeline lists (after `--node`), hosts only events name included.
    pub nodes: usize,
    /// Incidents left after the filters.
    pub incidents: usize,
    /// Incident counts, most severe first (every severity listed, zeros included).
    pub by_severity: Vec<(Severity, usize)>,
    /// Unclassified groups left after the filters.
    pub unclassified: usize,
    /// Sources in the inventory; 0 when the timeline has none (`correlate` over event
    /// files).
    pub sources: usize,
    /// Events extracted from the whole scan: the filters do not change it.
    pub events: u64,
    /// Lines that matched no envelope format, over all sources.
    pub unparsed_lines: u64,
    /// Lines that looked relevant but failed their grammar (format drift), over all sources.
    pub drift_lines: u64,
    /// Earliest and latest time covered by the logs (sources' first/last).
    pub logs_span: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    /// Earliest incident start and latest incident end.
    pub incidents_span: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    /// Causal chains, each from the root cause to a final effect (`INC-002 → INC-003`).
    pub chains: Vec<Vec<String>>,
    /// Whether any cited time was inferred (year, zone, boot anchor).
    pub inferred_times: bool,
}

impl Overview {
    /// Summarise `timeline` once per report, so every format prints the same figures.
    pub fn of(timeline: &Timeline) -> Overview {
        let severities = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ];
        let by_severity = severities
            .iter()
            .map(|s| {
                let n = timeline
                    .incidents
                    .iter()
                    .filter(|i| i.severity == *s)
                    .count();
                (*s, n)
            })
            .collect();
        let logs_span = (
            timeline.sources.iter().filter_map(|s| s.first).min(),
            timeline.sources.iter().filter_map(|s| s.last).max(),
        );
        let incidents_span = (
            timeline.incidents.iter().filter_map(|i| i.start).min(),
            timeline.incidents.iter().filter_map(|i| i.end).max(),
        );
        let inferred_times = timeline.incidents.iter().any(incident_time_inferred)
            || timeline.unclassified.iter().any(|u| {
                u.evidence
                    .iter()
                    .any(|e| times::is_inferred(e.time_quality))
            });
        Overview {
            nodes: timeline.nodes.len(),
            incidents: timeline.incidents.len(),
            by_severity,
            unclassified: timeline.unclassified.len(),
            sources: timeline.sources.len(),
            events: timeline.event_count,
            unparsed_lines: timeline.sources.iter().map(|s| s.unparsed).sum(),
            drift_lines: timeline.sources.iter().flat_map(|s| s.drift.values()).sum(),
            logs_span,
            incidents_span,
            chains: causal_chains(&timeline.incidents),
            inferred_times,
        }
    }
}

/// The events fact when the timeline has no source inventory (`correlate` over event
/// files): saying "from 0 sources; 0 unparsed lines" beside incidents would be false.
pub(crate) fn events_without_sources(ov: &Overview) -> Option<String> {
    (ov.sources == 0 && ov.events > 0).then(|| {
        format!(
            "{} read from event files (no source inventory: line counts unknown)",
            ov.events
        )
    })
}

/// Whether an incident's start/end rest on an inferred time.
pub(crate) fn incident_time_inferred(incident: &Incident) -> bool {
    incident
        .evidence
        .iter()
        .any(|e| times::is_inferred(e.time_quality))
}

/// Ids of the incidents that `id` plausibly caused, in timeline order.
pub(crate) fn effects_of<'a>(incidents: &'a [Incident], id: &str) -> Vec<&'a str> {
    incidents
        .iter()
        .filter(|i| i.caused_by.as_deref() == Some(id))
        .map(|i| i.id.as_str())
        .collect()
}

/// Causal chains from `caused_by` links: one path per final effect, starting at a root
/// cause (an incident that causes others but has no known cause itself).
///
/// Links to unknown ids are ignored; a cycle (which correlation should never produce)
/// is cut where it closes, so this always terminates.
pub fn causal_chains(incidents: &[Incident]) -> Vec<Vec<String>> {
    let known: BTreeSet<&str> = incidents.iter().map(|i| i.id.as_str()).collect();
    let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut has_cause: BTreeSet<&str> = BTreeSet::new();
    for incident in incidents {
        if let Some(cause) = incident.caused_by.as_deref()
            && known.contains(cause)
            && cause != incident.id
        {
            children.entry(cause).or_default().push(&incident.id);
            has_cause.insert(&incident.id);
        }
    }
    let mut chains = Vec::new();
    for incident in incidents {
        let id = incident.id.as_str();
        if children.contains_key(id) && !has_cause.contains(id) {
            let mut path = vec![id];
            walk(&children, &mut path, &mut chains);
        }
    }
    chains
}

fn walk<'a>(
    children: &BTreeMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
    chains: &mut Vec<Vec<String>>,
) {
    let Some(last) = path.last().copied() else {
        return;
    };
    let next: Vec<&str> = children
        .get(last)
        .map(|c| c.iter().copied().filter(|c| !path.contains(c)).collect())
        .unwrap_or_default();
    if next.is_empty() {
        chains.push(path.iter().map(|s| s.to_string()).collect());
        return;
    }
    for child in next {
        path.push(child);
        walk(children, path, chains);
        path.pop();
    }
}

/// One thing a reviewer must know the report could not see or could not be sure of.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Gap {
    /// Category: `Unreadable`, `Read error`, `Unparsed lines`, `Format drift`,
    /// `Time uncertainty`, `Coverage`.
    pub label: &'static str,
    /// Plain, unescaped sentence; each format escapes it.
    pub text: String,
}

/// The gaps of a timeline: unreadable sources, unparsed or drifting lines, time
/// assumptions, events without wall time, and holes in a node's log coverage.
pub(crate) fn gaps(timeline: &Timeline, zone: Option<DisplayZone>) -> Vec<Gap> {
    let mut items = Vec::new();
    let mut push = |label: &'static str, text: String| items.push(Gap { label, text });
    for p in &timeline.problems {
        push("Unreadable", format!("{}: {}", p.source, p.message));
    }
    for src in &timeline.sources {
        for e in &src.errors {
            push("Read error", format!("{}: {e}", src.path));
        }
    }
    for src in &timeline.sources {
        if src.unparsed > 0 {
            push(
                "Unparsed lines",
                format!(
                    "{} of {} lines in {} matched no known format",
                    src.unparsed, src.lines, src.path
                ),
            );
        }
        for (kind, n) in &src.drift {
            push(
                "Format drift",
                format!(
                    "{n} lines in {} looked like {kind} but failed its grammar (a log format change?)",
                    src.path
                ),
            );
        }
    }
    for src in &timeline.sources {
        for a in &src.assumptions {
            push("Time uncertainty", format!("{}: {a}", src.path));
        }
    }
    let untimed: u64 = timeline
        .incidents
        .iter()
        .flat_map(|i| i.evidence.iter())
        .chain(timeline.unclassified.iter().flat_map(|u| u.evidence.iter()))
        .filter(|e| e.time.is_none())
        .map(|e| e.count.max(1))
        .sum();
    if untimed > 0 {
        push(
            "Time uncertainty",
            format!(
                "{untimed} cited event(s) have no wall time (unanchored dmesg uptime or no timestamp); their order relative to other logs is unknown"
            ),
        );
    }
    for node in &timeline.nodes {
        for pair in node.spans.windows(2) {
            if let [(_, end), (start, _)] = pair {
                push(
                    "Coverage",
                    format!(
                        "no logs from {} between {} and {}",
                        node.name,
                        times::instant(*end, zone),
                        times::instant(*start, zone)
                    ),
                );
            }
        }
    }
    items
}

/// How a report names an unclassified group's level.
pub(crate) fn level_word(level: crate::envelope::Level) -> &'static str {
    match level {
        crate::envelope::Level::Fatal => "FATAL",
        crate::envelope::Level::Error => "ERROR",
        crate::envelope::Level::Warning => "WARNING",
        crate::envelope::Level::Info => "INFO",
        crate::envelope::Level::Debug => "DEBUG",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlate::Confidence;

    fn incident(id: &str, caused_by: Option<&str>) -> Incident {
        Incident {
            id: id.to_string(),
            signature: "test.sig".to_string(),
            title: "t".to_string(),
            severity: Severity::High,
            nodes: vec!["node-1".to_string()],
            start: None,
            end: None,
            summary: String::new(),
            root_cause: String::new(),
            remediation: vec![],
            references: vec![],
            confidence: Confidence {
                level: "high".to_string(),
                reasons: vec![],
            },
            caused_by: caused_by.map(str::to_string),
            evidence: vec![],
        }
    }

    #[test]
    fn chains_follow_caused_by_from_the_root() {
        let incidents = vec![
            incident("INC-001", None),
            incident("INC-002", None),
            incident("INC-003", Some("INC-002")),
            incident("INC-004", Some("INC-003")),
            incident("INC-005", Some("INC-002")),
        ];
        assert_eq!(
            causal_chains(&incidents),
            vec![
                vec!["INC-002", "INC-003", "INC-004"],
                vec!["INC-002", "INC-005"]
            ]
        );
        assert_eq!(
            effects_of(&incidents, "INC-002"),
            vec!["INC-003", "INC-005"]
        );
    }

    #[test]
    fn dangling_links_and_cycles_do_not_hang() {
        let incidents = vec![
            incident("INC-001", Some("INC-002")),
            incident("INC-002", Some("INC-001")),
            incident("INC-003", Some("INC-099")),
            incident("INC-004", Some("INC-004")),
        ];
        // A pure cycle has no root, so no chain is reported; nothing panics or loops.
        assert!(causal_chains(&incidents).is_empty());
    }
}
