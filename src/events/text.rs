//! Byte helpers shared by the grammars: anchored search, numbers, and the
//! `key=value` / `"key":value` lookups that let one grammar read klog printf,
//! klog structured (`InfoS`), logrus, felix and JSON renderings of the same message.
//!
//! Everything works on `&[u8]` and never panics: bad UTF-8 is data.

use memchr::memmem;
use serde_json::Value;

/// Byte offset of the first `needle` in `hay`.
///
/// Messages are short and every candidate line asks for dozens of needles; building a
/// `memmem` finder per call was a fifth of the time of a dense scan (issue #7), so
/// short haystacks use memchr on the needle's first byte and compare.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if hay.len() > 512 {
        return memmem::find(hay, needle);
    }
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let mut from = 0;
    while let Some(i) = hay.get(from..).and_then(|h| memchr::memchr(first, h)) {
        let at = from + i;
        if hay.get(at + 1..).is_some_and(|h| h.starts_with(rest)) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Byte offset of the last `needle` in `hay`.
pub(crate) fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memmem::rfind(hay, needle)
}

/// Whether `hay` contains `needle`.
pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

/// The bytes after the first `needle`.
pub(crate) fn after<'a>(hay: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    let at = find(hay, needle)?;
    hay.get(at + needle.len()..)
}

/// The bytes before the first `needle`.
pub(crate) fn before<'a>(hay: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    let at = find(hay, needle)?;
    hay.get(..at)
}

/// Lossy UTF-8 conversion for field values.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `bytes` without leading and trailing ASCII whitespace.
pub(crate) fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// The first whitespace-delimited token and the rest (rest starts at the delimiter).
pub(crate) fn token(bytes: &[u8]) -> (&[u8], &[u8]) {
    let bytes = bytes.trim_ascii_start();
    let end = bytes
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes.split_at(end)
}

/// Leading ASCII digits of `bytes` (possibly empty) and the rest.
pub(crate) fn digits(bytes: &[u8]) -> (&[u8], &[u8]) {
    let end = bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len());
    bytes.split_at(end)
}

/// A leading unsigned integer, and the rest.
pub(crate) fn uint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (d, rest) = digits(bytes);
    let n = std::str::from_utf8(d).ok()?.parse().ok()?;
    Some((n, rest))
}

/// A leading, possibly negative, integer, and the rest.
pub(crate) fn int(bytes: &[u8]) -> Option<(i64, &[u8])> {
    match bytes.strip_prefix(b"-") {
        Some(rest) => {
            let (n, rest) = uint(rest)?;
            Some((-i64::try_from(n).ok()?, rest))
        }
        None => {
            let (n, rest) = uint(bytes)?;
            Some((i64::try_from(n).ok()?, rest))
        }
    }
}

/// The unsigned integer right after `key` (e.g. `order:` in `order:2, mode:...`).
pub(crate) fn uint_after(hay: &[u8], key: &[u8]) -> Option<u64> {
    uint(after(hay, key)?).map(|(n, _)| n)
}

/// A field value as written, before interpretation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldValue {
    /// A Go/logrus double-quoted string, unescaped.
    Quoted(String),
    /// An unquoted value (a bare word, or a `[...]` / `{...}` group as written).
    Bare(String),
    /// A JSON value from a `"key":value` pair.
    Json(Value),
}

impl FieldValue {
    /// The value as plain text (JSON strings unwrapped, other JSON rendered).
    pub(crate) fn into_text(self) -> String {
        match self {
            FieldValue::Quoted(s) | FieldValue::Bare(s) => s,
            FieldValue::Json(Value::String(s)) => s,
            FieldValue::Json(other) => other.to_string(),
        }
    }
}

