//! The runtime's own view of a container OOM: containerd publishes a `TaskOOM` event
//! when the cgroup's OOM notification fires, and docker turns it into its `container
//! oom` event. These lines exist even when the kernel log was not collected.

use super::text::{after, field_text, find, lossy, token};
use super::{Kind, Payload};

/// containerd's event log `msg="event published" ns=moby topic=/tasks/oom
/// type=containerd.events.TaskOOM`, containerd CRI's `TaskOOM event
/// &TaskOOM{ContainerID:abc,...}`, and `docker events` output `container oom <id>
/// (attr=value, ..., name=k8s_<container>_<pod>_<namespace>_<uid>_<n>)`.
///
/// Fields of `containerd.task_oom`: `container_id`, `namespace` (containerd namespace,
/// `ns=`: `moby`, `k8s.io`), `container` and `pod` (from a kubelet-made docker name
/// `k8s_...`), `source` (`containerd` or `docker`).
pub(crate) fn task_oom(msg: &[u8]) -> Option<Payload> {
    if let Some(rest) = after(msg, b"container oom ") {
        let id = token(rest).0;
        let mut p = Payload::new(Kind::TaskOom)
            .with("source", "docker")
            .with_opt("container_id", (!id.is_empty()).then(|| lossy(id)));
        if let Some(name) = after(rest, b"name=k8s_") {
            let end = name
                .iter()
                .position(|&b| matches!(b, b',' | b')' | b' '))
                .unwrap_or(name.len());
            let parts: Vec<&[u8]> = name.get(..end)?.split(|&b| b == b'_').collect();
            if let [container, pod, ..] = parts.as_slice() {
                p = p
                    .with("container", lossy(container))
                    .with("pod", lossy(pod));
            }
        }
        return Some(p);
    }
    let is_oom = find(msg, b"containerd.events.TaskOOM").is_some()
        || find(msg, b"topic=/tasks/oom").is_some()
        || find(msg, b"TaskOOM event").is_some();
    if !is_oom {
        return None;
    }
    let id = after(msg, b"ContainerID:").map(|r| {
        let end = r
            .iter()
            .position(|&b| matches!(b, b',' | b'}' | b' ' | b'"'))
            .unwrap_or(r.len());
        lossy(r.get(..end).unwrap_or(r))
    });
    Some(
        Payload::new(Kind::TaskOom)
            .with("source", "containerd")
            .with_opt("container_id", id)
            .with_opt("namespace", field_text(msg, "ns")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containerd_event_published() {
        // source: containerd/containerd#4547 (corpus D-containerd-4547)
        let p = task_oom(b"level=debug msg=\"event published\" ns=moby topic=/tasks/oom type=containerd.events.TaskOOM").unwrap();
        assert_eq!(p.fields["namespace"], json!("moby"));
        let p =
            task_oom(b"TaskOOM event &TaskOOM{ContainerID:5f6a0b2c,XXX_unrecognized:[],}").unwrap();
        assert_eq!(p.fields["container_id"], json!("5f6a0b2c"));
        // other topics are not OOMs
        assert!(task_oom(b"level=debug msg=\"event published\" ns=moby topic=/tasks/exit type=containerd.events.TaskExit").is_none());
    }

    #[test]
    fn docker_events_oom() {
        // source: docker/for-linux#670 (corpus D-docker-for-linux-670)
        let p = task_oom(b"2019-05-04T18:05:45.011072877-05:00 container oom 29d72966e0be (annotation.io.kubernetes.container.hash=cad60de0, maintainer=MUDSA, name=k8s_notebook_jupyter-x_jhub-prod_efa75591_0)").unwrap();
        assert_eq!(p.fields["container_id"], json!("29d72966e0be"));
        assert_eq!(p.fields["container"], json!("notebook"));
        assert_eq!(p.fields["pod"], json!("jupyter-x"));
    }
}
