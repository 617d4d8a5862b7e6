//! Events: typed payloads recognised in envelope messages by small nom grammars.
//!
//! Each grammar is a pure function over message bytes, routed by the envelope's
//! program tag, and declares the literal needles a matching line must contain so
//! the scanner can prefilter. Multi-line payloads (SLUB blocks, OOM kill pairs,
//! calicoctl tables, `df` output) are assembled per source by the stateful [`Extractor`].
//!
//! Layout: one grammar file per component (`kernel_slub.rs`, `kubelet_eviction.rs`...),
//! the grammar table with routing and needles in `registry.rs`, shared byte helpers in
//! `text.rs`, and the per-source state machine in `extract.rs`. Field names of each
//! kind are documented on the grammar function that produces it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::envelope::time::TimeQuality;
use crate::envelope::{Level, RawTime};
use crate::input::Location;

mod block;
mod calico;
mod clock;
mod cni;
mod containerd;
mod docker;
mod extract;
mod fields;
mod fs;
mod host;
mod kernel_fault;
mod kernel_misc;
mod kernel_net;
mod kernel_oom;
mod kernel_report;
mod kernel_slub;
mod kernel_storage;
mod kernel_trace;
mod kernel_vmalloc;
mod kubelet_evicted;
mod kubelet_eviction;
mod kubelet_misc;
mod kubelet_node;
mod limits;
mod line_text;
mod net;
mod packed;
mod pod_status;
mod probe;
mod registry;
mod runtime;
mod service;
mod storage_thinpool;
mod sym;
mod synth;
mod systemd;
mod text;
mod tls;
mod uptime;
mod value;
pub mod varint;

pub use extract::Extractor;
pub use fields::{known_fields, undeclared};
pub use host::host_field_change;
pub use kernel_misc::reboot_of;
pub use line_text::{LineText, MapId};
pub use packed::{FieldSource, PackedFields};
pub use registry::{drift_kind, needles};
pub use sym::Sym;
pub use synth::{Placement, host_field_changed, place_found, reboot_event};
pub use text::collapse_spaces;
pub use uptime::Uptime;
pub use value::{Fields, Value};

macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal ),* $(,)?) => {
        /// An event kind. The names are a public interface (JSON, signatures): keep them.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum Kind {
            $( $(#[$doc])* $variant, )*
            /// A generic event produced by a user signature's raw-line regex (`custom.<name>`).
            Custom(Sym),
        }

        impl Kind {
            /// The built-in kinds, in declaration order: the vocabulary that `--kind` and
            /// signature files are checked against (user `custom.*` kinds are not in it).
            pub const BUILTIN: &'static [Kind] = &[$(Kind::$variant),*];

            /// The stable dotted name, e.g. `kernel.oom_kill`.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Kind::$variant => $name, )*
                    Kind::Custom(name) => name.as_str(),
                }
            }

            /// Parse a dotted name; `custom.*` names become [`Kind::Custom`].
            pub fn from_name(name: &str) -> Option<Kind> {
                if let Some((_, kind)) = KIND_ALIASES.iter().find(|(old, _)| *old == name) {
                    return Some(*kind);
                }
                match name {
                    $( $name => Some(Kind::$variant), )*
                    other if other.starts_with("custom.") && other.len() > 7 => Some(Kind::Custom(Sym::new(other))),
                    _ => None,
                }
            }
        }
    };
}

