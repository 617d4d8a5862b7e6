//! Matching one signature's `[[match]]` steps on each node.
//!
//! First-step events (per `group_by` value) are split into bursts at the
//! signature's `gap`; a burst matches when its count is reached within the step's
//! window and every later required step then completes in order, each within its
//! window after the previous one. Optional steps add the events near the match.
//!
//! Only events placed on a clock (wall time, or uptime within a boot) trigger: a line
//! without any time cannot show when something began. A signature's `[startup]`
//! discount removes first-step events that are start-up chatter of a component
//! (within its grace after a start on the same node) before any counting; those
//! events are still cited when a match that persists past the grace is found.

use std::collections::{BTreeMap, HashMap};

use crate::correlate::window::{Clock, Pos, Ts, bursts, completion, follows, near};
use crate::events::{Event, Kind};
use crate::signatures::{FieldPath, Filter, Signature, Startup, Step};

/// A signature matched on one node.
#[derive(Clone, Debug)]
pub struct NodeMatch {
    /// The node the steps matched on: steps are matched one node at a time.
    pub node: String,
    /// First-step events of the burst (indexes into the canonical order).
    pub triggers: Vec<usize>,
    /// Every event cited by the match (steps, optional steps), sorted.
    pub cited: Vec<usize>,
    /// Earliest time among required evidence.
    pub start: Ts,
    /// Latest time among required evidence.
    pub end: Ts,
}

