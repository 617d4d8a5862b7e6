//! journalctl output: the `short` family not shared with syslog (`short-monotonic`,
//! `short-full`; `short`, `short-precise` and `short-iso` are parsed by
//! [`super::syslog`]), `-o json` (one object per line) and `-o export` (blocks of
//! `FIELD=value` with binary fields), plus the banners journalctl prints around entries.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::DateTime;
use nom::Parser;
use nom::bytes::complete::{take_till1, take_while1};
use nom::character::complete::char;
use nom::error::context;

use super::grammar::{
    self, PResult, Stamp, clock_fraction, date_ymd, uptime_bracket, utf8, weekday_abbr,
};
use super::syslog::syslog_tag;
use super::{Envelope, EnvelopeError, Level, LineFormat, RawTime, Strictness, inner};

/// True for the lines journalctl prints around entries, which are not messages:
/// `-- Logs begin at ..., end at ... --`, `-- Journal begins at ... --`,
/// `-- Reboot --`, `-- Boot <id> --`, `-- No entries --`.
pub fn is_banner(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.len() >= 6 && line.starts_with(b"-- ") && line.ends_with(b" --")
}

/// True for the separator journalctl prints between the entries of two boots: `--
/// Reboot --` (older releases) or `-- Boot <32 hex> --` (newer). journalctl prints it
/// only when the boot id changes from one entry to the next (never before the first
/// entry), so it always marks a reboot inside the shown span.
pub fn is_boot_separator(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line).trim_ascii_end();
    if line == b"-- Reboot --" {
        return true;
    }
    line.strip_prefix(b"-- Boot ")
        .and_then(|rest| rest.strip_suffix(b" --"))
        .is_some_and(|id| id.len() == 32 && id.iter().all(u8::is_ascii_hexdigit))
}

/// The end of the span a `-- Logs begin at A, end at B. --` / `-- Journal begins at A,
/// ends at B. --` header describes (B, zone ignored). Every entry printed below it lies
/// before B, whatever filter selected them, so B is an upper bound to infer the year of
/// year-less entries from; A is not a year for them (a filtered unit may have logged
/// only long after the journal began).
pub fn banner_end(line: &[u8]) -> Option<chrono::NaiveDateTime> {
    if !is_banner(line) {
        return None;
    }
    let rest = after_literal(line, b", end at ").or_else(|| after_literal(line, b", ends at "))?;
    // `Tue 2018-12-04 13:12:57 IST. --`: the stamp grammar wants a space after the zone.
    let stamp_text = rest.strip_suffix(b" --").unwrap_or(rest);
    let mut stamp_text = stamp_text.strip_suffix(b".").unwrap_or(stamp_text).to_vec();
    stamp_text.push(b' ');
    let (_, (stamp, _)) = timestamp_full(&stamp_text).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(stamp.year?, stamp.month, stamp.day)?;
    Some(date.and_time(stamp.clock.time()?))
}

/// The time of the `Active:` line of `systemctl status` output captured as a file
/// (`   Active: failed (Result: exit-code) since Thu 2017-12-28 21:08:53 UTC; 6h ago`,
/// indented by 3 or 5 spaces depending on the systemd release). It carries the year
/// the journal lines printed below it lack; the zone is ignored (a year hint only).
pub fn systemctl_active_since(line: &[u8]) -> Option<chrono::NaiveDateTime> {
    let rest = line.trim_ascii_start().strip_prefix(b"Active: ")?;
    let since = after_literal(rest, b" since ")?;
    let end = memchr::memchr(b';', since).unwrap_or(since.len());
    let mut stamp_text = since.get(..end)?.to_vec();
    stamp_text.push(b' ');
    let (_, (stamp, _)) = timestamp_full(&stamp_text).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(stamp.year?, stamp.month, stamp.day)?;
    Some(date.and_time(stamp.clock.time()?))
}

/// The bytes after the first `needle`.
fn after_literal<'a>(hay: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    let at = memchr::memmem::find(hay, needle)?;
    hay.get(at + needle.len()..)
}

