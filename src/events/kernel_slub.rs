//! SLUB (and SLAB) "Unable to allocate memory" blocks from `mm/slub.c`
//! `slab_out_of_memory()`: a header, a `cache:` line, an optional "debugging
//! increased min order" line and one `node N:` line per NUMA node.
//!
//! The line grammars here return partial payloads; [`SlubAssembler`] joins them
//! into one `kernel.slub_alloc_failure` event per block, tolerating a few unrelated
//! lines in between (other kernel messages interleave under load).

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take, take_till, take_until, take_while};
use nom::character::complete::char;
use nom::combinator::{all_consuming, cut, map, opt, recognize, rest, value};
use nom::error::context;
use nom::sequence::{delimited, preceded, terminated};
use serde_json::json;

use super::block::Block;
use super::text::{Fail, GrammarError, PResult, anchor, dec_i64, dec_u64, lossy, run_grammar};
use super::{Found, Kind, Payload};

/// Header: `SLUB: Unable to allocate memory on node -1 (gfp=0x8020)` (3.x–4.5) or
/// `SLUB: Unable to allocate memory on node -1, gfp=0x2080020(GFP_ATOMIC)` (4.6+).
///
/// Fields of the assembled `kernel.slub_alloc_failure`: `allocator` (`SLUB`/`SLAB`),
/// `numa_node` (NUMA node, -1 = any; not `node`, which names the machine in every event), `gfp` (hex string as printed), `gfp_flags` (list of
/// flag names, 4.6+ only); from the cache line `cache` (root cache, e.g. `kmalloc-192`),
/// `memcg_id` and `memcg` (from `kmalloc-192(33:b40c...)`, kmem accounting 3.8–5.8),
/// `object_size`, `buffer_size`, `default_order`, `min_order` (SLAB: `order`);
/// `debug_increased_min_order` (bool) and `nodes` (list of `{numa_node, slabs, objs, free}`).
///
/// The registry's entry point: [`header_or_error`] without the error.
pub(crate) fn header(msg: &[u8]) -> Option<Payload> {
    header_or_error(msg).ok()
}

/// [`header`], with the offset and expectation where a header-looking message broke.
pub(crate) fn header_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let header = run_grammar(msg, slub_header)?;
    Ok(Payload::new(Kind::SlubAllocFailure)
        .with("allocator", header.allocator)
        .with_opt("cpu", header.cpu.map(|(cpu, _)| cpu))
        .with_opt("cpu_node", header.cpu.map(|(_, node)| node))
        .with("numa_node", header.node)
        .with("gfp", lossy(header.gfp))
        .with_opt(
            "gfp_flags",
            (!header.flags.is_empty()).then_some(header.flags),
        ))
}

/// What a header line says.
#[derive(Debug, Clone, PartialEq)]
struct SlubHeader<'a> {
    /// `SLUB` or `SLAB`.
    allocator: &'static str,
    /// 6.x: the CPU the allocation failed on and that CPU's NUMA node.
    cpu: Option<(u64, i64)>,
    /// NUMA node; -1 means "any node".
    node: i64,
    /// The mask as printed, `0x` included.
    gfp: &'a [u8],
    /// `%pGg` flag names (4.6+ only; empty for the 3.x form).
    flags: Vec<String>,
}

/// `SLUB: Unable to allocate memory on ` or the SLAB twin, anywhere in the
/// message (a `[uptime] ` prefix may remain). Once it is seen the rest must follow.
fn slub_header(input: &[u8]) -> PResult<'_, SlubHeader<'_>> {
    let (input, allocator) = allocator_prefix(input)?;
    let (input, cpu) = opt(on_cpu).parse(input)?;
    let (input, _) = context("`node `", tag("node ")).parse(input)?;
    let (input, node) = cut(context("a NUMA node number", dec_i64)).parse(input)?;
    let (input, (gfp, flags)) = cut(context(
        "` (gfp=0x..)` or `, gfp=0x..(FLAGS)`",
        alt((gfp_legacy, gfp_symbolic)),
    ))
    .parse(input)?;
    Ok((
        input,
        SlubHeader {
            allocator,
            cpu,
            node,
            gfp,
            flags,
        },
    ))
}

