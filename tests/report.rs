//! Report rendering on a realistic timeline fixture: snapshots for text, Markdown and
//! JSON (review changes with `cargo insta review` or `INSTA_UPDATE=always`), structural
//! checks for HTML, and hostile-log tests for every format.

#[path = "support/timeline_fixture.rs"]
mod timeline_fixture;

use podmortem::report::{self, DisplayZone, ReportFormat, ReportOptions};
use podmortem::timeline::Timeline;
use serde_json::Value;

fn render(timeline: &Timeline, format: ReportFormat, options: &ReportOptions) -> String {
    let mut out = Vec::new();
    report::render(timeline, format, options, &mut out).expect("rendering into a Vec cannot fail");
    String::from_utf8(out).expect("reports are UTF-8")
}

fn plain() -> ReportOptions {
    ReportOptions {
        width: 100,
        ..ReportOptions::default()
    }
}

/// Remove SGR colour sequences (`ESC [ ... m`) that the text renderer itself writes.
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("\x1b[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('m') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_digit() || c == ';') => {
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("\x1b[");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn text_snapshot() {
    let text = render(&timeline_fixture::timeline(), ReportFormat::Text, &plain());
    insta::assert_snapshot!("text", text);
}

#[test]
fn text_puts_summary_first_and_shows_chains_repeats_and_inferred_times() {
    let text = render(&timeline_fixture::timeline(), ReportFormat::Text, &plain());
    let summary = text.find("incidents    4 (1 critical, 2 high, 1 medium, 0 low)");
    let first_incident = text.find("INC-001  HIGH");
    assert!(summary.is_some() && summary < first_incident, "{text}");
    assert!(text.contains("chain        INC-002 → INC-003"));
    assert!(text.contains("caused by    INC-002 → INC-003"));
    // Repeats and evidence citations.
    assert!(text.contains(
        "    2018-06-08T03:03:28Z~  bundle.tgz!/k8s-worker-01/var/log/kern.log:41207-41209\n      (×37, last at 2018-06-08T03:09:41Z)\n"
    ), "{text}");
    // Unanchored dmesg has no wall time and says so.
    assert!(
        text.contains(
            "    uptime only (unanchored)  bundle.tgz!/k8s-worker-01/dmesg.txt:1822-1824\n"
        )
    );
    // Order: incidents, then unclassified, then problems.
    let unclassified = text.find("Unclassified error groups (1)");
    let problems = text.find("Problems (1)");
    assert!(first_incident < unclassified && unclassified < problems);
    assert!(!text.contains('\x1b'), "no colour unless asked");
}

#[test]
fn text_colour_only_wraps_severities_and_ids() {
    let options = ReportOptions {
        color: true,
        ..plain()
    };
    let coloured = render(&timeline_fixture::timeline(), ReportFormat::Text, &options);
    assert!(coloured.contains("\x1b[1;97;41mCRITICAL\x1b[0m"));
    assert!(coloured.contains("\x1b[1;31mHIGH\x1b[0m"));
    let plain_text = render(&timeline_fixture::timeline(), ReportFormat::Text, &plain());
    assert_eq!(strip_sgr(&coloured), plain_text);
}

#[test]
fn text_fits_the_width() {
    for width in [40, 60, 80, 120] {
        let options = ReportOptions { width, ..plain() };
        let text = render(&timeline_fixture::timeline(), ReportFormat::Text, &options);
        for line in text.lines() {
            assert!(
                line.chars().count() <= width,
                "line longer than {width}: {line:?}"
            );
        }
    }
}

#[test]
fn zone_changes_display_times_only() {
    let options = ReportOptions {
        zone: DisplayZone::parse("Europe/Berlin").ok(),
        ..plain()
    };
    let text = render(&timeline_fixture::timeline(), ReportFormat::Text, &options);
    assert!(text.contains("2018-06-10T11:41:37+02:00"), "{text}");
    assert!(!text.contains("2018-06-10T09:41:37Z"));
    let json = render(&timeline_fixture::timeline(), ReportFormat::Json, &options);
    assert!(json.contains("\"2018-06-10T09:41:37Z\""), "JSON stays UTC");
}

#[test]
fn json_snapshot() {
    let json = render(&timeline_fixture::timeline(), ReportFormat::Json, &plain());
    insta::assert_snapshot!("json", json);
}

#[test]
fn json_has_the_documented_shape() {
    let json = render(&timeline_fixture::timeline(), ReportFormat::Json, &plain());
    let doc: Value = serde_json::from_str(&json).expect("valid JSON");
    let keys: Vec<&str> = doc
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "incidents",
            "meta",
            "nodes",
            "problems",
            "sources",
            "summary",
            "unclassified",
            "version"
        ]
    );
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["summary"]["by_severity"]["critical"], 1);
    assert_eq!(
        doc["summary"]["chains"][0],
        serde_json::json!(["INC-002", "INC-003"])
    );
    let incidents = doc["incidents"].as_array().map(Vec::len);
    assert_eq!(incidents, Some(4));
    let eviction = &doc["incidents"][2];
    assert_eq!(eviction["id"], "INC-003");
    assert_eq!(eviction["caused_by"], "INC-002");
    assert_eq!(
        doc["incidents"][1]["causes"],
        serde_json::json!(["INC-003"])
    );
    assert_eq!(eviction["severity"], "high");
    assert_eq!(eviction["start"], "2018-06-10T09:41:37Z");
    let evidence = &doc["incidents"][0]["evidence"][1];
    for key in [
        "time",
        "node",
        "kind",
        "source",
        "line",
        "text",
        "count",
        "last",
        "time_quality",
    ] {
        assert!(evidence.get(key).is_some(), "evidence lacks {key}");
    }
    assert_eq!(evidence["time_quality"], "year_inferred");
    assert_eq!(evidence["count"], 37);
    assert_eq!(doc["incidents"][0]["evidence"][2]["time"], Value::Null);
    assert_eq!(
        doc["incidents"][0]["evidence"][2]["time_quality"],
        "unanchored"
    );
    // Sub-second precision is kept in JSON.
    assert_eq!(
        doc["incidents"][1]["start"],
        "2018-06-10T08:14:02.118329071Z"
    );
    let source = &doc["sources"][0];
    assert_eq!(source["first"], Value::Null);
    assert_eq!(source["node_from"], "directory");
}

