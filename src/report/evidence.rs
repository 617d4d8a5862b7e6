//! How every format presents evidence rows and groups incidents, decided once so the
//! formats tell the same story: which rows an incident shows (each cited line once),
//! which are context outside its window, what part of a journald export record is
//! worth showing, how a long path is shortened, which zone a log line's own clock is
//! in, and which incidents of one signature form a fleet.

use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

use crate::correlate::{Evidence, Incident};
use crate::signatures::Severity;
use crate::timeline::Timeline;

/// A signature seen on at least this many nodes is summarised as one fleet line.
pub(crate) const FLEET_MIN_NODES: usize = 3;

/// The evidence rows of an incident as a report shows them: each cited line once
/// (the first row that cites it wins), in the correlator's order.
pub(crate) fn distinct_rows(evidence: &[Evidence]) -> Vec<&Evidence> {
    let mut seen = BTreeSet::new();
    evidence
        .iter()
        .filter(|e| seen.insert((e.source.as_str(), e.line, e.end_line)))
        .collect()
}

/// Where a row sits relative to its incident's window.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum RowPlace {
    /// Inside the incident's start–end window (or the window is unknown).
    Within,
    /// Cited as context from before the window (a boot line, a driver warning).
    Before,
    /// Cited as context from after the window.
    After,
}

impl RowPlace {
    /// Place of `e` relative to `incident`'s window.
    ///
    /// Compared in whole seconds, as reports print them: a row 0.1 ms before the
    /// window's first trigger prints the same time and is not called context.
    pub(crate) fn of(e: &Evidence, incident: &Incident) -> RowPlace {
        let secs = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp());
        match (
            secs(e.time),
            secs(incident.start),
            secs(incident.end.or(incident.start)),
        ) {
            (Some(t), Some(start), _) if t < start => RowPlace::Before,
            (Some(t), _, Some(end)) if t > end => RowPlace::After,
            _ => RowPlace::Within,
        }
    }

    /// Words a report prints beside a context row; `None` inside the window.
    pub(crate) fn label(self) -> Option<&'static str> {
        match self {
            RowPlace::Within => None,
            RowPlace::Before => Some("context, before the incident window"),
            RowPlace::After => Some("context, after the incident window"),
        }
    }
}

/// The lines of an evidence text worth showing. A journald export record
/// (`journalctl -o export`) is a block of `KEY=VALUE` lines starting with
/// `__CURSOR=`: only its `MESSAGE=` line says what happened.
pub(crate) fn display_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let is_export = lines.iter().any(|l| l.starts_with("__CURSOR="))
        && lines.iter().any(|l| l.starts_with("MESSAGE="));
    if is_export {
        lines
            .into_iter()
            .filter(|l| l.starts_with("MESSAGE="))
            .collect()
    } else {
        lines
    }
}

/// `source:line` or `source:line-end`.
pub(crate) fn citation(e: &Evidence) -> String {
    if e.end_line > e.line {
        format!("{}:{}-{}", e.source, e.line, e.end_line)
    } else {
        format!("{}:{}", e.source, e.line)
    }
}

/// A citation shortened to `max` display columns by dropping whole folders, keeping
/// what identifies the line: the node's folder, the file name and the line number
/// (`…/node-07/…/kubelet.log.2.gz:183`). Only when even that does not fit is the file
/// name cut from the left.
pub(crate) fn short_citation(e: &Evidence, max: usize) -> String {
    let full = citation(e);
    if width(&full) <= max {
        return full;
    }
    let suffix = full.get(e.source.len()..).unwrap_or_default();
    let parts: Vec<&str> = e.source.split(['/', '!']).collect();
    let file = parts.last().copied().unwrap_or_default();
    let node_dir = parts
        .iter()
        .take(parts.len().saturating_sub(1))
        .rposition(|p| *p == e.node);
    if let Some(at) = node_dir {
        // Keep everything from the node folder on when it fits, else only its name.
        let from_node = format!("…/{}{suffix}", parts[at..].join("/"));
        if width(&from_node) <= max {
            return from_node;
        }
        let between = if at + 2 < parts.len() { "…/" } else { "" };
        let compact = format!("…/{}/{between}{file}{suffix}", e.node);
        if width(&compact) <= max {
            return compact;
        }
    }
    let tail = format!("…/{file}{suffix}");
    if width(&tail) <= max {
        return tail;
    }
    truncate_left(&full, max)
}

/// Display width in terminal columns (CJK and emoji take two).
pub(crate) fn width(text: &str) -> usize {
    textwrap::core::display_width(text)
}

/// Cut `text` to at most `max` columns, ending in `…` when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = width(c.encode_utf8(&mut [0; 4]));
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Cut `text` to at most `max` columns from the left, starting with `…` when cut.
pub(crate) fn truncate_left(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = width(c.encode_utf8(&mut [0; 4]));
        if used + w + 1 > max {
            break;
        }
        kept.push(c);
        used += w;
    }
    let mut out = String::from("…");
    out.extend(kept.iter().rev());
    out
}

/// The zone the log line's own timestamp is written in, when it is a local zone other
/// than UTC: read from its source's assumption (`local times read in Asia/Shanghai`),
/// so a reader comparing the line's `Jun  8 03:03:28` with the UTC time beside it knows
/// why they differ.
pub(crate) fn line_zone<'a>(timeline: &'a Timeline, e: &Evidence) -> Option<&'a str> {
    let source = timeline.sources.iter().find(|s| s.path == e.source)?;
    source
        .assumptions
        .iter()
        .find_map(|a| a.strip_prefix("local times read in "))
        .map(|z| z.split([' ', ';', ',']).next().unwrap_or(z))
        .filter(|z| {
            let utc = [
                "utc",
                "etc/utc",
                "gmt",
                "etc/gmt",
                "universal",
                "etc/universal",
                "zulu",
            ];
            !utc.contains(&z.to_ascii_lowercase().as_str())
        })
}

