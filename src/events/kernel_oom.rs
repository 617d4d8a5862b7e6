//! OOM killer messages from `mm/oom_kill.c` / `mm/memcontrol.c`, and the
//! assembler that turns one kill into exactly one `kernel.oom_kill` event.
//!
//! A single kill is printed as up to four lines across kernel versions:
//! `X invoked oom-killer: ...` (context), `Task in A killed as a result of limit of B`
//! (memcg context, ≤4.20), `oom-kill:constraint=...` (≥5.0), `...: Kill process N (x)
//! score S or sacrifice child` (≤5.0) and `[...: ]Killed process N (x) total-vm:...`.
//! [`OomAssembler`] merges them so a "Kill process" + "Killed process" pair is counted once.

use super::block::Block;
use super::text::{after, find, lossy, token, trim, uint, uint_after};
use super::{Fields, Found, Kind, Payload, Value};

/// Which OOM line a partial payload came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum OomPart {
    /// `X invoked oom-killer: gfp_mask=..., order=N, ...`
    Invoked,
    /// `Task in A killed as a result of limit of B` / `Memory limit reached of cgroup B`
    TaskIn,
    /// `oom-kill:constraint=...` one-line summary (≥5.0)
    Summary,
    /// `Out of memory: Kill process N (x) score S or sacrifice child` (victim selected)
    Select,
    /// `Killed process N (x) total-vm:...` (the kill itself; always last)
    Killed,
    /// `Tasks in /kubepods/... are going to be killed due to memory.oom.group set`
    Group,
    /// `memory: usage 524288kB, limit 524288kB, failcnt 123` (memcg OOM)
    Usage,
}

/// `Out of memory` → global, `Memory cgroup out of memory` → memcg.
fn scope_of(prefix: &[u8]) -> Option<&'static str> {
    if find(prefix, b"Memory cgroup out of memory").is_some() {
        Some("memcg")
    } else if find(prefix, b"Out of memory").is_some() {
        Some("global")
    } else {
        None
    }
}

/// `N (comm)` → pid, comm, rest after `)`. comm may hold spaces or parentheses, so
/// the closing parenthesis is searched from `close_hint` onwards.
fn pid_comm<'a>(rest: &'a [u8], close_hint: &[u8]) -> Option<(u64, String, &'a [u8])> {
    let (pid, rest) = uint(rest)?;
    let rest = rest.strip_prefix(b" (")?;
    let close = find(rest, close_hint)?;
    Some((
        pid,
        lossy(rest.get(..close)?),
        rest.get(close + close_hint.len()..)?,
    ))
}

/// `Out of memory: Kill process 12345 (java) score 873 or sacrifice child`.
///
/// Fields of `kernel.oom_kill` (after assembly): `pid`, `process`, `score` (badness of
/// the selected task), `scope` (`global` | `memcg`, when the line says), and from the
/// other lines of the same kill: `total_vm_kb`, `anon_rss_kb`, `file_rss_kb`,
/// `shmem_rss_kb`, `uid`, `oom_score_adj`, `constraint`, `memcg`, `task_memcg`,
/// `cpuset`, `trigger` (the task that invoked the killer), `trigger_order`,
/// `selected_pid`/`selected_process` (when a child was sacrificed instead).
pub(crate) fn kill_process(msg: &[u8]) -> Option<Payload> {
    (!relayed_by_npd(msg)).then_some(())?;
    let at = find(msg, b"Kill process ")?;
    let (pid, process, rest) = pid_comm(msg.get(at + 13..)?, b") score ")?;
    let (score, rest) = uint(rest)?;
    rest.starts_with(b" or sacrifice child").then_some(())?;
    Some(
        Payload::new(Kind::OomKill)
            .with("pid", pid)
            .with("process", process)
            .with("score", score)
            .with_opt("scope", scope_of(msg.get(..at)?)),
    )
}

