//! HTML: one self-contained file (inline CSS and a little vanilla JS, no network: a
//! Content-Security-Policy forbids any fetch) with the swimlane SVG, a details panel
//! for the hovered or clicked incident, a text filter, collapsible evidence tables and
//! a print stylesheet. Every log-derived string goes through [`escape::html`]; the
//! embedded JSON through [`escape::InertJson`] in script mode.

use std::fmt::Write as _;
use std::io::Write;

use super::overview::{self, Overview, level_word};
use super::{DisplayZone, ReportOptions, escape, json, svg, times};
use crate::correlate::{Evidence, Incident, Unclassified};
use crate::timeline::Timeline;

const STYLE: &str = r#"
:root { --critical:#b3261e; --high:#e4572e; --medium:#e0a000; --low:#3f8f63;
  --fg:#1d1d1f; --muted:#5f6368; --line:#d7dbe0; --lane:#f5f7fa; --lane2:#eceff3; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  margin: 0 auto; max-width: 1280px; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 6px; }
h4 { font-size: 14px; margin: 12px 0 4px; color: var(--muted); }
.muted { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; color: #fff; font-size: 12px;
  font-weight: 600; text-transform: uppercase; vertical-align: 1px; }
.badge.sev-critical { background: var(--critical); } .badge.sev-high { background: var(--high); }
.badge.sev-medium { background: var(--medium); color: #222; } .badge.sev-low { background: var(--low); }
#swimlanes { display: block; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
#swimlanes .lane:nth-of-type(odd) .lane-bg { fill: var(--lane); }
#swimlanes .lane:nth-of-type(even) .lane-bg { fill: var(--lane2); }
#swimlanes .lane-label { font-size: 13px; font-weight: 600; fill: var(--fg); }
#swimlanes .axis-label, #swimlanes .axis-zone { font-size: 11px; fill: var(--muted); }
#swimlanes .grid { stroke: var(--line); stroke-dasharray: 2 3; }
#swimlanes .incident-span, #swimlanes .incident-part { cursor: pointer; stroke: rgba(0,0,0,.35); }
#swimlanes .incident-part { fill-opacity: .55; stroke-dasharray: 3 2; }
#swimlanes .sev-critical { fill: var(--critical); } #swimlanes .sev-high { fill: var(--high); }
#swimlanes .sev-medium { fill: var(--medium); } #swimlanes .sev-low { fill: var(--low); }
#swimlanes .selected { stroke: #000; stroke-width: 2.5; }
#swimlanes .dimmed { opacity: .15; }
#swimlanes .span-label { font-size: 11px; fill: var(--fg); pointer-events: none; }
#swimlanes .tick { stroke: #444; stroke-width: 1.2; }
#swimlanes .tick-unclassified { stroke: #999; }
#swimlanes .incident-join { stroke: #555; stroke-dasharray: 2 2; }
#swimlanes .causal-link { fill: none; stroke: #222; stroke-width: 1.6; }
#swimlanes .arrow-head { fill: #222; }
.legend span { margin-right: 14px; }
#details { position: sticky; top: 8px; z-index: 2; border: 1px solid var(--line); border-left: 5px solid #888;
  border-radius: 6px; background: #fffef6; padding: 10px 14px; margin: 10px 0; box-shadow: 0 2px 6px rgba(0,0,0,.08); }
#details.sev-critical { border-left-color: var(--critical); } #details.sev-high { border-left-color: var(--high); }
#details.sev-medium { border-left-color: var(--medium); } #details.sev-low { border-left-color: var(--low); }
#details p { margin: 4px 0; }
.toolbar { display: flex; gap: 12px; align-items: center; margin: 8px 0 12px; }
#filter { font: inherit; padding: 5px 9px; width: 340px; max-width: 100%; border: 1px solid #b8bec6; border-radius: 5px; }
article.incident { border: 1px solid var(--line); border-left: 5px solid #888; border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
article.incident.sev-critical { border-left-color: var(--critical); } article.incident.sev-high { border-left-color: var(--high); }
article.incident.sev-medium { border-left-color: var(--medium); } article.incident.sev-low { border-left-color: var(--low); }
article.incident.selected { box-shadow: 0 0 0 3px #ffd54f; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
td.log { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-all; }
td.num { text-align: right; }
details > summary { cursor: pointer; color: #1a55a0; margin: 6px 0; }
ul.gaps li { margin: 2px 0; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  .toolbar, #details { display: none !important; }
  article.incident { break-inside: avoid-page; }
  article.incident[hidden] { display: block !important; }
  #swimlanes { break-inside: avoid-page; }
  details > summary { color: inherit; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// Records page errors for the browser test (and for anyone opening the console).
const ERROR_RECORDER: &str = r#"(function () {
  var errors = [];
  function record(message) {
    errors.push(String(message));
    document.body.dataset.errors = JSON.stringify(errors);
  }
  window.onerror = function (message, source, line, column) {
    record(message + " at " + line + ":" + column);
  };
  window.addEventListener("unhandledrejection", function (event) {
    record("unhandled rejection: " + event.reason);
  });
})();"#;

const SCRIPT: &str = r##"(function () {
  "use strict";
  var dataElement = document.getElementById("podmortem-data");
  var report = JSON.parse(dataElement.textContent);
  var byId = {};
  report.incidents.forEach(function (incident) { byId[incident.id] = incident; });
  var panel = document.getElementById("details");
  var pinned = null;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function article(id) {
    return document.querySelector('article.incident[data-incident="' + CSS.escape(id) + '"]');
  }

  function show(id) {
    var incident = byId[id];
    if (!incident) { return; }
    var section = article(id);
    panel.replaceChildren();
    panel.className = "sev-" + incident.severity;
    var head = el("h3");
    head.appendChild(el("span", incident.severity, "badge sev-" + incident.severity));
    head.appendChild(document.createTextNode(" " + incident.id + " — " + incident.title));
    panel.appendChild(head);
    var facts = el("p", null, "muted");
    facts.textContent = incident.nodes.join(", ") + " · " + (section ? section.dataset.when : "") +
      " · " + incident.evidence.length + " evidence rows · confidence " + incident.confidence.level;
    panel.appendChild(facts);
    if (incident.caused_by) { panel.appendChild(el("p", "Caused by " + incident.caused_by + " → " + incident.id)); }
    if (incident.causes.length) {
      panel.appendChild(el("p", "Led to " + incident.causes.map(function (c) { return incident.id + " → " + c; }).join(", ")));
    }
    panel.appendChild(el("p", incident.summary));
    var cause = el("p");
    cause.appendChild(el("strong", "Root cause: "));
    cause.appendChild(document.createTextNode(incident.root_cause));
    panel.appendChild(cause);
    var link = el("a", "Go to " + incident.id + " section");
    link.href = "#" + encodeURIComponent(incident.id);
    panel.appendChild(link);
    panel.hidden = false;
  }

  function select(id) {
    pinned = id;
    document.querySelectorAll(".selected").forEach(function (node) { node.classList.remove("selected"); });
    document.querySelectorAll('[data-incident="' + CSS.escape(id) + '"]').forEach(function (node) {
      if (node.matches("rect, article")) { node.classList.add("selected"); }
    });
    show(id);
  }

  document.querySelectorAll("#swimlanes .incident-span, #swimlanes .incident-part").forEach(function (rect) {
    var id = rect.getAttribute("data-incident");
    rect.addEventListener("mouseenter", function () { show(id); });
    rect.addEventListener("focus", function () { show(id); });
    rect.addEventListener("mouseleave", function () { if (pinned) { show(pinned); } });
    rect.addEventListener("click", function () { select(id); });
    rect.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(id); }
    });
  });

  var filter = document.getElementById("filter");
  var count = document.getElementById("filter-count");
  function applyFilter() {
    var query = filter.value.trim().toLowerCase();
    var shown = 0;
    var articles = document.querySelectorAll("article.incident");
    articles.forEach(function (section) {
      var match = !query || section.textContent.toLowerCase().indexOf(query) !== -1;
      section.hidden = !match;
      if (match) { shown += 1; }
      var id = section.getAttribute("data-incident");
      document.querySelectorAll('#swimlanes [data-incident="' + CSS.escape(id) + '"]').forEach(function (node) {
        node.classList.toggle("dimmed", !match);
      });
    });
    count.textContent = shown + " of " + articles.length + " incidents";
  }
  filter.addEventListener("input", applyFilter);
  applyFilter();

  // A link to `#INC-003` (from the summary, a chain, or another document) selects it.
  function selectFromHash() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (byId[id]) { select(id); }
  }
  window.addEventListener("hashchange", selectFromHash);
  selectFromHash();

  var closedForPrint = [];
  window.addEventListener("beforeprint", function () {
    closedForPrint = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    closedForPrint.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closedForPrint.forEach(function (d) { d.open = false; });
    closedForPrint = [];
  });

  document.body.dataset.ready = "true";
})();"##;

