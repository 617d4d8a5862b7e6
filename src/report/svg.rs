//! The HTML report's swimlane timeline as inline SVG: one lane per node, one span per
//! incident (drawn in its first node's lane; other nodes of a cluster incident get
//! joined "part" spans), ticks for cited events, arrows for causal links.
//!
//! Layout is computed first (time scale, rows so overlapping spans do not hide each
//! other, lane heights), then written. Incidents without a wall time go to an
//! "untimed" column on the left instead of disappearing.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{DisplayZone, escape, times};
use crate::correlate::Incident;
use crate::timeline::Timeline;

const WIDTH: f64 = 1200.0;
const LABEL_W: f64 = 150.0;
const UNTIMED_W: f64 = 80.0;
const RIGHT_PAD: f64 = 24.0;
const AXIS_H: f64 = 34.0;
const ROW_H: f64 = 22.0;
const SPAN_H: f64 = 16.0;
const LANE_PAD: f64 = 8.0;
const TICK_BAND: f64 = 12.0;
const MIN_SPAN_W: f64 = 6.0;
const LABEL_ROOM: f64 = 62.0;
const AXIS_TICKS: usize = 6;

/// Linear map from instants to x coordinates.
struct Scale {
    start: DateTime<Utc>,
    millis: f64,
    x0: f64,
    x1: f64,
}

impl Scale {
    /// Scale over every time the timeline cites; `None` when there is none.
    fn of(timeline: &Timeline, x0: f64, x1: f64) -> Option<Scale> {
        let mut all: Vec<DateTime<Utc>> = Vec::new();
        for i in &timeline.incidents {
            all.extend(i.start);
            all.extend(i.end);
            all.extend(i.evidence.iter().filter_map(|e| e.time));
        }
        for u in &timeline.unclassified {
            all.extend(u.start);
            all.extend(u.end);
        }
        let (min, max) = (all.iter().min()?, all.iter().max()?);
        let mut span = (*max - *min).num_milliseconds() as f64;
        let mut start = *min;
        if span <= 0.0 {
            // One instant: show a two-minute window around it.
            span = 120_000.0;
            start = *min - chrono::Duration::minutes(1);
        }
        // 3% padding on both sides keeps end spans off the edges.
        let pad = span * 0.03;
        let start = start - chrono::Duration::milliseconds(pad as i64);
        Some(Scale {
            start,
            millis: span + 2.0 * pad,
            x0,
            x1,
        })
    }

    fn x(&self, t: DateTime<Utc>) -> f64 {
        let offset = (t - self.start).num_milliseconds() as f64;
        self.x0 + (offset / self.millis).clamp(0.0, 1.0) * (self.x1 - self.x0)
    }

    fn at(&self, fraction: f64) -> DateTime<Utc> {
        self.start + chrono::Duration::milliseconds((self.millis * fraction) as i64)
    }
}

/// Where one incident is drawn in one lane.
struct Placement {
    lane: usize,
    row: usize,
    x1: f64,
    x2: f64,
    primary: bool,
}

fn severity_class(incident: &Incident) -> &'static str {
    match incident.severity {
        crate::signatures::Severity::Critical => "sev-critical",
        crate::signatures::Severity::High => "sev-high",
        crate::signatures::Severity::Medium => "sev-medium",
        crate::signatures::Severity::Low => "sev-low",
    }
}

/// Lane names: the timeline's nodes in order, then any node only incidents mention.
fn lane_names(timeline: &Timeline) -> Vec<&str> {
    let mut names: Vec<&str> = timeline.nodes.iter().map(|n| n.name.as_str()).collect();
    let mut extra: Vec<&str> = timeline
        .incidents
        .iter()
        .flat_map(|i| i.nodes.iter().map(String::as_str))
        .chain(
            timeline
                .unclassified
                .iter()
                .flat_map(|u| u.nodes.iter().map(String::as_str)),
        )
        .filter(|n| !names.contains(n))
        .collect();
    extra.sort_unstable();
    extra.dedup();
    names.extend(extra);
    names
}

