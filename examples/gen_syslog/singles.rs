//! Lone interesting lines: things a forensics tool parses (EMFILE, resets, OOM, PLEG...) but
//! scattered so that no host ever shows a burst of one kind.

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
        0 => {
            line.klog(t_us, host, 'I', "logs.go:41");
            line.push("http: Accept error: accept tcp [::]:10250: accept4: too many open files; retrying in 5ms");
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
            line.kernel(t_us, host);
            line.push("nf_conntrack: table full, dropping packet");
        }
        3 => {
            line.logrus(t_us, host, "dockerd", host.dockerd, "error");
            line.push("\"Handler for POST /v1.24/containers/create returned error: mkdir /var/lib/docker/overlay2/");
            rng.hex(&mut line.buf, 64);
            line.push("-init: no space left on device\"");
        }
        4 => {
            let pid = rng.range(3000, 60000);
            line.kernel(t_us, host);
            let _ = write!(
                line.buf,
                "Memory cgroup out of memory: Kill process {pid} (java) score {} or sacrifice child",
                rng.range(900, 1000)
            );
            line.finish();
            let first = std::mem::take(&mut line.buf);
            line.kernel(t_us + 80, host);
            let _ = write!(
                line.buf,
                "Killed process {pid} (java) total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB",
                rng.range(4_000_000, 9_000_000),
                rng.range(500_000, 2_000_000),
                rng.range(1000, 30000)
            );
            let second = std::mem::replace(&mut line.buf, first);
            line.buf.extend_from_slice(&second);
            return 2;
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
            line.klog(t_us, host, 'I', "kubelet.go:1778");
            let _ = write!(
                line.buf,
                "skipping pod synchronization - [PLEG is not healthy: pleg was last seen active 3m{}.{:03}s ago; threshold is 3m0s]",
                rng.range(0, 30),
                rng.below(1000)
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
