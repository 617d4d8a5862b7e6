//! Container runtime (CRI) call failures, as the kubelet reports them
//! (`remote_runtime.go`, `kuberuntime_sandbox.go`, pod events) and as containerd /
//! CRI-O log them. The reason decides the diagnosis: a deadline means the runtime hangs,
//! a reserved name means an earlier call is still stuck inside it, a refused socket
//! means it is down.

use super::text::{after, find, lossy, token};
use super::{Kind, Payload};

/// Phrases that say a sandbox or container name is still held by an earlier, stuck
/// create call (containerd and CRI-O wording).
const NAME_RESERVED: &[&str] = &[
    "failed to reserve sandbox name",
    "failed to reserve container name",
    "error reserving pod name",
    "error reserving ctr name",
];

/// A failed CRI call: `RunPodSandbox from runtime service failed: rpc error: code =
/// DeadlineExceeded desc = context deadline exceeded` (also `Status`, `ListImages`,
/// `PodSandboxStatus` ... `from runtime|image service failed`, printf or structured
/// `err="..."`), `CreatePodSandbox for pod "x" failed: rpc error: ...`, the
/// `FailedCreatePodSandBox` event text `Failed create pod sandbox: rpc error: ...`,
/// `Failed to update image list: rpc error: ...` (image GC), containerd's `RunPodSandbox
/// for &PodSandboxMetadata{...} failed, error` and the reserved-name errors of containerd
/// (`failed to reserve sandbox name "x": name "x" is reserved for "id"`) and CRI-O
/// (`error reserving pod name x for id y`).
///
/// Fields of `kubelet.runtime_error`: `call` (`RunPodSandbox`, `Status`, `ListImages`...),
/// `code` (gRPC code: `DeadlineExceeded`, `Unknown`, `Unavailable`...), `reason`
/// (`deadline_exceeded`, `name_reserved`, `unavailable`, `network`, `other`), `name`
/// (the reserved sandbox/container name).
pub(crate) fn runtime_error(msg: &[u8]) -> Option<Payload> {
    let call = call_of(msg)?;
    let code = after(msg, b"rpc error: code = ").map(|r| lossy(token(r).0));
    let reserved = NAME_RESERVED
        .iter()
        .find(|p| find(msg, p.as_bytes()).is_some());
    let reason = if reserved.is_some() {
        "name_reserved"
    } else if code.as_deref() == Some("DeadlineExceeded")
        || find(msg, b"context deadline exceeded").is_some()
    {
        "deadline_exceeded"
    } else if code.as_deref() == Some("Unavailable")
        || find(msg, b"connection refused").is_some()
        || find(msg, b".sock: connect: no such file").is_some()
    {
        "unavailable"
    } else if find(msg, b"NetworkPlugin cni failed").is_some()
        || find(msg, b"failed to setup network for sandbox").is_some()
        || find(msg, b"failed to set up sandbox container").is_some()
    {
        "network"
    } else {
        "other"
    };
    let name = reserved.and_then(|p| reserved_name(msg, p));
    Some(
        Payload::new(Kind::RuntimeError)
            .with("call", call)
            .with_opt("code", code)
            .with("reason", reason)
            .with_opt("name", name),
    )
}

/// The CRI call a message is about, when it is a runtime failure at all.
fn call_of(msg: &[u8]) -> Option<String> {
    for tail in [
        &b" from runtime service failed"[..],
        b" from image service failed",
    ] {
        if let Some(at) = find(msg, tail) {
            let head = msg.get(..at)?;
            // `RunPodSandbox`, `ListImages with filter nil`, `"Status`: the first word
            // of the segment that ends here.
            let start = head
                .iter()
                .rposition(|&b| matches!(b, b'"' | b']' | b':'))
                .map_or(0, |i| i + 1);
            let word = token(head.get(start..)?).0;
            return (!word.is_empty()).then(|| lossy(word));
        }
    }
    let sandbox = [
        &b"Failed create pod sandbox"[..],
        b"Failed to create pod sandbox",
        b"CreatePodSandbox for pod",
        b"createPodSandbox for pod",
    ];
    // containerd logs `RunPodSandbox for &PodSandboxMetadata{...}` both on success
    // (`returns sandbox id`) and on failure (`failed, error`).
    let containerd_failed =
        find(msg, b"RunPodSandbox for ").is_some() && find(msg, b" failed").is_some();
    if containerd_failed || sandbox.iter().any(|p| find(msg, p).is_some()) {
        return Some("RunPodSandbox".into());
    }
    if find(msg, b"Failed to update image list: rpc error").is_some() {
        return Some("ListImages".into());
    }
    if NAME_RESERVED
        .iter()
        .any(|p| find(msg, p.as_bytes()).is_some())
    {
        let call = if find(msg, b"container name").is_some() || find(msg, b"ctr name").is_some() {
            "CreateContainer"
        } else {
            "RunPodSandbox"
        };
        return Some(call.into());
    }
    None
}

