//! Correlation: matches compiled signatures over the merged, time-ordered event
//! stream of a whole bundle and produces [`Incident`]s, causal links and
//! `unclassified` groups. Knows nothing of bytes or output formats.
//!
//! Output never depends on input order: events are first put in a canonical order
//! (time, with time-less events last, then source, line, kind, node, text), and
//! everything after works on positions in that order.

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::envelope::time::TimeQuality;
use crate::events::Event;
use crate::signatures::{Severity, SignatureSet};

pub mod engine;
pub mod incident;
pub mod unclassified;
pub mod window;

use engine::{Indexed, match_signature};
pub use unclassified::{Unclassified, is_error_level};

/// One line (or a summarised run of repeats) cited as evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// Time of the (first) event.
    pub time: Option<DateTime<Utc>>,
    /// How that time was obtained.
    pub time_quality: TimeQuality,
    /// The node whose log holds this line.
    pub node: String,
    /// Event kind name.
    pub kind: String,
    /// Display path of the source.
    pub source: String,
    /// 1-based line number.
    pub line: u64,
    /// Last line of a multi-line event.
    pub end_line: u64,
    /// The line(s) as written, joined with `\n` (escaping is the reports' job).
    pub text: String,
    /// How many events this row stands for (repeats of one kind/node/source are summarised).
    pub count: u64,
    /// Time of the last repeat.
    pub last: Option<DateTime<Utc>>,
}

/// How sure podmortem is that the signature's root cause applies, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Confidence {
    /// `high`, `medium` or `low`.
    pub level: String,
    /// Context facts that raised or lowered it.
    pub reasons: Vec<String>,
}

/// A matched root-cause signature: what went wrong, where, when, why, what to do.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// Deterministic id (`INC-001`, numbered in timeline order).
    pub id: String,
    /// Id of the signature that matched (`id` in its file), stable across versions.
    pub signature: String,
    /// The signature's one-line title.
    pub title: String,
    /// Copied from the signature, so reports and `--fail-on` need not look it up.
    pub severity: Severity,
    /// Nodes involved, sorted.
    pub nodes: Vec<String>,
    /// First evidence time.
    pub start: Option<DateTime<Utc>>,
    /// Last evidence time.
    pub end: Option<DateTime<Utc>>,
    /// One-paragraph summary of what happened (from the signature's template).
    pub summary: String,
    /// Why it happens, from the signature.
    pub root_cause: String,
    /// What to do about it, from the signature, in the order to try.
    pub remediation: Vec<String>,
    /// Links to the signature's sources (upstream issues, documentation).
    pub references: Vec<String>,
    /// The signature's level, raised or lowered by its context rules that held.
    pub confidence: Confidence,
    /// Id of the incident that plausibly caused this one.
    pub caused_by: Option<String>,
    /// Evidence, in time order.
    pub evidence: Vec<Evidence>,
}

/// What correlation found: incidents in timeline order and the unexplained rest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Correlation {
    /// Incidents, numbered `INC-001`... by (start, signature, nodes).
    pub incidents: Vec<Incident>,
    /// Error-level events no incident cites, by template across nodes, ranked.
    pub unclassified: Vec<Unclassified>,
}

/// Match every signature of `set` over `events` (any order; sorted here).
pub fn correlate(events: &[Event], set: &SignatureSet) -> Correlation {
    let ix = Indexed::new(engine::Ordered::of(events));
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
    let unclassified = unclassified::groups(&ix, &cited);
    Correlation {
        incidents,
        unclassified,
    }
}
