//! A realistic [`Timeline`] built in code for report tests: three nodes, the seed
//! incidents (kmem slab leak, devicemapper filling the disk → eviction of kube-proxy,
//! nofile exhaustion across three nodes), an unclassified hung-task group, a source
//! with an inferred year, an unanchored dmesg, a truncated archive and a problem.
//!
//! Include it with `#[path = "support/timeline_fixture.rs"] mod timeline_fixture;`.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use podmortem::correlate::{Confidence, Evidence, Incident, Unclassified};
use podmortem::envelope::time::TimeQuality;
use podmortem::error::Problem;
use podmortem::input::NodeFrom;
use podmortem::signatures::Severity;
use podmortem::timeline::{NodeSummary, SourceReport, Timeline};
use std::collections::BTreeMap;

/// Parse an RFC 3339 instant (test data; a typo should fail loudly).
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("bad fixture time {text:?}: {e}"))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// One evidence row.
#[allow(clippy::too_many_arguments)]
pub fn evidence(
    time: Option<&str>,
    quality: TimeQuality,
    node: &str,
    kind: &str,
    source: &str,
    line: u64,
    end_line: u64,
    text: &str,
    count: u64,
    last: Option<&str>,
) -> Evidence {
    Evidence {
        time: time.map(at),
        time_quality: quality,
        node: node.to_string(),
        kind: kind.to_string(),
        source: source.to_string(),
        line,
        end_line,
        text: text.to_string(),
        count,
        last: last.map(at),
    }
}

const W1: &str = "k8s-worker-01";
const W2: &str = "k8s-worker-02";
const W3: &str = "k8s-worker-03";
const KERN_LOG: &str = "bundle.tgz!/k8s-worker-01/var/log/kern.log";
const DMESG: &str = "bundle.tgz!/k8s-worker-01/dmesg.txt";
const SYSLOG_2: &str = "bundle.tgz!/k8s-worker-02/var/log/syslog";
const DOCKER_2: &str = "bundle.tgz!/k8s-worker-02/var/log/upstart/docker.log";
const SYSLOG_1: &str = "bundle.tgz!/k8s-worker-01/var/log/syslog";
const SYSLOG_3: &str = "bundle.tgz!/k8s-worker-03/var/log/syslog.2.gz";
const CALICO_3: &str = "bundle.tgz!/k8s-worker-03/calicoctl-node-status.txt";

fn slab_leak() -> Incident {
    let slub = "Jun  8 03:03:28 k8s-worker-01 kernel: [88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)\n\
Jun  8 03:03:28 k8s-worker-01 kernel: [88820.247541]   cache: kmalloc-192(33:4b1f0c2a9d3e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a), object size: 192, buffer size: 192, default order: 0, min order: 0\n\
Jun  8 03:03:28 k8s-worker-01 kernel: [88820.247545]   node 0: slabs: 202, objs: 4242, free: 0";
    Incident {
        id: "INC-001".into(),
        signature: "kernel.kmem-accounting-slab-leak".into(),
        title: "kmem cgroup accounting leaks slab memory on an old kernel".into(),
        severity: Severity::High,
        nodes: strings(&[W1]),
        start: Some(at("2018-06-08T02:41:07Z")),
        end: Some(at("2018-06-08T03:09:41Z")),
        summary: "37 SLUB allocation failures inside memory cgroup 33:4b1f0c2a9d3e on k8s-worker-01 (kernel 3.13.0-86-generic) while free memory was available.".into(),
        root_cause: "Docker >= 1.12 enables cgroup kernel-memory accounting; on kernels before 4.x that feature is unstable and leaks slab memory, so allocations fail inside a container's kmem limit.".into(),
        remediation: strings(&[
            "Upgrade the kernel to 4.9 or later.",
            "Until then, drain the node and reboot it when SLUB failures appear.",
        ]),
        references: strings(&["https://github.com/moby/moby/issues/27576"]),
        confidence: Confidence {
            level: "high".into(),
            reasons: strings(&["kernel 3.13.0-86-generic < 4.0", "cache name carries a memory cgroup"]),
        },
        caused_by: None,
        evidence: vec![
            evidence(
                Some("2018-06-08T02:41:07Z"),
                TimeQuality::YearInferred,
                W1,
                "kernel.version",
                KERN_LOG,
                1,
                1,
                "Jun  8 02:41:07 k8s-worker-01 kernel: [    0.000000] Linux version 3.13.0-86-generic (buildd@lgw01-51) (gcc version 4.8.2 (Ubuntu 4.8.2-19ubuntu1) ) #131-Ubuntu SMP Thu May 12 23:33:13 UTC 2016 (Ubuntu 3.13.0-86.131-generic 3.13.11-ckt39)",
                1,
                None,
            ),
            evidence(
                Some("2018-06-08T03:03:28Z"),
                TimeQuality::YearInferred,
                W1,
                "kernel.slub_alloc_failure",
                KERN_LOG,
                41207,
                41209,
                slub,
                37,
                Some("2018-06-08T03:09:41Z"),
            ),
            evidence(
                None,
                TimeQuality::Unanchored,
                W1,
                "kernel.slub_alloc_failure",
                DMESG,
                1822,
                1824,
                "[88911.102334] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)\n[88911.102340]   cache: kmalloc-192(33:4b1f0c2a9d3e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a), object size: 192, buffer size: 192, default order: 0, min order: 0\n[88911.102343]   node 0: slabs: 202, objs: 4242, free: 0",
                1,
                None,
            ),
        ],
    }
}