/// 6.x: `CPU 3 (of node 0) on ` between `memory on ` and `node -1` (the CPU that
/// failed and its NUMA node), as (cpu, cpu's node).
fn on_cpu(input: &[u8]) -> PResult<'_, (u64, i64)> {
    (
        delimited(tag("CPU "), dec_u64, tag(" (of node ")),
        terminated(dec_i64, tag(") on ")),
    )
        .parse(input)
}

/// `SLUB: Unable to allocate memory on node ` (`mm/slub.c`) or `SLAB: ...`
/// (`mm/slab.c`), SLUB first as the old search did.
fn allocator_prefix(input: &[u8]) -> PResult<'_, &'static str> {
    alt((
        value("SLUB", anchor("SLUB: Unable to allocate memory on ")),
        value("SLAB", anchor("SLAB: Unable to allocate memory on ")),
    ))
    .parse(input)
}

/// `0x8020`: the `0x%x` / `%#x` mask. Only the `0x` is required: the value means
/// different flags on different kernels, so it is kept as written.
fn gfp_hex(input: &[u8]) -> PResult<'_, &[u8]> {
    recognize((tag("0x"), take_while(|b: u8| b.is_ascii_hexdigit()))).parse(input)
}

/// 3.10–4.5: ` (gfp=0x8020)`; no flag names.
fn gfp_legacy(input: &[u8]) -> PResult<'_, (&[u8], Vec<String>)> {
    map(delimited(tag(" (gfp="), gfp_hex, char(')')), |hex| {
        (hex, Vec::new())
    })
    .parse(input)
}

/// 4.6+: `, gfp=0x2080020(GFP_ATOMIC)`. The flag names are optional so a line cut
/// short by the log pipeline (`gfp=0x2080020(GFP_AT`) still counts. A report quoted
/// in a quoted-printable mail keeps `=` as `=3D` (`gfp=3D0xc0(__GFP=`): accepted.
fn gfp_symbolic(input: &[u8]) -> PResult<'_, (&[u8], Vec<String>)> {
    preceded(
        (tag(", gfp="), opt(tag("3D"))),
        map((gfp_hex, opt(gfp_flags)), |(hex, flags)| {
            (hex, flags.unwrap_or_default())
        }),
    )
    .parse(input)
}

/// `(GFP_KERNEL|__GFP_COMP)` → `["GFP_KERNEL", "__GFP_COMP"]` (`%pGg`).
fn gfp_flags(input: &[u8]) -> PResult<'_, Vec<String>> {
    map(
        delimited(char('('), take_till(|b| b == b')'), char(')')),
        gfp_flag_names,
    )
    .parse(input)
}

/// `GFP_KERNEL|__GFP_COMP` → `["GFP_KERNEL", "__GFP_COMP"]` (also used for the
/// `mode:` of page allocation failures).
pub(crate) fn gfp_flag_names(flags: &[u8]) -> Vec<String> {
    flags
        .split(|&b| b == b'|')
        .map(<[u8]>::trim_ascii)
        .filter(|f| !f.is_empty())
        .map(lossy)
        .collect()
}

/// `  cache: kmalloc-192(33:b40c...), object size: 192, buffer size: 192, default order: 0, min order: 0`
/// (SLAB: `  cache: NAME, object size: N, order: N`). Fields as listed on [`header`].
pub(crate) fn cache_line(msg: &[u8]) -> Option<Payload> {
    cache_line_or_error(msg).ok()
}

/// [`cache_line`], or where the message broke it and what was expected there.
pub(crate) fn cache_line_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let cache = run_grammar(msg, slab_cache)?;
    let (memcg_id, memcg) = match cache.memcg {
        Some(m) => (m.id, Some(lossy(m.name))),
        None => (None, None),
    };
    let sizes = cache.sizes;
    Ok(Payload::new(Kind::SlubAllocFailure)
        .with("cache", lossy(cache.root))
        .with_opt("memcg_id", memcg_id)
        .with_opt("memcg", memcg)
        .with_opt("object_size", sizes.object_size)
        .with_opt("buffer_size", sizes.buffer_size)
        .with_opt("default_order", sizes.default_order)
        .with_opt("min_order", sizes.min_order)
        .with_opt("order", sizes.order))
}

