//! The per-source [`Extractor`]: runs the routed grammars of the registry on each
//! candidate line, hands multi-line parts to the assemblers (SLUB blocks, OOM kills,
//! calicoctl tables, `df` output) and post-processes one-line events (one event per
//! evicted pod, `component` from the envelope, `old` hostname from the host field).

use std::borrow::Cow;

use super::block::{Block, TableStep};
use super::calico::CalicoTable;
use super::fs::DfTable;
use super::kernel_oom::OomAssembler;
use super::kernel_report::ReportAssembler;
use super::kernel_slub::SlubAssembler;
use super::registry::{GRAMMARS, Role, bit, routed};
use super::{Found, Kind, Payload};
use crate::envelope::{Envelope, LineFormat, RawTime};
use crate::input::Location;

/// Per-source, stateful event extraction. Feed candidate lines in order: every line
/// containing a [`needles`](super::needles) literal, plus every line that follows
/// while [`Extractor::feed`] returns `true`; call [`Extractor::finish`] at the end.
#[derive(Default)]
pub struct Extractor {
    slub: SlubAssembler,
    oom: OomAssembler,
    table: Option<CalicoTable>,
    df: Option<DfTable>,
    /// Open multi-line kernel reports, one assembler per kind (created on first use).
    reports: Vec<ReportAssembler>,
    /// A journalctl boot separator waiting for the next timed entry, whose time the
    /// `node.reboot` takes (the separator itself carries none).
    boot: Option<Block>,
    /// Whether the last line fed was taken by a grammar or an open block, even when its
    /// event is still being assembled: such a line is explained, not an unknown error.
    took_last: bool,
}

impl Extractor {
    /// An extractor with nothing open: one per source (or chunk), since a multi-line
    /// event never spans two sources.
    pub fn new() -> Extractor {
        Extractor::default()
    }

    /// Recognise events in one line (`at` is its location). Finished events are
    /// pushed to `out` (multi-line ones when they end, possibly on a later call).
    /// Returns `true` when the next line must be fed whether or not it has a needle.
    pub fn feed(&mut self, at: Location, env: &Envelope<'_>, out: &mut Vec<Found>) -> bool {
        self.took_last = true;
        if crate::envelope::is_boot_separator(env.raw) {
            self.boot = Some(Block::line(at, env));
            return true;
        }
        if let Some(mut boot) = self.boot.take() {
            if env.time == RawTime::None {
                self.boot = Some(boot);
            } else {
                boot.stamp_from(env);
                let reboot = Payload::new(Kind::NodeReboot).with("from", "journal boot separator");
                out.push(boot.found(reboot));
            }
        }
        let msg = message_for_grammars(env);
        let msg: &[u8] = &msg;

        if let Some(table) = self.table.as_mut() {
            match table.feed(at, env, msg) {
                TableStep::More => return true,
                TableStep::Ended => {
                    self.close_table(out);
                    return self.wants_more();
                }
                TableStep::Outside => self.close_table(out),
            }
        }
        if let Some(df) = self.df.as_mut() {
            match df.feed(at, env, msg) {
                TableStep::More => return true,
                TableStep::Ended => {
                    self.close_df(out);
                    return self.wants_more();
                }
                TableStep::Outside => self.close_df(out),
            }
        }

        let mut slub_seen = false;
        let mut oom_seen = false;
        let mut emitted: Vec<&str> = Vec::new();
        let set = routed(msg);
        self.took_last = false;
        for (i, g) in GRAMMARS.iter().enumerate() {
            if set & bit(i) == 0 || !g.route.admits(env, msg) {
                continue;
            }
            let Some(payload) = (g.parse)(msg) else {
                continue;
            };
            self.took_last = true;
            match g.role {
                Role::Event => {
                    if !emitted.contains(&g.kind) {
                        emitted.push(g.kind);
                        emit(at, env, payload, out);
                    }
                }
                Role::Slub => {
                    slub_seen = true;
                    self.slub.accept(Block::line(at, env), payload, out);
                }
                Role::Oom(part) => {
                    oom_seen = true;
                    self.oom.accept(part, Block::line(at, env), payload, out);
                }
                Role::CalicoTableHeader => {
                    self.close_table(out);
                    self.table = Some(CalicoTable::new());
                }
                Role::DfHeader => {
                    self.close_df(out);
                    self.df = Some(DfTable::new(&payload));
                }
                Role::Report(joiner) => {
                    if !emitted.contains(&g.kind) {
                        emitted.push(g.kind);
                        self.report(g.kind)
                            .accept(Block::line(at, env), payload, joiner, out);
                    }
                }
            }
        }
        // Another CPU's call trace printed inside a block does not end it.
        let trace = (!slub_seen || !oom_seen) && super::kernel_trace::is_trace_line(msg);
        if !slub_seen && !trace {
            self.slub.unrelated(out);
        }
        if !oom_seen && !trace {
            self.oom.unrelated(out);
        }
        self.wants_more()
    }

