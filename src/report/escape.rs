//! Escaping of log text for each output medium. Log lines are hostile input: they can
//! carry terminal escape sequences, HTML, Markdown table syntax and bidi overrides.
//!
//! Every function here makes its input inert for one medium and keeps it readable:
//! control characters become visible escapes (`\e`, `\x07`, `\u{9b}`) rather than
//! disappearing, so the reader still sees that they were there.

use std::fmt::Write as _;

/// Is `c` a character that must never reach a terminal or page unescaped?
///
/// C0 controls except tab and newline (the callers decide about those), DEL, C1
/// controls (8-bit CSI `U+009B` is a terminal escape on its own), and the bidi
/// overrides/isolates that can reorder what the reader sees ("trojan source").
fn is_dangerous(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Append the visible form of a dangerous character.
fn push_visible(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\r' => out.push_str("\\r"),
        '\u{0}'..='\u{1f}' | '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// One log line made safe for a terminal: controls are shown as `\e`, `\x07`,
/// `\r`, `\n`, `\u{9b}`; tabs are kept.
///
/// ```
/// use podmortem::report::escape::terminal;
/// assert_eq!(terminal("\x1b[31mred\x1b[0m"), "\\e[31mred\\e[0m");
/// ```
pub fn terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\n' {
            out.push_str("\\n");
        } else if is_dangerous(c) {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Text for HTML element content *and* quoted attribute values: `& < > " '` become
/// entities and controls become visible escapes. Newlines and tabs are kept (the
/// stylesheet decides how they show).
///
/// ```
/// use podmortem::report::escape::html;
/// assert_eq!(html("<b a=\"x\">'&'</b>"), "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;");
/// ```
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_dangerous(c) => push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// Text for a Markdown table cell or inline paragraph text: no table breaks (`|`),
/// no code spans, emphasis, links or raw HTML; newlines become `<br>`.
///
/// HTML-significant characters become entities (`&lt;`), Markdown punctuation is
/// backslash-escaped, controls become visible escapes.
///
/// ```
/// use podmortem::report::escape::markdown;
/// assert_eq!(markdown("a|b `c` <i>"), "a\\|b \\`c\\` &lt;i&gt;");
/// ```
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("<br>"),
            '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if is_dangerous(c) => push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// JSON made safe to print and to embed, written by serde_json with this formatter:
/// DEL, C1 controls, bidi controls and U+2028/U+2029 inside strings become `\uXXXX`
/// escapes (serde_json writes them as they are). Escaping happens as strings are
/// written, so a large report is neither built as one string nor scanned a second time.
///
/// With `for_html_script`, `<`, `>` and `&` are escaped too, so the JSON can sit inside
/// a `<script>` element without `</script>` or `<!--` ending it. These characters can
/// only occur inside JSON strings, where a `\uXXXX` escape means the same value.
pub(crate) struct InertJson {
    pretty: serde_json::ser::PrettyFormatter<'static>,
    for_html_script: bool,
}

impl InertJson {
    /// A pretty-printing formatter (two-space indent).
    pub(crate) fn new(for_html_script: bool) -> InertJson {
        InertJson {
            pretty: serde_json::ser::PrettyFormatter::new(),
            for_html_script,
        }
    }
}

/// Serialize `value` as pretty, inert JSON (see [`InertJson`]).
pub(crate) fn write_json<T: serde::Serialize + ?Sized>(
    value: &T,
    out: &mut dyn std::io::Write,
    for_html_script: bool,
) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, InertJson::new(for_html_script));
    value.serialize(&mut ser).map_err(std::io::Error::other)
}

/// Forwards one layout method to the pretty formatter.
macro_rules! pretty {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $name<W: ?Sized + std::io::Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> std::io::Result<()> {
            self.pretty.$name(w $(, $arg)*)
        }
    )*};
}

impl serde_json::ser::Formatter for InertJson {
    pretty! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        begin_object_value();
        end_object_value();
    }

    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut copied = 0;
        for (i, &b) in fragment.as_bytes().iter().enumerate() {
            // Every character to escape starts with one of these bytes (C1 controls
            // with 0xC2, the U+20xx ones with 0xE2), each at a character boundary.
            let suspect = match b {
                b'<' | b'>' | b'&' => self.for_html_script,
                0x00..=0x1f | 0x7f | 0xc2 | 0xe2 => true,
                _ => false,
            };
            let Some(c) = suspect
                .then(|| fragment.get(i..).and_then(|rest| rest.chars().next()))
                .flatten()
            else {
                continue;
            };
            let escape = match c {
                '<' | '>' | '&' => self.for_html_script,
                '\u{2028}' | '\u{2029}' => true,
                c => is_dangerous(c),
            };
            if escape {
                w.write_all(fragment.get(copied..i).unwrap_or_default().as_bytes())?;
                write!(w, "\\u{:04x}", u32::from(c))?;
                copied = i + c.len_utf8();
            }
        }
        w.write_all(fragment.get(copied..).unwrap_or_default().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "kubelet[1]: \x1b[31mERR\x1b[0m \x1b]0;pwned\x07 <script>alert(1)</script> \"><img src=x onerror=alert(1)> a|b `x` \u{9b}2J \u{202e}txt.exe\x7f";

    #[test]
    fn terminal_output_has_no_raw_controls() {
        let out = terminal(HOSTILE);
        assert!(!out.chars().any(is_dangerous), "{out:?}");
        assert!(out.contains("\\e[31mERR\\e[0m"));
        assert!(out.contains("\\e]0;pwned\\x07"));
        assert!(out.contains("\\u{9b}2J"));
        assert!(out.contains("\\u{202e}txt.exe\\x7f"));
        assert_eq!(terminal("a\tb\nc\r"), "a\tb\\nc\\r");
    }

    #[test]
    fn html_is_inert_in_content_and_attributes() {
        let out = html(HOSTILE);
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('"'));
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(out.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!out.chars().any(is_dangerous));
        assert_eq!(html("it's"), "it&#39;s");
    }

    #[test]
    fn markdown_cells_cannot_break_tables_or_inject() {
        let out = markdown(HOSTILE);
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        assert!(out.contains("a\\|b \\`x\\`"));
        assert!(out.contains("&lt;script&gt;"));
        assert!(!out.chars().any(is_dangerous));
        // Every pipe is escaped, so a table row keeps its column count.
        let unescaped_pipes = out
            .match_indices('|')
            .filter(|(i, _)| i.checked_sub(1).and_then(|p| out.get(p..*i)) != Some("\\"))
            .count();
        assert_eq!(unescaped_pipes, 0);
        assert_eq!(markdown("line1\nline2"), "line1<br>line2");
        assert_eq!(
            markdown("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
    }

    #[test]
    fn json_for_script_escapes_closing_tags_and_line_separators() {
        let value = "</script><!-- \u{2028} & \u{9b}";
        let mut safe = Vec::new();
        assert!(write_json(&value, &mut safe, true).is_ok());
        let safe = String::from_utf8(safe).unwrap_or_default();
        assert_eq!(
            safe,
            "\"\\u003c/script\\u003e\\u003c!-- \\u2028 \\u0026 \\u009b\""
        );
        let back: String = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, "</script><!-- \u{2028} & \u{9b}");
        let mut plain = Vec::new();
        assert!(write_json(&value, &mut plain, false).is_ok());
        assert!(String::from_utf8_lossy(&plain).contains("</script>"));
    }
}
