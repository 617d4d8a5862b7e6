//! Terminal text: summary first, then incidents in time order with their evidence,
//! unclassified groups, problems. Optional ANSI colour for severities; everything is
//! wrapped or truncated to the terminal width, and log text never carries unescaped
//! control characters (see [`escape::terminal`]).

use std::io::Write;

use super::evidence::{self as rows, SignatureGroup, truncate, width};
use super::overview::{self, Overview};
use super::{ReportOptions, escape, times};
use crate::correlate::{Evidence, Incident, Unclassified};
use crate::error::Problem;
use crate::signatures::Severity;
use crate::timeline::{NodeSummary, SourceReport, Timeline};

/// Narrowest layout we try to honour; below this, labels alone would not fit.
const MIN_WIDTH: usize = 40;
/// Width of the label column (`remediation` + 2).
const LABEL: usize = 13;
/// Lines shown per multi-line evidence text before "… N more lines".
const MAX_TEXT_LINES: usize = 4;
/// Rows one long log line may take before it is cut.
const MAX_WRAP_ROWS: usize = 3;

/// Colour decisions in one place, so `color: false` output never contains ESC.
struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn severity(&self, severity: Severity) -> String {
        let label = severity.name().to_ascii_uppercase();
        let code = match severity {
            Severity::Critical => "1;97;41",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
        };
        self.paint(code, &label)
    }
}

/// Word wrap of `text` to lines of at most `width` display columns, breaking at
/// spaces; only a word wider than the line is split. Display width, not chars, so CJK
/// and emoji line up.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let options = textwrap::Options::new(width.max(1))
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(true);
    let mut lines: Vec<String> = textwrap::wrap(text, options)
        .into_iter()
        .map(|l| l.into_owned())
        .collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// [`wrap`] for one log line shown as evidence, at most `max_rows` rows, the last one
/// cut with `…` when more would follow.
fn wrap_rows(text: &str, width: usize, max_rows: usize) -> Vec<String> {
    let mut rows = wrap(text, width.max(2));
    if rows.len() > max_rows {
        rows.truncate(max_rows);
        if let Some(last) = rows.last_mut() {
            let cut = truncate(last, width.max(2) - 1);
            *last = format!("{}…", cut.trim_end_matches('…').trim_end());
        }
    }
    rows
}

/// Writes labelled, wrapped fields at a fixed indent.
struct Writer<'a> {
    out: &'a mut dyn Write,
    width: usize,
    style: Style,
    zone: Option<super::DisplayZone>,
    /// Evidence rows per incident; `None` shows every row (`--evidence all`).
    evidence_rows: Option<usize>,
}

