//! Calico: BGP peer state (BIRD `show protocols`, BIRD state-change log lines and the
//! `calicoctl node status` table), connection resets seen by BIRD/felix/calico-node,
//! the node name calico-node chose, and node-name / address conflicts.

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{
    tag, take, take_till, take_till1, take_until, take_while, take_while_m_n,
};
use nom::character::complete::char;
use nom::combinator::{all_consuming, cut, map, opt, rest, value, verify};
use nom::error::context;
use nom::multi::{many0, separated_list1};
use nom::sequence::{preceded, terminated};

use super::block::{Block, TableStep};
use super::text::{
    Fail, GrammarError, PResult, anchor, collapse_spaces, fail, field_text, lossy, run_grammar,
    word,
};
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

/// A failure at `input` expecting `what`, committed (the prefix was unambiguous).
fn failure<'a, O>(input: &'a [u8], what: &'static str) -> PResult<'a, O> {
    Err(nom::Err::Failure(Fail {
        input,
        expected: Some(what),
    }))
}

/// `Mesh_10_0_0_2` → (`10.0.0.2`, `node-to-node mesh`); `Node_` → `node specific`,
/// `Global_` → `global`; IPv6 names (`Mesh_fd00__2`) get `:` back.
pub(crate) fn protocol_peer(name: &[u8]) -> Option<(String, &'static str)> {
    all_consuming(bgp_protocol_name)
        .parse(name)
        .ok()
        .map(|(_, peer)| peer)
}

/// A calico BIRD protocol name (`^(Global|Node|Mesh)_(.+)$`, calicoctl's own
/// regex): the peer type from the prefix, the address with `_` turned back into
/// `.` (four decimal parts) or `:` (anything else: IPv6).
fn bgp_protocol_name(input: &[u8]) -> PResult<'_, (String, &'static str)> {
    let (input, peer_type) = alt((
        value("node-to-node mesh", tag("Mesh_")),
        value("node specific", tag("Node_")),
        value("global", tag("Global_")),
    ))
    .parse(input)?;
    let (input, address) = take_while1_addr(input)?;
    Ok((input, (peer_address(address), peer_type)))
}

/// The `_`-encoded address: hex digits, `_`, `.` and `:` (at least one).
fn take_while1_addr(input: &[u8]) -> PResult<'_, &[u8]> {
    nom::bytes::complete::take_while1(|b: u8| {
        b.is_ascii_hexdigit() || b == b'_' || b == b'.' || b == b':'
    })
    .parse(input)
}

/// `10_0_0_2` → `10.0.0.2`; `fd00__2` → `fd00::2`.
fn peer_address(encoded: &[u8]) -> String {
    let parts: Vec<&[u8]> = encoded.split(|&b| b == b'_').collect();
    let v4 = parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit));
    let sep = if v4 { "." } else { ":" };
    parts.iter().map(|p| lossy(p)).collect::<Vec<_>>().join(sep)
}

/// First BGP-state word of an info column, e.g. `Active` in `Active Socket: ...`.
fn bgp_state(info: &str) -> Option<&str> {
    let first = info.split_whitespace().next()?;
    BGP_STATES.contains(&first).then_some(first)
}

/// A BIRD protocol state word (`up`, `start`...).
fn proto_state(input: &[u8]) -> PResult<'_, &[u8]> {
    verify(word, |w: &[u8]| {
        PROTO_STATES.iter().any(|s| s.as_bytes() == w)
    })
    .parse(input)
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
    bird_protocol_row_or_error(msg).ok()
}

/// [`bird_protocol_row`], or where the message broke it and what was expected there.
pub(crate) fn bird_protocol_row_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let row = run_grammar(msg, protocols_row)?;
    let info = collapse_spaces(&lossy(row.info));
    Ok(Payload::new(Kind::BgpPeerState)
        .with("peer", row.peer)
        .with("peer_type", row.peer_type)
        .with("protocol", lossy(row.name))
        .with("state", lossy(row.state))
        .with_opt("since", (!row.since.is_empty()).then(|| lossy(row.since)))
        .with_opt("bgp_state", bgp_state(&info).map(str::to_string))
        .with("info", info)
        .with("source", "bird_protocols"))
}

