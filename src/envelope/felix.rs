//! Calico felix / calico-node lines:
//! `2018-06-17 03:05:13.803 [INFO][84] int_dataplane.go 765: msg` and, from calico-node
//! v3.14, `... [INFO][84] felix/int_dataplane.go 1430: msg` (component/file).
//! The stamp is the container's local time without a zone.

use std::borrow::Cow;

use nom::Parser;
use nom::bytes::complete::{take_till1, take_while1};
use nom::character::complete::char;
use nom::combinator::{cut, opt, peek};
use nom::error::context;
use nom::sequence::delimited;

use super::grammar::{self, PResult, some_digits, timestamp_spaced};
use super::{Envelope, EnvelopeError, Level, LineFormat, Strictness};

/// `[LEVEL][pid]`.
fn level_and_pid(input: &[u8]) -> PResult<'_, (&[u8], u64)> {
    (
        delimited(
            char('['),
            take_while1(|b: u8| b.is_ascii_uppercase()),
            char(']'),
        ),
        delimited(char('['), some_digits(1, 10), char(']')),
    )
        .parse(input)
}

/// ` file line: ` (file may carry a `component/` prefix).
fn file_and_line(input: &[u8]) -> PResult<'_, (&[u8], u64)> {
    let (rest, (_, file, _, line, _, _)) = (
        char(' '),
        take_till1(|b| b == b' '),
        char(' '),
        some_digits(1, 9),
        char(':'),
        opt(char(' ')),
    )
        .parse(input)?;
    Ok((rest, (file, line)))
}

/// [`parse`] as the tests use it: an impossible date (Feb 30, hour 25) is an error at
/// the stamp's offset instead of a line without time.
pub fn parse_strict(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    parse(line, Strictness::Strict)
}

/// Parse a felix / calico-node line; `app` is `calico-node`.
pub fn parse(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::Felix;
    let err = |e| grammar::to_error(line, format, e);
    let (rest, (stamp, _, _)) = (timestamp_spaced, char(' '), peek(char('[')))
        .parse(line)
        .map_err(err)?;
    let (rest, (level, pid)) = cut(context("`[LEVEL][pid]`", level_and_pid))
        .parse(rest)
        .map_err(err)?;
    let (message, _) = cut(context("` file line: `", file_and_line))
        .parse(rest)
        .map_err(err)?;
    let mut env = Envelope::bare(format, line);
    env.time = stamp.checked(strictness, format, 0)?;
    env.level = Level::from_word(level);
    env.pid = u32::try_from(pid).ok();
    env.app = Some("calico-node");
    env.message = Cow::Borrowed(message);
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::RawTime;
    use chrono::NaiveDate;

    #[test]
    fn productions() {
        assert_eq!(
            level_and_pid(b"[INFO][84] x"),
            Ok((&b" x"[..], (&b"INFO"[..], 84)))
        );
        assert_eq!(
            file_and_line(b" felix/int_dataplane.go 1430: Received"),
            Ok((&b"Received"[..], (&b"felix/int_dataplane.go"[..], 1430)))
        );
    }

    #[test]
    fn old_and_component_layouts() {
        let env = parse_strict(
            b"2018-06-17 03:05:13.803 [INFO][84] int_dataplane.go 765: Applying dataplane updates",
        )
        .unwrap();
        let want = NaiveDate::from_ymd_opt(2018, 6, 17)
            .unwrap()
            .and_hms_milli_opt(3, 5, 13, 803)
            .unwrap();
        assert_eq!(env.time, RawTime::Local(want));
        assert_eq!(env.level, Some(Level::Info));
        assert_eq!(env.pid, Some(84));
        assert_eq!(&env.message[..], b"Applying dataplane updates");
        let env = parse_strict(b"2021-06-17 03:05:13.805 [WARNING][9] startup/startup.go 1200: Calico node 'node-2' is already using the IPv4 address 10.0.0.5.").unwrap();
        assert_eq!(env.level, Some(Level::Warning));
        assert!(env.message.starts_with(b"Calico node 'node-2'"));
    }

    #[test]
    fn bird_file_line_is_not_felix() {
        let err = parse_strict(b"2018-06-17 03:05:13 <INFO> x").unwrap_err();
        assert_eq!(err.offset, 20);
    }
}
