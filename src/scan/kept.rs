//! Finds as a source keeps them until it is resolved: every find of a chunk encoded in
//! one byte buffer (numbers as varints, fields and owned text inline), not a vector
//! of [`Found`] records. A busy 4 GiB log holds close to a million finds at once; as
//! records they took 144 bytes each plus a field allocation, here a few tens of bytes.
//!
//! The buffer is written and read only here; [`KeptFinds::iter`] gives back each
//! [`Found`] exactly as it was kept.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveTime, Timelike};

use crate::envelope::{Level, RawTime};
use crate::events::varint::{put_bytes, put_varint as put, take_bytes, take_varint as get};
use crate::events::{Found, Kind, LineText, MapId, PackedFields, Sym};
use crate::input::{Location, SourceId};

/// One chunk's finds, in the order they were found.
#[derive(Clone, Debug)]
pub struct KeptFinds {
    /// Lines added to every kept line number by [`KeptFinds::shift`] (a chunk numbers
    /// its lines from its own start until the source is assembled).
    base: u64,
    /// The source every find is from (set again by [`KeptFinds::set_source`]).
    source: SourceId,
    /// Host names the records refer to by position (a chunk's lines carry few).
    hosts: Vec<Sym>,
    /// The records, one after another, each after its length.
    bytes: Vec<u8>,
}

impl KeptFinds {
    /// Encode `finds` (consumed: their text and fields are freed as they are copied in).
    pub fn keep(finds: Vec<Found>) -> KeptFinds {
        let mut kept = KeptFinds {
            base: 0,
            source: finds.first().map_or(SourceId(0), |f| f.first.source),
            hosts: Vec::new(),
            bytes: Vec::new(),
        };
        let mut host_ids: FxHashMap<Sym, u64> = FxHashMap::default();
        let mut record = Vec::new();
        for f in finds {
            debug_assert_eq!(
                f.first.source, kept.source,
                "a chunk's finds are one source's"
            );
            let host = f.host.map_or(0, |h| {
                *host_ids.entry(h).or_insert_with(|| {
                    kept.hosts.push(h);
                    kept.hosts.len() as u64
                })
            });
            record.clear();
            encode(&mut record, f, host);
            put_bytes(&mut kept.bytes, &record);
        }
        kept.bytes.shrink_to_fit();
        kept.hosts.shrink_to_fit();
        kept
    }

    /// Add `lines` to every line number (see [`KeptFinds::base`]).
    pub fn shift(&mut self, lines: u64) {
        self.base += lines;
    }

    /// Say which source the finds are from (a stream is scanned before its id is final).
    pub fn set_source(&mut self, source: SourceId) {
        self.source = source;
    }

    /// The kinds of the finds, in order (read without decoding the rest).
    pub fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        self.records()
            .filter_map(|record| decode_kind(record, &mut 0))
    }

    /// The host names the finds carry (each once, in first-seen order).
    pub fn hosts(&self) -> &[Sym] {
        &self.hosts
    }

    /// The finds of `kind`, decoded (the others are skipped unread).
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = Found> + '_ {
        self.records()
            .filter(move |record| decode_kind(record, &mut 0) == Some(kind))
            .filter_map(|record| decode(record, &mut 0, self))
    }

    /// The records, each without its length.
    fn records(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut at = 0usize;
        std::iter::from_fn(move || take_bytes(&self.bytes, &mut at))
    }

    /// The finds, decoded one by one.
    pub fn iter(&self) -> impl Iterator<Item = Found> + '_ {
        self.records().map_while(|record| {
            let found = decode(record, &mut 0, self);
            // Records are only written by `encode`: one that does not read back is a bug.
            debug_assert!(found.is_some(), "a kept find does not decode");
            found
        })
    }
}

/// Zigzag, so that negative seconds (times before 1970) stay short.
fn put_signed(out: &mut Vec<u8>, n: i64) {
    put(out, ((n << 1) ^ (n >> 63)) as u64);
}

fn get_signed(bytes: &[u8], at: &mut usize) -> Option<i64> {
    let n = get(bytes, at)?;
    Some(((n >> 1) as i64) ^ -((n & 1) as i64))
}

/// Position of each built-in kind in [`Kind::BUILTIN`] (custom kinds are written by name).
fn builtin_index() -> &'static FxHashMap<Kind, u64> {
    static INDEX: OnceLock<FxHashMap<Kind, u64>> = OnceLock::new();
    INDEX.get_or_init(|| {
        Kind::BUILTIN
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i as u64))
            .collect()
    })
}

const LEVELS: [Level; 5] = [
    Level::Debug,
    Level::Info,
    Level::Warning,
    Level::Error,
    Level::Fatal,
];

// Time tags.
const NO_TIME: u8 = 0;
const UTC: u8 = 1;
const LOCAL: u8 = 2;
const YEAR_LESS: u8 = 3;
const UPTIME: u8 = 4;

