//! Calico: BGP peer state (BIRD `show protocols`, BIRD state-change log lines and the
//! `calicoctl node status` table), connection resets seen by BIRD/felix/calico-node,
//! the node name calico-node chose, and node-name / address conflicts.

use super::extract::{Block, Step};
use super::text::{after, collapse_spaces, find, lossy, rfind, token, trim};
use super::{Found, Kind, Payload};
use crate::envelope::Envelope;
use crate::input::Location;

/// BGP states BIRD prints at the start of the info column.
const BGP_STATES: &[&str] = &[
    "Idle",
    "Connect",
    "Active",
    "OpenSent",
    "OpenConfirm",
    "Established",
    "Close",
];
/// BIRD protocol states (`proto_state_name`).
const PROTO_STATES: &[&str] = &["down", "start", "up", "wait", "feed", "stop", "flush"];

/// `Mesh_10_0_0_2` → (`10.0.0.2`, `node-to-node mesh`); `Node_` → `node specific`,
/// `Global_` → `global`; IPv6 names (`Mesh_fd00__2`) get `:` back.
pub(crate) fn protocol_peer(name: &[u8]) -> Option<(String, &'static str)> {
    let (rest, peer_type) = if let Some(r) = name.strip_prefix(b"Mesh_") {
        (r, "node-to-node mesh")
    } else if let Some(r) = name.strip_prefix(b"Node_") {
        (r, "node specific")
    } else {
        (name.strip_prefix(b"Global_")?, "global")
    };
    if rest.is_empty()
        || !rest
            .iter()
            .all(|b| b.is_ascii_hexdigit() || *b == b'_' || *b == b'.' || *b == b':')
    {
        return None;
    }
    let parts: Vec<&[u8]> = rest.split(|&b| b == b'_').collect();
    let v4 = parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit));
    let sep = if v4 { "." } else { ":" };
    let peer = parts.iter().map(|p| lossy(p)).collect::<Vec<_>>().join(sep);
    Some((peer, peer_type))
}

/// First BGP-state word of an info column, e.g. `Active` in `Active Socket: ...`.
fn bgp_state(info: &str) -> Option<&str> {
    let first = info.split_whitespace().next()?;
    BGP_STATES.contains(&first).then_some(first)
}

/// A BIRD `show protocols` row for a calico peer:
/// `Mesh_10_0_0_3 BGP      master   start  03:05:13    Active        Socket: Connection refused`
/// (also the control-socket form `1002-Mesh_...`).
///
/// Fields of `calico.bgp_peer_state`: `peer` (address), `peer_type` (`node-to-node mesh`,
/// `node specific`, `global`), `protocol` (BIRD name), `state` (`up`, `start`...),
/// `since` (time or date as printed), `info` (whitespace collapsed), `bgp_state`
/// (`Established`, `Active`...), `source` (`bird_protocols`, `bird_log`, `calicoctl`).
pub(crate) fn bird_protocol_row(msg: &[u8]) -> Option<Payload> {
    let line = trim(msg);
    let line = match line.get(..5) {
        Some([a, b, c, d, b'-']) if [a, b, c, d].iter().all(|x| x.is_ascii_digit()) => {
            line.get(5..)?
        }
        _ => line,
    };
    let (name, rest) = token(line);
    let (peer, peer_type) = protocol_peer(name)?;
    let (proto, rest) = token(rest);
    (proto == b"BGP").then_some(())?;
    let (_table, rest) = token(rest);
    let (state, rest) = token(rest);
    let state = lossy(state);
    PROTO_STATES.contains(&state.as_str()).then_some(())?;
    let (since, rest) = token(rest);
    let info = collapse_spaces(&lossy(rest));
    Some(
        Payload::new(Kind::BgpPeerState)
            .with("peer", peer)
            .with("peer_type", peer_type)
            .with("protocol", lossy(name))
            .with("state", state)
            .with_opt("since", (!since.is_empty()).then(|| lossy(since)))
            .with_opt("bgp_state", bgp_state(&info).map(str::to_string))
            .with("info", info)
            .with("source", "bird_protocols"),
    )
}

