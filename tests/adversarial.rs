//! Hostile and broken input (issue #6): a bundle built here with every kind of
//! damage a forensic input can have. podmortem must read all of it without
//! panicking or writing anywhere, name each bad source once, and still find the
//! events in the good parts.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SLUB: &str = "Jun  8 03:03:28 node-1 kernel: [88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)\n\
Jun  8 03:03:28 node-1 kernel: [88820.247541]   cache: kmalloc-192(33:b40c3884668600191e02b3c32efaf12bdd1e6d0a4d3869662045e4193af6c26c), object size: 192, buffer size: 192, default order: 0, min order: 0\n\
Jun  8 03:03:28 node-1 kernel: [88820.247543]   node 0: slabs: 202, objs: 4242, free: 0\n";

fn podmortem(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("podmortem binary runs")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip in memory");
    enc.finish().expect("gzip in memory")
}

fn tar_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_528_427_008);
        h.set_cksum();
        b.append_data(&mut h, name, *data).expect("tar in memory");
    }
    b.into_inner().expect("tar in memory")
}

/// A raw tar header with a name tar::Builder refuses (absolute, `..`) or a special type.
fn raw_tar_entry(name: &str, kind: u8, link: &str, data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    let size = format!("{:011o}", data.len());
    h[124..135].copy_from_slice(size.as_bytes());
    h[136..147].copy_from_slice(b"13303330400");
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    let ck = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(ck.as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, Option<std::time::SystemTime>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(m) = fs::symlink_metadata(&p) else {
                continue;
            };
            if m.is_dir() {
                stack.push(p.clone());
            }
            out.insert(p, (m.len(), m.modified().ok()));
        }
    }
    out
}

struct Bundle {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

fn build() -> Bundle {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("bundle");
    let log = root.join("node-1/var/log");
    fs::create_dir_all(&log).expect("mkdir");
    // The good evidence, in several damaged-but-readable encodings.
    fs::write(log.join("kern.log"), SLUB).expect("write");
    fs::write(log.join("crlf.log"), SLUB.replace('\n', "\r\n")).expect("write");
    fs::write(log.join("lone-cr.log"), SLUB.replace('\n', "\r")).expect("write");
    fs::write(log.join("no-newline.log"), SLUB.trim_end()).expect("write");
    let mut nul = b"Jun  8 03:00:00 node-1 cron[1]: start\n\0\0\0garbage\xff\xfe\n".to_vec();
    nul.extend_from_slice(SLUB.as_bytes());
    fs::write(log.join("nul-and-bad-utf8.log"), nul).expect("write");
    fs::write(log.join("empty.log"), b"").expect("write");
    let mut huge = vec![b'x'; 20 << 20];
    huge.extend_from_slice(
        b"\nJun  8 03:10:00 node-1 kernel: nf_conntrack: table full, dropping packet\n",
    );
    fs::write(log.join("huge-line.log"), huge).expect("write");
    fs::write(
        log.join("bad-times.log"),
        "Feb 30 12:00:01 node-1 kernel: nf_conntrack: table full, dropping packet\n\
         Jun  8 25:61:00 node-1 kernel: nf_conntrack: table full, dropping packet\n\
         2099-01-01T00:00:00+00:00 node-1 kernel: nf_conntrack: table full, dropping packet\n\
         Jun  8 01:00:00 node-1 kernel: nf_conntrack: table full, dropping packet\n",
    )
    .expect("write");
    // Broken compressed data.
    let gz = gzip(SLUB.as_bytes());
    fs::write(log.join("syslog.2.gz"), &gz[..gz.len() / 2]).expect("write");
    let zst = zstd::encode_all(SLUB.repeat(50).as_bytes(), 3).expect("zstd");
    fs::write(log.join("syslog.3.zst"), &zst[..zst.len() / 2]).expect("write");
    fs::write(log.join("bomb.gz"), gzip(&vec![0u8; 64 << 20])).expect("write");
    let tar = tar_with(&[
        ("var/log/a.log", SLUB.as_bytes()),
        ("var/log/b.log", &vec![b'y'; 4096]),
    ]);
    fs::write(root.join("cut.tar"), &tar[..1536]).expect("write");
    // Binary files.
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.extend((0..4096u32).map(|i| (i % 251) as u8));
    fs::write(log.join("agent"), elf).expect("write");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..2048u32).map(|i| (i * 7 % 256) as u8));
    fs::write(log.join("graph.png"), png).expect("write");
    fs::write(log.join("wtmp"), vec![0u8; 384 * 4]).expect("write");
    let mut journal = b"LPKSHHRH".to_vec();
    journal.extend(vec![0u8; 4096]);
    fs::write(log.join("system.journal"), journal).expect("write");
    // A hostile archive: absolute and `..` names, links, a device.
    let mut evil = Vec::new();
    evil.extend(raw_tar_entry("/etc/passwd-log", b'0', "", SLUB.as_bytes()));
    evil.extend(raw_tar_entry("../../escape.log", b'0', "", SLUB.as_bytes()));
    evil.extend(raw_tar_entry("link.log", b'2', "/etc/shadow", b""));
    evil.extend(raw_tar_entry("hard.log", b'1', "/etc/shadow", b""));
    evil.extend(raw_tar_entry("dev.log", b'3', "", b""));
    evil.extend(vec![0u8; 1024]);
    fs::write(root.join("evil.tar"), evil).expect("write");
    // File-system oddities.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("..", log.join("loop")).expect("symlink");
        let fifo = log.join("fifo");
        let _ = Command::new("mkfifo").arg(&fifo).status();
    }
    Bundle { _tmp: tmp, root }
}

