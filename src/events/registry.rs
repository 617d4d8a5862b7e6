//! The grammar table: every line grammar with the literals a matching message must
//! contain (the scanner's prefilter), the programs it is routed to, and what the
//! extractor does with its result (emit, or hand to an assembler).

use super::text::contains;
use super::{Payload, calico, docker, fs, host, kernel_misc, kernel_oom, kernel_slub};
use super::{
    clock, cni, containerd, kubelet_evicted, kubelet_eviction, kubelet_misc, kubelet_node, limits,
    net, service,
};
use super::{kernel_fault, kernel_net, kernel_report, kernel_storage, kernel_vmalloc};
use super::{pod_status, probe, runtime, storage_thinpool, systemd, tls};
use crate::envelope::{Envelope, LineFormat};
use aho_corasick::{AhoCorasick, AhoCorasickKind};
use kernel_oom::OomPart;
use std::sync::LazyLock;

/// Which programs' lines a grammar runs on.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `kernel`, or no/unknown program (raw dmesg, kmsg).
    Kernel,
    /// The kubelet, decided by the message rather than the program: a kubelet program
    /// name (see [`KUBELET_PROGRAMS`]), no/unknown program, or any program whose line
    /// carries a klog header (a containerised kubelet under `docker`/`dockerd-current`,
    /// k0s's logrus `msg="E0527 ... kubelet.go:...]"`): the grammar's needles are the
    /// kubelet's own phrases, so the header only has to show a Kubernetes component.
    Kubelet,
    /// calico-node, felix, bird, confd, calicoctl, or calico line formats, or no/unknown program.
    Calico,
    /// Like [`Route::Calico`], but an unknown program only when the message itself
    /// names calico (`Mesh_`, `bird`, `felix`, `calico`): `connection reset by peer` is
    /// everywhere (sshd, xinetd...).
    CalicoStrict,
    /// dockerd / docker, or no/unknown program.
    Docker,
    /// systemd / systemd-hostnamed, or no/unknown program.
    Host,
    /// Any program.
    Any,
}

fn app_starts(app: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| {
        app.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })
}

/// Program names (prefixes) the kubelet runs under: the kubelet itself and
/// `kubelet-wrapper`/`kubelet.service`, hyperkube, the single-binary distributions
/// (k3s/k3s-agent, rke2, k0s/k0sworker, microk8s's kubelite) and OpenShift 3.x nodes.
const KUBELET_PROGRAMS: &[&str] = &[
    "kubelet",
    "hyperkube",
    "kubelite",
    "microk8s.daemon-kubelite",
    "k3s",
    "rke2",
    "k0s",
    "origin-node",
    "atomic-openshift-node",
    "openshift-node",
];

/// Whether a klog header (`E0527 17:05:52.997924 ...`) appears in the first bytes of
/// the whole `line` (syslog prefix included), at its start or after a space or quote.
fn carries_klog(line: &[u8]) -> bool {
    let window = line.get(..512).unwrap_or(line);
    window.iter().enumerate().any(|(i, &b)| {
        matches!(b, b'I' | b'W' | b'E' | b'F')
            && (i == 0 || matches!(window.get(i - 1), Some(b' ' | b'"' | b'=')))
            && window.get(i + 1..i + 17).is_some_and(klog_stamp)
    })
}

/// `mmdd hh:mm:ss.uu` right after the severity letter of a klog header.
fn klog_stamp(s: &[u8]) -> bool {
    s.iter().enumerate().all(|(i, &b)| match i {
        4 => b == b' ',
        7 | 10 => b == b':',
        13 => b == b'.',
        _ => b.is_ascii_digit(),
    })
}

fn calico_app(app: &str) -> bool {
    let lower = app.to_ascii_lowercase();
    ["calico", "bird", "felix", "confd"]
        .iter()
        .any(|n| lower.contains(n))
}

fn calico_format(format: LineFormat) -> bool {
    matches!(
        format,
        LineFormat::Felix
            | LineFormat::Bird
            | LineFormat::CalicoctlStatus
            | LineFormat::BirdProtocols
            | LineFormat::Svlogd
    )
}

