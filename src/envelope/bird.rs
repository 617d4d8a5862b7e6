//! BIRD (calico's bird/bird6) and runit svlogd:
//! - BIRD file sink `2018-06-17 03:05:13 <INFO> msg` (`%F %T`, local time) and stderr
//!   sink `bird: msg` (what calico-node's `bird -d` writes);
//! - svlogd prefixes added to `/var/log/calico/<svc>/current`: `-tt`
//!   `2018-06-17_03:05:13.80513 `, `-ttt` `2021-08-09T09:50:31.12345 ` (both UTC) and
//!   `-t` TAI64N `@400000005b25d0b92fd0e9fc `; the rest of the line is the message
//!   (usually `bird: ...` or a felix line, unwrapped by `inner`);
//! - `birdc show protocols` header and rows (format only; `events` reads the columns).

use std::borrow::Cow;

use chrono::DateTime;
use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till1, take_while_m_n, take_while1};
use nom::character::complete::{char, one_of, space1};
use nom::combinator::{map, opt, value};
use nom::error::context;
use nom::sequence::{delimited, terminated};

use super::grammar::{self, PResult, Stamp, ZoneSpec, clock_fraction, date_ymd, timestamp_spaced};
use super::{Envelope, EnvelopeError, Level, LineFormat, RawTime, Strictness};

/// A BIRD message class (`<INFO>`...) as a level.
fn class(input: &[u8]) -> PResult<'_, Level> {
    delimited(
        char('<'),
        alt((
            value(Level::Debug, alt((tag("DBG"), tag("TRACE")))),
            value(Level::Info, alt((tag("INFO"), tag("RMT"), tag("AUTH")))),
            value(Level::Warning, tag("WARN")),
            value(Level::Error, tag("ERR")),
            value(Level::Fatal, alt((tag("FATAL"), tag("BUG")))),
            value(Level::Debug, tag("???")),
        )),
        char('>'),
    )
    .parse(input)
}

/// `bird: ` / `bird6: ` (stderr sink), as the program name.
fn program_prefix(input: &[u8]) -> PResult<'_, &'static str> {
    terminated(
        alt((value("bird6", tag("bird6")), value("bird", tag("bird")))),
        tag(": "),
    )
    .parse(input)
}

/// svlogd `-tt` / `-ttt` stamp: `YYYY-MM-DD(_|T)hh:mm:ss.fffff`, UTC.
fn svlogd_stamp(input: &[u8]) -> PResult<'_, Stamp> {
    map(
        (date_ymd, one_of("_T"), clock_fraction),
        |((year, month, day), _, clock)| Stamp {
            year: Some(year),
            month,
            day,
            clock,
            zone: Some(ZoneSpec::Utc),
        },
    )
    .parse(input)
}

/// svlogd `-t` TAI64N label `@` + 24 hex digits, as UTC. runit's TAI64 is Unix time
/// plus 2^62 plus 10 s (it does not track leap seconds).
fn tai64n(input: &[u8]) -> PResult<'_, RawTime> {
    let (rest, hex) = (
        char('@'),
        take_while_m_n(24, 24, |b: u8| b.is_ascii_hexdigit()),
    )
        .parse(input)
        .map(|(r, (_, h))| (r, h))?;
    let number = |bytes: &[u8]| grammar::utf8(bytes).and_then(|s| u64::from_str_radix(s, 16).ok());
    let secs = hex.get(..16).and_then(number);
    let nanos = hex.get(16..).and_then(number);
    let time = match (secs, nanos) {
        (Some(s), Some(n)) if s >= (1u64 << 62) + 10 => {
            let unix = i64::try_from(s - (1u64 << 62) - 10).ok();
            unix.and_then(|u| DateTime::from_timestamp(u, u32::try_from(n).ok()?))
                .and_then(super::time::plausible)
                .map_or(RawTime::None, RawTime::Utc)
        }
        _ => RawTime::None,
    };
    Ok((rest, time))
}

/// [`parse`] as the tests use it: an impossible date (Feb 30, hour 25) is an error at
/// the stamp's offset instead of a line without time.
pub fn parse_strict(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    parse(line, Strictness::Strict)
}

/// Parse a BIRD line (file or stderr sink) or an svlogd-prefixed line.
pub fn parse(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    if let Ok((message, app)) = program_prefix(line) {
        let mut env = Envelope::bare(LineFormat::Bird, line);
        env.app = Some(app);
        env.message = Cow::Borrowed(message);
        return Ok(env);
    }
    if let Ok((rest, time)) = tai64n(line) {
        let mut env = Envelope::bare(LineFormat::Svlogd, line);
        env.time = time;
        env.message = Cow::Borrowed(rest.strip_prefix(b" ").unwrap_or(rest));
        return Ok(env);
    }
    if let Ok((rest, (stamp, _))) = (svlogd_stamp, char(' ')).parse(line) {
        let mut env = Envelope::bare(LineFormat::Svlogd, line);
        env.time = stamp.checked(strictness, LineFormat::Svlogd, 0)?;
        env.message = Cow::Borrowed(rest);
        return Ok(env);
    }
    let format = LineFormat::Bird;
    let (message, (stamp, _, level, _)) = context(
        "`bird: `, an svlogd stamp or `%F %T <CLASS>`",
        (timestamp_spaced, char(' '), class, opt(char(' '))),
    )
    .parse(line)
    .map_err(|e| grammar::to_error(line, format, e))?;
    let mut env = Envelope::bare(format, line);
    env.time = stamp.checked(strictness, format, 0)?;
    env.level = Some(level);
    env.app = Some("bird");
    env.message = Cow::Borrowed(message);
    Ok(env)
}

