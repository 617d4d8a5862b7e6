//! Wrong or jumping clocks, as the programs that notice them say it: etcd's peer
//! clock check, chrony and ntpd steps, and Go's x509 verification when the current time
//! is before a certificate's NotBefore (the node's clock is behind, often at 1970 after
//! a boot without RTC).

use chrono::DateTime;

use super::text::{after, find, lossy};
use super::{Kind, Payload};

/// `rafthttp: the clock difference against peer 4e8d454852097618 is too high
/// [12.407738276s > 1s]` (etcd 2.x/3.x text), etcd's zap `"prober found high clock
/// drift"` with `"clock-drift":"12.4s"`, chrony's `System clock wrong by 3.467 seconds`
/// and `System clock was stepped by -3600.123 seconds`, ntpd's `clock_step -3599.998 s`,
/// and `x509: ... current time 1970-01-01T00:01:12Z is before 2023-05-02T10:00:00Z`.
///
/// Fields of `time.clock_skew`: `source` (`etcd`, `chrony`, `ntpd`, `x509`),
/// `offset_seconds` (magnitude of the difference or step, when printed), `peer`
/// (etcd member id).
pub(crate) fn clock_skew(msg: &[u8]) -> Option<Payload> {
    let p = Payload::new(Kind::ClockSkew);
    if let Some(rest) = after(msg, b"clock difference against peer ") {
        let peer = super::text::token(rest).0;
        let offset = after(rest, b"[").and_then(go_seconds);
        return Some(
            p.with("source", "etcd")
                .with("peer", lossy(peer))
                .with_opt("offset_seconds", offset),
        );
    }
    if find(msg, b"high clock drift").is_some() {
        let offset = after(msg, b"\"clock-drift\":\"").and_then(go_seconds);
        let peer = after(msg, b"\"remote-peer-id\":\"").map(|r| {
            lossy(
                r.get(..r.iter().position(|&b| b == b'"').unwrap_or(r.len()))
                    .unwrap_or(r),
            )
        });
        return Some(
            p.with("source", "etcd")
                .with_opt("peer", peer)
                .with_opt("offset_seconds", offset),
        );
    }
    for (lead, source) in [
        (&b"System clock wrong by "[..], "chrony"),
        (b"System clock was stepped by ", "chrony"),
        (b"clock_step ", "ntpd"),
    ] {
        if let Some(rest) = after(msg, lead) {
            let offset = number(rest).map(f64::abs);
            return Some(p.with("source", source).with_opt("offset_seconds", offset));
        }
    }
    let rest = after(msg, b"current time ")?;
    let (now, then) = (word(rest), word(after(rest, b" is before ")?));
    let offset = match (
        DateTime::parse_from_rfc3339(&now),
        DateTime::parse_from_rfc3339(&then),
    ) {
        (Ok(now), Ok(then)) => Some((then - now).num_seconds().abs()),
        _ => None,
    };
    Some(p.with("source", "x509").with_opt("offset_seconds", offset))
}

/// A leading decimal number (`-3600.123`).
fn number(rest: &[u8]) -> Option<f64> {
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+')))
        .unwrap_or(rest.len());
    std::str::from_utf8(rest.get(..end)?).ok()?.parse().ok()
}

/// A leading Go duration (`12.407738276s`) in seconds.
fn go_seconds(rest: &[u8]) -> Option<f64> {
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'.' || *b == 0xc2 || *b == 0xb5))
        .unwrap_or(rest.len());
    super::kubelet_misc::go_duration_secs(&lossy(rest.get(..end)?))
}

/// The first word, without trailing punctuation.
fn word(rest: &[u8]) -> String {
    let end = rest
        .iter()
        .position(|&b| b.is_ascii_whitespace() || matches!(b, b'"' | b',' | b')' | b'\\'))
        .unwrap_or(rest.len());
    lossy(rest.get(..end).unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn etcd_peer_clock_difference() {
        // source: etcd-io/etcd#5938 (corpus J-etcd-5938)
        let p = clock_skew(b"rafthttp: the clock difference against peer 4e8d454852097618 is too high [12.407738276s > 1s]").unwrap();
        assert_eq!(p.fields["peer"], json!("4e8d454852097618"));
        let offset = p.fields["offset_seconds"].as_f64().unwrap();
        assert!((offset - 12.407738276).abs() < 1e-6);
    }

    #[test]
    fn steps_and_x509() {
        let p = clock_skew(b"System clock wrong by -3.467 seconds, adjustment started").unwrap();
        assert_eq!(p.fields["source"], json!("chrony"));
        assert_eq!(p.fields["offset_seconds"], json!(3.467));
        let p = clock_skew(b"x509: certificate has expired or is not yet valid: current time 2023-05-02T09:00:00Z is before 2023-05-02T10:00:00Z").unwrap();
        assert_eq!(p.fields["source"], json!("x509"));
        assert_eq!(p.fields["offset_seconds"], json!(3600));
        // expired is not skew
        assert!(clock_skew(b"x509: certificate has expired or is not yet valid: current time 2024-01-24T01:22:32Z is after 2024-01-19T20:19:24Z").is_none());
    }
}
