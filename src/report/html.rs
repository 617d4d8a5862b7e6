//! HTML: one self-contained file (inline CSS and a little vanilla JS, no network: a
//! Content-Security-Policy forbids any fetch) with the swimlane SVG, a details panel
//! for the hovered or clicked incident, a text filter, collapsible evidence tables and
//! a print stylesheet. Every log-derived string goes through [`escape::html`]; the
//! embedded JSON through [`escape::InertJson`] in script mode.

use std::fmt::Write as _;
use std::io::Write;

use super::overview::{self, Overview, level_word};
use super::{DisplayZone, ReportOptions, escape, json, svg, times};
use crate::correlate::{Evidence, Incident};
use crate::timeline::Timeline;

/// The page style (`assets/report.css`), inlined: the report loads nothing.
const STYLE: &str = include_str!("assets/report.css");

/// Records page errors for the browser test (and for anyone opening the console).
const ERROR_RECORDER: &str = include_str!("assets/error-recorder.js");

/// Details panel, filters, zoom and pan (`assets/report.js`), inlined.
const SCRIPT: &str = include_str!("assets/report.js");

fn h(text: &str) -> String {
    escape::html(text)
}

/// Signature text with Markdown code spans (`` `docker version` ``) as `<code>`, the
/// rest escaped.
fn rich(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() < 3 {
        return h(text);
    }
    let mut out = String::new();
    for (n, part) in parts.iter().enumerate() {
        // Odd parts sit between backticks; a trailing unmatched backtick stays literal.
        if n % 2 == 1 && n + 1 < parts.len() {
            let _ = write!(out, "<code>{}</code>", h(part));
        } else {
            if n % 2 == 1 {
                out.push('`');
            }
            out.push_str(&h(part));
        }
    }
    out
}

/// The timeline: a sticky axis with zoom controls, then the node lanes, or above
/// [`svg::FLEET_LANES`] nodes a fleet summary with the node lanes folded away.
fn timeline_section(s: &mut String, timeline: &Timeline, zone: Option<DisplayZone>) {
    s.push_str("<section id=\"timeline\"><h2>Timeline</h2>\n");
    let fleet = svg::needs_fleet_summary(timeline);
    let lanes = if fleet {
        "One lane per signature (more than 20 nodes); the node lanes are below."
    } else {
        "One lane per node; bars are incidents (hover or click for details), ticks are cited events, arrows are causal links."
    };
    let _ = write!(
        s,
        "<p class=\"legend muted\"><span>{lanes} Drag on the axis to zoom into a range, wheel over it to zoom, shift+wheel to pan.</span>"
    );
    for sev in ["critical", "high", "medium", "low"] {
        let _ = write!(s, "<span>{}</span>", severity_badge(sev));
    }
    s.push_str("</p>\n<div class=\"timeline-frame\">\n<div class=\"axis-bar\">");
    s.push_str("<button type=\"button\" id=\"zoom-reset\" disabled>Reset zoom</button><span id=\"zoom-range\" class=\"muted\"></span></div>\n");
    s.push_str(&svg::axis_strip(timeline, zone));
    if fleet {
        s.push_str(&svg::fleet_lanes(timeline, zone));
        let _ = write!(
            s,
            "<details id=\"node-lanes\"><summary>All {} node lanes</summary>\n{}</details>\n",
            timeline.nodes.len(),
            svg::swimlanes(timeline, zone)
        );
    } else {
        s.push_str(&svg::swimlanes(timeline, zone));
    }
    s.push_str("</div>\n");
}

/// A `<select>` of the signatures present, with incident counts.
fn signature_filter(s: &mut String, timeline: &Timeline) {
    let groups = super::evidence::signature_groups(&timeline.incidents);
    s.push_str("<select id=\"signature-filter\" aria-label=\"Only incidents of this signature\"><option value=\"\">All signatures</option>");
    for g in &groups {
        let _ = write!(
            s,
            "<option value=\"{}\">{} ({})</option>",
            h(g.signature),
            h(g.signature),
            g.incidents.len()
        );
    }
    s.push_str("</select>");
}

fn severity_badge(name: &str) -> String {
    format!("<span class=\"badge sev-{name}\">{name}</span>")
}

