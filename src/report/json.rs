//! JSON output: serialize-only mirror types, so the internal structs can change while
//! the schema (`docs/json-schema.md`, `"version": 1`) stays put. Times are RFC 3339
//! UTC strings or `null`, whatever display zone the other formats use.

use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

use super::overview::Overview;
use super::{escape, times};
use crate::correlate::{Evidence, Incident, Unclassified};
use crate::envelope::Level;
use crate::error::Problem;
use crate::input::NodeFrom;
use crate::timeline::{NodeSummary, SourceReport, Timeline};

/// Schema version of the report document; bump on any incompatible change.
pub(crate) const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct ReportDoc<'a> {
    version: u32,
    meta: MetaDoc<'a>,
    summary: SummaryDoc<'a>,
    incidents: Vec<IncidentDoc<'a>>,
    unclassified: Vec<UnclassifiedDoc<'a>>,
    sources: Vec<SourceDoc<'a>>,
    nodes: Vec<NodeDoc<'a>>,
    problems: Vec<ProblemDoc<'a>>,
}

/// Provenance of the run (issue 15): which podmortem, on what, with which filters
/// and time assumptions.
#[derive(Serialize)]
struct MetaDoc<'a> {
    podmortem_version: &'a str,
    inputs: &'a [String],
    filters: &'a [String],
    time_assumptions: &'a [String],
}

#[derive(Serialize)]
struct SummaryDoc<'a> {
    nodes: usize,
    incidents: usize,
    by_severity: BTreeMap<&'a str, usize>,
    unclassified: usize,
    sources: usize,
    events: u64,
    unparsed_lines: u64,
    drift_lines: u64,
    logs_start: Option<String>,
    logs_end: Option<String>,
    incidents_start: Option<String>,
    incidents_end: Option<String>,
    chains: &'a [Vec<String>],
    inferred_times: bool,
    problems: usize,
}

#[derive(Serialize)]
struct IncidentDoc<'a> {
    id: &'a str,
    signature: &'a str,
    title: &'a str,
    severity: &'a str,
    nodes: &'a [String],
    start: Option<String>,
    end: Option<String>,
    summary: &'a str,
    root_cause: &'a str,
    remediation: &'a [String],
    references: &'a [String],
    confidence: ConfidenceDoc<'a>,
    caused_by: Option<&'a str>,
    causes: Vec<&'a str>,
    evidence: Vec<EvidenceDoc<'a>>,
}

#[derive(Serialize)]
struct ConfidenceDoc<'a> {
    level: &'a str,
    reasons: &'a [String],
}

#[derive(Serialize)]
struct EvidenceDoc<'a> {
    time: Option<String>,
    time_quality: &'static str,
    node: &'a str,
    kind: &'a str,
    source: &'a str,
    line: u64,
    end_line: u64,
    text: &'a str,
    count: u64,
    last: Option<String>,
}

#[derive(Serialize)]
struct UnclassifiedDoc<'a> {
    kind: &'a str,
    template: &'a str,
    level: Level,
    node: &'a str,
    nodes: &'a [String],
    start: Option<String>,
    end: Option<String>,
    count: u64,
    evidence: Vec<EvidenceDoc<'a>>,
}

#[derive(Serialize)]
struct SourceDoc<'a> {
    path: &'a str,
    format: &'a str,
    node: &'a str,
    node_from: &'static str,
    lines: u64,
    unparsed: u64,
    first: Option<String>,
    last: Option<String>,
    assumptions: &'a [String],
    errors: &'a [String],
    drift: &'a BTreeMap<String, u64>,
}

#[derive(Serialize)]
struct NodeDoc<'a> {
    name: &'a str,
    aliases: &'a [String],
    spans: Vec<SpanDoc>,
    sources: usize,
}

#[derive(Serialize)]
struct SpanDoc {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Serialize)]
struct ProblemDoc<'a> {
    source: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct SourcesDoc<'a> {
    sources: Vec<SourceDoc<'a>>,
    nodes: Vec<NodeDoc<'a>>,
    problems: Vec<ProblemDoc<'a>>,
}

/// Stable snake-case name of how a node was decided (same as the serde name).
pub(crate) fn node_from_name(from: NodeFrom) -> &'static str {
    match from {
        NodeFrom::Flag => "flag",
        NodeFrom::Envelope => "envelope",
        NodeFrom::Sosreport => "sosreport",
        NodeFrom::MustGather => "must_gather",
        NodeFrom::Directory => "directory",
        NodeFrom::ArchiveName => "archive_name",
        NodeFrom::Unknown => "unknown",
    }
}

fn evidence(e: &Evidence) -> EvidenceDoc<'_> {
    EvidenceDoc {
        time: times::json(e.time),
        time_quality: times::quality_name(e.time_quality),
        node: &e.node,
        kind: &e.kind,
        source: &e.source,
        line: e.line,
        end_line: e.end_line.max(e.line),
        text: &e.text,
        count: e.count,
        last: times::json(e.last),
    }
}

