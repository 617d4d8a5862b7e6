//! How reports print instants: UTC RFC 3339 by default, a display zone on request,
//! and a visible mark (`~`) on times that were inferred rather than read.

use chrono::{DateTime, SecondsFormat, Utc};

use super::DisplayZone;
use crate::envelope::time::TimeQuality;

/// Suffix marking an inferred time in text, Markdown and HTML.
pub(crate) const INFERRED_MARK: &str = "~";

/// `2018-06-08T03:03:28Z`, or the same instant in the display zone
/// (`2018-06-08T05:03:28+02:00`). Whole seconds: reports are read by people.
pub(crate) fn instant(t: DateTime<Utc>, zone: Option<DisplayZone>) -> String {
    match zone {
        None => t.to_rfc3339_opts(SecondsFormat::Secs, true),
        Some(DisplayZone::Named(tz)) => t
            .with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false),
        Some(DisplayZone::Fixed(offset)) => t
            .with_timezone(&offset)
            .to_rfc3339_opts(SecondsFormat::Secs, false),
    }
}

/// Compact axis label: `06-08 03:03` (with the year when the span crosses years).
pub(crate) fn axis_label(t: DateTime<Utc>, with_year: bool, zone: Option<DisplayZone>) -> String {
    let pattern = if with_year {
        "%Y-%m-%d %H:%M"
    } else {
        "%m-%d %H:%M"
    };
    match zone {
        None => t.format(pattern).to_string(),
        Some(DisplayZone::Named(tz)) => t.with_timezone(&tz).format(pattern).to_string(),
        Some(DisplayZone::Fixed(offset)) => t.with_timezone(&offset).format(pattern).to_string(),
    }
}

/// Seconds the display zone is ahead of UTC at `t` (0 for UTC), to align axis ticks
/// on local midnights and hours.
pub(crate) fn offset_seconds(t: DateTime<Utc>, zone: Option<DisplayZone>) -> i64 {
    use chrono::Offset;
    match zone {
        None => 0,
        Some(DisplayZone::Named(tz)) => {
            i64::from(t.with_timezone(&tz).offset().fix().local_minus_utc())
        }
        Some(DisplayZone::Fixed(offset)) => i64::from(offset.local_minus_utc()),
    }
}

/// Name of the display zone for captions: `UTC`, `Europe/Berlin`, `+02:00`.
pub(crate) fn zone_name(zone: Option<DisplayZone>) -> String {
    match zone {
        None => "UTC".to_string(),
        Some(DisplayZone::Named(tz)) => tz.name().to_string(),
        Some(DisplayZone::Fixed(offset)) => offset.to_string(),
    }
}

/// An evidence time with its quality: `~` after inferred times, a word when there is
/// no wall time at all.
pub(crate) fn stamped(
    t: Option<DateTime<Utc>>,
    quality: TimeQuality,
    zone: Option<DisplayZone>,
) -> String {
    match t {
        Some(t) if is_inferred(quality) => format!("{}{INFERRED_MARK}", instant(t, zone)),
        Some(t) => instant(t, zone),
        None => match quality {
            TimeQuality::Unanchored => "uptime only (unanchored)".to_string(),
            _ => "no time".to_string(),
        },
    }
}

/// `start – end`, collapsed to one instant when both are equal.
pub(crate) fn range(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    inferred: bool,
    zone: Option<DisplayZone>,
) -> String {
    let mark = if inferred { INFERRED_MARK } else { "" };
    match (start, end) {
        (Some(s), Some(e)) if s == e => format!("{}{mark}", instant(s, zone)),
        (Some(s), Some(e)) => format!("{}{mark} – {}{mark}", instant(s, zone), instant(e, zone)),
        (Some(s), None) => format!("{}{mark} – unknown", instant(s, zone)),
        (None, Some(e)) => format!("unknown – {}{mark}", instant(e, zone)),
        (None, None) => "unknown (no wall time)".to_string(),
    }
}

/// Machine form for JSON: RFC 3339 in UTC with `Z`, keeping sub-second digits when
/// the source had them.
pub(crate) fn json(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// Was this time guessed (year, zone, boot anchor) rather than read?
pub(crate) fn is_inferred(quality: TimeQuality) -> bool {
    !matches!(quality, TimeQuality::Exact | TimeQuality::Missing)
}

/// Stable snake-case name of a quality, as in JSON.
pub(crate) fn quality_name(quality: TimeQuality) -> &'static str {
    match quality {
        TimeQuality::Exact => "exact",
        TimeQuality::YearInferred => "year_inferred",
        TimeQuality::ZoneAssumed => "zone_assumed",
        TimeQuality::YearAndZoneAssumed => "year_and_zone_assumed",
        TimeQuality::Anchored => "anchored",
        TimeQuality::Unanchored => "unanchored",
        TimeQuality::Missing => "missing",
    }
}

/// Short human note for a quality (`year inferred`...), `None` for exact times.
pub(crate) fn quality_note(quality: TimeQuality) -> Option<&'static str> {
    match quality {
        TimeQuality::Exact => None,
        TimeQuality::YearInferred => Some("year inferred"),
        TimeQuality::ZoneAssumed => Some("zone assumed"),
        TimeQuality::YearAndZoneAssumed => Some("year inferred, zone assumed"),
        TimeQuality::Anchored => Some("dmesg uptime anchored to wall time"),
        TimeQuality::Unanchored => Some("dmesg uptime not anchored"),
        TimeQuality::Missing => Some("no time on the line"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_528_426_808 + s, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn utc_by_default_and_zone_on_request() {
        assert_eq!(instant(t(0), None), "2018-06-08T03:00:08Z");
        let berlin = DisplayZone::Named(chrono_tz::Europe::Berlin);
        assert_eq!(instant(t(0), Some(berlin)), "2018-06-08T05:00:08+02:00");
        let fixed = DisplayZone::parse("-0530").ok();
        assert_eq!(instant(t(0), fixed), "2018-06-07T21:30:08-05:30");
    }

    #[test]
    fn inferred_times_are_marked() {
        assert_eq!(
            stamped(Some(t(0)), TimeQuality::YearInferred, None),
            "2018-06-08T03:00:08Z~"
        );
        assert_eq!(
            stamped(Some(t(0)), TimeQuality::Exact, None),
            "2018-06-08T03:00:08Z"
        );
        assert_eq!(
            stamped(None, TimeQuality::Unanchored, None),
            "uptime only (unanchored)"
        );
        assert_eq!(
            range(Some(t(0)), Some(t(60)), true, None),
            "2018-06-08T03:00:08Z~ – 2018-06-08T03:01:08Z~"
        );
    }

    #[test]
    fn json_keeps_subseconds_in_utc() {
        let precise = t(0) + chrono::Duration::microseconds(803_180);
        assert_eq!(
            json(Some(precise)).as_deref(),
            Some("2018-06-08T03:00:08.803180Z")
        );
        assert_eq!(json(None), None);
    }
}
