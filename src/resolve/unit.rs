//! One unit's resolution: its harvests become its output. Nodes are named, each
//! stream gets its clock, dmesg is anchored, finds become events with their time and
//! node, the boot a node's logs begin with is dropped, copies of a line seen in two
//! sources count once, and every source gets its inventory row.

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::clock::{self, StreamClock, TimeConfig, YearHints};
use super::inventory::SourceReport;
use super::names::{Names, namespace, source_node};
use super::order::sort_events;
use super::{NodeRecord, UnitOutput};
use crate::envelope::time;
use crate::error::Problem;
use crate::events::{self, Event, Kind, PackedFields, Placement, Sym};
use crate::input::{NodeFrom, SourceMeta};
use crate::scan::kept::KeptFinds;
use crate::scan::{Harvest, UnitHarvest};

/// Turn one unit's harvests into its output: nodes, clocks, events, inventory.
pub(super) fn assemble(input: UnitHarvest<'_>, config: &TimeConfig) -> UnitOutput {
    let UnitHarvest {
        unit,
        sources,
        harvests,
        mut problems,
    } = input;
    let metas: Vec<_> = sources.iter().map(|s| &s.meta).collect();
    let hs: Vec<&Harvest> = harvests.iter().collect();
    let names = Names::build(&metas, &hs);
    let nodes: Vec<(String, NodeFrom)> = metas
        .iter()
        .zip(&hs)
        .map(|(m, h)| source_node(m, h, &names))
        .collect();
    let hints = YearHints::of(&metas, &hs, &nodes);
    let clocks: Vec<StreamClock> = metas
        .iter()
        .zip(&hs)
        .zip(&nodes)
        .map(|((meta, h), (node, _))| hints.clock(meta, h, node, config))
        .collect();
    let anchors = clock::anchors_by_node(&hs, &nodes, &clocks);
    let empty = HashMap::new();

    // Every event of the unit in one allocation of its final size (a boot banner
    // also gives a `node.reboot`; hostname changes are few and may grow it once).
    let mut events = Vec::with_capacity(
        hs.iter()
            .flat_map(|h| h.find_kinds())
            .map(|kind| 1 + usize::from(kind == Kind::KernelVersion))
            .sum(),
    );
    let mut rows = Vec::new();
    for (((meta, h), (node, node_from)), sc) in metas.iter().zip(harvests).zip(&nodes).zip(clocks) {
        let source = SourceContext {
            meta,
            node,
            node_from: *node_from,
            names: &names,
        };
        let node_anchors = anchors.get(node.as_str()).unwrap_or(&empty);
        let row = resolve_source(
            h,
            &source,
            sc,
            node_anchors,
            config.boot_time,
            &mut events,
            &mut problems,
        );
        rows.push(row);
    }
    let events = drop_first_boots(events, &rows);
    let before = events.len();
    let events = dedup(events);
    let duplicates = (before - events.len()) as u64;
    UnitOutput {
        unit: unit.to_string(),
        events: sort_events(events),
        nodes: node_records(&rows, &names.aliases()),
        sources: rows,
        problems,
        duplicates,
    }
}

/// Where a source's events come from: its metadata, node and the unit's names.
struct SourceContext<'a> {
    meta: &'a SourceMeta,
    node: &'a str,
    node_from: NodeFrom,
    names: &'a Names,
}

/// Resolve one source of a unit with its clock and its node's dmesg anchors: its
/// events go to `events`, its problems to `problems`; gives its inventory row.
fn resolve_source(
    mut h: Harvest,
    source: &SourceContext<'_>,
    sc: StreamClock,
    anchors: &HashMap<u64, DateTime<Utc>>,
    boot_time: Option<DateTime<Utc>>,
    events: &mut Vec<Event>,
    problems: &mut Vec<Problem>,
) -> SourceReport {
    let meta = source.meta;
    let StreamClock {
        clock,
        mut assumptions,
    } = sc;
    let segments = clock::boot_segments(&h, anchors, boot_time, &mut assumptions);
    let clock_for = |line: u64| {
        let mut c = clock.clone();
        c.boot = segments
            .iter()
            .find(|s| line >= s.first && line <= s.last)
            .and_then(|s| s.boot);
        c
    };
    if h.examined < h.lines {
        assumptions.push(format!(
            "large source: {} of {} lines parsed in full (the lines holding a word some event grammar looks for; the others were skipped unread)",
            h.examined, h.lines
        ));
    }
    let first = h
        .first_time
        .and_then(|(l, t)| time::resolve(t, None, &clock_for(l)).utc);
    let last = h
        .last_time
        .and_then(|(l, t)| time::resolve(t, None, &clock_for(l)).utc);
    host_field_changes(&h, source, &clock_for, events);
    for kept in h.take_finds() {
        harvested_events(kept, &h, source, &clock_for, events);
    }
    problems.extend(h.problems.drain(..).map(|message| Problem {
        source: meta.display.clone(),
        message,
    }));
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| p.source == meta.display)
        .map(|p| p.message.clone())
        .collect();
    SourceReport {
        path: meta.display.clone(),
        format: h.main_format().name().to_string(),
        node: source.node.to_string(),
        node_from: source.node_from,
        lines: h.lines,
        unparsed: h.unparsed,
        first,
        last,
        assumptions,
        errors,
        drift: h.drift.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
    }
}

