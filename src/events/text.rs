//! Byte helpers shared by the grammars: anchored search, numbers, and the
//! `key=value` / `"key":value` lookups that let one grammar read klog printf,
//! klog structured (`InfoS`), logrus, felix and JSON renderings of the same message.
//!
//! Everything works on `&[u8]` and never panics: bad UTF-8 is data.
//!
//! The second half holds what the nom grammars share: their error type ([`Fail`],
//! turned into a [`GrammarError`] with an offset by [`run_grammar`]), the anchor search
//! that lets a grammar start anywhere in a message ([`anchor`]), numbers, words and
//! the klog/logrus `key=value` value production ([`kv_value`]).

use std::fmt;

use memchr::memmem;
use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take, take_till, take_until, take_while};
use nom::character::complete::{char, digit1};
use nom::combinator::{map, map_res, opt, recognize};
use nom::sequence::preceded;
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
            return Some(kv_value_of(rest));
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

/// The value after `key=`, as a total function (every input has a value, possibly empty).
fn kv_value_of(rest: &[u8]) -> FieldValue {
    match kv_value(rest) {
        Ok((_, v)) => v,
        // `kv_value` ends in a bare word that accepts the empty input; kept total anyway.
        Err(_) => FieldValue::Bare(String::new()),
    }
}

/// Unescape a Go `%q` string body (the opening quote already consumed); returns the
/// text and the number of bytes used including the closing quote. An unterminated
/// string takes the rest of the line. The escapes themselves are undone by the
/// envelope layer's [`go_unescape`](crate::envelope::grammar::go_unescape), the one
/// implementation of Go's rules (`\u00e9` is `é`).
pub(crate) fn go_unquote(body: &[u8]) -> (String, usize) {
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        match b {
            b'"' => {
                let inner = body.get(..i).unwrap_or_default();
                return (lossy(&crate::envelope::grammar::go_unescape(inner)), i + 1);
            }
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    (
        lossy(&crate::envelope::grammar::go_unescape(body)),
        body.len(),
    )
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
/// to BIRD's info column; signature prose is folded the same way).
pub fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------
// nom building blocks shared by the payload grammars.
// ---------------------------------------------------------------------------

/// The error of every payload grammar: where it failed and what was expected there.
/// Payload productions share the envelope layer's nom error (only the innermost
/// `context(...)` label is kept: it names the real failure).
pub(crate) use crate::envelope::grammar::{Fail, PResult};

/// Why a payload grammar rejected a message, and where: what the `*_or_error` entry
/// points return so tests can pin a failure to its byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GrammarError {
    /// Byte offset in the message where the grammar failed.
    pub(crate) offset: usize,
    /// What the grammar expected there (a `context(...)` label).
    pub(crate) expected: &'static str,
}

impl fmt::Display for GrammarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: expected {}", self.offset, self.expected)
    }
}

impl std::error::Error for GrammarError {}

/// Run `parser` over the whole message `msg` and turn a failure into a
/// [`GrammarError`] whose offset is relative to `msg`. The `*_or_error` entry points
/// are this; the registry's (`fn(&[u8]) -> Option<Payload>`) are their `.ok()`, so
/// both always agree on what is recognised.
pub(crate) fn run_grammar<'a, O>(
    msg: &'a [u8],
    mut parser: impl Parser<&'a [u8], Output = O, Error = Fail<'a>>,
) -> Result<O, GrammarError> {
    match parser.parse(msg) {
        Ok((_, value)) => Ok(value),
        Err(nom::Err::Error(f) | nom::Err::Failure(f)) => Err(GrammarError {
            offset: msg.len().saturating_sub(f.input.len()),
            expected: f.expected.unwrap_or("a recognised message"),
        }),
        Err(nom::Err::Incomplete(_)) => Err(GrammarError {
            offset: msg.len(),
            expected: "more input",
        }),
    }
}

/// A failure at `input` expecting `what`, for hand-written productions.
pub(crate) fn fail<'a, O>(input: &'a [u8], what: &'static str) -> PResult<'a, O> {
    Err(nom::Err::Error(Fail {
        input,
        expected: Some(what),
    }))
}

/// The first occurrence of `needle` anywhere in the input, consumed with everything
/// before it. Payload grammars start here because the message may still carry a
/// prefix the envelope left (`[88820.247541] `, a klog header, `bird: `...).
pub(crate) fn anchor<'a>(
    needle: &'static str,
) -> impl Parser<&'a [u8], Output = &'a [u8], Error = Fail<'a>> {
    preceded(take_until(needle), tag(needle))
}

