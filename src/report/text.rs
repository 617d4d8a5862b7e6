//! Terminal text: summary first, then incidents in time order with their evidence,
//! unclassified groups, problems. Optional ANSI colour for severities; everything is
//! wrapped or truncated to the terminal width, and log text never carries raw control
//! characters (see [`escape::terminal`]).

use std::io::Write;

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
/// Evidence rows shown per incident or group before "… N more".
const MAX_EVIDENCE: usize = 8;
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

/// Cut `text` to at most `max` characters, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let keep = max.saturating_sub(1);
    let mut out: String = text.chars().take(keep).collect();
    out.push('…');
    out
}

/// Cut `text` to at most `max` characters from the left, starting with `…` when cut.
fn truncate_left(text: &str, max: usize) -> String {
    let len = text.chars().count();
    if len <= max {
        return text.to_string();
    }
    let skip = len - max.saturating_sub(1);
    let mut out = String::from("…");
    out.extend(text.chars().skip(skip));
    out
}

/// Split a log line into rows of `width` characters (log text has no word structure
/// worth keeping), at most `max_rows`, the last one cut with `…`.
fn hard_wrap(text: &str, width: usize, max_rows: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut rows: Vec<String> = chars
        .chunks(width.max(2))
        .map(|chunk| chunk.iter().collect())
        .collect();
    if rows.len() > max_rows {
        rows.truncate(max_rows);
        if let Some(last) = rows.last_mut() {
            let keep: String = last.chars().take(width.max(2) - 1).collect();
            *last = format!("{keep}…");
        }
    }
    if rows.is_empty() {
        rows.push(String::new());
    }
    rows
}

