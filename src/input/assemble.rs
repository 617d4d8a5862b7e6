//! Final assembly: node identity (layout, sosreport `hostname`, `--node`), bundle
//! zones from `etc/timezone`, rotation streams, the deterministic sort and ids.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use super::item::{FoundFact, Pending};
use super::node::{self, NodeGuess};
use super::parts::{self, Part};
use super::rotation::{self, Slot};
use super::{Fact, FactKind, InputConfig, NodeFrom, Source, SourceId, SourceMeta};

/// What discovery knows of the units (empty for in-memory bundles: one unit).
#[derive(Default)]
pub(crate) struct Units<'a> {
    /// Sorted display paths of the units.
    pub keys: &'a [String],
    /// Root keys of folders that hold node folders, seen on disk.
    pub node_parents: &'a [String],
}

/// Turn expanded sources and facts files into sorted, numbered sources and facts.
pub(crate) fn assemble(
    pending: Vec<Pending>,
    found_facts: Vec<FoundFact>,
    config: &InputConfig,
    units: &Units,
) -> (Vec<Source>, Vec<Fact>) {
    let identity = Identity::of(&pending, &found_facts, units);
    let facts: Vec<(Fact, Option<String>)> = {
        let mut facts: Vec<_> = found_facts
            .iter()
            .map(|f| {
                let guess = identity.identify(&f.parts);
                let fact = Fact {
                    kind: f.kind,
                    node: guess.node,
                    source: f.display.clone(),
                    value: f.value.clone(),
                };
                (fact, guess.root)
            })
            .collect();
        facts.sort_by(|a, b| a.0.source.cmp(&b.0.source));
        facts
    };
    let zones = Zones::of(&facts);
    let mut metas: Vec<(SourceMeta, Slot)> = pending
        .iter()
        .map(|p| source_meta(p, &identity, &zones, config, units))
        .collect();
    number_rotations(&mut metas);

    let mut sources: Vec<Source> = metas
        .into_iter()
        .zip(pending)
        .map(|((meta, _), p)| Source { meta, data: p.data })
        .collect();
    sources.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    for (index, source) in sources.iter_mut().enumerate() {
        source.meta.id = SourceId(u32::try_from(index).unwrap_or(u32::MAX));
    }
    let mut facts: Vec<Fact> = facts.into_iter().map(|(fact, _)| fact).collect();
    if let Some(name) = &config.node_override {
        for fact in &mut facts {
            fact.node = Some(name.clone());
        }
    }
    (sources, facts)
}

/// What names the node of a path beyond its own layout: sosreport `hostname` files,
/// the node directories of plain copies, and the folders that hold node directories.
struct Identity {
    sos_hosts: HashMap<String, String>,
    /// Node directories of plain copies (`<node>/var/log/...`), by root key, so that
    /// captures beside `var/` (`<node>/dmesg.txt`, `<node>/calicoctl-node-status.txt`)
    /// belong to the same node.
    node_roots: HashMap<String, (String, NodeFrom)>,
    /// Folders that hold node directories: a sibling folder without `var/log` (only
    /// captures such as a journal export) is a node of the same collection too.
    node_parents: HashSet<String>,
}

impl Identity {
    fn of(pending: &[Pending], found_facts: &[FoundFact], units: &Units) -> Identity {
        let sos_hosts = found_facts
            .iter()
            .filter(|f| f.kind == FactKind::SosreportHostname)
            .filter_map(|f| Some((node::guess(&f.parts).root?, f.value.clone())))
            .collect();
        let node_roots = pending
            .iter()
            .map(|p| node::guess(&p.parts))
            .filter(|g| matches!(g.from, NodeFrom::Directory | NodeFrom::ArchiveName))
            .filter_map(|g| Some((g.root?, (g.node?, g.from))))
            .collect();
        let mut node_parents: HashSet<String> = pending
            .iter()
            .map(|p| node::guess(&p.parts))
            .filter(|g| g.from == NodeFrom::Directory)
            .filter_map(|g| {
                let root = g.root?;
                let trimmed = root.strip_suffix('/')?;
                Some(
                    trimmed
                        .rfind(['/', '!'])
                        .map_or(String::new(), |i| trimmed[..=i].to_string()),
                )
            })
            .collect();
        node_parents.extend(units.node_parents.iter().cloned());
        Identity {
            sos_hosts,
            node_roots,
            node_parents,
        }
    }

