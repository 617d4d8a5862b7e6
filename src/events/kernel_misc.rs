//! Other kernel messages: page allocation failures, conntrack table full, hung
//! tasks, soft/hard lockups and the boot banner.

use super::kernel_slub::gfp_flag_names;
use super::text::{after, find, lossy, rfind, token, trim, uint, uint_after};
use super::{Kind, Payload};

/// `kworker/u16:2: page allocation failure: order:2, mode:0x2080020(GFP_ATOMIC)` (3.10
/// `mode:0x20`, 4.14+ `, nodemask=(null)`, 5.x `,cpuset=...,mems_allowed=0`).
///
/// Fields of `kernel.page_alloc_failure`: `process` (comm, may contain `:`), `order`,
/// `mode` (hex string), `gfp_flags` (list, 4.6+), `cpuset` (5.x same-line form).
pub(crate) fn page_alloc_failure(msg: &[u8]) -> Option<Payload> {
    let at = find(msg, b": page allocation failure: order:")?;
    let head = msg.get(..at)?;
    // The comm is the last word before the anchor; it may contain ':' and '/'.
    let start = head
        .iter()
        .rposition(|b| b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let process = head.get(start..)?;
    let rest = msg.get(at + 33..)?;
    let (order, rest) = uint(rest)?;
    let mode_all = after(rest, b"mode:")?;
    let end = mode_all
        .iter()
        .position(|b| matches!(b, b'(' | b',' | b' '))
        .unwrap_or(mode_all.len());
    let mode = mode_all.get(..end)?;
    let flags = mode_all
        .get(end..)
        .and_then(|f| f.strip_prefix(b"("))
        .and_then(|f| f.iter().position(|&b| b == b')').and_then(|e| f.get(..e)))
        .map(gfp_flag_names);
    let cpuset = after(rest, b",cpuset=").map(|c| {
        let e = c.iter().position(|&b| b == b',').unwrap_or(c.len());
        lossy(c.get(..e).unwrap_or(c))
    });
    Some(
        Payload::new(Kind::PageAllocFailure)
            .with_opt("process", (!process.is_empty()).then(|| lossy(process)))
            .with("order", order)
            .with("mode", lossy(mode))
            .with_opt("gfp_flags", flags)
            .with_opt("cpuset", cpuset),
    )
}

/// `nf_conntrack: table full, dropping packet` (≤4.4) or with the doubled prefix
/// `nf_conntrack: nf_conntrack: table full, dropping packet` (4.14+).
/// Fields of `kernel.conntrack_full`: `prefixes` (1 or 2, hints the kernel era).
pub(crate) fn conntrack_full(msg: &[u8]) -> Option<Payload> {
    let at = find(msg, b"nf_conntrack: table full, dropping packet")?;
    let head = msg.get(..at)?;
    let prefixes = if head.ends_with(b"nf_conntrack: ") {
        2
    } else {
        1
    };
    Some(Payload::new(Kind::ConntrackFull).with("prefixes", prefixes))
}

/// `INFO: task jbd2/xvda1-8:312 blocked for more than 120 seconds.`
/// Fields of `kernel.hung_task`: `process`, `pid` (after the last `:`), `seconds`.
pub(crate) fn hung_task(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"INFO: task ")?;
    let at = find(rest, b" blocked for more than ")?;
    let task = rest.get(..at)?;
    let colon = task.iter().rposition(|&b| b == b':')?;
    let (pid, tail) = uint(task.get(colon + 1..)?)?;
    tail.is_empty().then_some(())?;
    let seconds = uint_after(rest, b" blocked for more than ")?;
    Some(
        Payload::new(Kind::HungTask)
            .with("process", lossy(task.get(..colon)?))
            .with("pid", pid)
            .with("seconds", seconds),
    )
}

/// `[NMI ]watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [kworker/3:1:211]` (any of
/// the 3.10 / 4.4 / 4.14+ prefixes) and `Watchdog detected hard LOCKUP on cpu 5`.
/// Fields of `kernel.soft_lockup`: `lockup` (`soft`/`hard`), `cpu`, `seconds`,
/// `process`, `pid` (after the LAST `:` inside the brackets).
pub(crate) fn lockup(msg: &[u8]) -> Option<Payload> {
    if let Some(rest) = after(msg, b"Watchdog detected hard LOCKUP on cpu ") {
        let (cpu, _) = uint(rest)?;
        return Some(
            Payload::new(Kind::SoftLockup)
                .with("lockup", "hard")
                .with("cpu", cpu),
        );
    }
    let rest = after(msg, b"BUG: soft lockup - CPU#")?;
    let (cpu, rest) = uint(rest)?;
    let (seconds, rest) = uint(rest.strip_prefix(b" stuck for ")?)?;
    let task = after(rest, b"! [")?;
    let task = task.get(..rfind(task, b"]")?)?;
    let colon = task.iter().rposition(|&b| b == b':')?;
    let (pid, _) = uint(task.get(colon + 1..)?)?;
    Some(
        Payload::new(Kind::SoftLockup)
            .with("lockup", "soft")
            .with("cpu", cpu)
            .with("seconds", seconds)
            .with("process", lossy(task.get(..colon)?))
            .with("pid", pid),
    )
}