fn evidence_table(
    s: &mut String,
    timeline: &Timeline,
    evidence: &[Evidence],
    incident: Option<&Incident>,
    zone: Option<DisplayZone>,
    label: &str,
) {
    let rows = super::evidence::distinct_rows(evidence);
    let _ = writeln!(
        s,
        "<details><summary>{} ({} rows)</summary>",
        h(label),
        rows.len()
    );
    s.push_str("<table class=\"evidence\"><colgroup><col class=\"c-time\"><col class=\"c-node\"><col class=\"c-source\"><col class=\"c-kind\"><col class=\"c-log\"><col class=\"c-repeats\"></colgroup>");
    s.push_str("<thead><tr><th>Time</th><th>Node</th><th>Source</th><th>Event</th><th>Log line</th><th>Repeats</th></tr></thead><tbody>\n");
    for e in rows {
        let place = super::evidence::citation(e);
        let short = super::evidence::short_citation(e, 44);
        let repeats = if e.count > 1 {
            let last = e
                .last
                .map(|t| format!(", last at {}", times::instant(t, zone)))
                .unwrap_or_default();
            format!("×{}{last}", e.count)
        } else {
            String::new()
        };
        let quality = times::quality_note(e.time_quality)
            .map(|n| format!(" title=\"{}\"", h(n)))
            .unwrap_or_default();
        let is_context = incident.is_some_and(|i| {
            super::evidence::RowPlace::of(e, i) != super::evidence::RowPlace::Within
        });
        let context: String = super::evidence::row_notes(timeline, incident, e)
            .iter()
            .map(|note| format!("<div class=\"context\">{}</div>", h(note)))
            .collect();
        let row_class = if is_context {
            " class=\"context-row\""
        } else {
            ""
        };
        let text = super::evidence::display_lines(&e.text).join("\n");
        let _ = writeln!(
            s,
            "<tr{row_class}><td{quality}>{}{context}</td><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td class=\"log\">{}</td><td>{}</td></tr>",
            h(&times::stamped(e.time, e.time_quality, zone)),
            h(&e.node),
            h(&place),
            h(&short),
            h(&e.kind),
            h(&text),
            h(&repeats)
        );
    }
    s.push_str("</tbody></table></details>\n");
}

fn reference(text: &str) -> String {
    let is_url = (text.starts_with("https://") || text.starts_with("http://"))
        && !text.chars().any(|c| c.is_whitespace() || c.is_control());
    if is_url {
        format!(
            "<a href=\"{}\" rel=\"noreferrer noopener\">{}</a>",
            h(text),
            h(text)
        )
    } else {
        h(text)
    }
}

fn summary(s: &mut String, timeline: &Timeline, ov: &Overview, zone: Option<DisplayZone>) {
    s.push_str("<section id=\"summary\"><h2>Summary</h2><dl class=\"facts\">\n");
    let names: Vec<String> = timeline
        .nodes
        .iter()
        .map(|n| {
            if n.aliases.is_empty() {
                h(&n.name)
            } else {
                format!(
                    "{} <span class=\"muted\">(also {})</span>",
                    h(&n.name),
                    h(&n.aliases.join(", "))
                )
            }
        })
        .collect();
    // A fleet's node list folds away after the first dozen names.
    let listed = if names.len() > 20 {
        format!(
            "{} <details class=\"more-nodes\"><summary>and {} more</summary>{}</details>",
            names[..12].join(", "),
            names.len() - 12,
            names[12..].join(", ")
        )
    } else {
        names.join(", ")
    };
    let _ = writeln!(s, "<dt>Nodes</dt><dd>{}: {listed}</dd>", ov.nodes);
    let _ = writeln!(
        s,
        "<dt>Logs cover</dt><dd>{}</dd>",
        h(&times::range(ov.logs_span.0, ov.logs_span.1, false, zone))
    );
    let counts: Vec<String> = ov
        .by_severity
        .iter()
        .map(|(sev, n)| format!("{n} {}", severity_badge(sev.name())))
        .collect();
    let _ = writeln!(
        s,
        "<dt>Incidents</dt><dd>{} — {}</dd>",
        ov.incidents,
        counts.join(" ")
    );
    for chain in &ov.chains {
        let links: Vec<String> = chain
            .iter()
            .map(|id| format!("<a href=\"#{}\">{}</a>", h(id), h(id)))
            .collect();
        let _ = writeln!(s, "<dt>Causal chain</dt><dd>{}</dd>", links.join(" → "));
    }
    let groups = if ov.unclassified == 1 {
        "group"
    } else {
        "groups"
    };
    let _ = writeln!(
        s,
        "<dt>Unclassified</dt><dd>{} {groups}</dd>",
        ov.unclassified
    );
    match overview::events_without_sources(ov) {
        Some(events) => {
            let _ = writeln!(s, "<dt>Events</dt><dd>{}</dd>", h(&events));
        }
        None => {
            let _ = writeln!(
                s,
                "<dt>Events</dt><dd>{} from {} sources ({} unparsed lines, {} lines with format drift)</dd>",
                ov.events, ov.sources, ov.unparsed_lines, ov.drift_lines
            );
        }
    }
    if ov.inferred_times {
        s.push_str("<dt>Note</dt><dd>Times marked ~ are inferred (year, zone or dmesg boot anchor); see <a href=\"#gaps\">Gaps</a>.</dd>\n");
    }
    let run = &timeline.run;
    if !run.version.is_empty() {
        let _ = writeln!(
            s,
            "<dt>Run</dt><dd id=\"run\">podmortem {} on {}</dd>",
            h(&run.version),
            h(&run.inputs.join(", "))
        );
        let filters = if run.filters.is_empty() {
            "none".to_string()
        } else {
            run.filters.join(" ")
        };
        let _ = writeln!(s, "<dt>Filters</dt><dd>{}</dd>", h(&filters));
        for t in &run.time {
            let _ = writeln!(s, "<dt>Time</dt><dd>{}</dd>", h(t));
        }
    }
    s.push_str("</dl></section>\n");
}

