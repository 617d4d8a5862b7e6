//! Integration tests of the input layer: bundles are built in temporary directories
//! with the real formats (tar, gzip, zstd) and read back through `input::collect`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use podmortem::input::{Bundle, FactKind, InputConfig, NodeFrom, SourceData, collect};

const SYSLOG: &[u8] = b"Jun 17 03:05:13 node-1 kernel: [88820.247535] Out of memory: Kill process 1234 (java) score 912 or sacrifice child\n";
const KUBELET: &[u8] = b"Jun 17 03:05:14 node-1 kubelet[5478]: I0617 03:05:14.803095    5478 eviction_manager.go:346] eviction manager: must evict pod(s) to reclaim memory\n";
const CALICO: &[u8] = b"2018-06-17 03:05:13.805 [WARNING][9] startup/startup.go 1200: Calico node 'node-2' is already using the IPv4 address 10.0.0.5.\n";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

/// A tar with regular members (name, bytes), in the order given.
fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_529_204_713);
        header.set_cksum();
        builder.append_data(&mut header, name, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

/// A tar member whose raw header name is written as is (absolute, `..`).
fn tar_raw_names(files: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_old();
        let field = &mut header.as_old_mut().name;
        field[..name.len()].copy_from_slice(name);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn write(root: &Path, rel: &str, data: &[u8]) -> PathBuf {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, data).unwrap();
    path
}

fn run(paths: &[PathBuf]) -> Bundle {
    collect(paths, &InputConfig::default()).unwrap()
}

fn displays(bundle: &Bundle, root: &Path) -> Vec<String> {
    let prefix = format!("{}/", root.display());
    bundle
        .sources
        .iter()
        .map(|s| {
            s.meta
                .display
                .strip_prefix(&prefix)
                .unwrap_or(&s.meta.display)
                .to_owned()
        })
        .collect()
}

fn bytes_of<'a>(bundle: &'a Bundle, display_suffix: &str) -> &'a [u8] {
    let source = bundle
        .sources
        .iter()
        .find(|s| s.meta.display.ends_with(display_suffix))
        .unwrap_or_else(|| panic!("no source ending in {display_suffix}"));
    &source.data
}

fn problems_for<'a>(bundle: &'a Bundle, display_suffix: &str) -> Vec<&'a str> {
    bundle
        .problems
        .iter()
        .filter(|p| p.source.ends_with(display_suffix))
        .map(|p| p.message.as_str())
        .collect()
}

#[test]
fn directories_are_walked_recursively_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "b/kubelet.log", KUBELET);
    write(root, "a/z.log", SYSLOG);
    write(root, "a/sub/y.log", SYSLOG);
    write(root, "c.log", CALICO);
    let bundle = run(&[root.to_path_buf()]);
    // Sorted by stream (directory + base name): a/sub/y, a/z, b/kubelet, c.
    assert_eq!(
        displays(&bundle, root),
        ["a/sub/y.log", "a/z.log", "b/kubelet.log", "c.log"]
    );
    let ids: Vec<u32> = bundle.sources.iter().map(|s| s.meta.id.0).collect();
    assert_eq!(ids, [0, 1, 2, 3]);
    assert!(bundle.problems.is_empty(), "{:?}", bundle.problems);
}

#[test]
fn display_paths_keep_the_path_as_given() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "logs/syslog", SYSLOG);
    // Not canonicalized: `..` stays, so the display is what the user typed.
    let given = dir.path().join("logs/../logs");
    let bundle = run(std::slice::from_ref(&given));
    assert_eq!(
        bundle.sources[0].meta.display,
        format!("{}/syslog", given.display())
    );
}

#[test]
fn tar_gz_with_gz_members_and_nested_archives() {
    let dir = tempfile::tempdir().unwrap();
    let inner = gzip(&tar(&[("c.log", CALICO)]));
    let outer = tar(&[
        ("node-3/var/log/syslog", SYSLOG),
        ("node-3/var/log/syslog.2.gz", &gzip(KUBELET)),
        ("b.tar.gz", &inner),
    ]);
    let path = write(dir.path(), "bundle.tgz", &gzip(&outer));
    let bundle = run(std::slice::from_ref(&path));
    let base = path.display().to_string();
    let mut names: Vec<String> = bundle
        .sources
        .iter()
        .map(|s| s.meta.display.clone())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("{base}!/b.tar.gz!/c.log"),
            format!("{base}!/node-3/var/log/syslog"),
            format!("{base}!/node-3/var/log/syslog.2.gz"),
        ]
    );
    assert_eq!(bytes_of(&bundle, "!/c.log"), CALICO);
    assert_eq!(bytes_of(&bundle, "syslog.2.gz"), KUBELET);
    assert_eq!(bytes_of(&bundle, "var/log/syslog"), SYSLOG);
    assert!(bundle.problems.is_empty(), "{:?}", bundle.problems);
    let member = bundle
        .sources
        .iter()
        .find(|s| s.meta.display.ends_with("var/log/syslog"))
        .unwrap();
    assert_eq!(
        member.meta.mtime.map(|t| t.timestamp()),
        Some(1_529_204_713)
    );
}

