//! The field names each built-in event kind may carry: the one declaration the
//! grammars are held to (every event the scanner builds is checked against it in
//! debug builds, so all tests enforce it) and that signature loading uses to reject
//! a misspelled `where` path or template placeholder with its location.

use super::{Fields, Kind};

/// Field names of a built-in kind; `None` for user (`custom.*`) kinds, whose fields
/// are the capture names of their rule.
pub fn known_fields(kind: &Kind) -> Option<&'static [&'static str]> {
    DECLARED
        .iter()
        .find(|(k, _)| k == kind)
        .map(|(_, fields)| *fields)
}

/// The declaration: every built-in kind with its field names (a test checks that no
/// built-in kind is missing).
static DECLARED: &[(Kind, &[&str])] = &[
    (
        Kind::SlubAllocFailure,
        &[
            "numa_node",
            "cpu",
            "cpu_node",
            "gfp",
            "gfp_flags",
            "cache",
            "memcg_id",
            "memcg",
            "object_size",
            "buffer_size",
            "default_order",
            "min_order",
            "nodes",
            "allocator",
            "debug_increased_min_order",
        ],
    ),
    (
        Kind::OomKill,
        &[
            "pid",
            "process",
            "score",
            "constraint",
            "memcg",
            "task_memcg",
            "scope",
            "selected_pid",
            "anon_rss_kb",
            "file_rss_kb",
            "shmem_rss_kb",
            "total_vm_kb",
            "oom_score_adj",
            "cpuset",
            "uid",
            "trigger",
            "trigger_order",
            "selected_process",
            "oom_group",
            "group_memcg",
            "memcg_usage_kb",
            "memcg_limit_kb",
            // from a `kubectl get pods` row (events::pod_status)
            "pod",
            "restarts",
            "source",
        ],
    ),
    (
        Kind::NodeReboot,
        &["release", "silence_s", "action", "announced_by", "from"],
    ),
    (Kind::ConntrackFull, &["prefixes"]),
    (Kind::LoopbackWarning, &["driver"]),
    (
        Kind::HungTask,
        &["process", "pid", "seconds", "state", "ppid", "flags"],
    ),
    (
        Kind::SoftLockup,
        &["cpu", "seconds", "process", "pid", "lockup"],
    ),
    (Kind::KernelVersion, &["release", "major", "minor"]),
    (
        Kind::PageAllocFailure,
        &["process", "order", "mode", "gfp_flags", "cpuset"],
    ),
    (
        Kind::EvictionThreshold,
        &[
            "signal",
            "resource",
            "source",
            "quantity",
            "observed",
            "threshold",
            "duration",
        ],
    ),
    (Kind::EvictionMustEvict, &["resource"]),
    (Kind::EvictionRanked, &["pods", "count"]),
    (
        Kind::PodEvicted,
        &["pod", "namespace", "uid", "resource", "threshold"],
    ),
    (
        Kind::PlegUnhealthy,
        &[
            "last_seen",
            "last_seen_seconds",
            "threshold",
            "threshold_seconds",
            "never_succeeded",
        ],
    ),
    (
        Kind::ImageGcFailed,
        &["error", "freed_bytes", "wanted_bytes", "repeated"],
    ),
    (
        Kind::NodeCondition,
        &["condition", "status", "node", "reason"],
    ),
    (Kind::KubeletFlag, &["name", "value"]),
    (
        Kind::ContainerKilled,
        &["container_id", "grace_period", "container", "pod", "reason"],
    ),
    (
        Kind::BgpPeerState,
        &[
            "peer",
            "peer_type",
            "state",
            "since",
            "info",
            "bgp_state",
            "protocol",
            "source",
            "ip_version",
        ],
    ),
    (
        Kind::ConnectionReset,
        &["peer", "component", "port", "address"],
    ),
    (Kind::CalicoNodeName, &["name", "source", "file"]),
    (
        Kind::CalicoNodeConflict,
        &[
            "reason",
            "node",
            "address",
            "ip_version",
            "original",
            "updated",
        ],
    ),
    (
        Kind::TooManyOpenFiles,
        &[
            "component",
            "operation",
            "errno",
            "path",
            "http_accept_retry_ms",
        ],
    ),
    (Kind::HostnameChanged, &["old", "new", "from", "source"]),
    (Kind::DockerStorageDriver, &["driver", "source", "version"]),
    // issue 12: runtime, kubelet, identity
    (
        Kind::InotifyExhausted,
        &["call", "limit", "path", "component"],
    ),
    (Kind::PidExhausted, &["call", "command", "component"]),
    (Kind::CniIpExhausted, &["reason", "plugin", "pod", "range"]),
    (
        Kind::XtablesLock,
        &["command", "exit_status", "waiting", "component"],
    ),
    (Kind::RuntimeError, &["call", "code", "reason", "name"]),
    (Kind::RuntimeNetworkNotReady, &["reason", "detail"]),
    (Kind::NodeNotFound, &["node"]),
    (Kind::NodeIdentityMismatch, &["node", "identity"]),
    (Kind::NodeStatusUpdateFailed, &["target", "cause", "error"]),
    (Kind::CgroupMkdirEnomem, &["errno", "controller", "path"]),
    (
        Kind::TaskOom,
        &["container_id", "namespace", "container", "pod", "source"],
    ),
    (Kind::CalicoNotReady, &["component", "reason", "peers"]),
    (
        Kind::CertExpired,
        &[
            "state",
            "current_time",
            "not_after",
            "not_before",
            "certificate",
            "endpoint",
        ],
    ),
    (Kind::ClockSkew, &["source", "offset_seconds", "peer"]),
    (
        Kind::NoSpaceLeft,
        &["component", "path", "operation", "file"],
    ),
    (
        Kind::FsUsage,
        &[
            "mount",
            "used_percent",
            "filesystem",
            "size",
            "used",
            "avail",
            "metric",
            "high_threshold",
            "source",
        ],
    ),
    (Kind::ServiceStarted, &["component", "version"]),
    // issue 12: kernel and network
    (
        Kind::RcuStall,
        &[
            "flavor",
            "detection",
            "cpus",
            "detected_by",
            "jiffies",
            "kthread_starved_jiffies",
        ],
    ),
    (
        Kind::KernelPanic,
        &[
            "type",
            "reason",
            "address",
            "oops_count",
            "fatal",
            "process",
            "pid",
            "cpu",
            "tainted",
        ],
    ),
    (Kind::NeighbourTableOverflow, &["table", "family"]),
    (Kind::UnregisterNetdevice, &["device", "usage_count"]),
    (
        Kind::FsError,
        &[
            "fs",
            "device",
            "function",
            "error",
            "shutdown",
            "journal_aborted",
        ],
    ),
    (Kind::FsReadonly, &["fs", "device"]),
    (
        Kind::IoError,
        &[
            "device",
            "error",
            "sector",
            "op",
            "logical_block",
            "reporter",
            "scsi_result",
        ],
    ),
    (Kind::OverlayfsError, &["problem", "d_type", "path"]),
    (
        Kind::VmallocFailure,
        &[
            "process",
            "size_bytes",
            "mode",
            "gfp_flags",
            "vmap_exhausted",
        ],
    ),
    (Kind::NicReset, &["driver", "pci", "interface", "reason"]),
    (
        Kind::NicTxTimeout,
        &[
            "driver",
            "pci",
            "interface",
            "queue",
            "timeout_ms",
            "reason",
        ],
    ),
    (
        Kind::OomdKill,
        &[
            "cgroup",
            "unit",
            "reason",
            "pressure_percent",
            "limit_percent",
            "processes",
        ],
    ),
    (
        Kind::ThinpoolFull,
        &[
            "source",
            "pool",
            "free_blocks",
            "min_blocks",
            "device",
            "mode",
        ],
    ),
    (Kind::LogError, &["template", "component"]),
    (Kind::ProbeFailed, &["probe", "pod", "output"]),
];

/// Fields of `fields` not declared for `kind` (empty for user kinds).
pub fn undeclared<'f>(kind: &Kind, fields: &'f Fields) -> Vec<&'f str> {
    match known_fields(kind) {
        Some(known) => fields.keys().filter(|k| !known.contains(k)).collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Payload;

    #[test]
    fn every_builtin_kind_declares_its_fields() {
        for kind in Kind::BUILTIN {
            assert!(known_fields(kind).is_some(), "{kind} declares no fields");
        }
    }

    #[test]
    fn an_undeclared_field_is_named() {
        let p = Payload::new(Kind::OomKill)
            .with("pid", 42u32)
            .with("selected_process", "java")
            .with("proces", "java");
        assert_eq!(undeclared(&p.kind, &p.fields), ["proces"]);
    }
}
