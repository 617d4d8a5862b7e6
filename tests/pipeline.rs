//! Time and stream handling across sources (issue #2): year inference across New
//! Year, `--tz`, dmesg anchored across a reboot, rotated `.gz` ordering, and
//! duplicate suppression — through the real input, envelope and scan layers.

use chrono::{DateTime, Utc};
use podmortem::envelope::time::parse_zone;
use podmortem::events::Event;
use podmortem::input::{InputConfig, collect};
use podmortem::resolve::{Config, ScanOutput, TimeConfig, scan};
use std::io::Write;
use std::path::Path;

fn write(dir: &Path, rel: &str, data: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, data).expect("write");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn scan_dir(dir: &Path, time: TimeConfig) -> ScanOutput {
    let bundle = collect(&[dir.to_path_buf()], &InputConfig::default()).expect("collect");
    scan(
        &bundle,
        &Config {
            time,
            ..Config::default()
        },
    )
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

fn of<'a>(out: &'a ScanOutput, kind: &str) -> Vec<&'a Event> {
    out.events
        .iter()
        .filter(|e| e.kind.name() == kind)
        .collect()
}

const CONNTRACK: &str = "kernel: nf_conntrack: table full, dropping packet";

#[test]
fn year_is_inferred_across_new_year_from_the_nodes_dated_logs() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(
        tmp.path(),
        "node-1/var/log/syslog",
        format!("Dec 31 23:59:58 node-1 {CONNTRACK}\nJan  1 00:00:03 node-1 {CONNTRACK}\n")
            .as_bytes(),
    );
    // A year-bearing source of the same node: docker json-file in UTC.
    write(
        tmp.path(),
        "node-1/var/log/containers/app.log",
        br#"{"log":"started\n","stream":"stderr","time":"2019-01-01T00:05:00.5Z"}
"#,
    );
    let out = scan_dir(tmp.path(), TimeConfig::default());
    let times: Vec<_> = of(&out, "kernel.conntrack_full")
        .iter()
        .map(|e| e.time)
        .collect();
    assert_eq!(
        times,
        [
            Some(t("2018-12-31T23:59:58Z")),
            Some(t("2019-01-01T00:00:03Z"))
        ]
    );
}

#[test]
fn year_flag_names_the_year_of_the_latest_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(
        tmp.path(),
        "node-1/var/log/syslog",
        format!("Dec 31 23:59:58 node-1 {CONNTRACK}\nJan  1 00:00:03 node-1 {CONNTRACK}\n")
            .as_bytes(),
    );
    let out = scan_dir(
        tmp.path(),
        TimeConfig {
            year: Some(2021),
            ..TimeConfig::default()
        },
    );
    let times: Vec<_> = of(&out, "kernel.conntrack_full")
        .iter()
        .map(|e| e.time)
        .collect();
    assert_eq!(
        times,
        [
            Some(t("2020-12-31T23:59:58Z")),
            Some(t("2021-01-01T00:00:03Z"))
        ]
    );
}

#[test]
fn tz_flag_and_bundle_zone_convert_local_times() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(
        tmp.path(),
        "node-1/var/log/syslog",
        format!("Jun  8 03:03:28 node-1 {CONNTRACK}\n").as_bytes(),
    );
    write(tmp.path(), "node-1/etc/timezone", b"Asia/Shanghai\n");
    let bundle_zone = scan_dir(
        tmp.path(),
        TimeConfig {
            year: Some(2018),
            ..TimeConfig::default()
        },
    );
    assert_eq!(
        of(&bundle_zone, "kernel.conntrack_full")[0].time,
        Some(t("2018-06-07T19:03:28Z"))
    );
    let flag = scan_dir(
        tmp.path(),
        TimeConfig {
            year: Some(2018),
            zone: Some(parse_zone("America/New_York").expect("zone")),
            ..TimeConfig::default()
        },
    );
    assert_eq!(
        of(&flag, "kernel.conntrack_full")[0].time,
        Some(t("2018-06-08T07:03:28Z")),
        "EDT is UTC-4 in June"
    );
    assert!(
        flag.sources
            .iter()
            .any(|s| s.assumptions.iter().any(|a| a.contains("--tz")))
    );
}