/// Where every incident's spans sit: a lane per node, rows within a lane so that
/// overlapping spans (and their id labels) do not collide.
struct Layout<'t> {
    lanes: Vec<&'t str>,
    /// Per lane, the right end (label included) of the last span of each row.
    row_ends: Vec<Vec<f64>>,
    /// Per incident (in timeline order), its spans, one per node lane.
    placements: Vec<Vec<Placement>>,
    /// Per lane, its top y: lanes grow with their rows, so they cannot be placed at a
    /// fixed pitch.
    lane_top: Vec<f64>,
    height: f64,
}

impl<'t> Layout<'t> {
    /// Greedy row assignment per lane, then lane geometry.
    fn of(timeline: &'t Timeline, scale: Option<&Scale>) -> Layout<'t> {
        let lanes = lane_names(timeline);
        let lane_index: BTreeMap<&str, usize> =
            lanes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let mut row_ends: Vec<Vec<f64>> = vec![Vec::new(); lanes.len()];
        let placements = timeline
            .incidents
            .iter()
            .map(|incident| place(incident, scale, &lane_index, &mut row_ends))
            .collect();
        let mut lane_top = Vec::with_capacity(lanes.len());
        let mut y = AXIS_H;
        for ends in &row_ends {
            lane_top.push(y);
            y += lane_height(ends);
        }
        Layout {
            lanes,
            row_ends,
            placements,
            lane_top,
            height: y + 8.0,
        }
    }

    fn span_y(&self, p: &Placement) -> f64 {
        self.lane_top.get(p.lane).copied().unwrap_or(AXIS_H) + LANE_PAD + p.row as f64 * ROW_H
    }
}

fn lane_height(row_ends: &[f64]) -> f64 {
    LANE_PAD * 2.0 + row_ends.len().max(1) as f64 * ROW_H + TICK_BAND
}

/// The spans of one incident: the first free row of each of its nodes' lanes.
fn place(
    incident: &Incident,
    scale: Option<&Scale>,
    lane_index: &BTreeMap<&str, usize>,
    row_ends: &mut [Vec<f64>],
) -> Vec<Placement> {
    let (x1, x2) = match (scale, incident.start) {
        (Some(scale), Some(start)) => {
            let x1 = scale.x(start);
            let x2 = scale.x(incident.end.unwrap_or(start)).max(x1 + MIN_SPAN_W);
            (x1, x2)
        }
        _ => (LABEL_W + 8.0, LABEL_W + UNTIMED_W - 8.0),
    };
    let mut parts = Vec::new();
    for (n, node) in incident.nodes.iter().enumerate() {
        let Some(&lane) = lane_index.get(node.as_str()) else {
            continue;
        };
        let Some(ends) = row_ends.get_mut(lane) else {
            continue;
        };
        let row = match ends.iter().position(|end| *end + 4.0 <= x1) {
            Some(row) => row,
            None => {
                ends.push(f64::MIN);
                ends.len() - 1
            }
        };
        if let Some(end) = ends.get_mut(row) {
            // Room for the id label drawn right of the span.
            *end = x2 + LABEL_ROOM;
        }
        parts.push(Placement {
            lane,
            row,
            x1,
            x2,
            primary: n == 0,
        });
    }
    parts
}

/// The swimlane SVG of the HTML page: the axis, one lane per node with its incidents'
/// spans, then cluster joins and causal arrows drawn over every lane.
pub(crate) fn swimlanes(timeline: &Timeline, zone: Option<DisplayZone>) -> String {
    let has_untimed = timeline.incidents.iter().any(|i| i.start.is_none());
    let plot_x0 = LABEL_W + if has_untimed { UNTIMED_W } else { 0.0 };
    let scale = Scale::of(timeline, plot_x0, WIDTH - RIGHT_PAD);
    let layout = Layout::of(timeline, scale.as_ref());

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg id=\"swimlanes\" class=\"zoomable\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {:.0}\" \
         width=\"100%\" role=\"img\" aria-label=\"Incident timeline, one lane per node\"{}>",
        layout.height,
        scale_data(scale.as_ref(), zone)
    );
    s.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"arrow-head\"/></marker></defs>\n",
    );
    axis(&mut s, scale.as_ref(), has_untimed, layout.height, zone);
    for lane in 0..layout.lanes.len() {
        lane_group(&mut s, timeline, &layout, lane, scale.as_ref(), zone);
    }
    s.push_str("<g class=\"links\">\n");
    for (incident, parts) in timeline.incidents.iter().zip(&layout.placements) {
        join(&mut s, incident, parts, &layout);
    }
    for (incident, parts) in timeline.incidents.iter().zip(&layout.placements) {
        causal_arrow(&mut s, timeline, incident, parts, &layout);
    }
    s.push_str("</g>\n</svg>\n");
    s
}