/// BIRD log line `bird: Mesh_10_0_0_2: State changed to start` (svlogd or file prefix
/// may precede it). Fields as on [`bird_protocol_row`] (`peer`, `peer_type`,
/// `protocol`, `state`, `source` = `bird_log`).
pub(crate) fn bird_state_change(msg: &[u8]) -> Option<Payload> {
    let at = find(msg, b": State changed to ")?;
    let head = msg.get(..at)?;
    let start = head
        .iter()
        .rposition(|b| b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let name = head.get(start..)?;
    let (peer, peer_type) = protocol_peer(name)?;
    let state = lossy(token(msg.get(at + 19..)?).0);
    PROTO_STATES.contains(&state.as_str()).then_some(())?;
    Some(
        Payload::new(Kind::BgpPeerState)
            .with("peer", peer)
            .with("peer_type", peer_type)
            .with("protocol", lossy(name))
            .with("state", state)
            .with("source", "bird_log"),
    )
}

/// `Connection reset by peer` from BIRD (`bird: Mesh_10_0_0_3: Socket error: Connection
/// reset by peer`) or a Go calico component (`read tcp 10.0.0.1:4001->10.0.0.2:2379:
/// read: connection reset by peer`). Fields of `calico.connection_reset`: `peer` (BIRD
/// peer address or the remote IP after `->`), `port` (remote port when printed),
/// `component` (`bird` for BIRD lines, otherwise the envelope's program).
pub(crate) fn connection_reset(msg: &[u8]) -> Option<Payload> {
    let at = find(msg, b"Connection reset by peer")
        .or_else(|| find(msg, b"connection reset by peer"))?;
    let head = msg.get(..at)?;
    let mut p = Payload::new(Kind::ConnectionReset);
    let mesh = [&b"Mesh_"[..], b"Node_", b"Global_"]
        .iter()
        .filter_map(|pre| rfind(head, pre))
        .max();
    if let Some(m) = mesh {
        let name = head.get(m..)?;
        let end = name
            .iter()
            .position(|b| *b == b':' || b.is_ascii_whitespace())
            .unwrap_or(name.len());
        if let Some((peer, _)) = name.get(..end).and_then(protocol_peer) {
            p = p.with("peer", peer).with("component", "bird");
        }
    } else if let Some(arrow) = rfind(head, b"->") {
        let remote = token(head.get(arrow + 2..)?).0;
        let remote = remote.strip_suffix(b":").unwrap_or(remote);
        if let Some(colon) = remote.iter().rposition(|&b| b == b':') {
            let ip = remote.get(..colon)?;
            let ip = ip
                .strip_prefix(b"[")
                .and_then(|i| i.strip_suffix(b"]"))
                .unwrap_or(ip);
            p = p.with("peer", lossy(ip)).with_opt(
                "port",
                std::str::from_utf8(remote.get(colon + 1..)?)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok()),
            );
        }
    }
    if find(msg, b"bird: ").is_some() && !p.fields.contains_key("component") {
        p = p.with("component", "bird");
    }
    Some(p)
}

/// calico-node's node name: `Determined node name: X`, `Using node name: X` (v3.2),
/// `Using NODENAME environment for node name X`, `Using stored node name X from FILE`,
/// `Using HOSTNAME environment (lowercase) for node name X`, `Using auto-detected node
/// name.` Older releases omit the name in the "Using" lines. Fields of
/// `calico.node_name`: `name` (when printed), `source` (`determined`, `configured`,
/// `env_nodename`, `stored`, `env_hostname`, `auto_detected`), `file` (stored form).
pub(crate) fn node_name(msg: &[u8]) -> Option<Payload> {
    let p = Payload::new(Kind::CalicoNodeName);
    let name_tok = |rest: &[u8]| {
        let t = token(rest).0;
        (!t.is_empty()).then(|| lossy(t))
    };
    if let Some(rest) = after(msg, b"Determined node name: ") {
        return Some(p.with("name", name_tok(rest)?).with("source", "determined"));
    }
    if let Some(rest) = after(msg, b"Using node name: ") {
        return Some(p.with("name", name_tok(rest)?).with("source", "configured"));
    }
    if let Some(rest) = after(msg, b"Using NODENAME environment for node name") {
        return Some(
            p.with_opt("name", name_tok(rest))
                .with("source", "env_nodename"),
        );
    }
    if let Some(rest) = after(msg, b"environment (lowercase) for node name") {
        return Some(
            p.with_opt("name", name_tok(rest))
                .with("source", "env_hostname"),
        );
    }
    if let Some(rest) = after(msg, b"Using stored node name ") {
        let p = p.with("source", "stored");
        return Some(match rest.strip_prefix(b"from ") {
            Some(file) => p.with_opt("file", name_tok(file)),
            None => {
                let (name, tail) = token(rest);
                p.with("name", lossy(name))
                    .with_opt("file", after(tail, b"from ").and_then(name_tok))
            }
        });
    }
    find(msg, b"Using auto-detected node name")?;
    Some(p.with("source", "auto_detected"))
}

