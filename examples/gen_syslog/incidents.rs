//! Injected incidents of the seed kinds (plus an OOM storm and hung tasks), placed at known
//! hosts and times, and the ground truth describing them.

use crate::hosts::{self, Host, RENAMED_FIRST};
use crate::rng::Rng;

/// What an injected line says; the writer adds the envelope and the time.
pub enum Body {
    /// `kernel: [uptime] text`.
    Kernel(String),
    /// `kubelet[pid]: <klog header> msg`.
    Klog {
        sev: char,
        file_line: &'static str,
        msg: String,
    },
    /// `tag[pid]: time=... level=L msg=<value>` (value already quoted, fields appended).
    Logrus {
        tag: &'static str,
        level: &'static str,
        value: String,
    },
    /// `calico-felix[pid]: <felix header> msg`.
    Felix {
        level: &'static str,
        file: &'static str,
        line: u32,
        msg: String,
    },
    /// `bird[pid]: msg`.
    Bird(String),
    /// `tag[pid]: msg`.
    Plain {
        tag: &'static str,
        pid: u32,
        msg: String,
    },
    /// The host reboots: its kernel uptime restarts, and the boot banner is logged.
    Reboot,
    /// `systemd-hostnamed[pid]: Changed host name to '<fqdn>'`, then the host field becomes the
    /// short name (rsyslog drops the domain).
    Rename { pid: u32, fqdn: String },
}

/// One injected line.
pub struct Inj {
    /// When (Unix µs).
    pub t_us: i64,
    /// Which host.
    pub host: usize,
    /// Which incident (index into the truth list).
    pub incident: usize,
    /// What.
    pub body: Body,
}

/// One ground-truth incident; start/end are filled in as its lines are written.
pub struct Truth {
    /// Signature id.
    pub signature: &'static str,
    /// Every hostname under which its lines appear.
    pub nodes: Vec<String>,
    /// First line written (Unix µs).
    pub start: Option<i64>,
    /// Last line written (Unix µs).
    pub end: Option<i64>,
}

/// A host's window in which no noise or single interesting lines are written (dead node).
pub struct Down {
    /// Host index.
    pub host: usize,
    /// From (Unix µs).
    pub from: i64,
    /// To (Unix µs).
    pub to: i64,
}

/// The plan: injected lines (sorted by time), the truth, dead windows, and busy windows in
/// which single interesting lines must not land on the same host.
pub struct Plan {
    /// Injected lines, sorted by time.
    pub injs: Vec<Inj>,
    /// Ground truth.
    pub truth: Vec<Truth>,
    /// Dead windows.
    pub down: Vec<Down>,
    /// (host, from, to) around each incident.
    pub busy: Vec<(usize, i64, i64)>,
}

struct Builder {
    injs: Vec<Inj>,
    truth: Vec<Truth>,
    scale: f64,
}

impl Builder {
    fn incident(&mut self, signature: &'static str, nodes: Vec<String>) -> usize {
        self.truth.push(Truth {
            signature,
            nodes,
            start: None,
            end: None,
        });
        self.truth.len() - 1
    }

    /// Seconds after `base`, scaled to the length of the dump.
    fn at(&self, base: i64, secs: f64) -> i64 {
        base + (secs * self.scale * 1e6) as i64
    }

    fn add(&mut self, t_us: i64, host: usize, incident: usize, body: Body) {
        self.injs.push(Inj {
            t_us,
            host,
            incident,
            body,
        });
    }
}

const SEED_CGROUP: &str = "b40c3884668600191e02b3c32efaf12bdd1e6d0a4d3869662045e4193af6c26c";

fn slub_block(b: &mut Builder, t: i64, host: usize, inc: usize, memcg: u32, cg: &str) {
    b.add(
        t,
        host,
        inc,
        Body::Kernel("SLUB: Unable to allocate memory on node -1 (gfp=0x8020)".into()),
    );
    b.add(t + 6, host, inc, Body::Kernel(format!("  cache: kmalloc-192({memcg}:{cg}), object size: 192, buffer size: 192, default order: 0, min order: 0")));
    b.add(
        t + 8,
        host,
        inc,
        Body::Kernel("  node 0: slabs: 202, objs: 4242, free: 0".into()),
    );
}