/// Boot banner `Linux version 4.15.0-1021-aws (buildd@lgw01-amd64-001) (gcc ...) #21-Ubuntu SMP ...`.
/// Fields of `kernel.version`: `release` (token after `Linux version `), `major`, `minor`.
pub(crate) fn version(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"Linux version ")?;
    let (release, tail) = token(rest);
    // The banner always continues with ` (user@host)`; prose mentioning a version does not.
    trim(tail).starts_with(b"(").then_some(())?;
    let (major, r) = uint(release)?;
    let (minor, _) = uint(r.strip_prefix(b".")?)?;
    Some(
        Payload::new(Kind::KernelVersion)
            .with("release", lossy(release))
            .with("major", major)
            .with("minor", minor),
    )
}

/// The `node.reboot` a boot banner (`kernel.version`) stands for: its `release`, and
/// `silence_s`, how long the node had been silent before it, when known. Fields of
/// `node.reboot` from a banner: `release`, `silence_s`.
pub fn reboot_of(banner: &super::Fields, silence_s: Option<i64>) -> Payload {
    let mut p = Payload::new(Kind::NodeReboot);
    if let Some(release) = banner.get("release") {
        p.fields.insert("release", release.clone());
    }
    p.with_opt("silence_s", silence_s.map(|s| s.max(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_alloc_versions() {
        let p = page_alloc_failure(
            b"kworker/u16:2: page allocation failure: order:2, mode:0x2080020(GFP_ATOMIC)",
        )
        .unwrap();
        assert_eq!(p.fields["process"], json!("kworker/u16:2"));
        assert_eq!(p.fields["order"], json!(2));
        assert_eq!(p.fields["mode"], json!("0x2080020"));
        assert_eq!(p.fields["gfp_flags"], json!(["GFP_ATOMIC"]));
        let p = page_alloc_failure(b"java: page allocation failure: order:0, mode:0x20").unwrap();
        assert_eq!(p.fields["mode"], json!("0x20"));
        assert!(!p.fields.contains_key("gfp_flags"));
        let p = page_alloc_failure(b"ActivityManager: page allocation failure: order:0, mode:0xc00(GFP_NOIO), nodemask=(null),cpuset=foreground,mems_allowed=0").unwrap();
        assert_eq!(p.fields["cpuset"], json!("foreground"));
        assert_eq!(p.fields["gfp_flags"], json!(["GFP_NOIO"]));
    }

    #[test]
    fn conntrack_prefixes() {
        assert_eq!(
            conntrack_full(b"nf_conntrack: table full, dropping packet")
                .unwrap()
                .fields["prefixes"],
            json!(1)
        );
        assert_eq!(
            conntrack_full(b"nf_conntrack: nf_conntrack: table full, dropping packet")
                .unwrap()
                .fields["prefixes"],
            json!(2)
        );
        assert!(conntrack_full(b"nf_conntrack: falling back to vmalloc.").is_none());
    }

    #[test]
    fn hung_tasks() {
        let p =
            hung_task(b"INFO: task jbd2/xvda1-8:312 blocked for more than 120 seconds.").unwrap();
        assert_eq!(p.fields["process"], json!("jbd2/xvda1-8"));
        assert_eq!(p.fields["pid"], json!(312));
        assert_eq!(p.fields["seconds"], json!(120));
        let p =
            hung_task(b"INFO: task kworker/3:1:211 blocked for more than 600 seconds.").unwrap();
        assert_eq!(p.fields["process"], json!("kworker/3:1"));
        assert!(hung_task(b"INFO: task list updated").is_none());
    }

    #[test]
    fn lockups_all_prefixes() {
        for line in [
            &b"BUG: soft lockup - CPU#3 stuck for 23s! [java:1234]"[..],
            b"NMI watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [java:1234]",
        ] {
            let p = lockup(line).unwrap();
            assert_eq!(p.fields["cpu"], json!(3));
            assert_eq!(p.fields["seconds"], json!(23));
            assert_eq!(p.fields["process"], json!("java"));
            assert_eq!(p.fields["pid"], json!(1234));
        }
        let p =
            lockup(b"watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:211]").unwrap();
        assert_eq!(p.fields["process"], json!("kworker/3:1"));
        assert_eq!(p.fields["pid"], json!(211));
        let p = lockup(b"NMI watchdog: Watchdog detected hard LOCKUP on cpu 5").unwrap();
        assert_eq!(p.fields["lockup"], json!("hard"));
        assert_eq!(p.fields["cpu"], json!(5));
    }

    #[test]
    fn banners() {
        let p = version(b"Linux version 4.15.0-1021-aws (buildd@lgw01-amd64-001) (gcc version 7.3.0 (Ubuntu 7.3.0-16ubuntu3)) #21-Ubuntu SMP Tue Aug 28 10:23:07 UTC 2018").unwrap();
        assert_eq!(p.fields["release"], json!("4.15.0-1021-aws"));
        assert_eq!(p.fields["major"], json!(4));
        assert_eq!(p.fields["minor"], json!(15));
        let p = version(b"Linux version 3.13.0-32-generic (buildd@kissel) (gcc version 4.8.2 (Ubuntu 4.8.2-19ubuntu1) ) #57-Ubuntu SMP Tue Jul 15 03:51:08 UTC 2014 (Ubuntu 3.13.0-32.57-generic 3.13.11.4)").unwrap();
        assert_eq!(p.fields["minor"], json!(13));
        assert!(version(b"Linux version is too old, please upgrade").is_none());
    }
}
