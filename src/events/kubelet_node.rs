//! The kubelet and its Node object: not found, registered under another identity,
//! status/lease updates failing, the runtime's network (CNI) not ready, and pod cgroups
//! that cannot be created. Several of these are normal for the first minutes after a
//! kubelet start (the node is not registered yet, no CNI config yet); the grammars only
//! say what was written, the signatures decide what persists long enough to matter.

use super::text::{after, before, field_text, find, lossy, token};
use super::{Kind, Payload};

/// The name in `"name"` or `\"name\"` at the start of `rest` (up to the closing
/// quote, or the end of a line cut by its source).
fn quoted(rest: &[u8]) -> Option<String> {
    let rest = rest.strip_prefix(b"\\").unwrap_or(rest);
    let body = rest.strip_prefix(b"\"")?;
    let end = body
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .unwrap_or(body.len());
    let name = body.get(..end)?;
    (!name.is_empty()).then(|| lossy(name))
}

/// The kubelet cannot find its Node: `node "wrk00" not found` (1.11+ `kubelet.go`),
/// `"Error getting node" err="node \"x\" not found"` (structured), `error getting node:
/// node 10.99.0.14 not found` and `minion "10.99.0.14" not found` (2015), `nodes "x" not
/// found` (the API server's error text inside kubelet errors), and the eviction
/// manager's `failed to get node info: node "x" ...` (the only error that path returns
/// is not-found; kept when a pager cut the rest of the line).
///
/// Fields of `kubelet.node_not_found`: `node` (the name looked up, when printed whole).
pub(crate) fn node_not_found(msg: &[u8]) -> Option<Payload> {
    let p = Payload::new(Kind::NodeNotFound);
    for lead in [&b"node "[..], b"nodes ", b"minion "] {
        let mut from = 0;
        while let Some(rel) = msg.get(from..).and_then(|m| find(m, lead)) {
            let at = from + rel;
            from = at + lead.len();
            let boundary = at == 0 || msg.get(at - 1).is_some_and(|b| !b.is_ascii_alphanumeric());
            let rest = msg.get(at + lead.len()..)?;
            if !boundary {
                continue;
            }
            let (name, tail) = match quoted(rest) {
                Some(name) => {
                    // Past the opening quote (maybe escaped), the name, the closing quote.
                    let open = usize::from(rest.first() == Some(&b'\\')) + 1;
                    let tail = rest.get(open + name.len()..).unwrap_or_default();
                    let tail = tail.strip_prefix(b"\\").unwrap_or(tail);
                    (Some(name), tail.strip_prefix(b"\"").unwrap_or(tail))
                }
                None => {
                    let (word, tail) = token(rest);
                    ((!word.is_empty()).then(|| lossy(word)), tail)
                }
            };
            if tail.trim_ascii_start().starts_with(b"not found") {
                return Some(p.with_opt("node", name));
            }
        }
    }
    // A pager cut the eviction manager's line inside the name.
    let cut = after(msg, b"failed to get node info: node \"")?;
    (!cut.contains(&b' ')).then_some(p)
}

/// The kubelet is refused its own Node or lease because its credentials name another
/// node: `nodes "a" is forbidden: node "b" is not allowed to modify node "a"`, `node
/// "b" cannot modify node "a"` (NodeRestriction), `leases.coordination.k8s.io "a" is
/// forbidden: User "system:node:b" cannot ... can only access node lease with the same
/// name as the requesting node`.
///
/// Fields of `kubelet.node_identity_mismatch`: `node` (the Node the kubelet tried to
/// update), `identity` (the node name in its credentials).
pub(crate) fn node_identity_mismatch(msg: &[u8]) -> Option<Payload> {
    let unescape = |s: &[u8]| lossy(s).replace("\\\"", "\"");
    let text = unescape(msg);
    let t = text.as_bytes();
    let (identity, node) = if let Some(head) = before(t, b"\" is not allowed to modify node \"")
        .or_else(|| before(t, b"\" cannot modify node \""))
    {
        let identity = head.rsplit(|&b| b == b'"').next().map(lossy);
        let tail = after(t, b"modify node ").and_then(quoted);
        (identity, tail)
    } else if find(t, b"can only access node lease with the same name").is_some() {
        let identity = after(t, b"User \"system:node:").map(|r| {
            lossy(
                r.get(..r.iter().position(|&b| b == b'"').unwrap_or(r.len()))
                    .unwrap_or(r),
            )
        });
        let node = after(t, b"leases.coordination.k8s.io ").and_then(quoted);
        (identity, node)
    } else {
        return None;
    };
    Some(
        Payload::new(Kind::NodeIdentityMismatch)
            .with_opt("node", node)
            .with_opt("identity", identity),
    )
}

