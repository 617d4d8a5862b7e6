//! In-memory decompression of gzip and zstd streams, detected by magic bytes, with
//! an output cap. Nothing is written to disk; memory grows with the bytes actually
//! produced (never with a size the input declares) and stops at the cap.

use std::io::{self, Read, Seek};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A compression format recognised by its magic bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Compression {
    /// gzip (`1f 8b`), possibly several concatenated members.
    Gzip,
    /// zstd (`28 b5 2f fd`), possibly several frames.
    Zstd,
    /// xz (`fd 37 7a 58 5a 00`): recognised only to say it is not supported.
    Xz,
    /// bzip2 (`BZh`): recognised only to say it is not supported.
    Bzip2,
}

impl Compression {
    /// The format's usual name, used in problem messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
        }
    }
}

/// The compression of `data`, from its first bytes (extensions are not trusted).
pub(crate) fn sniff(data: &[u8]) -> Option<Compression> {
    if data.starts_with(&[0x1f, 0x8b]) {
        Some(Compression::Gzip)
    } else if data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Compression::Zstd)
    } else if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some(Compression::Xz)
    } else if data.starts_with(b"BZh") && data.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
        Some(Compression::Bzip2)
    } else {
        None
    }
}

/// Why a stream or member was not read to its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cut {
    /// The output reached the cap; `cap` bytes were kept.
    Cap { cap: u64 },
    /// The input ended in the middle of the stream.
    Truncated { read: u64 },
    /// The stream is damaged (bad header, bad checksum...).
    Corrupt { read: u64, reason: String },
}

impl Cut {
    /// The problem message for this cut, for a stream of the given format.
    pub(crate) fn message(&self, format: &str) -> String {
        match self {
            Cut::Cap { cap } => format!(
                "decompressed size exceeds the {size} cap; read the first {size}; \
                 raise it with --max-decompressed SIZE",
                size = human_size(*cap)
            ),
            Cut::Truncated { read } => {
                format!("truncated {format} stream: read {read} bytes before the cut")
            }
            Cut::Corrupt { read, reason } => {
                format!("corrupt {format} stream ({reason}): read {read} bytes before the error")
            }
        }
    }
}

/// Output of a decompression: the bytes kept, and why reading stopped early if it did.
pub(crate) struct Decoded {
    /// Decompressed bytes (at most the cap).
    pub bytes: Vec<u8>,
    /// Set when the stream was not read to its end.
    pub cut: Option<Cut>,
}

/// Decompress `data` in memory, keeping at most `cap` bytes of output.
/// Only gzip and zstd are decoded; the other formats are reported by the caller.
pub(crate) fn decode(data: &[u8], format: Compression, cap: u64) -> Decoded {
    Decoding::new(data, format, cap, None).into_decoded()
}

/// Read everything from `reader`, keeping at most `cap` bytes (see [`Decoding`]).
pub(crate) fn read_capped<R: Read>(reader: R, cap: u64) -> Decoded {
    Decoding::from_reader(reader, cap).into_decoded()
}

/// A compressed stream decoded piece by piece, keeping at most `cap` bytes of output
/// in all. The caller's buffer grows with what is produced, never with a size the
/// input declares. Reading stops at the end of the stream, at the cap, or at damage;
/// [`Decoding::cut`] then says why it stopped early, if it did.
pub(crate) struct Decoding<R> {
    reader: R,
    produced: u64,
    cap: u64,
    done: bool,
    /// The end of the decoder's compressed input, when it is watched: an error then
    /// means truncated if the decoder had run out of input, corrupt if not.
    end: Option<InputEnd>,
    /// Set when the stream was not read to its end.
    pub(crate) cut: Option<Cut>,
}

/// A decoder over borrowed compressed bytes that can move between threads.
pub(crate) type Decoder<'a> = Box<dyn Read + Send + 'a>;

/// Told how many more compressed bytes a decoder took (a progress display).
pub(crate) type Progress<'a> = &'a (dyn Fn(u64) + Sync);

impl<'a> Decoding<Box<dyn Read + 'a>> {
    /// Decode the compressed bytes `reader` yields (a stream read once: stdin, a
    /// member of a streamed archive), keeping at most `cap` bytes.
    pub(crate) fn streaming(
        reader: Box<dyn Read + 'a>,
        format: Compression,
        cap: u64,
    ) -> Decoding<Box<dyn Read + 'a>> {
        let end = InputEnd::default();
        let input = Watched::new(reader, end.clone());
        let decoder: Box<dyn Read + 'a> = match format {
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
            Compression::Zstd => match zstd::stream::read::Decoder::new(input) {
                Ok(decoder) => Box::new(decoder),
                Err(err) => return Decoding::failed(Box::new(io::empty()), err.to_string()),
            },
            Compression::Xz | Compression::Bzip2 => {
                return Decoding::failed(Box::new(io::empty()), "format not supported".into());
            }
        };
        Decoding::watching(decoder, cap, end)
    }
}

