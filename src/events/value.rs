//! Field values of events, stored compactly: a scan of a busy node keeps hundreds of
//! thousands of events, so a field is a static name and a small value (short strings
//! inline, no map per event) rather than a JSON map.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::Sym;

/// One field value. Scalars are stored inline; lists and objects (ranked pods, SLUB
/// per-node counts) keep their JSON form, which few events carry.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number (pids, sizes, counts, seconds).
    Int(i64),
    /// A number with a fraction (ratios, percentages with decimals).
    Float(f64),
    /// Text: up to 24 bytes without an allocation.
    Str(CompactString),
    /// A list, an object or `null`.
    Json(Box<serde_json::Value>),
}

impl Value {
    /// The text, when the value is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Json(j) => j.as_str(),
            _ => None,
        }
    }

    /// The value as a non-negative whole number.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Int(n) => u64::try_from(*n).ok(),
            Value::Json(j) => j.as_u64(),
            _ => None,
        }
    }

    /// The value as a whole number.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::Json(j) => j.as_i64(),
            _ => None,
        }
    }

    /// The value as a number (whole numbers too).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Float(x) => Some(*x),
            Value::Json(j) => j.as_f64(),
            _ => None,
        }
    }

    /// The value as a flag.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Json(j) => j.as_bool(),
            _ => None,
        }
    }

    /// The JSON form of a list or object value.
    pub fn as_json(&self) -> Option<&serde_json::Value> {
        match self {
            Value::Json(j) => Some(j),
            _ => None,
        }
    }

    /// The items, when the value is a list.
    pub fn as_array(&self) -> Option<&Vec<serde_json::Value>> {
        self.as_json().and_then(serde_json::Value::as_array)
    }

    /// Whether the value is JSON `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Json(j) if j.is_null())
    }

    /// The value as JSON (for output and for paths into lists and objects).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Bool(b) => (*b).into(),
            Value::Int(n) => (*n).into(),
            Value::Float(x) => (*x).into(),
            Value::Str(s) => s.as_str().into(),
            Value::Json(j) => (**j).clone(),
        }
    }
}

static NULL: serde_json::Value = serde_json::Value::Null;

/// Into lists, as `serde_json` indexes (`null` when absent).
impl std::ops::Index<usize> for Value {
    type Output = serde_json::Value;
    fn index(&self, i: usize) -> &serde_json::Value {
        self.as_json().and_then(|j| j.get(i)).unwrap_or(&NULL)
    }
}

/// Into objects, as `serde_json` indexes (`null` when absent).
impl std::ops::Index<&str> for Value {
    type Output = serde_json::Value;
    fn index(&self, key: &str) -> &serde_json::Value {
        self.as_json().and_then(|j| j.get(key)).unwrap_or(&NULL)
    }
}

/// As JSON prints it (strings quoted), so that output and comparisons read alike.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(_) | Value::Str(_) => write!(f, "{}", self.to_json()),
            Value::Json(j) => write!(f, "{j}"),
        }
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::String(s) => Value::Str(s.into()),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Value::Int(i),
                (None, Some(x)) if n.as_u64().is_none() => Value::Float(x),
                _ => Value::Json(Box::new(serde_json::Value::Number(n))),
            },
            other => Value::Json(Box::new(other)),
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                match i64::try_from(n) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::Json(Box::new(serde_json::Value::from(n))),
                }
            }
        }
    )*};
}
from_int!(u8, u16, u32, u64, usize, i8, i16, i32, i64);

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.into())
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Str(s.as_str().into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s.into())
    }
}

impl From<std::borrow::Cow<'_, str>> for Value {
    fn from(s: std::borrow::Cow<'_, str>) -> Value {
        Value::Str(s.as_ref().into())
    }
}

/// `None` is JSON `null`, as in `serde_json`.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        match v {
            Some(v) => v.into(),
            None => Value::Json(Box::new(serde_json::Value::Null)),
        }
    }
}

impl<T: Into<serde_json::Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::Json(Box::new(serde_json::Value::from(items)))
    }
}

