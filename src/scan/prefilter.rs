//! The multi-literal prefilter: finds the lines that contain a needle that any grammar
//! or custom rule declares. A line without a needle cannot produce an event, so it is
//! never envelope-parsed.
//!
//! Two levels (issue #7). With ~90 needles one automaton falls off every fast path:
//! aho-corasick's Teddy fingerprints get so many false candidates that its DFA ends up
//! walking nearly every byte (~0.4 GB/s a core). So the first level searches short
//! *anchors* — 4-byte substrings of the needles, chosen so that every needle contains
//! one and that they are rare in the data at hand — and the second level runs the full
//! needle automaton only on the few bytes around an anchor hit.
//! [`Prefilter::find_from`] still returns exactly the leftmost needle occurrence, so
//! results do not depend on the anchors chosen.
//!
//! A few hundred needles need ~90 rare anchors, more than one Teddy searcher takes
//! (64) and far more than it keeps fast with (its 8 buckets fill up and nearly every
//! position becomes a candidate). On x86-64 with AVX2 the first level is therefore
//! `wide`: the same nibble fingerprints in several 8-bucket sets searched in one
//! pass, with anchors spread over buckets so that each stays specific. Elsewhere it is
//! aho-corasick's packed searcher when the anchors fit it.

use aho_corasick::packed;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind, Span};
use rustc_hash::FxHashMap;

/// Length of an anchor: long enough for a 4-byte fingerprint that rejects nearly all
/// of log text, short enough that needles share anchors.
const ANCHOR_LEN: usize = 4;

/// What one more anchor costs, in the unit of window probability: each pattern adds
/// first-level false candidates (its nibble masks get fuzzier), so a window shared by
/// several needles beats several slightly rarer ones.
const ANCHOR_COST: f64 = 2e-5;

/// Most anchors aho-corasick's packed searcher takes.
const MAX_PACKED_ANCHORS: usize = 64;

/// Anchors expected to hit more often than this (per byte, summed in the sample) cost
/// about as much in second-level checks (~100 bytes of automaton each) as one
/// automaton over everything. Measured on the sparse bench dump with covers forced
/// to common windows: 4.6e-3 still ran 1.7x the automaton's speed, 1.4e-2 at 0.8x.
/// Hits on needles cost less (their line is parsed either way): the sample bundle,
/// ~4e-3 of mostly needle hits, runs at twice the automaton's speed.
const MAX_HIT_RATE: f64 = 1.0 / 128.0;

/// Finds candidate lines in a byte buffer.
#[derive(Clone, Debug)]
pub struct Prefilter {
    /// Every needle (leftmost-first), the exact answer.
    verify: AhoCorasick,
    /// First level: rare substrings of the needles.
    anchors: Option<Anchors>,
    /// Longest needle, in bytes: bounds the window verified around an anchor hit.
    longest: usize,
    needles: Vec<String>,
}

/// The first level: a searcher over anchors, each a substring of some needles.
#[derive(Clone, Debug)]
struct Anchors {
    searcher: First,
    literals: Vec<Vec<u8>>,
}

/// A first-level searcher: finds the leftmost anchor occurrence.
#[derive(Clone, Debug)]
enum First {
    /// aho-corasick's Teddy (up to [`MAX_PACKED_ANCHORS`]).
    Packed(packed::Searcher),
    #[cfg(target_arch = "x86_64")]
    Wide(wide::Wide),
}

impl First {
    fn find(&self, haystack: &[u8], at: usize) -> Option<usize> {
        match self {
            First::Packed(s) => s
                .find_in(haystack, Span::from(at..haystack.len()))
                .map(|m| m.start()),
            #[cfg(target_arch = "x86_64")]
            First::Wide(w) => w.find(haystack, at),
        }
    }
}

/// Which first-level searchers [`Prefilter::choose_anchors`] may build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    /// The fastest this CPU has.
    Best,
    /// aho-corasick's packed searcher only (what CPUs without AVX2 get).
    #[cfg(test)]
    Packed,
}

