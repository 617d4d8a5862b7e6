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

use super::varint::{put_bytes, put_varint, take_bytes, take_varint, varint_size};
use super::{Fields, LineText, MapId, Value};

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
/// Text cited from the anchor's mapping: `[start varint][len varint]`, start relative
/// to the anchor.
const SLICE: u8 = 6;

/// Leading byte of a blob whose values are all inline.
const PLAIN: u8 = 0;
/// Leading byte of a blob followed by its anchor `[map id varint][offset varint]`.
const ANCHORED: u8 = 1;

/// Shortest text worth citing: a slice costs its start varint instead of the text, so
/// shorter values save a byte or two at the price of a search.
const MIN_SLICE: usize = 8;

/// An event's fields, packed: a format byte ([`PLAIN`], or [`ANCHORED`] and the
/// anchor), then `[id u16][tag u8][payload]...` in name order. Text that lies in
/// the event's own mapped line may be a [`SLICE`] of it instead of a copy. Equal
/// fields are equal (and hash alike) however they are kept.
#[derive(Clone, Default)]
pub struct PackedFields(Option<Box<[u8]>>);

fn take<'b>(bytes: &'b [u8], at: &mut usize, n: usize) -> Option<&'b [u8]> {
    let out = bytes.get(*at..at.checked_add(n)?)?;
    *at += n;
    Some(out)
}

/// Append one `(id, value)` entry, values inline.
fn put_entry(out: &mut Vec<u8>, id: u16, value: &Value) {
    match value {
        Value::Bool(b) => put_raw(out, id, if *b { TRUE } else { FALSE }, &[]),
        Value::Int(n) => put_raw(out, id, INT, &n.to_le_bytes()),
        Value::Float(x) => put_raw(out, id, FLOAT, &x.to_le_bytes()),
        Value::Str(s) => put_raw(out, id, STR, s.as_bytes()),
        Value::Json(j) => put_raw(out, id, JSON, j.to_string().as_bytes()),
    }
}

/// Append a raw entry as walked by [`PackedFields::raw_entries`] (`payload` of
/// `STR`/`JSON` without its length).
fn put_raw(out: &mut Vec<u8>, id: u16, tag: u8, payload: &[u8]) {
    out.extend_from_slice(&id.to_le_bytes());
    out.push(tag);
    if matches!(tag, STR | JSON) {
        put_bytes(out, payload);
    } else {
        out.extend_from_slice(payload);
    }
}

/// Where a blob's slices point: a mapping and an absolute offset in it.
#[derive(Copy, Clone)]
struct Anchor {
    map: MapId,
    at: u64,
}

impl Anchor {
    /// `f` of a slice's text, read in place; `None` when the mapping does not hold it.
    fn with_text<R>(self, payload: &[u8], f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let mut pos = 0;
        let start = take_varint(payload, &mut pos)?;
        let len = u32::try_from(take_varint(payload, &mut pos)?).ok()?;
        self.map.with_bytes(self.at.checked_add(start)?, len, f)
    }
}

impl PackedFields {
    /// Pack `fields`; a name past the 65,536th distinct field name is dropped rather
    /// than mislabelled.
    pub fn pack(fields: &Fields) -> PackedFields {
        let mut out = Vec::with_capacity(1 + fields.len() * 12);
        out.push(PLAIN);
        for (name, value) in fields.iter() {
            // 65,536 distinct field names would take a user rule set of absurd size;
            // past that a name is dropped rather than mislabelled.
            let Some(id) = id_of(name) else { continue };
            put_entry(&mut out, id, value);
        }
        if out.len() == 1 {
            return PackedFields(None);
        }
        PackedFields(Some(out.into_boxed_slice()))
    }

    /// Cite text values that occur verbatim in `region` (bytes of `map` from offset
    /// `at`: the event's own line or record) instead of keeping copies, when that
    /// saves more than the anchor costs. Reading back gives the same values as long
    /// as the mapping stays registered (it does for the run).
    pub fn anchor(&mut self, map: MapId, at: u64, region: &[u8]) {
        if self.is_empty() || u32::try_from(region.len()).is_err() {
            return;
        }
        let (None, entries) = self.parts() else {
            return;
        };
        let mut out = Vec::with_capacity(entries.len());
        out.push(ANCHORED);
        put_varint(&mut out, u64::from(map.index()));
        put_varint(&mut out, at);
        let cost = out.len() - 1;
        let mut saved = 0usize;
        for (id, tag, payload) in self.raw_entries() {
            match find_slice(tag, payload, region) {
                Some(start) => {
                    out.extend_from_slice(&id.to_le_bytes());
                    out.push(SLICE);
                    put_varint(&mut out, start as u64);
                    put_varint(&mut out, payload.len() as u64);
                    saved += payload.len().saturating_sub(varint_size(start as u64));
                }
                None => put_raw(&mut out, id, tag, payload),
            }
        }
        if saved > cost {
            self.0 = Some(out.into_boxed_slice());
        }
    }