kinds! {
    /// One whole SLUB "Unable to allocate memory" block.
    SlubAllocFailure => "kernel.slub_alloc_failure",
    /// `page allocation failure: order:N, mode:...`.
    PageAllocFailure => "kernel.page_alloc_failure",
    /// An OOM kill (global or memory cgroup).
    OomKill => "kernel.oom_kill",
    /// `nf_conntrack: table full, dropping packet`.
    ConntrackFull => "kernel.conntrack_full",
    /// `INFO: task X:PID blocked for more than N seconds.`
    HungTask => "kernel.hung_task",
    /// `BUG: soft lockup - CPU#N stuck for Ns! [comm:pid]`.
    SoftLockup => "kernel.soft_lockup",
    /// Boot banner `Linux version <release> ...`.
    KernelVersion => "kernel.version",
    /// A new boot seen in the data.
    NodeReboot => "node.reboot",
    /// Eviction threshold observed / attempting to reclaim.
    EvictionThreshold => "kubelet.eviction_threshold",
    /// `must evict pod(s) to reclaim <resource>`.
    EvictionMustEvict => "kubelet.eviction_must_evict",
    /// `pods ranked for eviction: ...`.
    EvictionRanked => "kubelet.eviction_ranked",
    /// A pod evicted by the eviction manager.
    PodEvicted => "kubelet.pod_evicted",
    /// `PLEG is not healthy`.
    PlegUnhealthy => "kubelet.pleg_unhealthy",
    /// Image garbage collection failed.
    ImageGcFailed => "kubelet.image_gc_failed",
    /// DiskPressure / MemoryPressure / PIDPressure turning on or off.
    NodeCondition => "kubelet.node_condition",
    /// Startup `FLAG: --name="value"` line.
    KubeletFlag => "kubelet.flag",
    /// `Killing container "docker://ID" with 30 second grace period`.
    ContainerKilled => "kubelet.container_killed",
    /// A BGP peer row from `calicoctl node status` or BIRD `show protocols`.
    BgpPeerState => "calico.bgp_peer_state",
    /// A connection reset seen by BIRD / felix / calico-node.
    ConnectionReset => "calico.connection_reset",
    /// The node name calico-node uses.
    CalicoNodeName => "calico.node_name",
    /// Another calico node claims this node's address, or the address changed under one name.
    CalicoNodeConflict => "calico.node_conflict",
    /// EMFILE / ENFILE: `too many open files`.
    TooManyOpenFiles => "net.too_many_open_files",
    /// Hostname changed (systemd-hostnamed, or the syslog host field changed).
    HostnameChanged => "host.hostname_changed",
    /// Docker's storage driver, from daemon start-up lines.
    DockerStorageDriver => "docker.storage_driver",
    /// A thin pool (docker devicemapper, containerd's devmapper snapshotter, an LVM
    /// thin pool under dm-thin) out of or below its minimum of free data/metadata
    /// blocks. Named for the storage, not the runtime: the same exhaustion hits every
    /// runtime that sits on a thin pool. Formerly `docker.devmapper_low_space`, which
    /// [`Kind::from_name`] still accepts.
    ThinpoolFull => "storage.thinpool_full",
    /// devicemapper loop-lvm warning.
    LoopbackWarning => "docker.loopback_warning",
    /// ENOSPC: `no space left on device`.
    NoSpaceLeft => "fs.no_space_left",
    /// Disk usage figures (`df` output, alert lines).
    FsUsage => "fs.usage",
    /// A component started (kubelet, container runtime, calico-node, or the node's PID 1):
    /// start-up chatter follows it.
    ServiceStarted => "service.started",
    // issue 12: kernel and network
    /// An RCU CPU stall warning (`INFO: rcu_sched detected stalls on CPUs/tasks:`).
    RcuStall => "kernel.rcu_stall",
    /// A kernel panic, oops, `BUG:` fault or general protection fault (one report).
    KernelPanic => "kernel.panic",
    /// `neighbour: arp_cache: neighbor table overflow!`.
    NeighbourTableOverflow => "kernel.neighbour_table_overflow",
    /// `unregister_netdevice: waiting for X to become free. Usage count = N`.
    UnregisterNetdevice => "kernel.unregister_netdevice",
    /// An EXT4/XFS/Btrfs error or shutdown, or a jbd2 journal abort.
    FsError => "kernel.fs_error",
    /// A file system remounted read-only after errors.
    FsReadonly => "kernel.fs_readonly",
    /// A block-layer or SCSI I/O error.
    IoError => "kernel.io_error",
    /// overlayfs refused a mount (`upper fs needs to support d_type`...).
    OverlayfsError => "kernel.overlayfs_error",
    /// A vmalloc allocation failure (or vmap address space exhausted).
    VmallocFailure => "kernel.vmalloc_failure",
    /// A NIC reset by its driver.
    NicReset => "net.nic_reset",
    /// A NIC transmit timeout or hung transmit ring.
    NicTxTimeout => "net.nic_tx_timeout",
    /// A systemd-oomd kill (userspace, not the kernel OOM killer).
    OomdKill => "systemd.oomd_kill",
    // issue 12: runtime, kubelet, identity
    /// inotify watches or instances exhausted (`inotify_add_watch ...: no space left on
    /// device`, `inotify_init: too many open files`, `failed to create fsnotify watcher`).
    InotifyExhausted => "net.inotify_exhausted",
    /// fork/clone/pthread_create failing with EAGAIN: the PID or thread limit is hit.
    PidExhausted => "net.pid_exhausted",
    /// The CNI's IPAM has no address left for a pod (`failed to assign an IP address`).
    CniIpExhausted => "cni.ip_exhausted",
    /// `Another app is currently holding the xtables lock`: an iptables write failed.
    XtablesLock => "kube_proxy.xtables_lock",
    /// A CRI call from the kubelet failed (`RunPodSandbox from runtime service failed`,
    /// DeadlineExceeded, `failed to reserve sandbox name`...).
    RuntimeError => "kubelet.runtime_error",
    /// `Container runtime network not ready ... NetworkPluginNotReady`.
    RuntimeNetworkNotReady => "kubelet.runtime_network_not_ready",
    /// The kubelet cannot find its own Node object (`node "x" not found`).
    NodeNotFound => "kubelet.node_not_found",
    /// The kubelet's credentials name another node than the one it updates.
    NodeIdentityMismatch => "kubelet.node_identity_mismatch",
    /// Node status or lease updates failing (`Error updating node status, will retry`).
    NodeStatusUpdateFailed => "kubelet.node_status_update_failed",
    /// Creating a pod cgroup failed with ENOMEM/ENOSPC (`mkdir /sys/fs/cgroup/...: cannot
    /// allocate memory`): memcg ids leaked by kmem accounting.
    CgroupMkdirEnomem => "kubelet.cgroup_mkdir_enomem",
    /// The runtime saw a container's cgroup OOM (containerd `TaskOOM`, docker `container oom`).
    TaskOom => "containerd.task_oom",
    /// calico-node readiness failing (`BIRD is not ready: BGP not established with ...`).
    CalicoNotReady => "calico.not_ready",
    /// An x509 certificate expired or not yet valid.
    CertExpired => "tls.cert_expired",
    /// The clock is wrong or jumped (etcd clock difference, clock steps, a certificate
    /// not yet valid because the node's clock is behind).
    ClockSkew => "time.clock_skew",
    /// An error-level line no grammar recognised (fields `template`, `component`):
    /// listed in an `unclassified` group unless a signature cites it.
    LogError => "log.error",
    /// A container probe failed (readiness, liveness, startup): one is routine, a wave
    /// of them on a node points at the node's network or runtime.
    ProbeFailed => "kubelet.probe_failed",
}

