//! Node identity: which node each source and line belongs to (layout, hostname,
//! renames), decided per unit from every source's layout node and hostname samples.

use std::collections::{BTreeMap, BTreeSet};

use crate::events::Kind;
use crate::input::{NodeFrom, SourceMeta};
use crate::scan::Harvest;

/// Union-find over host names: names seen in one stream across a rename are one node.
///
/// Names live in namespaces: a source's unit and layout node (see [`namespace`]). Two
/// node folders whose logs both say `ubuntu` keep two `ubuntu`s that never join, so
/// each stays its own node (the collision is reported by the caller); and a unit
/// resolves alone exactly as it does beside other units.
#[derive(Default)]
pub struct Names {
    parent: BTreeMap<String, String>,
    layout: BTreeMap<String, String>,
    latest: BTreeMap<String, String>,
}

/// The namespace of a source's host names: its unit and its layout node.
pub fn namespace(meta: &SourceMeta) -> String {
    format!(
        "{}\u{1}{}",
        meta.unit,
        meta.node.as_deref().unwrap_or_default()
    )
}

/// A name inside a namespace, as one key.
fn key(ns: &str, name: &str) -> String {
    format!("{ns}\u{0}{name}")
}

/// The plain name of a key.
fn plain(key: &str) -> &str {
    key.rsplit_once('\u{0}').map_or(key, |(_, name)| name)
}

impl Names {
    fn find(&self, name: &str) -> String {
        let mut cur = name.to_string();
        let mut guard = 0;
        while let Some(p) = self.parent.get(&cur) {
            if *p == cur || guard > 10_000 {
                break;
            }
            cur = p.clone();
            guard += 1;
        }
        cur
    }

    fn union(&mut self, a: &str, b: &str) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (keep, drop) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(drop, keep);
        }
    }

    fn add(&mut self, key: &str) {
        self.parent
            .entry(key.to_string())
            .or_insert_with(|| key.to_string());
    }

    /// Build from every source's layout node and hostname samples.
    pub fn build(metas: &[&SourceMeta], harvests: &[&Harvest]) -> Names {
        let mut names = Names::default();
        let spaces: Vec<String> = metas.iter().map(|m| namespace(m)).collect();
        for ((meta, h), ns) in metas.iter().zip(harvests).zip(&spaces) {
            let mut prev: Option<String> = None;
            if let Some(node) = &meta.node {
                let k = key(ns, node);
                names.add(&k);
                prev = Some(k);
            }
            for (_, host, _) in &h.hosts {
                let k = key(ns, host);
                names.add(&k);
                if let Some(p) = &prev {
                    names.union(p, &k);
                }
                prev = Some(k);
            }
        }
        let renames = names.union_renames(harvests, &spaces);
        names.name_archive_units(metas, harvests, &spaces);
        for ((meta, h), ns) in metas.iter().zip(harvests).zip(&spaces) {
            if let Some(node) = &meta.node {
                let root = names.find(&key(ns, node));
                names.layout.insert(root, node.clone());
            }
            if h.hosts.len() > 1
                && let Some((_, last, _)) = h.hosts.last()
            {
                let root = names.find(&key(ns, last));
                names.latest.insert(root, last.to_string());
            }
        }
        for new in renames {
            let root = names.find(&new);
            names.latest.entry(root).or_insert(plain(&new).to_string());
        }
        names
    }

    /// A per-node archive (`node-7.tar.gz`) whose logs no layout names is named after
    /// itself, its hostnames becoming aliases — when they are one host's names (one
    /// family after renames). Two hosts' logs in one archive keep their hostnames.
    fn name_archive_units(
        &mut self,
        metas: &[&SourceMeta],
        harvests: &[&Harvest],
        spaces: &[String],
    ) {
        let mut families: BTreeMap<(&str, &str), BTreeSet<String>> = BTreeMap::new();
        for ((meta, h), ns) in metas.iter().zip(harvests).zip(spaces) {
            if let (None, Some(unit_node), Some((_, host, _))) =
                (&meta.node, &meta.unit_node, h.hosts.first())
            {
                let root = self.find(&key(ns, host));
                families
                    .entry((ns.as_str(), unit_node.as_str()))
                    .or_default()
                    .insert(root);
            }
        }
        for ((ns, unit_node), roots) in families {
            if let [root] = Vec::from_iter(roots).as_slice() {
                let name = key(ns, unit_node);
                self.add(&name);
                self.union(&name, root);
                let root = self.find(&name);
                self.layout.insert(root, unit_node.to_string());
            }
        }
    }

    /// Union the old and new names of every `host.hostname_changed` event whose new
    /// name (or its short form, which rsyslog writes after a rename to an FQDN) shows up
    /// as a host of the same namespace. A syslog aggregated from many nodes interleaves
    /// hosts, so its host field cannot tell renames apart (the scanner drops those
    /// samples); the hostnamed message can. Returns the new names' keys, newest last.
    fn union_renames(&mut self, harvests: &[&Harvest], spaces: &[String]) -> Vec<String> {
        let mut renamed = Vec::new();
        for (h, ns) in harvests.iter().zip(spaces) {
            for host in h.find_hosts() {
                self.add(&key(ns, &host));
            }
        }
        for (h, ns) in harvests.iter().zip(spaces) {
            for f in h.finds_of(Kind::HostnameChanged) {
                let text = |k: &str| f.fields.get_str(k);
                let (Some(old), Some(new)) = (text("old"), text("new")) else {
                    continue;
                };
                let (old, new) = (old.as_str(), new.as_str());
                let short = new.split('.').next().unwrap_or(new);
                let Some(known) = [new, short]
                    .into_iter()
                    .find(|n| *n != old && self.parent.contains_key(&key(ns, n)))
                else {
                    continue;
                };
                let (old, known) = (key(ns, old), key(ns, known));
                self.add(&old);
                self.union(&old, &known);
                renamed.push(known);
            }
        }
        renamed
    }

    /// The canonical node name for a host or layout name of namespace `ns`: the layout
    /// name when the collection said so, else the newest name after a rename, else the
    /// name itself.
    pub fn canonical(&self, ns: &str, name: &str) -> String {
        let root = self.find(&key(ns, name));
        self.layout
            .get(&root)
            .or_else(|| self.latest.get(&root))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Every node's other names (renames, hostnames under a layout name), by
    /// canonical name.
    pub fn aliases(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for k in self.parent.keys() {
            let root = self.find(k);
            let name = plain(k);
            let canonical = self
                .layout
                .get(&root)
                .or_else(|| self.latest.get(&root))
                .map_or(name, String::as_str);
            let names = out.entry(canonical.to_string()).or_default();
            if name != canonical {
                names.insert(name.to_string());
            }
        }
        out
    }
}

/// Node of a source as a whole: its layout node, else its first hostname, else the
/// name of the per-node archive it came from, else `unknown`.
pub fn source_node(meta: &SourceMeta, h: &Harvest, names: &Names) -> (String, NodeFrom) {
    let ns = namespace(meta);
    if let Some(node) = &meta.node {
        return (names.canonical(&ns, node), meta.node_from);
    }
    match (h.hosts.first(), &meta.unit_node) {
        (Some((_, host, _)), Some(unit)) if names.canonical(&ns, host) == *unit => {
            (unit.clone(), NodeFrom::ArchiveName)
        }
        (Some((_, host, _)), _) => (names.canonical(&ns, host), NodeFrom::Envelope),
        (None, Some(unit)) => (unit.clone(), NodeFrom::ArchiveName),
        (None, None) => ("unknown".to_string(), NodeFrom::Unknown),
    }
}
