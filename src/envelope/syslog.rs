//! Syslog file and forward formats: RFC 3164 (rsyslog traditional, journalctl
//! `short` and `short-precise`), RFC 3339 (`RSYSLOG_FileFormat`, journalctl
//! `short-iso[-precise]`) and RFC 5424 (`RSYSLOG_SyslogProtocol23Format`), with the
//! optional `<PRI>` of the forward formats.
//!
//! Nested payloads (klog, logrus, `[uptime]`) are left in `message`; `inner` unwraps them.

use std::borrow::Cow;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till1, take_while1};
use nom::character::complete::char;
use nom::combinator::{cut, map, opt};
use nom::error::context;
use nom::sequence::{delimited, preceded};

use super::grammar::{
    self, Clock, PResult, Stamp, clock_fraction, fixed_digits, month_abbr, offset_in, pri,
    some_digits, timestamp_3339, utf8,
};
use super::{Envelope, EnvelopeError, Level, LineFormat, RawTime, Strictness};

/// [`parse`] as the tests use it: an impossible date, or a line without a `tag:` after
/// the host, is an error at its offset instead of being kept with less known.
pub fn parse_strict(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    parse(line, Strictness::Strict)
}

/// Parse a syslog-family line: tells RFC 3164, RFC 3339, RFC 5424 and the journalctl
/// `short`, `short-precise` and `short-iso` variants apart (see [`iso_flavour`]).
pub fn parse(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    let (after_pri, priority) = opt(pri)
        .parse(line)
        .map_err(|e| grammar::to_error(line, LineFormat::Rfc3164, e))?;
    if priority.is_some()
        && let Ok((rest, _)) = tag::<_, _, grammar::Fail<'_>>("1 ").parse(after_pri)
    {
        return parse_5424(line, rest, priority.unwrap_or(13), strictness);
    }
    let (after_stamp, (stamp, format)) = context("a syslog timestamp", timestamp)
        .parse(after_pri)
        .map_err(|e| grammar::to_error(line, LineFormat::Rfc3164, e))?;
    let time = stamp.checked(strictness, format, offset_in(line, after_pri))?;
    let (rest, host) = (char(' '), hostname, char(' '))
        .parse(after_stamp)
        .map(|(rest, (_, host, _))| (rest, host))
        .map_err(|e| grammar::to_error(line, format, e))?;
    let mut env = Envelope::bare(format, line);
    env.time = time;
    env.level = priority.map(|p| Level::from_syslog_severity(p & 7));
    // `--no-hostname` journal output whose message has a colon of its own
    // (`Jul 28 04:24:10 kernel: INFO: rcu_sched ...`): no hostname ends with `:`.
    let no_hostname = match syslog_tag(host) {
        Ok((b"", tag)) if host.ends_with(b":") => Some(tag),
        _ => None,
    };
    if let Some((app, pid)) = no_hostname {
        env.app = utf8(app);
        env.pid = pid;
        env.message = Cow::Borrowed(rest);
        return Ok(env);
    }
    match syslog_tag(rest) {
        Ok((message, (app, pid))) => {
            env.host = utf8(host);
            env.app = utf8(app);
            env.pid = pid;
            env.message = Cow::Borrowed(message);
        }
        Err(e) if strictness == Strictness::Strict => {
            return Err(grammar::to_error(line, format, e));
        }
        Err(_) => {
            // `--no-hostname` journal output: what looked like the host is the tag.
            if let Ok((b"", (app, pid))) = syslog_tag(host) {
                env.app = utf8(app);
                env.pid = pid;
            } else {
                env.host = utf8(host);
            }
            env.message = Cow::Borrowed(rest);
        }
    }
    Ok(env)
}

