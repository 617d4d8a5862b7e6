//! Storage errors the kernel reports: file system errors and shutdowns
//! (`kernel.fs_error`), read-only remounts (`kernel.fs_readonly`), block-layer and
//! SCSI I/O errors (`kernel.io_error`) and overlayfs refusals (`kernel.overlayfs_error`).
//!
//! Formats: `fs/ext4/super.c` `__ext4_error` (`EXT4-fs error (device %s): %s:%d: ...`,
//! `EXT4-fs error (device %s) in %s:%d: ...`) and `ext4_handle_error` (`Remounting
//! filesystem read-only`), `fs/jbd2/journal.c` (`Aborting journal on device %s.`),
//! `fs/xfs/xfs_message.c` (`XFS (%s): ...`), `block/blk-core.c` (`blk_update_request:
//! %s error, dev %s, sector %llu` in 4.x–5.15, `print_req_error:` in 4.17–5.x, no
//! prefix from 5.18's `blk_print_req_error`, `end_request:` in 3.x), `fs/buffer.c`
//! (`Buffer I/O error on dev %pg, logical block %llu`), `drivers/scsi/scsi_logging.c`
//! (`[sdc] tag#3023 FAILED Result: hostbyte=... driverbyte=...`) and `fs/overlayfs/super.c`.

use nom::Parser;
use nom::bytes::complete::{tag, take_till, take_until, take_while1};
use nom::combinator::opt;
use nom::sequence::{delimited, preceded};

use super::kernel_report::Join;
use super::text::{PResult, after, anchor, dec_u64, find, lossy, run_grammar, token, trim};
use super::{Kind, Payload};

// ---------------------------------------------------------------------------
// kernel.fs_error
// ---------------------------------------------------------------------------

/// An ext2/3/4, jbd2, XFS or Btrfs error line.
///
/// Fields of `kernel.fs_error`: `fs` (`ext4`, `ext3`, `xfs`, `btrfs`, `jbd2`), `device`
/// (`dm-4`; jbd2's `dm-4-8` journal name is reduced to its device), `function`
/// (ext4's `ext4_journal_check_start`), `error` (the text), `shutdown` (`true` when
/// XFS shut the file system down: every later write fails), `journal_aborted`
/// (`true` for jbd2's abort and ext4's `Detected aborted journal`).
pub(crate) fn fs_error(msg: &[u8]) -> Option<Payload> {
    if let Some(rest) = after(msg, b"Aborting journal on device ") {
        let dev = token(rest).0;
        let dev = dev.strip_suffix(b".").unwrap_or(dev);
        return Some(
            Payload::new(Kind::FsError)
                .with("fs", "jbd2")
                .with("device", lossy(journal_device(dev)))
                .with("error", "Aborting journal")
                .with("journal_aborted", true),
        );
    }
    if let Ok(e) = run_grammar(msg, ext_error) {
        let text = trim(e.text);
        let aborted = find(text, b"aborted journal").is_some()
            || find(text, b"Journal has aborted").is_some();
        return Some(
            Payload::new(Kind::FsError)
                .with("fs", lossy(e.fs).to_ascii_lowercase())
                .with("device", lossy(e.device))
                .with_opt("function", e.function.map(lossy))
                .with("error", lossy(text))
                .with("journal_aborted", aborted),
        );
    }
    let (device, text) = run_grammar(msg, xfs_line).ok()?;
    let text = trim(text);
    let shutdown = [
        &b"Shutting down filesystem"[..],
        b"xfs_do_force_shutdown",
        b"has been shut down",
        b"shutdown",
    ]
    .iter()
    .any(|w| find(text, w).is_some());
    let error = shutdown
        || [
            &b"Corruption"[..],
            b"corruption",
            b"I/O error",
            b"I/O Error",
            b"Internal error",
            b"metadata I/O",
            b"failed to",
            b"Failed to",
            b"writeback error",
        ]
        .iter()
        .any(|w| find(text, w).is_some());
    error.then(|| {
        Payload::new(Kind::FsError)
            .with("fs", "xfs")
            .with("device", lossy(device))
            .with("error", lossy(text))
            .with("shutdown", shutdown)
    })
}

