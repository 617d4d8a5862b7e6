//! Resolution after extraction: which node each line belongs to (layout, hostname,
//! renames), which zone and year reference each stream uses, how raw dmesg is
//! anchored to wall time, and the final UTC time of every found event.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::harvest::Harvest;
use crate::envelope::time::{self, Clock, Zone};
use crate::envelope::{LineFormat, RawTime};
use crate::events::Kind;
use crate::input::{NodeFrom, SourceMeta};

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

/// Union-find over host names: names seen in one stream across a rename are one node.
///
/// Names live in namespaces: a source's unit and layout node (see [`namespace`]). Two
/// node folders whose logs both say `ubuntu` keep two `ubuntu`s that never join, so
/// each stays its own node (the collision is reported by the caller); and a unit
/// resolves alone exactly as it does beside other units.
#[derive(Default)]
pub struct Names {
    parent: BTreeMap<String, String>,
    layout: BTreeMap<String, String>,
    latest: BTreeMap<String, String>,
}

/// The namespace of a source's host names: its unit and its layout node.
pub fn namespace(meta: &SourceMeta) -> String {
    format!(
        "{}\u{1}{}",
        meta.unit,
        meta.node.as_deref().unwrap_or_default()
    )
}

/// A name inside a namespace, as one key.
fn key(ns: &str, name: &str) -> String {
    format!("{ns}\u{0}{name}")
}

/// The plain name of a key.
fn plain(key: &str) -> &str {
    key.rsplit_once('\u{0}').map_or(key, |(_, name)| name)
}

impl Names {
    fn find(&self, name: &str) -> String {
        let mut cur = name.to_string();
        let mut guard = 0;
        while let Some(p) = self.parent.get(&cur) {
            if *p == cur || guard > 10_000 {
                break;
            }
            cur = p.clone();
            guard += 1;
        }
        cur
    }

    fn union(&mut self, a: &str, b: &str) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (keep, drop) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(drop, keep);
        }
    }

    fn add(&mut self, key: &str) {
        self.parent
            .entry(key.to_string())
            .or_insert_with(|| key.to_string());
    }

    /// Build from every source's layout node and hostname samples.
    pub fn build(metas: &[&SourceMeta], harvests: &[&Harvest]) -> Names {
        let mut names = Names::default();
        let spaces: Vec<String> = metas.iter().map(|m| namespace(m)).collect();
        for ((meta, h), ns) in metas.iter().zip(harvests).zip(&spaces) {
            let mut prev: Option<String> = None;
            if let Some(node) = &meta.node {
                let k = key(ns, node);
                names.add(&k);
                prev = Some(k);
            }
            for (_, host, _) in &h.hosts {
                let k = key(ns, host);
                names.add(&k);
                if let Some(p) = &prev {
                    names.union(p, &k);
                }
                prev = Some(k);
            }
        }
        let renames = names.union_renames(harvests, &spaces);
        names.name_archive_units(metas, harvests, &spaces);
        for ((meta, h), ns) in metas.iter().zip(harvests).zip(&spaces) {
            if let Some(node) = &meta.node {
                let root = names.find(&key(ns, node));
                names.layout.insert(root, node.clone());
            }
            if h.hosts.len() > 1
                && let Some((_, last, _)) = h.hosts.last()
            {
                let root = names.find(&key(ns, last));
                names.latest.insert(root, last.clone());
            }
        }
        for new in renames {
            let root = names.find(&new);
            names.latest.entry(root).or_insert(plain(&new).to_string());
        }
        names
    }

    /// A per-node archive (`node-7.tar.gz`) whose logs no layout names is named after
    /// itself, its hostnames becoming aliases — when they are one host's names (one
    /// family after renames). Two hosts' logs in one archive keep their hostnames.
    fn name_archive_units(
        &mut self,
        metas: &[&SourceMeta],
        harvests: &[&Harvest],
        spaces: &[String],
    ) {
        let mut families: BTreeMap<(&str, &str), BTreeSet<String>> = BTreeMap::new();
        for ((meta, h), ns) in metas.iter().zip(harvests).zip(spaces) {
            if let (None, Some(unit_node), Some((_, host, _))) =
                (&meta.node, &meta.unit_node, h.hosts.first())
            {
                let root = self.find(&key(ns, host));
                families
                    .entry((ns.as_str(), unit_node.as_str()))
                    .or_default()
                    .insert(root);
            }
        }
        for ((ns, unit_node), roots) in families {
            if let [root] = Vec::from_iter(roots).as_slice() {
                let name = key(ns, unit_node);
                self.add(&name);
                self.union(&name, root);
                let root = self.find(&name);
                self.layout.insert(root, unit_node.to_string());
            }
        }
    }

    /// Union the old and new names of every `host.hostname_changed` event whose new
    /// name (or its short form, which rsyslog writes after a rename to an FQDN) shows up
    /// as a host of the same namespace. A syslog aggregated from many nodes interleaves
    /// hosts, so its host field cannot tell renames apart (the scanner drops those
    /// samples); the hostnamed message can. Returns the new names' keys, newest last.
    fn union_renames(&mut self, harvests: &[&Harvest], spaces: &[String]) -> Vec<String> {
        let mut renamed = Vec::new();
        for (h, ns) in harvests.iter().zip(spaces) {
            for host in h.found.iter().filter_map(|f| f.host.as_deref()) {
                self.add(&key(ns, host));
            }
        }
        for (h, ns) in harvests.iter().zip(spaces) {
            for f in &h.found {
                if f.kind != Kind::HostnameChanged {
                    continue;
                }
                let text = |k: &str| f.fields.get_str(k);
                let (Some(old), Some(new)) = (text("old"), text("new")) else {
                    continue;
                };
                let (old, new) = (old.as_str(), new.as_str());
                let short = new.split('.').next().unwrap_or(new);
                let Some(known) = [new, short]
                    .into_iter()
                    .find(|n| *n != old && self.parent.contains_key(&key(ns, n)))
                else {
                    continue;
                };
                let (old, known) = (key(ns, old), key(ns, known));
                self.add(&old);
                self.union(&old, &known);
                renamed.push(known);
            }
        }
        renamed
    }

    /// The canonical node name for a host or layout name of namespace `ns`: the layout
    /// name when the collection said so, else the newest name after a rename, else the
    /// name itself.
    pub fn canonical(&self, ns: &str, name: &str) -> String {
        let root = self.find(&key(ns, name));
        self.layout
            .get(&root)
            .or_else(|| self.latest.get(&root))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Every node's other names (renames, hostnames under a layout name), by
    /// canonical name.
    pub fn aliases(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for k in self.parent.keys() {
            let root = self.find(k);
            let name = plain(k);
            let canonical = self
                .layout
                .get(&root)
                .or_else(|| self.latest.get(&root))
                .map_or(name, String::as_str);
            let names = out.entry(canonical.to_string()).or_default();
            if name != canonical {
                names.insert(name.to_string());
            }
        }
        out
    }
}

