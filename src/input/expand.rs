//! Expansion of one byte buffer into sources: decompress what is compressed, open
//! what is a tar archive (members in parallel, kept in archive order), and keep
//! the rest as a text source, a facts file, or a binary-file problem.

use rayon::prelude::*;
use std::sync::Arc;

use super::archive;
use super::decompress::{self, Compression};
use super::item::{Content, FoundFact, Head, Item, MAX_DEPTH, Outcome, Pending, unsupported};
use super::parts::{self};
use super::stream;
use super::{CompressedData, InputConfig, SourceData, StreamSink};

/// Judge what `item` holds and append what it becomes to `out`: a text source, a
/// fact, a problem, or for compressed data and archives the expansion of what they
/// contain (nested up to [`MAX_DEPTH`] levels).
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
                        compressed: Box::new(item.data),
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
            let tail = stream::expand_pull(head, first, &mut dec, config, sink, out, expand);
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