/// Either timestamp family, with the line format it implies.
fn timestamp(input: &[u8]) -> PResult<'_, (Stamp, LineFormat)> {
    alt((
        |i| {
            let (rest, stamp) = timestamp_3164(i)?;
            let written = i.get(..offset_in(i, rest)).unwrap_or_default();
            let format = if written.contains(&b'.') {
                LineFormat::JournalShortPrecise
            } else {
                LineFormat::Rfc3164
            };
            Ok((rest, (stamp, format)))
        },
        |i| {
            let (rest, stamp) = timestamp_3339(i)?;
            let written = i.get(..offset_in(i, rest)).unwrap_or_default();
            // `,micros` is util-linux `dmesg --time-format iso`, never syslog.
            if written.get(19) == Some(&b',') {
                return Err(nom::Err::Error(grammar::Fail {
                    input: i.get(19..).unwrap_or_default(),
                    expected: Some("`.` before the fraction"),
                }));
            }
            Ok((rest, (stamp, iso_flavour(written))))
        },
    ))
    .parse(input)
}

/// Tell rsyslog RFC 3339 from journalctl `short-iso`: both write
/// `YYYY-MM-DDThh:mm:ss`. journalctl ≤ v254 writes the zone as `+0000` and plain
/// `short-iso` has no fraction; rsyslog always writes `±hh:mm` (or `Z`) and local
/// messages get 6 fraction digits. So: no fraction or a colon-less zone means journal;
/// `short-iso-precise` from v255 is indistinguishable and reads as RFC 3339.
pub fn iso_flavour(timestamp: &[u8]) -> LineFormat {
    let has_fraction = timestamp.contains(&b'.');
    let colonless_zone = timestamp.len() >= 5
        && timestamp
            .get(timestamp.len() - 5)
            .is_some_and(|b| *b == b'+' || *b == b'-');
    if !has_fraction || colonless_zone {
        LineFormat::JournalShortIso
    } else {
        LineFormat::Rfc3339
    }
}

/// `Mmm dd hh:mm:ss[.uuuuuu]`: the day is space-padded (rsyslog, `Jun  8`) or
/// zero-padded (journalctl, `Jun 08`); a single unpadded digit is tolerated.
pub(crate) fn timestamp_3164(input: &[u8]) -> PResult<'_, Stamp> {
    map(
        (month_abbr, char(' '), day_3164, char(' '), clock_fraction),
        |(month, _, day, _, clock): (u32, char, u32, char, Clock)| Stamp {
            year: None,
            month,
            day,
            clock,
            zone: None,
        },
    )
    .parse(input)
}

/// The day of an RFC 3164 timestamp: ` 8`, `08` or `8`.
pub(crate) fn day_3164(input: &[u8]) -> PResult<'_, u32> {
    alt((
        preceded(char(' '), fixed_digits(1)),
        fixed_digits(2),
        fixed_digits(1),
    ))
    .parse(input)
}

/// A hostname field: everything up to the next space.
fn hostname(input: &[u8]) -> PResult<'_, &[u8]> {
    context("a hostname", take_till1(|b| b == b' ')).parse(input)
}

/// `tag[pid]: ` or `tag: `; the one space after the colon is not part of the message.
pub(crate) fn syslog_tag(input: &[u8]) -> PResult<'_, (&[u8], Option<u32>)> {
    let (rest, app) = context(
        "a program tag",
        take_while1(|b| b != b'[' && b != b':' && b != b' '),
    )
    .parse(input)?;
    let (rest, pid) = opt(delimited(char('['), some_digits(1, 10), char(']'))).parse(rest)?;
    let (rest, _) = context("`:` after the tag", char(':')).parse(rest)?;
    let (rest, _) = opt(char(' ')).parse(rest)?;
    Ok((rest, (app, pid.and_then(|p| u32::try_from(p).ok()))))
}

/// One RFC 5424 header field: `-` (nil) or a token.
fn field_5424(input: &[u8]) -> PResult<'_, Option<&[u8]>> {
    map(take_till1(|b| b == b' '), |f: &[u8]| {
        if f == b"-" { None } else { Some(f) }
    })
    .parse(input)
}