#[test]
fn compression_is_detected_by_magic_not_extension() {
    let dir = tempfile::tempdir().unwrap();
    let gz = write(dir.path(), "kern.log.1", &gzip(SYSLOG));
    let zst = write(dir.path(), "calico.bin", &zstd(CALICO));
    let tar_zst = write(
        dir.path(),
        "bundle.data",
        &zstd(&tar(&[("x/kubelet.log", KUBELET)])),
    );
    let bundle = run(&[gz, zst, tar_zst.clone()]);
    assert_eq!(bytes_of(&bundle, "kern.log.1"), SYSLOG);
    assert_eq!(bytes_of(&bundle, "calico.bin"), CALICO);
    assert_eq!(
        bytes_of(&bundle, &format!("{}!/x/kubelet.log", tar_zst.display())),
        KUBELET
    );
}

#[test]
fn multi_member_gzip_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = gzip(SYSLOG);
    data.extend(gzip(KUBELET));
    data.extend(gzip(CALICO));
    let path = write(dir.path(), "syslog.2.gz", &data);
    let bundle = run(&[path]);
    assert_eq!(
        bytes_of(&bundle, "syslog.2.gz"),
        [SYSLOG, KUBELET, CALICO].concat()
    );
    assert!(bundle.problems.is_empty());
}

/// 2000 distinct syslog lines, so compressed data is long enough to cut.
fn many_lines() -> Vec<u8> {
    (0..2000)
        .flat_map(|i| {
            format!("Jun 17 03:05:{:02} node-1 kernel: oom line {i}\n", i % 60).into_bytes()
        })
        .collect()
}

#[test]
fn truncated_gzip_keeps_data_and_reports_once() {
    let dir = tempfile::tempdir().unwrap();
    let packed = gzip(&many_lines());
    let cut = write(dir.path(), "syslog.2.gz", &packed[..packed.len() / 2]);
    let other = write(dir.path(), "kubelet.log", KUBELET);
    let bundle = run(&[cut, other]);
    let problems = problems_for(&bundle, "syslog.2.gz");
    assert_eq!(problems.len(), 1, "{:?}", bundle.problems);
    assert!(
        problems[0].starts_with("truncated gzip stream: read "),
        "{}",
        problems[0]
    );
    assert_eq!(bundle.problems.len(), 1);
    let kept = bytes_of(&bundle, "syslog.2.gz");
    assert!(!kept.is_empty() && many_lines().starts_with(kept));
    assert_eq!(bytes_of(&bundle, "kubelet.log"), KUBELET);
}

#[test]
fn truncated_zstd_keeps_data_and_reports_once() {
    let dir = tempfile::tempdir().unwrap();
    let packed = zstd(&many_lines());
    let cut = write(
        dir.path(),
        "kern.log.3.zst",
        &packed[..packed.len() * 3 / 4],
    );
    let other = write(dir.path(), "kubelet.log", KUBELET);
    let bundle = run(&[cut, other]);
    let problems = problems_for(&bundle, "kern.log.3.zst");
    assert_eq!(problems.len(), 1, "{:?}", bundle.problems);
    assert!(
        problems[0].starts_with("truncated zstd stream: read "),
        "{}",
        problems[0]
    );
    assert_eq!(bundle.problems.len(), 1);
    assert_eq!(bytes_of(&bundle, "kubelet.log"), KUBELET);
    if let Some(kept) = bundle
        .sources
        .iter()
        .find(|s| s.meta.display.ends_with(".zst"))
    {
        assert!(many_lines().starts_with(&kept.data));
    }
}