/// One `show protocols` row.
struct ProtocolsRow<'a> {
    name: &'a [u8],
    peer: String,
    peer_type: &'static str,
    state: &'a [u8],
    since: &'a [u8],
    info: &'a [u8],
}

/// `"%-8s %-8s %-8s %-5s  %-10s  %s"`: name, proto (`BGP`), table, state, since,
/// info; columns are blank-separated words except the free-text info.
fn protocols_row(input: &[u8]) -> PResult<'_, ProtocolsRow<'_>> {
    let (input, _) =
        preceded(take_while(|b: u8| b.is_ascii_whitespace()), opt(reply_code)).parse(input)?;
    let (after_name, name) = word(input)?;
    let Some((peer, peer_type)) = protocol_peer(name) else {
        return fail(input, "a calico BGP protocol name");
    };
    let input = after_name;
    let (input, _) = verify(word, |w: &[u8]| w == b"BGP").parse(input)?;
    let (input, (_table, state, since, info)) = cut(context(
        "table, state, since and info columns",
        (word, proto_state, word, rest),
    ))
    .parse(input)?;
    Ok((
        input,
        ProtocolsRow {
            name,
            peer,
            peer_type,
            state,
            since,
            info,
        },
    ))
}

/// `1002-`: the 4-digit reply code BIRD's control socket puts before each row.
fn reply_code(input: &[u8]) -> PResult<'_, &[u8]> {
    terminated(take_while_m_n(4, 4, |b: u8| b.is_ascii_digit()), char('-')).parse(input)
}

/// BIRD log line `bird: Mesh_10_0_0_2: State changed to start` (svlogd or file prefix
/// may precede it). Fields as on [`bird_protocol_row`] (`peer`, `peer_type`,
/// `protocol`, `state`, `source` = `bird_log`).
pub(crate) fn bird_state_change(msg: &[u8]) -> Option<Payload> {
    bird_state_change_or_error(msg).ok()
}

/// [`bird_state_change`], or where the message broke it and what was expected there.
pub(crate) fn bird_state_change_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let change = run_grammar(msg, state_change)?;
    Ok(Payload::new(Kind::BgpPeerState)
        .with("peer", change.peer)
        .with("peer_type", change.peer_type)
        .with("protocol", lossy(change.name))
        .with("state", lossy(change.state))
        .with("source", "bird_log"))
}

/// A BIRD protocol state change.
struct StateChange<'a> {
    /// Protocol name (`Mesh_10_0_0_2`).
    name: &'a [u8],
    /// Peer address decoded from the name.
    peer: String,
    /// Peer type from the name's prefix.
    peer_type: &'static str,
    /// New state (`up`, `start`...).
    state: &'a [u8],
}

/// `PROTO: State changed to STATE` (`nest/proto.c`, `PD` macro): the protocol is the
/// last word before the anchor.
fn state_change(input: &[u8]) -> PResult<'_, StateChange<'_>> {
    let (rest, head) = take_until(": State changed to ").parse(input)?;
    let name = last_word(head);
    let Some((peer, peer_type)) = protocol_peer(name) else {
        return failure(head, "a calico BGP protocol name");
    };
    let (rest, state) = preceded(
        tag(": State changed to "),
        cut(context("a BIRD protocol state", proto_state)),
    )
    .parse(rest)?;
    Ok((
        rest,
        StateChange {
            name,
            peer,
            peer_type,
            state,
        },
    ))
}

