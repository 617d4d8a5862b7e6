//! Other kubelet messages: PLEG health, image GC failures, node condition changes,
//! start-up `FLAG:` lines and container kills.

use super::text::{after, before, field_text, find, lossy, token, trim, uint, uint_after};
use super::{Kind, Payload};

/// Parse a Go duration (`3m5.300154477s`, `3m0s`, `500ms`) into seconds.
pub(crate) fn go_duration_secs(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest.get(..num_end)?.parse().ok()?;
        rest = rest.get(num_end..)?;
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match rest.get(..unit_end)? {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += value * scale;
        rest = rest.get(unit_end..)?;
    }
    Some(total)
}

/// `PLEG is not healthy: pleg was last seen active 3m0.5s ago; threshold is 3m0s`
/// (1.9 inside `skipping pod synchronization - [...]`, 1.28 in `err="..."`), and
/// `PLEG is not healthy: pleg has yet to be successful`.
///
/// Fields of `kubelet.pleg_unhealthy`: `last_seen` (Go duration as printed),
/// `last_seen_seconds`, `threshold`, `threshold_seconds`, `never_succeeded` (bool).
pub(crate) fn pleg(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"PLEG is not healthy: ")?;
    let p = Payload::new(Kind::PlegUnhealthy);
    if find(rest, b"pleg has yet to be successful").is_some() {
        return Some(p.with("never_succeeded", true));
    }
    let seen = after(rest, b"last seen active ")?;
    let last_seen = lossy(before(seen, b" ago")?);
    let threshold = after(seen, b"threshold is ").map(|t| {
        let end = t
            .iter()
            .position(|b| matches!(b, b']' | b'"' | b',' | b' ' | b';'))
            .unwrap_or(t.len());
        lossy(t.get(..end).unwrap_or(t))
    });
    Some(
        p.with_opt("last_seen_seconds", go_duration_secs(&last_seen))
            .with("last_seen", last_seen)
            .with_opt(
                "threshold_seconds",
                threshold.as_deref().and_then(go_duration_secs),
            )
            .with_opt("threshold", threshold)
            .with("never_succeeded", false),
    )
}

/// `Image garbage collection failed once. Stats initialization may not have completed
/// yet: ERR`, `Image garbage collection failed multiple times in a row: ERR` (printf or
/// structured with `err="..."`), and `failed to garbage collect required amount of
/// images. Wanted to free N bytes, but freed M bytes` (1.9) / `Attempted to free N
/// bytes, but only found M bytes eligible to free.` (1.28).
///
/// Fields of `kubelet.image_gc_failed`: `error` (text), `repeated` (bool: "multiple
/// times in a row"), `wanted_bytes`, `freed_bytes`.
pub(crate) fn image_gc_failed(msg: &[u8]) -> Option<Payload> {
    let repeated = find(msg, b"failed multiple times in a row").is_some();
    let mut p = Payload::new(Kind::ImageGcFailed);
    if let Some(at) = find(msg, b"Image garbage collection failed") {
        let rest = msg.get(at..)?;
        let error = after(rest, b"in a row: ")
            .or_else(|| after(rest, b"completed yet: "))
            .map(|e| lossy(trim(e)))
            .or_else(|| field_text(msg, "err"));
        p = p.with_opt("error", error).with("repeated", repeated);
    }
    if let Some(rest) = after(msg, b"garbage collect required amount of images") {
        let wanted = uint_after(rest, b"free ");
        let freed = uint_after(rest, b"but freed ").or_else(|| uint_after(rest, b"only found "));
        if !p.fields.contains_key("error") {
            let start = find(msg, b"ailed to garbage collect").map_or(0, |s| s.saturating_sub(1));
            p = p.with("error", lossy(trim(msg.get(start..)?)));
        }
        p = p
            .with_opt("wanted_bytes", wanted)
            .with_opt("freed_bytes", freed)
            .with("repeated", repeated);
    }
    // The `ImageGCFailed` event text and 1.9's deletion-error path: `wanted to free N
    // bytes, but freed M bytes space with errors in image deletion: ERR`.
    if p.fields.is_empty()
        && let Some(at) = find(msg, b"wanted to free ")
        && find(msg, b"bytes space with errors in image deletion").is_some()
    {
        let rest = msg.get(at..)?;
        p = p
            .with("error", lossy(trim(rest)))
            .with_opt("wanted_bytes", uint_after(rest, b"wanted to free "))
            .with_opt("freed_bytes", uint_after(rest, b"but freed "))
            .with("repeated", repeated);
    }
    (!p.fields.is_empty()).then_some(p)
}

