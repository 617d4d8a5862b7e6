//! Kernel ring buffer text: `dmesg` (`[88820.247535] msg`), `dmesg -r`
//! (`<4>[...] msg`), printk caller ids (`[    5.123456][ T1598] msg`), `dmesg -T`
//! (`[Sun Jun 17 03:05:13 2018] msg`, local time), `dmesg --time-format iso`
//! (`2018-06-17T03:05:13,803095+00:00 msg`) and `/dev/kmsg` records
//! (`4,1234,88820247535,-;msg`).

use std::borrow::Cow;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while};
use nom::character::complete::{char, one_of};
use nom::combinator::{cut, map, opt};
use nom::error::context;
use nom::sequence::{delimited, preceded};

use super::grammar::{
    self, PResult, Stamp, clock, fixed_digits, month_abbr, pri, printk_caller, some_digits,
    timestamp_3339, uptime_bracket, weekday_abbr,
};
use super::syslog::day_3164;
use super::{Envelope, EnvelopeError, Level, LineFormat, RawTime, Strictness};

/// `[Sun Jun 17 03:05:13 2018]` (strftime `%a %b %e %H:%M:%S %Y`).
fn timestamp_ctime(input: &[u8]) -> PResult<'_, Stamp> {
    let (rest, (_, _, _, month, _, day, _, clock, _, year, _)) = (
        char('['),
        weekday_abbr,
        char(' '),
        month_abbr,
        char(' '),
        day_3164,
        char(' '),
        clock,
        char(' '),
        fixed_digits(4),
        char(']'),
    )
        .parse(input)?;
    Ok((
        rest,
        Stamp {
            year: Some(year as i32),
            month,
            day,
            clock,
            zone: None,
        },
    ))
}

/// `dmesg -e` / `--reltime` minute stamp `[Dec 6 01:02]` (strftime `%b%e %H:%M`: the
/// day is space-padded, so `[Dec16 01:02]` for two digits), printed when the minute
/// changes; local time, no year, no seconds.
fn timestamp_reltime_minute(input: &[u8]) -> PResult<'_, Stamp> {
    let (rest, (_, month, day, _, hour, _, minute, _)) = (
        char('['),
        month_abbr,
        alt((preceded(char(' '), fixed_digits(1)), fixed_digits(2))),
        char(' '),
        fixed_digits(2),
        char(':'),
        fixed_digits(2),
        char(']'),
    )
        .parse(input)?;
    Ok((
        rest,
        Stamp {
            year: None,
            month,
            day,
            clock: grammar::Clock {
                hour,
                minute,
                second: 0,
                nanos: 0,
            },
            zone: None,
        },
    ))
}

/// The stamps that carry no instant: `dmesg -e` between minute changes
/// (`[  +0.000123]`, `[ +12.345678]`) and `--time-format=delta` (`[<    0.000123>]`).
fn relative_stamp(input: &[u8]) -> PResult<'_, ()> {
    let (rest, _) = char('[').parse(input)?;
    let (rest, _) = take_while(|b: u8| b == b' ').parse(rest)?;
    let (rest, _) = alt((
        preceded(one_of("+-"), delta_seconds),
        delimited(
            char('<'),
            preceded(take_while(|b: u8| b == b' '), delta_seconds),
            char('>'),
        ),
    ))
    .parse(rest)?;
    let (rest, _) = char(']').parse(rest)?;
    Ok((rest, ()))
}

/// `0.000123` (`%f` of a delta).
fn delta_seconds(input: &[u8]) -> PResult<'_, ()> {
    let (rest, _) = (some_digits(1, 12), char('.'), some_digits(1, 9)).parse(input)?;
    Ok((rest, ()))
}

/// `dmesg -d`: ` <    0.000123>` after the uptime, inside its brackets.
fn delta_suffix(input: &[u8]) -> PResult<'_, ()> {
    let (rest, _) = (
        tag(" <"),
        take_while(|b: u8| b == b' '),
        delta_seconds,
        char('>'),
    )
        .parse(input)?;
    Ok((rest, ()))
}