impl PartialEq<serde_json::Value> for Value {
    fn eq(&self, other: &serde_json::Value) -> bool {
        match (self, other) {
            (Value::Str(a), serde_json::Value::String(b)) => a == b,
            (Value::Json(a), b) => **a == *b,
            (a, b) => a.to_json() == *b,
        }
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<Value> for serde_json::Value {
    fn eq(&self, other: &Value) -> bool {
        other == self
    }
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(n) => s.serialize_i64(*n),
            Value::Float(x) => s.serialize_f64(*x),
            Value::Str(t) => s.serialize_str(t),
            Value::Json(j) => j.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        serde_json::Value::deserialize(d).map(Value::from)
    }
}

/// The fields of one event: (name, value) pairs sorted by name, so that lookups
/// are a binary search and output order is deterministic.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields(Vec<(&'static str, Value)>);

impl Fields {
    /// No fields.
    pub fn new() -> Fields {
        Fields(Vec::new())
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| (*k).cmp(name))
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.position(name)
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, v)| v)
    }

    /// Whether `name` is set.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Set `name`, returning the value it replaced.
    pub fn insert(&mut self, name: &'static str, value: impl Into<Value>) -> Option<Value> {
        let value = value.into();
        match self.position(name) {
            Ok(i) => self
                .0
                .get_mut(i)
                .map(|slot| std::mem::replace(&mut slot.1, value)),
            Err(i) => {
                self.0.insert(i, (name, value));
                None
            }
        }
    }

    /// Set a field whose name is not a literal (user rules' capture names, read
    /// events): the name is interned.
    pub fn insert_named(&mut self, name: &str, value: impl Into<Value>) -> Option<Value> {
        self.insert(Sym::new(name).as_str(), value)
    }

    /// The value of `name`, to change in place.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        let i = self.position(name).ok()?;
        self.0.get_mut(i).map(|(_, v)| v)
    }

    /// Set `name` only when it is not set yet.
    pub fn insert_missing(&mut self, name: &'static str, value: Value) {
        if let Err(i) = self.position(name) {
            self.0.insert(i, (name, value));
        }
    }

    /// Remove `name`.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.position(name).ok().map(|i| self.0.remove(i).1)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    /// The field names in order.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(k, _)| *k)
    }

    /// The fields as a JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.iter()
                .map(|(k, v)| (k.to_string(), v.to_json()))
                .collect(),
        )
    }
}

impl std::ops::Index<&str> for Fields {
    type Output = Value;
    /// Panics when the field is missing, as maps do; for tests and known fields.
    fn index(&self, name: &str) -> &Value {
        match self.get(name) {
            Some(v) => v,
            None => panic!("no field {name:?}"),
        }
    }
}

impl IntoIterator for Fields {
    type Item = (&'static str, Value);
    type IntoIter = std::vec::IntoIter<(&'static str, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Later values replace earlier ones, as with maps.
impl Extend<(&'static str, Value)> for Fields {
    fn extend<I: IntoIterator<Item = (&'static str, Value)>>(&mut self, items: I) {
        for (k, v) in items {
            self.insert(k, v);
        }
    }
}

impl FromIterator<(&'static str, Value)> for Fields {
    fn from_iter<I: IntoIterator<Item = (&'static str, Value)>>(items: I) -> Fields {
        let mut fields = Fields::new();
        for (k, v) in items {
            fields.insert(k, v);
        }
        fields
    }
}

/// From a JSON object's entries (names interned).
impl FromIterator<(String, serde_json::Value)> for Fields {
    fn from_iter<I: IntoIterator<Item = (String, serde_json::Value)>>(items: I) -> Fields {
        let mut fields = Fields::new();
        for (k, v) in items {
            fields.insert_named(&k, v);
        }
        fields
    }
}

impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (*k, v)))
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
        let map = std::collections::BTreeMap::<String, Value>::deserialize(d)?;
        let mut fields = Fields::new();
        for (k, v) in map {
            fields.insert_named(&k, v);
        }
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_keep_name_order_and_json_shape() {
        let mut f = Fields::new();
        f.insert("pid", 4242u64);
        f.insert("comm", "java");
        f.insert("pods", json!([{"name": "a"}]));
        f.insert("ratio", 0.5);
        assert_eq!(
            f.keys().collect::<Vec<_>>(),
            ["comm", "pid", "pods", "ratio"]
        );
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"comm":"java","pid":4242,"pods":[{"name":"a"}],"ratio":0.5}"#
        );
        let back: Fields = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(back, f);
        assert_eq!(f["pid"], json!(4242));
        assert_eq!(f.get("comm").and_then(Value::as_str), Some("java"));
        assert_eq!(f.insert("pid", 7u32), Some(Value::Int(4242)));
    }

    #[test]
    fn a_short_string_value_needs_no_allocation() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        let Value::Str(s) = Value::from("calico-node-5x8kq") else {
            panic!("not text")
        };
        assert!(!s.is_heap_allocated());
    }
}