/// The name after a reserved-name phrase: quoted (containerd) or a bare word (CRI-O).
fn reserved_name(msg: &[u8], phrase: &str) -> Option<String> {
    let rest = after(msg, phrase.as_bytes())?.trim_ascii_start();
    let name = match rest.strip_prefix(b"\"") {
        Some(q) => q.get(..q.iter().position(|&b| b == b'"').unwrap_or(q.len()))?,
        None => token(rest).0,
    };
    let name = name.strip_suffix(b":").unwrap_or(name);
    (!name.is_empty()).then(|| lossy(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deadline_exceeded_status_call() {
        // source: containerd/cri#1014 (corpus E-containerd-cri-1014)
        let p = runtime_error(b"Status from runtime service failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded").unwrap();
        assert_eq!(p.fields["call"], json!("Status"));
        assert_eq!(p.fields["code"], json!("DeadlineExceeded"));
        assert_eq!(p.fields["reason"], json!("deadline_exceeded"));
        let p = runtime_error(b"[imageGCManager] Failed to update image list: rpc error: code = DeadlineExceeded desc = context deadline exceeded").unwrap();
        assert_eq!(p.fields["call"], json!("ListImages"));
    }

    #[test]
    fn reserved_names_containerd_and_crio() {
        // source: k3s-io/k3s#497 (corpus E-k3s-497)
        let p = runtime_error(b"RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to reserve sandbox name \"svclb-traefik-phpd2_kube-system_964d3950_1\": name \"svclb-traefik-phpd2_kube-system_964d3950_1\" is reserved for \"081b44846a5b\"").unwrap();
        assert_eq!(p.fields["call"], json!("RunPodSandbox"));
        assert_eq!(p.fields["reason"], json!("name_reserved"));
        assert_eq!(
            p.fields["name"],
            json!("svclb-traefik-phpd2_kube-system_964d3950_1")
        );
        // source: cri-o/cri-o#2984 (corpus E-cri-o-2984)
        let p = runtime_error(b"Failed create pod sandbox: rpc error: code = Unknown desc = error reserving pod name k8s_authentication-operator-54f5d6c8c9-qpmd5_openshift_0 for id f0325581e954").unwrap();
        assert_eq!(
            p.fields["name"],
            json!("k8s_authentication-operator-54f5d6c8c9-qpmd5_openshift_0")
        );
    }

    #[test]
    fn structured_and_network_reasons() {
        let p = runtime_error(br#""RunPodSandbox from runtime service failed" err="rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing dial unix /run/containerd/containerd.sock: connect: connection refused\"""#).unwrap();
        assert_eq!(p.fields["call"], json!("RunPodSandbox"));
        assert_eq!(p.fields["reason"], json!("unavailable"));
        let p = runtime_error(b"Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"2585\": plugin type=\"aws-cni\" failed (add): add cmd: failed to assign an IP address to container").unwrap();
        assert_eq!(p.fields["reason"], json!("network"));
        // containerd's success line for the same call
        assert!(
            runtime_error(
                b"RunPodSandbox for &PodSandboxMetadata{Name:web,} returns sandbox id \"abc\""
            )
            .is_none()
        );
        assert!(runtime_error(b"Successfully pulled image \"nginx\"").is_none());
    }
}
