//! Binary detection: files that are not text logs (executables, images, login
//! accounting databases, binary journald files, generally non-text data) are skipped
//! with a message that says what they are and, when there is one, how to read them.
//!
//! A text log with a few NUL bytes (a file cut by a crash, or zero-filled blocks at
//! its end) is still text: long NUL runs count as padding, not as binary content.

/// How many leading bytes the share of odd bytes is measured on, so that judging a
/// large file does not read it through.
const SAMPLE: usize = 8 * 1024;
/// NUL runs at least this long are padding (crash-zeroed blocks), not content.
const PADDING_RUN: usize = 64;
/// More than this share (in percent) of odd bytes in the content means binary.
const ODD_PERCENT: usize = 10;

/// The reason to skip a source as binary, or `None` when it should be read as text.
/// `file_name` is the last path component (used for `wtmp`, `btmp`, `lastlog`).
pub(crate) fn binary_reason(file_name: &str, data: &[u8]) -> Option<String> {
    if let Some(reason) = by_magic(data) {
        return Some(reason);
    }
    if let Some(db) = login_db_name(file_name) {
        return Some(login_db_message(db));
    }
    let sample = data.get(..SAMPLE).unwrap_or(data);
    if !mostly_binary(sample) {
        return None;
    }
    if looks_like_utmp(data) {
        return Some(login_db_message("wtmp"));
    }
    Some("binary data (not text); skipped".to_owned())
}

/// Formats known by their first bytes.
fn by_magic(data: &[u8]) -> Option<String> {
    if data.starts_with(b"LPKSHHRH") {
        return Some(
            "binary journald file; skipped; export it with \
             `journalctl --file X -o export > X.export` and pass that file instead"
                .to_owned(),
        );
    }
    let kind = if data.starts_with(b"\x7fELF") {
        "ELF executable or library"
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        "PNG image"
    } else if data.starts_with(&[0xff, 0xd8, 0xff]) {
        "JPEG image"
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        "GIF image"
    } else {
        return None;
    };
    Some(format!("binary file ({kind}); skipped"))
}

/// `wtmp`, `btmp`, `lastlog` and their rotations (`wtmp.1`, `btmp-20180617`).
fn login_db_name(file_name: &str) -> Option<&'static str> {
    ["wtmp", "btmp", "lastlog", "utmp"].into_iter().find(|db| {
        file_name == *db
            || file_name
                .strip_prefix(db)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('-'))
    })
}

fn login_db_message(db: &str) -> String {
    let tool = if db == "lastlog" {
        "lastlog"
    } else {
        "last -f FILE"
    };
    format!("binary login accounting file ({db}); skipped; read it with `{tool}`")
}

/// glibc utmp records are 384 bytes and start with a small `ut_type` (1..=9).
fn looks_like_utmp(data: &[u8]) -> bool {
    const RECORD: usize = 384;
    if data.is_empty() || !data.len().is_multiple_of(RECORD) {
        return false;
    }
    let first = data
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(i32::from_le_bytes);
    first.is_some_and(|t| (1..=9).contains(&t))
}

/// Whether the sample is mostly non-text once padding runs of NUL are set aside.
/// Invalid UTF-8 is not counted against a file: Latin-1 logs are still logs.
fn mostly_binary(sample: &[u8]) -> bool {
    let mut content = 0usize;
    let mut odd = 0usize;
    let mut run = 0usize;
    for &byte in sample {
        if byte == 0 {
            run += 1;
            continue;
        }
        if run > 0 {
            settle_run(run, &mut content, &mut odd);
            run = 0;
        }
        content += 1;
        if is_odd_control(byte) {
            odd += 1;
        }
    }
    settle_run(run, &mut content, &mut odd);
    if content == 0 {
        // Only padding: nothing a line parser could use, unless the file is empty.
        return !sample.is_empty();
    }
    odd * 100 > content * ODD_PERCENT
}

/// Short NUL runs inside content are binary-ish bytes; long ones are padding.
fn settle_run(run: usize, content: &mut usize, odd: &mut usize) {
    if run > 0 && run < PADDING_RUN {
        *content += run;
        *odd += run;
    }
}

/// Control bytes that text logs do not contain (tab, newlines, form feed and the
/// escape of colour codes are fine).
fn is_odd_control(byte: u8) -> bool {
    matches!(byte, 0x01..=0x08 | 0x0e..=0x1a | 0x1c..=0x1f | 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &[u8] =
        b"Jun  8 03:03:28 node-1 kernel: [88820.247535] Out of memory: Kill process 1234 (java)\n";

    #[test]
    fn text_with_a_crash_cut_is_text() {
        let mut data = LINE.repeat(20);
        data.extend(std::iter::repeat_n(0u8, 4096));
        data.extend_from_slice(LINE);
        assert_eq!(binary_reason("syslog", &data), None);
        let mut few = LINE.repeat(20);
        few.extend_from_slice(b"\0\0\0");
        assert_eq!(binary_reason("syslog", &few), None);
    }

    #[test]
    fn known_binaries_are_named() {
        let reason = binary_reason("system.journal", b"LPKSHHRH\0\0\0\0\x01\x02");
        assert!(
            reason
                .unwrap_or_default()
                .contains("journalctl --file X -o export")
        );
        let reason = binary_reason("kubelet", b"\x7fELF\x02\x01\x01\0\0\0\0\0");
        assert!(reason.unwrap_or_default().contains("ELF"));
        let reason = binary_reason("wtmp.1", LINE);
        assert!(reason.unwrap_or_default().contains("wtmp"));
        assert_eq!(binary_reason("wtmpx-notes.txt", LINE), None);
    }

    #[test]
    fn utmp_content_is_recognised_without_its_name() {
        let mut record = vec![0u8; 384];
        if let Some(head) = record.get_mut(..4) {
            head.copy_from_slice(&7i32.to_le_bytes());
        }
        if let Some(user) = record.get_mut(44..48) {
            user.copy_from_slice(b"root");
        }
        let data = record.repeat(3);
        let reason = binary_reason("accounting.dat", &data).unwrap_or_default();
        assert!(reason.contains("login accounting"), "{reason}");
    }

    #[test]
    fn empty_is_text() {
        assert_eq!(binary_reason("kern.log", b""), None);
    }
}
