//! Where an event's line text lives. A line of a memory-mapped source is not copied:
//! the event keeps its place in the mapping, which stays mapped for the rest of the
//! run (file-backed pages the kernel can drop and re-read, not heap). Lines decoded
//! from a stream (compressed files, archive members, stdin) have no such place and
//! are kept as text.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock, RwLock};

use serde::{Deserialize, Serialize};

/// A mapped source registered for text references.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct MapId(u32);

fn maps() -> &'static RwLock<Vec<Arc<memmap2::Mmap>>> {
    static MAPS: OnceLock<RwLock<Vec<Arc<memmap2::Mmap>>>> = OnceLock::new();
    MAPS.get_or_init(|| RwLock::new(Vec::new()))
}

impl MapId {
    /// Keep `map` mapped for the rest of the run so events can cite its lines; a map
    /// registered twice gets one id.
    pub fn register(map: &Arc<memmap2::Mmap>) -> Option<MapId> {
        let mut all = maps().write().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = all.iter().position(|m| Arc::ptr_eq(m, map)) {
            return u32::try_from(i).ok().map(MapId);
        }
        let id = u32::try_from(all.len()).ok()?;
        all.push(Arc::clone(map));
        Some(MapId(id))
    }

    /// Its number, for compact encodings of events held in bulk.
    pub fn index(self) -> u32 {
        self.0
    }

    /// The id numbered `index` (from [`MapId::index`]); an unregistered one reads nothing.
    pub fn from_index(index: u32) -> MapId {
        MapId(index)
    }

    /// Map the pages of `offset..offset + len` in one call before they are read: a scan
    /// reads every byte once, and faulting them in page by page costs more. Only a
    /// hint: kernels before 5.14 refuse it and the pages fault in as they are read.
    pub fn populate(self, offset: usize, len: usize) {
        if let Some(map) = self.mapping() {
            #[cfg(target_os = "linux")]
            let _ = map.advise_range(memmap2::Advice::PopulateRead, offset, len);
            #[cfg(not(target_os = "linux"))]
            let _ = (map, offset, len);
        }
    }

    /// `f` of bytes `offset..offset + len` of the mapping, read in place (event texts
    /// and packed field values are cited there); `None` for an unknown map or a range
    /// past its end.
    pub fn with_bytes<R>(self, offset: u64, len: u32, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let map = self.mapping()?;
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        map.get(start..end).map(f)
    }

    /// The registered mapping (the lock is held only to clone its handle).
    fn mapping(self) -> Option<Arc<memmap2::Mmap>> {
        let all = maps().read().unwrap_or_else(|e| e.into_inner());
        all.get(self.0 as usize).cloned()
    }
}

/// The text of an event: the line(s) as written. Two are equal when their text is,
/// wherever it is kept (a line read from a directory equals the same line read
/// from an archive).
#[derive(Clone, Debug)]
pub enum LineText {
    /// Bytes `offset..offset + len` of a registered mapping.
    Mapped {
        /// Where the bytes are (kept mapped for the run by [`register`]).
        map: MapId,
        /// Start of the first line in the mapping.
        offset: u64,
        /// Length up to the end of the last line (without its terminator).
        len: u32,
    },
    /// The text as a JSON string literal at `offset..offset + len` of a registered
    /// mapping: an event read back from a mapped `events --format jsonl` file.
    Escaped {
        /// Where the literal is (kept mapped for the run by [`register`]).
        map: MapId,
        /// Start of the literal (its opening quote).
        offset: u64,
        /// Length of the literal, quotes included.
        len: u32,
    },
    /// Text from no registered mapping (in-memory input, decompressed streams, tests).
    Owned(Box<str>),
}

impl Default for LineText {
    fn default() -> LineText {
        LineText::Owned(Box::default())
    }
}

