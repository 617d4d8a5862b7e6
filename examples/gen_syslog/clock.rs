//! Civil time from Unix microseconds, and the timestamp shapes the generator writes
//! (RFC 3164, RFC 3339, klog header, logrus RFC3339NanoFixed, felix). UTC only.

use std::io::Write;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A broken-down UTC time.
#[derive(Clone, Copy)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub micros: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Broken-down time of Unix microseconds.
pub fn civil(unix_us: i64) -> Civil {
    let secs = unix_us.div_euclid(1_000_000);
    let micros = unix_us.rem_euclid(1_000_000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: sod / 3600,
        min: sod / 60 % 60,
        sec: sod % 60,
        micros,
    }
}

/// `Jun  8 03:03:28` (day padded with a space, as rsyslog writes it).
pub fn rfc3164(out: &mut Vec<u8>, c: &Civil) {
    let month = MONTHS[(c.month as usize + 11) % 12];
    let _ = write!(
        out,
        "{month} {:2} {:02}:{:02}:{:02}",
        c.day, c.hour, c.min, c.sec
    );
}

/// `2018-06-08T03:03:28.803180+00:00` (rsyslog `RSYSLOG_FileFormat`).
pub fn rfc3339_micros(out: &mut Vec<u8>, c: &Civil) {
    let _ = write!(
        out,
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        c.year, c.month, c.day, c.hour, c.min, c.sec, c.micros
    );
}

/// `2018-06-08T03:03:28Z` for the ground-truth file.
pub fn rfc3339_seconds(unix_us: i64) -> String {
    let c = civil(unix_us);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    )
}

/// klog header `I0617 03:05:13.803095    5478 file.go:346] `.
pub fn klog(out: &mut Vec<u8>, sev: char, c: &Civil, pid: u32, file_line: &str) {
    let _ = write!(
        out,
        "{sev}{:02}{:02} {:02}:{:02}:{:02}.{:06} {pid:7} {file_line}] ",
        c.month, c.day, c.hour, c.min, c.sec, c.micros
    );
}

/// logrus `time="2018-06-17T03:05:13.803095123Z"` (dockerd's RFC3339NanoFixed, 9 digits).
pub fn logrus_time(out: &mut Vec<u8>, c: &Civil, nanos_extra: u32) {
    let _ = write!(
        out,
        "time=\"{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}{:03}Z\"",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.min,
        c.sec,
        c.micros,
        nanos_extra % 1000
    );
}

/// felix `2018-06-17 03:05:13.803` (milliseconds, no zone).
pub fn felix(out: &mut Vec<u8>, c: &Civil) {
    let _ = write!(
        out,
        "{}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.min,
        c.sec,
        c.micros / 1000
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips_known_dates() {
        let d = days_from_civil(2018, 6, 8);
        let c = civil(d * 86_400_000_000 + 10_999_000_123);
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.min, c.sec, c.micros),
            (2018, 6, 8, 3, 3, 19, 123)
        );
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        let c = civil(days_from_civil(2020, 2, 29) * 86_400_000_000);
        assert_eq!((c.year, c.month, c.day), (2020, 2, 29));
    }

    #[test]
    fn rfc3164_pads_day_with_space() {
        let mut out = Vec::new();
        rfc3164(
            &mut out,
            &civil(days_from_civil(2018, 6, 8) * 86_400_000_000 + 3_600_000_000),
        );
        assert_eq!(out, b"Jun  8 01:00:00");
    }
}
