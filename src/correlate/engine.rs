//! Matching one signature's `[[match]]` steps on each node.
//!
//! First-step events (per `group_by` value) are split into bursts at the
//! signature's `gap`; a burst matches when its count is reached within the step's
//! window and every later required step then completes in order, each within its
//! window after the previous one. Optional steps add the events near the match.

use std::collections::{BTreeMap, HashMap};

use crate::correlate::window::{Ts, bursts, completion, follows, near};
use crate::events::{Event, Kind};
use crate::signatures::{FieldPath, Filter, Signature, Step};

/// A signature matched on one node.
#[derive(Clone, Debug)]
pub struct NodeMatch {
    /// Node.
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

/// Canonically ordered events with a per-kind index.
pub struct Indexed<'e> {
    /// Events in canonical order.
    pub events: Vec<&'e Event>,
    /// Positions of each kind's events.
    pub by_kind: HashMap<&'e Kind, Vec<usize>>,
}

impl<'e> Indexed<'e> {
    /// Index events already in canonical order.
    pub fn new(events: Vec<&'e Event>) -> Indexed<'e> {
        let mut by_kind: HashMap<&'e Kind, Vec<usize>> = HashMap::new();
        for (i, e) in events.iter().enumerate() {
            by_kind.entry(&e.kind).or_default().push(i);
        }
        Indexed { events, by_kind }
    }

    /// Time of event `i`.
    pub fn time(&self, i: usize) -> Ts {
        self.events.get(i).and_then(|e| e.time)
    }

    /// Events of these kinds passing the filter, per node, in canonical order.
    pub fn candidates(&self, kinds: &[Kind], filter: &Filter) -> BTreeMap<&'e str, Vec<usize>> {
        let mut all: Vec<usize> = kinds
            .iter()
            .filter_map(|k| self.by_kind.get(k))
            .flatten()
            .copied()
            .collect();
        all.sort_unstable();
        all.dedup();
        let mut per_node: BTreeMap<&'e str, Vec<usize>> = BTreeMap::new();
        for i in all {
            if let Some(e) = self.events.get(i)
                && filter.matches(&e.fields)
            {
                per_node.entry(e.node.as_str()).or_default().push(i);
            }
        }
        per_node
    }
}

fn group_key(event: &Event, paths: &[FieldPath]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            p.resolve(&event.fields)
                .first()
                .map(|v| match v {
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
    let time = |i: usize| ix.time(i);
    let mut out = Vec::new();
    let Some(firsts) = per_step.first() else {
        return out;
    };
    for (node, items) in firsts {
        let mut triggers_all = Vec::new();
        for group in groups(ix, items, &first.group_by) {
            triggers_all.extend(bursts(&group, &time, sig.gap));
        }
        for burst in triggers_all {
            let Some(done) = completion(&burst, &time, first.count, first.within) else {
                continue;
            };
            if let Some(cited) = later_steps(sig, ix, &per_step, node, done) {
                let mut cited = cited;
                cited.extend(burst.iter().copied());
                cited.sort_unstable();
                cited.dedup();
                let (start, end) = span(ix, &cited);
                add_optional(sig, ix, &per_step, node, start, end, &mut cited);
                out.push(NodeMatch {
                    node: node.to_string(),
                    triggers: burst,
                    cited,
                    start,
                    end,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.node.as_str(), a.cited.first()).cmp(&(b.node.as_str(), b.cited.first())));
    out
}

/// Events of the required steps after the first, or `None` if one does not complete.
fn later_steps(
    sig: &Signature,
    ix: &Indexed<'_>,
    per_step: &[BTreeMap<&str, Vec<usize>>],
    node: &str,
    first_done: Ts,
) -> Option<Vec<usize>> {
    let time = |i: usize| ix.time(i);
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
                    .filter(|&i| follows(prev, time(i), step.within))
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

fn complete_step(step: &Step, ix: &Indexed<'_>, eligible: &[usize]) -> Option<(Ts, Vec<usize>)> {
    let time = |i: usize| ix.time(i);
    groups(ix, eligible, &step.group_by)
        .into_iter()
        .filter_map(|g| completion(&g, &time, step.count, None).map(|done| (done, g)))
        .min_by_key(|(done, _)| (done.is_none(), *done))
}

fn span(ix: &Indexed<'_>, items: &[usize]) -> (Ts, Ts) {
    let times: Vec<_> = items.iter().filter_map(|&i| ix.time(i)).collect();
    (times.iter().min().copied(), times.iter().max().copied())
}

fn add_optional(
    sig: &Signature,
    ix: &Indexed<'_>,
    per_step: &[BTreeMap<&str, Vec<usize>>],
    node: &str,
    start: Ts,
    end: Ts,
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
                    .filter(|&i| near(start, end, ix.time(i), margin)),
            );
        }
    }
    cited.sort_unstable();
    cited.dedup();
}