/// [`parse_short`] as the tests use it: an impossible date is an error at the stamp's
/// offset instead of a line without time.
pub fn parse_strict(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    parse_short(line, Strictness::Strict)
}

/// Parse `short-monotonic` (`[88820.247535] host tag[pid]: msg`) or `short-full`
/// (`Fri 2018-06-08 03:03:28 UTC host tag[pid]: msg`).
pub fn parse_short(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    if line.first() == Some(&b'[') {
        let format = LineFormat::JournalShortMonotonic;
        let (rest, (uptime, _)) = (uptime_bracket, char(' '))
            .parse(line)
            .map_err(|e| grammar::to_error(line, format, e))?;
        let mut env = host_and_tag(line, rest, format)?;
        env.time = RawTime::Uptime(uptime);
        env.uptime_us = Some(uptime);
        return Ok(env);
    }
    let format = LineFormat::JournalShortFull;
    let (rest, (stamp, utc)) =
        timestamp_full(line).map_err(|e| grammar::to_error(line, format, e))?;
    let stamp = Stamp {
        zone: utc.then_some(grammar::ZoneSpec::Utc),
        ..stamp
    };
    let time = stamp.checked(strictness, format, 0)?;
    let mut env = host_and_tag(line, rest, format)?;
    env.time = time;
    Ok(env)
}

/// `Day YYYY-MM-DD hh:mm:ss ZONE ` (systemd `format_timestamp`); the flag says the zone
/// is UTC. Other abbreviations (`CEST`, `EST`) are ambiguous and give local time.
fn timestamp_full(input: &[u8]) -> PResult<'_, (Stamp, bool)> {
    let (rest, (_, _, (year, month, day), _, clock, _, zone, _)) = (
        weekday_abbr,
        char(' '),
        date_ymd,
        char(' '),
        clock_fraction,
        char(' '),
        context(
            "a zone",
            take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'-'),
        ),
        char(' '),
    )
        .parse(input)?;
    let stamp = Stamp {
        year: Some(year),
        month,
        day,
        clock,
        zone: None,
    };
    Ok((rest, (stamp, zone == b"UTC" || zone == b"GMT")))
}

/// `host tag[pid]: msg` after a timestamp; both are required in this family.
fn host_and_tag<'a>(
    line: &'a [u8],
    input: &'a [u8],
    format: LineFormat,
) -> Result<Envelope<'a>, EnvelopeError> {
    let (rest, (host, _)) = (context("a hostname", take_till1(|b| b == b' ')), char(' '))
        .parse(input)
        .map_err(|e| grammar::to_error(line, format, e))?;
    let (message, (app, pid)) = syslog_tag(rest).map_err(|e| grammar::to_error(line, format, e))?;
    // dmesg's kernel text after an uptime looks like `host tag: msg` too: `[843041.35]
    // neighbour: arp_cache: neighbor table overflow!`, `[1356.29] r8125 0000:22:04.0
    // eth4: ...`. No hostname ends with `:` and no journal identifier starts with a
    // digit, so such lines are left to the dmesg grammar; nor is `XFS (sdb): ...`
    // (a parenthesised identifier such as `(sd-pam)` always comes with its pid).
    let kernel_text = host.ends_with(b":")
        || app.first().is_some_and(u8::is_ascii_digit)
        || (app.first() == Some(&b'(') && pid.is_none());
    if kernel_text {
        return Err(EnvelopeError {
            format,
            offset: grammar::offset_in(line, input),
            expected: "a hostname and a program tag",
        });
    }
    let mut env = Envelope::bare(format, line);
    env.host = utf8(host);
    env.app = utf8(app);
    env.pid = pid;
    env.message = Cow::Borrowed(message);
    Ok(env)
}

