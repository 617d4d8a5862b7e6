//! Extractor tests through the public API, fed the way the scanner feeds it: only
//! lines containing a needle, plus every line after a `feed` that returned `true`.

use std::borrow::Cow;

use podmortem::envelope::{Envelope, LineFormat, RawTime};
use podmortem::events::{Extractor, Found, drift_kind, needles};
use podmortem::{Location, SourceId};
use proptest::prelude::*;
use serde_json::json;

/// One input line: program, inner message, whole raw line.
struct Line {
    app: Option<&'static str>,
    host: Option<&'static str>,
    format: LineFormat,
    message: Vec<u8>,
    raw: Vec<u8>,
}

/// A traditional syslog line `Jun  8 03:03:28 node-1 APP: MSG`.
fn syslog(app: &'static str, msg: &str) -> Line {
    Line {
        app: Some(app),
        host: Some("node-1"),
        format: LineFormat::Rfc3164,
        message: msg.as_bytes().to_vec(),
        raw: format!("Jun  8 03:03:28 node-1 {app}: {msg}").into_bytes(),
    }
}

/// A line with no envelope (command output captured in a bundle, loghub samples).
fn bare(msg: &str) -> Line {
    Line {
        app: None,
        host: None,
        format: LineFormat::Unknown,
        message: msg.as_bytes().to_vec(),
        raw: msg.as_bytes().to_vec(),
    }
}

fn envelope(line: &Line) -> Envelope<'_> {
    Envelope {
        format: line.format,
        time: RawTime::None,
        uptime_us: None,
        host: line.host,
        app: line.app,
        pid: None,
        level: None,
        message: Cow::Borrowed(&line.message),
        raw: &line.raw,
        partial: false,
    }
}

fn has_needle(msg: &[u8], needles: &[&str]) -> bool {
    needles
        .iter()
        .any(|n| memchr::memmem::find(msg, n.as_bytes()).is_some())
}

/// Feed like the scanner does and collect everything found.
fn scan(lines: &[Line]) -> Vec<Found> {
    let prefilter = aho_corasick::AhoCorasick::new(needles()).unwrap();
    let mut ex = Extractor::new();
    let mut out = Vec::new();
    let mut wants = false;
    let mut byte = 0;
    for (i, line) in lines.iter().enumerate() {
        let at = Location {
            source: SourceId(0),
            line: i as u64 + 1,
            byte,
        };
        byte += line.raw.len() as u64 + 1;
        if wants || prefilter.is_match(&line.raw) {
            wants = ex.feed(at, &envelope(line), &mut out);
        }
    }
    ex.finish(&mut out);
    out
}

fn kinds(found: &[Found]) -> Vec<&str> {
    found.iter().map(|f| f.kind.name()).collect()
}

#[test]
fn seed_slub_blocks_become_two_events() {
    let lines = [
        syslog(
            "kernel",
            "[88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)",
        ),
        syslog(
            "kernel",
            "[88820.247541]   cache: kmalloc-192(33:b40c3884668600191e02b3c32efaf12bdd1e6d0a4d3869662045e4193af6c26c), object size: 192, buffer size: 192, default order: 0, min order: 0",
        ),
        syslog(
            "kernel",
            "[88820.247543]   node 0: slabs: 202, objs: 4242, free: 0",
        ),
        syslog(
            "kernel",
            "[88820.254869] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)",
        ),
        syslog(
            "kernel",
            "[88820.254873]   cache: kmalloc-192(33:b40c3884668600191e02b3c32efaf12bdd1e6d0a4d3869662045e4193af6c26c), object size: 192, buffer size: 192, default order: 0, min order: 0",
        ),
        syslog(
            "kernel",
            "[88820.254875]   node 0: slabs: 202, objs: 4242, free: 0",
        ),
    ];
    // The envelope normally strips `[uptime] ` (first block); the grammars must not
    // depend on it (second block keeps it).
    let mut lines = Vec::from(lines);
    for l in lines.iter_mut().take(3) {
        let m = String::from_utf8(l.message.clone()).unwrap();
        l.message = m.split_once("] ").unwrap().1.as_bytes().to_vec();
    }
    let found = scan(&lines);
    assert_eq!(kinds(&found), ["kernel.slub_alloc_failure"; 2]);
    let first = &found[0];
    assert_eq!(first.first.line, 1);
    assert_eq!(first.end_line, 3);
    assert_eq!(first.text.get().lines().count(), 3);
    let f = &first.payload().fields;
    assert_eq!(f["numa_node"], json!(-1));
    assert_eq!(f["gfp"], json!("0x8020"));
    assert_eq!(f["cache"], json!("kmalloc-192"));
    assert_eq!(f["memcg_id"], json!(33));
    assert_eq!(
        f["nodes"],
        json!([{"numa_node": 0, "slabs": 202, "objs": 4242, "free": 0}])
    );
    assert_eq!(found[1].first.line, 4);
    assert_eq!(found[1].host.as_deref(), Some("node-1"));
}