/// The last blank-separated word of `head`, empty when `head` ends in a blank.
fn last_word(head: &[u8]) -> &[u8] {
    if head.last().is_none_or(u8::is_ascii_whitespace) {
        return &[];
    }
    let words = many0(preceded(
        take_while(|b: u8| b.is_ascii_whitespace()),
        take_till1(|b: u8| b.is_ascii_whitespace()),
    ))
    .parse(head);
    match words {
        Ok((_, words)) => words.last().copied().unwrap_or_default(),
        Err(nom::Err::Error(Fail { .. }) | nom::Err::Failure(Fail { .. })) => &[],
        Err(nom::Err::Incomplete(_)) => &[],
    }
}

/// `Connection reset by peer` from BIRD (`bird: Mesh_10_0_0_3: Socket error: Connection
/// reset by peer`) or a Go calico component (`read tcp 10.0.0.1:4001->10.0.0.2:2379:
/// read: connection reset by peer`). Fields of `calico.connection_reset`: `peer` (BIRD
/// peer address or the remote IP after `->`), `port` (remote port when printed),
/// `component` (`bird` for BIRD lines, otherwise the envelope's program).
pub(crate) fn connection_reset(msg: &[u8]) -> Option<Payload> {
    connection_reset_or_error(msg).ok()
}

/// [`connection_reset`] with the failure offset (only a message without the
/// strerror text fails: everything else about the line is optional).
pub(crate) fn connection_reset_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let origin = run_grammar(msg, reset_origin)?;
    let mut p = Payload::new(Kind::ConnectionReset);
    match origin {
        ResetOrigin::Bird(peer) => p = p.with("peer", peer).with("component", "bird"),
        ResetOrigin::Remote(ip, port) => p = p.with("peer", ip).with_opt("port", port),
        ResetOrigin::Unknown => {}
    }
    if anchor("bird: ").parse(msg).is_ok() && !p.fields.contains_key("component") {
        p = p.with("component", "bird");
    }
    Ok(p)
}

/// Who reset the connection, as far as the line says.
#[derive(Debug, Clone, PartialEq)]
enum ResetOrigin {
    /// A BIRD protocol (`Mesh_10_0_0_3: Socket error: ...`): its peer address.
    Bird(String),
    /// A Go `net.OpError` (`read tcp A->B: read: ...`): remote IP and port.
    Remote(String, Option<u64>),
    /// Nothing recognisable (`Active Socket: Connection reset by peer` from calicoctl).
    Unknown,
}

/// The text before `Connection reset by peer` (BIRD, glibc `strerror`) or
/// `connection reset by peer` (Go `syscall.ECONNRESET`), read for its origin: the
/// last BIRD protocol name in it, else the last `->` remote endpoint.
fn reset_origin(input: &[u8]) -> PResult<'_, ResetOrigin> {
    let (rest, head) = context(
        "`Connection reset by peer`",
        alt((
            take_until("Connection reset by peer"),
            take_until("connection reset by peer"),
        )),
    )
    .parse(input)?;
    let origin = if let Some(mention) = last_protocol_mention(head) {
        let (_, name) = take_till::<_, _, Fail<'_>>(|b: u8| b == b':' || b.is_ascii_whitespace())
            .parse(mention)
            .unwrap_or((mention, mention));
        match protocol_peer(name) {
            Some((peer, _)) => ResetOrigin::Bird(peer),
            None => ResetOrigin::Unknown,
        }
    } else if let Some(remote) = last_after(head, "->") {
        go_remote(remote).unwrap_or(ResetOrigin::Unknown)
    } else {
        ResetOrigin::Unknown
    };
    Ok((rest, origin))
}

