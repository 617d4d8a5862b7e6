//! klog / glog: the text header `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`
//! (structured `InfoS` lines keep their `"msg" key=value` text as the message, for
//! `events` to read), and Kubernetes `--logging-format=json` records.

use std::borrow::Cow;

use chrono::DateTime;
use nom::Parser;
use nom::bytes::complete::{take_till1, take_while};
use nom::character::complete::{char, one_of};
use nom::combinator::{cut, opt};
use nom::error::context;

use super::grammar::{self, Clock, PResult, Stamp, clock, fixed_digits, fraction, some_digits};
use super::{Envelope, EnvelopeError, Level, LineFormat, RawTime, Strictness};

/// What a klog header (`I0617 03:05:13.803095    5478 file.go:346] `) says; it has
/// no year and no zone, which time resolution supplies.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// Severity letter as a level (`I` info, `W` warning, `E` error, `F` fatal).
    pub level: Level,
    /// Month, 1..=12 (unchecked).
    pub month: u32,
    /// Day of month (unchecked).
    pub day: u32,
    /// Written time of day, unchecked (hour 25 is caught when the time is built).
    pub(crate) clock: Clock,
    /// The "threadid", which is really the process id.
    pub pid: u32,
    /// Source file (`eviction_manager.go`, or `dir/file.go` with `-add_dir_header`).
    pub file: &'a [u8],
    /// Line of the logging call in `file`.
    pub line: u32,
}

/// `I`, `W`, `E` or `F`.
fn severity(input: &[u8]) -> PResult<'_, Level> {
    let (rest, letter) = one_of("IWEF").parse(input)?;
    let level = match letter {
        'I' => Level::Info,
        'W' => Level::Warning,
        'E' => Level::Error,
        _ => Level::Fatal,
    };
    Ok((rest, level))
}

/// The whole header up to and including `] ` (the space is optional at end of line).
pub(crate) fn header(input: &[u8]) -> PResult<'_, Header<'_>> {
    let (rest, (level, month, day, _)) =
        (severity, fixed_digits(2), fixed_digits(2), char(' ')).parse(input)?;
    let (rest, (clock, nanos, _, _, pid, _)) = cut(context(
        "a klog header time and pid",
        (
            clock,
            fraction,
            char(' '),
            take_while(|b| b == b' '),
            some_digits(1, 10),
            char(' '),
        ),
    ))
    .parse(rest)?;
    let (rest, (file, _, line, _, _)) = cut(context(
        "`file:line]`",
        (
            take_till1(|b| b == b':' || b == b' ' || b == b']'),
            char(':'),
            some_digits(1, 9),
            char(']'),
            opt(char(' ')),
        ),
    ))
    .parse(rest)?;
    Ok((
        rest,
        Header {
            level,
            month,
            day,
            clock: Clock { nanos, ..clock },
            pid: u32::try_from(pid).unwrap_or(u32::MAX),
            file,
            line: u32::try_from(line).unwrap_or(u32::MAX),
        },
    ))
}

/// [`parse`] as the tests use it: an impossible date (Feb 30, hour 25) is an error at
/// the stamp's offset instead of a line without time.
pub fn parse_strict(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    parse(line, Strictness::Strict)
}

/// Parse a klog text line: year-less local time, level from the letter.
pub fn parse(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::Klog;
    let (message, h) = header(line).map_err(|e| grammar::to_error(line, format, e))?;
    let stamp = Stamp {
        year: None,
        month: h.month,
        day: h.day,
        clock: h.clock,
        zone: None,
    };
    let mut env = Envelope::bare(format, line);
    env.time = stamp.checked(strictness, format, 1)?;
    env.level = Some(h.level);
    env.pid = Some(h.pid);
    env.message = Cow::Borrowed(message);
    Ok(env)
}

