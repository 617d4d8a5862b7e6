//! Recall on a generated dump (issue #7): `examples/gen-syslog` writes a multi-host
//! syslog with incidents injected at known places and a ground-truth file; `podmortem
//! scan` must find every injected incident (right signature, a right node, times
//! overlapping) and report nothing that is not part of one.
//!
//! The generator is the example binary that `cargo test` builds next to the test
//! binaries (`target/<profile>/examples/gen-syslog`); when it is missing (a test run
//! with `--test recall` only), it is built with the same cargo first.
//!
//! Size: 48 MiB (about 2 s in a debug build): far above the 1 MiB full-pass threshold
//! and six 8 MiB chunks, so the prefiltered, chunked path is the one tested, with one
//! and two threads.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// `gen-syslog`, built if needed.
fn generator() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/recall-<hash> -> target/<profile>/examples/gen-syslog
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let name = format!("gen-syslog{}", std::env::consts::EXE_SUFFIX);
    let path = profile_dir.join("examples").join(&name);
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", "gen-syslog"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env(
                "CARGO_TARGET_DIR",
                profile_dir.parent().expect("target dir"),
            )
            .status()
            .expect("run cargo build --example gen-syslog");
        assert!(status.success(), "cargo build --example gen-syslog failed");
    }
    assert!(path.exists(), "{} missing", path.display());
    path
}

/// One incident: signature, nodes, first and last time.
#[derive(Debug)]
struct Incident {
    signature: String,
    nodes: Vec<String>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

fn incidents(json: &Value) -> Vec<Incident> {
    let time = |v: &Value, key: &str| -> DateTime<Utc> {
        v[key]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .unwrap_or_else(|| panic!("{key} in {v}"))
            .with_timezone(&Utc)
    };
    json["incidents"]
        .as_array()
        .expect("incidents array")
        .iter()
        .map(|v| Incident {
            signature: v["signature"].as_str().expect("signature").to_string(),
            nodes: v["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect(),
            start: time(v, "start"),
            end: time(v, "end"),
        })
        .collect()
}

/// Same node (any name) and overlapping times.
fn overlaps(a: &Incident, b: &Incident) -> bool {
    a.nodes.iter().any(|n| b.nodes.contains(n)) && a.start <= b.end && b.start <= a.end
}

#[test]
fn every_injected_incident_is_found_and_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("fleet.log");
    let truth_path = dir.path().join("fleet.truth.json");
    let out = Command::new(generator())
        .args([
            "--size",
            "24MiB",
            "--density",
            "1e-4",
            "--seed",
            "7",
            "--out",
        ])
        .arg(&dump)
        .arg("--truth")
        .arg(&truth_path)
        .output()
        .expect("run gen-syslog");
    assert!(
        out.status.success(),
        "gen-syslog: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let truth: Value =
        serde_json::from_slice(&std::fs::read(&truth_path).expect("truth file")).expect("truth");
    let truth = incidents(&truth);
    assert_eq!(truth.len(), 7, "the generator injects seven incidents");

    for jobs in ["1", "2"] {
        let out = Command::new(env!("CARGO_BIN_EXE_podmortem"))
            .args(["scan", "--format", "json", "--quiet", "--year", "2018"])
            .args(["--jobs", jobs])
            .arg(&dump)
            .output()
            .expect("run podmortem");
        assert_ne!(
            out.status.code(),
            Some(2),
            "podmortem failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
        let found = incidents(&report);
        for t in &truth {
            assert!(
                found
                    .iter()
                    .any(|f| f.signature == t.signature && overlaps(f, t)),
                "--jobs {jobs}: injected {t:?} not found in {found:#?}"
            );
        }
        for f in &found {
            assert!(
                truth.iter().any(|t| overlaps(f, t)),
                "--jobs {jobs}: {f:?} is not part of any injected incident"
            );
        }
        let sources = report["sources"].as_array().expect("sources");
        assert_eq!(sources.len(), 1);
        assert_eq!(report["problems"].as_array().map(Vec::len), Some(0));
    }
}