/// A field value of `-o json`: a string, an array of byte numbers (binary), an array of
/// values (the field appeared more than once: the first is used), or null (too large).
fn json_field_bytes(value: &serde_json::Value) -> Option<Vec<u8>> {
    match value {
        serde_json::Value::String(s) => Some(s.as_bytes().to_vec()),
        serde_json::Value::Array(items) => {
            if items.iter().all(|v| v.is_u64()) {
                items
                    .iter()
                    .map(|v| v.as_u64().and_then(|n| u8::try_from(n).ok()))
                    .collect()
            } else {
                items.first().and_then(json_field_bytes)
            }
        }
        _ => None,
    }
}

/// Borrow from `line` the bytes equal to `value`: JSON string fields without escapes
/// (host names, identifiers) appear verbatim in the line, so an equal slice of it is
/// the same string with the line's lifetime.
pub(crate) fn borrow_equal<'a>(line: &'a [u8], value: &[u8]) -> Option<&'a str> {
    if value.is_empty() {
        return None;
    }
    let at = memchr::memmem::find(line, value)?;
    utf8(line.get(at..at + value.len())?)
}

/// A µs-since-epoch string (`__REALTIME_TIMESTAMP`) as UTC.
fn realtime(us: &[u8]) -> RawTime {
    utf8(us)
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_micros)
        .and_then(super::time::plausible)
        .map_or(RawTime::None, RawTime::Utc)
}

fn parse_u64(bytes: &[u8]) -> Option<u64> {
    utf8(bytes).and_then(|s| s.parse().ok())
}

/// Parse one `journalctl -o json` line. Every value is a string (numbers too);
/// binary values are byte arrays, repeated fields are arrays of values.
pub fn parse_json(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::JournalJson;
    let object: HashMap<String, serde_json::Value> =
        serde_json::from_slice(line).map_err(|e| EnvelopeError {
            format,
            offset: e.column().saturating_sub(1),
            expected: "a JSON object",
        })?;
    let field = |name: &str| object.get(name).and_then(json_field_bytes);
    if !["MESSAGE", "__REALTIME_TIMESTAMP", "__CURSOR"]
        .iter()
        .any(|k| object.contains_key(*k))
    {
        return Err(EnvelopeError {
            format,
            offset: 0,
            expected: "journal fields (MESSAGE, __REALTIME_TIMESTAMP)",
        });
    }
    let mut env = Envelope::bare(format, line);
    env.message = Cow::Owned(field("MESSAGE").unwrap_or_default());
    env.time = field("__REALTIME_TIMESTAMP").map_or(RawTime::None, |v| realtime(&v));
    env.uptime_us = field("__MONOTONIC_TIMESTAMP").and_then(|v| parse_u64(&v));
    env.host = field("_HOSTNAME").and_then(|v| borrow_equal(line, &v));
    env.app = field("SYSLOG_IDENTIFIER")
        .or_else(|| field("_COMM"))
        .and_then(|v| borrow_equal(line, &v));
    env.pid = field("_PID")
        .or_else(|| field("SYSLOG_PID"))
        .and_then(|v| parse_u64(&v))
        .and_then(|p| u32::try_from(p).ok());
    env.level = field("PRIORITY")
        .and_then(|v| parse_u64(&v))
        .map(|p| Level::from_syslog_severity(p as u8));
    Ok(env)
}

/// One entry of `journalctl -o export` output.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportEntry<'a> {
    /// 1-based line number of the entry's first line.
    pub line: u64,
    /// Byte offset of the entry's first line.
    pub byte: u64,
    /// The entry, nested envelopes unwrapped; its `raw` is the entry's whole block of
    /// field lines, without the blank line that ends it.
    pub envelope: Envelope<'a>,
}

/// Iterate the entries of `journalctl -o export` data. Binary fields (`FIELD\n`, u64 LE
/// length, bytes, `\n`) are read by length, so values may hold newlines. A truncated
/// entry (a length running past the end) ends the iteration and is not returned.
pub fn export_entries(data: &[u8]) -> impl Iterator<Item = ExportEntry<'_>> {
    ExportEntries {
        data,
        pos: 0,
        line: 1,
    }
}

