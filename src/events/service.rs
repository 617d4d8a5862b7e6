//! Component starts: the lines a kubelet, container runtime, calico-node or the node
//! itself prints when it starts. Signatures use them to discount start-up chatter
//! (`[startup]` in a signature file): "PLEG is not healthy" a second after the
//! kubelet started is the kubelet starting, not the runtime hanging.

use super::text::{after, contains, field_text, lossy, token};
use super::{Kind, Payload};

/// Literal start lines and the component each one starts. Every one is printed once
/// per start of that component (never in steady state).
const STARTS: &[(&str, &str)] = &[
    // systemd unit start (`Starting kubelet: The Kubernetes Node Agent...`), node event
    // tables (`Starting kubelet.`), 1.2x klog `"Starting kubelet main sync loop"`.
    ("Starting kubelet", "kubelet"),
    // server.go `Started kubelet` (1.x), systemd `Started kubelet: The Kubernetes Node Agent.`
    ("Started kubelet", "kubelet"),
    ("Started Kubernetes Kubelet", "kubelet"),
    // 1.2x server.go `"Kubelet version" kubeletVersion="v1.28.1"`.
    ("\"Kubelet version\"", "kubelet"),
    // containerd `level=info msg="starting containerd" revision=... version=v1.6.21`.
    ("starting containerd", "containerd"),
    // dockerd `level=info msg="Starting up"` (18.09+) and its systemd unit.
    ("msg=\"Starting up\"", "dockerd"),
    ("Starting Docker Application Container Engine", "dockerd"),
    // cri-o `Starting CRI-O, version: 1.20.0` and its systemd unit.
    ("Starting CRI-O", "crio"),
    ("Starting Container Runtime Interface for OCI", "crio"),
    // calico-node startup.go `Calico node started successfully`, felix `Felix starting up`.
    ("Calico node started successfully", "calico-node"),
    ("Felix starting up", "calico-node"),
    // PID 1 starting: `systemd 246 running in system mode. (+PAM ...)`, once per boot
    // (twice with an initrd: before and after switch-root).
    ("running in system mode", "node"),
];

/// A component start.
///
/// Fields of `service.started`: `component` (`kubelet`, `containerd`, `dockerd`,
/// `crio`, `calico-node`, `node`), `version` when the line names one.
pub(crate) fn service_started(msg: &[u8]) -> Option<Payload> {
    let component = STARTS
        .iter()
        .find(|(needle, _)| contains(msg, needle.as_bytes()))
        .map(|(_, c)| *c)?;
    Some(
        Payload::new(Kind::ServiceStarted)
            .with("component", component)
            .with_opt("version", version(msg)),
    )
}

/// `kubeletVersion="v1.28.1"`, containerd's `version=v1.6.21`, `version: 1.20.0`,
/// `systemd 246 running`.
fn version(msg: &[u8]) -> Option<String> {
    field_text(msg, "kubeletVersion")
        .or_else(|| field_text(msg, "version"))
        .or_else(|| after(msg, b"version: ").map(|r| lossy(token(r).0)))
        .or_else(|| {
            let rest = after(msg, b"systemd ")?;
            let (word, _) = token(rest);
            word.iter()
                .all(u8::is_ascii_digit)
                .then(|| lossy(word))
                .filter(|v| !v.is_empty())
        })
        .map(|v| v.trim_end_matches([',', '.']).to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn component(line: &[u8]) -> Option<serde_json::Value> {
        service_started(line).map(|p| p.fields["component"].to_json())
    }

    #[test]
    fn real_start_lines() {
        // N-k8s-setup-notes-12397583202 (kubelet 1.28 under systemd)
        let p = service_started(br#"I0911 10:57:09.506047    9919 server.go:467] "Kubelet version" kubeletVersion="v1.28.1""#).unwrap();
        assert_eq!(p.fields["component"], json!("kubelet"));
        assert_eq!(p.fields["version"], json!("v1.28.1"));
        // N-k8slab-notes-7313648040 (kubelet 1.14 by hand)
        assert_eq!(
            component(b"I0330 01:26:49.556788    4210 server.go:1037] Started kubelet"),
            Some(json!("kubelet"))
        );
        // N-usernetes-gcp-notes-2831437123 (systemd)
        assert_eq!(
            component(b"Starting kubelet: The Kubernetes Node Agent..."),
            Some(json!("kubelet"))
        );
        let p = service_started(br#"time="2023-09-01T23:34:40.123456789Z" level=info msg="starting containerd" revision=1677a17964311325ed1c31e2c0a3589ce6d5c30a version=v1.7.2"#).unwrap();
        assert_eq!(p.fields["component"], json!("containerd"));
        assert_eq!(p.fields["version"], json!("v1.7.2"));
        assert_eq!(
            component(br#"time="2019-10-08T10:21:31.530414131Z" level=info msg="Starting up""#),
            Some(json!("dockerd"))
        );
        // N-calico-node-242
        assert_eq!(
            component(b"2020-01-22 07:23:04.522 [INFO][9] startup.go 629: Calico node started successfully"),
            Some(json!("calico-node"))
        );
        // N-systemd-11880
        let p =
            service_started(b"systemd 246 running in system mode. (+PAM +AUDIT +SELINUX)").unwrap();
        assert_eq!(p.fields["component"], json!("node"));
        assert_eq!(p.fields["version"], json!("246"));
        assert!(service_started(b"Starting Kubelet Volume Manager").is_none());
        assert!(service_started(b"Started Session 12 of user core.").is_none());
    }

    #[test]
    fn the_prefilter_needles_are_the_start_lines() {
        let starts: Vec<&str> = STARTS.iter().map(|(n, _)| *n).collect();
        let grammar = super::super::registry::GRAMMARS
            .iter()
            .find(|g| g.kind == "service.started")
            .unwrap();
        assert_eq!(starts, grammar.needles);
    }
}
