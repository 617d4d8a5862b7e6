//! Signature loading, validation and correlation behaviour, on events built the way
//! the events layer emits them (kinds and field names from `src/events`).

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use podmortem::correlate::{Correlation, correlate};
use podmortem::envelope::Level;
use podmortem::envelope::time::TimeQuality;
use podmortem::error::Error;
use podmortem::events::{Event, Fields, Kind};
use podmortem::signatures::{
    self, SignatureSet, builtin, load_dir, overlay, raw_rules, validate_dir,
};
use serde_json::{Value, json};
use std::path::Path;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2018, 6, 8, 3, 0, 0).unwrap()
}

fn fields(value: Value) -> Fields {
    match value {
        Value::Object(map) => map.into_iter().collect(),
        _ => Fields::new(),
    }
}

/// An event `minutes` after 03:00 on `node`, from `<node>/var/log/syslog` line `line`.
fn ev(kind: &str, node: &str, minutes: i64, line: u64, f: Value, text: &str) -> Event {
    Event {
        kind: Kind::from_name(kind).unwrap(),
        time: Some(t0() + TimeDelta::minutes(minutes)),
        uptime_us: podmortem::events::Uptime::NONE,
        time_quality: TimeQuality::YearInferred,
        node: node.into(),
        source: format!("{node}/var/log/syslog").into(),
        line,
        end_line: line,
        level: None,
        fields: fields(f).into(),
        text: text.into(),
    }
}

fn timeless(mut e: Event, source: &str) -> Event {
    e.time = None;
    e.time_quality = TimeQuality::Missing;
    e.source = source.into();
    e
}

fn set() -> SignatureSet {
    builtin().unwrap_or_else(|e| panic!("{e}"))
}

fn of<'c>(c: &'c Correlation, sig: &str) -> Vec<&'c podmortem::correlate::Incident> {
    c.incidents.iter().filter(|i| i.signature == sig).collect()
}

const REQUIRED: &[&str] = &[
    "slub-kmem-cgroup-leak",
    "devicemapper-disk-exhaustion",
    "critical-pod-evicted",
    "nofile-exhaustion",
    "hostname-change-calico",
    "oom-kill-storm",
    "memcg-oom-workload",
    "conntrack-table-full",
    "disk-pressure-evictions",
    "pleg-unhealthy",
    "hung-tasks",
    "soft-lockup",
    "image-gc-failure",
    "unexpected-reboot",
    "memory-pressure-evictions",
    // issue 12: kernel and network
    "kernel-panic",
    "rcu-stall",
    "unregister-netdevice-hang",
    "overlay-storage-error",
    "nic-driver-reset",
    "fs-readonly",
    "xfs-shutdown",
    "disk-io-errors",
    "arp-neighbour-overflow",
    // issue 12: runtime, kubelet, identity
    "container-runtime-hang",
    "sandbox-name-reserved",
    "containerd-task-oom",
    "node-notready-apiserver-unreachable",
    "node-identity-mismatch",
    "kubelet-cert-expiry",
    "cni-not-ready",
    "cni-ip-exhaustion",
    "kube-proxy-xtables-lock",
    "inotify-exhaustion",
    "pid-exhaustion",
    "clock-skew",
    "probe-failures",
];