#[test]
fn dmesg_is_anchored_per_boot_and_an_unanchored_boot_keeps_only_uptime() {
    let tmp = tempfile::tempdir().expect("tmp");
    // Boot 1 is only in dmesg (no anchor); boot 2 has a syslog kernel line with the same uptime.
    let dmesg = "[    0.000000] Linux version 4.9.0-6-amd64 (debian-kernel@lists.debian.org) (gcc version 6.3.0) #1 SMP\n\
                 [  100.000000] nf_conntrack: table full, dropping packet\n\
                 [    0.000000] Linux version 4.9.0-6-amd64 (debian-kernel@lists.debian.org) (gcc version 6.3.0) #1 SMP\n\
                 [   50.250000] nf_conntrack: table full, dropping packet\n\
                 [   60.500000] INFO: task jbd2/xvda1-8:312 blocked for more than 120 seconds.\n";
    write(tmp.path(), "node-1/dmesg.txt", dmesg.as_bytes());
    write(
        tmp.path(),
        "node-1/var/log/kern.log",
        b"2018-06-08T10:00:50+00:00 node-1 kernel: [   50.250000] nf_conntrack: table full, dropping packet\n",
    );
    let out = scan_dir(tmp.path(), TimeConfig::default());
    let hung = of(&out, "kernel.hung_task");
    assert_eq!(hung.len(), 1);
    // boot 2 started at 10:00:50 - 50.25 s, so uptime 60.5 s is 10:01:00.25.
    assert_eq!(hung[0].time, Some(t("2018-06-08T10:01:00.250Z")));
    let conntrack = of(&out, "kernel.conntrack_full");
    let unanchored: Vec<_> = conntrack.iter().filter(|e| e.time.is_none()).collect();
    assert_eq!(
        unanchored.len(),
        1,
        "boot 1's line has no made-up time: {conntrack:?}"
    );
    assert_eq!(unanchored[0].uptime_us.get(), Some(100_000_000));
    assert_eq!(
        conntrack.len(),
        2,
        "boot 2's line is in dmesg and kern.log: counted once"
    );
    let row = out
        .sources
        .iter()
        .find(|s| s.path.ends_with("dmesg.txt"))
        .expect("dmesg row");
    assert!(
        row.assumptions.iter().any(|a| a.contains("unanchored")),
        "{:?}",
        row.assumptions
    );
    assert!(
        row.assumptions
            .iter()
            .any(|a| a.contains("anchored: booted at 2018-06-08T09:59:59")),
        "{:?}",
        row.assumptions
    );
    assert_eq!(
        of(&out, "node.reboot").len(),
        1,
        "the second boot is a reboot, the first is where the logs begin"
    );
}

#[test]
fn rotated_gz_files_are_one_chronological_stream() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(
        tmp.path(),
        "node-1/var/log/syslog.2.gz",
        &gzip(format!("Jun  6 01:00:00 node-1 {CONNTRACK}\n").as_bytes()),
    );
    write(
        tmp.path(),
        "node-1/var/log/syslog.1",
        format!("Jun  7 01:00:00 node-1 {CONNTRACK}\n").as_bytes(),
    );
    write(
        tmp.path(),
        "node-1/var/log/syslog",
        format!("Jun  8 01:00:00 node-1 {CONNTRACK}\n").as_bytes(),
    );
    let out = scan_dir(
        tmp.path(),
        TimeConfig {
            year: Some(2018),
            ..TimeConfig::default()
        },
    );
    let order: Vec<&str> = out
        .sources
        .iter()
        .map(|s| s.path.rsplit('/').next().unwrap_or_default())
        .collect();
    assert_eq!(
        order,
        ["syslog.2.gz", "syslog.1", "syslog"],
        "oldest rotation first"
    );
    let times: Vec<_> = of(&out, "kernel.conntrack_full")
        .iter()
        .map(|e| e.time)
        .collect();
    assert_eq!(
        times,
        [
            Some(t("2018-06-06T01:00:00Z")),
            Some(t("2018-06-07T01:00:00Z")),
            Some(t("2018-06-08T01:00:00Z"))
        ]
    );
}

#[test]
fn the_same_line_in_kern_log_and_syslog_counts_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lines = format!("Jun  8 03:03:28 node-1 {CONNTRACK}\nJun  8 03:03:29 node-1 {CONNTRACK}\n");
    write(tmp.path(), "node-1/var/log/syslog", lines.as_bytes());
    write(tmp.path(), "node-1/var/log/kern.log", lines.as_bytes());
    let out = scan_dir(
        tmp.path(),
        TimeConfig {
            year: Some(2018),
            ..TimeConfig::default()
        },
    );
    assert_eq!(of(&out, "kernel.conntrack_full").len(), 2);
    assert_eq!(out.duplicates, 2);
}

#[test]
fn a_renamed_host_stays_one_node_known_by_both_names() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(
        tmp.path(),
        "logs/syslog",
        format!("Aug 20 09:12:39 AMZ-IAD12-OpsResPool-001-06 {CONNTRACK}\nAug 20 09:12:40 ip-10-0-1-16 {CONNTRACK}\n").as_bytes(),
    );
    let out = scan_dir(
        tmp.path(),
        TimeConfig {
            year: Some(2018),
            ..TimeConfig::default()
        },
    );
    let nodes: Vec<&str> = of(&out, "kernel.conntrack_full")
        .iter()
        .map(|e| e.node.as_str())
        .collect();
    assert_eq!(nodes, ["ip-10-0-1-16", "ip-10-0-1-16"]);
    let change = of(&out, "host.hostname_changed");
    assert_eq!(change.len(), 1);
    assert_eq!(
        change[0].fields.get_str("old").as_deref(),
        Some("AMZ-IAD12-OpsResPool-001-06")
    );
    let node = out
        .nodes
        .iter()
        .find(|n| n.name == "ip-10-0-1-16")
        .expect("node");
    assert_eq!(node.aliases, ["AMZ-IAD12-OpsResPool-001-06"]);
}