/// The input from the last `Mesh_`, `Node_` or `Global_` on (BIRD prefixes its
/// messages with the protocol name; an svlogd or `bird: ` prefix may come first).
fn last_protocol_mention(head: &[u8]) -> Option<&[u8]> {
    let mut from = head;
    let mut last = None;
    loop {
        // The nearest of the three prefixes is the one leaving the longest rest.
        let nearest = ["Mesh_", "Node_", "Global_"]
            .into_iter()
            .filter_map(|p| take_until::<_, _, Fail<'_>>(p).parse(from).ok())
            .map(|(at, _)| at)
            .max_by_key(|at| at.len());
        let Some(at) = nearest else {
            return last;
        };
        last = Some(at);
        from = at.get(1..)?;
    }
}

/// The input after the last `needle`.
fn last_after<'a>(head: &'a [u8], needle: &'static str) -> Option<&'a [u8]> {
    let mut last = None;
    let mut from = head;
    while let Ok((after, _)) = anchor(needle).parse(from) {
        last = Some(after);
        from = after;
    }
    last
}

/// `10.0.0.2:2379:` / `[fd00::2]:2379` after `->` in a Go `net.OpError`: the IP
/// (brackets removed) and the port after the last `:`.
fn go_remote(after_arrow: &[u8]) -> Option<ResetOrigin> {
    let (_, remote) = word(after_arrow).ok()?;
    let remote = remote.strip_suffix(b":").unwrap_or(remote);
    let (ip, port) = split_last_colon(remote)?;
    let ip = ip
        .strip_prefix(b"[")
        .and_then(|i| i.strip_suffix(b"]"))
        .unwrap_or(ip);
    let port = all_consuming(super::text::dec_u64)
        .parse(port)
        .ok()
        .map(|(_, p)| p);
    Some(ResetOrigin::Remote(lossy(ip), port))
}

/// `host:port` split at the last `:` (IPv6 hosts hold colons themselves).
fn split_last_colon(endpoint: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, parts) = separated_list1(char::<_, Fail<'_>>(':'), take_till(|b| b == b':'))
        .parse(endpoint)
        .ok()?;
    let port = *parts.last()?;
    (parts.len() >= 2).then_some(())?;
    let host = endpoint.get(..endpoint.len().saturating_sub(port.len() + 1))?;
    Some((host, port))
}

/// calico-node's node name: `Determined node name: X`, `Using node name: X` (v3.2),
/// `Using NODENAME environment for node name X`, `Using stored node name X from FILE`,
/// `Using HOSTNAME environment (lowercase) for node name X`, `Using auto-detected node
/// name.` Older releases omit the name in the "Using" lines. Fields of
/// `calico.node_name`: `name` (when printed), `source` (`determined`, `configured`,
/// `env_nodename`, `stored`, `env_hostname`, `auto_detected`), `file` (stored form).
pub(crate) fn node_name(msg: &[u8]) -> Option<Payload> {
    node_name_or_error(msg).ok()
}

/// [`node_name`], or where the message broke it and what was expected there.
pub(crate) fn node_name_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let n = run_grammar(msg, node_name_source)?;
    Ok(Payload::new(Kind::CalicoNodeName)
        .with_opt("name", n.name)
        .with("source", n.source)
        .with_opt("file", n.file))
}

/// Where calico-node's name came from.
#[derive(Debug, Clone, PartialEq, Default)]
struct NodeName {
    source: &'static str,
    name: Option<String>,
    file: Option<String>,
}

/// A non-empty word, as text.
fn name_word(input: &[u8]) -> PResult<'_, String> {
    map(verify(word, |w: &[u8]| !w.is_empty()), lossy).parse(input)
}

/// The node-name messages of `calico-node` startup (`determineNodeName`), tried in
/// a fixed order; once a message is recognised its name must follow where required.
fn node_name_source(input: &[u8]) -> PResult<'_, NodeName> {
    let named = |source: &'static str| {
        move |name: String| NodeName {
            source,
            name: Some(name),
            file: None,
        }
    };
    let maybe_named = |source: &'static str| {
        move |name: Option<String>| NodeName {
            source,
            name,
            file: None,
        }
    };
    alt((
        map(
            preceded(
                anchor("Determined node name: "),
                cut(context("a node name", name_word)),
            ),
            named("determined"),
        ),
        map(
            preceded(
                anchor("Using node name: "),
                cut(context("a node name", name_word)),
            ),
            named("configured"),
        ),
        map(
            preceded(
                anchor("Using NODENAME environment for node name"),
                opt(name_word),
            ),
            maybe_named("env_nodename"),
        ),
        map(
            preceded(
                anchor("environment (lowercase) for node name"),
                opt(name_word),
            ),
            maybe_named("env_hostname"),
        ),
        preceded(anchor("Using stored node name "), stored_node_name),
        map(anchor("Using auto-detected node name"), |_| NodeName {
            source: "auto_detected",
            ..NodeName::default()
        }),
    ))
    .parse(input)
}