#[test]
fn truncated_tar_and_tgz_keep_earlier_members_and_report_once() {
    let dir = tempfile::tempdir().unwrap();
    let lines = many_lines();
    let whole = tar(&[("a/syslog", SYSLOG), ("a/kern.log", &lines)]);
    let cut_at = 512 * 3 + 1000;
    let plain = write(dir.path(), "plain.tar", &whole[..cut_at]);
    let packed = gzip(&whole);
    let tgz = write(dir.path(), "packed.tgz", &packed[..packed.len() - 200]);
    let other = write(dir.path(), "kubelet.log", KUBELET);
    let bundle = run(&[plain, tgz, other]);

    let plain_problems = problems_for(&bundle, "plain.tar");
    assert_eq!(plain_problems.len(), 1, "{:?}", bundle.problems);
    assert!(
        plain_problems[0].starts_with("truncated tar archive"),
        "{}",
        plain_problems[0]
    );
    assert_eq!(bytes_of(&bundle, "plain.tar!/a/syslog"), SYSLOG);
    assert_eq!(bytes_of(&bundle, "plain.tar!/a/kern.log"), &lines[..1000]);

    let tgz_problems = problems_for(&bundle, "packed.tgz");
    assert_eq!(tgz_problems.len(), 1, "{:?}", bundle.problems);
    assert!(
        tgz_problems[0].starts_with("truncated gzip stream"),
        "{}",
        tgz_problems[0]
    );
    assert_eq!(bytes_of(&bundle, "packed.tgz!/a/syslog"), SYSLOG);

    assert_eq!(bundle.problems.len(), 2, "{:?}", bundle.problems);
    assert_eq!(bytes_of(&bundle, "kubelet.log"), KUBELET);
}

#[test]
fn gzip_bomb_stops_at_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = write(dir.path(), "syslog.1.gz", &gzip(&vec![0u8; 10 << 20]));
    let config = InputConfig {
        decompress_cap: 1 << 20,
        ..InputConfig::default()
    };
    let bundle = collect(&[bomb], &config).unwrap();
    let problems = problems_for(&bundle, "syslog.1.gz");
    // One message: the cap, and (the bomb being zeros) that what was read is binary.
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "decompressed size exceeds the 1.0 MiB cap; read the first 1.0 MiB; raise it with --max-decompressed SIZE"
        ),
        "{problems:?}"
    );
    assert!(problems[0].contains("binary"), "{problems:?}");
}

#[test]
fn text_bomb_keeps_exactly_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let text: Vec<u8> = SYSLOG.iter().copied().cycle().take(3 << 20).collect();
    let path = write(dir.path(), "big.log.gz", &gzip(&text));
    let config = InputConfig {
        decompress_cap: 1 << 20,
        ..InputConfig::default()
    };
    let bundle = collect(&[path], &config).unwrap();
    assert_eq!(bytes_of(&bundle, "big.log.gz"), &text[..1 << 20]);
    assert_eq!(bundle.problems.len(), 1);
    assert!(bundle.problems[0].message.contains("--max-decompressed"));
}

#[test]
fn binary_files_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    elf.extend(vec![3u8; 100]);
    write(dir.path(), "bin/kubelet", &elf);
    write(
        dir.path(),
        "journal/system.journal",
        b"LPKSHHRH\0\0\0\0\x01\x02\x03\x04\0\0\0\0",
    );
    write(dir.path(), "wtmp", &[0u8; 0]);
    write(
        dir.path(),
        "data.bin",
        &(0..4096u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<_>>(),
    );
    let mut crashed = SYSLOG.repeat(10);
    crashed.extend([0u8; 3]);
    write(dir.path(), "crashed.log", &crashed);
    write(dir.path(), "empty.log", b"");
    let bundle = run(&[dir.path().to_path_buf()]);

    assert!(problems_for(&bundle, "bin/kubelet")[0].contains("ELF"));
    assert!(problems_for(&bundle, "system.journal")[0].contains("journalctl --file X -o export"));
    assert!(problems_for(&bundle, "/wtmp")[0].contains("login accounting"));
    assert!(problems_for(&bundle, "data.bin")[0].contains("binary"));
    assert_eq!(bytes_of(&bundle, "crashed.log"), crashed.as_slice());
    assert_eq!(bytes_of(&bundle, "empty.log"), b"");
    assert_eq!(bundle.problems.len(), 4, "{:?}", bundle.problems);
}