/// Look up `key` as `key=value` (klog structured, logrus, felix fields) or as
/// `"key":value` (JSON logs). The `key=` form must start the line or follow
/// whitespace, so `resourceName=` does not match inside `xresourceName=`.
pub(crate) fn field(hay: &[u8], key: &str) -> Option<FieldValue> {
    let eq = format!("{key}=");
    let mut from = 0;
    while let Some(rel) = hay.get(from..).and_then(|h| find(h, eq.as_bytes())) {
        let at = from + rel;
        let boundary = at == 0 || hay.get(at - 1).is_some_and(|b| b.is_ascii_whitespace());
        if boundary {
            let rest = hay.get(at + eq.len()..).unwrap_or_default();
            return Some(kv_value(rest));
        }
        from = at + eq.len();
    }
    let json_key = format!("\"{key}\":");
    let rest = after(hay, json_key.as_bytes())?;
    let mut values = serde_json::Deserializer::from_slice(rest.trim_ascii_start()).into_iter();
    match values.next() {
        Some(Ok(v)) => Some(FieldValue::Json(v)),
        _ => None,
    }
}

/// [`field`] as text.
pub(crate) fn field_text(hay: &[u8], key: &str) -> Option<String> {
    field(hay, key).map(FieldValue::into_text)
}

/// The value after `key=`: quoted, a bracketed group, or a bare word.
fn kv_value(rest: &[u8]) -> FieldValue {
    match rest.first() {
        Some(b'"') => FieldValue::Quoted(go_unquote(rest.get(1..).unwrap_or_default()).0),
        Some(b'[') | Some(b'{') => {
            let end = group_end(rest).unwrap_or(rest.len());
            FieldValue::Bare(lossy(rest.get(..end).unwrap_or(rest)))
        }
        _ => FieldValue::Bare(lossy(token(rest).0)),
    }
}

/// Unescape a Go `%q` string body (the opening quote already consumed); returns the
/// text and the number of bytes used including the closing quote. An unterminated
/// string takes the rest of the line.
pub(crate) fn go_unquote(body: &[u8]) -> (String, usize) {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        match b {
            b'"' => return (lossy(&out), i + 1),
            b'\\' => {
                let esc = body.get(i + 1).copied();
                match esc {
                    Some(b'n') => out.push(b'\n'),
                    Some(b't') => out.push(b'\t'),
                    Some(b'r') => out.push(b'\r'),
                    Some(c) => out.push(c),
                    None => {}
                }
                i += 2;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    (lossy(&out), body.len())
}

/// Index one past the bracket that closes the group opened at `bytes[0]`,
/// ignoring brackets inside double quotes.
pub(crate) fn group_end(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if quoted {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => quoted = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => quoted = true,
            b'[' | b'{' | b'(' => depth += 1,
            b']' | b'}' | b')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Collapse runs of whitespace into one space and trim (calicoctl does the same
/// to BIRD's info column).
pub(crate) fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_reads_klog_structured_logrus_and_json() {
        let line =
            br#""Eviction manager: must evict pod(s) to reclaim" resourceName="ephemeral-storage""#;
        assert_eq!(
            field_text(line, "resourceName").as_deref(),
            Some("ephemeral-storage")
        );
        let logrus = br#"time="2018-06-17T03:05:13.803095123Z" level=info msg="Docker daemon" graphdriver=devicemapper version=1.12.6"#;
        assert_eq!(
            field_text(logrus, "graphdriver").as_deref(),
            Some("devicemapper")
        );
        assert_eq!(field_text(logrus, "msg").as_deref(), Some("Docker daemon"));
        let json = br#"{"ts":1.5,"msg":"x","resourceName":"memory","pods":["a/b"]}"#;
        assert_eq!(field_text(json, "resourceName").as_deref(), Some("memory"));
        assert_eq!(
            field(json, "pods"),
            Some(FieldValue::Json(serde_json::json!(["a/b"])))
        );
        assert_eq!(field_text(b"xresourceName=memory", "resourceName"), None);
    }

    #[test]
    fn bracket_groups_respect_quotes() {
        let v = field(br#"pods=["ns/a]","ns/b"] next=1"#, "pods");
        assert_eq!(v, Some(FieldValue::Bare(r#"["ns/a]","ns/b"]"#.into())));
        assert_eq!(go_unquote(br#"a\"b" rest"#), ("a\"b".to_string(), 5));
    }

    #[test]
    fn numbers() {
        assert_eq!(int(b"-1 (gfp"), Some((-1, &b" (gfp"[..])));
        assert_eq!(uint_after(b"order:2, mode", b"order:"), Some(2));
        assert_eq!(uint(b"x"), None);
    }
}
