//! Tar archives read from memory: lists regular members in archive order with their
//! bytes (capped), skips links, devices and FIFOs without following them, and reports
//! a cut or damaged archive once. Member names are never resolved on disk.

use chrono::{DateTime, Utc};
use std::io::Read;

use super::decompress::{self, Cut, InputEnd, Watched};

/// Whether `data` looks like a tar archive: `ustar` at offset 257 (POSIX and GNU),
/// or an old v7 header whose checksum adds up (v7 has no magic).
pub(crate) fn is_tar(data: &[u8]) -> bool {
    if data.get(257..262) == Some(b"ustar".as_slice()) {
        return true;
    }
    data.get(..512).is_some_and(v7_header)
}

/// A v7 header: a non-empty name and a valid octal checksum (bytes 148..156 counted
/// as spaces). Text never passes by chance: the checksum field must be octal digits.
fn v7_header(block: &[u8]) -> bool {
    if block.first().is_none_or(|b| *b == 0) {
        return false;
    }
    let Some(field) = block.get(148..156) else {
        return false;
    };
    let digits: String = field
        .iter()
        .map(|b| *b as char)
        .take_while(|c| c.is_digit(8) || *c == ' ')
        .filter(|c| *c != ' ')
        .collect();
    let Ok(stored) = u32::from_str_radix(&digits, 8) else {
        return false;
    };
    header_sum(block) == stored
}

/// The tar header checksum: the byte sum of the block, its checksum field counted as
/// eight spaces.
fn header_sum(block: &[u8]) -> u32 {
    block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum()
}

/// Where a listed member's bytes are.
pub(crate) enum MemberBytes {
    /// A range of the archive's own bytes (a plain member: sliced, not copied).
    Range(std::ops::Range<usize>),
    /// Bytes read out (a GNU sparse member, whose data is not contiguous).
    Owned(Vec<u8>),
}

/// A regular member of a tar archive.
pub(crate) struct Member {
    /// Display-safe member path (see [`super::parts::member_display`]).
    pub name: String,
    /// The member's bytes, at most the cap.
    pub bytes: MemberBytes,
    /// Modification time from the header.
    pub mtime: Option<DateTime<Utc>>,
    /// Set when this member was not read whole (cap hit).
    pub cut: Option<Cut>,
}

/// All regular members, and a message when the archive itself is cut or damaged.
pub(crate) struct Listing {
    /// Members in archive order.
    pub members: Vec<Member>,
    /// "truncated tar archive: ..." or "corrupt tar archive: ..." (at most one).
    pub damage: Option<String>,
}

/// What a header says about a member, when it is a regular file worth reading.
pub(crate) struct Header {
    /// Display-safe member path.
    pub name: String,
    /// Size the header declares.
    pub declared: u64,
    /// Modification time.
    pub mtime: Option<DateTime<Utc>>,
}

/// The header of a regular member, `None` for links, devices, FIFOs and directories.
pub(crate) fn regular<R: Read>(entry: &tar::Entry<'_, R>) -> Option<Header> {
    let kind = entry.header().entry_type();
    // Links are not followed (a hard link's bytes are another member's, a symlink
    // may point anywhere); devices, FIFOs and directories hold no log bytes.
    if !(kind.is_file() || kind.is_contiguous() || kind.is_gnu_sparse()) {
        return None;
    }
    let mtime = entry
        .header()
        .mtime()
        .ok()
        .and_then(|secs| i64::try_from(secs).ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0));
    Some(Header {
        name: super::parts::member_display(&entry.path_bytes()),
        declared: entry.size(),
        mtime,
    })
}

/// The message for a member whose bytes stop before the size its header declares.
pub(crate) fn short_message(name: &str, got: u64, declared: u64, kept: usize) -> String {
    format!(
        "truncated tar archive: member `{name}` cut after {got} of {declared} bytes; \
         kept the {kept} member(s) read"
    )
}

/// List the regular members of the tar archive in `data`, each capped at `cap`
/// bytes. Plain members are ranges of `data` (nothing is copied); the walk seeks
/// over member data instead of reading it.
pub(crate) fn list(data: &[u8], cap: u64) -> Listing {
    let end = InputEnd::default();
    let mut archive = tar::Archive::new(Watched::new(std::io::Cursor::new(data), end.clone()));
    let mut members = Vec::new();
    let entries = match archive.entries_with_seek() {
        Ok(entries) => entries,
        Err(err) => {
            return Listing {
                members,
                damage: Some(format!("corrupt tar archive ({err}); nothing read")),
            };
        }
    };
    let mut damage = None;
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                damage = Some(damage_message(&err, end.reached(), members.len()));
                break;
            }
        };
        let Some(header) = regular(&entry) else {
            continue;
        };
        let declared = header.declared;
        let (bytes, got, cut, read_error) = if entry.header().entry_type().is_gnu_sparse() {
            let decoded = decompress::read_capped(entry.by_ref(), cap);
            let got = decoded.bytes.len() as u64;
            let read_error = matches!(
                decoded.cut,
                Some(Cut::Truncated { .. } | Cut::Corrupt { .. })
            );
            (
                MemberBytes::Owned(decoded.bytes),
                got,
                decoded.cut,
                read_error,
            )
        } else {
            let start = usize::try_from(entry.raw_file_position())
                .unwrap_or(usize::MAX)
                .min(data.len());
            let want = declared.min(cap);
            let end = usize::try_from(want)
                .ok()
                .and_then(|w| start.checked_add(w))
                .unwrap_or(usize::MAX)
                .min(data.len());
            let cut = (declared > cap).then_some(Cut::Cap { cap });
            (
                (MemberBytes::Range(start..end)),
                (end - start) as u64,
                cut,
                false,
            )
        };
        let cap_cut = match cut {
            Some(cut @ Cut::Cap { .. }) => Some(cut),
            _ => None,
        };
        let short = cap_cut.is_none() && got < declared;
        members.push(Member {
            name: header.name.clone(),
            bytes,
            mtime: header.mtime,
            cut: cap_cut,
        });
        if short || read_error {
            damage = Some(short_message(&header.name, got, declared, members.len()));
            break;
        }
    }
    Listing { members, damage }
}

