//! Field names each built-in event kind carries, so `compile` can reject a
//! misspelled `where` path or template placeholder with its location.
//!
//! The events layer owns the grammars; this table mirrors the field names it
//! promises. Kinds missing here are not checked (a new kind never breaks loading).

use crate::events::Kind;

/// Field names of a built-in kind, or `None` when podmortem does not know them.
pub fn known_fields(kind: &Kind) -> Option<&'static [&'static str]> {
    let fields: &'static [&'static str] = match kind {
        Kind::SlubAllocFailure => &[
            "node",
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
        ],
        Kind::OomKill => &[
            "pid",
            "process",
            "score",
            "constraint",
            "memcg",
            "task_memcg",
            "scope",
        ],
        Kind::NodeReboot => &["release", "silence_s"],
        Kind::ConntrackFull | Kind::LoopbackWarning => &[],
        Kind::HungTask => &["process", "pid", "seconds"],
        Kind::SoftLockup => &["cpu", "seconds", "process", "pid"],
        Kind::KernelVersion => &["release", "major", "minor"],
        Kind::PageAllocFailure => &["process", "order", "mode"],
        Kind::EvictionThreshold => &["signal", "resource"],
        Kind::EvictionMustEvict => &["resource"],
        Kind::EvictionRanked => &["pods"],
        Kind::PodEvicted => &["pod", "namespace", "uid"],
        Kind::PlegUnhealthy => &["last_seen", "threshold"],
        Kind::ImageGcFailed => &["error"],
        Kind::NodeCondition => &["condition", "status"],
        Kind::KubeletFlag => &["name", "value"],
        Kind::ContainerKilled => &["container_id", "grace_period"],
        Kind::BgpPeerState => &["peer", "peer_type", "state", "since", "info", "bgp_state"],
        Kind::ConnectionReset => &["peer", "component"],
        Kind::CalicoNodeName => &["name", "source"],
        Kind::TooManyOpenFiles => &["component", "operation", "errno"],
        Kind::HostnameChanged => &["old", "new"],
        Kind::DockerStorageDriver => &["driver"],
        Kind::DevmapperLowSpace => &["free_blocks", "min_blocks", "pool"],
        Kind::NoSpaceLeft => &["component", "path"],
        Kind::FsUsage => &["mount", "used_percent"],
        _ => return None,
    };
    Some(fields)
}