/// `Calico node 'node-2' is already using the IPv4 address 10.0.0.5.` (reason
/// `address_in_use`) and `IPv4 address has changed. This could happen if there are
/// multiple nodes with the same name.` with felix fields `node`, `original`, `updated`
/// (reason `address_changed`). Fields of `calico.node_conflict`: `reason`, `node`,
/// `address`, `ip_version` (4/6), `original`, `updated`.
pub(crate) fn node_conflict(msg: &[u8]) -> Option<Payload> {
    let p = Payload::new(Kind::CalicoNodeConflict);
    if let Some(rest) = after(msg, b"Calico node '") {
        let quote = find(rest, b"' is already using the IPv")?;
        let node = lossy(rest.get(..quote)?);
        let tail = rest.get(quote + 26..)?;
        let version = if tail.starts_with(b"6") { 6 } else { 4 };
        let addr = token(after(tail, b" address ")?).0;
        let addr = addr.strip_suffix(b".").unwrap_or(addr);
        return Some(
            p.with("reason", "address_in_use")
                .with("node", node)
                .with("address", lossy(addr))
                .with("ip_version", version),
        );
    }
    let at = find(msg, b" address has changed. This could happen")?;
    let version = if msg.get(at.checked_sub(1)?) == Some(&b'6') {
        6
    } else {
        4
    };
    Some(
        p.with("reason", "address_changed")
            .with("ip_version", version)
            .with_opt("node", super::text::field_text(msg, "node"))
            .with_opt("original", super::text::field_text(msg, "original"))
            .with_opt("updated", super::text::field_text(msg, "updated")),
    )
}

/// The `calicoctl node status` table header `| PEER ADDRESS |  PEER TYPE  | STATE | ...`:
/// starts a [`CalicoTable`].
pub(crate) fn table_header(msg: &[u8]) -> Option<Payload> {
    let line = trim(msg);
    (line.starts_with(b"|") && find(line, b"PEER TYPE").is_some()).then_some(())?;
    Some(Payload::new(Kind::BgpPeerState))
}

/// One row of the calicoctl table with its lines.
struct Row {
    block: Block,
    cells: Vec<String>,
}

/// Collects `calicoctl node status` rows (joining wrapped continuation rows, whose
/// first cell is empty) and emits one `calico.bgp_peer_state` per peer, plus a
/// `calico.connection_reset` when its info says `Connection reset by peer`.
#[derive(Default)]
pub(crate) struct CalicoTable {
    rows: Vec<Row>,
}

impl CalicoTable {
    /// A table whose header was just seen.
    pub(crate) fn new() -> CalicoTable {
        CalicoTable::default()
    }

    /// Take the next line after the header.
    pub(crate) fn feed(&mut self, at: Location, env: &Envelope<'_>, msg: &[u8]) -> Step {
        let line = trim(msg);
        if line.starts_with(b"+-") {
            return if self.rows.is_empty() {
                Step::More
            } else {
                Step::Ended
            };
        }
        let Some(inner) = line.strip_prefix(b"|").and_then(|l| l.strip_suffix(b"|")) else {
            return Step::Outside;
        };
        let cells: Vec<String> = inner
            .split(|&b| b == b'|')
            .map(|c| lossy(trim(c)))
            .collect();
        let continuation = cells.first().is_some_and(String::is_empty);
        match self.rows.last_mut() {
            Some(row) if continuation => {
                row.block.extend(&Block::line(at, env));
                for (cell, more) in row.cells.iter_mut().zip(cells) {
                    if !more.is_empty() {
                        if !cell.is_empty() {
                            cell.push(' ');
                        }
                        cell.push_str(&more);
                    }
                }
            }
            _ => self.rows.push(Row {
                block: Block::line(at, env),
                cells,
            }),
        }
        Step::More
    }