#[test]
fn markdown_snapshot() {
    let md = render(
        &timeline_fixture::timeline(),
        ReportFormat::Markdown,
        &plain(),
    );
    insta::assert_snapshot!("markdown", md);
}

/// Number of cells in a Markdown table row: unescaped pipes minus one.
fn cells(row: &str) -> usize {
    let mut count: usize = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    count.saturating_sub(1)
}

/// Every table in `md` keeps the column count of its header row.
fn assert_tables_are_rectangular(md: &str) {
    let mut columns = None;
    for line in md.lines() {
        if line.starts_with('|') {
            let n = cells(line);
            match columns {
                None => columns = Some(n),
                Some(expected) => assert_eq!(n, expected, "row breaks its table: {line}"),
            }
        } else {
            columns = None;
        }
    }
}

#[test]
fn markdown_is_a_review_document() {
    let md = render(
        &timeline_fixture::timeline(),
        ReportFormat::Markdown,
        &plain(),
    );
    for heading in [
        "# podmortem report",
        "## Summary",
        "## Timeline",
        "### INC-003 — Eviction manager evicts the static kube-proxy pod",
        "#### Root cause",
        "#### Remediation",
        "## Sources",
        "## Gaps",
    ] {
        assert!(md.contains(heading), "missing {heading}");
    }
    assert!(md.contains("| Time | Node | Incident | Severity |"));
    assert!(md.contains("- **Causal chain:** [INC-002](#inc-002) → **INC-003**"));
    assert!(md.contains("bundle.tgz!/k8s-worker-02/var/log/syslog:88120"));
    // Gaps: unreadable, drift, time assumptions, unanchored dmesg, coverage hole.
    assert!(md.contains("**Unreadable:** bundle.tgz!/k8s-worker-03/var/log/kubelet.log.1.gz"));
    assert!(md.contains("**Format drift:** 2 lines in bundle.tgz!/k8s-worker-02/var/log/syslog looked like kubelet.eviction\\_ranked"));
    assert!(md.contains("dmesg uptimes not anchored"));
    assert!(md.contains("**Coverage:** no logs from k8s-worker-03 between 2018-06-11T23:10:00Z and 2018-06-12T14:00:00Z"));
    // The loopback warning's backticks do not open code spans.
    assert!(md.contains("\\`--storage-opt dm.thinpooldev\\`"));
    assert_tables_are_rectangular(&md);
}

/// The JSON inside `<script type="application/json" id="podmortem-data">`.
fn embedded_data(html: &str) -> &str {
    let opening = "<script type=\"application/json\" id=\"podmortem-data\">";
    let start = html.find(opening).map_or(0, |i| i + opening.len());
    let end = html[start..].find("</script>").map_or(start, |e| start + e);
    &html[start..end]
}

