//! Kernel reports of several lines give one event each, through the whole path
//! (format detection, envelope, extractor): `podmortem events --format jsonl` on small
//! files. Lines are copied from `../shared/corpus/k8s-node-real` (file named per test)
//! or follow the kernel format strings named in the grammar modules exactly.

use serde_json::Value;
use std::process::Command;

/// Events of one file holding `text`, as JSON values.
fn events(name: &str, text: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write input");
    let out = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["events", "--format", "jsonl"])
        .arg(&path)
        .output()
        .expect("podmortem runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect()
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}

#[test]
fn rcu_stall_self_detected_and_detected_are_one_stall() {
    // H-moby-34293 (journal without hostname)
    let ev = events(
        "kern.log",
        "Jul 28 04:24:10 kernel: INFO: rcu_sched self-detected stall on CPU
Jul 28 04:24:10 kernel: INFO: rcu_sched detected stalls on CPUs/tasks:
Jul 28 04:24:10 kernel:         0-...: (1 GPs behind) idle=fcd/140000000000001/0 softirq=392901330/392901331 fqs=0
Jul 28 04:24:10 kernel:         1-...: (1 GPs behind) idle=2d1/140000000000000/0 softirq=335319685/335319685 fqs=0
Jul 28 04:24:10 kernel:         (detected by 2, t=8043 jiffies, g=269718727, c=269718726, q=4790)
Jul 28 04:24:10 kernel: Task dump for CPU 0:
",
    );
    let stalls = of_kind(&ev, "kernel.rcu_stall");
    assert_eq!(stalls.len(), 1, "{ev:#?}");
    let f = &stalls[0]["fields"];
    assert_eq!(f["flavor"], "rcu_sched");
    assert_eq!(f["cpus"], serde_json::json!([0, 1]));
    assert_eq!(f["detected_by"], 2);
    assert_eq!(f["jiffies"], 8043);
    assert_eq!(stalls[0]["end_line"], 5);
}

#[test]
fn repeated_rcu_reports_count_each_time() {
    // H-tetragon-328 (5.x `rcu: ` prefix, tabs, a call trace between the reports)
    let mut text = String::from(
        "[  103.087243] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:
[  103.087558] rcu: \t1-...!: (0 ticks this GP) idle=cf8/0/0x0 softirq=20/20 fqs=0 
[  103.087821] \t(detected by 0, t=38227 jiffies, g=-1127, q=10)
[  103.088153] rcu: rcu_sched kthread starved for 38227 jiffies! g-1127 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402 ->cpu=1
[  103.088153] Call Trace:
",
    );
    for _ in 0..12 {
        text.push_str("[  103.088153]  schedule+0x34/0xa0\n");
    }
    text.push_str("[  182.556239] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\n");
    let ev = events("dmesg", &text);
    let stalls = of_kind(&ev, "kernel.rcu_stall");
    assert_eq!(stalls.len(), 2, "{ev:#?}");
    assert_eq!(stalls[0]["fields"]["kthread_starved_jiffies"], 38227);
}

