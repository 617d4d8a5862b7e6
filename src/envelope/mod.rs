//! Envelopes: the line formats that wrap a log message (syslog, journald, dmesg,
//! klog, CRI, docker json-file, logrus, felix, BIRD...), parsed with nom.
//!
//! An [`Envelope`] borrows its line and keeps it whole in `raw`. Time here is as the
//! line wrote it ([`RawTime`]); turning it into UTC (year, zone, boot anchoring) is
//! `time.rs`'s job.
//! Message payloads (what a kernel or kubelet line *means*) belong to `events`.

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

pub mod bird;
pub mod calicoctl;
pub mod capnslog;
pub mod cri;
pub mod detect;
pub mod dmesg;
pub mod docker;
pub mod docker_events;
pub mod felix;
pub(crate) mod grammar;
mod inner;
pub mod journald;
pub mod klog;
pub mod logrus;
pub mod syslog;
pub mod time;

pub use detect::detect;
pub use journald::{banner_end, is_banner, is_boot_separator, systemctl_active_since};

/// A line (or record) format. Closed set: adding one gives a compile-error checklist.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineFormat {
    /// `Jun  8 03:03:28 host tag[pid]: msg` (rsyslog traditional; also journalctl `short`,
    /// whose day is zero-padded).
    Rfc3164,
    /// `2018-06-08T03:03:28.803180+00:00 host tag[pid]: msg` (rsyslog `RSYSLOG_FileFormat`).
    Rfc3339,
    /// `<30>1 2018-06-08T03:03:28.803180+00:00 host app pid msgid sd msg`.
    Rfc5424,
    /// journalctl `-o short-iso` / `short-iso-precise`.
    JournalShortIso,
    /// journalctl `-o short-precise` (`Jun 08 03:03:28.803095 host tag: msg`).
    JournalShortPrecise,
    /// journalctl `-o short-monotonic` (`[88820.247535] host tag: msg`).
    JournalShortMonotonic,
    /// journalctl `-o short-full` (`Fri 2018-06-08 03:03:28 UTC host tag: msg`).
    JournalShortFull,
    /// journalctl `-o json` (one object per line).
    JournalJson,
    /// journalctl `-o export` (blocks of `FIELD=value`, blank line between entries).
    JournalExport,
    /// `dmesg` with its default uptime stamps (`[88820.247535] msg`), also `dmesg -r`
    /// and printk caller ids.
    Dmesg,
    /// `dmesg -T` (`[Sun Jun 17 03:05:13 2018] msg`).
    DmesgCtime,
    /// `dmesg --time-format iso` (`2018-06-17T03:05:13,803095+00:00 msg`).
    DmesgIso,
    /// `/dev/kmsg` records (`4,1234,88820247535,-;msg`).
    Kmsg,
    /// klog/glog text (`I0617 03:05:13.803095    5478 file.go:346] msg`), incl. InfoS.
    Klog,
    /// Kubernetes component JSON logs (`{"ts":1528427008803.095,"msg":...}`).
    KlogJson,
    /// Docker json-file (`{"log":"...","stream":"stderr","time":"..."}`).
    DockerJson,
    /// `docker events` output (`2019-05-04T18:05:45.011072877-05:00 container oom <id> (...)`).
    DockerEvents,
    /// CRI container logs (`2018-06-17T03:05:13.803095123Z stderr F msg`).
    Cri,
    /// logrus text (`time="..." level=info msg="..."`).
    Logrus,
    /// Calico felix / calico-node (`2018-06-17 03:05:13.803 [INFO][84] file.go 123: msg`).
    Felix,
    /// etcd's capnslog (`2016-07-13 16:59:59.776094 W | rafthttp: msg`).
    Capnslog,
    /// BIRD file sink (`2018-06-17 03:05:13 <INFO> msg`) or stderr (`bird: msg`).
    Bird,
    /// runit svlogd prefix (`2018-06-17_03:05:13.80513 msg`, `-ttt` with `T`).
    Svlogd,
    /// `calicoctl node status` output (banner and peer table).
    CalicoctlStatus,
    /// BIRD `show protocols` output.
    BirdProtocols,
    /// No known envelope: the whole line is the message.
    Unknown,
}

impl LineFormat {
    /// Stable lower-case name, as printed by `sources`.
    pub fn name(self) -> &'static str {
        match self {
            LineFormat::Rfc3164 => "rfc3164",
            LineFormat::Rfc3339 => "rfc3339",
            LineFormat::Rfc5424 => "rfc5424",
            LineFormat::JournalShortIso => "journal-short-iso",
            LineFormat::JournalShortPrecise => "journal-short-precise",
            LineFormat::JournalShortMonotonic => "journal-short-monotonic",
            LineFormat::JournalShortFull => "journal-short-full",
            LineFormat::JournalJson => "journal-json",
            LineFormat::JournalExport => "journal-export",
            LineFormat::Dmesg => "dmesg",
            LineFormat::DmesgCtime => "dmesg-ctime",
            LineFormat::DmesgIso => "dmesg-iso",
            LineFormat::Kmsg => "kmsg",
            LineFormat::Klog => "klog",
            LineFormat::KlogJson => "klog-json",
            LineFormat::DockerJson => "docker-json",
            LineFormat::DockerEvents => "docker-events",
            LineFormat::Cri => "cri",
            LineFormat::Logrus => "logrus",
            LineFormat::Felix => "felix",
            LineFormat::Capnslog => "capnslog",
            LineFormat::Bird => "bird",
            LineFormat::Svlogd => "svlogd",
            LineFormat::CalicoctlStatus => "calicoctl-status",
            LineFormat::BirdProtocols => "bird-protocols",
            LineFormat::Unknown => "unknown",
        }
    }
}