#[test]
fn every_shipped_signature_loads_with_positive_and_negative_examples() {
    let set = set();
    for id in REQUIRED {
        let sig = set.get(id).unwrap_or_else(|| panic!("missing {id}"));
        assert!(
            sig.examples.iter().any(|e| e.incidents > 0),
            "{id}: no positive example"
        );
        assert!(
            sig.examples.iter().any(|e| e.incidents == 0),
            "{id}: no negative example"
        );
        assert!(!sig.remediation.is_empty(), "{id}: no remediation");
    }
    assert_eq!(set.len(), REQUIRED.len());
    // The shipped directory validates clean through the user-facing path too.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
    assert_eq!(validate_dir(&dir), vec![]);
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const GOOD: &str = r#"version = 1
id = "ok-sig"
title = "fine"
severity = "low"
summary = "{count} on {node}"
root_cause = "x"
abnormal = "y"
[[match]]
event = "kernel.oom_kill"
"#;

#[test]
fn broken_files_report_every_problem_with_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "kernel/ok-sig.toml", GOOD);
    write(
        d,
        "kernel/unknown-key.toml",
        "version = 1\nid = \"unknown-key\"\ntitle = \"t\"\nseverity = \"low\"\nsummary = \"s\"\nroot_cause = \"r\"\nabnormal = \"a\"\ncolour = \"red\"\n[[match]]\nevent = \"kernel.oom_kill\"\n",
    );
    write(
        d,
        "kernel/bad-kind.toml",
        "version = 1\nid = \"bad-kind\"\ntitle = \"t\"\nseverity = \"low\"\nsummary = \"s\"\nroot_cause = \"r\"\nabnormal = \"a\"\n[[match]]\nevent = \"kernel.oom_killed\"\n",
    );
    write(
        d,
        "kernel/bad-regex.toml",
        "version = 1\nid = \"bad-regex\"\ntitle = \"t\"\nseverity = \"low\"\nsummary = \"s\"\nroot_cause = \"r\"\nabnormal = \"a\"\n[[match]]\nevent = \"kernel.oom_kill\"\nwhere = { process = { regex = \"(java\" } }\n",
    );
    write(
        d,
        "kernel/negative-window.toml",
        "version = 1\nid = \"negative-window\"\ntitle = \"t\"\nseverity = \"low\"\nsummary = \"s\"\nroot_cause = \"r\"\nabnormal = \"a\"\n[[match]]\nevent = \"kernel.oom_kill\"\ncount = 5\nwithin = \"-10m\"\n",
    );
    write(
        d,
        "other/ok-sig.toml",
        &GOOD.replace("title = \"fine\"", "title = \"again\""),
    );
    write(
        d,
        "kernel/bad-field.toml",
        "version = 1\nid = \"bad-field\"\ntitle = \"t\"\nseverity = \"low\"\nsummary = \"{proces}\"\nroot_cause = \"r\"\nabnormal = \"a\"\n[[match]]\nevent = \"kernel.oom_kill\"\nwhere = { scopes = \"global\" }\n",
    );
    write(
        d,
        "kernel/custom-undefined.toml",
        "version = 1\nid = \"custom-undefined\"\ntitle = \"t\"\nseverity = \"low\"\nsummary = \"s\"\nroot_cause = \"r\"\nabnormal = \"a\"\n[[match]]\nevent = \"custom.nobody_defines_me\"\n",
    );

    // Issue #11: a signature must say what makes occurrences abnormal.
    write(
        d,
        "kernel/no-abnormal.toml",
        &GOOD
            .replace("id = \"ok-sig\"", "id = \"no-abnormal\"")
            .replace("abnormal = \"y\"\n", ""),
    );
    // An unknown start-up component is named with the known ones.
    write(
        d,
        "kernel/bad-startup.toml",
        &format!(
            "{}[startup]\ncomponent = \"kubelett\"\ngrace = \"5m\"\n",
            GOOD.replace("id = \"ok-sig\"", "id = \"bad-startup\"")
        ),
    );

    let p = |rel: &str| d.join(rel).display().to_string();
    let got: Vec<String> = validate_dir(d).iter().map(|x| x.to_string()).collect();
    let expect = [
        format!(
            "{}:8:1: unknown field `colour`",
            p("kernel/unknown-key.toml")
        ),
        format!(
            "{}:9:9: unknown event kind `kernel.oom_killed` (did you mean `kernel.oom_kill`?)",
            p("kernel/bad-kind.toml")
        ),
        format!("{}:10:21: bad regex `(java`", p("kernel/bad-regex.toml")),
        format!(
            "{}:11:10: window `-10m` is negative",
            p("kernel/negative-window.toml")
        ),
        format!(
            "{}:2:6: duplicate id `ok-sig` (also defined in {})",
            p("other/ok-sig.toml"),
            p("kernel/ok-sig.toml")
        ),
        format!(
            "{}:10:11: unknown field `scopes` for kernel.oom_kill",
            p("kernel/bad-field.toml")
        ),
        format!(
            "{}:5:11: unknown field `proces` for kernel.oom_kill",
            p("kernel/bad-field.toml")
        ),
        format!(
            "{}:9:9: event kind `custom.nobody_defines_me` is not defined by any [[raw]] rule",
            p("kernel/custom-undefined.toml")
        ),
        format!(
            "{}:2:6: missing `abnormal = \"\"\"...\"\"\"`",
            p("kernel/no-abnormal.toml")
        ),
        format!(
            "{}:11:13: unknown start-up component `kubelett` (known: kubelet, containerd, dockerd, crio, calico-node, node)",
            p("kernel/bad-startup.toml")
        ),
    ];
    for e in &expect {
        assert!(
            got.iter().any(|g| g.starts_with(e.as_str())),
            "missing {e:?} in\n{}",
            got.join("\n")
        );
    }
    assert_eq!(got.len(), expect.len(), "{}", got.join("\n"));
    // Loading the same directory fails as a whole, with the same diagnostics.
    match load_dir(d) {
        Err(Error::Signatures(lines)) => assert_eq!(lines, got),
        other => panic!("expected Error::Signatures, got {other:?}"),
    }
}

#[test]
fn user_directory_overlays_builtin_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns/kernel/soft-lockup.toml"),
    )
    .unwrap()
    .replace("severity = \"high\"", "severity = \"critical\"");
    write(dir.path(), "kernel/soft-lockup.toml", &text);
    write(dir.path(), "kernel/ok-sig.toml", GOOD);
    let user = load_dir(dir.path()).unwrap();
    let merged = overlay(set(), user);
    assert_eq!(merged.len(), REQUIRED.len() + 1);
    assert_eq!(
        merged.get("soft-lockup").unwrap().severity,
        signatures::Severity::Critical
    );
    assert!(merged.get("oom-kill-storm").is_some());
}