// Text tags.
const OWNED: u8 = 0;
const MAPPED: u8 = 1;
const ESCAPED: u8 = 2;

fn encode(out: &mut Vec<u8>, f: Found, host: u64) {
    // Kind: 1 + built-in position, or 0 and the custom name.
    match builtin_index().get(&f.kind) {
        Some(i) => put(out, i + 1),
        None => {
            put(out, 0);
            put_bytes(out, f.kind.name().as_bytes());
        }
    }
    put(out, f.first.line);
    put(out, f.first.byte);
    put(out, f.end_line.saturating_sub(f.first.line));
    // 0 for none (an uptime of u64::MAX µs, 584,000 years, would read back 1 µs less).
    put(out, f.uptime_us.map_or(0, |u| u.saturating_add(1)));
    put(out, host);
    let level = f
        .level
        .and_then(|l| LEVELS.iter().position(|x| *x == l))
        .map_or(0, |i| i as u64 + 1);
    put(out, level);
    encode_time(out, f.time);
    match &f.text {
        LineText::Owned(s) => {
            out.push(OWNED);
            put_bytes(out, s.as_bytes());
        }
        LineText::Mapped { map, offset, len } | LineText::Escaped { map, offset, len } => {
            out.push(if matches!(f.text, LineText::Mapped { .. }) {
                MAPPED
            } else {
                ESCAPED
            });
            put(out, u64::from(map.index()));
            put(out, *offset);
            put(out, u64::from(*len));
        }
    }
    put_bytes(out, f.fields.as_bytes());
}

fn encode_time(out: &mut Vec<u8>, t: RawTime) {
    match t {
        RawTime::None => out.push(NO_TIME),
        RawTime::Utc(t) => {
            out.push(UTC);
            put_signed(out, t.timestamp());
            put(out, u64::from(t.timestamp_subsec_nanos()));
        }
        RawTime::Local(t) => {
            out.push(LOCAL);
            let t = t.and_utc();
            put_signed(out, t.timestamp());
            put(out, u64::from(t.timestamp_subsec_nanos()));
        }
        RawTime::YearLess { month, day, time } => {
            out.push(YEAR_LESS);
            put(out, u64::from(month));
            put(out, u64::from(day));
            put(out, u64::from(time.num_seconds_from_midnight()));
            put(out, u64::from(time.nanosecond()));
        }
        RawTime::Uptime(u) => {
            out.push(UPTIME);
            put(out, u);
        }
    }
}

fn decode_kind(bytes: &[u8], at: &mut usize) -> Option<Kind> {
    match get(bytes, at)? {
        0 => Kind::from_name(std::str::from_utf8(take_bytes(bytes, at)?).ok()?),
        i => Kind::BUILTIN.get(usize::try_from(i - 1).ok()?).copied(),
    }
}

/// One record (without its length) of `kept`.
fn decode(bytes: &[u8], at: &mut usize, kept: &KeptFinds) -> Option<Found> {
    let kind = decode_kind(bytes, at)?;
    let source = kept.source;
    let line = get(bytes, at)?.checked_add(kept.base)?;
    let byte = get(bytes, at)?;
    let end_line = line.checked_add(get(bytes, at)?)?;
    let uptime_us = get(bytes, at)?.checked_sub(1);
    let host = match get(bytes, at)? {
        0 => None,
        i => Some(*kept.hosts.get(usize::try_from(i - 1).ok()?)?),
    };
    let level = match get(bytes, at)? {
        0 => None,
        i => Some(*LEVELS.get(usize::try_from(i - 1).ok()?)?),
    };
    let time = decode_time(bytes, at)?;
    let tag = *bytes.get(*at)?;
    *at += 1;
    let text = match tag {
        OWNED => LineText::from(std::str::from_utf8(take_bytes(bytes, at)?).ok()?),
        MAPPED | ESCAPED => {
            let map = MapId::from_index(u32::try_from(get(bytes, at)?).ok()?);
            let offset = get(bytes, at)?;
            let len = u32::try_from(get(bytes, at)?).ok()?;
            if tag == MAPPED {
                LineText::Mapped { map, offset, len }
            } else {
                LineText::Escaped { map, offset, len }
            }
        }
        _ => return None,
    };
    let fields = PackedFields::from_bytes(take_bytes(bytes, at)?);
    Some(Found {
        kind,
        fields,
        first: Location { source, line, byte },
        end_line,
        time,
        uptime_us,
        host,
        level,
        text,
    })
}