/// `host.hostname_changed` events for every change of the host field in one stream.
fn host_field_changes(
    h: &Harvest,
    source: &SourceContext<'_>,
    clock_for: &dyn Fn(u64) -> time::Clock,
    events: &mut Vec<Event>,
) {
    for pair in h.hosts.windows(2) {
        let (line, new, written) = &pair[1];
        let old = &pair[0].1;
        let at = Placement {
            time: time::resolve(*written, None, &clock_for(*line)),
            node: Sym::new(source.node),
            source: Sym::new(&source.meta.display),
        };
        events.push(events::host_field_changed(old, new, *line, at));
    }
}

/// The grammars' finds of one source as events on the timeline; a boot banner also
/// gives a `node.reboot` with how long the node was silent before it.
fn harvested_events(
    found: KeptFinds,
    h: &Harvest,
    source: &SourceContext<'_>,
    clock_for: &dyn Fn(u64) -> time::Clock,
    events: &mut Vec<Event>,
) {
    let meta = source.meta;
    let mut reboots = Vec::new();
    let (here, display, ns) = (
        Sym::new(source.node),
        Sym::new(&meta.display),
        namespace(meta),
    );
    // A source's lines carry few distinct host names: each is resolved once.
    let mut by_host: FxHashMap<Sym, Sym> = FxHashMap::default();
    // Into the unit's vector, sized beforehand (see `assemble`): each chunk's finds
    // are freed as they become events, so a source's events are never held twice.
    events.extend(found.iter().map(|f| {
        let r = time::resolve(f.time, f.uptime_us, &clock_for(f.first.line));
        let node = match (&meta.node, f.host) {
            (None, Some(host)) => *by_host
                .entry(host)
                .or_insert_with(|| Sym::new(&source.names.canonical(&ns, &host))),
            _ => here,
        };
        let is_banner = f.kind == Kind::KernelVersion;
        let line = f.first.line;
        let at = Placement {
            time: r,
            node,
            source: display,
        };
        let ev = events::place_found(f, at);
        if is_banner {
            // How long the node had been silent before this boot, when the same
            // source shows its last line before the boot.
            let before = h
                .boot_gaps
                .iter()
                .find(|(l, _)| *l == line)
                .and_then(|(l, written)| time::resolve(*written, None, &clock_for(*l)).utc);
            let silence = before
                .zip(ev.time)
                .map(|(prev, t)| (t - prev).num_seconds());
            reboots.push(events::reboot_event(&ev, silence));
        }
        ev
    }));
    events.extend(reboots);
}