/// Greedy word wrap of `text` to lines of at most `width` characters; a word longer
/// than the width is split.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            let rest = word.split_off(width);
            lines.push(word.iter().collect());
            word = rest;
        }
        if word.is_empty() {
            continue;
        }
        let extra = if len == 0 { word.len() } else { word.len() + 1 };
        if len + extra > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.extend(word.iter());
        len += word.len();
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes labelled, wrapped fields at a fixed indent.
struct Writer<'a> {
    out: &'a mut dyn Write,
    width: usize,
    style: Style,
    zone: Option<super::DisplayZone>,
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
        let column = indent + bullet.chars().count() + 1;
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
        let rule = "─".repeat(text.chars().count());
        writeln!(self.out, "{}", self.style.bold(&text))?;
        writeln!(self.out, "{rule}")
    }

    /// One evidence row: `time  source:line  ×N, last at T`, then its text lines.
    ///
    /// The citation is never cut at its end (the line number matters most): a long
    /// path loses its beginning instead, and repeats move to their own line.
    fn evidence(&mut self, e: &Evidence, show_node: bool) -> std::io::Result<()> {
        let avail = self.width.saturating_sub(4);
        let time = times::stamped(e.time, e.time_quality, self.zone);
        let place = if e.end_line > e.line {
            format!("{}:{}-{}", e.source, e.line, e.end_line)
        } else {
            format!("{}:{}", e.source, e.line)
        };
        let mut place = escape::terminal(&place);
        if show_node {
            place = format!("[{}] {place}", escape::terminal(&e.node));
        }
        let repeats = (e.count > 1).then(|| {
            let last = e
                .last
                .map(|t| format!(", last at {}", times::instant(t, self.zone)))
                .unwrap_or_default();
            format!("×{}{last}", e.count)
        });
        let fixed = time.chars().count() + 2;
        let place_len = place.chars().count();
        let (head_repeats, own_line) = match &repeats {
            Some(r) if fixed + place_len + 2 + r.chars().count() <= avail => {
                (format!("  {r}"), None)
            }
            Some(r) => (String::new(), Some(r.clone())),
            None => (String::new(), None),
        };
        let place = truncate_left(&place, avail.saturating_sub(fixed).max(8));
        let head = truncate(&format!("{time}  {place}{head_repeats}"), avail);
        writeln!(self.out, "    {head}")?;
        if let Some(r) = own_line {
            let r = truncate(&r, self.width.saturating_sub(6));
            writeln!(self.out, "      {}", self.style.dim(&r))?;
        }
        let text_width = self.width.saturating_sub(8).max(10);
        let lines: Vec<&str> = e.text.split('\n').collect();
        for text in lines.iter().take(MAX_TEXT_LINES) {
            let text = escape::terminal(text.trim_end_matches('\r'));
            // Continuation rows of one long line sit two columns further in, so they
            // cannot be mistaken for the next line of a multi-line event.
            let rows = hard_wrap(&text, text_width, MAX_WRAP_ROWS);
            for (n, row) in rows.iter().enumerate() {
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

    fn evidence_list(&mut self, evidence: &[Evidence], show_node: bool) -> std::io::Result<()> {
        for e in evidence.iter().take(MAX_EVIDENCE) {
            self.evidence(e, show_node)?;
        }
        if evidence.len() > MAX_EVIDENCE {
            let more = evidence.len() - MAX_EVIDENCE;
            let note = format!("… {more} more evidence rows (full list: --format md or json)");
            writeln!(self.out, "    {}", self.style.dim(&note))?;
        }
        Ok(())
    }
}

fn summary(w: &mut Writer<'_>, timeline: &Timeline, ov: &Overview) -> std::io::Result<()> {
    w.heading("podmortem report")?;
    let names: Vec<String> = timeline
        .nodes
        .iter()
        .map(|n| {
            if n.aliases.is_empty() {
                n.name.clone()
            } else {
                format!("{} (also {})", n.name, n.aliases.join(", "))
            }
        })
        .collect();
    let nodes = if names.is_empty() {
        "0".to_string()
    } else {
        format!("{}: {}", names.len(), names.join(", "))
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
    w.field(
        0,
        "events",
        &format!(
            "{} from {} sources; {} unparsed lines, {} lines with format drift",
            ov.events, ov.sources, ov.unparsed_lines, ov.drift_lines
        ),
    )?;
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
    Ok(())
}

fn incident(w: &mut Writer<'_>, i: &Incident, all: &[Incident]) -> std::io::Result<()> {
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
    w.field(2, "signature", &i.signature)?;
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
    w.field(2, "root cause", &i.root_cause)?;
    if !i.remediation.is_empty() {
        w.field(2, "remediation", "")?;
        for (n, step) in i.remediation.iter().enumerate() {
            w.item(4, &format!("{}.", n + 1), step)?;
        }
    }
    if !i.references.is_empty() {
        w.field(2, "references", "")?;
        for reference in &i.references {
            w.item(4, "-", reference)?;
        }
    }
    w.field(2, "evidence", &format!("{} rows", i.evidence.len()))?;
    w.evidence_list(&i.evidence, i.nodes.len() > 1)?;
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
    w.evidence_list(&u.evidence, u.nodes.len() > 1)
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
    w.heading(&format!("Incidents ({})", timeline.incidents.len()))?;
    if timeline.incidents.is_empty() {
        w.line("No known root-cause signature matched.")?;
        w.blank()?;
    }
    for i in &timeline.incidents {
        incident(&mut w, i, &timeline.incidents)?;
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
    fn wrap_respects_width_and_splits_long_words() {
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
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("SLUB: Unable to allocate", 10), "SLUB: Una…");
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(
            truncate_left("k8s-worker-01/var/log/kern.log:41207", 16),
            "…/kern.log:41207"
        );
    }

    #[test]
    fn hard_wrap_limits_rows() {
        assert_eq!(hard_wrap("abcdefgh", 3, 5), vec!["abc", "def", "gh"]);
        assert_eq!(hard_wrap("abcdefghij", 3, 2), vec!["abc", "de…"]);
        assert_eq!(hard_wrap("", 3, 2), vec![""]);
    }

    #[test]
    fn colour_only_when_asked() {
        let plain = Style { color: false };
        assert_eq!(plain.severity(Severity::High), "HIGH");
        let colour = Style { color: true };
        assert_eq!(colour.severity(Severity::High), "\x1b[1;31mHIGH\x1b[0m");
    }
}
