//! Turns flag structs into the library's configuration, validating as it goes
//! (sizes, zones, times). The library never sees clap types.

use chrono::{DateTime, Duration, Utc};

use super::args::{InputArgs, SeverityArg, TimeArgs};
use podmortem::Error;
use podmortem::envelope::time::{self, Zone};
use podmortem::input::{InputConfig, Shard};
use podmortem::resolve::TimeConfig;
use podmortem::signatures::Severity;

/// Parse a size like `4GiB`, `512MiB`, `100MB`, `1048576`.
pub fn parse_size(s: &str) -> Result<u64, Error> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| Error::Config(format!("bad size {s:?}: expected e.g. 512MiB or 4GiB")))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        "t" | "tb" => 1_000_000_000_000,
        "tib" => 1 << 40,
        other => return Err(Error::Config(format!("bad size unit {other:?} in {s:?}"))),
    };
    Ok((n * mult as f64) as u64)
}

/// The input configuration every scanning command shares (`--max-decompressed`,
/// `--set-node`); `events` adds its shard and stdin name itself.
pub fn input(args: &InputArgs) -> Result<InputConfig, Error> {
    Ok(InputConfig {
        decompress_cap: parse_size(&args.max_decompressed)?,
        node_override: args.set_node.clone(),
        ..InputConfig::default()
    })
}

/// `--shard I/N`: I from 0, below N.
pub fn shard(s: &str) -> Result<Shard, Error> {
    let bad = || {
        Error::Config(format!(
            "bad --shard {s:?}: use I/N with 0 <= I < N, e.g. 0/4 (I as Kubernetes' JOB_COMPLETION_INDEX)"
        ))
    };
    let (index, count) = s.split_once('/').ok_or_else(bad)?;
    let index: u32 = index.trim().parse().map_err(|_| bad())?;
    let count: u32 = count.trim().parse().map_err(|_| bad())?;
    if count == 0 || index >= count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// `--tz`, with the value given named in the error.
pub fn zone(s: &str) -> Result<Zone, Error> {
    time::parse_zone(s).map_err(|e| Error::Config(format!("bad time zone {s:?}: {e}")))
}

/// `--year`, `--tz` and `--boot-time` as the scan's time configuration, checked before
/// any input is read.
pub fn time(args: &TimeArgs) -> Result<TimeConfig, Error> {
    Ok(TimeConfig {
        year: args.year,
        zone: args.tz.as_deref().map(zone).transpose()?,
        boot_time: args
            .boot_time
            .as_deref()
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| {
                        Error::Config(format!("bad --boot-time {s:?}: {e} (use RFC 3339)"))
                    })
            })
            .transpose()?,
    })
}

/// A `--since`/`--until` value, checked before any input is read; a relative one is
/// resolved against the bundle's last event once the scan has found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSpec {
    /// A fixed instant (RFC 3339, or a UTC date).
    At(DateTime<Utc>),
    /// A duration back from the bundle's last event.
    Before(Duration),
}

/// Which end of a date-only value a filter means: `--since 2018-07-01` starts at its
/// midnight, `--until 2018-07-01` includes that whole day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayEdge {
    /// 00:00:00 UTC.
    Start,
    /// 23:59:59.999 UTC.
    End,
}

/// Parse a time filter: RFC 3339, a date (UTC), or a duration (`90m`, `2h`, `1w`).
pub fn time_spec(flag: &str, s: &str, edge: DayEdge) -> Result<TimeSpec, Error> {
    let t = s.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(TimeSpec::At(at.with_timezone(&Utc)));
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let time = match edge {
            DayEdge::Start => chrono::NaiveTime::MIN,
            DayEdge::End => chrono::NaiveTime::from_hms_milli_opt(23, 59, 59, 999)
                .unwrap_or(chrono::NaiveTime::MIN),
        };
        return Ok(TimeSpec::At(day.and_time(time).and_utc()));
    }
    duration(t).map(TimeSpec::Before).ok_or_else(|| {
        Error::Config(format!(
            "bad {flag} {s:?}: use RFC 3339 (2018-06-17T03:00:00Z), a date (2018-06-17) \
             or a duration back from the last event (2h, 3d, 1w)"
        ))
    })
}