/// Kinds order by name, as people read them (and independent of declaration order).
impl Ord for Kind {
    fn cmp(&self, other: &Kind) -> std::cmp::Ordering {
        self.name().cmp(other.name())
    }
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Kind) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Old names of renamed kinds, still accepted when reading (signature files, events
/// JSONL written by earlier versions).
const KIND_ALIASES: &[(&str, Kind)] = &[("docker.devmapper_low_space", Kind::ThinpoolFull)];

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Kind, D::Error> {
        let name = String::deserialize(d)?;
        Kind::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event kind {name:?}")))
    }
}

/// What a grammar recognised in a message: a kind and its fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Payload {
    /// What the grammar recognised; its fields must be those declared for it in
    /// `events/fields.rs`.
    pub kind: Kind,
    /// Its fields (names documented per kind in the grammar module).
    pub fields: Fields,
}

impl Payload {
    /// An empty payload of `kind`; grammars add fields with [`Payload::with`].
    pub fn new(kind: Kind) -> Payload {
        Payload {
            kind,
            fields: Fields::new(),
        }
    }

    /// Add (or replace) a field; builder style keeps grammars short.
    pub fn with(mut self, name: &'static str, value: impl Into<Value>) -> Payload {
        self.fields.insert(name, value);
        self
    }

