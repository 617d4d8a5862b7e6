//! Raw-line rules (`[[raw]]`): a regex over messages podmortem has no grammar for,
//! producing `custom.*` events whose fields are the regex's named captures.
//!
//! Each rule carries the literals any match must contain (from `regex-syntax`'s
//! prefix or suffix extraction) so the scanner can prefilter lines with one
//! automaton; a rule without such literals is marked `needs_full_pass`.

use regex::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};

use crate::envelope::Level;
use crate::events::{Fields, Kind};
use crate::signatures::SignatureSet;

/// A compiled raw-line rule.
#[derive(Clone, Debug)]
pub struct RawRule {
    /// Signature that declared it.
    pub signature: String,
    /// Kind of the produced events (`custom.<name>`).
    pub kind: Kind,
    /// Regex over the envelope's message.
    pub regex: Regex,
    /// Only messages whose program tag is this (`kubelet`, `kernel`...).
    pub app: Option<String>,
    /// Level given to produced events (makes uncited ones `unclassified` when error-level).
    pub level: Option<Level>,
    /// A message can only match if it contains at least one of these.
    pub literals: Vec<String>,
    /// No usable literal: every line must be tried.
    pub needs_full_pass: bool,
}

impl RawRule {
    /// Compile a rule; `Err` carries the regex error text.
    pub fn new(
        signature: &str,
        kind: Kind,
        pattern: &str,
        app: Option<String>,
        level: Option<Level>,
    ) -> Result<RawRule, String> {
        let regex = Regex::new(pattern).map_err(|e| e.to_string())?;
        let literals = required_literals(pattern);
        Ok(RawRule {
            signature: signature.to_string(),
            kind,
            regex,
            app,
            level,
            needs_full_pass: literals.is_none(),
            literals: literals.unwrap_or_default(),
        })
    }

    /// Whether a line from this program tag is a candidate.
    pub fn applies_to(&self, app: Option<&str>) -> bool {
        match (&self.app, app) {
            (None, _) => true,
            (Some(want), Some(got)) => want == got,
            (Some(_), None) => false,
        }
    }

    /// Fields of a matching message (named captures that took part), or `None`.
    pub fn extract(&self, message: &str) -> Option<Fields> {
        let captures = self.regex.captures(message)?;
        let mut fields = Fields::new();
        for name in self.regex.capture_names().flatten() {
            if let Some(m) = captures.name(name) {
                fields.insert(
                    name.to_string(),
                    serde_json::Value::String(m.as_str().to_string()),
                );
            }
        }
        Some(fields)
    }

    /// Names of the regex's named captures (the produced fields).
    pub fn field_names(&self) -> Vec<String> {
        self.regex
            .capture_names()
            .flatten()
            .map(str::to_string)
            .collect()
    }
}

/// Every raw-line rule of the set, in signature order, for the scanner.
pub fn raw_rules(set: &SignatureSet) -> Vec<RawRule> {
    set.signatures()
        .iter()
        .flat_map(|s| s.raw.iter().cloned())
        .collect()
}

/// Literals one of which every match contains: the prefix set if usable, otherwise
/// the suffix set. `None` when neither is finite and free of empty strings.
pub fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let usable = |mut seq: Seq, prefix: bool| -> Option<Vec<String>> {
        if prefix {
            seq.optimize_for_prefix_by_preference();
        } else {
            seq.optimize_for_suffix_by_preference();
        }
        let literals = seq.literals()?;
        if literals.is_empty() {
            return None;
        }
        let mut out = Vec::with_capacity(literals.len());
        for literal in literals {
            let text = std::str::from_utf8(literal.as_bytes()).ok()?;
            if text.is_empty() {
                return None;
            }
            out.push(text.to_string());
        }
        out.sort();
        out.dedup();
        Some(out)
    };
    let prefix = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    usable(prefix, true).or_else(|| {
        let suffix = Extractor::new().kind(ExtractKind::Suffix).extract(&hir);
        usable(suffix, false)
    })
}

/// The set's raw-line rules in the form the scanner applies them (byte regexes,
/// with their prefilter literals; a rule without literals forces a full pass).
pub fn custom_rules(set: &SignatureSet) -> crate::scan::CustomRules {
    let rules = raw_rules(set)
        .into_iter()
        .filter_map(|r| {
            // The pattern already compiled as a `str` regex, so it compiles for bytes.
            let regex = regex::bytes::Regex::new(r.regex.as_str()).ok()?;
            Some(crate::scan::CustomRule {
                kind: r.kind,
                regex,
                app: r.app,
                level: r.level,
                literals: if r.needs_full_pass {
                    Vec::new()
                } else {
                    r.literals
                },
            })
        })
        .collect();
    crate::scan::CustomRules { rules }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_prefix_is_required() {
        let lits = required_literals(r"Calico node '(?P<name>[^']+)' is already using").unwrap();
        assert_eq!(lits, vec!["Calico node '".to_string()]);
    }

    #[test]
    fn alternation_gives_each_branch() {
        let lits = required_literals(r"(?:ENOSPC|no space left) on (?P<dev>\S+)").unwrap();
        assert_eq!(
            lits,
            vec!["ENOSPC on ".to_string(), "no space left on ".to_string()]
        );
    }

    #[test]
    fn leading_wildcard_falls_back_to_suffix() {
        let lits = required_literals(r".*\d+ seconds timeout").unwrap();
        assert_eq!(lits, vec![" seconds timeout".to_string()]);
    }

    #[test]
    fn no_literal_needs_a_full_pass() {
        assert_eq!(required_literals(r"\d+\s+\w+"), None);
        let rule =
            RawRule::new("x", Kind::Custom("custom.x".into()), r"^\w+$", None, None).unwrap();
        assert!(rule.needs_full_pass);
        assert!(rule.literals.is_empty());
    }

    #[test]
    fn named_captures_become_fields() {
        let rule = RawRule::new(
            "sig",
            Kind::Custom("custom.calico_ip_conflict".into()),
            r"Calico node '(?P<other>[^']+)' is already using the IPv4 address (?P<ip>[0-9.]+)\.",
            Some("calico-node".into()),
            Some(Level::Error),
        )
        .unwrap();
        let fields = rule
            .extract("2018-06-17 03:05:13.805 [WARNING][9] startup.go 1200: Calico node 'node-2' is already using the IPv4 address 10.0.0.5.")
            .unwrap();
        assert_eq!(fields.get("other").and_then(|v| v.as_str()), Some("node-2"));
        assert_eq!(fields.get("ip").and_then(|v| v.as_str()), Some("10.0.0.5"));
        assert!(rule.applies_to(Some("calico-node")));
        assert!(!rule.applies_to(Some("kubelet")));
        assert!(!rule.needs_full_pass);
        assert!(rule.extract("unrelated").is_none());
    }
}