/// Node condition reasons and messages → (condition, on). `on` means the condition
/// is True (pressure present, or Ready).
const CONDITIONS: &[(&str, &str, bool)] = &[
    ("NodeHasDiskPressure", "DiskPressure", true),
    ("NodeHasNoDiskPressure", "DiskPressure", false),
    ("NodeHasInsufficientMemory", "MemoryPressure", true),
    ("NodeHasSufficientMemory", "MemoryPressure", false),
    ("NodeHasInsufficientPID", "PIDPressure", true),
    ("NodeHasSufficientPID", "PIDPressure", false),
    ("NodeOutOfDisk", "OutOfDisk", true),
    ("NodeHasSufficientDisk", "OutOfDisk", false),
    ("NodeNotReady", "Ready", false),
    ("NodeReady", "Ready", true),
    ("KubeletHasDiskPressure", "DiskPressure", true),
    ("KubeletHasNoDiskPressure", "DiskPressure", false),
    ("KubeletHasInsufficientMemory", "MemoryPressure", true),
    ("KubeletHasSufficientMemory", "MemoryPressure", false),
    ("KubeletHasInsufficientPID", "PIDPressure", true),
    ("KubeletHasSufficientPID", "PIDPressure", false),
    ("KubeletNotReady", "Ready", false),
    ("kubelet has disk pressure", "DiskPressure", true),
    ("kubelet has no disk pressure", "DiskPressure", false),
    (
        "kubelet has insufficient memory available",
        "MemoryPressure",
        true,
    ),
    (
        "kubelet has sufficient memory available",
        "MemoryPressure",
        false,
    ),
    (
        "kubelet has insufficient PID available",
        "PIDPressure",
        true,
    ),
    ("kubelet has sufficient PID available", "PIDPressure", false),
    ("Node became not ready", "Ready", false),
];

/// Needles for [`node_condition`]: every reason and message it knows.
pub(crate) const CONDITION_NEEDLES: &[&str] = &[
    "NodeHasDiskPressure",
    "NodeHasNoDiskPressure",
    "NodeHasInsufficientMemory",
    "NodeHasSufficientMemory",
    "NodeHasInsufficientPID",
    "NodeHasSufficientPID",
    "NodeOutOfDisk",
    "NodeHasSufficientDisk",
    "NodeNotReady",
    "NodeReady",
    "KubeletHasDiskPressure",
    "KubeletHasNoDiskPressure",
    "KubeletHasInsufficientMemory",
    "KubeletHasSufficientMemory",
    "KubeletHasInsufficientPID",
    "KubeletHasSufficientPID",
    "KubeletNotReady",
    "kubelet has disk pressure",
    "kubelet has no disk pressure",
    "kubelet has insufficient memory available",
    "kubelet has sufficient memory available",
    "kubelet has insufficient PID available",
    "kubelet has sufficient PID available",
    "Node became not ready",
    "node has conditions: [",
    "The node had condition: [",
    "Kubelet stopped posting node status",
];

