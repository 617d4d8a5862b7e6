//! Fields as events keep them: one allocation per event holding every (name, value)
//! pair, names as two-byte ids and text inline. A busy node gives hundreds of
//! thousands of events; this keeps their fields at tens of bytes each.
//!
//! Grammars build [`Fields`] (easy to change); the scanner packs them once the event
//! is complete, and readers unpack what they look at.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use serde::{Deserialize, Serialize};

use super::{Fields, Value};

/// Field names by id: every name ever packed gets the next id (names are few: the
/// declared fields of the built-in kinds plus user rules' capture names).
struct Names {
    by_id: Vec<&'static str>,
    ids: HashMap<&'static str, u16>,
}

fn names() -> &'static RwLock<Names> {
    static NAMES: OnceLock<RwLock<Names>> = OnceLock::new();
    NAMES.get_or_init(|| {
        RwLock::new(Names {
            by_id: Vec::new(),
            ids: HashMap::new(),
        })
    })
}

fn id_of(name: &'static str) -> Option<u16> {
    if let Some(&id) = names()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .ids
        .get(name)
    {
        return Some(id);
    }
    let mut all = names().write().unwrap_or_else(|e| e.into_inner());
    if let Some(&id) = all.ids.get(name) {
        return Some(id);
    }
    let id = u16::try_from(all.by_id.len()).ok()?;
    all.by_id.push(name);
    all.ids.insert(name, id);
    Some(id)
}

fn known_id(name: &str) -> Option<u16> {
    names()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .ids
        .get(name)
        .copied()
}

fn name_of(id: u16) -> &'static str {
    names()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .by_id
        .get(usize::from(id))
        .copied()
        .unwrap_or("")
}

const FALSE: u8 = 0;
const TRUE: u8 = 1;
const INT: u8 = 2;
const FLOAT: u8 = 3;
const STR: u8 = 4;
const JSON: u8 = 5;

/// An event's fields, packed: `[id u16][tag u8][payload]...` in name order. Equal
/// fields pack to equal bytes.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct PackedFields(Option<Box<[u8]>>);

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn take_len(bytes: &[u8], at: &mut usize) -> Option<usize> {
    let mut n = 0usize;
    for shift in (0..35).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

fn take<'b>(bytes: &'b [u8], at: &mut usize, n: usize) -> Option<&'b [u8]> {
    let out = bytes.get(*at..at.checked_add(n)?)?;
    *at += n;
    Some(out)
}

impl PackedFields {
    /// Pack `fields`; a name past the 65,536th distinct field name is dropped rather
    /// than mislabelled.
    pub fn pack(fields: &Fields) -> PackedFields {
        if fields.is_empty() {
            return PackedFields(None);
        }
        let mut out = Vec::with_capacity(fields.len() * 12);
        for (name, value) in fields.iter() {
            // 65,536 distinct field names would take a user rule set of absurd size;
            // past that a name is dropped rather than mislabelled.
            let Some(id) = id_of(name) else { continue };
            out.extend_from_slice(&id.to_le_bytes());
            match value {
                Value::Bool(false) => out.push(FALSE),
                Value::Bool(true) => out.push(TRUE),
                Value::Int(n) => {
                    out.push(INT);
                    out.extend_from_slice(&n.to_le_bytes());
                }
                Value::Float(x) => {
                    out.push(FLOAT);
                    out.extend_from_slice(&x.to_le_bytes());
                }
                Value::Str(s) => {
                    out.push(STR);
                    put_len(&mut out, s.len());
                    out.extend_from_slice(s.as_bytes());
                }
                Value::Json(j) => {
                    let text = j.to_string();
                    out.push(JSON);
                    put_len(&mut out, text.len());
                    out.extend_from_slice(text.as_bytes());
                }
            }
        }
        PackedFields(Some(out.into_boxed_slice()))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_deref().unwrap_or_default()
    }

