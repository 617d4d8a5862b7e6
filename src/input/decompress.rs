//! In-memory decompression of gzip and zstd streams, detected by magic bytes, with
//! an output cap. Nothing is written to disk; memory grows with the bytes actually
//! produced (never with a size the input declares) and stops at the cap.

use std::io::{self, Read};

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
    /// Set when the stream was not read to its end.
    pub(crate) cut: Option<Cut>,
}

/// A decoder over borrowed compressed bytes that can move between threads.
pub(crate) type Decoder<'a> = Box<dyn Read + Send + 'a>;

/// Told how many more compressed bytes a decoder took (a progress display).
pub(crate) type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// A decoder reading compressed bytes from `reader` (gzip or zstd; the other formats
/// read as a stream that fails at once).
pub(crate) fn reader<'a>(reader: Box<dyn Read + 'a>, format: Compression) -> Box<dyn Read + 'a> {
    match format {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(reader)),
        Compression::Zstd => match zstd::stream::read::Decoder::new(reader) {
            Ok(decoder) => Box::new(decoder),
            Err(err) => Box::new(Failing(err.to_string())),
        },
        Compression::Xz | Compression::Bzip2 => Box::new(Failing("format not supported".into())),
    }
}

/// A reader that fails with a message (a decoder that could not start).
struct Failing(String);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::InvalidData, self.0.clone()))
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
        let input = Tally {
            rest: data,
            progress,
        };
        let reader: Decoder<'a> = match format {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
            Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(input) {
                Ok(decoder) => Box::new(decoder),
                Err(err) => return Decoding::failed(err.to_string()),
            },
            Compression::Xz | Compression::Bzip2 => {
                return Decoding::failed("format not supported".to_owned());
            }
        };
        Decoding::from_reader(reader, cap)
    }

    fn failed(reason: String) -> Decoding<Decoder<'a>> {
        Decoding {
            reader: Box::new(io::empty()),
            produced: 0,
            cap: 0,
            done: true,
            cut: Some(Cut::Corrupt { read: 0, reason }),
        }
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
            cut: None,
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
                    self.cut = Some(if is_truncation(&err) {
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

/// The compressed input, counting what the decoder has taken.
struct Tally<'a> {
    rest: &'a [u8],
    progress: Option<Progress<'a>>,
}

impl Read for Tally<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.rest.read(buf)?;
        if let Some(p) = self.progress {
            p(n as u64);
        }
        Ok(n)
    }
}

impl io::BufRead for Tally<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
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

/// Whether a decoder error means "the input stopped early" rather than "bad data".
fn is_truncation(err: &io::Error) -> bool {
    if err.kind() == io::ErrorKind::UnexpectedEof {
        return true;
    }
    // zstd reports a cut frame as a plain error with this text.
    let text = err.to_string();
    text.contains("incomplete frame") || text.contains("Truncated") || text.contains("truncated")
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