/// An unreadable file is one problem naming it, and the rest is read. Root reads
/// through mode 000 (CI runs as root), so the scan then runs as `nobody` through
/// `setpriv`: the permission-denied path is exercised either way.
#[test]
fn unreadable_file_is_a_problem_and_the_rest_continues() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let secret = write(dir.path(), "secret.log", SYSLOG);
    let visible = write(dir.path(), "visible.log", KUBELET);
    fs::set_permissions(&visible, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = fs::File::open(&secret).is_ok();
    if !privileged {
        let bundle = run(&[dir.path().to_path_buf()]);
        assert_eq!(bytes_of(&bundle, "visible.log"), KUBELET);
        let problems = problems_for(&bundle, "secret.log");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("permission denied"),
            "{}",
            problems[0]
        );
        return;
    }
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_podmortem"))
        .args(["sources", "--format", "json", "--quiet"])
        .arg(dir.path())
        .output()
        .expect("setpriv (util-linux) runs the scan as nobody");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("secret.log: permission denied"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json inventory");
    let paths: Vec<&str> = v["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["path"].as_str())
        .collect();
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].ends_with("visible.log"), "{paths:?}");
}

#[test]
fn fifo_in_a_directory_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "syslog", SYSLOG);
    let fifo = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let bundle = run(&[dir.path().to_path_buf()]);
    assert_eq!(bundle.sources.len(), 1);
    assert_eq!(
        problems_for(&bundle, "/pipe"),
        ["not a regular file (a FIFO); skipped"]
    );
}

#[test]
fn symlink_loop_terminates_and_files_are_read_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "node-1/var/log/syslog", SYSLOG);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("node-1/var/log/loop")).unwrap();
    std::os::unix::fs::symlink("syslog", dir.path().join("node-1/var/log/syslog-link")).unwrap();
    std::os::unix::fs::symlink("missing", dir.path().join("dangling")).unwrap();
    let bundle = run(&[dir.path().to_path_buf()]);
    assert_eq!(bundle.sources.len(), 1);
    assert_eq!(
        problems_for(&bundle, "dangling"),
        ["broken symbolic link; skipped"]
    );
}

#[test]
fn hostile_tar_names_are_displayed_safely_and_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = tar_raw_names(&[
        (b"/etc/evil.log", SYSLOG),
        (b"../../escape.log", KUBELET),
        (b"./var/log/./calico.log", CALICO),
    ]);
    let path = write(dir.path(), "hostile.tar", &data);
    let bundle = run(std::slice::from_ref(&path));
    let base = path.display().to_string();
    let mut names: Vec<String> = bundle
        .sources
        .iter()
        .map(|s| s.meta.display.clone())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("{base}!/../../escape.log"),
            format!("{base}!/etc/evil.log"),
            format!("{base}!/var/log/calico.log"),
        ]
    );
    assert_eq!(bytes_of(&bundle, "escape.log"), KUBELET);
    let listing: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(listing.len(), 1);
    assert!(!dir.path().parent().unwrap().join("escape.log").exists());
}

#[test]
fn links_devices_and_fifos_inside_tars_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(SYSLOG.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, "var/log/syslog", SYSLOG)
        .unwrap();
    for (name, kind) in [
        ("var/log/link", tar::EntryType::Symlink),
        ("var/log/hard", tar::EntryType::Link),
        ("dev/kmsg", tar::EntryType::Char),
        ("run/fifo", tar::EntryType::Fifo),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(0);
        header.set_mode(0o644);
        header.set_link_name("/etc/shadow").unwrap();
        header.set_cksum();
        builder.append_data(&mut header, name, &[][..]).unwrap();
    }
    let path = write(dir.path(), "links.tar", &builder.into_inner().unwrap());
    let bundle = run(&[path]);
    assert_eq!(bundle.sources.len(), 1);
    assert!(
        bundle.sources[0]
            .meta
            .display
            .ends_with("links.tar!/var/log/syslog")
    );
    assert!(bundle.problems.is_empty(), "{:?}", bundle.problems);
}

fn node_of(bundle: &Bundle, suffix: &str) -> (Option<String>, NodeFrom) {
    let s = bundle
        .sources
        .iter()
        .find(|s| s.meta.display.ends_with(suffix))
        .unwrap();
    (s.meta.node.clone(), s.meta.node_from)
}

