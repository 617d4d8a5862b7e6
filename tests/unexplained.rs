//! Issue #11, "nothing unexplained is dropped" and "time that holds": error-level
//! lines no grammar knows become `unclassified` groups (by message template, across
//! nodes), and a year-bearing timestamp in the same source beats the file's mtime.
//! The binary runs on real-format files written to a temp dir.

#[path = "support/binary.rs"]
mod binary;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

fn run_json(args: &[&str]) -> Value {
    binary::json(args)
}

fn text(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("podmortem runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// 2026-06-20T00:00:00Z, the kind of mtime a copied log gets long after the fact.
fn mtime_2026() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_781_913_600)
}

/// Write `body` to `dir/rel` with an mtime in 2026.
fn write(dir: &Path, rel: &str, body: &str) -> PathBuf {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, body).expect("write");
    let f = std::fs::File::options()
        .write(true)
        .open(&path)
        .expect("open");
    f.set_modified(mtime_2026()).expect("set mtime");
    path
}

/// The syslog of issue #11: kubelet `E` lines about sandboxes (the reserve-name line
/// is k3s-io/k3s#497's, the DeadlineExceeded one containerd/cri#1014's shape), an
/// ext4 error, and dockerd logrus lines whose `time=` carries the year 2018.
const SYSLOG: &str = r#"Jun 14 10:00:01 node-3 systemd[1]: Started Docker Application Container Engine.
Jun 14 10:00:03 node-3 dockerd[987]: time="2018-06-14T10:00:03Z" level=info msg="API listen on /var/run/docker.sock"
Jun 14 10:00:03 node-3 dockerd[987]: time="2018-06-14T10:00:03.512345678Z" level=error msg="Handler for GET /v1.37/containers/4b1c6a7d8e9f/json returned error: No such container: 4b1c6a7d8e9f"
Jun 14 10:00:05 node-3 kubelet[1123]: E0614 10:00:05.123456    1123 remote_runtime.go:92] RunPodSandbox from runtime service failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded
Jun 14 10:00:05 node-3 kubelet[1123]: E0614 10:00:05.123500    1123 kuberuntime_sandbox.go:54] CreatePodSandbox for pod "coredns-5c98db65d4-x7kqp_kube-system(0e1f7a2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b)" failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded
Jun 14 10:00:07 node-3 kernel: [ 5432.101112] EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm systemd: reading directory lblock 0
Jun 14 10:02:05 node-3 kubelet[1123]: E0614 10:02:05.223456    1123 remote_runtime.go:92] RunPodSandbox from runtime service failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded
Jun 14 10:02:09 node-3 kubelet[1123]: E0614 10:02:09.997924    1123 remote_runtime.go:109] RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to reserve sandbox name "svclb-traefik-phpd2_kube-system_964d3950-807d-11e9-9350-000c29eea077_1": name "svclb-traefik-phpd2_kube-system_964d3950-807d-11e9-9350-000c29eea077_1" is reserved for "081b44846a5be544621fad10e504f6f51e3d128753dc83825b78460863a7748a"
Jun 14 10:02:10 node-3 kubelet[1123]: I0614 10:02:10.000001    1123 kubelet.go:1823] SyncLoop (ADD, "api"): "web-7d9f8b6c5d-2xk4p_default(9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d)"
"#;

/// The same kubelet failure on a second node: one group across nodes.
const SYSLOG_NODE_4: &str = r#"Jun 14 10:01:00 node-4 dockerd[870]: time="2018-06-14T10:01:00.000000000Z" level=info msg="Daemon has completed initialization"
Jun 14 10:03:05 node-4 kubelet[2211]: E0614 10:03:05.000456    2211 remote_runtime.go:92] RunPodSandbox from runtime service failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded
Jun 14 10:03:06 node-4 systemd[1]: Started Session 3 of user core.
"#;

fn groups(v: &Value) -> Vec<&Value> {
    v["unclassified"]
        .as_array()
        .expect("unclassified")
        .iter()
        .collect()
}

fn group<'v>(v: &'v Value, needle: &str) -> &'v Value {
    groups(v)
        .into_iter()
        .find(|g| g["template"].as_str().is_some_and(|t| t.contains(needle)))
        .unwrap_or_else(|| panic!("no group for {needle:?} in {:#}", v["unclassified"]))
}

