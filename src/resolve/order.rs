//! The order events are given in.

use crate::events::Event;

/// Deterministic order: time (missing last), then source, line and kind, then the
/// rest of the event, so that the order never depends on the input order and exact
/// copies end up side by side.
pub fn sort_events(mut events: Vec<Event>) -> Vec<Event> {
    // The order is total (ties compare everything an event carries), so an unstable
    // sort gives the same result, without a buffer of half the events.
    events.sort_unstable_by(event_order);
    events
}

fn event_order(a: &Event, b: &Event) -> std::cmp::Ordering {
    let ta = (a.time.is_none(), a.time);
    let tb = (b.time.is_none(), b.time);
    ta.cmp(&tb)
        .then_with(|| a.source.cmp(&b.source))
        .then(a.line.cmp(&b.line))
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| tie_break(a).cmp(&tie_break(b)))
}

/// Whether `events` are already in [`sort_events`]' order (a scan's output is).
pub fn is_sorted(events: &[Event]) -> bool {
    events.is_sorted_by(|a, b| event_order(a, b) != std::cmp::Ordering::Greater)
}

/// [`sort_events`] over borrowed events.
pub fn sort_events_ref<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<&'a Event> {
    let mut events: Vec<&Event> = events.into_iter().collect();
    events.sort_by(|a, b| event_order(a, b));
    events
}

/// What orders two events of one kind on one line: everything else they carry.
fn tie_break(e: &Event) -> (u64, &str, String, String) {
    (
        e.end_line,
        e.node.as_str(),
        e.text.get().into_owned(),
        serde_json::to_string(&e.fields).unwrap_or_default(),
    )
}