/// `dm-4-8` (jbd2 names the journal `<device>-<inode>`) → `dm-4`.
fn journal_device(dev: &[u8]) -> &[u8] {
    match dev.iter().rposition(|&b| b == b'-') {
        Some(i)
            if dev
                .get(i + 1..)
                .is_some_and(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit)) =>
        {
            dev.get(..i).unwrap_or(dev)
        }
        _ => dev,
    }
}

/// One `EXTn-fs error` line.
struct ExtError<'a> {
    fs: &'a [u8],
    device: &'a [u8],
    function: Option<&'a [u8]>,
    text: &'a [u8],
}

/// `EXT4-fs error (device dm-4): ext4_journal_check_start:56: Detected aborted journal`
/// or `EXT4-fs error (device dm-4) in ext4_setattr:4562: Journal has aborted`; BTRFS
/// `BTRFS error (device sda1): ...` / `BTRFS critical (device sda1): ...`.
fn ext_error(input: &[u8]) -> PResult<'_, ExtError<'_>> {
    let (input, _) = take_until_any(input, &[b"EXT4-fs ", b"EXT3-fs ", b"EXT2-fs ", b"BTRFS "])?;
    let (input, fs) = take_till(|b| b == b'-' || b == b' ').parse(input)?;
    let (input, _) = nom::branch::alt((
        tag("-fs error (device "),
        tag(" error (device "),
        tag(" critical (device "),
    ))
    .parse(input)?;
    let (input, device) = take_till(|b| b == b')').parse(input)?;
    let (input, _) = tag(")").parse(input)?;
    let (input, function) = opt(nom::branch::alt((
        preceded(
            tag(": "),
            take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'_'),
        ),
        preceded(
            tag(" in "),
            take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'_'),
        ),
    )))
    .parse(input)?;
    // `:56:` line number after an ext4 function.
    let input = match function {
        Some(_) => {
            let (i, _) = opt(delimited(tag(":"), dec_u64, tag(":"))).parse(input)?;
            i
        }
        None => input.strip_prefix(b":").unwrap_or(input),
    };
    Ok((
        &[],
        ExtError {
            fs,
            device,
            function: function.filter(|f| f.iter().any(u8::is_ascii_lowercase)),
            text: input,
        },
    ))
}

/// Skip to the first of `needles` (the message may carry a prefix).
fn take_until_any<'a>(input: &'a [u8], needles: &[&[u8]]) -> PResult<'a, ()> {
    let at = needles.iter().filter_map(|n| find(input, n)).min();
    match at {
        Some(i) => Ok((input.get(i..).unwrap_or_default(), ())),
        None => super::text::fail(input, "a file system prefix"),
    }
}

/// `XFS (sdb): <text>` → (device, text).
fn xfs_line(input: &[u8]) -> PResult<'_, (&[u8], &[u8])> {
    let (input, _) = anchor("XFS (").parse(input)?;
    let (input, device) = take_till(|b| b == b')').parse(input)?;
    let (input, _) = tag("):").parse(input)?;
    Ok((&[], (device, input)))
}

/// Lines in which further errors on the same device belong to one failure (an
/// ext4 journal abort prints 2–5 lines, an XFS shutdown 3–4).
const FS_ERROR_GAP: u64 = 10;

/// How fs error lines join: the same device within a few lines is one failure.
pub(crate) fn join_fs_error(held: Option<&Payload>, next: &Payload, gap: u64) -> Join {
    match held {
        Some(h) if gap <= FS_ERROR_GAP && h.fields.get("device") == next.fields.get("device") => {
            Join::Merge
        }
        _ => Join::Start,
    }
}

// ---------------------------------------------------------------------------
// kernel.fs_readonly
// ---------------------------------------------------------------------------

