//! Time windows over canonically ordered events: splitting into bursts at quiet
//! gaps, and finding when "at least N within W" is first satisfied.
//!
//! Events without a time cannot be placed, so they are treated as compatible with
//! every window: they join the last burst and count toward any window. This keeps
//! time-less evidence (a `calicoctl node status` table) usable without inventing
//! a time for it.

use chrono::{DateTime, TimeDelta, Utc};

/// An optional instant; `None` sorts last.
pub type Ts = Option<DateTime<Utc>>;

/// Split `items` (in canonical order, timed ones first) into bursts whose consecutive
/// timed events are at most `gap` apart. Time-less items join the last burst.
pub fn bursts(items: &[usize], time: &dyn Fn(usize) -> Ts, gap: TimeDelta) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut last: Ts = None;
    let mut timeless = Vec::new();
    for &item in items {
        match time(item) {
            Some(t) => {
                let split = match (last, out.last()) {
                    (Some(prev), Some(_)) => t - prev > gap,
                    _ => true,
                };
                if split {
                    out.push(Vec::new());
                }
                if let Some(burst) = out.last_mut() {
                    burst.push(item);
                }
                last = Some(t);
            }
            None => timeless.push(item),
        }
    }
    if !timeless.is_empty() {
        match out.last_mut() {
            Some(burst) => burst.extend(timeless),
            None => out.push(timeless),
        }
    }
    out
}

/// When `count` of `items` first lie within `within` (unbounded when `None`):
/// `Some(time of the completing event)`, where that time is `None` if only
/// time-less events were needed; `None` when the count is never reached.
pub fn completion(
    items: &[usize],
    time: &dyn Fn(usize) -> Ts,
    count: u32,
    within: Option<TimeDelta>,
) -> Option<Ts> {
    let count = count as usize;
    let timed: Vec<_> = items.iter().filter_map(|&i| time(i)).collect();
    let timeless = items.len() - timed.len();
    if items.is_empty() {
        return None;
    }
    let need = count.saturating_sub(timeless);
    if need == 0 {
        return Some(timed.first().copied());
    }
    let mut start = 0;
    for (end, t) in timed.iter().enumerate() {
        if let Some(w) = within {
            while timed.get(start).is_some_and(|s| *t - *s > w) {
                start += 1;
            }
        }
        if end + 1 - start >= need {
            return Some(Some(*t));
        }
    }
    None
}

/// Whether `t` may follow a previous step completed at `prev` within `within`.
pub fn follows(prev: Ts, t: Ts, within: Option<TimeDelta>) -> bool {
    match (prev, t) {
        (Some(p), Some(t)) => t >= p && within.is_none_or(|w| t - p <= w),
        _ => true,
    }
}

/// Whether `t` lies within `margin` of the span `start..=end`. A signature's window
/// may reach past chrono's range (`100000000d` is a valid `TimeDelta`): a bound that
/// cannot be represented bounds nothing.
pub fn near(start: Ts, end: Ts, t: Ts, margin: TimeDelta) -> bool {
    match (start, end, t) {
        (Some(s), Some(e), Some(t)) => {
            s.checked_sub_signed(margin).is_none_or(|lo| t >= lo)
                && e.checked_add_signed(margin).is_none_or(|hi| t <= hi)
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minutes: &[Option<i64>]) -> impl Fn(usize) -> Ts + '_ {
        move |i| {
            minutes
                .get(i)
                .copied()
                .flatten()
                .map(|m| Utc.with_ymd_and_hms(2018, 6, 8, 3, 0, 0).unwrap() + TimeDelta::minutes(m))
        }
    }

    #[test]
    fn bursts_split_at_gaps_and_timeless_join_the_last() {
        let times = [Some(0), Some(10), Some(50), Some(55), None];
        let f = at(&times);
        let b = bursts(&[0, 1, 2, 3, 4], &f, TimeDelta::minutes(30));
        assert_eq!(b, vec![vec![0, 1], vec![2, 3, 4]]);
        let only = [None, None];
        let g = at(&only);
        assert_eq!(
            bursts(&[0, 1], &g, TimeDelta::minutes(30)),
            vec![vec![0, 1]]
        );
    }

    #[test]
    fn count_within_window_completes_at_the_nth_close_event() {
        // 5 events, the first 4 minutes apart (never 3 in 5m), then 3 in 2 minutes.
        let times = [Some(0), Some(4), Some(8), Some(12), Some(13), Some(14)];
        let f = at(&times);
        let items = [0, 1, 2, 3, 4, 5];
        let done = completion(&items, &f, 3, Some(TimeDelta::minutes(5))).unwrap();
        assert_eq!(done, f(4));
        assert_eq!(completion(&items, &f, 4, Some(TimeDelta::minutes(2))), None);
        assert_eq!(completion(&items, &f, 6, None).unwrap(), f(5));
        assert_eq!(completion(&items, &f, 7, None), None);
    }

    #[test]
    fn timeless_events_count_toward_any_window() {
        let times = [Some(0), None, None];
        let f = at(&times);
        assert_eq!(
            completion(&[0, 1, 2], &f, 3, Some(TimeDelta::minutes(1))).unwrap(),
            f(0)
        );
        assert_eq!(completion(&[1, 2], &f, 2, None).unwrap(), None);
    }

    #[test]
    fn follows_requires_order_and_window() {
        let times = [Some(0), Some(5), Some(20)];
        let f = at(&times);
        let w = Some(TimeDelta::minutes(10));
        assert!(follows(f(0), f(1), w));
        assert!(!follows(f(1), f(0), w));
        assert!(!follows(f(0), f(2), w));
        assert!(follows(f(0), f(2), None));
        assert!(follows(None, f(0), w));
    }
}
