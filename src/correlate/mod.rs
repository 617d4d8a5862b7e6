//! Correlation: matches compiled signatures over the merged, time-ordered event
//! stream of a whole bundle and produces [`Incident`]s, causal links and
//! `unclassified` groups. Knows nothing of bytes or output formats.
//!
//! Output never depends on input order: events are first put in a canonical order
//! (time, with time-less events last, then source, line, kind, node, text), and
//! everything after works on positions in that order.

use chrono::{DateTime, TimeDelta, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use crate::envelope::Level;
use crate::envelope::time::TimeQuality;
use crate::events::{Event, Kind};
use crate::signatures::{Severity, SignatureSet};

pub mod engine;
pub mod incident;
pub mod window;

use engine::{Indexed, match_signature};
use window::bursts;

/// One line (or a summarised run of repeats) cited as evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Time of the (first) event.
    pub time: Option<DateTime<Utc>>,
    /// How that time was obtained.
    pub time_quality: TimeQuality,
    /// Node.
    pub node: String,
    /// Event kind name.
    pub kind: String,
    /// Display path of the source.
    pub source: String,
    /// 1-based line number.
    pub line: u64,
    /// Last line of a multi-line event.
    pub end_line: u64,
    /// Raw text of the line(s).
    pub text: String,
    /// How many events this row stands for (repeats of one kind/node/source are summarised).
    pub count: u64,
    /// Time of the last repeat.
    pub last: Option<DateTime<Utc>>,
}

/// How sure podmortem is that the signature's root cause applies, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Confidence {
    /// `high`, `medium` or `low`.
    pub level: String,
    /// Context facts that raised or lowered it.
    pub reasons: Vec<String>,
}

/// A matched root-cause signature: what went wrong, where, when, why, what to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Deterministic id (`INC-001`, numbered in timeline order).
    pub id: String,
    /// Signature id.
    pub signature: String,
    /// Human title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Nodes involved, sorted.
    pub nodes: Vec<String>,
    /// First evidence time.
    pub start: Option<DateTime<Utc>>,
    /// Last evidence time.
    pub end: Option<DateTime<Utc>>,
    /// One-paragraph summary of what happened (from the signature's template).
    pub summary: String,
    /// Root-cause explanation.
    pub root_cause: String,
    /// Remediation steps.
    pub remediation: Vec<String>,
    /// References (issues, docs).
    pub references: Vec<String>,
    /// Confidence and why.
    pub confidence: Confidence,
    /// Id of the incident that plausibly caused this one.
    pub caused_by: Option<String>,
    /// Evidence, in time order.
    pub evidence: Vec<Evidence>,
}

/// Error-level events no signature explained, grouped by kind, node and time burst.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unclassified {
    /// Event kind name.
    pub kind: String,
    /// Node.
    pub node: String,
    /// First event time.
    pub start: Option<DateTime<Utc>>,
    /// Last event time.
    pub end: Option<DateTime<Utc>>,
    /// Number of events.
    pub count: u64,
    /// Evidence (summarised).
    pub evidence: Vec<Evidence>,
}

/// What correlation found: incidents in timeline order and the unexplained rest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Correlation {
    /// Incidents, numbered `INC-001`... by (start, signature, nodes).
    pub incidents: Vec<Incident>,
    /// Error-level events no incident cites, by kind, node and burst.
    pub unclassified: Vec<Unclassified>,
}

/// Quiet gap that splits unclassified events of one kind and node into groups.
pub const UNCLASSIFIED_GAP: TimeDelta = TimeDelta::minutes(30);

/// Match every signature of `set` over `events` (any order; sorted here).
pub fn correlate(events: &[Event], set: &SignatureSet) -> Correlation {
    let ix = Indexed::new(canonical_order(events));
    // Signatures are matched independently, in parallel; drafts keep signature order.
    let drafts: Vec<_> = set
        .signatures()
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, sig)| incident::drafts(i, sig, &ix, match_signature(sig, &ix)))
        .collect();
    let drafts = incident::suppress(set, drafts);
    let (incidents, mut cited) = incident::finish(set, &ix, drafts);
    // Start-up chatter a signature discounts is explained, not unclassified.
    cited.extend(
        set.signatures()
            .iter()
            .flat_map(|sig| engine::startup_chatter(sig, &ix)),
    );
    let unclassified = unclassified(&ix, &cited);
    Correlation {
        incidents,
        unclassified,
    }
}

/// The canonical order's key: time (missing last), source, lines, kind, node, text.
#[allow(clippy::type_complexity)]
fn order_key(
    e: &Event,
) -> (
    bool,
    Option<DateTime<Utc>>,
    &str,
    u64,
    u64,
    &str,
    &str,
    &str,
) {
    (
        e.time.is_none(),
        e.time,
        e.source.as_str(),
        e.line,
        e.end_line,
        e.kind.name(),
        e.node.as_str(),
        e.text.as_str(),
    )
}

fn canonical_order(events: &[Event]) -> Vec<&Event> {
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    sorted
}

/// Whether an event is bad news on its own: an error-level line, or a kind that is
/// never benign.
pub fn is_error_level(event: &Event) -> bool {
    matches!(event.level, Some(Level::Error | Level::Fatal))
        || matches!(
            event.kind,
            Kind::OomKill
                | Kind::HungTask
                | Kind::SoftLockup
                | Kind::ConntrackFull
                | Kind::NoSpaceLeft
                | Kind::TooManyOpenFiles
                | Kind::PageAllocFailure
                | Kind::SlubAllocFailure
                | Kind::ImageGcFailed
                | Kind::PlegUnhealthy
                | Kind::PodEvicted
                | Kind::ConnectionReset
        )
}

fn unclassified(ix: &Indexed<'_>, cited: &BTreeSet<usize>) -> Vec<Unclassified> {
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, e) in ix.events.iter().enumerate() {
        if is_error_level(e) && !cited.contains(&i) {
            groups
                .entry((e.kind.name(), e.node.as_str()))
                .or_default()
                .push(i);
        }
    }
    let time = |i: usize| ix.time(i);
    let pos = |i: usize| ix.pos(i);
    let groups: Vec<_> = groups.into_iter().collect();
    let mut out: Vec<Unclassified> = groups
        .par_iter()
        .flat_map_iter(|((kind, node), items)| {
            bursts(items, &pos, UNCLASSIFIED_GAP)
                .into_iter()
                .map(move |burst| {
                    let times: Vec<_> = burst.iter().filter_map(|&i| time(i)).collect();
                    Unclassified {
                        kind: kind.to_string(),
                        node: node.to_string(),
                        start: times.iter().min().copied(),
                        end: times.iter().max().copied(),
                        count: burst.len() as u64,
                        evidence: incident::summarise(ix, &burst),
                    }
                })
        })
        .collect();
    out.sort_by(|a, b| {
        (a.start.is_none(), a.start, &a.kind, &a.node).cmp(&(
            b.start.is_none(),
            b.start,
            &b.kind,
            &b.node,
        ))
    });
    out
}
