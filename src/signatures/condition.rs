//! Field conditions of `where` tables: a dotted path into an event's fields and the
//! tests its value must pass. Paths walk objects by key and lists with "any element"
//! semantics (`pods.namespace`), or pick one element by index (`pods.0.name`,
//! `pods.first.name`). Values are compared leniently (a number written as a string
//! still compares as a number) because grammars may keep numbers as text.

use regex::Regex;
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

use crate::events::{self, FieldSource};

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// An object key; on a list it applies to every element.
    Key(String),
    /// A list index (`0`, or `first` for 0).
    Index(usize),
}

/// A dotted path into an event's fields, e.g. `pods.0.name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath {
    /// The path as written, for messages.
    pub text: String,
    /// Its segments; never empty.
    pub segments: Vec<Segment>,
}

impl FieldPath {
    /// Parse `a.b.0.c`; `None` when a segment is empty.
    pub fn parse(text: &str) -> Option<FieldPath> {
        let mut segments = Vec::new();
        for part in text.split('.') {
            if part.is_empty() {
                return None;
            }
            let segment = if part == "first" {
                Segment::Index(0)
            } else if let Ok(index) = part.parse::<usize>() {
                Segment::Index(index)
            } else {
                Segment::Key(part.to_string())
            };
            segments.push(segment);
        }
        // The first segment names a field: an index there makes no sense.
        match segments.first() {
            Some(Segment::Key(_)) => Some(FieldPath {
                text: text.to_string(),
                segments,
            }),
            _ => None,
        }
    }

    /// The field name the path starts with.
    pub fn field(&self) -> &str {
        match self.segments.first() {
            Some(Segment::Key(key)) => key,
            _ => "",
        }
    }

    /// Every value the path reaches (lists fan out), skipping JSON nulls. Scalars
    /// are converted to their JSON form; lists and objects are borrowed.
    pub fn resolve<'v, F: FieldSource + ?Sized>(&self, fields: &'v F) -> Vec<Cow<'v, Value>> {
        let Some(first) = fields.field(self.field()) else {
            return Vec::new();
        };
        match first {
            Cow::Borrowed(first) => match first.as_json() {
                Some(json) => self.walk(json).into_iter().map(Cow::Borrowed).collect(),
                None => self.scalar(first),
            },
            Cow::Owned(first) => match first.as_json() {
                Some(json) => self
                    .walk(json)
                    .into_iter()
                    .map(|v| Cow::Owned(v.clone()))
                    .collect(),
                None => self.scalar(&first),
            },
        }
    }

    /// A scalar field is reached by the path of its name alone.
    fn scalar<'v>(&self, value: &events::Value) -> Vec<Cow<'v, Value>> {
        match self.segments.len() {
            1 => vec![Cow::Owned(value.to_json())],
            _ => Vec::new(),
        }
    }

    /// The leaves the rest of the path reaches inside a list or object field.
    fn walk<'j>(&self, json: &'j Value) -> Vec<&'j Value> {
        let mut current: Vec<&'j Value> = vec![json];
        for segment in self.segments.iter().skip(1) {
            let mut next = Vec::new();
            for value in current {
                step_into(value, segment, &mut next);
            }
            current = next;
        }
        // A list at the end of the path stands for its elements.
        let mut leaves = Vec::new();
        for value in current {
            match value {
                Value::Array(items) => leaves.extend(items.iter().filter(|v| !v.is_null())),
                Value::Null => {}
                other => leaves.push(other),
            }
        }
        leaves
    }
}

fn step_into<'v>(value: &'v Value, segment: &Segment, out: &mut Vec<&'v Value>) {
    match (value, segment) {
        (Value::Object(map), Segment::Key(key)) => out.extend(map.get(key)),
        (Value::Array(items), Segment::Index(index)) => out.extend(items.get(*index)),
        (Value::Array(items), Segment::Key(_)) => {
            for item in items {
                step_into(item, segment, out);
            }
        }
        _ => {}
    }
}

/// A literal in a signature file: string, integer, float or bool.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// A text value; numbers written as text still compare numerically (`"83%"`).
    Str(String),
    /// A number (integers are kept exactly up to 2^53).
    Num(f64),
    /// A boolean; a field holding `"true"` or `"false"` as text equals it too.
    Bool(bool),
}

impl Scalar {
    /// Equality against a field value: strings exactly, numbers numerically (also
    /// when the field holds the number as text), booleans exactly.
    pub fn matches(&self, value: &Value) -> bool {
        match self {
            Scalar::Str(s) => match value {
                Value::String(v) => v == s,
                Value::Number(_) | Value::Bool(_) => value.to_string().as_str() == s.as_str(),
                _ => false,
            },
            Scalar::Num(n) => number(value).is_some_and(|v| v == *n),
            Scalar::Bool(b) => match value {
                Value::Bool(v) => v == b,
                Value::String(v) => v == if *b { "true" } else { "false" },
                _ => false,
            },
        }
    }
}

