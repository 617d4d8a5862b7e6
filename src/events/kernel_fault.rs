//! Kernel faults and stalls that are reports of several lines: panics and oopses
//! (`kernel.panic`), RCU stalls (`kernel.rcu_stall`) and the 5.x+ task line of a
//! hung-task report (`task:NAME state:D stack:0 pid:N ppid:N flags:0x...`).
//!
//! Each line grammar returns one part; the [`Joiner`]s here say how the parts of
//! one report go together (see `kernel_report.rs`). Formats are from
//! `arch/x86/kernel/dumpstack.c` (`"%s: %04lx [#%d]%s%s%s%s%s\n"` — the oops
//! trailer), `arch/x86/mm/fault.c` (`BUG: unable to handle kernel %s at %p`, 5.x
//! `BUG: kernel NULL pointer dereference, address: %px`), `kernel/panic.c`
//! (`Kernel panic - not syncing: %s`), `kernel/rcu/tree_stall.h` and `sched/core.c`
//! `sched_show_task` (`task:%-15.15s state:%c stack:%-5lu pid:%-5d ppid:%-6d flags:0x%08lx`).

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_until, take_while, take_while1};
use nom::character::complete::char;
use nom::combinator::{map, opt, rest, value};
use nom::sequence::{delimited, preceded, terminated};

use super::kernel_report::Join;
use super::text::{PResult, anchor, dec_i64, dec_u64, find, lossy, run_grammar, trim};
use super::{Kind, Payload};

// ---------------------------------------------------------------------------
// kernel.panic
// ---------------------------------------------------------------------------

/// One line of a panic / oops / BUG report.
///
/// Fields of `kernel.panic`: `type` (`panic` for `Kernel panic - not syncing`, `bug`
/// for `BUG: ...` and `kernel BUG at ...`, `gpf` for a general protection fault,
/// `fault` for ARM's `Unable to handle kernel ...`, `oops` when only the `Oops:`
/// trailer is seen), `reason` (the text after the prefix, e.g. `unable to handle
/// kernel NULL pointer dereference`), `address` (faulting address when printed),
/// `oops_count` (the `[#N]` of the trailer), `fatal` (`true` once `Kernel panic -
/// not syncing` is part of the report: the node stopped).
pub(crate) fn panic_line(msg: &[u8]) -> Option<Payload> {
    let part = run_grammar(msg, panic_part).ok()?;
    let mut p = Payload::new(Kind::KernelPanic)
        .with("type", part.kind)
        .with_opt("reason", part.reason.map(|r| lossy(trim(r))))
        .with_opt("address", part.address.map(lossy))
        .with_opt("oops_count", part.oops_count);
    if part.kind == "panic" {
        p = p.with("fatal", true);
    }
    Some(p)
}

/// What one panic-report line says.
#[derive(Debug, Clone, PartialEq)]
struct PanicPart<'a> {
    kind: &'static str,
    reason: Option<&'a [u8]>,
    address: Option<&'a [u8]>,
    oops_count: Option<u64>,
}

/// Any of the panic-report lines.
fn panic_part(input: &[u8]) -> PResult<'_, PanicPart<'_>> {
    alt((
        not_syncing,
        bug_line,
        kernel_bug_at,
        arm_fault,
        oops_trailer,
    ))
    .parse(input)
}

/// `Kernel panic - not syncing: Fatal exception` (`kernel/panic.c`).
fn not_syncing(input: &[u8]) -> PResult<'_, PanicPart<'_>> {
    map(
        preceded(anchor("Kernel panic - not syncing"), rest),
        |r: &[u8]| PanicPart {
            kind: "panic",
            reason: Some(r.strip_prefix(b":").unwrap_or(r)),
            address: None,
            oops_count: None,
        },
    )
    .parse(input)
}

/// Stamps and blanks a kernel line may still carry before its text (`[  488.02] `,
/// a caller id `[ T12]`), consumed so `BUG: ` can be required at the start: prose
/// that merely quotes `BUG:` mid-sentence is not a kernel report.
fn leading_stamps(input: &[u8]) -> PResult<'_, ()> {
    let mut input = input.trim_ascii_start();
    while let Some(rest) = input.strip_prefix(b"[") {
        let Some(end) = rest.iter().position(|&b| b == b']') else {
            break;
        };
        input = rest.get(end + 1..).unwrap_or_default().trim_ascii_start();
    }
    Ok((input, ()))
}

