//! The simulated cluster: hosts with their daemons' pids, kernel boot time and name.

use crate::rng::Rng;

/// One node of the simulated cluster.
pub struct Host {
    /// Hostname written in the syslog host field (changes when renamed).
    pub name: String,
    /// Node IP (10.0.2.N).
    pub ip: String,
    /// Kernel boot time, Unix microseconds (for `[uptime]` prefixes).
    pub boot_us: i64,
    /// Kernel release shown in its boot banner.
    pub kernel: &'static str,
    /// kubelet pid.
    pub kubelet: u32,
    /// dockerd pid.
    pub dockerd: u32,
    /// containerd pid.
    pub containerd: u32,
    /// calico-felix pid (inside calico-node).
    pub felix: u32,
    /// bird pid.
    pub bird: u32,
    /// kubelet writes structured InfoS lines (a newer kubelet) instead of printf text.
    pub structured: bool,
}

/// Banner of the old kernel of the seed write-up (kmem accounting leaks on it).
pub const BANNER_313: &str = "Linux version 3.13.0-24-generic (buildd@panlong) (gcc version 4.8.2 (Ubuntu 4.8.2-19ubuntu1) ) #46-Ubuntu SMP Thu Apr 10 19:11:08 UTC 2014 (Ubuntu 3.13.0-24.46-generic 3.13.9)";
/// Banner of the 4.4 kernel most hosts run.
pub const BANNER_44: &str = "Linux version 4.4.0-1062-aws (buildd@lcy01-amd64-001) (gcc version 5.4.0 20160609 (Ubuntu 5.4.0-6ubuntu1~16.04.9) ) #71-Ubuntu SMP Fri Jun 15 10:07:39 UTC 2018 (Ubuntu 4.4.0-1062.71-aws 4.4.134)";

/// Number of hosts in the simulated cluster.
pub const HOSTS: usize = 16;
/// First host (index) of the four that get renamed.
pub const RENAMED_FIRST: usize = 11;

/// Name of host `i` before any rename.
pub fn original_name(i: usize) -> String {
    if (RENAMED_FIRST..RENAMED_FIRST + 4).contains(&i) {
        format!("AMZ-IAD12-OpsResPool-002-{:02}", i + 1)
    } else {
        format!("k8s-node-{:02}", i + 1)
    }
}

/// Name of a renamed host after the rename.
pub fn renamed_name(i: usize) -> String {
    format!("ip-10-0-2-{}.ec2.internal", i + 1)
}

/// The host field rsyslog writes for a FQDN: the part before the first dot.
pub fn short_name(fqdn: &str) -> &str {
    fqdn.split('.').next().unwrap_or(fqdn)
}

/// The cluster, booted a few days before `start_us`.
pub fn cluster(rng: &mut Rng, start_us: i64) -> Vec<Host> {
    (0..HOSTS)
        .map(|i| Host {
            name: original_name(i),
            ip: format!("10.0.2.{}", i + 1),
            boot_us: start_us - rng.range(2 * 86_400, 9 * 86_400) as i64 * 1_000_000,
            kernel: if i == 0 { BANNER_313 } else { BANNER_44 },
            kubelet: rng.range(900, 3000) as u32,
            dockerd: rng.range(800, 1400) as u32,
            containerd: rng.range(700, 1300) as u32,
            felix: rng.range(40, 120) as u32,
            bird: rng.range(40, 120) as u32,
            structured: i % 3 == 2,
        })
        .collect()
}
