//! The shared pieces of multi-line events, a leaf every assembler uses (SLUB blocks,
//! OOM kills, kernel reports, calicoctl and `df` tables) and the extractor drives:
//! [`Block`], the lines gathered so far with their provenance, and [`TableStep`],
//! what a table assembler did with a line.

use super::{Found, Payload, Sym};
use crate::envelope::{Envelope, Level, RawTime};
use crate::input::Location;

/// The lines (so far) of one event: first line's provenance plus the raw text.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    first: Location,
    end_line: u64,
    time: RawTime,
    uptime_us: Option<u64>,
    host: Option<Sym>,
    level: Option<Level>,
    text: String,
}

impl Block {
    /// A block made of one line.
    pub(crate) fn line(at: Location, env: &Envelope<'_>) -> Block {
        Block {
            first: at,
            end_line: at.line,
            time: env.time,
            uptime_us: env.uptime_us,
            host: env.host.map(Sym::new),
            level: env.level,
            text: String::from_utf8_lossy(env.raw).into_owned(),
        }
    }

    /// Append the lines of `next` (a later line of the same event).
    pub(crate) fn extend(&mut self, next: &Block) {
        self.text.push('\n');
        self.text.push_str(&next.text);
        self.end_line = next.end_line.max(self.end_line);
    }

    /// Take the time and host of a later line: a marker that carries none of its own
    /// (journalctl's `-- Reboot --`) is placed at the next entry.
    pub(crate) fn stamp_from(&mut self, env: &Envelope<'_>) {
        self.time = env.time;
        self.host = env.host.map(Sym::new);
    }

    /// Assemblers measure line gaps from here to decide whether a later part joins.
    pub(crate) fn first_line(&self) -> u64 {
        self.first.line
    }

    /// The event `payload` describes, cited by these lines; its fields are packed now
    /// because a source's finds are all held until the source is resolved.
    pub(crate) fn found(self, payload: Payload) -> Found {
        Found {
            kind: payload.kind,
            fields: payload.fields.into(),
            first: self.first,
            end_line: self.end_line,
            time: self.time,
            uptime_us: self.uptime_us,
            host: self.host,
            level: self.level,
            text: self.text.into(),
        }
    }
}

/// What a table assembler did with a line.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum TableStep {
    /// The line belongs to the table, which goes on.
    More,
    /// The line closed the table (e.g. its bottom border).
    Ended,
    /// The line is not part of the table; the table ended before it.
    Outside,
}