/// A timestamp as written in the line, before year/zone/boot resolution.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RawTime {
    /// No time on this line.
    None,
    /// A complete instant (the line carried a zone, or the format is UTC by definition).
    Utc(DateTime<Utc>),
    /// Date and time with a year but no zone (felix, BIRD, klog JSON is not this).
    Local(NaiveDateTime),
    /// Month, day and time, no year, no zone (RFC 3164, klog, journal short).
    YearLess {
        /// 1..=12
        month: u32,
        /// 1..=31 (not validated against the month: Feb 30 is caught at resolution)
        day: u32,
        /// hour to nanosecond, already a valid time of day
        time: NaiveTime,
    },
    /// Only seconds since boot, in microseconds (uptime-stamped dmesg, short-monotonic,
    /// kmsg).
    Uptime(u64),
}

/// Severity as the emitting program wrote it, normalised.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// debug / trace
    Debug,
    /// info / notice
    Info,
    /// warning
    Warning,
    /// error
    Error,
    /// fatal / panic / emergency / critical / alert
    Fatal,
}

/// One parsed line: where the message is, who wrote it and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope<'a> {
    /// The outermost format recognised.
    pub format: LineFormat,
    /// The best time on the line (outer envelope wins; inner fills in when outer has none).
    pub time: RawTime,
    /// Kernel uptime in microseconds when the line also carries `[secs.usecs]`
    /// (e.g. `kernel: [88820.247535] msg` under syslog): it ties uptime-only dmesg
    /// lines of the same boot to wall time.
    pub uptime_us: Option<u64>,
    /// Hostname field, if the format has one.
    pub host: Option<&'a str>,
    /// Program tag (`kernel`, `kubelet`, `dockerd`, `calico-node`, `bird`...).
    pub app: Option<&'a str>,
    /// Process id, if written.
    pub pid: Option<u32>,
    /// Severity from the innermost envelope that has one.
    pub level: Option<Level>,
    /// The innermost message (owned when a JSON string had to be unescaped).
    pub message: Cow<'a, [u8]>,
    /// The whole original line (record), untouched: what evidence cites, and where
    /// markers outside the message (boot separators, klog headers) are looked for.
    pub raw: &'a [u8],
    /// The message is a chunk of a longer line (CRI `P`, docker json-file `log` without a
    /// trailing `\n`): the scanner joins it with the following chunks of the same stream.
    pub partial: bool,
}

impl<'a> Envelope<'a> {
    /// An envelope of `format` whose message is the whole line and nothing else is known.
    pub fn bare(format: LineFormat, line: &'a [u8]) -> Envelope<'a> {
        Envelope {
            format,
            time: RawTime::None,
            uptime_us: None,
            host: None,
            app: None,
            pid: None,
            level: None,
            message: Cow::Borrowed(line),
            raw: line,
            partial: false,
        }
    }
}

impl Level {
    /// The level of a syslog severity (the low 3 bits of PRI, journald `PRIORITY`):
    /// 0-2 (emerg, alert, crit) are fatal, 5 (notice) is info.
    pub fn from_syslog_severity(severity: u8) -> Level {
        match severity & 7 {
            0..=2 => Level::Fatal,
            3 => Level::Error,
            4 => Level::Warning,
            5 | 6 => Level::Info,
            _ => Level::Debug,
        }
    }

    /// The level of a level word as logrus, felix and most Go loggers write it
    /// (`info`, `WARNING`, `warn`, `err`, `panic`...); `None` if it is not one.
    pub fn from_word(word: &[u8]) -> Option<Level> {
        let mut lower = [0u8; 8];
        let n = word.len();
        if n == 0 || n > lower.len() {
            return None;
        }
        for (dst, src) in lower.iter_mut().zip(word) {
            *dst = src.to_ascii_lowercase();
        }
        match lower.get(..n)? {
            b"trace" | b"debug" | b"dbg" => Some(Level::Debug),
            b"info" | b"notice" => Some(Level::Info),
            b"warn" | b"warning" => Some(Level::Warning),
            b"error" | b"err" => Some(Level::Error),
            b"fatal" | b"panic" | b"crit" | b"critical" | b"alert" | b"emerg" => Some(Level::Fatal),
            _ => None,
        }
    }
}

/// How forgiving a format parser is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// Reject anything off the documented format, e.g. an impossible date: format
    /// detection votes with it, and the tests use it through each `parse_strict`.
    Strict,
    /// Keep what can be kept: impossible dates become [`RawTime::None`], a missing
    /// syslog tag leaves `app` empty.
    Lenient,
}

