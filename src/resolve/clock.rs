//! Time: which zone and year reference each stream uses, and how raw dmesg is
//! anchored to wall time.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use std::collections::HashMap;

use crate::envelope::time::{self, Clock, Zone};
use crate::envelope::{LineFormat, RawTime};
use crate::input::{NodeFrom, SourceMeta};
use crate::scan::Harvest;

/// Time options from the user.
#[derive(Clone, Debug, Default)]
pub struct TimeConfig {
    /// `--year`: the year of the latest year-less line of each stream.
    pub year: Option<i32>,
    /// `--tz`: zone of formats that carry local time.
    pub zone: Option<Zone>,
    /// `--boot-time`: wall time of the most recent boot, for unanchored dmesg.
    pub boot_time: Option<DateTime<Utc>>,
}

/// How a stream's times are resolved, and the words that say so in `sources`.
pub struct StreamClock {
    /// Zone and year reference that turn the stream's written times into instants.
    pub clock: Clock,
    /// Assumptions made (an assumed zone, a guessed year), shown in `sources` so a
    /// reader can tell an inferred time from a written one.
    pub assumptions: Vec<String>,
}

/// What the year of a stream's year-less lines is judged from besides the stream's
/// own stamps, weakest last (see [`YearHints`]).
pub struct YearEvidence {
    /// Latest year-bearing time of the stream's node.
    pub node_dated: Option<NaiveDateTime>,
    /// Latest year-less time of the stream (that of its newest rotation).
    pub stream_yearless: Option<RawTime>,
    /// Modification time of the stream's newest rotation.
    pub stream_mtime: Option<DateTime<Utc>>,
    /// Latest year-bearing time in the unit.
    pub bundle_dated: Option<NaiveDateTime>,
}

/// Decide zone and year reference for one source.
pub fn stream_clock(
    meta: &SourceMeta,
    h: &Harvest,
    evidence: &YearEvidence,
    config: &TimeConfig,
) -> StreamClock {
    let mut assumptions = Vec::new();
    let (zone, zone_assumed) = stream_zone(meta, h, config, &mut assumptions);
    let reference = year_reference(h, evidence, config, &mut assumptions);
    StreamClock {
        clock: Clock {
            reference,
            zone,
            zone_assumed,
            boot: None,
        },
        assumptions,
    }
}

/// The zone of a source's local times and whether it is assumed; says how in
/// `assumptions` when the source has local times.
fn stream_zone(
    meta: &SourceMeta,
    h: &Harvest,
    config: &TimeConfig,
    assumptions: &mut Vec<String>,
) -> (Zone, bool) {
    // The zone is known when the user gave `--tz` or the bundle names a readable one;
    // only the UTC fallback is an assumption.
    let (zone, zone_assumed) = match (&config.zone, &meta.bundle_zone) {
        (Some(z), _) => (*z, false),
        (None, Some(name)) => match time::parse_zone(name) {
            Ok(z) => (z, false),
            Err(_) => (Zone::Utc, true),
        },
        (None, None) => (Zone::Utc, true),
    };
    let needs_zone = h.formats.keys().any(|f| local_time(*f));
    if needs_zone {
        let why = match (&config.zone, &meta.bundle_zone) {
            (Some(_), _) => "in the zone given by --tz".to_string(),
            (None, Some(name)) if time::parse_zone(name).is_ok() => {
                format!("in {name}, from the bundle's etc/timezone")
            }
            (None, Some(name)) => {
                format!("as UTC: the bundle's etc/timezone {name:?} is not a known zone")
            }
            (None, None) => "as UTC (no --tz given, no etc/timezone collected)".to_string(),
        };
        assumptions.push(format!("local times read {why}"));
    }
    (zone, zone_assumed)
}

/// The year reference of a source's year-less lines (see [`Clock`]); says where it
/// came from in `assumptions` when the source has year-less lines.
fn year_reference(
    h: &Harvest,
    evidence: &YearEvidence,
    config: &TimeConfig,
    assumptions: &mut Vec<String>,
) -> Option<NaiveDateTime> {
    let needs_year = h.latest_yearless.is_some();
    let mut note = |why: String| {
        if needs_year {
            assumptions.push(why);
        }
    };
    if let Some(year) = config.year {
        let r = evidence.stream_yearless.and_then(|t| match t {
            RawTime::YearLess { month, day, time } => {
                NaiveDate::from_ymd_opt(year, month, day).map(|d| d.and_time(time))
            }
            _ => None,
        });
        let r = r.or_else(|| {
            NaiveDate::from_ymd_opt(year, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59))
        });
        note(format!("year from --year {year}"));
        r
    } else if let Some(t) = h.latest_dated {
        // The stream's own year-bearing stamps (RFC 3339 lines, a logrus `time=` or
        // a journal realtime among them) say best which year its other lines are in.
        note(format!(
            "year from year-bearing timestamps in this source (latest {})",
            t.format("%Y-%m-%d")
        ));
        Some(t + Duration::days(181))
    } else if let Some(end) = h.journal_end {
        // The journalctl header's end bounds every entry of this stream (issue 12).
        note(format!(
            "year inferred from the journal header (entries end by {})",
            end.format("%Y-%m-%d")
        ));
        Some(end)
    } else if let Some(t) = evidence.node_dated {
        note(format!(
            "year inferred from the node's dated logs (latest {})",
            t.format("%Y-%m-%d")
        ));
        Some(t + Duration::days(181))
    } else if let Some(m) = evidence.stream_mtime {
        note(format!(
            "year inferred from file mtime ({})",
            m.format("%Y-%m-%d")
        ));
        Some(m.naive_utc())
    } else if let Some(t) = evidence.bundle_dated {
        note(format!(
            "year inferred from other nodes' dated logs (latest {})",
            t.format("%Y-%m-%d")
        ));
        Some(t + Duration::days(181))
    } else {
        note("year unknown: year-less lines have no time (use --year)".to_string());
        None
    }
}

