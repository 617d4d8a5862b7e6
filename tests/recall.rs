//! Recall on generated dumps (issue #7): `examples/gen-syslog` writes a multi-host
//! syslog with incidents injected at known places and a ground-truth file; `podmortem
//! scan` must find every injected incident (right signature, a right node, times
//! overlapping) and report nothing that is not part of one, with one and two threads
//! giving the same report.
//!
//! The generator is the example binary that `cargo test` builds next to the test
//! binaries (`target/<profile>/examples/gen-syslog`); when it is missing (a test run
//! with `--test recall` only), it is built with the same cargo first.
//!
//! Sizes: both dumps are far above the 1 MiB full-pass threshold and span several 8 MiB
//! chunks, so the prefiltered, chunked path is the one tested. The sparse dump is 24 MiB;
//! the realistic one (K8s chatter the grammars parse, ~170,000 events per GiB) is 16 MiB,
//! as its events make a debug-build scan slower per byte. Each test takes a few seconds
//! in a debug build.

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

/// One incident: signature, nodes, first and last time; a reported one also has its id
/// and the id of the incident it was chained to as a consequence.
#[derive(Debug)]
struct Incident {
    id: Option<String>,
    caused_by: Option<String>,
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
            id: v["id"].as_str().map(str::to_string),
            caused_by: v["caused_by"].as_str().map(str::to_string),
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

/// Writes a dump of `size` with `profile` into `dir`; returns it and its ground truth.
fn generate(dir: &Path, profile: &str, size: &str) -> (PathBuf, Vec<Incident>) {
    let dump = dir.join(format!("{profile}.log"));
    let truth_path = dir.join(format!("{profile}.truth.json"));
    let out = Command::new(generator())
        .args(["--profile", profile, "--size", size])
        .args(["--density", "1e-4", "--seed", "7", "--out"])
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
    (dump, truth)
}

/// The JSON report of `podmortem scan --jobs <jobs>` on `dump`.
fn scan(dump: &Path, jobs: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["scan", "--format", "json", "--quiet", "--year", "2018"])
        .args(["--jobs", jobs])
        .arg(dump)
        .output()
        .expect("run podmortem");
    assert_ne!(
        out.status.code(),
        Some(2),
        "podmortem failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json report")
}

/// Every injected incident is found, and every reported one is an injected one (same
/// signature, a shared node, overlapping times) or a consequence chained on a shared node
/// to one through `caused_by` (the SLUB leak's node reboots, reported as
/// `unexpected-reboot`). Overlap alone would excuse a false incident on a node that also
/// has a real one.
fn check(label: &str, truth: &[Incident], report: &Value) {
    let found = incidents(report);
    let injected = |f: &Incident| {
        truth
            .iter()
            .any(|t| f.signature == t.signature && overlaps(f, t))
    };
    for t in truth {
        assert!(
            found
                .iter()
                .any(|f| f.signature == t.signature && overlaps(f, t)),
            "{label}: injected {t:?} not found in {found:#?}"
        );
    }
    for f in &found {
        let mut cause = f;
        // a chain is acyclic and no longer than the report
        for _ in 0..found.len() {
            if injected(cause) {
                break;
            }
            match found
                .iter()
                .find(|c| c.id.is_some() && c.id == cause.caused_by)
            {
                Some(c) if c.nodes.iter().any(|n| f.nodes.contains(n)) => cause = c,
                _ => break,
            }
        }
        assert!(
            injected(cause),
            "{label}: {f:?} is not part of any injected incident ({truth:#?})"
        );
    }
    let sources = report["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), 1, "{label}");
    assert_eq!(
        report["problems"].as_array().map(Vec::len),
        Some(0),
        "{label}"
    );
}

/// Checks both thread counts against the truth and against each other.
fn check_jobs(profile: &str, dump: &Path, truth: &[Incident]) -> Value {
    let one = scan(dump, "1");
    check(&format!("{profile} --jobs 1"), truth, &one);
    let two = scan(dump, "2");
    check(&format!("{profile} --jobs 2"), truth, &two);
    assert!(
        one == two,
        "{profile}: --jobs 1 and --jobs 2 differ:\n{one:#}\n{two:#}"
    );
    one
}

#[test]
fn every_injected_incident_is_found_and_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (dump, truth) = generate(dir.path(), "sparse", "24MiB");
    check_jobs("sparse", &dump, &truth);
}

/// The realistic profile's chatter (kubelet container kills and probe failures,
/// containerd task events, felix, BIRD) is parsed into events but forms no incident: a
/// busy node's steady trickle of probe failures once gave a false `probe-failures` on
/// every host, found only by hand.
#[test]
fn realistic_chatter_adds_no_incident() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (dump, truth) = generate(dir.path(), "realistic", "16MiB");
    let report = check_jobs("realistic", &dump, &truth);
    // the chatter must reach the correlator for the test to mean anything: about
    // 170,000 events per GiB, so at least half that here
    let bytes = std::fs::metadata(&dump).expect("dump").len();
    let events = report["summary"]["events"]
        .as_u64()
        .expect("summary.events");
    assert!(
        events >= bytes * 170_000 / (2 << 30),
        "{events} events in {bytes} bytes: the chatter was not parsed"
    );
}