/// `BUG: unable to handle kernel NULL pointer dereference at 0000000000000078`,
/// `BUG: unable to handle kernel paging request at ffff88007bd671c0`, 5.x
/// `BUG: kernel NULL pointer dereference, address: 0000000000000078` and
/// `BUG: unable to handle page fault for address: ...`, and every other `BUG:`
/// report except the soft lockup (its own kind, `kernel.soft_lockup`).
/// The text after a `kernel:` tag that precedes `at` (`input` up to its anchor): a
/// line the envelope could not split (`2016-07-31 ... kern.alert kernel: BUG: ...`)
/// keeps its prefix in the message.
fn after_kernel_tag(input: &[u8]) -> &[u8] {
    match super::text::rfind(input, b"kernel:") {
        Some(at) => input.get(at + 7..).unwrap_or_default(),
        None => input,
    }
}

fn bug_line(input: &[u8]) -> PResult<'_, PanicPart<'_>> {
    let input = match (super::text::rfind(input, b"kernel:"), find(input, b"BUG: ")) {
        (Some(tag), Some(bug)) if bug > tag => after_kernel_tag(input),
        _ => input,
    };
    let (input, _) = leading_stamps(input)?;
    let (text, _) = tag("BUG: ").parse(input)?;
    if text.starts_with(b"soft lockup") {
        return super::text::fail(text, "a BUG other than a soft lockup");
    }
    let (reason, address) = split_address(text);
    Ok((
        &[],
        PanicPart {
            kind: "bug",
            reason: Some(reason),
            address,
            oops_count: None,
        },
    ))
}

/// `kernel BUG at mm/slub.c:3878!` (`BUG()` / `BUG_ON()`; the oops trailer follows).
fn kernel_bug_at(input: &[u8]) -> PResult<'_, PanicPart<'_>> {
    map(
        preceded(anchor("kernel BUG at "), take_till(|b| b == b'!')),
        |at: &[u8]| PanicPart {
            kind: "bug",
            reason: Some(at),
            address: None,
            oops_count: None,
        },
    )
    .parse(input)
}

/// ARM/arm64 `Unable to handle kernel NULL pointer dereference at virtual address 00000000`.
fn arm_fault(input: &[u8]) -> PResult<'_, PanicPart<'_>> {
    let (text, _) = anchor("Unable to handle kernel ").parse(input)?;
    let (reason, address) = split_address(text);
    Ok((
        &[],
        PanicPart {
            kind: "fault",
            reason: Some(reason),
            address,
            oops_count: None,
        },
    ))
}

/// The oops trailer `"%s: %04lx [#%d]"`: `Oops: 0000 [#1] SMP`, `general protection
/// fault: 0000 [#1] SMP NOPTI`, 5.x `general protection fault, probably for
/// non-canonical address 0xdead...: 0000 [#1] PREEMPT SMP NOPTI`, `invalid opcode:
/// 0000 [#1] SMP`, `divide error: 0000 [#1] SMP`, arm64 `Internal error: Oops:
/// 96000004 [#1] PREEMPT SMP`. The `[#N]` is required: `traps: java[12] general
/// protection fault ip:...` is a user-space crash, not a kernel one.
fn oops_trailer(input: &[u8]) -> PResult<'_, PanicPart<'_>> {
    let (after, before) = take_until(" [#").parse(input)?;
    let (_, count) = delimited(tag(" [#"), dec_u64, char(']')).parse(after)?;
    // `before` ends with `<what>: <hex code>`.
    let colon = super::text::rfind(before, b": ").ok_or(nom::Err::Error(super::text::Fail {
        input,
        expected: Some("`: <code>`"),
    }))?;
    let code = before.get(colon + 2..).unwrap_or_default();
    if code.is_empty() || !code.iter().all(u8::is_ascii_hexdigit) {
        return super::text::fail(input, "a hex error code before `[#N]`");
    }
    let what = before.get(..colon).unwrap_or_default();
    let what = after_kernel_tag(what);
    let (what, _) = leading_stamps(what)?;
    let what = what.strip_prefix(b"Internal error: ").unwrap_or(what);
    let (kind, reason) = if find(what, b"general protection fault").is_some() {
        ("gpf", what)
    } else if what.starts_with(b"Oops") {
        // 6.10+: `Oops: general protection fault, ...: 0000 [#1]`.
        let inner = what.strip_prefix(b"Oops: ").unwrap_or_default();
        if find(inner, b"general protection fault").is_some() {
            ("gpf", inner)
        } else {
            ("oops", inner)
        }
    } else if [
        &b"invalid opcode"[..],
        b"divide error",
        b"stack segment",
        b"double fault",
    ]
    .iter()
    .any(|w| what.ends_with(w))
    {
        ("oops", what)
    } else {
        return super::text::fail(input, "an oops trailer");
    };
    let (reason, address) = split_address(reason);
    Ok((
        &[],
        PanicPart {
            kind,
            reason: (!reason.is_empty()).then_some(reason),
            address,
            oops_count: Some(count),
        },
    ))
}

