//! Fleet scale without any engine (issue #16): units scanned apart with
//! `podmortem events`, merged by `podmortem correlate`, give what one `podmortem scan`
//! gives — whatever the order of the streams, with a stream fed twice (a retried
//! task), per unit or per shard — and a unit scanned alone keeps its node identity.

#[path = "support/binary.rs"]
mod binary;
use binary::{bundle, json, path_str};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    // One provenance line per report: `without_provenance` drops it whole.
    binary::run_with(args, &[("COLUMNS", "100000")])
}

/// `podmortem events --format jsonl ARGS` written to `dir/name`.
fn events_to(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut full = vec!["events", "--format", "jsonl", "--quiet"];
    full.extend_from_slice(args);
    std::fs::write(&path, run(&full).stdout).expect("write events");
    path
}

/// `podmortem correlate --format FORMAT` over the streams, as text.
fn correlate(streams: &[PathBuf], format: &str) -> String {
    let mut args = vec!["correlate", "--format", format, "--color", "never"];
    args.extend(streams.iter().map(|p| path_str(p)));
    String::from_utf8(run(&args).stdout).expect("utf-8 report")
}

/// A report without its provenance (issue 15's `meta`: the run's inputs and its time
/// rules), which names the event files for `correlate` and the bundle for `scan`;
/// everything else must be equal.
fn without_provenance(report: &str, inputs: &[&str]) -> String {
    const TIME_RULES: [&str; 3] = [
        "year-less lines take their year",
        "read in the bundle",
        "event times as placed by the `podmortem events` run",
    ];
    report
        .lines()
        .filter(|line| {
            let trimmed = line.trim().trim_end_matches(',');
            let run_line = line.starts_with("run ")
                || line.starts_with("- **Run:**")
                || line.contains(r#"id="run""#);
            let input_entry = inputs.iter().any(|i| trimmed == format!("{i:?}"));
            let time_rule = TIME_RULES
                .iter()
                .any(|t| line.replace("\\`", "`").replace("&#39;", "'").contains(t));
            !(run_line || input_entry || time_rule)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The sections a fleet run must reproduce exactly.
fn sections(report: &Value) -> [&Value; 3] {
    [&report["incidents"], &report["nodes"], &report["sources"]]
}

#[test]
fn per_unit_events_then_correlate_equal_scan_in_any_order_and_with_a_unit_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = bundle();
    let scan_text = |format: &str| {
        String::from_utf8(
            run(&[
                "scan",
                "--format",
                format,
                "--color",
                "never",
                "--quiet",
                path_str(&whole),
            ])
            .stdout,
        )
        .unwrap()
    };
    let scan: Value = serde_json::from_str(&scan_text("json")).unwrap();
    assert_eq!(scan["nodes"].as_array().map(Vec::len), Some(10));
    assert!(scan["incidents"].as_array().is_some_and(|i| i.len() >= 5));

    let mut streams: Vec<PathBuf> = std::fs::read_dir(&whole)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    streams.sort();
    let streams: Vec<PathBuf> = streams
        .iter()
        .map(|unit| {
            let name = format!("{}.jsonl", unit.file_name().unwrap().to_string_lossy());
            events_to(tmp.path(), &name, &[path_str(unit)])
        })
        .collect();
    assert_eq!(streams.len(), 10);

    let mut reversed = streams.clone();
    reversed.reverse();
    let mut interleaved: Vec<PathBuf> = streams.iter().step_by(2).cloned().collect();
    interleaved.extend(streams.iter().skip(1).step_by(2).cloned());
    let mut retried = streams.clone();
    retried.insert(3, streams[7].clone()); // node-7 fed twice: a retried task
    for order in [&streams, &reversed, &interleaved, &retried] {
        let merged: Value = serde_json::from_str(&correlate(order, "json")).unwrap();
        assert_eq!(sections(&merged), sections(&scan), "order {order:?}");
        assert_eq!(merged["summary"], scan["summary"], "order {order:?}");
    }
    // Every report format, not only JSON.
    let mut inputs: Vec<&str> = retried.iter().map(|p| path_str(p)).collect();
    inputs.push(path_str(&whole));
    for format in ["text", "md", "html"] {
        let merged = without_provenance(&correlate(&retried, format), &inputs);
        assert_eq!(
            merged,
            without_provenance(&scan_text(format), &inputs),
            "{format}"
        );
        assert!(merged.len() > 2000, "{format}: {merged}");
    }
}

#[test]
fn shards_partition_the_units_and_merge_to_the_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = bundle();
    let scan = json(&["scan", "--format", "json", "--quiet", path_str(&whole)]);
    let unit_lines = |path: &Path| -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["record"] == "unit")
            .map(|v| v["unit"].as_str().unwrap().to_string())
            .collect()
    };
    let shards: Vec<PathBuf> = (0..4)
        .map(|i| {
            let shard = format!("{i}/4");
            events_to(
                tmp.path(),
                &format!("shard-{i}.jsonl"),
                &["--shard", &shard, path_str(&whole)],
            )
        })
        .collect();
    let mut units: Vec<String> = shards.iter().flat_map(|s| unit_lines(s)).collect();
    let count = units.len();
    units.sort();
    units.dedup();
    assert_eq!(
        count, 10,
        "each of the 10 node folders in exactly one shard"
    );
    assert_eq!(units.len(), 10);
    assert!(
        units
            .iter()
            .all(|u| u.ends_with(|c: char| c.is_ascii_digit()))
    );
    let merged: Value = serde_json::from_str(&correlate(&shards, "json")).unwrap();
    assert_eq!(sections(&merged), sections(&scan));

    let bad = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["events", "--shard", "4/4", path_str(&whole)])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("0 <= I < N"));
}