fn devicemapper() -> Incident {
    Incident {
        id: "INC-002".into(),
        signature: "docker.devicemapper-fills-disk".into(),
        title: "devicemapper (loop-lvm) storage driver fills the disk".into(),
        severity: Severity::Medium,
        nodes: strings(&[W2]),
        start: Some(at("2018-06-10T08:14:02.118329071Z")),
        end: Some(at("2018-06-10T09:40:11.552006120Z")),
        summary: "Docker 1.12.6 on k8s-worker-02 started with the devicemapper driver on loopback devices; the thin pool ran out of free data blocks.".into(),
        root_cause: "Kernel 4.9 no longer ships aufs, so Docker picked the next driver in its priority list (devicemapper, loop-lvm), which uses far more space than overlay2.".into(),
        remediation: strings(&[
            "Run Docker with `-s overlay2` (wipe /var/lib/docker first, or the daemon hangs).",
        ]),
        references: strings(&["https://docs.docker.com/storage/storagedriver/select-storage-driver/"]),
        confidence: Confidence {
            level: "medium".into(),
            reasons: strings(&["no df output in the bundle"]),
        },
        caused_by: None,
        evidence: vec![
            evidence(
                Some("2018-06-10T08:14:02.118329071Z"),
                TimeQuality::Exact,
                W2,
                "docker.storage_driver",
                DOCKER_2,
                3,
                3,
                r#"time="2018-06-10T08:14:02.118329071Z" level=info msg="[graphdriver] using prior storage driver \"devicemapper\"""#,
                1,
                None,
            ),
            evidence(
                Some("2018-06-10T08:14:02.240511893Z"),
                TimeQuality::Exact,
                W2,
                "docker.loopback_warning",
                DOCKER_2,
                5,
                5,
                r#"time="2018-06-10T08:14:02.240511893Z" level=warning msg="devmapper: Usage of loopback devices is strongly discouraged for production use. Please use `--storage-opt dm.thinpooldev` or use `man docker` to refer to dm.thinpooldev section.""#,
                1,
                None,
            ),
            evidence(
                Some("2018-06-10T09:40:11.552006120Z"),
                TimeQuality::Exact,
                W2,
                "storage.thinpool_full",
                DOCKER_2,
                20514,
                20514,
                r#"time="2018-06-10T09:40:11.552006120Z" level=error msg="Handler for POST /v1.24/containers/create returned error: devmapper: Thin Pool has 2417 free data blocks which is less than minimum required 163840 free data blocks. Create more free space in thin pool or use dm.min_free_space option to change behavior""#,
                4,
                Some("2018-06-10T09:40:11.552006120Z"),
            ),
        ],
    }
}

