//! CRI container log lines (`/var/log/pods/...`), written by containerd and CRI-O
//! (conmon): `<RFC 3339 nano> <stdout|stderr> <P|F>[:tags] <content>`.
//!
//! containerd writes `Z` or `±hh:mm` with trailing zeros trimmed; CRI-O always
//! 9 digits and `±hh:mm`. Some conmon builds printed `off % 3600` as the minutes
//! (`+05:1800`): such an offset is ignored and the time is treated as local
//! ([`RawTime::Local`](super::RawTime::Local)), to be placed by `--tz`.

use std::borrow::Cow;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till1};
use nom::character::complete::char;
use nom::combinator::{cut, opt};
use nom::error::context;

use super::grammar::{self, PResult, timestamp_3339};
use super::{Envelope, EnvelopeError, LineFormat, Strictness};

/// `stdout` or `stderr`.
fn stream(input: &[u8]) -> PResult<'_, &[u8]> {
    alt((tag("stdout"), tag("stderr"))).parse(input)
}

/// The tag list (`F`, `P`, `F:x`); true when the first tag is `P` (partial).
fn tags(input: &[u8]) -> PResult<'_, bool> {
    let (rest, list) = take_till1(|b| b == b' ').parse(input)?;
    let first = list.split(|b| *b == b':').next().unwrap_or_default();
    match first {
        b"P" => Ok((rest, true)),
        b"F" => Ok((rest, false)),
        _ => Err(nom::Err::Failure(grammar::Fail {
            input,
            expected: Some("`P` or `F`"),
        })),
    }
}

/// [`parse`] as the tests use it: an impossible date (Feb 30, hour 25) is an error at
/// the stamp's offset instead of a line without time.
pub fn parse_strict(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    parse(line, Strictness::Strict)
}

/// Parse a CRI line; `partial` is set for `P` lines, which the scanner joins.
pub fn parse(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::Cri;
    let err = |e| grammar::to_error(line, format, e);
    let (rest, (stamp, _, _)) = (timestamp_3339, char(' '), stream)
        .parse(line)
        .map_err(err)?;
    let (message, (_, partial, _)) = cut(context("` P|F `", (char(' '), tags, opt(char(' ')))))
        .parse(rest)
        .map_err(err)?;
    let mut env = Envelope::bare(format, line);
    env.time = stamp.checked(strictness, format, 0)?;
    env.partial = partial;
    env.message = Cow::Borrowed(message);
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::RawTime;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn productions() {
        assert_eq!(stream(b"stderr F x"), Ok((&b" F x"[..], &b"stderr"[..])));
        assert_eq!(tags(b"P rest"), Ok((&b" rest"[..], true)));
        assert_eq!(tags(b"F:x rest"), Ok((&b" rest"[..], false)));
        assert!(tags(b"Q rest").is_err());
    }

    #[test]
    fn containerd_and_crio_lines() {
        let env = parse_strict(b"2018-06-17T03:05:13.803095123Z stderr F I0617 03:05:13.803095       1 server.go:12] started").unwrap();
        let want = Utc.with_ymd_and_hms(2018, 6, 17, 3, 5, 13).unwrap()
            + chrono::Duration::nanoseconds(803_095_123);
        assert_eq!(env.time, RawTime::Utc(want));
        assert!(!env.partial);
        assert!(env.message.starts_with(b"I0617"));
        let env = parse_strict(
            "2018-06-17T03:05:13.803095123+00:00 stdout P first 16K of a long line…".as_bytes(),
        )
        .unwrap();
        assert!(env.partial);
        assert_eq!(env.time, RawTime::Utc(want));
        assert!(env.message.starts_with(b"first 16K"));
    }

    #[test]
    fn conmon_broken_offset_is_local_time() {
        let env = parse_strict(b"2018-06-17T08:35:13.803095123+05:1800 stdout F x").unwrap();
        let local = NaiveDate::from_ymd_opt(2018, 6, 17)
            .unwrap()
            .and_hms_nano_opt(8, 35, 13, 803_095_123)
            .unwrap();
        assert_eq!(env.time, RawTime::Local(local));
    }

    #[test]
    fn empty_full_line() {
        let env = parse_strict(b"2018-06-17T03:05:13Z stdout F").unwrap();
        assert_eq!(&env.message[..], b"");
        assert!(parse_strict(b"2018-06-17T03:05:13Z stdin F x").is_err());
    }
}
