//! Message templates: the constant part of a log message, with what varies from one
//! occurrence to the next (numbers, ids, hex, pod names, paths, quoted names) masked
//! as `<*>`. Lines sharing a template are one `unclassified` group (issue #11), on
//! whatever node they were written.
//!
//! The idea is logpai/Drain3's masking step (its default masks numbers, hex and IPs
//! by regex before clustering); here it is one pass over the words of the message,
//! with no clustering: lines the masks make equal are one group. What the masks
//! cannot see (two wordings of one error) stays two groups, which is the safe side.

/// The mask written in place of a variable part.
pub const MASK: &str = "<*>";

/// Longest template kept, in bytes: a giant line is grouped by its beginning.
const MAX_TEMPLATE: usize = 400;

/// The template of `message`: variable words masked, whitespace collapsed.
///
/// A word is masked when any of its alphanumeric runs varies (all digits, hex of six
/// or more with a digit, `0x...`, long letter-digit mixes such as uids), when it is a
/// path (`/var/lib/...`, `kube-system/coredns-...`), or when it is a quoted value
/// without spaces that varies (`pod="kube-system/coredns-5c98db65d4-abcde"`). `key=value` keeps
/// the key. A quoted value with spaces (a sentence, an `err="..."` text) keeps its
/// words and masks inside.
pub fn of(message: &[u8]) -> String {
    let text = String::from_utf8_lossy(message);
    let mut out = String::with_capacity(text.len().min(MAX_TEMPLATE));
    sentence(&text, &mut out);
    if out.len() > MAX_TEMPLATE {
        let mut cut = MAX_TEMPLATE;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// Mask the words of `text` into `out`, one space between words.
fn sentence(text: &str, out: &mut String) {
    let mut rest = text.trim_start();
    let mut first = true;
    while !rest.is_empty() {
        if !first {
            out.push(' ');
        }
        first = false;
        let (word, after) = next_word(rest);
        word_template(word, out);
        rest = after.trim_start();
        if out.len() > MAX_TEMPLATE {
            return;
        }
    }
}

/// The next word: up to whitespace outside quotes (a quoted value with spaces is one
/// word: `err="rpc error: code = Unknown"`).
fn next_word(text: &str) -> (&str, &str) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            // An escaped quote (`\"` inside a quoted value being split) opens nothing.
            b'\\' => i += 2,
            // An unterminated quote (a line cut short) is an ordinary character.
            b'"' | b'\'' => i = closing_quote(bytes, i).map_or(i + 1, |c| c + 1),
            b if b.is_ascii_whitespace() => break,
            _ => i += 1,
        }
    }
    // `\` skips a byte, which may be past the end or inside a multi-byte character.
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    text.split_at(i)
}

/// Index of the quote closing the one at `open`, skipping backslash escapes. A quote
/// inside a word (`don't`) with no partner closes nothing.
fn closing_quote(bytes: &[u8], open: usize) -> Option<usize> {
    let q = *bytes.get(open)?;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == q => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// One word's template: `key=value` keeps the key; quoted values are masked whole
/// (no spaces) or word by word; other words are kept unless a part varies.
fn word_template(word: &str, out: &mut String) {
    if let Some(eq) = word.find('=')
        && eq > 0
        && word[..eq]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        out.push_str(&word[..=eq]);
        value_template(&word[eq + 1..], out);
        return;
    }
    value_template(word, out);
}

fn value_template(word: &str, out: &mut String) {
    let bytes = word.as_bytes();
    if let Some(&q @ (b'"' | b'\'')) = bytes.first()
        && let Some(close) = closing_quote(bytes, 0)
    {
        let inner = &word[1..close];
        let q = char::from(q);
        out.push(q);
        if inner.bytes().any(|b| b.is_ascii_whitespace()) {
            let mut sub = String::new();
            sentence(inner, &mut sub);
            out.push_str(&sub);
        } else if varies(inner) {
            out.push_str(MASK);
        } else {
            out.push_str(inner);
        }
        out.push(q);
        // Whatever follows the closing quote (`":`, `",`).
        plain_word(&word[close + 1..], out);
        return;
    }
    plain_word(word, out);
}

/// A word without quotes: leading and trailing punctuation kept, the core masked
/// when it varies.
fn plain_word(word: &str, out: &mut String) {
    let is_edge = |c: char| "()[]{}<>,;:\"'\\`!?".contains(c) || c == '.';
    let core_start = word.find(|c: char| !is_edge(c)).unwrap_or(word.len());
    let core_end = word.rfind(|c: char| !is_edge(c)).map_or(core_start, |i| {
        i + word[i..].chars().next().map_or(1, char::len_utf8)
    });
    let (lead, core, trail) = (
        &word[..core_start],
        &word[core_start..core_end.max(core_start)],
        &word[core_end.max(core_start)..],
    );
    out.push_str(lead);
    // `mysqld[4123]`, `libc.so[7f3c+1e7000]`: the parts around brackets vary apart.
    for (i, part) in core.split(['[', ']']).enumerate() {
        if i > 0 {
            let at: usize = core.split(['[', ']']).take(i).map(|p| p.len() + 1).sum();
            out.push_str(&core[at - 1..at]);
        }
        if !part.is_empty() && varies(part) {
            out.push_str(MASK);
        } else {
            out.push_str(part);
        }
    }
    out.push_str(trail);
}

