//! Compressed logs that decode to more than `stream_above` bytes are scanned as they
//! are decoded, block by block (issue #7). Whatever the blocks, the scan must give
//! what the decompressed file gives: the same lines, events, boot gaps and problems.

use std::io::Write;

use podmortem::events::{Event, Kind};
use podmortem::input::{self, InputConfig, SourceData};
use podmortem::scan::{self, ScanConfig, ScanOutput};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

/// Scan one in-memory file; `stream_above` small enough makes a `.gz` stream.
fn scan_one(name: &str, data: Vec<u8>, stream_above: u64) -> (ScanOutput, bool) {
    let config = InputConfig {
        stream_above,
        ..InputConfig::default()
    };
    let bundle = input::collect_bytes(name, data, &config);
    let streamed = bundle
        .sources
        .iter()
        .any(|s| matches!(s.data, SourceData::Compressed(_)));
    let cfg = ScanConfig {
        time: scan::TimeConfig {
            year: Some(2018),
            ..scan::TimeConfig::default()
        },
        ..ScanConfig::default()
    };
    (scan::scan(&bundle, &cfg), streamed)
}

/// Events without the source name (it differs: `fleet.log` vs `fleet.log.gz`).
fn comparable(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            format!(
                "{} {:?} {} {}-{} {:?} {}",
                e.kind.name(),
                e.time,
                e.node,
                e.line,
                e.end_line,
                e.fields,
                e.text
            )
        })
        .collect()
}

/// A fleet syslog: node-a logs, then falls silent for 40 minutes while node-b and
/// node-c write about 20 MiB (several decoded blocks), then node-a boots. SLUB failures, OOM
/// kills and evictions are spread over the file, some across block boundaries.
fn fleet_log() -> Vec<u8> {
    let mut s = String::with_capacity(22 << 20);
    let banner = "kernel: [    0.000000] Linux version 4.4.0-21-generic (buildd@lgw01-21) (gcc version 5.3.1 20160413 (Ubuntu 5.3.1-14ubuntu2) ) #37-Ubuntu SMP Mon Apr 18 18:33:37 UTC 2016 (Ubuntu 4.4.0-21.37-generic 4.4.6)";
    s.push_str(&format!("Jun 14 00:00:00 node-a {banner}\n"));
    s.push_str("Jun 14 00:59:00 node-a systemd[1]: Started Session 7 of user root.\n");
    let mut second = 3600u32;
    for i in 0..150_000u32 {
        second += u32::from(i % 60 == 0);
        let (h, m, sec) = (second / 3600, second / 60 % 60, second % 60);
        let node = if matches!(i % 20_000, 7..=9 | 500) || i % 3 != 0 {
            "node-b"
        } else {
            "node-c"
        };
        let line = match i % 20_000 {
            7 => format!(
                "Jun 14 {h:02}:{m:02}:{sec:02} {node} kernel: [ {i}.123456] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)\n"
            ),
            8 => format!(
                "Jun 14 {h:02}:{m:02}:{sec:02} {node} kernel: [ {i}.123457]   cache: kmalloc-64(5:step-0), object size: 64, buffer size: 64, default order: 0, min order: 0\n"
            ),
            9 => format!(
                "Jun 14 {h:02}:{m:02}:{sec:02} {node} kernel: [ {i}.123458]   node 0: slabs: 512, objs: 32768, free: 0\n"
            ),
            500 => format!(
                "Jun 14 {h:02}:{m:02}:{sec:02} {node} kernel: [ {i}.5] Out of memory: Kill process 4321 (java) score 998 or sacrifice child\n"
            ),
            _ => format!(
                "Jun 14 {h:02}:{m:02}:{sec:02} {node} dockerd[1023]: time=\"2018-06-14T{h:02}:{m:02}:{sec:02}.000000000Z\" level=info msg=\"handled request {i} for container 4f2a9c0d1e3b5a7c9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d\"\n"
            ),
        };
        s.push_str(&line);
    }
    let (h, m) = (second / 3600, second / 60 % 60);
    s.push_str(&format!("Jun 14 {h:02}:{m:02}:59 node-a {banner}\n"));
    s.push_str(&format!(
        "Jun 14 {h:02}:{m:02}:59 node-a kernel: [    0.000000] Command line: BOOT_IMAGE=/vmlinuz root=/dev/sda1\n"
    ));
    s.into_bytes()
}

#[test]
fn a_streamed_gzip_scans_like_the_plain_file() {
    let plain = fleet_log();
    assert!(plain.len() > 3 * (8 << 20), "several decoded blocks");
    let (expected, streamed) = scan_one("fleet.log", plain.clone(), 1 << 20);
    assert!(!streamed);
    let (got, streamed) = scan_one("fleet.log.gz", gzip(&plain), 1 << 20);
    assert!(streamed, "the .gz is decoded while scanned");

    assert_eq!(comparable(&got.events), comparable(&expected.events));
    assert_eq!(got.sources[0].lines, expected.sources[0].lines);
    assert_eq!(got.sources[0].lines, 150_004);
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    let slub_nodes: Vec<&str> = got
        .events
        .iter()
        .filter(|e| e.kind == Kind::SlubAllocFailure)
        .map(|e| e.node.as_str())
        .collect();
    assert_eq!(
        slub_nodes, ["node-b"; 8],
        "one SLUB event per block of three lines"
    );

    // node-a's reboot: its last line lies ~20 MiB before the banner, far beyond the
    // block held when the banner is found; the second, windowed decode finds it.
    let reboot = got
        .events
        .iter()
        .find(|e| e.kind == Kind::NodeReboot && e.node == "node-a")
        .expect("node-a reboot");
    let silence = reboot.fields.get("silence_s").and_then(|v| v.as_i64());
    assert!(
        silence.is_some_and(|s| s > 40 * 60),
        "silence_s {silence:?}"
    );
}

#[test]
fn a_streamed_gzip_cut_short_keeps_what_was_read_and_says_so() {
    let plain = fleet_log();
    let packed = gzip(&plain);
    let cut = packed.get(..packed.len() / 2).unwrap_or_default().to_vec();
    let (got, streamed) = scan_one("kern.log.2.gz", cut, 1 << 20);
    assert!(streamed);
    assert_eq!(got.problems.len(), 1, "{:?}", got.problems);
    assert!(got.problems[0].source.ends_with("kern.log.2.gz"));
    assert!(
        got.problems[0]
            .message
            .starts_with("truncated gzip stream: read "),
        "{}",
        got.problems[0].message
    );
    assert_eq!(got.sources[0].errors.len(), 1);
    // About half the lines were read and scanned.
    let lines = got.sources[0].lines;
    assert!((40_000..110_000).contains(&lines), "{lines} lines");
    assert!(got.events.iter().any(|e| e.kind == Kind::SlubAllocFailure));
}