/// A protocol type in `show protocols`.
fn protocol_kind(input: &[u8]) -> PResult<'_, &[u8]> {
    alt((
        tag("BGP"),
        tag("Device"),
        tag("Direct"),
        tag("Kernel"),
        tag("Static"),
        tag("Pipe"),
        tag("BFD"),
        tag("OSPF"),
        tag("RIP"),
    ))
    .parse(input)
}

/// A protocol state in `show protocols`.
fn protocol_state(input: &[u8]) -> PResult<'_, &[u8]> {
    alt((
        tag("up"),
        tag("down"),
        tag("start"),
        tag("stop"),
        tag("feed"),
        tag("flush"),
        tag("wait"),
    ))
    .parse(input)
}

/// Recognise a `birdc show protocols` header or row (optionally with the control
/// socket's `2002-`/`1002-` reply code). The message is the whole line.
pub fn parse_protocols(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::BirdProtocols;
    let (body, _) = opt((take_while_m_n(4, 4, |b: u8| b.is_ascii_digit()), char('-')))
        .parse(line)
        .map_err(|e| grammar::to_error(line, format, e))?;
    let header = body.starts_with(b"name") && memchr::memmem::find(body, b"proto").is_some();
    let row = (
        take_till1(|b| b == b' '),
        space1,
        protocol_kind,
        space1,
        take_while1(|b: u8| b != b' '),
        space1,
        protocol_state,
    )
        .parse(body);
    if header || row.is_ok() {
        Ok(Envelope::bare(format, line))
    } else {
        Err(row
            .map(|_| EnvelopeError {
                format,
                offset: 0,
                expected: "a show protocols row",
            })
            .unwrap_or_else(|e| grammar::to_error(line, format, e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn productions() {
        assert_eq!(class(b"<WARN> x"), Ok((&b" x"[..], Level::Warning)));
        assert_eq!(program_prefix(b"bird6: x"), Ok((&b"x"[..], "bird6")));
    }

    #[test]
    fn stderr_and_file_sinks() {
        let env = parse_strict(b"bird: Mesh_10_0_0_2: State changed to up").unwrap();
        assert_eq!((env.format, env.app), (LineFormat::Bird, Some("bird")));
        assert_eq!(&env.message[..], b"Mesh_10_0_0_2: State changed to up");
        let env =
            parse_strict(b"2018-06-17 03:05:13 <TRACE> Mesh_10_0_0_3: State changed to start")
                .unwrap();
        assert_eq!(env.level, Some(Level::Debug));
        let local = NaiveDate::from_ymd_opt(2018, 6, 17)
            .unwrap()
            .and_hms_opt(3, 5, 13)
            .unwrap();
        assert_eq!(env.time, RawTime::Local(local));
    }

    #[test]
    fn svlogd_prefixes_are_utc() {
        let env =
            parse_strict(b"2018-06-17_03:05:13.80513 bird: Mesh_10_0_0_2: State changed to start")
                .unwrap();
        assert_eq!(env.format, LineFormat::Svlogd);
        let want = Utc.with_ymd_and_hms(2018, 6, 17, 3, 5, 13).unwrap()
            + chrono::Duration::microseconds(805_130);
        assert_eq!(env.time, RawTime::Utc(want));
        assert!(env.message.starts_with(b"bird: Mesh"));
        let env = parse_strict(
            b"2021-08-09T09:50:31.12345 2021-08-09 09:50:31.123 [INFO][84] felix/x.go 1: y",
        )
        .unwrap();
        assert_eq!(env.format, LineFormat::Svlogd);
        assert!(env.message.starts_with(b"2021-08-09 09:50:31.123 [INFO]"));
        let env = parse_strict(b"@400000005b25d0b92fd0e9fc bird: x").unwrap();
        assert_eq!(
            env.time,
            RawTime::Utc(Utc.timestamp_opt(0x5b25d0b9 - 10, 0x2fd0e9fc).unwrap())
        );
    }

    #[test]
    fn show_protocols() {
        assert!(parse_protocols(b"name     proto    table    state  since       info").is_ok());
        assert!(parse_protocols(b"Mesh_10_0_0_3 BGP      master   start  03:05:13    Active        Socket: Connection refused").is_ok());
        assert!(
            parse_protocols(
                b"1002-Mesh_10_0_0_2 BGP      master   up     03:05:13    Established   "
            )
            .is_ok()
        );
        assert!(parse_protocols(b"Jun  8 03:03:28 node-1 kernel: x").is_err());
    }
}