/// A `cache:` line.
#[derive(Debug, Clone, PartialEq)]
struct SlabCache<'a> {
    /// Root cache name (`kmalloc-192`).
    root: &'a [u8],
    /// The per-memcg suffix of a child cache, when printed.
    memcg: Option<Memcg<'a>>,
    /// The numbers after the name.
    sizes: CacheSizes,
}

/// `(33:b40c...)` after a per-memcg child cache name.
#[derive(Debug, Clone, PartialEq)]
struct Memcg<'a> {
    /// `memcg_cache_id`, `css->id` or `css->serial_nr`: not a pod UID.
    id: Option<u64>,
    /// Last path component of the cgroup (container id, `helper-logs`...).
    name: &'a [u8],
}

/// The numbers of a `cache:` line; SLUB prints the first four, SLAB `object size`
/// and `order`. Each is optional so a line cut short still names its cache.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct CacheSizes {
    object_size: Option<u64>,
    buffer_size: Option<u64>,
    default_order: Option<u64>,
    min_order: Option<u64>,
    order: Option<u64>,
}

/// `cache: NAME, object size: ...` anywhere in the message. The name runs to the
/// first `, object size: `: cgroup names may hold `,` or spaces, the sizes may not.
fn slab_cache(input: &[u8]) -> PResult<'_, SlabCache<'_>> {
    let (input, _) = anchor("cache: ").parse(input)?;
    let (input, name) = take_until(", object size: ").parse(input)?;
    let (input, sizes) = cut(context("the cache sizes", cache_sizes)).parse(input)?;
    let (root, memcg) = cache_name(name);
    Ok((input, SlabCache { root, memcg, sizes }))
}

/// `, object size: 192, buffer size: 192, default order: 0, min order: 0` (SLUB)
/// or `, object size: 192, order: 0` (SLAB).
fn cache_sizes(input: &[u8]) -> PResult<'_, CacheSizes> {
    let (input, _) = tag(", object size: ").parse(input)?;
    let (input, object_size) = opt(dec_u64).parse(input)?;
    let (input, buffer_size) = opt(preceded(tag(", buffer size: "), dec_u64)).parse(input)?;
    let (input, default_order) = opt(preceded(tag(", default order: "), dec_u64)).parse(input)?;
    let (input, min_order) = opt(preceded(tag(", min order: "), dec_u64)).parse(input)?;
    let (input, order) = opt(preceded(tag(", order: "), dec_u64)).parse(input)?;
    Ok((
        input,
        CacheSizes {
            object_size,
            buffer_size,
            default_order,
            min_order,
            order,
        },
    ))
}

/// Split a cache name into its root and memcg suffix: `kmalloc-192(33:b40c...)`
/// → (`kmalloc-192`, 33, `b40c...`). A name whose `(` group does not close at the
/// end of the name is a plain name (no kernel writes one, but it must not be lost).
fn cache_name(name: &[u8]) -> (&[u8], Option<Memcg<'_>>) {
    let split = all_consuming((take_till(|b| b == b'('), memcg_suffix)).parse(name);
    match split {
        Ok((_, (root, memcg))) => (root, Some(memcg)),
        Err(_) => (name, None),
    }
}

/// `(%d:%s)` / `(%llu:%s)`: the whole rest of the name, from `(` to the final `)`
/// (cgroup names may themselves hold parentheses). A group without `:` is all name.
fn memcg_suffix(input: &[u8]) -> PResult<'_, Memcg<'_>> {
    let body_len = input.len().saturating_sub(2);
    let (rest, body) = delimited(char('('), take(body_len), char(')')).parse(input)?;
    let (_, (id, name)) = (
        opt(terminated(take_till(|b| b == b':'), char(':'))),
        rest_bytes,
    )
        .parse(body)?;
    let id = id.and_then(|d| all_consuming(dec_u64).parse(d).ok().map(|(_, n)| n));
    Ok((rest, Memcg { id, name }))
}

