//! Turns flag structs into the library's configuration, validating as it goes
//! (sizes, zones, times). The library never sees clap types.

use chrono::{DateTime, Duration, Utc};

use super::args::{InputArgs, SeverityArg, TimeArgs};
use podmortem::Error;
use podmortem::envelope::time::{self, Zone};
use podmortem::input::{InputConfig, Shard};
use podmortem::scan::TimeConfig;
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

/// Input options.
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

/// Parse a zone flag.
pub fn zone(s: &str) -> Result<Zone, Error> {
    time::parse_zone(s).map_err(|e| Error::Config(format!("bad time zone {s:?}: {e}")))
}

/// Time options.
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

/// A time filter: RFC 3339, or a duration (`90m`, `2h`, `3d`) back from `last`.
pub fn when(s: &str, last: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, Error> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = duration(s).ok_or_else(|| {
        Error::Config(format!(
            "bad time {s:?}: use RFC 3339 (2018-06-17T03:00:00Z) or a duration (2h)"
        ))
    })?;
    let last =
        last.ok_or_else(|| Error::Config(format!("{s:?} is relative, but no event has a time")))?;
    Ok(last - d)
}

/// `30s`, `10m`, `2h`, `7d`.
pub fn duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    match unit {
        "s" => Duration::try_seconds(n),
        "m" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        _ => None,
    }
}

/// Severity flag.
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
        assert_eq!(duration("x"), None);
        let last = DateTime::parse_from_rfc3339("2018-06-17T03:00:00Z")
            .ok()
            .map(|t| t.with_timezone(&Utc));
        assert_eq!(
            when("2h", last).ok().map(|t| t.to_rfc3339()),
            Some("2018-06-17T01:00:00+00:00".to_string())
        );
    }
}
