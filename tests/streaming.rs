//! Compressed logs that decode to more than `stream_above` bytes are scanned as they
//! are decoded, block by block (issue #7). Whatever the blocks, the scan must give
//! what the decompressed file gives: the same lines, events, boot gaps and problems.

use std::io::Write;

use podmortem::events::{Event, Kind};
use podmortem::input::{self, InputConfig, SourceData};
use podmortem::resolve::{self, Config, ScanOutput};
use podmortem::scan::{self, ScanConfig};

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
    let cfg = Config {
        time: resolve::TimeConfig {
            year: Some(2018),
            ..resolve::TimeConfig::default()
        },
        ..Config::default()
    };
    (resolve::scan(&bundle, &cfg), streamed)
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
    assert_node_a_reboot_measures_its_silence(&got);
}

/// node-a's reboot in [`fleet_log`] follows a silence of over 40 minutes whose last
/// line lies far before the banner: the look-back must reach it.
fn assert_node_a_reboot_measures_its_silence(got: &ScanOutput) {
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

/// Every file of the sample bundle as `(bundle/<path>, bytes)`, sorted: nine nodes,
/// rotated syslogs (`syslog`, `syslog.1`, `syslog.2.gz`), kern.log beside syslog
/// and dmesg (the same lines in several sources), calico, CRI and journal files.
fn sample_bundle() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("sample bundle")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                let name = format!("bundle/{}", rel.to_string_lossy());
                out.push((name, std::fs::read(&path).expect("read sample")));
            }
        }
    }
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/k8s-incidents/bundle");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

fn tar_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_529_204_713);
        header.set_cksum();
        builder
            .append_data(&mut header, name, data.as_slice())
            .expect("tar");
    }
    builder.into_inner().expect("tar")
}

fn year_2018() -> Config {
    Config {
        time: resolve::TimeConfig {
            year: Some(2018),
            ..resolve::TimeConfig::default()
        },
        ..Config::default()
    }
}

/// Events and source rows with the archive prefix taken off their paths, so that a
/// bundle read from an archive compares with the same bundle read as files.
fn view(out: &ScanOutput, prefix: &str) -> (Vec<String>, Vec<String>) {
    let strip = |p: &str| p.strip_prefix(prefix).unwrap_or(p).to_string();
    let events = out
        .events
        .iter()
        .map(|e| {
            format!(
                "{} {:?} {} {}:{}-{} {:?} {}",
                e.kind.name(),
                e.time,
                e.node,
                strip(&e.source),
                e.line,
                e.end_line,
                e.fields,
                e.text
            )
        })
        .collect();
    let rows = out
        .sources
        .iter()
        .map(|r| {
            format!(
                "{} node={} from={:?} format={} lines={} first={:?} last={:?}",
                strip(&r.path),
                r.node,
                r.node_from,
                r.format,
                r.lines,
                r.first,
                r.last
            )
        })
        .collect();
    (events, rows)
}

/// Issue 13: a `.tgz` bundle is scanned as it is decoded (members are never held
/// together, large ones are read block by block) and gives exactly what the
/// unpacked directory gives: the same events on the same nodes, the same rotated
/// order (`syslog.2.gz`, `syslog.1`, `syslog`), the same duplicates dropped.
#[test]
fn a_streamed_tgz_bundle_scans_like_its_directory() {
    let files = sample_bundle();
    let (dir_bundle, dir) =
        resolve::scan_memory(files.clone(), &InputConfig::default(), &year_2018());
    assert!(dir_bundle.sources.len() > 20);
    assert!(dir.events.len() > 50, "{} events", dir.events.len());
    assert!(dir.duplicates > 0, "kern.log, syslog and dmesg share lines");

    let streamed = InputConfig {
        stream_above: 4 << 10,
        ..InputConfig::default()
    };
    let archives = [
        ("bundle.tgz", gzip(&tar_of(&files))),
        (
            "bundle.tar.zst",
            zstd::encode_all(tar_of(&files).as_slice(), 3).expect("zstd"),
        ),
    ];
    for (name, bytes) in archives {
        let (bundle, got) =
            resolve::scan_memory(vec![(name.to_string(), bytes)], &streamed, &year_2018());
        assert!(
            bundle
                .sources
                .iter()
                .all(|s| matches!(s.data, SourceData::Scanned(_))),
            "{name}: every member scanned while decoded, none held"
        );
        let prefix = format!("{name}!/");
        assert_eq!(view(&got, &prefix), view(&dir, ""), "{name}");
        assert_eq!(got.duplicates, dir.duplicates, "{name}");
        assert_eq!(
            got.problems.len(),
            dir.problems.len(),
            "{name}: {:?}",
            got.problems
        );
        let node1: Vec<&str> = got
            .sources
            .iter()
            .filter(|r| r.node == "node-1" && r.path.contains("/var/log/syslog"))
            .map(|r| r.path.rsplit('/').next().unwrap_or_default())
            .collect();
        assert_eq!(
            node1,
            ["syslog.2.gz", "syslog.1", "syslog"],
            "{name}: oldest first"
        );
    }
}