/// Node status or lease updates failing: `Error updating node status, will retry:
/// ERR` (printf, and structured `"Error updating node status, will retry" err="..."`),
/// `Unable to update node status: update node status exceeds retry count`, `Failed to
/// update lease` / `failed to ensure node lease exists, will retry in 7s, error: ERR`.
///
/// Fields of `kubelet.node_status_update_failed`: `target` (`status` or `lease`),
/// `error` (the error text), `cause` (`timeout`, `connection_refused`, `unreachable`,
/// `not_found`, `forbidden`, `unauthorized`, `retries_exhausted`, `other`): the cause
/// tells an unreachable API server from a node that lost its identity.
pub(crate) fn node_status_update_failed(msg: &[u8]) -> Option<Payload> {
    let target = if find(msg, b"rror updating node status").is_some()
        || find(msg, b"Unable to update node status").is_some()
    {
        "status"
    } else if find(msg, b"ailed to update lease").is_some()
        || find(msg, b"ailed to ensure node lease exists").is_some()
        || find(msg, b"ailed to ensure lease exists").is_some()
    {
        "lease"
    } else {
        return None;
    };
    let error = field_text(msg, "err")
        .or_else(|| after(msg, b"will retry: ").map(|e| lossy(e.trim_ascii())))
        .or_else(|| after(msg, b"error: ").map(|e| lossy(e.trim_ascii())))
        .or_else(|| after(msg, b"node status: ").map(|e| lossy(e.trim_ascii())));
    let cause = cause_of(msg);
    Some(
        Payload::new(Kind::NodeStatusUpdateFailed)
            .with("target", target)
            .with("cause", cause)
            .with_opt("error", error),
    )
}

/// Why an API call failed, from the Go error text.
fn cause_of(msg: &[u8]) -> &'static str {
    const CAUSES: &[(&str, &str)] = &[
        ("exceeds retry count", "retries_exhausted"),
        ("Client.Timeout exceeded", "timeout"),
        ("i/o timeout", "timeout"),
        ("context deadline exceeded", "timeout"),
        ("TLS handshake timeout", "timeout"),
        ("timed out", "timeout"),
        ("connection refused", "connection_refused"),
        ("no route to host", "unreachable"),
        ("network is unreachable", "unreachable"),
        ("connection reset by peer", "unreachable"),
        ("use of closed network connection", "unreachable"),
        ("http2: client connection lost", "unreachable"),
        ("not found", "not_found"),
        ("is forbidden", "forbidden"),
        ("Unauthorized", "unauthorized"),
    ];
    CAUSES
        .iter()
        .find(|(needle, _)| find(msg, needle.as_bytes()).is_some())
        .map_or("other", |(_, cause)| cause)
}