/// The rest of the input (typed for [`Fail`]).
fn rest_bytes(input: &[u8]) -> PResult<'_, &[u8]> {
    rest::<&[u8], Fail<'_>>.parse(input)
}

/// `  node 0: slabs: 202, objs: 4242, free: 0` (SLAB: `slabs: 3/4, objs: 60/80, free: 0`)
/// → `{numa_node, slabs, objs, free}` (the first number of SLAB's `a/b` pairs).
pub(crate) fn node_line(msg: &[u8]) -> Option<Payload> {
    node_line_or_error(msg).ok()
}

/// [`node_line`], or where the message broke it and what was expected there.
pub(crate) fn node_line_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let n = run_grammar(msg, node_slab_line)?;
    let node = json!({
        "numa_node": n.node,
        "slabs": n.slabs,
        "objs": n.objs,
        "free": n.free,
    });
    Ok(Payload::new(Kind::SlubAllocFailure).with("nodes", vec![node]))
}

/// One per-node line.
#[derive(Debug, Clone, Copy, PartialEq)]
struct NodeSlabs {
    node: i64,
    slabs: u64,
    objs: Option<u64>,
    free: Option<u64>,
}

/// `node N: slabs: ...` at the first `node ` where it matches: the word also
/// appears in unrelated text before it (`on node -1`), so the anchor is retried
/// rather than committed to its first occurrence.
fn node_slab_line(input: &[u8]) -> PResult<'_, NodeSlabs> {
    let mut from = input;
    loop {
        let (at, _) = take_until("node ").parse(from)?;
        match node_slabs(at) {
            Err(nom::Err::Error(_)) => match at.get(1..) {
                Some(next) => from = next,
                None => return node_slabs(at),
            },
            done => return done,
        }
    }
}

/// `node 0: slabs: 202, objs: 4242, free: 0`, `free` missing in later SLAB kernels.
fn node_slabs(input: &[u8]) -> PResult<'_, NodeSlabs> {
    let (input, (_, node, _)) = (tag("node "), dec_i64, tag(": slabs: ")).parse(input)?;
    let (input, slabs) = cut(context("a slab count", slab_count)).parse(input)?;
    let (input, objs) = opt(preceded(tag(", objs: "), slab_count)).parse(input)?;
    let (input, free) = opt(preceded(tag(", free: "), dec_u64)).parse(input)?;
    Ok((
        input,
        NodeSlabs {
            node,
            slabs,
            objs,
            free,
        },
    ))
}

/// `202` (SLUB) or `3/4` (SLAB active/total): the first number.
fn slab_count(input: &[u8]) -> PResult<'_, u64> {
    terminated(dec_u64, opt(preceded(char('/'), dec_u64))).parse(input)
}

/// `  kmalloc-192 debugging increased min order, use slub_debug=O to disable.`
pub(crate) fn debug_order_line(msg: &[u8]) -> Option<Payload> {
    debug_order_line_or_error(msg).ok()
}

/// [`debug_order_line`], or where the message broke it and what was expected there.
pub(crate) fn debug_order_line_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    run_grammar(msg, debug_min_order)?;
    Ok(Payload::new(Kind::SlubAllocFailure).with("debug_increased_min_order", true))
}

