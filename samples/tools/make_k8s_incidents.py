#!/usr/bin/env python3
"""Writes samples/k8s-incidents/: nine nodes in which the five seed incidents happen.

Deterministic (fixed seed, gzip mtime 0): re-running it gives byte-identical files.
Usage: python3 samples/tools/make_k8s_incidents.py [OUT_DIR]  (default: samples/k8s-incidents/bundle)
"""
import gzip
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import fmt
from noise import Pids, cron, dhclient, kubelet_klog, ntpd, sshd, steps

UTC = timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "k8s-incidents", "bundle")
rng = random.Random(20180608)


def hexid(n=64):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def uid():
    h = hexid(32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ms(n):
    return timedelta(milliseconds=n)


class Node:
    """Lines per file, sorted by time when written."""

    def __init__(self, name):
        self.name = name
        self.files = {}
        self.seq = 0

    def add(self, path, t, line):
        self.seq += 1
        self.files.setdefault(path, []).append((t.astimezone(UTC), self.seq, line))

    def raw(self, path, lines):
        self.files[path] = [(None, i, l) for i, l in enumerate(lines)]

    def lines(self, path, start=None, end=None):
        rows = sorted(self.files.get(path, []), key=lambda r: (r[0] or datetime.min.replace(tzinfo=UTC), r[1]))
        return [l for t, _, l in rows if (start is None or t >= start) and (end is None or t < end)]

    def write(self, rotations=None):
        """rotations: {path: [(suffix, start, end)]} splits a syslog stream into rotated files."""
        rotations = rotations or {}
        for path in sorted(self.files):
            if path in rotations:
                for suffix, start, end in rotations[path]:
                    emit(os.path.join(self.name, path + suffix), self.lines(path, start, end))
            else:
                emit(os.path.join(self.name, path), self.lines(path))


def emit(rel, lines):
    full = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    data = ("\n".join(lines) + "\n").encode()
    if rel.endswith(".gz"):
        with open(full, "wb") as f:
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
                g.write(data)
    else:
        with open(full, "wb") as f:
            f.write(data)


def syslog_noise(node, path, host, start, end, zone, ip, pids, sshd_mean=10800, rfc=fmt.rfc3164):
    for gen in (cron(rng, start, end, pids), sshd(rng, start, end, pids, sshd_mean), ntpd(rng, start, end, pids),
                dhclient(rng, start, end, pids, ip)):
        for t, tag, msg in gen:
            node.add(path, t, rfc(t.astimezone(zone), host, tag, msg))


# ---------------------------------------------------------------------------------------------
# Kernel text shared by the nodes
BANNER_313 = ("Linux version 3.13.0-24-generic (buildd@panlong) (gcc version 4.8.2 (Ubuntu 4.8.2-19ubuntu1) ) "
              "#46-Ubuntu SMP Thu Apr 10 19:11:08 UTC 2014 (Ubuntu 3.13.0-24.46-generic 3.13.9)")
BANNER_49 = ("Linux version 4.9.0-040900-generic (kernel@gloin) (gcc version 6.2.0 20161005 (Ubuntu 6.2.0-5ubuntu12) ) "
             "#201612111631 SMP Sun Dec 11 21:33:00 UTC 2016")
BANNER_44 = ("Linux version 4.4.0-1062-aws (buildd@lcy01-amd64-001) (gcc version 5.4.0 20160609 (Ubuntu 5.4.0-6ubuntu1~16.04.9) ) "
             "#71-Ubuntu SMP Fri Jun 15 10:07:39 UTC 2018 (Ubuntu 4.4.0-1062.71-aws 4.4.134)")


def boot_lines(banner, release, root_dev="xvda1"):
    """(uptime, text) of a short EC2 Xen HVM boot."""
    return [
        (0.0, "Initializing cgroup subsys cpuset"),
        (0.0, "Initializing cgroup subsys cpu"),
        (0.0, "Initializing cgroup subsys cpuacct"),
        (0.0, banner),
        (0.0, f"Command line: BOOT_IMAGE=/boot/vmlinuz-{release} root=UUID=3e8d2c4f-5b1a-4c9e-8f7d-2a6b0c1d9e4f ro console=tty1 console=ttyS0"),
        (0.0, "Hypervisor detected: Xen HVM"),
        (0.0, "Memory: 16424960K/16776824K available (7370K kernel code, 1142K rwdata, 3400K rodata, 1340K init, 1440K bss, 351864K reserved)"),
        (0.104312, "Initializing cgroup subsys memory"),
        (1.312433, f"EXT4-fs ({root_dev}): mounted filesystem with ordered data mode. Opts: (null)"),
        (4.104312, f"EXT4-fs ({root_dev}): re-mounted. Opts: discard"),
        (6.930211, "random: nonblocking pool is initialized"),
    ]


def SYSTEMD_229_BOOT(host):
    """(ms, message) of PID 1 starting on Ubuntu 16.04 (systemd 229): it sets the host name
    from /etc/hostname at every boot, renamed or not."""
    return [
        (0, "systemd 229 running in system mode. (+PAM +AUDIT +SELINUX +IMA +APPARMOR +SMACK +SYSVINIT +UTMP +LIBCRYPTSETUP +GCRYPT +GNUTLS +ACL +XZ -LZ4 +SECCOMP +BLKID +ELFUTILS +KMOD -IDN)"),
        (1, "Detected virtualization xen."),
        (1, "Detected architecture x86-64."),
        (2, f"Set hostname to <{host}>."),
    ]


def cali():
    return "cali" + hexid(11)


def pod_net_lines(rng_, up):
    """Kernel lines of a pod's veth pair being set up by the calico CNI plugin."""
    iface = cali()
    return [(up, f"IPv6: ADDRCONF(NETDEV_UP): {iface}: link is not ready"),
            (up + 0.000412, f"IPv6: ADDRCONF(NETDEV_CHANGE): {iface}: link becomes ready")]


def dockerd_start(t, zone, cpid, driver, prior, loopback, home_dev=None):
    """Docker 1.12.6 start-up as upstart's /var/log/upstart/docker.log shows it: (t, line)."""
    z = lambda d: (t + d).astimezone(zone)
    out = [(z(ms(0)), fmt.logrus(z(ms(0)), "info", f"libcontainerd: new containerd process, pid: {cpid}"))]
    d = 1012
    if prior:
        out.append((z(ms(d)), fmt.logrus(z(ms(d)), "info", f'[graphdriver] using prior storage driver "{driver}"')))
    if loopback:
        d += 204
        out.append((z(ms(d)), fmt.logrus(z(ms(d)), "warning", "devmapper: Usage of loopback devices is strongly discouraged for production use. Please use `--storage-opt dm.thinpooldev` or use `man docker` to refer to dm.thinpooldev section.")))
        if not prior:
            out.append((z(ms(d + 301)), fmt.logrus(z(ms(d + 301)), "info", f"devmapper: Creating filesystem xfs on device docker-{home_dev}-base")))
            d += 2990
            out.append((z(ms(d)), fmt.logrus(z(ms(d)), "info", f"devmapper: Successfully created filesystem xfs on device docker-{home_dev}-base")))
    seq = [
        ("info", "Graph migration to content-addressability took 0.00 seconds", {}),
        ("warning", "Your kernel does not support swap memory limit.", {}),
        ("warning", "Your kernel does not support cgroup rt period", {}),
        ("warning", "Your kernel does not support cgroup rt runtime", {}),
        ("info", "Loading containers: start.", {}),
        ("info", "Firewalld running: false", {}),
        ("info", "Default bridge (docker0) is assigned with an IP address 172.17.0.0/16. Daemon option --bip can be used to set a preferred IP address", {}),
        ("info", "Loading containers: done.", {}),
        ("info", "Daemon has completed initialization", {}),
        ("info", "Docker daemon", {"commit": "78d1802", "graphdriver": driver, "version": "1.12.6"}),
        ("info", "API listen on /var/run/docker.sock", {}),
    ]
    for level, msg, fields in seq:
        d += rng.randrange(3, 400)
        out.append((z(ms(d)), fmt.logrus(z(ms(d)), level, msg, **fields)))
    return out


KUBELET_FLAGS = [
    ("address", "0.0.0.0"), ("allow-privileged", "true"), ("cadvisor-port", "0"),
    ("cgroup-driver", "cgroupfs"), ("cluster-dns", "[10.96.0.10]"), ("cluster-domain", "cluster.local"),
    ("cni-bin-dir", "/opt/cni/bin"), ("cni-conf-dir", "/etc/cni/net.d"),
    ("eviction-hard", "memory.available<5%,nodefs.available<25%,imagefs.available<25%"),
    ("eviction-minimum-reclaim", "memory.available=0Mi,nodefs.available=5%,imagefs.available=5%"),
    ("hostname-override", "{ip}"), ("image-gc-high-threshold", "85"), ("image-gc-low-threshold", "80"),
    ("kubeconfig", "/etc/kubernetes/kubelet.conf"), ("log-dir", ""), ("max-pods", "110"),
    ("network-plugin", "cni"), ("node-ip", "{ip}"), ("pod-infra-container-image", "registry.example.internal/pause-amd64:3.0"),
    ("pod-manifest-path", "/etc/kubernetes/manifests"), ("port", "10250"), ("system-reserved", "memory=768Mi"), ("v", "2"),
]


def kubelet_start(t, pid, ip):
    """kubelet 1.9.6 start: flags.go:52 FLAG dump, then version and feature lines: (t, sev, fileline, msg)."""
    out = []
    for i, (k, v) in enumerate(KUBELET_FLAGS):
        out.append((t + timedelta(microseconds=40 * i), "I", "flags.go:52", f"FLAG: --{k}={fmt.go_quote(v.format(ip=ip))}"))
    t2 = t + ms(3)
    out += [
        (t2, "I", "feature_gate.go:226", "feature gates: &{{} map[]}"),
        (t2 + ms(1), "I", "server.go:182", "Version: v1.9.6"),
        (t2 + ms(2), "I", "plugins.go:101", "No cloud provider specified."),
        (t2 + ms(412), "I", "server.go:428", "--cgroups-per-qos enabled, but --cgroup-root was not specified.  defaulting to /"),
        (t2 + ms(460), "I", "container_manager_linux.go:242", "container manager verified user specified cgroup-root exists: /"),
        (t2 + ms(470), "I", "kubelet.go:303", "Watching apiserver"),
        # Start-up chatter every kubelet start prints (issue #11): no image filesystem stats
        # yet, and PLEG reports the never-ran sentinel before its first relist.
        (t2 + ms(1100), "I", "server.go:718", "Started kubelet"),
        (t2 + ms(1101), "E", "kubelet.go:1275", "Image garbage collection failed once. Stats initialization may not have completed yet: failed to get imageFs info: unable to find data for container /"),
        (t2 + ms(1115), "I", "kubelet.go:1767", "Starting kubelet main sync loop."),
        (t2 + ms(1116), "I", "kubelet.go:1778", "skipping pod synchronization - [container runtime is down PLEG is not healthy: pleg was last seen active 2562047h47m16.854775807s ago; threshold is 3m0s]"),
        (t2 + ms(1203), "I", "kubelet_node_status.go:273", "Setting node annotation to enable volume controller attach/detach"),
        (t2 + ms(1650), "I", "kubelet_node_status.go:82", "Attempting to register node " + ip),
        (t2 + ms(1702), "I", "kubelet_node_status.go:127", f"Node {ip} was previously registered"),
    ]
    return out


def add_klog(node, path, zone, rows, pid):
    for t, sev, fl, msg in rows:
        node.add(path, t, fmt.klog(t.astimezone(zone), sev, pid, fl, msg))


APP_PODS = [
    ("config-88df876c5-pmk67_ec-prod", "e134b5a2-6fc1-11e8-b1d1-0226410ff50c"),
    ("data-services-6b4df97cdf-qz8sd_ec-prod", "da14a6d4-7158-11e8-ba3c-062f143c52c6"),
    ("rulescript-services-5ffdfd7f7-c5ph8_ec-prod", "534a6a09-7079-11e8-ba3c-062f143c52c6"),
    ("mq-services-69758bfc6d-7cn94_ec-prod", "326cedc8-70e0-11e8-ba3c-062f143c52c6"),
    ("fbagent-services-67d7b788cb-pmd8d_ec-prod", "a07d489a-71bc-11e8-ba3c-062f143c52c6"),
]


# ---------------------------------------------------------------------------------------------
def node1():
    """SLUB kmem-accounting leak on kernel 3.13 + Docker 1.12.6; node dies; reboot; repeats."""
    n = Node("node-1")
    host, ip, zone = "node-1", "10.0.1.11", SHANGHAI
    pids = Pids(rng, 2400)
    n.raw("etc/timezone", ["Asia/Shanghai"])
    seed_cg = "b40c3884668600191e02b3c32efaf12bdd1e6d0a4d3869662045e4193af6c26c"
    new_cg = hexid()
    first_slub = datetime(2018, 6, 8, 3, 3, 28, 50000, tzinfo=zone)
    boot_a = first_slub - timedelta(seconds=88820.247535)
    boot_b = datetime(2018, 6, 8, 3, 41, 52, 310000, tzinfo=zone)
    death = datetime(2018, 6, 8, 3, 11, 47, tzinfo=zone)
    end = datetime(2018, 6, 8, 9, 45, 0, tzinfo=zone)
    dmesg_at = datetime(2018, 6, 8, 9, 40, 12, tzinfo=zone)
    dmesg = []

    def kern(boot, up, msg, in_dmesg=False):
        kt = boot + timedelta(seconds=up)
        st = max(kt + ms(2), boot + timedelta(seconds=9.2))  # rsyslog starts ~9 s after boot
        line = fmt.rfc3164(st.astimezone(zone), host, "kernel", fmt.kernel_msg(up, msg))
        n.add("var/log/syslog", st, line)
        n.add("var/log/kern.log", st, line)
        if in_dmesg and kt < dmesg_at:
            dmesg.append((up, fmt.kernel_msg(up, msg)))

    def slub_block(boot, up, cg, memcg, objs, in_dmesg):
        kern(boot, up, "SLUB: Unable to allocate memory on node -1 (gfp=0x8020)", in_dmesg)
        kern(boot, up + 0.000006, f"  cache: kmalloc-192({memcg}:{cg}), object size: 192, buffer size: 192, default order: 0, min order: 0", in_dmesg)
        kern(boot, up + 0.000008, f"  node 0: slabs: {objs // 21}, objs: {objs}, free: 0", in_dmesg)

    for boot, in_d, stop in ((boot_a, False, death), (boot_b, True, end)):
        for up, msg in boot_lines(BANNER_313, "3.13.0-24-generic"):
            kern(boot, up, msg, in_d)
        kern(boot, 8.812731, "aufs 3.13-20140303", in_d)
        kern(boot, 15.410021, "IPv6: ADDRCONF(NETDEV_UP): docker0: link is not ready", in_d)
        up = 31.0
        while True:
            up += rng.uniform(300, 2400)
            if boot + timedelta(seconds=up) >= stop:
                break
            for u, msg in pod_net_lines(rng, up):
                kern(boot, u, msg, in_d)
            if rng.random() < 0.5:
                kern(boot, up + 0.31, f"aufs au_opts_verify:1597:dockerd[{1187 if boot == boot_a else 1203}]: dirperm1 breaks the protection by the permission bits on the lower branch", in_d)

    # boot A: the seed's two blocks, then bursts until the node hangs
    up = 88820.247535
    kern(boot_a, up, "SLUB: Unable to allocate memory on node -1 (gfp=0x8020)")
    kern(boot_a, 88820.247541, f"  cache: kmalloc-192(33:{seed_cg}), object size: 192, buffer size: 192, default order: 0, min order: 0")
    kern(boot_a, 88820.247543, "  node 0: slabs: 202, objs: 4242, free: 0")
    kern(boot_a, 88820.254869, "SLUB: Unable to allocate memory on node -1 (gfp=0x8020)")
    kern(boot_a, 88820.254873, f"  cache: kmalloc-192(33:{seed_cg}), object size: 192, buffer size: 192, default order: 0, min order: 0")
    kern(boot_a, 88820.254875, "  node 0: slabs: 202, objs: 4242, free: 0")
    while True:
        up += rng.uniform(4, 45)
        if boot_a + timedelta(seconds=up) >= death:
            break
        for k in range(rng.randrange(1, 4)):
            slub_block(boot_a, up + k * 0.007331, seed_cg, 33, 4242, False)
    # boot B: the block keeps coming back once the workload is rescheduled
    up = (datetime(2018, 6, 8, 5, 12, 9, tzinfo=zone) - boot_b).total_seconds() + 0.118223
    while boot_b + timedelta(seconds=up) < end:
        for k in range(rng.randrange(1, 3)):
            slub_block(boot_b, up + k * 0.006113, new_cg, 41, 3948, True)
        up += rng.uniform(480, 1500)

    # upstart docker.log (local zone, year-bearing) for both boots
    for boot, cpid in ((boot_a, 1236), (boot_b, 1251)):
        for t, line in dockerd_start(boot + timedelta(seconds=13.4), zone, cpid, "aufs", boot == boot_b, False):
            n.add("var/log/upstart/docker.log", t, line)
    for t in steps(rng, boot_a + timedelta(minutes=3), end, 3600):
        if boot_a + timedelta(minutes=2) < t < death or t > boot_b + timedelta(minutes=3):
            c = hexid()
            n.add("var/log/upstart/docker.log", t, fmt.logrus(t.astimezone(zone), "error", f"Handler for GET /v1.24/containers/{c}/json returned error: No such container: {c}"))

    # kubelet.log, local time (glog)
    for boot, pid, stop in ((boot_a, 1532, death), (boot_b, 1498, end)):
        add_klog(n, "var/log/kubelet.log", zone, kubelet_start(boot + timedelta(seconds=19.7), pid, ip), pid)
        add_klog(n, "var/log/kubelet.log", zone, kubelet_klog(rng, boot + timedelta(seconds=40), stop, pid, ip, APP_PODS, 900), pid)

    # container logs (docker json-file, UTC; the container's own klog/app time is UTC too)
    kp_id = hexid()
    kp = f"var/log/containers/kube-proxy-{ip}_kube-system_kube-proxy-{kp_id}.log"
    for boot in (boot_a, boot_b):
        t0 = boot + timedelta(seconds=24.3)
        for i, (sev, fl, msg) in enumerate([
            ("W", "server.go:191", "WARNING: all flags other than --config, --write-config-to, and --cleanup-iptables are deprecated. Please begin using a config file ASAP."),
            ("I", "server_others.go:138", "Using iptables Proxier."),
            ("I", "server_others.go:171", "Tearing down inactive rules."),
            ("I", "server.go:444", "Version: v1.9.6"),
            ("I", "conntrack.go:98", "Set sysctl 'net/netfilter/nf_conntrack_max' to 131072"),
            ("I", "conntrack.go:52", "Setting nf_conntrack_max to 131072"),
            ("I", "conntrack.go:98", "Set sysctl 'net/netfilter/nf_conntrack_tcp_timeout_established' to 86400"),
            ("I", "config.go:202", "Starting service config controller"),
            ("I", "config.go:102", "Starting endpoints config controller"),
            ("I", "controller_utils.go:1026", "Caches are synced for endpoints config controller"),
        ]):
            t = t0 + timedelta(microseconds=2113 * i * i + 17)
            n.add(kp, t, fmt.docker_json(t, "stderr", fmt.klog(t.astimezone(UTC), sev, 1, fl, msg)))
    ds = f"var/log/containers/data-services-6b4df97cdf-qz8sd_ec-prod_data-services-{seed_cg}.log"
    for t in steps(rng, boot_a + timedelta(minutes=2), death, 1500):
        tu = t.astimezone(UTC)
        line = f"{tu:%Y-%m-%d %H:%M:%S}.{tu.microsecond // 1000:03d}  INFO 1 --- [nio-8080-exec-{rng.randrange(1, 10)}] c.e.d.web.QueryController               : query {hexid(8)} served in {rng.randrange(3, 80)} ms"
        n.add(ds, t, fmt.docker_json(t, "stdout", line))

    syslog_noise(n, "var/log/syslog", host, boot_a + timedelta(seconds=12), death, zone, ip, pids)
    syslog_noise(n, "var/log/syslog", host, boot_b + timedelta(seconds=12), end, zone, ip, pids)
    hup = '[origin software="rsyslogd" swVersion="7.4.4" x-pid="712" x-info="http://www.rsyslog.com"] rsyslogd was HUPed'
    rot1 = datetime(2018, 6, 7, 6, 25, 3, tzinfo=zone)
    rot2 = datetime(2018, 6, 8, 6, 25, 4, tzinfo=zone)
    for r in (rot1, rot2):
        n.add("var/log/syslog", r + ms(900), fmt.rfc3164(r + ms(900), host, "rsyslogd", hup))
    for boot in (boot_a, boot_b):
        t = boot + timedelta(seconds=9.1)
        n.add("var/log/syslog", t, fmt.rfc3164(t, host, "rsyslogd", '[origin software="rsyslogd" swVersion="7.4.4" x-pid="712" x-info="http://www.rsyslog.com"] start'))
    dmesg.sort(key=lambda r: r[0])
    emit("node-1/dmesg.txt", [l for _, l in dmesg])
    n.write({"var/log/syslog": [(".2.gz", None, rot1 + ms(900)), (".1", rot1 + ms(900), rot2 + ms(900)), ("", rot2 + ms(900), None)]})


# ---------------------------------------------------------------------------------------------
def node2():
    """Kernel 4.9 drops aufs, Docker 1.12.6 falls back to devicemapper (loop-lvm), the 30G disk
    fills up, and the kubelet's eviction manager evicts the kube-proxy static pod (2 -> 3)."""
    n = Node("node-2")
    host, ip, zone = "node-2", "10.0.1.12", UTC
    pids = Pids(rng, 3100)
    n.raw("etc/timezone", ["Etc/UTC"])
    start = datetime(2018, 6, 13, 9, 20, 0, tzinfo=UTC)
    down = datetime(2018, 6, 13, 9, 52, 41, tzinfo=UTC)
    boot = datetime(2018, 6, 13, 9, 53, 40, 118000, tzinfo=UTC)
    end = datetime(2018, 6, 17, 4, 10, 0, tzinfo=UTC)
    evict = datetime(2018, 6, 17, 3, 5, 13, 803095, tzinfo=UTC)
    dev = "202:1-262147"

    def sl(t, tag, msg):
        n.add("var/log/syslog", t, fmt.rfc3164(t, host, tag, msg))

    def kern(up, msg):
        kt = boot + timedelta(seconds=up)
        sl(max(kt + ms(2), boot + timedelta(seconds=8.7)), "kernel", fmt.kernel_msg(up, msg))

    syslog_noise(n, "var/log/syslog", host, start, down, zone, ip, pids)
    syslog_noise(n, "var/log/syslog", host, boot + timedelta(seconds=12), end, zone, ip, pids)
    sl(datetime(2018, 6, 13, 9, 41, 12, tzinfo=UTC), "sudo", "     ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/dpkg -i linux-image-4.9.0-040900-generic_4.9.0-040900.201612111631_amd64.deb")
    sl(down, "rsyslogd", '[origin software="rsyslogd" swVersion="7.4.4" x-pid="714" x-info="http://www.rsyslog.com"] exiting on signal 15.')
    sl(boot + timedelta(seconds=8.6), "rsyslogd", '[origin software="rsyslogd" swVersion="7.4.4" x-pid="709" x-info="http://www.rsyslog.com"] start')
    for up, msg in boot_lines(BANNER_49, "4.9.0-040900-generic"):
        kern(up, msg)
    kern(12.901123, "device-mapper: uevent: version 1.0.3")
    kern(12.901502, "device-mapper: ioctl: 4.35.0-ioctl (2016-06-23) initialised: dm-devel@redhat.com")
    # docker on 4.9: the prior aufs driver fails, upstart gives up, an admin moves /var/lib/docker/aufs away
    d1 = boot + timedelta(seconds=13.2)
    for k, cpid in enumerate((1341, 1402, 1466)):
        t = d1 + timedelta(seconds=k * 1.9)
        z = t.astimezone(zone)
        n.add("var/log/upstart/docker.log", t, fmt.logrus(z, "info", f"libcontainerd: new containerd process, pid: {cpid}"))
        n.add("var/log/upstart/docker.log", t + ms(1020), fmt.logrus(z + ms(1020), "error", '[graphdriver] prior storage driver "aufs" failed: driver not supported'))
        n.add("var/log/upstart/docker.log", t + ms(1021), fmt.logrus(z + ms(1021), "fatal", "Error starting daemon: error initializing graphdriver: driver not supported"))
        sl(t + ms(1090), "kernel", fmt.kernel_msg((t + ms(1089) - boot).total_seconds(), f"init: docker main process ({cpid - 52}) terminated with status 1"))
        if k < 2:
            sl(t + ms(1090), "kernel", fmt.kernel_msg((t + ms(1089) - boot).total_seconds() + 0.000031, "init: docker main process ended, respawning"))
    sl(d1 + timedelta(seconds=5.9), "kernel", fmt.kernel_msg((d1 + timedelta(seconds=5.9) - boot).total_seconds(), "init: docker respawning too fast, stopped"))
    fix = datetime(2018, 6, 13, 10, 14, 22, 402000, tzinfo=UTC)
    sl(fix - timedelta(seconds=31), "sudo", "     ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/bin/mv /var/lib/docker/aufs /var/lib/docker/aufs.old")
    sl(fix - timedelta(seconds=2), "sudo", "     ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/sbin/service docker start")
    for t, line in dockerd_start(fix, zone, 2118, "devicemapper", False, True, dev):
        n.add("var/log/upstart/docker.log", t, line)
    up_fix = (fix - boot).total_seconds()
    kern(up_fix + 0.93, "loop: module loaded")
    kern(up_fix + 1.21, "device-mapper: thin: Data device (dm-0) discard unsupported: Disabling discard passdown.")
    restart = datetime(2018, 6, 15, 2, 31, 40, 77000, tzinfo=UTC)
    sl(restart - timedelta(seconds=3), "sudo", "     ops : TTY=pts/1 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/sbin/service docker restart")
    for t, line in dockerd_start(restart, zone, 31377, "devicemapper", True, True, dev):
        n.add("var/log/upstart/docker.log", t, line)
    # containers come and go: ext4 mounts of devicemapper thin devices
    for t in steps(rng, fix + timedelta(minutes=1), end, 2700):
        kern((t - boot).total_seconds(), f"EXT4-fs (dm-{rng.randrange(1, 30)}): mounted filesystem with ordered data mode. Opts: (null)")
    # kubelet
    k1 = datetime(2018, 6, 13, 10, 15, 3, 511000, tzinfo=UTC)
    k2 = datetime(2018, 6, 15, 2, 31, 58, 204000, tzinfo=UTC)
    add_klog(n, "var/log/kubelet.log", zone, kubelet_start(k1, 2350, ip), 2350)
    add_klog(n, "var/log/kubelet.log", zone, kubelet_klog(rng, k1 + timedelta(seconds=30), restart, 2350, ip, APP_PODS, 2400), 2350)
    add_klog(n, "var/log/kubelet.log", zone, kubelet_start(k2, 5478, ip), 5478)
    add_klog(n, "var/log/kubelet.log", zone, kubelet_klog(rng, k2 + timedelta(seconds=30), end, 5478, ip, APP_PODS, 2400), 5478)
    # disk alerts from the monitoring cron (logger -t diskcheck) and a df capture
    for t in steps(rng, datetime(2018, 6, 15, 10, 12, 1, tzinfo=UTC), end, 3 * 3600, 0.05):
        pct = min(99, 86 + int((t - datetime(2018, 6, 15, tzinfo=UTC)).total_seconds() // 43200))
        for mnt in ("/", "/var/lib/docker", "/var/lib/kubelet", "/var/lib/docker/devicemapper"):
            sl(t.replace(microsecond=0), "diskcheck", f"ALERT {mnt} usage {pct}% >= 80% on /dev/xvda1 (size 30G)")
    n.raw("df-h.txt", [
        "Filesystem                              Size  Used Avail Use% Mounted on",
        "udev                                    7.9G   12K  7.9G   1% /dev",
        "tmpfs                                   1.6G  812K  1.6G   1% /run",
        "/dev/xvda1                               30G   26G  4.2G  86% /",
        "none                                    4.0K     0  4.0K   0% /sys/fs/cgroup",
        "none                                    5.0M     0  5.0M   0% /run/lock",
        "none                                    7.9G     0  7.9G   0% /run/shm",
        "none                                    100M     0  100M   0% /run/user",
        "/dev/xvda1                               30G   26G  4.2G  86% /var/lib/docker",
        "/dev/xvda1                               30G   26G  4.2G  86% /var/lib/kubelet",
        "/dev/xvda1                               30G   26G  4.2G  86% /var/lib/docker/devicemapper",
        "tmpfs                                   7.9G   12K  7.9G   1% /var/lib/kubelet/pods/e134b5a2-6fc1-11e8-b1d1-0226410ff50c/volumes/kubernetes.io~secret/default-token-7xk2p",
        "tmpfs                                   7.9G   12K  7.9G   1% /var/lib/kubelet/pods/da14a6d4-7158-11e8-ba3c-062f143c52c6/volumes/kubernetes.io~secret/default-token-7xk2p",
        f"/dev/mapper/docker-{dev}-{hexid()[:64]}   10G  1.9G  8.2G  19% /var/lib/docker/devicemapper/mnt/{hexid()[:64]}",
        f"/dev/mapper/docker-{dev}-{hexid()[:64]}   10G  612M  9.4G   6% /var/lib/docker/devicemapper/mnt/{hexid()[:64]}",
        f"shm                                      64M     0   64M   0% /var/lib/docker/containers/{hexid()}/shm",
        f"shm                                      64M     0   64M   0% /var/lib/docker/containers/{hexid()}/shm",
    ])
    # the thin pool runs dry
    tl = datetime(2018, 6, 16, 7, 55, 12, tzinfo=UTC)
    kern((tl - boot).total_seconds(), "device-mapper: thin: 252:0: reached low water mark for data device: sending event.")
    free = 1602
    for t in steps(rng, datetime(2018, 6, 16, 8, 3, 0, tzinfo=UTC), evict - timedelta(minutes=4), 3000):
        free -= rng.randrange(5, 14)
        err = f"devmapper: Thin Pool has {free} free data blocks which is less than minimum required 1638 free data blocks. Create more free space in thin pool or use dm.min_free_space option to change behavior"
        n.add("var/log/upstart/docker.log", t, fmt.logrus(t, "error", f"Handler for POST /v1.24/containers/create returned error: {err}"))
        pod, puid = rng.choice(APP_PODS)
        tk = t + ms(4)
        n.add("var/log/kubelet.log", tk, fmt.klog(tk, "E", 5478, "remote_runtime.go:92", f'RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to create a sandbox for pod "{pod.split("_")[0]}": Error response from daemon: {err}'))
        if rng.random() < 0.4:
            tp = t + timedelta(seconds=rng.randrange(60, 600))
            img = rng.choice(["config", "data-services", "rulescript-services", "mq-services"])
            path = rng.choice(["/usr/share/locale/zh_CN/LC_MESSAGES/libc.mo", "/usr/lib/jvm/java-8-openjdk-amd64/jre/lib/rt.jar", "/app/lib/netty-all-4.1.22.Final.jar"])
            msg = f"failed to register layer: ApplyLayer exit status 1 stdout:  stderr: write {path}: no space left on device"
            n.add("var/log/upstart/docker.log", tp, fmt.logrus(tp, "error", f"Handler for POST /v1.24/images/create returned error: {msg}"))
            n.add("var/log/kubelet.log", tp + ms(9), fmt.klog(tp + ms(9), "E", 5478, "remote_image.go:108", f'PullImage "registry.example.internal/ec-prod/{img}:1.4.{rng.randrange(2, 9)}" from image service failed: rpc error: code = Unknown desc = {msg}'))
    gc = datetime(2018, 6, 16, 21, 2, 17, tzinfo=UTC)
    want = 1603412582
    while gc < evict:
        t = gc + timedelta(microseconds=rng.randrange(1_000_000))
        n.add("var/log/kubelet.log", t, fmt.klog(t, "I", 5478, "image_gc_manager.go:300", f"[imageGCManager]: Disk usage on image filesystem is at 87% which is over the high threshold (85%). Trying to free {want} bytes"))
        n.add("var/log/kubelet.log", t + ms(61), fmt.klog(t + ms(61), "E", 5478, "kubelet.go:1282", f"Image garbage collection failed multiple times in a row: failed to garbage collect required amount of images. Wanted to free {want} bytes, but freed 0 bytes"))
        want += rng.randrange(1_000_000, 9_000_000)
        gc += timedelta(minutes=15)
    # the eviction (seed lines, node IP sanitized)
    kp = f"kube-proxy-{ip}_kube-system(dc6bd3a06883f50ce46d35fd024f66f2)"
    ranked = ", ".join([kp] + [f"{p}({u})" for p, u in APP_PODS])
    ev = [
        (-20.01, "I", "kubelet_node_status.go:434", f"Recording NodeHasDiskPressure event message for node {ip}"),
        (-0.000107, "W", "eviction_manager.go:332", "eviction manager: attempting to reclaim imagefs"),
        (-0.000105, "I", "container_gc.go:85", "attempting to delete unused containers"),
        (-0.000101, "I", "image_gc_manager.go:300", f"[imageGCManager]: Disk usage on image filesystem is at 88% which is over the high threshold (85%). Trying to free {want} bytes"),
        (0.0, "I", "eviction_manager.go:346", "eviction manager: must evict pod(s) to reclaim imagefs"),
        (0.000074, "I", "eviction_manager.go:364", f"eviction manager: pods ranked for eviction: {ranked}"),
        (0.000210, "I", "kuberuntime_container.go:582", 'Killing container "docker://853a131b5d9a577590773c677898ae61ca6a411e1046cd3422fa0d97d9547258" with 30 second grace period'),
        (0.250727, "I", "kubelet.go:1867", 'SyncLoop (DELETE, "api"): "aiops-trjtv_aiops-sig(407e007c-71db-11e8-ba3c-062f143c52c6)"'),
        (0.255462, "I", "kubelet.go:1861", 'SyncLoop (REMOVE, "api"): "aiops-trjtv_aiops-sig(407e007c-71db-11e8-ba3c-062f143c52c6)"'),
        (1.093545, "I", "eviction_manager.go:156", f"eviction manager: pods {kp} evicted, waiting for pod to be cleaned up"),
        (1.098682, "I", "kubelet.go:1896", f'SyncLoop (PLEG): "{kp}", event: &pleg.PodLifecycleEvent{{ID:"dc6bd3a06883f50ce46d35fd024f66f2", Type:"ContainerDied", Data:"853a131b5d9a577590773c677898ae61ca6a411e1046cd3422fa0d97d9547258"}}'),
        (1.098769, "I", "kubelet.go:1896", f'SyncLoop (PLEG): "{kp}", event: &pleg.PodLifecycleEvent{{ID:"dc6bd3a06883f50ce46d35fd024f66f2", Type:"ContainerDied", Data:"b02a91b9ea5ba55f8e3889deb9ff2315c9e0d07426d5f15c9a954c9036c34218"}}'),
        (11.10291, "I", "eviction_manager.go:173", f"eviction manager: pods {kp} successfully cleaned up"),
        (11.60318, "W", "eviction_manager.go:142", f"Failed to admit pod {kp} - node has conditions: [DiskPressure]"),
        (41.60544, "W", "eviction_manager.go:142", f"Failed to admit pod {kp} - node has conditions: [DiskPressure]"),
    ]
    for d, sev, fl, msg in ev:
        t = evict + timedelta(seconds=d)
        n.add("var/log/kubelet.log", t, fmt.klog(t, sev, 5478, fl, msg))
    t = evict + timedelta(seconds=0.31)
    n.add("var/log/upstart/docker.log", t, fmt.logrus(t, "info", "Container 853a131b5d9a577590773c677898ae61ca6a411e1046cd3422fa0d97d9547258 failed to exit within 30 seconds of signal 15 - using the force"))
    rot = datetime(2018, 6, 16, 6, 25, 3, tzinfo=UTC)
    sl(rot + ms(900), "rsyslogd", '[origin software="rsyslogd" swVersion="7.4.4" x-pid="709" x-info="http://www.rsyslog.com"] rsyslogd was HUPed')
    n.write({"var/log/syslog": [(".1", None, rot + ms(900)), ("", rot + ms(900), None)]})


# ---------------------------------------------------------------------------------------------
MESH = {f"node-{i}": f"10.0.1.{10 + i}" for i in range(1, 10)}


def felix_noise(rng_, start, end, pid, mean_s=240):
    """calico felix v3.1 info chatter: (t, line)."""
    for t in steps(rng_, start, end, mean_s):
        k = rng_.randrange(5)
        if k == 0:
            yield t, fmt.felix(t, "INFO", pid, "int_dataplane.go", 765, "Applying dataplane updates")
            yield t + ms(3), fmt.felix(t + ms(3), "INFO", pid, "int_dataplane.go", 779, f"Finished applying updates to dataplane. msecToApply={rng_.uniform(0.8, 9):.6f}")
        elif k == 1:
            yield t, fmt.felix(t, "INFO", pid, "ipsets.go", 222, 'Asked to resync with the dataplane on next update. family="inet"')
            yield t + ms(2), fmt.felix(t + ms(2), "INFO", pid, "ipsets.go", 253, 'Resyncing ipsets with dataplane. family="inet"')
        elif k == 2:
            yield t, fmt.felix(t, "INFO", pid, "health.go", 150, "Overall health summary=&health.HealthReport{Live:true, Ready:true}")
        elif k == 3:
            yield t, fmt.felix(t, "INFO", pid, "table.go", 438, f'Queueing update of chain. chainName="cali-fw-{cali()}" ipVersion=0x4 table="filter"')
        else:
            yield t, fmt.felix(t, "INFO", pid, "status_combiner.go", 81, f'Endpoint up for at least one IP version id=proto.WorkloadEndpointID{{OrchestratorId:"k8s", WorkloadId:"ec-prod/{rng_.choice(APP_PODS)[0].split("_")[0]}", EndpointId:"eth0"}} ipVersion=0x4 status="up"')


def nofile_nodes():
    """nofile 1024 exhausted on the three externalIPs nodes; BGP sessions stuck in start."""
    day = datetime(2018, 7, 19, tzinfo=UTC)
    start, end = day.replace(hour=6), day.replace(hour=10, minute=30)
    broken = ["node-3", "node-4", "node-5"]
    for idx, name in enumerate(broken):
        n = Node(name)
        ip = MESH[name]
        pids = Pids(rng, 5200 + idx * 300)
        first = day.replace(hour=7, minute=48, second=11 + idx * 7, microsecond=183204 + idx)
        restart1 = day.replace(hour=9, minute=5, second=20 + idx)
        fixed = day.replace(hour=9, minute=32, second=5 + idx * 11)
        kpid = 2231 + idx * 17
        syslog_noise(n, "var/log/syslog", name, start, end, UTC, ip, pids, 3600)
        add_klog(n, "var/log/kubelet.log", UTC, kubelet_klog(rng, start, end, kpid, ip, APP_PODS, 600), kpid)
        # kubelet: accept4 EMFILE with net/http back-off 5ms..1s, in bursts while the limit is hit
        t = first
        while t < fixed:
            delay = 5
            while delay and t < fixed:
                d = f"{delay}ms" if delay < 1000 else "1s"
                n.add("var/log/kubelet.log", t, fmt.klog(t, "I", kpid, "logs.go:41", f"http: Accept error: accept tcp [::]:10250: accept4: too many open files; retrying in {d}"))
                t += timedelta(milliseconds=min(delay, 1000) + rng.randrange(0, 3))
                delay = delay * 2 if delay < 640 else (1000 if delay < 1000 or rng.random() < 0.6 else 0)
            t += timedelta(seconds=rng.randrange(300, 900))
        for t in steps(rng, first + timedelta(seconds=40), fixed, 900):
            n.add("var/log/kubelet.log", t, fmt.klog(t, "E", kpid, "kubelet.go:1288", f"Failed to check if disk space is available on the root partition: failed to get fs info for \"root\": open /proc/{rng.randrange(3000, 30000)}/mountinfo: too many open files"))
        # felix: its own file (plain svlogd, felix writes the time), with socket errors
        fpid = 84 + idx
        for t, line in felix_noise(rng, start, end, fpid):
            n.add("var/log/calico/felix/current", t, line)
        for t in steps(rng, first + timedelta(seconds=75), fixed, 600):
            n.add("var/log/calico/felix/current", t, fmt.felix(t, "WARNING", fpid, "health.go", 190, f"Health endpoint failed, trying to restart it... error=accept tcp [::]:9099: accept4: too many open files"))
            t2 = t + timedelta(seconds=rng.randrange(20, 200))
            n.add("var/log/calico/felix/current", t2, fmt.felix(t2, "ERROR", fpid, "watcher.go", 135, f"Watch of etcd failed error=dial tcp 10.0.1.5:2379: socket: too many open files"))
            t3 = t2 + timedelta(seconds=rng.randrange(5, 60))
            n.add("var/log/calico/felix/current", t3, fmt.felix(t3, "WARNING", fpid, "watcher.go", 118, f"Watch of etcd closed error=read tcp {ip}:{rng.randrange(40000, 60000)}->10.0.1.5:2379: read: connection reset by peer"))
        # BIRD (svlogd -tt): sessions with the other two broken nodes drop and stay in start
        bird = "var/log/calico/bird/current"
        peers = [MESH[p] for p in broken if p != name]

        def b(t, msg):
            n.add(bird, t, f"{fmt.svlogd_tt(t)} bird: {msg}")

        b(start + timedelta(seconds=3.2), "Reconfiguration requested by SIGHUP")
        b(start + timedelta(seconds=3.21), "Reconfiguring")
        b(start + timedelta(seconds=3.22), "Reconfigured")
        for k, peer in enumerate(peers):
            p = "Mesh_" + peer.replace(".", "_")
            t = first + timedelta(seconds=160 + 37 * k + idx)
            b(t, f"{p}: Connection lost (Connection reset by peer)")
            b(t + ms(1), f"{p}: State changed to stop")
            b(t + ms(3), f"{p}: State changed to down")
            b(t + ms(4), f"{p}: State changed to start")
            t = restart1 + timedelta(seconds=4 + k)
            b(t, f"{p}: State changed to start")
            t = fixed + timedelta(seconds=9 + k)
            b(t, f"{p}: State changed to feed")
            b(t + ms(2), f"{p}: State changed to up")
        b(restart1, "Started")
        b(restart1 - timedelta(seconds=1.3), "Shutting down")
        b(restart1 - timedelta(seconds=1.29), "Shutdown completed")
        b(fixed - timedelta(seconds=1.3), "Shutting down")
        b(fixed - timedelta(seconds=1.29), "Shutdown completed")
        b(fixed, "Started")
        for t in (restart1, fixed):
            n.add("var/log/syslog", t - timedelta(seconds=8), fmt.rfc3164(t - timedelta(seconds=8), name, "sudo", "     ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/local/bin/kubectl -n kube-system delete pod calico-node-" + "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))))
        fix_l = fixed - timedelta(seconds=40)
        n.add("var/log/syslog", fix_l, fmt.rfc3164(fix_l, name, "sudo", "     ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/tee -a /etc/security/limits.conf"))
        # captures taken during the outage (08:40 UTC)
        since = (first + timedelta(seconds=160)).strftime("%H:%M:%S")
        rows = []
        for other in sorted(MESH):
            if other == name:
                continue
            if other in broken:
                rows.append((MESH[other], "node-to-node mesh", "start", since, "Active Socket: Connection reset by peer"))
            else:
                rows.append((MESH[other], "node-to-node mesh", "up", "2018-07-16", "Established"))
        n.raw("calicoctl-node-status.txt", fmt.calicoctl_status(rows))
        n.raw("ulimit-n.txt", ["1024"])
        if name == "node-3":
            n.raw("ss-s.txt", [
                "Total: 1893 (kernel 2011)",
                "TCP:   28913 (estab 912, closed 27761, orphaned 3, synrecv 0, timewait 27758/0), ports 0",
                "",
                "Transport Total     IP        IPv6",
                "*\t  2011      -         -        ",
                "RAW\t  0         0         0        ",
                "UDP\t  14        9         5        ",
                "TCP\t  1152      1095      57       ",
                "INET\t  1166      1104      62       ",
                "FRAG\t  0         0         0        ",
            ])
        n.write()


# ---------------------------------------------------------------------------------------------
def calico_startup(t, pid, name, ip):
    """calico-node v3.1 start-up on stdout (felix format), as the container runtime stores it: (t, line)."""
    rows = [
        (0, "INFO", "startup.go", 251, "Early log level set to info"),
        (1, "INFO", "startup.go", 267, "Using HOSTNAME environment (lowercase) for node name"),
        (1, "INFO", "startup.go", 279, f"Determined node name: {name}"),
        (4, "INFO", "startup.go", 101, "Skipping datastore connection test"),
        (11, "INFO", "startup.go", 374, f'Building new node resource Name="{name}"'),
        (11, "INFO", "startup.go", 389, "Initialize BGP data"),
        (13, "INFO", "startup.go", 593, f"Using IPv4 address from environment: IP={ip}/24"),
        (14, "INFO", "startup.go", 426, f"IPv4 address {ip} discovered on interface eth0"),
        (14, "INFO", "startup.go", 442, "Node IPv4 changed, will check for conflicts"),
        (20, "INFO", "startup.go", 613, "No AS number configured on node resource, using global value"),
        (31, "INFO", "startup.go", 662, "Ensure default IPv4 pool is created. IPIP mode: Always"),
        (40, "INFO", "startup.go", 672, "Created default IPv4 pool (10.244.0.0/16) with NAT outgoing true. IPIP mode: Always"),
        (41, "INFO", "startup.go", 163, f"Using node name: {name}"),
    ]
    out = [(t + ms(d), fmt.felix(t + ms(d), lvl, pid, f, l, m)) for d, lvl, f, l, m in rows]
    out.append((t + ms(58), "Calico node started successfully"))
    return out


def cni_failures(rng_, start, end, kpid):
    """kubelet 1.9: new pods cannot get networking: (t, sev, fileline, msg)."""
    pods = [("frontend-5c8d7b9f6-9hx2m", "shop"), ("cart-7d9c8f8b4-x2kqz", "shop"), ("search-6f7b9c5d8-l4p9w", "shop"), ("report-job-1534757400-qk8vz", "batch")]
    for t in steps(rng_, start, end, 1200):
        pod, ns = rng_.choice(pods)
        u = uid()
        iface = cali()
        err = (f"error adding host side routes for interface: {iface}, error: route (Ifindex: {rng_.randrange(20, 90)}, "
               f"Dst: 10.244.{rng_.randrange(1, 250)}.{rng_.randrange(2, 250)}/32, Scope: 253) already exists for an interface other than '{iface}'")
        full = f'NetworkPlugin cni failed to set up pod "{pod}_{ns}" network: {err}'
        yield t, "E", "cni.go:259", f"Error adding network: {err}"
        yield t + ms(1), "E", "cni.go:227", f"Error while adding to cni network: {err}"
        yield t + ms(212), "E", "remote_runtime.go:92", f"RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = {full}"
        yield t + ms(213), "E", "kuberuntime_sandbox.go:54", f'CreatePodSandbox for pod "{pod}_{ns}({u})" failed: rpc error: code = Unknown desc = {full}'
        yield t + ms(215), "E", "pod_workers.go:186", f'Error syncing pod {u} ("{pod}_{ns}({u})"), skipping: failed to "CreatePodSandbox" for "{pod}_{ns}({u})" with CreatePodSandboxError: "CreatePodSandbox for pod \\"{pod}_{ns}({u})\\" failed: rpc error: code = Unknown desc = {full}"'


def rename_nodes():
    """Four nodes renamed AMZ-IAD12-OpsResPool-001-NN -> ip-10-0-1-NN.ec2.internal; calico registers
    them again under the new name and new pods there lose networking."""
    day = datetime(2018, 8, 20, tzinfo=UTC)
    start, end = day.replace(hour=8), day.replace(hour=10, minute=40)
    get_nodes = ["NAME                          ASN         IPV4            IPV6   "]
    for i in range(1, 10):
        if i >= 6:
            get_nodes.append(f"amz-iad12-opsrespool-001-{i:02d}   (unknown)   10.0.1.{10 + i}/24          ".ljust(len(get_nodes[0])))
    for i in range(1, 10):
        nm = f"node-{i}" if i < 6 else f"ip-10-0-1-{10 + i}.ec2.internal"
        get_nodes.append(f"{nm:<30}(unknown)   10.0.1.{10 + i}/24          ")
    for k, name in enumerate(["node-6", "node-7", "node-8", "node-9"]):
        n = Node(name)
        ip = MESH[name]
        num = 16 + k
        old, new = f"AMZ-IAD12-OpsResPool-001-{num - 10:02d}", f"ip-10-0-1-{num}.ec2.internal"
        short_new = new.split(".")[0]
        pids = Pids(rng, 4100 + 500 * k)
        renamed = day.replace(hour=9, minute=12, second=40) + timedelta(seconds=75 * k, microseconds=rng.randrange(1_000_000))
        calico_at = day.replace(hour=9, minute=20 + 2 * k, second=7)
        kpid = 1534 + k * 3
        events = []  # (t, ident, pid, message, priority)

        def ev(t, ident, pid, msg, prio=6):
            events.append((t, ident, pid, msg, prio))

        for gen in (cron(rng, start, end, pids), sshd(rng, start, end, pids, 2400), dhclient(rng, start, end, pids, ip)):
            for t, tag, msg in gen:
                ident, _, pid = tag.partition("[")
                ev(t, ident, int(pid.rstrip("]")), msg)
        for t in steps(rng, start, end, 2000):
            ev(t, "systemd-timesyncd", 612, "Synchronized to time server 10.0.0.2:123 (10.0.0.2).")
        for t, sev, fl, msg in kubelet_klog(rng, start, end, kpid, ip, APP_PODS, 700):
            ev(t, "kubelet", kpid, fmt.klog(t, sev, kpid, fl, msg))
        hpid = 2210 + k * 41
        ev(renamed - ms(420), "sudo", pids.next(), f"     ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/hostnamectl set-hostname {new}")
        ev(renamed - ms(300), "dbus", 1021, "[system] Activating via systemd: service name='org.freedesktop.hostname1' unit='dbus-org.freedesktop.hostname1.service'")
        ev(renamed - ms(290), "systemd", 1, "Starting Hostname Service...")
        ev(renamed - ms(80), "dbus", 1021, "[system] Successfully activated service 'org.freedesktop.hostname1'")
        ev(renamed - ms(79), "systemd", 1, "Started Hostname Service.")
        ev(renamed, "systemd-hostnamed", hpid, f"Changed static host name to '{new}'")
        ev(renamed + ms(1), "systemd-hostnamed", hpid, f"Changed host name to '{new}'")
        ev(calico_at - timedelta(seconds=31), "sudo", pids.next(), "     ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/local/bin/kubectl -n kube-system delete pod calico-node-" + "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5)))
        for t, sev, fl, msg in cni_failures(rng, calico_at + timedelta(minutes=6), end, kpid):
            ev(t, "kubelet", kpid, fmt.klog(t, sev, kpid, fl, msg))
        startup = calico_startup(calico_at, 9, new, ip)
        pod_uid = uid()
        cid = hexid()
        capture = day.replace(hour=10, minute=5, second=31)
        rows = []
        for other in sorted(MESH):
            oip = MESH[other]
            if other == name:
                rows.append((oip, "node-to-node mesh", "start", calico_at.strftime("%H:%M:%S"), "Active Socket: Connection refused"))
            elif int(other.split("-")[1]) >= 6:
                rows.append((oip, "node-to-node mesh", "start", (calico_at + timedelta(seconds=3)).strftime("%H:%M:%S"), "Connect"))
            else:
                rows.append((oip, "node-to-node mesh", "up", (calico_at + timedelta(seconds=3)).strftime("%H:%M:%S"), "Established"))
        n.raw("calicoctl-node-status.txt", fmt.calicoctl_status(rows))
        if name == "node-6":
            n.raw("calicoctl-get-nodes.txt", get_nodes)

        if name in ("node-6", "node-9"):
            # rsyslog keeps the name it read at start: the host column changes on reboot (node-6)
            # or after `systemctl restart rsyslog` (node-9)
            switch = day.replace(hour=9, minute=17, second=2) if name == "node-6" else day.replace(hour=9, minute=19, second=44)
            render = fmt.rfc3164 if name == "node-6" else fmt.rfc3339
            for t, ident, pid, msg, prio in events:
                host = old if t < switch else short_new
                n.add("var/log/syslog", t, render(t, host, f"{ident}[{pid}]", msg))
            if name == "node-6":
                boot = switch + timedelta(seconds=9.8)
                n.add("var/log/syslog", switch - timedelta(seconds=6), render(switch - timedelta(seconds=6), old, "rsyslogd", "[origin software=\"rsyslogd\" swVersion=\"8.16.0\" x-pid=\"1017\" x-info=\"http://www.rsyslog.com\"] exiting on signal 15."))
                n.add("var/log/syslog", boot, render(boot, short_new, "rsyslogd", "[origin software=\"rsyslogd\" swVersion=\"8.16.0\" x-pid=\"1030\" x-info=\"http://www.rsyslog.com\"] start"))
                kb = switch + timedelta(seconds=0.7)
                for up, msg in boot_lines(BANNER_44, "4.4.0-1062-aws"):
                    n.add("var/log/syslog", boot + ms(5), render(boot + ms(5), short_new, "kernel", fmt.kernel_msg(up, msg)))
                for d, msg in SYSTEMD_229_BOOT(short_new):
                    n.add("var/log/syslog", boot + ms(6 + d), render(boot + ms(6 + d), short_new, "systemd[1]", msg))
                fpid = 61
                for t, line in felix_noise(rng, start, switch - timedelta(seconds=8), 52, 600):
                    n.add("var/log/calico/felix/current", t, line)
                for t, line in felix_noise(rng, calico_at + timedelta(seconds=2), end, fpid, 600):
                    n.add("var/log/calico/felix/current", t, line)
                for t in (start + timedelta(seconds=1.5), calico_at + timedelta(seconds=1.9)):
                    n.add("var/log/calico/bird/current", t, f"{fmt.svlogd_tt(t)} bird: Started")
                for j in range(6, 10):
                    t = calico_at + timedelta(seconds=3, milliseconds=17 * j)
                    p = f"Mesh_10_0_1_{10 + j}"
                    n.add("var/log/calico/bird/current", t, f"{fmt.svlogd_tt(t)} bird: {p}: State changed to start")
                for j in range(1, 6):
                    t = calico_at + timedelta(seconds=5, milliseconds=23 * j)
                    n.add("var/log/calico/bird/current", t, f"{fmt.svlogd_tt(t)} bird: Mesh_10_0_1_{10 + j}: State changed to feed")
                    n.add("var/log/calico/bird/current", t + ms(2), f"{fmt.svlogd_tt(t + ms(2))} bird: Mesh_10_0_1_{10 + j}: State changed to up")
            else:
                t = switch - timedelta(seconds=1)
                n.add("var/log/syslog", t, render(t, old, "systemd", "[1]: Stopping System Logging Service...") if False else render(t, old, "systemd[1]", "Stopping System Logging Service..."))
                n.add("var/log/syslog", switch, render(switch, short_new, "rsyslogd", "[origin software=\"rsyslogd\" swVersion=\"8.16.0\" x-pid=\"20871\" x-info=\"http://www.rsyslog.com\"] start"))
                n.add("var/log/syslog", switch + ms(30), render(switch + ms(30), short_new, "systemd[1]", "Started System Logging Service."))
            cpath = f"var/log/containers/calico-node-{hexid(5)}_kube-system_calico-node-{cid}.log"
            for t, line in startup:
                n.add(cpath, t, fmt.docker_json(t, "stdout", line))
        elif name == "node-7":
            # journalctl -o export: _HOSTNAME changes on the first entry after the rename
            boot_id, machine, seqid = hexid(32), hexid(32), hexid(32)
            boot = day.replace(hour=0) - timedelta(days=11, seconds=3170.4)
            for t, line in startup:
                events.append((t, "calico-node", None, line, 6))
            blocks = []
            seq = 0x3a1f2
            for t, ident, pid, msg, prio in sorted(events, key=lambda e: e[0]):
                seq += 1
                host = old if t <= renamed else new
                real, mono = fmt.usec(t), fmt.usec(t) - fmt.usec(boot)
                f = [f"__CURSOR=s={seqid};i={seq:x};b={boot_id};m={mono:x};t={real:x};x={(real * 2654435761) & 0xffffffffffffffff:x}",
                     f"__REALTIME_TIMESTAMP={real}", f"__MONOTONIC_TIMESTAMP={mono}", f"_BOOT_ID={boot_id}",
                     f"PRIORITY={prio}", f"_UID=0", f"_GID=0", f"_MACHINE_ID={machine}", f"_HOSTNAME={host}"]
                if ident == "calico-node":
                    f += ["_TRANSPORT=journal", "_PID=1420", "_COMM=dockerd", "_EXE=/usr/bin/dockerd",
                          "_SYSTEMD_CGROUP=/system.slice/docker.service", "_SYSTEMD_UNIT=docker.service",
                          f"CONTAINER_ID={cid[:12]}", f"CONTAINER_ID_FULL={cid}",
                          f"CONTAINER_NAME=k8s_calico-node_calico-node-x7k2p_kube-system_{pod_uid}_1", f"CONTAINER_TAG={cid[:12]}",
                          f"MESSAGE={msg}", f"_SOURCE_REALTIME_TIMESTAMP={real - 211}"]
                else:
                    unit = {"kubelet": "kubelet.service", "systemd-hostnamed": "systemd-hostnamed.service", "CRON": "cron.service",
                            "sshd": "ssh.service", "dhclient": "networking.service", "systemd-timesyncd": "systemd-timesyncd.service",
                            "dbus": "dbus.service", "systemd": "init.scope", "sudo": "session-41.scope"}.get(ident, "init.scope")
                    transport = "stdout" if ident == "kubelet" else "syslog"
                    f += ["SYSLOG_FACILITY=3", f"SYSLOG_IDENTIFIER={ident}", f"_TRANSPORT={transport}", f"_PID={pid}",
                          f"_COMM={ident[:15]}", f"_SYSTEMD_UNIT={unit}", f"MESSAGE={msg}"]
                    if transport == "syslog":
                        f.append(f"SYSLOG_PID={pid}")
                        f.append(f"_SOURCE_REALTIME_TIMESTAMP={real - 37}")
                blocks += f + [""]
            n.raw("journalctl-export.txt", blocks)
        else:
            # journalctl -o short-iso (systemd 229: +0000 zone) and CRI container logs
            for t, ident, pid, msg, prio in events:
                host = old if t <= renamed else new
                n.add("journalctl-short-iso.txt", t, fmt.short_iso(t, host, f"{ident}[{pid}]", msg))
            for t, line in startup:
                n.add(f"var/log/pods/{pod_uid}/calico-node_1.log", t, fmt.cri(t, "stdout", line))
            for t, line in felix_noise(rng, start, calico_at - timedelta(seconds=30), 9, 900):
                n.add(f"var/log/pods/{pod_uid}/calico-node_0.log", t, fmt.cri(t, "stdout", line))
        n.write()


# ---------------------------------------------------------------------------------------------
def healthy_startup_node():
    """node-10, never renamed: boots (systemd sets the host name it always had), the kubelet
    starts with its usual start-up errors, calico-node starts and its BGP sessions come up;
    later one peer restarts, so its session goes through `start` again before Established.
    All of it is benign: no incident (issue #11)."""
    name, host, ip, kpid = "node-10", "ip-10-0-1-20", "10.0.1.20", 1342
    r = random.Random(20180821)
    n = Node(name)
    day = datetime(2018, 8, 21, tzinfo=UTC)
    boot = day.replace(hour=6, minute=2, second=11)
    start, end = boot, day.replace(hour=12)
    pids = Pids(r, 900)
    syslog_noise(n, "var/log/syslog", host, boot + timedelta(minutes=2), end, UTC, ip, pids)
    n.add("var/log/syslog", boot, fmt.rfc3164(boot, host, "rsyslogd", "[origin software=\"rsyslogd\" swVersion=\"8.16.0\" x-pid=\"1017\" x-info=\"http://www.rsyslog.com\"] start"))
    for up, msg in boot_lines(BANNER_44, "4.4.0-1062-aws"):
        n.add("var/log/syslog", boot + ms(5), fmt.rfc3164(boot + ms(5), host, "kernel", fmt.kernel_msg(up, msg)))
    for d, msg in SYSTEMD_229_BOOT(host):
        n.add("var/log/syslog", boot + ms(6 + d), fmt.rfc3164(boot + ms(6 + d), host, "systemd[1]", msg))
    k = boot + timedelta(seconds=21.3)
    n.add("var/log/syslog", k - ms(200), fmt.rfc3164(k - ms(200), host, "systemd[1]", "Started kubelet: The Kubernetes Node Agent."))
    for t, sev, fl, msg in kubelet_start(k, kpid, ip) + list(kubelet_klog(r, k + timedelta(seconds=30), end, kpid, ip, APP_PODS, 900)):
        n.add("var/log/syslog", t, fmt.rfc3164(t, host, f"kubelet[{kpid}]", fmt.klog(t, sev, kpid, fl, msg)))
    calico_at = boot + timedelta(seconds=48)
    cpath = f"var/log/containers/calico-node-q8v4d_kube-system_calico-node-{hexid()}.log"
    for t, line in calico_startup(calico_at, 9, ip, ip):
        n.add(cpath, t, fmt.docker_json(t, "stdout", line))
    bird = "var/log/calico/bird/current"
    n.add(bird, calico_at + ms(1900), f"{fmt.svlogd_tt(calico_at + ms(1900))} bird: Started")
    peers = [f"Mesh_10_0_1_{10 + j}" for j in range(1, 10)]
    for j, p in enumerate(peers):
        t = calico_at + timedelta(seconds=2, milliseconds=11 * j)
        n.add(bird, t, f"{fmt.svlogd_tt(t)} bird: {p}: State changed to start")
        t2 = calico_at + timedelta(seconds=5, milliseconds=13 * j)
        n.add(bird, t2, f"{fmt.svlogd_tt(t2)} bird: {p}: State changed to feed")
        n.add(bird, t2 + ms(2), f"{fmt.svlogd_tt(t2 + ms(2))} bird: {p}: State changed to up")
    # node-4's calico-node restarted at 10:31: its session drops and comes back.
    t = day.replace(hour=10, minute=31, second=4)
    n.add(bird, t, f"{fmt.svlogd_tt(t)} bird: Mesh_10_0_1_14: State changed to start")
    n.add(bird, t + timedelta(seconds=6), f"{fmt.svlogd_tt(t + timedelta(seconds=6))} bird: Mesh_10_0_1_14: State changed to feed")
    n.add(bird, t + timedelta(seconds=6, milliseconds=2), f"{fmt.svlogd_tt(t + timedelta(seconds=6, milliseconds=2))} bird: Mesh_10_0_1_14: State changed to up")
    since = (t + timedelta(seconds=6)).strftime("%H:%M:%S")
    rows = [(MESH[p], "node-to-node mesh", "up", since if p == "node-4" else (calico_at + timedelta(seconds=5)).strftime("%H:%M:%S"), "Established")
            for p in sorted(MESH)]
    n.raw("calicoctl-node-status.txt", fmt.calicoctl_status(rows))
    n.write()


if __name__ == "__main__":
    node1()
    node2()
    nofile_nodes()
    rename_nodes()
    healthy_startup_node()
