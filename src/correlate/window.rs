//! Time windows over canonically ordered events: splitting into bursts at quiet
//! gaps, and finding when "at least N within W" is first satisfied.
//!
//! Events are placed on a [`Clock`]: wall time when the line gave one, else the kernel
//! uptime within one boot of one source (an uptime only compares with uptimes of the
//! same boot: 20 days of uptime apart are 20 days apart, whatever the missing year).
//! Events with neither cannot be placed: they are context, never what triggers a
//! signature or counts toward a bounded window; they may still complete an unbounded
//! count or a later step (a captured `calicoctl node status` table is a state, not a
//! moment), and they are listed last in the evidence.

use chrono::{DateTime, TimeDelta, Utc};

/// An optional display instant; `None` sorts last.
pub type Ts = Option<DateTime<Utc>>;

/// Where an event sits on a clock that can compare it with others.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Clock {
    /// Wall time (UTC).
    Wall(DateTime<Utc>),
    /// Kernel uptime (µs) within one boot of one source; `boot` is an interned id.
    Uptime {
        /// Which boot of which source.
        boot: u32,
        /// Microseconds since that boot.
        us: u64,
    },
}

impl Clock {
    /// `self - earlier`, or `None` when the two are on different clocks.
    pub fn since(self, earlier: Clock) -> Option<TimeDelta> {
        match (self, earlier) {
            (Clock::Wall(a), Clock::Wall(b)) => Some(a - b),
            (Clock::Uptime { boot: a, us: x }, Clock::Uptime { boot: b, us: y }) if a == b => {
                let diff = i64::try_from(x).ok()? - i64::try_from(y).ok()?;
                Some(TimeDelta::microseconds(diff))
            }
            _ => None,
        }
    }

    /// `self + delta` on the same clock, if representable.
    pub fn plus(self, delta: TimeDelta) -> Option<Clock> {
        match self {
            Clock::Wall(t) => t.checked_add_signed(delta).map(Clock::Wall),
            Clock::Uptime { boot, us } => {
                let us = i64::try_from(us)
                    .ok()?
                    .checked_add(delta.num_microseconds()?)?;
                Some(Clock::Uptime {
                    boot,
                    us: u64::try_from(us).ok()?,
                })
            }
        }
    }
}

/// An optional clock position; `None` = no time at all.
pub type Pos = Option<Clock>;