/// Events in the scanner's canonical order, so that input order never matters: the
/// slice itself when it is already in that order (a scan's events are), else sorted
/// references (a reference per event is 8 bytes more than none).
pub enum Ordered<'e> {
    /// Already in order.
    InPlace(&'e [Event]),
    /// Sorted here.
    Sorted(Vec<&'e Event>),
}

impl<'e> Ordered<'e> {
    /// `events` in canonical order.
    pub fn of(events: &'e [Event]) -> Ordered<'e> {
        if crate::resolve::is_sorted(events) {
            Ordered::InPlace(events)
        } else {
            Ordered::Sorted(crate::resolve::sort_events_ref(events))
        }
    }

    /// The `i`th event.
    pub fn get(&self, i: usize) -> Option<&'e Event> {
        match self {
            Ordered::InPlace(events) => events.get(i),
            Ordered::Sorted(events) => events.get(i).copied(),
        }
    }

    /// How many.
    pub fn len(&self) -> usize {
        match self {
            Ordered::InPlace(events) => events.len(),
            Ordered::Sorted(events) => events.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// In order.
    pub fn iter(&self) -> impl Iterator<Item = &'e Event> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// Canonically ordered events with a per-kind index.
pub struct Indexed<'e> {
    /// Events in canonical order: the indexes everything else holds refer to it.
    pub events: Ordered<'e>,
    /// Positions of each kind's events (`u32`, sized exactly: an index costs a few
    /// bytes per event, on top of the events).
    pub by_kind: HashMap<Kind, Vec<u32>>,
    /// The boot of each event placed on an uptime clock (index, boot), by index: the
    /// few events without wall time; every other position is read off its event.
    boots: Vec<(u32, u32)>,
}

impl<'e> Indexed<'e> {
    /// Index events already in canonical order.
    pub fn new(events: Ordered<'e>) -> Indexed<'e> {
        let mut counts: HashMap<Kind, usize> = HashMap::new();
        for e in events.iter() {
            *counts.entry(e.kind).or_default() += 1;
        }
        let mut by_kind: HashMap<Kind, Vec<u32>> = counts
            .into_iter()
            .map(|(k, n)| (k, Vec::with_capacity(n)))
            .collect();
        // More events than u32 positions cannot be indexed; the rest are left out.
        for (i, e) in events.iter().enumerate() {
            if let (Ok(i), Some(list)) = (u32::try_from(i), by_kind.get_mut(&e.kind)) {
                list.push(i);
            }
        }
        let boots = uptime_boots(&events);
        Indexed {
            events,
            by_kind,
            boots,
        }
    }

    /// Wall time of event `i` (what reports show).
    pub fn time(&self, i: usize) -> Ts {
        self.events.get(i).and_then(|e| e.time)
    }

    /// Clock position of event `i` (what windows compare).
    pub fn pos(&self, i: usize) -> Pos {
        let e = self.events.get(i)?;
        match (e.time, e.uptime_us.get()) {
            (Some(t), _) => Some(Clock::Wall(t)),
            (None, Some(us)) => {
                let i = u32::try_from(i).ok()?;
                let at = self.boots.binary_search_by_key(&i, |(j, _)| *j).ok()?;
                let (_, boot) = self.boots.get(at)?;
                Some(Clock::Uptime { boot: *boot, us })
            }
            (None, None) => None,
        }
    }

    /// Events of these kinds passing the filter, per node, in canonical order.
    pub fn candidates(&self, kinds: &[Kind], filter: &Filter) -> BTreeMap<&'e str, Vec<usize>> {
        // Straight into per-node lists (no list of every candidate first): one kind's
        // positions are already in order; several kinds' are sorted per node after.
        let mut per_node: BTreeMap<&'e str, Vec<usize>> = BTreeMap::new();
        let mut lists = 0;
        let mut seen = std::collections::HashSet::new();
        for list in kinds
            .iter()
            .filter(|k| seen.insert(**k))
            .filter_map(|k| self.by_kind.get(k))
        {
            lists += 1;
            for &i in list {
                let i = i as usize;
                if let Some(e) = self.events.get(i)
                    && filter.matches(&e.fields)
                {
                    per_node.entry(e.node.as_str()).or_default().push(i);
                }
            }
        }
        if lists > 1 {
            for items in per_node.values_mut() {
                items.sort_unstable();
            }
        }
        per_node
    }
}

/// The boots of events placed on an uptime clock, as (index, boot) in index order. An
/// event without wall time but with an uptime is placed on the uptime clock of its
/// boot: time-less events come last in canonical order, by source and line, so within
/// one source a falling uptime starts a new boot.
fn uptime_boots(events: &Ordered<'_>) -> Vec<(u32, u32)> {
    let mut boots: HashMap<&str, (u32, u64)> = HashMap::new();
    let mut next_boot = 0u32;
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let (None, Some(us)) = (e.time, e.uptime_us.get()) else {
            continue;
        };
        let boot = match boots.get(e.source.as_str()) {
            Some(&(boot, last)) if us >= last => boot,
            _ => {
                next_boot += 1;
                next_boot
            }
        };
        boots.insert(e.source.as_str(), (boot, us));
        if let Ok(i) = u32::try_from(i) {
            out.push((i, boot));
        }
    }
    out
}

/// A start of a component on a node: its clock position and, for a start line, where
/// that line is (`None` for a start implied by a start-up state).
struct Start<'e> {
    at: Clock,
    line: Option<(&'e str, u64)>,
}

/// Component starts per node: the marker events, plus the first event of each run of
/// first-step events that are start-up states by themselves.
fn starts<'e>(
    startup: &Startup,
    gap: chrono::TimeDelta,
    ix: &Indexed<'e>,
    firsts: &BTreeMap<&'e str, Vec<usize>>,
) -> BTreeMap<&'e str, Vec<Start<'e>>> {
    let mut out: BTreeMap<&'e str, Vec<Start<'e>>> = BTreeMap::new();
    let mut add = |ix: &Indexed<'e>, node: &'e str, i: usize, is_line: bool| {
        if let (Some(at), Some(e)) = (ix.pos(i), ix.events.get(i)) {
            out.entry(node).or_default().push(Start {
                at,
                line: is_line.then_some((e.source.as_str(), e.line)),
            });
        }
    };
    for marker in &startup.markers {
        for (node, items) in ix.candidates(&marker.kinds, &marker.filter) {
            for i in items {
                add(ix, node, i, true);
            }
        }
    }
    if let Some(state) = &startup.state {
        for (node, items) in firsts {
            let states: Vec<usize> = items
                .iter()
                .copied()
                .filter(|&i| ix.events.get(i).is_some_and(|e| state.matches(&e.fields)))
                .filter(|&i| ix.pos(i).is_some())
                .collect();
            for run in bursts(&states, &|i| ix.pos(i), gap) {
                if let Some(&first) = run.first() {
                    add(ix, node, first, false);
                }
            }
        }
    }
    out
}

/// Whether event `i` is start-up chatter: within `grace` after a start on its node
/// (the start line itself excepted: a change seen on the line that starts a boot is a
/// change across the restart, not chatter during it).
fn is_chatter(ix: &Indexed<'_>, i: usize, starts: &[Start<'_>], grace: chrono::TimeDelta) -> bool {
    let (Some(at), Some(e)) = (ix.pos(i), ix.events.get(i)) else {
        return false;
    };
    starts.iter().any(|s| {
        s.line != Some((e.source.as_str(), e.line))
            && at
                .since(s.at)
                .is_some_and(|d| d >= chrono::TimeDelta::zero() && d <= grace)
    })
}