    /// [`PackedFields::anchor`] to an event's text once the scanner has cited it from
    /// `map`: `data` are the bytes of `map` from offset `base`.
    pub fn anchor_to_text(&mut self, text: &LineText, map: MapId, data: &[u8], base: u64) {
        let Some((text_map, offset, len)) = text.mapped_region() else {
            return;
        };
        let start = offset
            .checked_sub(base)
            .and_then(|s| usize::try_from(s).ok());
        let region = start
            .and_then(|s| data.get(s..))
            .and_then(|rest| rest.get(..usize::try_from(len).ok()?));
        if let (true, Some(region)) = (text_map == map, region) {
            self.anchor(map, offset, region);
        }
    }

    fn blob(&self) -> &[u8] {
        self.0.as_deref().unwrap_or_default()
    }

    /// The anchor (if any) and the entry bytes. A malformed header reads as no
    /// entries.
    fn parts(&self) -> (Option<Anchor>, &[u8]) {
        let blob = self.blob();
        let rest = blob.get(1..).unwrap_or_default();
        match blob.first() {
            Some(&ANCHORED) => {
                let mut at = 0;
                let anchor = take_varint(rest, &mut at)
                    .and_then(|m| u32::try_from(m).ok())
                    .zip(take_varint(rest, &mut at));
                match anchor {
                    Some((map, offset)) => (
                        Some(Anchor {
                            map: MapId::from_index(map),
                            at: offset,
                        }),
                        rest.get(at..).unwrap_or_default(),
                    ),
                    None => (None, &[]),
                }
            }
            Some(&PLAIN) => (None, rest),
            _ => (None, &[]),
        }
    }

    /// Walk the entries undecoded: `(id, tag, payload bytes)` in order; a slice's
    /// payload is its two varints, unread. Packed bytes are only ever written here;
    /// a malformed tail ends the walk.
    fn raw_entries(&self) -> impl Iterator<Item = (u16, u8, &[u8])> + '_ {
        let (_, bytes) = self.parts();
        let mut at = 0usize;
        std::iter::from_fn(move || {
            let id = take(bytes, &mut at, 2)?;
            let id = u16::from_le_bytes([*id.first()?, *id.get(1)?]);
            let tag = *take(bytes, &mut at, 1)?.first()?;
            let payload = match tag {
                FALSE | TRUE => &[][..],
                INT | FLOAT => take(bytes, &mut at, 8)?,
                STR | JSON => take_bytes(bytes, &mut at)?,
                SLICE => {
                    let start = at;
                    take_varint(bytes, &mut at)?;
                    take_varint(bytes, &mut at)?;
                    bytes.get(start..at)?
                }
                _ => return None,
            };
            Some((id, tag, payload))
        })
    }

    /// The entries with slices read: `(id, tag, payload)` as an unanchored blob holds
    /// them. A slice the mapping does not hold is left out.
    fn resolved(&self) -> impl Iterator<Item = (u16, u8, Cow<'_, [u8]>)> + '_ {
        let (anchor, _) = self.parts();
        self.raw_entries().filter_map(move |(id, tag, payload)| {
            if tag != SLICE {
                return Some((id, tag, Cow::Borrowed(payload)));
            }
            Some((
                id,
                STR,
                Cow::Owned(anchor?.with_text(payload, <[u8]>::to_vec)?),
            ))
        })
    }

    /// The entries decoded: `(id, value)` pairs in order.
    fn entries(&self) -> impl Iterator<Item = (u16, Value)> + '_ {
        self.resolved()
            .filter_map(|(id, tag, payload)| Some((id, decode(tag, &payload)?)))
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
        let (_, tag, payload) = self.raw_entries().find(|(k, _, _)| *k == id)?;
        if tag == SLICE {
            // Decoded straight from the mapping (no intermediate copy).
            return self
                .parts()
                .0?
                .with_text(payload, |text| decode(STR, text))?;
        }
        decode(tag, payload)
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
        self.blob()
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

    /// The entry bytes an unanchored blob of the same fields holds (what equality and
    /// hashing compare).
    fn canonical(&self) -> Cow<'_, [u8]> {
        let (anchor, entries) = self.parts();
        if anchor.is_none() {
            return Cow::Borrowed(entries);
        }
        let mut out = Vec::with_capacity(entries.len() * 2);
        for (id, tag, payload) in self.resolved() {
            put_raw(&mut out, id, tag, &payload);
        }
        Cow::Owned(out)
    }
}

