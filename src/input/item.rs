//! What input expansion works on and produces, shared by the in-memory expansion
//! (`expand`) and the streaming one (`stream`), which call each other for nested
//! archives: an [`Item`] to expand (or the [`Head`] of a stream), what it holds
//! ([`Content`]), and the [`Outcome`]: text sources, facts files and problems. The
//! streaming side is handed the in-memory expansion as an [`Expand`] function, so
//! neither module imports the other.

use chrono::{DateTime, Utc};

use super::archive;
use super::binary::binary_reason;
use super::decompress::{self, Compression};
use super::facts;
use super::parts::Part;
use super::{FactKind, InputConfig, SourceData, StreamSink};
use crate::error::Problem;

/// The in-memory expansion of one item (`expand::expand`), handed to the streaming
/// code for members it reads whole.
pub(crate) type Expand = fn(Item, &InputConfig, &dyn StreamSink, &mut Outcome);

/// Archives and compressed streams nested deeper than this are not opened.
pub(crate) const MAX_DEPTH: u32 = 16;

/// Bytes whose kind is not judged yet (a file, an archive member, a decompressed
/// stream): [`Content::of`] decides whether they become a source, a fact, a problem,
/// or more items.
pub(crate) struct Item {
    /// Display path (`bundle.tgz!/node-3/var/log/syslog.2.gz`).
    pub display: String,
    /// Logical path parts, last one the file itself.
    pub parts: Vec<Part>,
    /// File or member modification time.
    pub mtime: Option<DateTime<Utc>>,
    /// The bytes as found, possibly compressed or an archive.
    pub data: SourceData,
    /// Archive and compression levels already opened.
    pub depth: u32,
    /// An enclosing stream was already reported cut; don't report the same cut again.
    pub cut_reported: bool,
}

/// A text source ready for node and rotation assignment.
pub(crate) struct Pending {
    /// Display path, as evidence cites it (`bundle.tgz!/node-1/var/log/syslog`).
    pub display: String,
    /// Logical path parts: node and rotation stream are decided from them.
    pub parts: Vec<Part>,
    /// Modification time: year inference falls back to it.
    pub mtime: Option<DateTime<Utc>>,
    /// The log text, unless it is left compressed ([`SourceData::Compressed`]) or was
    /// consumed as it streamed by ([`SourceData::Scanned`]).
    pub data: SourceData,
}

/// A facts file found during expansion.
pub(crate) struct FoundFact {
    /// Which facts file it is, hence what `value` means.
    pub kind: FactKind,
    /// Display path, as evidence cites it (`bundle.tgz!/node-1/var/log/syslog`).
    pub display: String,
    /// Logical path parts: they decide which node the fact is about.
    pub parts: Vec<Part>,
    /// What the file says (a zone name, a host name).
    pub value: String,
}

/// Everything one item expanded into, in order.
#[derive(Default)]
pub(crate) struct Outcome {
    /// Text sources, in the order they were met (archive order within an archive).
    pub sources: Vec<Pending>,
    /// Facts files (`etc/timezone`, sosreport `hostname`): they name zones and nodes.
    pub facts: Vec<FoundFact>,
    /// Soft problems, each naming its source; the scan goes on past them.
    pub problems: Vec<Problem>,
}

impl Outcome {
    /// Append another outcome, keeping order.
    pub(crate) fn absorb(&mut self, other: Outcome) {
        self.sources.extend(other.sources);
        self.facts.extend(other.facts);
        self.problems.extend(other.problems);
    }

    pub(crate) fn problem(&mut self, source: &str, message: String) {
        self.problems.push(Problem {
            source: source.to_owned(),
            message,
        });
    }
}

/// Where a stream sits in the input (what an [`Item`] holds but its bytes).
pub(crate) struct Head {
    /// Display path, as evidence cites it (`bundle.tgz!/node-1/var/log/syslog`).
    pub display: String,
    /// Logical path parts, last one the stream itself.
    pub parts: Vec<Part>,
    /// Modification time: year inference falls back to it.
    pub mtime: Option<DateTime<Utc>>,
    /// Archive and compression levels already opened.
    pub depth: u32,
    /// An enclosing stream was already reported cut.
    pub cut_reported: bool,
}

/// What an item's bytes hold, judged from `data` (the item's bytes, or the decoded
/// head of a compressed item): the one decision behind [`expand`](super::expand::expand).
pub(crate) enum Content {
    Compressed(Compression),
    Tar,
    Fact(FactKind, String),
    Binary(String),
    Log,
}

impl Content {
    pub(crate) fn of(parts: &[Part], display: &str, data: &[u8]) -> Content {
        if let Some(format) = decompress::sniff(data) {
            return Content::Compressed(format);
        }
        if archive::is_tar(data) {
            return Content::Tar;
        }
        if let Some(kind) = facts::kind(parts)
            && let Some(value) = facts::value(data)
        {
            return Content::Fact(kind, value);
        }
        let file_name = parts.last().map(|p| p.name.as_str()).unwrap_or(display);
        match binary_reason(file_name, data) {
            Some(reason) => Content::Binary(reason),
            None => Content::Log,
        }
    }
}

/// The problem message for xz and bzip2 streams.
pub(crate) fn unsupported(format: Compression) -> String {
    let tool = if format == Compression::Xz {
        "xz -d"
    } else {
        "bzip2 -d"
    };
    format!(
        "{} compression is not supported; skipped; decompress it first (`{tool}`)",
        format.name()
    )
}
