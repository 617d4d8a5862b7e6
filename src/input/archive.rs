//! Tar archives read from memory: lists regular members in archive order with their
//! bytes (capped), skips links, devices and FIFOs without following them, and reports
//! a cut or damaged archive once. Member names are never resolved on disk.

use chrono::{DateTime, Utc};
use std::io::Read;

use super::decompress::{self, Cut};

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

/// A regular member of a tar archive.
pub(crate) struct Member {
    /// Display-safe member path (see [`super::parts::member_display`]).
    pub name: String,
    /// The member's bytes, at most the cap.
    pub bytes: Vec<u8>,
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

/// List the regular members of the tar archive in `data`, each capped at `cap` bytes.
pub(crate) fn list(data: &[u8], cap: u64) -> Listing {
    let mut archive = tar::Archive::new(data);
    let mut members = Vec::new();
    let entries = match archive.entries() {
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
                damage = Some(damage_message(&err.to_string(), members.len()));
                break;
            }
        };
        let kind = entry.header().entry_type();
        // Links are not followed (a hard link's bytes are another member's, a symlink
        // may point anywhere); devices, FIFOs and directories hold no log bytes.
        if !(kind.is_file() || kind.is_contiguous() || kind.is_gnu_sparse()) {
            continue;
        }
        let name = super::parts::member_display(&entry.path_bytes());
        let declared = entry.size();
        let mtime = entry
            .header()
            .mtime()
            .ok()
            .and_then(|secs| i64::try_from(secs).ok())
            .and_then(|secs| DateTime::from_timestamp(secs, 0));
        let decoded = decompress::read_capped(entry.by_ref(), cap);
        let got = decoded.bytes.len() as u64;
        let short = decoded.cut.is_none() && got < declared;
        let read_error = matches!(
            decoded.cut,
            Some(Cut::Truncated { .. } | Cut::Corrupt { .. })
        );
        let cap_cut = match decoded.cut {
            Some(cut @ Cut::Cap { .. }) => Some(cut),
            _ => None,
        };
        members.push(Member {
            name: name.clone(),
            bytes: decoded.bytes,
            mtime,
            cut: cap_cut,
        });
        if short || read_error {
            damage = Some(format!(
                "truncated tar archive: member `{name}` cut after {got} of {declared} bytes; \
                 kept the {} member(s) read",
                members.len()
            ));
            break;
        }
    }
    Listing { members, damage }
}

/// The message for an archive whose next header could not be read.
fn damage_message(err: &str, read: usize) -> String {
    if err.contains("entire block") || err.contains("unexpected EOF") || err.contains("end of file")
    {
        format!("truncated tar archive ({err}); kept the {read} member(s) before the cut")
    } else {
        format!("corrupt tar archive ({err}); kept the {read} member(s) before the damage")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
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
        assert_eq!(
            listing.members.first().map(|m| m.bytes.as_slice()),
            Some(b"second\n".as_slice())
        );
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
}