/// `<reason> at <addr>`, `<reason>, address: <addr>`, `<reason> for address: <addr>`,
/// `<reason> for non-canonical address <addr>` → (reason, address).
fn split_address(text: &[u8]) -> (&[u8], Option<&[u8]>) {
    for sep in [
        &b", address: "[..],
        b" for address: ",
        b" for non-canonical address ",
        b" at virtual address ",
        b" at ",
    ] {
        if let Some(at) = super::text::rfind(text, sep) {
            let addr = super::text::token(text.get(at + sep.len()..).unwrap_or_default()).0;
            let is_addr = !addr.is_empty()
                && addr.iter().all(|b| {
                    b.is_ascii_hexdigit() || matches!(b, b'x' | b'(' | b')' | b'n' | b'u' | b'l')
                });
            if is_addr {
                return (text.get(..at).unwrap_or(text), Some(addr));
            }
        }
    }
    (text.trim_ascii_end(), None)
}

/// `CPU: 2 PID: 7140 Comm: runc:[2:INIT] Tainted: G           O      4.19.81-` (or `Not
/// tainted`; 6.x adds `UID: N` before `PID:`): which task the report interrupted. A
/// detail of the open report only: every warn_alloc, OOM and hung-task dump prints it too.
///
/// Adds to `kernel.panic`: `process`, `pid`, `cpu`, `tainted` (`false` for `Not tainted`).
pub(crate) fn comm_line(msg: &[u8]) -> Option<Payload> {
    let rest = after_kernel_tag(msg);
    let (rest, _) = leading_stamps(rest).ok()?;
    let rest = rest.strip_prefix(b"CPU: ")?;
    let (cpu, rest) = super::text::uint(rest)?;
    let pid_at = find(rest, b"PID: ")?;
    let (pid, rest) = super::text::uint(rest.get(pid_at + 5..)?)?;
    let comm = rest.strip_prefix(b" Comm: ")?;
    let (end, tainted) = match (find(comm, b" Not tainted"), find(comm, b" Tainted: ")) {
        (Some(n), _) => (n, false),
        (None, Some(t)) => (t, true),
        (None, None) => return None,
    };
    Some(
        Payload::new(Kind::KernelPanic)
            .with("process", lossy(trim(comm.get(..end)?)))
            .with("pid", pid)
            .with("cpu", cpu)
            .with("tainted", tainted),
    )
}

/// Lines between a report's header and its `CPU: ... Comm:` line.
const COMM_AFTER_HEADER_LINES: u64 = 12;

/// Lines after which a `Kernel panic - not syncing` still ends the same oops: the
/// register dump, module list and call trace in between are 40–150 lines.
const PANIC_AFTER_OOPS_LINES: u64 = 300;
/// Lines between a `BUG:` header and its `Oops:` trailer (`#PF:` lines, page tables).
const OOPS_AFTER_HEADER_LINES: u64 = 30;

/// How panic parts join: a header (`BUG:`, GPF, ARM fault) starts a report; the
/// `Oops:` trailer joins the header before it; `Kernel panic - not syncing` ends
/// the oops before it (`Fatal exception`) or stands alone (`hung_task: blocked
/// tasks`, `Out of memory and no killable processes`).
pub(crate) fn join_panic(held: Option<&Payload>, next: &Payload, gap: u64) -> Join {
    let is_detail = !next.fields.contains_key("type");
    let Some(held) = held else {
        return if is_detail { Join::Drop } else { Join::Start };
    };
    if is_detail {
        let fresh = gap <= COMM_AFTER_HEADER_LINES && !held.fields.contains_key("process");
        return if fresh { Join::Merge } else { Join::Drop };
    }
    let held_fatal = held.fields.get("fatal").and_then(|v| v.as_bool()) == Some(true);
    let held_count = held.fields.get("oops_count").and_then(|v| v.as_u64());
    match next.str_field("type") {
        Some("panic") if !held_fatal && gap <= PANIC_AFTER_OOPS_LINES => Join::Merge,
        Some("oops") => {
            let next_count = next.fields.get("oops_count").and_then(|v| v.as_u64());
            let same_oops = held_count.is_none() || held_count == next_count;
            if !held_fatal && same_oops && gap <= OOPS_AFTER_HEADER_LINES {
                Join::Merge
            } else {
                Join::Start
            }
        }
        _ => Join::Start,
    }
}

