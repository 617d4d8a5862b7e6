//! Streams read once, as they are decoded: stdin, named pipes, and large compressed
//! archives (`.tar.gz`, `.tgz`, `.tar.zst`). Nothing is decoded into memory whole:
//! a tar archive is walked as its bytes arrive; a small member is read out and
//! expanded on the thread pool while the walk goes on; a large member is handed to
//! the [`StreamSink`] while it is decoded (and a compressed or archived member is
//! opened the same way, one level at a time). Members keep archive order.
//!
//! Node identity, rotation order and dedupe need every source's path, not its
//! bytes: they are decided afterwards from the [`Pending`] list, as for files.

use std::io::{Cursor, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::archive;
use super::decompress::{self, Compression, Cut, Decoding, InputEnd, Pull, Watched};
use super::item::{
    Content, Expand, FoundFact, Head, Item, MAX_DEPTH, Outcome, Pending, unsupported,
};
use super::parts::{self};
use super::{InputConfig, SourceData, StreamSink};

/// Decoded bytes of small members read out and waiting for the pool: past this, the
/// walk helps the pool instead of decoding more (memory stays bounded when the
/// scanner is slower than the decoder).
const IN_FLIGHT: usize = 64 << 20;

/// A decoded stream: bytes to read, and whether it stopped early.
pub(crate) trait Stream: Read + Pull {
    /// Why it stopped early, if it did.
    fn stopped(&self) -> Option<&Cut>;
}

impl<R: Read> Stream for Decoding<R> {
    fn stopped(&self) -> Option<&Cut> {
        self.cut.as_ref()
    }
}

/// What a stream's expansion leaves for the owner of the stream to report, once it
/// knows whether the stream itself was cut.
pub(crate) enum Tail {
    /// A tar archive's damage: explained by the cut (and not repeated) when there is one.
    Damage(String),
    /// The stream holds binary data: said after the cut message when it was cut (a
    /// decompression bomb of zeros), alone otherwise.
    Binary(String),
}

/// Report the end of a stream: its cut, if any, and what its expansion left.
pub(crate) fn settle(out: &mut Outcome, display: &str, cut: Option<String>, tail: Option<Tail>) {
    match (cut, tail) {
        (Some(cut), Some(Tail::Binary(reason))) => {
            out.problem(display, format!("{cut}; what was read is {reason}"));
        }
        (Some(cut), _) => out.problem(display, cut),
        (None, Some(Tail::Damage(message) | Tail::Binary(message))) => {
            out.problem(display, message);
        }
        (None, None) => {}
    }
}

/// Expand stdin or a pipe as it is read, capped like any decompression.
pub(crate) fn expand_read(
    head: Head,
    reader: Box<dyn Read>,
    config: &InputConfig,
    sink: &dyn StreamSink,
    out: &mut Outcome,
    expand: Expand,
) {
    let mut dec = Decoding::from_reader(reader, config.decompress_cap);
    let first = read_head(&mut dec, config, None);
    let display = head.display.clone();
    let tail = expand_pull(head, first, &mut dec, config, sink, out, expand);
    let cut = dec.cut.as_ref().map(|cut| match cut {
        Cut::Cap { cap } => format!(
            "input exceeds the {size} cap; read the first {size}; \
             raise it with --max-decompressed SIZE",
            size = decompress::human_size(*cap)
        ),
        other => other.message("input"),
    });
    settle(out, &display, cut, tail);
}

/// The first bytes of a stream: up to `stream_above` (what decides whether it is
/// held whole), no more than a member declares.
pub(crate) fn read_head(
    dec: &mut dyn Pull,
    config: &InputConfig,
    declared: Option<u64>,
) -> Vec<u8> {
    let limit = usize::try_from(config.stream_above).unwrap_or(usize::MAX);
    let hint = declared.map_or(64 << 10, |d| usize::try_from(d).unwrap_or(limit).min(limit));
    let mut first = Vec::with_capacity(hint.saturating_add(1).min(limit));
    dec.read_into(&mut first, limit);
    first
}

/// Expand a stream whose `first` bytes were read from `rest`. A stream that ended
/// within them is expanded like bytes in memory; a longer one is opened as it is
/// decoded. Returns what is left to report once the caller knows whether the stream
/// was cut (see [`settle`]).
pub(crate) fn expand_pull(
    head: Head,
    first: Vec<u8>,
    rest: &mut dyn Stream,
    config: &InputConfig,
    sink: &dyn StreamSink,
    out: &mut Outcome,
    expand: Expand,
) -> Option<Tail> {
    if head.depth > MAX_DEPTH {
        out.problem(
            &head.display,
            format!(
                "archives nested more than {} levels deep; skipped",
                MAX_DEPTH
            ),
        );
        return None;
    }
    if rest.finished() {
        let cut_reported = head.cut_reported || rest.stopped().is_some();
        whole(
            Head {
                cut_reported,
                ..head
            },
            first,
            config,
            sink,
            out,
            expand,
        );
        return None;
    }
    match Content::of(&head.parts, &head.display, &first) {
        Content::Compressed(format @ (Compression::Gzip | Compression::Zstd)) => {
            let chained: Box<dyn Read + '_> = Box::new(Cursor::new(first).chain(&mut *rest));
            let mut inner = Decoding::streaming(chained, format, config.decompress_cap);
            let inner_first = read_head(&mut inner, config, None);
            let display = head.display.clone();
            let cut_reported = head.cut_reported;
            let next = Head {
                depth: head.depth + 1,
                ..head
            };
            let tail = expand_pull(next, inner_first, &mut inner, config, sink, out, expand);
            match &inner.cut {
                Some(cut) if !cut_reported => {
                    settle(out, &display, Some(cut.message(format.name())), tail);
                }
                Some(_) => {}
                None => return tail,
            }
            None
        }
        Content::Compressed(format) => {
            out.problem(&head.display, unsupported(format));
            None
        }
        Content::Tar => {
            let mut chained = Cursor::new(first).chain(&mut *rest);
            tar_stream(&head, &mut chained, config, sink, out, expand).map(Tail::Damage)
        }
        Content::Fact(kind, value) => {
            out.facts.push(FoundFact {
                kind,
                display: head.display,
                parts: head.parts,
                value,
            });
            None
        }
        Content::Binary(reason) => {
            // Read to the end (an archive needs its next member anyway): whether the
            // cap cut it belongs in the message.
            let mut skipped = Vec::with_capacity(1 << 20);
            while !rest.finished() {
                skipped.clear();
                rest.read_into(&mut skipped, 1 << 20);
            }
            Some(Tail::Binary(reason))
        }
        Content::Log => {
            let data = sink.pull(&head.display, first, rest);
            out.sources.push(Pending {
                display: head.display,
                parts: head.parts,
                mtime: head.mtime,
                data,
            });
            None
        }
    }
}

/// Bytes read whole from a stream: expanded as in memory, and every text source
/// they hold handed to the sink (its bytes exist only now).
fn whole(
    head: Head,
    bytes: Vec<u8>,
    config: &InputConfig,
    sink: &dyn StreamSink,
    out: &mut Outcome,
    expand: Expand,
) {
    let mut one = Outcome::default();
    let item = Item {
        display: head.display,
        parts: head.parts,
        mtime: head.mtime,
        data: SourceData::Owned(bytes),
        depth: head.depth,
        cut_reported: head.cut_reported,
    };
    expand(item, config, sink, &mut one);
    for pending in &mut one.sources {
        if !matches!(pending.data, SourceData::Scanned(_)) {
            let data = std::mem::replace(&mut pending.data, SourceData::Owned(Vec::new()));
            pending.data = sink.whole(&pending.display, data);
        }
    }
    out.absorb(one);
}

/// Walk a tar archive as its bytes arrive. Small members are read out and expanded
/// on the pool while the walk decodes on; large ones are expanded here as they are
/// read. Returns the archive's damage message, if any.
pub(crate) fn tar_stream(
    head: &Head,
    reader: &mut dyn Read,
    config: &InputConfig,
    sink: &dyn StreamSink,
    out: &mut Outcome,
    expand: Expand,
) -> Option<String> {
    let end = InputEnd::default();
    let mut archive = tar::Archive::new(Watched::new(reader, end.clone()));
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(err) => return Some(format!("corrupt tar archive ({err}); nothing read")),
    };
    let mut base = head.parts.clone();
    if let Some(last) = base.last_mut() {
        last.archive = true;
    }
    let done: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    let in_flight = AtomicUsize::new(0);
    let mut damage = None;
    let mut kept = 0usize;
    rayon::in_place_scope(|scope| {
        for (index, entry) in entries.enumerate() {
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    damage = Some(archive::damage_message(&err, end.reached(), kept));
                    break;
                }
            };
            let Some(header) = archive::regular(&entry) else {
                continue;
            };
            kept += 1;
            let name = if header.name.is_empty() {
                "unnamed".to_owned()
            } else {
                header.name.clone()
            };
            let display = format!("{}!/{name}", head.display);
            let mut member_parts = base.clone();
            member_parts.extend(parts::from_member(&name));
            let member = Head {
                display: display.clone(),
                parts: member_parts,
                mtime: header.mtime,
                depth: head.depth + 1,
                cut_reported: false,
            };
            let mut dec = Decoding::from_reader(&mut entry, config.decompress_cap);
            let first = read_head(&mut dec, config, Some(header.declared));
            let mut one = Outcome::default();
            let cap_cut = matches!(dec.cut, Some(Cut::Cap { .. }));
            if dec.finished() {
                let got = first.len();
                let cut = dec.cut.clone();
                drop(dec);
                if let Some(cut @ Cut::Cap { .. }) = &cut {
                    one.problem(&display, cut.message("tar member"));
                }
                wait_for_room(&in_flight);
                in_flight.fetch_add(got, Ordering::Relaxed);
                let (done, in_flight) = (&done, &in_flight);
                let member = Head {
                    cut_reported: cap_cut,
                    ..member
                };
                scope.spawn(move |_| {
                    whole(member, first, config, sink, &mut one, expand);
                    in_flight.fetch_sub(got, Ordering::Relaxed);
                    lock(done).push((index, one));
                });
                let read_error = matches!(cut, Some(Cut::Truncated { .. } | Cut::Corrupt { .. }));
                if read_error || (cut.is_none() && (got as u64) < header.declared) {
                    damage = Some(archive::short_message(
                        &name,
                        got as u64,
                        header.declared,
                        kept,
                    ));
                    break;
                }
            } else {
                let tail = expand_pull(member, first, &mut dec, config, sink, &mut one, expand);
                let got = dec.produced();
                let cut = dec.cut.clone();
                match &cut {
                    Some(cap @ Cut::Cap { .. }) => {
                        settle(&mut one, &display, Some(cap.message("tar member")), tail);
                    }
                    // A read error is the archive's damage, reported below.
                    Some(_) => {}
                    None => settle(&mut one, &display, None, tail),
                }
                lock(&done).push((index, one));
                let read_error = matches!(cut, Some(Cut::Truncated { .. } | Cut::Corrupt { .. }));
                if read_error || (cut.is_none() && got < header.declared) {
                    damage = Some(archive::short_message(&name, got, header.declared, kept));
                    break;
                }
            }
        }
    });
    let mut results = done.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(index, _)| *index);
    for (_, one) in results {
        out.absorb(one);
    }
    damage
}