#[test]
fn slub_block_tolerates_interleaved_lines() {
    let lines = [
        syslog(
            "kernel",
            "SLUB: Unable to allocate memory on node -1, gfp=0x2080020(GFP_ATOMIC)",
        ),
        syslog("kernel", "eth0: renamed from veth1a2b3c"),
        syslog(
            "kernel",
            "  cache: kmalloc-256(5:0b3c1d2e4f), object size: 256, buffer size: 256, default order: 1, min order: 0",
        ),
        syslog(
            "kernel",
            "  kmalloc-256 debugging increased min order, use slub_debug=O to disable.",
        ),
        syslog("kernel", "  node 0: slabs: 113, objs: 1808, free: 0"),
        syslog("kernel", "  node 1: slabs: 10, objs: 160, free: 2"),
        syslog(
            "kernel",
            "IPv6: ADDRCONF(NETDEV_UP): eth0: link is not ready",
        ),
        syslog("kernel", "docker0: port 1(veth1) entered forwarding state"),
    ];
    let found = scan(&lines);
    assert_eq!(kinds(&found), ["kernel.slub_alloc_failure"]);
    let f = &found[0].payload().fields;
    assert_eq!(f["gfp_flags"], json!(["GFP_ATOMIC"]));
    assert_eq!(f["memcg"], json!("0b3c1d2e4f"));
    assert_eq!(f["debug_increased_min_order"], json!(true));
    assert_eq!(f["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(found[0].end_line, 6);
}

#[test]
fn oom_kill_pair_counts_once() {
    let lines = [
        syslog(
            "kernel",
            "java invoked oom-killer: gfp_mask=0x24201ca, order=0, oom_score_adj=0",
        ),
        syslog(
            "kernel",
            "Task in /kubepods/burstable/pod1/c1 killed as a result of limit of /kubepods/burstable/pod1",
        ),
        syslog(
            "kernel",
            "memory: usage 524288kB, limit 524288kB, failcnt 12",
        ),
        syslog(
            "kernel",
            "Memory cgroup out of memory: Kill process 12345 (java) score 1000 or sacrifice child",
        ),
        syslog(
            "kernel",
            "Killed process 12345 (java) total-vm:8123456kB, anon-rss:524288kB, file-rss:1234kB, shmem-rss:0kB",
        ),
        syslog(
            "kernel",
            "Out of memory: Kill process 200 (bash) score 10 or sacrifice child",
        ),
        syslog(
            "kernel",
            "Killed process 201 (sleep) total-vm:1000kB, anon-rss:10kB, file-rss:0kB, shmem-rss:0kB",
        ),
    ];
    let found = scan(&lines);
    assert_eq!(kinds(&found), ["kernel.oom_kill"; 2]);
    let f = &found[0].payload().fields;
    assert_eq!(f["pid"], json!(12345));
    assert_eq!(f["score"], json!(1000));
    assert_eq!(f["scope"], json!("memcg"));
    assert_eq!(f["memcg"], json!("/kubepods/burstable/pod1"));
    assert_eq!(f["anon_rss_kb"], json!(524288));
    assert_eq!(f["trigger"], json!("java"));
    assert_eq!((found[0].first.line, found[0].end_line), (4, 5));
    let child = &found[1].payload().fields;
    assert_eq!(child["pid"], json!(201));
    assert_eq!(child["selected_pid"], json!(200));
    assert_eq!(child["scope"], json!("global"));
}

#[test]
fn oom_kill_5x_summary_and_single_line() {
    let lines = [
        syslog(
            "kernel",
            "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=0b3c1d2e4f,mems_allowed=0,oom_memcg=/kubepods/burstable/pod5f8f,task_memcg=/kubepods/burstable/pod5f8f/0b3c1d2e4f,task=java,pid=12345,uid=1000",
        ),
        syslog(
            "kernel",
            "Memory cgroup out of memory: Killed process 12345 (java) total-vm:8123456kB, anon-rss:524288kB, file-rss:1234kB, shmem-rss:0kB, UID:1000 pgtables:2048kB oom_score_adj:937",
        ),
        syslog(
            "kernel",
            "oom_reaper: reaped process 12345 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
        ),
    ];
    let found = scan(&lines);
    assert_eq!(kinds(&found), ["kernel.oom_kill"]);
    let f = &found[0].payload().fields;
    assert_eq!(f["constraint"], json!("CONSTRAINT_MEMCG"));
    assert_eq!(f["oom_score_adj"], json!(937));
    assert_eq!(
        f["task_memcg"],
        json!("/kubepods/burstable/pod5f8f/0b3c1d2e4f")
    );
}

#[test]
fn calicoctl_table_with_wrapped_rows() {
    let text = "Calico process is running.

IPv4 BGP status
+--------------+-------------------+-------+----------+--------------------------------+
| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |              INFO              |
+--------------+-------------------+-------+----------+--------------------------------+
| 10.0.0.2     | node-to-node mesh | up    | 03:05:13 | Established                    |
| 10.0.0.3     | node-to-node mesh | start | 03:05:13 | Active Socket: Connection      |
|              |                   |       |          | reset by peer                  |
| 10.0.0.4     | node-to-node mesh | start | 03:05:13 | Connect                        |
+--------------+-------------------+-------+----------+--------------------------------+

IPv6 BGP status
No IPv6 peers found.";
    let lines: Vec<Line> = text.lines().map(bare).collect();
    let found = scan(&lines);
    assert_eq!(
        kinds(&found),
        [
            "calico.bgp_peer_state",
            "calico.bgp_peer_state",
            "calico.connection_reset",
            "calico.bgp_peer_state"
        ]
    );
    let down = &found[1];
    assert_eq!(down.payload().fields["peer"], json!("10.0.0.3"));
    assert_eq!(down.payload().fields["state"], json!("start"));
    assert_eq!(
        down.payload().fields["info"],
        json!("Active Socket: Connection reset by peer")
    );
    assert_eq!(down.payload().fields["bgp_state"], json!("Active"));
    assert_eq!((down.first.line, down.end_line), (8, 9));
    assert_eq!(found[2].payload().fields["peer"], json!("10.0.0.3"));
    assert_eq!(found[0].payload().fields["bgp_state"], json!("Established"));
}

#[test]
fn bird_show_protocols_and_log_lines() {
    let text = "name     proto    table    state  since       info
kernel1  Kernel   master   up     03:05:13
device1  Device   master   up     03:05:13
Mesh_10_0_0_2 BGP      master   up     03:05:13    Established
Mesh_10_0_0_4 BGP      master   start  2018-06-16  Connect       Socket: Connection reset by peer";
    let lines: Vec<Line> = text.lines().map(bare).collect();
    let found = scan(&lines);
    assert_eq!(
        kinds(&found),
        [
            "calico.bgp_peer_state",
            "calico.bgp_peer_state",
            "calico.connection_reset"
        ]
    );
    assert_eq!(found[2].payload().fields["peer"], json!("10.0.0.4"));

    let lines = [
        syslog("calico-node", "bird: Mesh_10_0_0_2: State changed to start"),
        syslog(
            "sshd",
            "fatal: Write failed: Connection reset by peer [preauth]",
        ),
        syslog(
            "calico-node",
            "bird: Mesh_10_0_0_2: Socket error: Connection reset by peer",
        ),
    ];
    let found = scan(&lines);
    assert_eq!(
        kinds(&found),
        ["calico.bgp_peer_state", "calico.connection_reset"]
    );
    assert_eq!(found[1].payload().fields["component"], json!("bird"));
}

#[test]
fn seed_kubelet_eviction_chain() {
    let k = |m: &str| syslog("kubelet", m);
    let lines = [
        k(
            r#"I0617 03:00:01.000001    5478 flags.go:27] FLAG: --eviction-hard="memory.available<5%,nodefs.available<25%,imagefs.available<25%""#,
        ),
        k(
            "I0617 03:05:13.803095    5478 eviction_manager.go:346] eviction manager: must evict pod(s) to reclaim imagefs",
        ),
        k(
            "I0617 03:05:13.803169    5478 eviction_manager.go:364] eviction manager: pods ranked for eviction: kube-proxy-[node IP]_kube-system(dc6bd3a06883f50ce46d35fd024f66f2), config-88df876c5-pmk67_ec-prod(e134b5a2-6fc1-11e8-      b1d1-0226410ff50c), data-services-6b4df97cdf-qz8sd_ec-prod(da14a6d4-7158-11e8-ba3c-062f143c52c6)",
        ),
        k(
            r#"I0617 03:05:13.803305    5478 kuberuntime_container.go:582] Killing container "docker://853a131b5d9a577590773c677898ae61ca6a411e1046cd3422fa0d97d9547258" with 30 second grace period"#,
        ),
        k(
            r#"I0617 03:05:14.053822    5478 kubelet.go:1867] SyncLoop (DELETE, "api"): "aiops-trjtv_aiops-sig(407e007c-71db-11e8-ba3c-062f143c52c6)""#,
        ),
        k(
            "I0617 03:05:14.896640    5478 eviction_manager.go:156] eviction manager: pods kube-proxy-[node IP]_kube-system(dc6bd3a06883f50ce46d35fd024f66f2) evicted, waiting for pod to be cleaned up",
        ),
    ];
    let found = scan(&lines);
    assert_eq!(
        kinds(&found),
        [
            "kubelet.flag",
            "kubelet.eviction_must_evict",
            "kubelet.eviction_ranked",
            "kubelet.container_killed",
            "kubelet.pod_evicted"
        ]
    );
    assert_eq!(found[1].payload().fields["resource"], json!("imagefs"));
    assert_eq!(
        found[2].payload().fields["pods"][1]["uid"],
        json!("e134b5a2-6fc1-11e8-b1d1-0226410ff50c")
    );
    assert_eq!(found[3].payload().fields["grace_period"], json!(30));
    let ev = &found[4].payload().fields;
    assert_eq!(ev["pod"], json!("kube-proxy-[node IP]"));
    assert_eq!(ev["namespace"], json!("kube-system"));
    assert_eq!(found[4].first.line, 6);
}

#[test]
fn structured_and_json_kubelet_lines() {
    let json_line = r#"{"ts":1528427008803.095,"caller":"eviction/eviction_manager.go:392","msg":"Eviction manager: must evict pod(s) to reclaim","v":0,"resourceName":"ephemeral-storage"}"#;
    let lines = [
        Line {
            app: Some("kubelet"),
            host: Some("node-1"),
            format: LineFormat::KlogJson,
            message: b"Eviction manager: must evict pod(s) to reclaim".to_vec(),
            raw: json_line.as_bytes().to_vec(),
        },
        syslog(
            "kubelet",
            r#"I0617 16:18:42.212966 3814777 eviction_manager.go:410] "Eviction manager: pods evicted, waiting for pod to be cleaned up" pods=["kube-system/kube-proxy-x","default/web-1"]"#,
        ),
    ];
    let found = scan(&lines);
    assert_eq!(
        kinds(&found),
        [
            "kubelet.eviction_must_evict",
            "kubelet.pod_evicted",
            "kubelet.pod_evicted"
        ]
    );
    assert_eq!(
        found[0].payload().fields["resource"],
        json!("ephemeral-storage")
    );
    assert_eq!(found[2].payload().fields["pod"], json!("web-1"));
    assert_eq!(found[2].payload().fields["uid"], json!(null));
}

#[test]
fn routing_by_program() {
    let lines = [
        // a kernel grammar does not run on a docker line, nor a kubelet one on sshd
        syslog(
            "dockerd",
            "Killed process 1 (init) total-vm:1kB, anon-rss:1kB, file-rss:0kB",
        ),
        syslog(
            "sshd",
            "eviction manager: must evict pod(s) to reclaim imagefs",
        ),
        // ENOSPC and EMFILE run everywhere and name their component
        syslog(
            "dockerd",
            r#"time="2018-06-17T03:05:13.803095123Z" level=error msg="Error writing log: write /var/lib/docker/containers/abc/abc-json.log: no space left on device""#,
        ),
        syslog(
            "kubelet",
            "I0617 03:05:13.803095    5478 log.go:172] http: Accept error: accept tcp [::]:10250: accept4: too many open files; retrying in 5ms",
        ),
        syslog(
            "dockerd",
            r#"time="2018-06-17T03:05:13.803095123Z" level=info msg="Docker daemon" commit=78d1802 graphdriver=devicemapper version=1.12.6"#,
        ),
        syslog(
            "dockerd",
            r#"time="2018-06-17T03:05:13.803095123Z" level=warning msg="devmapper: Usage of loopback devices is strongly discouraged for production use. Please use `--storage-opt dm.thinpooldev` or use `man docker` to refer to dm.thinpooldev section.""#,
        ),
    ];
    let found = scan(&lines);
    assert_eq!(
        kinds(&found),
        [
            "fs.no_space_left",
            "net.too_many_open_files",
            "docker.storage_driver",
            "docker.loopback_warning"
        ]
    );
    assert_eq!(found[0].payload().fields["component"], json!("dockerd"));
    assert_eq!(
        found[0].payload().fields["path"],
        json!("/var/lib/docker/containers/abc/abc-json.log")
    );
    assert_eq!(found[1].payload().fields["component"], json!("kubelet"));
    assert_eq!(found[1].payload().fields["operation"], json!("accept4"));
}

#[test]
fn hostname_change_takes_old_name_from_host_field() {
    let mut line = syslog(
        "systemd-hostnamed",
        "Changed host name to 'ip-10-0-0-1.ec2.internal'",
    );
    line.host = Some("AMZ-IAD12-OpsResPool-001");
    let found = scan(&[line]);
    assert_eq!(kinds(&found), ["host.hostname_changed"]);
    assert_eq!(
        found[0].payload().fields["old"],
        json!("AMZ-IAD12-OpsResPool-001")
    );
    assert_eq!(
        found[0].payload().fields["new"],
        json!("ip-10-0-0-1.ec2.internal")
    );
}

#[test]
fn df_output_rows() {
    let text = "Filesystem      Size  Used Avail Use% Mounted on
udev            3.9G     0  3.9G   0% /dev
tmpfs           789M  9.1M  780M   2% /run
/dev/xvda1       30G   25G  4.6G  85% /
/dev/mapper/docker-202:1-1234-pool
                100G   81G   19G  81% /var/lib/docker/devicemapper
Jun  8 03:03:28 node-1 kernel: eth0: link up";
    let lines: Vec<Line> = text.lines().map(bare).collect();
    let found = scan(&lines);
    assert_eq!(kinds(&found), ["fs.usage", "fs.usage"]);
    assert_eq!(found[0].payload().fields["mount"], json!("/"));
    assert_eq!(found[0].payload().fields["used_percent"], json!(85));
    assert_eq!(
        found[1].payload().fields["filesystem"],
        json!("/dev/mapper/docker-202:1-1234-pool")
    );
    assert_eq!(
        found[1].payload().fields["mount"],
        json!("/var/lib/docker/devicemapper")
    );
    assert_eq!((found[1].first.line, found[1].end_line), (5, 6));
}

#[test]
fn loghub_noise_produces_no_incident_events() {
    // The shared LogHub corpus sits beside the checkout (`../shared`), in CI too.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/loghub");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} missing in CI",
            dir.display()
        );
        eprintln!("skipped: {} not found", dir.display());
        return;
    };
    let mut banners = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "log") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let lines: Vec<Line> = bytes
            .split(|&b| b == b'\n')
            .map(|l| Line {
                app: None,
                host: None,
                format: LineFormat::Unknown,
                message: l.to_vec(),
                raw: l.to_vec(),
            })
            .collect();
        let found = scan(&lines);
        banners += kinds(&found)
            .iter()
            .filter(|k| **k == "kernel.version")
            .count();
        let noisy: Vec<_> = found
            .iter()
            .filter(|f| f.kind.name() != "kernel.version")
            .map(|f| f.text.clone())
            .collect();
        assert!(noisy.is_empty(), "{}: {noisy:?}", path.display());
    }
    // The Linux sample holds one real boot banner: proof the lines were scanned.
    assert_eq!(banners, 1);
}

