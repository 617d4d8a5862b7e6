//! Envelopes: the line formats that wrap a log message (syslog, journald, dmesg,
//! klog, CRI, docker json-file, logrus, felix, BIRD...), parsed with nom.
//!
//! An [`Envelope`] borrows its line and keeps it in `raw`. Time here is *raw*
//! ([`RawTime`]); turning it into UTC (year, zone, boot anchoring) is `time.rs`'s job.
//! Message payloads (what a kernel or kubelet line *means*) belong to `events`.

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

pub mod time;

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
    /// raw `dmesg` (`[88820.247535] msg`), also `dmesg -r` and printk caller ids.
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
    /// CRI container logs (`2018-06-17T03:05:13.803095123Z stderr F msg`).
    Cri,
    /// logrus text (`time="..." level=info msg="..."`).
    Logrus,
    /// Calico felix / calico-node (`2018-06-17 03:05:13.803 [INFO][84] file.go 123: msg`).
    Felix,
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
            LineFormat::Cri => "cri",
            LineFormat::Logrus => "logrus",
            LineFormat::Felix => "felix",
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
        /// time of day
        time: NaiveTime,
    },
    /// Only seconds since boot, in microseconds (raw dmesg, short-monotonic, kmsg).
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
    /// (e.g. `kernel: [88820.247535] msg` under syslog): anchors raw dmesg.
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
    /// The whole original line (record), untouched.
    pub raw: &'a [u8],
}
