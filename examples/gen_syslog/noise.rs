//! Ordinary lines of a busy Kubernetes node: what a forensics tool must skip quickly.
//! Every template varies pids, ids, addresses or durations so consecutive lines differ.

use std::io::Write;

use crate::hosts::Host;
use crate::line::Line;
use crate::rng::Rng;

const USERS: &[&str] = &["ops", "deploy", "ubuntu", "ci"];
const NAMESPACES: &[&str] = &["shop", "ec-prod", "batch", "monitoring", "kube-system"];
const APPS: &[&str] = &[
    "frontend",
    "cart",
    "search",
    "config",
    "data-services",
    "mq-services",
    "fbagent",
    "report-job",
];

fn pod_name(rng: &mut Rng, line: &mut Line) {
    let app = *rng.pick(APPS);
    line.push(app);
    line.push("-");
    rng.hex(&mut line.buf, 9);
    line.push("-");
    rng.hex(&mut line.buf, 5);
}

/// Write one noise line for `host` at `t_us` into `line` (not finished).
pub fn write(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64) {
    match rng.below(100) {
        0..=21 => kubelet(rng, line, host, t_us),
        22..=33 => {
            line.kernel(t_us, host);
            match rng.below(4) {
                0 => {
                    line.push("IPv6: ADDRCONF(NETDEV_CHANGE): cali");
                    rng.hex(&mut line.buf, 11);
                    line.push(": link becomes ready");
                }
                1 => {
                    let _ = write!(
                        line.buf,
                        "EXT4-fs (dm-{}): mounted filesystem with ordered data mode. Opts: (null)",
                        rng.range(1, 60)
                    );
                }
                2 => {
                    line.push("device veth");
                    rng.hex(&mut line.buf, 7);
                    line.push(" entered promiscuous mode");
                }
                _ => {
                    let _ = write!(line.buf, "docker0: port {}(veth", rng.range(1, 40));
                    rng.hex(&mut line.buf, 7);
                    line.push(") entered forwarding state");
                }
            }
        }
        34..=47 => containerd(rng, line, host, t_us),
        48..=59 => felix(rng, line, host, t_us),
        60..=62 => {
            line.bird(t_us, host);
            line.push(rng.pick_str(&[
                "Reconfiguration requested by SIGHUP",
                "Reconfiguring",
                "Reconfigured",
            ]));
        }
        63..=69 => {
            let pid = rng.range(2000, 32000) as u32;
            line.start(t_us, host, "CRON", pid);
            match rng.below(3) {
                0 => line.push("(root) CMD (   cd / && run-parts --report /etc/cron.hourly)"),
                1 => line.push("pam_unix(cron:session): session opened for user root by (uid=0)"),
                _ => line.push("pam_unix(cron:session): session closed for user root"),
            }
        }
        70..=81 => sshd(rng, line, host, t_us),
        _ => systemd(rng, line, host, t_us),
    }
}

fn kubelet(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64) {
    if host.structured {
        match rng.below(3) {
            0 => {
                line.klog(t_us, host, 'I', "kubelet.go:2164");
                line.push("\"SyncLoop (probe)\" probe=\"readiness\" status=\"ready\" pod=\"");
                line.push(rng.pick_str(NAMESPACES));
                line.push("/");
                pod_name(rng, line);
                line.push("\"");
            }
            1 => {
                line.klog(t_us, host, 'I', "reconciler_common.go:258");
                line.push("\"operationExecutor.VerifyControllerAttachedVolume started for volume \\\"kube-api-access-");
                rng.hex(&mut line.buf, 5);
                line.push("\\\"\" pod=\"");
                line.push(rng.pick_str(NAMESPACES));
                line.push("/");
                pod_name(rng, line);
                line.push("\"");
            }
            _ => {
                line.klog(t_us, host, 'I', "kubelet_getters.go:182");
                let _ = write!(
                    line.buf,
                    "\"Pod status updated\" pod=\"kube-system/kube-proxy-{}\" status=\"Running\"",
                    host.ip
                );
            }
        }
        return;
    }
    match rng.below(4) {
        0 => {
            line.klog(t_us, host, 'I', "server.go:796");
            let _ = write!(
                line.buf,
                "GET /metrics/cadvisor: ({}.{:06}ms) 200 [[Prometheus/2.2.1] 10.0.1.20:{}]",
                rng.range(5, 90),
                rng.below(1_000_000),
                rng.range(30000, 61000)
            );
        }
        1 => {
            line.klog(t_us, host, 'I', "kubelet.go:1896");
            line.push("SyncLoop (PLEG): \"");
            pod_name(rng, line);
            line.push("_");
            line.push(rng.pick_str(NAMESPACES));
            line.push("(");
            rng.hex(&mut line.buf, 32);
            line.push(")\", event: &pleg.PodLifecycleEvent{ID:\"");
            rng.hex(&mut line.buf, 32);
            line.push("\", Type:\"ContainerStarted\", Data:\"");
            rng.hex(&mut line.buf, 64);
            line.push("\"}");
        }
        2 => {
            line.klog(t_us, host, 'I', "qos_container_manager_linux.go:317");
            line.push("[ContainerManager]: Updated QoS cgroup configuration");
        }
        _ => {
            line.klog(t_us, host, 'I', "kubelet_node_status.go:273");
            line.push("Setting node annotation to enable volume controller attach/detach");
        }
    }
}