/// A printk caller id: `T` (task, the id is a pid) or `C` (CPU), and the number.
type Caller = (char, u32);

/// `[uptime]` then an optional printk caller `[ T1598]`, as (µs, task id).
fn uptime_and_caller(input: &[u8]) -> PResult<'_, (u64, Option<Caller>)> {
    alt((
        (uptime_bracket, opt(preceded(opt(char(' ')), printk_caller))),
        // `dmesg -d`: `[88820.247535 <    0.000123>]`.
        map(uptime_with_delta, |us| (us, None)),
    ))
    .parse(input)
}

/// `[88820.247535 <    0.000123>]` (`dmesg -d`), as µs of uptime.
fn uptime_with_delta(input: &[u8]) -> PResult<'_, u64> {
    let end = input.iter().position(|&b| b == b'<').unwrap_or(0);
    let head = input.get(..end.saturating_sub(1)).unwrap_or_default();
    let mut closed = head.to_vec();
    closed.push(b']');
    let (_, us) = uptime_bracket(&closed).map_err(|_| {
        nom::Err::Error(grammar::Fail {
            input,
            expected: Some("`[seconds.micros <delta>]`"),
        })
    })?;
    let (rest, _) = delta_suffix(input.get(head.len()..).unwrap_or_default())?;
    let (rest, _) = char(']').parse(rest)?;
    Ok((rest, us))
}

/// `/dev/kmsg` header `prefix,seq,usec,flag[,caller=T1];`, as (prefix, µs, caller).
fn kmsg_header(input: &[u8]) -> PResult<'_, (u64, u64, Option<Caller>)> {
    let (rest, (prefix, _, _, _, usec, _, _)) = (
        some_digits(1, 4),
        char(','),
        some_digits(1, 20),
        char(','),
        some_digits(1, 20),
        char(','),
        one_of("-c+"),
    )
        .parse(input)?;
    let (rest, caller) = opt(preceded(
        tag(",caller="),
        (one_of("TC"), some_digits(1, 10)),
    ))
    .parse(rest)?;
    let (rest, _) = char(';').parse(rest)?;
    let caller = caller.map(|(k, id)| (k, u32::try_from(id).unwrap_or(u32::MAX)));
    Ok((rest, (prefix, usec, caller)))
}