/// One boot of a raw dmesg source and how its uptimes were put on the wall clock.
#[derive(Clone, Debug, PartialEq)]
pub struct BootSegment {
    /// First line of the boot.
    pub first: u64,
    /// Last line of the boot.
    pub last: u64,
    /// The boot instant, when anchored (or given by `--boot-time`).
    pub boot: Option<DateTime<Utc>>,
    /// Kernel lines of the node whose wall time anchored it.
    pub anchors: usize,
    /// Anchor lines left out as rsyslog's start-up replay.
    pub replayed: usize,
}

/// Boot time per dmesg boot segment of one source, from wall-time anchors of the
/// same node (lines carrying both a time and `[uptime]` whose uptime the segment
/// also holds), or `--boot-time` for the last segment.
pub fn anchor_segments(
    h: &Harvest,
    anchors: &HashMap<u64, DateTime<Utc>>,
    boot_flag: Option<DateTime<Utc>>,
) -> Vec<BootSegment> {
    let segments = time::boot_segments(&h.uptimes);
    let count = segments.len();
    segments
        .into_iter()
        .enumerate()
        .map(|(i, (first, last))| {
            let matched: Vec<(u64, DateTime<Utc>)> = h
                .uptimes
                .iter()
                .filter(|(line, _, _)| *line >= first && *line <= last)
                .filter_map(|(_, up, _)| anchors.get(up).map(|wall| (*up, *wall)))
                .collect();
            let (boot, used, replayed) = lower_envelope(&matched);
            BootSegment {
                first,
                last,
                boot: boot.or(if i + 1 == count { boot_flag } else { None }),
                anchors: used,
                replayed,
            }
        })
        .collect()
}

/// The boot instant from (uptime, wall time) anchors: the lower envelope, the
/// earliest `wall - uptime`. A syslog daemon stamps a kernel line when it reads it,
/// never before the kernel wrote it, so every anchor's `wall - uptime` lies at or
/// after the boot (less the second the stamp is truncated to); the smallest is the
/// one read with the least delay.
///
/// rsyslog's imklog reads the whole ring buffer when it starts and stamps every line
/// already there with that one second: many lines, one wall second, uptimes seconds
/// apart. Such lines (a wall second whose lines' uptimes span more than a second,
/// which no live logging can write) are left out while later kernel lines remain;
/// taking them as anchors put the boot at the daemon's start, ~8 s late (issue #11).
/// Returns (boot, anchors used, anchors left out as replay).
pub fn lower_envelope(anchors: &[(u64, DateTime<Utc>)]) -> (Option<DateTime<Utc>>, usize, usize) {
    let mut span: HashMap<i64, (u64, u64)> = HashMap::new();
    for (up, wall) in anchors {
        let e = span.entry(wall.timestamp()).or_insert((*up, *up));
        *e = (e.0.min(*up), e.1.max(*up));
    }
    let replayed = |wall: &DateTime<Utc>| {
        span.get(&wall.timestamp())
            .is_some_and(|(lo, hi)| hi - lo > 1_000_000)
    };
    let live: Vec<&(u64, DateTime<Utc>)> = anchors.iter().filter(|(_, w)| !replayed(w)).collect();
    let (used, left_out): (Vec<&(u64, DateTime<Utc>)>, usize) = if live.is_empty() {
        (anchors.iter().collect(), 0)
    } else {
        let n = anchors.len() - live.len();
        (live, n)
    };
    let boot = used
        .iter()
        .map(|(up, wall)| time::boot_time(*wall, *up))
        .min();
    (boot, used.len(), left_out)
}

