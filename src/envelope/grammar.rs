//! Productions shared by several formats: fixed-width numbers, month names, clock
//! times, fractions, zone offsets and the RFC 3339 family of timestamps.
//!
//! Productions return *unchecked* fields ([`Stamp`]); turning them into a
//! [`RawTime`] is a separate step ([`Stamp::raw_time`]) so a lenient parse can keep
//! the line when the date is impossible (Feb 30, hour 25) and a strict parse can
//! report exactly where the bad timestamp is.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while_m_n};
use nom::character::complete::{char, one_of};
use nom::combinator::{map, opt, value};
use nom::error::{ContextError, ErrorKind, FromExternalError, ParseError};
use nom::{IResult, Parser};

use super::{EnvelopeError, LineFormat, RawTime, Strictness};

/// The error type of every envelope grammar: where it failed and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fail<'a> {
    /// The input remaining where the failure happened.
    pub input: &'a [u8],
    /// The innermost `context(...)` label, if any.
    pub expected: Option<&'static str>,
}

impl<'a> ParseError<&'a [u8]> for Fail<'a> {
    fn from_error_kind(input: &'a [u8], _kind: ErrorKind) -> Self {
        Fail {
            input,
            expected: None,
        }
    }
    fn append(_input: &'a [u8], _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

impl<'a> ContextError<&'a [u8]> for Fail<'a> {
    fn add_context(_input: &'a [u8], ctx: &'static str, mut other: Self) -> Self {
        if other.expected.is_none() {
            other.expected = Some(ctx);
        }
        other
    }
}

impl<'a, E> FromExternalError<&'a [u8], E> for Fail<'a> {
    fn from_external_error(input: &'a [u8], _kind: ErrorKind, _e: E) -> Self {
        Fail {
            input,
            expected: None,
        }
    }
}

/// Result of an envelope production.
pub(crate) type PResult<'a, O> = IResult<&'a [u8], O, Fail<'a>>;

/// Turn a nom failure on `line` into an [`EnvelopeError`] with a byte offset.
pub(crate) fn to_error(line: &[u8], format: LineFormat, err: nom::Err<Fail<'_>>) -> EnvelopeError {
    match err {
        nom::Err::Error(f) | nom::Err::Failure(f) => EnvelopeError {
            format,
            offset: line.len().saturating_sub(f.input.len()),
            expected: f.expected.unwrap_or("a well-formed line"),
        },
        nom::Err::Incomplete(_) => EnvelopeError {
            format,
            offset: line.len(),
            expected: "more input",
        },
    }
}

/// Offset of `rest` inside `line` (both must come from the same buffer).
pub(crate) fn offset_in(line: &[u8], rest: &[u8]) -> usize {
    line.len().saturating_sub(rest.len())
}

fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}

fn fold_digits(digits: &[u8]) -> u32 {
    digits.iter().fold(0u32, |acc, d| {
        acc.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    })
}

/// Exactly `n` decimal digits, e.g. the `06` of `2018-06-17`.
pub(crate) fn fixed_digits<'a>(n: usize) -> impl Parser<&'a [u8], Output = u32, Error = Fail<'a>> {
    map(take_while_m_n(n, n, is_digit), fold_digits)
}

/// Between `min` and `max` decimal digits.
pub(crate) fn some_digits<'a>(
    min: usize,
    max: usize,
) -> impl Parser<&'a [u8], Output = u64, Error = Fail<'a>> {
    map(take_while_m_n(min, max, is_digit), |d: &[u8]| {
        d.iter().fold(0u64, |acc, x| {
            acc.saturating_mul(10).saturating_add(u64::from(x - b'0'))
        })
    })
}

/// An English month abbreviation (`Jan`..`Dec`), as strftime `%b` writes it in the C locale.
pub(crate) fn month_abbr(input: &[u8]) -> PResult<'_, u32> {
    let (rest, name) = take_while_m_n(3, 3, |b: u8| b.is_ascii_alphabetic()).parse(input)?;
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    match MONTHS.iter().position(|m| *m == name) {
        Some(i) => Ok((rest, (i as u32) + 1)),
        None => Err(nom::Err::Error(Fail {
            input,
            expected: Some("a month name"),
        })),
    }
}

/// An English weekday abbreviation (`Mon`..`Sun`); the value is not needed.
pub(crate) fn weekday_abbr(input: &[u8]) -> PResult<'_, ()> {
    value(
        (),
        alt((
            tag("Mon"),
            tag("Tue"),
            tag("Wed"),
            tag("Thu"),
            tag("Fri"),
            tag("Sat"),
            tag("Sun"),
        )),
    )
    .parse(input)
}