fn oom(node: &str, minute: i64, line: u64) -> Event {
    ev(
        "kernel.oom_kill",
        node,
        minute,
        line,
        json!({"pid": 23145 + line, "process": "java", "score": 873, "scope": "global"}),
        "Out of memory: Kill process 23145 (java) score 873 or sacrifice child",
    )
}

#[test]
fn count_within_window() {
    let set = set();
    let storm: Vec<Event> = (0..5)
        .map(|i| oom("node-1", i * 2, 10 + i as u64))
        .collect();
    let c = correlate(&storm, &set);
    let found = of(&c, "oom-kill-storm");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].summary,
        "5 global OOM kills on node-1, first victim java (pid 23155)"
    );
    // Five kills 12 minutes apart never put five in one 10-minute window.
    let spread: Vec<Event> = (0..5)
        .map(|i| oom("node-1", i * 12, 10 + i as u64))
        .collect();
    assert!(of(&correlate(&spread, &set), "oom-kill-storm").is_empty());
    // ... and memcg kills do not count toward a global storm.
    let memcg: Vec<Event> = (0..5)
        .map(|i| {
            let mut e = oom("node-1", i, 10 + i as u64);
            let mut fields = e.fields.unpack();
            fields.insert("scope", json!("memcg"));
            e.fields = fields.into();
            e
        })
        .collect();
    assert!(of(&correlate(&memcg, &set), "oom-kill-storm").is_empty());
}

#[test]
fn group_by_counts_per_workload() {
    let set = set();
    let kill = |minute, line, process: &str| {
        ev(
            "kernel.oom_kill",
            "node-2",
            minute,
            line,
            json!({"pid": line, "process": process, "scope": "memcg"}),
            "Memory cgroup out of memory",
        )
    };
    let mixed = vec![kill(0, 1, "java"), kill(5, 2, "ruby"), kill(10, 3, "node")];
    assert!(of(&correlate(&mixed, &set), "memcg-oom-workload").is_empty());
    let same = vec![
        kill(0, 1, "java"),
        kill(5, 2, "ruby"),
        kill(10, 3, "java"),
        kill(15, 4, "java"),
    ];
    let c = correlate(&same, &set);
    let found = of(&c, "memcg-oom-workload");
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .summary
            .starts_with("3 memory-cgroup OOM kills of java on node-2"),
        "{}",
        found[0].summary
    );
}

fn slub(node: &str, minute: i64, line: u64, memcg: Option<&str>) -> Event {
    let mut f = json!({"node": -1, "gfp": "0x8020", "cache": "kmalloc-192", "object_size": 192});
    if let Some(m) = memcg {
        f["memcg"] = json!(m);
        f["memcg_id"] = json!(33);
    }
    ev(
        "kernel.slub_alloc_failure",
        node,
        minute,
        line,
        f,
        "SLUB: Unable to allocate memory on node -1 (gfp=0x8020)",
    )
}

fn banner(node: &str, minute: i64, line: u64, release: &str) -> Event {
    ev(
        "kernel.version",
        node,
        minute,
        line,
        json!({"release": release}),
        &format!("Linux version {release} (buildd@lcy01-amd64-017)"),
    )
}

#[test]
fn context_raise_and_lower_confidence_with_reasons() {
    let set = set();
    let old = vec![
        banner("node-1", -90, 1, "3.13.0-139-generic"),
        slub("node-1", 0, 50, Some("0e4b3c9d1f2a")),
    ];
    let c = correlate(&old, &set);
    let inc = of(&c, "slub-kmem-cgroup-leak");
    assert_eq!(inc.len(), 1);
    assert_eq!(inc[0].confidence.level, "high");
    assert_eq!(
        inc[0].confidence.reasons,
        vec!["kernel 3.13.0-139-generic predates stable kmem cgroup accounting".to_string()]
    );
    // The banner is cited as evidence but does not stretch the incident's span.
    assert!(
        inc[0]
            .evidence
            .iter()
            .any(|e| e.kind == "kernel.version" && e.line == 1)
    );
    assert_eq!(inc[0].start, Some(t0()));

    let fixed = vec![
        banner("node-1", -90, 1, "4.9.0-6-amd64"),
        slub("node-1", 0, 50, Some("0e4b3c9d1f2a")),
    ];
    assert_eq!(
        of(&correlate(&fixed, &set), "slub-kmem-cgroup-leak")[0]
            .confidence
            .level,
        "low"
    );
    let unknown = vec![slub("node-1", 0, 50, Some("0e4b3c9d1f2a"))];
    assert_eq!(
        of(&correlate(&unknown, &set), "slub-kmem-cgroup-leak")[0]
            .confidence
            .level,
        "medium"
    );
    // A SLUB failure outside any memory cgroup is not this signature.
    assert!(
        of(
            &correlate(&[slub("node-1", 0, 50, None)], &set),
            "slub-kmem-cgroup-leak"
        )
        .is_empty()
    );
}

