//! logrus text format (dockerd, containerd, calico tools):
//! `time="<RFC 3339>" level=<level> msg=<value> key=value...`.
//!
//! The message is the unescaped `msg` value followed by the remaining fields as
//! written (` storage-driver=devicemapper`), so events can read both.
//!
//! logrus's JSON formatter (containerd and CRI-O with `--log-format json`) writes
//! `{"error":"...","level":"error","msg":"...","time":"<RFC 3339>"}`; [`parse_json`]
//! gives the same envelope, the other keys appended to the message as `key="value"`.

use std::borrow::Cow;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_till1};
use nom::combinator::{cut, opt};
use nom::error::context;
use nom::sequence::preceded;

use super::grammar::{self, PResult, go_unescape, offset_in, quoted_escaped, timestamp_3339};
use super::{Envelope, EnvelopeError, Level, LineFormat, RawTime, Strictness};

/// A logrus value: Go-quoted (`"a b"`) or bare (`info`); returned as written
/// (escapes kept).
fn field_value(input: &[u8]) -> PResult<'_, &[u8]> {
    alt((quoted_escaped, take_till(|b| b == b' '))).parse(input)
}

/// `time="..."`: the timestamp text, still unparsed so that a bad one can be an error
/// (strict) or no time (lenient).
fn time_field(input: &[u8]) -> PResult<'_, &[u8]> {
    preceded(tag("time="), field_value).parse(input)
}

/// ` level=<word>`.
fn level_field(input: &[u8]) -> PResult<'_, &[u8]> {
    preceded(tag(" level="), take_till1(|b| b == b' ')).parse(input)
}

/// [`parse`] as the tests use it: a `time="..."` that is no valid RFC 3339 instant is
/// an error at its offset instead of a line without time.
pub fn parse_strict(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    parse(line, Strictness::Strict)
}

/// Parse a logrus text line. A time that is not RFC 3339 with a zone is an error when
/// strict and no time when lenient.
pub fn parse(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::Logrus;
    let err = |e| grammar::to_error(line, format, e);
    let (rest, time_text) = time_field(line).map_err(err)?;
    let (rest, level_word) = cut(context("` level=`", level_field))
        .parse(rest)
        .map_err(err)?;
    let (rest, msg) = opt(preceded(tag(" msg="), field_value))
        .parse(rest)
        .map_err(err)?;
    let time = match timestamp_3339(time_text) {
        Ok((b"", stamp)) => stamp.checked(strictness, format, 6)?,
        _ if strictness == Strictness::Strict => {
            return Err(EnvelopeError {
                format,
                offset: offset_in(line, time_text),
                expected: "an RFC 3339 time",
            });
        }
        _ => RawTime::None,
    };
    let mut env = Envelope::bare(format, line);
    env.time = time;
    env.level = Level::from_word(level_word);
    let msg = msg.unwrap_or_default();
    env.message = if rest.is_empty() {
        go_unescape(msg)
    } else {
        let mut owned = go_unescape(msg).into_owned();
        owned.extend_from_slice(rest);
        Cow::Owned(owned)
    };
    Ok(env)
}

/// Parse one logrus JSON record. It must be an object with string `level`, `msg` and
/// `time` keys (which tells it from Kubernetes JSON logs, keyed `ts`, and docker's
/// json-file, keyed `log`); other keys follow the message, sorted, as `key="value"`.
pub fn parse_json(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::Logrus;
    let fail = |expected| EnvelopeError {
        format,
        offset: 0,
        expected,
    };
    let record: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(line).map_err(|_| fail("a JSON object"))?;
    let text = |key: &str| record.get(key).and_then(serde_json::Value::as_str);
    let (Some(level), Some(msg), Some(time)) = (text("level"), text("msg"), text("time")) else {
        return Err(fail("string `level`, `msg` and `time` keys"));
    };
    let mut message = msg.to_string();
    for (key, value) in &record {
        if matches!(key.as_str(), "level" | "msg" | "time") {
            continue;
        }
        match value {
            serde_json::Value::String(v) => message.push_str(&format!(" {key}=\"{v}\"")),
            other => message.push_str(&format!(" {key}={other}")),
        }
    }
    let mut env = Envelope::bare(format, line);
    env.time = match timestamp_3339(time.as_bytes()) {
        Ok((b"", stamp)) => stamp.checked(Strictness::Lenient, format, 0)?,
        _ => RawTime::None,
    };
    env.level = Level::from_word(level.as_bytes());
    env.message = Cow::Owned(message.into_bytes());
    Ok(env)
}

