//! Recall on real node logs (issue 12, section 4): `podmortem events --format jsonl`
//! runs on every file of `../shared/corpus/k8s-node-real/` and each file must show
//! at least the event kinds, with their minimum counts, that its `expected.json`
//! entry lists. At least 95% of the files must pass. The test prints the recall per
//! kind and every failing file with what was expected and what was found, so a
//! shortfall says where it comes from.
//!
//! The corpus sits beside the checkout (as `../shared/corpus/loghub` does for
//! `tests/cli.rs`); without it the test fails: a recall test that skips proves nothing.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Share of corpus files that must show all their expected kinds.
const MIN_PASS_RATIO: f64 = 0.95;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/k8s-node-real")
}

/// What `expected.json` says about one file.
struct Expectation {
    kinds: BTreeMap<String, u64>,
}

fn expectations(dir: &Path) -> BTreeMap<String, Expectation> {
    let path = dir.join("expected.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is required: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("expected.json is JSON");
    doc.as_object()
        .expect("expected.json maps file names to expectations")
        .iter()
        .map(|(file, e)| {
            let kinds = e["kinds"]
                .as_object()
                .expect("each entry has `kinds`")
                .iter()
                .map(|(k, n)| (k.clone(), n.as_u64().expect("counts are integers")))
                .collect();
            (file.clone(), Expectation { kinds })
        })
        .collect()
}

/// Event counts per kind that `podmortem events` finds in one file.
fn found_kinds(file: &Path) -> BTreeMap<String, u64> {
    let out = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["events", "--format", "jsonl"])
        .arg(file)
        .output()
        .expect("podmortem runs");
    assert!(
        out.status.code().is_some_and(|c| c != 2),
        "{}: events failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut counts = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let event: Value = serde_json::from_str(line).expect("every jsonl line is JSON");
        // Header, unit, source and node records (docs/events-schema.md) are no events.
        if event.get("record").is_some() {
            continue;
        }
        let kind = event["kind"].as_str().expect("every event has a kind");
        *counts.entry(kind.to_string()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn real_node_logs_show_their_expected_event_kinds() {
    let dir = corpus_dir();
    assert!(
        dir.is_dir(),
        "{} is missing: the recall test needs the shared corpus beside the checkout",
        dir.display()
    );
    let expected = expectations(&dir);
    assert!(expected.len() >= 90, "the whole corpus is listed");

    // kind -> (files where it was expected, files where enough were found)
    let mut recall: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut failing = Vec::new();
    for (file, exp) in &expected {
        let path = dir.join(file);
        assert!(path.is_file(), "{} listed but missing", path.display());
        let found = found_kinds(&path);
        let mut ok = true;
        for (kind, min) in &exp.kinds {
            let got = found.get(kind).copied().unwrap_or(0);
            let entry = recall.entry(kind.clone()).or_insert((0, 0));
            entry.0 += 1;
            if got >= *min {
                entry.1 += 1;
            } else {
                ok = false;
            }
        }
        if !ok {
            failing.push(format!(
                "  {file}\n    expected {:?}\n    found    {:?}",
                exp.kinds, found
            ));
        }
    }

    println!("recall per kind (files with enough events / files expecting the kind):");
    for (kind, (want, hit)) in &recall {
        println!("  {kind:40} {hit}/{want}");
    }
    let passed = expected.len() - failing.len();
    println!("files passing: {passed}/{}", expected.len());
    if !failing.is_empty() {
        println!("failing files:\n{}", failing.join("\n"));
    }
    let ratio = passed as f64 / expected.len() as f64;
    assert!(
        ratio >= MIN_PASS_RATIO,
        "only {passed} of {} corpus files show their expected kinds ({:.0}% < {:.0}%); failing:\n{}",
        expected.len(),
        ratio * 100.0,
        MIN_PASS_RATIO * 100.0,
        failing.join("\n")
    );
}

/// Kinds read from kernel and systemd logs (the kernel half of issue 12 and the
/// kernel kinds before it).
fn is_kernel_kind(kind: &str) -> bool {
    kind.starts_with("kernel.")
        || kind.starts_with("net.nic_")
        || kind == "net.too_many_open_files"
        || kind == "systemd.oomd_kill"
        || kind == "node.reboot"
}

/// Files whose expected kernel kinds are not in any kernel or systemd line: the OOM
/// kill of this one is only known from `kubectl get pods` status (`OOMKilled`).
const NOT_FROM_KERNEL_LINES: &[&str] =
    &["D-cnp-flux-config-28772-get-pods-status-oomkilled-last-state-reason-oomkilled.log"];

/// Every corpus file that expects only kernel-side kinds shows all of them: a
/// narrower guard than the 95% above, which also depends on the kubelet and runtime
/// grammars.
#[test]
fn kernel_side_files_all_pass() {
    let dir = corpus_dir();
    assert!(dir.is_dir(), "{} is missing", dir.display());
    let mut checked = 0;
    let mut failing = Vec::new();
    for (file, exp) in expectations(&dir) {
        let kernel_only = !exp.kinds.is_empty() && exp.kinds.keys().all(|k| is_kernel_kind(k));
        if !kernel_only || NOT_FROM_KERNEL_LINES.contains(&file.as_str()) {
            continue;
        }
        checked += 1;
        let found = found_kinds(&dir.join(&file));
        let short: Vec<String> = exp
            .kinds
            .iter()
            .filter(|(k, min)| found.get(*k).copied().unwrap_or(0) < **min)
            .map(|(k, min)| {
                format!(
                    "{k} >= {min} (found {})",
                    found.get(k).copied().unwrap_or(0)
                )
            })
            .collect();
        if !short.is_empty() {
            failing.push(format!("{file}: {}", short.join(", ")));
        }
    }
    assert!(checked >= 35, "only {checked} kernel-side files found");
    assert!(
        failing.is_empty(),
        "kernel-side files short of events:\n{}",
        failing.join("\n")
    );
}