fn incident(s: &mut String, timeline: &Timeline, i: &Incident, zone: Option<DisplayZone>) {
    let all = &timeline.incidents;
    let sev = i.severity.name();
    let when = times::range(i.start, i.end, overview::incident_time_inferred(i), zone);
    let _ = writeln!(
        s,
        "<article class=\"incident sev-{sev}\" id=\"{id}\" data-incident=\"{id}\" data-signature=\"{}\" data-when=\"{}\">",
        h(&i.signature),
        h(&when),
        id = h(&i.id)
    );
    let _ = writeln!(
        s,
        "<h3>{} {} — {}</h3>",
        severity_badge(sev),
        h(&i.id),
        h(&i.title)
    );
    s.push_str("<dl class=\"facts\">\n");
    let _ = writeln!(s, "<dt>Nodes</dt><dd>{}</dd>", h(&i.nodes.join(", ")));
    let _ = writeln!(s, "<dt>When</dt><dd>{}</dd>", h(&when));
    let _ = writeln!(s, "<dt>Signature</dt><dd>{}</dd>", h(&i.signature));
    let mut confidence = h(&i.confidence.level);
    if !i.confidence.reasons.is_empty() {
        let _ = write!(confidence, " — {}", rich(&i.confidence.reasons.join("; ")));
    }
    let _ = writeln!(s, "<dt>Confidence</dt><dd>{confidence}</dd>");
    if let Some(cause) = &i.caused_by {
        let _ = writeln!(
            s,
            "<dt>Caused by</dt><dd><a href=\"#{c}\">{c}</a> → {}</dd>",
            h(&i.id),
            c = h(cause)
        );
    }
    let effects = overview::effects_of(all, &i.id);
    if !effects.is_empty() {
        let links: Vec<String> = effects
            .iter()
            .map(|e| format!("{} → <a href=\"#{e}\">{e}</a>", h(&i.id), e = h(e)))
            .collect();
        let _ = writeln!(s, "<dt>Led to</dt><dd>{}</dd>", links.join(", "));
    }
    s.push_str("</dl>\n");
    let _ = writeln!(s, "<h4>What happened</h4><p>{}</p>", rich(&i.summary));
    match super::evidence::explained_at(all, i) {
        Some(first) => {
            let _ = writeln!(
                s,
                "<h4>Root cause and remediation</h4><p class=\"same-cause\">As for <a href=\"#{id}\">{id}</a> (same signature).</p>",
                id = h(&first.id)
            );
        }
        None => {
            let _ = writeln!(s, "<h4>Root cause</h4><p>{}</p>", rich(&i.root_cause));
            if !i.remediation.is_empty() {
                s.push_str("<h4>Remediation</h4><ol>\n");
                for step in &i.remediation {
                    let _ = writeln!(s, "<li>{}</li>", rich(step));
                }
                s.push_str("</ol>\n");
            }
            if !i.references.is_empty() {
                s.push_str("<h4>References</h4><ul>\n");
                for r in &i.references {
                    let _ = writeln!(s, "<li>{}</li>", reference(r));
                }
                s.push_str("</ul>\n");
            }
        }
    }
    evidence_table(s, timeline, &i.evidence, Some(i), zone, "Evidence");
    s.push_str("</article>\n");
}

