//! Time resolution: turns [`RawTime`](super::RawTime) into UTC instants.
//!
//! Year-less formats get a year from an injected hint (`--year`, a year-bearing
//! timestamp of the same node, the file's mtime) with December→January rollover;
//! zone-less formats get `--tz` or the bundle's zone; raw dmesg uptimes are anchored
//! from lines carrying both wall time and uptime. The library never reads the clock.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

/// A resolved time.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Resolved {
    /// UTC instant, when one could be given.
    pub utc: Option<DateTime<Utc>>,
    /// Kernel uptime (µs), when the line had one.
    pub uptime_us: Option<u64>,
    /// How it was obtained.
    pub quality: TimeQuality,
}
