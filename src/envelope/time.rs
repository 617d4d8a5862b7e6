//! Time resolution: turns [`RawTime`] into UTC instants.
//!
//! Year-less formats get a year from an injected hint (`--year`, a year-bearing
//! timestamp of the same node, the file's mtime) with December→January rollover;
//! zone-less formats get `--tz` or the bundle's zone; dmesg uptimes are anchored to wall
//! time through lines carrying both. The library never reads the clock.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    Offset, TimeZone, Utc,
};
use serde::{Deserialize, Serialize};

use super::RawTime;

/// How trustworthy an event's time is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TimeQuality {
    /// The line carried a full instant.
    #[default]
    Exact,
    /// The year was inferred.
    YearInferred,
    /// The zone was assumed (`--tz`, bundle zone, or UTC by default).
    ZoneAssumed,
    /// Both year and zone were inferred/assumed.
    YearAndZoneAssumed,
    /// A dmesg uptime anchored to wall time through another line.
    Anchored,
    /// Only an uptime is known; no wall time could be given.
    Unanchored,
    /// The line had no time at all.
    Missing,
}

/// What [`resolve`] makes of a line's time: the instant its event is placed at, and
/// how far a report may trust it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Resolved {
    /// UTC instant, when one could be given.
    pub utc: Option<DateTime<Utc>>,
    /// Kernel uptime (µs), when the line had one.
    pub uptime_us: Option<u64>,
    /// How it was obtained.
    pub quality: TimeQuality,
}

/// The zone local times are read in: `--tz`, the bundle's `etc/timezone`, or UTC.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Zone {
    /// UTC: also what local stamps are read in when neither `--tz` nor the bundle
    /// names a zone.
    Utc,
    /// A fixed offset (`+08:00`, `-0500`).
    Fixed(FixedOffset),
    /// An IANA zone with its DST rules (`Europe/Berlin`).
    Named(chrono_tz::Tz),
}

/// Parse a zone: `UTC`/`Z`/`GMT`, an offset (`+08:00`, `-0500`, `+8`), or an IANA name.
pub fn parse_zone(s: &str) -> Result<Zone, String> {
    let s = s.trim();
    if ["utc", "z", "gmt", "etc/utc"].contains(&s.to_ascii_lowercase().as_str()) {
        return Ok(Zone::Utc);
    }
    if let Some(sign) = s
        .strip_prefix('+')
        .map(|r| (1, r))
        .or(s.strip_prefix('-').map(|r| (-1, r)))
    {
        let (sign, body) = sign;
        let digits: String = body.chars().filter(|c| *c != ':').collect();
        let bad = || format!("bad UTC offset {s:?}: expected +hh:mm, +hhmm or +hh");
        if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let (hours, minutes) = match digits.len() {
            1 | 2 => (digits.parse::<i32>().map_err(|_| bad())?, 0),
            _ => {
                let split = digits.len() - 2;
                let h = digits
                    .get(..split)
                    .ok_or_else(bad)?
                    .parse::<i32>()
                    .map_err(|_| bad())?;
                let m = digits
                    .get(split..)
                    .ok_or_else(bad)?
                    .parse::<i32>()
                    .map_err(|_| bad())?;
                (h, m)
            }
        };
        if hours > 23 || minutes > 59 {
            return Err(bad());
        }
        return FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
            .map(Zone::Fixed)
            .ok_or_else(bad);
    }
    s.parse::<chrono_tz::Tz>().map(Zone::Named).map_err(|_| {
        format!(
            "unknown time zone {s:?}: use an IANA name (Europe/Berlin), UTC or an offset (+08:00)"
        )
    })
}

/// A local time in `zone` as UTC. In a DST overlap the earliest instant is chosen; a
/// time inside a DST gap (which never existed) gets the earliest of the instants the
/// offsets on either side of the gap give. Never panics.
pub fn to_utc(local: NaiveDateTime, zone: &Zone) -> Option<DateTime<Utc>> {
    match zone {
        Zone::Utc => Some(local.and_utc()),
        Zone::Fixed(offset) => earliest(offset.from_local_datetime(&local)),
        Zone::Named(tz) => match tz.from_local_datetime(&local) {
            LocalResult::None => {
                let day = Duration::days(1);
                [local.checked_sub_signed(day), local.checked_add_signed(day)]
                    .into_iter()
                    .flatten()
                    .filter_map(|probe| {
                        let offset = tz.offset_from_utc_datetime(&probe).fix();
                        local.checked_sub_signed(Duration::seconds(i64::from(
                            offset.local_minus_utc(),
                        )))
                    })
                    .min()
                    .map(|t| t.and_utc())
            }
            other => earliest(other),
        },
    }
}

