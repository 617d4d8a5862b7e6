//! Multi-line kernel reports that are ONE occurrence however many lines they print:
//! an oops (`BUG: ...` + `Oops: 0000 [#1]` + `Kernel panic - not syncing`), an RCU
//! stall (`self-detected stall` + `detected stalls` + per-CPU lines + `kthread
//! starved`), a hung task (`INFO: task ...` + the 5.x `task:NAME state:D ...` line),
//! a SCSI command failure and its `I/O error, dev ...` line, the lines of one
//! ext4 journal abort, a vmalloc failure's `vmap allocation` line, systemd-oomd's
//! kill and PID 1's `systemd-oomd killed N process(es)` about the same unit.
//!
//! Each kind says, through a [`Joiner`], whether a new part continues the report
//! being assembled, starts a new one, or is a detail that means nothing alone
//! (a `task:` line outside a hung-task report is a sysrq dump, not a hang). One
//! [`ReportAssembler`] per kind keeps its open report; reports close when a part
//! starts a new one, or at the end of the source. Distance is measured in line
//! numbers, so the extractor need not feed the lines in between (call traces,
//! register dumps and interleaved lines of other CPUs are simply skipped).

use super::block::Block;
use super::{Found, Payload, Value};

/// What a new part does to the open report of its kind.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Join {
    /// The part belongs to the open report: merge its fields and lines.
    Merge,
    /// The part starts a new report (the open one, if any, is finished).
    Start,
    /// The part is a detail with no open report to belong to: ignore it.
    Drop,
}

/// Decides how a part relates to the open report: `held` is the open report's
/// payload (if any) and `gap` the number of lines between its last line and the part.
pub(crate) type Joiner = fn(held: Option<&Payload>, next: &Payload, gap: u64) -> Join;

/// The open report of one kind.
pub(crate) struct ReportAssembler {
    /// Kind name this assembler serves (the registry's `kind`).
    pub(crate) kind: &'static str,
    pending: Option<(Block, Payload)>,
    last_line: u64,
}

impl ReportAssembler {
    /// An assembler for `kind`, with nothing open.
    pub(crate) fn new(kind: &'static str) -> ReportAssembler {
        ReportAssembler {
            kind,
            pending: None,
            last_line: 0,
        }
    }

    /// Take one recognised part (`line` is its line, `joiner` the kind's rule).
    pub(crate) fn accept(
        &mut self,
        line: Block,
        part: Payload,
        joiner: Joiner,
        out: &mut Vec<Found>,
    ) {
        let at = line.first_line();
        let gap = at.saturating_sub(self.last_line);
        let held = self.pending.as_ref().map(|(_, p)| p);
        match joiner(held, &part, gap) {
            Join::Drop => {}
            Join::Start => {
                self.flush(out);
                self.pending = Some((line, part));
                self.last_line = at;
            }
            Join::Merge => match self.pending.as_mut() {
                Some((block, payload)) => {
                    block.extend(&line);
                    merge_fields(payload, part);
                    self.last_line = at;
                }
                None => {
                    self.pending = Some((line, part));
                    self.last_line = at;
                }
            },
        }
    }

    /// Emit the open report, if any.
    pub(crate) fn flush(&mut self, out: &mut Vec<Found>) {
        if let Some((block, payload)) = self.pending.take() {
            out.push(block.found(payload));
        }
    }
}

/// Merge a later part's fields: lists are concatenated (distinct values only), the
/// first value of any other field wins (the report's header line is the most
/// specific), booleans are or-ed so `true` from any line sticks.
fn merge_fields(held: &mut Payload, part: Payload) {
    for (name, value) in part.fields {
        match (held.fields.get_mut(name), value) {
            (None, v) => {
                held.fields.insert(name, v);
            }
            (Some(Value::Json(all)), Value::Json(more)) => {
                if let (serde_json::Value::Array(all), serde_json::Value::Array(more)) =
                    (&mut **all, *more)
                {
                    for v in more {
                        if !all.contains(&v) {
                            all.push(v);
                        }
                    }
                }
            }
            (Some(Value::Bool(b)), Value::Bool(more)) => *b |= more,
            (Some(_), _) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{Envelope, LineFormat};
    use crate::events::Kind;
    use crate::input::{Location, SourceId};
    use serde_json::json;

    fn block(line: u64) -> Block {
        let env = Envelope::bare(LineFormat::Unknown, b"x");
        Block::line(
            Location {
                source: SourceId(0),
                line,
                byte: 0,
            },
            &env,
        )
    }

    fn near(held: Option<&Payload>, next: &Payload, gap: u64) -> Join {
        match (held, next.fields.contains_key("detail")) {
            (Some(_), _) if gap <= 3 => Join::Merge,
            (_, true) => Join::Drop,
            _ => Join::Start,
        }
    }

    #[test]
    fn parts_merge_start_and_drop() {
        let mut a = ReportAssembler::new("kernel.panic");
        let mut out = Vec::new();
        let p = |k: &'static str| Payload::new(Kind::Custom("custom.x".into())).with(k, json!([k]));
        a.accept(block(5), p("detail"), near, &mut out);
        assert!(out.is_empty(), "a detail alone is dropped");
        a.accept(block(10), p("a"), near, &mut out);
        a.accept(block(12), p("detail"), near, &mut out);
        a.accept(block(30), p("b"), near, &mut out);
        a.flush(&mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].end_line, 12);
        assert!(out[0].payload().fields.contains_key("detail"));
        assert_eq!(out[1].first.line, 30);
    }

    #[test]
    fn merging_keeps_first_values_and_joins_lists() {
        let mut held = Payload::new(Kind::Custom("custom.x".into()))
            .with("device", "sdc")
            .with("cpus", json!([1]))
            .with("fatal", false);
        merge_fields(
            &mut held,
            Payload::new(Kind::Custom("custom.x".into()))
                .with("device", "sdd")
                .with("cpus", json!([1, 2]))
                .with("fatal", true),
        );
        assert_eq!(held.fields["device"], json!("sdc"));
        assert_eq!(held.fields["cpus"], json!([1, 2]));
        assert_eq!(held.fields["fatal"], json!(true));
    }
}
