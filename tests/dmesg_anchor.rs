//! Issue #11, item 4: raw `dmesg` anchored through the kernel lines syslog also holds.
//! rsyslog's imklog reads the ring buffer when it starts and stamps every line already
//! there with that second; those lines must not anchor the boot. The fixtures are one
//! boot (2018-06-14T10:00:00.6Z) of an Ubuntu 18.04 EC2 node: its raw `dmesg`, and its
//! `kern.log`, in which rsyslog started 9 s after boot.

use serde_json::Value;
use std::process::Command;

const DMESG: &str = "\
[    0.000000] Linux version 4.15.0-20-generic (buildd@lgw01-amd64-039) (gcc version 7.3.0 (Ubuntu 7.3.0-16ubuntu2)) #21-Ubuntu SMP Tue Apr 24 06:16:15 UTC 2018 (Ubuntu 4.15.0-20.21-generic 4.15.18)
[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-4.15.0-20-generic root=UUID=2d0ac3a1-7b1e-4a43-9c1f-5c1e6f0d2a11 ro console=ttyS0
[    0.000000] KERNEL supported cpus:
[    0.004000] e820: update [mem 0x00000000-0x00000fff] usable ==> reserved
[    0.104312] smpboot: CPU0: Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz (family: 0x6, model: 0x3f, stepping: 0x2)
[    1.208775] EXT4-fs (xvda1): mounted filesystem with ordered data mode. Opts: (null)
[    2.514202] systemd[1]: systemd 237 running in system mode. (+PAM +AUDIT +SELINUX +IMA +APPARMOR +SMACK +SYSVINIT +UTMP +LIBCRYPTSETUP +GCRYPT +GNUTLS +ACL +XZ +LZ4 +SECCOMP +BLKID +ELFUTILS +KMOD -IDN2 +IDN -PCRE2 default-hierarchy=hybrid)
[    3.912443] EXT4-fs (xvda1): re-mounted. Opts: discard
[    5.120981] ena 0000:00:05.0: Elastic Network Adapter (ENA) v1.5.0K
[    8.977310] IPv6: ADDRCONF(NETDEV_UP): ens5: link is not ready
[   15.312004] aufs 4.15-20180219
[   42.700117] docker0: port 1(veth3b1c2d4) entered blocking state
[  120.904556] IPVS: Creating netns size=2104 id=9
[ 3600.205871] EXT4-fs error (device xvdf): ext4_find_entry:1455: inode #2: comm kubelet: reading directory lblock 0
";

const KERN_LOG: &str = "\
Jun 14 10:00:09 node-1 rsyslogd: [origin software=\"rsyslogd\" swVersion=\"8.32.0\" x-pid=\"812\" x-info=\"http://www.rsyslog.com\"] start
Jun 14 10:00:09 node-1 kernel: [    0.000000] Linux version 4.15.0-20-generic (buildd@lgw01-amd64-039) (gcc version 7.3.0 (Ubuntu 7.3.0-16ubuntu2)) #21-Ubuntu SMP Tue Apr 24 06:16:15 UTC 2018 (Ubuntu 4.15.0-20.21-generic 4.15.18)
Jun 14 10:00:09 node-1 kernel: [    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-4.15.0-20-generic root=UUID=2d0ac3a1-7b1e-4a43-9c1f-5c1e6f0d2a11 ro console=ttyS0
Jun 14 10:00:09 node-1 kernel: [    0.000000] KERNEL supported cpus:
Jun 14 10:00:09 node-1 kernel: [    0.004000] e820: update [mem 0x00000000-0x00000fff] usable ==> reserved
Jun 14 10:00:09 node-1 kernel: [    0.104312] smpboot: CPU0: Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz (family: 0x6, model: 0x3f, stepping: 0x2)
Jun 14 10:00:09 node-1 kernel: [    1.208775] EXT4-fs (xvda1): mounted filesystem with ordered data mode. Opts: (null)
Jun 14 10:00:09 node-1 kernel: [    2.514202] systemd[1]: systemd 237 running in system mode. (+PAM +AUDIT +SELINUX +IMA +APPARMOR +SMACK +SYSVINIT +UTMP +LIBCRYPTSETUP +GCRYPT +GNUTLS +ACL +XZ +LZ4 +SECCOMP +BLKID +ELFUTILS +KMOD -IDN2 +IDN -PCRE2 default-hierarchy=hybrid)
Jun 14 10:00:09 node-1 kernel: [    3.912443] EXT4-fs (xvda1): re-mounted. Opts: discard
Jun 14 10:00:09 node-1 kernel: [    5.120981] ena 0000:00:05.0: Elastic Network Adapter (ENA) v1.5.0K
Jun 14 10:00:09 node-1 kernel: [    8.977310] IPv6: ADDRCONF(NETDEV_UP): ens5: link is not ready
Jun 14 10:00:15 node-1 kernel: [   15.312004] aufs 4.15-20180219
Jun 14 10:00:43 node-1 kernel: [   42.700117] docker0: port 1(veth3b1c2d4) entered blocking state
Jun 14 10:02:01 node-1 kernel: [  120.904556] IPVS: Creating netns size=2104 id=9
Jun 14 11:00:00 node-1 kernel: [ 3600.205871] EXT4-fs error (device xvdf): ext4_find_entry:1455: inode #2: comm kubelet: reading directory lblock 0
";

#[test]
fn dmesg_anchors_on_live_kernel_lines_not_rsyslog_start_up_replay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("node-1/var/log");
    std::fs::create_dir_all(&log).expect("mkdir");
    std::fs::write(log.join("dmesg"), DMESG).expect("write");
    std::fs::write(log.join("kern.log"), KERN_LOG).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["sources", "--format", "json", "--year", "2018"])
        .arg(dir.path())
        .output()
        .expect("podmortem runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let dmesg = v["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["path"].as_str().is_some_and(|p| p.ends_with("/dmesg")))
        .expect("the dmesg source");
    let assumptions: Vec<&str> = dmesg["assumptions"]
        .as_array()
        .expect("assumptions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let anchored = assumptions
        .iter()
        .find_map(|a| a.split_once("anchored: booted at ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("not anchored: {assumptions:?}"));
    assert!(
        anchored.contains("10 lines of the syslog daemon's start-up replay ignored"),
        "{anchored}"
    );
    let boot = chrono::DateTime::parse_from_rfc3339(anchored.split(' ').next().unwrap_or_default())
        .expect("an RFC 3339 boot time")
        .with_timezone(&chrono::Utc);
    let truth = chrono::DateTime::parse_from_rfc3339("2018-06-14T10:00:00.6Z")
        .expect("time")
        .with_timezone(&chrono::Utc);
    assert!(
        (boot - truth).num_milliseconds().abs() < 1000,
        "booted at {boot}"
    );

    // Each live kernel line: its dmesg time (boot + uptime) within 1 s of its syslog copy.
    let mut compared = 0;
    for line in KERN_LOG.lines().filter(|l| l.contains("kernel: [")) {
        let wall = chrono::NaiveDateTime::parse_from_str(
            &format!("2018 {}", &line[..15]),
            "%Y %b %d %H:%M:%S",
        )
        .expect("syslog stamp")
        .and_utc();
        let up: f64 = line
            .split_once('[')
            .and_then(|(_, r)| r.split_once(']'))
            .and_then(|(u, _)| u.trim().parse().ok())
            .expect("uptime");
        if up < 9.0 {
            continue; // rsyslog's replay: the syslog copy is what is off here
        }
        let dmesg_time = boot + chrono::TimeDelta::microseconds((up * 1e6) as i64);
        let off = (dmesg_time - wall).num_milliseconds().abs();
        assert!(off < 1000, "{line}: dmesg says {dmesg_time}, syslog {wall}");
        compared += 1;
    }
    assert_eq!(compared, 4);
}
