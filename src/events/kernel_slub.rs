//! SLUB (and SLAB) "Unable to allocate memory" blocks from `mm/slub.c`
//! `slab_out_of_memory()`: a header, a `cache:` line, an optional "debugging
//! increased min order" line and one `node N:` line per NUMA node.
//!
//! The line grammars here return partial payloads; [`SlubAssembler`] joins them
//! into one `kernel.slub_alloc_failure` event per block, tolerating a few unrelated
//! lines in between (other kernel messages interleave under load).

use serde_json::{Value, json};

use super::extract::Block;
use super::text::{after, find, int, lossy, rfind, trim, uint, uint_after};
use super::{Found, Kind, Payload};

/// Header: `SLUB: Unable to allocate memory on node -1 (gfp=0x8020)` (3.x–4.5) or
/// `SLUB: Unable to allocate memory on node -1, gfp=0x2080020(GFP_ATOMIC)` (4.6+).
///
/// Fields of the assembled `kernel.slub_alloc_failure`: `allocator` (`SLUB`/`SLAB`),
/// `node` (NUMA node, -1 = any), `gfp` (hex string as printed), `gfp_flags` (list of
/// flag names, 4.6+ only); from the cache line `cache` (root cache, e.g. `kmalloc-192`),
/// `memcg_id` and `memcg` (from `kmalloc-192(33:b40c...)`, kmem accounting 3.8–5.8),
/// `object_size`, `buffer_size`, `default_order`, `min_order` (SLAB: `order`);
/// `debug_increased_min_order` (bool) and `nodes` (list of `{node, slabs, objs, free}`).
pub(crate) fn header(msg: &[u8]) -> Option<Payload> {
    let (allocator, rest) = match after(msg, b"SLUB: Unable to allocate memory on node ") {
        Some(rest) => ("SLUB", rest),
        None => (
            "SLAB",
            after(msg, b"SLAB: Unable to allocate memory on node ")?,
        ),
    };
    let (node, rest) = int(rest)?;
    let (gfp, flags) = if let Some(old) = rest.strip_prefix(b" (gfp=") {
        let end = old.iter().position(|&b| b == b')')?;
        (old.get(..end)?, Vec::new())
    } else {
        let new = rest.strip_prefix(b", gfp=")?;
        let end = new.iter().position(|&b| b == b'(').unwrap_or(new.len());
        let hex = trim(new.get(..end)?);
        let names = new
            .get(end + 1..)
            .and_then(|f| f.iter().position(|&b| b == b')').and_then(|e| f.get(..e)))
            .map(gfp_flag_names)
            .unwrap_or_default();
        (hex, names)
    };
    if !gfp.starts_with(b"0x") {
        return None;
    }
    Some(
        Payload::new(Kind::SlubAllocFailure)
            .with("allocator", allocator)
            .with("node", node)
            .with("gfp", lossy(gfp))
            .with_opt("gfp_flags", (!flags.is_empty()).then_some(flags)),
    )
}

/// `GFP_KERNEL|__GFP_COMP` → `["GFP_KERNEL", "__GFP_COMP"]`.
pub(crate) fn gfp_flag_names(flags: &[u8]) -> Vec<String> {
    flags
        .split(|&b| b == b'|')
        .map(trim)
        .filter(|f| !f.is_empty())
        .map(lossy)
        .collect()
}

/// `  cache: kmalloc-192(33:b40c...), object size: 192, buffer size: 192, default order: 0, min order: 0`
/// (SLAB: `  cache: NAME, object size: N, order: N`). Fields as listed on [`header`].
pub(crate) fn cache_line(msg: &[u8]) -> Option<Payload> {
    // Anchored search, not a prefix: a message may still carry `[88820.247541] `.
    let rest = after(msg, b"cache: ")?;
    let name_end = find(rest, b", object size: ")?;
    let name = rest.get(..name_end)?;
    let sizes = rest.get(name_end..)?;
    let (cache, memcg_id, memcg) = split_memcg(name);
    Some(
        Payload::new(Kind::SlubAllocFailure)
            .with("cache", cache)
            .with_opt("memcg_id", memcg_id)
            .with_opt("memcg", memcg)
            .with_opt("object_size", uint_after(sizes, b"object size: "))
            .with_opt("buffer_size", uint_after(sizes, b"buffer size: "))
            .with_opt("default_order", uint_after(sizes, b"default order: "))
            .with_opt("min_order", uint_after(sizes, b"min order: "))
            .with_opt(
                "order",
                find(sizes, b", order: ").and_then(|_| uint_after(sizes, b", order: ")),
            ),
    )
}