/// One node's lane: background, label, event ticks and its incidents' spans.
fn lane_group(
    s: &mut String,
    timeline: &Timeline,
    layout: &Layout<'_>,
    lane: usize,
    scale: Option<&Scale>,
    zone: Option<DisplayZone>,
) {
    let name = layout.lanes.get(lane).copied().unwrap_or_default();
    let top = layout.lane_top.get(lane).copied().unwrap_or(AXIS_H);
    let h = layout
        .row_ends
        .get(lane)
        .map_or(lane_height(&[]), |r| lane_height(r));
    let node = escape::html(name);
    let _ = writeln!(s, "<g class=\"lane\" data-node=\"{node}\">");
    let _ = writeln!(
        s,
        "<rect class=\"lane-bg\" x=\"0\" y=\"{top:.1}\" width=\"{WIDTH}\" height=\"{h:.1}\"/>"
    );
    let label: String = name.chars().take(20).collect();
    let _ = writeln!(
        s,
        "<text class=\"lane-label\" x=\"8\" y=\"{:.1}\">{}</text>",
        top + h / 2.0 + 4.0,
        escape::html(&label)
    );
    if let Some(scale) = scale {
        ticks(s, timeline, name, scale, top + h - TICK_BAND, zone);
    }
    for (incident, parts) in timeline.incidents.iter().zip(&layout.placements) {
        for p in parts.iter().filter(|p| p.lane == lane) {
            span(s, incident, p, layout.span_y(p), zone);
        }
    }
    s.push_str("</g>\n");
}

/// The vertical line joining the spans of a cluster incident across its lanes.
fn join(s: &mut String, incident: &Incident, parts: &[Placement], layout: &Layout<'_>) {
    let ys: Vec<f64> = parts
        .iter()
        .map(|p| layout.span_y(p) + SPAN_H / 2.0)
        .collect();
    if let (Some(first), Some(lo), Some(hi)) = (
        parts.first(),
        ys.iter().copied().reduce(f64::min),
        ys.iter().copied().reduce(f64::max),
    ) && parts.len() > 1
    {
        let x = (first.x1 + 3.0).min(first.x2);
        let _ = writeln!(
            s,
            "<line class=\"incident-join\" {} data-incident=\"{}\" x1=\"{x:.1}\" y1=\"{lo:.1}\" x2=\"{x:.1}\" y2=\"{hi:.1}\"/>",
            time_attrs(&[("t", incident.start)]),
            escape::html(&incident.id)
        );
    }
}

/// The arrow from an incident's cause to it, when both are drawn.
fn causal_arrow(
    s: &mut String,
    timeline: &Timeline,
    incident: &Incident,
    parts: &[Placement],
    layout: &Layout<'_>,
) {
    let Some(cause_id) = &incident.caused_by else {
        return;
    };
    let Some(cause_parts) = timeline
        .incidents
        .iter()
        .position(|i| &i.id == cause_id)
        .and_then(|n| layout.placements.get(n))
    else {
        return;
    };
    let (Some(from), Some(to)) = (
        cause_parts.iter().find(|p| p.primary),
        parts.iter().find(|p| p.primary),
    ) else {
        return;
    };
    // From the cause's bottom edge (its id label sits right of it, at mid height) to
    // the effect's left edge (its label is on the right): the arrow never crosses
    // either label.
    let (fy, ty) = (
        layout.span_y(from) + SPAN_H,
        layout.span_y(to) + SPAN_H / 2.0,
    );
    let _ = writeln!(
        s,
        "<path class=\"causal-link\" data-from=\"{}\" data-to=\"{}\" {} d=\"{}\" marker-end=\"url(#arrow)\"><title>{} → {}</title></path>",
        escape::html(cause_id),
        escape::html(&incident.id),
        time_attrs(&[
            ("ft", cause_end(timeline, cause_id)),
            ("tt", incident.start)
        ]),
        arrow_path(from.x1, from.x2, fy, to.x1, ty),
        escape::html(cause_id),
        escape::html(&incident.id)
    );
}

