//! etcd's capnslog lines (etcd 2.x–3.3, and flannel and other CoreOS programs of the
//! time): `2016-07-13 16:59:59.776094 W | rafthttp: the clock difference ...`.
//! The stamp is the process's local time without a zone; the letter is the level
//! (`D`, `I`, `N`, `W`, `E`, `C`); the word before `: ` is the package.

use std::borrow::Cow;

use nom::Parser;
use nom::bytes::complete::tag;
use nom::character::complete::{char, one_of};
use nom::combinator::cut;
use nom::error::context;
use nom::sequence::terminated;

use super::grammar::{self, PResult, timestamp_spaced};
use super::{Envelope, EnvelopeError, Level, LineFormat, Strictness};

/// The level letter and its ` | ` separator.
fn level(input: &[u8]) -> PResult<'_, Level> {
    let (rest, letter) = terminated(one_of("DINWEC"), tag(" | ")).parse(input)?;
    let level = match letter {
        'D' => Level::Debug,
        'I' | 'N' => Level::Info,
        'W' => Level::Warning,
        'E' => Level::Error,
        _ => Level::Fatal,
    };
    Ok((rest, level))
}

/// [`parse`] as the tests use it: an impossible date (Feb 30, hour 25) is an error at
/// the stamp's offset instead of a line without time.
pub fn parse_strict(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    parse(line, Strictness::Strict)
}

/// Parse a capnslog line; `app` is `etcd` (the program that made this format common
/// on Kubernetes nodes).
pub fn parse(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::Capnslog;
    let err = |e| grammar::to_error(line, format, e);
    let (rest, (stamp, _)) = (timestamp_spaced, char(' ')).parse(line).map_err(err)?;
    let (message, level) = cut(context("`L | ` level letter", level))
        .parse(rest)
        .map_err(err)?;
    let mut env = Envelope::bare(format, line);
    env.time = stamp.checked(strictness, format, 0)?;
    env.level = Some(level);
    env.app = Some("etcd");
    env.message = Cow::Borrowed(message);
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::RawTime;
    use chrono::NaiveDate;

    #[test]
    fn etcd_clock_difference_line() {
        // etcd-io/etcd#5938
        let env = parse_strict(b"2016-07-13 16:59:59.776094 W | rafthttp: the clock difference against peer 4e8d454852097618 is too high [12.407738276s > 1s]").unwrap();
        let want = NaiveDate::from_ymd_opt(2016, 7, 13)
            .unwrap()
            .and_hms_micro_opt(16, 59, 59, 776_094)
            .unwrap();
        assert_eq!(env.time, RawTime::Local(want));
        assert_eq!(env.level, Some(Level::Warning));
        assert!(env.message.starts_with(b"rafthttp: the clock difference"));
    }

    #[test]
    fn felix_and_bird_lines_are_not_capnslog() {
        assert!(
            parse_strict(b"2018-06-17 03:05:13.803 [INFO][84] int_dataplane.go 765: x").is_err()
        );
        assert!(parse_strict(b"2018-06-17 03:05:13 <INFO> x").is_err());
        let err = parse_strict(b"2016-07-13 16:59:33.017422 X | rafthttp: x").unwrap_err();
        assert_eq!(err.offset, 27);
    }
}