// ---------------------------------------------------------------------------
// kernel.rcu_stall
// ---------------------------------------------------------------------------

/// One line of an RCU CPU stall warning (`kernel/rcu/tree_stall.h`, `tree.c` before 4.19):
/// the header `INFO: rcu_sched detected stalls on CPUs/tasks:` (5.x with the
/// `rcu: ` prefix, sometimes `self-detected stall on CPU`, 3.x `detected stall on
/// CPU 3 (t=...)`), a per-CPU line `\t1-...!: (0 ticks this GP) idle=...` or
/// `0-...: (1 GPs behind) idle=...`, the `(detected by 2, t=8043 jiffies, ...)` /
/// `\t(t=21000 jiffies g=...)` line and `rcu_sched kthread starved for N jiffies!`.
///
/// Fields of `kernel.rcu_stall`: `flavor` (`rcu_sched`, `rcu_preempt`, `rcu_bh`,
/// `rcu_tasks`...), `detection` (`self` when the stalled CPU reported itself,
/// `other` when another CPU did; both lines of one stall give one event),
/// `cpus` (stalled CPU numbers), `detected_by` (CPU), `jiffies` (stall length so far),
/// `kthread_starved_jiffies` (the grace-period kthread did not run: often the real cause).
pub(crate) fn rcu_stall_line(msg: &[u8]) -> Option<Payload> {
    let part = run_grammar(msg, rcu_part).ok()?;
    let p = Payload::new(Kind::RcuStall);
    Some(match part {
        RcuPart::Header { flavor, detection } => {
            p.with("flavor", lossy(flavor)).with("detection", detection)
        }
        RcuPart::Cpu(cpu) => p.with("cpus", vec![cpu]),
        RcuPart::DetectedBy { cpu, jiffies } => {
            p.with_opt("detected_by", cpu).with("jiffies", jiffies)
        }
        RcuPart::Starved { flavor, jiffies } => p
            .with("flavor", lossy(flavor))
            .with("kthread_starved_jiffies", jiffies),
    })
}

/// What one RCU stall line says.
#[derive(Debug, Clone, PartialEq)]
enum RcuPart<'a> {
    Header {
        flavor: &'a [u8],
        detection: &'static str,
    },
    Cpu(i64),
    DetectedBy {
        cpu: Option<u64>,
        jiffies: u64,
    },
    Starved {
        flavor: &'a [u8],
        jiffies: u64,
    },
}

fn rcu_part(input: &[u8]) -> PResult<'_, RcuPart<'_>> {
    alt((rcu_header, rcu_detected_by, rcu_starved, rcu_cpu)).parse(input)
}

/// `rcu_sched`, `rcu_preempt`, `rcu_bh`, `rcu_tasks`, 3.x `rcu_sched_state`.
fn rcu_flavor(input: &[u8]) -> PResult<'_, &[u8]> {
    take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'_').parse(input)
}

/// `INFO: rcu_sched detected stalls on CPUs/tasks:` / `... self-detected stall on CPU`.
fn rcu_header(input: &[u8]) -> PResult<'_, RcuPart<'_>> {
    let (input, _) = anchor("INFO: rcu").parse(input)?;
    let (input, tail) = take_while(|b: u8| b.is_ascii_alphanumeric() || b == b'_').parse(input)?;
    let (input, detection) = preceded(
        char(' '),
        alt((
            value("self", tag("self-detected stall")),
            value("other", tag("detected stall")),
        )),
    )
    .parse(input)?;
    Ok((
        input,
        RcuPart::Header {
            flavor: rcu_name(tail),
            detection,
        },
    ))
}

/// `_sched` → `rcu_sched` (the anchor consumed `rcu`); the name is a known set, so a
/// static string keeps the field free of line bytes.
fn rcu_name(tail: &[u8]) -> &'static [u8] {
    match tail {
        b"_sched" => b"rcu_sched",
        b"_preempt" => b"rcu_preempt",
        b"_bh" => b"rcu_bh",
        b"_tasks" => b"rcu_tasks",
        b"_sched_state" => b"rcu_sched",
        b"_preempt_state" => b"rcu_preempt",
        b"_bh_state" => b"rcu_bh",
        _ => b"rcu",
    }
}