/// One test on a resolved value.
#[derive(Clone, Debug)]
pub enum Test {
    /// Equal to a literal, leniently as [`Scalar::matches`] compares.
    Eq(Scalar),
    /// The text form matches the regex (unanchored unless the regex anchors itself).
    Regex(Regex),
    /// Numerically greater than.
    Gt(f64),
    /// Numerically greater than or equal.
    Ge(f64),
    /// Numerically less than.
    Lt(f64),
    /// Numerically less than or equal.
    Le(f64),
    /// Dotted numeric prefix below (`3.13.0-24-generic` < `4.0`).
    VersionLt(Vec<u64>),
    /// Dotted numeric prefix at or above.
    VersionGe(Vec<u64>),
    /// Equal to one of the literals.
    In(Vec<Scalar>),
}

impl Test {
    fn holds(&self, value: &Value) -> bool {
        match self {
            Test::Eq(scalar) => scalar.matches(value),
            Test::Regex(re) => text(value).is_some_and(|t| re.is_match(&t)),
            Test::Gt(n) => number(value).is_some_and(|v| v > *n),
            Test::Ge(n) => number(value).is_some_and(|v| v >= *n),
            Test::Lt(n) => number(value).is_some_and(|v| v < *n),
            Test::Le(n) => number(value).is_some_and(|v| v <= *n),
            Test::VersionLt(bound) => {
                version_of(value).is_some_and(|v| compare_versions(&v, bound) == Ordering::Less)
            }
            Test::VersionGe(bound) => {
                version_of(value).is_some_and(|v| compare_versions(&v, bound) != Ordering::Less)
            }
            Test::In(options) => options.iter().any(|o| o.matches(value)),
        }
    }
}

/// A path and the tests one of its values must pass together; `exists` checks
/// presence only.
#[derive(Clone, Debug)]
pub struct Condition {
    /// Where the value is.
    pub path: FieldPath,
    /// Tests that must all hold on the same value (any element of a list).
    pub tests: Vec<Test>,
    /// `Some(true)`: the path must reach a value; `Some(false)`: it must not.
    pub exists: Option<bool>,
}

impl Condition {
    /// Whether the event's fields satisfy this condition.
    pub fn holds<F: FieldSource + ?Sized>(&self, fields: &F) -> bool {
        let values = self.path.resolve(fields);
        if let Some(expected) = self.exists {
            if values.is_empty() == expected {
                return false;
            }
            if self.tests.is_empty() {
                return true;
            }
        }
        values
            .iter()
            .any(|value| self.tests.iter().all(|test| test.holds(value)))
    }
}

/// A `where` table (all conditions) plus `any_of` alternatives (at least one whole
/// table must hold, when any are given).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Conditions that must all hold.
    pub all: Vec<Condition>,
    /// Alternative condition sets; one must hold entirely.
    pub any_of: Vec<Vec<Condition>>,
}

