//! Logical path parts: the directories, archives and file name a source was found
//! under, as plain strings. Node identity, rotation streams and facts files are
//! decided from these, never from the disk (archive members are never resolved).

use std::path::{Component, Path};

/// One component of a source's logical path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Part {
    /// The component as text (lossy UTF-8).
    pub name: String,
    /// True when this component is an archive that was opened (`bundle.tgz`).
    pub archive: bool,
}

impl Part {
    fn plain(name: &str) -> Part {
        Part {
            name: name.to_owned(),
            archive: false,
        }
    }
}

/// The normal components of a path on disk, as the user wrote it (`.`, `..` and
/// the root are dropped: they say nothing about the collection layout).
pub(crate) fn from_disk_path(path: &Path) -> Vec<Part> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(Part::plain(&s.to_string_lossy())),
            _ => None,
        })
        .collect()
}

/// A tar member name made safe to display: leading `/` and `./` removed, empty and
/// `.` components dropped, `..` kept literally (it is never resolved on disk).
pub(crate) fn member_display(member_name: &[u8]) -> String {
    let text = String::from_utf8_lossy(member_name);
    let kept: Vec<&str> = text
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    kept.join("/")
}

/// The layout parts of a (display-safe) member name; `..` is dropped here because a
/// parent reference names no directory of the collection.
pub(crate) fn from_member(display: &str) -> Vec<Part> {
    display
        .split('/')
        .filter(|c| !c.is_empty() && *c != "..")
        .map(Part::plain)
        .collect()
}

/// The archive name without its archive/compression extensions: `node-3.tar.gz` →
/// `node-3`, `sosreport-a-2018.tar.xz` → `sosreport-a-2018`.
pub(crate) fn archive_stem(name: &str) -> &str {
    const SUFFIXES: [&str; 11] = [
        ".tar.gz", ".tar.zst", ".tar.xz", ".tar.bz2", ".tgz", ".tzst", ".txz", ".tar", ".gz",
        ".zst", ".xz",
    ];
    for suffix in SUFFIXES {
        if let Some(stem) = name.strip_suffix(suffix)
            && !stem.is_empty()
        {
            return stem;
        }
    }
    name
}

/// A key naming a collection root (everything up to the node directory or archive),
/// used to attach `etc/timezone` and sosreport `hostname` to the sources beside them.
pub(crate) fn root_key(parts: &[Part]) -> String {
    let mut key = String::new();
    for part in parts {
        key.push_str(&part.name);
        key.push(if part.archive { '!' } else { '/' });
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_made_safe() {
        assert_eq!(member_display(b"/etc/passwd"), "etc/passwd");
        assert_eq!(member_display(b"./var/log//syslog"), "var/log/syslog");
        assert_eq!(member_display(b"../../x.log"), "../../x.log");
        let parts = from_member("../../x.log");
        assert_eq!(parts.len(), 1);
        assert_eq!(parts.first().map(|p| p.name.as_str()), Some("x.log"));
    }

    #[test]
    fn archive_stems() {
        assert_eq!(archive_stem("node-3.tar.gz"), "node-3");
        assert_eq!(archive_stem("node-3.tgz"), "node-3");
        assert_eq!(archive_stem("syslog"), "syslog");
        assert_eq!(archive_stem(".tar"), ".tar");
    }
}
