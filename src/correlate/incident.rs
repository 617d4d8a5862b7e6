//! From node matches to incidents: context facts (require/exclude per node,
//! raise/lower confidence), cluster merging, suppression by a more specific
//! signature, deterministic ids, causal links and summarised evidence.

use std::collections::{BTreeMap, BTreeSet};

use crate::correlate::engine::{Indexed, NodeMatch};
use crate::correlate::window::{Ts, near_wall};
use crate::correlate::{Confidence, Evidence, Incident};
use crate::events::Event;
use crate::signatures::template::render;
use crate::signatures::{ConfidenceLevel, Effect, FieldPath, Scope, Signature, SignatureSet};

/// An incident before ids and causal links are given.
#[derive(Clone, Debug)]
pub struct Draft {
    /// Index of the signature in the set.
    pub sig: usize,
    /// The nodes matched (a set: a cluster incident names each node once).
    pub nodes: BTreeSet<String>,
    /// First-step events.
    pub triggers: Vec<usize>,
    /// Every cited step event.
    pub cited: BTreeSet<usize>,
    /// Context facts that hold: rule index → first fact event.
    pub facts: BTreeMap<usize, usize>,
    /// When the incident starts, as far as its events are placed in time.
    pub start: Ts,
    /// When it ends; `None` only when no event is placed in time.
    pub end: Ts,
}

/// Fact events of each context rule, per node, in canonical order.
fn facts_per_node<'e>(sig: &Signature, ix: &Indexed<'e>) -> Vec<BTreeMap<&'e str, Vec<usize>>> {
    sig.context
        .iter()
        .map(|rule| ix.candidates(&rule.kinds, &rule.filter))
        .collect()
}

/// Apply context to node matches and merge them into drafts per the signature's scope.
pub fn drafts(
    sig_index: usize,
    sig: &Signature,
    ix: &Indexed<'_>,
    matches: Vec<NodeMatch>,
) -> Vec<Draft> {
    let facts = facts_per_node(sig, ix);
    let mut kept = Vec::new();
    'matches: for m in matches {
        let mut found = BTreeMap::new();
        for (rule_index, (rule, per_node)) in sig.context.iter().zip(&facts).enumerate() {
            let fact = per_node.get(m.node.as_str()).and_then(|items| {
                items
                    .iter()
                    .copied()
                    .find(|&i| match (rule.within, m.start) {
                        (Some(w), Some(start)) => {
                            let t = ix.time(i);
                            // A window past chrono's range reaches back to any time.
                            let from = start.checked_sub_signed(w);
                            t.is_none() || (from.is_none_or(|f| t >= Some(f)) && t <= m.end)
                        }
                        _ => true,
                    })
            });
            match (rule.effect, fact) {
                (Effect::Require, None) | (Effect::Exclude, Some(_)) => continue 'matches,
                (Effect::Exclude, None) => {}
                (_, Some(i)) => {
                    found.insert(rule_index, i);
                }
                (_, None) => {}
            }
        }
        kept.push(Draft {
            sig: sig_index,
            nodes: BTreeSet::from([m.node.clone()]),
            triggers: m.triggers,
            cited: m.cited.into_iter().collect(),
            facts: found,
            start: m.start,
            end: m.end,
        });
    }
    match sig.scope {
        Scope::Node => kept,
        Scope::Cluster { window } => {
            kept.sort_by_key(|d| (d.start.is_none(), d.start, d.nodes.first().cloned()));
            let mut merged: Vec<Draft> = Vec::new();
            for d in kept {
                let joins = match (merged.last(), d.start) {
                    (Some(group), Some(t)) => group.start.is_none_or(|s| t - s <= window),
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                match merged.last_mut() {
                    Some(group) if joins => absorb(group, d),
                    _ => merged.push(d),
                }
            }
            merged
        }
    }
}

fn absorb(into: &mut Draft, from: Draft) {
    into.nodes.extend(from.nodes);
    into.triggers.extend(from.triggers);
    into.triggers.sort_unstable();
    into.cited.extend(from.cited);
    for (rule, fact) in from.facts {
        into.facts.entry(rule).or_insert(fact);
    }
    into.start = min_ts(into.start, from.start);
    into.end = match (into.end, from.end) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
}

