//! Certificates outside their validity window, from any program: Go's `x509:
//! certificate has expired or is not yet valid` (with `current time X is after|before
//! Y` since Go 1.15), the kubelet's bootstrap check, kubeadm's bounds check, OpenSSL's
//! `certificate has expired` / `certificate is not yet valid`.

use super::text::{after, find, lossy};
use super::{Kind, Payload};

/// Fields of `tls.cert_expired`: `state` (`expired`, `not_yet_valid`, or
/// `expired_or_not_yet_valid` when Go did not say which), `current_time` and
/// `not_after` / `not_before` (as printed), `certificate` (its name when printed:
/// `bootstrap client`, `apiserver-kubelet-client`), `endpoint` (`host:port` of the
/// HTTPS request that failed, when printed).
pub(crate) fn cert_expired(msg: &[u8]) -> Option<Payload> {
    let generic = find(msg, b"certificate has expired or is not yet valid").is_some();
    // `part of the existing bootstrap client certificate in /etc/kubernetes/kubelet.conf
    // is expired: ...` (kubelet 1.2x names the file).
    let expired = find(msg, b"certificate has expired").is_some()
        || find(msg, b"certificate is expired").is_some()
        || (find(msg, b"client certificate in ").is_some() && find(msg, b" is expired").is_some());
    let not_yet = find(msg, b"certificate is not yet valid").is_some();
    if !(generic || expired || not_yet) {
        return None;
    }
    let current = after(msg, b"current time ").map(word);
    let (after_t, before_t) = match current.as_ref().and_then(|_| after(msg, b"current time ")) {
        Some(rest) => (
            after(rest, b" is after ").map(word),
            after(rest, b" is before ").map(word),
        ),
        None => (None, None),
    };
    let state = if after_t.is_some() {
        "expired"
    } else if before_t.is_some() {
        "not_yet_valid"
    } else if generic {
        "expired_or_not_yet_valid"
    } else if not_yet {
        "not_yet_valid"
    } else {
        "expired"
    };
    // `... certificate is expired: 2020-12-06 18:55:55 +0000 UTC` (kubelet bootstrap),
    // `NotAfter: 2024-01-19 20:19:24 +0000 UTC` (kubeadm).
    let not_after = after_t.or_else(|| {
        after(msg, b"NotAfter: ")
            .or_else(|| after(msg, b"certificate is expired: "))
            .or_else(|| after(msg, b" is expired: "))
            .map(|r| {
                let end = find(r, b" UTC").map_or(r.len(), |i| i + 4);
                lossy(r.get(..end).unwrap_or(r))
            })
    });
    let certificate = if find(msg, b"bootstrap client certificate").is_some() {
        Some("bootstrap client".to_string())
    } else {
        after(msg, b"for certificate ").map(|r| word(r).trim_end_matches(':').to_string())
    };
    let endpoint = after(msg, b"https://").map(|r| {
        let end = r
            .iter()
            .position(|&b| matches!(b, b'/' | b'"' | b' ' | b':'))
            .unwrap_or(r.len());
        let host = lossy(r.get(..end).unwrap_or(r));
        match r.get(end..).and_then(|t| t.strip_prefix(b":")) {
            Some(port) => {
                let digits = port.iter().take_while(|b| b.is_ascii_digit()).count();
                format!("{host}:{}", lossy(port.get(..digits).unwrap_or_default()))
            }
            None => host,
        }
    });
    Some(
        Payload::new(Kind::CertExpired)
            .with("state", state)
            .with_opt("current_time", current)
            .with_opt("not_after", not_after)
            .with_opt("not_before", before_t)
            .with_opt("certificate", certificate)
            .with_opt("endpoint", endpoint),
    )
}

/// The first space-delimited word, without trailing punctuation.
fn word(rest: &[u8]) -> String {
    let end = rest
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b == b'"' || b == b',' || b == b')')
        .unwrap_or(rest.len());
    lossy(rest.get(..end).unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_current_time_after() {
        // source: kubernetes/minikube#18032 (corpus J-minikube-18032)
        let p = cert_expired(b"error execution phase certs/apiserver-kubelet-client: [certs] certificate apiserver-kubelet-client not signed by CA certificate ca: x509: certificate has expired or is not yet valid: current time 2024-01-24T01:22:32Z is after 2024-01-19T20:19:24Z").unwrap();
        assert_eq!(p.fields["state"], json!("expired"));
        assert_eq!(p.fields["current_time"], json!("2024-01-24T01:22:32Z"));
        assert_eq!(p.fields["not_after"], json!("2024-01-19T20:19:24Z"));
        let p = cert_expired(b"WARNING: could not validate bounds for certificate apiserver-kubelet-client: the certificate has expired: NotBefore: 2022-12-21 06:52:08 +0000 UTC, NotAfter: 2024-01-19 20:19:24 +0000 UTC").unwrap();
        assert_eq!(p.fields["certificate"], json!("apiserver-kubelet-client"));
        assert_eq!(
            p.fields["not_after"],
            json!("2024-01-19 20:19:24 +0000 UTC")
        );
    }

    #[test]
    fn older_go_and_kubelet_bootstrap() {
        // source: kubernetes/kubernetes#45502 (corpus J-k8s-45502)
        let p = cert_expired(b"Failed to find compute flavors: Get https://nova.example.org:8774/v2/40c2/flavors/detail: x509: certificate has expired or is not yet valid").unwrap();
        assert_eq!(p.fields["state"], json!("expired_or_not_yet_valid"));
        assert_eq!(p.fields["endpoint"], json!("nova.example.org:8774"));
        // source: kubernetes/kubernetes#98150 (corpus J-k8s-98150)
        let p = cert_expired(b"part of the existing bootstrap client certificate is expired: 2020-12-06 18:55:55 +0000 UTC").unwrap();
        assert_eq!(p.fields["certificate"], json!("bootstrap client"));
        assert_eq!(
            p.fields["not_after"],
            json!("2020-12-06 18:55:55 +0000 UTC")
        );
    }

    #[test]
    fn not_yet_valid_and_unrelated() {
        let p = cert_expired(b"x509: certificate has expired or is not yet valid: current time 1970-01-01T00:01:12Z is before 2023-05-02T10:00:00Z").unwrap();
        assert_eq!(p.fields["state"], json!("not_yet_valid"));
        assert_eq!(p.fields["not_before"], json!("2023-05-02T10:00:00Z"));
        assert!(cert_expired(b"x509: certificate signed by unknown authority").is_none());
        assert!(cert_expired(b"Certificate rotation is enabled").is_none());
    }
}
