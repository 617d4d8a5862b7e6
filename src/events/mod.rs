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
use std::collections::BTreeMap;
use std::fmt;

use crate::envelope::time::TimeQuality;
use crate::envelope::{Level, RawTime};
use crate::input::Location;

mod calico;
mod docker;
mod extract;
mod fs;
mod host;
mod kernel_misc;
mod kernel_oom;
mod kernel_slub;
mod kubelet_eviction;
mod kubelet_misc;
mod net;
mod registry;
mod text;

pub use extract::Extractor;
pub use registry::{drift_kind, needles};

/// Field values of an event, by field name (ordered, so output is deterministic).
pub type Fields = BTreeMap<String, serde_json::Value>;

macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal ),* $(,)?) => {
        /// An event kind. The names are a public interface (JSON, signatures): keep them.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind {
            $( $(#[$doc])* $variant, )*
            /// A generic event produced by a user signature's raw-line regex (`custom.<name>`).
            Custom(String),
        }

        impl Kind {
            /// Every built-in kind.
            pub const BUILTIN: &'static [Kind] = &[$(Kind::$variant),*];

            /// The stable dotted name, e.g. `kernel.oom_kill`.
            pub fn name(&self) -> &str {
                match self {
                    $( Kind::$variant => $name, )*
                    Kind::Custom(name) => name,
                }
            }

            /// Parse a dotted name; `custom.*` names become [`Kind::Custom`].
            pub fn from_name(name: &str) -> Option<Kind> {
                match name {
                    $( $name => Some(Kind::$variant), )*
                    other if other.starts_with("custom.") && other.len() > 7 => Some(Kind::Custom(other.to_string())),
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
    /// devicemapper thin pool low on free data/metadata blocks.
    DevmapperLowSpace => "docker.devmapper_low_space",
    /// devicemapper loop-lvm warning.
    LoopbackWarning => "docker.loopback_warning",
    /// ENOSPC: `no space left on device`.
    NoSpaceLeft => "fs.no_space_left",
    /// Disk usage figures (`df` output, alert lines).
    FsUsage => "fs.usage",
    /// An error-level line no grammar recognised (fields `template`, `component`):
    /// listed in an `unclassified` group unless a signature cites it.
    LogError => "log.error",
}

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
    /// The kind.
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
    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Payload {
        self.fields.insert(name.to_string(), value.into());
        self
    }

    /// Add a field only when a value is known (absent beats a made-up default).
    pub fn with_opt<V: Into<serde_json::Value>>(self, name: &str, value: Option<V>) -> Payload {
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
    /// Kind.
    pub kind: Kind,
    /// UTC instant, or `None` when it could not be given (see `quality`).
    pub time: Option<DateTime<Utc>>,
    /// Kernel uptime in microseconds, when the line carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_us: Option<u64>,
    /// How the time was obtained.
    #[serde(default)]
    pub time_quality: TimeQuality,
    /// Node name.
    pub node: String,
    /// Display path of the source.
    pub source: String,
    /// 1-based line number of the first line used.
    pub line: u64,
    /// 1-based line number of the last line used (equal to `line` for one-line events).
    #[serde(default)]
    pub end_line: u64,
    /// Severity written on the line by its program (klog letter, logrus level...), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Fields, per kind.
    pub fields: Fields,
    /// The raw line(s), as written (escaping is the reports' job).
    pub text: String,
}

/// An event found in one source, before the scanner attaches time and node.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// What was recognised.
    pub payload: Payload,
    /// Where its first line is.
    pub first: Location,
    /// 1-based number of its last line.
    pub end_line: u64,
    /// Raw time of the first line's envelope.
    pub time: RawTime,
    /// Kernel uptime of the first line, if any.
    pub uptime_us: Option<u64>,
    /// Hostname field of the first line, if any.
    pub host: Option<String>,
    /// Severity of the first line, if any.
    pub level: Option<Level>,
    /// The raw line(s) joined with `\n`.
    pub text: String,
}