/// After `Using stored node name `: `NAME from FILE`, or `from FILE` when the
/// release did not print the name.
fn stored_node_name(input: &[u8]) -> PResult<'_, NodeName> {
    let file_after = |i| opt(preceded(anchor("from "), name_word)).parse(i);
    if let Ok((rest, _)) = tag::<_, _, Fail<'_>>("from ").parse(input) {
        let (rest, file) = opt(name_word).parse(rest)?;
        return Ok((
            rest,
            NodeName {
                source: "stored",
                name: None,
                file,
            },
        ));
    }
    let (rest, name) = word(input)?;
    let (rest, file) = file_after(rest)?;
    Ok((
        rest,
        NodeName {
            source: "stored",
            name: Some(lossy(name)),
            file,
        },
    ))
}

/// `Calico node 'node-2' is already using the IPv4 address 10.0.0.5.` (reason
/// `address_in_use`) and `IPv4 address has changed. This could happen if there are
/// multiple nodes with the same name.` with felix fields `node`, `original`, `updated`
/// (reason `address_changed`). Fields of `calico.node_conflict`: `reason`, `node`,
/// `address`, `ip_version` (4/6), `original`, `updated`.
pub(crate) fn node_conflict(msg: &[u8]) -> Option<Payload> {
    node_conflict_or_error(msg).ok()
}

/// [`node_conflict`], or where the message broke it and what was expected there.
pub(crate) fn node_conflict_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let p = Payload::new(Kind::CalicoNodeConflict);
    match run_grammar(msg, alt((address_in_use, address_changed)))? {
        Conflict::InUse {
            node,
            address,
            ip_version,
        } => Ok(p
            .with("reason", "address_in_use")
            .with("node", lossy(node))
            .with("address", lossy(address))
            .with("ip_version", ip_version)),
        Conflict::Changed { ip_version } => Ok(p
            .with("reason", "address_changed")
            .with("ip_version", ip_version)
            .with_opt("node", field_text(msg, "node"))
            .with_opt("original", field_text(msg, "original"))
            .with_opt("updated", field_text(msg, "updated"))),
    }
}

/// The two conflict messages of `checkConflictingNodes`.
enum Conflict<'a> {
    InUse {
        node: &'a [u8],
        address: &'a [u8],
        ip_version: u8,
    },
    Changed {
        ip_version: u8,
    },
}

/// `Calico node 'NODE' is already using the IPvN address ADDR.`
fn address_in_use(input: &[u8]) -> PResult<'_, Conflict<'_>> {
    let (input, _) = anchor("Calico node '").parse(input)?;
    let (input, node) = cut(context(
        "`' is already using the IPv`",
        terminated(
            take_until("' is already using the IPv"),
            tag("' is already using the IPv"),
        ),
    ))
    .parse(input)?;
    let ip_version = if input.starts_with(b"6") { 6 } else { 4 };
    let (input, address) = cut(context(
        "` address ADDR`",
        preceded(anchor(" address "), word),
    ))
    .parse(input)?;
    let address = address.strip_suffix(b".").unwrap_or(address);
    Ok((
        input,
        Conflict::InUse {
            node,
            address,
            ip_version,
        },
    ))
}

/// `IPv4 address has changed. This could happen ...` (the version digit just before).
fn address_changed(input: &[u8]) -> PResult<'_, Conflict<'_>> {
    let (rest, head) = take_until(" address has changed. This could happen").parse(input)?;
    let Some(&last) = head.last() else {
        return failure(head, "`IPv4` or `IPv6` before ` address has changed`");
    };
    let ip_version = if last == b'6' { 6 } else { 4 };
    let (rest, _) = take(1usize).parse(rest)?;
    Ok((rest, Conflict::Changed { ip_version }))
}