    /// Add a field only when a value is known (absent beats a made-up default).
    pub fn with_opt<V: Into<Value>>(self, name: &'static str, value: Option<V>) -> Payload {
        match value {
            Some(v) => self.with(name, v),
            None => self,
        }
    }

    /// A string field, if present and a string.
    pub fn str_field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(|v| v.as_str())
    }
}

/// A recognised event with its provenance. Owns its data: it outlives the buffer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// What happened: the dotted name JSON, signatures and reports use.
    pub kind: Kind,
    /// UTC instant, or `None` when it could not be given (see `quality`).
    pub time: Option<DateTime<Utc>>,
    /// Kernel uptime in microseconds, when the line carried one.
    #[serde(default, skip_serializing_if = "Uptime::is_none")]
    pub uptime_us: Uptime,
    /// How the time was obtained.
    #[serde(default)]
    pub time_quality: TimeQuality,
    /// The node the line is from, after identity resolution (renames merged).
    pub node: Sym,
    /// Display path of the source (`bundle.tgz!/node-1/var/log/syslog`), as evidence cites it.
    pub source: Sym,
    /// 1-based line number of the first line used.
    pub line: u64,
    /// 1-based line number of the last line used (equal to `line` for one-line events).
    #[serde(default)]
    pub end_line: u64,
    /// Severity written on the line by its program (klog letter, logrus level...), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Typed values the grammar read (names per kind declared in `events/fields.rs`).
    pub fields: PackedFields,
    /// The line(s) as written (escaping is the reports' job); read with [`LineText::get`].
    pub text: LineText,
}

// A busy node's events number in the hundreds of thousands, all held at once (issue 13):
// a field added to `Event` costs that many times over, so its size is pinned here.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Event>() <= 96);

/// An event found in one source, before the scanner attaches time and node.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The kind the grammar gave; unlike time and node, final at extraction.
    pub kind: Kind,
    /// Its fields, packed as the event will keep them (a source's finds are all held
    /// until its times and node are resolved).
    pub fields: PackedFields,
    /// Its first line: source, 1-based number and byte offset (the byte decides which
    /// chunk keeps the find, and where a mapped source's text is cited from).
    pub first: Location,
    /// 1-based number of its last line (`first.line` for one-line events).
    pub end_line: u64,
    /// The first line's time as written: zone and year are only known once the whole
    /// source is seen.
    pub time: RawTime,
    /// Kernel uptime of the first line, if any.
    pub uptime_us: Option<u64>,
    /// Hostname field of the first line, if any: picks the node when the source's path
    /// names none.
    pub host: Option<Sym>,
    /// Severity of the first line, if any.
    pub level: Option<Level>,
    /// The line(s) joined with `\n` (the scanner pins it to a mapped source).
    pub text: LineText,
}

impl Found {
    /// The kind and fields as a grammar gave them (unpacks the fields: a copy).
    pub fn payload(&self) -> Payload {
        Payload {
            kind: self.kind,
            fields: self.fields.unpack(),
        }
    }
}

#[cfg(test)]
mod kind_tests {
    use super::Kind;

    #[test]
    fn renamed_kinds_still_read() {
        assert_eq!(
            Kind::from_name("docker.devmapper_low_space"),
            Some(Kind::ThinpoolFull)
        );
        assert_eq!(Kind::ThinpoolFull.name(), "storage.thinpool_full");
        assert_eq!(
            Kind::from_name("kubelet.runtime_error"),
            Some(Kind::RuntimeError)
        );
    }
}
