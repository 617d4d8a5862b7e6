//! Precision on real benign logs (issue #11): every file the shared corpus marks
//! `"negative": true` (healthy start-ups, boots, day-to-day chatter copied from public
//! sources) and every LogHub sample must give zero incidents. The corpus sits beside
//! the checkout at `../shared/corpus`, in CI too: a missing corpus FAILS these tests,
//! it never skips them. Also: undated evidence never closes a window.

#[path = "support/binary.rs"]
mod binary;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

fn require_dir(dir: &Path) {
    assert!(
        dir.is_dir(),
        "{} is missing: the precision corpus must sit beside the checkout (../shared), as in CI",
        dir.display()
    );
}

/// Signatures of the incidents `podmortem scan` reports on `input` (`-` reads `stdin`).
fn incidents(input: &str, stdin: Option<&str>) -> Vec<String> {
    let out = binary::spawn(
        &["scan", "--quiet", "--format", "json", input],
        &[],
        stdin.map(str::as_bytes),
    );
    assert!(
        out.status.success(),
        "podmortem scan {input} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    v["incidents"]
        .as_array()
        .expect("incidents list")
        .iter()
        .map(|i| {
            format!(
                "{} on {}",
                i["signature"].as_str().unwrap_or("?"),
                i["nodes"]
            )
        })
        .collect()
}

/// Scan each file alone; return `file: incidents` for every file that has any.
fn false_positives(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .filter_map(|f| {
            let found = incidents(f.to_str().expect("utf-8 path"), None);
            (!found.is_empty()).then(|| {
                format!(
                    "{}: {}",
                    f.file_name().unwrap_or_default().to_string_lossy(),
                    found.join("; ")
                )
            })
        })
        .collect()
}

#[test]
fn benign_files_of_the_k8s_node_corpus_give_no_incident() {
    let dir = corpus().join("k8s-node-real");
    require_dir(&dir);
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json readable"),
    )
    .expect("expected.json is JSON");
    let mut negatives: Vec<PathBuf> = expected
        .as_object()
        .expect("expected.json maps files")
        .iter()
        .filter(|(_, e)| e["negative"] == serde_json::json!(true))
        .map(|(name, _)| dir.join(name))
        .collect();
    negatives.sort();
    assert!(
        negatives.len() >= 13,
        "the corpus lists its benign files ({} found)",
        negatives.len()
    );
    for f in &negatives {
        assert!(f.is_file(), "{} listed but missing", f.display());
    }
    let wrong = false_positives(&negatives);
    assert!(
        wrong.is_empty(),
        "incidents on benign files:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn loghub_samples_give_no_incident() {
    let dir = corpus().join("loghub");
    require_dir(&dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("loghub readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "the LogHub samples are there");
    let wrong = false_positives(&files);
    assert!(
        wrong.is_empty(),
        "incidents on LogHub noise:\n{}",
        wrong.join("\n")
    );
}

/// `Jun 14 ...` kernel OOM kill lines (global: `Out of memory: Kill process`), one per
/// entry of `days`, with uptimes that many days after 345678 s (no year: through stdin).
fn oom_kills(days: &[(u32, u64)], with_uptime: bool) -> String {
    let mut out = String::new();
    for (n, (date, seconds)) in days.iter().enumerate() {
        let uptime = if with_uptime {
            format!("[{:>7}.123456] ", 345_678 + seconds)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "Jun {date:>2} 02:10:01 node-1 kernel: {uptime}Out of memory: Kill process {} (java) score 873 or sacrifice child\n",
            23145 + n
        ));
    }
    out
}

const DAY: u64 = 86_400;

/// Issue #11: five OOM kills 20 days apart piped through stdin (no year, so no wall
/// time) made a HIGH `oom-kill-storm` ("5 within 10m"), because events without a
/// time satisfied every window. Uptimes compare within their boot; undated lines are
/// never what triggers or counts toward a bounded window.
#[test]
fn undated_oom_kills_20_days_apart_are_no_storm() {
    // The dates are ignored without a year; the uptimes are 20 days apart.
    let apart: Vec<(u32, u64)> = (0..5).map(|i| (1 + i as u32, i * 20 * DAY)).collect();
    let found = incidents("-", Some(&oom_kills(&apart, true)));
    assert!(
        !found.iter().any(|s| s.starts_with("oom-kill-storm")),
        "{found:?}"
    );
    // Without any uptime the lines cannot be placed at all.
    let found = incidents("-", Some(&oom_kills(&apart, false)));
    assert!(found.is_empty(), "{found:?}");
    // The same five kills within two minutes of uptime are a storm.
    let close: Vec<(u32, u64)> = (0..5).map(|i| (14, i * 30)).collect();
    let found = incidents("-", Some(&oom_kills(&close, true)));
    assert_eq!(found, vec!["oom-kill-storm on [\"node-1\"]".to_string()]);
}
