//! User raw-line rules (`[[raw]]` in a signature file): a regex with named captures
//! that turns matching messages into `custom.*` events, for messages podmortem has no
//! grammar for. `signatures` compiles a file's rules into [`CustomRule`]s; the scanner
//! runs them. Their required literals join the prefilter; a rule without one forces a
//! full pass.

use regex::bytes::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};

use crate::envelope::{Envelope, Level};
use crate::events::{Fields, Found, Kind};
use crate::input::Location;

/// One compiled raw-line rule.
#[derive(Clone, Debug)]
pub struct CustomRule {
    /// Signature that declared it.
    pub signature: String,
    /// Kind of the events produced (`custom.*`).
    pub kind: Kind,
    /// Applied to the envelope's message.
    pub regex: Regex,
    /// Only lines whose program tag equals this, when set.
    pub app: Option<String>,
    /// Level given to the events it produces (error-level ones that no incident
    /// cites become unclassified groups).
    pub level: Option<Level>,
    /// Literals every match contains (empty: the rule needs a full pass).
    pub literals: Vec<String>,
}

impl CustomRule {
    /// Compile a rule; `Err` carries the regex error text.
    pub fn new(
        signature: &str,
        kind: Kind,
        pattern: &str,
        app: Option<String>,
        level: Option<Level>,
    ) -> Result<CustomRule, String> {
        let regex = Regex::new(pattern).map_err(|e| e.to_string())?;
        Ok(CustomRule {
            signature: signature.to_string(),
            kind,
            regex,
            app,
            level,
            literals: required_literals(pattern).unwrap_or_default(),
        })
    }

    /// Whether no literal is known, so every line must be tried.
    pub fn needs_full_pass(&self) -> bool {
        self.literals.is_empty()
    }

    /// Whether a line from this program tag is a candidate.
    pub fn applies_to(&self, app: Option<&str>) -> bool {
        self.app.as_deref().is_none_or(|want| app == Some(want))
    }

    /// Names of the regex's named captures: the fields it produces.
    pub fn field_names(&self) -> Vec<String> {
        self.regex
            .capture_names()
            .flatten()
            .map(str::to_string)
            .collect()
    }

    /// Fields of a matching message (the named captures that took part; whole
    /// numbers become numbers), or `None` when it does not match.
    pub fn fields(&self, message: &[u8]) -> Option<Fields> {
        let caps = self.regex.captures(message)?;
        let mut fields = Fields::new();
        for name in self.regex.capture_names().flatten() {
            if let Some(m) = caps.name(name) {
                let text = String::from_utf8_lossy(m.as_bytes());
                let value = match text.parse::<i64>() {
                    Ok(n) => serde_json::Value::from(n),
                    Err(_) => serde_json::Value::from(text.into_owned()),
                };
                fields.insert_named(name, value);
            }
        }
        Some(fields)
    }
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

/// All raw-line rules of the loaded signature set.
#[derive(Clone, Debug, Default)]
pub struct CustomRules {
    /// In signature-set order: a line matching several rules gives one event each.
    pub rules: Vec<CustomRule>,
}

impl CustomRules {
    /// Whether some rule has no literal, so every line must be examined.
    pub fn needs_full_pass(&self) -> bool {
        self.without_literals().next().is_some()
    }

    /// The kinds of the rules without a literal (each forces a full pass).
    pub fn without_literals(&self) -> impl Iterator<Item = &str> {
        self.rules
            .iter()
            .filter(|r| r.needs_full_pass())
            .map(|r| r.kind.name())
    }

    /// Every rule's literals.
    pub fn literals(&self) -> impl Iterator<Item = &str> {
        self.rules
            .iter()
            .flat_map(|r| r.literals.iter().map(String::as_str))
    }

    /// Emit an event for every rule matching this line.
    pub fn apply(&self, at: Location, env: &Envelope<'_>, out: &mut Vec<Found>) {
        for rule in self.rules.iter().filter(|r| r.applies_to(env.app)) {
            let Some(fields) = rule.fields(&env.message) else {
                continue;
            };
            out.push(Found {
                kind: rule.kind,
                fields: fields.into(),
                first: at,
                end_line: at.line,
                time: env.time,
                uptime_us: env.uptime_us,
                host: env.host.map(crate::events::Sym::new),
                level: rule.level.or(env.level),
                text: String::from_utf8_lossy(env.raw).into_owned().into(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            CustomRule::new("x", Kind::Custom("custom.x".into()), r"^\w+$", None, None).unwrap();
        assert!(rule.needs_full_pass());
    }

    #[test]
    fn named_captures_become_fields_and_numbers_stay_numbers() {
        let rule = CustomRule::new(
            "sig",
            Kind::Custom("custom.calico_ip_conflict".into()),
            r"Calico node '(?P<other>[^']+)' is already using the IPv4 address (?P<ip>[0-9.]+)\. \((?P<tries>\d+)\)",
            Some("calico-node".into()),
            Some(Level::Error),
        )
        .unwrap();
        let fields = rule
            .fields(b"Calico node 'node-2' is already using the IPv4 address 10.0.0.5. (3)")
            .unwrap();
        assert_eq!(fields["other"], json!("node-2"));
        assert_eq!(fields["ip"], json!("10.0.0.5"));
        assert_eq!(fields["tries"], json!(3));
        assert!(rule.applies_to(Some("calico-node")));
        assert!(!rule.applies_to(Some("kubelet")));
        assert!(!rule.applies_to(None));
        assert!(!rule.needs_full_pass());
        assert!(rule.fields(b"unrelated").is_none());
    }
}