/// Every single line that a test above expects to start an event carries a needle.
#[test]
fn positive_lines_contain_a_needle() {
    let needles = needles();
    let starts = [
        "SLUB: Unable to allocate memory on node -1 (gfp=0x8020)",
        "SLUB: Unable to allocate memory on node -1, gfp=0x2080020(GFP_ATOMIC)",
        "  cache: kmalloc-192(33:b40c), object size: 192, buffer size: 192, default order: 0, min order: 0",
        "  node 0: slabs: 202, objs: 4242, free: 0",
        "kworker/u16:2: page allocation failure: order:2, mode:0x2080020(GFP_ATOMIC)",
        "Out of memory: Kill process 12345 (java) score 873 or sacrifice child",
        "Killed process 12345 (java) total-vm:8123456kB, anon-rss:7000000kB, file-rss:1234kB, shmem-rss:0kB",
        "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),task=java,pid=1,uid=0",
        "nf_conntrack: nf_conntrack: table full, dropping packet",
        "INFO: task jbd2/xvda1-8:312 blocked for more than 120 seconds.",
        "watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:211]",
        "NMI watchdog: Watchdog detected hard LOCKUP on cpu 5",
        "Linux version 3.13.0-32-generic (buildd@kissel) (gcc version 4.8.2) #57-Ubuntu SMP",
        "eviction manager: attempting to reclaim imagefs",
        "eviction manager: must evict pod(s) to reclaim imagefs",
        "eviction manager: pods ranked for eviction: a_ns(u)",
        "eviction manager: pods a_ns(u) evicted, waiting for pod to be cleaned up",
        "eviction manager: pod a_ns(u) is evicted successfully",
        "PLEG is not healthy: pleg was last seen active 3m0.5s ago; threshold is 3m0s",
        "Image garbage collection failed once. Stats initialization may not have completed yet: x",
        "Node node-1 status is now: NodeHasDiskPressure",
        r#"FLAG: --eviction-hard="memory.available<5%""#,
        r#"Killing container "docker://853a" with 30 second grace period"#,
        "Mesh_10_0_0_2 BGP      master   up     03:05:13    Established",
        "bird: Mesh_10_0_0_2: State changed to start",
        "bird: Mesh_10_0_0_2: Socket error: Connection reset by peer",
        "| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |              INFO              |",
        "Determined node name: node-1",
        "Using stored node name node-1 from /var/lib/calico/nodename",
        "Calico node 'node-2' is already using the IPv4 address 10.0.0.5.",
        "accept tcp [::]:10250: accept4: too many open files",
        "Changed host name to 'ip-10-0-0-1'",
        "Hostname set to <node-1> (static)",
        r#"[graphdriver] using prior storage driver "aufs""#,
        "devmapper: Thin Pool has 1562 free data blocks which is less than minimum required 1638 free data blocks.",
        "write /var/lib/docker/x: no space left on device",
        "disk usage of /var/lib/docker is 85%",
        "Filesystem      Size  Used Avail Use% Mounted on",
    ];
    for line in starts {
        assert!(
            has_needle(line.as_bytes(), &needles),
            "no needle in {line:?}"
        );
        assert_eq!(
            drift_kind(line.as_bytes()),
            None,
            "not recognised: {line:?}"
        );
    }
}

