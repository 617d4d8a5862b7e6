//! Facts files: small text files of a collection that describe the node rather than
//! log anything (`etc/timezone`, `etc/hostname`, a sosreport's `hostname`). They are
//! returned as [`super::Fact`]s, not as sources.

use super::FactKind;
use super::parts::Part;

/// Facts files larger than this are not facts; they stay ordinary sources.
const MAX_FACT_BYTES: usize = 4096;

/// The kind of facts file at this logical path, if it is one.
pub(crate) fn kind(parts: &[Part]) -> Option<FactKind> {
    let (file, dirs) = parts.split_last()?;
    let parent = dirs.last().filter(|p| !p.archive).map(|p| p.name.as_str());
    match (parent, file.name.as_str()) {
        (Some("etc"), "timezone") => Some(FactKind::Timezone),
        (Some("etc"), "hostname") => Some(FactKind::Hostname),
        (Some(dir), "hostname") if dir.starts_with("sosreport-") => {
            Some(FactKind::SosreportHostname)
        }
        _ => None,
    }
}

/// The value of a facts file: its first non-empty line, trimmed; `None` when the file
/// is too large, not text, or holds nothing usable.
pub(crate) fn value(data: &[u8]) -> Option<String> {
    if data.len() > MAX_FACT_BYTES {
        return None;
    }
    let text = std::str::from_utf8(data).ok()?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    if line.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    Some(line.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(names: &[&str]) -> Vec<Part> {
        names
            .iter()
            .map(|n| Part {
                name: (*n).to_owned(),
                archive: false,
            })
            .collect()
    }

    #[test]
    fn recognises_facts_files() {
        assert_eq!(
            kind(&parts(&["n1", "etc", "timezone"])),
            Some(FactKind::Timezone)
        );
        assert_eq!(kind(&parts(&["etc", "hostname"])), Some(FactKind::Hostname));
        assert_eq!(
            kind(&parts(&["sosreport-a-2018", "hostname"])),
            Some(FactKind::SosreportHostname)
        );
        assert_eq!(kind(&parts(&["var", "log", "timezone"])), None);
    }

    #[test]
    fn values() {
        assert_eq!(value(b"Asia/Shanghai\n").as_deref(), Some("Asia/Shanghai"));
        assert_eq!(value(b"\n  node-3  \n").as_deref(), Some("node-3"));
        assert_eq!(value(b"two words\n"), None);
        assert_eq!(value(b""), None);
    }
}