/// Node of a source as a whole: its layout node, else its first hostname, else the
/// name of the per-node archive it came from, else `unknown`.
pub fn source_node(meta: &SourceMeta, h: &Harvest, names: &Names) -> (String, NodeFrom) {
    let ns = namespace(meta);
    if let Some(node) = &meta.node {
        return (names.canonical(&ns, node), meta.node_from);
    }
    match (h.hosts.first(), &meta.unit_node) {
        (Some((_, host, _)), Some(unit)) if names.canonical(&ns, host) == *unit => {
            (unit.clone(), NodeFrom::ArchiveName)
        }
        (Some((_, host, _)), _) => (names.canonical(&ns, host), NodeFrom::Envelope),
        (None, Some(unit)) => (unit.clone(), NodeFrom::ArchiveName),
        (None, None) => ("unknown".to_string(), NodeFrom::Unknown),
    }
}

/// How a stream's times are resolved, and the words that say so in `sources`.
pub struct StreamClock {
    /// The clock for ordinary lines.
    pub clock: Clock,
    /// Human-readable assumptions.
    pub assumptions: Vec<String>,
}

/// Decide zone and year reference for one source.
pub fn stream_clock(
    meta: &SourceMeta,
    h: &Harvest,
    node_latest_dated: Option<NaiveDateTime>,
    stream_latest_yearless: Option<RawTime>,
    stream_mtime: Option<DateTime<Utc>>,
    bundle_latest_dated: Option<NaiveDateTime>,
    config: &TimeConfig,
) -> StreamClock {
    let mut assumptions = Vec::new();
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
    let needs_year = h.latest_yearless.is_some();
    let reference = if let Some(year) = config.year {
        let r = stream_latest_yearless.and_then(|t| match t {
            RawTime::YearLess { month, day, time } => {
                NaiveDate::from_ymd_opt(year, month, day).map(|d| d.and_time(time))
            }
            _ => None,
        });
        let r = r.or_else(|| {
            NaiveDate::from_ymd_opt(year, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59))
        });
        if needs_year {
            assumptions.push(format!("year from --year {year}"));
        }
        r
    } else if let Some(t) = h.latest_dated {
        // The stream's own year-bearing stamps (RFC 3339 lines, a logrus `time=` or
        // a journal realtime among them) say best which year its other lines are in.
        if needs_year {
            assumptions.push(format!(
                "year from year-bearing timestamps in this source (latest {})",
                t.format("%Y-%m-%d")
            ));
        }
        Some(t + Duration::days(181))
    } else if let Some(end) = h.journal_end {
        // The journalctl header's end bounds every entry of this stream (issue 12).
        if needs_year {
            assumptions.push(format!(
                "year inferred from the journal header (entries end by {})",
                end.format("%Y-%m-%d")
            ));
        }
        Some(end)
    } else if let Some(t) = node_latest_dated {
        if needs_year {
            assumptions.push(format!(
                "year inferred from the node's dated logs (latest {})",
                t.format("%Y-%m-%d")
            ));
        }
        Some(t + Duration::days(181))
    } else if let Some(m) = stream_mtime {
        if needs_year {
            assumptions.push(format!(
                "year inferred from file mtime ({})",
                m.format("%Y-%m-%d")
            ));
        }
        Some(m.naive_utc())
    } else if let Some(t) = bundle_latest_dated {
        if needs_year {
            assumptions.push(format!(
                "year inferred from other nodes' dated logs (latest {})",
                t.format("%Y-%m-%d")
            ));
        }
        Some(t + Duration::days(181))
    } else {
        if needs_year {
            assumptions.push("year unknown: year-less lines have no time (use --year)".to_string());
        }
        None
    };
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
