//! The multi-literal prefilter: finds the lines that contain a needle that any grammar
//! or custom rule declares. A line without a needle cannot produce an event, so it is
//! never envelope-parsed.
//!
//! Two levels (issue #7). With ~90 needles one automaton falls off every fast path:
//! aho-corasick's Teddy fingerprints get so many false candidates that its DFA ends up
//! walking nearly every byte (~0.4 GB/s a core). So the first level searches a few
//! short *anchors* — 4-byte substrings of the needles, chosen so that every needle
//! contains one and that they are rare in the data at hand — with a packed (Teddy)
//! searcher, and the second level runs the full needle automaton only on the few bytes
//! around an anchor hit. [`Prefilter::find_from`] still returns exactly the leftmost
//! needle occurrence, so results do not depend on the anchors chosen.

use aho_corasick::packed;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind, Span};
use rustc_hash::FxHashMap;

/// Length of an anchor: long enough for Teddy's 3-byte fingerprint plus one byte that
/// its bucket verification checks, short enough that needles share anchors.
const ANCHOR_LEN: usize = 4;

/// What one more anchor costs, in the unit of window probability: each pattern adds
/// Teddy false candidates (its nibble masks get fuzzier), so a window shared by several
/// needles beats several slightly rarer ones.
const ANCHOR_COST: f64 = 2e-5;

/// Most anchors kept: Teddy's false-positive rate grows quickly with the number of
/// patterns per bucket; past this the anchors stop paying for themselves.
const MAX_ANCHORS: usize = 127;

/// Finds candidate lines in a byte buffer.
#[derive(Clone, Debug)]
pub struct Prefilter {
    /// Every needle (leftmost-first), the exact answer.
    verify: Option<AhoCorasick>,
    /// First level: rare substrings of the needles.
    anchors: Option<Anchors>,
    /// Longest needle, in bytes: bounds the window verified around an anchor hit.
    longest: usize,
    needles: Vec<String>,
}

/// The first level: a packed searcher over anchors, each a substring of some needles.
#[derive(Clone, Debug)]
struct Anchors {
    searcher: packed::Searcher,
    literals: Vec<Vec<u8>>,
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
        let verify = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&list)
            .ok()
            .or_else(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&list)
                    .ok()
            });
        let longest = list.iter().map(String::len).max().unwrap_or(0);
        let mut p = Prefilter {
            verify,
            anchors: None,
            longest,
            needles: list,
        };
        p.anchors = p.choose_anchors(&ByteFreq::log_text());
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
    /// of the source to scan): the rarest substrings *there*. Cheap (microseconds);
    /// worth it for sources scanned with [`Prefilter::find_from`].
    pub fn tuned(&self, sample: &[u8]) -> Prefilter {
        let mut p = self.clone();
        p.anchors = p.choose_anchors(&ByteFreq::of(sample, &p.needles));
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

    /// Offset of the leftmost needle occurrence starting at or after `from`, if any.
    pub fn find_from(&self, haystack: &[u8], from: usize) -> Option<usize> {
        let ac = self.verify.as_ref()?;
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
            let hit = anchors
                .searcher
                .find_in(haystack, Span::from(at..haystack.len()))?
                .start();
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
        self.verify.as_ref().is_some_and(|ac| ac.is_match(line))
    }

    /// Weighted set cover, greedy: repeatedly take the substring with the lowest
    /// estimated frequency per needle newly covered. `None` (search the automaton
    /// directly) when a needle is shorter than an anchor, too many anchors are needed,
    /// or no packed searcher can be built here (no SIMD).
    fn choose_anchors(&self, freq: &ByteFreq) -> Option<Anchors> {
        if self.needles.is_empty() || self.needles.iter().any(|n| n.len() < ANCHOR_LEN) {
            return None;
        }
        // Rare windows first; when they would take too many anchors, windows shared by
        // more needles are worth more (a large needle set needs ~60 to be covered).
        [1.0, 8.0, 64.0, 512.0]
            .iter()
            .find_map(|scale| self.anchors_at_cost(freq, ANCHOR_COST * scale))
    }

    /// Greedy cover of the needles by 4-byte windows, each priced at its probability
    /// plus `cost`; `None` past [`MAX_ANCHORS`].
    fn anchors_at_cost(&self, freq: &ByteFreq, cost: f64) -> Option<Anchors> {
        // Candidate windows with the needles containing each.
        let mut windows: Vec<(&[u8], f64, Vec<usize>)> = Vec::new();
        for n in &self.needles {
            for w in n.as_bytes().windows(ANCHOR_LEN) {
                if windows.iter().any(|(x, _, _)| *x == w) {
                    continue;
                }
                let covers: Vec<usize> = self
                    .needles
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| memchr::memmem::find(m.as_bytes(), w).is_some())
                    .map(|(i, _)| i)
                    .collect();
                windows.push((w, freq.window(w), covers));
            }
        }
        let mut covered = vec![false; self.needles.len()];
        let mut literals: Vec<Vec<u8>> = Vec::new();
        while covered.iter().any(|c| !c) {
            let best = windows
                .iter()
                .filter_map(|(w, p, covers)| {
                    let new = covers.iter().filter(|i| !covered[**i]).count();
                    (new > 0).then(|| (*w, (p + cost) / new as f64))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(b.0)))?;
            let (w, _) = best;
            for (x, _, covers) in &windows {
                if *x == w {
                    for i in covers {
                        covered[*i] = true;
                    }
                }
            }
            literals.push(w.to_vec());
            if literals.len() > MAX_ANCHORS {
                return None;
            }
        }
        literals.sort();
        let mut builder = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder();
        builder.extend(&literals);
        let searcher = builder.build()?;
        Some(Anchors { searcher, literals })
    }
}