#[test]
fn a_node_folder_scanned_alone_keeps_the_name_its_neighbours_gave_it() {
    // node-7 holds only a journal export (hostnames AMZ-...-07, then
    // ip-10-0-1-17.ec2.internal) and a calicoctl capture (no hostname at all).
    let alone = json(&[
        "sources",
        "--format",
        "json",
        "--quiet",
        path_str(&bundle().join("node-7")),
    ]);
    let rows = alone["sources"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["node"] == "node-7"), "{rows:?}");
    assert_eq!(alone["nodes"][0]["name"], "node-7");
    assert_eq!(
        alone["nodes"][0]["aliases"],
        serde_json::json!(["AMZ-IAD12-OpsResPool-001-07", "ip-10-0-1-17.ec2.internal"])
    );
}

const UBUNTU_SYSLOG: &str = "\
Aug 20 09:10:01 ubuntu CRON[2211]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)
Aug 20 09:12:44 ubuntu kernel: [ 8812.114005] nf_conntrack: table full, dropping packet
Aug 20 09:12:45 ubuntu kernel: [ 8813.020118] nf_conntrack: table full, dropping packet
";

#[test]
fn two_units_with_the_same_generic_hostname_stay_two_nodes() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = tmp.path().join("fleet");
    for node in ["worker-a", "worker-b"] {
        let log = fleet.join(node).join("var/log/syslog");
        std::fs::create_dir_all(log.parent().unwrap()).unwrap();
        std::fs::write(&log, UBUNTU_SYSLOG).unwrap();
    }
    let scan = json(&[
        "scan",
        "--format",
        "json",
        "--year",
        "2018",
        "--quiet",
        path_str(&fleet),
    ]);
    let names: Vec<&str> = scan["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["worker-a", "worker-b"]);
    for node in scan["nodes"].as_array().unwrap() {
        assert_eq!(node["aliases"], serde_json::json!(["ubuntu"]));
    }
    let problems = scan["problems"].to_string();
    assert!(
        problems.contains("hostname collision: ubuntu names worker-a and worker-b"),
        "{problems}"
    );
    // Each node's conntrack events stay its own.
    let incidents = scan["incidents"].as_array().unwrap();
    let conntrack: Vec<&Value> = incidents
        .iter()
        .filter(|i| i["signature"] == "conntrack-table-full")
        .collect();
    assert_eq!(conntrack.len(), 2, "{incidents:?}");
    for i in &conntrack {
        let node = i["nodes"][0].as_str().unwrap();
        let evidence = i.to_string();
        assert!(evidence.contains(&format!("{node}/var/log/syslog")), "{i}");
    }

    // Per unit: the same nodes, the same collision.
    let streams: Vec<PathBuf> = ["worker-a", "worker-b"]
        .iter()
        .map(|n| {
            events_to(
                tmp.path(),
                &format!("{n}.jsonl"),
                &["--year", "2018", path_str(&fleet.join(n))],
            )
        })
        .collect();
    let merged: Value = serde_json::from_str(&correlate(&streams, "json")).unwrap();
    assert_eq!(sections(&merged), sections(&scan));
    assert_eq!(merged["problems"], scan["problems"]);
}