fn earliest<Tz: TimeZone>(result: LocalResult<DateTime<Tz>>) -> Option<DateTime<Utc>> {
    result.earliest().map(|t| t.with_timezone(&Utc))
}

/// The year of a year-less timestamp: the latest date with this month, day and time
/// that is not later than `reference + 2 days`, looking back at most 8 years (so Feb 29
/// finds a leap year; Feb 30 gives `None`). Stateless, so chunks resolve in parallel;
/// with the stream's end as reference, Dec lines land in the previous year and Jan
/// lines in the reference year.
pub fn infer_year(
    month: u32,
    day: u32,
    time: NaiveTime,
    reference: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let limit = reference.checked_add_signed(Duration::days(2))?;
    let top = limit.year();
    (0..=8)
        .filter_map(|back| NaiveDate::from_ymd_opt(top.checked_sub(back)?, month, day))
        .map(|date| date.and_time(time))
        .find(|candidate| *candidate <= limit)
}

/// A year-less `month`/`day`/`time` given the year of `dated`, a year-bearing stamp
/// written on the same line (a logrus `time=` inside a syslog line): the year, the
/// one before or the one after, whichever puts it nearest to `dated` (the two
/// stamps may straddle a new year in different zones). `None` for an impossible day.
pub fn with_year_near(
    month: u32,
    day: u32,
    time: NaiveTime,
    dated: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let year = dated.year();
    [year.checked_sub(1), Some(year), year.checked_add(1)]
        .into_iter()
        .flatten()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .map(|d| d.and_time(time))
        .min_by_key(|c| (*c - dated).num_seconds().unsigned_abs())
}

/// What time resolution needs to know about a source.
#[derive(Clone, Debug, PartialEq)]
pub struct Clock {
    /// Local date-time near the end of the stream (year hint for year-less stamps):
    /// `--year`, a year-bearing stamp of the same node, or the file's mtime.
    pub reference: Option<NaiveDateTime>,
    /// Zone of local (zone-less) stamps.
    pub zone: Zone,
    /// True when `zone` was assumed (not known for this source): marks times as such.
    pub zone_assumed: bool,
    /// Boot instant of the current boot segment, for uptime-only lines.
    pub boot: Option<DateTime<Utc>>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            reference: None,
            zone: Zone::Utc,
            zone_assumed: true,
            boot: None,
        }
    }
}

/// `t` if it lies in years 1..=9999, the range a written timestamp can spell.
/// Epoch counts (journal `__REALTIME_TIMESTAMP`, klog JSON `ts`, BIRD tai64) and
/// uptimes added to a boot time can reach chrono's limits (year 262142), where the
/// day and hour offsets taken later (year inference, coverage gaps, windows)
/// overflow and panic; such a time is garbage in a log, so it is dropped instead.
pub fn plausible(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (1..=9999).contains(&t.year()).then_some(t)
}