/// How often candidate windows occur in data like the haystack: counted in a sample,
/// with a byte-frequency estimate for windows the sample does not show (bytes taken
/// as independent).
struct ByteFreq {
    /// Probability of each byte value (never zero).
    p: [f64; 256],
    /// Occurrences of each 4-byte window in the sample, when there is one.
    grams: FxHashMap<[u8; ANCHOR_LEN], u32>,
    /// Windows in the sample.
    positions: f64,
}

impl ByteFreq {
    /// Counted in `sample` (add-one smoothed); windows are counted only when some
    /// needle contains them, the only ones [`ByteFreq::window`] is asked about.
    fn of(sample: &[u8], needles: &[String]) -> ByteFreq {
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
        }
    }

    /// A rough profile of English-ish log text: lower case, digits, space and common
    /// punctuation are frequent, upper case less so, everything else rare.
    fn log_text() -> ByteFreq {
        let mut sample = Vec::with_capacity(512);
        for _ in 0..8 {
            sample.extend_from_slice(b"etaoinshrdlcumwfgypbvk 0123456789 :.-/=[]\"");
        }
        sample.extend_from_slice(b"etaoinshrdlu ETAOINSHRDLCUMWFGYPBVKJXQZ ,_()'<>");
        let mut f = ByteFreq::of(&sample, &[]);
        f.positions = 0.0;
        f
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let plain = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&needles)
            .expect("automaton");
        let leftmost = |from: usize| {
            plain
                .find(Input::new(hay).span(from..hay.len()))
                .map(|m| m.start())
        };
        for p in [
            Prefilter::new(&needles),
            Prefilter::new(&needles).tuned(hay),
            Prefilter::new(&needles).tuned(b"kernel: Out of memory"),
        ] {
            assert!(!p.anchors().is_empty(), "two levels in use");
            let mut hits = 0;
            let mut from = 0;
            while from < hay.len() {
                let got = p.find_from(hay, from);
                assert_eq!(got, leftmost(from), "from {from}");
                match got {
                    Some(at) => {
                        hits += 1;
                        from = at + 1;
                    }
                    None => break,
                }
            }
            assert!(hits > 10, "the sample holds needles ({hits})");
            // And from offsets in the middle of needles.
            for from in (0..hay.len()).step_by(97) {
                assert_eq!(p.find_from(hay, from), leftmost(from), "from {from}");
            }
        }
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
}