/// `kmalloc-192(33:b40c...)` → (`kmalloc-192`, `33`, `b40c...`); a plain name has no memcg.
fn split_memcg(name: &[u8]) -> (String, Option<u64>, Option<String>) {
    let open = name.iter().position(|&b| b == b'(');
    let inner = open.and_then(|o| name.get(o + 1..)?.strip_suffix(b")"));
    match (open, inner) {
        (Some(o), Some(inner)) => {
            let colon = inner.iter().position(|&b| b == b':');
            let (id, cg) = match colon {
                Some(c) => (
                    inner
                        .get(..c)
                        .and_then(|d| uint(d).filter(|(_, r)| r.is_empty())),
                    inner.get(c + 1..),
                ),
                None => (None, Some(inner)),
            };
            (
                lossy(name.get(..o).unwrap_or(name)),
                id.map(|(n, _)| n),
                cg.map(lossy),
            )
        }
        _ => (lossy(name), None, None),
    }
}

/// `  node 0: slabs: 202, objs: 4242, free: 0` (SLAB: `slabs: 3/4, objs: 60/80, free: 0`)
/// → `{node, slabs, objs, free}` (the first number of SLAB's `a/b` pairs).
pub(crate) fn node_line(msg: &[u8]) -> Option<Payload> {
    let at = find(msg, b": slabs: ")?;
    let head = msg.get(..at)?;
    let (node, tail) = int(head.get(rfind(head, b"node ")? + 5..)?)?;
    tail.is_empty().then_some(())?;
    let rest = msg.get(at + 9..)?;
    let (slabs, _) = uint(rest)?;
    let node = json!({
        "node": node,
        "slabs": slabs,
        "objs": uint_after(rest, b"objs: "),
        "free": uint_after(rest, b"free: "),
    });
    Some(Payload::new(Kind::SlubAllocFailure).with("nodes", vec![node]))
}

/// `  kmalloc-192 debugging increased min order, use slub_debug=O to disable.`
pub(crate) fn debug_order_line(msg: &[u8]) -> Option<Payload> {
    find(msg, b" debugging increased min order")?;
    Some(Payload::new(Kind::SlubAllocFailure).with("debug_increased_min_order", true))
}

/// Unrelated lines tolerated inside a block before it is closed.
const MAX_UNRELATED: u32 = 4;

/// Joins header, cache, debug and node lines into one event per block.
#[derive(Default)]
pub(crate) struct SlubAssembler {
    pending: Option<(Block, Payload)>,
    unrelated: u32,
}

impl SlubAssembler {
    /// Take one recognised SLUB line (header or continuation) of the current line.
    pub(crate) fn accept(&mut self, block_line: Block, part: Payload, out: &mut Vec<Found>) {
        let is_header = part.fields.contains_key("gfp");
        if is_header {
            self.flush(out);
            self.pending = Some((block_line, part));
            self.unrelated = 0;
            return;
        }
        let Some((block, payload)) = self.pending.as_mut() else {
            return; // a continuation without a header: nothing to attach it to
        };
        block.extend(&block_line);
        for (name, value) in part.fields {
            if name == "nodes" {
                let nodes = payload
                    .fields
                    .entry("nodes".to_string())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let (Value::Array(all), Value::Array(new)) = (nodes, value) {
                    all.extend(new);
                }
            } else {
                payload.fields.insert(name, value);
            }
        }
        self.unrelated = 0;
    }

    /// Count a line that was not part of the block; close the block after too many.
    pub(crate) fn unrelated(&mut self, out: &mut Vec<Found>) {
        if self.pending.is_some() {
            self.unrelated += 1;
            if self.unrelated > MAX_UNRELATED {
                self.flush(out);
            }
        }
    }