/// Resolve a time as written to UTC, saying how it was obtained. `uptime_us` is the line's
/// kernel uptime when it has one besides its wall time.
pub fn resolve(written: RawTime, uptime_us: Option<u64>, clock: &Clock) -> Resolved {
    let anchored = |us: u64| {
        clock.boot.and_then(|boot| {
            boot.checked_add_signed(Duration::microseconds(i64::try_from(us).ok()?))
                .and_then(plausible)
        })
    };
    let local_quality = |year_inferred: bool| match (year_inferred, clock.zone_assumed) {
        (false, false) => TimeQuality::Exact,
        (false, true) => TimeQuality::ZoneAssumed,
        (true, false) => TimeQuality::YearInferred,
        (true, true) => TimeQuality::YearAndZoneAssumed,
    };
    let missing = Resolved {
        utc: None,
        uptime_us,
        quality: TimeQuality::Missing,
    };
    match written {
        RawTime::Utc(utc) => Resolved {
            utc: Some(utc),
            uptime_us,
            quality: TimeQuality::Exact,
        },
        RawTime::Local(local) => match to_utc(local, &clock.zone) {
            Some(utc) => Resolved {
                utc: Some(utc),
                uptime_us,
                quality: local_quality(false),
            },
            None => missing,
        },
        RawTime::YearLess { month, day, time } => {
            let utc = clock
                .reference
                .and_then(|reference| infer_year(month, day, time, reference))
                .and_then(|local| to_utc(local, &clock.zone));
            match utc {
                Some(utc) => Resolved {
                    utc: Some(utc),
                    uptime_us,
                    quality: local_quality(true),
                },
                None => missing,
            }
        }
        RawTime::Uptime(us) => match anchored(us) {
            Some(utc) => Resolved {
                utc: Some(utc),
                uptime_us: Some(us),
                quality: TimeQuality::Anchored,
            },
            None => Resolved {
                utc: None,
                uptime_us: Some(us),
                quality: TimeQuality::Unanchored,
            },
        },
        RawTime::None => match uptime_us {
            Some(us) => match anchored(us) {
                Some(utc) => Resolved {
                    utc: Some(utc),
                    uptime_us,
                    quality: TimeQuality::Anchored,
                },
                None => Resolved {
                    utc: None,
                    uptime_us,
                    quality: TimeQuality::Unanchored,
                },
            },
            None => missing,
        },
    }
}

/// Split a stream of `(line, uptime_us, is "Linux version" banner)` into boot
/// segments `(first_line, last_line)`. A new boot starts where the uptime goes back,
/// or at a second banner within one segment (a banner alone does not split: 3.x
/// kernels print `Initializing cgroup subsys` lines before it at the same uptime).
pub fn boot_segments(uptimes: &[(u64, u64, bool)]) -> Vec<(u64, u64)> {
    let mut segments: Vec<(u64, u64)> = Vec::new();
    let mut previous_uptime: Option<u64> = None;
    let mut banner_seen = false;
    for &(line, uptime, is_banner) in uptimes {
        let reboot = previous_uptime.is_some_and(|p| uptime < p) || (is_banner && banner_seen);
        match segments.last_mut() {
            Some(last) if !reboot => last.1 = line,
            _ => {
                segments.push((line, line));
                banner_seen = false;
            }
        }
        banner_seen |= is_banner;
        previous_uptime = Some(uptime);
    }
    segments
}

