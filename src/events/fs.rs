//! File-system trouble: ENOSPC from any program, and disk usage figures from `df`
//! output captured in a bundle and from alert lines.
//!
//! `fs.usage` sources (a pragmatic, documented set):
//! * `df` / `df -h` / `df -P` / `df -i` tables: a header with `Mounted on` starts a
//!   [`DfTable`]; each following row gives one event (pseudo file systems skipped);
//! * kubelet image GC: `Disk usage on image filesystem is at 85% which is over the high
//!   threshold (85%)` (mount `imagefs`);
//! * alert lines `disk usage of /var/lib/docker is 85%`, `Disk usage on / is at 91%`,
//!   `disk space usage for /var is 80%` (`usage|space` + `of|on|for` + path +
//!   `is|at|exceeds|over`... + percent).

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::block::{Block, TableStep};
use super::text::{after, find, lossy, rfind, trim, uint, uint_after};
use super::{Found, Kind, Payload};
use crate::envelope::Envelope;
use crate::input::Location;

/// `write /var/lib/docker/overlay2/x/diff/tmp: no space left on device` (Go
/// `PathError`), `mkdir /var/lib/kubelet/pods/...: no space left on device`, C
/// `No space left on device`. Fields of `fs.no_space_left`: `operation` and `path`
/// (when printed as `<op> <path>: `), `component` (added by the extractor).
///
/// ENOSPC from calls that do not write to a file system is not a full disk:
/// `inotify_add_watch` (the inotify watch limit, `net.inotify_exhausted`) and `mkdir` of
/// a cgroup (the memcg id space, `kubelet.cgroup_mkdir_enomem`) are left to their kinds.
pub(crate) fn no_space_left(msg: &[u8]) -> Option<Payload> {
    let at =
        find(msg, b"no space left on device").or_else(|| find(msg, b"No space left on device"))?;
    let head = msg.get(..at)?;
    if find(head, b"inotify_add_watch").is_some() || find(head, b"mkdir /sys/fs/cgroup/").is_some()
    {
        return None;
    }
    let head = head.strip_suffix(b": ").unwrap_or(head);
    let seg_start = rfind(head, b": ").map_or(0, |i| i + 2);
    let seg = trim(head.get(seg_start..).unwrap_or_default());
    let mut words = seg
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    let mut p = Payload::new(Kind::NoSpaceLeft);
    if let (Some(op), Some(path), None) = (words.next(), words.next(), words.next()) {
        let path = path.strip_suffix(b":").unwrap_or(path);
        if path.starts_with(b"/") && op.iter().all(|b| b.is_ascii_lowercase()) {
            p = p.with("operation", lossy(op)).with("path", lossy(path));
        }
    }
    Some(p)
}

/// A constant: it compiles or the unit tests fail (`alert_lines`), never silently off.
static ALERT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)disk (?:space )?(?:usage|space) (?:of|on|for) (\S+?):? (?:is|at|exceeds|over|reached)(?: [a-z]+)* (\d{1,3})(?:\.\d+)?%",
    )
    .expect("constant regex")
});

/// Alert lines and the kubelet image-GC threshold line. Fields of `fs.usage`:
/// `mount` (path, or `imagefs`), `used_percent`, `high_threshold` (kubelet),
/// `source` (`alert`, `kubelet_image_gc`, `df`); `df` rows add `filesystem`, `size`,
/// `used`, `avail`, `metric` (`space` | `inodes`).
pub(crate) fn usage_alert(msg: &[u8]) -> Option<Payload> {
    if let Some(rest) = after(msg, b"Disk usage on image filesystem is") {
        let used = uint_after(rest, b"at ")
            .or_else(|| super::text::field_text(msg, "usage").and_then(|u| u.parse().ok()))?;
        let high = after(rest, b"high threshold (")
            .and_then(|h| uint(h).map(|(n, _)| n))
            .or_else(|| super::text::field_text(msg, "highThreshold").and_then(|u| u.parse().ok()));
        return Some(
            Payload::new(Kind::FsUsage)
                .with("mount", "imagefs")
                .with("used_percent", used)
                .with_opt("high_threshold", high)
                .with("source", "kubelet_image_gc"),
        );
    }
    let caps = ALERT.captures(msg)?;
    let mount = caps.get(1)?.as_bytes();
    let used: u64 = std::str::from_utf8(caps.get(2)?.as_bytes())
        .ok()?
        .parse()
        .ok()?;
    (used <= 100).then_some(())?;
    Some(
        Payload::new(Kind::FsUsage)
            .with("mount", lossy(mount))
            .with("used_percent", used)
            .with("source", "alert"),
    )
}

