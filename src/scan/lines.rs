//! Line iteration over a byte buffer: `\n` ends a line, a trailing `\r` is dropped,
//! and a buffer with no `\n` at all but lone `\r`s (old Mac line ends) splits on `\r`.
//! Positions are absolute offsets into the source.

/// The byte that ends lines in this buffer.
pub fn terminator(data: &[u8]) -> u8 {
    let head = data.get(..data.len().min(1 << 20)).unwrap_or(data);
    if memchr::memchr(b'\n', head).is_none() && memchr::memchr(b'\r', head).is_some() {
        b'\r'
    } else {
        b'\n'
    }
}

/// The line that starts at `start`: (content without terminator or trailing `\r`, next line start).
pub fn line_at(data: &[u8], start: usize, term: u8) -> (&[u8], usize) {
    let rest = data.get(start..).unwrap_or(&[]);
    let (content, next) = match memchr::memchr(term, rest) {
        Some(i) => (&rest[..i], start + i + 1),
        None => (rest, data.len()),
    };
    let content = content.strip_suffix(b"\r").unwrap_or(content);
    (content, next)
}

/// Start of the line containing `pos`.
pub fn line_start(data: &[u8], pos: usize, term: u8) -> usize {
    let head = data.get(..pos).unwrap_or(data);
    memchr::memrchr(term, head).map_or(0, |i| i + 1)
}

/// Number of line terminators in `data`.
pub fn count(data: &[u8], term: u8) -> u64 {
    memchr::memchr_iter(term, data).count() as u64
}

/// Number of lines in `data`: its terminators, plus one for an unterminated last line.
pub fn count_all(data: &[u8], term: u8) -> u64 {
    count(data, term) + u64::from(!data.is_empty() && !data.ends_with(&[term]))
}

/// Split `data` into ranges of about `size` bytes that end on a line terminator.
pub fn chunks(data: &[u8], size: usize, term: u8) -> Vec<(usize, usize)> {
    let size = size.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let guess = start.saturating_add(size);
        let end = if guess >= data.len() {
            data.len()
        } else {
            match memchr::memchr(term, &data[guess..]) {
                Some(i) => guess + i + 1,
                None => data.len(),
            }
        };
        out.push((start, end));
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_drop_cr_and_handle_missing_final_newline() {
        let data = b"one\r\ntwo\nthree";
        let (l, n) = line_at(data, 0, b'\n');
        assert_eq!((l, n), (&b"one"[..], 5));
        let (l, n) = line_at(data, n, b'\n');
        assert_eq!((l, n), (&b"two"[..], 9));
        let (l, n) = line_at(data, n, b'\n');
        assert_eq!((l, n), (&b"three"[..], 14));
        assert_eq!(line_start(data, 11, b'\n'), 9);
    }

    #[test]
    fn lone_cr_files_split_on_cr() {
        assert_eq!(terminator(b"a\rb\rc"), b'\r');
        assert_eq!(terminator(b"a\r\nb"), b'\n');
        assert_eq!(terminator(b""), b'\n');
    }

    #[test]
    fn chunks_end_on_line_boundaries_and_cover_everything() {
        let data = b"aaaa\nbbbb\ncccc\ndd";
        let c = chunks(data, 6, b'\n');
        assert_eq!(c, vec![(0, 10), (10, 17)]);
        let total: usize = c.iter().map(|(s, e)| e - s).sum();
        assert_eq!(total, data.len());
        assert!(chunks(b"", 4, b'\n').is_empty());
    }
}