/// ` debugging increased min order` after the cache name (`%s debugging ...`).
fn debug_min_order(input: &[u8]) -> PResult<'_, &[u8]> {
    anchor(" debugging increased min order").parse(input)
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
                let mut all = payload
                    .fields
                    .remove("nodes")
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default();
                all.extend(value.as_array().into_iter().flatten().cloned());
                payload.fields.insert("nodes", all);
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
        assert_eq!(p.fields["numa_node"], json!(-1));
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
            json!([{"numa_node": 0, "slabs": 202, "objs": 4242, "free": 0}])
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
        assert_eq!(n.fields["nodes"][0]["numa_node"], json!(1));
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

    #[test]
    fn slub_header_production_rest_and_value() {
        let (rest, h) = slub_header(
            b"[88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x8020) x",
        )
        .unwrap();
        assert_eq!(rest, b" x");
        assert_eq!(
            h,
            SlubHeader {
                allocator: "SLUB",
                cpu: None,
                node: -1,
                gfp: b"0x8020",
                flags: vec![]
            }
        );
        let (rest, (hex, flags)) =
            gfp_symbolic(b", gfp=0x14000c0(GFP_KERNEL|__GFP_COMP)\n").unwrap();
        assert_eq!((rest, hex), (&b"\n"[..], &b"0x14000c0"[..]));
        assert_eq!(flags, ["GFP_KERNEL", "__GFP_COMP"]);
        assert_eq!(
            gfp_flags(b"(__GFP_IO|__GFP_FS) tail"),
            Ok((
                &b" tail"[..],
                vec!["__GFP_IO".to_string(), "__GFP_FS".to_string()]
            ))
        );
        // A line cut inside the flag names keeps the mask.
        let (_, (hex, flags)) = gfp_symbolic(b", gfp=0x2080020(GFP_AT").unwrap();
        assert_eq!((hex, flags.len()), (&b"0x2080020"[..], 0));
    }

    #[test]
    fn header_variants_by_kernel() {
        // 3.10 and 4.4: `(gfp=0x%x)`; GFP_ATOMIC is 0x20 before 4.4.
        let p = header(b"SLUB: Unable to allocate memory on node 0 (gfp=0x20)").unwrap();
        assert_eq!(p.fields["numa_node"], json!(0));
        assert_eq!(p.fields["gfp"], json!("0x20"));
        // 5.x and 6.1: same text as 4.6, other numbers for the same flag.
        let p =
            header(b"SLUB: Unable to allocate memory on node -1, gfp=0xa20(GFP_ATOMIC)").unwrap();
        assert_eq!(p.fields["gfp"], json!("0xa20"));
        assert_eq!(p.fields["gfp_flags"], json!(["GFP_ATOMIC"]));
        let p = header(b"SLUB: Unable to allocate memory on node -1, gfp=0x480020(GFP_ATOMIC)")
            .unwrap();
        assert_eq!(p.fields["allocator"], json!("SLUB"));
        assert_eq!(p.fields["gfp"], json!("0x480020"));
    }

    #[test]
    fn header_6x_names_the_cpu_and_mail_quoting() {
        // 6.x mm/slub.c slab_out_of_memory: "SLUB: Unable to allocate memory on CPU %u
        // (of node %d) on node %d, gfp=%#x(%pGg)"
        let p = header(b"SLUB: Unable to allocate memory on CPU 3 (of node 0) on node -1, gfp=0xa20(GFP_ATOMIC)").unwrap();
        assert_eq!(p.fields["cpu"], json!(3));
        assert_eq!(p.fields["cpu_node"], json!(0));
        assert_eq!(p.fields["numa_node"], json!(-1));
        assert_eq!(p.fields["gfp_flags"], json!(["GFP_ATOMIC"]));
        // A-linux-mm-bug204165: quoted-printable mail, soft line break after `__GFP`
        let p = header(b"SLUB: Unable to allocate memory on node -1, gfp=3D0xc0(__GFP=").unwrap();
        assert_eq!(p.fields["gfp"], json!("0xc0"));
        assert!(!p.fields.contains_key("cpu"));
    }

    #[test]
    fn header_errors_point_at_the_failure() {
        let err =
            header_or_error(b"SLUB: Unable to allocate memory on node x (gfp=0x20)").unwrap_err();
        assert_eq!((err.offset, err.expected), (40, "a NUMA node number"));
        let err =
            header_or_error(b"SLUB: Unable to allocate memory on node -1 gfp=0x20").unwrap_err();
        assert_eq!(err.offset, 42);
        assert_eq!(err.expected, "` (gfp=0x..)` or `, gfp=0x..(FLAGS)`");
        let err = header_or_error(b"SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=4, Nodes=1")
            .unwrap_err();
        assert_eq!(err.offset, 0);
        assert!(header_or_error(SEED_HEADER).is_ok());
    }

    #[test]
    fn memcg_suffix_forms() {
        // 3.x/4.x `%s(%d:%s)` and later 4.x / 5.4 `%s(%llu:%s)` (css serial number).
        assert_eq!(
            memcg_suffix(b"(33:b40c)"),
            Ok((
                &b""[..],
                Memcg {
                    id: Some(33),
                    name: b"b40c"
                }
            ))
        );
        let (root, memcg) = cache_name(b"kmalloc-64(18446744073709551615:helper-logs)");
        assert_eq!(root, b"kmalloc-64");
        assert_eq!(
            memcg,
            Some(Memcg {
                id: Some(u64::MAX),
                name: b"helper-logs"
            })
        );
        // A cgroup name holding parentheses stays whole; an unclosed group is a plain name.
        let (_, memcg) = cache_name(b"dentry(7:pod(1))");
        assert_eq!(memcg.map(|m| m.name), Some(&b"pod(1)"[..]));
        assert_eq!(
            cache_name(b"kmalloc-64(7:x"),
            (&b"kmalloc-64(7:x"[..], None)
        );
        let p = cache_line(b"  cache: kmalloc-512(1234567:helper-logs), object size: 512, buffer size: 512, default order: 1, min order: 0").unwrap();
        assert_eq!(p.fields["memcg_id"], json!(1234567));
        assert_eq!(p.fields["memcg"], json!("helper-logs"));
        assert_eq!(p.fields["default_order"], json!(1));
    }

    #[test]
    fn cache_sizes_production() {
        assert_eq!(
            cache_sizes(b", object size: 192, buffer size: 200, default order: 0, min order: 0\n"),
            Ok((
                &b"\n"[..],
                CacheSizes {
                    object_size: Some(192),
                    buffer_size: Some(200),
                    default_order: Some(0),
                    min_order: Some(0),
                    order: None
                }
            ))
        );
        let (rest, s) = cache_sizes(b", object size: 64, order: 0").unwrap();
        assert_eq!(
            (rest, s.object_size, s.order),
            (&b""[..], Some(64), Some(0))
        );
    }

    #[test]
    fn slab_allocator_variant() {
        let p = header(
            b"SLAB: Unable to allocate memory on node 0, gfp=0x14000c0(GFP_KERNEL|__GFP_COMP)",
        )
        .unwrap();
        assert_eq!(p.fields["allocator"], json!("SLAB"));
        let c = cache_line(b"  cache: kmalloc-64, object size: 64, order: 0").unwrap();
        assert_eq!(c.fields["cache"], json!("kmalloc-64"));
        assert_eq!(c.fields["object_size"], json!(64));
        assert_eq!(c.fields["order"], json!(0));
        assert!(!c.fields.contains_key("buffer_size"));
        let n = node_line(b"  node 0: slabs: 3/4, objs: 60/80, free: 0").unwrap();
        assert_eq!(
            n.fields["nodes"],
            json!([{"numa_node": 0, "slabs": 3, "objs": 60, "free": 0}])
        );
        // Later SLAB kernels dropped `free`.
        let n = node_line(b"  node 1: slabs: 3/4, objs: 60/80").unwrap();
        assert_eq!(
            n.fields["nodes"],
            json!([{"numa_node": 1, "slabs": 3, "objs": 60, "free": null}])
        );
    }

    #[test]
    fn node_slab_line_production_and_errors() {
        assert_eq!(
            node_slab_line(b"[88820.247543]   node 0: slabs: 202, objs: 4242, free: 0 "),
            Ok((
                &b" "[..],
                NodeSlabs {
                    node: 0,
                    slabs: 202,
                    objs: Some(4242),
                    free: Some(0)
                }
            ))
        );
        // `node ` earlier in the text is skipped, not committed to.
        let (_, n) = node_slab_line(b"on node -1 then node 2: slabs: 1").unwrap();
        assert_eq!(n.node, 2);
        let err = node_line_or_error(b"  node 0: slabs: many").unwrap_err();
        assert_eq!((err.offset, err.expected), (17, "a slab count"));
        let err = debug_order_line_or_error(b"kmalloc-192 debugging").unwrap_err();
        assert_eq!(err.offset, 0);
    }
}