/// `Filesystem      Size  Used Avail Use% Mounted on` (also `1K-blocks`, `-P`
/// `Capacity`, `-i` `IUse%`): starts a [`DfTable`]. The payload's `metric` says
/// whether rows are space or inodes.
pub(crate) fn df_header(msg: &[u8]) -> Option<Payload> {
    let line = trim(msg);
    (line.starts_with(b"Filesystem") && line.ends_with(b"Mounted on")).then_some(())?;
    let metric = if find(line, b"IUse%").is_some() {
        "inodes"
    } else {
        "space"
    };
    // Where the percentage sits among the columns after `Filesystem` (`-T` adds `Type`).
    let header = lossy(line);
    let pct_column = header
        .split_whitespace()
        .skip(1)
        .position(|w| w.ends_with('%') || w == "Capacity")?;
    Some(
        Payload::new(Kind::FsUsage)
            .with("metric", metric)
            .with("pct_column", pct_column),
    )
}

/// File systems whose usage says nothing about disks.
const PSEUDO_FS: &[&str] = &[
    "tmpfs", "devtmpfs", "udev", "shm", "overlay", "none", "cgroup", "proc", "sysfs",
];

/// The rows of one `df` table.
pub(crate) struct DfTable {
    metric: String,
    /// Index of the percentage among the columns after the file system name.
    pct_column: usize,
    /// A long device name that `df` printed alone, its numbers on the next line.
    wrapped: Option<(Block, String)>,
    rows: Vec<(Block, Payload)>,
}