fn accept_burst(b: &mut Builder, t: i64, host: usize, inc: usize) {
    let mut at = t;
    for delay in [
        "5ms", "10ms", "20ms", "40ms", "80ms", "160ms", "320ms", "640ms", "1s",
    ] {
        b.add(at, host, inc, Body::Klog { sev: 'I', file_line: "logs.go:41", msg: format!("http: Accept error: accept tcp [::]:10250: accept4: too many open files; retrying in {delay}") });
        at += match delay {
            "1s" => 1_000_000,
            d => d.trim_end_matches("ms").parse::<i64>().unwrap_or(5) * 1000 + 400,
        };
    }
}

/// Build the plan for a dump starting at `start_us` and spanning about `span_us`.
pub fn plan(rng: &mut Rng, cluster: &[Host], start_us: i64, span_us: i64) -> Plan {
    let scale = (span_us as f64 / 72_000e6).min(1.0);
    let mut b = Builder {
        injs: Vec::new(),
        truth: Vec::new(),
        scale,
    };
    let mut down = Vec::new();
    let base = |frac: f64| start_us + (span_us as f64 * frac) as i64;

    // 1. SLUB kmem-cgroup leak on the 3.13 host (host 0): burst, node dies, reboot, repeats.
    let h = 0;
    let inc = b.incident("slub-kmem-cgroup-leak", vec![cluster[h].name.clone()]);
    let t0 = base(0.06);
    let mut t = t0;
    for _ in 0..16 {
        slub_block(&mut b, t, h, inc, 33, SEED_CGROUP);
        slub_block(&mut b, t + 7_334, h, inc, 33, SEED_CGROUP);
        t = b.at(t, 20.0 + rng.below(40) as f64);
    }
    let reboot = b.at(t, 1500.0);
    down.push(Down {
        host: h,
        from: t + 10,
        to: reboot,
    });
    b.add(reboot, h, inc, Body::Reboot);
    let cg = rng.hex_string(64);
    let mut t = b.at(reboot, 900.0);
    for _ in 0..8 {
        slub_block(&mut b, t, h, inc, 41, &cg);
        t = b.at(t, 240.0 + rng.below(300) as f64);
    }

    // 2 -> 3. devicemapper fills the disk on host 1, then the eviction manager evicts kube-proxy.
    let h = 1;
    let ip = cluster[h].ip.clone();
    let dm = b.incident(
        "devicemapper-disk-exhaustion",
        vec![cluster[h].name.clone()],
    );
    let t1 = base(0.18);
    for (i, (level, value)) in [
        ("info", "\"[graphdriver] using prior storage driver \\\"devicemapper\\\"\"".to_string()),
        ("warning", "\"devmapper: Usage of loopback devices is strongly discouraged for production use. Please use `--storage-opt dm.thinpooldev` or use `man docker` to refer to dm.thinpooldev section.\"".to_string()),
        ("info", "\"Docker daemon\" commit=78d1802 graphdriver=devicemapper version=1.12.6".to_string()),
    ]
    .into_iter()
    .enumerate()
    {
        b.add(t1 + i as i64 * 211_000, h, dm, Body::Logrus { tag: "dockerd", level, value });
    }
    b.add(b.at(t1, 20.0), h, dm, Body::Klog { sev: 'I', file_line: "flags.go:52", msg: "FLAG: --eviction-hard=\"memory.available<5%,nodefs.available<25%,imagefs.available<25%\"".into() });
    let mut free = 1610;
    for i in 0..10 {
        let t = b.at(t1, 1800.0 + 480.0 * f64::from(i));
        free -= rng.range(4, 12) as i64;
        b.add(t, h, dm, Body::Logrus { tag: "dockerd", level: "error", value: format!("\"Handler for POST /v1.24/containers/create returned error: devmapper: Thin Pool has {free} free data blocks which is less than minimum required 1638 free data blocks. Create more free space in thin pool or use dm.min_free_space option to change behavior\"") });
        if i % 3 == 1 {
            b.add(t + 3_000_000, h, dm, Body::Logrus { tag: "dockerd", level: "error", value: "\"Handler for POST /v1.24/images/create returned error: failed to register layer: ApplyLayer exit status 1 stdout:  stderr: write /usr/lib/jvm/java-8-openjdk-amd64/jre/lib/rt.jar: no space left on device\"".into() });
        }
        if i % 2 == 0 {
            b.add(t + 9_000_000, h, dm, Body::Klog { sev: 'E', file_line: "kubelet.go:1282", msg: format!("Image garbage collection failed multiple times in a row: failed to garbage collect required amount of images. Wanted to free {} bytes, but freed 0 bytes", 1_603_412_582 + 7_000_000 * i64::from(i)) });
        }
    }
    let ev = b.incident("critical-pod-evicted", vec![cluster[h].name.clone()]);
    let te = b.at(t1, 6600.0);
    let kp = format!("kube-proxy-{ip}_kube-system(dc6bd3a06883f50ce46d35fd024f66f2)");
    for (d, sev, fl, msg) in [
        (0, 'W', "eviction_manager.go:332", "eviction manager: attempting to reclaim imagefs".to_string()),
        (107, 'I', "eviction_manager.go:346", "eviction manager: must evict pod(s) to reclaim imagefs".to_string()),
        (181, 'I', "eviction_manager.go:364", format!("eviction manager: pods ranked for eviction: {kp}, config-88df876c5-pmk67_ec-prod(e134b5a2-6fc1-11e8-b1d1-0226410ff50c), data-services-6b4df97cdf-qz8sd_ec-prod(da14a6d4-7158-11e8-ba3c-062f143c52c6)")),
        (317, 'I', "kuberuntime_container.go:582", "Killing container \"docker://853a131b5d9a577590773c677898ae61ca6a411e1046cd3422fa0d97d9547258\" with 30 second grace period".to_string()),
        (1_093_652, 'I', "eviction_manager.go:156", format!("eviction manager: pods {kp} evicted, waiting for pod to be cleaned up")),
        (11_603_180, 'W', "eviction_manager.go:142", format!("Failed to admit pod {kp} - node has conditions: [DiskPressure]")),
    ] {
        b.add(te + d, h, ev, Body::Klog { sev, file_line: fl, msg });
    }

    // 4. nofile exhausted on hosts 2, 3, 4 at once.
    let hosts_nofile = [2usize, 3, 4];
    let nf = b.incident(
        "nofile-exhaustion",
        hosts_nofile
            .iter()
            .map(|&i| cluster[i].name.clone())
            .collect(),
    );
    let t3 = base(0.40);
    for (k, &h) in hosts_nofile.iter().enumerate() {
        let ip = cluster[h].ip.clone();
        for burst in 0..4 {
            let t = b.at(t3, 600.0 * f64::from(burst) + 13.0 * k as f64);
            accept_burst(&mut b, t, h, nf);
        }
        for (j, &peer) in hosts_nofile.iter().enumerate() {
            if peer == h {
                continue;
            }
            let name = format!("Mesh_{}", cluster[peer].ip.replace('.', "_"));
            let t = b.at(t3, 140.0 + 31.0 * j as f64 + k as f64);
            b.add(
                t,
                h,
                nf,
                Body::Bird(format!(
                    "{name}: Connection lost (Connection reset by peer)"
                )),
            );
            b.add(
                t + 1000,
                h,
                nf,
                Body::Bird(format!("{name}: State changed to start")),
            );
        }
        for i in 0..3 {
            let t = b.at(t3, 300.0 + 700.0 * f64::from(i) + 7.0 * k as f64);
            b.add(t, h, nf, Body::Felix { level: "ERROR", file: "watcher.go", line: 135, msg: "Watch of etcd failed error=dial tcp 10.0.1.5:2379: socket: too many open files".into() });
            b.add(t + 41_000_000, h, nf, Body::Felix { level: "WARNING", file: "watcher.go", line: 118, msg: format!("Watch of etcd closed error=read tcp {ip}:{}->10.0.1.5:2379: read: connection reset by peer", rng.range(40000, 60000)) });
        }
    }

    // 5. four hosts renamed; calico registers them again under the new name.
    let renamed: Vec<usize> = (RENAMED_FIRST..RENAMED_FIRST + 4).collect();
    let mut names: Vec<String> = renamed
        .iter()
        .flat_map(|&i| {
            [
                hosts::original_name(i),
                hosts::short_name(&hosts::renamed_name(i)).to_string(),
            ]
        })
        .collect();
    names.sort();
    let hn = b.incident("hostname-change-calico", names);
    let t4 = base(0.55);
    for (k, &h) in renamed.iter().enumerate() {
        let new = hosts::renamed_name(h);
        let t = b.at(t4, 75.0 * k as f64);
        let pid = 2210 + k as u32 * 41;
        b.add(
            t,
            h,
            hn,
            Body::Plain {
                tag: "systemd-hostnamed",
                pid,
                msg: format!("Changed static host name to '{new}'"),
            },
        );
        b.add(
            t + 1000,
            h,
            hn,
            Body::Rename {
                pid,
                fqdn: new.clone(),
            },
        );
        let tc = b.at(t4, 600.0 + 120.0 * k as f64);
        b.add(
            tc,
            h,
            hn,
            Body::Felix {
                level: "INFO",
                file: "startup.go",
                line: 267,
                msg: "Using HOSTNAME environment (lowercase) for node name".into(),
            },
        );
        b.add(
            tc + 600,
            h,
            hn,
            Body::Felix {
                level: "INFO",
                file: "startup.go",
                line: 279,
                msg: format!("Determined node name: {new}"),
            },
        );
        // calico-node finds its own address already registered under the old name.
        let old = hosts::original_name(h);
        let ip = format!("10.0.2.{}", h + 1);
        b.add(
            tc + 1400,
            h,
            hn,
            Body::Felix {
                level: "WARNING",
                file: "startup.go",
                line: 1200,
                msg: format!("Calico node '{old}' is already using the IPv4 address {ip}."),
            },
        );
        for i in 0..3 {
            let t = b.at(tc, 360.0 + 500.0 * f64::from(i));
            let iface = format!("cali{}", rng.hex_string(11));
            b.add(t, h, hn, Body::Klog { sev: 'E', file_line: "cni.go:259", msg: format!("Error adding network: error adding host side routes for interface: {iface}, error: route (Ifindex: {}, Dst: 10.244.{}.{}/32, Scope: 253) already exists for an interface other than '{iface}'", rng.range(20, 90), rng.range(1, 250), rng.range(2, 250)) });
        }
    }

    // 6. OOM-kill storm on host 5 (kernel 4.4 text).
    let h = 5;
    let oom = b.incident("oom-kill-storm", vec![cluster[h].name.clone()]);
    let t5 = base(0.70);
    for i in 0..12 {
        let t = b.at(t5, 25.0 * f64::from(i));
        let pid = rng.range(3000, 60000);
        b.add(
            t,
            h,
            oom,
            Body::Kernel(format!(
                "Out of memory: Kill process {pid} (java) score {} or sacrifice child",
                rng.range(900, 1000)
            )),
        );
        b.add(
            t + 90,
            h,
            oom,
            Body::Kernel(format!(
                "Killed process {pid} (java) total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB",
                rng.range(4_000_000, 9_000_000),
                rng.range(500_000, 2_000_000),
                rng.range(1000, 30000)
            )),
        );
    }

    // 7. hung tasks on host 6.
    let h = 6;
    let hung = b.incident("hung-tasks", vec![cluster[h].name.clone()]);
    let t6 = base(0.82);
    for i in 0..6 {
        let t = b.at(t6, 120.0 * f64::from(i));
        let comm = [
            "jbd2/xvda1-8",
            "dockerd",
            "kworker/u30:2",
            "java",
            "containerd",
            "kubelet",
        ][i as usize];
        b.add(
            t,
            h,
            hung,
            Body::Kernel(format!(
                "INFO: task {comm}:{} blocked for more than 120 seconds.",
                rng.range(200, 40000)
            )),
        );
        b.add(
            t + 12,
            h,
            hung,
            Body::Kernel("      Not tainted 4.4.0-1062-aws #71-Ubuntu".into()),
        );
        b.add(
            t + 15,
            h,
            hung,
            Body::Kernel(
                "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message."
                    .into(),
            ),
        );
    }

    b.injs.sort_by_key(|i| i.t_us);
    let mut busy: Vec<(usize, i64, i64)> = Vec::new();
    for inj in &b.injs {
        let margin = (3600.0 * scale * 1e6) as i64;
        match busy
            .iter_mut()
            .find(|(h, _, to)| *h == inj.host && inj.t_us <= *to + margin)
        {
            Some(w) => w.2 = w.2.max(inj.t_us),
            None => busy.push((inj.host, inj.t_us, inj.t_us)),
        }
    }
    let margin = (3600.0 * scale * 1e6) as i64;
    for w in &mut busy {
        w.1 -= margin;
        w.2 += margin;
    }
    Plan {
        injs: b.injs,
        truth: b.truth,
        down,
        busy,
    }
}
