//! Docker `json-file` log driver records:
//! `{"log":"...\n","stream":"stderr","time":"<RFC3339Nano>"}`.
//!
//! `message` is the unescaped `log` value without its trailing newline; a value
//! without a trailing `\n` is a partial chunk of a long line (`partial`).

use std::borrow::Cow;

use serde::Deserialize;

use super::grammar::timestamp_3339;
use super::{Envelope, EnvelopeError, LineFormat, RawTime};

/// The fields of a json-file record the envelope needs (`stream` is not one: stdout
/// and stderr lines are read alike); `time` is checked after deserializing.
#[derive(Deserialize)]
struct Record {
    log: String,
    #[serde(default)]
    time: Option<String>,
}

/// Parse a docker json-file record. The `time` is UTC; a missing or malformed time
/// leaves the envelope without one.
pub fn parse(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::DockerJson;
    let record: Record = serde_json::from_slice(line).map_err(|e| EnvelopeError {
        format,
        offset: e.column().saturating_sub(1),
        expected: "a JSON object with a string `log`",
    })?;
    let mut env = Envelope::bare(format, line);
    env.time = record
        .time
        .as_deref()
        .and_then(|t| match timestamp_3339(t.as_bytes()) {
            Ok((b"", stamp)) => stamp.raw_time(),
            _ => None,
        })
        .unwrap_or(RawTime::None);
    let mut log = record.log.into_bytes();
    env.partial = log.last() != Some(&b'\n');
    if !env.partial {
        log.pop();
        if log.last() == Some(&b'\r') {
            log.pop();
        }
    }
    env.message = Cow::Owned(log);
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn complete_record() {
        let env = parse(br#"{"log":"I0617 03:05:13.803095       1 main.go:12] started\n","stream":"stderr","time":"2018-06-17T03:05:13.80309512Z"}"#).unwrap();
        assert_eq!(
            &env.message[..],
            b"I0617 03:05:13.803095       1 main.go:12] started"
        );
        assert!(!env.partial);
        let want = Utc.with_ymd_and_hms(2018, 6, 17, 3, 5, 13).unwrap()
            + chrono::Duration::nanoseconds(803_095_120);
        assert_eq!(env.time, RawTime::Utc(want));
    }

    #[test]
    fn escapes_and_partial_chunk() {
        let env = parse(br#"{"log":"a\u003cb\u003e\u0026\ttab","stream":"stdout","time":"2018-06-17T03:05:13Z"}"#).unwrap();
        assert!(env.partial);
        assert_eq!(&env.message[..], b"a<b>&\ttab");
    }

    #[test]
    fn not_docker() {
        assert!(parse(br#"{"ts":1.0,"msg":"x"}"#).is_err());
        assert!(parse(b"{\"log\":\"unterminated").is_err());
    }
}