/// `Container runtime network not ready: NetworkReady=false
/// reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni config
/// uninitialized` (printf, also as the `KubeletNotReady` condition message), and the
/// structured `"Container runtime network not ready" networkReady="NetworkReady=false
/// reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not
/// initialized"`.
///
/// Fields of `kubelet.runtime_network_not_ready`: `reason` (`NetworkPluginNotReady`),
/// `detail` (`cni config uninitialized`, `cni plugin not initialized`, or the message).
pub(crate) fn runtime_network_not_ready(msg: &[u8]) -> Option<Payload> {
    let at =
        find(msg, b"untime network not ready").or_else(|| find(msg, b"NetworkPluginNotReady"))?;
    let rest = msg.get(at..)?;
    let reason = after(rest, b"reason:").map(|r| {
        let end = r
            .iter()
            .position(|&b| b == b' ' || b == b'"' || b == b'\\')
            .unwrap_or(r.len());
        lossy(r.get(..end).unwrap_or(r))
    });
    let detail = ["cni config uninitialized", "cni plugin not initialized"]
        .into_iter()
        .find(|d| find(rest, d.as_bytes()).is_some())
        .map(str::to_string)
        .or_else(|| {
            after(rest, b"message:").map(|m| {
                let end = m.iter().position(|&b| b == b'"').unwrap_or(m.len());
                lossy(m.get(..end).unwrap_or(m).trim_ascii())
            })
        });
    Some(
        Payload::new(Kind::RuntimeNetworkNotReady)
            .with_opt("reason", reason.filter(|r| !r.is_empty()))
            .with_opt("detail", detail.filter(|d| !d.is_empty())),
    )
}