/// Undo `/dev/kmsg`'s `\xNN` escaping of control bytes and `\`.
fn kmsg_unescape(text: &[u8]) -> Cow<'_, [u8]> {
    if !text.contains(&b'\\') {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let hex = text
            .get(i + 2..i + 4)
            .filter(|_| b == b'\\' && text.get(i + 1) == Some(&b'x'))
            .and_then(grammar::utf8)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// [`parse`] as the tests use it: an impossible date (Feb 30, hour 25) is an error at
/// the stamp's offset instead of a line without time.
pub fn parse_strict(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    parse(line, Strictness::Strict)
}

/// Parse any dmesg-family line; `uptime_us` is filled whenever the line has one.
pub fn parse(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    match line.first() {
        Some(b'0'..=b'9') => parse_iso_or_kmsg(line, strictness),
        _ => parse_bracketed(line, strictness),
    }
}

fn parse_bracketed(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    if let Ok((rest, stamp)) = timestamp_ctime(line) {
        let format = LineFormat::DmesgCtime;
        let mut env = Envelope::bare(format, line);
        env.time = stamp.checked(strictness, format, 0)?;
        env.message = Cow::Borrowed(rest.strip_prefix(b" ").unwrap_or(rest));
        return Ok(env);
    }
    if let Ok((rest, stamp)) = timestamp_reltime_minute(line) {
        let format = LineFormat::DmesgCtime;
        let mut env = Envelope::bare(format, line);
        env.time = stamp.checked(strictness, format, 0)?;
        env.message = Cow::Borrowed(rest.strip_prefix(b" ").unwrap_or(rest));
        return Ok(env);
    }
    if let Ok((rest, ())) = relative_stamp(line) {
        let mut env = Envelope::bare(LineFormat::Dmesg, line);
        env.message = Cow::Borrowed(rest.strip_prefix(b" ").unwrap_or(rest));
        return Ok(env);
    }
    let format = LineFormat::Dmesg;
    let (rest, priority) = opt(pri)
        .parse(line)
        .map_err(|e| grammar::to_error(line, format, e))?;
    let (rest, (uptime, caller)) = context("`[seconds.micros]`", uptime_and_caller)
        .parse(rest)
        .map_err(|e| grammar::to_error(line, format, e))?;
    let mut env = Envelope::bare(format, line);
    env.time = RawTime::Uptime(uptime);
    env.uptime_us = Some(uptime);
    env.level = priority.map(|p| Level::from_syslog_severity(p & 7));
    env.pid = caller.filter(|(k, _)| *k == 'T').map(|(_, id)| id);
    env.message = Cow::Borrowed(rest.strip_prefix(b" ").unwrap_or(rest));
    Ok(env)
}

fn parse_iso_or_kmsg(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    if let Ok((text, (prefix, usec, caller))) = kmsg_header(line) {
        let mut env = Envelope::bare(LineFormat::Kmsg, line);
        env.time = RawTime::Uptime(usec);
        env.uptime_us = Some(usec);
        env.level = Some(Level::from_syslog_severity((prefix & 7) as u8));
        env.pid = caller.filter(|(k, _)| *k == 'T').map(|(_, id)| id);
        env.message = kmsg_unescape(text);
        return Ok(env);
    }
    let format = LineFormat::DmesgIso;
    let (rest, stamp) = context(
        "an ISO time with `,micros` or a kmsg header",
        timestamp_3339,
    )
    .parse(line)
    .map_err(|e| grammar::to_error(line, format, e))?;
    // util-linux always writes the fraction with a comma; a `.` is an RFC 3339 syslog line.
    if line.get(19) != Some(&b',') {
        return Err(EnvelopeError {
            format,
            offset: 19,
            expected: "`,` before the microseconds",
        });
    }
    let (message, _) = cut(char(' '))
        .parse(rest)
        .map_err(|e| grammar::to_error(line, format, e))?;
    let mut env = Envelope::bare(format, line);
    env.time = stamp.checked(strictness, format, 0)?;
    env.message = Cow::Borrowed(message);
    Ok(env)
}

/// True if `message` starts with a kernel `[uptime]` stamp (used for `kernel: [..]`).
pub(crate) fn starts_with_uptime(message: &[u8]) -> bool {
    uptime_bracket(message).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn delta_and_reltime_stamps() {
        // util-linux sys-utils/dmesg.c: `-d` is "[%5ld.%06ld <%12.06f>] ".
        assert_eq!(
            uptime_and_caller(b"[88820.247535 <    0.000123>] SLUB"),
            Ok((&b" SLUB"[..], (88_820_247_535, None)))
        );
        let env = parse_strict(b"[88820.247535 <    0.000123>] nf_conntrack: nf_conntrack: table full, dropping packet").unwrap();
        assert_eq!(env.uptime_us, Some(88_820_247_535));
        assert_eq!(
            &env.message[..],
            b"nf_conntrack: nf_conntrack: table full, dropping packet"
        );
        // `-e`: "%b%e %H:%M" on a minute change, then "[  %+8.06f] ".
        let env = parse_strict(
            b"[Dec 6 01:02] unregister_netdevice: waiting for lo to become free. Usage count = 1",
        )
        .unwrap();
        assert_eq!(env.format, LineFormat::DmesgCtime);
        assert!(matches!(
            env.time,
            RawTime::YearLess {
                month: 12,
                day: 6,
                ..
            }
        ));
        assert_eq!(
            &env.message[..],
            b"unregister_netdevice: waiting for lo to become free. Usage count = 1"
        );
        let env = parse_strict(b"[Dec16 01:02] msg").unwrap();
        assert_eq!(&env.message[..], b"msg");
        let env =
            parse_strict(b"[  +0.000123] overlayfs: upper fs needs to support d_type.").unwrap();
        assert_eq!(env.time, RawTime::None);
        assert_eq!(
            &env.message[..],
            b"overlayfs: upper fs needs to support d_type."
        );
        let env = parse_strict(b"[ +12.345678] msg").unwrap();
        assert_eq!(&env.message[..], b"msg");
        let env = parse_strict(b"[<    0.000123>] msg").unwrap();
        assert_eq!(&env.message[..], b"msg");
        assert!(parse_strict(b"[+x] msg").is_err());
    }

    #[test]
    fn productions() {
        assert_eq!(
            uptime_and_caller(b"[    5.123456][ T1598] msg"),
            Ok((&b" msg"[..], (5_123_456, Some(('T', 1598)))))
        );
        assert_eq!(
            kmsg_header(b"4,1234,88820247535,-;SLUB"),
            Ok((&b"SLUB"[..], (4, 88_820_247_535, None)))
        );
    }

    #[test]
    fn uptime_and_priority() {
        let env =
            parse_strict(b"[88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x20)")
                .unwrap();
        assert_eq!(env.format, LineFormat::Dmesg);
        assert_eq!(env.time, RawTime::Uptime(88_820_247_535));
        assert_eq!(env.uptime_us, Some(88_820_247_535));
        assert!(env.message.starts_with(b"SLUB:"));
        let env = parse_strict(b"<4>[88820.247535] SLUB: x").unwrap();
        assert_eq!(env.level, Some(Level::Warning));
        assert_eq!(&env.message[..], b"SLUB: x");
    }

    #[test]
    fn printk_caller_id() {
        let env =
            parse_strict(b"[    5.123456][ T1598] oom-kill:constraint=CONSTRAINT_MEMCG").unwrap();
        assert_eq!(env.pid, Some(1598));
        assert_eq!(&env.message[..], b"oom-kill:constraint=CONSTRAINT_MEMCG");
    }

    #[test]
    fn ctime_and_iso() {
        let env = parse_strict(b"[Sun Jun 17 03:05:13 2018] SLUB: x").unwrap();
        assert_eq!(env.format, LineFormat::DmesgCtime);
        let local = NaiveDate::from_ymd_opt(2018, 6, 17)
            .unwrap()
            .and_hms_opt(3, 5, 13)
            .unwrap();
        assert_eq!(env.time, RawTime::Local(local));
        assert_eq!(&env.message[..], b"SLUB: x");
        let want = Utc.with_ymd_and_hms(2018, 6, 17, 3, 5, 13).unwrap()
            + chrono::Duration::microseconds(803_095);
        for line in [
            &b"2018-06-17T03:05:13,803095+00:00 SLUB: x"[..],
            &b"2018-06-17T03:05:13,803095+0000 SLUB: x"[..],
        ] {
            let env = parse_strict(line).unwrap();
            assert_eq!(env.format, LineFormat::DmesgIso);
            assert_eq!(env.time, RawTime::Utc(want));
        }
        assert!(parse_strict(b"2018-06-17T03:05:13.803095+00:00 host tag: x").is_err());
    }

    #[test]
    fn kmsg_record() {
        let env = parse_strict(br"3,1234,88820247535,-,caller=T42;a\x5cb").unwrap();
        assert_eq!(env.format, LineFormat::Kmsg);
        assert_eq!(env.level, Some(Level::Error));
        assert_eq!(env.pid, Some(42));
        assert_eq!(&env.message[..], br"a\b");
    }

    #[test]
    fn impossible_ctime() {
        assert!(parse_strict(b"[Sun Feb 30 03:05:13 2018] x").is_err());
        let env = parse(b"[Sun Feb 30 03:05:13 2018] x", Strictness::Lenient).unwrap();
        assert_eq!(env.time, RawTime::None);
    }
}
