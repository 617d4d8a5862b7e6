//! Issue 15, "the report an SRE reads at 3 a.m.": the binary on the samples, on a
//! generated 60-node fleet and on bad input. Each test names the issue's point it
//! shows: overview first and fleets at a glance (1), readable evidence (2), true
//! statements (3), provenance (5), empty input (6), arguments checked before the
//! scan (7), filters that say what they matched (8), one CLI (9), the year hint (10).
//! The HTML timeline at fleet size (4) is shown in tests/browser.rs.

#[path = "support/binary.rs"]
mod binary;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bundle() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/k8s-incidents/bundle")
}

fn bundle_str() -> String {
    bundle().display().to_string()
}

fn podmortem(args: &[&str], stdin: Option<&[u8]>) -> Output {
    binary::spawn(args, &[("COLUMNS", "100")], stdin)
}

/// The report header's `nodes` line.
fn nodes_line(text: &str) -> &str {
    text.lines()
        .find(|l| l.starts_with("nodes"))
        .expect("nodes line")
}

fn ok(args: &[&str]) -> String {
    let out = podmortem(args, None);
    assert!(
        out.status.success(),
        "podmortem {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Exit status 2 and the stderr text.
fn fails(args: &[&str], stdin: Option<&[u8]>) -> String {
    let out = podmortem(args, stdin);
    assert_eq!(
        out.status.code(),
        Some(2),
        "podmortem {args:?} should exit 2; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A 60-node fleet in the layout of a plain copy (`node-NN/var/log/syslog`), RFC 3339
/// syslog as rsyslog writes it: the kubelet reports PLEG unhealthy on 40 nodes (three
/// lines each, real kubelet 1.9 wording), conntrack overflows on 10, every node logs
/// an ordinary start-up line.
fn fleet(dir: &Path) -> PathBuf {
    let root = dir.join("fleet");
    for n in 1..=60u32 {
        let node = format!("node-{n:02}");
        let logs = root.join(&node).join("var/log");
        std::fs::create_dir_all(&logs).expect("fleet dirs");
        let mut text = format!(
            "2018-06-08T00:00:00.000000+00:00 {node} systemd[1]: Started Kubernetes Kubelet.\n"
        );
        if n <= 40 {
            let minute = 3 * n;
            let (h, m) = (2 + minute / 60, minute % 60);
            for k in 0..3 {
                let s = 5 * k;
                text.push_str(&format!(
                    "2018-06-08T{h:02}:{m:02}:{s:02}.803095+00:00 {node} kubelet[5478]: I0608 {h:02}:{m:02}:{s:02}.803095    5478 kubelet.go:1778] skipping pod synchronization - [PLEG is not healthy: pleg was last seen active 3m{s}.5s ago; threshold is 3m0s]\n"
                ));
            }
        }
        if (36..=45).contains(&n) {
            for k in 0..2 {
                text.push_str(&format!(
                    "2018-06-08T05:{n:02}:{:02}.000000+00:00 {node} kernel: [120412.553201] nf_conntrack: nf_conntrack: table full, dropping packet\n",
                    5 * k
                ));
            }
        }
        std::fs::write(logs.join("syslog"), text).expect("write fleet log");
    }
    root
}

#[test]
fn issue_15_1_overview_table_first_and_one_fleet_line_per_signature() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = fleet(dir.path());
    let text = ok(&["scan", root.to_str().expect("utf-8"), "-q"]);
    let overview = text
        .find("Overview (times in UTC)")
        .expect("overview table");
    let incidents = text.find("Incidents (50)").expect("incidents section");
    assert!(
        overview < incidents,
        "the overview comes before the incidents"
    );
    let table = &text[overview..incidents];
    // 40 PLEG incidents on 40 nodes: one fleet line, not 40 rows.
    let pleg: Vec<&str> = table
        .lines()
        .filter(|l| l.contains("pleg-unhealthy"))
        .collect();
    assert_eq!(pleg.len(), 1, "{table}");
    assert!(pleg[0].contains("on 40 nodes"), "{}", pleg[0]);
    assert!(pleg[0].contains("06-08 02:03–04:00"), "{}", pleg[0]);
    // The signature's root cause and remediation are printed once for its 40 incidents.
    assert_eq!(
        text.matches("pod lifecycle event generator could not finish")
            .count(),
        1
    );
    assert_eq!(text.matches("Check that `docker ps`").count(), 1);
    assert_eq!(text.matches("  HIGH  Kubelet PLEG unhealthy").count(), 40);
    // 60 nodes do not fill the screen.
    assert!(text.contains("node-12 and 48 more"), "{text}");
    // Markdown and HTML print the root cause once too, then point back to it.
    let root = root.to_str().expect("utf-8");
    for format in ["md", "html"] {
        let out = ok(&["scan", root, "-q", "-f", format]);
        let body = out.split("podmortem-data").next().unwrap_or_default();
        assert_eq!(
            body.matches("pod lifecycle event generator could not finish")
                .count(),
            1,
            "{format}"
        );
        assert_eq!(body.matches("(same signature)").count(), 48, "{format}");
    }
}

#[test]
fn issue_15_1_overview_rows_on_the_samples_and_evidence_all() {
    let b = bundle_str();
    let text = ok(&["scan", &b, "-q"]);
    let table_start = text
        .find("ID        SEVERITY SIGNATURE")
        .expect("table header");
    let table: Vec<&str> = text[table_start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(table.len(), 7, "{table:?}");
    assert!(table[0].starts_with("INC-001   high     slub-kmem-cgroup-leak"));
    assert!(table[6].contains("node-6, node-7 +2"), "{}", table[6]);
    // The rename incident cites more rows than the default limit of 8 shows.
    assert!(text.contains(" more evidence rows (all of them: --evidence all)"));
    let all = ok(&["scan", &b, "-q", "--evidence", "all"]);
    assert!(!all.contains("more evidence rows"));
    assert!(all.lines().count() > text.lines().count());
}

#[test]
fn issue_15_2_evidence_wraps_at_spaces_keeps_node_and_file_and_shows_journald_messages() {
    let b = bundle_str();
    let text = ok(&["scan", &b, "-q"]);
    // `(gfp=0x8020)` was cut as `(gf` / `p=0x8020)`.
    assert!(text.contains("(gfp=0x8020)"));
    assert!(!text.lines().any(|l| l.trim_end().ends_with("(gf")));
    // The journald export of node-7 shows its MESSAGE=, not its __CURSOR=.
    assert!(text.contains("MESSAGE="), "{text}");
    assert!(!text.contains("__CURSOR="));
    // A context row before the incident window says so (the kernel boot line of the
    // devicemapper incident, three days before the disk filled).
    assert!(text.contains("(context, before the incident window)"));
    // node-1's syslog is in Asia/Shanghai: its raw `Jun  8 03:03:28` sits beside
    // 19:03:28Z, and the row says why they differ.
    assert!(text.contains("(the line's own clock is Asia/Shanghai local time)"));
    // No row twice within an incident.
    for block in text.split("\nINC-").skip(1) {
        let citations: Vec<&str> = block
            .lines()
            .filter(|l| l.starts_with("    20") || l.starts_with("    no time"))
            .filter_map(|l| l.split_whitespace().skip(1).find(|t| !t.starts_with('[')))
            .collect();
        let mut unique = citations.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), citations.len(), "{block}");
    }
    // Narrow terminal: long paths keep the node folder and the file name.
    let out = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["scan", &b, "-q"])
        .env("NO_COLOR", "1")
        .env("COLUMNS", "60")
        .output()
        .expect("runs");
    let narrow = String::from_utf8_lossy(&out.stdout);
    assert!(
        narrow.contains("…/node-1/var/log/kern.log:186-188")
            || narrow.contains("…/node-1/…/kern.log:186-188"),
        "{narrow}"
    );
}

#[test]
fn issue_15_3_statements_are_true_of_the_input() {
    let b = bundle_str();
    let text = ok(&["scan", &b, "-q"]);
    // Each renamed node gets its own new name.
    for (node, new) in [
        ("node-6", "ip-10-0-1-16"),
        ("node-7", "ip-10-0-1-17"),
        ("node-8", "ip-10-0-1-18"),
        ("node-9", "ip-10-0-1-19"),
    ] {
        let said = text
            .lines()
            .skip_while(|l| !l.starts_with("INC-007  CRITICAL"))
            .take(8)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            said.contains(new) && said.contains(&format!("({node})")),
            "{node} → {new} missing in: {said}"
        );
    }
    // Internal words of the engine never reach a report, in any format.
    for format in ["text", "json", "md", "html"] {
        let out = ok(&["scan", &b, "-q", "-f", format]).to_lowercase();
        for word in ["needle", "chunk edge", "prefilter"] {
            assert!(!out.contains(word), "{format} report says {word:?}");
        }
    }
}