#[test]
fn issue_11_error_lines_become_unclassified_groups_across_nodes() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "node-3/var/log/syslog", SYSLOG);
    write(dir.path(), "node-4/var/log/syslog", SYSLOG_NODE_4);
    let root = dir.path().to_str().expect("utf-8");
    let v = run_json(&["scan", "--format", "json", "--quiet", root]);

    // node-3's DeadlineExceeded and reserved-name failures are typed CRI errors that a
    // signature explains: one container-runtime-hang incident cites them.
    let incidents = v["incidents"].as_array().expect("incidents");
    assert_eq!(incidents.len(), 1, "{:#}", v["incidents"]);
    assert_eq!(incidents[0]["signature"], "container-runtime-hang");
    assert_eq!(incidents[0]["nodes"], serde_json::json!(["node-3"]));

    // node-4's single failure is typed but explained by no signature: a group of its own.
    let lone = group(
        &v,
        "RunPodSandbox from runtime service failed: rpc error: code = DeadlineExceeded",
    );
    assert_eq!(lone["count"], 1, "{lone:#}");
    assert_eq!(lone["nodes"], serde_json::json!(["node-4"]));
    assert_eq!(lone["kind"], "kubelet.runtime_error");
    assert_eq!(lone["start"], "2018-06-14T10:03:05Z");

    // The ext4 error is a typed kernel.fs_error, listed once (not also as log.error).
    let ext4 = group(&v, "EXT4-fs error (device sda1)");
    assert_eq!(ext4["nodes"], serde_json::json!(["node-3"]));
    assert_eq!(ext4["kind"], "kernel.fs_error");
    // dockerd's level=error line no grammar knows: log.error, dated by its own time=.
    let dockerd = group(&v, "Handler for GET");
    assert_eq!(dockerd["kind"], "log.error");
    assert_eq!(dockerd["start"], "2018-06-14T10:00:03Z");
    assert!(
        dockerd["template"]
            .as_str()
            .is_some_and(|t| t.contains("No such container: <*>")),
        "{dockerd:#}"
    );
    // Info lines and the systemd chatter are not errors: exactly these three groups.
    assert_eq!(groups(&v).len(), 3, "{:#}", v["unclassified"]);

    // Every error-level line of the input is accounted for exactly once: cited by the
    // incident (its evidence row covers lines 4-8 of node-3) or by one group.
    let mut lines: Vec<(String, u64)> = Vec::new();
    for g in groups(&v) {
        for e in g["evidence"].as_array().expect("evidence") {
            let source = e["source"].as_str().unwrap_or_default();
            let node = if source.contains("node-3") {
                "node-3"
            } else {
                "node-4"
            };
            lines.push((node.to_string(), e["line"].as_u64().unwrap_or(0)));
        }
    }
    lines.sort();
    assert_eq!(
        lines,
        vec![
            ("node-3".to_string(), 3),
            ("node-3".to_string(), 6),
            ("node-4".to_string(), 2)
        ]
    );

    // The terminal report lists them, with their evidence.
    let report = text(&["scan", root]);
    assert!(report.contains("Unclassified error groups (3)"), "{report}");
    assert!(
        report.contains("ERROR ×1  Handler for GET <*> returned error"),
        "{report}"
    );
}

/// Issue #11, item 4: the dockerd lines' `time="2018-..."` decides the year of the
/// whole syslog, not the file's 2026 mtime; `sources` says so.
#[test]
fn issue_11_year_comes_from_a_dated_line_not_the_mtime() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "syslog", SYSLOG);
    let p = path.to_str().expect("utf-8");
    let events = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["events", "--format", "jsonl", p])
        .output()
        .expect("runs");
    let lines = String::from_utf8_lossy(&events.stdout).into_owned();
    let times: Vec<String> = lines
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|e| e["time"].as_str().map(str::to_string))
        .collect();
    assert!(times.len() >= 6, "{lines}");
    assert!(
        times.iter().all(|t| t.starts_with("2018-06-14T")),
        "{times:?}"
    );
    let v = run_json(&["sources", "--format", "json", p]);
    let assumptions = v["sources"][0]["assumptions"].to_string();
    assert!(
        assumptions
            .contains("year from year-bearing timestamps in this source (latest 2018-06-14)"),
        "{assumptions}"
    );
    assert!(!assumptions.contains("mtime"), "{assumptions}");
}

/// An error-free log gives no group.
#[test]
fn error_free_log_gives_no_unclassified_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "node-1/var/log/syslog",
        r#"Jun 14 10:00:00 node-1 kernel: [    3.123456] EXT4-fs (sda1): re-mounted. Opts: errors=remount-ro
Jun 14 10:00:03 node-1 dockerd[987]: time="2018-06-14T10:00:03Z" level=info msg="API listen on /var/run/docker.sock"
Jun 14 10:00:05 node-1 kubelet[1123]: I0614 10:00:05.123456    1123 server.go:408] Version: v1.10.3
Jun 14 10:00:06 node-1 systemd[1]: Started Kubernetes systemd probe.
"#,
    );
    let v = run_json(&[
        "scan",
        "--format",
        "json",
        "--quiet",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(v["unclassified"], serde_json::json!([]));
}