/// `data-*` attributes holding instants as epoch milliseconds, so the page script
/// can lay elements out again when the time axis is zoomed or panned.
fn time_attrs(items: &[(&str, Option<DateTime<Utc>>)]) -> String {
    items
        .iter()
        .filter_map(|(name, t)| t.map(|t| format!("data-{name}=\"{}\"", t.timestamp_millis())))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The scale as `data-*` attributes of the `<svg>`: start, span, plot edges and the
/// display zone's offset, for the zoom script.
fn scale_data(scale: Option<&Scale>, zone: Option<DisplayZone>) -> String {
    match scale {
        Some(sc) => format!(
            " data-start=\"{}\" data-span=\"{:.0}\" data-x0=\"{:.1}\" data-x1=\"{:.1}\" data-offset=\"{}\"",
            sc.start.timestamp_millis(),
            sc.millis,
            sc.x0,
            sc.x1,
            times::offset_seconds(sc.start, zone) * 1000
        ),
        None => String::new(),
    }
}

fn cause_end(timeline: &Timeline, id: &str) -> Option<DateTime<Utc>> {
    timeline
        .incidents
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.end.or(i.start))
}

/// Cubic path from the bottom edge of a cause span (`x1..x2` at `fy`) to the left
/// edge of its effect at (`tx`, `ty`). Mirrored in `assets/report.js` for zooming.
pub(crate) fn arrow_path(x1: f64, x2: f64, fy: f64, tx: f64, ty: f64) -> String {
    let fx = (x2 - 3.0).max(x1);
    let drop = fy + 10.0;
    let bend = ((tx - fx).abs() / 2.0).max(20.0);
    format!(
        "M{fx:.1},{fy:.1} C{fx:.1},{drop:.1} {:.1},{ty:.1} {tx:.1},{ty:.1}",
        tx - bend
    )
}

/// Above this many node lanes the page opens on one lane per signature (a fleet
/// summary); the node lanes stay one click away.
pub(crate) const FLEET_LANES: usize = 20;

/// Whether the timeline has more node lanes than a screen can show usefully.
pub(crate) fn needs_fleet_summary(timeline: &Timeline) -> bool {
    lane_names(timeline).len() > FLEET_LANES
}