#[test]
fn issue_6_adversarial_bundle_is_read_safely() {
    let b = build();
    let before = snapshot(&b.root);
    let root = b.root.to_str().expect("utf-8 temp path");
    let out = podmortem(&[
        "events",
        "--format",
        "jsonl",
        "--quiet",
        "--max-decompressed",
        "16MiB",
        root,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // One clear message per damaged source, naming it.
    let expect = [
        ("syslog.2.gz", "gzip"),
        ("syslog.3.zst", "zstd"),
        ("bomb.gz", "--max-decompressed"),
        ("cut.tar", "tar"),
        ("agent", "binary"),
        ("graph.png", "binary"),
        ("system.journal", "journalctl"),
        ("wtmp", ""),
        ("fifo", "regular"),
    ];
    for (name, word) in expect {
        let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(name)).collect();
        assert_eq!(
            lines.len(),
            1,
            "{name}: expected one message, got {lines:?}\n{stderr}"
        );
        assert!(
            lines[0].to_lowercase().contains(&word.to_lowercase()),
            "{name}: {}",
            lines[0]
        );
    }

    // The good parts were still read: the SLUB block from every readable encoding
    // (deduplicated to one event per distinct source line set is not required here:
    // each file is its own evidence), and the line after a 20 MB line.
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl line"))
        .collect();
    let slub_sources: std::collections::BTreeSet<String> = events
        .iter()
        .filter(|e| e["kind"] == "kernel.slub_alloc_failure")
        .map(|e| e["source"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(!slub_sources.is_empty(), "no SLUB event found:\n{stdout}");
    assert!(
        events.iter().any(|e| e["kind"] == "kernel.conntrack_full"
            && e["source"]
                .as_str()
                .is_some_and(|s| s.ends_with("huge-line.log"))),
        "line after the huge line lost"
    );
    // Impossible timestamps do not invent times; far-future ones stay as written.
    let bad: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| {
            e["source"]
                .as_str()
                .is_some_and(|s| s.ends_with("bad-times.log"))
        })
        .collect();
    assert_eq!(
        bad.len(),
        4,
        "every line of bad-times.log is still an event: {bad:?}"
    );
    assert!(
        bad.iter().any(|e| e["time"].is_null()),
        "Feb 30 must not get a made-up time"
    );

    // Hostile archive members are displayed inside the archive, never resolved on disk.
    assert!(!b.root.parent().expect("parent").join("escape.log").exists());
    for e in &events {
        let src = e["source"].as_str().unwrap_or_default();
        if src.contains("evil.tar") {
            assert!(src.contains("evil.tar!/"), "{src}");
        }
    }
    assert!(!stdout.contains("/etc/shadow"));

    // Nothing was written inside the inputs.
    assert_eq!(
        before,
        snapshot(&b.root),
        "the bundle changed during the scan"
    );
}

#[test]
fn issue_6_missing_path_is_fatal_with_exit_2() {
    let out = podmortem(&["scan", "/nonexistent/podmortem-bundle"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/podmortem-bundle"), "{stderr}");
}

#[test]
fn issue_6_hostile_log_text_is_inert_in_every_format() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("node-1/var/log");
    fs::create_dir_all(&dir).expect("mkdir");
    let mut text = String::new();
    for i in 0..6 {
        text.push_str(&format!(
            "Jun  8 03:0{i}:00 node-1 kernel: Out of memory: Kill process 1{i} (<script>alert(1)</script>\x1b[31m\x1b]0;pwned\x07) score 900 or sacrifice child\n"
        ));
    }
    fs::write(dir.join("syslog"), &text).expect("write");
    let root = tmp.path().to_str().expect("utf-8");
    for format in ["text", "json", "md", "html"] {
        let out = podmortem(&[
            "scan", "--quiet", "--year", "2018", "--color", "always", "--format", format, root,
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let body = out.stdout;
        let s = String::from_utf8_lossy(&body);
        assert!(
            s.contains("alert(1)"),
            "{format}: the hostile line should still be cited"
        );
        // No raw OSC/ESC from the log reaches the output (colour codes we emit are CSI `[` only in text).
        assert!(!s.contains("\x1b]0;"), "{format}: raw OSC sequence leaked");
        assert!(!s.contains("\x07"), "{format}: raw BEL leaked");
        if format != "text" {
            assert!(!body.contains(&0x1b), "{format}: raw ESC leaked");
        }
        if format == "html" {
            assert!(!s.contains("<script>alert(1)"), "html: script injected");
        }
    }
}