/// The `calicoctl node status` table header `| PEER ADDRESS |  PEER TYPE  | STATE | ...`:
/// starts a [`CalicoTable`].
pub(crate) fn table_header(msg: &[u8]) -> Option<Payload> {
    table_header_or_error(msg).ok()
}

/// [`table_header`], or where the message broke it and what was expected there.
pub(crate) fn table_header_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    run_grammar(
        msg,
        preceded(
            (take_while(|b: u8| b.is_ascii_whitespace()), char('|')),
            // calicoctl ≤ 0.2x (2016, felix 1.x) wrote the headings in title case.
            alt((anchor("PEER TYPE"), anchor("Peer type"))),
        ),
    )?;
    Ok(Payload::new(Kind::BgpPeerState))
}

/// `| 10.0.0.3 | node-to-node mesh | start | 03:05:13 | Active Socket: Connection |`
/// (already trimmed) → its cells, trimmed. `None` for anything that is not a
/// `|`-framed row with at least one cell.
fn table_row(line: &[u8]) -> Option<Vec<String>> {
    let cells = all_consuming(preceded(
        char::<_, Fail<'_>>('|'),
        many0(terminated(take_till(|b| b == b'|'), char('|'))),
    ))
    .parse(line)
    .ok()?
    .1;
    (!cells.is_empty()).then(|| cells.into_iter().map(|c| lossy(c.trim_ascii())).collect())
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
    pub(crate) fn feed(&mut self, at: Location, env: &Envelope<'_>, msg: &[u8]) -> TableStep {
        let line = msg.trim_ascii();
        if line.starts_with(b"+-") {
            return if self.rows.is_empty() {
                TableStep::More
            } else {
                TableStep::Ended
            };
        }
        let Some(cells) = table_row(line) else {
            return TableStep::Outside;
        };
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
        TableStep::More
    }

    /// Emit one `calico.bgp_peer_state` per row, once the table has ended.
    pub(crate) fn finish(self, out: &mut Vec<Found>) {
        for row in self.rows {
            let cell = |i: usize| row.cells.get(i).cloned().unwrap_or_default();
            let (peer, peer_type, state, since) = (cell(0), cell(1), cell(2), cell(3));
            if peer.is_empty() {
                continue;
            }
            let info = collapse_spaces(&cell(4));
            let reset = anchor("Connection reset by peer")
                .parse(info.as_bytes())
                .is_ok();
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

    #[test]
    fn bgp_protocol_name_production() {
        assert_eq!(
            bgp_protocol_name(b"Mesh_10_0_0_3 BGP master"),
            Ok((
                &b" BGP master"[..],
                ("10.0.0.3".to_string(), "node-to-node mesh")
            ))
        );
        assert!(bgp_protocol_name(b"Kernel1").is_err());
    }

    #[test]
    fn reset_origins() {
        assert_eq!(
            reset_origin(b"bird: Mesh_10_0_0_3: Socket error: Connection reset by peer"),
            Ok((
                &b"Connection reset by peer"[..],
                ResetOrigin::Bird("10.0.0.3".into())
            ))
        );
        assert_eq!(
            reset_origin(
                b"dial: read tcp [fd00::1]:4001->[fd00::2]:2379: read: connection reset by peer"
            )
            .map(|(_, o)| o),
            Ok(ResetOrigin::Remote("fd00::2".into(), Some(2379)))
        );
        assert_eq!(
            reset_origin(b"Active Socket: Connection reset by peer").map(|(_, o)| o),
            Ok(ResetOrigin::Unknown)
        );
        let err = connection_reset_or_error(b"Connection refused").unwrap_err();
        assert_eq!(
            (err.offset, err.expected),
            (0, "`Connection reset by peer`")
        );
    }

    #[test]
    fn reset_lines_from_every_calico_writer() {
        // svlogd -tt file of bird (v3.1–v3.20).
        let p = connection_reset(b"2018-06-17_03:05:13.80513 bird: Node_192_168_1_7: Socket error: Connection reset by peer").unwrap();
        assert_eq!(p.fields["peer"], json!("192.168.1.7"));
        assert_eq!(p.fields["component"], json!("bird"));
        // felix / calico-node format (v3.14+ with component).
        let p = connection_reset(b"2021-06-17 03:05:13.803 [WARNING][84] felix/health.go 137: Failed to read from etcd error=read tcp 10.0.0.1:56354->10.96.0.1:443: read: connection reset by peer").unwrap();
        assert_eq!(p.fields["peer"], json!("10.96.0.1"));
        assert_eq!(p.fields["port"], json!(443));
        assert!(!p.fields.contains_key("component"));
        // logrus text of calico's non-felix tools.
        let p = connection_reset(br#"time="2018-06-17T03:05:13Z" level=error msg="Failed to sync" error="Get https://10.96.0.1:443/api: read tcp 10.0.0.1:4001->10.96.0.1:443: read: connection reset by peer""#).unwrap();
        assert_eq!(p.fields["peer"], json!("10.96.0.1"));
        // `calicoctl node status` info and BIRD `show protocols` info: no address in the text.
        let p = connection_reset(b"Connect       Socket: Connection reset by peer").unwrap();
        assert!(!p.fields.contains_key("peer"));
    }

    #[test]
    fn protocols_row_and_table_row_productions() {
        let (rest, row) =
            protocols_row(b"2002-Mesh_10_0_0_4 BGP master start 2018-06-16  Connect  Socket: Connection reset by peer").unwrap();
        assert_eq!(rest, b"");
        assert_eq!(row.peer, "10.0.0.4");
        assert_eq!(row.state, b"start");
        assert_eq!(row.info, b"  Connect  Socket: Connection reset by peer");
        let err = bird_protocol_row_or_error(b"Mesh_10_0_0_4 BGP master sleeping").unwrap_err();
        assert_eq!(err.expected, "table, state, since and info columns");
        assert_eq!(
            table_row(b"| 10.0.0.3     | node-to-node mesh | start | 03:05:13 | Active Socket: Connection      |"),
            Some(vec![
                "10.0.0.3".to_string(),
                "node-to-node mesh".into(),
                "start".into(),
                "03:05:13".into(),
                "Active Socket: Connection".into()
            ])
        );
        assert_eq!(table_row(b"|"), None);
        assert_eq!(table_row(b"| a | b"), None);
        assert!(table_header_or_error(b"| PEER ADDRESS |     PEER TYPE     | STATE |").is_ok());
    }

    #[test]
    fn state_change_and_naming_errors() {
        let err = bird_state_change_or_error(b"bird: Mesh_10_0_0_2: State changed to sideways")
            .unwrap_err();
        assert_eq!((err.offset, err.expected), (38, "a BIRD protocol state"));
        let err = bird_state_change_or_error(b"bird: device1: State changed to up").unwrap_err();
        assert_eq!(err.expected, "a calico BGP protocol name");
        let err = node_name_or_error(b"Determined node name: ").unwrap_err();
        assert_eq!((err.offset, err.expected), (22, "a node name"));
        let p =
            node_name(b"Using HOSTNAME environment (lowercase) for node name ip-10-0-0-1").unwrap();
        assert_eq!(p.fields["source"], json!("env_hostname"));
        assert_eq!(p.fields["name"], json!("ip-10-0-0-1"));
        let p = node_name(b"Using auto-detected node name. It may be necessary to ...").unwrap();
        assert_eq!(p.fields["source"], json!("auto_detected"));
        let p = node_conflict(b"2021-06-17 03:05:13.805 [WARNING][9] startup/startup.go 1200: Calico node 'node-2' is already using the IPv6 address fd00::5.").unwrap();
        assert_eq!(p.fields["ip_version"], json!(6));
        assert_eq!(p.fields["address"], json!("fd00::5"));
    }
}