/// Time of day as written, unchecked.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Clock {
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
}

impl Clock {
    /// The checked time of day (`None` for hour 25, minute 61...).
    pub fn time(self) -> Option<NaiveTime> {
        NaiveTime::from_hms_nano_opt(self.hour, self.minute, self.second, self.nanos)
    }
}

/// `hh:mm:ss` (two digits each).
pub(crate) fn clock(input: &[u8]) -> PResult<'_, Clock> {
    map(
        (
            fixed_digits(2),
            char(':'),
            fixed_digits(2),
            char(':'),
            fixed_digits(2),
        ),
        |(hour, _, minute, _, second)| Clock {
            hour,
            minute,
            second,
            nanos: 0,
        },
    )
    .parse(input)
}

/// A decimal fraction after `.` or `,` with 1 to 9 digits, as nanoseconds.
pub(crate) fn fraction(input: &[u8]) -> PResult<'_, u32> {
    let (rest, _) = one_of(".,").parse(input)?;
    let (rest, digits) = take_while_m_n(1, 9, is_digit).parse(rest)?;
    let mut nanos = fold_digits(digits);
    for _ in digits.len()..9 {
        nanos = nanos.saturating_mul(10);
    }
    Ok((rest, nanos))
}

/// `hh:mm:ss` with an optional fraction.
pub(crate) fn clock_fraction(input: &[u8]) -> PResult<'_, Clock> {
    map((clock, opt(fraction)), |(c, nanos)| Clock {
        nanos: nanos.unwrap_or(0),
        ..c
    })
    .parse(input)
}

/// A zone as written after a timestamp.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum ZoneSpec {
    /// `Z` (or a format defined as UTC).
    Utc,
    /// `±hh:mm` / `±hhmm`, in seconds east of UTC.
    Offset(i32),
    /// An offset whose minutes are out of range, e.g. conmon's `+05:1800`
    /// (`off % 3600` printed as minutes): the offset is ignored and the time is local.
    Broken,
}

/// `Z`, `±hh:mm`, `±hhmm`, or conmon's broken `±hh:mmmm`.
pub(crate) fn zone_spec(input: &[u8]) -> PResult<'_, ZoneSpec> {
    alt((
        value(ZoneSpec::Utc, one_of("Zz")),
        map(
            (
                one_of("+-"),
                fixed_digits(2),
                opt(char(':')),
                some_digits(2, 4),
            ),
            |(sign, hours, _, minutes)| {
                if minutes > 59 || hours > 23 {
                    return ZoneSpec::Broken;
                }
                let secs = (hours * 3600 + minutes as u32 * 60) as i32;
                ZoneSpec::Offset(if sign == '-' { -secs } else { secs })
            },
        ),
    ))
    .parse(input)
}

/// `YYYY-MM-DD`.
pub(crate) fn date_ymd(input: &[u8]) -> PResult<'_, (i32, u32, u32)> {
    map(
        (
            fixed_digits(4),
            char('-'),
            fixed_digits(2),
            char('-'),
            fixed_digits(2),
        ),
        |(y, _, m, _, d)| (y as i32, m, d),
    )
    .parse(input)
}

/// A timestamp as written: date parts, clock and zone, none of them checked yet.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// Year, when written.
    pub year: Option<i32>,
    pub month: u32,
    pub day: u32,
    pub clock: Clock,
    /// Zone, when written (`None` = local time of the writer).
    pub zone: Option<ZoneSpec>,
}

impl Stamp {
    /// The [`RawTime`] this stamp denotes, or `None` if the date or time is impossible.
    pub fn raw_time(self) -> Option<RawTime> {
        let time = self.clock.time()?;
        if !(1..=12).contains(&self.month) || !(1..=31).contains(&self.day) {
            return None;
        }
        let Some(year) = self.year else {
            return Some(RawTime::YearLess {
                month: self.month,
                day: self.day,
                time,
            });
        };
        let local = NaiveDate::from_ymd_opt(year, self.month, self.day)?.and_time(time);
        match self.zone {
            None | Some(ZoneSpec::Broken) => Some(RawTime::Local(local)),
            Some(ZoneSpec::Utc) => Some(RawTime::Utc(local.and_utc())),
            Some(ZoneSpec::Offset(secs)) => offset_instant(local, secs).map(RawTime::Utc),
        }
    }