fn group_key(event: &Event, paths: &[FieldPath]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            p.resolve(&event.fields)
                .first()
                .map(|v| match &**v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default()
        })
        .collect()
}

fn groups(ix: &Indexed<'_>, items: &[usize], paths: &[FieldPath]) -> Vec<Vec<usize>> {
    if paths.is_empty() {
        return vec![items.to_vec()];
    }
    let mut by_key: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for &i in items {
        if let Some(e) = ix.events.get(i) {
            by_key.entry(group_key(e, paths)).or_default().push(i);
        }
    }
    by_key.into_values().collect()
}

/// Every match of `sig` on every node, in node then time order.
pub fn match_signature(sig: &Signature, ix: &Indexed<'_>) -> Vec<NodeMatch> {
    let Some(first) = sig.steps.first() else {
        return Vec::new();
    };
    let per_step: Vec<_> = sig
        .steps
        .iter()
        .map(|s| ix.candidates(&s.kinds, &s.filter))
        .collect();
    let pos = |i: usize| ix.pos(i);
    let mut out = Vec::new();
    let Some(firsts) = per_step.first() else {
        return out;
    };
    let starts = sig
        .startup
        .as_ref()
        .map(|s| (s.grace, self::starts(s, sig.gap, ix, firsts)));
    for (node, items) in firsts {
        // Only placed events trigger; undated ones are context (cited with the node's
        // last match, as a captured `df` table is); start-up chatter neither triggers
        // nor counts.
        let (placed, undated): (Vec<usize>, Vec<usize>) =
            items.iter().copied().partition(|&i| pos(i).is_some());
        let first_of_node = out.len();
        let (live, chatter): (Vec<usize>, Vec<usize>) =
            placed.iter().copied().partition(|&i| match &starts {
                Some((grace, per_node)) => per_node
                    .get(node)
                    .is_none_or(|s| !is_chatter(ix, i, s, *grace)),
                None => true,
            });
        let mut triggers_all = Vec::new();
        for group in groups(ix, &live, &first.group_by) {
            triggers_all.extend(bursts(&group, &pos, sig.gap));
        }
        for burst in triggers_all {
            let Some(done) = completion(&burst, &pos, first.count, first.within) else {
                continue;
            };
            if let Some(cited) = later_steps(sig, ix, &per_step, node, done) {
                let mut cited = cited;
                cited.extend(burst.iter().copied());
                // The start-up chatter that led into a persisting match is its beginning.
                let (from, to) = pos_span(ix, &burst);
                cited.extend(
                    chatter
                        .iter()
                        .copied()
                        .filter(|&i| near(from, to, pos(i), sig.gap)),
                );
                cited.sort_unstable();
                cited.dedup();
                let (start, end) = span(ix, &cited);
                let (from, to) = pos_span(ix, &cited);
                add_optional(sig, ix, &per_step, node, from, to, &mut cited);
                out.push(NodeMatch {
                    node: node.to_string(),
                    triggers: burst,
                    cited,
                    start,
                    end,
                });
            }
        }
        if out.len() > first_of_node
            && let Some(last) = out.last_mut()
        {
            last.cited.extend(undated);
            last.cited.sort_unstable();
            last.cited.dedup();
        }
    }
    out.sort_by(|a, b| (a.node.as_str(), a.cited.first()).cmp(&(b.node.as_str(), b.cited.first())));
    out
}

/// First-step events of `sig` that its `[startup]` discounts as start-up chatter: they
/// are explained (a component starting), so they are not reported as unclassified errors.
pub fn startup_chatter(sig: &Signature, ix: &Indexed<'_>) -> Vec<usize> {
    let (Some(startup), Some(first)) = (&sig.startup, sig.steps.first()) else {
        return Vec::new();
    };
    let firsts = ix.candidates(&first.kinds, &first.filter);
    let per_node = starts(startup, sig.gap, ix, &firsts);
    let mut out: Vec<usize> = firsts
        .iter()
        .flat_map(|(node, items)| {
            let node_starts = per_node.get(node);
            items
                .iter()
                .copied()
                .filter(move |&i| node_starts.is_some_and(|s| is_chatter(ix, i, s, startup.grace)))
        })
        .collect();
    out.sort_unstable();
    out
}