    /// The node of a path: its layout, else the node directory it sits beside, else
    /// the sibling folder of node directories it is.
    fn identify(&self, parts: &[Part]) -> NodeGuess {
        let mut guess = node::guess(parts);
        if guess.from == NodeFrom::Sosreport
            && let Some(host) = guess.root.as_ref().and_then(|r| self.sos_hosts.get(r))
        {
            guess.node = Some(host.clone());
        }
        if guess.node.is_some() || guess.from != NodeFrom::Unknown {
            return guess;
        }
        let dirs = parts
            .get(..parts.len().saturating_sub(1))
            .unwrap_or_default();
        let beside = (1..=dirs.len()).rev().find_map(|n| {
            let key = parts::root_key(dirs.get(..n)?);
            self.node_roots.get(&key).map(|found| (key, found.clone()))
        });
        if let Some((root, (name, from))) = beside {
            return NodeGuess {
                node: Some(name),
                from,
                root: Some(root),
            };
        }
        let sibling = (1..dirs.len()).find_map(|n| {
            let parent = parts::root_key(dirs.get(..n)?);
            let dir = dirs.get(n)?;
            let root = parts::root_key(dirs.get(..=n)?);
            (!dir.archive && self.node_parents.contains(&parent)).then(|| (root, dir.name.clone()))
        });
        match sibling {
            Some((root, name)) => NodeGuess {
                node: Some(name),
                from: NodeFrom::Directory,
                root: Some(root),
            },
            None => guess,
        }
    }
}

/// `etc/timezone` values by node root and by node name.
struct Zones<'a> {
    by_root: HashMap<&'a str, &'a str>,
    by_node: HashMap<&'a str, &'a str>,
}

impl<'a> Zones<'a> {
    fn of(facts: &'a [(Fact, Option<String>)]) -> Zones<'a> {
        let mut zones = Zones {
            by_root: HashMap::new(),
            by_node: HashMap::new(),
        };
        for (fact, root) in facts.iter().filter(|(f, _)| f.kind == FactKind::Timezone) {
            if let Some(root) = root {
                zones
                    .by_root
                    .entry(root.as_str())
                    .or_insert(fact.value.as_str());
            }
            if let Some(node) = &fact.node {
                zones
                    .by_node
                    .entry(node.as_str())
                    .or_insert(fact.value.as_str());
            }
        }
        zones
    }
}

/// A source's metadata (node, zone, rotation stream, unit) and its rotation slot.
fn source_meta(
    p: &Pending,
    identity: &Identity,
    zones: &Zones<'_>,
    config: &InputConfig,
    units: &Units,
) -> (SourceMeta, Slot) {
    let guess = identity.identify(&p.parts);
    let zone = guess
        .root
        .as_deref()
        .and_then(|r| zones.by_root.get(r))
        .or_else(|| guess.node.as_deref().and_then(|n| zones.by_node.get(n)))
        .map(|z| (*z).to_owned());
    let file_name = p
        .parts
        .last()
        .map_or(p.display.as_str(), |l| l.name.as_str());
    let rotation_name = rotation::parse(file_name);
    let stream = match p.display.strip_suffix(file_name) {
        Some(dir) if !p.parts.is_empty() => format!("{dir}{}", rotation_name.base),
        _ => p.display.clone(),
    };
    let (node, node_from) = match &config.node_override {
        Some(name) => (Some(name.clone()), NodeFrom::Flag),
        None => (guess.node, guess.from),
    };
    let unit = super::unit_of(units.keys, &p.display).unwrap_or_default();
    let unit_node = p
        .display
        .strip_prefix(unit)
        .filter(|rest| rest.starts_with('!'))
        .and_then(|_| unit.rsplit('/').next())
        // Unnamed stdin names no node (`--source-name` gives it a name).
        .filter(|name| *name != "<stdin>")
        .map(|name| parts::archive_stem(name).to_owned());
    let meta = SourceMeta {
        id: SourceId(0),
        display: p.display.clone(),
        node,
        node_from,
        mtime: p.mtime,
        stream,
        rotation: 0,
        bundle_zone: zone,
        unit: unit.to_owned(),
        unit_node,
    };
    (meta, rotation_name.slot)
}

/// Give every source its rotation number within its stream.
fn number_rotations(metas: &mut [(SourceMeta, Slot)]) {
    let mut streams: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, (meta, _)) in metas.iter().enumerate() {
        streams.entry(meta.stream.clone()).or_default().push(index);
    }
    for members in streams.values() {
        let slots: Vec<Slot> = members
            .iter()
            .filter_map(|&i| metas.get(i).map(|(_, slot)| *slot))
            .collect();
        for (&index, rotation) in members.iter().zip(rotation::rotations(&slots)) {
            if let Some((meta, _)) = metas.get_mut(index) {
                meta.rotation = rotation;
            }
        }
    }
}

/// Unit, node, then stream, then rotation descending (oldest first), then display
/// path: a unit's sources stay together, in the order a scan of the unit alone gives.
fn sort_key(source: &Source) -> (&str, Option<&str>, &str, Reverse<u32>, &str) {
    (
        source.meta.unit.as_str(),
        source.meta.node.as_deref(),
        source.meta.stream.as_str(),
        Reverse(source.meta.rotation),
        source.meta.display.as_str(),
    )
}