impl<'a> Decoding<Decoder<'a>> {
    /// Decode `data`; `progress`, when given, is told of the compressed bytes taken.
    pub(crate) fn new(
        data: &'a [u8],
        format: Compression,
        cap: u64,
        progress: Option<Progress<'a>>,
    ) -> Decoding<Decoder<'a>> {
        let end = InputEnd::default();
        let input = Tally {
            rest: data,
            progress,
            end: end.clone(),
        };
        let reader: Decoder<'a> = match format {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
            Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(input) {
                Ok(decoder) => Box::new(decoder),
                Err(err) => return Decoding::failed(Box::new(io::empty()), err.to_string()),
            },
            Compression::Xz | Compression::Bzip2 => {
                return Decoding::failed(Box::new(io::empty()), "format not supported".to_owned());
            }
        };
        Decoding::watching(reader, cap, end)
    }
}

impl<R: Read> Decoding<R> {
    /// Read `reader`, keeping at most `cap` bytes.
    pub(crate) fn from_reader(reader: R, cap: u64) -> Decoding<R> {
        Decoding {
            reader,
            produced: 0,
            cap,
            done: false,
            end: None,
            cut: None,
        }
    }

    /// Read the decoder `reader`, whose compressed input reports its end to `end`.
    fn watching(reader: R, cap: u64, end: InputEnd) -> Decoding<R> {
        Decoding {
            end: Some(end),
            ..Decoding::from_reader(reader, cap)
        }
    }

    /// A decoder that could not start: damaged before the first byte.
    fn failed(reader: R, reason: String) -> Decoding<R> {
        Decoding {
            reader,
            produced: 0,
            cap: 0,
            done: true,
            end: None,
            cut: Some(Cut::Corrupt { read: 0, reason }),
        }
    }

    /// Everything that is left, in one buffer.
    pub(crate) fn into_decoded(mut self) -> Decoded {
        let mut bytes = Vec::new();
        while !self.done {
            self.read_into(&mut bytes, usize::MAX);
        }
        Decoded {
            bytes,
            cut: self.cut,
        }
    }

    /// Whether the stream has ended (or stopped early; see `cut`).
    pub(crate) fn finished(&self) -> bool {
        self.done
    }

    /// Decoded bytes produced so far.
    pub(crate) fn produced(&self) -> u64 {
        self.produced
    }

    /// Append up to `want` more decoded bytes to `out` (fewer only when the stream
    /// ends or stops early).
    pub(crate) fn read_into(&mut self, out: &mut Vec<u8>, want: usize) {
        const CHUNK: usize = 64 * 1024;
        let mut added = 0usize;
        while !self.done && added < want {
            let room = usize::try_from(self.cap.saturating_sub(self.produced)).unwrap_or(CHUNK);
            let n = room.clamp(1, CHUNK).min(want - added);
            if out.capacity() - out.len() < n {
                // Double, but never past what the cap still allows.
                out.reserve(out.len().max(CHUNK).min(room.max(n)).max(n));
            }
            let len = out.len();
            out.resize(len + n, 0);
            let got = self.pull(out.get_mut(len..).unwrap_or_default());
            out.truncate(len + got);
            added += got;
        }
    }

    /// Read into `buf` (at most its length), honouring the cap; 0 at the end of the
    /// stream, at the cap and at damage (then [`Decoding::cut`] says which).
    fn pull(&mut self, buf: &mut [u8]) -> usize {
        loop {
            if self.done || buf.is_empty() {
                return 0;
            }
            let room = self.cap.saturating_sub(self.produced);
            if room == 0 {
                // Probe one byte: more data means the cap really cut the stream.
                let mut probe = [0u8; 1];
                if let Ok(1..) = self.reader.read(&mut probe) {
                    self.cut = Some(Cut::Cap { cap: self.cap });
                }
                self.done = true;
                return 0;
            }
            let n = usize::try_from(room).unwrap_or(usize::MAX).min(buf.len());
            match self.reader.read(buf.get_mut(..n).unwrap_or_default()) {
                Ok(0) => self.done = true,
                Ok(got) => {
                    self.produced += got as u64;
                    return got;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    let read = self.produced;
                    self.cut = Some(if self.input_ended(&err) {
                        Cut::Truncated { read }
                    } else {
                        Cut::Corrupt {
                            read,
                            reason: err.to_string(),
                        }
                    });
                    self.done = true;
                }
            }
        }
    }
}