#[test]
fn oops_header_and_trailer_are_one_panic_event() {
    // H-docker-for-mac-87 (a format the envelope does not split: `... kern.alert kernel: `)
    let ev = events(
        "console.log",
        "2016-07-31 16:26:53 +0000 UTC kern.info kernel: start-stop-daem[1835]: segfault at 0 ip           (null) sp 00007ffc2c02c8d0 error 14 in start-stop-daemon[5651e3991000+8000]
2016-07-31 16:26:53 +0000 UTC kern.crit kernel: kernel tried to execute NX-protected page - exploit attempt? (uid: 0)
2016-07-31 16:26:53 +0000 UTC kern.alert kernel: BUG: unable to handle kernel paging request at ffff88007bd671c0
2016-07-31 16:26:53 +0000 UTC kern.alert kernel: IP: [<ffff88007bd671c0>] 0xffff88007bd671c0
2016-07-31 16:26:53 +0000 UTC kern.warn kernel: PGD 1ee2067 PUD 1ee5067 PMD 800000007bc001e3
2016-07-31 16:26:53 +0000 UTC kern.warn kernel: Oops: 0011 [#1] SMP
2016-07-31 16:26:53 +0000 UTC kern.warn kernel: Modules linked in:
2016-07-31 16:26:53 +0000 UTC kern.warn kernel: CPU: 3 PID: 1835 Comm: start-stop-daem Not tainted 4.4.15-moby #1
2016-07-31 16:26:53 +0000 UTC kern.warn kernel: Hardware name:   BHYVE, BIOS 1.00 03/14/2014
",
    );
    let panics = of_kind(&ev, "kernel.panic");
    assert_eq!(panics.len(), 1, "{ev:#?}");
    let f = &panics[0]["fields"];
    assert_eq!(f["type"], "bug");
    assert_eq!(f["reason"], "unable to handle kernel paging request");
    assert_eq!(f["oops_count"], 1);
    assert_eq!(f["process"], "start-stop-daem");
    assert_eq!(f["pid"], 1835);
    assert_eq!(panics[0]["line"], 3);
    assert_eq!(panics[0]["end_line"], 8);
}

#[test]
fn hung_task_header_and_task_line_are_one_event() {
    // H-sysbox-771 (AKS, 5.15-azure)
    let ev = events(
        "kern.log",
        "Feb 05 02:19:23 aks-sysboxcpu1-20143122-vmss00001L kernel: INFO: task runc:[2:INIT]:1987683 blocked for more than 120 seconds.
Feb 05 02:19:23 aks-sysboxcpu1-20143122-vmss00001L kernel:       Not tainted 5.15.0-1053-azure #61-Ubuntu
Feb 05 02:19:23 aks-sysboxcpu1-20143122-vmss00001L kernel: \"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.
Feb 05 02:19:23 aks-sysboxcpu1-20143122-vmss00001L kernel: task:runc:[2:INIT]   state:D stack:    0 pid:1987683 ppid:1987654 flags:0x00004006
Feb 05 02:19:23 aks-sysboxcpu1-20143122-vmss00001L kernel: Call Trace:
Feb 05 02:19:23 aks-sysboxcpu1-20143122-vmss00001L kernel:  <TASK>
Feb 05 02:19:23 aks-sysboxcpu1-20143122-vmss00001L kernel:  __schedule+0x243/0x5f0
",
    );
    let hung = of_kind(&ev, "kernel.hung_task");
    assert_eq!(hung.len(), 1, "{ev:#?}");
    let f = &hung[0]["fields"];
    assert_eq!(f["process"], "runc:[2:INIT]");
    assert_eq!(f["pid"], 1987683);
    assert_eq!(f["state"], "D");
    assert_eq!(f["ppid"], 1987654);
    assert_eq!(hung[0]["end_line"], 4);
}

#[test]
fn scsi_failures_join_their_block_errors() {
    // I-appstream-90: four failed commands, four block-layer errors: four failed requests
    let ev = events(
        "messages",
        "May 29 03:24:48 k8snode234 kernel: sd 1:0:2:0: [sdc] tag#3023 FAILED Result: hostbyte=DID_BAD_TARGET driverbyte=DRIVER_OK
May 29 03:24:48 k8snode234 kernel: sd 1:0:2:0: [sdc] tag#3023 CDB: Read(10) 28 00 25 7c de 48 00 00 08 00
May 29 03:24:48 k8snode234 kernel: print_req_error: 546 callbacks suppressed
May 29 03:24:48 k8snode234 kernel: print_req_error: I/O error, dev sdc, sector 628940360 flags 80700
May 29 03:24:48 k8snode234 kernel: sd 1:0:2:0: [sdc] tag#3024 FAILED Result: hostbyte=DID_BAD_TARGET driverbyte=DRIVER_OK
May 29 03:24:48 k8snode234 kernel: sd 1:0:2:0: [sdc] tag#3024 CDB: Read(10) 28 00 25 7c de 48 00 00 08 00
May 29 03:24:48 k8snode234 kernel: print_req_error: I/O error, dev sdc, sector 628940360 flags 0
",
    );
    let io = of_kind(&ev, "kernel.io_error");
    assert_eq!(io.len(), 2, "{ev:#?}");
    for e in &io {
        assert_eq!(e["fields"]["device"], "sdc");
        assert_eq!(e["fields"]["sector"], 628940360);
        assert_eq!(
            e["fields"]["scsi_result"],
            "hostbyte=DID_BAD_TARGET driverbyte=DRIVER_OK"
        );
    }
}

#[test]
fn oom_group_kills_each_task_once() {
    // 5.x memcg OOM with memory.oom.group (mm/oom_kill.c, mm/memcontrol.c format strings):
    // the victim is killed, then every task of the cgroup, the victim again among them.
    let ev = events(
        "dmesg",
        "[  200.000001] stress invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=937
[  200.000100] memory: usage 524288kB, limit 524288kB, failcnt 42
[  200.000200] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=c1,mems_allowed=0,oom_memcg=/kubepods/burstable/pod1,task_memcg=/kubepods/burstable/pod1/c1,task=stress,pid=101,uid=0
[  200.000300] Memory cgroup out of memory: Killed process 101 (stress) total-vm:600000kB, anon-rss:520000kB, file-rss:100kB, shmem-rss:0kB, UID:0 pgtables:1100kB oom_score_adj:937
[  200.000400] Tasks in /kubepods/burstable/pod1 are going to be killed due to memory.oom.group set
[  200.000500] Memory cgroup out of memory: Killed process 100 (sh) total-vm:2000kB, anon-rss:100kB, file-rss:800kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:937
[  200.000600] Memory cgroup out of memory: Killed process 101 (stress) total-vm:600000kB, anon-rss:0kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1100kB oom_score_adj:937
",
    );
    let kills = of_kind(&ev, "kernel.oom_kill");
    let pids: Vec<&Value> = kills.iter().map(|k| &k["fields"]["pid"]).collect();
    assert_eq!(pids, [&Value::from(101), &Value::from(100)], "{ev:#?}");
    assert_eq!(kills[0]["fields"]["memcg_limit_kb"], 524288);
    assert_eq!(kills[0]["fields"]["trigger"], "stress");
    assert_eq!(kills[1]["fields"]["oom_group"], true);
    assert_eq!(kills[1]["fields"]["memcg"], "/kubepods/burstable/pod1");
}

#[test]
fn oom_report_without_its_kill_line_is_one_kill() {
    // D-kata-runtime-1310 (4.14 guest dmesg; the excerpt ends inside the call trace)
    let ev = events(
        "dmesg",
        "[   13.957383] mem invoked oom-killer: gfp_mask=0x14200ca(GFP_HIGHUSER_MOVABLE), nodemask=(null),  order=0, oom_score_adj=0
[   13.957570] mem cpuset=609e7ec068ac9642229a994438d5a1f68ab5fe9ef81748e367d35b997bd65ae8 mems_allowed=0
[   13.957877] CPU: 0 PID: 93 Comm: mem Not tainted 4.14.67+ #1
[   13.958013] Call Trace:
[   13.958013]  dump_stack+0x5c/0x78
",
    );
    let kills = of_kind(&ev, "kernel.oom_kill");
    assert_eq!(kills.len(), 1, "{ev:#?}");
    assert_eq!(kills[0]["fields"]["trigger"], "mem");
}

#[test]
fn systemd_oomd_and_pid1_notice_are_one_kill() {
    // D-systemd-23606
    let ev = events(
        "journal.txt",
        "Dec 18 19:34:56 user-desktop systemd-oomd[840]: Killed /user.slice/user-1001.slice/user@1001.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-dbb4a75e-031f-480d-924b-5de5af7579d2.scope due to memory pressure for /user.slice/user-1001.slice/user@1001.service being 51.07% > 50.00% for > 20s with reclaim activity
Dec 18 19:34:56 user-desktop systemd[1837]: vte-spawn-dbb4a75e-031f-480d-924b-5de5af7579d2.scope: systemd-oomd killed 12 process(es) in this unit.
Dec 18 19:34:57 user-desktop systemd[1837]: vte-spawn-dbb4a75e-031f-480d-924b-5de5af7579d2.scope: Consumed 5h 17min 34.893s CPU time.
",
    );
    let kills = of_kind(&ev, "systemd.oomd_kill");
    assert_eq!(kills.len(), 1, "{ev:#?}");
    assert_eq!(kills[0]["fields"]["processes"], 12);
    assert_eq!(kills[0]["fields"]["reason"], "memory pressure");
    assert!(
        of_kind(&ev, "kernel.oom_kill").is_empty(),
        "oomd is not the kernel OOM killer"
    );
}

#[test]
fn raw_kernel_text_after_an_uptime_is_not_a_journal_host() {
    // F-router7-31 and F-openwrt-nic-drivers-11: `word: ...` / `driver slot if:` after
    // the uptime must not be read as journal short-monotonic `host tag:`.
    let ev = events(
        "dmesg",
        "[843041.359054] neighbour: arp_cache: neighbor table overflow!
[ 1356.296930] r8125 0000:22:04.0 eth4: NETDEV WATCHDOG: CPU: 3: transmit queue 0 timed out 5010 ms
[ 1356.350008] r8125 0000:22:04.0 eth4: rtl_rxtx_empty_cond == 0 (loop: 42, delay: 100).
",
    );
    assert_eq!(
        of_kind(&ev, "kernel.neighbour_table_overflow").len(),
        1,
        "{ev:#?}"
    );
    let tx = of_kind(&ev, "net.nic_tx_timeout");
    assert_eq!(tx.len(), 1);
    assert_eq!(tx[0]["fields"]["interface"], "eth4");
}

#[test]
fn slub_block_survives_another_cpus_call_trace() {
    // 6.x mm/slub.c slab_out_of_memory format; the frames between header and cache line
    // are another CPU's dump_stack (5.x+ form: `<TASK>` markers, no address column).
    let ev = events(
        "dmesg",
        "[88820.247535] SLUB: Unable to allocate memory on CPU 1 (of node 0) on node -1, gfp=0xa20(GFP_ATOMIC)
[88820.247536]  <TASK>
[88820.247537]  dump_stack_lvl+0x48/0x70
[88820.247538]  warn_alloc+0x165/0x1e0
[88820.247539]  ? __alloc_pages_direct_compact+0x1b0/0x2d0
[88820.247540]  __alloc_pages_slowpath.constprop.0+0xcd7/0xe50
[88820.247541]  </TASK>
[88820.247542]   cache: kmalloc-256, object size: 256, buffer size: 256, default order: 1, min order: 0
[88820.247543]   node 0: slabs: 113, objs: 1808, free: 0
",
    );
    let slub = of_kind(&ev, "kernel.slub_alloc_failure");
    assert_eq!(slub.len(), 1, "{ev:#?}");
    let f = &slub[0]["fields"];
    assert_eq!(f["cpu"], 1);
    assert_eq!(f["gfp_flags"], serde_json::json!(["GFP_ATOMIC"]));
    assert_eq!(f["cache"], "kmalloc-256");
    assert_eq!(f["nodes"][0]["slabs"], 113);
    assert_eq!(slub[0]["end_line"], 9);
}

#[test]
fn printk_caller_ids_and_doubled_conntrack_prefix() {
    // CONFIG_PRINTK_CALLER dmesg and the 4.14+ `nf_conntrack: nf_conntrack:` pr_fmt prefix
    let ev = events(
        "dmesg",
        "[120412.553201][    C3] nf_conntrack: nf_conntrack: table full, dropping packet
[120417.553911][    C3] net_ratelimit: 1123 callbacks suppressed
[120417.553920][ T1234] nf_conntrack: nf_conntrack: table full, dropping packet
",
    );
    let full = of_kind(&ev, "kernel.conntrack_full");
    assert_eq!(full.len(), 2, "{ev:#?}");
    assert_eq!(full[0]["fields"]["prefixes"], 2);
    assert_eq!(full[0]["uptime_us"], 120412553201u64);
}