#[test]
fn issue_15_3_a_multi_host_syslog_file_names_its_hosts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("messages");
    // One file, three interleaved hosts (RFC 3164, as a central syslog server keeps
    // them; the year comes from --year).
    std::fs::write(
        &file,
        "Jun 18 21:14:02 k8s-node-01 kernel: [120412.553201] nf_conntrack: nf_conntrack: table full, dropping packet\n\
         Jun 18 21:14:03 k8s-node-02 kernel: [120417.553911] nf_conntrack: nf_conntrack: table full, dropping packet\n\
         Jun 18 21:14:04 k8s-node-03 systemd[1]: Started Session 12 of user ubuntu.\n\
         Jun 18 21:14:05 k8s-node-01 systemd[1]: Started Session 13 of user ubuntu.\n\
         Jun 18 21:14:06 k8s-node-02 systemd[1]: Started Session 14 of user ubuntu.\n\
         Jun 18 21:14:07 k8s-node-03 kernel: [120417.553911] nf_conntrack: nf_conntrack: table full, dropping packet\n",
    )
    .expect("write");
    let text = ok(&[
        "scan",
        file.to_str().expect("utf-8"),
        "-q",
        "--year",
        "2018",
    ]);
    let nodes = nodes_line(&text);
    assert!(
        nodes.contains("3: k8s-node-01, k8s-node-02, k8s-node-03"),
        "{nodes}"
    );
    assert!(!nodes.contains("unknown"), "{nodes}");
}