/// A pod or container cgroup that cannot be created: `mkdir
/// /sys/fs/cgroup/memory/kubepods/burstable/pod1234: cannot allocate memory` (runc,
/// containerd, kubelet's cgroup manager), or `... : no space left on device` (the memcg
/// id space of 65535 exhausted by cgroups leaked under kmem accounting).
///
/// Fields of `kubelet.cgroup_mkdir_enomem`: `errno` (`ENOMEM` or `ENOSPC`),
/// `controller` (`memory`, `cpu,cpuacct`...; absent on the cgroup v2 unified tree),
/// `path`.
pub(crate) fn cgroup_mkdir_enomem(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"mkdir /sys/fs/cgroup/")?;
    let errno = if find(rest, b"cannot allocate memory").is_some() {
        "ENOMEM"
    } else if find(rest, b"no space left on device").is_some() {
        "ENOSPC"
    } else {
        return None;
    };
    let end = rest
        .iter()
        .position(|&b| b == b':' || b == b' ' || b == b'"')
        .unwrap_or(rest.len());
    let rel = rest.get(..end)?;
    let controller = rel
        .split(|&b| b == b'/')
        .next()
        .filter(|c| !c.is_empty() && !c.starts_with(b"kubepods") && !c.ends_with(b".slice"))
        .map(lossy);
    Some(
        Payload::new(Kind::CgroupMkdirEnomem)
            .with("errno", errno)
            .with_opt("controller", controller)
            .with("path", format!("/sys/fs/cgroup/{}", lossy(rel))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn node_not_found_forms() {
        // source: kubernetes/minikube#7162 (corpus J-minikube-7162)
        let p = node_not_found(b"node \"minikube\" not found").unwrap();
        assert_eq!(p.fields["node"], json!("minikube"));
        // source: kubernetes/kubernetes#6973 (corpus J-k8s-6973), 2015 wording
        let p = node_not_found(b"error getting node: node 10.99.0.14 not found").unwrap();
        assert_eq!(p.fields["node"], json!("10.99.0.14"));
        let p = node_not_found(b"error updating node status, will retry: error getting node \"10.99.0.14\": minion \"10.99.0.14\" not found").unwrap();
        assert_eq!(p.fields["node"], json!("10.99.0.14"));
        // structured (klog ≥ 1.21)
        let p = node_not_found(br#""Error getting node" err="node \"ip-10-0-1-5\" not found""#)
            .unwrap();
        assert_eq!(p.fields["node"], json!("ip-10-0-1-5"));
        // source: kubernetes/kubernetes#71665 (corpus J-k8s-71665): cut by the pager
        assert!(node_not_found(b"eviction manager: failed to get get summary stats: failed to get node info: node \"wr").is_some());
        // other things not found
        assert!(node_not_found(b"Failed to retrieve checkpoint for \"kubelet_internal_checkpoint\": checkpoint is not found").is_none());
        assert!(node_not_found(b"Attempting to register node node-1").is_none());
    }

    #[test]
    fn identity_mismatch() {
        let p = node_identity_mismatch(br#"Unable to register node "ip-10-0-1-5.ec2.internal" with API server: nodes "ip-10-0-1-5.ec2.internal" is forbidden: node "ip-10-0-1-5" is not allowed to modify node "ip-10-0-1-5.ec2.internal""#).unwrap();
        assert_eq!(p.fields["identity"], json!("ip-10-0-1-5"));
        assert_eq!(p.fields["node"], json!("ip-10-0-1-5.ec2.internal"));
        let p = node_identity_mismatch(br#""Failed to ensure lease exists, will retry" err="leases.coordination.k8s.io \"node-a\" is forbidden: User \"system:node:node-b\" cannot get resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"kube-node-lease\": can only access node lease with the same name as the requesting node" interval="7s""#).unwrap();
        assert_eq!(p.fields["identity"], json!("node-b"));
        assert_eq!(p.fields["node"], json!("node-a"));
    }

    #[test]
    fn status_update_causes() {
        let p = node_status_update_failed(b"Error updating node status, will retry: error getting node \"node-1\": Get https://10.0.0.1:6443/api/v1/nodes/node-1?timeout=10s: net/http: request canceled (Client.Timeout exceeded while awaiting headers)").unwrap();
        assert_eq!(p.fields["target"], json!("status"));
        assert_eq!(p.fields["cause"], json!("timeout"));
        let p = node_status_update_failed(br#""Error updating node status, will retry" err="error getting node \"node-1\": Get \"https://10.0.0.1:6443/api/v1/nodes/node-1?timeout=10s\": dial tcp 10.0.0.1:6443: connect: connection refused""#).unwrap();
        assert_eq!(p.fields["cause"], json!("connection_refused"));
        let p = node_status_update_failed(
            b"Unable to update node status: update node status exceeds retry count",
        )
        .unwrap();
        assert_eq!(p.fields["cause"], json!("retries_exhausted"));
        assert!(node_status_update_failed(b"Successfully registered node node-1").is_none());
    }

    #[test]
    fn network_not_ready() {
        // source: kinvolk/kube-spawn#13 (corpus E-kube-spawn-13)
        let p = runtime_network_not_ready(b"Container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni config uninitialized").unwrap();
        assert_eq!(p.fields["reason"], json!("NetworkPluginNotReady"));
        assert_eq!(p.fields["detail"], json!("cni config uninitialized"));
        let p = runtime_network_not_ready(br#""Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized""#).unwrap();
        assert_eq!(p.fields["detail"], json!("cni plugin not initialized"));
        // source: kubernetes/kubernetes#71692 (corpus E-k8s-71692): cut at terminal width
        let p = runtime_network_not_ready(
            b"Container runtime network not ready: NetworkReady=false reason:NetworkPl",
        )
        .unwrap();
        assert_eq!(p.fields["reason"], json!("NetworkPl"));
    }

    #[test]
    fn cgroup_mkdir() {
        let p = cgroup_mkdir_enomem(b"Failed to create pod sandbox: rpc error: code = Unknown desc = failed to start sandbox container: OCI runtime create failed: container_linux.go:348: starting container process caused \"process_linux.go:301: running exec setns process for init caused \\\"mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod0c1b: cannot allocate memory\\\"\": unknown").unwrap();
        assert_eq!(p.fields["errno"], json!("ENOMEM"));
        assert_eq!(p.fields["controller"], json!("memory"));
        assert_eq!(
            p.fields["path"],
            json!("/sys/fs/cgroup/memory/kubepods/burstable/pod0c1b")
        );
        assert!(
            cgroup_mkdir_enomem(b"mkdir /sys/fs/cgroup/memory/kubepods: file exists").is_none()
        );
    }
}