    /// Walk the entries undecoded: `(id, tag, payload bytes)` in order. Packed bytes
    /// are only ever written by [`PackedFields::pack`]; a malformed tail ends the walk.
    fn raw_entries(&self) -> impl Iterator<Item = (u16, u8, &[u8])> + '_ {
        let bytes = self.bytes();
        let mut at = 0usize;
        std::iter::from_fn(move || {
            let id = take(bytes, &mut at, 2)?;
            let id = u16::from_le_bytes([*id.first()?, *id.get(1)?]);
            let tag = *take(bytes, &mut at, 1)?.first()?;
            let payload = match tag {
                FALSE | TRUE => &[][..],
                INT | FLOAT => take(bytes, &mut at, 8)?,
                STR | JSON => {
                    let n = take_len(bytes, &mut at)?;
                    take(bytes, &mut at, n)?
                }
                _ => return None,
            };
            Some((id, tag, payload))
        })
    }

    /// The entries decoded: `(id, value)` pairs in order.
    fn entries(&self) -> impl Iterator<Item = (u16, Value)> + '_ {
        self.raw_entries()
            .filter_map(|(id, tag, payload)| Some((id, decode(tag, payload)?)))
    }

    /// The fields, unpacked into a new [`Fields`] (for callers that read many fields or
    /// change them).
    pub fn unpack(&self) -> Fields {
        self.entries().map(|(id, v)| (name_of(id), v)).collect()
    }

    /// The value of `name`, decoded: a linear walk over the packed bytes, and an owned
    /// copy.
    pub fn get(&self, name: &str) -> Option<Value> {
        let id = known_id(name)?;
        // Only the entry asked for is decoded (conditions look up one field of many).
        self.raw_entries()
            .find(|(k, _, _)| *k == id)
            .and_then(|(_, tag, payload)| decode(tag, payload))
    }

    /// Whether `name` is set.
    pub fn contains_key(&self, name: &str) -> bool {
        known_id(name).is_some_and(|id| self.raw_entries().any(|(k, _, _)| k == id))
    }

    /// The text of `name`, when it is text.
    pub fn get_str(&self, name: &str) -> Option<String> {
        self.get(name).and_then(|v| v.as_str().map(str::to_string))
    }

    /// Field names, in name order (the order they are packed in).
    pub fn keys(&self) -> Vec<&'static str> {
        self.raw_entries().map(|(id, _, _)| name_of(id)).collect()
    }

    /// The packed bytes, to be kept elsewhere and read back by [`PackedFields::from_bytes`].
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes()
    }

    /// Fields from bytes [`PackedFields::as_bytes`] gave.
    pub fn from_bytes(bytes: &[u8]) -> PackedFields {
        if bytes.is_empty() {
            PackedFields(None)
        } else {
            PackedFields(Some(bytes.into()))
        }
    }

    /// Whether there are none (empty fields take no allocation).
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

/// One packed value.
fn decode(tag: u8, payload: &[u8]) -> Option<Value> {
    Some(match tag {
        FALSE => Value::Bool(false),
        TRUE => Value::Bool(true),
        INT => Value::Int(i64::from_le_bytes(payload.try_into().ok()?)),
        FLOAT => Value::Float(f64::from_le_bytes(payload.try_into().ok()?)),
        STR => Value::from(String::from_utf8_lossy(payload)),
        JSON => {
            let text = String::from_utf8_lossy(payload);
            serde_json::from_str::<serde_json::Value>(&text)
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(text))
        }
        _ => return None,
    })
}

impl From<Fields> for PackedFields {
    fn from(fields: Fields) -> PackedFields {
        PackedFields::pack(&fields)
    }
}

impl From<&Fields> for PackedFields {
    fn from(fields: &Fields) -> PackedFields {
        PackedFields::pack(fields)
    }
}

impl std::fmt::Debug for PackedFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.unpack(), f)
    }
}

impl Serialize for PackedFields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.unpack().serialize(s)
    }
}

impl<'de> Deserialize<'de> for PackedFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PackedFields, D::Error> {
        Fields::deserialize(d).map(|f| PackedFields::pack(&f))
    }
}

/// Read access to fields, packed or not: conditions of signatures evaluate on both.
pub trait FieldSource {
    /// The value of `name`: borrowed when the fields are unpacked.
    fn field(&self, name: &str) -> Option<Cow<'_, Value>>;
}

impl FieldSource for Fields {
    fn field(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.get(name).map(Cow::Borrowed)
    }
}

impl FieldSource for PackedFields {
    fn field(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.get(name).map(Cow::Owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn packing_keeps_every_value_and_the_json_shape() {
        let fields: Fields = [
            ("pid", Value::from(4242u64)),
            ("process", Value::from("java")),
            ("pods", Value::from(json!([{"name": "a", "uid": null}]))),
            ("ratio", Value::from(0.25)),
            ("fatal", Value::from(true)),
            ("neg", Value::from(-3i64)),
            ("output", Value::from("x".repeat(300))),
        ]
        .into_iter()
        .collect();
        let packed = PackedFields::pack(&fields);
        assert_eq!(packed.unpack(), fields);
        assert_eq!(
            serde_json::to_string(&packed).unwrap(),
            serde_json::to_string(&fields).unwrap()
        );
        assert_eq!(packed.get("pid"), Some(Value::Int(4242)));
        assert_eq!(packed.get_str("process").as_deref(), Some("java"));
        assert!(packed.get("missing").is_none());
        assert_eq!(packed.keys(), fields.keys().collect::<Vec<_>>());
        // Packed, the seven fields take a fraction of their unpacked size.
        assert!(packed.bytes().len() < 7 * 40 + 300);
        assert!(PackedFields::pack(&Fields::new()).is_empty());
    }
}