#[test]
fn issue_15_5_every_format_records_version_inputs_filters_and_time_assumptions() {
    let b = bundle_str();
    let args = ["scan", &b, "-q", "--since", "2018-07-01", "--tz", "UTC"];
    let v: Value = serde_json::from_str(&ok(&[&args[..], &["-f", "json"]].concat())).expect("json");
    let meta = &v["meta"];
    assert_eq!(meta["podmortem_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(meta["inputs"][0], b.as_str());
    assert_eq!(meta["filters"][0], "--since 2018-07-01");
    let time: Vec<&str> = meta["time_assumptions"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        time.contains(&"--tz UTC: local times read in UTC"),
        "{time:?}"
    );
    let text = ok(&args);
    assert!(text.contains(&format!(
        "run          podmortem {}",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(text.contains("filters      --since 2018-07-01"));
    let md = ok(&[&args[..], &["-f", "md"]].concat());
    assert!(md.contains("- **Filters:** --since 2018-07-01"));
    let html = ok(&[&args[..], &["-f", "html"]].concat());
    assert!(html.contains("<dt>Filters</dt><dd>--since 2018-07-01</dd>"));
}

#[test]
fn issue_15_6_empty_input_is_not_healthy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty_dir = dir.path().join("empty");
    std::fs::create_dir(&empty_dir).expect("mkdir");
    let empty_file = dir.path().join("syslog");
    std::fs::write(&empty_file, "").expect("write");
    for path in [&empty_dir, &empty_file] {
        let err = fails(&["scan", path.to_str().expect("utf-8")], None);
        assert!(err.contains("no log lines found"), "{err}");
    }
    let err = fails(&["scan", "-"], Some(b""));
    assert!(err.contains("no log lines found"), "{err}");
}

#[test]
fn issue_15_7_arguments_are_checked_before_any_input_is_read() {
    // The input does not exist: an error about the argument proves it came first.
    let missing = "/nonexistent/podmortem-input";
    let err = fails(&["scan", missing, "--since", "garbage"], None);
    assert!(err.contains("bad --since \"garbage\""), "{err}");
    let err = fails(&["scan", missing, "--display-tz", "nope"], None);
    assert!(err.contains("bad --display-tz \"nope\""), "{err}");
    let err = fails(
        &["scan", missing, "-o", "/nonexistent-dir/report.txt"],
        None,
    );
    assert!(err.contains("cannot create output file"), "{err}");
    let err = fails(
        &[
            "scan",
            missing,
            "--since",
            "2018-08-01",
            "--until",
            "2018-07-01",
        ],
        None,
    );
    assert!(err.contains("is after --until"), "{err}");
    let err = fails(&["scan", missing, "--year", "18"], None);
    assert!(err.contains("four-digit year"), "{err}");
    // `--display-tz +8` reads like `--tz +8`.
    let b = bundle_str();
    let text = ok(&["scan", &b, "-q", "--display-tz", "+8"]);
    assert!(text.contains("times shown in +08:00"), "{text}");
    // Date-only and week-long filters work.
    let since_july = ok(&["scan", &b, "-q", "--since", "2018-07-01", "-f", "json"]);
    let v: Value = serde_json::from_str(&since_july).expect("json");
    let ids: Vec<&str> = v["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, ["INC-006", "INC-007"]);
    let last_week = ok(&["scan", &b, "-q", "--since", "1w", "-f", "json"]);
    let v: Value = serde_json::from_str(&last_week).expect("json");
    assert_eq!(v["incidents"].as_array().map(Vec::len), Some(1));
}

#[test]
fn issue_15_8_node_and_kind_filters_accept_aliases_and_refuse_unknown_names() {
    let b = bundle_str();
    // An alias the report itself shows selects the node.
    let v: Value = serde_json::from_str(&ok(&[
        "scan",
        &b,
        "-q",
        "--node",
        "ip-10-0-1-16",
        "-f",
        "json",
    ]))
    .expect("json");
    let ids: Vec<&str> = v["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, ["INC-007"]);
    let err = fails(&["scan", &b, "-q", "--node", "node-99"], None);
    assert!(err.contains("did you mean node-9?"), "{err}");
    let err = fails(&["events", &b, "-q", "--kind", "bogus"], None);
    assert!(err.contains("no such event kind"), "{err}");
    let err = fails(&["events", &b, "-q", "--kind", "kernel.oom_kil"], None);
    assert!(err.contains("did you mean kernel.oom_kill?"), "{err}");
    // A family prefix still works.
    let out = ok(&["events", &b, "-q", "--kind", "kernel.*"]);
    assert!(out.lines().count() > 10);
}

#[test]
fn issue_15_9_one_cli() {
    let b = bundle_str();
    let dir = tempfile::tempdir().expect("temp dir");
    // `events -f json` means the same as `-f jsonl`.
    assert_eq!(
        ok(&["events", &b, "-q", "-f", "json"]),
        ok(&["events", &b, "-q", "-f", "jsonl"])
    );
    // `scan -f jsonl` is refused with a pointer to json.
    let err = fails(&["scan", &b, "-q", "-f", "jsonl"], None);
    assert!(err.contains("use --format json"), "{err}");
    // The output extension picks the format; a contradiction is refused.
    let html = dir.path().join("report.html");
    ok(&["scan", &b, "-q", "-o", html.to_str().expect("utf-8")]);
    let page = std::fs::read_to_string(&html).expect("report written");
    assert!(page.starts_with("<!DOCTYPE html>"));
    let json = dir.path().join("report.json");
    let err = fails(
        &[
            "scan",
            &b,
            "-q",
            "-f",
            "md",
            "-o",
            json.to_str().expect("utf-8"),
        ],
        None,
    );
    assert!(err.contains("does not match the output file"), "{err}");
    assert!(!json.exists(), "a refused run leaves no file");
    // Global flags go before the subcommand too.
    let before = ok(&["--color", "never", "--quiet", "scan", &b]);
    assert_eq!(before, ok(&["scan", &b, "--color", "never", "-q"]));
    // The benchmark helper is not a user command, but still works for benches/compare.sh.
    let help = ok(&["--help"]);
    assert!(!help.contains("needles"), "{help}");
    assert!(!ok(&["needles"]).is_empty());
    // `signatures validate` speaks the author's language, not serde's.
    let sigs = dir.path().join("sigs");
    std::fs::create_dir(&sigs).expect("mkdir");
    std::fs::write(
        sigs.join("bad.toml"),
        "version = 1\nid = \"bad\"\ntitle = \"t\"\nseverity = \"high\"\n[[match]]\nevent = 5\n",
    )
    .expect("write");
    let out = podmortem(
        &["signatures", "validate", sigs.to_str().expect("utf-8")],
        None,
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!said.contains("untagged enum"), "{said}");
    assert!(said.contains("an event kind name"), "{said}");
    // `man DIR` writes a page per subcommand with options, exit status and examples.
    let man = dir.path().join("man");
    std::fs::create_dir(&man).expect("mkdir");
    ok(&["man", man.to_str().expect("utf-8")]);
    let scan_page = std::fs::read_to_string(man.join("podmortem-scan.1")).expect("scan page");
    assert!(scan_page.contains("\\-\\-since"), "options listed");
    assert!(scan_page.contains("Exit status"), "exit status listed");
    assert!(scan_page.contains("Examples"), "examples listed");
    for sub in ["sources", "events", "correlate", "signatures"] {
        assert!(man.join(format!("podmortem-{sub}.1")).is_file(), "{sub}");
    }
    assert!(!man.join("podmortem-needles.1").exists());
}

#[test]
fn issue_15_10_stdin_without_a_year_says_once_how_to_place_the_lines() {
    let kern = std::fs::read_to_string(bundle().join("node-1/var/log/kern.log")).expect("read");
    let out = podmortem(&["scan", "-", "-f", "json"], Some(kern.as_bytes()));
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("--year YEAR").count(), 1, "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let hint = v["meta"]["time_assumptions"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(Value::as_str)
        .any(|t| t.contains("<stdin> had no wall time") && t.contains("--year YEAR"));
    assert!(hint, "{}", v["meta"]);
    // With --year the lines are placed and the hint is gone.
    let out = podmortem(
        &["scan", "-", "-q", "--year", "2018", "-f", "json"],
        Some(kern.as_bytes()),
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(!v["meta"].to_string().contains("had no wall time"));
    assert!(v["incidents"][0]["start"].is_string());
}

#[test]
fn issue_15_3_correlate_header_names_the_nodes_of_its_events() {
    let b = bundle_str();
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, ok(&["events", &b, "-q", "-f", "jsonl"])).expect("write events");
    let text = ok(&["correlate", events.to_str().expect("utf-8"), "-q"]);
    let nodes = nodes_line(&text);
    // The streams' node records give the nodes their aliases, as in a scan.
    // Nodes in the order people count them (node-10 last), with their aliases.
    assert!(
        nodes.starts_with("nodes        10: node-1, node-2, node-3"),
        "{nodes}"
    );
    assert!(text.contains("node-10 (also ip-10-0-1-20)"), "{text}");
    assert!(text.contains("incidents    7 ("));
    assert!(!text.contains("from 0 sources"), "{text}");
    // The streams' source records rebuild the inventory (issue 16).
    assert!(text.contains(" from 52 sources;"), "{text}");
    // correlate placed no times itself: it does not claim the scan's time rules.
    assert!(text.contains("time         event times as placed by the `podmortem events` run"));
    assert!(!text.contains("year-less lines take their year"));
}