/// STRUCTURED-DATA: `-` or `[id k="v"...]...` (`\]` and `\"` escaped inside values).
fn structured_data(input: &[u8]) -> PResult<'_, ()> {
    if let Some(rest) = input.strip_prefix(b"-") {
        return Ok((rest, ()));
    }
    let mut i = 0usize;
    let mut depth_open = false;
    let mut in_quotes = false;
    let mut escaped = false;
    loop {
        let Some(&b) = input.get(i) else {
            return Err(nom::Err::Error(grammar::Fail {
                input: input.get(i..).unwrap_or_default(),
                expected: Some("structured data"),
            }));
        };
        match (depth_open, in_quotes, escaped, b) {
            (_, _, true, _) => escaped = false,
            (true, true, false, b'\\') => escaped = true,
            (true, _, false, b'"') => in_quotes = !in_quotes,
            (false, _, _, b'[') => depth_open = true,
            (true, false, false, b']') => depth_open = false,
            (false, _, _, _) if i > 0 => {
                return Ok((input.get(i..).unwrap_or_default(), ()));
            }
            (false, _, _, _) => {
                return Err(nom::Err::Error(grammar::Fail {
                    input,
                    expected: Some("`-` or `[` structured data"),
                }));
            }
            _ => {}
        }
        i += 1;
        if !depth_open && input.get(i).is_none_or(|c| *c == b' ') {
            return Ok((input.get(i..).unwrap_or_default(), ()));
        }
    }
}

/// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]`, `after_version` starts at TIMESTAMP.
fn parse_5424<'a>(
    line: &'a [u8],
    after_version: &'a [u8],
    priority: u8,
    strictness: Strictness,
) -> Result<Envelope<'a>, EnvelopeError> {
    let format = LineFormat::Rfc5424;
    let err = |e| grammar::to_error(line, format, e);
    let (rest, stamp) = context(
        "an RFC 3339 timestamp or `-`",
        alt((map(tag("-"), |_| None), map(timestamp_3339, Some))),
    )
    .parse(after_version)
    .map_err(err)?;
    let time = match stamp {
        Some(s) => s.checked(strictness, format, offset_in(line, after_version))?,
        None => RawTime::None,
    };
    let (rest, (_, host, _, app, _, procid, _, _msgid, _)) = cut((
        char(' '),
        field_5424,
        char(' '),
        field_5424,
        char(' '),
        field_5424,
        char(' '),
        field_5424,
        char(' '),
    ))
    .parse(rest)
    .map_err(err)?;
    let (rest, _) = structured_data(rest).map_err(err)?;
    let message = rest;
    let mut env = Envelope::bare(format, line);
    env.time = time;
    env.host = host.and_then(utf8);
    env.app = app.and_then(utf8);
    env.pid = procid.and_then(utf8).and_then(|p| p.parse().ok());
    env.level = Some(Level::from_syslog_severity(priority & 7));
    let message = message.strip_prefix(b" ").unwrap_or(message);
    let message = message
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(message);
    env.message = Cow::Borrowed(message);
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, TimeZone, Utc};

    const KUBELET_3164: &[u8] = b"Jun  8 03:03:28 node-1 kubelet[5478]: I0608 03:03:28.803095    5478 eviction_manager.go:346] eviction manager: must evict pod(s) to reclaim imagefs";

    #[test]
    fn timestamp_3164_space_padded_day() {
        let (rest, stamp) = timestamp_3164(b"Jun  8 03:03:28 node-1").unwrap();
        assert_eq!(rest, b" node-1");
        assert_eq!(
            stamp.raw_time(),
            Some(RawTime::YearLess {
                month: 6,
                day: 8,
                time: NaiveTime::from_hms_opt(3, 3, 28).unwrap()
            })
        );
    }

    #[test]
    fn tag_with_and_without_pid() {
        assert_eq!(
            syslog_tag(b"kubelet[5478]: I0608"),
            Ok((&b"I0608"[..], (&b"kubelet"[..], Some(5478))))
        );
        assert_eq!(
            syslog_tag(b"kernel: [88820.247535] SLUB"),
            Ok((&b"[88820.247535] SLUB"[..], (&b"kernel"[..], None)))
        );
    }

    #[test]
    fn rfc3164_kubelet_line() {
        let env = parse_strict(KUBELET_3164).unwrap();
        assert_eq!(env.format, LineFormat::Rfc3164);
        assert_eq!(env.host, Some("node-1"));
        assert_eq!(env.app, Some("kubelet"));
        assert_eq!(env.pid, Some(5478));
        assert!(env.message.starts_with(b"I0608 03:03:28.803095"));
    }

    #[test]
    fn journal_short_zero_padded_and_precise() {
        let env = parse_strict(b"Jun 08 03:03:29 node-1 kernel: nf_conntrack: nf_conntrack: table full, dropping packet").unwrap();
        assert_eq!(env.format, LineFormat::Rfc3164);
        assert_eq!(env.app, Some("kernel"));
        assert_eq!(
            &env.message[..],
            b"nf_conntrack: nf_conntrack: table full, dropping packet"
        );
        let env = parse_strict(b"Jun 08 03:03:28.000000 node-1 kubelet[5478]: x").unwrap();
        assert_eq!(env.format, LineFormat::JournalShortPrecise);
        assert!(matches!(env.time, RawTime::YearLess { day: 8, .. }));
    }

    #[test]
    fn rfc3339_and_short_iso() {
        let env =
            parse_strict(b"2018-06-08T03:03:28.803180+00:00 node-1 kubelet[5478]: hello").unwrap();
        assert_eq!(env.format, LineFormat::Rfc3339);
        let want = Utc.with_ymd_and_hms(2018, 6, 8, 3, 3, 28).unwrap()
            + chrono::Duration::microseconds(803_180);
        assert_eq!(env.time, RawTime::Utc(want));
        let env = parse_strict(b"2018-06-08T03:03:28+0000 node-1 kubelet[5478]: hello").unwrap();
        assert_eq!(env.format, LineFormat::JournalShortIso);
        assert_eq!(
            env.time,
            RawTime::Utc(Utc.with_ymd_and_hms(2018, 6, 8, 3, 3, 28).unwrap())
        );
    }

    #[test]
    fn rfc5424_with_nil_fields() {
        let env = parse_strict(b"<30>1 2018-06-08T03:03:28.803180+00:00 node-1 kubelet 5478 - - I0608 03:03:28.803095    5478 x.go:1] hi").unwrap();
        assert_eq!(env.format, LineFormat::Rfc5424);
        assert_eq!(env.app, Some("kubelet"));
        assert_eq!(env.pid, Some(5478));
        assert_eq!(env.level, Some(Level::Info));
        assert!(env.message.starts_with(b"I0608"));
        let env = parse_strict(br#"<27>1 - host app - ID47 [ex@1 a="x\]y"] boom"#).unwrap();
        assert_eq!(env.time, RawTime::None);
        assert_eq!(env.level, Some(Level::Error));
        assert_eq!(&env.message[..], b"boom");
    }

    #[test]
    fn forward_format_pri_gives_level() {
        let env = parse_strict(b"<4>Jun  8 03:03:28 node-1 kernel: oops").unwrap();
        assert_eq!(env.level, Some(Level::Warning));
        assert_eq!(env.format, LineFormat::Rfc3164);
    }

    #[test]
    fn strict_errors_point_at_the_problem() {
        let err = parse_strict(b"Jun  8 03:03:28 node-1 syslogd 1.4.1: restart.").unwrap_err();
        assert_eq!(err.offset, 30);
        let err = parse_strict(b"Feb 30 25:00:01 node-1 cron[1]: x").unwrap_err();
        assert_eq!(err.offset, 0);
        assert_eq!(err.expected, "a valid date and time");
        let env = parse(b"Feb 30 25:00:01 node-1 cron[1]: x", Strictness::Lenient).unwrap();
        assert_eq!(env.time, RawTime::None);
        assert_eq!(env.app, Some("cron"));
    }

    #[test]
    fn lenient_without_tag_keeps_message() {
        let env = parse(
            b"Jun  9 06:06:20 combo syslogd 1.4.1: restart.",
            Strictness::Lenient,
        )
        .unwrap();
        assert_eq!(env.host, Some("combo"));
        assert_eq!(env.app, None);
        assert_eq!(&env.message[..], b"syslogd 1.4.1: restart.");
    }
}