/// The condition named in an admission reject (`Failed to admit pod X - node has
/// conditions: [DiskPressure]`, 1.9–1.20; the `Evicted` message `The node had condition:
/// [MemoryPressure].`): the node had it, so it is on.
fn admission_condition(msg: &[u8]) -> Option<Payload> {
    let list = after(msg, b"node has conditions: [")
        .or_else(|| after(msg, b"The node had condition: ["))?;
    let list = before(list, b"]")?;
    let first = list
        .split(|&b| b == b' ' || b == b',')
        .find(|w| !w.is_empty())?;
    Some(
        Payload::new(Kind::NodeCondition)
            .with("condition", lossy(first))
            .with("status", "on")
            .with("reason", "admission rejected"),
    )
}

/// A node the control plane lost contact with: `kubectl describe node` rows
/// `MemoryPressure   Unknown   ...   NodeStatusUnknown   Kubelet stopped posting node
/// status.` (the row's condition, status `unknown`).
fn status_unknown(msg: &[u8]) -> Option<Payload> {
    find(msg, b"Kubelet stopped posting node status")?;
    let first = token(msg).0;
    let condition = CONDITIONS
        .iter()
        .map(|&(_, c, _)| c)
        .find(|c| c.as_bytes() == first)
        .unwrap_or("Ready");
    Some(
        Payload::new(Kind::NodeCondition)
            .with("condition", condition)
            .with("status", "unknown")
            .with("reason", "NodeStatusUnknown"),
    )
}

/// A node condition turning on or off: `Node node-1 status is now: NodeHasDiskPressure`
/// (event text), `Recording NodeHasDiskPressure event message for node node-1`, the
/// condition reasons/messages (`KubeletHasDiskPressure`, `kubelet has disk pressure`),
/// and `Node became not ready: {...}`. The first known reason in the line wins
/// (`Node became not ready` first).
///
/// Fields of `kubelet.node_condition`: `condition` (`DiskPressure`, `MemoryPressure`,
/// `PIDPressure`, `OutOfDisk`, `Ready`), `status` (`on` when the condition is True,
/// `unknown` when the kubelet stopped posting status), `reason` (the text matched),
/// `node` (when printed).
pub(crate) fn node_condition(msg: &[u8]) -> Option<Payload> {
    if let Some(p) = admission_condition(msg).or_else(|| status_unknown(msg)) {
        return Some(p);
    }
    let (reason, condition, on) = if find(msg, b"Node became not ready").is_some() {
        ("Node became not ready", "Ready", false)
    } else {
        CONDITIONS
            .iter()
            .filter_map(|&(r, c, on)| {
                let at = find_word(msg, r.as_bytes())?;
                Some((at, (r, c, on)))
            })
            .min_by_key(|(at, _)| *at)?
            .1
    };
    let node = after(msg, b"Node ")
        .filter(|_| find(msg, b" status is now: ").is_some())
        .and_then(|r| before(r, b" status is now: "))
        .or_else(|| after(msg, b"event message for node ").map(|r| token(r).0))
        .filter(|n| !n.is_empty())
        .map(lossy)
        .or_else(|| field_text(msg, "node"));
    Some(
        Payload::new(Kind::NodeCondition)
            .with("condition", condition)
            .with("status", if on { "on" } else { "off" })
            .with("reason", reason)
            .with_opt("node", node),
    )
}

