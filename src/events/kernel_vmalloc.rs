//! vmalloc failures (`kernel.vmalloc_failure`): `mm/vmalloc.c` prints `vmap
//! allocation for size %lu failed: use vmalloc=<size> to increase size` when the
//! vmalloc address space is exhausted, and `warn_alloc` then reports the failed
//! allocation: 4.12+ `%s: vmalloc: allocation failure: %lu bytes, mode:%#x(%pGg),
//! nodemask=...`, 5.x+ `vmalloc error: size %lu, vm_struct allocation failed,
//! mode:...`, older `vmalloc: allocation failure, allocated %ld of %ld bytes`.
//! Both lines of one failure give one event (see [`join_vmalloc`]).

use super::kernel_report::Join;
use super::kernel_slub::gfp_flag_names;
use super::text::{after, find, lossy, uint, uint_after};
use super::{Kind, Payload};

/// One vmalloc failure line.
///
/// Fields of `kernel.vmalloc_failure`: `process` (comm of the allocating task, when
/// printed), `size_bytes`, `mode` (hex), `gfp_flags` (list), `vmap_exhausted`
/// (`true` when the `vmap allocation ... failed` line says the address space ran out,
/// typical of 32-bit ARM nodes).
pub(crate) fn vmalloc_failure(msg: &[u8]) -> Option<Payload> {
    if let Some(rest) = after(msg, b"vmap allocation for size ") {
        let (size, tail) = uint(rest)?;
        tail.starts_with(b" failed").then_some(())?;
        return Some(
            Payload::new(Kind::VmallocFailure)
                .with("size_bytes", size)
                .with("vmap_exhausted", true),
        );
    }
    let (at, size) = if let Some(at) = find(msg, b"vmalloc: allocation failure: ") {
        (at, uint_after(msg, b"vmalloc: allocation failure: "))
    } else if let Some(at) = find(msg, b"vmalloc error: size ") {
        (at, uint_after(msg, b"vmalloc error: size "))
    } else if let Some(at) = find(msg, b"vmalloc: allocation failure, allocated ") {
        (
            at,
            after(msg, b" of ").and_then(|r| uint(r).map(|(n, _)| n)),
        )
    } else {
        return None;
    };
    let head = msg.get(..at)?.trim_ascii_end();
    let head = head.strip_suffix(b":").unwrap_or(head);
    let start = head
        .iter()
        .rposition(|b| b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let process = head
        .get(start..)
        .filter(|p| !p.is_empty() && !p.ends_with(b"]"));
    let mode_all = after(msg, b"mode:");
    let mode = mode_all.map(|m| {
        let end = m
            .iter()
            .position(|b| matches!(b, b'(' | b',' | b' '))
            .unwrap_or(m.len());
        lossy(m.get(..end).unwrap_or(m))
    });
    let flags = mode_all
        .and_then(|m| after(m, b"("))
        .and_then(|f| f.get(..f.iter().position(|&b| b == b')')?))
        .map(gfp_flag_names);
    Some(
        Payload::new(Kind::VmallocFailure)
            .with_opt("process", process.map(lossy))
            .with_opt("size_bytes", size)
            .with_opt("mode", mode)
            .with_opt("gfp_flags", flags),
    )
}

/// Lines between `vmap allocation ... failed` and the `warn_alloc` report.
const VMAP_TO_WARN_GAP: u64 = 3;

/// The `vmap allocation` line and the `vmalloc: allocation failure` report right
/// after it are one failure; any other line is one.
pub(crate) fn join_vmalloc(held: Option<&Payload>, next: &Payload, gap: u64) -> Join {
    let held_vmap_only = held
        .is_some_and(|h| !h.fields.contains_key("mode") && h.fields.contains_key("vmap_exhausted"));
    let next_is_report = !next.fields.contains_key("vmap_exhausted");
    if held_vmap_only && next_is_report && gap <= VMAP_TO_WARN_GAP {
        Join::Merge
    } else {
        Join::Start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vmap_and_warn_alloc_lines() {
        // A-ndpi-49 (4.14, ARM)
        let vmap = vmalloc_failure(
            b"vmap allocation for size 430080 failed: use vmalloc=<size> to increase size",
        )
        .unwrap();
        assert_eq!(vmap.fields["size_bytes"], json!(430080));
        let p = vmalloc_failure(b"kmodloader: vmalloc: allocation failure: 425984 bytes, mode:0x14000c0(GFP_KERNEL), nodemask=(null)").unwrap();
        assert_eq!(p.fields["process"], json!("kmodloader"));
        assert_eq!(p.fields["size_bytes"], json!(425984));
        assert_eq!(p.fields["mode"], json!("0x14000c0"));
        assert_eq!(p.fields["gfp_flags"], json!(["GFP_KERNEL"]));
        assert_eq!(join_vmalloc(Some(&vmap), &p, 1), Join::Merge);
        assert_eq!(join_vmalloc(Some(&p), &vmap, 1), Join::Start);
        // 5.x form (mm/vmalloc.c __vmalloc_node_range)
        let p = vmalloc_failure(b"modprobe: vmalloc error: size 4096, vm_struct allocation failed, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0").unwrap();
        assert_eq!(p.fields["size_bytes"], json!(4096));
        assert_eq!(p.fields["process"], json!("modprobe"));
        assert!(vmalloc_failure(b"vmalloc : 0xf0800000 - 0xff800000   ( 240 MB)").is_none());
    }
}
