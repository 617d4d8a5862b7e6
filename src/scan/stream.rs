//! Scanning text that exists only while it is decoded (a large compressed log, a
//! member of a `.tar.gz`, stdin): block by block, each block scanned like a chunk of
//! a mapped file while this thread decodes the next one.
//!
//! Memory stays at a few blocks plus [`HISTORY`] whatever the size. The history is
//! what a boot banner's look-back needs (the node's last line before it booted may
//! lie far back in an aggregated log): it is kept in the same buffer as the block,
//! so no second decode is needed and an archive member, which cannot be decoded
//! twice, gets the same answer as a compressed file.

use std::sync::Mutex;

use super::harvest::Harvest;
use super::lines;
use super::scanner::{self, Mode, Scanner};
use crate::input::{CompressedData, Pull, SourceId};

/// Decoded bytes per block: memory held for a compressed source is about two blocks
/// plus history and lookahead, whatever its size.
pub const STREAM_BLOCK: usize = 8 << 20;

/// Decoded bytes kept after a block's end, for events that go on past it (a chunk
/// of a mapped file follows such events up to a few thousand lines).
const STREAM_LOOKAHEAD: usize = 1 << 20;

/// Decoded bytes always held before the block being scanned: a boot banner looks
/// back at least this far for its node's last line (a mapped file: up to a million
/// lines). Multi-line events need only the 64 KiB warm-up of a chunk.
pub const HISTORY: usize = 32 << 20;

/// The history is trimmed in steps this large (each step moves [`HISTORY`] bytes to
/// the front of the buffer: about one copy per decoded byte).
const HISTORY_STEP: usize = 32 << 20;

/// The block buffer's largest size: history and a trimming step before the block
/// last scanned (which may end up to a block past the step), its lookahead, and the
/// next block appended.
const MOST: usize = HISTORY + HISTORY_STEP + 2 * STREAM_BLOCK + 2 * STREAM_LOOKAHEAD;

/// Buffers of finished streams, kept for the next one: a fresh buffer costs the
/// kernel a page clear per 4 KiB touched (a third of the CPU time of a `.tgz` of
/// two large logs went there), a reused one nothing. At most one per thread.
static SPARE: Mutex<Vec<Buffers>> = Mutex::new(Vec::new());

/// The block buffer (history, block, lookahead) and the one the next block is
/// decoded into.
#[derive(Default)]
struct Buffers {
    held: Vec<u8>,
    next: Vec<u8>,
}

impl Buffers {
    fn take() -> Buffers {
        let mut spare = SPARE.lock().unwrap_or_else(|p| p.into_inner());
        spare.pop().unwrap_or_default()
    }

    fn give_back(mut self) {
        self.held.clear();
        self.next.clear();
        // A source read whole (a CRI log) may have grown it far past the usual size.
        if self.held.capacity() > 2 * MOST {
            return;
        }
        let mut spare = SPARE.lock().unwrap_or_else(|p| p.into_inner());
        if spare.len() < rayon::current_num_threads() {
            spare.push(self);
        }
    }
}

impl Scanner<'_> {
    /// Scan a compressed source kept compressed, decoding it as it is scanned.
    pub fn scan_stream(&self, id: SourceId, stream: &CompressedData) -> Harvest {
        let mut dec = stream.decoding(None);
        let mut head = Vec::with_capacity(STREAM_BLOCK + STREAM_LOOKAHEAD);
        dec.read_into(&mut head, STREAM_BLOCK + STREAM_LOOKAHEAD);
        let mut h = self.scan_pull(id, head, &mut dec);
        h.problems
            .extend(dec.cut.as_ref().map(|c| stream.cut_message(c)));
        h
    }

    /// Scan text whose first bytes are `buf` and whose rest `rest` gives as it is
    /// decoded. Formats that need the whole source at once (JSON, CRI, dmesg) are
    /// read whole first.
    pub fn scan_pull(&self, id: SourceId, head: Vec<u8>, rest: &mut dyn Pull) -> Harvest {
        let mut bufs = Buffers::take();
        bufs.held.extend_from_slice(&head);
        drop(head);
        let h = self.scan_blocks(id, &mut bufs, rest);
        bufs.give_back();
        h
    }

    fn scan_blocks(&self, id: SourceId, bufs: &mut Buffers, rest: &mut dyn Pull) -> Harvest {
        let Buffers { held: buf, next } = bufs;
        let first = STREAM_BLOCK + STREAM_LOOKAHEAD;
        if buf.len() < first && !rest.finished() {
            let want = first - buf.len();
            rest.read_into(buf, want);
        }
        let term = lines::terminator(buf);
        let format = scanner::detect(buf, term);
        if self.force_full || scanner::whole_only(format) || rest.finished() {
            while !rest.finished() {
                rest.read_into(buf, usize::MAX);
            }
            return self.scan(id, buf);
        }
        let hosts = scanner::host_mode(buf, term, format);
        let tuned = self.source_prefilter(format, &scanner::sample(buf));
        let this = Scanner {
            prefilter: &tuned,
            ..*self
        };
        // The buffer's largest size, reserved once: growing it by doubling would
        // copy it each time and leave the old blocks resident for a while.
        buf.reserve_exact(MOST.saturating_sub(buf.len()));
        let mut total = Harvest::default();
        let mut start = 0;
        next.reserve_exact(STREAM_BLOCK.saturating_sub(next.capacity()));
        loop {
            // End the block on a line end, leaving the lookahead after it (a line
            // longer than the lookahead is decoded further until it ends).
            let end = loop {
                if rest.finished() {
                    break buf.len();
                }
                let from = buf.len().saturating_sub(STREAM_LOOKAHEAD).max(start);
                if let Some(i) = buf.get(from..).and_then(|tail| memchr::memchr(term, tail)) {
                    break from + i + 1;
                }
                rest.read_into(buf, STREAM_BLOCK);
            };
            next.clear();
            let more = !rest.finished();
            let mut part = None;
            // This thread decodes the next block while the pool scans this one (with
            // one thread, the scan runs when the decode is done).
            rayon::in_place_scope(|scope| {
                let (held, part) = (&*buf, &mut part);
                scope.spawn(move |_| {
                    *part = Some(this.scan_range(
                        id,
                        held,
                        (start, end),
                        term,
                        format,
                        Mode::Prefiltered,
                        hosts,
                    ));
                });
                if more {
                    rest.read_into(next, STREAM_BLOCK);
                }
            });
            let mut part = part.unwrap_or_default();
            (self.progress)((end - start) as u64);
            // A look-back that reached the front of the buffer ran past the history
            // held: nothing within it, as for a look-back past its line limit.
            part.look_back_short.clear();
            part.shift(total.lines);
            total.absorb(part);
            if end >= buf.len() && next.is_empty() && rest.finished() {
                break;
            }
            // Trim before appending, so the buffer never outgrows what was reserved.
            start = end;
            if end > HISTORY + HISTORY_STEP {
                let keep = lines::line_start(buf, end - HISTORY, term);
                buf.drain(..keep);
                start = end - keep;
            }
            buf.extend_from_slice(next);
        }
        scanner::settle_interleaved(&mut total);
        total.detected = format;
        total
    }
}