/// What a report says beside an evidence row: whether it is context outside the
/// incident's window, and which zone the log line's own clock is in.
pub(crate) fn row_notes(
    timeline: &Timeline,
    incident: Option<&Incident>,
    e: &Evidence,
) -> Vec<String> {
    let mut notes: Vec<String> = incident
        .and_then(|i| RowPlace::of(e, i).label())
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(zone) = line_zone(timeline, e) {
        notes.push(format!("the line's own clock is {zone} local time"));
    }
    notes
}

/// The earlier incident whose root cause, remediation and references `i` repeats
/// word for word (same signature): reports print them once, at the first incident,
/// and point back to it, so 40 incidents of one signature do not repeat the same
/// paragraphs 40 times.
pub(crate) fn explained_at<'a>(incidents: &'a [Incident], i: &Incident) -> Option<&'a Incident> {
    incidents
        .iter()
        .take_while(|other| other.id != i.id)
        .find(|other| {
            other.signature == i.signature
                && other.root_cause == i.root_cause
                && other.remediation == i.remediation
                && other.references == i.references
        })
}

/// Incidents of one signature, for "root cause once, then its incidents" and the
/// fleet lines of the overview.
pub(crate) struct SignatureGroup<'a> {
    /// Signature id.
    pub signature: &'a str,
    /// Its incidents, in timeline order.
    pub incidents: Vec<&'a Incident>,
    /// Every node any of them concerns, sorted.
    pub nodes: BTreeSet<&'a str>,
    /// Highest severity among them.
    pub severity: Severity,
    /// Earliest start and latest end.
    pub span: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
}

impl SignatureGroup<'_> {
    /// Whether the group reads better as one fleet line than as one row per incident.
    pub(crate) fn is_fleet(&self) -> bool {
        self.nodes.len() >= FLEET_MIN_NODES && self.incidents.len() >= FLEET_MIN_NODES
    }
}

/// Incidents grouped by signature, groups ordered by their first incident.
pub(crate) fn signature_groups(incidents: &[Incident]) -> Vec<SignatureGroup<'_>> {
    let mut groups: Vec<SignatureGroup<'_>> = Vec::new();
    for i in incidents {
        let at = groups.iter().position(|g| g.signature == i.signature);
        let group = match at {
            Some(at) => &mut groups[at],
            None => {
                groups.push(SignatureGroup {
                    signature: &i.signature,
                    incidents: Vec::new(),
                    nodes: BTreeSet::new(),
                    severity: i.severity,
                    span: (None, None),
                });
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        group.incidents.push(i);
        group.nodes.extend(i.nodes.iter().map(String::as_str));
        group.severity = group.severity.max(i.severity);
        group.span.0 = min_some(group.span.0, i.start);
        group.span.1 = max_some(group.span.1, i.end.or(i.start));
    }
    groups
}

fn min_some(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_some(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::time::TimeQuality;

    fn row(source: &str, node: &str, line: u64) -> Evidence {
        Evidence {
            time: None,
            time_quality: TimeQuality::Exact,
            node: node.to_string(),
            kind: "kubelet.pleg_unhealthy".to_string(),
            source: source.to_string(),
            line,
            end_line: line,
            text: String::new(),
            count: 1,
            last: None,
        }
    }

    #[test]
    fn long_paths_keep_the_node_folder_and_the_file_name() {
        let e = row(
            "fleet-2018-06-08/collected/node-07/var/log/kubernetes/kubelet.log.2.gz",
            "node-07",
            183,
        );
        assert_eq!(short_citation(&e, 200), format!("{}:183", e.source));
        assert_eq!(
            short_citation(&e, 60),
            "…/node-07/var/log/kubernetes/kubelet.log.2.gz:183"
        );
        assert_eq!(short_citation(&e, 40), "…/node-07/…/kubelet.log.2.gz:183");
        assert_eq!(short_citation(&e, 34), "…/node-07/…/kubelet.log.2.gz:183");
        assert_eq!(short_citation(&e, 26), "…/kubelet.log.2.gz:183");
    }

    #[test]
    fn journald_export_records_show_their_message() {
        let record = "__CURSOR=s=739ad463348b4ceca5a9e69c95a3c93f;i=4ece7;b=6c7c6013a8674bd69d7a5a4a1b4a3b5d\n\
                      __REALTIME_TIMESTAMP=1528426808803180\n_HOSTNAME=node-3\n\
                      MESSAGE=Out of memory: Kill process 8931 (java) score 987 or sacrifice child";
        assert_eq!(
            display_lines(record),
            vec!["MESSAGE=Out of memory: Kill process 8931 (java) score 987 or sacrifice child"]
        );
        assert_eq!(display_lines("a\nb"), vec!["a", "b"]);
    }

    #[test]
    fn each_cited_line_is_shown_once() {
        let rows = vec![
            row("a.log", "n", 4),
            row("a.log", "n", 4),
            row("a.log", "n", 5),
        ];
        assert_eq!(distinct_rows(&rows).len(), 2);
    }

    #[test]
    fn width_counts_columns_not_chars() {
        assert_eq!(width("节点"), 4);
        assert_eq!(truncate("节点节点节点", 5), "节点…");
        assert_eq!(truncate_left("abcdef", 4), "…def");
    }
}