fn dm_low(node: &str, minute: i64, line: u64) -> Event {
    ev(
        "storage.thinpool_full",
        node,
        minute,
        line,
        json!({"free_blocks": 1562, "min_blocks": 1638}),
        "devmapper: Thin Pool has 1562 free data blocks",
    )
}

fn usage(node: &str, minute: i64, line: u64, mount: &str, pct: u64) -> Event {
    ev(
        "fs.usage",
        node,
        minute,
        line,
        json!({"mount": mount, "used_percent": pct}),
        &format!("/dev/xvda1 30G 25G 4.6G {pct}% {mount}"),
    )
}

fn driver(node: &str, minute: i64, line: u64, name: &str) -> Event {
    ev(
        "docker.storage_driver",
        node,
        minute,
        line,
        json!({"driver": name}),
        &format!("[graphdriver] using prior storage driver \"{name}\""),
    )
}

#[test]
fn context_require_drops_matches_without_the_fact() {
    let set = set();
    let overlay2 = vec![
        driver("node-2", -600, 1, "overlay2"),
        usage("node-2", 0, 5, "/var/lib/docker", 91),
    ];
    assert!(of(&correlate(&overlay2, &set), "devicemapper-disk-exhaustion").is_empty());
    let dm = vec![
        driver("node-2", -600, 1, "devicemapper"),
        usage("node-2", 0, 5, "/var/lib/docker", 91),
        usage("node-2", 0, 6, "/boot", 95),
    ];
    let c = correlate(&dm, &set);
    let inc = of(&c, "devicemapper-disk-exhaustion");
    assert_eq!(inc.len(), 1);
    assert_eq!(
        inc[0].confidence.reasons,
        vec!["Docker on node-2 uses the devicemapper storage driver".to_string()]
    );
    // /boot at 95% is not a docker/kubelet/root mount: not cited.
    assert!(inc[0].evidence.iter().all(|e| e.line != 6));
    // A thin-pool message is itself proof of devicemapper.
    assert_eq!(
        of(
            &correlate(&[dm_low("node-2", 0, 3)], &set),
            "devicemapper-disk-exhaustion"
        )
        .len(),
        1
    );
}

fn ranked(node: &str, minute: i64, line: u64, first: (&str, &str, &str)) -> Event {
    ev(
        "kubelet.eviction_ranked",
        node,
        minute,
        line,
        json!({"pods": [
            {"name": first.0, "namespace": first.1, "uid": first.2},
            {"name": "web-7d9c6b5f4-x2x7q", "namespace": "default", "uid": "5f8ffd48-e9fe-4273-9937-1e4e6788e437"}
        ]}),
        "eviction manager: pods ranked for eviction: ...",
    )
}

fn evicted(node: &str, minute: i64, line: u64, pod: &str, ns: &str, uid: &str) -> Event {
    ev(
        "kubelet.pod_evicted",
        node,
        minute,
        line,
        json!({"pod": pod, "namespace": ns, "uid": uid}),
        &format!("eviction manager: pods {pod}_{ns}({uid}) evicted"),
    )
}

const PROXY: (&str, &str, &str) = (
    "kube-proxy-10.0.0.13",
    "kube-system",
    "dc6bd3a06883f50ce46d35fd024f66f2",
);

#[test]
fn caused_by_links_disk_exhaustion_to_the_kube_proxy_eviction() {
    let set = set();
    let day = 24 * 60;
    let events = vec![
        driver("node-3", -3 * day, 1, "devicemapper"),
        dm_low("node-3", -2 * day, 40),
        ev(
            "kubelet.flag",
            "node-3",
            -3 * day,
            2,
            json!({"name": "eviction-hard", "value": "memory.available<5%,nodefs.available<25%,imagefs.available<25%"}),
            "FLAG: --eviction-hard=...",
        ),
        ev(
            "kubelet.eviction_must_evict",
            "node-3",
            0,
            100,
            json!({"resource": "imagefs"}),
            "eviction manager: must evict pod(s) to reclaim imagefs",
        ),
        ranked("node-3", 0, 101, PROXY),
        ev(
            "kubelet.container_killed",
            "node-3",
            0,
            102,
            json!({"container_id": "docker://4f5c", "grace_period": 30}),
            "Killing container \"docker://4f5c\" with 30 second grace period",
        ),
        evicted("node-3", 1, 103, PROXY.0, PROXY.1, PROXY.2),
    ];
    let c = correlate(&events, &set);
    let disk = of(&c, "devicemapper-disk-exhaustion");
    let evict = of(&c, "critical-pod-evicted");
    assert_eq!((disk.len(), evict.len()), (1, 1), "{:#?}", c.incidents);
    assert_eq!(disk[0].id, "INC-001");
    assert_eq!(evict[0].id, "INC-002");
    assert_eq!(evict[0].caused_by.as_deref(), Some("INC-001"));
    assert_eq!(evict[0].confidence.level, "high");
    assert_eq!(
        evict[0].confidence.reasons.len(),
        3,
        "{:?}",
        evict[0].confidence.reasons
    );
    let kinds: Vec<&str> = evict[0].evidence.iter().map(|e| e.kind.as_str()).collect();
    for k in [
        "kubelet.eviction_must_evict",
        "kubelet.eviction_ranked",
        "kubelet.container_killed",
        "kubelet.pod_evicted",
        "kubelet.flag",
    ] {
        assert!(kinds.contains(&k), "{k} not cited: {kinds:?}");
    }
    // More than 7 days apart: no causal link.
    let mut late = events.clone();
    for e in late.iter_mut().skip(3) {
        e.time = e.time.map(|t| t + TimeDelta::days(8));
    }
    let c = correlate(&late, &set);
    assert_eq!(of(&c, "critical-pod-evicted")[0].caused_by, None);
}