/// `EXT4-fs (dm-4): Remounting filesystem read-only` (ext4 `errors=remount-ro`),
/// 3.x `EXT3-fs (sda1): error: remounting filesystem read-only`, Btrfs
/// `BTRFS info (device sda1): forced readonly`.
///
/// Fields of `kernel.fs_readonly`: `fs`, `device`.
pub(crate) fn fs_readonly(msg: &[u8]) -> Option<Payload> {
    let ro = find(msg, b"emounting filesystem read-only").is_some()
        || find(msg, b"forced readonly").is_some();
    if !ro {
        return None;
    }
    let (fs, device) = if let Some(at) = find(msg, b"-fs (") {
        let head = msg.get(..at)?;
        let fs_start = head
            .iter()
            .rposition(|b| !b.is_ascii_alphanumeric())
            .map_or(0, |i| i + 1);
        let dev = msg.get(at + 5..)?;
        let end = dev.iter().position(|&b| b == b')')?;
        (
            lossy(head.get(fs_start..)?).to_ascii_lowercase(),
            lossy(dev.get(..end)?),
        )
    } else if let Some(dev) = after(msg, b"BTRFS info (device ") {
        let end = dev.iter().position(|&b| b == b')')?;
        ("btrfs".to_string(), lossy(dev.get(..end)?))
    } else {
        return None;
    };
    Some(
        Payload::new(Kind::FsReadonly)
            .with("fs", fs)
            .with("device", device),
    )
}

// ---------------------------------------------------------------------------
// kernel.io_error
// ---------------------------------------------------------------------------

/// Block-layer error kinds (`blk_errors[]` in `block/blk-core.c`) as printed before
/// ` error, dev `.
const BLK_ERRORS: &[&[u8]] = &[
    b"I/O",
    b"critical medium",
    b"critical target",
    b"critical nexus",
    b"critical space allocation",
    b"recoverable transport",
    b"timeout",
    b"protection",
    b"operation not supported",
];

/// An I/O error line: `blk_update_request: I/O error, dev nvme1n1, sector 823872 op
/// 0x0:(READ) flags 0x80700 phys_seg 1 prio class 0`, the same without the prefix
/// (5.18+), `print_req_error: I/O error, dev sdc, sector 628940360 flags 80700`,
/// `end_request: I/O error, dev sda, sector 1234`, `Buffer I/O error on dev dm-0,
/// logical block 0, async page read`, and a SCSI command failure `sd 1:0:2:0: [sdc]
/// tag#3023 FAILED Result: hostbyte=DID_BAD_TARGET driverbyte=DRIVER_OK`.
///
/// Fields of `kernel.io_error`: `device`, `error` (`I/O`, `critical medium`...),
/// `sector`, `op` (`READ`, `WRITE`...), `logical_block` (buffer errors), `reporter`
/// (`blk_update_request`, `print_req_error`, `end_request`, `buffer`, `scsi`, or
/// `block` for the unprefixed 5.18+ line), `scsi_result` (`hostbyte=... driverbyte=...`).
pub(crate) fn io_error(msg: &[u8]) -> Option<Payload> {
    if let Some(rest) = after(msg, b"Buffer I/O error on dev") {
        let rest = rest.strip_prefix(b"ice").unwrap_or(rest);
        let dev = token(rest).0;
        let dev = dev.strip_suffix(b",").unwrap_or(dev);
        return Some(
            Payload::new(Kind::IoError)
                .with("device", lossy(dev))
                .with("error", "I/O")
                .with("reporter", "buffer")
                .with_opt(
                    "logical_block",
                    super::text::uint_after(rest, b"logical block "),
                ),
        );
    }
    if let Some(result) = after(msg, b" FAILED Result: ") {
        let head = msg.get(..find(msg, b" FAILED Result: ")?)?;
        let open = super::text::rfind(head, b"[")?;
        let dev = head.get(open + 1..)?;
        let dev = dev.get(..dev.iter().position(|&b| b == b']')?)?;
        return Some(
            Payload::new(Kind::IoError)
                .with("device", lossy(dev))
                .with("reporter", "scsi")
                .with("scsi_result", lossy(trim(result))),
        );
    }
    let b = run_grammar(msg, blk_error).ok()?;
    Some(
        Payload::new(Kind::IoError)
            .with("device", lossy(b.device))
            .with("error", lossy(b.error))
            .with_opt("sector", b.sector)
            .with_opt("op", b.op.map(lossy))
            .with("reporter", b.reporter),
    )
}