/// A plain `.tar` is mapped and its members are slices of it: same events again.
#[test]
fn a_plain_tar_bundle_is_sliced_and_scans_like_its_directory() {
    let files = sample_bundle();
    let (_, dir) = resolve::scan_memory(files.clone(), &InputConfig::default(), &year_2018());
    let (bundle, got) = resolve::scan_memory(
        vec![("bundle.tar".to_string(), tar_of(&files))],
        &InputConfig::default(),
        &year_2018(),
    );
    assert!(
        bundle
            .sources
            .iter()
            .any(|s| matches!(s.data, SourceData::Slice(..))),
        "members are ranges of the archive"
    );
    assert_eq!(view(&got, "bundle.tar!/"), view(&dir, ""));
}

/// A large log inside a `.tgz` beside its rotated, gzipped predecessor: the big
/// member is scanned block by block while the archive is decoded, and node-a's
/// reboot still finds the node's last line 20 MiB before the banner (the history
/// kept before each block).
#[test]
fn a_large_member_of_a_tgz_scans_like_the_plain_file() {
    let plain = fleet_log();
    let old = b"Jun 13 23:59:59 node-b kernel: [    1.000000] Out of memory: Kill process 1200 (java) score 998 or sacrifice child\n".to_vec();
    let files = vec![
        ("logs/syslog".to_string(), plain),
        ("logs/syslog.1.gz".to_string(), gzip(&old)),
    ];
    let (_, want) = resolve::scan_memory(files.clone(), &InputConfig::default(), &year_2018());
    let (bundle, got) = resolve::scan_memory(
        vec![("fleet.tgz".to_string(), gzip(&tar_of(&files)))],
        &InputConfig::default(),
        &year_2018(),
    );
    assert!(matches!(bundle.sources[1].data, SourceData::Scanned(_)));
    assert_eq!(view(&got, "fleet.tgz!/"), view(&want, ""));
    assert_eq!(got.sources[0].path, "fleet.tgz!/logs/syslog.1.gz");
    assert_node_a_reboot_measures_its_silence(&got);
}

/// The decompression cap still applies to a streamed archive: the member that
/// crosses it is cut and said so, the members before it are scanned.
#[test]
fn a_streamed_tgz_keeps_the_decompression_cap() {
    let files = sample_bundle();
    let tar = tar_of(&files);
    let config = InputConfig {
        stream_above: 4 << 10,
        decompress_cap: (tar.len() / 2) as u64,
        ..InputConfig::default()
    };
    let (bundle, got) = resolve::scan_memory(
        vec![("bundle.tgz".to_string(), gzip(&tar))],
        &config,
        &year_2018(),
    );
    assert!(!bundle.sources.is_empty());
    assert!(bundle.sources.len() < files.len());
    assert!(
        got.problems
            .iter()
            .any(|p| p.source == "bundle.tgz"
                && p.message.starts_with("decompressed size exceeds the")),
        "{:?}",
        got.problems
    );
}

