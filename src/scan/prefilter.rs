//! The multi-literal prefilter: one aho-corasick automaton over every needle that
//! any grammar or custom rule declares. A line without a needle cannot produce an
//! event, so it is never envelope-parsed.

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};

/// Finds candidate lines in a byte buffer.
#[derive(Clone, Debug)]
pub struct Prefilter {
    automaton: Option<AhoCorasick>,
    needles: Vec<String>,
}

impl Prefilter {
    /// Build from needle literals (empty needles are ignored; duplicates collapse).
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
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&list)
            .ok()
            .or_else(|| AhoCorasick::builder().build(&list).ok());
        Prefilter {
            automaton,
            needles: list,
        }
    }

    /// The literals, sorted.
    pub fn needles(&self) -> &[String] {
        &self.needles
    }

    /// Offset of the first needle occurrence at or after `from`, if any.
    pub fn find_from(&self, haystack: &[u8], from: usize) -> Option<usize> {
        let ac = self.automaton.as_ref()?;
        if from >= haystack.len() {
            return None;
        }
        ac.find(Input::new(haystack).span(from..haystack.len()))
            .map(|m| m.start())
    }

    /// Whether `line` contains any needle.
    pub fn matches(&self, line: &[u8]) -> bool {
        self.automaton
            .as_ref()
            .is_some_and(|ac| ac.find(line).is_some())
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
    }
}