fn decode_time(bytes: &[u8], at: &mut usize) -> Option<RawTime> {
    let tag = *bytes.get(*at)?;
    *at += 1;
    let instant = |at: &mut usize| {
        let secs = get_signed(bytes, at)?;
        let nanos = u32::try_from(get(bytes, at)?).ok()?;
        DateTime::from_timestamp(secs, nanos)
    };
    Some(match tag {
        NO_TIME => RawTime::None,
        UTC => RawTime::Utc(instant(at)?),
        LOCAL => RawTime::Local(instant(at)?.naive_utc()),
        YEAR_LESS => {
            let month = u32::try_from(get(bytes, at)?).ok()?;
            let day = u32::try_from(get(bytes, at)?).ok()?;
            let secs = u32::try_from(get(bytes, at)?).ok()?;
            let nanos = u32::try_from(get(bytes, at)?).ok()?;
            let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)?;
            RawTime::YearLess { month, day, time }
        }
        UPTIME => RawTime::Uptime(get(bytes, at)?),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Fields, Value};
    use chrono::NaiveDate;

    fn found(kind: Kind, line: u64, time: RawTime, text: LineText) -> Found {
        let fields: Fields = [
            ("pod", Value::from("kube-system/coredns-5c98db65d4-9zk2x")),
            ("exit_code", Value::from(137u64)),
            ("fatal", Value::from(true)),
        ]
        .into_iter()
        .collect();
        Found {
            kind,
            fields: PackedFields::pack(&fields),
            first: Location {
                source: SourceId(3),
                line,
                byte: line.saturating_mul(120),
            },
            end_line: line + 2,
            time,
            uptime_us: Some(line.saturating_mul(1_000_000)),
            host: Some(Sym::new("node-1")),
            level: Some(Level::Warning),
            text,
        }
    }

    #[test]
    fn every_find_reads_back_as_kept_and_shifted() {
        let date = NaiveDate::from_ymd_opt(2018, 6, 14).unwrap();
        let noon = NaiveTime::from_hms_nano_opt(12, 0, 1, 523_139_000).unwrap();
        // A leap second, as chrono represents it (nanoseconds past 1e9).
        let leap = NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap();
        let times = [
            RawTime::None,
            RawTime::Utc(date.and_time(noon).and_utc()),
            RawTime::Utc(
                NaiveDate::from_ymd_opt(1969, 12, 31)
                    .unwrap()
                    .and_time(noon)
                    .and_utc(),
            ),
            RawTime::Local(date.and_time(leap)),
            RawTime::YearLess {
                month: 2,
                day: 30,
                time: noon,
            },
            RawTime::Uptime(5_000_123),
        ];
        let mut finds: Vec<Found> = times
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let text = LineText::from(format!("line {i}: Killing container"));
                found(Kind::ContainerKilled, 10 + i as u64, *t, text)
            })
            .collect();
        finds.push(Found {
            host: None,
            level: None,
            uptime_us: None,
            fields: PackedFields::default(),
            ..found(
                Kind::from_name("custom.db_down").unwrap(),
                u64::MAX / 4,
                RawTime::None,
                LineText::Mapped {
                    map: MapId::from_index(7),
                    offset: 1 << 40,
                    len: 300,
                },
            )
        });
        finds.push(Found {
            host: Some(Sym::new("node-2")),
            ..found(
                Kind::OomKill,
                1,
                RawTime::None,
                LineText::Escaped {
                    map: MapId::from_index(1),
                    offset: 9,
                    len: 12,
                },
            )
        });
        let mut kept = KeptFinds::keep(finds.clone());
        assert_eq!(kept.iter().count(), finds.len());
        assert_eq!(kept.iter().collect::<Vec<_>>(), finds);
        let kinds: Vec<Kind> = finds.iter().map(|f| f.kind).collect();
        assert_eq!(kept.kinds().collect::<Vec<_>>(), kinds);
        let ooms: Vec<Found> = finds
            .iter()
            .filter(|f| f.kind == Kind::OomKill)
            .cloned()
            .collect();
        assert_eq!(kept.of_kind(Kind::OomKill).collect::<Vec<_>>(), ooms);
        assert_eq!(kept.hosts(), [Sym::new("node-1"), Sym::new("node-2")]);
        kept.shift(1000);
        let shifted: Vec<(u64, u64)> = kept.iter().map(|f| (f.first.line, f.end_line)).collect();
        let expected: Vec<(u64, u64)> = finds
            .iter()
            .map(|f| (f.first.line + 1000, f.end_line + 1000))
            .collect();
        assert_eq!(shifted, expected);
        kept.set_source(SourceId(9));
        assert!(kept.iter().all(|f| f.first.source == SourceId(9)));
        // Smaller than the records with what they point to, by about a record each.
        let held: usize = finds
            .iter()
            .map(|f| {
                let text = match &f.text {
                    LineText::Owned(s) => s.len(),
                    _ => 0,
                };
                std::mem::size_of::<Found>() + f.fields.as_bytes().len() + text
            })
            .sum();
        assert!(
            kept.bytes.len() + 100 * finds.len() < held,
            "{} of {held}",
            kept.bytes.len()
        );
    }
}
