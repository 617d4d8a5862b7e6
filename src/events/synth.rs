//! Events made once a line's time and node are decided: a grammar's find placed on
//! the timeline, and the events derived beside the finds (a change of a stream's host
//! field, the reboot a boot banner stands for).

use super::{
    Event, Found, Kind, LineText, PackedFields, Sym, host_field_change, reboot_of, undeclared,
};
use crate::envelope::Level;
use crate::envelope::time::Resolved;

/// Where a resolved event sits: its time, its node and its source's display path
/// (interned once per source or host by the caller, not once per event).
pub struct Placement {
    /// The line's time, resolved.
    pub time: Resolved,
    /// The node the line belongs to, after identity resolution.
    pub node: Sym,
    /// Display path of the source.
    pub source: Sym,
}

/// A grammar's find as an event on the timeline.
pub fn place_found(f: Found, at: Placement) -> Event {
    let end_line = f.end_line.max(f.first.line);
    event(
        f.kind,
        at,
        f.first.line,
        end_line,
        f.level,
        f.fields,
        f.text,
    )
}

/// The `host.hostname_changed` event of a stream whose host field goes from `old`
/// to `new` at `line` ([`host_field_change`]).
pub fn host_field_changed(old: &str, new: &str, line: u64, at: Placement) -> Event {
    let payload = host_field_change(old, new);
    event(
        payload.kind,
        at,
        line,
        line,
        None,
        payload.fields.into(),
        format!("hostname field changed from {old} to {new}").into(),
    )
}

/// The `node.reboot` a placed boot banner (`kernel.version`) stands for, on the
/// banner's lines ([`reboot_of`]); `silence_s` is how long the node had been silent.
pub fn reboot_event(banner: &Event, silence_s: Option<i64>) -> Event {
    let payload = reboot_of(&banner.fields.unpack(), silence_s);
    let mut reboot = banner.clone();
    reboot.kind = payload.kind;
    reboot.fields = PackedFields::pack(&payload.fields);
    reboot
}

fn event(
    kind: Kind,
    at: Placement,
    line: u64,
    end_line: u64,
    level: Option<Level>,
    fields: PackedFields,
    text: LineText,
) -> Event {
    debug_assert!(
        undeclared(&kind, &fields.unpack()).is_empty(),
        "{kind} carries fields events/fields.rs does not declare: {:?}",
        undeclared(&kind, &fields.unpack())
    );
    Event {
        kind,
        time: at.time.utc,
        uptime_us: at.time.uptime_us.into(),
        time_quality: at.time.quality,
        node: at.node,
        source: at.source,
        line,
        end_line,
        level,
        fields,
        text,
    }
}