/// `[Memory cgroup out of memory: ]Killed process 12345 (java) total-vm:8123456kB,
/// anon-rss:7000000kB, file-rss:1234kB[, shmem-rss:0kB][, UID:1000 pgtables:2048kB
/// oom_score_adj:937]`. Fields as on [`kill_process`].
pub(crate) fn killed_process(msg: &[u8]) -> Option<Payload> {
    (!relayed_by_npd(msg)).then_some(())?;
    let at = find(msg, b"Killed process ")?;
    let (pid, process, rest) =
        pid_comm(msg.get(at + 15..)?, b") ").or_else(|| pid_comm(msg.get(at + 15..)?, b")"))?;
    let kb = |key: &[u8]| uint_after(rest, key);
    let adj = after(rest, b"oom_score_adj:").and_then(|r| super::text::int(r).map(|(n, _)| n));
    Some(
        Payload::new(Kind::OomKill)
            .with("pid", pid)
            .with("process", process)
            .with_opt("scope", scope_of(msg.get(..at)?))
            .with_opt("total_vm_kb", kb(b"total-vm:"))
            .with_opt("anon_rss_kb", kb(b"anon-rss:"))
            .with_opt("file_rss_kb", kb(b"file-rss:"))
            .with_opt("shmem_rss_kb", kb(b"shmem-rss:"))
            .with_opt("uid", kb(b"UID:"))
            .with_opt("oom_score_adj", adj),
    )
}

/// `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=x,mems_allowed=0,
/// oom_memcg=/kubepods/...,task_memcg=/kubepods/.../c,task=java,pid=12345,uid=1000`.
pub(crate) fn summary(msg: &[u8]) -> Option<Payload> {
    let rest = trim(after(msg, b"oom-kill:")?);
    let mut p = Payload::new(Kind::OomKill);
    for pair in rest.split(|&b| b == b',') {
        if pair == b"global_oom" {
            p = p.with("scope", "global");
            continue;
        }
        let Some(eq) = pair.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (key, value) = (pair.get(..eq)?, lossy(pair.get(eq + 1..)?));
        p = match key {
            b"constraint" => p.with("constraint", value),
            b"cpuset" => p.with("cpuset", value),
            b"oom_memcg" => p.with("memcg", value).with("scope", "memcg"),
            b"task_memcg" => p.with("task_memcg", value),
            b"task" => p.with("process", value),
            b"pid" => p.with_opt("pid", value.parse::<u64>().ok()),
            b"uid" => p.with_opt("uid", value.parse::<u64>().ok()),
            _ => p,
        };
    }
    p.fields.contains_key("pid").then_some(p)
}

/// `Task in /kubepods/pod1/c1 killed as a result of limit of /kubepods/pod1` (≤4.20)
/// or `Memory limit reached of cgroup /kubepods/pod1`: the memcg of the next kill.
pub(crate) fn task_in(msg: &[u8]) -> Option<Payload> {
    if let Some(rest) = after(msg, b"Memory limit reached of cgroup ") {
        let memcg = token(rest).0;
        return Some(
            Payload::new(Kind::OomKill)
                .with("memcg", lossy(memcg))
                .with("scope", "memcg"),
        );
    }
    let rest = after(msg, b"Task in ")?;
    let mid = find(rest, b" killed as a result of limit of ")?;
    let task = rest.get(..mid)?;
    let memcg = trim(rest.get(mid + 32..)?);
    Some(
        Payload::new(Kind::OomKill)
            .with("task_memcg", lossy(task))
            .with("memcg", lossy(memcg))
            .with("scope", "memcg"),
    )
}

/// `Tasks in /kubepods/burstable/pod1 are going to be killed due to memory.oom.group set`
/// (`mm/memcontrol.c` `mem_cgroup_print_oom_group`, 4.19+): every task of the cgroup is
/// killed, one `Killed process` line each; each is one `kernel.oom_kill` event with
/// `oom_group` = `true` and `group_memcg` the cgroup.
pub(crate) fn group(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"Tasks in ")?;
    let end = find(rest, b" are going to be killed due to memory.oom.group set")?;
    Some(
        Payload::new(Kind::OomKill)
            .with("oom_group", true)
            .with("group_memcg", lossy(rest.get(..end)?)),
    )
}

/// `Memory cgroup stats for /kubepods/burstable/pod1/c1:` (`mem_cgroup_print_oom_meminfo`),
/// the header of the per-line statistics (`anon 524288000`, `file 0`... on cgroup v2):
/// the cgroup whose limit was hit (`memcg`) when no summary line names it.
pub(crate) fn stats_header(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"Memory cgroup stats for ")?;
    let path = token(rest).0;
    let path = path.strip_suffix(b":").unwrap_or(path);
    path.starts_with(b"/").then(|| {
        Payload::new(Kind::OomKill)
            .with("memcg", lossy(path))
            .with("scope", "memcg")
    })
}