impl Prefilter {
    /// Build from needle literals (empty needles are ignored; duplicates collapse).
    /// Anchors are chosen with a generic byte-frequency estimate for log text; see
    /// [`Prefilter::tuned`] to choose them from the data itself.
    pub fn new<I, S>(needles: I) -> Prefilter
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list: Vec<String> = needles
            .into_iter()
            .map(|s| s.as_ref().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        list.sort();
        list.dedup();
        // A DFA is fastest; past its size limit the contiguous NFA serves. The NFA
        // only fails past 2^31 patterns or states, far beyond any signature set, so a
        // failure is a bug to stop on, not "no events" to report quietly.
        let verify = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&list)
            .or_else(|_| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&list)
            })
            .expect("an automaton over the signature set's needles always builds");
        let longest = list.iter().map(String::len).max().unwrap_or(0);
        let mut p = Prefilter {
            verify,
            anchors: None,
            longest,
            needles: list,
        };
        p.anchors = p.choose_anchors(&ByteFreq::log_text(), Level::Best);
        p
    }

    /// One automaton only, no anchors (the baseline the two levels are measured against).
    pub fn plain<I, S>(needles: I) -> Prefilter
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut p = Prefilter::new(needles);
        p.anchors = None;
        p
    }

    /// The same needles with anchors chosen for data like `sample` (a few hundred KiB
    /// of the source to scan): the rarest substrings *there*. About 10 ms for ~230
    /// needles (the cover, then spreading anchors over fingerprint buckets); worth it
    /// for sources scanned with [`Prefilter::find_from`].
    pub fn tuned(&self, sample: &[u8]) -> Prefilter {
        let mut p = self.clone();
        p.anchors = p.choose_anchors(&ByteFreq::of(sample, &p.needles), Level::Best);
        p
    }

    /// The same needles and `extra` ones (for one source whose format needs them),
    /// anchors chosen for data like `sample`.
    pub fn extended(&self, extra: &[&str], sample: &[u8]) -> Prefilter {
        let needles = self
            .needles
            .iter()
            .map(String::as_str)
            .chain(extra.iter().copied());
        Prefilter::new(needles).tuned(sample)
    }

    /// The literals, sorted.
    pub fn needles(&self) -> &[String] {
        &self.needles
    }

    /// The anchors of the first level (empty when the automaton is searched directly).
    pub fn anchors(&self) -> Vec<&[u8]> {
        self.anchors
            .as_ref()
            .map(|a| a.literals.iter().map(Vec::as_slice).collect())
            .unwrap_or_default()
    }

    /// Which first-level searcher is in use, for diagnostics: `"none"`, `"packed"`, or
    /// `"wide/N"` with N 8-bucket fingerprint sets.
    pub fn first_level(&self) -> String {
        match self.anchors.as_ref().map(|a| &a.searcher) {
            None => "none".to_string(),
            Some(First::Packed(_)) => "packed".to_string(),
            #[cfg(target_arch = "x86_64")]
            Some(First::Wide(w)) => format!("wide/{}", w.sets()),
        }
    }

    /// Offset of the leftmost needle occurrence starting at or after `from`, if any.
    pub fn find_from(&self, haystack: &[u8], from: usize) -> Option<usize> {
        let ac = &self.verify;
        if from >= haystack.len() {
            return None;
        }
        let Some(anchors) = &self.anchors else {
            return ac
                .find(Input::new(haystack).span(from..haystack.len()))
                .map(|m| m.start());
        };
        let mut at = from;
        while at < haystack.len() {
            let hit = anchors.searcher.find(haystack, at)?;
            // Every needle holding this anchor occurrence starts within `longest`
            // bytes before it; no needle starts between `at` and that window, or its
            // anchor would have been hit first. So the leftmost needle starting at or
            // before `hit` is the answer, and if there is none, none starts <= hit.
            let lo = hit.saturating_sub(self.longest).max(at);
            let hi = hit.saturating_add(self.longest).min(haystack.len());
            if let Some(m) = ac.find(Input::new(haystack).span(lo..hi))
                && m.start() <= hit
            {
                return Some(m.start());
            }
            at = hit + 1;
        }
        None
    }

    /// Whether `line` contains any needle.
    pub fn matches(&self, line: &[u8]) -> bool {
        self.verify.is_match(line)
    }

    /// Rare windows first; when they would take too many anchors, windows shared by
    /// more needles are worth more. `None` (search the automaton directly) when a
    /// needle is shorter than an anchor, when every cover that fits hits too often,
    /// or when no first-level searcher can be built here (no SIMD).
    fn choose_anchors(&self, freq: &ByteFreq, level: Level) -> Option<Anchors> {
        if self.needles.is_empty() || self.needles.iter().any(|n| n.len() < ANCHOR_LEN) {
            return None;
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = level;
        #[cfg(target_arch = "x86_64")]
        if level == Level::Best && wide::available() {
            return [1.0, 8.0, 64.0].iter().find_map(|scale| {
                let literals = self.cover(freq, ANCHOR_COST * scale, wide::MAX_ANCHORS)?;
                let searcher = First::Wide(wide::Wide::new(&literals, freq)?);
                Some(Anchors {
                    searcher,
                    literals: literals.iter().map(|w| w.to_vec()).collect(),
                })
            });
        }
        [1.0, 8.0, 64.0, 512.0].iter().find_map(|scale| {
            let literals = self.cover(freq, ANCHOR_COST * scale, MAX_PACKED_ANCHORS)?;
            let mut builder = packed::Config::new()
                .match_kind(packed::MatchKind::LeftmostFirst)
                .builder();
            builder.extend(&literals);
            let searcher = First::Packed(builder.build()?);
            Some(Anchors {
                searcher,
                literals: literals.iter().map(|w| w.to_vec()).collect(),
            })
        })
    }

    /// Greedy weighted set cover of the needles by 4-byte windows: repeatedly take the
    /// window with the lowest estimated frequency plus `cost` per needle newly covered.
    /// Sorted; `None` past `max` anchors or past [`MAX_HIT_RATE`].
    fn cover(&self, freq: &ByteFreq, cost: f64, max: usize) -> Option<Vec<[u8; ANCHOR_LEN]>> {
        // A needle contains a window exactly when the window is one of its own.
        let mut holders: FxHashMap<[u8; ANCHOR_LEN], Vec<usize>> = FxHashMap::default();
        for (i, n) in self.needles.iter().enumerate() {
            for w in n.as_bytes().windows(ANCHOR_LEN) {
                let key = <[u8; ANCHOR_LEN]>::try_from(w).ok()?;
                let list = holders.entry(key).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        let mut windows: Vec<([u8; ANCHOR_LEN], f64, Vec<usize>)> = holders
            .into_iter()
            .map(|(w, covers)| (w, freq.window(&w), covers))
            .collect();
        windows.sort_unstable_by_key(|a| a.0);
        let mut covered = vec![false; self.needles.len()];
        let mut left = self.needles.len();
        let mut literals = Vec::new();
        let mut rate = 0.0;
        while left > 0 {
            let (best, p) = windows
                .iter()
                .enumerate()
                .filter_map(|(i, (_, p, covers))| {
                    let new = covers.iter().filter(|n| !covered[**n]).count();
                    (new > 0).then(|| (i, (p + cost) / new as f64))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
                .map(|(i, _)| (i, windows[i].1))?;
            for n in &windows[best].2 {
                if !covered[*n] {
                    covered[*n] = true;
                    left -= 1;
                }
            }
            literals.push(windows[best].0);
            rate += p;
            if literals.len() > max || rate > MAX_HIT_RATE {
                return None;
            }
        }
        literals.sort_unstable();
        Some(literals)
    }
}

/// How often candidate windows occur in data like the haystack: counted in a sample,
/// with a byte-frequency estimate for windows the sample does not show (bytes taken
/// as independent).
struct ByteFreq<'a> {
    /// Probability of each byte value (never zero).
    p: [f64; 256],
    /// Occurrences of each 4-byte window in the sample, when there is one.
    grams: FxHashMap<[u8; ANCHOR_LEN], u32>,
    /// Windows in the sample.
    positions: f64,
    /// The sample itself (empty for the generic profile).
    sample: &'a [u8],
}

impl<'a> ByteFreq<'a> {
    /// Counted in `sample` (add-one smoothed); windows are counted only when some
    /// needle contains them, the only ones [`ByteFreq::window`] is asked about.
    fn of(sample: &'a [u8], needles: &[String]) -> ByteFreq<'a> {
        let mut counts = [1u64; 256];
        for &b in sample {
            counts[usize::from(b)] += 1;
        }
        let total: u64 = counts.iter().sum();
        let mut p = [0.0; 256];
        for (p, c) in p.iter_mut().zip(counts) {
            *p = c as f64 / total as f64;
        }
        let mut grams: FxHashMap<[u8; ANCHOR_LEN], u32> = needles
            .iter()
            .flat_map(|n| n.as_bytes().windows(ANCHOR_LEN))
            .filter_map(|w| <[u8; ANCHOR_LEN]>::try_from(w).ok())
            .map(|k| (k, 0))
            .collect();
        for w in sample.windows(ANCHOR_LEN) {
            if let Ok(key) = <[u8; ANCHOR_LEN]>::try_from(w)
                && let Some(c) = grams.get_mut(&key)
            {
                *c += 1;
            }
        }
        ByteFreq {
            p,
            grams,
            positions: sample.len().saturating_sub(ANCHOR_LEN - 1) as f64,
            sample,
        }
    }

    /// A rough profile of English-ish log text: lower case, digits, space and common
    /// punctuation are frequent, upper case less so, everything else rare.
    fn log_text() -> ByteFreq<'static> {
        let mut sample = Vec::with_capacity(512);
        for _ in 0..8 {
            sample.extend_from_slice(b"etaoinshrdlcumwfgypbvk 0123456789 :.-/=[]\"");
        }
        sample.extend_from_slice(b"etaoinshrdlu ETAOINSHRDLCUMWFGYPBVKJXQZ ,_()'<>");
        let f = ByteFreq::of(&sample, &[]);
        ByteFreq {
            p: f.p,
            grams: FxHashMap::default(),
            positions: 0.0,
            sample: &[],
        }
    }

    /// Estimated probability that a window starts at a given position.
    fn window(&self, w: &[u8]) -> f64 {
        let independent: f64 = w.iter().map(|b| self.p[usize::from(*b)]).product();
        if self.positions < 1.0 {
            return independent;
        }
        let seen = <[u8; ANCHOR_LEN]>::try_from(w)
            .ok()
            .and_then(|k| self.grams.get(&k))
            .map_or(0.0, |c| f64::from(*c));
        // Unseen windows are not impossible: at most half an occurrence in the sample.
        (seen + independent.min(0.5 / self.positions) * self.positions) / self.positions
    }
}

/// The first level for large needle sets on x86-64 with AVX2: Teddy's fingerprints
/// (for each of an anchor's 4 bytes, a bucket bit looked up by the byte's low nibble
/// and by its high nibble) in up to `MAX_SETS` sets of 8 buckets, all searched in
/// one pass over the haystack. aho-corasick's Teddy has one set, so ~90 anchors put
/// ~11 in each bucket, whose nibble masks then accept a few percent of all positions.
#[cfg(target_arch = "x86_64")]
mod wide {
    use core::arch::x86_64::*;

    use super::{ANCHOR_LEN, ByteFreq};

    /// Most fingerprint sets: each costs about as much as the first again.
    const MAX_SETS: usize = 4;

    /// Most anchors: past 6 a bucket on average, the buckets match too much.
    pub(super) const MAX_ANCHORS: usize = MAX_SETS * 8 * 6;

    /// Positions searched per step.
    const BLOCK: usize = 32;

    /// Bytes a step reads: the windows at its positions.
    const REACH: usize = BLOCK + ANCHOR_LEN - 1;

    /// A candidate position (a fingerprint hit, checked against its buckets' anchors)
    /// costs about as much as one fingerprint set's work on this many bytes (measured
    /// on the bench dumps: ~15 ns against ~0.1 ns a byte).
    const CANDIDATE_COST: f64 = 150.0;

    /// Sample bytes the candidate rate of a bucket assignment is measured on; with
    /// less than [`MIN_RATE_SAMPLE`] it is estimated from byte frequencies.
    const RATE_SAMPLE: usize = 64 << 10;
    const MIN_RATE_SAMPLE: usize = 4 << 10;

    /// Rounds of moving single anchors to a better bucket after the greedy start.
    const MOVE_ROUNDS: usize = 4;

    pub(super) fn available() -> bool {
        std::is_x86_feature_detected!("avx2")
    }

    /// Fingerprint sets over the anchors, and the anchors of each bucket to check a
    /// fingerprint hit against.
    #[derive(Clone, Debug)]
    pub(super) struct Wide {
        /// Per set and window byte: the bucket bits by the byte's low nibble, then by
        /// its high nibble (16 entries, twice: `vpshufb` looks up per 128-bit lane).
        masks: Vec<[[[u8; BLOCK]; 2]; ANCHOR_LEN]>,
        /// The anchors of bucket `set * 8 + bit`, as little-endian words.
        buckets: Vec<Vec<u32>>,
        /// Every anchor, sorted: the last positions of a haystack are checked one by one.
        sorted: Vec<u32>,
    }

    impl Wide {
        /// As many sets as cost least on data like `freq`'s sample: each set costs a
        /// pass of shuffles, each candidate position a check. `None` without AVX2.
        pub(super) fn new(anchors: &[[u8; ANCHOR_LEN]], freq: &ByteFreq) -> Option<Wide> {
            if anchors.is_empty() {
                return None;
            }
            let model = Model::new(freq);
            let mut best: Option<(f64, Wide)> = None;
            for sets in 1..=MAX_SETS {
                let w = Wide::with_sets(anchors, &model, sets)?;
                let cost = sets as f64 + w.candidate_rate(freq) * CANDIDATE_COST;
                match &best {
                    // More sets only pay while candidates drop faster than sets add.
                    Some((c, _)) if cost >= *c => break,
                    _ => best = Some((cost, w)),
                }
            }
            best.map(|(_, w)| w)
        }

        /// `sets` fingerprint sets, anchors spread over their buckets by [`assign`];
        /// `None` without AVX2 (so a `Wide` is proof that [`Wide::find`] may use it).
        pub(super) fn with_sets(
            anchors: &[[u8; ANCHOR_LEN]],
            model: &Model,
            sets: usize,
        ) -> Option<Wide> {
            if !available() {
                return None;
            }
            let sets = sets.clamp(1, MAX_SETS);
            let mut masks = vec![[[[0u8; BLOCK]; 2]; ANCHOR_LEN]; sets];
            let mut buckets = vec![Vec::new(); sets * 8];
            for (g, members) in assign(anchors, model, sets * 8).iter().enumerate() {
                let (set, bit) = (g / 8, g % 8);
                for &i in members {
                    let a = anchors[i];
                    for (k, b) in a.iter().enumerate() {
                        let (lo, hi) = (usize::from(b & 15), usize::from(b >> 4));
                        for lane in [0, 16] {
                            masks[set][k][0][lane + lo] |= 1 << bit;
                            masks[set][k][1][lane + hi] |= 1 << bit;
                        }
                    }
                    buckets[g].push(u32::from_le_bytes(a));
                }
            }
            let mut sorted: Vec<u32> = buckets.iter().flatten().copied().collect();
            sorted.sort_unstable();
            Some(Wide {
                masks,
                buckets,
                sorted,
            })
        }

        pub(super) fn sets(&self) -> usize {
            self.masks.len()
        }

        /// Per window byte and byte value: the buckets (bit `set * 8 + bit`) whose
        /// fingerprint accepts that byte there.
        fn byte_tables(&self) -> [[u32; 256]; ANCHOR_LEN] {
            let mut t = [[0u32; 256]; ANCHOR_LEN];
            for (set, m) in self.masks.iter().enumerate() {
                for (k, row) in t.iter_mut().enumerate() {
                    for (b, cell) in row.iter_mut().enumerate() {
                        let bits = m[k][0][b & 15] & m[k][1][b >> 4];
                        *cell |= u32::from(bits) << (8 * set);
                    }
                }
            }
            t
        }

        /// Fingerprint hits per position: counted on the sample, or with bytes taken
        /// as independent when there is too little of one.
        fn candidate_rate(&self, freq: &ByteFreq) -> f64 {
            let t = self.byte_tables();
            let sample = freq.sample.get(..RATE_SAMPLE).unwrap_or(freq.sample);
            if sample.len() >= MIN_RATE_SAMPLE {
                let hits = sample
                    .windows(ANCHOR_LEN)
                    .filter(|w| {
                        t.iter()
                            .zip(w.iter())
                            .fold(u32::MAX, |acc, (row, b)| acc & row[usize::from(*b)])
                            != 0
                    })
                    .count();
                return hits as f64 / (sample.len() - (ANCHOR_LEN - 1)) as f64;
            }
            (0..8 * self.sets())
                .map(|bucket| {
                    t.iter()
                        .map(|row| {
                            row.iter()
                                .zip(freq.p.iter())
                                .filter(|(bits, _)| *bits >> bucket & 1 == 1)
                                .map(|(_, p)| p)
                                .sum::<f64>()
                        })
                        .product::<f64>()
                })
                .sum()
        }

        /// Offset of the leftmost anchor occurrence starting at or after `at`.
        pub(super) fn find(&self, haystack: &[u8], at: usize) -> Option<usize> {
            // SAFETY: a `Wide` is only built where AVX2 is available (`with_sets`).
            let steps = unsafe {
                match self.sets() {
                    1 => self.steps::<1>(haystack, at),
                    2 => self.steps::<2>(haystack, at),
                    3 => self.steps::<3>(haystack, at),
                    _ => self.steps::<4>(haystack, at),
                }
            };
            let mut at = match steps {
                Ok(hit) => return Some(hit),
                Err(rest) => rest,
            };
            while let Some(w) = haystack.get(at..at + ANCHOR_LEN) {
                let word = u32::from_le_bytes(w.try_into().ok()?);
                if self.sorted.binary_search(&word).is_ok() {
                    return Some(at);
                }
                at += 1;
            }
            None
        }

        /// The leftmost anchor at or after `at` among positions whose whole step fits
        /// in `haystack`; `Err` with the first position not searched.
        #[target_feature(enable = "avx2")]
        fn steps<const M: usize>(&self, haystack: &[u8], mut at: usize) -> Result<usize, usize> {
            let Some(last) = haystack.len().checked_sub(REACH) else {
                return Err(at);
            };
            let zero = _mm256_setzero_si256();
            let mut lo = [[zero; ANCHOR_LEN]; M];
            let mut hi = [[zero; ANCHOR_LEN]; M];
            for ((lo, hi), m) in lo.iter_mut().zip(hi.iter_mut()).zip(&self.masks) {
                for k in 0..ANCHOR_LEN {
                    // SAFETY: each table is 32 bytes.
                    lo[k] = unsafe { _mm256_loadu_si256(m[k][0].as_ptr().cast()) };
                    hi[k] = unsafe { _mm256_loadu_si256(m[k][1].as_ptr().cast()) };
                }
            }
            let nibble = _mm256_set1_epi8(0x0f);
            while at <= last {
                let mut low = [zero; ANCHOR_LEN];
                let mut high = [zero; ANCHOR_LEN];
                for k in 0..ANCHOR_LEN {
                    // SAFETY: at + k + 32 <= at + REACH <= haystack.len().
                    let v = unsafe { _mm256_loadu_si256(haystack.as_ptr().add(at + k).cast()) };
                    low[k] = _mm256_and_si256(v, nibble);
                    high[k] = _mm256_and_si256(_mm256_srli_epi16::<4>(v), nibble);
                }
                // Byte j of set s: the buckets of s whose fingerprint the window at
                // at + j passes.
                let mut found = [zero; M];
                let mut any = zero;
                for s in 0..M {
                    let mut f = zero;
                    for k in 0..ANCHOR_LEN {
                        let l = _mm256_shuffle_epi8(lo[s][k], low[k]);
                        let h = _mm256_shuffle_epi8(hi[s][k], high[k]);
                        f = if k == 0 {
                            _mm256_and_si256(l, h)
                        } else {
                            _mm256_and_si256(f, _mm256_and_si256(l, h))
                        };
                    }
                    found[s] = f;
                    any = _mm256_or_si256(any, f);
                }
                if _mm256_testz_si256(any, any) == 0
                    && let Some(j) = self.check(haystack, at, found, any)
                {
                    return Ok(at + j);
                }
                at += BLOCK;
            }
            Err(at)
        }

        /// The first position of a step whose window is an anchor of a bucket whose
        /// fingerprint it passed.
        #[target_feature(enable = "avx2")]
        fn check<const M: usize>(
            &self,
            haystack: &[u8],
            at: usize,
            found: [__m256i; M],
            any: __m256i,
        ) -> Option<usize> {
            let mut bits = [[0u8; BLOCK]; M];
            for (b, f) in bits.iter_mut().zip(found) {
                // SAFETY: `b` is 32 bytes.
                unsafe { _mm256_storeu_si256(b.as_mut_ptr().cast(), f) };
            }
            let none = _mm256_cmpeq_epi8(any, _mm256_setzero_si256());
            let mut candidates = !(_mm256_movemask_epi8(none) as u32);
            while candidates != 0 {
                let j = candidates.trailing_zeros() as usize;
                candidates &= candidates - 1;
                let w = haystack.get(at + j..at + j + ANCHOR_LEN)?;
                let word = u32::from_le_bytes(w.try_into().ok()?);
                for (s, b) in bits.iter().enumerate() {
                    let mut set = b[j];
                    while set != 0 {
                        let bit = set.trailing_zeros() as usize;
                        set &= set - 1;
                        if self.buckets[s * 8 + bit].contains(&word) {
                            return Some(j);
                        }
                    }
                }
            }
            None
        }
    }

    /// How often byte values and pairs of adjacent bytes occur, for estimating what
    /// share of positions a fingerprint accepts.
    pub(super) struct Model {
        p: [f64; 256],
        /// Adjacent pairs (`first << 8 | second`), per position; empty without a sample.
        pairs: Vec<f32>,
    }

    impl Model {
        pub(super) fn new(freq: &ByteFreq) -> Model {
            let sample = freq.sample.get(..RATE_SAMPLE).unwrap_or(freq.sample);
            let mut pairs = Vec::new();
            if sample.len() >= MIN_RATE_SAMPLE {
                pairs = vec![0f32; 1 << 16];
                for w in sample.windows(2) {
                    pairs[usize::from(w[0]) << 8 | usize::from(w[1])] += 1.0;
                }
                let n = (sample.len() - 1) as f32;
                for c in &mut pairs {
                    *c /= n;
                }
            }
            Model { p: freq.p, pairs }
        }
    }

    /// A bucket's fingerprint: per window byte, the low and the high nibbles of its
    /// anchors' bytes there (a byte passes when both of its nibbles are in).
    #[derive(Clone, Copy, Default)]
    struct Nibbles {
        lo: [u16; ANCHOR_LEN],
        hi: [u16; ANCHOR_LEN],
    }

    impl Nibbles {
        fn of<'a>(anchors: impl IntoIterator<Item = &'a [u8; ANCHOR_LEN]>) -> Nibbles {
            anchors
                .into_iter()
                .fold(Nibbles::default(), |n, a| n.with(a))
        }

        fn with(mut self, a: &[u8; ANCHOR_LEN]) -> Nibbles {
            for (k, b) in a.iter().enumerate() {
                self.lo[k] |= 1 << (b & 15);
                self.hi[k] |= 1 << (b >> 4);
            }
            self
        }

        /// The bytes passing at window byte `k` (into `out`, returning how many).
        fn bytes(&self, k: usize, out: &mut [u8; 256]) -> usize {
            let mut n = 0;
            let mut hs = self.hi[k];
            while hs != 0 {
                let h = hs.trailing_zeros() as u8;
                hs &= hs - 1;
                let mut ls = self.lo[k];
                while ls != 0 {
                    out[n] = h << 4 | ls.trailing_zeros() as u8;
                    ls &= ls - 1;
                    n += 1;
                }
            }
            n
        }

        /// Share of positions that pass: a chain of adjacent byte pairs when the model
        /// has them, else bytes taken as independent.
        fn accepts(&self, m: &Model) -> f64 {
            let mut sets = [[0u8; 256]; ANCHOR_LEN];
            let mut lens = [0usize; ANCHOR_LEN];
            for (k, (set, len)) in sets.iter_mut().zip(&mut lens).enumerate() {
                *len = self.bytes(k, set);
            }
            let single = |k: usize| -> f64 {
                sets[k][..lens[k]]
                    .iter()
                    .map(|b| m.p[usize::from(*b)])
                    .sum()
            };
            if m.pairs.is_empty() {
                return (0..ANCHOR_LEN).map(single).product();
            }
            let pair = |k: usize| -> f64 {
                let mut sum = 0f32;
                for x in &sets[k][..lens[k]] {
                    let row = &m.pairs[usize::from(*x) << 8..][..256];
                    for y in &sets[k + 1][..lens[k + 1]] {
                        sum += row[usize::from(*y)];
                    }
                }
                f64::from(sum)
            };
            let mut all = pair(0);
            for k in 1..ANCHOR_LEN - 1 {
                let through = single(k);
                if through <= 0.0 {
                    return 0.0;
                }
                all *= pair(k) / through;
            }
            all
        }
    }

    /// Anchors (indexes) per bucket, spread so that the buckets' fingerprints accept
    /// as little as possible: greedily, the most common-looking anchors first, each to
    /// the bucket it widens least; then single anchors move while that helps. Buckets
    /// stay about equal in size, so a candidate's check stays short.
    fn assign(anchors: &[[u8; ANCHOR_LEN]], m: &Model, buckets: usize) -> Vec<Vec<usize>> {
        let cap = anchors.len().div_ceil(buckets) + 1;
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); buckets];
        let mut prints = vec![Nibbles::default(); buckets];
        let mut cost = vec![0.0; buckets];
        let alone: Vec<f64> = anchors
            .iter()
            .map(|a| Nibbles::default().with(a).accepts(m))
            .collect();
        let mut order: Vec<usize> = (0..anchors.len()).collect();
        order.sort_by(|a, b| alone[*b].total_cmp(&alone[*a]).then(a.cmp(b)));
        // The bucket (other than `skip`) that `a` widens least, with its cost then.
        let cheapest = |a: &[u8; ANCHOR_LEN],
                        skip: usize,
                        members: &[Vec<usize>],
                        prints: &[Nibbles],
                        cost: &[f64]| {
            (0..buckets)
                .filter(|g| *g != skip && members[*g].len() < cap)
                .map(|g| (g, prints[g].with(a).accepts(m)))
                .min_by(|x, y| (x.1 - cost[x.0]).total_cmp(&(y.1 - cost[y.0])))
        };
        for i in order {
            if let Some((g, c)) = cheapest(&anchors[i], buckets, &members, &prints, &cost) {
                members[g].push(i);
                prints[g] = prints[g].with(&anchors[i]);
                cost[g] = c;
            }
        }
        for _ in 0..MOVE_ROUNDS {
            let mut moved = false;
            for g in 0..buckets {
                let mut j = 0;
                while j < members[g].len() {
                    let i = members[g][j];
                    let rest =
                        Nibbles::of(members[g].iter().filter(|x| **x != i).map(|x| &anchors[*x]));
                    let without = rest.accepts(m);
                    if let Some((h, with)) = cheapest(&anchors[i], g, &members, &prints, &cost)
                        && without + with < (cost[g] + cost[h]) * (1.0 - 1e-9)
                    {
                        members[g].swap_remove(j);
                        members[h].push(i);
                        prints[g] = rest;
                        prints[h] = prints[h].with(&anchors[i]);
                        cost[g] = without;
                        cost[h] = with;
                        moved = true;
                        continue;
                    }
                    j += 1;
                }
            }
            if !moved {
                break;
            }
        }
        members
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leftmost needle start at or after each offset, as one automaton finds it.
    fn plain_leftmost(needles: &[String], hay: &[u8]) -> impl Fn(usize) -> Option<usize> {
        let plain = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(needles)
            .expect("automaton");
        move |from: usize| {
            plain
                .find(Input::new(hay).span(from.min(hay.len())..hay.len()))
                .map(|m| m.start())
        }
    }

    /// `p` finds exactly what one automaton finds: from every needle start and from
    /// every `step`th offset (most of them inside lines, some inside needles).
    /// Returns the number of needle occurrences.
    fn assert_same_as_plain(p: &Prefilter, hay: &[u8], step: usize) -> usize {
        let leftmost = plain_leftmost(p.needles(), hay);
        let mut hits = 0;
        let mut from = 0;
        while from < hay.len() {
            let got = p.find_from(hay, from);
            assert_eq!(got, leftmost(from), "from {from} ({})", p.first_level());
            match got {
                Some(at) => {
                    hits += 1;
                    from = at + 1;
                }
                None => break,
            }
        }
        for from in (0..hay.len()).step_by(step) {
            assert_eq!(p.find_from(hay, from), leftmost(from), "from {from}");
        }
        hits
    }

    /// Every file of the sample bundle, joined: a few hundred KiB of realistic logs.
    fn sample_bundle() -> Vec<u8> {
        fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
            let entries = std::fs::read_dir(dir).expect("sample dir");
            for e in entries {
                let path = e.expect("entry").path();
                if path.is_dir() {
                    walk(&path, files);
                } else {
                    files.push(path);
                }
            }
        }
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/k8s-incidents/bundle");
        let mut files = Vec::new();
        walk(&root, &mut files);
        files.sort();
        let mut all = Vec::new();
        for f in files {
            all.extend(std::fs::read(&f).expect("sample file"));
            all.push(b'\n');
        }
        all
    }

    #[test]
    fn finds_needles_from_offset() {
        let p = Prefilter::new(["SLUB: Unable", "too many open files"]);
        let hay = b"a\nkernel: SLUB: Unable to allocate\nx: too many open files\n";
        let first = p.find_from(hay, 0).expect("first needle");
        assert_eq!(&hay[first..first + 12], b"SLUB: Unable");
        let second = p.find_from(hay, first + 1).expect("second needle");
        assert!(hay[second..].starts_with(b"too many open files"));
        assert_eq!(p.find_from(hay, second + 1), None);
        assert!(p.matches(b"accept4: too many open files"));
        assert!(!p.matches(b"all quiet"));
    }

    #[test]
    fn empty_needle_set_matches_nothing() {
        let p = Prefilter::new(Vec::<String>::new());
        assert_eq!(p.find_from(b"anything", 0), None);
        assert!(!p.matches(b"anything"));
    }

    /// The two levels give exactly what one automaton gives, whatever anchors were
    /// chosen: the leftmost needle start from every offset.
    #[test]
    fn anchored_search_equals_the_plain_automaton() {
        let needles = crate::events::needles();
        let text = include_str!("../../samples/k8s-incidents/bundle/node-1/var/log/kern.log");
        let hay = text.as_bytes();
        for p in [
            Prefilter::new(&needles),
            Prefilter::new(&needles).tuned(hay),
            Prefilter::new(&needles).tuned(b"kernel: Out of memory"),
        ] {
            assert!(!p.anchors().is_empty(), "two levels in use");
            let hits = assert_same_as_plain(&p, hay, 97);
            assert!(hits > 10, "the sample holds needles ({hits})");
        }
    }

    /// The needle set a scan really uses (grammars, error markers and the shipped
    /// signatures' raw rules), tuned on realistic logs as the scanner tunes it, and
    /// with the line-start needles raw klog adds.
    #[test]
    fn shipped_needles_on_the_sample_bundle_equal_the_plain_automaton() {
        let set = crate::signatures::builtin().expect("builtin signatures");
        let cfg = crate::scan::ScanConfig {
            custom: crate::signatures::custom_rules(&set),
            ..crate::scan::ScanConfig::default()
        };
        let base = crate::scan::prefilter(&cfg);
        assert!(base.needles().len() > 200, "{}", base.needles().len());
        let hay = sample_bundle();
        let tuned = base.tuned(&hay);
        let klog = base.extended(crate::scan::errors::KLOG_LINE_START, &hay);
        #[cfg(target_arch = "x86_64")]
        if wide::available() {
            assert!(
                tuned.first_level().starts_with("wide"),
                "{}",
                tuned.first_level()
            );
            assert!(
                klog.first_level().starts_with("wide"),
                "{}",
                klog.first_level()
            );
        }
        for p in [&base, &tuned, &klog] {
            let hits = assert_same_as_plain(p, &hay, 61);
            assert!(hits > 100, "the bundle holds needles ({hits})");
        }
    }

    /// Without AVX2 the first level is aho-corasick's Teddy, when the anchors fit it.
    #[test]
    fn packed_first_level_equals_the_plain_automaton() {
        let needles: Vec<&str> = crate::events::needles().into_iter().step_by(6).collect();
        let text = include_str!("../../samples/k8s-incidents/bundle/node-1/var/log/kern.log");
        let hay = text.as_bytes();
        let mut p = Prefilter::new(&needles);
        p.anchors = p.choose_anchors(&ByteFreq::of(hay, &p.needles), Level::Packed);
        assert_eq!(p.first_level(), "packed");
        assert_same_as_plain(&p, hay, 31);
    }

    /// A cover whose anchors would hit all the time is no first level at all.
    #[test]
    fn common_anchors_fall_back_to_one_automaton() {
        let hay = b"the node is ready and the node is fine\n".repeat(200);
        let p = Prefilter::new(["node is", "is ready"]).tuned(&hay);
        assert!(p.anchors().is_empty(), "{:?}", p.anchors());
        assert_eq!(p.find_from(&hay, 1), Some(4));
    }

    #[test]
    fn every_needle_contains_an_anchor() {
        let needles = crate::events::needles();
        let p = Prefilter::new(&needles);
        let anchors = p.anchors();
        for n in &needles {
            assert!(
                anchors
                    .iter()
                    .any(|a| memchr::memmem::find(n.as_bytes(), a).is_some()),
                "{n}"
            );
        }
    }

    #[test]
    fn short_needles_fall_back_to_one_automaton() {
        let p = Prefilter::new(["abc", "too many open files"]);
        assert!(p.anchors().is_empty());
        assert_eq!(p.find_from(b"xx abc", 0), Some(3));
    }

    /// The wide searcher finds the leftmost anchor from every offset, with any number
    /// of sets: anchors planted on both sides of step boundaries and in the last bytes,
    /// which are searched one position at a time.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn wide_search_finds_the_leftmost_anchor() {
        if !wide::available() {
            return;
        }
        let text = include_str!("../../samples/k8s-incidents/bundle/node-1/var/log/kern.log");
        let anchors: Vec<[u8; ANCHOR_LEN]> = [
            b"QzQz",
            b"oom-",
            b"Kill",
            b"\nE01",
            b"\xff\xfeab",
            b"SLUB",
            b"BUG:",
            b"ady ",
        ]
        .into_iter()
        .copied()
        .collect();
        let mut hay = text.as_bytes()[..3000].to_vec();
        let planted = [0, 28, 32, 60, 64, 95, 1000, 2047];
        for (i, at) in planted.into_iter().enumerate() {
            hay[at..at + ANCHOR_LEN].copy_from_slice(&anchors[i % anchors.len()]);
        }
        hay.extend_from_slice(b"..QzQz.\xff\xfeab");
        let naive = |from: usize| {
            (from..hay.len().saturating_sub(ANCHOR_LEN - 1))
                .find(|i| anchors.iter().any(|a| hay[*i..].starts_with(a)))
        };
        let freq = ByteFreq::of(&hay, &[]);
        let model = wide::Model::new(&freq);
        for sets in 1..=4 {
            let w = wide::Wide::with_sets(&anchors, &model, sets).expect("AVX2");
            assert_eq!(w.sets(), sets);
            let mut found = 0;
            for from in 0..=hay.len() {
                let got = w.find(&hay, from);
                assert_eq!(got, naive(from), "sets {sets}, from {from}");
                found += usize::from(got == Some(from));
            }
            assert!(
                found >= planted.len() + 2,
                "planted anchors found ({found})"
            );
        }
    }
}