#[test]
fn node_identity_from_collection_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // sosreport directory: name says node-3, its hostname file says better.
    write(
        root,
        "sosreport-node-3-01234567-2018-06-17-abcdef/var/log/messages",
        SYSLOG,
    );
    write(
        root,
        "sosreport-node-3-01234567-2018-06-17-abcdef/hostname",
        b"node-3.example.com\n",
    );
    // sosreport archive without a hostname file.
    let sos = tar(&[("sosreport-node-4-2018-06-17-xyz/var/log/messages", SYSLOG)]);
    write(root, "sosreport-node-4-2018-06-17-xyz.tar.gz", &gzip(&sos));
    // must-gather.
    write(
        root,
        "must-gather.local.123/quay-io-abc/nodes/worker-1/journal",
        SYSLOG,
    );
    write(
        root,
        "must-gather.local.123/quay-io-abc/host_service_logs/masters/kubelet_service.log",
        KUBELET,
    );
    // plain copy.
    write(root, "copies/node-5/var/log/syslog", SYSLOG);
    // folder of per-node tarballs.
    write(
        root,
        "tarballs/node-6.tar.gz",
        &gzip(&tar(&[("var/log/kern.log", SYSLOG)])),
    );
    // nothing.
    write(root, "loose/app.log", SYSLOG);
    let bundle = run(&[root.to_path_buf()]);

    assert_eq!(
        node_of(&bundle, "abcdef/var/log/messages"),
        (Some("node-3.example.com".into()), NodeFrom::Sosreport)
    );
    assert_eq!(
        node_of(&bundle, "xyz/var/log/messages"),
        (Some("node-4".into()), NodeFrom::Sosreport)
    );
    assert_eq!(
        node_of(&bundle, "nodes/worker-1/journal"),
        (Some("worker-1".into()), NodeFrom::MustGather)
    );
    assert_eq!(
        node_of(&bundle, "kubelet_service.log"),
        (None, NodeFrom::MustGather)
    );
    assert_eq!(
        node_of(&bundle, "node-5/var/log/syslog"),
        (Some("node-5".into()), NodeFrom::Directory)
    );
    assert_eq!(
        node_of(&bundle, "node-6.tar.gz!/var/log/kern.log"),
        (Some("node-6".into()), NodeFrom::ArchiveName)
    );
    assert_eq!(node_of(&bundle, "loose/app.log"), (None, NodeFrom::Unknown));
    // The sosreport hostname file is a fact, not a source.
    assert!(
        bundle
            .sources
            .iter()
            .all(|s| !s.meta.display.ends_with("/hostname"))
    );
    assert_eq!(
        bundle.fact(FactKind::SosreportHostname, Some("node-3.example.com")),
        Some("node-3.example.com")
    );

    let forced = collect(
        &[root.to_path_buf()],
        &InputConfig {
            node_override: Some("node-9".into()),
            ..InputConfig::default()
        },
    )
    .unwrap();
    assert!(forced.sources.iter().all(|s| s.meta.node.as_deref() == Some("node-9") && s.meta.node_from == NodeFrom::Flag));
}

#[test]
fn bundle_zone_comes_from_etc_timezone_of_that_node() {
    let dir = tempfile::tempdir().unwrap();
    let archive = tar(&[
        ("node-1/etc/timezone", b"Asia/Shanghai\n"),
        ("node-1/etc/hostname", b"node-1\n"),
        ("node-1/var/log/syslog", SYSLOG),
        ("node-2/var/log/syslog", SYSLOG),
    ]);
    let path = write(dir.path(), "bundle.tgz", &gzip(&archive));
    let bundle = run(&[path]);
    let zone = |suffix: &str| {
        bundle
            .sources
            .iter()
            .find(|s| s.meta.display.ends_with(suffix))
            .unwrap()
            .meta
            .bundle_zone
            .clone()
    };
    assert_eq!(zone("node-1/var/log/syslog"), Some("Asia/Shanghai".into()));
    assert_eq!(zone("node-2/var/log/syslog"), None);
    assert_eq!(bundle.sources.len(), 2);
    assert_eq!(
        bundle.fact(FactKind::Timezone, Some("node-1")),
        Some("Asia/Shanghai")
    );
    assert_eq!(
        bundle.fact(FactKind::Hostname, Some("node-1")),
        Some("node-1")
    );
}