/// `(detected by 2, t=8043 jiffies, g=..., q=4790)` or the self-detected
/// `\t(t=21000 jiffies g=... q=...)`.
fn rcu_detected_by(input: &[u8]) -> PResult<'_, RcuPart<'_>> {
    let (input, _) = preceded(take_until("("), char('(')).parse(input)?;
    let (input, cpu) = opt(delimited(tag("detected by "), dec_u64, tag(", "))).parse(input)?;
    let (input, jiffies) = delimited(tag("t="), dec_u64, tag(" jiffies")).parse(input)?;
    Ok((input, RcuPart::DetectedBy { cpu, jiffies }))
}

/// `rcu_sched kthread starved for 38227 jiffies! g-1127 f0x0 RCU_GP_WAIT_FQS(5) ...`
/// (5.x prints it with the `rcu: ` prefix).
fn rcu_starved(input: &[u8]) -> PResult<'_, RcuPart<'_>> {
    let (after, before) = take_until(" kthread starved for ").parse(input)?;
    let flavor = before
        .rsplit(|b| b.is_ascii_whitespace())
        .next()
        .unwrap_or_default();
    let (_, flavor) = preceded(tag("rcu"), rcu_flavor).parse(flavor)?;
    let (rest, jiffies) =
        delimited(tag(" kthread starved for "), dec_u64, tag(" jiffies")).parse(after)?;
    Ok((
        rest,
        RcuPart::Starved {
            flavor: rcu_name(flavor),
            jiffies,
        },
    ))
}

/// A stalled-CPU line: `\t1-...!: (0 ticks this GP) idle=cf8/0/0x0 ...` or
/// `        0-...: (1 GPs behind) idle=fcd/...`, possibly after `rcu: `.
fn rcu_cpu(input: &[u8]) -> PResult<'_, RcuPart<'_>> {
    let (input, _) = opt(tag("rcu:")).parse(input.trim_ascii_start())?;
    let (input, cpu) =
        preceded(take_while(|b: u8| b.is_ascii_whitespace()), dec_i64).parse(input)?;
    let (input, _) = terminated(
        preceded(char('-'), take_while(|b: u8| b != b':' && b != b' ')),
        tag(": ("),
    )
    .parse(input)?;
    let (input, _) = (dec_u64, alt((tag(" ticks this GP)"), tag(" GPs behind)")))).parse(input)?;
    Ok((input, RcuPart::Cpu(cpu)))
}

/// Lines between two headers of one stall (`self-detected` then `detected`), and
/// between a header and its detail lines.
const RCU_HEADER_GAP: u64 = 3;
const RCU_DETAIL_GAP: u64 = 40;

/// How RCU stall parts join: a header right after another (the `self-detected`
/// and `detected` lines of one stall) merges, a header later starts a new stall
/// (the kernel repeats the warning every ~60 s while the stall lasts: each
/// repetition is an occurrence); detail lines join the open stall or are dropped.
pub(crate) fn join_rcu(held: Option<&Payload>, next: &Payload, gap: u64) -> Join {
    let is_header = next.fields.contains_key("detection");
    match (held, is_header) {
        (Some(_), true) if gap <= RCU_HEADER_GAP => Join::Merge,
        (_, true) => Join::Start,
        (Some(_), false) if gap <= RCU_DETAIL_GAP => Join::Merge,
        _ => Join::Drop,
    }
}

// ---------------------------------------------------------------------------
// kernel.hung_task: the 5.x+ task line
// ---------------------------------------------------------------------------

/// The task line `sched_show_task` prints after a hung-task header on 5.x+ kernels:
/// `task:runc:[2:INIT]   state:D stack:    0 pid:1987683 ppid:1987654 flags:0x00004006`
/// (6.x adds `tgid:N` before `ppid:`). The comm may hold spaces, `:` and brackets,
/// so it runs to the last ` state:`.
///
/// Adds to `kernel.hung_task`: `process`, `pid`, `state` (`D` for a hung task),
/// `ppid`, `flags`. Alone (a sysrq-w or RCU task dump) it is not a hang: see [`join_hung`].
pub(crate) fn task_line(msg: &[u8]) -> Option<Payload> {
    let t = run_grammar(msg, task_state_line).ok()?;
    Some(
        Payload::new(Kind::HungTask)
            .with("process", lossy(t.comm))
            .with("pid", t.pid)
            .with("state", lossy(t.state))
            .with_opt("ppid", t.ppid)
            .with_opt("flags", t.flags.map(lossy)),
    )
}