impl<R> Decoding<R> {
    /// Whether the read error `err` means "the input stopped early" rather than
    /// "bad data". Decided from what we saw of the input, not from the wording of
    /// another crate's message.
    fn input_ended(&self, err: &io::Error) -> bool {
        match &self.end {
            // A decoder asks past the end of its input only while the stream it
            // decodes is unfinished: failing after that, it lacked bytes; failing
            // before (a bad block, a checksum that does not match, even over the
            // last bytes), the bytes it had were wrong.
            Some(end) => end.reached(),
            // A plain reader (stdin, a tar member) has only its error kind to say.
            None => err.kind() == io::ErrorKind::UnexpectedEof,
        }
    }
}

/// A capped stream reads like any reader (a tar archive walked as it is decoded):
/// the cap and damage read as the end of the stream, and [`Decoding::cut`] says so.
impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.pull(buf))
    }
}

/// Decoded text handed over piece by piece (a large archive member, stdin, a big
/// compressed log): what the scanner reads while the bytes are decoded.
pub trait Pull {
    /// Append up to `want` more bytes to `out` (fewer only at the end).
    fn read_into(&mut self, out: &mut Vec<u8>, want: usize);
    /// Whether the end was reached (or reading stopped early).
    fn finished(&self) -> bool;
}

impl<R: Read> Pull for Decoding<R> {
    fn read_into(&mut self, out: &mut Vec<u8>, want: usize) {
        Decoding::read_into(self, out, want);
    }
    fn finished(&self) -> bool {
        self.done
    }
}

/// Whether a reader was asked for bytes after its last one (shared between the
/// reader, deep inside a decoder or a tar walk, and whoever classifies its errors).
#[derive(Clone, Debug, Default)]
pub(crate) struct InputEnd(Arc<AtomicBool>);

impl InputEnd {
    fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether the reader ran out: something wanted more bytes than there were.
    pub(crate) fn reached(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A reader that records in an [`InputEnd`] when it runs out.
pub(crate) struct Watched<R> {
    inner: R,
    end: InputEnd,
}

impl<R> Watched<R> {
    pub(crate) fn new(inner: R, end: InputEnd) -> Watched<R> {
        Watched { inner, end }
    }
}

impl<R: Read> Read for Watched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.end.mark();
        }
        Ok(n)
    }
}

/// A tar archive in memory is walked by seeking over member data.
impl<R: Seek> Seek for Watched<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// The compressed input, counting what the decoder has taken and noting when it
/// asks for more after the last byte.
struct Tally<'a> {
    rest: &'a [u8],
    progress: Option<Progress<'a>>,
    end: InputEnd,
}

impl Read for Tally<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.rest.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.end.mark();
        }
        if let Some(p) = self.progress {
            p(n as u64);
        }
        Ok(n)
    }
}

impl io::BufRead for Tally<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.rest.is_empty() {
            self.end.mark();
        }
        Ok(self.rest)
    }
    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.rest.len());
        self.rest = self.rest.get(amt..).unwrap_or_default();
        if let Some(p) = self.progress {
            p(amt as u64);
        }
    }
}