fn incident<'a>(i: &'a Incident, all: &'a [Incident]) -> IncidentDoc<'a> {
    IncidentDoc {
        id: &i.id,
        signature: &i.signature,
        title: &i.title,
        severity: i.severity.name(),
        nodes: &i.nodes,
        start: times::json(i.start),
        end: times::json(i.end),
        summary: &i.summary,
        root_cause: &i.root_cause,
        remediation: &i.remediation,
        references: &i.references,
        confidence: ConfidenceDoc {
            level: &i.confidence.level,
            reasons: &i.confidence.reasons,
        },
        caused_by: i.caused_by.as_deref(),
        causes: super::overview::effects_of(all, &i.id),
        evidence: i.evidence.iter().map(evidence).collect(),
    }
}

fn unclassified(u: &Unclassified) -> UnclassifiedDoc<'_> {
    UnclassifiedDoc {
        kind: &u.kind,
        template: &u.template,
        level: u.level,
        node: u.nodes.first().map_or("", String::as_str),
        nodes: &u.nodes,
        start: times::json(u.start),
        end: times::json(u.end),
        count: u.count,
        evidence: u.evidence.iter().map(evidence).collect(),
    }
}

fn source(s: &SourceReport) -> SourceDoc<'_> {
    SourceDoc {
        path: &s.path,
        format: &s.format,
        node: &s.node,
        node_from: node_from_name(s.node_from),
        lines: s.lines,
        unparsed: s.unparsed,
        first: times::json(s.first),
        last: times::json(s.last),
        assumptions: &s.assumptions,
        errors: &s.errors,
        drift: &s.drift,
    }
}

fn node(n: &NodeSummary) -> NodeDoc<'_> {
    NodeDoc {
        name: &n.name,
        aliases: &n.aliases,
        spans: n
            .spans
            .iter()
            .map(|(start, end)| SpanDoc {
                start: times::json(Some(*start)),
                end: times::json(Some(*end)),
            })
            .collect(),
        sources: n.sources,
    }
}

fn problem(p: &Problem) -> ProblemDoc<'_> {
    ProblemDoc {
        source: &p.source,
        message: &p.message,
    }
}

/// The whole report document as inert, pretty JSON (see [`escape::InertJson`]), with
/// no trailing newline: [`render`] prints it, the HTML page embeds it in a `<script>`
/// (`for_html_script`).
pub(crate) fn write_document(
    timeline: &Timeline,
    overview: &Overview,
    out: &mut dyn Write,
    for_html_script: bool,
) -> std::io::Result<()> {
    let by_severity = overview
        .by_severity
        .iter()
        .map(|(s, n)| (s.name(), *n))
        .collect();
    let doc = ReportDoc {
        version: SCHEMA_VERSION,
        meta: MetaDoc {
            podmortem_version: &timeline.run.version,
            inputs: &timeline.run.inputs,
            filters: &timeline.run.filters,
            time_assumptions: &timeline.run.time,
        },
        summary: SummaryDoc {
            nodes: overview.nodes,
            incidents: overview.incidents,
            by_severity,
            unclassified: overview.unclassified,
            sources: overview.sources,
            events: overview.events,
            unparsed_lines: overview.unparsed_lines,
            drift_lines: overview.drift_lines,
            logs_start: times::json(overview.logs_span.0),
            logs_end: times::json(overview.logs_span.1),
            incidents_start: times::json(overview.incidents_span.0),
            incidents_end: times::json(overview.incidents_span.1),
            chains: &overview.chains,
            inferred_times: overview.inferred_times,
            problems: timeline.problems.len(),
        },
        incidents: timeline
            .incidents
            .iter()
            .map(|i| incident(i, &timeline.incidents))
            .collect(),
        unclassified: timeline.unclassified.iter().map(unclassified).collect(),
        sources: timeline.sources.iter().map(source).collect(),
        nodes: timeline.nodes.iter().map(node).collect(),
        problems: timeline.problems.iter().map(problem).collect(),
    };
    escape::write_json(&doc, out, for_html_script)
}

/// Write the report document followed by a newline.
pub(crate) fn render(timeline: &Timeline, out: &mut dyn Write) -> std::io::Result<()> {
    let overview = Overview::of(timeline);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    write_document(timeline, &overview, &mut out, false)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Write the `sources` inventory document followed by a newline.
pub(crate) fn render_sources(
    rows: &[SourceReport],
    nodes: &[NodeSummary],
    problems: &[Problem],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let doc = SourcesDoc {
        sources: rows.iter().map(source).collect(),
        nodes: nodes.iter().map(node).collect(),
        problems: problems.iter().map(problem).collect(),
    };
    escape::write_json(&doc, out, false)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_from_names_match_serde() {
        for from in [
            NodeFrom::Flag,
            NodeFrom::Envelope,
            NodeFrom::Sosreport,
            NodeFrom::MustGather,
            NodeFrom::Directory,
            NodeFrom::ArchiveName,
            NodeFrom::Unknown,
        ] {
            let serde_name = serde_json::to_value(from).unwrap_or_default();
            assert_eq!(serde_name.as_str(), Some(node_from_name(from)));
        }
    }

    #[test]
    fn time_quality_names_match_serde() {
        use crate::envelope::time::TimeQuality as Q;
        for q in [
            Q::Exact,
            Q::YearInferred,
            Q::ZoneAssumed,
            Q::YearAndZoneAssumed,
            Q::Anchored,
            Q::Unanchored,
            Q::Missing,
        ] {
            let serde_name = serde_json::to_value(q).unwrap_or_default();
            assert_eq!(serde_name.as_str(), Some(times::quality_name(q)));
        }
    }
}
