//! Version 1 of the signature file format (see `docs/signatures.md`): typed,
//! `deny_unknown_fields` everywhere, spans kept on everything `compile` checks.

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

use crate::envelope::Level;
use crate::signatures::Severity;

/// A whole signature file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSignature {
    /// Format version (always 1 here).
    pub version: Spanned<i64>,
    /// Id; must equal the file name.
    pub id: Spanned<String>,
    /// `title`: one line naming the root cause, printed as the incident's heading.
    pub title: String,
    /// How bad an incident of this signature is (`critical` ... `low`).
    pub severity: Severity,
    /// `node` (default) or `cluster`.
    #[serde(default)]
    pub scope: Option<RawScope>,
    /// Cluster scope: how close node matches must be to merge.
    #[serde(default)]
    pub window: Option<Spanned<String>>,
    /// Quiet gap that splits first-step events into separate incidents.
    #[serde(default)]
    pub gap: Option<Spanned<String>>,
    /// Confidence before context facts.
    #[serde(default)]
    pub confidence: Option<RawConfidence>,
    /// `summary`: a template; its span lets `compile` point at an unknown placeholder.
    pub summary: Spanned<String>,
    /// `root_cause`: prose; the line breaks of a multi-line string become spaces when
    /// compiled.
    pub root_cause: String,
    /// What makes occurrences abnormal rather than a mere mention (start-up chatter,
    /// transient states): the judgement the matching encodes, in prose. Required;
    /// `compile` reports its absence with the file's location.
    #[serde(default)]
    pub abnormal: Option<String>,
    /// Start-up phase whose first-step matches are chatter.
    #[serde(default)]
    pub startup: Option<Spanned<RawStartup>>,
    /// `remediation`: what to do, in order.
    #[serde(default)]
    pub remediation: Vec<String>,
    /// Public write-ups, issues and docs behind the judgement.
    #[serde(default)]
    pub references: Vec<String>,
    /// Signatures whose overlapping incident absorbs this one.
    #[serde(default)]
    pub suppressed_by: Vec<Spanned<String>>,
    /// The `[[match]]` tables, in order: the first starts an incident and cannot be
    /// optional.
    #[serde(rename = "match", default)]
    pub steps: Vec<RawStep>,
    /// `[[context]]` facts that raise, lower, require or exclude an incident.
    #[serde(default)]
    pub context: Vec<RawContext>,
    /// `[[caused_by]]`: signatures whose incidents may have caused this one.
    #[serde(default)]
    pub caused_by: Vec<RawCausedBy>,
    /// `[[raw]]` rules: regexes over log messages that define `custom.*` event kinds.
    #[serde(default)]
    pub raw: Vec<RawLineRule>,
    /// `[[example]]`s: each runs through the real scanner as a named test.
    #[serde(rename = "example", default)]
    pub examples: Vec<RawExample>,
}

/// `scope = "node" | "cluster"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawScope {
    /// All steps on one node.
    Node,
    /// Node matches merged across nodes.
    Cluster,
}

/// `confidence = "high" | "medium" | "low"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawConfidence {
    /// Plausible: the pattern fits, nothing confirms it.
    Low,
    /// Likely: the pattern fits as the signature expects (the default).
    Medium,
    /// Confirmed: the pattern is conclusive without any context fact.
    High,
}

/// `event = "kind"` or `event = ["kind", ...]`.
#[derive(Debug, Clone, Deserialize)]
// `expecting` replaces serde's "did not match any variant of untagged enum" (a Rust
// type name) with what the signature author must write.
#[serde(
    untagged,
    expecting = "an event kind name (\"kernel.oom_kill\") or a list of them"
)]
pub enum OneOrMany {
    /// One kind.
    One(String),
    /// Any of several kinds.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The names, in order.
    pub fn names(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A `where` table: dotted path → condition.
pub type RawWhere = BTreeMap<Spanned<String>, Spanned<RawCondition>>;

/// One `[[match]]` step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// `event`: the kind or kinds (any of) an event must have to fill the step.
    pub event: Spanned<OneOrMany>,
    /// Conditions that must all hold.
    #[serde(rename = "where", default)]
    pub filter: RawWhere,
    /// Alternative condition tables, one of which must hold.
    #[serde(default)]
    pub any_of: Vec<RawWhere>,
    /// At least this many events.
    #[serde(default)]
    pub count: Option<Spanned<i64>>,
    /// Window for the count / after the previous step.
    #[serde(default)]
    pub within: Option<Spanned<String>>,
    /// `optional = true`: the step only adds evidence; an incident never needs it.
    #[serde(default)]
    pub optional: bool,
    /// Count per distinct value of these paths.
    #[serde(default)]
    pub group_by: Vec<Spanned<String>>,
}

/// `[startup]`: which components' start-up phase to discount, and for how long.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStartup {
    /// Component name(s): `kubelet`, `containerd`, `dockerd`, `crio`, `calico-node`, `node`.
    #[serde(default)]
    pub component: Option<Spanned<OneOrMany>>,
    /// How long after a start first-step matches are start-up chatter.
    pub grace: Spanned<String>,
    /// First-step events that are start-up states by themselves.
    #[serde(default)]
    pub state: Option<RawState>,
}

/// `state = { where = {...}, any_of = [...] }` inside `[startup]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawState {
    /// Conditions that must all hold.
    #[serde(rename = "where", default)]
    pub filter: RawWhere,
    /// Alternatives, one of which must hold.
    #[serde(default)]
    pub any_of: Vec<RawWhere>,
}