proptest! {
    #[test]
    fn nothing_panics_on_arbitrary_bytes(
        pre in proptest::collection::vec(any::<u8>(), 0..80),
        pick in 0usize..1000,
        post in proptest::collection::vec(any::<u8>(), 0..120),
        app in prop::sample::select(vec![None, Some("kernel"), Some("kubelet"), Some("calico-node"), Some("dockerd")]),
    ) {
        let needles = needles();
        let needle = needles[pick % needles.len()];
        let mut msg = pre.clone();
        msg.extend_from_slice(needle.as_bytes());
        msg.extend_from_slice(&post);
        let _ = drift_kind(&msg);
        let line = Line { app, host: Some("h"), format: LineFormat::Unknown, message: msg.clone(), raw: msg.clone() };
        let json = Line { app, host: None, format: LineFormat::KlogJson, message: post.clone(), raw: msg };
        let table = bare("| PEER ADDRESS | PEER TYPE | STATE | SINCE | INFO |");
        let df = bare("Filesystem Size Used Avail Use% Mounted on");
        let _ = scan(&[table, line, json, df, bare(&String::from_utf8_lossy(&post))]);
    }
}

#[test]
fn slab_allocator_block_and_memcg_serial_number() {
    let lines = [
        syslog(
            "kernel",
            "SLAB: Unable to allocate memory on node 0, gfp=0x14000c0(GFP_KERNEL|__GFP_COMP)",
        ),
        syslog("kernel", "  cache: kmalloc-64, object size: 64, order: 0"),
        syslog("kernel", "  node 0: slabs: 3/4, objs: 60/80"),
        syslog(
            "kernel",
            "SLUB: Unable to allocate memory on node -1, gfp=0x480020(GFP_ATOMIC)",
        ),
        syslog(
            "kernel",
            "  cache: kmalloc-192(1234567:helper-logs), object size: 192, buffer size: 192, default order: 0, min order: 0",
        ),
        syslog("kernel", "  node 0: slabs: 7, objs: 147, free: 0"),
    ];
    let found = scan(&lines);
    assert_eq!(kinds(&found), ["kernel.slub_alloc_failure"; 2]);
    let slab = &found[0].payload().fields;
    assert_eq!(slab["allocator"], json!("SLAB"));
    assert_eq!(slab["order"], json!(0));
    assert_eq!(
        slab["nodes"],
        json!([{"numa_node": 0, "slabs": 3, "objs": 60, "free": null}])
    );
    let slub = &found[1].payload().fields;
    assert_eq!(slub["memcg_id"], json!(1234567));
    assert_eq!(slub["memcg"], json!("helper-logs"));
    assert_eq!((found[1].first.line, found[1].end_line), (4, 6));
}

