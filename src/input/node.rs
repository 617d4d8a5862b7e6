//! Node identity from the collection layout: sosreport directories and archives,
//! must-gather `nodes/<node>/`, plain copies `<node>/var/log/...` and per-node
//! archives `<node>.tar.gz` holding `var/log/...`. The `--node` flag and sosreport
//! `hostname` files are applied later by the caller, which sees every source.

use super::NodeFrom;
use super::parts::{Part, archive_stem, root_key};

/// What the layout says about a file's node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NodeGuess {
    /// The node name, when the layout names one.
    pub node: Option<String>,
    /// Which rule decided.
    pub from: NodeFrom,
    /// Key of the collection root the file belongs to (for facts files beside it).
    pub root: Option<String>,
}

impl NodeGuess {
    fn unknown() -> NodeGuess {
        NodeGuess {
            node: None,
            from: NodeFrom::Unknown,
            root: None,
        }
    }
}

/// Guess the node of a file from its logical path (the last part is the file itself).
pub(crate) fn guess(parts: &[Part]) -> NodeGuess {
    let dirs = parts
        .get(..parts.len().saturating_sub(1))
        .unwrap_or_default();
    if let Some(guess) = sosreport(dirs) {
        return guess;
    }
    if let Some(guess) = must_gather(dirs) {
        return guess;
    }
    if let Some(guess) = filesystem_copy(dirs) {
        return guess;
    }
    NodeGuess::unknown()
}

/// `sosreport-<host>-<case>-<date>-<id>` (a directory or an archive). The host runs up
/// to the first dash-separated field of four or more digits (a case number or a year);
/// a legacy `.<case>` tail is dropped. The `hostname` file, when present, wins later.
fn sosreport(dirs: &[Part]) -> Option<NodeGuess> {
    let index = dirs
        .iter()
        .rposition(|p| p.name.starts_with("sosreport-"))?;
    let part = dirs.get(index)?;
    let name = if part.archive {
        archive_stem(&part.name)
    } else {
        part.name.as_str()
    };
    let rest = name.strip_prefix("sosreport-")?;
    let fields: Vec<&str> = rest
        .split('-')
        .take_while(|f| !(f.len() >= 4 && f.bytes().all(|b| b.is_ascii_digit())))
        .collect();
    let mut host = fields.join("-");
    if let Some((head, tail)) = host.rsplit_once('.')
        && !tail.is_empty()
        && tail.bytes().all(|b| b.is_ascii_digit())
    {
        host = head.to_owned();
    }
    Some(NodeGuess {
        node: (!host.is_empty()).then_some(host),
        from: NodeFrom::Sosreport,
        root: Some(root_key(dirs.get(..=index)?)),
    })
}

/// must-gather: `nodes/<node>/...` names the node; `host_service_logs/` holds logs of
/// several nodes at once, so the node stays unnamed (each line's hostname decides).
fn must_gather(dirs: &[Part]) -> Option<NodeGuess> {
    if let Some(index) = dirs.iter().rposition(|p| p.name == "nodes" && !p.archive)
        && let Some(node) = dirs.get(index + 1)
    {
        return Some(NodeGuess {
            node: Some(node.name.clone()),
            from: NodeFrom::MustGather,
            root: Some(root_key(dirs.get(..=index + 1)?)),
        });
    }
    if let Some(index) = dirs.iter().rposition(|p| p.name == "host_service_logs") {
        return Some(NodeGuess {
            node: None,
            from: NodeFrom::MustGather,
            root: Some(root_key(dirs.get(..=index)?)),
        });
    }
    None
}

/// A copy of a node's file system: the part right before `var/log`, `var/lib` or
/// `etc` names the node — a directory (`node-1/var/log/syslog`) or an archive
/// (`node-1.tar.gz!/var/log/syslog`). With nothing before it the node is unknown,
/// but the root is still known (for `etc/timezone` beside `var/log`).
fn filesystem_copy(dirs: &[Part]) -> Option<NodeGuess> {
    let index = dirs.iter().enumerate().rposition(|(i, p)| {
        let next = dirs.get(i + 1).map(|n| n.name.as_str());
        !p.archive
            && ((p.name == "var" && matches!(next, Some("log" | "lib")))
                || (p.name == "etc" && next.is_none()))
    })?;
    let root = Some(root_key(dirs.get(..index)?));
    let Some(owner) = index.checked_sub(1).and_then(|i| dirs.get(i)) else {
        return Some(NodeGuess {
            node: None,
            from: NodeFrom::Unknown,
            root,
        });
    };
    let (node, from) = if owner.archive {
        (archive_stem(&owner.name).to_owned(), NodeFrom::ArchiveName)
    } else {
        (owner.name.clone(), NodeFrom::Directory)
    };
    Some(NodeGuess {
        node: Some(node),
        from,
        root,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(spec: &str) -> Vec<Part> {
        // `!` after a name marks an archive: "bundle.tgz!/node-1/var/log/syslog".
        spec.split('/')
            .map(|s| Part {
                name: s.trim_end_matches('!').to_owned(),
                archive: s.ends_with('!'),
            })
            .collect()
    }

    fn node(spec: &str) -> (Option<String>, NodeFrom) {
        let g = guess(&parts(spec));
        (g.node, g.from)
    }

    #[test]
    fn layouts() {
        assert_eq!(
            node("sosreport-node-3-01234567-2018-06-17-abcdef/var/log/messages"),
            (Some("node-3".into()), NodeFrom::Sosreport)
        );
        assert_eq!(
            node("sosreport-ip-10-0-0-5.12345-20180617030513.tar.xz!/var/log/messages"),
            (Some("ip-10-0-0-5".into()), NodeFrom::Sosreport)
        );
        assert_eq!(
            node("must-gather.local/quay-io/nodes/worker-1/journal"),
            (Some("worker-1".into()), NodeFrom::MustGather)
        );
        assert_eq!(
            node("mg/host_service_logs/masters/kubelet_service.log"),
            (None, NodeFrom::MustGather)
        );
        assert_eq!(
            node("logs/node-1/var/log/syslog"),
            (Some("node-1".into()), NodeFrom::Directory)
        );
        assert_eq!(
            node("bundle.tgz!/node-3/var/log/syslog.2.gz"),
            (Some("node-3".into()), NodeFrom::Directory)
        );
        assert_eq!(
            node("nodes-dir/node-7.tar.gz!/var/log/kern.log"),
            (Some("node-7".into()), NodeFrom::ArchiveName)
        );
        assert_eq!(node("var/log/syslog"), (None, NodeFrom::Unknown));
        assert_eq!(node("syslog"), (None, NodeFrom::Unknown));
    }

    #[test]
    fn facts_share_the_root_of_their_logs() {
        let log = guess(&parts("b.tgz!/node-1/var/log/syslog"));
        let zone = guess(&parts("b.tgz!/node-1/etc/timezone"));
        assert_eq!(log.root, zone.root);
        assert!(log.root.is_some());
    }
}