/// Formats whose timestamps are local time without a zone.
fn local_time(format: LineFormat) -> bool {
    matches!(
        format,
        LineFormat::Rfc3164
            | LineFormat::JournalShortPrecise
            | LineFormat::Klog
            | LineFormat::DmesgCtime
            | LineFormat::Felix
            | LineFormat::Capnslog
            | LineFormat::Bird
    )
}

/// What the year of year-less lines is judged from: the latest dated time per node
/// and in the unit, the latest year-less line and the newest mtime per stream.
pub(super) struct YearHints<'a> {
    node_dated: HashMap<&'a str, NaiveDateTime>,
    bundle_dated: Option<NaiveDateTime>,
    stream_yearless: HashMap<(&'a str, &'a str), (u32, RawTime)>,
    stream_mtime: HashMap<(&'a str, &'a str), (u32, DateTime<Utc>)>,
}

impl<'a> YearHints<'a> {
    pub(super) fn of(
        metas: &[&'a SourceMeta],
        hs: &[&Harvest],
        nodes: &'a [(String, NodeFrom)],
    ) -> YearHints<'a> {
        let mut hints = YearHints {
            node_dated: HashMap::new(),
            bundle_dated: None,
            stream_yearless: HashMap::new(),
            stream_mtime: HashMap::new(),
        };
        for ((meta, h), (node, _)) in metas.iter().zip(hs).zip(nodes) {
            if let Some(t) = h.latest_dated {
                let e = hints.node_dated.entry(node).or_insert(t);
                *e = (*e).max(t);
                hints.bundle_dated = Some(hints.bundle_dated.map_or(t, |b| b.max(t)));
            }
            let key = (node.as_str(), meta.stream.as_str());
            // The newest rotation (the lowest number) of a stream speaks for it.
            if let Some((_, t)) = h.latest_yearless
                && hints
                    .stream_yearless
                    .get(&key)
                    .is_none_or(|(rot, _)| meta.rotation < *rot)
            {
                hints.stream_yearless.insert(key, (meta.rotation, t));
            }
            if let Some(m) = meta.mtime
                && hints
                    .stream_mtime
                    .get(&key)
                    .is_none_or(|(rot, _)| meta.rotation < *rot)
            {
                hints.stream_mtime.insert(key, (meta.rotation, m));
            }
        }
        hints
    }

    /// The clock of one source of `node`.
    pub(super) fn clock(
        &self,
        meta: &SourceMeta,
        h: &Harvest,
        node: &str,
        time: &TimeConfig,
    ) -> StreamClock {
        let key = (node, meta.stream.as_str());
        let evidence = YearEvidence {
            node_dated: self.node_dated.get(node).copied(),
            stream_yearless: self.stream_yearless.get(&key).map(|(_, t)| *t),
            stream_mtime: self.stream_mtime.get(&key).map(|(_, m)| *m),
            bundle_dated: self.bundle_dated,
        };
        stream_clock(meta, h, &evidence, time)
    }
}

/// dmesg anchors per node: uptime → wall time, from kernel lines that carry both.
pub(super) fn anchors_by_node<'a>(
    hs: &[&Harvest],
    nodes: &'a [(String, NodeFrom)],
    clocks: &[StreamClock],
) -> HashMap<&'a str, HashMap<u64, DateTime<Utc>>> {
    let mut anchors: HashMap<&str, HashMap<u64, DateTime<Utc>>> = HashMap::new();
    for ((h, (node, _)), sc) in hs.iter().zip(nodes).zip(clocks) {
        for (up, written) in &h.anchors {
            if let Some(t) = time::resolve(*written, None, &sc.clock).utc {
                anchors.entry(node).or_default().insert(*up, t);
            }
        }
    }
    anchors
}

/// The boots of a source with uptimes and how each was placed in wall time; says so
/// in `assumptions`.
pub(super) fn boot_segments(
    h: &Harvest,
    anchors: &HashMap<u64, DateTime<Utc>>,
    boot_time: Option<DateTime<Utc>>,
    assumptions: &mut Vec<String>,
) -> Vec<BootSegment> {
    if h.uptimes.is_empty() {
        return Vec::new();
    }
    let segs = anchor_segments(h, anchors, boot_time);
    for (i, s) in segs.iter().enumerate() {
        let (n, first, last) = (i + 1, s.first, s.last);
        assumptions.push(match (s.boot, s.anchors) {
            (Some(b), 0) => format!("boot {n} (lines {first}-{last}) booted at {} (--boot-time)", b.to_rfc3339()),
            (Some(b), k) => {
                let replay = match s.replayed {
                    0 => String::new(),
                    r => format!("; {r} lines of the syslog daemon's start-up replay ignored"),
                };
                format!("boot {n} (lines {first}-{last}) anchored: booted at {} (lower envelope of wall - uptime over {k} kernel lines of the node{replay})", b.to_rfc3339())
            }
            (None, _) => format!("boot {n} (lines {first}-{last}) unanchored: uptimes only (give --boot-time)"),
        });
    }
    segs
}