#[test]
fn application_pod_first_in_ranking_is_not_critical_but_mass_eviction_is_disk_pressure() {
    let set = set();
    let web = (
        "web-7d9c6b5f4-x2x7q",
        "default",
        "5f8ffd48-e9fe-4273-9937-1e4e6788e437",
    );
    let events = vec![
        ev(
            "kubelet.eviction_must_evict",
            "node-4",
            0,
            1,
            json!({"resource": "nodefs"}),
            "must evict pod(s) to reclaim nodefs",
        ),
        ranked("node-4", 0, 2, web),
        evicted("node-4", 0, 3, web.0, web.1, web.2),
        evicted(
            "node-4",
            1,
            4,
            "worker-1",
            "default",
            "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
        ),
    ];
    let c = correlate(&events, &set);
    assert!(of(&c, "critical-pod-evicted").is_empty());
    let disk = of(&c, "disk-pressure-evictions");
    assert_eq!(disk.len(), 1);
    assert_eq!(
        disk[0].summary,
        "The kubelet on node-4 evicted pods to reclaim nodefs"
    );
    // With kube-proxy evicted in the same round, the critical incident absorbs it.
    let mut with_proxy = events.clone();
    with_proxy.push(evicted("node-4", 1, 5, PROXY.0, PROXY.1, PROXY.2));
    let c = correlate(&with_proxy, &set);
    assert!(of(&c, "disk-pressure-evictions").is_empty());
    let crit = of(&c, "critical-pod-evicted");
    assert_eq!(crit.len(), 1);
    let cited: u64 = crit[0]
        .evidence
        .iter()
        .filter(|e| e.kind == "kubelet.pod_evicted")
        .map(|e| e.count)
        .sum();
    assert_eq!(cited, 3);
    assert!(c.unclassified.is_empty(), "{:#?}", c.unclassified);
}

fn renamed(node: &str, minute: i64, line: u64) -> Event {
    ev(
        "host.hostname_changed",
        node,
        minute,
        line,
        json!({"old": "amz-iad12-opsrespool-xxx-01", "new": format!("ip-10-0-1-2{line}.ec2.internal")}),
        "Changed host name to 'ip-10-0-1-21.ec2.internal'",
    )
}

fn conflict(node: &str, minute: i64, line: u64) -> Event {
    ev(
        "calico.node_conflict",
        node,
        minute,
        line,
        json!({"name": "amz-iad12-opsrespool-xxx-01", "ip": "10.0.1.21"}),
        "Calico node 'amz-iad12-opsrespool-xxx-01' is already using the IPv4 address 10.0.1.21.",
    )
}

#[test]
fn ordering_later_step_must_follow_within_its_window() {
    let set = set();
    let ok = vec![renamed("node-a", 0, 1), conflict("node-a", 30, 2)];
    assert_eq!(of(&correlate(&ok, &set), "hostname-change-calico").len(), 1);
    // The conflict happened before the rename: not caused by it.
    let before = vec![conflict("node-a", 0, 1), renamed("node-a", 30, 2)];
    assert!(of(&correlate(&before, &set), "hostname-change-calico").is_empty());
    // Three days later is outside the 2d window.
    let late = vec![renamed("node-a", 0, 1), conflict("node-a", 3 * 24 * 60, 2)];
    assert!(of(&correlate(&late, &set), "hostname-change-calico").is_empty());
    // On another node: steps must share the node.
    let other = vec![renamed("node-a", 0, 1), conflict("node-b", 30, 2)];
    assert!(of(&correlate(&other, &set), "hostname-change-calico").is_empty());
}

fn tmof(node: &str, minute: i64, line: u64) -> Event {
    ev(
        "net.too_many_open_files",
        node,
        minute,
        line,
        json!({"component": "kubelet", "operation": "accept4", "errno": "EMFILE"}),
        "http: Accept error: accept tcp [::]:10250: accept4: too many open files; retrying in 5ms",
    )
}

fn bgp(node: &str, state: &str, info: &str) -> Event {
    timeless(
        ev(
            "calico.bgp_peer_state",
            node,
            0,
            9,
            json!({"peer": "10.0.0.12", "peer_type": "node-to-node mesh", "state": state, "since": "11:02:19", "info": info}),
            &format!("| 10.0.0.12    | node-to-node mesh | {state} | 11:02:19 | {info} |"),
        ),
        &format!("{node}/calicoctl-node-status.txt"),
    )
}