fn eviction() -> Incident {
    let pod = "kube-proxy-10.0.1.12_kube-system(3e8f6c1a-6c7d-11e8-9b2e-0a3c5e7f1d21)";
    Incident {
        id: "INC-003".into(),
        signature: "kubelet.eviction-evicts-static-kube-proxy".into(),
        title: "Eviction manager evicts the static kube-proxy pod".into(),
        severity: Severity::High,
        nodes: strings(&[W2]),
        start: Some(at("2018-06-10T09:41:37Z")),
        end: Some(at("2018-06-10T09:41:52Z")),
        summary: "The kubelet on k8s-worker-02 had to reclaim imagefs and evicted kube-proxy-10.0.1.12, a static pod, so services on the node stopped answering.".into(),
        root_cause: "imagefs ran short (see the causing incident); kube-proxy ran as a static pod, which the eviction manager may evict, so a node-critical pod was killed to reclaim disk.".into(),
        remediation: strings(&[
            "Run kube-proxy as a DaemonSet or give it a critical priority class.",
            "In the moment, relax --eviction-hard for imagefs and free disk space.",
        ]),
        references: strings(&["https://github.com/kubernetes/kubernetes/issues/40573"]),
        confidence: Confidence {
            level: "high".into(),
            reasons: strings(&["kubelet flag --eviction-hard=imagefs.available<25%"]),
        },
        caused_by: Some("INC-002".into()),
        evidence: vec![
            evidence(
                Some("2018-06-10T09:41:37Z"),
                TimeQuality::YearInferred,
                W2,
                "kubelet.eviction_must_evict",
                SYSLOG_2,
                88120,
                88120,
                "Jun 10 09:41:37 k8s-worker-02 kubelet[1342]: I0610 09:41:37.120311    1342 eviction_manager.go:346] eviction manager: must evict pod(s) to reclaim imagefs",
                1,
                None,
            ),
            evidence(
                Some("2018-06-10T09:41:37Z"),
                TimeQuality::YearInferred,
                W2,
                "kubelet.eviction_ranked",
                SYSLOG_2,
                88121,
                88121,
                &format!("Jun 10 09:41:37 k8s-worker-02 kubelet[1342]: I0610 09:41:37.120402    1342 eviction_manager.go:364] eviction manager: pods ranked for eviction: {pod}, fluentd-es-v2.0.4-7xk2p_kube-system(41c0a2be-6a11-11e8-9b2e-0a3c5e7f1d21)"),
                1,
                None,
            ),
            evidence(
                Some("2018-06-10T09:41:52Z"),
                TimeQuality::YearInferred,
                W2,
                "kubelet.pod_evicted",
                SYSLOG_2,
                88140,
                88140,
                &format!("Jun 10 09:41:52 k8s-worker-02 kubelet[1342]: I0610 09:41:52.413377    1342 eviction_manager.go:156] eviction manager: pods {pod} evicted, waiting for pod to be cleaned up"),
                1,
                None,
            ),
        ],
    }
}

fn nofile() -> Incident {
    let accept = |node: &str, source: &str, line: u64, pid: u32| {
        evidence(
            Some("2018-06-12T14:20:05Z"),
            TimeQuality::YearInferred,
            node,
            "net.too_many_open_files",
            source,
            line,
            line,
            &format!(
                "Jun 12 14:20:05 {node} kubelet[{pid}]: I0612 14:20:05.803095    {pid} log.go:172] http: Accept error: accept tcp [::]:10250: accept4: too many open files; retrying in 5ms"
            ),
            212,
            Some("2018-06-12T14:31:50Z"),
        )
    };
    Incident {
        id: "INC-004".into(),
        signature: "net.nofile-exhausted-calico".into(),
        title: "Open-file limit exhausted; calico BGP sessions reset".into(),
        severity: Severity::Critical,
        nodes: strings(&[W1, W2, W3]),
        start: Some(at("2018-06-12T14:20:05Z")),
        end: Some(at("2018-06-12T14:31:50Z")),
        summary: "On 3 nodes processes hit EMFILE (too many open files) and calico-node's BGP peers fell back to state start (Active Socket: Connection reset by peer); container networking failed.".into(),
        root_cause: "The nofile limit of 1024 (Ubuntu default) was exhausted under many connections; calico-node cannot keep its BGP sessions.".into(),
        remediation: strings(&[
            "Raise nofile (e.g. 102400 in /etc/security/limits.conf for root and *).",
            "Restart calico-node, then bake the limit into the machine image.",
        ]),
        references: vec![],
        confidence: Confidence {
            level: "medium".into(),
            reasons: strings(&["ulimit value not collected"]),
        },
        caused_by: None,
        evidence: vec![
            accept(W1, SYSLOG_1, 120331, 1201),
            accept(W2, SYSLOG_2, 131877, 1342),
            accept(W3, SYSLOG_3, 5120, 1188),
            evidence(
                Some("2018-06-12T14:22:31Z"),
                TimeQuality::ZoneAssumed,
                W3,
                "calico.bgp_peer_state",
                CALICO_3,
                7,
                8,
                "| 10.0.1.11    | node-to-node mesh | start | 14:22:31 | Active Socket: Connection      |\n|              |                   |       |          | reset by peer                  |",
                1,
                None,
            ),
        ],
    }
}

