"""Ordinary background lines of a Kubernetes node (the things podmortem must ignore).

Inspired by the shape of real syslog in the loghub corpus; nothing copied from it.
Each generator yields (time, tag, message) for syslog-like sinks.
"""
from datetime import timedelta

USERS = ["ops", "deploy", "ubuntu"]
ADMIN_NETS = ["10.0.0.21", "10.0.0.22", "10.0.0.37", "10.0.0.54"]


def steps(rng, start, end, mean_s, jitter=0.5):
    """Times from start to end spaced by mean_s seconds, ±jitter."""
    t = start + timedelta(seconds=rng.uniform(0, mean_s))
    while t < end:
        yield t
        t += timedelta(seconds=mean_s * rng.uniform(1 - jitter, 1 + jitter), microseconds=rng.randrange(1_000_000))


def cron(rng, start, end, pids):
    """Hourly run-parts at :17 and daily at 06:25, as Ubuntu's /etc/crontab."""
    t = start.replace(minute=17, second=1, microsecond=0)
    if t < start:
        t += timedelta(hours=1)
    while t < end:
        pid = pids.next()
        yield t, f"CRON[{pid}]", "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)"
        if t.hour == 6:
            d = t.replace(minute=25)
            yield d, f"CRON[{pids.next()}]", "(root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))"
        t += timedelta(hours=1)


def sshd(rng, start, end, pids, mean_s=5400):
    """An admin login/logout now and then (key auth from the bastion)."""
    for t in steps(rng, start, end, mean_s):
        pid = pids.next()
        user = rng.choice(USERS)
        ip = rng.choice(ADMIN_NETS)
        port = rng.randrange(40000, 65000)
        yield t, f"sshd[{pid}]", f"Accepted publickey for {user} from {ip} port {port} ssh2: RSA SHA256:{rng.choice(['q3Zk9WvYtq0Hn2LrJ8mXo5dFf1cE7uBa4sKpG6hTzQw', 'Vb7nR2xLp9KmY4tQw1sZc8uHf3jEa6dNg5oTiWkXr0M'])}"
        yield t, f"sshd[{pid}]", f"pam_unix(sshd:session): session opened for user {user} by (uid=0)"
        dur = timedelta(seconds=rng.randrange(40, 1500))
        yield t + dur, f"sshd[{pid}]", f"Received disconnect from {ip} port {port}:11: disconnected by user"
        yield t + dur, f"sshd[{pid}]", f"pam_unix(sshd:session): session closed for user {user}"


def ntpd(rng, start, end, pids, mean_s=14400):
    """ntpd 4.2.6 on Ubuntu 14.04/16.04 chatting about its peers."""
    pid = pids.next()
    for t in steps(rng, start, end, mean_s):
        yield t, f"ntpd[{pid}]", rng.choice([
            "peer 10.0.0.2 now valid",
            "synchronized to 10.0.0.2, stratum 3",
            "synchronized to 10.0.0.3, stratum 3",
            "Listen normally on 6 cali" + f"{rng.randrange(16**11):011x}" + " fe80::ecee:eeff:feee:eeee UDP 123",
        ])


def dhclient(rng, start, end, pids, ip, mean_s=3400):
    """EC2-style DHCP renewals."""
    pid = pids.next()
    for t in steps(rng, start, end, mean_s, 0.1):
        yield t, f"dhclient[{pid}]", "DHCPREQUEST of " + ip + " on eth0 to 10.0.0.1 port 67 (xid=0x" + f"{rng.randrange(16**8):08x}" + ")"
        yield t, f"dhclient[{pid}]", "DHCPACK of " + ip + " from 10.0.0.1"
        yield t, f"dhclient[{pid}]", f"bound to {ip} -- renewal in {rng.randrange(3100, 3500)} seconds."


def kubelet_klog(rng, start, end, pid, node_ip, pods, mean_s=600):
    """kubelet 1.9 --v=2 chatter: http access log, volume mounts, QoS, status sync.

    Yields (time, severity, file:line, message).
    """
    for t in steps(rng, start, end, mean_s):
        pod, uid = rng.choice(pods)
        kind = rng.randrange(6)
        if kind == 0:
            yield t, "I", "server.go:796", f"GET /metrics/cadvisor: ({rng.uniform(8, 60):.6f}ms) 200 [[Prometheus/2.2.1] 10.0.1.20:{rng.randrange(30000, 60000)}]"
        elif kind == 1:
            yield t, "I", "server.go:796", f"GET /stats/summary/: ({rng.uniform(20, 90):.6f}ms) 200 [[Go-http-client/1.1] 10.0.1.5:{rng.randrange(30000, 60000)}]"
        elif kind == 2:
            tok = "default-token-" + "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
            yield t, "I", "reconciler.go:217", f'operationExecutor.VerifyControllerAttachedVolume started for volume "{tok}" (UniqueName: "kubernetes.io/secret/{uid}-{tok}") pod "{pod.split("_")[0]}" (UID: "{uid}")'
        elif kind == 3:
            yield t, "I", "qos_container_manager_linux.go:317", "[ContainerManager]: Updated QoS cgroup configuration"
        elif kind == 4:
            yield t, "I", "kubelet_node_status.go:273", "Setting node annotation to enable volume controller attach/detach"
        else:
            yield t, "I", "kuberuntime_manager.go:853", f'checking backoff for container "app" in pod "{pod}({uid})"'


class Pids:
    """Monotonic-ish pid allocator, like a busy Linux box."""

    def __init__(self, rng, start):
        self.rng = rng
        self.cur = start

    def next(self):
        self.cur += self.rng.randrange(3, 90)
        if self.cur > 32000:
            self.cur = 1200 + self.rng.randrange(100)
        return self.cur