#[test]
fn cluster_scope_merges_three_nodes_into_one_incident() {
    let set = set();
    let mut events = Vec::new();
    for (i, node) in ["node-1", "node-2", "node-4"].iter().enumerate() {
        events.push(tmof(node, 5 * i as i64, 1));
        events.push(tmof(node, 5 * i as i64 + 1, 2));
        events.push(bgp(
            node,
            "start",
            "Active Socket: Connection reset by peer",
        ));
    }
    events.push(bgp("node-3", "up", "Established"));
    // A node with errors but healthy BGP does not join.
    events.push(tmof("node-5", 3, 1));
    events.push(bgp("node-5", "up", "Established"));
    let c = correlate(&events, &set);
    let inc = of(&c, "nofile-exhaustion");
    assert_eq!(inc.len(), 1, "{:#?}", c.incidents);
    assert_eq!(inc[0].nodes, vec!["node-1", "node-2", "node-4"]);
    assert_eq!(
        inc[0].summary,
        "3 node(s) (node-1, node-2, node-4) ran out of file descriptors (failing call: accept4)"
    );
    assert_eq!(inc[0].confidence.level, "high");
    // Time-less status rows come last in the evidence.
    assert_eq!(inc[0].evidence.last().unwrap().time, None);
    // Node-5's descriptor errors stay unexplained.
    assert_eq!(c.unclassified.len(), 1);
    assert_eq!(
        (
            c.unclassified[0].nodes.join(",").as_str(),
            c.unclassified[0].kind.as_str()
        ),
        ("node-5", "net.too_many_open_files")
    );
    // Matches two hours apart are separate incidents.
    let mut apart = events.clone();
    for e in apart
        .iter_mut()
        .filter(|e| e.node == "node-4" && e.time.is_some())
    {
        e.time = e.time.map(|t| t + TimeDelta::hours(2));
    }
    assert_eq!(of(&correlate(&apart, &set), "nofile-exhaustion").len(), 2);
}

#[test]
fn ten_thousand_repeats_become_one_evidence_row() {
    let set = set();
    let mut events: Vec<Event> = (0..10_000u64)
        .map(|i| {
            let mut e = ev(
                "kernel.conntrack_full",
                "node-1",
                0,
                i + 1,
                json!({}),
                "nf_conntrack: nf_conntrack: table full, dropping packet",
            );
            e.time = Some(t0() + TimeDelta::seconds(i as i64 / 10));
            e
        })
        .collect();
    // The same message in a second file is a second row: every source stays cited.
    let mut other = ev(
        "kernel.conntrack_full",
        "node-1",
        1,
        7,
        json!({}),
        "nf_conntrack: table full, dropping packet",
    );
    other.source = "node-1/var/log/kern.log".into();
    events.push(other);
    let c = correlate(&events, &set);
    let inc = of(&c, "conntrack-table-full");
    assert_eq!(inc.len(), 1);
    assert_eq!(inc[0].evidence.len(), 2);
    let row = &inc[0].evidence[0];
    assert_eq!(
        (row.count, row.line, row.source.as_str()),
        (10_000, 1, "node-1/var/log/syslog")
    );
    assert_eq!(row.last, Some(t0() + TimeDelta::seconds(999)));
    assert_eq!(inc[0].evidence[1].source, "node-1/var/log/kern.log");
    assert_eq!(
        inc[0].summary,
        "The conntrack table on node-1 was full and the kernel dropped packets (10001 warnings, rate-limited)"
    );
}

/// Issue #11: uncited error-level events are grouped by kind and message template
/// across nodes and time, ranked fatal first, then by count.
#[test]
fn unclassified_groups_uncited_errors_by_template_across_nodes() {
    let set = set();
    let mut err = ev(
        "kubelet.flag",
        "node-9",
        0,
        1,
        json!({"name": "x", "value": "y"}),
        "E0608 something failed",
    );
    err.level = Some(Level::Error);
    let mut info = err.clone();
    info.level = Some(Level::Info);
    info.line = 2;
    let pf = |node, minute, line, order| {
        ev(
            "kernel.page_alloc_failure",
            node,
            minute,
            line,
            json!({"process": "java", "order": order, "mode": "0x2080020(GFP_ATOMIC)"}),
            &format!("java: page allocation failure: order:{order}, mode:0x2080020(GFP_ATOMIC)"),
        )
    };
    let mut bug = ev(
        "log.error",
        "node-8",
        300,
        9,
        json!({"template": "BUG: unable to handle kernel NULL pointer dereference at <*>", "component": "kernel"}),
        "kernel: BUG: unable to handle kernel NULL pointer dereference at 0000000000000008",
    );
    bug.level = Some(Level::Fatal);
    let events = vec![
        err,
        info,
        pf("node-9", 1, 3, 2),
        pf("node-9", 20, 4, 3),
        pf("node-8", 120, 5, 2),
        pf("node-9", 121, 6, 0),
        bug,
    ];
    let c = correlate(&events, &set);
    assert!(c.incidents.is_empty());
    let groups: Vec<(&str, u64, String)> = c
        .unclassified
        .iter()
        .map(|u| (u.kind.as_str(), u.count, u.nodes.join(",")))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("log.error", 1, "node-8".to_string()),
            ("kernel.page_alloc_failure", 4, "node-8,node-9".to_string()),
            ("kubelet.flag", 1, "node-9".to_string()),
        ]
    );
    let pages = &c.unclassified[1];
    assert_eq!(pages.template, "java: page allocation failure: <*>, <*>)");
    assert_eq!(
        (pages.start, pages.end),
        (
            Some(t0() + TimeDelta::minutes(1)),
            Some(t0() + TimeDelta::minutes(121))
        )
    );
    // One evidence row per node and source, repeats summarised.
    assert_eq!(pages.evidence.len(), 2);
    assert_eq!(pages.evidence.iter().map(|e| e.count).sum::<u64>(), 4);
    assert_eq!(c.unclassified[0].level, Level::Fatal);
}

