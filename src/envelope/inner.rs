//! Nested envelopes: a klog, logrus, felix or BIRD line carried as the message of an
//! outer envelope (syslog, journal, CRI, docker json-file, svlogd), and the kernel's
//! `[uptime]` prefix under `kernel:`.
//!
//! Merge rule: the outer time wins and the inner fills in when the outer has none
//! (same for uptime, pid and app), or lends its year to a year-less outer time; the level comes from the innermost envelope that
//! has one; the message becomes the inner message. One level of nesting is unwrapped
//! (plus the printk caller id, which the kernel grammar reads itself).

use std::borrow::Cow;

use super::{Envelope, LineFormat, RawTime, Strictness, bird, dmesg, felix, klog, logrus};

/// How far into an unrecognised line a klog header is looked for.
const SEARCH_WINDOW: usize = 512;

/// What an inner envelope contributes to its outer one.
struct Found<'a> {
    time: RawTime,
    uptime_us: Option<u64>,
    pid: Option<u32>,
    level: Option<super::Level>,
    app: Option<&'a str>,
    message: Cow<'a, [u8]>,
}

impl<'a> Found<'a> {
    fn borrowed(inner: Envelope<'a>) -> Found<'a> {
        Found {
            time: inner.time,
            uptime_us: inner.uptime_us,
            pid: inner.pid,
            level: inner.level,
            app: inner.app,
            message: inner.message,
        }
    }

    /// Detach an inner envelope parsed from an owned message (JSON formats).
    fn owned(inner: Envelope<'_>) -> Found<'a> {
        Found {
            time: inner.time,
            uptime_us: inner.uptime_us,
            pid: inner.pid,
            level: inner.level,
            app: inner.app.and_then(static_app),
            message: Cow::Owned(inner.message.into_owned()),
        }
    }
}

/// Program names the inner grammars assign, with a `'static` lifetime.
fn static_app(name: &str) -> Option<&'static str> {
    ["bird", "bird6", "calico-node", "kernel"]
        .into_iter()
        .find(|known| *known == name)
}

/// The inner envelope at the start of `message`, if any (lenient grammars).
fn inner_at<'m>(message: &'m [u8], outer: LineFormat, app: Option<&str>) -> Option<Envelope<'m>> {
    use LineFormat as F;
    let lenient = Strictness::Lenient;
    let carrier = matches!(
        outer,
        F::Rfc3164
            | F::Rfc3339
            | F::Rfc5424
            | F::JournalShortIso
            | F::JournalShortPrecise
            | F::JournalShortMonotonic
            | F::JournalShortFull
            | F::JournalJson
            | F::JournalExport
            | F::DockerJson
            | F::Cri
            | F::Svlogd
            | F::Unknown
    );
    if !carrier {
        return None;
    }
    match message.first()? {
        b'[' if app == Some("kernel") && dmesg::starts_with_uptime(message) => {
            dmesg::parse(message, lenient).ok()
        }
        b'I' | b'W' | b'E' | b'F' => klog::parse(message, lenient).ok(),
        b't' if logrus::looks_like(message) => logrus::parse(message, lenient).ok(),
        b'0'..=b'9' => felix::parse(message, lenient)
            .or_else(|_| bird::parse(message, lenient))
            .ok()
            .filter(|e| e.format != LineFormat::Svlogd),
        b'b' => bird::parse(message, lenient).ok(),
        _ => None,
    }
}

/// Fold what the inner envelope found into the outer one.
fn apply<'a>(mut outer: Envelope<'a>, found: Found<'a>) -> Envelope<'a> {
    match (outer.time, found.time) {
        (RawTime::None, inner) => outer.time = inner,
        // `Jun 14 10:00:03 node dockerd[9]: time="2018-06-14T10:00:03Z" ...`: the
        // outer stamp stays (it is the syslog's clock), the year is the line's own.
        (RawTime::YearLess { month, day, time }, RawTime::Utc(t)) => {
            if let Some(local) = super::time::with_year_near(month, day, time, t.naive_utc()) {
                outer.time = RawTime::Local(local);
            }
        }
        (RawTime::YearLess { month, day, time }, RawTime::Local(t)) => {
            if let Some(local) = super::time::with_year_near(month, day, time, t) {
                outer.time = RawTime::Local(local);
            }
        }
        _ => {}
    }
    outer.uptime_us = outer.uptime_us.or(found.uptime_us);
    outer.pid = outer.pid.or(found.pid);
    outer.level = found.level.or(outer.level);
    outer.app = outer.app.or(found.app);
    outer.message = found.message;
    outer
}

/// Unwrap one nested envelope in `env.message`, if there is one.
pub(crate) fn unwrap(env: Envelope<'_>) -> Envelope<'_> {
    let found = match &env.message {
        Cow::Borrowed(message) => inner_at(message, env.format, env.app).map(Found::borrowed),
        Cow::Owned(message) => inner_at(message, env.format, env.app).map(Found::owned),
    };
    match found {
        Some(found) => apply(env, found),
        None => env,
    }
}

/// A line no format accepted: look for a klog header or a logrus `time="` inside it.
/// The format stays [`LineFormat::Unknown`]; message, time and level come from what is found.
pub(crate) fn search_unknown(line: &[u8]) -> Envelope<'_> {
    let env = Envelope::bare(LineFormat::Unknown, line);
    let window = line.get(..SEARCH_WINDOW).unwrap_or(line);
    let found = inner_at(line, LineFormat::Unknown, None).or_else(|| {
        memchr::memmem::find(window, b" time=\"")
            .and_then(|at| line.get(at + 1..))
            .and_then(|rest| logrus::parse(rest, Strictness::Lenient).ok())
            .or_else(|| {
                window
                    .windows(2)
                    .enumerate()
                    .filter(|(_, pair)| {
                        pair.first() == Some(&b' ')
                            && matches!(pair.get(1), Some(b'I' | b'W' | b'E' | b'F'))
                    })
                    .find_map(|(at, _)| klog::parse(line.get(at + 1..)?, Strictness::Lenient).ok())
            })
    });
    match found {
        Some(inner) => apply(env, Found::borrowed(inner)),
        None => env,
    }
}
