//! systemd's own reports that matter on a node: userspace OOM kills by
//! systemd-oomd (`systemd.oomd_kill`) and logind announcing a reboot or power-off
//! (`node.reboot` with an `action`).
//!
//! Formats: `src/oom/oomd-util.c` / `oomd-manager.c` (`Killed %s due to memory
//! pressure for %s being %lu.%02lu%% > %lu.%02lu%% for > %s with reclaim activity`,
//! `Killed %s due to memory used (%s) / total (%s) and swap used (%s) / total (%s)
//! being more than %lu.%02lu%%`), PID 1's unit notice `%s: systemd-oomd killed %u
//! process(es) in this unit.`, and `src/login/logind-dbus.c` (`System is rebooting.`,
//! `System is powering down.`, `System is halting.`).

use super::kernel_report::Join;
use super::text::{after, find, lossy, token, trim, uint};
use super::{Kind, Payload};

/// A systemd-oomd kill, from systemd-oomd's `Killed <cgroup> due to ...` line or
/// PID 1's `<unit>: systemd-oomd killed N process(es) in this unit.` — both lines of
/// one kill give one event (see [`join_oomd`]). Not a kernel OOM kill: the kernel
/// never ran out of memory, oomd acted on pressure or swap use first.
///
/// Fields of `systemd.oomd_kill`: `cgroup` (path), `unit` (last path component or
/// the unit PID 1 names), `reason` (`memory pressure` | `swap`), `pressure_percent`
/// and `limit_percent` (pressure kills), `processes` (PID 1's count).
pub(crate) fn oomd_kill(msg: &[u8]) -> Option<Payload> {
    if let Some(at) = find(msg, b": systemd-oomd killed ") {
        let head = trim(msg.get(..at)?);
        let unit = token(head.rsplit(|b| b.is_ascii_whitespace()).next()?).0;
        let (n, _) = uint(msg.get(at + 22..)?)?;
        return Some(
            Payload::new(Kind::OomdKill)
                .with("unit", lossy(unit))
                .with("processes", n),
        );
    }
    let rest = after(msg, b"Killed /")?;
    let end = find(rest, b" due to ")?;
    let cgroup = format!("/{}", lossy(rest.get(..end)?));
    let why = rest.get(end + 8..)?;
    let unit = cgroup.rsplit('/').next().unwrap_or_default().to_string();
    let mut p = Payload::new(Kind::OomdKill)
        .with("cgroup", cgroup)
        .with("unit", unit);
    if why.starts_with(b"memory pressure") {
        let percents = after(why, b" being ")
            .map(percent_pair)
            .unwrap_or((None, None));
        p = p
            .with("reason", "memory pressure")
            .with_opt("pressure_percent", percents.0)
            .with_opt("limit_percent", percents.1);
    } else if why.starts_with(b"memory used") {
        let limit = after(why, b"being more than ").and_then(|r| percent(r).map(|(v, _)| v));
        p = p.with("reason", "swap").with_opt("limit_percent", limit);
    } else {
        return None;
    }
    Some(p)
}

/// `51.07% > 50.00%` → (51.07, 50.0).
fn percent_pair(s: &[u8]) -> (Option<f64>, Option<f64>) {
    let Some((a, rest)) = percent(s) else {
        return (None, None);
    };
    let b = rest.strip_prefix(b" > ").and_then(percent).map(|(v, _)| v);
    (Some(a), b)
}

/// `51.07%` → 51.07 and the rest after `%`.
fn percent(s: &[u8]) -> Option<(f64, &[u8])> {
    let end = s.iter().position(|&b| b == b'%')?;
    let v: f64 = std::str::from_utf8(s.get(..end)?).ok()?.parse().ok()?;
    Some((v, s.get(end + 1..)?))
}

/// Lines between oomd's `Killed ...` and PID 1's notice about the same unit.
const OOMD_NOTICE_GAP: u64 = 5;

/// oomd's line and PID 1's notice for the same unit, close together, are one kill.
pub(crate) fn join_oomd(held: Option<&Payload>, next: &Payload, gap: u64) -> Join {
    match held {
        Some(h) if gap <= OOMD_NOTICE_GAP && h.fields.get("unit") == next.fields.get("unit") => {
            Join::Merge
        }
        _ => Join::Start,
    }
}

/// logind's `System is rebooting.` / `System is powering down.` / `System is halting.`
/// (a shutdown someone asked for). Fields of this `node.reboot`: `action`
/// (`reboot`, `poweroff`, `halt`, `kexec`), `announced_by` (`systemd-logind`).
pub(crate) fn logind_shutdown(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"System is ")?;
    let action = [
        (&b"rebooting with kexec."[..], "kexec"),
        (b"rebooting.", "reboot"),
        (b"powering down.", "poweroff"),
        (b"halting.", "halt"),
    ]
    .iter()
    .find(|(w, _)| rest.starts_with(w))?
    .1;
    Some(
        Payload::new(Kind::NodeReboot)
            .with("action", action)
            .with("announced_by", "systemd-logind"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn oomd_kill_lines() {
        // D-systemd-23606
        let p = oomd_kill(b"Killed /user.slice/user-1001.slice/user@1001.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-dbb4a75e-031f-480d-924b-5de5af7579d2.scope due to memory pressure for /user.slice/user-1001.slice/user@1001.service being 51.07% > 50.00% for > 20s with reclaim activity").unwrap();
        assert_eq!(
            p.fields["unit"],
            json!("vte-spawn-dbb4a75e-031f-480d-924b-5de5af7579d2.scope")
        );
        assert_eq!(p.fields["reason"], json!("memory pressure"));
        assert_eq!(p.fields["pressure_percent"], json!(51.07));
        assert_eq!(p.fields["limit_percent"], json!(50.0));
        let notice = oomd_kill(b"vte-spawn-dbb4a75e-031f-480d-924b-5de5af7579d2.scope: systemd-oomd killed 12 process(es) in this unit.").unwrap();
        assert_eq!(notice.fields["processes"], json!(12));
        assert_eq!(join_oomd(Some(&p), &notice, 1), Join::Merge);
        // D-copr-2393
        let p =
            oomd_kill(b"copr-dist-git.service: systemd-oomd killed 1 process(es) in this unit.")
                .unwrap();
        assert_eq!(p.fields["unit"], json!("copr-dist-git.service"));
        assert_eq!(join_oomd(Some(&notice), &p, 1), Join::Start);
        let p = oomd_kill(b"Killed /system.slice/build.service due to memory used (15.2G) / total (15.5G) and swap used (3.9G) / total (4.0G) being more than 90.00%").unwrap();
        assert_eq!(p.fields["reason"], json!("swap"));
        assert_eq!(p.fields["limit_percent"], json!(90.0));
        // The kernel's OOM line is not an oomd kill.
        assert!(
            oomd_kill(b"Out of memory: Killed process 12345 (java) total-vm:8123456kB").is_none()
        );
    }

    #[test]
    fn logind_announcements() {
        // H-rook-1018
        let p = logind_shutdown(b"System is rebooting.").unwrap();
        assert_eq!(p.fields["action"], json!("reboot"));
        assert_eq!(
            logind_shutdown(b"System is powering down.").unwrap().fields["action"],
            json!("poweroff")
        );
        assert!(logind_shutdown(b"System is tainted: cgroupsv1").is_none());
    }
}