fn h(text: &str) -> String {
    escape::html(text)
}

fn severity_badge(name: &str) -> String {
    format!("<span class=\"badge sev-{name}\">{name}</span>")
}

fn evidence_table(s: &mut String, evidence: &[Evidence], zone: Option<DisplayZone>, label: &str) {
    let _ = writeln!(
        s,
        "<details><summary>{} ({} rows)</summary>",
        h(label),
        evidence.len()
    );
    s.push_str("<table><thead><tr><th>Time</th><th>Node</th><th>Source</th><th>Event</th><th>Log line</th><th>Repeats</th></tr></thead><tbody>\n");
    for e in evidence {
        let place = if e.end_line > e.line {
            format!("{}:{}-{}", e.source, e.line, e.end_line)
        } else {
            format!("{}:{}", e.source, e.line)
        };
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
        let _ = writeln!(
            s,
            "<tr><td{quality}>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"log\">{}</td><td>{}</td></tr>",
            h(&times::stamped(e.time, e.time_quality, zone)),
            h(&e.node),
            h(&place),
            h(&e.kind),
            h(&e.text),
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
    let _ = writeln!(
        s,
        "<dt>Nodes</dt><dd>{}: {}</dd>",
        ov.nodes,
        names.join(", ")
    );
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
    let _ = writeln!(
        s,
        "<dt>Events</dt><dd>{} from {} sources ({} unparsed lines, {} lines with format drift)</dd>",
        ov.events, ov.sources, ov.unparsed_lines, ov.drift_lines
    );
    if ov.inferred_times {
        s.push_str("<dt>Note</dt><dd>Times marked ~ are inferred (year, zone or dmesg boot anchor); see <a href=\"#gaps\">Gaps</a>.</dd>\n");
    }
    s.push_str("</dl></section>\n");
}

fn incident(s: &mut String, i: &Incident, all: &[Incident], zone: Option<DisplayZone>) {
    let sev = i.severity.name();
    let when = times::range(i.start, i.end, overview::incident_time_inferred(i), zone);
    let _ = writeln!(
        s,
        "<article class=\"incident sev-{sev}\" id=\"{id}\" data-incident=\"{id}\" data-when=\"{}\">",
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
        let _ = write!(confidence, " — {}", h(&i.confidence.reasons.join("; ")));
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
    let _ = writeln!(s, "<h4>What happened</h4><p>{}</p>", h(&i.summary));
    let _ = writeln!(s, "<h4>Root cause</h4><p>{}</p>", h(&i.root_cause));
    if !i.remediation.is_empty() {
        s.push_str("<h4>Remediation</h4><ol>\n");
        for step in &i.remediation {
            let _ = writeln!(s, "<li>{}</li>", h(step));
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
    evidence_table(s, &i.evidence, zone, "Evidence");
    s.push_str("</article>\n");
}

fn unclassified(s: &mut String, groups: &[Unclassified], zone: Option<DisplayZone>) {
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
        evidence_table(s, &u.evidence, zone, &label);
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

/// Render the page.
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
        "<header><h1>{title}</h1><p class=\"muted\">Generated by podmortem from {} sources. Times in {}.</p></header>",
        ov.sources,
        h(&times::zone_name(zone))
    );
    summary(&mut s, timeline, &ov, zone);
    s.push_str("<section id=\"timeline\"><h2>Timeline</h2>\n");
    s.push_str("<p class=\"legend muted\"><span>One lane per node; bars are incidents (hover or click for details), ticks are cited events, arrows are causal links.</span>");
    for sev in ["critical", "high", "medium", "low"] {
        let _ = write!(s, "<span>{}</span>", severity_badge(sev));
    }
    s.push_str("</p>\n");
    s.push_str(&svg::swimlanes(timeline, zone));
    s.push_str("<aside id=\"details\" hidden aria-live=\"polite\"></aside>\n</section>\n");
    let _ = writeln!(
        s,
        "<section id=\"incidents\"><h2>Incidents ({})</h2>",
        timeline.incidents.len()
    );
    s.push_str("<div class=\"toolbar\"><input id=\"filter\" type=\"search\" placeholder=\"Filter incidents (node, signature, text…)\" aria-label=\"Filter incidents\"><span id=\"filter-count\" class=\"muted\"></span></div>\n");
    if timeline.incidents.is_empty() {
        s.push_str("<p>No known root-cause signature matched.</p>\n");
    }
    for i in &timeline.incidents {
        incident(&mut s, i, &timeline.incidents, zone);
    }
    s.push_str("</section>\n");
    unclassified(&mut s, &timeline.unclassified, zone);
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
