//! Hostname changes from systemd-hostnamed and PID 1.

use super::text::{after, find, lossy};
use super::{Kind, Payload};

/// `Changed host name to 'ip-10-0-0-1'` (transient), `Changed static host name to
/// 'ip-10-0-0-1'` (static, `/etc/hostname`), `Hostname set to <node-1> (static)` and
/// the older `Set hostname to <node-1>.` (boot).
///
/// Fields of `host.hostname_changed`: `new`, `source` (`transient`, `static`, `boot`),
/// `old` (added by the extractor from the envelope's host field when it differs).
pub(crate) fn hostname_changed(msg: &[u8]) -> Option<Payload> {
    let (new, source) = if let Some(r) = after(msg, b"Changed host name to '") {
        (quoted_until(r, b'\'')?, "transient")
    } else if let Some(r) = after(msg, b"Changed static host name to '") {
        (quoted_until(r, b'\'')?, "static")
    } else if let Some(r) = after(msg, b"Hostname set to <") {
        (quoted_until(r, b'>')?, "boot")
    } else {
        (
            quoted_until(after(msg, b"Set hostname to <")?, b'>')?,
            "boot",
        )
    };
    if new.is_empty() || new == "n/a" {
        return None;
    }
    Some(
        Payload::new(Kind::HostnameChanged)
            .with("new", new)
            .with("source", source),
    )
}

/// A change of the envelope's host field within one stream (`old` to `new`): the
/// scan sees it across lines, this says what it is. Fields of `host.hostname_changed`:
/// `old`, `new`, `from` (`hostname field`).
pub fn host_field_change(old: &str, new: &str) -> Payload {
    Payload::new(Kind::HostnameChanged)
        .with("old", old)
        .with("new", new)
        .with("from", "hostname field")
}

fn quoted_until(rest: &[u8], close: u8) -> Option<String> {
    let end = rest.iter().position(|&b| b == close)?;
    let name = rest.get(..end)?;
    (find(name, b" ").is_none()).then(|| lossy(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hostnamed_and_pid1() {
        let p = hostname_changed(b"Changed host name to 'ip-10-0-0-1.ec2.internal'").unwrap();
        assert_eq!(p.fields["new"], json!("ip-10-0-0-1.ec2.internal"));
        assert_eq!(p.fields["source"], json!("transient"));
        let p = hostname_changed(b"Changed static host name to 'ip-10-0-0-1'").unwrap();
        assert_eq!(p.fields["source"], json!("static"));
        let p = hostname_changed(b"Hostname set to <node-1> (static)").unwrap();
        assert_eq!(p.fields["new"], json!("node-1"));
        let p = hostname_changed(b"Set hostname to <AMZ-IAD12-OpsResPool-001>.").unwrap();
        assert_eq!(p.fields["source"], json!("boot"));
        assert!(hostname_changed(b"Changed pretty host name to 'My Laptop'").is_none());
        assert!(hostname_changed(b"Changed host name to 'n/a'").is_none());
    }
}
