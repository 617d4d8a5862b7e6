//! A container's OOM kill as Kubernetes reports it, for bundles that hold
//! `kubectl get pods` output but no kernel log: a row whose STATUS column is
//! `OOMKilled` (`NAME READY STATUS RESTARTS AGE`).

use super::text::lossy;
use super::{Kind, Payload};

/// `tax-tribunals-application-base-74464f6b98-2kj6g   0/1   OOMKilled   4 (57s ago)   2m40s`.
/// Fields of `kernel.oom_kill` from a pod status row: `pod`, `restarts` (when
/// printed), `source` (`pod_status`). The kernel's own report, when collected, says
/// more (process, memcg, sizes); this row only says that the container was killed.
pub(crate) fn oomkilled_row(msg: &[u8]) -> Option<Payload> {
    let mut words = msg
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    let pod = words.next()?;
    let ready = words.next()?;
    let status = words.next()?;
    if status != b"OOMKilled" || !is_ready_column(ready) || !is_pod_name(pod) {
        return None;
    }
    let restarts = words
        .next()
        .and_then(|w| std::str::from_utf8(w).ok())
        .and_then(|w| w.parse::<u64>().ok());
    Some(
        Payload::new(Kind::OomKill)
            .with("pod", lossy(pod))
            .with_opt("restarts", restarts)
            .with("source", "pod_status"),
    )
}

/// `0/1`, `2/2`: ready containers of all.
fn is_ready_column(word: &[u8]) -> bool {
    let mut parts = word.split(|&b| b == b'/');
    let digits =
        |p: Option<&[u8]>| p.is_some_and(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit));
    digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
}

/// A DNS-1123 name, as Kubernetes object names are.
fn is_pod_name(word: &[u8]) -> bool {
    word.first().is_some_and(u8::is_ascii_alphanumeric)
        && word
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn get_pods_row() {
        // source: hmcts/cnp-flux-config#28772 (corpus D-cnp-flux-config-28772)
        let p = oomkilled_row(b"tax-tribunals-application-base-74464f6b98-2kj6g      0/1     OOMKilled   4 (57s ago)   2m40s").unwrap();
        assert_eq!(p.kind, Kind::OomKill);
        assert_eq!(
            p.fields["pod"],
            json!("tax-tribunals-application-base-74464f6b98-2kj6g")
        );
        assert_eq!(p.fields["restarts"], json!(4));
        assert_eq!(p.fields["source"], json!("pod_status"));
    }

    #[test]
    fn other_rows_and_prose_are_not_kills() {
        assert!(oomkilled_row(b"NAME                                                 READY   STATUS      RESTARTS      AGE").is_none());
        assert!(oomkilled_row(b"web-7d9f8b6c5d-2xk4p   1/1   Running   0   2d").is_none());
        assert!(oomkilled_row(b"      Reason:       OOMKilled").is_none());
        assert!(oomkilled_row(b"The pod was OOMKilled twice yesterday").is_none());
    }
}
