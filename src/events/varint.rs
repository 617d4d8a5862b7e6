//! LEB128 varints, and byte strings after their length: the compact encodings of events held in bulk (packed fields, kept
//! finds) write their numbers this way, small numbers in one byte.

/// Append `n`, seven bits per byte, low bits first.
pub fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Bytes [`put_varint`] takes for `n`.
pub fn varint_size(n: u64) -> usize {
    (64 - n.max(1).leading_zeros() as usize).div_ceil(7)
}

/// Read a varint at `at`, moving past it; `None` when cut short or longer than 64 bits.
pub fn take_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

/// Append `b` after its length.
pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Read bytes [`put_bytes`] wrote at `at`, moving past them; `None` when cut short.
pub fn take_bytes<'b>(bytes: &'b [u8], at: &mut usize) -> Option<&'b [u8]> {
    let n = usize::try_from(take_varint(bytes, at)?).ok()?;
    let out = bytes.get(*at..at.checked_add(n)?)?;
    *at += n;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_and_cut_ones_do_not() {
        for n in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, n);
            assert_eq!(out.len(), varint_size(n), "{n}");
            let mut at = 0;
            assert_eq!(take_varint(&out, &mut at), Some(n));
            assert_eq!(at, out.len());
            let mut at = 0;
            assert_eq!(take_varint(&out[..out.len() - 1], &mut at), None, "{n}");
        }
        let mut out = Vec::new();
        put_bytes(&mut out, b"kubelet");
        put_bytes(&mut out, b"");
        let mut at = 0;
        assert_eq!(take_bytes(&out, &mut at), Some(&b"kubelet"[..]));
        assert_eq!(take_bytes(&out, &mut at), Some(&b""[..]));
        assert_eq!(take_bytes(&out, &mut at), None);
        assert_eq!(take_bytes(&out[..5], &mut 0), None);
    }
}