#[test]
fn output_does_not_depend_on_input_order() {
    let set = set();
    let mut events = vec![
        renamed("node-a", 0, 1),
        conflict("node-a", 10, 2),
        renamed("node-b", 0, 1),
        conflict("node-b", 10, 2),
        tmof("node-1", 0, 1),
        bgp("node-1", "start", "Active Socket: Connection reset by peer"),
    ];
    // Equal times on several nodes and sources.
    for i in 0..6 {
        events.push(oom(&format!("node-{}", i % 3), 0, 100 + i));
    }
    events.push(oom("node-0", 1, 200));
    events.push(oom("node-0", 2, 201));
    events.push(oom("node-0", 3, 202));
    let expected = correlate(&events, &set);
    assert!(!expected.incidents.is_empty());
    let mut shuffled = events.clone();
    for round in 0..5 {
        shuffled.reverse();
        shuffled.rotate_left(round + 1);
        let got = correlate(&shuffled, &set);
        assert_eq!(got, expected);
    }
}

#[test]
fn raw_rules_expose_literals_for_the_prefilter() {
    let set = set();
    let rules = raw_rules(&set);
    let shutdown = rules
        .iter()
        .find(|r| r.kind.name() == "custom.orderly_shutdown")
        .unwrap();
    assert!(!shutdown.needs_full_pass());
    assert!(
        shutdown
            .literals
            .iter()
            .any(|l| l == "exiting on signal 15."),
        "{:?}",
        shutdown.literals
    );
    // The scanner's own reading of the rule: a whole-number capture is a number, as
    // `events --format jsonl` prints it (issue #14: a second copy of this code kept
    // every capture a string).
    let fields = shutdown
        .fields(b"[origin software=\"rsyslogd\" swVersion=\"8.24.0\" x-pid=\"612\" x-info=\"http://www.rsyslog.com\"] exiting on signal 15.")
        .unwrap();
    assert_eq!(fields["signal"], json!(15));
}

#[test]
fn reboot_after_orderly_shutdown_is_not_unexpected() {
    let set = set();
    let boot = ev(
        "node.reboot",
        "node-4",
        0,
        10,
        json!({"silence_s": 120}),
        "Linux version 4.9.0-6-amd64",
    );
    assert_eq!(
        of(
            &correlate(std::slice::from_ref(&boot), &set),
            "unexpected-reboot"
        )
        .len(),
        1
    );
    let shutdown = ev(
        "custom.orderly_shutdown",
        "node-4",
        -2,
        9,
        json!({"signal": 15}),
        "exiting on signal 15.",
    );
    assert!(
        of(
            &correlate(&[shutdown.clone(), boot.clone()], &set),
            "unexpected-reboot"
        )
        .is_empty()
    );
    // A shutdown a day earlier does not explain this boot.
    let mut old = shutdown;
    old.time = old.time.map(|t| t - TimeDelta::days(1));
    assert_eq!(
        of(&correlate(&[old, boot], &set), "unexpected-reboot").len(),
        1
    );
}

/// A stand-in for the scanner: lines `RFC3339 <node> <app>: <message>` through the
/// set's raw rules only.
fn toy_extract(set: &SignatureSet) -> impl Fn(&[(String, String)]) -> Vec<Event> + '_ {
    move |inputs| {
        let rules = raw_rules(set);
        let mut out = Vec::new();
        for (path, text) in inputs {
            for (n, line) in text.lines().enumerate() {
                let mut parts = line.splitn(3, ' ');
                let (Some(ts), Some(node), Some(rest)) = (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                let Ok(time) = DateTime::parse_from_rfc3339(ts) else {
                    continue;
                };
                let Some((app, msg)) = rest.split_once(": ") else {
                    continue;
                };
                for rule in rules.iter().filter(|r| r.applies_to(Some(app))) {
                    if let Some(fields) = rule.fields(msg.as_bytes()) {
                        out.push(Event {
                            kind: rule.kind,
                            time: Some(time.with_timezone(&Utc)),
                            uptime_us: podmortem::events::Uptime::NONE,
                            time_quality: TimeQuality::Exact,
                            node: node.into(),
                            source: path.as_str().into(),
                            line: n as u64 + 1,
                            end_line: n as u64 + 1,
                            level: rule.level,
                            fields: fields.into(),
                            text: line.into(),
                        });
                    }
                }
            }
        }
        out
    }
}