impl DfTable {
    /// A table whose header payload ([`df_header`]) was just seen.
    pub(crate) fn new(header: &Payload) -> DfTable {
        DfTable {
            metric: header.str_field("metric").unwrap_or("space").to_string(),
            pct_column: header
                .fields
                .get("pct_column")
                .and_then(|v| v.as_u64())
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n >= 3)
                .unwrap_or(3),
            wrapped: None,
            rows: Vec::new(),
        }
    }

    /// Take the next line after the header.
    pub(crate) fn feed(&mut self, at: Location, env: &Envelope<'_>, msg: &[u8]) -> TableStep {
        let line = lossy(trim(msg));
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() == 1 && self.wrapped.is_none() {
            self.wrapped = Some((Block::line(at, env), line.clone()));
            return TableStep::More;
        }
        let (block, fs, nums) = match self.wrapped.take() {
            Some((mut block, fs)) if words.len() >= self.pct_column + 2 => {
                block.extend(&Block::line(at, env));
                (block, fs, &words[..])
            }
            Some(_) => return TableStep::Outside,
            None if words.len() >= self.pct_column + 3 => (
                Block::line(at, env),
                words.first().map(|s| s.to_string()).unwrap_or_default(),
                words.get(1..).unwrap_or_default(),
            ),
            None => return TableStep::Outside,
        };
        // [type] size used avail pct mount... (mount may contain spaces)
        let c = self.pct_column;
        let (Some(size), Some(used), Some(avail), Some(pct)) = (
            nums.get(c - 3),
            nums.get(c - 2),
            nums.get(c - 1),
            nums.get(c),
        ) else {
            return TableStep::Outside;
        };
        let Some(percent) = pct.strip_suffix('%').and_then(|p| p.parse::<u64>().ok()) else {
            // `-` for file systems without inode counts: part of the table, no figure.
            return if *pct == "-" {
                TableStep::More
            } else {
                TableStep::Outside
            };
        };
        let mount = nums.get(c + 1..).unwrap_or_default().join(" ");
        if !PSEUDO_FS.contains(&fs.as_str()) && mount.starts_with('/') {
            let p = Payload::new(Kind::FsUsage)
                .with("mount", mount)
                .with("filesystem", fs)
                .with("size", *size)
                .with("used", *used)
                .with("avail", *avail)
                .with("used_percent", percent)
                .with("metric", self.metric.clone())
                .with("source", "df");
            self.rows.push((block, p));
        }
        TableStep::More
    }

    /// Emit the rows (a wrapped device name whose numbers never came is dropped).
    pub(crate) fn finish(self, out: &mut Vec<Found>) {
        out.extend(self.rows.into_iter().map(|(b, p)| b.found(p)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enospc_go_and_c() {
        let p = no_space_left(
            b"write /var/lib/docker/overlay2/4f3e/diff/tmp/x: no space left on device",
        )
        .unwrap();
        assert_eq!(p.fields["operation"], json!("write"));
        assert_eq!(
            p.fields["path"],
            json!("/var/lib/docker/overlay2/4f3e/diff/tmp/x")
        );
        let p = no_space_left(br#"Error syncing pod: failed to "StartContainer": mkdir /var/lib/kubelet/pods/abc/volumes: no space left on device"#).unwrap();
        assert_eq!(p.fields["path"], json!("/var/lib/kubelet/pods/abc/volumes"));
        let p = no_space_left(b"cp: error writing '/var/tmp/x': No space left on device").unwrap();
        assert!(!p.fields.contains_key("path"));
    }

    #[test]
    fn alert_lines() {
        let p = usage_alert(b"WARNING: disk usage of /var/lib/docker is 85%").unwrap();
        assert_eq!(p.fields["mount"], json!("/var/lib/docker"));
        assert_eq!(p.fields["used_percent"], json!(85));
        let p = usage_alert(b"Disk usage on / is at 91% (threshold 80%)").unwrap();
        assert_eq!(p.fields["mount"], json!("/"));
        let p = usage_alert(b"[imageGCManager]: Disk usage on image filesystem is at 86% which is over the high threshold (85%). Trying to free 2147483648 bytes").unwrap();
        assert_eq!(p.fields["mount"], json!("imagefs"));
        assert_eq!(p.fields["used_percent"], json!(86));
        assert_eq!(p.fields["high_threshold"], json!(85));
        let p = usage_alert(br#""Disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold" usage=90 highThreshold=85 amountToFree=1000 lowThreshold=80"#).unwrap();
        assert_eq!(p.fields["used_percent"], json!(90));
        assert!(usage_alert(b"disk usage is fine").is_none());
    }

    #[test]
    fn df_header_variants() {
        assert_eq!(
            df_header(b"Filesystem      Size  Used Avail Use% Mounted on")
                .unwrap()
                .fields["metric"],
            json!("space")
        );
        assert_eq!(
            df_header(b"Filesystem      Inodes  IUsed   IFree IUse% Mounted on")
                .unwrap()
                .fields["metric"],
            json!("inodes")
        );
        assert!(df_header(b"Mounted on /var").is_none());
        let t = df_header(b"Filesystem     Type      Size  Used Avail Use% Mounted on").unwrap();
        assert_eq!(t.fields["pct_column"], json!(4));
        let mut table = DfTable::new(&t);
        let line = b"/dev/xvda1     ext4       30G   25G  4.6G  85% /";
        let env = Envelope {
            format: crate::envelope::LineFormat::Unknown,
            time: crate::envelope::RawTime::None,
            uptime_us: None,
            host: None,
            app: None,
            pid: None,
            level: None,
            message: std::borrow::Cow::Borrowed(&line[..]),
            raw: line,
            partial: false,
        };
        let at = Location {
            source: crate::input::SourceId(0),
            line: 2,
            byte: 70,
        };
        assert_eq!(table.feed(at, &env, line), TableStep::More);
        let mut out = Vec::new();
        table.finish(&mut out);
        assert_eq!(out[0].payload().fields["used_percent"], json!(85));
        assert_eq!(out[0].payload().fields["size"], json!("30G"));
        assert_eq!(out[0].payload().fields["mount"], json!("/"));
    }
}
