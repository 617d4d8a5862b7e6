//! `unclassified` groups: error-level events no incident cites, grouped by message
//! template across nodes (issue #11: nothing unexplained is dropped).
//!
//! An error line no grammar knows is a `log.error` event whose `template` field the
//! scanner mined; a typed event at error level (an OOM kill, a `level=error` line a
//! grammar did recognise) that no signature explained is grouped by its kind and the
//! template of its first line. Groups are ranked: fatal before error, then by count.

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use super::engine::Indexed;
use super::{Evidence, incident};
use crate::envelope::{self, Level};
use crate::events::{Event, Kind};
use crate::scan::template;

/// Evidence rows kept per group (each row summarises one node's and source's lines).
pub const EVIDENCE_ROWS: usize = 5;

/// Error-level events no signature explained, sharing a message template.
#[derive(Clone, Debug, PartialEq)]
pub struct Unclassified {
    /// Event kind name (`log.error` for lines no grammar recognised).
    pub kind: String,
    /// The message with its variable parts masked as `<*>`.
    pub template: String,
    /// The highest level among the group's lines (`error` or `fatal`).
    pub level: Level,
    /// Nodes whose logs hold the lines, sorted.
    pub nodes: Vec<String>,
    /// First event time.
    pub start: Option<DateTime<Utc>>,
    /// Last event time.
    pub end: Option<DateTime<Utc>>,
    /// Number of events.
    pub count: u64,
    /// The first few evidence rows (repeats per node and source summarised).
    pub evidence: Vec<Evidence>,
}

/// Whether an event is bad news on its own: an error-level line, or a kind that is
/// never benign.
pub fn is_error_level(event: &Event) -> bool {
    matches!(event.level, Some(Level::Error | Level::Fatal))
        || matches!(
            event.kind,
            Kind::OomKill
                | Kind::HungTask
                | Kind::SoftLockup
                | Kind::ConntrackFull
                | Kind::NoSpaceLeft
                | Kind::TooManyOpenFiles
                | Kind::PageAllocFailure
                | Kind::SlubAllocFailure
                | Kind::ImageGcFailed
                | Kind::PlegUnhealthy
                | Kind::PodEvicted
                | Kind::ConnectionReset
                // issue 12: failures on their own, whatever level their line was written at
                | Kind::RcuStall
                | Kind::KernelPanic
                | Kind::NeighbourTableOverflow
                | Kind::UnregisterNetdevice
                | Kind::FsError
                | Kind::FsReadonly
                | Kind::IoError
                | Kind::OverlayfsError
                | Kind::VmallocFailure
                | Kind::NicReset
                | Kind::NicTxTimeout
                | Kind::OomdKill
                | Kind::ThinpoolFull
                | Kind::InotifyExhausted
                | Kind::PidExhausted
                | Kind::CniIpExhausted
                | Kind::XtablesLock
                | Kind::RuntimeError
                | Kind::NodeIdentityMismatch
                | Kind::CgroupMkdirEnomem
                | Kind::TaskOom
                | Kind::CertExpired
        )
}

/// The template an event is grouped by: the one the scanner mined, else that of the
/// message of its first line.
fn template_of(e: &Event) -> String {
    if let Some(t) = e.fields.get_str("template") {
        return t;
    }
    let text = e.text.get();
    let first = text.lines().next().unwrap_or_default();
    template::of(&envelope::parse_line(first.as_bytes(), None).message)
}

/// Group the error-level events of `ix` that are not `cited`, ranked.
pub fn groups(ix: &Indexed<'_>, cited: &BTreeSet<usize>) -> Vec<Unclassified> {
    let items: Vec<usize> = (0..ix.events.len())
        .filter(|i| !cited.contains(i))
        .filter(|&i| ix.events.get(i).is_some_and(is_error_level))
        .collect();
    let keyed: Vec<(String, usize)> = items
        .par_iter()
        .filter_map(|&i| Some((template_of(ix.events.get(i)?), i)))
        .collect();
    let mut by_key: BTreeMap<(&str, String), Vec<usize>> = BTreeMap::new();
    for (t, i) in keyed {
        if let Some(e) = ix.events.get(i) {
            by_key.entry((e.kind.name(), t)).or_default().push(i);
        }
    }
    let mut out: Vec<Unclassified> = by_key
        .into_iter()
        .map(|((kind, template), members)| group(ix, kind, template, &members))
        .collect();
    out.sort_by(|a, b| {
        (b.level, b.count)
            .cmp(&(a.level, a.count))
            .then((a.start.is_none(), a.start).cmp(&(b.start.is_none(), b.start)))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.template.cmp(&b.template))
    });
    out
}

/// One group from its members (positions in canonical order, so time order first).
fn group(ix: &Indexed<'_>, kind: &str, template: String, members: &[usize]) -> Unclassified {
    let events: Vec<&Event> = members.iter().filter_map(|&i| ix.events.get(i)).collect();
    let times: Vec<DateTime<Utc>> = events.iter().filter_map(|e| e.time).collect();
    let nodes: BTreeSet<&str> = events.iter().map(|e| e.node.as_str()).collect();
    let level = if events.iter().any(|e| e.level == Some(Level::Fatal)) {
        Level::Fatal
    } else {
        Level::Error
    };
    let mut evidence = incident::summarise(ix, members);
    evidence.truncate(EVIDENCE_ROWS);
    Unclassified {
        kind: kind.to_string(),
        template,
        level,
        nodes: nodes.into_iter().map(str::to_string).collect(),
        start: times.iter().min().copied(),
        end: times.iter().max().copied(),
        count: events.len() as u64,
        evidence,
    }
}