impl Route {
    /// Whether a grammar with this route may run on `env` (with grammar-visible `msg`).
    pub(crate) fn admits(self, env: &Envelope<'_>, msg: &[u8]) -> bool {
        let app = env
            .app
            .filter(|a| !a.is_empty() && !a.eq_ignore_ascii_case("unknown"));
        let Some(app) = app else {
            return match self {
                Route::CalicoStrict => {
                    calico_format(env.format)
                        || [
                            &b"Mesh_"[..],
                            b"Node_",
                            b"Global_",
                            b"bird",
                            b"felix",
                            b"calico",
                        ]
                        .iter()
                        .any(|m| contains(msg, m))
                }
                _ => true,
            };
        };
        match self {
            Route::Kernel => app.eq_ignore_ascii_case("kernel"),
            Route::Kubelet => app_starts(app, KUBELET_PROGRAMS) || carries_klog(env.raw),
            Route::Calico | Route::CalicoStrict => calico_app(app) || calico_format(env.format),
            Route::Docker => app_starts(app, &["docker"]),
            Route::Host => app_starts(app, &["systemd", "hostnamed"]),
            Route::Any => true,
        }
    }
}

/// What the extractor does with a grammar's payload.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Role {
    /// A complete one-line event.
    Event,
    /// A part of a SLUB block.
    Slub,
    /// A part of one OOM kill.
    Oom(OomPart),
    /// The `calicoctl node status` table header: rows follow.
    CalicoTableHeader,
    /// A `df` header: rows follow.
    DfHeader,
    /// A part of a multi-line kernel report of the grammar's kind, joined by the rule
    /// given (see `kernel_report.rs`).
    Report(kernel_report::Joiner),
}

/// One line grammar and what the extractor needs to know to run it cheaply: which
/// needles must be present and which programs' lines it applies to.
pub(crate) struct Grammar {
    /// The kind it contributes to (dotted name): drift is counted per kind, and a
    /// `Report` role joins parts of the same kind.
    pub(crate) kind: &'static str,
    /// A matching message contains at least one of these (case-sensitive).
    pub(crate) needles: &'static [&'static str],
    /// Keeps a grammar off other programs' lines that happen to hold its needles.
    pub(crate) route: Route,
    /// Whether its payload is an event on its own or a part for an assembler.
    pub(crate) role: Role,
    /// Recognises the grammar-visible message; `None` when it is not this grammar's line.
    pub(crate) parse: fn(&[u8]) -> Option<Payload>,
}

macro_rules! g {
    ($kind:literal, [$($n:expr),+ $(,)?], $route:ident, $role:expr, $parse:path) => {
        Grammar { kind: $kind, needles: &[$($n),+], route: Route::$route, role: $role, parse: $parse }
    };
}

const SLUB: &str = "kernel.slub_alloc_failure";
const OOM: &str = "kernel.oom_kill";