/// Whitespace (possibly none) then a run of non-whitespace (possibly empty): one
/// printf `%s`/`%v` word, e.g. `imagefs` in `must evict pod(s) to reclaim imagefs`.
pub(crate) fn word(input: &[u8]) -> PResult<'_, &[u8]> {
    preceded(
        take_while(|b: u8| b.is_ascii_whitespace()),
        take_till(|b: u8| b.is_ascii_whitespace()),
    )
    .parse(input)
}

/// An unsigned decimal (`%u`, `%lu`, `%llu`), e.g. `202` in `slabs: 202`.
pub(crate) fn dec_u64(input: &[u8]) -> PResult<'_, u64> {
    map_res(digit1, |d: &[u8]| {
        std::str::from_utf8(d)
            .map_err(|_| ())
            .and_then(|s| s.parse::<u64>().map_err(|_| ()))
    })
    .parse(input)
}

/// A signed decimal (`%d`, `%ld`), e.g. `-1` in `on node -1`.
pub(crate) fn dec_i64(input: &[u8]) -> PResult<'_, i64> {
    map_res(recognize((opt(char('-')), digit1)), |d: &[u8]| {
        std::str::from_utf8(d)
            .map_err(|_| ())
            .and_then(|s| s.parse::<i64>().map_err(|_| ()))
    })
    .parse(input)
}

/// A Go `%q` string (`"a\"b"`), unescaped. An unterminated string takes the rest
/// of the line: klog lines are sometimes cut at a size limit.
pub(crate) fn go_quoted(input: &[u8]) -> PResult<'_, String> {
    let (body, _) = char('"').parse(input)?;
    let (text, used) = go_unquote(body);
    let (rest, _) = take(used).parse(body)?;
    Ok((rest, text))
}

/// A `[...]` or `{...}` group as written, brackets included; an unclosed group
/// takes the rest of the line.
pub(crate) fn bracket_group(input: &[u8]) -> PResult<'_, &[u8]> {
    match input.first() {
        Some(b'[' | b'{') => take(group_end(input).unwrap_or(input.len())).parse(input),
        _ => fail(input, "`[` or `{`"),
    }
}

/// The value after `key=` in klog structured, logrus and felix fields: a Go-quoted
/// string, a bracketed group (`pods=[ns/a ns/b]`, `threshold={Signal:...}`) or a
/// bare word ([`word`], so it skips leading blanks as the byte helpers always did).
pub(crate) fn kv_value(input: &[u8]) -> PResult<'_, FieldValue> {
    alt((
        map(go_quoted, FieldValue::Quoted),
        map(bracket_group, |g| FieldValue::Bare(lossy(g))),
        map(word, |w| FieldValue::Bare(lossy(w))),
    ))
    .parse(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_unquote_undoes_every_go_escape() {
        // issue #14: this copy once turned `\u00e9` into `u00e9`.
        assert_eq!(
            go_unquote(br#"caf\u00e9 \"x\"\tend" rest"#),
            ("caf\u{e9} \"x\"\tend".to_string(), 21)
        );
        assert_eq!(go_unquote(b"no end"), ("no end".to_string(), 6));
    }

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
    fn nom_blocks_assert_rest_and_value() {
        assert_eq!(
            anchor("node ").parse(&b"[1.5]   node 0: slabs"[..]),
            Ok((&b"0: slabs"[..], &b"node "[..]))
        );
        assert_eq!(
            word(b"  imagefs. next"),
            Ok((&b" next"[..], &b"imagefs."[..]))
        );
        assert_eq!(dec_i64(b"-1 (gfp"), Ok((&b" (gfp"[..], -1)));
        assert_eq!(dec_u64(b"192, buffer"), Ok((&b", buffer"[..], 192)));
        assert!(dec_u64(b"99999999999999999999").is_err());
        assert_eq!(
            go_quoted(br#""a\"b" rest"#),
            Ok((&b" rest"[..], "a\"b".to_string()))
        );
        assert_eq!(
            kv_value(br#"[ns/a ns/b] next=1"#),
            Ok((&b" next=1"[..], FieldValue::Bare("[ns/a ns/b]".into())))
        );
        assert_eq!(
            kv_value(b"web-1 next=1"),
            Ok((&b" next=1"[..], FieldValue::Bare("web-1".into())))
        );
    }

    #[test]
    fn run_grammar_reports_the_offset() {
        let err = run_grammar(b"node x", preceded(tag("node "), dec_i64)).unwrap_err();
        assert_eq!(err.offset, 5);
        assert_eq!(err.to_string(), "byte 5: expected a recognised message");
        let err = run_grammar(b"abc", anchor("node ")).unwrap_err();
        assert_eq!(err.offset, 0);
    }

    #[test]
    fn numbers() {
        assert_eq!(int(b"-1 (gfp"), Some((-1, &b" (gfp"[..])));
        assert_eq!(uint_after(b"order:2, mode", b"order:"), Some(2));
        assert_eq!(uint(b"x"), None);
    }
}
