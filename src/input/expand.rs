//! Expansion of one byte buffer into sources: decompress what is compressed, open
//! what is a tar archive (members in parallel, kept in archive order), and keep
//! the rest as a text source, a facts file, or a binary-file problem.

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::sync::Arc;

use super::archive;
use super::binary::binary_reason;
use super::decompress::{self, Compression};
use super::facts;
use super::parts::{self, Part};
use super::stream::{self, Head};
use super::{CompressedData, FactKind, InputConfig, SourceData, StreamSink};
use crate::error::Problem;

/// Archives and compressed streams nested deeper than this are not opened.
pub(crate) const MAX_DEPTH: u32 = 16;

/// A buffer to expand.
pub(crate) struct Item {
    /// Display path (`bundle.tgz!/node-3/var/log/syslog.2.gz`).
    pub display: String,
    /// Logical path parts, last one the file itself.
    pub parts: Vec<Part>,
    /// File or member modification time.
    pub mtime: Option<DateTime<Utc>>,
    /// The bytes.
    pub data: SourceData,
    /// Archive and compression levels already opened.
    pub depth: u32,
    /// An enclosing stream was already reported cut; don't report the same cut again.
    pub cut_reported: bool,
}

/// A text source ready for node and rotation assignment.
pub(crate) struct Pending {
    /// Display path.
    pub display: String,
    /// Logical path parts.
    pub parts: Vec<Part>,
    /// Modification time.
    pub mtime: Option<DateTime<Utc>>,
    /// The bytes.
    pub data: SourceData,
}

/// A facts file found during expansion.
pub(crate) struct FoundFact {
    /// What it tells.
    pub kind: FactKind,
    /// Display path.
    pub display: String,
    /// Logical path parts.
    pub parts: Vec<Part>,
    /// Its value.
    pub value: String,
}

/// Everything one item expanded into, in order.
#[derive(Default)]
pub(crate) struct Outcome {
    /// Text sources.
    pub sources: Vec<Pending>,
    /// Facts files.
    pub facts: Vec<FoundFact>,
    /// Problems met.
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

/// Expand one item into `out`.
pub(crate) fn expand(item: Item, config: &InputConfig, sink: &dyn StreamSink, out: &mut Outcome) {
    if item.depth > MAX_DEPTH {
        out.problem(
            &item.display,
            format!("archives nested more than {MAX_DEPTH} levels deep; skipped"),
        );
        return;
    }
    match Content::of(&item.parts, &item.display, &item.data) {
        Content::Compressed(format) => decompressed(item, format, config, sink, out),
        Content::Tar => tar_members(item, config, sink, out),
        Content::Fact(kind, value) => out.facts.push(FoundFact {
            kind,
            display: item.display,
            parts: item.parts,
            value,
        }),
        Content::Binary(reason) => binary(item, reason, out),
        Content::Log => out.sources.push(Pending {
            display: item.display,
            parts: item.parts,
            mtime: item.mtime,
            data: item.data,
        }),
    }
}

/// What an item's bytes hold, judged from `data` (the item's bytes, or the decoded
/// head of a compressed item): the one decision behind [`expand`].
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

fn decompressed(
    item: Item,
    format: Compression,
    config: &InputConfig,
    sink: &dyn StreamSink,
    out: &mut Outcome,
) {
    if matches!(format, Compression::Xz | Compression::Bzip2) {
        out.problem(&item.display, unsupported(format));
        return;
    }
    // Decode a head first: a large stream of plain log text is left compressed and
    // decoded block by block by the scanner; a large archive is walked as it is
    // decoded (never held decompressed).
    let streamable = config.decompress_cap > config.stream_above && !item.cut_reported;
    let decoded = if streamable {
        let mut dec = decompress::Decoding::new(&item.data, format, config.decompress_cap, None);
        let first = stream::read_head(&mut dec, config, None);
        if !dec.finished() {
            if matches!(
                Content::of(&item.parts, &item.display, &first),
                Content::Log
            ) {
                drop(dec);
                out.sources.push(Pending {
                    display: item.display,
                    parts: item.parts,
                    mtime: item.mtime,
                    data: SourceData::Compressed(CompressedData {
                        raw: Box::new(item.data),
                        format,
                        cap: config.decompress_cap,
                    }),
                });
                return;
            }
            let head = Head {
                display: item.display.clone(),
                parts: item.parts.clone(),
                mtime: item.mtime,
                depth: item.depth + 1,
                cut_reported: false,
            };
            let tail = stream::expand_pull(head, first, &mut dec, config, sink, out);
            let cut = dec.cut.as_ref().map(|cut| cut.message(format.name()));
            stream::settle(out, &item.display, cut, tail);
            return;
        }
        decompress::Decoded {
            bytes: first,
            cut: dec.cut,
        }
    } else {
        decompress::decode(&item.data, format, config.decompress_cap)
    };
    drop(item.data);
    if let Some(cut) = &decoded.cut
        && !item.cut_reported
    {
        out.problem(&item.display, cut.message(format.name()));
    }
    if decoded.bytes.is_empty() && decoded.cut.is_some() {
        return;
    }
    let next = Item {
        display: item.display,
        parts: item.parts,
        mtime: item.mtime,
        data: SourceData::Owned(decoded.bytes),
        depth: item.depth + 1,
        cut_reported: item.cut_reported || decoded.cut.is_some(),
    };
    expand(next, config, sink, out);
}

/// A tar archive held in memory (a mapped `.tar`, a small decoded `.tar.gz`): its
/// members are ranges of it, expanded in parallel and kept in archive order.
fn tar_members(item: Item, config: &InputConfig, sink: &dyn StreamSink, out: &mut Outcome) {
    let whole = Arc::new(item.data);
    let listing = archive::list(&whole, config.decompress_cap);
    if let Some(damage) = listing.damage
        && !item.cut_reported
    {
        out.problem(&item.display, damage);
    }
    let mut base = item.parts;
    if let Some(last) = base.last_mut() {
        last.archive = true;
    }
    let mut members = Vec::with_capacity(listing.members.len());
    for member in listing.members {
        let name = if member.name.is_empty() {
            "unnamed".to_owned()
        } else {
            member.name
        };
        let display = format!("{}!/{name}", item.display);
        if let Some(cut) = &member.cut {
            out.problem(&display, cut.message("tar member"));
        }
        let mut member_parts = base.clone();
        member_parts.extend(parts::from_member(&name));
        let data = match member.bytes {
            archive::MemberBytes::Range(range) => SourceData::Slice(Arc::clone(&whole), range),
            archive::MemberBytes::Owned(bytes) => SourceData::Owned(bytes),
        };
        members.push(Item {
            display,
            parts: member_parts,
            mtime: member.mtime,
            data,
            depth: item.depth + 1,
            cut_reported: member.cut.is_some(),
        });
    }
    let outcomes: Vec<Outcome> = members
        .into_par_iter()
        .map(|member| {
            let mut one = Outcome::default();
            expand(member, config, sink, &mut one);
            one
        })
        .collect();
    for one in outcomes {
        out.absorb(one);
    }
}

/// One message per source: a cut stream that also turns out binary (a bomb of zeros)
/// amends the cut message instead of adding a second one.
fn binary(item: Item, reason: String, out: &mut Outcome) {
    let earlier = out
        .problems
        .iter_mut()
        .rev()
        .find(|p| item.cut_reported && p.source == item.display);
    match earlier {
        Some(p) => p.message.push_str(&format!("; what was read is {reason}")),
        None => out.problem(&item.display, reason),
    }
}
