//! K8s chatter of the `realistic` profile: the ordinary churn of a busy cluster that
//! the grammars must parse, not merely skip (issue 13). Container kills and BIRD
//! state changes become events; probe failures, containerd task events and felix
//! interface changes are lines a tool must read past. Formats are those of the real
//! daemons: kubelet `kuberuntime_container.go` / `prober.go` (printf text before
//! 1.19, structured `InfoS` after), containerd's CRI plugin (`TaskExit event
//! &TaskExit{...}`), felix `int_dataplane.go`, BIRD 1.6 `nest/proto.c`.

use std::io::Write;

use crate::hosts::Host;
use crate::line::Line;
use crate::rng::Rng;

/// Fraction of lines that are chatter in the `realistic` profile.
pub const SHARE: f64 = 0.04;

const NAMESPACES: &[&str] = &["shop", "ec-prod", "batch", "monitoring", "kube-system"];
const APPS: &[&str] = &["frontend", "cart", "search", "config", "report-job"];
/// BIRD protocol states in the order a session walks them (`nest/proto.c`).
const BIRD_STATES: &[&str] = &["start", "feed", "up", "stop", "down", "flush"];

fn pod(rng: &mut Rng, line: &mut Line, app: &str) {
    line.push(app);
    line.push("-");
    rng.hex(&mut line.buf, 9);
    line.push("-");
    rng.hex(&mut line.buf, 5);
}

fn uid(rng: &mut Rng, line: &mut Line) {
    rng.hex(&mut line.buf, 8);
    line.push("-");
    rng.hex(&mut line.buf, 4);
    line.push("-");
    rng.hex(&mut line.buf, 4);
    line.push("-");
    rng.hex(&mut line.buf, 4);
    line.push("-");
    rng.hex(&mut line.buf, 12);
}

/// Write one chatter line for `host` at `t_us` into `line` (not finished).
pub fn write(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64) {
    match rng.below(100) {
        0..=29 => kill(rng, line, host, t_us),
        30..=49 => probe(rng, line, host, t_us),
        50..=64 => task(rng, line, host, t_us),
        65..=74 => {
            line.felix(t_us, host, "INFO", "int_dataplane.go", 1043);
            line.push("Linux interface state changed. ifaceName=\"cali");
            rng.hex(&mut line.buf, 11);
            line.push(if rng.chance(0.5) {
                "\" state=\"down\""
            } else {
                "\" state=\"up\""
            });
        }
        _ => {
            line.bird(t_us, host);
            let _ = write!(
                line.buf,
                "Mesh_10_0_2_{}: State changed to {}",
                rng.range(1, 17),
                rng.pick_str(BIRD_STATES)
            );
        }
    }
}

/// kubelet stopping a container (a pod deleted, a rollout, a failed liveness probe).
fn kill(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64) {
    let ns = rng.pick_str(NAMESPACES);
    let app = rng.pick_str(APPS);
    if host.structured {
        line.klog(t_us, host, 'I', "kuberuntime_container.go:709");
        let _ = write!(
            line.buf,
            "\"Killing container with a grace period\" pod=\"{ns}/"
        );
        pod(rng, line, app);
        line.push("\" podUID=\"");
        uid(rng, line);
        let _ = write!(
            line.buf,
            "\" containerName=\"{app}\" containerID=\"containerd://"
        );
        rng.hex(&mut line.buf, 64);
        line.push("\" gracePeriod=30");
    } else {
        line.klog(t_us, host, 'I', "kuberuntime_container.go:559");
        line.push("Killing container \"docker://");
        rng.hex(&mut line.buf, 64);
        line.push("\" with 30 second grace period");
    }
}

/// A readiness or liveness probe that failed once (an app slow to start).
fn probe(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64) {
    let ns = rng.pick_str(NAMESPACES);
    let app = rng.pick_str(APPS);
    let kind = rng.pick_str(&["Readiness", "Liveness"]);
    let ip = format!("10.244.{}.{}", rng.range(0, 16), rng.range(2, 250));
    if host.structured {
        line.klog(t_us, host, 'I', "prober.go:107");
        let _ = write!(
            line.buf,
            "\"Probe failed\" probeType=\"{kind}\" pod=\"{ns}/"
        );
        pod(rng, line, app);
        line.push("\" podUID=\"");
        uid(rng, line);
        let _ = write!(
            line.buf,
            "\" containerName=\"{app}\" probeResult=\"failure\" output=\"Get \\\"http://{ip}:8080/healthz\\\": dial tcp {ip}:8080: connect: connection refused\""
        );
    } else {
        line.klog(t_us, host, 'I', "prober.go:111");
        let _ = write!(line.buf, "{kind} probe for \"");
        pod(rng, line, app);
        let _ = write!(line.buf, "_{ns}(");
        uid(rng, line);
        let _ = write!(
            line.buf,
            "):{app}\" failed (failure): Get http://{ip}:8080/healthz: dial tcp {ip}:8080: getsockopt: connection refused"
        );
    }
}

/// containerd's CRI plugin seeing a task end.
fn task(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64) {
    line.logrus(t_us, host, "containerd", host.containerd, "info");
    if rng.chance(0.6) {
        let id = rng.hex_string(64);
        let c = line.civil;
        let _ = write!(
            line.buf,
            "\"TaskExit event &TaskExit{{ContainerID:{id},ID:{id},Pid:{},ExitStatus:{},ExitedAt:{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:09} +0000 UTC,XXX_unrecognized:[],}}\"",
            rng.range(3000, 60000),
            rng.pick(&[0u32, 137, 143]),
            c.year,
            c.month,
            c.day,
            c.hour,
            c.min,
            c.sec,
            rng.below(1_000_000_000)
        );
    } else {
        line.push("\"shim disconnected\" id=");
        rng.hex(&mut line.buf, 64);
    }
}