/// The message for an archive whose next header could not be read: truncated when
/// the archive's bytes ran out under the reader (a header or skipped data cut off),
/// corrupt when they were there but wrong (a header checksum that does not add up).
pub(crate) fn damage_message(err: &std::io::Error, input_ended: bool, read: usize) -> String {
    if input_ended {
        format!("truncated tar archive ({err}); kept the {read} member(s) before the cut")
    } else {
        format!("corrupt tar archive ({err}); kept the {read} member(s) before the damage")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tar archive of `files` (GNU headers, one fixed mtime), for input tests.
    pub(crate) fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(1_529_204_713);
            header.set_cksum();
            let _ = builder.append_data(&mut header, name, *data);
        }
        builder.into_inner().unwrap_or_default()
    }

    #[test]
    fn lists_members_in_order() {
        let data = tar_of(&[("b.log", b"second\n"), ("a.log", b"first\n")]);
        assert!(is_tar(&data));
        let listing = list(&data, u64::MAX);
        assert!(listing.damage.is_none());
        let names: Vec<&str> = listing.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["b.log", "a.log"]);
        let first = match listing.members.first().map(|m| &m.bytes) {
            Some(MemberBytes::Range(r)) => data.get(r.clone()),
            _ => None,
        };
        assert_eq!(first, Some(b"second\n".as_slice()), "sliced, not copied");
        assert!(listing.members.first().and_then(|m| m.mtime).is_some());
    }

    #[test]
    fn text_is_not_a_v7_tar() {
        let text =
            b"Jun 17 03:05:13 node-1 kernel: Out of memory: Kill process 1234 (java)\n".repeat(10);
        assert!(!is_tar(&text));
        let mut v7 = tar_of(&[("a.log", b"x\n")]);
        if let Some(magic) = v7.get_mut(257..265) {
            magic.fill(0);
        }
        if let Some(first) = v7.get(..512) {
            // Rewrite the checksum for the magic-less header, as a v7 writer would.
            let sum = header_sum(first);
            let field = format!("{sum:06o}\0 ");
            if let Some(slot) = v7.get_mut(148..156) {
                slot.copy_from_slice(field.as_bytes());
            }
        }
        assert!(is_tar(&v7));
    }

    #[test]
    fn cut_inside_a_member_is_one_problem() {
        let big = vec![b'x'; 4096];
        let data = tar_of(&[("a.log", b"first\n"), ("b.log", &big)]);
        let cut = data.get(..512 * 3 + 100).unwrap_or_default();
        let listing = list(cut, u64::MAX);
        assert_eq!(listing.members.len(), 2);
        let damage = listing.damage.unwrap_or_default();
        assert!(damage.starts_with("truncated tar archive"), "{damage}");
    }

    /// Two members: `a.log` (header 0..512, data 512..1024) and `b.log` (header
    /// 1024..1536, data from 1536).
    fn two_members() -> Vec<u8> {
        tar_of(&[("a.log", b"first\n"), ("b.log", &[b'x'; 4096])])
    }

    fn damage_of(data: &[u8]) -> (usize, String) {
        let listing = list(data, u64::MAX);
        (listing.members.len(), listing.damage.unwrap_or_default())
    }

    #[test]
    fn cut_inside_a_header_is_truncated() {
        let data = two_members();
        let (kept, damage) = damage_of(data.get(..1024 + 100).unwrap_or_default());
        assert_eq!(kept, 1);
        assert!(damage.starts_with("truncated tar archive ("), "{damage}");
        assert!(
            damage.ends_with("kept the 1 member(s) before the cut"),
            "{damage}"
        );
    }

    #[test]
    fn a_header_that_does_not_add_up_is_corrupt() {
        let mut data = two_members();
        // A byte of `b.log`'s name: its checksum no longer matches.
        if let Some(b) = data.get_mut(1024 + 2) {
            *b ^= 0x20;
        }
        let (kept, damage) = damage_of(&data);
        assert_eq!(kept, 1);
        assert!(damage.starts_with("corrupt tar archive ("), "{damage}");
        assert!(
            damage.ends_with("kept the 1 member(s) before the damage"),
            "{damage}"
        );
        // Still corrupt when the bad header is the archive's last block: all its
        // bytes were there.
        let (kept, damage) = damage_of(data.get(..1536).unwrap_or_default());
        assert_eq!(kept, 1);
        assert!(damage.starts_with("corrupt tar archive ("), "{damage}");
    }
}