    /// Whether the line last fed was taken by a grammar or an open multi-line block.
    pub fn took_last_line(&self) -> bool {
        self.took_last
    }

    /// Mark that a line went by without being fed (it holds no needle).
    pub fn forget_last_line(&mut self) {
        self.took_last = false;
    }

    /// Emit whatever is still open at the end of the source.
    pub fn finish(&mut self, out: &mut Vec<Found>) {
        self.slub.flush(out);
        self.oom.finish(out);
        self.close_table(out);
        self.close_df(out);
        for r in &mut self.reports {
            r.flush(out);
        }
    }

    /// The report assembler of `kind`, created on first use (a source has few report
    /// kinds open, so a short list searched in order).
    fn report(&mut self, kind: &'static str) -> &mut ReportAssembler {
        let at = match self.reports.iter().position(|r| r.kind == kind) {
            Some(at) => at,
            None => {
                self.reports.push(ReportAssembler::new(kind));
                self.reports.len() - 1
            }
        };
        &mut self.reports[at]
    }

    fn wants_more(&self) -> bool {
        self.slub.is_open()
            || self.oom.is_open()
            || self.table.is_some()
            || self.df.is_some()
            || self.boot.is_some()
    }

    fn close_table(&mut self, out: &mut Vec<Found>) {
        if let Some(table) = self.table.take() {
            table.finish(out);
        }
    }

    fn close_df(&mut self, out: &mut Vec<Found>) {
        if let Some(df) = self.df.take() {
            df.finish(out);
        }
    }
}

/// The bytes the grammars see. For Kubernetes JSON logs the envelope's message is
/// only `msg`; the key/value pairs (`resourceName`, `pods`...) stay in the record,
/// so the raw record is appended after a space for the field lookups.
fn message_for_grammars<'a>(env: &'a Envelope<'_>) -> Cow<'a, [u8]> {
    if env.format == LineFormat::KlogJson {
        let mut joined = Vec::with_capacity(env.message.len() + env.raw.len() + 1);
        joined.extend_from_slice(&env.message);
        joined.push(b' ');
        joined.extend_from_slice(env.raw);
        Cow::Owned(joined)
    } else {
        Cow::Borrowed(env.message.as_ref())
    }
}

/// The program a line came from, for `component` fields.
fn component_of(env: &Envelope<'_>) -> Option<String> {
    if let Some(app) = env.app {
        return Some(app.to_string());
    }
    match env.format {
        LineFormat::Felix => Some("calico-node".into()),
        LineFormat::Bird | LineFormat::BirdProtocols => Some("bird".into()),
        LineFormat::CalicoctlStatus => Some("calicoctl".into()),
        _ => None,
    }
}

/// Push one recognised one-line payload, after the per-kind post-processing.
fn emit(at: Location, env: &Envelope<'_>, mut payload: Payload, out: &mut Vec<Found>) {
    match payload.kind {
        Kind::TooManyOpenFiles
        | Kind::NoSpaceLeft
        | Kind::ConnectionReset
        | Kind::InotifyExhausted
        | Kind::PidExhausted
        | Kind::XtablesLock
            if !payload.fields.contains_key("component") =>
        {
            payload = payload.with_opt("component", component_of(env));
        }
        Kind::HostnameChanged => {
            let differs = match (env.host, payload.str_field("new")) {
                (Some(host), Some(new)) => !host.eq_ignore_ascii_case(new),
                _ => false,
            };
            if differs && !payload.fields.contains_key("old") {
                payload = payload.with_opt("old", env.host);
            }
        }
        Kind::PodEvicted => {
            for pod in super::kubelet_eviction::split_evicted(payload) {
                out.push(Block::line(at, env).found(pod));
            }
            return;
        }
        _ => {}
    }
    out.push(Block::line(at, env).found(payload));
}