/// True when `input` starts like a logrus line (cheap check before [`parse`]).
pub(crate) fn looks_like(input: &[u8]) -> bool {
    input.starts_with(b"time=") && memchr::memmem::find(input, b" level=").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn fields_in_order() {
        assert_eq!(
            time_field(br#"time="2018-06-17T03:05:13.803095123Z" level=info"#),
            Ok((&b" level=info"[..], &b"2018-06-17T03:05:13.803095123Z"[..]))
        );
        assert_eq!(
            level_field(b" level=warning msg=x"),
            Ok((&b" msg=x"[..], &b"warning"[..]))
        );
    }

    #[test]
    fn dockerd_error_line() {
        let env = parse_strict(br#"time="2018-06-17T03:05:13.803095123Z" level=error msg="Handler for POST /v1.37/containers/create returned error: devmapper: Thin Pool has 1562 free data blocks""#).unwrap();
        assert_eq!(env.level, Some(Level::Error));
        let want = Utc.with_ymd_and_hms(2018, 6, 17, 3, 5, 13).unwrap()
            + chrono::Duration::nanoseconds(803_095_123);
        assert_eq!(env.time, RawTime::Utc(want));
        assert!(env.message.starts_with(b"Handler for POST"));
        assert!(env.message.ends_with(b"free data blocks"));
    }

    #[test]
    fn trailing_fields_follow_the_message() {
        let env = parse_strict(br#"time="2018-06-17T03:05:13.803095123Z" level=warning msg="Usage of loopback devices is strongly discouraged for production use. Please use `--storage-opt dm.thinpooldev` or use `man dockerd` to refer to dm.thinpooldev section." storage-driver=devicemapper"#).unwrap();
        assert_eq!(env.level, Some(Level::Warning));
        assert!(
            env.message
                .ends_with(b"section. storage-driver=devicemapper")
        );
        let env = parse_strict(br#"time="2018-06-17T03:05:13Z" level=info msg=done"#).unwrap();
        assert_eq!(&env.message[..], b"done");
    }

    #[test]
    fn containerd_json_record() {
        // containerd `--log-format json` (logrus JSONFormatter: keys sorted), the CRI
        // plugin's reserved-name failure (containerd/containerd#4604 wording)
        let env = parse_json(br#"{"error":"failed to reserve sandbox name \"web-1_default_5a7f_0\": name \"web-1_default_5a7f_0\" is reserved for \"2585\"","level":"error","msg":"RunPodSandbox for &PodSandboxMetadata{Name:web-1,Uid:5a7f,Namespace:default,Attempt:0,} failed, error","time":"2020-10-24T14:10:02.101101101Z"}"#).unwrap();
        assert_eq!(env.level, Some(Level::Error));
        assert!(matches!(env.time, RawTime::Utc(_)));
        assert!(
            env.message
                .starts_with(b"RunPodSandbox for &PodSandboxMetadata")
        );
        assert!(
            memchr::memmem::find(&env.message, b" error=\"failed to reserve sandbox name")
                .is_some()
        );
        // Kubernetes JSON logs and docker json-file are not logrus
        assert!(parse_json(br#"{"ts":1528427008803.095,"msg":"x","v":0}"#).is_err());
        assert!(
            parse_json(br#"{"log":"x\n","stream":"stdout","time":"2018-06-17T03:05:13Z"}"#)
                .is_err()
        );
    }

    #[test]
    fn bad_time_strict_vs_lenient() {
        assert!(parse_strict(br#"time="yesterday" level=info msg=x"#).is_err());
        let env = parse(br#"time="yesterday" level=info msg=x"#, Strictness::Lenient).unwrap();
        assert_eq!(env.time, RawTime::None);
    }
}
