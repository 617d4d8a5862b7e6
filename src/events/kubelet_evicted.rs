//! The eviction as the pod sees it: the `Evicted` event / pod status message (`The node
//! was low on resource: memory. Threshold quantity: ..., available: .... Container x was
//! using ..., request is 0, has larger consumption of memory.`), the admission reject
//! `The node had condition: [MemoryPressure].`, and the kubelet's structured `"Evicting
//! pod"` line that carries that message. These exist where the eviction manager's own
//! log does not: `kubectl get events` / `describe pod` captures.

use super::text::{after, field_text, find, lossy, token};
use super::{Kind, Payload};

/// Fields of `kubelet.pod_evicted` from these messages: `pod`, `namespace` (when the
/// line names the pod: `pod/NAME` event object, `pod="ns/name"`), `uid` (null),
/// `resource` (the starved resource, or the condition of an admission reject),
/// `threshold` (`Threshold quantity: ...`, 1.2x+).
pub(crate) fn evicted_notice(msg: &[u8]) -> Option<Payload> {
    let resource = if let Some(r) = after(msg, b"The node was low on resource: ") {
        let word = token(r).0;
        lossy(word.strip_suffix(b".").unwrap_or(word))
    } else if let Some(r) = after(msg, b"The node had condition: [") {
        lossy(r.get(..r.iter().position(|&b| b == b']')?)?)
    } else if find(msg, b"\"Evicting pod\"").is_some() {
        String::new()
    } else {
        return None;
    };
    let (namespace, pod) = match field_text(msg, "pod") {
        Some(obj) => match obj.split_once('/') {
            Some((ns, name)) => (Some(ns.to_string()), Some(name.to_string())),
            None => (None, Some(obj)),
        },
        None => (None, after(msg, b" pod/").map(|r| lossy(token(r).0))),
    };
    let threshold = after(msg, b"Threshold quantity: ").map(|r| {
        let end = r.iter().position(|&b| b == b',').unwrap_or(r.len());
        lossy(r.get(..end).unwrap_or(r))
    });
    Some(
        Payload::new(Kind::PodEvicted)
            .with("pod", pod)
            .with("namespace", namespace)
            .with("uid", serde_json::Value::Null)
            .with_opt("resource", (!resource.is_empty()).then_some(resource))
            .with_opt("threshold", threshold),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_rows() {
        // source: FederatedAI/KubeFATE#64 (corpus B-kubefate-64)
        let p = evicted_notice(b"4m11s       Warning   Evicted               pod/egg-abc    The node was low on resource: memory. Container egg was using 5053216Ki, which exceeds its request of 0.").unwrap();
        assert_eq!(p.fields["pod"], json!("egg-abc"));
        assert_eq!(p.fields["resource"], json!("memory"));
        let p = evicted_notice(b"4m7s        Warning   Evicted               pod/egg-def    The node had condition: [MemoryPressure].").unwrap();
        assert_eq!(p.fields["resource"], json!("MemoryPressure"));
        assert!(
            evicted_notice(b"4m11s  Normal  Killing  pod/egg-abc  Stopping container egg")
                .is_none()
        );
    }

    #[test]
    fn structured_evicting_pod() {
        let p = evicted_notice(br#""Evicting pod" pod="default/web-1" podUID="5a7f" message="The node was low on resource: memory. Threshold quantity: 100Mi, available: 92304Ki. Container app was using 1530148Ki, request is 512Mi, has larger consumption of memory. ""#).unwrap();
        assert_eq!(p.fields["pod"], json!("web-1"));
        assert_eq!(p.fields["namespace"], json!("default"));
        assert_eq!(p.fields["threshold"], json!("100Mi"));
    }
}