/// Where a text entry can be cited from `region` (its offset there), when it is text
/// long enough to be worth it.
fn find_slice(tag: u8, payload: &[u8], region: &[u8]) -> Option<usize> {
    if tag != STR || payload.len() < MIN_SLICE {
        return None;
    }
    find_in(region, payload)
}

/// Regions up to this long are searched by first byte: building a `memmem` finder
/// per value cost more than the search itself on event lines (a sixth of correlate).
const SHORT_REGION: usize = 1024;

/// Offset of `needle` (non-empty) in `hay`; the first-byte scan's worst case is
/// bounded by [`SHORT_REGION`], longer regions take `memmem`.
fn find_in(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    if hay.len() > SHORT_REGION {
        return memchr::memmem::find(hay, needle);
    }
    memchr::memchr_iter(first, hay)
        .find(|&i| hay.get(i..).is_some_and(|rest| rest.starts_with(needle)))
}

impl PartialEq for PackedFields {
    fn eq(&self, other: &PackedFields) -> bool {
        match (self.parts(), other.parts()) {
            ((None, a), (None, b)) => a == b,
            _ => self.resolved().eq(other.resolved()),
        }
    }
}

impl Eq for PackedFields {}

impl std::hash::Hash for PackedFields {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.canonical().hash(state);
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
        assert!(packed.blob().len() < 7 * 40 + 300);
        assert!(PackedFields::pack(&Fields::new()).is_empty());
    }

    const KUBELET: &str = "Jun 14 00:00:02 k8s-node-02 kubelet[949]: I0614 00:00:02.523139     949 kuberuntime_container.go:559] Killing container \"docker://544d0bc192348d776275e921636850ce30a7eee217ed84e1db3e09619ccb65f7\" with 30 second grace period";
    const PROBER: &str = "Jun 14 00:00:03 k8s-node-02 kubelet[949]: I0614 00:00:03.100200     949 prober.go:111] Liveness probe for \"config-d3dfff31d-77837_kube-system(a8b21b70-5a2e-11e9-9a67-0cc47a6b5e2c):config\" failed (failure): Get http://10.244.4.52:8080/healthz: dial tcp 10.244.4.52:8080: connect: connection refused";

    /// A registered mapping of `lines` (one per line) and the offset of each line.
    fn mapped(lines: &[&str]) -> (MapId, Vec<u64>, tempfile::NamedTempFile) {
        use std::io::Write;
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let mut offsets = Vec::new();
        let mut at = 0u64;
        for line in lines {
            offsets.push(at);
            writeln!(file, "{line}").unwrap();
            at += line.len() as u64 + 1;
        }
        file.flush().unwrap();
        let map = std::sync::Arc::new(unsafe { memmap2::Mmap::map(file.as_file()) }.unwrap());
        (MapId::register(&map).unwrap(), offsets, file)
    }

    fn hash_of(fields: &PackedFields) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault};
        BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(fields)
    }

    fn tags(packed: &PackedFields) -> Vec<(&'static str, u8)> {
        packed
            .raw_entries()
            .map(|(id, tag, _)| (name_of(id), tag))
            .collect()
    }

    fn kubelet_fields() -> Fields {
        [
            (
                "container_id",
                Value::from(
                    "docker://544d0bc192348d776275e921636850ce30a7eee217ed84e1db3e09619ccb65f7",
                ),
            ),
            ("grace_period_s", Value::from(30u64)),
            ("verb", Value::from("Kill")),
            ("reason", Value::from("not anywhere in that line at all")),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn an_anchored_blob_reads_back_the_same_values_in_fewer_bytes() {
        let (map, at, _file) = mapped(&["first line", KUBELET, KUBELET]);
        let fields = kubelet_fields();
        let plain = PackedFields::pack(&fields);
        let mut anchored = plain.clone();
        anchored.anchor(map, at[1], KUBELET.as_bytes());
        assert!(anchored.blob().len() + 60 < plain.blob().len());
        assert_eq!(anchored.unpack(), fields);
        for (name, value) in fields.iter() {
            assert_eq!(anchored.get(name).as_ref(), Some(value), "{name}");
            assert!(anchored.contains_key(name));
        }
        assert_eq!(
            serde_json::to_string(&anchored).unwrap(),
            serde_json::to_string(&plain).unwrap()
        );
        assert_eq!(format!("{anchored:?}"), format!("{plain:?}"));
        assert_eq!(anchored.keys(), plain.keys());
        // Only the long value found in the line is cited; the rest stays inline.
        assert_eq!(
            tags(&anchored),
            [
                ("container_id", SLICE),
                ("grace_period_s", INT),
                ("reason", STR),
                ("verb", STR),
            ]
        );
        // Equal (and hashing alike) however kept: plain, or cited from another copy.
        let mut other = plain.clone();
        other.anchor(map, at[2], KUBELET.as_bytes());
        assert!(other.blob() != anchored.blob());
        for (a, b) in [
            (&anchored, &plain),
            (&plain, &anchored),
            (&anchored, &other),
        ] {
            assert_eq!(a, b);
            assert_eq!(hash_of(a), hash_of(b));
        }
        let mut changed = fields.clone();
        changed.insert("container_id", Value::from("docker://544d0bc1923"));
        assert_ne!(anchored, PackedFields::pack(&changed));
        // Anchoring twice keeps the first anchor.
        let before = anchored.blob().to_vec();
        anchored.anchor(map, at[2], KUBELET.as_bytes());
        assert_eq!(anchored.blob(), before);
    }

    #[test]
    fn text_is_found_in_short_and_long_regions() {
        let short = b"xxabcabcabd yy";
        assert_eq!(find_in(short, b"abcabd"), Some(5));
        assert_eq!(find_in(short, b"abd yy"), Some(8));
        assert_eq!(find_in(short, b"abd yyz"), None);
        let long = format!("{}needle here", "n".repeat(2 * SHORT_REGION));
        assert_eq!(find_in(long.as_bytes(), b"needle"), Some(2 * SHORT_REGION));
        assert_eq!(find_in(long.as_bytes(), b"needles"), None);
    }

    #[test]
    fn probe_fields_are_cited_from_their_line() {
        let (map, at, _file) = mapped(&[PROBER]);
        let fields: Fields = [
            ("probe", Value::from("Liveness")),
            (
                "pod",
                Value::from(
                    "config-d3dfff31d-77837_kube-system(a8b21b70-5a2e-11e9-9a67-0cc47a6b5e2c):config",
                ),
            ),
            (
                "output",
                Value::from(
                    "Get http://10.244.4.52:8080/healthz: dial tcp 10.244.4.52:8080: connect: connection refused",
                ),
            ),
        ]
        .into_iter()
        .collect();
        let mut packed = PackedFields::pack(&fields);
        let plain_len = packed.blob().len();
        packed.anchor(map, at[0], PROBER.as_bytes());
        assert_eq!(packed.unpack(), fields);
        assert!(packed.blob().len() < plain_len - 150);
        assert!(tags(&packed).contains(&("pod", SLICE)));
        assert!(tags(&packed).contains(&("output", SLICE)));
    }

    #[test]
    fn a_region_that_saves_nothing_leaves_the_blob_as_it_was() {
        let (map, at, _file) = mapped(&[KUBELET]);
        let fields: Fields = [
            ("verb", Value::from("Killing")),
            ("reason", Value::from("not anywhere in that line at all")),
            ("pid", Value::from(949u64)),
        ]
        .into_iter()
        .collect();
        let plain = PackedFields::pack(&fields);
        let mut packed = plain.clone();
        packed.anchor(map, at[0], KUBELET.as_bytes());
        assert_eq!(packed.blob(), plain.blob());
        // One value of 8 bytes found far into a region does not pay for the anchor.
        let far = format!("{}{}", " ".repeat(1 << 20), "k8s-node");
        let one: Fields = [("host", Value::from("k8s-node"))].into_iter().collect();
        let mut packed = PackedFields::pack(&one);
        let before = packed.blob().to_vec();
        packed.anchor(map, u64::from(u32::MAX) << 8, far.as_bytes());
        assert_eq!(packed.blob(), before);
        let mut empty = PackedFields::default();
        empty.anchor(map, 0, KUBELET.as_bytes());
        assert!(empty.is_empty());
    }

    #[test]
    fn a_slice_the_mapping_does_not_hold_reads_as_no_value() {
        let (map, at, _file) = mapped(&[KUBELET]);
        let fields = kubelet_fields();
        // Past the end of the mapping.
        let mut past = PackedFields::pack(&fields);
        past.anchor(map, at[0] + (1 << 20), KUBELET.as_bytes());
        // A map id nothing registered.
        let mut missing = PackedFields::pack(&fields);
        missing.anchor(MapId::from_index(u32::MAX), at[0], KUBELET.as_bytes());
        for packed in [&past, &missing] {
            assert_eq!(tags(packed).first(), Some(&("container_id", SLICE)));
            assert_eq!(packed.get("container_id"), None);
            assert!(packed.contains_key("container_id"));
            assert_eq!(packed.get("grace_period_s"), Some(Value::Int(30)));
            let mut rest = fields.clone();
            rest.remove("container_id");
            assert_eq!(packed.unpack(), rest);
            assert!(serde_json::to_string(packed).is_ok());
            assert_ne!(*packed, PackedFields::pack(&fields));
            let _ = hash_of(packed);
        }
    }
}