#[test]
fn calico_connection_resets_from_felix_svlogd_and_logrus() {
    let lines = [
        syslog(
            "calico-node",
            "2021-06-17 03:05:13.803 [WARNING][84] felix/health.go 137: Failed to read from etcd error=read tcp 10.0.0.1:56354->10.96.0.1:443: read: connection reset by peer",
        ),
        bare(
            "2018-06-17_03:05:13.80513 bird: Mesh_10_0_0_3: Socket error: Connection reset by peer",
        ),
        syslog(
            "calicoctl",
            r#"time="2018-06-17T03:05:13Z" level=error msg="Failed to sync" error="read tcp 10.0.0.1:4001->10.0.0.2:2379: read: connection reset by peer""#,
        ),
        // Not calico: an unknown program's reset without any calico marker is ignored.
        bare("recv: read tcp 10.0.0.1:4001->10.0.0.9:80: read: connection reset by peer"),
    ];
    let found = scan(&lines);
    assert_eq!(kinds(&found), ["calico.connection_reset"; 3]);
    assert_eq!(found[0].payload().fields["peer"], json!("10.96.0.1"));
    assert_eq!(found[0].payload().fields["port"], json!(443));
    assert_eq!(found[1].payload().fields["peer"], json!("10.0.0.3"));
    assert_eq!(found[1].payload().fields["component"], json!("bird"));
    assert_eq!(found[2].payload().fields["peer"], json!("10.0.0.2"));
}

