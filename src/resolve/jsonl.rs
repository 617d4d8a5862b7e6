//! The event stream `podmortem events --format jsonl` writes and `podmortem correlate`
//! reads: one JSON object per line, self-describing enough to rebuild the whole
//! report of a scan (schema in `docs/events-schema.md`).
//!
//! Event lines are [`Event`]s as they always were (no `record` key). Every other line
//! is a [`Record`] whose first key is `record`: a header, then per unit its summary,
//! sources, nodes and problems. Streams of separate units (shards, per-node tasks)
//! can be concatenated, fed twice or in any order: [`read`] groups records by unit
//! and [`super::merge`] drops exact copies.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::io::{self, BufRead, Write};

use super::SourceReport;
use super::{NodeRecord, UnitOutput};
use crate::error::Problem;
use crate::events::{Event, MapId};

/// Version of the stream's schema; a reader refuses a newer one.
pub const SCHEMA_VERSION: u32 = 1;

/// A non-event line of the stream, tagged by its `record` key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// First line of every stream: what wrote it.
    Header {
        /// [`SCHEMA_VERSION`] of the writer.
        schema: u32,
        /// `podmortem <version>`.
        producer: String,
        /// `I/N` when written by `events --shard I/N`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shard: Option<String>,
    },
    /// One unit read (a node folder, an archive, a file, stdin).
    Unit {
        /// Display path of the unit.
        unit: String,
        /// Events the unit dropped as copies of lines in another of its sources.
        duplicates: u64,
    },
    /// One source of a unit: its inventory row.
    Source {
        /// Display path of the unit.
        unit: String,
        /// The row, as `podmortem sources --format json` shows it.
        #[serde(flatten)]
        source: SourceReport,
    },
    /// One node of a unit: its name, aliases and how the name was decided.
    Node {
        /// Display path of the unit.
        unit: String,
        /// Its name, aliases and how the name was decided (flattened into the record).
        #[serde(flatten)]
        node: NodeRecord,
    },
    /// A soft problem met reading a unit.
    Problem {
        /// Display path of the unit.
        unit: String,
        /// As the input stage reported it (flattened into the record).
        #[serde(flatten)]
        problem: Problem,
    },
}

/// Write the stream: the header, every unit's records, then `events` (in the order
/// given; a reader does not depend on it).
pub fn write<'a>(
    units: &[UnitOutput],
    events: impl IntoIterator<Item = &'a Event>,
    shard: Option<String>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let line = |w: &mut dyn Write, record: &Record| -> io::Result<()> {
        serde_json::to_writer(&mut *w, record)?;
        writeln!(w)
    };
    line(
        w,
        &Record::Header {
            schema: SCHEMA_VERSION,
            producer: format!("podmortem {}", env!("CARGO_PKG_VERSION")),
            shard,
        },
    )?;
    for u in units {
        line(
            w,
            &Record::Unit {
                unit: u.unit.clone(),
                duplicates: u.duplicates,
            },
        )?;
        for source in &u.sources {
            line(
                w,
                &Record::Source {
                    unit: u.unit.clone(),
                    source: source.clone(),
                },
            )?;
        }
        for node in &u.nodes {
            line(
                w,
                &Record::Node {
                    unit: u.unit.clone(),
                    node: node.clone(),
                },
            )?;
        }
        for problem in &u.problems {
            line(
                w,
                &Record::Problem {
                    unit: u.unit.clone(),
                    problem: problem.clone(),
                },
            )?;
        }
    }
    for e in events {
        serde_json::to_writer(&mut *w, e)?;
        writeln!(w)?;
    }
    Ok(())
}

/// Records and events read so far, grouped by unit (see [`Reading::finish`]).
#[derive(Default)]
pub struct Reading {
    units: BTreeMap<String, UnitReading>,
    events: Vec<Event>,
}

/// One unit being read.
#[derive(Default)]
struct UnitReading {
    output: UnitOutput,
    seen_paths: HashSet<String>,
}

/// Why a line could not be read, with its 1-based number.
#[derive(Debug)]
pub struct ReadError {
    /// 1-based line number in the stream.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl Reading {
    /// The units read, each with its records; every event goes to an unnamed unit
    /// (events need no unit to merge).
    pub fn finish(self) -> Vec<UnitOutput> {
        let mut units: Vec<UnitOutput> = self.units.into_values().map(|u| u.output).collect();
        units.push(UnitOutput {
            events: self.events,
            ..UnitOutput::default()
        });
        units
    }

    fn unit(&mut self, unit: String) -> &mut UnitReading {
        self.units
            .entry(unit.clone())
            .or_insert_with(|| UnitReading {
                output: UnitOutput {
                    unit,
                    ..UnitOutput::default()
                },
                seen_paths: HashSet::new(),
            })
    }