/// One block-layer error line.
struct BlkError<'a> {
    reporter: &'static str,
    error: &'a [u8],
    device: &'a [u8],
    sector: Option<u64>,
    op: Option<&'a [u8]>,
}

/// `[<reporter>: ]<kind> error, dev <dev>, sector <n>[ op 0x..:(<OP>)...]`.
fn blk_error(input: &[u8]) -> PResult<'_, BlkError<'_>> {
    let (after_kind, head) = take_until(" error, dev ").parse(input)?;
    let Some(error) = BLK_ERRORS.iter().find(|k| head.ends_with(k)) else {
        return super::text::fail(input, "a block-layer error kind");
    };
    let prefix = head
        .get(..head.len() - error.len())
        .unwrap_or_default()
        .trim_ascii_end();
    let reporter = if prefix.ends_with(b"blk_update_request:") {
        "blk_update_request"
    } else if prefix.ends_with(b"print_req_error:") {
        "print_req_error"
    } else if prefix.ends_with(b"end_request:") {
        "end_request"
    } else if prefix.is_empty() || prefix.ends_with(b"]") || prefix.ends_with(b"kernel:") {
        "block"
    } else {
        return super::text::fail(input, "a block-layer reporter");
    };
    let (input, device) =
        preceded(tag(" error, dev "), take_till(|b| b == b',' || b == b' ')).parse(after_kind)?;
    let (input, sector) = opt(preceded(tag(", sector "), dec_u64)).parse(input)?;
    let op = after(input, b":(").and_then(|r| r.get(..r.iter().position(|&b| b == b')')?));
    Ok((
        input,
        BlkError {
            reporter,
            error,
            device,
            sector,
            op,
        },
    ))
}

/// Lines between a SCSI `FAILED Result:` and the block layer's `I/O error` for it
/// (the `CDB:` line and a `callbacks suppressed` line come between).
const SCSI_TO_BLOCK_GAP: u64 = 3;

/// How I/O error lines join: a SCSI command failure and the block-layer error for
/// the same device right after it are one failed request; every other line is one.
pub(crate) fn join_io_error(held: Option<&Payload>, next: &Payload, gap: u64) -> Join {
    match held {
        Some(h)
            if gap <= SCSI_TO_BLOCK_GAP
                && h.str_field("reporter") == Some("scsi")
                && next.str_field("reporter") != Some("scsi")
                && !h.fields.contains_key("error")
                && h.fields.get("device") == next.fields.get("device") =>
        {
            Join::Merge
        }
        _ => Join::Start,
    }
}

// ---------------------------------------------------------------------------
// kernel.overlayfs_error
// ---------------------------------------------------------------------------

/// overlayfs messages that mean the mount failed or is unsafe.
const OVERLAY_ERRORS: &[&[u8]] = &[
    b"needs to support d_type",
    b"failed to",
    b"not supported as upperdir",
    b"missing '",
    b"stacking depth exceeded",
    b"must reside under the same mount",
    b"must be separate subtrees",
    b"unable to",
    b"cannot",
    b"invalid",
    b"error",
    b"overlapping",
];

/// overlayfs start-up notes that are not failures (feature fallbacks).
const OVERLAY_BENIGN: &[&[u8]] = &[
    b"falling back",
    b"xino",
    b"does not support",
    b"is in-use by another mount",
];

