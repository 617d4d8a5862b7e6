//! Call-trace lines of kernel reports, recognised so multi-line assemblers can skip
//! them: a SLUB block or an OOM report may have another CPU's stack dump printed in
//! the middle of it (printk from several CPUs interleaves), and such lines must not
//! close the block as "unrelated".
//!
//! Forms (`arch/x86/kernel/dumpstack.c`, `arch/arm/kernel/traps.c`):
//! 5.x+ `<TASK>` / `</TASK>` / `<IRQ>` markers and frames without address columns
//! (` ? do_pte_missing+0xde/0x12e0`, ` fuse_simple_request+0x1b5/0x360 [fuse]`), 4.x
//! frames with an address column (` [<ffffffff9901f859>] ? generic_update_time+0x79/0xd0`),
//! ARM's `[<c010ef68>] (unwind_backtrace) from [<c010ac14>] (show_stack+0x10/0x14)`, and
//! the `Call Trace:` / `Call trace:` heading.

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::combinator::{opt, value};
use nom::sequence::{delimited, preceded};

use super::text::PResult;

/// Whether `msg` is one line of a kernel call trace.
pub(crate) fn is_trace_line(msg: &[u8]) -> bool {
    let line = skip_stamps(msg).trim_ascii();
    trace_line(line).is_ok_and(|(rest, ())| rest.trim_ascii().is_empty() || rest.starts_with(b" ["))
}

/// An `[uptime]` or caller `[ T12]` left in the message.
fn skip_stamps(mut msg: &[u8]) -> &[u8] {
    loop {
        let trimmed = msg.trim_ascii_start();
        let is_stamp = trimmed.starts_with(b"[")
            && trimmed
                .get(1..)
                .and_then(|t| t.iter().position(|&b| b == b']').map(|e| (t, e)))
                .is_some_and(|(t, e)| {
                    t.get(..e).is_some_and(|s| {
                        s.iter()
                            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b' ' | b'T' | b'C'))
                    })
                });
        if !is_stamp {
            return trimmed;
        }
        let end = trimmed.iter().position(|&b| b == b']').unwrap_or(0);
        msg = trimmed.get(end + 1..).unwrap_or_default();
    }
}

fn trace_line(input: &[u8]) -> PResult<'_, ()> {
    alt((marker, heading, arm_frame, frame)).parse(input)
}

/// `<TASK>`, `</TASK>`, `<IRQ>`, `</IRQ>`, `<NMI>`, `</NMI>`, `<EOI>`.
fn marker(input: &[u8]) -> PResult<'_, ()> {
    value(
        (),
        delimited(
            tag("<"),
            preceded(
                opt(tag("/")),
                alt((tag("TASK"), tag("IRQ"), tag("NMI"), tag("EOI"))),
            ),
            tag(">"),
        ),
    )
    .parse(input)
}

/// `Call Trace:` (x86) / `Call trace:` (arm64).
fn heading(input: &[u8]) -> PResult<'_, ()> {
    value((), alt((tag("Call Trace:"), tag("Call trace:")))).parse(input)
}

/// `[<ffffffff9901f859>]` address column.
fn address(input: &[u8]) -> PResult<'_, &[u8]> {
    delimited(
        tag("[<"),
        take_while1(|b: u8| b.is_ascii_hexdigit()),
        tag(">]"),
    )
    .parse(input)
}

/// `generic_update_time+0x79/0xd0` (symbol, offset, size).
fn symbol_offset(input: &[u8]) -> PResult<'_, ()> {
    let (input, _) =
        take_while1(|b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'$'))
            .parse(input)?;
    let (input, _) = (
        tag("+0x"),
        take_while1(|b: u8| b.is_ascii_hexdigit()),
        tag("/0x"),
        take_while1(|b: u8| b.is_ascii_hexdigit()),
    )
        .parse(input)?;
    Ok((input, ()))
}

/// ` [<addr>] ? symbol+0x../0x..` (4.x) or ` ? symbol+0x../0x..` (5.x+).
fn frame(input: &[u8]) -> PResult<'_, ()> {
    let (input, _) = opt((address, tag(" "))).parse(input)?;
    let (input, _) = opt(tag("? ")).parse(input)?;
    symbol_offset(input)
}

/// `[<c010ef68>] (unwind_backtrace) from [<c010ac14>] (show_stack+0x10/0x14)`.
fn arm_frame(input: &[u8]) -> PResult<'_, ()> {
    let (input, _) = (
        address,
        tag(" ("),
        take_while1(|b: u8| b != b')'),
        tag(") from "),
        address,
        tag(" ("),
    )
        .parse(input)?;
    let (input, _) = take_while1(|b: u8| b != b')').parse(input)?;
    let (input, _) = tag(")").parse(input)?;
    Ok((input, ()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_lines_of_every_era() {
        // D-k3s-12028 (6.14), H-sysbox-771 (5.15): no address column
        for line in [
            &b"[ 3690.421568]  <TASK>"[..],
            b" dump_stack_lvl+0x71/0x90",
            b" ? __alloc_frozen_pages_noprof.cold+0x96/0xf9",
            b" ? task_tick_fair.llvm.16125879494183749316+0x2f2/0xd90",
            b" fuse_simple_request+0x1b5/0x360 [fuse]",
            b" </TASK>",
            b"Call Trace:",
            // H-moby-34293 (4.x): address column
            b" [<ffffffff9901f859>] ? generic_update_time+0x79/0xd0",
            // A-ndpi-49 (ARM)
            b"[<c010ef68>] (unwind_backtrace) from [<c010ac14>] (show_stack+0x10/0x14)",
        ] {
            assert!(is_trace_line(line), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn report_lines_are_not_trace_lines() {
        for line in [
            &b"  cache: kmalloc-256, object size: 256, buffer size: 256, default order: 1, min order: 0"[..],
            b"  node 0: slabs: 113, objs: 1808, free: 0",
            b"CPU: 5 UID: 1000 PID: 38055 Comm: StreamTrans #72 Not tainted 6.14.0-4-cachyos #1",
            b"Hardware name: Trigkey S5/S5, BIOS 5800H506 03/29/2023",
            b"Killed process 1249 (runc:[2:INIT]) total-vm:19908kB, anon-rss:2716kB",
            b"<TASKS>",
        ] {
            assert!(!is_trace_line(line), "{}", String::from_utf8_lossy(line));
        }
    }
}