/// Every grammar, in the order they are tried on a line.
pub(crate) static GRAMMARS: &[Grammar] = &[
    // kernel
    Grammar {
        kind: SLUB,
        needles: &[
            "SLUB: Unable to allocate memory",
            "SLAB: Unable to allocate memory",
        ],
        route: Route::Kernel,
        role: Role::Slub,
        parse: kernel_slub::header,
    },
    Grammar {
        kind: SLUB,
        needles: &[", object size: "],
        route: Route::Kernel,
        role: Role::Slub,
        parse: kernel_slub::cache_line,
    },
    Grammar {
        kind: SLUB,
        needles: &[": slabs: "],
        route: Route::Kernel,
        role: Role::Slub,
        parse: kernel_slub::node_line,
    },
    Grammar {
        kind: SLUB,
        needles: &["debugging increased min order"],
        route: Route::Kernel,
        role: Role::Slub,
        parse: kernel_slub::debug_order_line,
    },
    g!(
        "kernel.page_alloc_failure",
        ["page allocation failure: order:"],
        Kernel,
        Role::Event,
        kernel_misc::page_alloc_failure
    ),
    Grammar {
        kind: OOM,
        needles: &[" invoked oom-killer: "],
        route: Route::Kernel,
        role: Role::Oom(OomPart::Invoked),
        parse: kernel_oom::invoked,
    },
    Grammar {
        kind: OOM,
        needles: &[
            "killed as a result of limit of",
            "Memory limit reached of cgroup",
        ],
        route: Route::Kernel,
        role: Role::Oom(OomPart::TaskIn),
        parse: kernel_oom::task_in,
    },
    Grammar {
        kind: OOM,
        needles: &["oom-kill:constraint="],
        route: Route::Kernel,
        role: Role::Oom(OomPart::Summary),
        parse: kernel_oom::summary,
    },
    Grammar {
        kind: OOM,
        needles: &["Kill process "],
        route: Route::Kernel,
        role: Role::Oom(OomPart::Select),
        parse: kernel_oom::kill_process,
    },
    Grammar {
        kind: OOM,
        needles: &["Killed process "],
        route: Route::Kernel,
        role: Role::Oom(OomPart::Killed),
        parse: kernel_oom::killed_process,
    },
    Grammar {
        kind: OOM,
        needles: &["memory.oom.group set"],
        route: Route::Kernel,
        role: Role::Oom(OomPart::Group),
        parse: kernel_oom::group,
    },
    Grammar {
        kind: OOM,
        needles: &["Memory cgroup stats for "],
        route: Route::Kernel,
        role: Role::Oom(OomPart::Usage),
        parse: kernel_oom::stats_header,
    },
    Grammar {
        kind: OOM,
        needles: &["memory: usage "],
        route: Route::Kernel,
        role: Role::Oom(OomPart::Usage),
        parse: kernel_oom::usage,
    },
    g!(
        "kernel.conntrack_full",
        ["table full, dropping packet"],
        Kernel,
        Role::Event,
        kernel_misc::conntrack_full
    ),
    g!(
        "kernel.hung_task",
        ["blocked for more than "],
        Kernel,
        Role::Report(kernel_fault::join_hung),
        kernel_misc::hung_task
    ),
    g!(
        "kernel.hung_task",
        [" state:"],
        Kernel,
        Role::Report(kernel_fault::join_hung),
        kernel_fault::task_line
    ),
    g!(
        "kernel.soft_lockup",
        ["soft lockup - CPU#", "hard LOCKUP on cpu"],
        Kernel,
        Role::Event,
        kernel_misc::lockup
    ),
    g!(
        "kernel.version",
        ["Linux version "],
        Kernel,
        Role::Event,
        kernel_misc::version
    ),
    // issue 12: kernel and network
    g!(
        "kernel.panic",
        [
            "Kernel panic - not syncing",
            "BUG: ",
            "kernel BUG at ",
            "Unable to handle kernel ",
            "Oops: ",
            "general protection fault",
            "invalid opcode: ",
            "divide error: ",
            "stack segment: ",
            "double fault: "
        ],
        Kernel,
        Role::Report(kernel_fault::join_panic),
        kernel_fault::panic_line
    ),
    g!(
        "kernel.panic",
        [" Comm: "],
        Kernel,
        Role::Report(kernel_fault::join_panic),
        kernel_fault::comm_line
    ),
    g!(
        "kernel.rcu_stall",
        [
            "detected stall",
            "ticks this GP)",
            "GPs behind)",
            " jiffies",
            "kthread starved for "
        ],
        Kernel,
        Role::Report(kernel_fault::join_rcu),
        kernel_fault::rcu_stall_line
    ),
    g!(
        "kernel.neighbour_table_overflow",
        ["neighbor table overflow!", "Neighbour table overflow."],
        Kernel,
        Role::Event,
        kernel_net::neighbour_overflow
    ),
    g!(
        "kernel.unregister_netdevice",
        ["unregister_netdevice: waiting for "],
        Kernel,
        Role::Event,
        kernel_net::unregister_netdevice
    ),
    g!(
        "kernel.fs_error",
        [
            "Aborting journal on device ",
            "-fs error (device ",
            "BTRFS error (device ",
            "BTRFS critical (device ",
            "XFS ("
        ],
        Kernel,
        Role::Report(kernel_storage::join_fs_error),
        kernel_storage::fs_error
    ),
    g!(
        "kernel.fs_readonly",
        ["emounting filesystem read-only", "forced readonly"],
        Kernel,
        Role::Event,
        kernel_storage::fs_readonly
    ),
    g!(
        "kernel.io_error",
        [
            " error, dev ",
            "Buffer I/O error on dev",
            " FAILED Result: "
        ],
        Kernel,
        Role::Report(kernel_storage::join_io_error),
        kernel_storage::io_error
    ),
    g!(
        "kernel.overlayfs_error",
        ["overlayfs: "],
        Kernel,
        Role::Event,
        kernel_storage::overlayfs_error
    ),
    g!(
        "kernel.vmalloc_failure",
        [
            "vmap allocation for size ",
            "vmalloc: allocation failure",
            "vmalloc error: size "
        ],
        Kernel,
        Role::Report(kernel_vmalloc::join_vmalloc),
        kernel_vmalloc::vmalloc_failure
    ),
    g!(
        "net.nic_tx_timeout",
        [
            "NETDEV WATCHDOG: ",
            "Unit Hang",
            "wasn't completed on time",
            "tx_timeout",
            "TX timeout",
            "Tx timeout",
            "tx timeout",
            "transmit timed out"
        ],
        Kernel,
        Role::Event,
        kernel_net::nic_tx_timeout
    ),
    g!(
        "net.nic_reset",
        ["reset", "Reset"],
        Kernel,
        Role::Event,
        kernel_net::nic_reset
    ),
    g!(
        "storage.thinpool_full",
        ["Thin Pool has ", "switching pool to "],
        Any,
        Role::Event,
        storage_thinpool::thinpool_full
    ),
    g!(
        "systemd.oomd_kill",
        [": systemd-oomd killed ", " due to memory "],
        Host,
        Role::Report(systemd::join_oomd),
        systemd::oomd_kill
    ),
    g!(
        "node.reboot",
        [
            "System is rebooting",
            "System is powering down",
            "System is halting"
        ],
        Host,
        Role::Event,
        systemd::logind_shutdown
    ),
    // kubelet
    g!(
        "kubelet.eviction_threshold",
        [
            "attempting to reclaim",
            "Attempting to reclaim",
            "threshold [signal=",
            "threshold observed resource",
            "eviction criteria not yet met",
        ],
        Kubelet,
        Role::Event,
        kubelet_eviction::threshold
    ),
    g!(
        "kubelet.eviction_must_evict",
        ["must evict pod(s) to reclaim"],
        Kubelet,
        Role::Event,
        kubelet_eviction::must_evict
    ),
    g!(
        "kubelet.eviction_ranked",
        ["ranked for eviction"],
        Kubelet,
        Role::Event,
        kubelet_eviction::ranked
    ),
    g!(
        "kubelet.pod_evicted",
        [
            "evicted, waiting for pod to be cleaned up",
            "evicted successfully"
        ],
        Kubelet,
        Role::Event,
        kubelet_eviction::evicted
    ),
    g!(
        "kubelet.pod_evicted",
        [
            "The node was low on resource: ",
            "The node had condition: [",
            "\"Evicting pod\""
        ],
        Kubelet,
        Role::Event,
        kubelet_evicted::evicted_notice
    ),
    g!(
        "kubelet.probe_failed",
        ["\"Probe failed\"", " probe for \"", " probe failed: "],
        Any,
        Role::Event,
        probe::probe_failed
    ),
    g!(
        "kernel.oom_kill",
        [" OOMKilled "],
        Any,
        Role::Event,
        pod_status::oomkilled_row
    ),
    g!(
        "kubelet.pleg_unhealthy",
        ["PLEG is not healthy"],
        Kubelet,
        Role::Event,
        kubelet_misc::pleg
    ),
    g!(
        "kubelet.image_gc_failed",
        [
            "Image garbage collection failed",
            "garbage collect required amount of images",
            "bytes space with errors in image deletion"
        ],
        Kubelet,
        Role::Event,
        kubelet_misc::image_gc_failed
    ),
    Grammar {
        kind: "kubelet.node_condition",
        needles: kubelet_misc::CONDITION_NEEDLES,
        route: Route::Kubelet,
        role: Role::Event,
        parse: kubelet_misc::node_condition,
    },
    g!(
        "kubelet.flag",
        ["FLAG: --"],
        Kubelet,
        Role::Event,
        kubelet_misc::flag
    ),
    g!(
        "kubelet.container_killed",
        ["Killing container "],
        Kubelet,
        Role::Event,
        kubelet_misc::container_killed
    ),
    // calico
    g!(
        "calico.bgp_peer_state",
        ["Mesh_", "Node_", "Global_"],
        Calico,
        Role::Event,
        calico::bird_protocol_row
    ),
    g!(
        "calico.bgp_peer_state",
        [": State changed to "],
        Calico,
        Role::Event,
        calico::bird_state_change
    ),
    g!(
        "calico.connection_reset",
        ["Connection reset by peer", "connection reset by peer"],
        CalicoStrict,
        Role::Event,
        calico::connection_reset
    ),
    g!(
        "calico.node_name",
        [
            "Determined node name: ",
            "Using node name: ",
            "for node name",
            "Using stored node name",
            "Using auto-detected node name",
        ],
        Calico,
        Role::Event,
        calico::node_name
    ),
    g!(
        "calico.node_conflict",
        [
            "is already using the IPv",
            "address has changed. This could happen"
        ],
        Calico,
        Role::Event,
        calico::node_conflict
    ),
    g!(
        "calico.bgp_peer_state",
        ["PEER ADDRESS", "Peer address"],
        Calico,
        Role::CalicoTableHeader,
        calico::table_header
    ),
    // any program
    g!(
        "net.too_many_open_files",
        ["too many open files", "Too many open files"],
        Any,
        Role::Event,
        net::too_many_open_files
    ),
    g!(
        "host.hostname_changed",
        [
            "Changed host name to '",
            "Changed static host name to '",
            "Hostname set to <",
            "Set hostname to <"
        ],
        Host,
        Role::Event,
        host::hostname_changed
    ),
    g!(
        "service.started",
        [
            "Starting kubelet",
            "Started kubelet",
            "Started Kubernetes Kubelet",
            "\"Kubelet version\"",
            "starting containerd",
            "msg=\"Starting up\"",
            "Starting Docker Application Container Engine",
            "Starting CRI-O",
            "Starting Container Runtime Interface for OCI",
            "Calico node started successfully",
            "Felix starting up",
            "running in system mode"
        ],
        Any,
        Role::Event,
        service::service_started
    ),
    // docker and file systems
    g!(
        "docker.storage_driver",
        [
            "[graphdriver] using prior storage driver",
            "graphdriver=",
            "graphdriver(s)=",
            "storage-driver="
        ],
        Docker,
        Role::Event,
        docker::storage_driver
    ),
    g!(
        "docker.loopback_warning",
        ["Usage of loopback devices is strongly discouraged"],
        Docker,
        Role::Event,
        docker::loopback_warning
    ),
    g!(
        "fs.no_space_left",
        ["no space left on device", "No space left on device"],
        Any,
        Role::Event,
        fs::no_space_left
    ),
    g!(
        "fs.usage",
        ["Disk usage", "disk usage", "Disk space", "disk space"],
        Any,
        Role::Event,
        fs::usage_alert
    ),
    g!(
        "fs.usage",
        ["Mounted on"],
        Any,
        Role::DfHeader,
        fs::df_header
    ),
    // issue 12: runtime, kubelet, identity
    g!(
        "net.inotify_exhausted",
        [
            "inotify_add_watch",
            "inotify_init",
            "fsnotify watcher",
            "inotify watch limit reached"
        ],
        Any,
        Role::Event,
        limits::inotify_exhausted
    ),
    g!(
        "net.pid_exhausted",
        [
            "resource temporarily unavailable",
            "Resource temporarily unavailable",
            "failed to create new OS thread"
        ],
        Any,
        Role::Event,
        limits::pid_exhausted
    ),
    g!(
        "cni.ip_exhausted",
        [
            "failed to assign an IP address",
            "no IP addresses available in range set",
            "InsufficientFreeAddressesInSubnet"
        ],
        Any,
        Role::Event,
        cni::ip_exhausted
    ),
    g!(
        "kube_proxy.xtables_lock",
        ["holding the xtables lock"],
        Any,
        Role::Event,
        cni::xtables_lock
    ),
    g!(
        "calico.not_ready",
        [
            "BIRD is not ready: ",
            "BIRD6 is not ready: ",
            "elix is not ready"
        ],
        Any,
        Role::Event,
        cni::not_ready
    ),
    g!(
        "kubelet.runtime_error",
        [
            " from runtime service failed",
            " from image service failed",
            "Failed create pod sandbox",
            "Failed to create pod sandbox",
            "CreatePodSandbox for pod",
            "createPodSandbox for pod",
            "RunPodSandbox for ",
            "Failed to update image list: rpc error",
            "failed to reserve sandbox name",
            "failed to reserve container name",
            "error reserving pod name",
            "error reserving ctr name"
        ],
        Any,
        Role::Event,
        runtime::runtime_error
    ),
    g!(
        "containerd.task_oom",
        [
            "containerd.events.TaskOOM",
            "topic=/tasks/oom",
            "TaskOOM event",
            "container oom "
        ],
        Any,
        Role::Event,
        containerd::task_oom
    ),
    g!(
        "kubelet.runtime_network_not_ready",
        ["untime network not ready", "NetworkPluginNotReady"],
        Kubelet,
        Role::Event,
        kubelet_node::runtime_network_not_ready
    ),
    g!(
        "kubelet.node_not_found",
        [
            "node \"",
            "node \\\"",
            "nodes \"",
            "minion \"",
            "rror getting node",
            "failed to get node info"
        ],
        Kubelet,
        Role::Event,
        kubelet_node::node_not_found
    ),
    g!(
        "kubelet.node_identity_mismatch",
        [
            "is not allowed to modify node",
            "cannot modify node",
            "can only access node lease with the same name"
        ],
        Kubelet,
        Role::Event,
        kubelet_node::node_identity_mismatch
    ),
    g!(
        "kubelet.node_status_update_failed",
        [
            "rror updating node status",
            "Unable to update node status",
            "ailed to update lease",
            "ailed to ensure node lease exists",
            "ailed to ensure lease exists"
        ],
        Kubelet,
        Role::Event,
        kubelet_node::node_status_update_failed
    ),
    g!(
        "kubelet.cgroup_mkdir_enomem",
        ["mkdir /sys/fs/cgroup/"],
        Any,
        Role::Event,
        kubelet_node::cgroup_mkdir_enomem
    ),
    g!(
        "tls.cert_expired",
        [
            "certificate has expired",
            "certificate is expired",
            "certificate is not yet valid",
            "client certificate in "
        ],
        Any,
        Role::Event,
        tls::cert_expired
    ),
    g!(
        "time.clock_skew",
        [
            "clock difference against peer",
            "high clock drift",
            "System clock wrong by",
            "System clock was stepped by",
            "clock_step ",
            "current time "
        ],
        Any,
        Role::Event,
        clock::clock_skew
    ),
];