#[test]
fn html_has_lanes_spans_links_and_no_network() {
    let timeline = timeline_fixture::timeline();
    let html = render(&timeline, ReportFormat::Html, &plain());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        html.matches("<g class=\"lane\"").count(),
        timeline.nodes.len()
    );
    for node in &timeline.nodes {
        assert!(html.contains(&format!("<g class=\"lane\" data-node=\"{}\">", node.name)));
    }
    for incident in &timeline.incidents {
        let span = format!(
            "class=\"incident-span sev-{}\" data-incident=\"{}\"",
            incident.severity.name(),
            incident.id
        );
        assert_eq!(html.matches(&span).count(), 1, "{span}");
    }
    // The cluster incident also marks its other two nodes.
    assert_eq!(
        html.matches("class=\"incident-part sev-critical\" data-incident=\"INC-004\"")
            .count(),
        2
    );
    assert!(html.contains("class=\"causal-link\" data-from=\"INC-002\" data-to=\"INC-003\""));
    assert!(html.contains("<details><summary>Evidence (3 rows)</summary>"));
    assert!(html.contains("@media print"));
    assert!(html.contains("id=\"filter\""));
    assert!(html.contains("Content-Security-Policy"));
    // Self-contained: no external resources.
    for needle in ["<link", "src=\"http", "src='http", "url(http", "@import"] {
        assert!(!html.contains(needle), "external resource: {needle}");
    }
    // The embedded data is the JSON document.
    let doc: Value = serde_json::from_str(embedded_data(&html)).expect("embedded JSON parses");
    assert_eq!(
        doc["incidents"][3]["nodes"].as_array().map(Vec::len),
        Some(3)
    );
}

#[test]
fn sources_json_has_stable_keys() {
    let t = timeline_fixture::timeline();
    let mut out = Vec::new();
    report::render_sources(
        &t.sources,
        &t.nodes,
        &t.problems,
        ReportFormat::Json,
        &plain(),
        &mut out,
    )
    .expect("write to Vec");
    let doc: Value = serde_json::from_slice(&out).expect("valid JSON");
    let row = &doc["sources"][1];
    let mut keys: Vec<&str> = row
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "assumptions",
            "drift",
            "errors",
            "first",
            "format",
            "last",
            "lines",
            "node",
            "node_from",
            "path",
            "unparsed"
        ]
    );
    assert_eq!(row["path"], "bundle.tgz!/k8s-worker-01/var/log/kern.log");
    assert_eq!(row["first"], "2018-06-08T02:41:07Z");
    assert_eq!(row["lines"], 48211);
    assert_eq!(doc["nodes"][2]["aliases"][0], "AMZ-IAD12-OpsResPool-k8s-03");
    assert_eq!(doc["nodes"][2]["spans"][1]["start"], "2018-06-12T14:00:00Z");
    assert_eq!(
        doc["problems"][0]["message"],
        "corrupt gzip header; skipped (re-collect the file or decompress it by hand)"
    );
}

#[test]
fn sources_text_lists_assumptions_errors_and_coverage() {
    let t = timeline_fixture::timeline();
    let mut out = Vec::new();
    report::render_sources(
        &t.sources,
        &t.nodes,
        &t.problems,
        ReportFormat::Text,
        &plain(),
        &mut out,
    )
    .expect("write to Vec");
    let text = String::from_utf8(out).expect("UTF-8");
    assert!(text.contains("bundle.tgz!/k8s-worker-01/dmesg.txt  [dmesg]"));
    assert!(text.contains("  time         unknown (no wall time)"));
    assert!(text.contains("  assumption   year 2018 inferred from the file's modification time"));
    assert!(text.contains("  time         2018-06-08T02:41:07Z~ – 2018-06-12T23:59:58Z~"));
    assert!(text.contains("  error        gzip stream truncated after 1.2 MiB"));
    assert!(text.contains("  drift        2 kubelet.eviction_ranked lines failed their grammar"));
    assert!(text.contains("k8s-worker-03 (also AMZ-IAD12-OpsResPool-k8s-03), 2 sources"));
    assert!(text.contains("Problems (1)"));
}

#[test]
fn empty_timeline_renders_in_every_format() {
    let empty = Timeline {
        run: Default::default(),
        nodes: vec![],
        incidents: vec![],
        unclassified: vec![],
        sources: vec![],
        problems: vec![],
        event_count: 0,
        last_event: None,
    };
    for format in ReportFormat::ALL {
        let out = render(&empty, *format, &plain());
        assert!(!out.is_empty(), "{format:?}");
    }
    let text = render(&empty, ReportFormat::Text, &plain());
    assert!(text.contains("No known root-cause signature matched."));
    let json: Value =
        serde_json::from_str(&render(&empty, ReportFormat::Json, &plain())).expect("JSON");
    assert_eq!(json["incidents"], serde_json::json!([]));
    assert_eq!(json["summary"]["logs_start"], Value::Null);
}

// ---- hostile log text ----