impl<'a> Writer<'a> {
    fn new(out: &'a mut dyn Write, options: &ReportOptions) -> Writer<'a> {
        Writer {
            out,
            width: options.width.max(MIN_WIDTH),
            style: Style {
                color: options.color,
            },
            zone: options.zone,
            evidence_rows: options.evidence_rows,
        }
    }

    fn line(&mut self, text: &str) -> std::io::Result<()> {
        writeln!(self.out, "{text}")
    }

    fn blank(&mut self) -> std::io::Result<()> {
        writeln!(self.out)
    }

    /// `indent` + `label` padded to the label column, then `value` wrapped under it.
    fn field(&mut self, indent: usize, label: &str, value: &str) -> std::io::Result<()> {
        if value.is_empty() {
            let label = format!("{:indent$}{label}", "");
            return writeln!(self.out, "{}", self.style.dim(&label));
        }
        let value = escape::terminal(value);
        let column = indent + LABEL;
        let lines = wrap(&value, self.width.saturating_sub(column).max(10));
        for (n, text) in lines.iter().enumerate() {
            let head = if n == 0 { label } else { "" };
            let padded = format!("{:indent$}{:<LABEL$}", "", head);
            writeln!(self.out, "{}{text}", self.style.dim(&padded))?;
        }
        Ok(())
    }

    /// A bulleted, wrapped list item (`- text` / `1. text`) at `indent`.
    fn item(&mut self, indent: usize, bullet: &str, value: &str) -> std::io::Result<()> {
        let value = escape::terminal(value);
        let column = indent + width(bullet) + 1;
        let lines = wrap(&value, self.width.saturating_sub(column).max(10));
        for (n, text) in lines.iter().enumerate() {
            if n == 0 {
                writeln!(self.out, "{:indent$}{bullet} {text}", "")?;
            } else {
                writeln!(self.out, "{:column$}{text}", "")?;
            }
        }
        Ok(())
    }

    fn heading(&mut self, text: &str) -> std::io::Result<()> {
        let text = truncate(text, self.width);
        let rule = "─".repeat(width(&text));
        writeln!(self.out, "{}", self.style.bold(&text))?;
        writeln!(self.out, "{rule}")
    }

    /// One evidence row: `time  source:line  ×N, last at T`, then its text lines.
    ///
    /// The citation is never cut at its end (the line number matters most): a long
    /// path drops whole folders but keeps the node folder and the file name, and
    /// repeats move to their own line. A context row outside the incident's window
    /// says so, and a log line written in local time names its zone.
    fn evidence(&mut self, e: &Evidence, show_node: bool, notes: &[String]) -> std::io::Result<()> {
        let avail = self.width.saturating_sub(4);
        let time = times::stamped(e.time, e.time_quality, self.zone);
        let node = if show_node {
            format!("[{}] ", escape::terminal(&e.node))
        } else {
            String::new()
        };
        let repeats = (e.count > 1).then(|| {
            let last = e
                .last
                .map(|t| format!(", last at {}", times::instant(t, self.zone)))
                .unwrap_or_default();
            format!("×{}{last}", e.count)
        });
        let mut fixed = width(&time) + 2 + width(&node);
        let mut place = escape::terminal(&rows::short_citation(e, avail.saturating_sub(fixed)));
        if fixed + width(&place) > avail {
            // Too narrow for time and place on one row: the place gets its own row.
            writeln!(self.out, "    {time}")?;
            fixed = 2 + width(&node);
            place = format!(
                "  {}",
                escape::terminal(&rows::short_citation(e, avail.saturating_sub(fixed).max(8)))
            );
        } else {
            place = format!("{time}  {place}");
        }
        let (head_repeats, own_line) = match &repeats {
            Some(r) if fixed + width(&place) + 2 + width(r) <= avail => (format!("  {r}"), None),
            Some(r) => (String::new(), Some(r.clone())),
            None => (String::new(), None),
        };
        let head = match place.strip_prefix("  ") {
            Some(rest) => format!("  {node}{rest}"),
            None => match place.split_once("  ") {
                Some((t, rest)) => format!("{t}  {node}{rest}"),
                None => place.clone(),
            },
        };
        writeln!(self.out, "    {head}{head_repeats}")?;
        let mut side: Vec<String> = own_line.into_iter().collect();
        side.extend(notes.iter().cloned());
        for note in side {
            let note = truncate(&format!("({note})"), self.width.saturating_sub(6));
            writeln!(self.out, "      {}", self.style.dim(&note))?;
        }
        let text_width = self.width.saturating_sub(8).max(10);
        let lines = rows::display_lines(&e.text);
        for text in lines.iter().take(MAX_TEXT_LINES) {
            let text = escape::terminal(text);
            // Continuation rows of one long line sit two columns further in, so they
            // cannot be mistaken for the next line of a multi-line event.
            for (n, row) in wrap_rows(&text, text_width, MAX_WRAP_ROWS)
                .iter()
                .enumerate()
            {
                let indent = if n == 0 { 6 } else { 8 };
                writeln!(self.out, "{:indent$}{}", "", row.trim_end())?;
            }
        }
        if lines.len() > MAX_TEXT_LINES {
            let more = lines.len() - MAX_TEXT_LINES;
            writeln!(
                self.out,
                "      {}",
                self.style.dim(&format!("… {more} more lines"))
            )?;
        }
        Ok(())
    }

    /// Evidence rows, each cited line once, up to the `--evidence` limit.
    fn evidence_list(
        &mut self,
        evidence: &[Evidence],
        show_node: bool,
        notes: impl Fn(&Evidence) -> Vec<String>,
    ) -> std::io::Result<()> {
        let distinct = rows::distinct_rows(evidence);
        let limit = self.evidence_rows.unwrap_or(usize::MAX);
        for e in distinct.iter().take(limit) {
            self.evidence(e, show_node, &notes(e))?;
        }
        if distinct.len() > limit {
            let more = distinct.len() - limit;
            let note = format!("… {more} more evidence rows (all of them: --evidence all)");
            writeln!(self.out, "    {}", self.style.dim(&note))?;
        }
        Ok(())
    }
}

/// Node names for the summary: all of them up to [`LISTED_NODES`], else the first
/// ones and how many more, so 60 nodes do not fill a screen.
const LISTED_NODES: usize = 12;

fn summary(w: &mut Writer<'_>, timeline: &Timeline, ov: &Overview) -> std::io::Result<()> {
    w.heading("podmortem report")?;
    let names: Vec<String> = timeline
        .nodes
        .iter()
        .take(LISTED_NODES)
        .map(|n| {
            if n.aliases.is_empty() {
                n.name.clone()
            } else {
                format!("{} (also {})", n.name, n.aliases.join(", "))
            }
        })
        .collect();
    let more = timeline.nodes.len().saturating_sub(LISTED_NODES);
    let nodes = match (names.is_empty(), more) {
        (true, _) => "0".to_string(),
        (false, 0) => format!("{}: {}", timeline.nodes.len(), names.join(", ")),
        (false, more) => format!(
            "{}: {} and {more} more (all of them: podmortem sources)",
            timeline.nodes.len(),
            names.join(", ")
        ),
    };
    w.field(0, "nodes", &nodes)?;
    w.field(
        0,
        "logs cover",
        &times::range(ov.logs_span.0, ov.logs_span.1, false, w.zone),
    )?;
    let counts: Vec<String> = ov
        .by_severity
        .iter()
        .map(|(s, n)| format!("{n} {}", s.name()))
        .collect();
    let mut incidents = format!("{} ({})", ov.incidents, counts.join(", "));
    if ov.incidents > 0 {
        incidents.push_str(&format!(
            ", {}",
            times::range(ov.incidents_span.0, ov.incidents_span.1, false, w.zone)
        ));
    }
    w.field(0, "incidents", &incidents)?;
    for chain in &ov.chains {
        w.field(0, "chain", &chain.join(" → "))?;
    }
    let groups = if ov.unclassified == 1 {
        "group"
    } else {
        "groups"
    };
    w.field(0, "unclassified", &format!("{} {groups}", ov.unclassified))?;
    let events = overview::events_without_sources(ov).unwrap_or_else(|| {
        format!(
            "{} from {} sources; {} unparsed lines, {} lines with format drift",
            ov.events, ov.sources, ov.unparsed_lines, ov.drift_lines
        )
    });
    w.field(0, "events", &events)?;
    if !timeline.problems.is_empty() {
        w.field(
            0,
            "problems",
            &format!("{} (listed at the end)", timeline.problems.len()),
        )?;
    }
    if ov.inferred_times {
        w.field(
            0,
            "note",
            "times marked ~ are inferred (year, zone or dmesg boot anchor); see the sources' assumptions",
        )?;
    }
    provenance(w, &timeline.run)
}

/// The run's provenance: version, inputs, filters, time assumptions.
fn provenance(w: &mut Writer<'_>, run: &crate::timeline::RunInfo) -> std::io::Result<()> {
    if run.version.is_empty() {
        return Ok(());
    }
    let mut made = format!("podmortem {}", run.version);
    if !run.inputs.is_empty() {
        made.push_str(&format!(" on {}", run.inputs.join(", ")));
    }
    w.field(0, "run", &made)?;
    let filters = if run.filters.is_empty() {
        "none".to_string()
    } else {
        run.filters.join(" ")
    };
    w.field(0, "filters", &filters)?;
    for t in &run.time {
        w.field(0, "time", t)?;
    }
    Ok(())
}

/// `06-08 02:00–04:10` (with the year when the report spans years): the overview's
/// compact window; the zone is the report's, named in its heading.
fn compact_range(
    span: (
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ),
    inferred: bool,
    with_year: bool,
    zone: Option<super::DisplayZone>,
) -> String {
    let mark = if inferred { times::INFERRED_MARK } else { "" };
    let at = |t| format!("{}{mark}", times::axis_label(t, with_year, zone));
    match span {
        (Some(s), Some(e)) if at(s) == at(e) => at(s),
        (Some(s), Some(e)) => {
            let (from, to) = (at(s), at(e));
            // Same day: `06-08 02:03–04:00`, the date is not repeated.
            let day = |l: &str| l.rsplit_once(' ').map(|(d, _)| d.to_string());
            match (day(&from), to.rsplit_once(' ')) {
                (Some(d1), Some((d2, time))) if d1 == d2 => format!("{from}–{time}"),
                _ => format!("{from}–{to}"),
            }
        }
        (Some(s), None) => format!("{}–?", at(s)),
        (None, Some(e)) => format!("?–{}", at(e)),
        (None, None) => "no wall time".to_string(),
    }
}

/// The overview: one row per incident, id, severity, signature, nodes, start–end; a
/// signature seen on many nodes becomes one fleet line
/// (`pleg-unhealthy on 40 nodes, 06-08 02:00–04:10`).
fn overview_table(w: &mut Writer<'_>, timeline: &Timeline, ov: &Overview) -> std::io::Result<()> {
    let with_year = match ov.incidents_span {
        (Some(s), Some(e)) => chrono::Datelike::year(&s) != chrono::Datelike::year(&e),
        _ => false,
    };
    w.heading(&format!("Overview (times in {})", times::zone_name(w.zone)))?;
    let groups = rows::signature_groups(&timeline.incidents);
    let sig_w = groups
        .iter()
        .map(|g| width(g.signature))
        .max()
        .unwrap_or(9)
        .clamp(9, 34);
    let head = format!(
        "{:<9} {:<8} {:<sig_w$}  {:<22} WHEN",
        "ID", "SEVERITY", "SIGNATURE", "NODES"
    );
    w.line(&w.style.dim(&truncate(&head, w.width)))?;
    let mut lines: Vec<(Option<chrono::DateTime<chrono::Utc>>, String)> = Vec::new();
    for g in &groups {
        if g.is_fleet() {
            lines.push((g.span.0, fleet_line(g, sig_w, with_year, w.zone)));
            continue;
        }
        for i in &g.incidents {
            let nodes = nodes_cell(&i.nodes, 22);
            let when = compact_range(
                (i.start, i.end.or(i.start)),
                overview::incident_time_inferred(i),
                with_year,
                w.zone,
            );
            let line = format!(
                "{:<9} {:<8} {:<sig_w$}  {:<22} {when}",
                escape::terminal(&i.id),
                i.severity.name(),
                truncate(&escape::terminal(&i.signature), sig_w),
                escape::terminal(&nodes),
            );
            lines.push((i.start, line));
        }
    }
    // Timeline order; untimed rows last; the sort is stable so ties keep id order.
    lines.sort_by_key(|(start, _)| (start.is_none(), *start));
    for (_, line) in lines {
        w.line(&truncate(&line, w.width))?;
    }
    w.blank()
}

/// As many node names as fit in `max` columns, then `+N` for the rest.
fn nodes_cell(nodes: &[String], max: usize) -> String {
    let mut cell = String::new();
    for (n, name) in nodes.iter().enumerate() {
        let rest = nodes.len() - n - 1;
        let sep = if n == 0 { "" } else { ", " };
        let tail = if rest > 0 {
            format!(" +{rest}")
        } else {
            String::new()
        };
        if width(&cell) + width(sep) + width(name) + width(&tail) > max && n > 0 {
            return format!("{cell} +{}", nodes.len() - n);
        }
        cell.push_str(sep);
        cell.push_str(name);
    }
    truncate(&cell, max)
}

fn fleet_line(
    g: &SignatureGroup<'_>,
    sig_w: usize,
    with_year: bool,
    zone: Option<super::DisplayZone>,
) -> String {
    let inferred = g
        .incidents
        .iter()
        .any(|i| overview::incident_time_inferred(i));
    format!(
        "{:<9} {:<8} {:<sig_w$}  {:<22} {}",
        format!("{} inc.", g.incidents.len()),
        g.severity.name(),
        truncate(&escape::terminal(g.signature), sig_w),
        format!("on {} nodes", g.nodes.len()),
        compact_range(g.span, inferred, with_year, zone)
    )
}

/// One signature: its title, root cause, remediation and references once, then each
/// of its incidents with what is particular to it.
fn signature_block(
    w: &mut Writer<'_>,
    timeline: &Timeline,
    g: &SignatureGroup<'_>,
) -> std::io::Result<()> {
    let Some(first) = g.incidents.first() else {
        return Ok(());
    };
    let count = match g.incidents.len() {
        1 => "1 incident".to_string(),
        n => format!("{n} incidents on {} nodes", g.nodes.len()),
    };
    let head = truncate(
        &format!("{} — {count}", escape::terminal(g.signature)),
        w.width,
    );
    w.line(&w.style.bold(&head))?;
    w.field(2, "root cause", &first.root_cause)?;
    if !first.remediation.is_empty() {
        w.field(2, "remediation", "")?;
        for (n, step) in first.remediation.iter().enumerate() {
            w.item(4, &format!("{}.", n + 1), step)?;
        }
    }
    if !first.references.is_empty() {
        w.field(2, "references", "")?;
        for reference in &first.references {
            w.item(4, "-", reference)?;
        }
    }
    w.blank()?;
    for i in &g.incidents {
        incident(w, timeline, i, &first.root_cause)?;
    }
    Ok(())
}

fn incident(
    w: &mut Writer<'_>,
    timeline: &Timeline,
    i: &Incident,
    shared_cause: &str,
) -> std::io::Result<()> {
    let all = &timeline.incidents;
    let head = format!(
        "{}  {}  {}",
        escape::terminal(&i.id),
        i.severity.name().to_ascii_uppercase(),
        escape::terminal(&i.title)
    );
    // Truncate the plain text first, then colour its parts, so escapes never get cut.
    let head = truncate(&head, w.width);
    let painted = match head.split_once("  ") {
        Some((id, rest)) => {
            let rest = rest
                .strip_prefix(&i.severity.name().to_ascii_uppercase())
                .map(|tail| format!("{}{tail}", w.style.severity(i.severity)))
                .unwrap_or_else(|| rest.to_string());
            format!("{}  {rest}", w.style.bold(id))
        }
        None => head,
    };
    w.line(&painted)?;
    w.field(2, "nodes", &i.nodes.join(", "))?;
    let inferred = overview::incident_time_inferred(i);
    w.field(2, "when", &times::range(i.start, i.end, inferred, w.zone))?;
    let mut confidence = i.confidence.level.clone();
    if !i.confidence.reasons.is_empty() {
        confidence.push_str(": ");
        confidence.push_str(&i.confidence.reasons.join("; "));
    }
    w.field(2, "confidence", &confidence)?;
    if let Some(cause) = &i.caused_by {
        w.field(2, "caused by", &format!("{cause} → {}", i.id))?;
    }
    let effects = overview::effects_of(all, &i.id);
    if !effects.is_empty() {
        let arrows: Vec<String> = effects.iter().map(|e| format!("{} → {e}", i.id)).collect();
        w.field(2, "led to", &arrows.join(", "))?;
    }
    w.field(2, "summary", &i.summary)?;
    if i.root_cause != shared_cause {
        w.field(2, "root cause", &i.root_cause)?;
    }
    let shown = rows::distinct_rows(&i.evidence).len();
    let label = if shown == 1 { "row" } else { "rows" };
    w.field(2, "evidence", &format!("{shown} {label}"))?;
    w.evidence_list(&i.evidence, i.nodes.len() > 1, |e| {
        rows::row_notes(timeline, Some(i), e)
    })?;
    w.blank()
}

/// Unclassified groups the terminal report shows; JSON, Markdown and HTML list all.
const TOP_UNCLASSIFIED: usize = 10;

fn unclassified(w: &mut Writer<'_>, u: &Unclassified) -> std::io::Result<()> {
    let head = format!(
        "{} \u{d7}{}  {}",
        super::overview::level_word(u.level),
        u.count,
        escape::terminal(&u.template),
    );
    w.line(&truncate(&head, w.width))?;
    let place = format!(
        "{} on {}: {}",
        u.kind,
        u.nodes.join(", "),
        times::range(u.start, u.end, false, w.zone)
    );
    w.item(2, "", &place)?;
    w.evidence_list(&u.evidence, u.nodes.len() > 1, |_| Vec::new())
}

fn problems(w: &mut Writer<'_>, problems: &[Problem]) -> std::io::Result<()> {
    w.heading(&format!("Problems ({})", problems.len()))?;
    for p in problems {
        w.item(0, "-", &format!("{}: {}", p.source, p.message))?;
    }
    Ok(())
}

/// Render the full terminal report.
pub(crate) fn render(
    timeline: &Timeline,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut w = Writer::new(out, options);
    let ov = Overview::of(timeline);
    summary(&mut w, timeline, &ov)?;
    w.blank()?;
    if !timeline.incidents.is_empty() {
        overview_table(&mut w, timeline, &ov)?;
    }
    w.heading(&format!("Incidents ({})", timeline.incidents.len()))?;
    if timeline.incidents.is_empty() {
        w.line("No known root-cause signature matched.")?;
        w.blank()?;
    }
    for group in rows::signature_groups(&timeline.incidents) {
        signature_block(&mut w, timeline, &group)?;
    }
    if !timeline.unclassified.is_empty() {
        w.heading(&format!(
            "Unclassified error groups ({})",
            timeline.unclassified.len()
        ))?;
        for u in timeline.unclassified.iter().take(TOP_UNCLASSIFIED) {
            unclassified(&mut w, u)?;
        }
        let more = timeline.unclassified.len().saturating_sub(TOP_UNCLASSIFIED);
        if more > 0 {
            w.line(&format!(
                "... and {more} smaller groups (--format json lists all)"
            ))?;
        }
        w.blank()?;
    }
    if !timeline.problems.is_empty() {
        problems(&mut w, &timeline.problems)?;
    }
    Ok(())
}

/// Render the `sources` inventory: one block per source, then nodes and problems.
pub(crate) fn render_sources(
    rows: &[SourceReport],
    nodes: &[NodeSummary],
    problem_list: &[Problem],
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut w = Writer::new(out, options);
    w.heading(&format!("Sources ({})", rows.len()))?;
    for s in rows {
        let head = format!(
            "{}  [{}]",
            escape::terminal(&s.path),
            escape::terminal(&s.format)
        );
        let head = w.style.bold(&truncate(&head, w.width));
        w.line(&head)?;
        w.field(
            2,
            "node",
            &format!(
                "{} (from {})",
                s.node,
                super::json::node_from_name(s.node_from)
            ),
        )?;
        w.field(
            2,
            "lines",
            &format!("{} ({} unparsed)", s.lines, s.unparsed),
        )?;
        let inferred = !s.assumptions.is_empty();
        w.field(2, "time", &times::range(s.first, s.last, inferred, w.zone))?;
        for a in &s.assumptions {
            w.field(2, "assumption", a)?;
        }
        for (kind, n) in &s.drift {
            w.field(
                2,
                "drift",
                &format!("{n} {kind} lines failed their grammar"),
            )?;
        }
        for e in &s.errors {
            w.field(2, "error", e)?;
        }
    }
    w.blank()?;
    w.heading(&format!("Nodes ({})", nodes.len()))?;
    for n in nodes {
        let mut head = escape::terminal(&n.name);
        if !n.aliases.is_empty() {
            head.push_str(&format!(
                " (also {})",
                escape::terminal(&n.aliases.join(", "))
            ));
        }
        head.push_str(&format!(", {} sources", n.sources));
        w.line(&truncate(&head, w.width))?;
        for (start, end) in &n.spans {
            w.field(
                2,
                "covers",
                &times::range(Some(*start), Some(*end), false, w.zone),
            )?;
        }
    }
    if !problem_list.is_empty() {
        w.blank()?;
        problems(&mut w, problem_list)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_splits_only_overlong_words() {
        assert_eq!(
            wrap("eviction manager: must evict pod(s) to reclaim imagefs", 20),
            vec![
                "eviction manager:",
                "must evict pod(s) to",
                "reclaim imagefs"
            ]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10), vec![""]);
        // Issue 15: `(gfp=0x8020)` used to be cut as `(gf` / `p=0x8020)`.
        let line = "kernel: [88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)";
        let rows = wrap_rows(line, 70, 3);
        assert_eq!(rows.last().map(String::as_str), Some("(gfp=0x8020)"));
        // Display width: two-column characters are measured as two.
        assert!(wrap("节点 节点 节点", 8).iter().all(|r| width(r) <= 8));
    }

    #[test]
    fn wrap_rows_marks_the_cut() {
        assert_eq!(wrap_rows("aa bb cc dd", 5, 1), vec!["aa…"]);
    }

    #[test]
    fn colour_only_when_asked() {
        let plain = Style { color: false };
        assert_eq!(plain.severity(Severity::High), "HIGH");
        let colour = Style { color: true };
        assert_eq!(colour.severity(Severity::High), "\x1b[1;31mHIGH\x1b[0m");
    }
}