fn hung_tasks() -> Unclassified {
    Unclassified {
        kind: "kernel.hung_task".into(),
        template: "INFO: task <*> blocked for more than <*> seconds.".into(),
        level: podmortem::envelope::Level::Error,
        nodes: vec![W3.into()],
        start: Some(at("2018-06-11T22:05:13Z")),
        end: Some(at("2018-06-11T22:09:13Z")),
        count: 3,
        evidence: vec![evidence(
            Some("2018-06-11T22:05:13Z"),
            TimeQuality::YearInferred,
            W3,
            "kernel.hung_task",
            SYSLOG_3,
            4410,
            4410,
            "Jun 11 22:05:13 k8s-worker-03 kernel: [401122.559210] INFO: task jbd2/xvda1-8:231 blocked for more than 120 seconds.",
            3,
            Some("2018-06-11T22:09:13Z"),
        )],
    }
}

#[allow(clippy::too_many_arguments)]
fn source(
    path: &str,
    format: &str,
    node: &str,
    node_from: NodeFrom,
    lines: u64,
    unparsed: u64,
    span: Option<(&str, &str)>,
    assumptions: &[&str],
    errors: &[&str],
) -> SourceReport {
    SourceReport {
        path: path.into(),
        format: format.into(),
        node: node.into(),
        node_from,
        lines,
        unparsed,
        first: span.map(|(a, _)| at(a)),
        last: span.map(|(_, b)| at(b)),
        assumptions: strings(assumptions),
        errors: strings(errors),
        drift: BTreeMap::new(),
    }
}

fn sources() -> Vec<SourceReport> {
    let year = "year 2018 inferred from the file's modification time";
    let mut syslog_2 = source(
        SYSLOG_2,
        "rfc3164",
        W2,
        NodeFrom::Directory,
        140212,
        3,
        Some(("2018-06-09T06:25:01Z", "2018-06-13T06:25:01Z")),
        &[year],
        &[],
    );
    syslog_2.drift.insert("kubelet.eviction_ranked".into(), 2);
    vec![
        source(
            DMESG,
            "dmesg",
            W1,
            NodeFrom::Directory,
            1893,
            0,
            None,
            &["dmesg uptimes not anchored: no line of this boot carries both wall time and uptime"],
            &[],
        ),
        source(
            KERN_LOG,
            "rfc3164",
            W1,
            NodeFrom::Directory,
            48211,
            12,
            Some(("2018-06-08T02:41:07Z", "2018-06-12T23:59:58Z")),
            &[year],
            &[],
        ),
        source(
            SYSLOG_1,
            "rfc3164",
            W1,
            NodeFrom::Directory,
            151002,
            0,
            Some(("2018-06-08T02:41:07Z", "2018-06-13T06:25:01Z")),
            &[year],
            &[],
        ),
        syslog_2,
        source(
            DOCKER_2,
            "logrus",
            W2,
            NodeFrom::Directory,
            20530,
            0,
            Some(("2018-06-10T08:14:01.902114Z", "2018-06-12T11:03:44.250117Z")),
            &[],
            &[],
        ),
        source(
            CALICO_3,
            "calicoctl-status",
            W3,
            NodeFrom::Directory,
            12,
            0,
            Some(("2018-06-12T14:22:31Z", "2018-06-12T14:22:31Z")),
            &["BIRD 'since' column read as UTC (no zone in the output)"],
            &[],
        ),
        source(
            SYSLOG_3,
            "rfc3164",
            W3,
            NodeFrom::Directory,
            8812,
            0,
            Some(("2018-06-11T06:25:02Z", "2018-06-12T14:31:50Z")),
            &[year],
            &["gzip stream truncated after 1.2 MiB; the first 8812 lines were read"],
        ),
    ]
}