/// stdin is read as it comes, like a file: a `.tgz` piped in gives the events of
/// the directory, and a large gzipped log piped in those of the plain file.
#[test]
fn stdin_streams_like_the_files() {
    use std::process::{Command, Stdio};
    // The event lines of `events --format jsonl` without the source (the path
    // differs); the header, unit, source and node records name the paths and units
    // (a folder of node folders is a unit per node, a `.tgz` on stdin is one).
    let run = |path: &str, stdin: Option<Vec<u8>>| -> Vec<String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_podmortem"))
            .args(["events", "--format", "jsonl", "--year", "2018", path])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run podmortem");
        let mut input = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || {
            if let Some(bytes) = stdin {
                let _ = input.write_all(&bytes);
            }
        });
        let out = child.wait_with_output().expect("podmortem output");
        writer.join().expect("writer");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("jsonl"))
            .filter(|e| e.get("record").is_none())
            .map(|mut e| {
                if let Some(o) = e.as_object_mut() {
                    o.remove("source");
                }
                e.to_string()
            })
            .collect()
    };
    let dir = tempdir();
    let plain = fleet_log();
    let file = dir.join("fleet.log");
    std::fs::write(&file, &plain).expect("write");
    let want = run(file.to_str().unwrap_or_default(), None);
    assert!(want.len() > 10, "{} events", want.len());
    let got = run("-", Some(gzip(&plain)));
    assert_eq!(got, want, "a gzipped log on stdin");

    let files = sample_bundle();
    for (name, data) in &files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(&path, data).expect("write");
    }
    let want = run(dir.join("bundle").to_str().unwrap_or_default(), None);
    let got = run("-", Some(gzip(&tar_of(&files))));
    assert!(want.len() > 50);
    assert_eq!(got, want, "a .tgz bundle on stdin");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("podmortem-streaming-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Nested archives stream one level at a time: a `.tgz` inside a `.tar.gz` is
/// decoded while its enclosing archive is, and gives the directory's events.
#[test]
fn a_tgz_inside_a_tgz_streams_like_its_directory() {
    let files = sample_bundle();
    let (_, dir) = resolve::scan_memory(files.clone(), &InputConfig::default(), &year_2018());
    let inner = gzip(&tar_of(&files));
    let outer = gzip(&tar_of(&[("collected/bundle.tgz".to_string(), inner)]));
    let streamed = InputConfig {
        stream_above: 4 << 10,
        ..InputConfig::default()
    };
    let (_, got) = resolve::scan_memory(
        vec![("outer.tar.gz".to_string(), outer)],
        &streamed,
        &year_2018(),
    );
    assert_eq!(
        view(&got, "outer.tar.gz!/collected/bundle.tgz!/"),
        view(&dir, "")
    );
}

/// A streamed `.tgz` cut short: the members read before the cut are scanned, and
/// the cut is said once, on the archive (not again as tar damage).
#[test]
fn a_streamed_tgz_cut_short_keeps_the_members_before_the_cut() {
    let files = sample_bundle();
    let packed = gzip(&tar_of(&files));
    let cut = packed
        .get(..packed.len() * 2 / 3)
        .unwrap_or_default()
        .to_vec();
    let streamed = InputConfig {
        stream_above: 4 << 10,
        ..InputConfig::default()
    };
    let (bundle, got) = resolve::scan_memory(
        vec![("bundle.tgz".to_string(), cut)],
        &streamed,
        &year_2018(),
    );
    let on_archive: Vec<&str> = got
        .problems
        .iter()
        .filter(|p| p.source == "bundle.tgz")
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(on_archive.len(), 1, "{:?}", got.problems);
    assert!(
        on_archive[0].starts_with("truncated gzip stream"),
        "{}",
        on_archive[0]
    );
    assert!(bundle.sources.len() > 5 && bundle.sources.len() < files.len());
    assert!(!got.events.is_empty());
}

/// Issue #13/#15: progress counts uncompressed bytes and names the file being read,
/// also for a streamed archive whose decoded size is unknown beforehand (no total,
/// so no ETA).
#[test]
fn progress_counts_uncompressed_bytes_and_names_the_file() {
    let files = sample_bundle();
    let plain: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    let tgz = gzip(&tar_of(&files));
    assert!((tgz.len() as u64) < plain / 2, "the archive is compressed");
    let progress = std::sync::Arc::new(scan::Progress::default());
    let config = Config {
        scan: ScanConfig {
            progress: Some(progress.clone()),
            ..ScanConfig::default()
        },
        ..year_2018()
    };
    let streamed = InputConfig {
        stream_above: 4 << 10,
        ..InputConfig::default()
    };
    resolve::scan_memory(vec![("bundle.tgz".to_string(), tgz)], &streamed, &config);
    let bytes = progress.bytes.load(std::sync::atomic::Ordering::Relaxed);
    // Every member's text was counted, not the compressed archive's size.
    assert!(
        bytes >= plain * 9 / 10,
        "{bytes} of {plain} uncompressed bytes"
    );
    assert_eq!(progress.total.load(std::sync::atomic::Ordering::Relaxed), 0);
    let current = progress.current();
    assert!(
        current.starts_with("bundle.tgz!/")
            && files.iter().any(|(n, _)| current.ends_with(n.as_str())),
        "current file {current:?}"
    );
}