/// Wait while the members read out but not yet expanded hold too many bytes,
/// running pool work meanwhile (on a one-thread pool, this thread is the pool).
fn wait_for_room(in_flight: &AtomicUsize) {
    while in_flight.load(Ordering::Relaxed) > IN_FLIGHT {
        match rayon::yield_now() {
            Some(rayon::Yield::Executed) => {}
            _ => std::thread::sleep(std::time::Duration::from_millis(1)),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::input::archive::tests::tar_of;

    /// Two members: `a.log` (header 0..512, 6 data bytes then padding to 1024) and
    /// `b.log` (header 1024..1536, data from 1536).
    fn two_members() -> Vec<u8> {
        tar_of(&[("a.log", b"first\n"), ("b.log", &[b'x'; 4096])])
    }

    /// Keeps a member read whole as a source, expanding nothing.
    fn keep(item: Item, _: &InputConfig, _: &dyn StreamSink, out: &mut Outcome) {
        out.sources.push(Pending {
            display: item.display,
            parts: item.parts,
            mtime: item.mtime,
            data: item.data,
        });
    }

    /// Walk `data` as a tar arriving once through a reader: the damage reported and
    /// the members kept.
    fn walk(data: &[u8]) -> (String, Vec<String>) {
        let head = Head {
            display: "a.tar".into(),
            parts: parts::from_member("a.tar"),
            mtime: None,
            depth: 0,
            cut_reported: false,
        };
        let mut out = Outcome::default();
        let mut reader = data;
        let damage = tar_stream(
            &head,
            &mut reader,
            &InputConfig::default(),
            &super::super::Keep,
            &mut out,
            keep,
        );
        let kept = out.sources.into_iter().map(|p| p.display).collect();
        (damage.unwrap_or_default(), kept)
    }

    #[test]
    fn a_streamed_tar_cut_in_a_header_or_padding_is_truncated() {
        let data = two_members();
        // Inside `b.log`'s header, then inside `a.log`'s padding (skipped by reading).
        for keep in [1024 + 100, 512 + 200] {
            let (damage, kept) = walk(data.get(..keep).unwrap_or_default());
            assert!(
                damage.starts_with("truncated tar archive ("),
                "{keep}: {damage}"
            );
            assert_eq!(kept, ["a.tar!/a.log"], "{keep}");
        }
        let (damage, kept) = walk(&data);
        assert_eq!(damage, "");
        assert_eq!(kept, ["a.tar!/a.log", "a.tar!/b.log"]);
    }

    #[test]
    fn a_streamed_tar_with_a_bad_header_is_corrupt() {
        let mut data = two_members();
        if let Some(b) = data.get_mut(1024 + 2) {
            *b ^= 0x20;
        }
        // The bad header amid the archive, and as its last block.
        for keep in [data.len(), 1536] {
            let (damage, kept) = walk(data.get(..keep).unwrap_or_default());
            assert!(
                damage.starts_with("corrupt tar archive ("),
                "{keep}: {damage}"
            );
            assert_eq!(kept, ["a.tar!/a.log"], "{keep}");
        }
    }
}