    /// Add one line of a stream; `mapped` is where the line lies when the stream is
    /// a mapped file (events then cite their text there instead of copying it).
    fn line(&mut self, text: &str, mapped: Option<(MapId, u64)>) -> Result<(), String> {
        if !text.trim_start().starts_with("{\"record\"") {
            let mut ev: Event = serde_json::from_str(text)
                .map_err(|e| format!("not an event from `podmortem events --format jsonl`: {e}"))?;
            if let Some((map, at)) = mapped {
                ev.text.pin_escaped(text.as_bytes(), map, at);
                ev.fields.anchor(map, at, text.as_bytes());
            }
            self.events.push(ev);
            return Ok(());
        }
        let record: Record =
            serde_json::from_str(text).map_err(|e| format!("not a known record: {e}"))?;
        match record {
            Record::Header { schema, .. } if schema > SCHEMA_VERSION => {
                return Err(format!(
                    "written with event schema {schema}; this podmortem reads up to {SCHEMA_VERSION}: upgrade it"
                ));
            }
            Record::Header { .. } => {}
            // A unit fed twice repeats its records: keep the first copy of each
            // source (paths are unique within a unit) and node (names are).
            Record::Unit { unit, duplicates } => self.unit(unit).output.duplicates = duplicates,
            Record::Source { unit, source } => {
                let u = self.unit(unit);
                if u.seen_paths.insert(source.path.clone()) {
                    u.output.sources.push(source);
                }
            }
            Record::Node { unit, node } => {
                let u = self.unit(unit);
                if !u.output.nodes.iter().any(|n| n.name == node.name) {
                    u.output.nodes.push(node);
                }
            }
            Record::Problem { unit, problem } => self.unit(unit).output.problems.push(problem),
        }
        Ok(())
    }
}

/// Read one stream into `into`.
pub fn read(reader: impl BufRead, into: &mut Reading) -> Result<(), ReadError> {
    for (i, line) in reader.lines().enumerate() {
        let fail = |message: String| ReadError {
            line: i + 1,
            message,
        };
        let line = line.map_err(|e| fail(format!("read error: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        into.line(&line, None).map_err(fail)?;
    }
    Ok(())
}

/// Read one events file into `into`, mapped when it can be (see [`read_mapped`]).
pub fn read_file(file: std::fs::File, into: &mut Reading) -> Result<(), ReadError> {
    let failed = |e: io::Error| ReadError {
        line: 0,
        message: format!("read error: {e}"),
    };
    let len = file.metadata().map_err(failed)?.len();
    match crate::input::mmap::load(file, len, 1).map_err(failed)? {
        crate::input::SourceData::Mapped(map) => read_mapped(&map, into),
        other => read(&*other, into),
    }
}

/// Read one mapped events file into `into`: the events' texts stay in the mapping
/// (an event costs its compact form only, whatever its line's length).
pub fn read_mapped(
    map: &std::sync::Arc<memmap2::Mmap>,
    into: &mut Reading,
) -> Result<(), ReadError> {
    let id = MapId::register(map);
    // One line per event at most: sized once, the events are never copied to grow.
    into.events
        .reserve_exact(memchr::memchr_iter(b'\n', map).count() + 1);
    let mut at = 0usize;
    for (i, line) in map.split(|&b| b == b'\n').enumerate() {
        let offset = at;
        at += line.len() + 1;
        let fail = |message: String| ReadError {
            line: i + 1,
            message,
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.trim_ascii().is_empty() {
            continue;
        }
        let text = std::str::from_utf8(line).map_err(|e| fail(format!("not UTF-8: {e}")))?;
        into.line(text, id.map(|id| (id, offset as u64)))
            .map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_carry_their_tag_first_and_round_trip() {
        let record = Record::Node {
            unit: "bundle/node-7".into(),
            node: NodeRecord {
                name: "node-7".into(),
                aliases: vec!["ip-10-0-1-17.ec2.internal".into()],
                node_from: crate::input::NodeFrom::Directory,
            },
        };
        let text = serde_json::to_string(&record).unwrap();
        assert!(text.starts_with("{\"record\":\"node\""), "{text}");
        assert!(text.contains("\"node_from\":\"directory\""), "{text}");
        assert_eq!(serde_json::from_str::<Record>(&text).unwrap(), record);
    }

    #[test]
    fn a_mapped_events_file_keeps_texts_in_place() {
        use std::io::Write as _;
        let text = "Jun  8 03:03:28 node-1 kernel: say \"hi\" \\ caf\u{e9}\ttab";
        let event = Event {
            kind: crate::events::Kind::OomKill,
            time: None,
            uptime_us: crate::events::Uptime::NONE,
            time_quality: Default::default(),
            node: "node-1".into(),
            source: "node-1/kern.log".into(),
            line: 3,
            end_line: 3,
            level: None,
            fields: Default::default(),
            text: text.into(),
        };
        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(
            file,
            "{{\"record\":\"header\",\"schema\":1,\"producer\":\"t\"}}"
        )
        .unwrap();
        serde_json::to_writer(&mut file, &event).unwrap();
        writeln!(file).unwrap();
        let mut r = Reading::default();
        read_file(file.reopen().unwrap(), &mut r).unwrap();
        let events: Vec<Event> = r.finish().into_iter().flat_map(|u| u.events).collect();
        assert_eq!(events, [event]);
        assert!(matches!(
            events[0].text,
            crate::events::LineText::Escaped { .. }
        ));
        assert_eq!(events[0].text.get(), text);
    }

    #[test]
    fn a_newer_schema_is_refused_and_garbage_is_an_error() {
        let mut r = Reading::default();
        let newer = "{\"record\":\"header\",\"schema\":99,\"producer\":\"podmortem 9\"}\n";
        let err = read(newer.as_bytes(), &mut r).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("schema 99"), "{}", err.message);
        let err = read("\n{\"kind\":\"nope\"}\n".as_bytes(), &mut r).unwrap_err();
        assert_eq!(err.line, 2);
    }
}