/// Whether a word (punctuation around it removed) is a variable value.
fn varies(core: &str) -> bool {
    if core.starts_with('/') || (core.contains('/') && !short_segments(core)) {
        return true;
    }
    core.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|run| !run.is_empty())
        .any(variable_run)
}

/// `I/O`, `TCP/IP`: slashes between short letter words are not paths.
fn short_segments(core: &str) -> bool {
    core.split('/')
        .all(|s| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// An alphanumeric run that varies: a number, `0x...` or long hex, or a long
/// letter-digit mix (uids, random suffixes of generated names).
fn variable_run(run: &str) -> bool {
    let digits = run.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    digits == run.len()
        || (run.starts_with("0x") && run.len() > 2)
        || (run.len() >= 6 && run.bytes().all(|b| b.is_ascii_hexdigit()))
        || (run.len() >= 8 && digits >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_ids_hex_and_paths_are_masked() {
        assert_eq!(
            of(b"EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm systemd: reading directory lblock 0"),
            "EXT4-fs error (device sda1): <*>: inode <*>: comm systemd: reading directory lblock <*>"
        );
        assert_eq!(
            of(b"Buffer I/O error on dev sdb, logical block 122, async page read"),
            "Buffer I/O error on dev sdb, logical block <*>, async page read"
        );
        assert_eq!(
            of(b"mysqld[4123]: segfault at 7f3c2a1b0000 ip 00007f3c29a1b2c3 sp 00007ffd5e6f7a80 error 4 in libc-2.27.so[7f3c29980000+1e7000]"),
            "mysqld[<*>]: segfault at <*> ip <*> sp <*> error <*> in <*>[<*>]"
        );
        assert_eq!(
            of(b"open /var/lib/kubelet/pods/5f0e/volumes: no such file"),
            "open <*>: no such file"
        );
    }

    /// The klog structured lines of issue #11: one template per message, whatever the
    /// pod, sandbox id or uid.
    #[test]
    fn structured_klog_values_are_masked_but_sentences_kept() {
        let a = of(br#""RunPodSandbox from runtime service failed" err="rpc error: code = DeadlineExceeded desc = context deadline exceeded""#);
        assert_eq!(
            a,
            r#""RunPodSandbox from runtime service failed" err="rpc error: code = DeadlineExceeded desc = context deadline exceeded""#
        );
        let one = of(br#""CreatePodSandbox for pod failed" err="rpc error: code = Unknown desc = failed to reserve sandbox name \"coredns-5c98db65d4-x7kqp_kube-system_0e1f7a2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b_0\": name \"coredns-5c98db65d4-x7kqp_kube-system_0e1f7a2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b_0\" is reserved for \"4b1c6a7d8e9f\"" pod="kube-system/coredns-5c98db65d4-x7kqp""#);
        let two = of(br#""CreatePodSandbox for pod failed" err="rpc error: code = Unknown desc = failed to reserve sandbox name \"web-7d9f8b6c5d-2xk4p_default_9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d_1\": name \"web-7d9f8b6c5d-2xk4p_default_9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d_1\" is reserved for \"aa11bb22cc33\"" pod="default/web-7d9f8b6c5d-2xk4p""#);
        assert_eq!(one, two);
        assert!(one.contains("failed to reserve sandbox name"), "{one}");
        assert!(one.ends_with(r#"pod="<*>""#), "{one}");
    }

    /// Escaped quotes inside a quoted value (kubelet's `err="... node \"x\" not found"`).
    #[test]
    fn escaped_quotes_inside_values_are_words() {
        assert_eq!(
            of(br#""Eviction manager: failed to get summary stats" err="failed to get node info: node \"minikube-2\" not found""#),
            r#""Eviction manager: failed to get summary stats" err="failed to get node info: node \"<*>\" not found""#
        );
    }

    #[test]
    fn words_that_name_things_are_kept() {
        assert_eq!(
            of(b"I/O error, dev sda, sector 2048"),
            "I/O error, dev sda, sector <*>"
        );
        assert_eq!(
            of(b"level=error msg=\"failed\" module=libcontainerd namespace=moby"),
            "level=error msg=\"failed\" module=libcontainerd namespace=moby"
        );
        assert_eq!(of(b"  two   spaces  "), "two spaces");
        assert_eq!(of(b""), "");
    }

    proptest::proptest! {
        /// Any bytes, any quotes and backslashes: a template, never a panic.
        #[test]
        fn never_panics(bytes in proptest::collection::vec(
            proptest::sample::select(vec![b'a', b'1', b' ', b'"', b'\'', b'\\', b'=', b'/', b'[', b']', 0xc3, 0xbc, 0xff]),
            0..64,
        )) {
            let _ = of(&bytes);
        }
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for s in [
            &b"\"unterminated quote"[..],
            b"a=\"\\",
            b"\xff\xfe bad utf8 =\"",
            b"=\"x y\"",
            "a \\\u{fc}b \"c\\\u{1F600}\" d\\".as_bytes(),
            "\u{1F600}=\u{1F600} 'ü".as_bytes(),
        ] {
            let _ = of(s);
        }
        assert_eq!(
            of(br#""Handler for DELETE /v1.22/containers/vm50_56d9 returned"#),
            r#""Handler for DELETE <*> returned"#
        );
        let long = "word ".repeat(1000);
        assert!(of(long.as_bytes()).len() <= MAX_TEMPLATE + 4);
    }
}