/// A set of grammars, bit `i` for `GRAMMARS[i]`.
pub(crate) type GrammarSet = u128;

/// The set holding only grammar `i`.
pub(crate) fn bit(i: usize) -> GrammarSet {
    1 << i
}

/// Which grammars a message may match, as a bit set over [`GRAMMARS`] (bit `i` for
/// grammar `i`): one automaton pass over the message finds every needle it holds,
/// instead of one substring search per needle per grammar.
pub(crate) fn routed(message: &[u8]) -> GrammarSet {
    let router = &*ROUTER;
    router
        .automaton
        .find_overlapping_iter(message)
        .filter_map(|hit| router.grammars.get(hit.pattern().as_usize()))
        .fold(0, |set, grammars| set | grammars)
}

/// The needle automaton behind [`routed`], with each needle's grammar set.
struct Router {
    /// A constant over the grammars' literals: it builds, or every test fails.
    automaton: AhoCorasick,
    grammars: Vec<GrammarSet>,
}

static ROUTER: LazyLock<Router> = LazyLock::new(|| {
    let needles = needles();
    let grammars = needles
        .iter()
        .map(|n| {
            GRAMMARS
                .iter()
                .enumerate()
                .take(GrammarSet::BITS as usize)
                .filter(|(_, g)| g.needles.contains(n))
                .fold(0, |set, (i, _)| set | bit(i))
        })
        .collect();
    let automaton = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .build(&needles)
        .expect("constant automaton over the grammars' needles");
    Router {
        automaton,
        grammars,
    }
});