/// One record per node of the unit, in source order, with the names it was known by.
fn node_records(
    rows: &[SourceReport],
    aliases: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<NodeRecord> {
    let mut nodes: Vec<NodeRecord> = Vec::new();
    for row in rows {
        if nodes.iter().any(|n| n.name == row.node) {
            continue;
        }
        nodes.push(NodeRecord {
            name: row.node.clone(),
            aliases: match aliases.get(&row.node) {
                Some(names) if row.node != "unknown" => names.iter().cloned().collect(),
                _ => Vec::new(),
            },
            node_from: row.node_from,
        });
    }
    nodes
}

/// `node.reboot` means a boot that follows earlier data of the same node: the boot
/// a node's logs begin with is not a reboot anyone needs to explain.
fn drop_first_boots(events: Vec<Event>, rows: &[SourceReport]) -> Vec<Event> {
    let mut earliest: HashMap<&str, DateTime<Utc>> = HashMap::new();
    for r in rows {
        if let Some(first) = r.first {
            let e = earliest.entry(r.node.as_str()).or_insert(first);
            *e = (*e).min(first);
        }
    }
    let earliest: HashMap<String, DateTime<Utc>> = earliest
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    events
        .into_iter()
        .filter(|e| {
            // Earlier lines of the same source, or an earlier time anywhere on the node.
            e.kind != Kind::NodeReboot
                // A shutdown announced by logind is a reboot wherever it sits.
                || e.fields.contains_key("announced_by")
                || e.line > 1
                || matches!((e.time, earliest.get(e.node.as_str())), (Some(t), Some(first)) if *first < t - chrono::Duration::seconds(1))
        })
        .collect()
}

/// The same line seen in two sources (kern.log and syslog, journal export and
/// syslog, dmesg and kern.log) counts once: the copy from the first source is kept,
/// and facts only the other copy could know (`silence_s` of a boot seen in syslog
/// but not in dmesg) are added to it. Events without any time are never merged.
fn dedup(mut events: Vec<Event>) -> Vec<Event> {
    let Some(first) = events.first() else {
        return events;
    };
    // Copies come from different sources: one source's events have none.
    if events.iter().all(|e| e.source == first.source) {
        return events;
    }
    let into = copies(&events);
    // Pass 2 (in place): the first copies take the others' missing fields, then the
    // others go. A copy always folds into an earlier event that is itself kept.
    for (i, &target) in into.iter().enumerate() {
        let j = target as usize;
        if target == KEPT || j >= i {
            continue;
        }
        let (head, tail) = events.split_at_mut(i);
        if let (Some(kept), Some(copy)) = (head.get_mut(j), tail.first_mut()) {
            let mut merged = kept.fields.unpack();
            for (name, value) in std::mem::take(&mut copy.fields).unpack() {
                merged.insert_missing(name, value);
            }
            kept.fields = PackedFields::pack(&merged);
        }
    }
    let mut index = 0;
    events.retain(|_| {
        let keep = into.get(index).is_none_or(|&t| t == KEPT);
        index += 1;
        keep
    });
    events
}

/// In [`copies`]: the event is no copy.
const KEPT: u32 = u32::MAX;

/// For each event, the earlier event it is a copy of (or [`KEPT`]): same node, kind
/// and instant, same fields, another source. Found by sorting event numbers by that
/// key (a few bytes per event; a map of every key would cost more than the events).
fn copies(events: &[Event]) -> Vec<u32> {
    /// The instant two copies of one line share.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum When {
        Uptime(u64),
        Wall(i64),
    }
    let when = |e: &Event| match (e.uptime_us.get(), e.time) {
        (Some(u), _) => Some(When::Uptime(u)),
        (None, Some(t)) => Some(When::Wall(t.timestamp())),
        (None, None) => None,
    };
    let mut into = vec![KEPT; events.len()];
    // More events than u32 numbers cannot be told apart here; they are left as they are.
    let Ok(count) = u32::try_from(events.len()) else {
        return into;
    };
    let key = |i: u32| {
        let e = &events[i as usize];
        (when(e), e.node, e.kind)
    };
    let mut order: Vec<u32> = (0..count).filter(|&i| key(i).0.is_some()).collect();
    order.sort_unstable_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
    for group in order.chunk_by(|&a, &b| key(a) == key(b)) {
        let mut firsts: Vec<u32> = Vec::new();
        for &i in group {
            let ev = &events[i as usize];
            match firsts
                .iter()
                .find(|&&j| same_line_fields(&events[j as usize], ev))
            {
                Some(&j) if events[j as usize].source != ev.source => into[i as usize] = j,
                Some(_) => {}
                None => firsts.push(i),
            }
        }
    }
    into
}

/// Equal fields, leaving out those derived from a source's context rather than from
/// the line itself.
fn same_line_fields(a: &Event, b: &Event) -> bool {
    const CONTEXTUAL: &[&str] = &["silence_s"];
    // Most events carry no contextual field: their packed fields compare as they are.
    if !CONTEXTUAL
        .iter()
        .any(|k| a.fields.contains_key(k) || b.fields.contains_key(k))
    {
        return a.fields == b.fields;
    }
    let own = |(k, _): &(&str, &events::Value)| !CONTEXTUAL.contains(k);
    let (a, b) = (a.fields.unpack(), b.fields.unpack());
    a.iter().filter(own).eq(b.iter().filter(own))
}