fn hostile(format: ReportFormat) -> String {
    render(&timeline_fixture::hostile_timeline(), format, &plain())
}

/// Raw control characters a terminal or browser could act on.
fn has_raw_controls(text: &str) -> Option<char> {
    text.chars()
        .find(|c| (c.is_control() && *c != '\n' && *c != '\t') || ('\u{80}'..='\u{9f}').contains(c))
}

#[test]
fn hostile_text_is_inert_in_text() {
    let text = hostile(ReportFormat::Text);
    assert_eq!(has_raw_controls(&text), None);
    assert!(text.contains("\\e[31mred\\e[0m \\e]0;title\\x07"), "{text}");
    assert!(text.contains("\\u{9b}2J"));
    // With colour on, the only escapes are our SGR sequences.
    let options = ReportOptions {
        color: true,
        ..plain()
    };
    let coloured = render(
        &timeline_fixture::hostile_timeline(),
        ReportFormat::Text,
        &options,
    );
    assert_eq!(has_raw_controls(&strip_sgr(&coloured)), None);
}

#[test]
fn hostile_text_is_inert_in_json() {
    let json = hostile(ReportFormat::Json);
    assert_eq!(has_raw_controls(&json), None);
    assert!(json.contains("\\u001b[31mred"));
    assert!(json.contains("\\u009b2J"));
    // And the values survive a round trip.
    let doc: Value = serde_json::from_str(&json).expect("valid JSON");
    let text = doc["incidents"][0]["evidence"][0]["text"]
        .as_str()
        .unwrap_or("");
    assert!(text.contains("\x1b]0;title\x07"));
    assert!(text.contains(timeline_fixture::SCRIPT));
}

#[test]
fn hostile_text_is_inert_in_markdown() {
    let md = hostile(ReportFormat::Markdown);
    assert_eq!(has_raw_controls(&md), None);
    assert!(!md.contains("<script"), "raw HTML in Markdown");
    assert!(!md.contains("<img"));
    assert!(!md.contains("[link]("), "a live link");
    assert!(md.contains("a \\| b \\`code\\` \\*\\*bold\\*\\*"));
    assert_tables_are_rectangular(&md);
}

#[test]
fn hostile_text_is_inert_in_html() {
    let html = hostile(ReportFormat::Html);
    assert_eq!(has_raw_controls(&html), None);
    assert!(!html.contains("<script>alert"), "unescaped script");
    assert!(!html.contains("<img"), "unescaped img");
    assert!(!html.contains(timeline_fixture::IMG), "attribute breakout");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("data-node=\"evil&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\""));
    // Inside the embedded JSON, `<` never appears raw.
    let data = embedded_data(&html);
    assert!(!data.contains('<') && !data.contains('>') && !data.contains('&'));
    assert!(data.contains("\\u003cscript\\u003ealert(1)"));
    // Only our own script elements exist: the recorder, the data and the main script.
    assert_eq!(html.matches("<script").count(), 3);
}

#[test]
fn issue_15_4_html_renders_markdown_code_spans_as_code_and_keeps_them_escaped() {
    let html = render(&timeline_fixture::timeline(), ReportFormat::Html, &plain());
    assert!(
        html.contains("<li>Run Docker with <code>-s overlay2</code> (wipe /var/lib/docker first"),
        "remediation code span"
    );
    // A code span in hostile text is still text.
    let mut hostile = timeline_fixture::timeline();
    hostile.incidents[0].remediation = vec!["Run `<img src=x onerror=alert(1)>` now".into()];
    let html = render(&hostile, ReportFormat::Html, &plain());
    assert!(html.contains("<li>Run <code>&lt;img src=x onerror=alert(1)&gt;</code> now</li>"));
    // An unmatched backtick stays a backtick.
    hostile.incidents[0].remediation = vec!["quote ` alone".into()];
    let html = render(&hostile, ReportFormat::Html, &plain());
    assert!(html.contains("<li>quote ` alone</li>"));
}

#[test]
fn issue_15_4_html_assets_are_inline_and_the_timeline_is_zoomable() {
    let html = render(&timeline_fixture::timeline(), ReportFormat::Html, &plain());
    // The stylesheet and script come from src/report/assets/ and are inlined whole.
    assert!(html.contains(include_str!("../src/report/assets/report.css")));
    assert!(html.contains(include_str!("../src/report/assets/report.js")));
    assert!(!html.contains("<script src") && !html.contains("<link"));
    assert!(
        html.contains("<button type=\"button\" id=\"zoom-reset\" disabled>Reset zoom</button>")
    );
    assert!(html.contains("<select id=\"signature-filter\""));
    assert!(html.contains(
        "<option value=\"net.nofile-exhausted-calico\">net.nofile-exhausted-calico (1)</option>"
    ));
}