    /// Whether a block is open (the extractor then wants the following lines).
    pub(crate) fn is_open(&self) -> bool {
        self.pending.is_some()
    }

    /// Emit the open block, if any.
    pub(crate) fn flush(&mut self, out: &mut Vec<Found>) {
        if let Some((block, payload)) = self.pending.take() {
            out.push(block.found(payload));
        }
        self.unrelated = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_HEADER: &[u8] = b"SLUB: Unable to allocate memory on node -1 (gfp=0x8020)";
    const SEED_CACHE: &[u8] = b"  cache: kmalloc-192(33:b40c3884668600191e02b3c32efaf12bdd1e6d0a4d3869662045e4193af6c26c), object size: 192, buffer size: 192, default order: 0, min order: 0";
    const SEED_NODE: &[u8] = b"  node 0: slabs: 202, objs: 4242, free: 0";

    #[test]
    fn seed_header_old_form() {
        let p = header(SEED_HEADER).unwrap();
        assert_eq!(p.fields["node"], json!(-1));
        assert_eq!(p.fields["gfp"], json!("0x8020"));
        assert!(!p.fields.contains_key("gfp_flags"));
    }

    #[test]
    fn header_new_form_with_flag_names() {
        let p = header(b"SLUB: Unable to allocate memory on node -1, gfp=0x2080020(GFP_ATOMIC)")
            .unwrap();
        assert_eq!(p.fields["gfp"], json!("0x2080020"));
        assert_eq!(p.fields["gfp_flags"], json!(["GFP_ATOMIC"]));
        let p = header(
            b"SLAB: Unable to allocate memory on node 0, gfp=0x14000c0(GFP_KERNEL|__GFP_COMP)",
        )
        .unwrap();
        assert_eq!(p.fields["allocator"], json!("SLAB"));
        assert_eq!(p.fields["gfp_flags"], json!(["GFP_KERNEL", "__GFP_COMP"]));
    }

    #[test]
    fn seed_cache_line_with_memcg() {
        let p = cache_line(SEED_CACHE).unwrap();
        assert_eq!(p.fields["cache"], json!("kmalloc-192"));
        assert_eq!(p.fields["memcg_id"], json!(33));
        assert_eq!(
            p.fields["memcg"],
            json!("b40c3884668600191e02b3c32efaf12bdd1e6d0a4d3869662045e4193af6c26c")
        );
        assert_eq!(p.fields["object_size"], json!(192));
        assert_eq!(p.fields["buffer_size"], json!(192));
        assert_eq!(p.fields["default_order"], json!(0));
        assert_eq!(p.fields["min_order"], json!(0));
    }

    #[test]
    fn plain_cache_and_node_lines() {
        let p = cache_line(b"  cache: kmalloc-256, object size: 256, buffer size: 256, default order: 1, min order: 0").unwrap();
        assert_eq!(p.fields["cache"], json!("kmalloc-256"));
        assert!(!p.fields.contains_key("memcg"));
        let n = node_line(SEED_NODE).unwrap();
        assert_eq!(
            n.fields["nodes"],
            json!([{"node": 0, "slabs": 202, "objs": 4242, "free": 0}])
        );
        assert!(
            debug_order_line(
                b"  kmalloc-192 debugging increased min order, use slub_debug=O to disable."
            )
            .is_some()
        );
    }

    #[test]
    fn continuation_lines_keep_an_uptime_prefix() {
        let n = node_line(b"[88820.247543]   node 1: slabs: 2, objs: 42, free: 1").unwrap();
        assert_eq!(n.fields["nodes"][0]["node"], json!(1));
        let c = cache_line(b"[88820.247541]   cache: kmalloc-64, object size: 64, buffer size: 64, default order: 0, min order: 0").unwrap();
        assert_eq!(c.fields["cache"], json!("kmalloc-64"));
    }

    #[test]
    fn boot_and_debug_lines_do_not_match() {
        assert!(header(b"SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=4, Nodes=1").is_none());
        assert!(header(b"SLUB: Unable to allocate memory on node x (gfp=0x20)").is_none());
        assert!(cache_line(b"cache: hit ratio 99%").is_none());
        assert!(node_line(b"node 0: DMA32 free:3436kB").is_none());
    }
}