/// Events of the required steps after the first, or `None` if one does not complete.
fn later_steps(
    sig: &Signature,
    ix: &Indexed<'_>,
    per_step: &[BTreeMap<&str, Vec<usize>>],
    node: &str,
    first_done: Pos,
) -> Option<Vec<usize>> {
    let pos = |i: usize| ix.pos(i);
    let mut prev = first_done;
    let mut cited = Vec::new();
    for (step, cands) in sig.steps.iter().zip(per_step).skip(1) {
        if step.optional {
            continue;
        }
        let eligible: Vec<usize> = cands
            .get(node)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&i| follows(prev, pos(i), step.within))
                    .collect()
            })
            .unwrap_or_default();
        let (done, used) = complete_step(step, ix, &eligible)?;
        cited.extend(used);
        if done.is_some() {
            prev = done;
        }
    }
    Some(cited)
}

fn complete_step(step: &Step, ix: &Indexed<'_>, eligible: &[usize]) -> Option<(Pos, Vec<usize>)> {
    let pos = |i: usize| ix.pos(i);
    groups(ix, eligible, &step.group_by)
        .into_iter()
        .filter_map(|g| completion(&g, &pos, step.count, None).map(|done| (done, g)))
        .min_by_key(|(done, _)| (done.is_none(), *done))
}

/// Earliest and latest wall time among `items` (what the incident shows).
fn span(ix: &Indexed<'_>, items: &[usize]) -> (Ts, Ts) {
    let times: Vec<_> = items.iter().filter_map(|&i| ix.time(i)).collect();
    (times.iter().min().copied(), times.iter().max().copied())
}

/// Earliest and latest clock position among `items` on the clock of the first placed
/// one (what optional steps are matched around).
fn pos_span(ix: &Indexed<'_>, items: &[usize]) -> (Pos, Pos) {
    let placed: Vec<Clock> = items.iter().filter_map(|&i| ix.pos(i)).collect();
    let Some(&first) = placed.first() else {
        return (None, None);
    };
    let same: Vec<Clock> = placed
        .into_iter()
        .filter(|c| c.since(first).is_some())
        .collect();
    (same.iter().min().copied(), same.iter().max().copied())
}

fn add_optional(
    sig: &Signature,
    ix: &Indexed<'_>,
    per_step: &[BTreeMap<&str, Vec<usize>>],
    node: &str,
    start: Pos,
    end: Pos,
    cited: &mut Vec<usize>,
) {
    for (step, cands) in sig.steps.iter().zip(per_step) {
        if !step.optional {
            continue;
        }
        let margin = step.within.unwrap_or(sig.gap);
        if let Some(items) = cands.get(node) {
            cited.extend(
                items
                    .iter()
                    .copied()
                    .filter(|&i| near(start, end, ix.pos(i), margin)),
            );
        }
    }
    cited.sort_unstable();
    cited.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::time::TimeQuality;

    fn undated(source: &str, line: u64, uptime_s: Option<u64>) -> Event {
        Event {
            kind: Kind::OomKill,
            time: None,
            uptime_us: uptime_s.map(|s| s * 1_000_000).into(),
            time_quality: TimeQuality::Unanchored,
            node: "node-1".into(),
            source: source.into(),
            line,
            end_line: line,
            level: None,
            fields: Default::default(),
            text: String::new().into(),
        }
    }

    #[test]
    fn a_falling_uptime_starts_a_new_boot_and_sources_never_share_one() {
        let events = [
            undated("a/dmesg.txt", 1, Some(100)),
            undated("a/dmesg.txt", 2, Some(200)),
            undated("a/dmesg.txt", 3, Some(5)),
            undated("b/dmesg.txt", 1, Some(150)),
            undated("b/dmesg.txt", 2, None),
        ];
        let ix = Indexed::new(Ordered::Sorted(events.iter().collect()));
        let boot = |i: usize| match ix.pos(i) {
            Some(Clock::Uptime { boot, .. }) => Some(boot),
            _ => None,
        };
        assert_eq!(boot(0), boot(1));
        assert_ne!(boot(1), boot(2));
        assert_ne!(boot(0), boot(3));
        assert_ne!(boot(2), boot(3));
        assert_eq!(ix.pos(4), None);
        assert_eq!(
            ix.pos(1).zip(ix.pos(0)).and_then(|(b, a)| b.since(a)),
            Some(chrono::TimeDelta::seconds(100))
        );
    }
}