impl Filter {
    /// Whether the event's fields pass the filter.
    pub fn matches<F: FieldSource + ?Sized>(&self, fields: &F) -> bool {
        self.all.iter().all(|c| c.holds(fields))
            && (self.any_of.is_empty()
                || self
                    .any_of
                    .iter()
                    .any(|set| set.iter().all(|c| c.holds(fields))))
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('%').trim().parse().ok(),
        _ => None,
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

fn version_of(value: &Value) -> Option<Vec<u64>> {
    text(value).and_then(|t| parse_version(&t))
}

/// The dotted numeric prefix of a version string: `3.13.0-24-generic` → `[3, 13, 0]`,
/// `v4.9` → `[4, 9]`. `None` when it does not start with a number.
pub fn parse_version(text: &str) -> Option<Vec<u64>> {
    let text = text.trim().trim_start_matches(['v', 'V']);
    let mut parts = Vec::new();
    for piece in text.split('.') {
        let digits: String = piece.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            break;
        }
        parts.push(digits.parse().ok()?);
        if digits.len() != piece.len() {
            break;
        }
    }
    (!parts.is_empty()).then_some(parts)
}

/// Compare dotted versions, missing trailing parts counting as zero (`4` == `4.0`).
pub fn compare_versions(a: &[u64], b: &[u64]) -> Ordering {
    let len = a.len().max(b.len());
    for i in 0..len {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        match x.cmp(&y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Fields;
    use serde_json::json;

    fn fields(value: Value) -> Fields {
        match value {
            Value::Object(map) => {
                let mut fields = Fields::new();
                for (k, v) in map {
                    fields.insert_named(&k, v);
                }
                fields
            }
            _ => Fields::new(),
        }
    }

    fn cond(path: &str, tests: Vec<Test>) -> Condition {
        Condition {
            path: FieldPath::parse(path).unwrap(),
            tests,
            exists: None,
        }
    }

    fn ranked() -> Fields {
        fields(json!({"pods": [
            {"name": "kube-proxy-10.0.0.1", "namespace": "kube-system", "uid": "dc6bd3a06883f50ce46d35fd024f66f2"},
            {"name": "web-5d8f", "namespace": "default", "uid": "5f8ffd48-e9fe-4273-9937-1e4e6788e437"}
        ]}))
    }

    #[test]
    fn any_element_path_matches_a_later_element() {
        let c = cond(
            "pods.namespace",
            vec![Test::Eq(Scalar::Str("default".into()))],
        );
        assert!(c.holds(&ranked()));
        let c = cond(
            "pods.namespace",
            vec![Test::Eq(Scalar::Str("monitoring".into()))],
        );
        assert!(!c.holds(&ranked()));
    }

    #[test]
    fn first_element_path_only_looks_at_index_zero() {
        let re = Test::Regex(Regex::new("^kube-proxy").unwrap());
        assert!(cond("pods.0.name", vec![re.clone()]).holds(&ranked()));
        assert!(cond("pods.first.name", vec![re.clone()]).holds(&ranked()));
        assert!(!cond("pods.1.name", vec![re]).holds(&ranked()));
    }

    #[test]
    fn all_tests_must_hold_on_the_same_element() {
        // namespace=default and name ^kube-proxy hold on different elements only.
        let c = cond(
            "pods.name",
            vec![Test::Regex(Regex::new("^kube-proxy").unwrap())],
        );
        assert!(c.holds(&ranked()));
        let both = cond(
            "pods.uid",
            vec![
                Test::Regex(Regex::new("^[0-9a-f]{32}$").unwrap()),
                Test::Regex(Regex::new("-").unwrap()),
            ],
        );
        assert!(!both.holds(&ranked()));
    }

    #[test]
    fn numbers_compare_numerically_even_as_text() {
        let f = fields(json!({"used_percent": "83", "seconds": 120}));
        assert!(cond("used_percent", vec![Test::Ge(80.0)]).holds(&f));
        assert!(!cond("used_percent", vec![Test::Gt(83.0)]).holds(&f));
        assert!(cond("seconds", vec![Test::Eq(Scalar::Num(120.0))]).holds(&f));
        assert!(cond("seconds", vec![Test::Eq(Scalar::Str("120".into()))]).holds(&f));
        assert!(cond("seconds", vec![Test::Lt(121.0), Test::Ge(120.0)]).holds(&f));
        let pct = fields(json!({"used_percent": "91%"}));
        assert!(cond("used_percent", vec![Test::Gt(90.0)]).holds(&pct));
    }

    #[test]
    fn kernel_release_versions_compare_by_numeric_prefix() {
        let old = fields(json!({"release": "3.13.0-24-generic"}));
        let new = fields(json!({"release": "4.9.0-6-amd64"}));
        let aws = fields(json!({"release": "4.15.0-1021-aws"}));
        let lt4 = Test::VersionLt(vec![4, 0]);
        assert!(cond("release", vec![lt4.clone()]).holds(&old));
        assert!(!cond("release", vec![lt4.clone()]).holds(&new));
        assert!(cond("release", vec![Test::VersionGe(vec![4, 9])]).holds(&new));
        assert!(!cond("release", vec![Test::VersionLt(vec![4, 9])]).holds(&aws));
        assert!(cond("release", vec![Test::VersionLt(vec![4, 16])]).holds(&aws));
        assert_eq!(parse_version("3.13.0-24-generic"), Some(vec![3, 13, 0]));
        assert_eq!(parse_version("v4.9"), Some(vec![4, 9]));
        assert_eq!(parse_version("generic"), None);
    }

    #[test]
    fn exists_and_in() {
        let f = fields(json!({"memcg": "0b3c1d2e4f", "scope": "global"}));
        let present = Condition {
            path: FieldPath::parse("memcg").unwrap(),
            tests: vec![],
            exists: Some(true),
        };
        let absent = Condition {
            path: FieldPath::parse("task_memcg").unwrap(),
            tests: vec![],
            exists: Some(false),
        };
        assert!(present.holds(&f));
        assert!(absent.holds(&f));
        let options = vec![Scalar::Str("memcg".into()), Scalar::Str("global".into())];
        assert!(cond("scope", vec![Test::In(options)]).holds(&f));
        assert!(!cond("missing", vec![Test::Eq(Scalar::Str("x".into()))]).holds(&f));
    }

    #[test]
    fn bad_paths_are_rejected() {
        assert!(FieldPath::parse("pods..name").is_none());
        assert!(FieldPath::parse("0.name").is_none());
        assert!(FieldPath::parse("").is_none());
    }

    #[test]
    fn filter_any_of_needs_one_whole_set() {
        let filter = Filter {
            all: vec![],
            any_of: vec![
                vec![cond(
                    "namespace",
                    vec![Test::Eq(Scalar::Str("kube-system".into()))],
                )],
                vec![cond(
                    "pods.0.namespace",
                    vec![Test::Eq(Scalar::Str("kube-system".into()))],
                )],
            ],
        };
        assert!(filter.matches(&ranked()));
        let evicted = fields(json!({"pod": "web-5d8f", "namespace": "default"}));
        assert!(!filter.matches(&evicted));
    }
}