/// The fleet summary: one lane per signature (`pleg-unhealthy · 40 nodes`), each of
/// its incidents a translucent span, so overlap reads as density.
pub(crate) fn fleet_lanes(timeline: &Timeline, zone: Option<DisplayZone>) -> String {
    let groups = super::evidence::signature_groups(&timeline.incidents);
    let has_untimed = timeline.incidents.iter().any(|i| i.start.is_none());
    let plot_x0 = LABEL_W + if has_untimed { UNTIMED_W } else { 0.0 };
    let scale = Scale::of(timeline, plot_x0, WIDTH - RIGHT_PAD);
    let lane_h = LANE_PAD * 2.0 + ROW_H;
    let height = AXIS_H + lane_h * groups.len() as f64 + 8.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg id=\"fleet-lanes\" class=\"zoomable\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" \
         width=\"100%\" role=\"img\" aria-label=\"Fleet summary, one lane per signature\"{}>",
        scale_data(scale.as_ref(), zone)
    );
    axis(&mut s, scale.as_ref(), has_untimed, height, zone);
    for (n, g) in groups.iter().enumerate() {
        let top = AXIS_H + lane_h * n as f64;
        let sig = escape::html(g.signature);
        let _ = writeln!(
            s,
            "<g class=\"lane\" data-signature=\"{sig}\"><rect class=\"lane-bg\" x=\"0\" y=\"{top:.1}\" width=\"{WIDTH}\" height=\"{lane_h:.1}\"/>\
             <text class=\"lane-label\" x=\"8\" y=\"{:.1}\">{}</text><text class=\"lane-count\" x=\"8\" y=\"{:.1}\">{} incidents · {} nodes</text>",
            top + 15.0,
            escape::html(&g.signature.chars().take(22).collect::<String>()),
            top + 29.0,
            g.incidents.len(),
            g.nodes.len()
        );
        for i in &g.incidents {
            let (x1, x2) = match (&scale, i.start) {
                (Some(sc), Some(start)) => {
                    let x1 = sc.x(start);
                    (x1, sc.x(i.end.unwrap_or(start)).max(x1 + MIN_SPAN_W))
                }
                _ => (LABEL_W + 8.0, LABEL_W + UNTIMED_W - 8.0),
            };
            let _ = writeln!(
                s,
                "<rect class=\"incident-span fleet-span {}\" data-incident=\"{}\" data-signature=\"{sig}\" {} tabindex=\"0\" x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{SPAN_H}\" rx=\"3\"><title>{} {} — {}</title></rect>",
                severity_class(i),
                escape::html(&i.id),
                time_attrs(&[("t0", i.start), ("t1", i.end.or(i.start))]),
                top + LANE_PAD + 3.0,
                x2 - x1,
                escape::html(&i.id),
                escape::html(&i.nodes.join(", ")),
                escape::html(&times::range(i.start, i.end, false, zone))
            );
        }
        s.push_str("</g>\n");
    }
    s.push_str("</svg>\n");
    s
}

/// The time axis alone, kept in view (CSS `position: sticky`) above lanes that
/// scroll, so a 60-node timeline never loses its scale.
pub(crate) fn axis_strip(timeline: &Timeline, zone: Option<DisplayZone>) -> String {
    let has_untimed = timeline.incidents.iter().any(|i| i.start.is_none());
    let plot_x0 = LABEL_W + if has_untimed { UNTIMED_W } else { 0.0 };
    let scale = Scale::of(timeline, plot_x0, WIDTH - RIGHT_PAD);
    let mut s = format!(
        "<svg id=\"timeline-axis\" class=\"zoomable\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {AXIS_H}\" \
         width=\"100%\" aria-label=\"Time axis: drag to zoom into a range, wheel to zoom, shift+wheel to pan\"{}>\n\
         <rect class=\"brush-area\" x=\"{plot_x0:.1}\" y=\"0\" width=\"{:.1}\" height=\"{AXIS_H}\"/>\n",
        scale_data(scale.as_ref(), zone),
        WIDTH - RIGHT_PAD - plot_x0
    );
    axis(&mut s, scale.as_ref(), has_untimed, AXIS_H, zone);
    s.push_str("<rect class=\"brush\" x=\"0\" y=\"0\" width=\"0\" height=\"34\" visibility=\"hidden\"/>\n</svg>\n");
    s
}

fn axis(
    s: &mut String,
    scale: Option<&Scale>,
    has_untimed: bool,
    height: f64,
    zone: Option<DisplayZone>,
) {
    s.push_str("<g class=\"axis\">\n");
    let _ = writeln!(
        s,
        "<text class=\"axis-zone\" x=\"8\" y=\"20\">{}</text>",
        escape::html(&times::zone_name(zone))
    );
    if has_untimed {
        let _ = writeln!(
            s,
            "<text class=\"axis-label\" x=\"{:.1}\" y=\"20\" text-anchor=\"middle\">untimed</text>",
            LABEL_W + UNTIMED_W / 2.0
        );
    }
    if let Some(scale) = scale {
        for (t, days_only) in axis_ticks(scale, zone) {
            let x = scale.x(t);
            let _ = writeln!(
                s,
                "<line class=\"grid\" data-t=\"{}\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{height:.1}\"/>\
                 <text class=\"axis-label\" data-t=\"{}\" x=\"{x:.1}\" y=\"20\" text-anchor=\"middle\">{}</text>",
                t.timestamp_millis(),
                AXIS_H - 6.0,
                t.timestamp_millis(),
                escape::html(&times::axis_label(t, days_only, zone))
            );
        }
    }
    s.push_str("</g>\n");
}