/// Byte counts as people read them: `512 B`, `1.0 MiB`, `4.0 GiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("PiB"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = enc.write_all(data);
        enc.finish().unwrap_or_default()
    }

    /// Log lines that compress into Huffman-coded blocks (not stored ones), so a
    /// flipped byte lands in real coded data.
    fn log_lines() -> Vec<u8> {
        (0..3000u32)
            .flat_map(|i| {
                format!(
                    "Jun  8 03:03:28 node-1 kernel: Out of memory: Kill process {i} (java) \
                     score {}\n",
                    i * 7 % 1000
                )
                .into_bytes()
            })
            .collect()
    }

    /// zstd with a content checksum: without one, a flipped literal byte decodes
    /// silently to other text and nothing could call it corrupt.
    fn zstd_checked(data: &[u8]) -> Vec<u8> {
        let mut enc = zstd::stream::Encoder::new(Vec::new(), 3).expect("zstd encoder");
        enc.include_checksum(true).expect("zstd checksum flag");
        enc.write_all(data).expect("zstd in memory");
        enc.finish().expect("zstd in memory")
    }

    /// Why decoding `packed` stopped, read both ways: held in memory, and as a stream
    /// read once (stdin, a streamed archive member).
    fn cuts(packed: &[u8], format: Compression) -> [Option<Cut>; 2] {
        let held = decode(packed, format, u64::MAX).cut;
        let streamed = Decoding::streaming(Box::new(packed), format, u64::MAX)
            .into_decoded()
            .cut;
        [held, streamed]
    }

    fn flipped(packed: &[u8], at: usize) -> Vec<u8> {
        let mut bad = packed.to_vec();
        if let Some(b) = bad.get_mut(at) {
            *b ^= 0x55;
        }
        bad
    }

    #[test]
    fn streams_cut_anywhere_are_truncated() {
        let data = log_lines();
        for (format, packed) in [
            (Compression::Gzip, gzip(&data)),
            (Compression::Zstd, zstd_checked(&data)),
        ] {
            // Inside the header, in the middle, and inside the trailing checksum.
            for keep in [5, packed.len() / 2, packed.len() - 3] {
                let cut = packed.get(..keep).unwrap_or_default();
                for got in cuts(cut, format) {
                    assert!(
                        matches!(got, Some(Cut::Truncated { .. })),
                        "{format:?} cut to {keep} of {}: {got:?}",
                        packed.len()
                    );
                }
            }
            assert_eq!(cuts(&packed, format), [None, None], "{format:?} whole");
        }
    }

    #[test]
    fn streams_with_a_flipped_byte_are_corrupt() {
        let data = log_lines();
        for (format, packed) in [
            (Compression::Gzip, gzip(&data)),
            (Compression::Zstd, zstd_checked(&data)),
        ] {
            // In the middle of the coded data, and in the trailing checksum: there
            // the decoder has taken every byte when it fails, yet none was missing.
            for at in [packed.len() / 2, packed.len() - 2] {
                for got in cuts(&flipped(&packed, at), format) {
                    assert!(
                        matches!(&got, Some(Cut::Corrupt { reason, .. }) if !reason.is_empty()),
                        "{format:?} flipped at {at} of {}: {got:?}",
                        packed.len()
                    );
                }
            }
        }
    }

    /// A reader that yields some bytes, then fails with `kind`.
    struct FailsAfter(&'static [u8], io::ErrorKind);

    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(self.1, "stopped"));
            }
            self.0.read(buf)
        }
    }

    #[test]
    fn a_plain_reader_is_judged_by_its_error_kind() {
        let eof = read_capped(FailsAfter(b"abc", io::ErrorKind::UnexpectedEof), u64::MAX);
        assert_eq!(eof.bytes, b"abc");
        assert_eq!(eof.cut, Some(Cut::Truncated { read: 3 }));
        let bad = read_capped(FailsAfter(b"abc", io::ErrorKind::InvalidData), u64::MAX);
        assert_eq!(
            bad.cut,
            Some(Cut::Corrupt {
                read: 3,
                reason: "stopped".into()
            })
        );
    }

    #[test]
    fn sizes_read_like_the_flag() {
        assert_eq!(human_size(4 << 30), "4.0 GiB");
        assert_eq!(human_size(1 << 20), "1.0 MiB");
        assert_eq!(human_size(100), "100 B");
    }

    #[test]
    fn sniffs_by_magic_not_name() {
        assert_eq!(sniff(&gzip(b"x")), Some(Compression::Gzip));
        assert_eq!(sniff(b"Jun  8 03:03:28 node-1 kernel: x"), None);
        assert_eq!(sniff(b"BZh91AY&SY"), Some(Compression::Bzip2));
    }

    #[test]
    fn cap_keeps_exactly_cap_bytes() {
        let line = b"Jun  8 03:03:28 node-1 kubelet[5478]: I0608 tick\n";
        let data: Vec<u8> = line.iter().copied().cycle().take(200_000).collect();
        let decoded = decode(&gzip(&data), Compression::Gzip, 100_000);
        assert_eq!(decoded.bytes.len(), 100_000);
        assert_eq!(
            decoded.bytes.as_slice(),
            data.get(..100_000).unwrap_or_default()
        );
        assert_eq!(decoded.cut, Some(Cut::Cap { cap: 100_000 }));
        let whole = decode(&gzip(&data), Compression::Gzip, 200_000);
        assert_eq!(whole.cut, None);
        assert_eq!(whole.bytes, data);
    }

    #[test]
    fn truncated_gzip_keeps_the_head() {
        let line = b"Jun  8 03:03:28 node-1 kernel: Out of memory: Kill process 1234\n";
        let data: Vec<u8> = (0..5000u32)
            .flat_map(|i| {
                let mut l = line.to_vec();
                l.extend_from_slice(i.to_string().as_bytes());
                l
            })
            .collect();
        let packed = gzip(&data);
        let cut = packed.get(..packed.len() / 2).unwrap_or_default();
        let decoded = decode(cut, Compression::Gzip, u64::MAX);
        assert!(
            matches!(decoded.cut, Some(Cut::Truncated { .. })),
            "{:?}",
            decoded.cut
        );
        assert!(!decoded.bytes.is_empty());
        assert!(data.starts_with(&decoded.bytes));
    }
}