fn nodes() -> Vec<NodeSummary> {
    vec![
        NodeSummary {
            name: W1.into(),
            aliases: vec![],
            spans: vec![(at("2018-06-08T02:41:07Z"), at("2018-06-13T06:25:01Z"))],
            sources: 3,
        },
        NodeSummary {
            name: W2.into(),
            aliases: vec![],
            spans: vec![(at("2018-06-09T06:25:01Z"), at("2018-06-13T06:25:01Z"))],
            sources: 2,
        },
        NodeSummary {
            name: W3.into(),
            aliases: strings(&["AMZ-IAD12-OpsResPool-k8s-03"]),
            spans: vec![
                (at("2018-06-11T06:25:02Z"), at("2018-06-11T23:10:00Z")),
                (at("2018-06-12T14:00:00Z"), at("2018-06-12T14:31:50Z")),
            ],
            sources: 2,
        },
    ]
}

/// The realistic fixture.
pub fn timeline() -> Timeline {
    Timeline {
        run: Default::default(),
        nodes: nodes(),
        incidents: vec![slab_leak(), devicemapper(), eviction(), nofile()],
        unclassified: vec![hung_tasks()],
        sources: sources(),
        problems: vec![Problem {
            source: "bundle.tgz!/k8s-worker-03/var/log/kubelet.log.1.gz".into(),
            message: "corrupt gzip header; skipped (re-collect the file or decompress it by hand)"
                .into(),
        }],
        event_count: 1287,
        last_event: None,
    }
}

/// Hostile strings a log line can carry.
pub const SCRIPT: &str = "<script>alert(1)</script>";
/// Attribute breakout.
pub const IMG: &str = "\"><img src=x onerror=alert(1)>";
/// Markdown table and code-span breakers.
pub const MD: &str = "a | b `code` **bold** [link](javascript:alert(1))";
/// ANSI colour and OSC window-title sequences.
pub const ANSI: &str = "\x1b[31mred\x1b[0m \x1b]0;title\x07";

/// The fixture with hostile text in every string a log or a bundle controls.
pub fn hostile_timeline() -> Timeline {
    let hostile = format!("kubelet[1]: {SCRIPT} {IMG} {MD} {ANSI} \u{9b}2J");
    let mut t = timeline();
    for incident in &mut t.incidents {
        incident.summary = format!("{} {hostile}", incident.summary);
        incident.title = format!("{} {SCRIPT}", incident.title);
        for e in &mut incident.evidence {
            e.text = format!("{}\n{hostile}", e.text);
            e.source = format!("{}{IMG}", e.source);
        }
    }
    if let Some(incident) = t.incidents.first_mut() {
        incident.nodes.push(format!("evil{IMG}"));
    }
    t.nodes.push(NodeSummary {
        name: format!("evil{IMG}"),
        aliases: vec![format!("{ANSI}{SCRIPT}")],
        spans: vec![],
        sources: 1,
    });
    for u in &mut t.unclassified {
        u.kind = format!("{}{ANSI}", u.kind);
        u.template = format!("{SCRIPT}{}{ANSI}", u.template);
        for e in &mut u.evidence {
            e.text = hostile.clone();
        }
    }
    for s in &mut t.sources {
        s.assumptions.push(hostile.clone());
    }
    t.problems.push(Problem {
        source: format!("bundle.tgz!/{SCRIPT}"),
        message: hostile,
    });
    t
}
