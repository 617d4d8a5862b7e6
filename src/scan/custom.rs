//! User raw-line rules: a regex with named captures that turns matching messages
//! into `custom.*` events, for messages podmortem has no grammar for. Their
//! required literals join the prefilter; a rule without one forces a full pass.

use regex::bytes::Regex;

use crate::envelope::{Envelope, Level};
use crate::events::{Fields, Found, Kind, Payload};
use crate::input::Location;

/// One compiled raw-line rule.
#[derive(Clone, Debug)]
pub struct CustomRule {
    /// Kind of the events produced (`custom.*`).
    pub kind: Kind,
    /// Applied to the envelope's message.
    pub regex: Regex,
    /// Only lines whose program tag equals this, when set.
    pub app: Option<String>,
    /// Level given to the events it produces.
    pub level: Option<Level>,
    /// Literals every match contains (empty: the rule needs a full pass).
    pub literals: Vec<String>,
}

/// All raw-line rules of the loaded signature set.
#[derive(Clone, Debug, Default)]
pub struct CustomRules {
    /// The rules.
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
            .filter(|r| r.literals.is_empty())
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
        for rule in &self.rules {
            if rule.app.as_deref().is_some_and(|app| env.app != Some(app)) {
                continue;
            }
            let Some(caps) = rule.regex.captures(&env.message) else {
                continue;
            };
            let mut fields = Fields::new();
            for name in rule.regex.capture_names().flatten() {
                if let Some(m) = caps.name(name) {
                    let text = String::from_utf8_lossy(m.as_bytes());
                    let value = match text.parse::<i64>() {
                        Ok(n) => serde_json::Value::from(n),
                        Err(_) => serde_json::Value::from(text.into_owned()),
                    };
                    fields.insert(name.to_string(), value);
                }
            }
            out.push(Found {
                payload: Payload {
                    kind: rule.kind.clone(),
                    fields,
                },
                first: at,
                end_line: at.line,
                time: env.time,
                uptime_us: env.uptime_us,
                host: env.host.map(str::to_string),
                level: rule.level.or(env.level),
                text: String::from_utf8_lossy(env.raw).into_owned(),
            });
        }
    }
}
