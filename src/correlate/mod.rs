//! Correlation: matches compiled signatures over the merged, time-ordered event
//! stream of a whole bundle and produces [`Incident`]s, causal links and
//! `unclassified` groups. Knows nothing of bytes or output formats.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::envelope::time::TimeQuality;
use crate::signatures::Severity;

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
