//! Format detection for a whole source from a sample of its lines.
//!
//! Every line votes for each format family whose strict grammar accepts it (a line
//! can satisfy several: a `short-monotonic` line is also valid uptime-stamped dmesg);
//! lines that match nothing vote [`LineFormat::Unknown`]. The format with most votes
//! wins; ties go to the more specific format (`SPECIFICITY`), so a file whose every
//! line has a `host tag:` after the uptime is journal `short-monotonic`, not dmesg.

use super::{LineFormat, Strictness, is_banner, parse_as};

/// Tie-break order, most specific first.
const SPECIFICITY: &[LineFormat] = &[
    LineFormat::JournalExport,
    LineFormat::JournalJson,
    LineFormat::KlogJson,
    LineFormat::DockerJson,
    LineFormat::Cri,
    LineFormat::DockerEvents,
    LineFormat::Kmsg,
    LineFormat::DmesgIso,
    LineFormat::DmesgCtime,
    LineFormat::JournalShortMonotonic,
    LineFormat::Dmesg,
    LineFormat::Rfc5424,
    LineFormat::JournalShortFull,
    LineFormat::JournalShortIso,
    LineFormat::JournalShortPrecise,
    LineFormat::Rfc3339,
    LineFormat::Rfc3164,
    LineFormat::Svlogd,
    LineFormat::Felix,
    LineFormat::Capnslog,
    LineFormat::Bird,
    LineFormat::Logrus,
    LineFormat::Klog,
    LineFormat::BirdProtocols,
    LineFormat::CalicoctlStatus,
    LineFormat::Unknown,
];

/// One representative per grammar family (see [`parse_as`]).
const FAMILIES: &[LineFormat] = &[
    LineFormat::Rfc3164,
    LineFormat::JournalShortMonotonic,
    LineFormat::JournalJson,
    LineFormat::Dmesg,
    LineFormat::Klog,
    LineFormat::KlogJson,
    LineFormat::DockerJson,
    LineFormat::Cri,
    LineFormat::DockerEvents,
    LineFormat::Logrus,
    LineFormat::Felix,
    LineFormat::Capnslog,
    LineFormat::Bird,
    LineFormat::BirdProtocols,
    LineFormat::CalicoctlStatus,
];

/// True for a `FIELD=value` line of `journalctl -o export` (upper-case field names).
fn is_export_field(line: &[u8]) -> bool {
    let Some(eq) = memchr::memchr(b'=', line) else {
        return false;
    };
    let name = line.get(..eq).unwrap_or_default();
    !name.is_empty()
        && name
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        && (name.starts_with(b"_") || name == b"MESSAGE" || name == b"PRIORITY")
}

/// The format of a source, by majority vote over `sample` (blank lines and journalctl
/// banners do not vote). Deterministic: ties go to the more specific format.
pub fn detect(sample: &[&[u8]]) -> LineFormat {
    let mut votes = vec![0usize; SPECIFICITY.len()];
    let mut vote = |format: LineFormat| {
        if let Some(i) = SPECIFICITY.iter().position(|f| *f == format)
            && let Some(v) = votes.get_mut(i)
        {
            *v += 1;
        }
    };
    for line in sample {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.trim_ascii().is_empty() || is_banner(line) {
            continue;
        }
        let mut matched = false;
        if is_export_field(line) {
            vote(LineFormat::JournalExport);
            matched = true;
        }
        for family in FAMILIES {
            if let Some(env) = parse_as(line, *family, Strictness::Strict) {
                vote(env.format);
                matched = true;
            }
        }
        if !matched {
            vote(LineFormat::Unknown);
        }
    }
    let best = votes
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .max_by(|(ia, va), (ib, vb)| va.cmp(vb).then(ib.cmp(ia)))
        .map(|(i, _)| i);
    best.and_then(|i| SPECIFICITY.get(i).copied())
        .unwrap_or(LineFormat::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_beats_dmesg_when_every_line_has_a_tag() {
        let sample: [&[u8]; 2] = [
            b"[88820.247535] node-1 kernel: SLUB: Unable to allocate memory on node -1 (gfp=0x20)",
            b"[88820.247600] node-1 kubelet[5478]: I0608 03:03:28.803095    5478 x.go:1] y",
        ];
        assert_eq!(detect(&sample), LineFormat::JournalShortMonotonic);
        let sample: [&[u8]; 3] = [
            b"[88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x20)",
            b"[88820.247540]   cache: kmalloc-192, object size: 192, buffer size: 192, default order: 0, min order: 0",
            b"[88820.247600] usb 1-1: new high-speed USB device",
        ];
        assert_eq!(detect(&sample), LineFormat::Dmesg);
    }

    #[test]
    fn export_fields() {
        let sample: [&[u8]; 4] = [
            b"__CURSOR=s=abc",
            b"__REALTIME_TIMESTAMP=1528427008803180",
            b"_HOSTNAME=node-1",
            b"MESSAGE=hello",
        ];
        assert_eq!(detect(&sample), LineFormat::JournalExport);
    }

    #[test]
    fn empty_sample_is_unknown() {
        assert_eq!(detect(&[]), LineFormat::Unknown);
        assert_eq!(detect(&[b"", b"-- Reboot --"]), LineFormat::Unknown);
    }
}