fn unclassified(s: &mut String, timeline: &Timeline, zone: Option<DisplayZone>) {
    let groups = &timeline.unclassified;
    if groups.is_empty() {
        return;
    }
    s.push_str("<section id=\"unclassified\"><h2>Unclassified errors</h2>\n");
    s.push_str("<p class=\"muted\">Error-level lines that no signature explained, grouped by message template across nodes; fatal first, then by count.</p>\n");
    for u in groups {
        let label = format!(
            "{} \u{d7}{} {} ({}) on {}: {}",
            level_word(u.level),
            u.count,
            u.template,
            u.kind,
            u.nodes.join(", "),
            times::range(u.start, u.end, false, zone)
        );
        evidence_table(s, timeline, &u.evidence, None, zone, &label);
    }
    s.push_str("</section>\n");
}

fn sources(s: &mut String, timeline: &Timeline, zone: Option<DisplayZone>) {
    s.push_str("<section id=\"sources\"><h2>Sources</h2>\n");
    s.push_str("<table><thead><tr><th>Source</th><th>Format</th><th>Node</th><th>Lines</th><th>Unparsed</th><th>First</th><th>Last</th><th>Assumptions</th></tr></thead><tbody>\n");
    for src in &timeline.sources {
        let mark = if src.assumptions.is_empty() {
            ""
        } else {
            times::INFERRED_MARK
        };
        let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| format!("{}{mark}", times::instant(t, zone)))
                .unwrap_or_else(|| "—".to_string())
        };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{} <span class=\"muted\">({})</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            h(&src.path),
            h(&src.format),
            h(&src.node),
            json::node_from_name(src.node_from),
            src.lines,
            src.unparsed,
            h(&at(src.first)),
            h(&at(src.last)),
            h(&src.assumptions.join("; "))
        );
    }
    s.push_str("</tbody></table></section>\n");
}

fn gaps(s: &mut String, timeline: &Timeline, zone: Option<DisplayZone>) {
    s.push_str("<section id=\"gaps\"><h2>Gaps</h2>\n");
    let items = overview::gaps(timeline, zone);
    if items.is_empty() {
        s.push_str("<p>No gaps: every source was read and parsed, and every time was exact.</p>\n");
    } else {
        s.push_str("<ul class=\"gaps\">\n");
        for gap in items {
            let _ = writeln!(
                s,
                "<li><strong>{}:</strong> {}</li>",
                gap.label,
                h(&gap.text)
            );
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n");
}

/// Render the page: summary, swimlane timeline, incidents, unclassified groups,
/// sources and gaps, with the JSON report embedded for the page script. Built in
/// memory and written in one piece.
pub(crate) fn render(
    timeline: &Timeline,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let zone = options.zone;
    let ov = Overview::of(timeline);
    let mut data = Vec::new();
    json::write_document(timeline, &ov, &mut data, true)?;
    let data = String::from_utf8(data).map_err(std::io::Error::other)?;
    let title = h(options.title());
    let mut s = String::with_capacity(64 * 1024);
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(s, "<title>{title}</title>");
    let _ = writeln!(s, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(s, "<script>{ERROR_RECORDER}</script>");
    let _ = writeln!(
        s,
        "<header><h1>{title}</h1><p class=\"muted\">Generated by podmortem from {}. Times in {}.</p></header>",
        if ov.sources == 0 && ov.events > 0 {
            "event files".to_string()
        } else {
            format!("{} sources", ov.sources)
        },
        h(&times::zone_name(zone))
    );
    summary(&mut s, timeline, &ov, zone);
    timeline_section(&mut s, timeline, zone);
    s.push_str("<aside id=\"details\" hidden aria-live=\"polite\"></aside>\n</section>\n");
    let _ = writeln!(
        s,
        "<section id=\"incidents\"><h2>Incidents ({})</h2>",
        timeline.incidents.len()
    );
    s.push_str("<div class=\"toolbar\"><input id=\"filter\" type=\"search\" placeholder=\"Filter incidents (node, signature, text…)\" aria-label=\"Filter incidents\">");
    signature_filter(&mut s, timeline);
    s.push_str("<span id=\"filter-count\" class=\"muted\"></span></div>\n");
    if timeline.incidents.is_empty() {
        s.push_str("<p>No known root-cause signature matched.</p>\n");
    }
    for i in &timeline.incidents {
        incident(&mut s, timeline, i, zone);
    }
    s.push_str("</section>\n");
    unclassified(&mut s, timeline, zone);
    sources(&mut s, timeline, zone);
    gaps(&mut s, timeline, zone);
    let _ = writeln!(
        s,
        "<script type=\"application/json\" id=\"podmortem-data\">{}</script>",
        data
    );
    let _ = writeln!(s, "<script>{SCRIPT}</script>\n</body>\n</html>");
    out.write_all(s.as_bytes())
}