    /// Like [`Stamp::raw_time`], applying the strictness policy: strict parses fail
    /// with `expected` at `offset`, lenient ones keep the line with no time.
    pub fn checked(
        self,
        strictness: Strictness,
        format: LineFormat,
        offset: usize,
    ) -> Result<RawTime, EnvelopeError> {
        match (self.raw_time(), strictness) {
            (Some(t), _) => Ok(t),
            (None, Strictness::Lenient) => Ok(RawTime::None),
            (None, Strictness::Strict) => Err(EnvelopeError {
                format,
                offset,
                expected: "a valid date and time",
            }),
        }
    }
}

/// A local time at a fixed offset, as UTC.
pub(crate) fn offset_instant(
    local: NaiveDateTime,
    secs: i32,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let offset = FixedOffset::east_opt(secs)?;
    offset
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// RFC 3339 as the Go and rsyslog writers produce it:
/// `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`; the zone is required.
pub(crate) fn timestamp_3339(input: &[u8]) -> PResult<'_, Stamp> {
    map(
        (date_ymd, one_of("Tt"), clock_fraction, zone_spec),
        |((year, month, day), _, clock, zone)| Stamp {
            year: Some(year),
            month,
            day,
            clock,
            zone: Some(zone),
        },
    )
    .parse(input)
}

/// `YYYY-MM-DD hh:mm:ss[.frac]` with no zone (felix, BIRD `%F %T`).
pub(crate) fn timestamp_spaced(input: &[u8]) -> PResult<'_, Stamp> {
    map(
        (date_ymd, char(' '), clock_fraction),
        |((year, month, day), _, clock)| Stamp {
            year: Some(year),
            month,
            day,
            clock,
            zone: None,
        },
    )
    .parse(input)
}

/// `[ssss.uuuuuu]` kernel uptime (seconds right-aligned, space-padded), in µs.
pub(crate) fn uptime_bracket(input: &[u8]) -> PResult<'_, u64> {
    let (rest, _) = char('[').parse(input)?;
    let (rest, _) = take_while_m_n(0, 12, |b| b == b' ').parse(rest)?;
    let (rest, secs) = some_digits(1, 12).parse(rest)?;
    let (rest, _) = char('.').parse(rest)?;
    let (rest, digits) = take_while_m_n(1, 9, is_digit).parse(rest)?;
    let (rest, _) = char(']').parse(rest)?;
    let mut micros = u64::from(fold_digits(digits.get(..6).unwrap_or(digits)));
    for _ in digits.len()..6 {
        micros *= 10;
    }
    Ok((rest, secs.saturating_mul(1_000_000).saturating_add(micros)))
}

/// The printk caller id `[ T1598]` / `[C1]` (CONFIG_PRINTK_CALLER), as the id number.
pub(crate) fn printk_caller(input: &[u8]) -> PResult<'_, (char, u32)> {
    let (rest, _) = char('[').parse(input)?;
    let (rest, _) = take_while_m_n(0, 6, |b| b == b' ').parse(rest)?;
    let (rest, kind) = one_of("TC").parse(rest)?;
    let (rest, id) = some_digits(1, 10).parse(rest)?;
    let (rest, _) = char(']').parse(rest)?;
    Ok((rest, (kind, u32::try_from(id).unwrap_or(u32::MAX))))
}

/// `<N>` syslog priority (0..=191), as the number.
pub(crate) fn pri(input: &[u8]) -> PResult<'_, u8> {
    let (rest, _) = char('<').parse(input)?;
    let (rest, n) = some_digits(1, 3).parse(rest)?;
    let (rest, _) = char('>').parse(rest)?;
    if n > 191 {
        return Err(nom::Err::Error(Fail {
            input,
            expected: Some("a priority 0..=191"),
        }));
    }
    Ok((rest, n as u8))
}

/// `bytes` as `&str` when valid UTF-8; hosts and tags are `&str` fields, so a field that
/// is not stays unknown rather than lossily converted.
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// A Go `%q` / `strconv.Quote` string at the start of `input` (opening `"` included):
/// returns the bytes between the quotes, escapes untouched (the caller decides whether
/// to [`go_unescape`] them).
pub(crate) fn quoted_escaped(input: &[u8]) -> PResult<'_, &[u8]> {
    let Some(body) = input.strip_prefix(b"\"") else {
        return Err(nom::Err::Error(Fail {
            input,
            expected: Some("`\"`"),
        }));
    };
    let mut escaped = false;
    for (i, b) in body.iter().enumerate() {
        match (escaped, b) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'"') => {
                let inside = body.get(..i).unwrap_or_default();
                return Ok((body.get(i + 1..).unwrap_or_default(), inside));
            }
            _ => {}
        }
    }
    Err(nom::Err::Error(Fail {
        input: body.get(body.len()..).unwrap_or_default(),
        expected: Some("closing `\"`"),
    }))
}