/// Round axis instants (whole minutes, hours or days in the display zone), at most
/// [`AXIS_TICKS`] + 1 of them, each with whether the label can be the date alone.
fn axis_ticks(scale: &Scale, zone: Option<DisplayZone>) -> Vec<(DateTime<Utc>, bool)> {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;
    const STEPS: [i64; 14] = [
        MINUTE,
        2 * MINUTE,
        5 * MINUTE,
        10 * MINUTE,
        15 * MINUTE,
        30 * MINUTE,
        HOUR,
        2 * HOUR,
        3 * HOUR,
        6 * HOUR,
        12 * HOUR,
        DAY,
        2 * DAY,
        7 * DAY,
    ];
    let start = scale.at(0.0);
    let end = scale.at(1.0);
    let span = (end - start).num_seconds().max(1);
    let step = STEPS
        .iter()
        .copied()
        .find(|step| span / step <= AXIS_TICKS as i64)
        .unwrap_or_else(|| (span / AXIS_TICKS as i64 / DAY + 1) * DAY);
    let offset = times::offset_seconds(start, zone);
    let local_start = start.timestamp() + offset;
    let first = local_start.div_euclid(step) * step
        + if local_start.rem_euclid(step) == 0 {
            0
        } else {
            step
        };
    let mut ticks = Vec::new();
    let mut local = first;
    while local - offset <= end.timestamp() && ticks.len() <= AXIS_TICKS {
        if let Some(t) = DateTime::<Utc>::from_timestamp(local - offset, 0) {
            ticks.push((t, step >= DAY));
        }
        local += step;
    }
    ticks
}