/// The boot instant of a line that carries both wall time and uptime.
pub fn boot_time(wall: DateTime<Utc>, uptime_us: u64) -> DateTime<Utc> {
    i64::try_from(uptime_us)
        .ok()
        .and_then(|us| wall.checked_sub_signed(Duration::microseconds(us)))
        .unwrap_or(wall)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn infer_year_across_new_year() {
        let reference = at(2019, 1, 1, 0, 0);
        assert_eq!(
            infer_year(12, 31, hm(23, 59), reference),
            Some(at(2018, 12, 31, 23, 59))
        );
        assert_eq!(
            infer_year(1, 1, hm(0, 1), reference),
            Some(at(2019, 1, 1, 0, 1))
        );
    }

    #[test]
    fn infer_year_leap_day_and_impossible_day() {
        let reference = at(2019, 6, 1, 0, 0);
        assert_eq!(
            infer_year(2, 29, hm(12, 0), reference),
            Some(at(2016, 2, 29, 12, 0))
        );
        assert_eq!(infer_year(2, 30, hm(12, 0), reference), None);
    }

    #[test]
    fn zones_parse() {
        assert_eq!(parse_zone("UTC"), Ok(Zone::Utc));
        assert_eq!(
            parse_zone("+08:00"),
            Ok(Zone::Fixed(FixedOffset::east_opt(8 * 3600).unwrap()))
        );
        assert_eq!(
            parse_zone("-0500"),
            Ok(Zone::Fixed(FixedOffset::west_opt(5 * 3600).unwrap()))
        );
        assert_eq!(
            parse_zone("Europe/Berlin"),
            Ok(Zone::Named(chrono_tz::Europe::Berlin))
        );
        assert!(parse_zone("Mars/Olympus").is_err());
        assert!(parse_zone("+25:00").is_err());
    }

    #[test]
    fn named_zone_with_dst() {
        let berlin = Zone::Named(chrono_tz::Europe::Berlin);
        // Summer (CEST, +2) and winter (CET, +1).
        assert_eq!(
            to_utc(at(2018, 6, 17, 5, 5), &berlin),
            Some(at(2018, 6, 17, 3, 5).and_utc())
        );
        assert_eq!(
            to_utc(at(2018, 1, 17, 5, 5), &berlin),
            Some(at(2018, 1, 17, 4, 5).and_utc())
        );
        // Overlap 2018-10-28 02:30 happens twice: the earliest is the CEST one.
        assert_eq!(
            to_utc(at(2018, 10, 28, 2, 30), &berlin),
            Some(at(2018, 10, 28, 0, 30).and_utc())
        );
        // Gap 2018-03-25 02:30 never existed: earliest reading is with +2.
        assert_eq!(
            to_utc(at(2018, 3, 25, 2, 30), &berlin),
            Some(at(2018, 3, 25, 0, 30).and_utc())
        );
    }

    #[test]
    fn resolve_qualities() {
        let clock = Clock {
            reference: Some(at(2018, 6, 20, 0, 0)),
            zone: Zone::Named(chrono_tz::Europe::Berlin),
            zone_assumed: false,
            boot: Some(at(2018, 6, 17, 0, 0).and_utc()),
        };
        let yearless = RawTime::YearLess {
            month: 6,
            day: 17,
            time: hm(5, 5),
        };
        let r = resolve(yearless, None, &clock);
        assert_eq!(
            (r.utc, r.quality),
            (
                Some(at(2018, 6, 17, 3, 5).and_utc()),
                TimeQuality::YearInferred
            )
        );
        let assumed = Clock {
            zone_assumed: true,
            ..clock.clone()
        };
        assert_eq!(
            resolve(yearless, None, &assumed).quality,
            TimeQuality::YearAndZoneAssumed
        );
        assert_eq!(
            resolve(RawTime::Local(at(2018, 6, 17, 5, 5)), None, &assumed).quality,
            TimeQuality::ZoneAssumed
        );
        let r = resolve(RawTime::Uptime(61_000_000), None, &clock);
        assert_eq!(
            (r.utc, r.quality, r.uptime_us),
            (
                Some(at(2018, 6, 17, 0, 1).and_utc() + Duration::seconds(1)),
                TimeQuality::Anchored,
                Some(61_000_000)
            )
        );
        let unanchored = Clock {
            boot: None,
            ..clock.clone()
        };
        assert_eq!(
            resolve(RawTime::Uptime(5), None, &unanchored).quality,
            TimeQuality::Unanchored
        );
        assert_eq!(
            resolve(RawTime::None, None, &clock).quality,
            TimeQuality::Missing
        );
        let feb30 = RawTime::YearLess {
            month: 2,
            day: 30,
            time: hm(1, 0),
        };
        assert_eq!(resolve(feb30, None, &clock).utc, None);
        let exact = at(2018, 6, 17, 3, 5).and_utc();
        assert_eq!(
            resolve(RawTime::Utc(exact), Some(7), &clock),
            Resolved {
                utc: Some(exact),
                uptime_us: Some(7),
                quality: TimeQuality::Exact
            }
        );
    }

    #[test]
    fn boot_segments_split_at_reboot() {
        let lines = [
            (1, 0, false), // Initializing cgroup subsys cpuset
            (2, 0, true),  // Linux version 3.13.0-...
            (3, 5_000_000, false),
            (4, 88_820_247_535, false),
            (5, 0, true), // rebooted into 4.9
            (6, 1_000, false),
            (7, 2_000, true), // a second banner without uptime going back
        ];
        assert_eq!(boot_segments(&lines), vec![(1, 4), (5, 6), (7, 7)]);
        assert!(boot_segments(&[]).is_empty());
    }

    #[test]
    fn boot_time_subtracts_uptime() {
        let wall = at(2018, 6, 17, 3, 5).and_utc();
        assert_eq!(boot_time(wall, 60_000_000), at(2018, 6, 17, 3, 4).and_utc());
        assert_eq!(boot_time(wall, u64::MAX), wall);
    }
}
