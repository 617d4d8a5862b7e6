//! Markdown: a post-incident review document — summary, timeline table, one section
//! per incident (what happened, evidence, root cause, remediation, references, causal
//! chain), the source inventory with its time assumptions, and the gaps a reviewer
//! must know about. All log-derived text goes through [`escape::markdown`].

use std::fmt::Write as _;
use std::io::Write;

use super::overview::{self, Overview, level_word};
use super::{DisplayZone, ReportOptions, escape, times};
use crate::correlate::{Evidence, Incident};
use crate::timeline::Timeline;

/// Escaped text shorthand.
fn md(text: &str) -> String {
    escape::markdown(text)
}

/// Anchor id of an incident section (`INC-001` → `inc-001`), restricted to safe chars.
fn anchor(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn link(id: &str) -> String {
    format!("[{}](#{})", md(id), anchor(id))
}

/// A reference: a plain http(s) URL becomes an autolink, anything else escaped text.
fn reference(text: &str) -> String {
    let is_url = (text.starts_with("https://") || text.starts_with("http://"))
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'));
    if is_url {
        format!("<{text}>")
    } else {
        md(text)
    }
}

fn evidence_table(
    s: &mut String,
    timeline: &Timeline,
    incident: Option<&Incident>,
    evidence: &[Evidence],
    zone: Option<DisplayZone>,
) {
    s.push_str("| Time | Node | Source | Event | Log line |\n");
    s.push_str("|---|---|---|---|---|\n");
    for e in super::evidence::distinct_rows(evidence) {
        let mut text = md(&super::evidence::display_lines(&e.text).join("\n"));
        for note in super::evidence::row_notes(timeline, incident, e) {
            let _ = write!(text, " *({})*", md(&note));
        }
        if e.count > 1 {
            let last = e
                .last
                .map(|t| format!(", last at {}", times::instant(t, zone)))
                .unwrap_or_default();
            let _ = write!(text, " *(×{}{last})*", e.count);
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            md(&times::stamped(e.time, e.time_quality, zone)),
            md(&e.node),
            md(&super::evidence::citation(e)),
            md(&e.kind),
            text
        );
    }
}

fn summary(s: &mut String, timeline: &Timeline, ov: &Overview, zone: Option<DisplayZone>) {
    s.push_str("## Summary\n\n");
    let names: Vec<String> = timeline
        .nodes
        .iter()
        .map(|n| {
            if n.aliases.is_empty() {
                md(&n.name)
            } else {
                format!(
                    "{} (also known as {})",
                    md(&n.name),
                    md(&n.aliases.join(", "))
                )
            }
        })
        .collect();
    let _ = writeln!(s, "- **Nodes:** {} — {}", ov.nodes, names.join(", "));
    let _ = writeln!(
        s,
        "- **Logs cover:** {}",
        md(&times::range(ov.logs_span.0, ov.logs_span.1, false, zone))
    );
    let counts: Vec<String> = ov
        .by_severity
        .iter()
        .map(|(sev, n)| format!("{n} {}", sev.name()))
        .collect();
    let _ = writeln!(
        s,
        "- **Incidents:** {} ({})",
        ov.incidents,
        counts.join(", ")
    );
    for chain in &ov.chains {
        let links: Vec<String> = chain.iter().map(|id| link(id)).collect();
        let _ = writeln!(s, "- **Causal chain:** {}", links.join(" → "));
    }
    let _ = writeln!(s, "- **Unclassified error groups:** {}", ov.unclassified);
    match overview::events_without_sources(ov) {
        Some(events) => {
            let _ = writeln!(s, "- **Events:** {events}");
        }
        None => {
            let _ = writeln!(
                s,
                "- **Events:** {} from {} sources ({} unparsed lines, {} lines with format drift)",
                ov.events, ov.sources, ov.unparsed_lines, ov.drift_lines
            );
        }
    }
    if ov.inferred_times {
        s.push_str(
            "- Times marked \\~ are inferred (year, zone or dmesg boot anchor); see [Gaps](#gaps).\n",
        );
    }
    provenance(s, &timeline.run);
    s.push('\n');
}

/// The run's provenance: version, inputs, filters, time assumptions.
fn provenance(s: &mut String, run: &crate::timeline::RunInfo) {
    if run.version.is_empty() {
        return;
    }
    let inputs: Vec<String> = run.inputs.iter().map(|i| md(i)).collect();
    let _ = writeln!(
        s,
        "- **Run:** podmortem {} on {}",
        md(&run.version),
        if inputs.is_empty() {
            "(events)".to_string()
        } else {
            inputs.join(", ")
        }
    );
    let filters = if run.filters.is_empty() {
        "none".to_string()
    } else {
        md(&run.filters.join(" "))
    };
    let _ = writeln!(s, "- **Filters:** {filters}");
    for t in &run.time {
        let _ = writeln!(s, "- **Time:** {}", md(t));
    }
}

fn timeline_table(s: &mut String, incidents: &[Incident], zone: Option<DisplayZone>) {
    s.push_str("## Timeline\n\n");
    if incidents.is_empty() {
        s.push_str("No known root-cause signature matched.\n\n");
        return;
    }
    s.push_str("| Time | Node | Incident | Severity |\n|---|---|---|---|\n");
    for i in incidents {
        let when = times::range(i.start, i.end, overview::incident_time_inferred(i), zone);
        let _ = writeln!(
            s,
            "| {} | {} | {} {} | {} |",
            md(&when),
            md(&i.nodes.join(", ")),
            link(&i.id),
            md(&i.title),
            i.severity.name()
        );
    }
    s.push('\n');
}

fn incident(s: &mut String, timeline: &Timeline, i: &Incident, zone: Option<DisplayZone>) {
    let all = &timeline.incidents;
    let _ = writeln!(s, "<a id=\"{}\"></a>\n", anchor(&i.id));
    let _ = writeln!(s, "### {} — {}\n", md(&i.id), md(&i.title));
    let _ = writeln!(s, "- **Severity:** {}", i.severity.name());
    let _ = writeln!(s, "- **Nodes:** {}", md(&i.nodes.join(", ")));
    let when = times::range(i.start, i.end, overview::incident_time_inferred(i), zone);
    let _ = writeln!(s, "- **When:** {}", md(&when));
    let _ = writeln!(s, "- **Signature:** {}", md(&i.signature));
    let mut confidence = md(&i.confidence.level);
    if !i.confidence.reasons.is_empty() {
        let reasons: Vec<String> = i.confidence.reasons.iter().map(|r| md(r)).collect();
        let _ = write!(confidence, " — {}", reasons.join("; "));
    }
    let _ = writeln!(s, "- **Confidence:** {confidence}");
    for chain in overview::causal_chains(all) {
        if chain.contains(&i.id) {
            let links: Vec<String> = chain
                .iter()
                .map(|id| {
                    if *id == i.id {
                        format!("**{}**", md(id))
                    } else {
                        link(id)
                    }
                })
                .collect();
            let _ = writeln!(s, "- **Causal chain:** {}", links.join(" → "));
        }
    }
    if let Some(cause) = &i.caused_by {
        let _ = writeln!(s, "- **Caused by:** {}", link(cause));
    }
    s.push('\n');
    let _ = writeln!(s, "#### What happened\n\n{}\n", md(&i.summary));
    let _ = writeln!(s, "#### Evidence\n");
    evidence_table(s, timeline, Some(i), &i.evidence, zone);
    s.push('\n');
    if let Some(first) = super::evidence::explained_at(all, i) {
        let _ = writeln!(
            s,
            "#### Root cause and remediation\n\nAs for {} (same signature).\n",
            link(&first.id)
        );
        return;
    }
    let _ = writeln!(s, "#### Root cause\n\n{}\n", md(&i.root_cause));
    if !i.remediation.is_empty() {
        s.push_str("#### Remediation\n\n");
        for (n, step) in i.remediation.iter().enumerate() {
            let _ = writeln!(s, "{}. {}", n + 1, md(step));
        }
        s.push('\n');
    }
    if !i.references.is_empty() {
        s.push_str("#### References\n\n");
        for r in &i.references {
            let _ = writeln!(s, "- {}", reference(r));
        }
        s.push('\n');
    }
}

fn unclassified(s: &mut String, timeline: &Timeline, zone: Option<DisplayZone>) {
    if timeline.unclassified.is_empty() {
        return;
    }
    s.push_str("## Unclassified errors\n\n");
    s.push_str(
        "Error-level lines that no signature explained, grouped by message template across nodes; fatal first, then by count.\n\n",
    );
    for u in &timeline.unclassified {
        let _ = writeln!(
            s,
            "### {} \u{d7}{}: {}\n\n`{}` on {}, {}\n",
            level_word(u.level),
            u.count,
            md(&u.template),
            md(&u.kind),
            md(&u.nodes.join(", ")),
            md(&times::range(u.start, u.end, false, zone))
        );
        evidence_table(s, timeline, None, &u.evidence, zone);
        s.push('\n');
    }
}

fn sources(s: &mut String, timeline: &Timeline, zone: Option<DisplayZone>) {
    s.push_str("## Sources\n\n");
    if timeline.sources.is_empty() {
        s.push_str("No sources were read.\n\n");
        return;
    }
    s.push_str("| Source | Format | Node | Lines | Unparsed | First | Last | Assumptions |\n");
    s.push_str("|---|---|---|---:|---:|---|---|---|\n");
    for src in &timeline.sources {
        let inferred = if src.assumptions.is_empty() {
            ""
        } else {
            times::INFERRED_MARK
        };
        let first = src
            .first
            .map(|t| format!("{}{inferred}", times::instant(t, zone)))
            .unwrap_or_else(|| "—".to_string());
        let last = src
            .last
            .map(|t| format!("{}{inferred}", times::instant(t, zone)))
            .unwrap_or_else(|| "—".to_string());
        let assumptions: Vec<String> = src.assumptions.iter().map(|a| md(a)).collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} ({}) | {} | {} | {} | {} | {} |",
            md(&src.path),
            md(&src.format),
            md(&src.node),
            super::json::node_from_name(src.node_from).replace('_', " "),
            src.lines,
            src.unparsed,
            md(&first),
            md(&last),
            assumptions.join("; ")
        );
    }
    s.push('\n');
}