impl TimeSpec {
    /// The instant, resolving a relative spec against the bundle's `last` event.
    pub fn resolve(self, last: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, Error> {
        match self {
            TimeSpec::At(t) => Ok(t),
            TimeSpec::Before(d) => last.map(|l| l - d).ok_or_else(|| {
                Error::Config(
                    "a relative --since/--until needs a last event time, but no event has a time"
                        .to_string(),
                )
            }),
        }
    }
}

/// The time window of `--since`/`--until`, refused when it is empty (`--since` after
/// `--until`) as soon as both ends are known.
pub fn check_window(
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<(), Error> {
    match (since, until) {
        (Some(s), Some(u)) if s > u => Err(Error::Config(format!(
            "--since {} is after --until {}: nothing could match",
            s.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            u.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))),
        _ => Ok(()),
    }
}

/// A duration (`30s`, `10m`, `2h`, `7d`, `1w`, `1h30m`): the one parser signature
/// windows use too.
pub fn duration(s: &str) -> Option<Duration> {
    podmortem::signatures::compile::parse_window(s).ok()
}

/// The suggestion for a mistyped name: the candidate fewest edits away (Levenshtein),
/// ties going to the one of the same length and then the most similar prefix
/// (Jaro-Winkler); `None` when even that one needs more than a third of the name
/// changed.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| {
            let edits = strsim::levenshtein(name, c);
            let length = c.chars().count().abs_diff(name.chars().count());
            (edits, length, -strsim::jaro_winkler(name, c), c)
        })
        .filter(|(edits, ..)| *edits <= limit)
        .min_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then(a.2.total_cmp(&b.2))
                .then_with(|| a.3.cmp(b.3))
        })
        .map(|(.., c)| c)
}

/// `--min-severity` / `--fail-on` in the library's terms (the clap enum stays in
/// `args`).
pub fn severity(s: SeverityArg) -> Severity {
    match s {
        SeverityArg::Low => Severity::Low,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::High => Severity::High,
        SeverityArg::Critical => Severity::Critical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("4GiB").ok(), Some(4 << 30));
        assert_eq!(parse_size("100MB").ok(), Some(100_000_000));
        assert_eq!(parse_size("1.5KiB").ok(), Some(1536));
        assert!(parse_size("lots").is_err());
        assert_eq!(duration("2h"), Duration::try_hours(2));
        assert_eq!(duration("1w"), Duration::try_days(7));
        assert_eq!(duration("x"), None);
        let last = DateTime::parse_from_rfc3339("2018-06-17T03:00:00Z")
            .ok()
            .map(|t| t.with_timezone(&Utc));
        let at = |s, edge| {
            time_spec("--since", s, edge)
                .and_then(|t| t.resolve(last))
                .ok()
                .map(|t| t.to_rfc3339())
        };
        assert_eq!(
            at("2h", DayEdge::Start),
            Some("2018-06-17T01:00:00+00:00".to_string())
        );
        assert_eq!(
            at("2018-07-01", DayEdge::Start),
            Some("2018-07-01T00:00:00+00:00".to_string())
        );
        assert_eq!(
            at("2018-07-01", DayEdge::End),
            Some("2018-07-01T23:59:59.999+00:00".to_string())
        );
        assert!(time_spec("--since", "garbage", DayEdge::Start).is_err());
    }

    #[test]
    fn years_have_four_digits() {
        assert_eq!(crate::cli::args::parse_year("2018"), Ok(2018));
        assert!(crate::cli::args::parse_year("18").is_err());
        assert!(crate::cli::args::parse_year("20180").is_err());
    }

    #[test]
    fn suggestions_pick_a_close_name_only() {
        let nodes = ["node-1", "node-12", "ip-10-0-1-16"];
        assert_eq!(closest("node-13", nodes), Some("node-12"));
        assert_eq!(closest("zzz", nodes), None);
    }
}
