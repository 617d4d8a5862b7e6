//! Lone interesting lines: things a forensics tool parses (node conditions, resets, BIRD
//! state changes, allocation failures...) but scattered so that no host ever shows a burst
//! of one kind, and none of which is an incident by itself.

use std::io::Write;

use crate::hosts::Host;
use crate::line::Line;
use crate::rng::Rng;

/// Number of single kinds.
pub const KINDS: usize = 8;

/// Write single kind `kind` for `host`. Returns the number of lines written (1 or 2); the
/// caller owns the buffer, a second line is appended after the first one's newline.
pub fn write(rng: &mut Rng, line: &mut Line, host: &Host, t_us: i64, kind: usize) -> u64 {
    match kind {
        // Kinds 0, 2, 4 and 6 carry a needle and give an event, but no signature
        // makes an incident of them alone: the dump's only incidents are the injected
        // ones, so a recall test can also check that nothing else is reported.
        0 => {
            line.klog(t_us, host, 'I', "kubelet_node_status.go:278");
            let _ = write!(
                line.buf,
                "Recording NodeHasSufficientMemory event message for node {}",
                host.name
            );
        }
        1 => {
            line.felix(t_us, host, "WARNING", "watcher.go", 118);
            let _ = write!(
                line.buf,
                "Watch of etcd closed error=read tcp {}:{}->10.0.1.5:2379: read: connection reset by peer",
                host.ip,
                rng.range(32768, 61000)
            );
        }
        2 => {
            line.logrus(t_us, host, "dockerd", host.dockerd, "info");
            line.push("\"Docker daemon\" commit=e68fc7a graphdriver(s)=overlay2 version=18.09.7");
        }
        3 => {
            line.logrus(t_us, host, "dockerd", host.dockerd, "error");
            line.push("\"Handler for POST /v1.24/containers/create returned error: mkdir /var/lib/docker/overlay2/");
            rng.hex(&mut line.buf, 64);
            line.push("-init: no space left on device\"");
        }
        4 => {
            line.klog(t_us, host, 'I', "kubelet_node_status.go:278");
            let _ = write!(
                line.buf,
                "Recording NodeHasSufficientPID event message for node {}",
                host.name
            );
        }
        5 => {
            line.bird(t_us, host);
            let _ = write!(
                line.buf,
                "Mesh_10_0_2_{}: State changed to start",
                rng.range(1, 17)
            );
        }
        6 => {
            line.klog(t_us, host, 'I', "kubelet_node_status.go:278");
            let _ = write!(
                line.buf,
                "Recording NodeHasNoDiskPressure event message for node {}",
                host.name
            );
        }
        _ => {
            line.kernel(t_us, host);
            let _ = write!(
                line.buf,
                "java: page allocation failure: order:{}, mode:0x2080020",
                rng.range(0, 4)
            );
        }
    }
    1
}