#[test]
fn rotations_share_a_stream_and_sort_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "n/var/log/syslog", SYSLOG);
    write(root, "n/var/log/syslog.1", SYSLOG);
    write(root, "n/var/log/syslog.2.gz", &gzip(SYSLOG));
    write(root, "n/var/log/syslog.10.gz", &gzip(SYSLOG));
    write(root, "n/var/log/kubelet.log-20180617.gz", &gzip(KUBELET));
    write(root, "n/var/log/kubelet.log-20180610.gz", &gzip(KUBELET));
    write(root, "n/var/log/kubelet.log", KUBELET);
    let archive = tar(&[
        ("var/log/messages", SYSLOG),
        ("var/log/messages-20180617", SYSLOG),
    ]);
    write(root, "n.tar", &archive);
    let bundle = run(&[root.to_path_buf()]);
    let rows: Vec<(String, u32, String)> = bundle
        .sources
        .iter()
        .map(|s| {
            let stream = s
                .meta
                .stream
                .strip_prefix(&format!("{}/", root.display()))
                .unwrap()
                .to_owned();
            let display = s.meta.display.rsplit(['/', '!']).next().unwrap().to_owned();
            (stream, s.meta.rotation, display)
        })
        .collect();
    // `n/` and `n.tar` are two units (a unit's sources stay together, units sorted
    // by path), then streams oldest first.
    let expected: Vec<(String, u32, String)> = [
        ("n/var/log/kubelet.log", 2, "kubelet.log-20180610.gz"),
        ("n/var/log/kubelet.log", 1, "kubelet.log-20180617.gz"),
        ("n/var/log/kubelet.log", 0, "kubelet.log"),
        ("n/var/log/syslog", 10, "syslog.10.gz"),
        ("n/var/log/syslog", 2, "syslog.2.gz"),
        ("n/var/log/syslog", 1, "syslog.1"),
        ("n/var/log/syslog", 0, "syslog"),
        ("n.tar!/var/log/messages", 1, "messages-20180617"),
        ("n.tar!/var/log/messages", 0, "messages"),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), *b, (*c).to_owned()))
    .collect();
    assert_eq!(rows, expected);
}

#[test]
fn mapped_and_read_paths_give_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = SYSLOG.repeat(2000);
    let path = write(dir.path(), "syslog", &data);
    let mapped = collect(
        std::slice::from_ref(&path),
        &InputConfig {
            mmap_threshold: 1,
            ..InputConfig::default()
        },
    )
    .unwrap();
    let read = collect(
        &[path],
        &InputConfig {
            mmap_threshold: u64::MAX,
            ..InputConfig::default()
        },
    )
    .unwrap();
    assert!(matches!(mapped.sources[0].data, SourceData::Mapped(_)));
    assert!(matches!(read.sources[0].data, SourceData::Owned(_)));
    assert_eq!(&*mapped.sources[0].data, &*read.sources[0].data);
    assert_eq!(&*read.sources[0].data, data.as_slice());
}

#[test]
fn missing_path_is_fatal_and_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-bundle.tgz");
    let err = collect(std::slice::from_ref(&missing), &InputConfig::default())
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(
        text.contains("no-such-bundle.tgz") && text.contains("no such file"),
        "{text}"
    );
}

#[test]
fn unsupported_compression_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "sosreport-a-2018.tar.xz",
        b"\xfd7zXZ\0\0\x04\xe6\xd6\xb4\x46",
    );
    let bundle = run(&[path]);
    assert!(bundle.sources.is_empty());
    assert!(
        bundle.problems[0].message.contains("xz -d"),
        "{:?}",
        bundle.problems
    );
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let members: Vec<(String, Vec<u8>)> = (0..24)
        .map(|i| {
            (
                format!("node-{}/var/log/syslog.{}.gz", i % 3, i),
                gzip(&many_lines()),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    write(root, "bundle.tgz", &gzip(&tar(&refs)));
    write(root, "cut.gz", &gzip(&many_lines())[..300]);
    write(root, "plain/node-1/var/log/kubelet.log", KUBELET);
    let summary = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let bundle = pool.install(|| run(&[root.to_path_buf()]));
        let sources: Vec<(u32, String, Vec<u8>)> = bundle
            .sources
            .iter()
            .map(|s| (s.meta.id.0, s.meta.display.clone(), s.data.to_vec()))
            .collect();
        (sources, bundle.problems.clone())
    };
    let one = summary(1);
    assert_eq!(one.0.len(), 26); // 24 members, the kept head of cut.gz, kubelet.log
    assert_eq!(one.1.len(), 1);
    assert_eq!(one, summary(4));
}
