//! Container probe failures as the kubelet reports them: its own log (`prober.go`,
//! printf form before 1.21, structured `"Probe failed"` after) and the `Unhealthy`
//! events it records (`kubectl get events` / `describe` rows).

use super::text::{after, field_text, find, lossy, token};
use super::{Kind, Payload};

/// `prober.go:116] "Probe failed" probeType="Readiness" pod="default/web-1" ...
/// output="Get \"http://10.244.0.9:3001/\": dial tcp ...: connect: connection refused"`,
/// `prober.go:111] Liveness probe for "web-1_default(uid):web" failed (failure): Get ...`,
/// and event rows `Readiness probe failed: Get "http://...": context deadline exceeded`.
///
/// Fields of `kubelet.probe_failed`: `probe` (`readiness`, `liveness`, `startup`),
/// `pod` (when the line names it), `output` (what the probe got).
pub(crate) fn probe_failed(msg: &[u8]) -> Option<Payload> {
    let (probe, pod, output) = if find(msg, b"\"Probe failed\"").is_some() {
        (
            field_text(msg, "probeType")?,
            field_text(msg, "pod"),
            field_text(msg, "output"),
        )
    } else if let Some(rest) = after(msg, b" probe for \"") {
        // `Liveness probe for "pod_ns(uid):container" failed (failure): output`
        let start = msg.len() - rest.len() - b" probe for \"".len();
        let probe = token(msg.get(..start)?.rsplit(|&b| b == b' ').next()?).0;
        let pod = rest.split(|&b| b == b'"').next().map(lossy);
        let output = after(rest, b"): ").map(lossy);
        (lossy(probe), pod, output)
    } else {
        let rest = after(msg, b" probe failed: ")?;
        let start = msg.len() - rest.len() - b" probe failed: ".len();
        let probe = msg.get(..start)?.rsplit(|&b| b == b' ').next()?;
        (lossy(probe), None, Some(lossy(rest)))
    };
    let probe = probe.to_ascii_lowercase();
    if !matches!(probe.as_str(), "readiness" | "liveness" | "startup") {
        return None;
    }
    Some(
        Payload::new(Kind::ProbeFailed)
            .with("probe", probe)
            .with_opt("pod", pod)
            .with_opt("output", output),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_row_and_kubelet_lines() {
        // source: duyet/charts#241 (corpus N-charts-241), an event row
        let p = probe_failed(br#"7s          Warning   Unhealthy           pod/uptime-kuma-9yngw5v68k-5d647b9549-d4b9b    spec.containers{uptime-kuma}   kubelet, chart-testing-control-plane   Readiness probe failed: Get "http://10.244.0.9:3001/": dial tcp 10.244.0.9:3001: connect: connection refused"#).unwrap();
        assert_eq!(p.fields["probe"], json!("readiness"));
        assert!(
            p.fields["output"]
                .as_str()
                .unwrap()
                .ends_with("connection refused")
        );
        // kubelet 1.21+ structured form (prober.go)
        let p = probe_failed(br#"I0617 03:05:13.803095    5478 prober.go:116] "Probe failed" probeType="Liveness" pod="default/web-1" podUID=9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d containerName="web" probeResult=failure output="Get \"http://10.244.1.7:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)""#).unwrap();
        assert_eq!(p.fields["probe"], json!("liveness"));
        assert_eq!(p.fields["pod"], json!("default/web-1"));
        // kubelet before 1.21 (prober.go printf form)
        let p = probe_failed(br#"I0617 03:05:13.803095    5478 prober.go:111] Readiness probe for "web-1_default(9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d):web" failed (failure): Get http://10.244.1.7:8080/ready: dial tcp 10.244.1.7:8080: connect: connection refused"#).unwrap();
        assert_eq!(p.fields["probe"], json!("readiness"));
        assert_eq!(
            p.fields["pod"],
            json!("web-1_default(9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d):web")
        );
    }

    #[test]
    fn other_mentions_are_not_failures() {
        assert!(probe_failed(b"Readiness probe succeeded").is_none());
        assert!(probe_failed(b"the smoke probe failed: try again").is_none());
    }
}