/// `word` at a position not followed by an identifier character
/// (so `NodeReady` does not match inside `NodeReadyX`).
fn find_word(hay: &[u8], word: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(rel) = hay.get(from..).and_then(|h| find(h, word)) {
        let at = from + rel;
        let next = hay.get(at + word.len());
        let prev = at.checked_sub(1).and_then(|i| hay.get(i));
        let ident = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
        if !ident(next) && !ident(prev) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// kubelet start-up flag dump: `FLAG: --eviction-hard="memory.available<5%,..."`.
/// Fields of `kubelet.flag`: `name` (without dashes), `value` (unquoted).
pub(crate) fn flag(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"FLAG: --")?;
    let eq = rest.iter().position(|&b| b == b'=')?;
    let name = rest.get(..eq)?;
    if name.is_empty()
        || !name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
    {
        return None;
    }
    let value = rest.get(eq + 1..)?;
    let value = match value.strip_prefix(b"\"") {
        Some(q) => super::text::go_unquote(q).0,
        None => lossy(trim(value)),
    };
    Some(
        Payload::new(Kind::KubeletFlag)
            .with("name", lossy(name))
            .with("value", value),
    )
}

/// `Killing container "docker://853a..." with 30 second grace period` (1.9),
/// `Killing container with id docker://853a...:Need to kill Pod` (1.7–1.10), and
/// `"Killing container with a grace period" pod="ns/p" podUID="..." containerName="c"
/// containerID="containerd://..." gracePeriod=30` (1.21+).
///
/// Fields of `kubelet.container_killed`: `container_id` (with runtime scheme),
/// `grace_period` (seconds), `container` (name), `pod`, `reason`.
pub(crate) fn container_killed(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"Killing container ")?;
    let p = Payload::new(Kind::ContainerKilled);
    if let Some(q) = rest.strip_prefix(b"\"") {
        let (id, used) = super::text::go_unquote(q);
        let grace = q
            .get(used..)
            .and_then(|t| after(t, b"with "))
            .and_then(|t| uint(t).map(|(n, _)| n));
        (id.contains("://")).then_some(())?;
        return Some(p.with("container_id", id).with_opt("grace_period", grace));
    }
    if let Some(id) = rest.strip_prefix(b"with id ") {
        let id = trim(id);
        // `docker://ID:Reason` — the reason follows the last ':' after the scheme.
        let scheme_end = find(id, b"://").map_or(0, |s| s + 3);
        let colon = id.get(scheme_end..)?.iter().position(|&b| b == b':');
        let (cid, reason) = match colon {
            Some(c) => (id.get(..scheme_end + c)?, id.get(scheme_end + c + 1..)),
            None => (id, None),
        };
        return Some(
            p.with("container_id", lossy(cid))
                .with_opt("reason", reason.map(lossy)),
        );
    }
    rest.starts_with(b"with a grace period").then_some(())?;
    Some(
        p.with_opt("container_id", field_text(msg, "containerID"))
            .with_opt(
                "grace_period",
                field_text(msg, "gracePeriod").and_then(|g| g.parse::<u64>().ok()),
            )
            .with_opt("container", field_text(msg, "containerName"))
            .with_opt("pod", field_text(msg, "pod")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations() {
        assert_eq!(go_duration_secs("3m0s"), Some(180.0));
        assert_eq!(go_duration_secs("500ms"), Some(0.5));
        assert_eq!(go_duration_secs("1h2m"), Some(3720.0));
        assert_eq!(go_duration_secs("abc"), None);
    }

    #[test]
    fn pleg_printf_and_structured() {
        let p = pleg(b"skipping pod synchronization - [PLEG is not healthy: pleg was last seen active 3m0.5s ago; threshold is 3m0s]").unwrap();
        assert_eq!(p.fields["last_seen"], json!("3m0.5s"));
        assert_eq!(p.fields["threshold"], json!("3m0s"));
        assert_eq!(p.fields["threshold_seconds"], json!(180.0));
        let p = pleg(br#""Skipping pod synchronization" err="PLEG is not healthy: pleg was last seen active 3m5.3s ago; threshold is 3m0s""#).unwrap();
        assert_eq!(p.fields["last_seen"], json!("3m5.3s"));
        assert_eq!(p.fields["threshold"], json!("3m0s"));
        let p = pleg(br#"err="PLEG is not healthy: pleg has yet to be successful""#).unwrap();
        assert_eq!(p.fields["never_succeeded"], json!(true));
    }

    #[test]
    fn image_gc_forms() {
        let p = image_gc_failed(b"Image garbage collection failed multiple times in a row: failed to garbage collect required amount of images. Wanted to free 5368709120 bytes, but freed 0 bytes").unwrap();
        assert_eq!(p.fields["repeated"], json!(true));
        assert_eq!(p.fields["wanted_bytes"], json!(5368709120u64));
        assert_eq!(p.fields["freed_bytes"], json!(0));
        let p = image_gc_failed(b"Image garbage collection failed once. Stats initialization may not have completed yet: failed to get imageFs info: unable to find data for container /").unwrap();
        assert_eq!(
            p.fields["error"],
            json!("failed to get imageFs info: unable to find data for container /")
        );
        assert_eq!(p.fields["repeated"], json!(false));
        let p = image_gc_failed(br#""Image garbage collection failed multiple times in a row" err="Failed to garbage collect required amount of images. Attempted to free 100 bytes, but only found 0 bytes eligible to free.""#).unwrap();
        assert_eq!(p.fields["wanted_bytes"], json!(100));
        assert_eq!(p.fields["freed_bytes"], json!(0));
        assert!(image_gc_failed(b"Container garbage collection failed: x").is_none());
    }

    #[test]
    fn node_conditions() {
        let p = node_condition(b"Event(v1.ObjectReference{Kind:\"Node\", Name:\"node-1\"}): type: 'Normal' reason: 'NodeHasDiskPressure' Node node-1 status is now: NodeHasDiskPressure").unwrap();
        assert_eq!(p.fields["condition"], json!("DiskPressure"));
        assert_eq!(p.fields["status"], json!("on"));
        assert_eq!(p.fields["node"], json!("node-1"));
        let p = node_condition(b"Recording NodeHasNoDiskPressure event message for node node-1")
            .unwrap();
        assert_eq!(p.fields["status"], json!("off"));
        assert_eq!(p.fields["node"], json!("node-1"));
        let p = node_condition(b"Node became not ready: {Type:Ready Status:False Reason:KubeletNotReady Message:PLEG is not healthy}").unwrap();
        assert_eq!(p.fields["condition"], json!("Ready"));
        assert_eq!(p.fields["status"], json!("off"));
        assert!(node_condition(b"NodeReadyz probe").is_none());
    }

    #[test]
    fn flags() {
        let p = flag(br#"FLAG: --eviction-hard="memory.available<5%,nodefs.available<25%,imagefs.available<25%""#).unwrap();
        assert_eq!(p.fields["name"], json!("eviction-hard"));
        assert_eq!(
            p.fields["value"],
            json!("memory.available<5%,nodefs.available<25%,imagefs.available<25%")
        );
        let p =
            flag(br#"I0617 03:00:01.000001    5478 flags.go:27] FLAG: --max-pods="110""#).unwrap();
        assert_eq!(p.fields["value"], json!("110"));
        assert!(flag(b"FLAG: --=x").is_none());
    }

    #[test]
    fn container_kills() {
        let p = container_killed(br#"Killing container "docker://853a131b5d9a577590773c677898ae61ca6a411e1046cd3422fa0d97d9547258" with 30 second grace period"#).unwrap();
        assert_eq!(
            p.fields["container_id"],
            json!("docker://853a131b5d9a577590773c677898ae61ca6a411e1046cd3422fa0d97d9547258")
        );
        assert_eq!(p.fields["grace_period"], json!(30));
        let p = container_killed(br#""Killing container with a grace period" pod="kube-system/kube-proxy-x" podUID="0b3c" containerName="kube-proxy" containerID="containerd://abc123" gracePeriod=30"#).unwrap();
        assert_eq!(p.fields["container_id"], json!("containerd://abc123"));
        assert_eq!(p.fields["container"], json!("kube-proxy"));
        let p =
            container_killed(b"Killing container with id docker://abc:Need to kill Pod").unwrap();
        assert_eq!(p.fields["container_id"], json!("docker://abc"));
        assert_eq!(p.fields["reason"], json!("Need to kill Pod"));
        assert!(container_killed(b"Killing container \"foo\" now").is_none());
    }
}