/// One `task:` line.
#[derive(Debug, Clone, PartialEq)]
struct TaskState<'a> {
    comm: &'a [u8],
    state: &'a [u8],
    pid: u64,
    ppid: Option<u64>,
    flags: Option<&'a [u8]>,
}

/// `key:<blanks>value` as printed with `%-5lu` padding.
fn padded<'a>(
    key: &'static str,
) -> impl Parser<&'a [u8], Output = u64, Error = super::text::Fail<'a>> {
    preceded(
        (
            take_while(|b: u8| b == b' '),
            tag(key),
            take_while(|b: u8| b == b' '),
        ),
        dec_u64,
    )
}

fn task_state_line(input: &[u8]) -> PResult<'_, TaskState<'_>> {
    let (input, _) = anchor("task:").parse(input)?;
    let at = super::text::rfind(input, b" state:").ok_or(nom::Err::Error(super::text::Fail {
        input,
        expected: Some("` state:`"),
    }))?;
    let comm = trim(input.get(..at).unwrap_or_default());
    let (input, state) = preceded(tag(" state:"), take_while1(|b: u8| b.is_ascii_alphabetic()))
        .parse(input.get(at..).unwrap_or_default())?;
    let (input, _) = opt(padded("stack:")).parse(input)?;
    let (input, pid) = padded("pid:").parse(input)?;
    let (input, _) = opt(padded("tgid:")).parse(input)?;
    let (input, ppid) = opt(padded("ppid:")).parse(input)?;
    let (input, flags) = opt(preceded(
        (take_while(|b: u8| b == b' '), tag("flags:")),
        take_while1(|b: u8| b.is_ascii_alphanumeric()),
    ))
    .parse(input)?;
    Ok((
        input,
        TaskState {
            comm,
            state,
            pid,
            ppid,
            flags,
        },
    ))
}

/// Lines between `INFO: task X:PID blocked ...` and its `task:` line (the
/// `Not tainted` and `echo 0 > ...` lines come between).
const TASK_LINE_GAP: u64 = 5;