fn gaps(s: &mut String, timeline: &Timeline, zone: Option<DisplayZone>) {
    s.push_str("<a id=\"gaps\"></a>\n\n## Gaps\n\n");
    let items = overview::gaps(timeline, zone);
    if items.is_empty() {
        s.push_str("No gaps: every source was read and parsed, and every time was exact.\n");
    }
    for gap in items {
        let _ = writeln!(s, "- **{}:** {}", gap.label, md(&gap.text));
    }
}

/// Render the review document: summary, timeline table, incidents, unclassified
/// groups, sources and gaps. Built in memory and written in one piece.
pub(crate) fn render(
    timeline: &Timeline,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let zone = options.zone;
    let ov = Overview::of(timeline);
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", md(options.title()));
    summary(&mut s, timeline, &ov, zone);
    timeline_table(&mut s, &timeline.incidents, zone);
    if !timeline.incidents.is_empty() {
        s.push_str("## Incidents\n\n");
    }
    for i in &timeline.incidents {
        incident(&mut s, timeline, i, zone);
    }
    unclassified(&mut s, timeline, zone);
    sources(&mut s, timeline, zone);
    gaps(&mut s, timeline, zone);
    out.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_safe_and_links_point_at_them() {
        assert_eq!(anchor("INC-001"), "inc-001");
        assert_eq!(anchor("INC\"><x>-2"), "incx-2");
        assert_eq!(link("INC-001"), "[INC-001](#inc-001)");
    }

    #[test]
    fn references_autolink_only_plain_urls() {
        assert_eq!(
            reference("https://github.com/moby/moby/issues/27576"),
            "<https://github.com/moby/moby/issues/27576>"
        );
        assert_eq!(
            reference("https://x.test/<script>"),
            "https://x.test/&lt;script&gt;"
        );
        assert_eq!(reference("moby/moby#27576"), "moby/moby\\#27576");
    }
}