/// Split `items` (in canonical order) into bursts whose consecutive placed events are
/// on the same clock and at most `gap` apart. Events without a time join the last burst.
pub fn bursts(items: &[usize], pos: &dyn Fn(usize) -> Pos, gap: TimeDelta) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut last: Pos = None;
    let mut timeless = Vec::new();
    for &item in items {
        match pos(item) {
            Some(t) => {
                let split = match (last, out.last()) {
                    (Some(prev), Some(_)) => t.since(prev).is_none_or(|d| d > gap),
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

/// When `count` of `items` first lie within `within` on one clock (unbounded when
/// `None`): `Some(position of the completing event)`, where that position is `None`
/// if only time-less events were needed; `None` when the count is never reached.
/// Time-less events count only toward an unbounded count: they cannot show that
/// anything happened within a window.
pub fn completion(
    items: &[usize],
    pos: &dyn Fn(usize) -> Pos,
    count: u32,
    within: Option<TimeDelta>,
) -> Option<Pos> {
    if items.is_empty() {
        return None;
    }
    let count = count as usize;
    let placed: Vec<Clock> = items.iter().filter_map(|&i| pos(i)).collect();
    let timeless = match within {
        Some(_) => 0,
        None => items.len() - placed.len(),
    };
    let need = count.saturating_sub(timeless);
    if need == 0 {
        return Some(placed.first().copied());
    }
    let mut start = 0;
    for (end, t) in placed.iter().enumerate() {
        // A bounded window never spans two clocks: an event on a new clock starts afresh.
        while placed
            .get(start)
            .is_some_and(|s| match (t.since(*s), within) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(d), Some(w)) => d > w,
            })
        {
            start += 1;
        }
        if end + 1 - start >= need {
            return Some(Some(*t));
        }
    }
    None
}

/// Whether `t` may follow a previous step completed at `prev` within `within`. Two
/// positions on different clocks have no known order: only an unbounded step accepts
/// that. A time-less side is context and always accepted.
pub fn follows(prev: Pos, t: Pos, within: Option<TimeDelta>) -> bool {
    match (prev, t) {
        (Some(p), Some(t)) => match t.since(p) {
            Some(d) => d >= TimeDelta::zero() && within.is_none_or(|w| d <= w),
            None => within.is_none(),
        },
        _ => true,
    }
}

/// Whether `t` lies within `margin` of the span `start..=end`. A signature's window
/// may reach past chrono's range (`100000000d` is a valid `TimeDelta`): a bound that
/// cannot be represented bounds nothing. A position on another clock is not near.
pub fn near(start: Pos, end: Pos, t: Pos, margin: TimeDelta) -> bool {
    match (start, end, t) {
        (Some(s), Some(e), Some(t)) => match (t.since(s), t.since(e)) {
            (Some(from_start), Some(from_end)) => {
                from_start
                    .checked_add(&margin)
                    .is_none_or(|d| d >= TimeDelta::zero())
                    && from_end
                        .checked_sub(&margin)
                        .is_none_or(|d| d <= TimeDelta::zero())
            }
            _ => false,
        },
        _ => true,
    }
}

/// [`near`] for display instants (incidents' start and end are wall times).
pub fn near_wall(start: Ts, end: Ts, t: Ts, margin: TimeDelta) -> bool {
    near(
        start.map(Clock::Wall),
        end.map(Clock::Wall),
        t.map(Clock::Wall),
        margin,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minutes: &[Option<i64>]) -> impl Fn(usize) -> Pos + '_ {
        move |i| {
            minutes.get(i).copied().flatten().map(|m| {
                Clock::Wall(
                    Utc.with_ymd_and_hms(2018, 6, 8, 3, 0, 0).unwrap() + TimeDelta::minutes(m),
                )
            })
        }
    }

    fn up(boot: u32, days: u64) -> Pos {
        Some(Clock::Uptime {
            boot,
            us: days * 86_400_000_000,
        })
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
    fn timeless_events_never_count_toward_a_bounded_window() {
        let times = [Some(0), None, None];
        let f = at(&times);
        assert_eq!(
            completion(&[0, 1, 2], &f, 3, Some(TimeDelta::minutes(1))),
            None
        );
        assert_eq!(
            completion(&[1, 2], &f, 2, Some(TimeDelta::minutes(1))),
            None
        );
        // An unbounded count may use them (a captured state table).
        assert_eq!(completion(&[0, 1, 2], &f, 3, None).unwrap(), f(0));
        assert_eq!(completion(&[1, 2], &f, 2, None).unwrap(), None);
    }

    #[test]
    fn uptimes_compare_within_their_boot_only() {
        // Five events 20 days of uptime apart: never 5 within 10 minutes.
        let five = [up(1, 0), up(1, 20), up(1, 40), up(1, 60), up(1, 80)];
        let f = |i: usize| five.get(i).copied().flatten();
        assert_eq!(
            completion(&[0, 1, 2, 3, 4], &f, 5, Some(TimeDelta::minutes(10))),
            None
        );
        assert_eq!(bursts(&[0, 1, 2], &f, TimeDelta::minutes(30)).len(), 3);
        // Close uptimes of two different boots are not close.
        let two = [up(1, 0), up(2, 0)];
        let g = |i: usize| two.get(i).copied().flatten();
        assert_eq!(
            completion(&[0, 1], &g, 2, Some(TimeDelta::minutes(10))),
            None
        );
        assert_eq!(completion(&[0, 1], &g, 2, None), Some(up(2, 0)));
        assert!(!follows(up(1, 0), up(2, 0), Some(TimeDelta::days(1))));
        assert!(!near(up(1, 0), up(1, 0), up(2, 0), TimeDelta::days(1)));
        assert!(near(up(1, 0), up(1, 0), up(1, 0), TimeDelta::days(1)));
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

    #[test]
    fn near_bounds_both_sides_and_unrepresentable_margins_bound_nothing() {
        let times = [Some(0), Some(10), Some(45), Some(-25)];
        let f = at(&times);
        let m = TimeDelta::minutes(30);
        assert!(near(f(0), f(1), f(2), TimeDelta::minutes(35)));
        assert!(!near(f(0), f(1), f(2), m));
        assert!(near(f(0), f(1), f(3), m));
        assert!(near(f(0), f(1), f(2), TimeDelta::days(100_000_000)));
    }
}
