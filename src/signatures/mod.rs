//! Root-cause signatures: declarative files in `patterns/` (embedded at build time,
//! overlaid by `--patterns DIR`), deserialized strictly into their written shape
//! (`raw`), then checked and compiled (`compile`). Signatures never see bytes: they
//! match [`Event`](crate::Event)s.
//!
//! The file format is documented for users in `docs/signatures.md`. Matching itself
//! lives in [`correlate`](crate::correlate); this module only says *what* to match.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::events::Kind;

pub mod compile;
pub mod condition;
pub mod load;
pub mod raw;
pub mod startup;
pub mod template;

pub use condition::{Condition, FieldPath, Filter, Scalar, Test};
pub use load::{
    builtin, load_dir, overlay, parse_str, source_text, validate_builtin, validate_dir,
};

/// Incident severity, ordered from least to most severe.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Degraded service likely.
    Medium,
    /// Node or workload failure.
    High,
    /// An outage: workloads down, or a node's networking gone.
    Critical,
}

impl Severity {
    /// Lower-case name, as signature files, flags and JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Where a signature's steps must happen.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every step on the same node; one incident per node and burst.
    Node,
    /// Matched per node, then node matches starting within `window` of the first
    /// one are merged into one incident naming every node.
    Cluster {
        /// How long after the first node's match another node's may start and still
        /// join the incident.
        window: TimeDelta,
    },
}

/// Confidence levels, ordered.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConfidenceLevel {
    /// Plausible: the pattern fits, nothing confirms it.
    Low,
    /// Likely: the pattern fits as the signature expects.
    Medium,
    /// Confirmed by context.
    High,
}

impl ConfidenceLevel {
    /// Lower-case name as written in incidents.
    pub fn name(self) -> &'static str {
        match self {
            ConfidenceLevel::Low => "low",
            ConfidenceLevel::Medium => "medium",
            ConfidenceLevel::High => "high",
        }
    }
}

/// One `[[match]]` step.
#[derive(Clone, Debug)]
pub struct Step {
    /// Kinds the step accepts (any of).
    pub kinds: Vec<Kind>,
    /// What an event of those kinds must also satisfy (`where`, `any_of`).
    pub filter: Filter,
    /// Minimum number of events.
    pub count: u32,
    /// First step: the span the count must fit in. Later steps: how long after the
    /// previous step completed this one may complete. Optional steps: how far around
    /// the incident evidence is collected. `None` = unbounded (first/later steps).
    pub within: Option<TimeDelta>,
    /// Only adds evidence; never required.
    pub optional: bool,
    /// The count applies per distinct value of these paths.
    pub group_by: Vec<FieldPath>,
}

/// What a context fact does to an incident.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// One level more confident.
    Raise,
    /// One level less confident.
    Lower,
    /// No incident without the fact.
    Require,
    /// No incident with the fact.
    Exclude,
}

/// One `[[context]]` fact: looked for anywhere (any time) in the incident's nodes.
#[derive(Clone, Debug)]
pub struct ContextRule {
    /// Kinds of event that can be the fact.
    pub kinds: Vec<Kind>,
    /// What the fact's fields must satisfy.
    pub filter: Filter,
    /// `None`: any time. `Some(w)`: only facts from `w` before the incident's start
    /// until its end (e.g. "a clean shutdown shortly before this boot").
    pub within: Option<TimeDelta>,
    /// What the fact does to the match (raise, lower, require, exclude).
    pub effect: Effect,
    /// Reason template (`{node}` and the fact's fields).
    pub reason: String,
}

/// One `[[caused_by]]` link.
#[derive(Clone, Debug)]
pub struct CausedBy {
    /// Causing signature id.
    pub signature: String,
    /// How long before this incident's start the cause may have started.
    pub within: TimeDelta,
}

/// `[startup]`: the start-up phase of a component, when first-step matches are
/// expected chatter (a kubelet prints "PLEG is not healthy" before its first relist).
/// First-step events within `grace` after a start of a named component on the same
/// node, or within `grace` of the first event of a run of `state` events, neither
/// trigger nor count; matches that persist or recur past the grace still do.
#[derive(Clone, Debug)]
pub struct Startup {
    /// Component names as written (`kubelet`, `containerd`, `node`...).
    pub components: Vec<String>,
    /// The events that mark those components' starts.
    pub markers: Vec<Marker>,
    /// How long after a start matches are start-up chatter.
    pub grace: TimeDelta,
    /// First-step events that are start-up states by themselves: the first of each
    /// run (split at the signature's `gap`) marks a start.
    pub state: Option<Filter>,
}