#[test]
fn structured_kobjs_and_quoted_kobjslice_pods() {
    let k = |m: &str| syslog("kubelet", m);
    let lines = [
        k(
            r#"I0617 16:18:42.212966    5478 eviction_manager.go:367] "Eviction manager: pods ranked for eviction" pods=[kube-system/kube-proxy-x default/web-1]"#,
        ),
        k(
            r#"I0617 16:18:42.212966    5478 eviction_manager.go:367] "Eviction manager: pods ranked for eviction" pods="[kube-system/kube-proxy-x default/web-1]""#,
        ),
        k(
            r#"I0617 16:18:43.100000    5478 eviction_manager.go:592] "Eviction manager: pod is evicted successfully" pod="kube-system/kube-proxy-x""#,
        ),
    ];
    let found = scan(&lines);
    assert_eq!(
        kinds(&found),
        [
            "kubelet.eviction_ranked",
            "kubelet.eviction_ranked",
            "kubelet.pod_evicted"
        ]
    );
    for ranked in &found[..2] {
        assert_eq!(ranked.payload().fields["count"], json!(2));
        assert_eq!(
            ranked.payload().fields["pods"][0],
            json!({"name": "kube-proxy-x", "namespace": "kube-system", "uid": null})
        );
    }
    assert_eq!(found[2].payload().fields["pod"], json!("kube-proxy-x"));
}