/// Iterator behind [`export_entries`].
struct ExportEntries<'a> {
    data: &'a [u8],
    pos: usize,
    line: u64,
}

/// The fields of an export entry that an envelope needs.
#[derive(Default)]
struct ExportFields<'a> {
    message: Option<&'a [u8]>,
    host: Option<&'a [u8]>,
    identifier: Option<&'a [u8]>,
    comm: Option<&'a [u8]>,
    pid: Option<&'a [u8]>,
    priority: Option<&'a [u8]>,
    realtime: Option<&'a [u8]>,
    monotonic: Option<&'a [u8]>,
}

impl<'a> ExportFields<'a> {
    fn set(&mut self, name: &[u8], value: &'a [u8]) {
        let slot = match name {
            b"MESSAGE" => &mut self.message,
            b"_HOSTNAME" => &mut self.host,
            b"SYSLOG_IDENTIFIER" => &mut self.identifier,
            b"_COMM" => &mut self.comm,
            b"_PID" => &mut self.pid,
            b"SYSLOG_PID" if self.pid.is_none() => &mut self.pid,
            b"PRIORITY" => &mut self.priority,
            b"__REALTIME_TIMESTAMP" => &mut self.realtime,
            b"__MONOTONIC_TIMESTAMP" => &mut self.monotonic,
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }

    fn envelope(self, block: &'a [u8]) -> Envelope<'a> {
        let mut env = Envelope::bare(LineFormat::JournalExport, block);
        env.message = Cow::Borrowed(self.message.unwrap_or_default());
        env.time = self.realtime.map_or(RawTime::None, realtime);
        env.uptime_us = self.monotonic.and_then(parse_u64);
        env.host = self.host.and_then(utf8);
        env.app = self.identifier.or(self.comm).and_then(utf8);
        env.pid = self
            .pid
            .and_then(parse_u64)
            .and_then(|p| u32::try_from(p).ok());
        env.level = self
            .priority
            .and_then(parse_u64)
            .map(|p| Level::from_syslog_severity(p as u8));
        env
    }
}

impl<'a> ExportEntries<'a> {
    /// Read the entry starting at `self.pos`; `None` if it is truncated.
    fn read_entry(&self) -> Option<(ExportFields<'a>, usize, usize)> {
        let data = self.data;
        let mut pos = self.pos;
        let mut fields = ExportFields::default();
        loop {
            let Some(rest) = data.get(pos..) else {
                return Some((fields, pos, pos));
            };
            if rest.is_empty() {
                return Some((fields, pos, pos));
            }
            let line_end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let field_line = rest.get(..line_end)?;
            if field_line.is_empty() {
                // The blank line that ends the entry.
                return Some((fields, pos, pos + 1));
            }
            if let Some(eq) = memchr::memchr(b'=', field_line) {
                fields.set(field_line.get(..eq)?, field_line.get(eq + 1..)?);
                pos += line_end + 1;
            } else {
                let len_at = pos + line_end + 1;
                let len_bytes: [u8; 8] = data.get(len_at..len_at + 8)?.try_into().ok()?;
                let len = usize::try_from(u64::from_le_bytes(len_bytes)).ok()?;
                let value_at = len_at + 8;
                let value_end = value_at.checked_add(len)?;
                let value = data.get(value_at..value_end)?;
                fields.set(field_line, value);
                match data.get(value_end) {
                    Some(b'\n') => pos = value_end + 1,
                    None => pos = value_end,
                    Some(_) => return None,
                }
            }
        }
    }
}

impl<'a> Iterator for ExportEntries<'a> {
    type Item = ExportEntry<'a>;

    fn next(&mut self) -> Option<ExportEntry<'a>> {
        // Skip blank lines between entries.
        while self.data.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
            self.line += 1;
        }
        if self.pos >= self.data.len() {
            return None;
        }
        let start = self.pos;
        let Some((fields, body_end, next)) = self.read_entry() else {
            self.pos = self.data.len();
            return None;
        };
        let block = self.data.get(start..body_end).unwrap_or_default();
        let line = self.line;
        let consumed = self.data.get(start..next).unwrap_or_default();
        self.line += memchr::memchr_iter(b'\n', consumed).count() as u64;
        self.pos = next;
        Some(ExportEntry {
            line,
            byte: start as u64,
            envelope: inner::unwrap(fields.envelope(block)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn banners() {
        assert!(is_banner(
            b"-- Logs begin at Fri 2018-06-08 03:03:28 UTC, end at Sat 2018-06-09 00:00:00 UTC. --"
        ));
        assert!(is_banner(b"-- Journal begins at Fri 2018-06-08 03:03:28 UTC, ends at Sat 2018-06-09 00:00:00 UTC. --"));
        assert!(is_banner(b"-- Reboot --"));
        assert!(is_banner(b"-- Boot 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e --"));
        assert!(is_banner(b"-- No entries --"));
        assert!(!is_banner(b"-- not a banner"));
    }

    #[test]
    fn banner_end_is_the_year_reference() {
        // source: kubernetes/kubernetes#71692 (corpus E-k8s-71692)
        let end = banner_end(
            b"-- Logs begin at Mon 2018-12-03 16:13:22 IST, end at Tue 2018-12-04 13:12:57 IST. --",
        )
        .unwrap();
        assert_eq!(end.to_string(), "2018-12-04 13:12:57");
        let end = banner_end(b"-- Journal begins at Fri 2018-06-08 03:03:28 UTC, ends at Sat 2019-06-09 00:00:00 UTC. --").unwrap();
        assert_eq!(end.to_string(), "2019-06-09 00:00:00");
        assert_eq!(banner_end(b"-- Reboot --"), None);
    }

    #[test]
    fn systemctl_status_active_line() {
        // source: kubernetes/kubernetes#57428 (corpus K-k8s-57428)
        let t = systemctl_active_since(
            b"   Active: failed (Result: exit-code) since Thu 2017-12-28 21:08:53 UTC; 6h ago",
        )
        .unwrap();
        assert_eq!(t.to_string(), "2017-12-28 21:08:53");
        // source: kubeasz/kubeasz#704 (corpus K-kubeasz-704), newer 5-space indent
        let t = systemctl_active_since(
            b"     Active: active (running) since Tue 2019-10-08 14:25:25 CST; 6h ago",
        )
        .unwrap();
        assert_eq!(t.to_string(), "2019-10-08 14:25:25");
        assert_eq!(systemctl_active_since(b"   Active: inactive (dead)"), None);
        assert_eq!(systemctl_active_since(b"Active:          1234 kB"), None);
    }

    #[test]
    fn boot_separators() {
        // source: okd-project/okd#394 (corpus J-okd-394)
        assert!(is_boot_separator(b"-- Reboot --"));
        assert!(is_boot_separator(
            b"-- Boot 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e --"
        ));
        assert!(!is_boot_separator(
            b"-- Logs begin at Sat 2020-11-28 17:14:37 UTC, end at Mon 2020-11-30 01:48:48 UTC. --"
        ));
        assert!(!is_boot_separator(b"-- No entries --"));
        assert!(!is_boot_separator(b"-- Boot not-an-id --"));
    }

    #[test]
    fn short_monotonic() {
        let env = parse_strict(
            b"[88820.247535] node-1 kernel: SLUB: Unable to allocate memory on node -1 (gfp=0x20)",
        )
        .unwrap();
        assert_eq!(env.format, LineFormat::JournalShortMonotonic);
        assert_eq!(env.time, RawTime::Uptime(88_820_247_535));
        assert_eq!(env.app, Some("kernel"));
        assert!(env.message.starts_with(b"SLUB:"));
    }

    #[test]
    fn short_full_utc() {
        let env = parse_strict(b"Fri 2018-06-08 03:03:28 UTC node-1 kubelet[5478]: hello").unwrap();
        assert_eq!(env.format, LineFormat::JournalShortFull);
        assert_eq!(
            env.time,
            RawTime::Utc(Utc.with_ymd_and_hms(2018, 6, 8, 3, 3, 28).unwrap())
        );
        assert_eq!(env.pid, Some(5478));
        let env =
            parse_strict(b"Fri 2018-06-08 05:03:28 CEST node-1 kubelet[5478]: hello").unwrap();
        assert!(matches!(env.time, RawTime::Local(_)));
    }

    #[test]
    fn json_with_array_valued_fields() {
        let line = br#"{"_HOSTNAME":"node-1","SYSLOG_IDENTIFIER":["kubelet","kubelet-dup"],"_PID":"5478","PRIORITY":"3","__REALTIME_TIMESTAMP":"1528427008803180","__MONOTONIC_TIMESTAMP":"88820247535","MESSAGE":[73,48,54,48,56,32,255]}"#;
        let env = parse_json(line).unwrap();
        assert_eq!(env.host, Some("node-1"));
        assert_eq!(env.app, Some("kubelet"));
        assert_eq!(env.pid, Some(5478));
        assert_eq!(env.level, Some(Level::Error));
        assert_eq!(&env.message[..], b"I0608 \xff");
        assert_eq!(env.uptime_us, Some(88_820_247_535));
        let want = Utc.with_ymd_and_hms(2018, 6, 8, 3, 3, 28).unwrap()
            + chrono::Duration::microseconds(803_180);
        assert_eq!(env.time, RawTime::Utc(want));
    }

    #[test]
    fn json_without_journal_fields_is_rejected() {
        assert!(
            parse_json(br#"{"log":"x\n","stream":"stdout","time":"2018-06-17T03:05:13Z"}"#)
                .is_err()
        );
    }

    fn binary_field(name: &[u8], value: &[u8]) -> Vec<u8> {
        let mut out = name.to_vec();
        out.push(b'\n');
        out.extend_from_slice(&(value.len() as u64).to_le_bytes());
        out.extend_from_slice(value);
        out.push(b'\n');
        out
    }

    #[test]
    fn export_with_binary_field_and_truncated_tail() {
        let mut data = Vec::new();
        data.extend_from_slice(b"__CURSOR=s=abc\n__REALTIME_TIMESTAMP=1528427008803180\n__MONOTONIC_TIMESTAMP=88820247535\n_BOOT_ID=0b1c\n_HOSTNAME=node-1\nSYSLOG_IDENTIFIER=kernel\nPRIORITY=4\n");
        data.extend_from_slice(&binary_field(b"MESSAGE", b"line one\nline two \x01"));
        data.extend_from_slice(b"\n");
        let second = data.len();
        data.extend_from_slice(b"__REALTIME_TIMESTAMP=1528427009000000\n_HOSTNAME=node-1\nSYSLOG_IDENTIFIER=kubelet\n_PID=5478\nMESSAGE=I0608 03:03:29.000001    5478 kubelet.go:1] ok\n\n");
        let third = data.len();
        data.extend_from_slice(b"MESSAGE\n");
        data.extend_from_slice(&100u64.to_le_bytes());
        data.extend_from_slice(b"short");
        let entries: Vec<_> = export_entries(&data).collect();
        assert_eq!(entries.len(), 2);
        let first = &entries[0];
        assert_eq!((first.line, first.byte), (1, 0));
        assert_eq!(&first.envelope.message[..], b"line one\nline two \x01");
        assert_eq!(first.envelope.app, Some("kernel"));
        assert_eq!(first.envelope.level, Some(Level::Warning));
        assert_eq!(first.envelope.uptime_us, Some(88_820_247_535));
        let next = &entries[1];
        assert_eq!(next.byte, second as u64);
        assert_eq!(next.line, 12);
        assert_eq!(next.envelope.pid, Some(5478));
        assert_eq!(&next.envelope.message[..], b"ok");
        assert_eq!(next.envelope.level, Some(Level::Info));
        assert!(third > second);
    }
}