/// How hung-task parts join: the `INFO: task ... blocked` header starts a report;
/// a `task:` line joins it when it names the same pid a few lines later, and is
/// dropped otherwise (sysrq-w and RCU stall task dumps print the same line).
pub(crate) fn join_hung(held: Option<&Payload>, next: &Payload, gap: u64) -> Join {
    let is_task_line = next.fields.contains_key("state");
    if !is_task_line {
        return Join::Start;
    }
    match held {
        Some(h) if gap <= TASK_LINE_GAP && h.fields.get("pid") == next.fields.get("pid") => {
            Join::Merge
        }
        _ => Join::Drop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Lines below are copied from ../shared/corpus/k8s-node-real (file named per test).

    #[test]
    fn oops_headers_and_trailers() {
        // H-k8s-45368 (3.16), H-docker-for-mac-87 (4.4)
        let p = panic_line(
            b"BUG: unable to handle kernel NULL pointer dereference at 0000000000000078",
        )
        .unwrap();
        assert_eq!(p.fields["type"], json!("bug"));
        assert_eq!(
            p.fields["reason"],
            json!("unable to handle kernel NULL pointer dereference")
        );
        assert_eq!(p.fields["address"], json!("0000000000000078"));
        let p =
            panic_line(b"BUG: unable to handle kernel paging request at ffff88007bd671c0").unwrap();
        assert_eq!(
            p.fields["reason"],
            json!("unable to handle kernel paging request")
        );
        let p = panic_line(b"Oops: 0011 [#1] SMP").unwrap();
        assert_eq!(p.fields["type"], json!("oops"));
        assert_eq!(p.fields["oops_count"], json!(1));
        // H-k8s-50695: trailing space kept
        assert_eq!(
            panic_line(b"Oops: 0000 [#1] SMP ").unwrap().fields["oops_count"],
            json!(1)
        );
        // 5.x form (kernel arch/x86/mm/fault.c show_fault_oops)
        let p =
            panic_line(b"BUG: kernel NULL pointer dereference, address: 0000000000000078").unwrap();
        assert_eq!(p.fields["address"], json!("0000000000000078"));
        assert_eq!(p.fields["reason"], json!("kernel NULL pointer dereference"));
    }

    #[test]
    fn general_protection_faults() {
        // H-k8s-116382 (4.19)
        let p = panic_line(b"general protection fault: 0000 [#1] SMP NOPTI").unwrap();
        assert_eq!(p.fields["type"], json!("gpf"));
        assert_eq!(p.fields["oops_count"], json!(1));
        // 5.x non-canonical form
        let p = panic_line(b"general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] SMP PTI").unwrap();
        assert_eq!(p.fields["type"], json!("gpf"));
        assert_eq!(p.fields["address"], json!("0xdead000000000122"));
        // A user-space GPF is not a kernel fault.
        assert!(panic_line(b"traps: java[31201] general protection fault ip:7f2c1b2d0d1e sp:7f2bf57fa0c0 error:0 in libjvm.so[7f2c1a6b6000+1000000]").is_none());
    }

    #[test]
    fn panics_bugs_and_lookalikes() {
        let p = panic_line(b"Kernel panic - not syncing: Fatal exception").unwrap();
        assert_eq!(p.fields["type"], json!("panic"));
        assert_eq!(p.fields["reason"], json!("Fatal exception"));
        assert_eq!(p.fields["fatal"], json!(true));
        let p = panic_line(b"kernel BUG at mm/slub.c:3878!").unwrap();
        assert_eq!(p.fields["reason"], json!("mm/slub.c:3878"));
        assert_eq!(
            panic_line(b"invalid opcode: 0000 [#1] SMP PTI")
                .unwrap()
                .fields["type"],
            json!("oops")
        );
        assert!(
            panic_line(b"NMI watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [containerd:913]")
                .is_none()
        );
        assert!(panic_line(b"found a BUG: in the parser").is_none());
        assert!(panic_line(b"Oops: something went wrong").is_none());
    }

    #[test]
    fn panic_parts_join_into_one_report() {
        let bug = panic_line(
            b"BUG: unable to handle kernel NULL pointer dereference at 0000000000000078",
        )
        .unwrap();
        let oops = panic_line(b"Oops: 0000 [#1] SMP").unwrap();
        let fatal = panic_line(b"Kernel panic - not syncing: Fatal exception").unwrap();
        assert_eq!(join_panic(None, &bug, 0), Join::Start);
        assert_eq!(join_panic(Some(&bug), &oops, 3), Join::Merge);
        assert_eq!(join_panic(Some(&bug), &fatal, 80), Join::Merge);
        assert_eq!(join_panic(Some(&bug), &bug, 80), Join::Start);
        let second = panic_line(b"Oops: 0000 [#2] SMP").unwrap();
        let held = oops.clone().with("oops_count", 1);
        assert_eq!(join_panic(Some(&held), &second, 5), Join::Start);
    }

    #[test]
    fn comm_line_names_the_task() {
        // H-k8s-116382 (grep -n prefix and syslog envelope left out by the scanner)
        let p =
            comm_line(b"CPU: 2 PID: 7140 Comm: runc:[2:INIT] Tainted: G           O      4.19.81-")
                .unwrap();
        assert_eq!(p.fields["process"], json!("runc:[2:INIT]"));
        assert_eq!(p.fields["pid"], json!(7140));
        assert_eq!(p.fields["tainted"], json!(true));
        // D-k3s-12028 (6.14: UID before PID, comm with a space)
        let p = comm_line(b"CPU: 5 UID: 1000 PID: 38055 Comm: StreamTrans #72 Not tainted 6.14.0-4-cachyos #1 016ff1edc592562531da7158aff85145022cf30c").unwrap();
        assert_eq!(p.fields["process"], json!("StreamTrans #72"));
        assert_eq!(p.fields["tainted"], json!(false));
        let gpf = panic_line(b"general protection fault: 0000 [#1] SMP NOPTI").unwrap();
        assert_eq!(join_panic(Some(&gpf), &p, 1), Join::Merge);
        assert_eq!(
            join_panic(None, &p, 1),
            Join::Drop,
            "an OOM or warn_alloc dump alone"
        );
        assert_eq!(join_panic(Some(&gpf), &p, 40), Join::Drop);
    }

    #[test]
    fn rcu_stall_lines() {
        // H-moby-34293 (4.x, no rcu: prefix)
        let p = rcu_stall_line(b"INFO: rcu_sched self-detected stall on CPU").unwrap();
        assert_eq!(p.fields["flavor"], json!("rcu_sched"));
        assert_eq!(p.fields["detection"], json!("self"));
        let p = rcu_stall_line(b"INFO: rcu_sched detected stalls on CPUs/tasks:").unwrap();
        assert_eq!(p.fields["detection"], json!("other"));
        let p = rcu_stall_line(b"        0-...: (1 GPs behind) idle=fcd/140000000000001/0 softirq=392901330/392901331 fqs=0").unwrap();
        assert_eq!(p.fields["cpus"], json!([0]));
        let p = rcu_stall_line(
            b"        (detected by 2, t=8043 jiffies, g=269718727, c=269718726, q=4790)",
        )
        .unwrap();
        assert_eq!(p.fields["detected_by"], json!(2));
        assert_eq!(p.fields["jiffies"], json!(8043));
        // H-tetragon-328 (5.x, rcu: prefix and tabs)
        let p = rcu_stall_line(b"rcu: INFO: rcu_sched detected stalls on CPUs/tasks:").unwrap();
        assert_eq!(p.fields["flavor"], json!("rcu_sched"));
        let p =
            rcu_stall_line(b"rcu: \t1-...!: (0 ticks this GP) idle=cf8/0/0x0 softirq=20/20 fqs=0 ")
                .unwrap();
        assert_eq!(p.fields["cpus"], json!([1]));
        let p = rcu_stall_line(b"\t(detected by 0, t=38227 jiffies, g=-1127, q=10)").unwrap();
        assert_eq!(p.fields["jiffies"], json!(38227));
        let p = rcu_stall_line(b"rcu: rcu_sched kthread starved for 38227 jiffies! g-1127 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402 ->cpu=1").unwrap();
        assert_eq!(p.fields["kthread_starved_jiffies"], json!(38227));
        assert_eq!(p.fields["flavor"], json!("rcu_sched"));
        // Boot-time RCU configuration lines are not stalls.
        assert!(rcu_stall_line(b"rcu: Hierarchical RCU implementation.").is_none());
        assert!(
            rcu_stall_line(b"rcu: \tRCU restricting CPUs from NR_CPUS=8192 to nr_cpu_ids=2.")
                .is_none()
        );
    }

    #[test]
    fn rcu_parts_join() {
        let selfd = rcu_stall_line(b"INFO: rcu_sched self-detected stall on CPU").unwrap();
        let other = rcu_stall_line(b"INFO: rcu_sched detected stalls on CPUs/tasks:").unwrap();
        let cpu = rcu_stall_line(b"        0-...: (1 GPs behind) idle=fcd/1/0 softirq=1/1 fqs=0")
            .unwrap();
        assert_eq!(join_rcu(None, &selfd, 0), Join::Start);
        assert_eq!(join_rcu(Some(&selfd), &other, 1), Join::Merge);
        assert_eq!(join_rcu(Some(&selfd), &cpu, 2), Join::Merge);
        assert_eq!(join_rcu(Some(&selfd), &other, 20), Join::Start);
        assert_eq!(join_rcu(None, &cpu, 0), Join::Drop);
    }

    #[test]
    fn hung_task_state_line() {
        // H-sysbox-771 (5.15-azure)
        let p = task_line(
            b"task:runc:[2:INIT]   state:D stack:    0 pid:1987683 ppid:1987654 flags:0x00004006",
        )
        .unwrap();
        assert_eq!(p.fields["process"], json!("runc:[2:INIT]"));
        assert_eq!(p.fields["state"], json!("D"));
        assert_eq!(p.fields["pid"], json!(1987683));
        assert_eq!(p.fields["ppid"], json!(1987654));
        assert_eq!(p.fields["flags"], json!("0x00004006"));
        // 6.x adds tgid
        let p = task_line(b"task:kworker/u8:2    state:D stack:0     pid:1234  tgid:1234  ppid:2      flags:0x00004000").unwrap();
        assert_eq!(p.fields["ppid"], json!(2));
        // 4.x register dump line `task: ffff...` is not a task-state line
        assert!(
            task_line(b"task: ffff88007bd671c0 ti: ffff88007210c000 task.ti: ffff88007210c000")
                .is_none()
        );
        let header = super::super::kernel_misc::hung_task(
            b"INFO: task runc:[2:INIT]:1987683 blocked for more than 120 seconds.",
        )
        .unwrap();
        assert_eq!(join_hung(Some(&header), &p, 3), Join::Drop, "other pid");
        let same = task_line(
            b"task:runc:[2:INIT]   state:D stack:    0 pid:1987683 ppid:1987654 flags:0x00004006",
        )
        .unwrap();
        assert_eq!(join_hung(Some(&header), &same, 3), Join::Merge);
        assert_eq!(join_hung(None, &same, 3), Join::Drop);
    }
}