/// One `[[context]]` fact.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContext {
    /// `event`: the kind or kinds (any of) the fact may be.
    pub event: Spanned<OneOrMany>,
    /// `where`: conditions that must all hold.
    #[serde(rename = "where", default)]
    pub filter: RawWhere,
    /// `any_of`: condition tables of which one must hold whole (kinds with different fields).
    #[serde(default)]
    pub any_of: Vec<RawWhere>,
    /// Only facts from this long before the incident until its end count.
    #[serde(default)]
    pub within: Option<Spanned<String>>,
    /// `effect`: what the fact's presence or absence does to the incident.
    pub effect: RawEffect,
    /// `reason`: added to the incident's confidence reasons when the fact applies; a
    /// template of `{node}` and the fact's fields.
    pub reason: Spanned<String>,
}

/// `effect = ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawEffect {
    /// One confidence level up when the fact is found.
    Raise,
    /// One confidence level down when the fact is found.
    Lower,
    /// Drop the incident unless the fact is present.
    Require,
    /// Drop the incident if the fact is present.
    Exclude,
}

/// One `[[caused_by]]` link.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCausedBy {
    /// The causing signature id.
    pub signature: Spanned<String>,
    /// How long before this incident it may have started.
    pub within: Spanned<String>,
}

/// One `[[raw]]` rule: a regex over log messages that defines a `custom.*` event kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLineRule {
    /// `custom.<name>`.
    pub kind: Spanned<String>,
    /// Regex over the message; named captures become fields.
    pub regex: Spanned<String>,
    /// Only lines of this program tag.
    #[serde(default)]
    pub app: Option<String>,
    /// Level given to the produced events.
    #[serde(default)]
    pub level: Option<Level>,
}

/// One `[[example]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExample {
    /// Shown in `signatures test` output and as the test's name.
    pub name: String,
    /// `expect`: how many incidents of this signature the inputs give, on which nodes.
    pub expect: RawExpect,
    /// `[[example.input]]` files, scanned together.
    #[serde(rename = "input", default)]
    pub inputs: Vec<RawInput>,
}

/// `expect = { incidents = N, nodes = [...] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    /// Number of incidents of this signature.
    pub incidents: usize,
    /// Nodes named by them.
    #[serde(default)]
    pub nodes: Vec<String>,
}

/// `[[example.input]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInput {
    /// Path inside a pretend bundle (the first component is usually the node).
    pub path: String,
    /// The file's lines, scanned as a log file at `path` would be.
    pub text: String,
}

/// A literal in a condition.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged, expecting = "a string, a number or true/false")]
pub enum RawScalar {
    /// A TOML boolean.
    Bool(bool),
    /// A TOML integer.
    Int(i64),
    /// A TOML float.
    Float(f64),
    /// A TOML string.
    Str(String),
}

/// Operators of a condition table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOps {
    /// `eq`: the field equals this value.
    #[serde(default)]
    pub eq: Option<RawScalar>,
    /// `regex`: the field's text matches (unanchored unless anchored).
    #[serde(default)]
    pub regex: Option<String>,
    /// `gt`: numerically greater than this (a number held as text counts).
    #[serde(default)]
    pub gt: Option<f64>,
    /// `ge`: numerically greater than or equal to this.
    #[serde(default)]
    pub ge: Option<f64>,
    /// `lt`: numerically less than this.
    #[serde(default)]
    pub lt: Option<f64>,
    /// `le`: numerically less than or equal to this.
    #[serde(default)]
    pub le: Option<f64>,
    /// `version_lt`: the value's leading dotted number is below this
    /// (`3.13.0-24-generic` < `4.0`).
    #[serde(default)]
    pub version_lt: Option<String>,
    /// `version_ge`: the value's leading dotted number is at or above this.
    #[serde(default)]
    pub version_ge: Option<String>,
    /// `in` (a Rust keyword, hence the name): equal to one of these literals.
    #[serde(rename = "in", default)]
    pub one_of: Option<Vec<RawScalar>>,
    /// `exists`: the path must reach a value (`true`) or must not (`false`).
    #[serde(default)]
    pub exists: Option<bool>,
}

/// A condition: a bare literal (equality) or an operator table.
#[derive(Debug, Clone)]
pub enum RawCondition {
    /// `field = literal`.
    Equals(RawScalar),
    /// `field = { op = ..., ... }`.
    Ops(RawOps),
}

impl<'de> Deserialize<'de> for RawCondition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ConditionVisitor)
    }
}

struct ConditionVisitor;

impl<'de> Visitor<'de> for ConditionVisitor {
    type Value = RawCondition;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a literal (string, number, bool) or a table of operators")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawCondition, E> {
        Ok(RawCondition::Equals(RawScalar::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawCondition, E> {
        Ok(RawCondition::Equals(RawScalar::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawCondition, E> {
        i64::try_from(v)
            .map(|v| RawCondition::Equals(RawScalar::Int(v)))
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawCondition, E> {
        Ok(RawCondition::Equals(RawScalar::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawCondition, E> {
        Ok(RawCondition::Equals(RawScalar::Str(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawCondition, E> {
        Ok(RawCondition::Equals(RawScalar::Str(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<RawCondition, A::Error> {
        Err(de::Error::custom(
            "a list is not a condition; write `{ in = [...] }` for \"one of\"",
        ))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawCondition, A::Error> {
        RawOps::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawCondition::Ops)
    }
}
