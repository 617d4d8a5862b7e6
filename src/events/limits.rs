//! Per-user kernel limits that surface as misleading errno texts: inotify watches and
//! instances (`no space left on device` / `too many open files` from inotify calls)
//! and the PID / thread limit (`resource temporarily unavailable` from fork/clone).
//!
//! Both are recognised from any program: kubelet, cAdvisor, containerd, dockerd and the
//! workloads all hit the same limits, and the message says which call failed.

use super::text::{after, find, lossy, token};
use super::{Kind, Payload};

/// inotify limits: `inotify_add_watch /sys/fs/cgroup/cpuset: no space left on device`
/// (cAdvisor, the watch limit `fs.inotify.max_user_watches`), `inotify_init: too many
/// open files` and `failed to create fsnotify watcher: too many open files` (the
/// instance limit `fs.inotify.max_user_instances`), `inotify watch limit reached`
/// (tail -f, systemd).
///
/// Fields of `net.inotify_exhausted`: `call` (`inotify_add_watch`, `inotify_init`,
/// `fsnotify`), `limit` (`max_user_watches` or `max_user_instances`), `path` (the
/// watched path, for `inotify_add_watch`), `component` (added by the extractor).
pub(crate) fn inotify_exhausted(msg: &[u8]) -> Option<Payload> {
    let enospc = find(msg, b"no space left on device")
        .or_else(|| find(msg, b"No space left on device"))
        .or_else(|| find(msg, b"watch limit reached"));
    let emfile = find(msg, b"too many open files").or_else(|| find(msg, b"Too many open files"));
    let (call, limit, path) = if let Some(rest) = after(msg, b"inotify_add_watch") {
        enospc?;
        let path = token(rest.strip_prefix(b"(").unwrap_or(rest)).0;
        let path = path.strip_suffix(b":").unwrap_or(path);
        let path = (path.first() == Some(&b'/')).then(|| lossy(path));
        ("inotify_add_watch", "max_user_watches", path)
    } else if find(msg, b"inotify watch limit reached").is_some() {
        ("inotify_add_watch", "max_user_watches", None)
    } else if find(msg, b"inotify_init").is_some() {
        emfile?;
        ("inotify_init", "max_user_instances", None)
    } else if find(msg, b"fsnotify watcher").is_some() {
        match (emfile, enospc) {
            (Some(_), _) => ("fsnotify", "max_user_instances", None),
            (None, Some(_)) => ("fsnotify", "max_user_watches", None),
            (None, None) => return None,
        }
    } else {
        return None;
    };
    Some(
        Payload::new(Kind::InotifyExhausted)
            .with("call", call)
            .with("limit", limit)
            .with_opt("path", path),
    )
}

/// fork/clone/thread creation failing with EAGAIN: `fork/exec /usr/bin/nice: resource
/// temporarily unavailable` (Go `os/exec`), `fork: Resource temporarily unavailable`
/// and `fork: retry: Resource temporarily unavailable` (bash), `pthread_create failed:
/// Resource temporarily unavailable` (runc/C), `runtime: failed to create new OS thread
/// (have 12 already; errno=11)` (the Go runtime, before it aborts).
///
/// Fields of `net.pid_exhausted`: `call` (`fork/exec`, `fork`, `pthread_create`,
/// `clone`, `thread`), `command` (the program `fork/exec` tried to start),
/// `component` (added by the extractor).
pub(crate) fn pid_exhausted(msg: &[u8]) -> Option<Payload> {
    if let Some(rest) = after(msg, b"failed to create new OS thread") {
        let eagain = find(rest, b"errno=11").is_some()
            || find(rest, b"resource temporarily unavailable").is_some();
        return eagain.then(|| Payload::new(Kind::PidExhausted).with("call", "thread"));
    }
    let eagain = find(msg, b"resource temporarily unavailable")
        .or_else(|| find(msg, b"Resource temporarily unavailable"))?;
    let head = msg.get(..eagain)?;
    if let Some(rest) = after(head, b"fork/exec ") {
        let command = token(rest).0;
        let command = command.strip_suffix(b":").unwrap_or(command);
        return Some(
            Payload::new(Kind::PidExhausted)
                .with("call", "fork/exec")
                .with_opt("command", (!command.is_empty()).then(|| lossy(command))),
        );
    }
    let call = ["pthread_create", "clone", "fork"]
        .into_iter()
        .find(|call| find(head, call.as_bytes()).is_some())?;
    Some(Payload::new(Kind::PidExhausted).with("call", call))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inotify_watch_limit_from_cadvisor() {
        // source: google/cadvisor#2533 (corpus C-cadvisor-2533)
        let p = inotify_exhausted(b"Failed to start container manager: inotify_add_watch /sys/fs/cgroup/cpu,cpuacct: no space left on device").unwrap();
        assert_eq!(p.fields["call"], json!("inotify_add_watch"));
        assert_eq!(p.fields["limit"], json!("max_user_watches"));
        assert_eq!(p.fields["path"], json!("/sys/fs/cgroup/cpu,cpuacct"));
    }

    #[test]
    fn inotify_instance_limit() {
        // source: kubernetes/kubernetes#58081 (corpus C-k8s-58081)
        let p = inotify_exhausted(b"Failed to start cAdvisor inotify_init: too many open files")
            .unwrap();
        assert_eq!(p.fields["limit"], json!("max_user_instances"));
        let p =
            inotify_exhausted(b"failed to create fsnotify watcher: too many open files").unwrap();
        assert_eq!(p.fields["call"], json!("fsnotify"));
        // an inotify call that did not fail on a limit
        assert!(inotify_exhausted(b"inotify_add_watch /var/log/x: permission denied").is_none());
        assert!(inotify_exhausted(b"Using inotify_init for config reloads").is_none());
    }

    #[test]
    fn fork_exec_eagain() {
        // source: kubernetes/kubernetes#79466 (corpus K-k8s-79466)
        let p = pid_exhausted(b"failed to collect filesystem stats - rootDiskErr: failed to exec du - fork/exec /usr/bin/nice: resource temporarily unavailable, rootInodeErr: failed").unwrap();
        assert_eq!(p.fields["call"], json!("fork/exec"));
        assert_eq!(p.fields["command"], json!("/usr/bin/nice"));
        // source: awslabs/amazon-eks-ami#1548 (corpus K-amazon-eks-ami-1548)
        let p = pid_exhausted(b"MountVolume.SetUp failed for volume \"lakefs\" : mount failed: fork/exec /usr/bin/mount: resource temporarily unavailable").unwrap();
        assert_eq!(p.fields["command"], json!("/usr/bin/mount"));
    }

    #[test]
    fn thread_and_shell_forms() {
        let p =
            pid_exhausted(b"runtime: failed to create new OS thread (have 8 already; errno=11)")
                .unwrap();
        assert_eq!(p.fields["call"], json!("thread"));
        let p = pid_exhausted(b"-bash: fork: retry: Resource temporarily unavailable").unwrap();
        assert_eq!(p.fields["call"], json!("fork"));
        let p = pid_exhausted(
            b"runc create failed: pthread_create failed: Resource temporarily unavailable",
        )
        .unwrap();
        assert_eq!(p.fields["call"], json!("pthread_create"));
        // EAGAIN from a read or a lock is not the PID limit
        assert!(pid_exhausted(b"read /dev/kmsg: resource temporarily unavailable").is_none());
    }
}