#[test]
fn examples_run_against_the_whole_set() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/backend-timeouts.toml",
        r#"version = 1
id = "backend-timeouts"
title = "Backend timeouts"
severity = "low"
summary = "{count} timeouts from {backend} on {node}"
root_cause = "The backend is slow."
abnormal = "Two timeouts within five minutes; one is a blip."
remediation = ["Look at the backend."]

[[raw]]
kind = "custom.backend_timeout"
regex = 'upstream timed out \(110: Connection timed out\) while reading from (?P<backend>\S+)'
app = "nginx"
level = "error"

[[match]]
event = "custom.backend_timeout"
where = { backend = { regex = '^10\.' } }
count = 2
within = "5m"

[[example]]
name = "two timeouts"
expect = { incidents = 1, nodes = ["node-1"] }
[[example.input]]
path = "node-1/var/log/nginx/error.log"
text = '''
2018-06-08T03:00:00Z node-1 nginx: upstream timed out (110: Connection timed out) while reading from 10.0.0.7
2018-06-08T03:01:00Z node-1 nginx: upstream timed out (110: Connection timed out) while reading from 10.0.0.7
'''

[[example]]
name = "wrongly expected"
expect = { incidents = 1, nodes = ["node-1"] }
[[example.input]]
path = "node-1/var/log/nginx/error.log"
text = '''
2018-06-08T03:00:00Z node-1 nginx: upstream timed out (110: Connection timed out) while reading from 10.0.0.7
'''
"#,
    );
    let set = load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let extract = toy_extract(&set);
    let results = podmortem::selftest::run_examples(&set, &extract);
    assert_eq!(results.len(), 2);
    assert!(results[0].passed, "{}", results[0]);
    assert_eq!(results[0].got_nodes, vec!["node-1"]);
    assert!(!results[1].passed);
    assert_eq!((results[1].got_incidents, results[1].events), (0, 1));
}

/// Every shipped signature's own examples, through the real scanner (issue #4:
/// `cargo test` runs `podmortem signatures test`).
#[test]
fn shipped_signature_examples_pass_through_the_real_scanner() {
    let set = podmortem::signatures::builtin().expect("shipped signatures load");
    let results = podmortem::selftest::run_examples_scanned(&set);
    assert!(
        results.len() >= 2 * set.len(),
        "every signature has a positive and a negative example"
    );
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "failing examples:\n{}",
        failed.join("\n")
    );
}

/// The signature checker's table of field names must cover every field the grammars
/// really emit (on the samples, the whole shared corpus and every signature example), or a
/// valid `where` would be rejected.
#[test]
fn field_table_covers_the_fields_grammars_emit() {
    let set = podmortem::signatures::builtin().expect("shipped signatures load");
    let mut files: Vec<(String, String)> = Vec::new();
    for sig in set.signatures() {
        for ex in &sig.examples {
            files.extend(ex.inputs.iter().cloned());
        }
    }
    let mut events =
        podmortem::resolve::extract_texts(&files, &podmortem::resolve::Config::default());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // The samples and every real excerpt of the shared corpus (required in CI, as the
    // corpus tests require it): real lines reach fields no sample shows.
    let corpus = root.join("../shared/corpus");
    assert!(
        corpus.join("k8s-node-real/expected.json").is_file(),
        "{} is missing: this test reads the shared corpus beside the checkout",
        corpus.display()
    );
    let bundle = podmortem::input::collect(
        &[
            root.join("samples/k8s-incidents/bundle"),
            corpus.join("k8s-node-real"),
            corpus.join("loghub"),
        ],
        &podmortem::input::InputConfig::default(),
    )
    .expect("samples and corpus readable");
    events.extend(podmortem::resolve::scan(&bundle, &podmortem::resolve::Config::default()).events);
    // The inputs reach nearly every kind, so the check below covers them; the kinds no
    // real input here shows are named, and each has unit tests on its grammar.
    let seen: std::collections::BTreeSet<&str> = events.iter().map(|e| e.kind.name()).collect();
    let unseen: Vec<&str> = podmortem::Kind::BUILTIN
        .iter()
        .map(|k| k.name())
        .filter(|k| !seen.contains(k))
        .collect();
    assert_eq!(
        unseen,
        ["net.nic_reset", "kubelet.cgroup_mkdir_enomem"],
        "kinds no input of this test produces: a new kind needs real lines here"
    );
    assert!(events.len() > 100);
    let mut missing = Vec::new();
    for e in &events {
        if let Some(known) = podmortem::events::known_fields(&e.kind) {
            for name in e.fields.keys() {
                if !known.contains(&name) {
                    missing.push(format!("{} {name}", e.kind));
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "fields emitted but unknown to signatures::fields: {missing:?}"
    );
}