/// Literals of journalctl's banners: boot separators (`-- Reboot --`, `-- Boot <id>
/// --`), which the extractor turns into `node.reboot`, and the span header (`-- Logs
/// begin at ..., end at ... --`), whose end the scanner takes as the year reference. No
/// grammar reads them (their envelope has no message): they only have to pass the
/// prefilter.
///
/// Also the `Active: ... since <date>` line of a captured `systemctl status`, whose
/// date is a year hint for the journal lines below it.
const BANNER_NEEDLES: &[&str] = &[
    "-- Reboot --",
    "-- Boot ",
    "-- Logs begin at ",
    "-- Journal begins at ",
    "Active: ",
];

/// Every needle of every grammar, deduplicated and sorted: the scanner builds its
/// prefilter automaton from these. A line without any of them can neither produce
/// nor start an event (continuation lines are requested through `Extractor::feed`).
pub fn needles() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = GRAMMARS
        .iter()
        .flat_map(|g| g.needles.iter().copied())
        .chain(BANNER_NEEDLES.iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// For a message that contains a needle but produced no event: the kind it looked
/// relevant to (the first grammar whose needle it contains), so the scanner can count
/// format drift per kind. `None` when some grammar does recognise the message (it
/// was routed elsewhere or consumed by an assembler) or when it has no needle.
pub fn drift_kind(message: &[u8]) -> Option<&'static str> {
    let mut first = None;
    let set = routed(message);
    for (i, g) in GRAMMARS.iter().enumerate() {
        if set & bit(i) != 0 {
            if (g.parse)(message).is_some() {
                return None;
            }
            first = first.or(Some(g.kind));
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar_sets_fit_the_router() {
        assert!(
            GRAMMARS.len() <= GrammarSet::BITS as usize,
            "routed() keeps grammar sets in a {}-bit set",
            GrammarSet::BITS
        );
    }

    #[test]
    fn routing_finds_every_grammar_whose_needle_is_present() {
        for (i, g) in GRAMMARS.iter().enumerate() {
            for n in g.needles {
                let msg = format!("prefix {n} suffix");
                assert_ne!(routed(msg.as_bytes()) & bit(i), 0, "{} / {n}", g.kind);
            }
        }
        // Overlapping needles are all found: a message holding two grammars' needles
        // routes to both.
        let both = "oom-kill:constraint=CONSTRAINT_NONE Out of memory: Killed process";
        let set = routed(both.as_bytes());
        let expected = GRAMMARS
            .iter()
            .enumerate()
            .filter(|(_, g)| g.needles.iter().any(|n| both.contains(n)))
            .fold(0, |s, (i, _)| s | bit(i));
        assert_eq!(set, expected);
        assert_eq!(routed(b"sshd[1]: Accepted publickey for root"), 0);
    }

    #[test]
    fn needles_sorted_unique_and_nonempty() {
        let n = needles();
        assert!(n.windows(2).all(|w| w[0] < w[1]));
        assert!(
            n.iter().all(|s| s.len() >= 5),
            "needles must be specific: {n:?}"
        );
    }

    #[test]
    fn grammar_kinds_exist() {
        for g in GRAMMARS {
            assert!(
                super::super::Kind::from_name(g.kind).is_some(),
                "{}",
                g.kind
            );
        }
    }

    #[test]
    fn drift_names_the_kind() {
        assert_eq!(
            drift_kind(b"eviction manager: pods ranked for eviction: "),
            Some("kubelet.eviction_ranked")
        );
        assert_eq!(
            drift_kind(b"eviction manager: must evict pod(s) to reclaim imagefs"),
            None
        );
        assert_eq!(
            drift_kind(b"Jul 27 14:41:57 combo sshd[1]: session opened"),
            None
        );
        assert_eq!(
            drift_kind(b"SLUB: Unable to allocate memory on node x"),
            Some("kernel.slub_alloc_failure")
        );
    }
}