/// Undo Go string escapes (`\"`, `\\`, `\n`, `\t`, `\xNN`, `\uNNNN`...); unknown
/// escapes are kept as written. Borrowed when there is nothing to undo.
pub(crate) fn go_unescape(escaped: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !escaped.contains(&b'\\') {
        return std::borrow::Cow::Borrowed(escaped);
    }
    let mut out = Vec::with_capacity(escaped.len());
    let mut i = 0;
    while let Some(&b) = escaped.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&e) = escaped.get(i + 1) else {
            out.push(b);
            break;
        };
        let simple = match e {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'\'' => Some(b'\''),
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(12),
            b'v' => Some(11),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            i += 2;
            continue;
        }
        let width = match e {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            _ => 0,
        };
        let code = escaped
            .get(i + 2..i + 2 + width)
            .filter(|_| width > 0)
            .and_then(utf8)
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        match (e, code) {
            (b'x', Some(n)) => out.push(n as u8),
            (_, Some(n)) => {
                let c = char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            _ => {
                out.push(b);
                i += 1;
                continue;
            }
        }
        i += 2 + width;
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    #[test]
    fn fraction_scales_to_nanos_and_leaves_rest() {
        assert_eq!(fraction(b".803 x"), Ok((&b" x"[..], 803_000_000)));
        assert_eq!(
            fraction(b",803095+00:00"),
            Ok((&b"+00:00"[..], 803_095_000))
        );
    }

    #[test]
    fn zone_spec_forms() {
        assert_eq!(zone_spec(b"Z rest"), Ok((&b" rest"[..], ZoneSpec::Utc)));
        assert_eq!(
            zone_spec(b"+08:00 "),
            Ok((&b" "[..], ZoneSpec::Offset(8 * 3600)))
        );
        assert_eq!(
            zone_spec(b"-0500"),
            Ok((&b""[..], ZoneSpec::Offset(-5 * 3600)))
        );
        assert_eq!(zone_spec(b"+05:1800 x"), Ok((&b" x"[..], ZoneSpec::Broken)));
    }

    #[test]
    fn rfc3339_nanos_with_offset() {
        let (rest, stamp) = timestamp_3339(b"2018-06-17T03:05:13.803095123+02:00 stdout").unwrap();
        assert_eq!(rest, b" stdout");
        let want: DateTime<Utc> = "2018-06-17T01:05:13.803095123Z".parse().unwrap();
        assert_eq!(stamp.raw_time(), Some(RawTime::Utc(want)));
    }

    #[test]
    fn impossible_dates_have_no_time() {
        let (_, stamp) = timestamp_3339(b"2018-02-30T03:05:13Z").unwrap();
        assert_eq!(stamp.raw_time(), None);
        let (_, stamp) = timestamp_spaced(b"2018-06-17 25:05:13.803").unwrap();
        assert_eq!(stamp.raw_time(), None);
    }

    #[test]
    fn uptime_and_caller() {
        assert_eq!(
            uptime_bracket(b"[88820.247535] x"),
            Ok((&b" x"[..], 88_820_247_535))
        );
        assert_eq!(uptime_bracket(b"[    5.000123]"), Ok((&b""[..], 5_000_123)));
        assert_eq!(
            printk_caller(b"[ T1598] msg"),
            Ok((&b" msg"[..], ('T', 1598)))
        );
    }

    #[test]
    fn month_and_pri() {
        assert_eq!(month_abbr(b"Jun  8"), Ok((&b"  8"[..], 6)));
        assert!(month_abbr(b"Foo").is_err());
        assert_eq!(pri(b"<30>1 "), Ok((&b"1 "[..], 30)));
        assert!(pri(b"<300>").is_err());
    }

    #[test]
    fn go_quoted_strings() {
        let (rest, inside) = quoted_escaped(br#""a \"b\" c" level=info"#).unwrap();
        assert_eq!(rest, b" level=info");
        assert_eq!(inside, br#"a \"b\" c"#);
        assert_eq!(&go_unescape(inside)[..], br#"a "b" c"#);
        assert_eq!(
            &go_unescape(br"x\u00e9\x41\n\q")[..],
            "x\u{e9}A\n\\q".as_bytes()
        );
        assert!(quoted_escaped(br#""open"#).is_err());
    }
}