/// A line that does not match a format, and where it stops matching.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not {}: expected {expected} at byte {offset}", format.name())]
#[non_exhaustive]
pub struct EnvelopeError {
    /// The format that was tried.
    pub format: LineFormat,
    /// Byte offset in the line where the line stops matching.
    pub offset: usize,
    /// What the grammar expected there.
    pub expected: &'static str,
}

/// Parse one line (or one JSON record) whatever its format, never failing.
///
/// `hint` (the source's detected format) is tried first, then the formats whose first
/// byte fits the line. Nested envelopes are then unwrapped (klog inside syslog,
/// felix inside CRI, `kernel: [uptime]`...): the outer time wins, the inner fills in
/// when the outer has none, and the level comes from the innermost envelope that has one.
/// A line no format accepts is [`LineFormat::Unknown`] with `message = line`, unless an
/// inner envelope (klog header, logrus `time="..."`) is found in it.
///
/// journalctl banners (`-- Reboot --`...; see [`is_banner`]) come back as
/// [`LineFormat::Unknown`] with an empty message. A trailing `\r` (and `\n`) is stripped.
pub fn parse_line(line: &[u8], hint: Option<LineFormat>) -> Envelope<'_> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if is_banner(line) {
        let mut env = Envelope::bare(LineFormat::Unknown, line);
        env.message = Cow::Borrowed(&[]);
        return env;
    }
    let outer = hint
        .and_then(|format| parse_as(line, format, Strictness::Lenient))
        .or_else(|| {
            candidates(line)
                .iter()
                .filter(|f| Some(**f) != hint)
                .find_map(|format| parse_as(line, *format, Strictness::Lenient))
        });
    match outer {
        Some(env) => inner::unwrap(env),
        None => inner::search_unknown(line),
    }
}

/// Parse `line` with the grammar family of `format` (no nesting); `None` when it
/// does not match. A family parses its siblings too: asking for
/// [`LineFormat::Rfc3164`] accepts an RFC 3339 syslog line, and the envelope's
/// `format` says which one it was.
pub fn parse_as(line: &[u8], format: LineFormat, strictness: Strictness) -> Option<Envelope<'_>> {
    use LineFormat as F;
    let result = match format {
        F::Rfc3164 | F::Rfc3339 | F::Rfc5424 | F::JournalShortIso | F::JournalShortPrecise => {
            syslog::parse(line, strictness)
        }
        F::JournalShortMonotonic | F::JournalShortFull => journald::parse_short(line, strictness),
        F::JournalJson => journald::parse_json(line),
        F::JournalExport => return None,
        F::Dmesg | F::DmesgCtime | F::DmesgIso | F::Kmsg => dmesg::parse(line, strictness),
        F::Klog => klog::parse(line, strictness),
        F::KlogJson => klog::parse_json(line),
        F::DockerJson => docker::parse(line),
        F::DockerEvents => docker_events::parse(line, strictness),
        F::Cri => cri::parse(line, strictness),
        F::Logrus if line.first() == Some(&b'{') => logrus::parse_json(line),
        F::Logrus => logrus::parse(line, strictness),
        F::Felix => felix::parse(line, strictness),
        F::Capnslog => capnslog::parse(line, strictness),
        F::Bird | F::Svlogd => bird::parse(line, strictness),
        F::BirdProtocols => bird::parse_protocols(line),
        F::CalicoctlStatus => calicoctl::parse(line),
        F::Unknown => return None,
    };
    result.ok()
}

/// Format families worth trying for a line, cheapest discrimination first (by first
/// byte); one representative per family (see [`parse_as`]).
fn candidates(line: &[u8]) -> &'static [LineFormat] {
    use LineFormat as F;
    match line.first() {
        Some(b'{') => &[F::DockerJson, F::JournalJson, F::KlogJson, F::Logrus],
        Some(b'<') => &[F::Rfc3164, F::Dmesg],
        Some(b'[') => &[F::Dmesg, F::JournalShortMonotonic],
        Some(b'0'..=b'9') => &[
            F::Cri,
            F::DockerEvents,
            F::Felix,
            F::Capnslog,
            F::Bird,
            F::Rfc3164,
            F::Dmesg,
        ],
        Some(b't') => &[F::Logrus],
        Some(b'b' | b'@') => &[F::Bird],
        Some(b'n') => &[F::BirdProtocols],
        Some(b'+' | b'|') => &[F::CalicoctlStatus],
        Some(b'A'..=b'Z') => &[
            F::Klog,
            F::Rfc3164,
            F::JournalShortFull,
            F::CalicoctlStatus,
            F::BirdProtocols,
        ],
        _ => &[],
    }
}