fn min_ts(a: Ts, b: Ts) -> Ts {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Fold drafts whose signature lists a `suppressed_by` signature into an
/// overlapping draft of that signature on a shared node.
pub fn suppress(set: &SignatureSet, drafts: Vec<Draft>) -> Vec<Draft> {
    let sigs = set.signatures();
    let mut drafts: Vec<Option<Draft>> = drafts.into_iter().map(Some).collect();
    for i in 0..drafts.len() {
        let Some(d) = drafts.get(i).cloned().flatten() else {
            continue;
        };
        let Some(sig) = sigs.get(d.sig) else { continue };
        if sig.suppressed_by.is_empty() {
            continue;
        }
        let target = drafts.iter().enumerate().position(|(j, other)| {
            other.as_ref().is_some_and(|o| {
                j != i
                    && sigs
                        .get(o.sig)
                        .is_some_and(|s| sig.suppressed_by.contains(&s.id))
                    && !o.nodes.is_disjoint(&d.nodes)
                    && (near_wall(o.start, o.end, d.start, sig.gap)
                        || near_wall(d.start, d.end, o.start, sig.gap))
            })
        });
        if let Some(j) = target
            && let Some(Some(into)) = drafts.get_mut(j)
        {
            into.cited.extend(d.cited.iter().copied());
            into.cited.extend(d.triggers.iter().copied());
            if let Some(slot) = drafts.get_mut(i) {
                *slot = None;
            }
        }
    }
    drafts.into_iter().flatten().collect()
}

fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn field_lookup(event: Option<&Event>, name: &str) -> Option<String> {
    let event = event?;
    let path = FieldPath::parse(name)?;
    let values = path.resolve(&event.fields);
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .into_iter()
            .map(|v| value_text(&v))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// A summary placeholder of an incident on several nodes: each node's own value (from
/// its first trigger event) when they differ, as `value (node)`, so a rename on four
/// nodes names four new names instead of stating the first node's for all (issue 15).
/// `None` for single-node incidents and when no node has the field.
fn field_per_node(
    ix: &Indexed<'_>,
    triggers: &[usize],
    nodes: &[String],
    name: &str,
) -> Option<String> {
    if nodes.len() < 2 {
        return None;
    }
    let mut per_node: Vec<(&str, String)> = Vec::new();
    for node in nodes {
        let first = triggers
            .iter()
            .filter_map(|&i| ix.events.get(i))
            .filter(|e| &e.node == node)
            .min_by_key(|e| (e.time, e.line));
        if let Some(value) = field_lookup(first, name) {
            per_node.push((node, value));
        }
    }
    let first = per_node.first()?.1.clone();
    if per_node.iter().all(|(_, v)| *v == first) {
        return Some(first);
    }
    Some(
        per_node
            .iter()
            .map(|(node, v)| format!("{v} ({node})"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Turn drafts into numbered incidents with causal links; also every position cited.
pub fn finish(
    set: &SignatureSet,
    ix: &Indexed<'_>,
    mut drafts: Vec<Draft>,
) -> (Vec<Incident>, BTreeSet<usize>) {
    let sigs = set.signatures();
    let id_of = |d: &Draft| sigs.get(d.sig).map(|s| s.id.clone()).unwrap_or_default();
    drafts.sort_by(|a, b| {
        let key = |d: &Draft| {
            (
                d.start.is_none(),
                d.start,
                id_of(d),
                d.nodes.iter().cloned().collect::<Vec<_>>(),
                d.cited.first().copied(),
            )
        };
        key(a).cmp(&key(b))
    });
    let mut incidents: Vec<Incident> = drafts
        .iter()
        .enumerate()
        .filter_map(|(n, d)| sigs.get(d.sig).map(|sig| build(sig, ix, d, n + 1)))
        .collect();

    // Causal links: the latest incident of a named signature on a shared node that
    // started before this one, within the link's window.
    let snapshot: Vec<(String, String, BTreeSet<String>, Ts)> = incidents
        .iter()
        .map(|i| {
            (
                i.id.clone(),
                i.signature.clone(),
                i.nodes.iter().cloned().collect(),
                i.start,
            )
        })
        .collect();
    for incident in &mut incidents {
        let Some(sig) = set.get(&incident.signature) else {
            continue;
        };
        let Some(start) = incident.start else {
            continue;
        };
        let nodes: BTreeSet<String> = incident.nodes.iter().cloned().collect();
        for link in &sig.caused_by {
            let cause = snapshot
                .iter()
                .filter(|(id, signature, other_nodes, other_start)| {
                    *id != incident.id
                        && *signature == link.signature
                        && !other_nodes.is_disjoint(&nodes)
                        && other_start.is_some_and(|s| s <= start && start - s <= link.within)
                })
                .max_by(|a, b| a.3.cmp(&b.3).then_with(|| b.0.cmp(&a.0)));
            if let Some((id, ..)) = cause {
                incident.caused_by = Some(id.clone());
                break;
            }
        }
    }
    let cited = drafts
        .iter()
        .flat_map(|d| d.cited.iter().chain(&d.triggers).chain(d.facts.values()))
        .copied()
        .collect();
    (incidents, cited)
}

fn build(sig: &Signature, ix: &Indexed<'_>, d: &Draft, number: usize) -> Incident {
    let nodes: Vec<String> = d.nodes.iter().cloned().collect();
    let first = d.triggers.iter().min().and_then(|&i| ix.events.get(i));
    let count = d.triggers.len();
    let summary = render(&sig.summary, &|name| match name {
        "node" => nodes.first().cloned(),
        "nodes" => Some(nodes.join(", ")),
        "node_count" => Some(nodes.len().to_string()),
        "count" => Some(count.to_string()),
        other => {
            field_per_node(ix, &d.triggers, &nodes, other).or_else(|| field_lookup(first, other))
        }
    });
    let mut level = sig.confidence;
    let mut reasons = Vec::new();
    for (&rule_index, &fact) in &d.facts {
        let Some(rule) = sig.context.get(rule_index) else {
            continue;
        };
        let event = ix.events.get(fact);
        let node = event.map(|e| e.node.to_string());
        reasons.push(render(&rule.reason, &|name| match name {
            "node" => node.clone(),
            other => field_lookup(event, other),
        }));
        level = match rule.effect {
            Effect::Raise => raise(level),
            Effect::Lower => lower(level),
            Effect::Require | Effect::Exclude => level,
        };
    }
    let mut cited: BTreeSet<usize> = d.cited.clone();
    cited.extend(d.facts.values().copied());
    let cited: Vec<usize> = cited.into_iter().collect();
    Incident {
        id: format!("INC-{number:03}"),
        signature: sig.id.clone(),
        title: sig.title.clone(),
        severity: sig.severity,
        nodes,
        start: d.start,
        end: d.end,
        summary,
        root_cause: sig.root_cause.clone(),
        remediation: sig.remediation.clone(),
        references: sig.references.clone(),
        confidence: Confidence {
            level: level.name().to_string(),
            reasons,
        },
        caused_by: None,
        evidence: summarise(ix, &cited),
    }
}

fn raise(level: ConfidenceLevel) -> ConfidenceLevel {
    match level {
        ConfidenceLevel::Low => ConfidenceLevel::Medium,
        _ => ConfidenceLevel::High,
    }
}

fn lower(level: ConfidenceLevel) -> ConfidenceLevel {
    match level {
        ConfidenceLevel::High => ConfidenceLevel::Medium,
        _ => ConfidenceLevel::Low,
    }
}

/// One row per (kind, node, source): the first event cited, with the number of
/// events it stands for and the time of the last one. `items` are in canonical order.
pub fn summarise(ix: &Indexed<'_>, items: &[usize]) -> Vec<Evidence> {
    let mut rows: Vec<Evidence> = Vec::new();
    let mut row_of: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for &i in items {
        let Some(e) = ix.events.get(i) else { continue };
        let key = (e.kind.name(), e.node.as_str(), e.source.as_str());
        match row_of.get(&key).and_then(|&r| rows.get_mut(r)) {
            Some(row) => {
                row.count += 1;
                if e.time.is_some() {
                    row.last = e.time;
                }
            }
            None => {
                row_of.insert(key, rows.len());
                rows.push(Evidence {
                    time: e.time,
                    time_quality: e.time_quality,
                    node: e.node.to_string(),
                    kind: e.kind.name().to_string(),
                    source: e.source.to_string(),
                    line: e.line,
                    end_line: e.end_line.max(e.line),
                    text: e.text.get().into_owned(),
                    count: 1,
                    last: e.time,
                });
            }
        }
    }
    rows
}