/// Events of these kinds passing the filter mark a component start.
#[derive(Clone, Debug)]
pub struct Marker {
    /// Kinds of event that can fill this step.
    pub kinds: Vec<Kind>,
    /// What the step's events must satisfy.
    pub filter: Filter,
}

/// One `[[example]]`: input files and what this signature must find in them.
#[derive(Clone, Debug)]
pub struct Example {
    /// Shown in `signatures test` output and as the test's name.
    pub name: String,
    /// Expected number of incidents of this signature.
    pub incidents: usize,
    /// Expected nodes (union over those incidents, sorted).
    pub nodes: Vec<String>,
    /// `(path, text)` pairs.
    pub inputs: Vec<(String, String)>,
}

/// A checked, compiled signature.
#[derive(Clone, Debug)]
pub struct Signature {
    /// Id (file name).
    pub id: String,
    /// File it came from (display path).
    pub origin: String,
    /// One line naming the root cause, the incident's heading in reports.
    pub title: String,
    /// How bad an incident of this signature is.
    pub severity: Severity,
    /// One node per incident, or nodes hit together merged into one incident.
    pub scope: Scope,
    /// Quiet gap that splits first-step events into separate incidents.
    pub gap: TimeDelta,
    /// Confidence before context.
    pub confidence: ConfidenceLevel,
    /// One-line incident summary: a template of `{node}`, `{nodes}`, `{node_count}`,
    /// `{count}` and the first step's event fields.
    pub summary: String,
    /// Why this happens, printed once per signature however many incidents it has.
    pub root_cause: String,
    /// What makes occurrences abnormal rather than a mere mention.
    pub abnormal: String,
    /// Start-up phase to discount, if any.
    pub startup: Option<Startup>,
    /// What to do about it, in order (reports number them).
    pub remediation: Vec<String>,
    /// Public write-ups, issues and docs behind the judgement.
    pub references: Vec<String>,
    /// Signatures whose overlapping incident absorbs this one.
    pub suppressed_by: Vec<String>,
    /// Steps (at least one required step, the first).
    pub steps: Vec<Step>,
    /// Events on the incident's nodes that raise, lower, require or exclude it.
    pub context: Vec<ContextRule>,
    /// Signatures whose incidents may have caused this one: reports chain them.
    pub caused_by: Vec<CausedBy>,
    /// The file's `[[raw]]` rules: regexes over log messages, for what no built-in
    /// grammar reads, producing the `custom.*` events its steps can match.
    pub raw: Vec<crate::scan::CustomRule>,
    /// The file's examples, run by `signatures test` and `cargo test`.
    pub examples: Vec<Example>,
}

/// A loaded set of signatures, sorted by id (ids are unique).
#[derive(Clone, Debug, Default)]
pub struct SignatureSet {
    signatures: Vec<Signature>,
}

impl SignatureSet {
    /// Build a set; later signatures replace earlier ones with the same id.
    pub fn new(signatures: Vec<Signature>) -> SignatureSet {
        let mut by_id = std::collections::BTreeMap::new();
        for signature in signatures {
            by_id.insert(signature.id.clone(), signature);
        }
        SignatureSet {
            signatures: by_id.into_values().collect(),
        }
    }

    /// All signatures, by id.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// The signature with this id.
    pub fn get(&self, id: &str) -> Option<&Signature> {
        self.signatures
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .ok()
            .and_then(|i| self.signatures.get(i))
    }

    /// Number of signatures.
    pub fn len(&self) -> usize {
        self.signatures.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.signatures.is_empty()
    }
}

/// A problem in a signature file, rendered `file:line:col: message`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Display path of the file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// Every `[[raw]]` rule of the set, in signature order.
pub fn raw_rules(set: &SignatureSet) -> Vec<crate::scan::CustomRule> {
    set.signatures()
        .iter()
        .flat_map(|s| s.raw.iter().cloned())
        .collect()
}

/// The set's `[[raw]]` rules as the scanner runs them.
pub fn custom_rules(set: &SignatureSet) -> crate::scan::CustomRules {
    crate::scan::CustomRules {
        rules: raw_rules(set),
    }
}