/// Parse a Kubernetes JSON log record (`{"ts":1528427008803.095,"msg":...}`; `ts` is
/// epoch **milliseconds**). The message is `msg` followed by the other keys as
/// ` key=value` (JSON values, keys sorted; `ts`, `caller`, `v`, `logger` left out), so
/// `err=` reads as in the text format. Entries with `err` are errors, others info.
pub fn parse_json(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::KlogJson;
    let not_klog = |offset, expected| EnvelopeError {
        format,
        offset,
        expected,
    };
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(line)
        .map_err(|e| not_klog(e.column().saturating_sub(1), "a JSON object"))?;
    let ts = object
        .get("ts")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| not_klog(0, "a numeric `ts`"))?;
    let msg = object
        .get("msg")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| not_klog(0, "a string `msg`"))?;
    let mut message = msg.as_bytes().to_vec();
    for (key, value) in &object {
        if matches!(key.as_str(), "ts" | "caller" | "msg" | "v" | "logger") {
            continue;
        }
        message.push(b' ');
        message.extend_from_slice(key.as_bytes());
        message.push(b'=');
        message.extend_from_slice(value.to_string().as_bytes());
    }
    let mut env = Envelope::bare(format, line);
    let micros = (ts * 1000.0).round();
    env.time = if micros.is_finite() && micros.abs() < 9.0e18 {
        DateTime::from_timestamp_micros(micros as i64)
            .and_then(super::time::plausible)
            .map_or(RawTime::None, RawTime::Utc)
    } else {
        RawTime::None
    };
    env.level = Some(if object.contains_key("err") {
        Level::Error
    } else {
        Level::Info
    });
    env.message = Cow::Owned(message);
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, TimeZone, Utc};

    #[test]
    fn header_fields_and_rest() {
        let (rest, h) = header(
            b"I0617 03:05:13.803095    5478 eviction_manager.go:346] eviction manager: must evict",
        )
        .unwrap();
        assert_eq!(rest, b"eviction manager: must evict");
        assert_eq!(
            (h.level, h.month, h.day, h.pid, h.line),
            (Level::Info, 6, 17, 5478, 346)
        );
        assert_eq!(h.file, b"eviction_manager.go");
        assert_eq!(h.clock.nanos, 803_095_000);
    }

    #[test]
    fn seven_digit_pid_and_infos() {
        let env = parse_strict(br#"I0617 16:18:42.212181 3814777 eviction_manager.go:392] "Eviction manager: must evict pod(s) to reclaim" resourceName="ephemeral-storage""#).unwrap();
        assert_eq!(env.pid, Some(3_814_777));
        assert!(env.message.starts_with(br#""Eviction manager"#));
        assert_eq!(
            env.time,
            RawTime::YearLess {
                month: 6,
                day: 17,
                time: NaiveTime::from_hms_micro_opt(16, 18, 42, 212_181).unwrap()
            }
        );
    }

    #[test]
    fn error_letter_and_bad_header() {
        let env = parse_strict(br#"E0617 16:18:42.300000    5478 kubelet.go:2327] "Skipping pod synchronization" err="PLEG is not healthy""#).unwrap();
        assert_eq!(env.level, Some(Level::Error));
        let err = parse_strict(b"I0617 03:05:13.803095    5478 nofile] x").unwrap_err();
        assert_eq!(err.offset, 36);
        assert!(parse_strict(b"Info: nothing").is_err());
    }

    #[test]
    fn json_ts_is_milliseconds() {
        let env = parse_json(br#"{"ts":1528427008803.095,"caller":"json/json_test.go:12","msg":"wrong namespace","ns":"default","err":"invalid namespace:default"}"#).unwrap();
        let want = Utc.with_ymd_and_hms(2018, 6, 8, 3, 3, 28).unwrap()
            + chrono::Duration::microseconds(803_095);
        assert_eq!(env.time, RawTime::Utc(want));
        assert_eq!(env.level, Some(Level::Error));
        assert_eq!(
            &env.message[..],
            br#"wrong namespace err="invalid namespace:default" ns="default""#
        );
        assert!(parse_json(br#"{"log":"x"}"#).is_err());
    }
}
