//! EMFILE / ENFILE from any program: Go renders them lower case (`too many open
//! files`, `too many open files in system`), C/glibc capitalised.

use super::text::{after, find, lossy, rfind, trim, uint};
use super::{Kind, Payload};

/// `accept tcp [::]:10250: accept4: too many open files` (also inside `http: Accept
/// error: ...; retrying in 5ms`), `dial tcp 10.96.0.1:443: socket: too many open files`,
/// `open /proc/12345/stat: too many open files`, `inotify_init: too many open files`,
/// `failed to create fsnotify watcher: too many open files`, C forms such as
/// `accept() failed (24: Too many open files)`.
///
/// Fields of `net.too_many_open_files`: `errno` (`EMFILE`, or `ENFILE` for "in
/// system"), `operation` (`accept4`, `socket`, `open`, `inotify_init`... when it can
/// be told), `path` (file operations), `http_accept_retry_ms` (net/http retry loop),
/// `component` (added by the extractor from the envelope's program).
pub(crate) fn too_many_open_files(msg: &[u8]) -> Option<Payload> {
    let at = find(msg, b"too many open files").or_else(|| find(msg, b"Too many open files"))?;
    let tail = msg.get(at + 19..)?;
    let errno = if tail.starts_with(b" in system") {
        "ENFILE"
    } else {
        "EMFILE"
    };
    let head = msg.get(..at)?;
    let (operation, path) = operation_of(head);
    let retry = after(msg, b"; retrying in ").and_then(|r| {
        let (n, unit) = uint(r)?;
        match unit {
            u if u.starts_with(b"ms") => Some(n),
            u if u.starts_with(b"s") => Some(n * 1000),
            _ => None,
        }
    });
    Some(
        Payload::new(Kind::TooManyOpenFiles)
            .with("errno", errno)
            .with_opt("operation", operation)
            .with_opt("path", path)
            .with_opt("http_accept_retry_ms", retry),
    )
}

/// The operation named just before the errno text: the segment after the previous
/// `: ` (Go `SyscallError`/`PathError`), or `name()` before ` failed (` (C).
fn operation_of(head: &[u8]) -> (Option<String>, Option<String>) {
    if find(head, b"inotify").is_some() || find(head, b"fsnotify").is_some() {
        return (Some("inotify_init".into()), None);
    }
    let head = head.strip_suffix(b": ").unwrap_or(head);
    if let Some(paren) = rfind(head, b"() failed (") {
        let start = head
            .get(..paren)
            .and_then(|h| {
                h.iter()
                    .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            })
            .map_or(0, |i| i + 1);
        return (head.get(start..paren).map(lossy), None);
    }
    let seg_start = rfind(head, b": ").map_or(0, |i| i + 2);
    let seg = trim(head.get(seg_start..).unwrap_or_default());
    let mut words = seg
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    let (Some(op), rest) = (words.next(), words.next()) else {
        return (None, None);
    };
    let ident = !op.is_empty()
        && op
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
    if !ident || words.next().is_some() {
        return (None, None);
    }
    match rest {
        Some(p) if p.starts_with(b"/") => (Some(lossy(op)), Some(lossy(p))),
        Some(_) => (None, None),
        None => (Some(lossy(op)), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_forms() {
        let p = too_many_open_files(b"http: Accept error: accept tcp [::]:10250: accept4: too many open files; retrying in 5ms").unwrap();
        assert_eq!(p.fields["operation"], json!("accept4"));
        assert_eq!(p.fields["errno"], json!("EMFILE"));
        assert_eq!(p.fields["http_accept_retry_ms"], json!(5));
        let p = too_many_open_files(b"Failed to list *v1.Pod: Get https://10.96.0.1:443/api/v1/pods: dial tcp 10.96.0.1:443: socket: too many open files").unwrap();
        assert_eq!(p.fields["operation"], json!("socket"));
        let p = too_many_open_files(b"open /proc/12345/stat: too many open files").unwrap();
        assert_eq!(p.fields["operation"], json!("open"));
        assert_eq!(p.fields["path"], json!("/proc/12345/stat"));
        let p =
            too_many_open_files(b"failed to create fsnotify watcher: too many open files").unwrap();
        assert_eq!(p.fields["operation"], json!("inotify_init"));
        let p = too_many_open_files(b"open /var/log/x: too many open files in system").unwrap();
        assert_eq!(p.fields["errno"], json!("ENFILE"));
    }

    #[test]
    fn c_forms() {
        let p = too_many_open_files(b"accept4() failed (24: Too many open files)").unwrap();
        assert_eq!(p.fields["operation"], json!("accept4"));
        let p = too_many_open_files(b"socket: Too many open files").unwrap();
        assert_eq!(p.fields["operation"], json!("socket"));
        let p = too_many_open_files(b"error: something odd happened: Too many open files").unwrap();
        assert!(!p.fields.contains_key("operation"));
        assert!(too_many_open_files(b"too many open connections").is_none());
    }
}