#[test]
fn stdin_named_with_source_name_reads_as_the_file_would() {
    let tmp = tempfile::tempdir().unwrap();
    // A per-node archive: node-3's folder as node-3.tar.gz.
    let archive = tmp.path().join("node-3.tar.gz");
    {
        let file = std::fs::File::create(&archive).unwrap();
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        tar.append_dir_all(".", bundle().join("node-3")).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    let from_file = events_to(tmp.path(), "file.jsonl", &[path_str(&archive)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["events", "--format", "jsonl", "--quiet", "--source-name"])
        .arg(&archive)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(&archive).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let from_stdin = String::from_utf8(out.stdout).unwrap();
    assert_eq!(from_stdin, std::fs::read_to_string(&from_file).unwrap());
    assert!(from_stdin.contains("node-3.tar.gz!/var/log/syslog"));
    assert!(from_stdin.contains("\"node\":\"node-3\""));
    assert!(!from_stdin.contains("<stdin>"));
}

/// One type per field name across the whole stream: an event's field never reuses
/// the name of another kind's field with another JSON type (`node` is the machine's
/// name everywhere; the SLUB NUMA node is `numa_node`).
#[test]
fn every_field_name_has_one_type_across_kinds() {
    let out = run(&[
        "events",
        "--format",
        "jsonl",
        "--quiet",
        path_str(&bundle()),
    ]);
    let mut types: std::collections::BTreeMap<String, (String, String)> = Default::default();
    let type_of = |v: &Value| match v {
        Value::Null => None,
        Value::Bool(_) => Some("bool"),
        Value::Number(_) => Some("number"),
        Value::String(_) => Some("string"),
        Value::Array(_) => Some("array"),
        Value::Object(_) => Some("object"),
    };
    let mut fields_seen = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let Some(kind) = v["kind"].as_str() else {
            continue;
        };
        let top = v.as_object().unwrap().iter();
        let fields = v["fields"].as_object().unwrap().iter();
        for (name, value) in top.chain(fields) {
            let Some(t) = type_of(value) else { continue };
            fields_seen += 1;
            let (first, by) = types
                .entry(name.clone())
                .or_insert((t.to_string(), kind.to_string()));
            assert_eq!(
                first, t,
                "field {name:?} is a {t} in {kind} but a {first} in {by}"
            );
        }
    }
    assert!(fields_seen > 1000, "{fields_seen}");
    assert_eq!(types["node"].0, "string");
    assert_eq!(types["numa_node"].0, "number");
}

/// A gzip'd tar of `(member, text)` pairs at `path`.
fn write_tgz(path: &Path, members: &[(&str, &str)]) {
    let file = std::fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, text) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, text.as_bytes()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

#[test]
fn a_per_node_archive_without_a_layout_is_named_after_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let node7 = bundle().join("node-7");
    let journal = std::fs::read_to_string(node7.join("journalctl-export.txt")).unwrap();
    let calicoctl = std::fs::read_to_string(node7.join("calicoctl-node-status.txt")).unwrap();
    let archive = tmp.path().join("node-7.tar.gz");
    write_tgz(
        &archive,
        &[
            ("journalctl-export.txt", &journal),
            ("calicoctl-node-status.txt", &calicoctl),
        ],
    );
    let v = json(&["sources", "--format", "json", "--quiet", path_str(&archive)]);
    let rows = v["sources"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(row["node"], "node-7", "{row}");
        assert_eq!(row["node_from"], "archive_name", "{row}");
    }
    assert_eq!(
        v["nodes"][0]["aliases"],
        serde_json::json!(["AMZ-IAD12-OpsResPool-001-07", "ip-10-0-1-17.ec2.internal"])
    );

    // Two hosts' logs in one archive are two hosts, not the archive.
    let two = tmp.path().join("logs.tar.gz");
    let other = UBUNTU_SYSLOG.replace("ubuntu", "worker-9");
    write_tgz(&two, &[("a.log", UBUNTU_SYSLOG), ("b.log", &other)]);
    let v = json(&[
        "sources",
        "--format",
        "json",
        "--year",
        "2018",
        "--quiet",
        path_str(&two),
    ]);
    let nodes: Vec<&str> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["node"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, ["ubuntu", "worker-9"]);
}