/// `memory: usage 524288kB, limit 524288kB, failcnt 123`: the memcg's usage and limit
/// at the kill (`memcg_usage_kb`, `memcg_limit_kb`).
pub(crate) fn usage(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"memory: usage ")?;
    let (used, rest) = uint(rest)?;
    let limit = uint_after(rest, b"limit ")?;
    Some(
        Payload::new(Kind::OomKill)
            .with("memcg_usage_kb", used)
            .with("memcg_limit_kb", limit),
    )
}

/// node-problem-detector's own log repeats each kernel kill it saw
/// (`New status generated: &{Source:kernel-monitor ... Message:Killed process ...`).
/// NPD reads the kernel log of the same node, so the kill is already counted there:
/// its echo is not another kill.
fn relayed_by_npd(msg: &[u8]) -> bool {
    find(msg, b"Source:kernel-monitor").is_some()
        || find(msg, b"\"source\":\"kernel-monitor\"").is_some()
}

/// `java invoked oom-killer: gfp_mask=0x24201ca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0`.
pub(crate) fn invoked(msg: &[u8]) -> Option<Payload> {
    let at = find(msg, b" invoked oom-killer: ")?;
    let who = msg.get(..at)?;
    // The comm is the last word before the anchor (a header may precede it).
    let start = who
        .iter()
        .rposition(|b| b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let trigger = who.get(start..)?;
    (!trigger.is_empty()).then_some(())?;
    let rest = msg.get(at..)?;
    Some(
        Payload::new(Kind::OomKill)
            .with("trigger", lossy(trigger))
            .with_opt("trigger_order", uint_after(rest, b"order=")),
    )
}

/// Lines a kill's context stays valid for (task tables between context and kill are long).
const CONTEXT_LINES: u64 = 5000;
/// Unrelated lines tolerated between a selection and its `Killed process` line.
const MAX_UNRELATED: u32 = 3;

/// The context lines of one OOM report (`invoked oom-killer`, memcg lines).
struct Context {
    /// The first context line, cited when no kill line follows.
    block: Block,
    fields: Fields,
    /// Whether a kill took the context (otherwise the report is emitted on its own).
    used: bool,
}

/// Merges the lines of one OOM kill into one event.
#[derive(Default)]
pub(crate) struct OomAssembler {
    context: Option<Context>,
    pending: Option<(Block, Payload, OomPart)>,
    unrelated: u32,
    /// The last kill: its line, pid and the context it inherited. A
    /// `memory.oom.group` line after it starts a group that kills that victim again
    /// (`oom_kill_memcg_member` walks the whole cgroup): that pid must count once.
    last_kill: Option<(u64, Option<Value>, Fields)>,
    /// Pids already killed by the open `memory.oom.group` report.
    group_killed: Vec<Value>,
}

/// Lines between a kill and the `memory.oom.group` line that extends it to its cgroup.
const GROUP_AFTER_KILL_LINES: u64 = 5;

impl OomAssembler {
    /// Take one recognised OOM line.
    pub(crate) fn accept(&mut self, part: OomPart, line: Block, p: Payload, out: &mut Vec<Found>) {
        self.unrelated = 0;
        let at = line.first_line();
        match part {
            OomPart::Invoked => {
                self.flush(out);
                self.close_context(out);
                self.context = Some(Context {
                    block: line,
                    fields: p.fields,
                    used: false,
                });
            }
            OomPart::Group => {
                self.flush(out);
                let mut fields = Fields::new();
                self.group_killed.clear();
                if let Some((line, pid, inherited)) = self.last_kill.take()
                    && at.saturating_sub(line) <= GROUP_AFTER_KILL_LINES
                {
                    fields = inherited;
                    self.group_killed.extend(pid);
                }
                fields.extend(p.fields);
                match self.context.as_mut() {
                    Some(ctx) => ctx.fields.extend(fields),
                    None => {
                        self.context = Some(Context {
                            block: line,
                            fields,
                            used: true,
                        })
                    }
                }
            }
            // 4.x prints the stats of every cgroup under the limit holder: the first
            // one (the limit holder) is kept.
            OomPart::Usage => {
                if let Some(ctx) = self.context.as_mut() {
                    for (k, v) in p.fields {
                        ctx.fields.insert_missing(k, v);
                    }
                }
            }
            OomPart::TaskIn => match self.context.as_mut() {
                Some(ctx) => ctx.fields.extend(p.fields),
                None => {
                    self.context = Some(Context {
                        block: line,
                        fields: p.fields,
                        used: false,
                    })
                }
            },
            OomPart::Summary | OomPart::Select | OomPart::Killed => {
                let pid = p.fields.get("pid").cloned();
                let merges = match &self.pending {
                    Some((_, held, held_part)) => {
                        held.fields.get("pid") == pid.as_ref()
                            || (*held_part == OomPart::Select && part == OomPart::Killed)
                    }
                    None => false,
                };
                let in_group = self
                    .context
                    .as_ref()
                    .is_some_and(|c| c.fields.contains_key("oom_group"));
                if !merges && in_group && part == OomPart::Killed {
                    // One pid counted once per group kill.
                    if let Some(pid) = &pid {
                        if self.group_killed.contains(pid) {
                            return;
                        }
                        self.group_killed.push(pid.clone());
                    }
                }
                if !merges {
                    self.flush(out);
                    let mut payload = p;
                    let inherited = self.context_for(at);
                    for (k, v) in inherited.clone() {
                        payload.fields.insert_missing(k, v);
                    }
                    self.last_kill = Some((at, pid.clone(), inherited));
                    self.pending = Some((line, payload, part));
                } else if let Some((block, held, held_part)) = self.pending.as_mut() {
                    block.extend(&line);
                    if part == OomPart::Killed && held.fields.get("pid") != pid.as_ref() {
                        // "or sacrifice child": the child named here is the real victim.
                        if let Some(sel) = held.fields.remove("pid") {
                            held.fields.insert("selected_pid", sel);
                        }
                        if let Some(sel) = held.fields.remove("process") {
                            held.fields.insert("selected_process", sel);
                        }
                    }
                    held.fields.extend(p.fields);
                    *held_part = part;
                }
                if part == OomPart::Killed {
                    self.flush(out);
                }
            }
        }
    }

    /// The context fields a kill at line `at` inherits. A `memory.oom.group` report
    /// kills several tasks under one context, so it stays for the next kill; any
    /// other context belongs to one kill only.
    fn context_for(&mut self, at: u64) -> Fields {
        let Some(ctx) = self.context.as_mut() else {
            return Fields::new();
        };
        if at.saturating_sub(ctx.block.first_line()) > CONTEXT_LINES {
            self.context = None;
            return Fields::new();
        }
        ctx.used = true;
        let fields = ctx.fields.clone();
        if !fields.contains_key("oom_group") {
            self.context = None;
        }
        fields
    }

    /// A report whose kill line never came (cut by the source, or nothing could be
    /// killed) is still one OOM event: emit its context on its own.
    fn close_context(&mut self, out: &mut Vec<Found>) {
        if let Some(ctx) = self.context.take()
            && !ctx.used
        {
            let mut payload = Payload::new(Kind::OomKill);
            payload.fields = ctx.fields;
            out.push(ctx.block.found(payload));
        }
    }

    /// Count a line that was not part of the kill; give up waiting after a few.
    pub(crate) fn unrelated(&mut self, out: &mut Vec<Found>) {
        if self.pending.is_some() {
            self.unrelated += 1;
            if self.unrelated > MAX_UNRELATED {
                self.flush(out);
            }
        }
    }

    /// Whether a kill is waiting for its `Killed process` line.
    pub(crate) fn is_open(&self) -> bool {
        self.pending.is_some()
    }

    /// Emit the pending kill, if any.
    pub(crate) fn flush(&mut self, out: &mut Vec<Found>) {
        if let Some((block, payload, _)) = self.pending.take() {
            // What a following `memory.oom.group` kill shares with this one.
            if let Some((_, _, shared)) = self.last_kill.as_mut() {
                for key in ["memcg", "constraint", "scope", "cpuset", "trigger"] {
                    if let Some(v) = payload.fields.get(key) {
                        shared.insert_missing(key, v.clone());
                    }
                }
            }
            out.push(block.found(payload));
        }
        self.unrelated = 0;
    }

    /// End of the source: emit the pending kill and a report left without a kill.
    pub(crate) fn finish(&mut self, out: &mut Vec<Found>) {
        self.flush(out);
        self.close_context(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kill_process_old_global_and_memcg() {
        let p =
            kill_process(b"Out of memory: Kill process 12345 (java) score 873 or sacrifice child")
                .unwrap();
        assert_eq!(p.fields["pid"], json!(12345));
        assert_eq!(p.fields["process"], json!("java"));
        assert_eq!(p.fields["score"], json!(873));
        assert_eq!(p.fields["scope"], json!("global"));
        let p = kill_process(
            b"Memory cgroup out of memory: Kill process 4242 (kube proxy) score 1000 or sacrifice child",
        )
        .unwrap();
        assert_eq!(p.fields["scope"], json!("memcg"));
        assert_eq!(p.fields["process"], json!("kube proxy"));
    }

    #[test]
    fn killed_process_old_and_new() {
        let p = killed_process(b"Killed process 12345 (java) total-vm:8123456kB, anon-rss:7000000kB, file-rss:1234kB, shmem-rss:0kB").unwrap();
        assert_eq!(p.fields["anon_rss_kb"], json!(7000000));
        assert!(!p.fields.contains_key("scope"));
        let p = killed_process(b"Memory cgroup out of memory: Killed process 12345 (java) total-vm:8123456kB, anon-rss:524288kB, file-rss:1234kB, shmem-rss:0kB, UID:1000 pgtables:2048kB oom_score_adj:937").unwrap();
        assert_eq!(p.fields["scope"], json!("memcg"));
        assert_eq!(p.fields["uid"], json!(1000));
        assert_eq!(p.fields["oom_score_adj"], json!(937));
        // 2.6-era form without sizes
        let p = killed_process(b"Out of memory: Killed process 2406 (httpd).").unwrap();
        assert_eq!(p.fields["process"], json!("httpd"));
    }

    #[test]
    fn summary_line() {
        let p = summary(b"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=0b3c1d2e4f,mems_allowed=0,oom_memcg=/kubepods/burstable/pod5f8ffd48-e9fe-4273-9937-1e4e6788e437,task_memcg=/kubepods/burstable/pod5f8ffd48-e9fe-4273-9937-1e4e6788e437/0b3c1d2e4f,task=java,pid=12345,uid=1000").unwrap();
        assert_eq!(p.fields["constraint"], json!("CONSTRAINT_MEMCG"));
        assert_eq!(p.fields["scope"], json!("memcg"));
        assert_eq!(p.fields["pid"], json!(12345));
        assert_eq!(
            p.fields["memcg"],
            json!("/kubepods/burstable/pod5f8ffd48-e9fe-4273-9937-1e4e6788e437")
        );
        let g = summary(b"oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=stress,pid=77,uid=0").unwrap();
        assert_eq!(g.fields["scope"], json!("global"));
    }

    #[test]
    fn context_lines() {
        let t = task_in(b"Task in /kubepods/pod1/c1 killed as a result of limit of /kubepods/pod1")
            .unwrap();
        assert_eq!(t.fields["memcg"], json!("/kubepods/pod1"));
        assert_eq!(t.fields["task_memcg"], json!("/kubepods/pod1/c1"));
        let i = invoked(b"java invoked oom-killer: gfp_mask=0x24201ca, order=0, oom_score_adj=0")
            .unwrap();
        assert_eq!(i.fields["trigger"], json!("java"));
        assert_eq!(i.fields["trigger_order"], json!(0));
    }

    #[test]
    fn group_and_usage_lines() {
        // mm/memcontrol.c mem_cgroup_print_oom_group / mem_cgroup_print_oom_meminfo
        let g = group(b"Tasks in /kubepods/burstable/pod5f8ffd48 are going to be killed due to memory.oom.group set").unwrap();
        assert_eq!(
            g.fields["group_memcg"],
            json!("/kubepods/burstable/pod5f8ffd48")
        );
        assert_eq!(g.fields["oom_group"], json!(true));
        let u = usage(b"memory: usage 524288kB, limit 524288kB, failcnt 1337").unwrap();
        assert_eq!(u.fields["memcg_usage_kb"], json!(524288));
        assert_eq!(u.fields["memcg_limit_kb"], json!(524288));
        assert!(
            usage(b"memory+swap: usage 524288kB, limit 9007199254740988kB, failcnt 0").is_none()
        );
    }

    #[test]
    fn npd_echo_is_not_a_kill() {
        assert!(killed_process(b"I0719 10:01:02.123456 1 log_monitor.go:160] New status generated: &{Source:kernel-monitor Events:[{Severity:warn Timestamp:2019-07-19 10:01:01 +0000 UTC Reason:OOMKilling Message:Killed process 1234 (java) total-vm:1000kB, anon-rss:500kB, file-rss:0kB}] Conditions:[]}").is_none());
    }

    #[test]
    fn lookalikes_do_not_match() {
        assert!(
            killed_process(b"oom_reaper: reaped process 12345 (java), now anon-rss:0kB").is_none()
        );
        assert!(kill_process(b"Kill process 12 (x) please").is_none());
        assert!(summary(b"oom-kill:constraint=CONSTRAINT_NONE").is_none());
    }
}