/// `overlayfs: upper fs needs to support d_type.` (XFS made with `ftype=0`),
/// `overlayfs: filesystem on '/var/lib/docker/overlay2/x/diff' not supported as
/// upperdir`, `overlayfs: failed to ...`, `overlayfs: maximum fs stacking depth
/// exceeded`. Feature fallbacks (`falling back to index=off`, `"xino" feature
/// enabled`, `upper fs does not support tmpfile`) are not errors.
///
/// Fields of `kernel.overlayfs_error`: `problem` (the text), `d_type` (`true` for the
/// d_type refusal: every container start fails), `path` (a quoted path, when printed).
pub(crate) fn overlayfs_error(msg: &[u8]) -> Option<Payload> {
    let text = trim(after(msg, b"overlayfs: ")?);
    if OVERLAY_BENIGN.iter().any(|b| find(text, b).is_some()) {
        return None;
    }
    OVERLAY_ERRORS
        .iter()
        .any(|e| find(text, e).is_some())
        .then_some(())?;
    let path = after(text, b"'").and_then(|p| p.get(..p.iter().position(|&b| b == b'\'')?));
    Some(
        Payload::new(Kind::OverlayfsError)
            .with("problem", lossy(text.strip_suffix(b".").unwrap_or(text)))
            .with("d_type", find(text, b"d_type").is_some())
            .with_opt("path", path.map(lossy)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Lines are copied from ../shared/corpus/k8s-node-real (file named per test)
    // or written to the kernel format strings named in the module doc.

    #[test]
    fn ext4_journal_abort_lines() {
        // I-k8s-12905 (lines as wrapped by the e-mail: the rest went to the next line)
        let p = fs_error(b"Aborting journal on device dm-4-8.").unwrap();
        assert_eq!(p.fields["device"], json!("dm-4"));
        assert_eq!(p.fields["journal_aborted"], json!(true));
        let p = fs_error(b"EXT4-fs error (device dm-4) in ext4_setattr:4562: Journal").unwrap();
        assert_eq!(p.fields["fs"], json!("ext4"));
        assert_eq!(p.fields["device"], json!("dm-4"));
        assert_eq!(p.fields["function"], json!("ext4_setattr"));
        let p = fs_error(b"EXT4-fs error (device dm-4): ext4_journal_check_start:56:").unwrap();
        assert_eq!(p.fields["function"], json!("ext4_journal_check_start"));
        let p = fs_error(b"EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0").unwrap();
        assert_eq!(
            p.fields["error"],
            json!("inode #2: comm ls: reading directory lblock 0")
        );
        let held = fs_error(b"Aborting journal on device dm-4-8.").unwrap();
        assert_eq!(
            join_fs_error(Some(&held), &p, 2),
            Join::Start,
            "other device"
        );
        let same = fs_error(b"EXT4-fs error (device dm-4) in ext4_setattr:4562: Journal").unwrap();
        assert_eq!(join_fs_error(Some(&held), &same, 2), Join::Merge);
        // A clean mount is not an error.
        assert!(
            fs_error(b"EXT4-fs (sda1): mounted filesystem with ordered data mode. Opts: (null)")
                .is_none()
        );
    }

    #[test]
    fn xfs_errors_and_shutdowns() {
        let p = fs_error(b"XFS (sdb): Log I/O Error Detected. Shutting down filesystem").unwrap();
        assert_eq!(p.fields["fs"], json!("xfs"));
        assert_eq!(p.fields["shutdown"], json!(true));
        let p = fs_error(
            b"XFS (dm-3): Corruption of in-memory data detected.  Shutting down filesystem",
        )
        .unwrap();
        assert_eq!(p.fields["shutdown"], json!(true));
        let p = fs_error(b"XFS (dm-0): metadata I/O error in \"xfs_trans_read_buf_map\" at daddr 0x1 len 8 error 5").unwrap();
        assert_eq!(p.fields["shutdown"], json!(false));
        assert!(fs_error(b"XFS (sda1): Mounting V5 Filesystem").is_none());
        assert!(fs_error(b"XFS (sda1): Ending clean mount").is_none());
    }

    #[test]
    fn readonly_remounts() {
        // I-k8s-12905
        let p = fs_readonly(b"EXT4-fs (dm-4): Remounting filesystem read-only").unwrap();
        assert_eq!(p.fields["fs"], json!("ext4"));
        assert_eq!(p.fields["device"], json!("dm-4"));
        let p = fs_readonly(b"EXT3-fs (sda1): error: remounting filesystem read-only").unwrap();
        assert_eq!(p.fields["fs"], json!("ext3"));
        assert!(fs_readonly(b"EXT4-fs (sda1): re-mounted. Opts: (null)").is_none());
    }

    #[test]
    fn block_layer_errors_with_and_without_prefix() {
        // I-crucible-408
        let p = io_error(b"blk_update_request: I/O error, dev nvme1n1, sector 823872 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 0").unwrap();
        assert_eq!(p.fields["device"], json!("nvme1n1"));
        assert_eq!(p.fields["sector"], json!(823872));
        assert_eq!(p.fields["op"], json!("READ"));
        assert_eq!(p.fields["reporter"], json!("blk_update_request"));
        // I-crucible-408: the third line was cut by the console and glued to a status line
        let p = io_error("blk_update_request: I/O error, dev nvme1n1, sector 1757028 op 0x0:(READ) flags 0x80700 phys_seg 1 prio cl[  OK  ] Finished Download data fo\u{2026}ailed at package install time.".as_bytes()).unwrap();
        assert_eq!(p.fields["sector"], json!(1757028));
        // I-appstream-90
        let p =
            io_error(b"print_req_error: I/O error, dev sdc, sector 628940360 flags 80700").unwrap();
        assert_eq!(p.fields["reporter"], json!("print_req_error"));
        // 5.18+ without a prefix (block/blk-mq.c blk_print_req_error)
        let p = io_error(
            b"I/O error, dev sda, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2",
        )
        .unwrap();
        assert_eq!(p.fields["reporter"], json!("block"));
        assert_eq!(p.fields["op"], json!("WRITE"));
        let p =
            io_error(b"blk_update_request: critical medium error, dev sda, sector 1234").unwrap();
        assert_eq!(p.fields["error"], json!("critical medium"));
        let p =
            io_error(b"Buffer I/O error on dev dm-0, logical block 0, async page read").unwrap();
        assert_eq!(p.fields["device"], json!("dm-0"));
        assert_eq!(p.fields["logical_block"], json!(0));
        let p = io_error(b"Buffer I/O error on device sda1, logical block 1234").unwrap();
        assert_eq!(p.fields["device"], json!("sda1"));
        assert!(io_error(b"print_req_error: 546 callbacks suppressed").is_none());
        assert!(io_error(b"app: read error, dev null, sector 0").is_none());
    }

    #[test]
    fn scsi_failure_joins_its_block_error() {
        // I-appstream-90
        let scsi = io_error(b"sd 1:0:2:0: [sdc] tag#3023 FAILED Result: hostbyte=DID_BAD_TARGET driverbyte=DRIVER_OK").unwrap();
        assert_eq!(scsi.fields["device"], json!("sdc"));
        assert_eq!(
            scsi.fields["scsi_result"],
            json!("hostbyte=DID_BAD_TARGET driverbyte=DRIVER_OK")
        );
        let blk =
            io_error(b"print_req_error: I/O error, dev sdc, sector 628940360 flags 80700").unwrap();
        assert_eq!(join_io_error(Some(&scsi), &blk, 3), Join::Merge);
        assert_eq!(join_io_error(Some(&blk), &scsi, 1), Join::Start);
        assert_eq!(join_io_error(Some(&scsi), &blk, 9), Join::Start);
    }

    #[test]
    fn overlayfs_refusals_not_fallbacks() {
        // I-moby-10294
        let p = overlayfs_error(b"overlayfs: upper fs needs to support d_type.").unwrap();
        assert_eq!(p.fields["d_type"], json!(true));
        assert_eq!(
            p.fields["problem"],
            json!("upper fs needs to support d_type")
        );
        let p = overlayfs_error(b"overlayfs: filesystem on '/var/lib/docker/overlay2/check/upper' not supported as upperdir").unwrap();
        assert_eq!(
            p.fields["path"],
            json!("/var/lib/docker/overlay2/check/upper")
        );
        assert!(overlayfs_error(b"overlayfs: upper fs does not support tmpfile.").is_none());
        assert!(overlayfs_error(b"overlayfs: fs on '/var/lib/containerd/x' does not support file handles, falling back to index=off,nfs_export=off.").is_none());
        assert!(
            overlayfs_error(b"overlayfs: \"xino\" feature enabled using 3 upper inode bits.")
                .is_none()
        );
    }
}