impl LineText {
    /// The text (lossy UTF-8 for mapped bytes, as the scanner read them).
    pub fn get(&self) -> Cow<'_, str> {
        match self {
            LineText::Owned(s) => Cow::Borrowed(s),
            LineText::Mapped { map, offset, len } => map
                .with_bytes(*offset, *len, |b| String::from_utf8_lossy(b).into_owned())
                .map_or(Cow::Borrowed(""), Cow::Owned),
            LineText::Escaped { map, offset, len } => Cow::Owned(
                map.with_bytes(*offset, *len, |literal| {
                    serde_json::from_slice::<String>(literal).ok()
                })
                .flatten()
                .unwrap_or_default(),
            ),
        }
    }

    /// Where the text lies when it is cited from a mapping as written: `(map, offset,
    /// len)` (packed fields cite their values from the same bytes).
    pub fn mapped_region(&self) -> Option<(MapId, u64, u32)> {
        match *self {
            LineText::Mapped { map, offset, len } => Some((map, offset, len)),
            _ => None,
        }
    }

    /// Replace owned text by a reference to its JSON literal in `record` (one event
    /// line of a mapped JSONL file, at `at` in `map`), when the record's last key is
    /// `text` and its literal reads back as this very text.
    pub fn pin_escaped(&mut self, record: &[u8], map: MapId, at: u64) {
        let LineText::Owned(text) = self else {
            return;
        };
        const KEY: &[u8] = b"\"text\":";
        let Some(key) = memchr::memmem::rfind(record, KEY) else {
            return;
        };
        let start = key + KEY.len();
        let Some(end) = record.iter().rposition(|&b| b == b'}') else {
            return;
        };
        let Some(literal) = record.get(start..end).map(<[u8]>::trim_ascii) else {
            return;
        };
        let same = serde_json::from_slice::<String>(literal).is_ok_and(|t| *t == **text);
        let Ok(len) = u32::try_from(literal.len()) else {
            return;
        };
        let offset = literal.as_ptr() as usize - record.as_ptr() as usize;
        if same {
            *self = LineText::Escaped {
                map,
                offset: at + offset as u64,
                len,
            };
        }
    }

    /// Replace owned text by a reference when `data` (bytes `base..` of `map`) holds
    /// exactly that text at `at` (its offset in `data`): the copy is then dropped.
    pub fn pin(&mut self, data: &[u8], at: u64, map: MapId, base: u64) {
        let LineText::Owned(text) = self else {
            return;
        };
        let Ok(start) = usize::try_from(at) else {
            return;
        };
        let Ok(len) = u32::try_from(text.len()) else {
            return;
        };
        let same = data
            .get(start..)
            .and_then(|rest| rest.get(..text.len()))
            .is_some_and(|bytes| bytes == text.as_bytes());
        if same {
            *self = LineText::Mapped {
                map,
                offset: base + at,
                len,
            };
        }
    }
}

impl PartialEq for LineText {
    fn eq(&self, other: &LineText) -> bool {
        match (self, other) {
            (LineText::Owned(a), LineText::Owned(b)) => a == b,
            (
                LineText::Mapped { map, offset, len },
                LineText::Mapped {
                    map: m2,
                    offset: o2,
                    len: l2,
                },
            ) if map == m2 && offset == o2 && len == l2 => true,
            _ => self.get() == other.get(),
        }
    }
}

impl Eq for LineText {}

impl std::fmt::Display for LineText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.get())
    }
}

impl From<String> for LineText {
    fn from(text: String) -> LineText {
        LineText::Owned(text.into_boxed_str())
    }
}

impl From<&str> for LineText {
    fn from(text: &str) -> LineText {
        LineText::Owned(text.into())
    }
}

impl Serialize for LineText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.get())
    }
}

impl<'de> Deserialize<'de> for LineText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<LineText, D::Error> {
        String::deserialize(d).map(LineText::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_mapped_line_reads_back_and_other_text_stays_owned() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"first line\nkernel: Out of memory: Kill process 42\n")
            .unwrap();
        let map = Arc::new(unsafe { memmap2::Mmap::map(file.as_file()) }.unwrap());
        let id = MapId::register(&map).unwrap();
        assert_eq!(MapId::register(&map), Some(id));
        let mut text = LineText::from("kernel: Out of memory: Kill process 42");
        text.pin(&map, 11, id, 0);
        assert!(matches!(text, LineText::Mapped { offset: 11, .. }));
        assert_eq!(text.get(), "kernel: Out of memory: Kill process 42");
        // Text that differs from the bytes at its place (a joined or decoded line).
        let mut joined = LineText::from("first line kernel:");
        joined.pin(&map, 0, id, 0);
        assert!(matches!(joined, LineText::Owned(_)));
    }
}