/// Ticks for the cited events of one node (incident evidence and unclassified groups),
/// one per distinct pixel column.
fn ticks(
    s: &mut String,
    timeline: &Timeline,
    node: &str,
    scale: &Scale,
    y: f64,
    zone: Option<DisplayZone>,
) {
    let mut seen: BTreeMap<i64, ()> = BTreeMap::new();
    let incident_ticks = timeline
        .incidents
        .iter()
        .flat_map(|i| i.evidence.iter().map(move |e| (e, "tick", Some(i))));
    let other_ticks = timeline.unclassified.iter().flat_map(|u| {
        u.evidence
            .iter()
            .map(|e| (e, "tick tick-unclassified", None))
    });
    for (e, class, incident) in incident_ticks.chain(other_ticks) {
        let Some(t) = e.time else { continue };
        if e.node != node {
            continue;
        }
        let x = scale.x(t);
        if seen.insert(x.round() as i64, ()).is_some() {
            continue;
        }
        let owner = incident
            .map(|i| format!(" data-incident=\"{}\"", escape::html(&i.id)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "<line class=\"{class}\"{owner} {} x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"><title>{} {}:{}</title></line>",
            time_attrs(&[("t", Some(t))]),
            y + TICK_BAND - 3.0,
            escape::html(&times::stamped(e.time, e.time_quality, zone)),
            escape::html(&e.source),
            e.line
        );
    }
}

fn span(s: &mut String, incident: &Incident, p: &Placement, y: f64, zone: Option<DisplayZone>) {
    let class = if p.primary {
        "incident-span"
    } else {
        "incident-part"
    };
    let id = escape::html(&incident.id);
    let tip = format!(
        "{} {} — {} ({})",
        incident.id,
        incident.severity.name(),
        incident.title,
        times::range(incident.start, incident.end, false, zone)
    );
    let _ = writeln!(
        s,
        "<rect class=\"{class} {}\" data-incident=\"{id}\" data-signature=\"{}\" {} tabindex=\"0\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{SPAN_H}\" rx=\"3\"><title>{}</title></rect>",
        severity_class(incident),
        escape::html(&incident.signature),
        time_attrs(&[
            ("t0", incident.start),
            ("t1", incident.end.or(incident.start))
        ]),
        p.x1,
        (p.x2 - p.x1).max(MIN_SPAN_W),
        escape::html(&tip)
    );
    if p.primary {
        // Right of the span, or left of it when it would run off the plot.
        let (x, anchor) = if p.x2 + LABEL_ROOM > WIDTH {
            (p.x1 - 4.0, "end")
        } else {
            (p.x2 + 4.0, "start")
        };
        let _ = writeln!(
            s,
            "<text class=\"span-label\" data-incident=\"{id}\" {} x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{id}</text>",
            time_attrs(&[
                ("t0", incident.start),
                ("t1", incident.end.or(incident.start))
            ]),
            y + SPAN_H - 4.0
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlate::Confidence;
    use crate::signatures::Severity;
    use crate::timeline::NodeSummary;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .unwrap_or_default()
    }

    fn incident(id: &str, nodes: &[&str], start: Option<DateTime<Utc>>) -> Incident {
        Incident {
            id: id.into(),
            signature: "test.sig".into(),
            title: "t".into(),
            severity: Severity::Low,
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
            start,
            end: start,
            summary: String::new(),
            root_cause: String::new(),
            remediation: vec![],
            references: vec![],
            confidence: Confidence {
                level: "low".into(),
                reasons: vec![],
            },
            caused_by: None,
            evidence: vec![],
        }
    }

    fn timeline(incidents: Vec<Incident>) -> Timeline {
        let node = |name: &str| NodeSummary {
            name: name.into(),
            aliases: vec![],
            spans: vec![],
            sources: 1,
        };
        Timeline {
            run: Default::default(),
            nodes: vec![node("a"), node("b")],
            incidents,
            unclassified: vec![],
            sources: vec![],
            problems: vec![],
            event_count: 0,
            last_event: None,
        }
    }

    #[test]
    fn axis_ticks_fall_on_round_instants() {
        let t = timeline(vec![
            incident("INC-001", &["a"], Some(utc(2018, 6, 8, 2, 41))),
            incident("INC-002", &["b"], Some(utc(2018, 6, 12, 14, 31))),
        ]);
        let scale = Scale::of(&t, 0.0, 1000.0);
        let ticks = scale.map(|s| axis_ticks(&s, None)).unwrap_or_default();
        // 3% padding of a 4.5-day span starts the scale at 23:25 on June 7.
        assert_eq!(ticks.first().copied(), Some((utc(2018, 6, 8, 0, 0), true)));
        assert_eq!(ticks.last().copied(), Some((utc(2018, 6, 12, 0, 0), true)));
        assert!(
            ticks
                .iter()
                .all(|(t, days)| *days && t.timestamp() % 86_400 == 0)
        );
        assert!(ticks.len() <= AXIS_TICKS + 1);
    }

    #[test]
    fn untimed_incidents_get_their_own_column_and_lanes_match_nodes() {
        let t = timeline(vec![
            incident("INC-001", &["a"], None),
            incident("INC-002", &["a", "b"], Some(utc(2018, 6, 8, 3, 0))),
        ]);
        let svg = swimlanes(&t, None);
        assert_eq!(svg.matches("<g class=\"lane\"").count(), 2);
        assert!(svg.contains(">untimed</text>"));
        let untimed_x = format!("x=\"{:.1}\"", LABEL_W + 8.0);
        assert!(
            svg.contains(&format!(
                "data-incident=\"INC-001\" data-signature=\"test.sig\"  tabindex=\"0\" {untimed_x}"
            )),
            "{svg}"
        );
        assert_eq!(svg.matches("class=\"incident-span").count(), 2);
        assert_eq!(svg.matches("class=\"incident-part").count(), 1);
        assert!(svg.contains(
            "class=\"incident-join\" data-t=\"1528426800000\" data-incident=\"INC-002\""
        ));
    }

    #[test]
    fn arrows_leave_from_the_bottom_edge_and_miss_the_id_labels() {
        // Cause span x 100..160 at y 50 (label right of it at mid height, y+12);
        // effect starts at x 300 on a lower row.
        let d = arrow_path(100.0, 160.0, 50.0 + SPAN_H, 300.0, 80.0);
        assert!(
            d.starts_with(&format!("M157.0,{:.1} ", 50.0 + SPAN_H)),
            "{d}"
        );
        assert!(d.ends_with(" 300.0,80.0"), "{d}");
    }
}