fn containerd(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64) {
    match rng.below(3) {
        0 => {
            line.logrus(t_us, host, "containerd", host.containerd, "info");
            line.push("\"shim reaped\" id=");
            rng.hex(&mut line.buf, 64);
        }
        1 => {
            line.logrus(t_us, host, "dockerd", host.dockerd, "info");
            line.push("\"ignoring event\" module=libcontainerd namespace=moby topic=/tasks/delete type=\"*events.TaskDelete\"");
        }
        _ => {
            line.logrus(t_us, host, "containerd", host.containerd, "info");
            line.push("\"starting signal loop\" namespace=k8s.io path=/run/containerd/io.containerd.runtime.v2.task/k8s.io/");
            rng.hex(&mut line.buf, 64);
            let _ = write!(line.buf, " pid={}", rng.range(3000, 60000));
        }
    }
}

fn felix(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64) {
    match rng.below(3) {
        0 => {
            line.felix(t_us, host, "INFO", "int_dataplane.go", 779);
            let _ = write!(
                line.buf,
                "Finished applying updates to dataplane. msecToApply={}.{:06}",
                rng.range(0, 40),
                rng.below(1_000_000)
            );
        }
        1 => {
            line.felix(t_us, host, "INFO", "table.go", 438);
            line.push("Queueing update of chain. chainName=\"cali-fw-cali");
            rng.hex(&mut line.buf, 11);
            line.push("\" ipVersion=0x4 table=\"filter\"");
        }
        _ => {
            line.felix(t_us, host, "INFO", "ipsets.go", 295);
            let _ = write!(
                line.buf,
                "Finished resync family=\"inet\" numInconsistenciesFound=0 resyncDuration={}.{:06}ms",
                rng.range(1, 30),
                rng.below(1_000_000)
            );
        }
    }
}

fn sshd(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64) {
    let pid = rng.range(2000, 32000) as u32;
    line.start(t_us, host, "sshd", pid);
    let user = *rng.pick(USERS);
    let ip = rng.range(2, 250);
    let port = rng.range(32768, 61000);
    let _ = match rng.below(5) {
        0 => write!(
            line.buf,
            "Accepted publickey for {user} from 10.0.0.{ip} port {port} ssh2: RSA SHA256:q3Zk9WvYtq0Hn2LrJ8mXo5dFf1cE7uBa4sKpG6hTzQw"
        ),
        1 => write!(
            line.buf,
            "pam_unix(sshd:session): session opened for user {user} by (uid=0)"
        ),
        2 => write!(
            line.buf,
            "Received disconnect from 10.0.0.{ip} port {port}:11: disconnected by user"
        ),
        3 => write!(
            line.buf,
            "Connection closed by 10.0.0.{ip} port {port} [preauth]"
        ),
        _ => write!(
            line.buf,
            "Invalid user admin{} from 10.0.0.{ip} port {port}",
            rng.below(100)
        ),
    };
}

fn systemd(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64) {
    match rng.below(4) {
        0 => {
            line.start(t_us, host, "systemd", 1);
            let _ = write!(
                line.buf,
                "Started Session {} of user {}.",
                rng.range(100, 90000),
                rng.pick(USERS)
            );
        }
        1 => {
            line.start(t_us, host, "systemd-logind", 1011);
            let _ = write!(
                line.buf,
                "New session {} of user {}.",
                rng.range(100, 90000),
                rng.pick(USERS)
            );
        }
        2 => {
            line.start(t_us, host, "systemd", 1);
            line.push("run-docker-runtime\\x2drunc-moby-");
            rng.hex(&mut line.buf, 64);
            line.push("-runc.");
            rng.hex(&mut line.buf, 6);
            line.push(".mount: Succeeded.");
        }
        _ => {
            line.start(t_us, host, "systemd-timesyncd", 612);
            let _ = write!(
                line.buf,
                "Synchronized to time server 10.0.0.{}:123 (10.0.0.{}).",
                2 + rng.below(2),
                2 + rng.below(2)
            );
        }
    }
}