    /// Emit the rows.
    pub(crate) fn finish(self, out: &mut Vec<Found>) {
        for row in self.rows {
            let cell = |i: usize| row.cells.get(i).cloned().unwrap_or_default();
            let (peer, peer_type, state, since) = (cell(0), cell(1), cell(2), cell(3));
            if peer.is_empty() {
                continue;
            }
            let info = collapse_spaces(&cell(4));
            let reset = info.contains("Connection reset by peer");
            let p = Payload::new(Kind::BgpPeerState)
                .with("peer", peer.clone())
                .with("peer_type", peer_type)
                .with("state", state)
                .with_opt("since", (!since.is_empty()).then_some(since))
                .with_opt("bgp_state", bgp_state(&info).map(str::to_string))
                .with("info", info)
                .with("source", "calicoctl");
            if reset {
                let r = Payload::new(Kind::ConnectionReset)
                    .with("peer", peer)
                    .with("component", "bird");
                out.push(row.block.clone().found(p));
                out.push(row.block.found(r));
            } else {
                out.push(row.block.found(p));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn protocol_names() {
        assert_eq!(
            protocol_peer(b"Mesh_10_0_0_2"),
            Some(("10.0.0.2".into(), "node-to-node mesh"))
        );
        assert_eq!(
            protocol_peer(b"Global_192_168_1_1"),
            Some(("192.168.1.1".into(), "global"))
        );
        assert_eq!(
            protocol_peer(b"Node_fd00__2"),
            Some(("fd00::2".into(), "node specific"))
        );
        assert_eq!(protocol_peer(b"Mesh_"), None);
        assert_eq!(protocol_peer(b"Node_Exporter"), None);
    }

    #[test]
    fn show_protocols_rows() {
        let p =
            bird_protocol_row(b"Mesh_10_0_0_2 BGP      master   up     03:05:13    Established   ")
                .unwrap();
        assert_eq!(p.fields["peer"], json!("10.0.0.2"));
        assert_eq!(p.fields["state"], json!("up"));
        assert_eq!(p.fields["since"], json!("03:05:13"));
        assert_eq!(p.fields["bgp_state"], json!("Established"));
        assert_eq!(p.fields["info"], json!("Established"));
        let p = bird_protocol_row(b"1002-Mesh_10_0_0_4 BGP      master   start  2018-06-16  Connect       Socket: Connection reset by peer").unwrap();
        assert_eq!(p.fields["state"], json!("start"));
        assert_eq!(p.fields["since"], json!("2018-06-16"));
        assert_eq!(
            p.fields["info"],
            json!("Connect Socket: Connection reset by peer")
        );
        assert!(bird_protocol_row(b"name     proto    table    state  since       info").is_none());
        assert!(bird_protocol_row(b"kernel1  Kernel   master   up     03:05:13").is_none());
    }

    #[test]
    fn state_change_lines() {
        let p = bird_state_change(b"bird: Mesh_10_0_0_2: State changed to start").unwrap();
        assert_eq!(p.fields["peer"], json!("10.0.0.2"));
        assert_eq!(p.fields["state"], json!("start"));
        let p = bird_state_change(
            b"2018-06-17_03:05:13.80513 bird: Mesh_10_0_0_3: State changed to up",
        )
        .unwrap();
        assert_eq!(p.fields["peer"], json!("10.0.0.3"));
        assert!(bird_state_change(b"bird: device1: State changed to up").is_none());
    }

    #[test]
    fn connection_resets() {
        let p = connection_reset(b"bird: Mesh_10_0_0_3: Socket error: Connection reset by peer")
            .unwrap();
        assert_eq!(p.fields["peer"], json!("10.0.0.3"));
        assert_eq!(p.fields["component"], json!("bird"));
        let p = connection_reset(b"Failed to read from etcd error=read tcp 10.0.0.1:4001->10.0.0.2:2379: read: connection reset by peer").unwrap();
        assert_eq!(p.fields["peer"], json!("10.0.0.2"));
        assert_eq!(p.fields["port"], json!(2379));
        let p = connection_reset(b"Active Socket: Connection reset by peer").unwrap();
        assert!(!p.fields.contains_key("peer"));
    }

    #[test]
    fn node_names_old_and_new() {
        let p = node_name(b"Determined node name: ip-10-0-0-1.ec2.internal").unwrap();
        assert_eq!(p.fields["name"], json!("ip-10-0-0-1.ec2.internal"));
        assert_eq!(p.fields["source"], json!("determined"));
        let p = node_name(
            b"Using stored node name amz-iad12-opsrespool-001 from /var/lib/calico/nodename",
        )
        .unwrap();
        assert_eq!(p.fields["name"], json!("amz-iad12-opsrespool-001"));
        assert_eq!(p.fields["file"], json!("/var/lib/calico/nodename"));
        let p = node_name(b"Using stored node name from /var/lib/calico/nodename").unwrap();
        assert!(!p.fields.contains_key("name"));
        let p = node_name(b"Using NODENAME environment for node name node-2").unwrap();
        assert_eq!(p.fields["source"], json!("env_nodename"));
        assert_eq!(p.fields["name"], json!("node-2"));
        let p = node_name(b"Using node name: node-3").unwrap();
        assert_eq!(p.fields["source"], json!("configured"));
        assert!(node_name(b"Unable to determine hostname").is_none());
    }

    #[test]
    fn conflicts() {
        let p = node_conflict(b"Calico node 'node-2' is already using the IPv4 address 10.0.0.5.")
            .unwrap();
        assert_eq!(p.fields["node"], json!("node-2"));
        assert_eq!(p.fields["address"], json!("10.0.0.5"));
        assert_eq!(p.fields["ip_version"], json!(4));
        let p = node_conflict(br#"IPv4 address has changed. This could happen if there are multiple nodes with the same name. node="ip-10-0-0-1" original="10.0.0.1/24" updated="10.0.0.9/24""#).unwrap();
        assert_eq!(p.fields["reason"], json!("address_changed"));
        assert_eq!(p.fields["original"], json!("10.0.0.1/24"));
        assert_eq!(p.fields["node"], json!("ip-10-0-0-1"));
    }
}
