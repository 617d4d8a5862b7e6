//! Checks what serde cannot and builds compiled [`Signature`]s: event kinds exist
//! (`custom.*` only when a `[[raw]]` rule of the set defines it), field paths name known
//! fields, regexes compile, windows are positive, templates are well formed,
//! referenced signatures exist. Every problem becomes a [`Diagnostic`] with the
//! location of the offending value; compilation goes on to find the rest.

use chrono::TimeDelta;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use toml::Spanned;

use crate::events::Kind;
use crate::events::known_fields;
use crate::scan::CustomRule;
use crate::signatures::condition::{Condition, FieldPath, Filter, Scalar, Test, parse_version};
use crate::signatures::raw::v1::{
    OneOrMany, RawCondition, RawConfidence, RawContext, RawEffect, RawExample, RawLineRule,
    RawScalar, RawScope, RawSignature, RawStartup, RawWhere,
};
use crate::signatures::startup::{COMPONENTS, markers};
use crate::signatures::template::placeholders;
use crate::signatures::{
    CausedBy, ConfidenceLevel, ContextRule, Diagnostic, Effect, Example, Scope, Signature, Startup,
    Step,
};

/// Default quiet gap between first-step events of one incident.
pub const DEFAULT_GAP: TimeDelta = TimeDelta::minutes(30);

/// Placeholders every summary may use besides fields of the first trigger event.
pub const SUMMARY_BUILTINS: &[&str] = &["node", "nodes", "node_count", "count"];

/// One file being compiled: its display path and text (for line:col).
pub struct FileText<'a> {
    /// Display path, as diagnostics name the file.
    pub path: &'a str,
    /// The file's text, for turning byte spans into line and column.
    pub text: &'a str,
}

impl FileText<'_> {
    /// A diagnostic at a byte span of this file.
    pub fn at(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let (line, col) = line_col(self.text, span.start);
        Diagnostic {
            file: self.path.to_string(),
            line,
            col,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before.get(line_start..).unwrap_or("").chars().count() + 1;
    (line, col)
}

/// What compiling one signature needs to know about the rest of the set.
#[derive(Default)]
pub struct SetInfo {
    /// `custom.*` kinds defined by `[[raw]]` rules anywhere in the set → their field
    /// names.
    pub custom_kinds: BTreeMap<String, BTreeSet<String>>,
    /// Every signature id that can be referenced (the set's and the built-in ones).
    pub ids: BTreeSet<String>,
}

/// Parse a window such as `90s`, `10m`, `2h`, `7d`, `1w`, `1h30m` (humantime's syntax,
/// shared with the CLI's `--since 2h`); zero and negative windows are refused.
pub fn parse_window(text: &str) -> Result<TimeDelta, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!(
            "window `{text}` is negative; windows must be positive"
        ));
    }
    let std = humantime::parse_duration(t).map_err(|e| {
        format!("window `{text}` is not a duration ({e}); use a number and a unit, e.g. `10m`, `2h`, `7d`")
    })?;
    let delta = TimeDelta::from_std(std).map_err(|_| format!("window `{text}` is too large"))?;
    if delta <= TimeDelta::zero() {
        return Err(format!("window `{text}` must be positive"));
    }
    Ok(delta)
}

struct Ctx<'a> {
    file: &'a FileText<'a>,
    info: &'a SetInfo,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        let d = self.file.at(span, message);
        self.diags.push(d);
    }

    fn window(&mut self, written: &Spanned<String>) -> Option<TimeDelta> {
        match parse_window(written.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(written.span(), e);
                None
            }
        }
    }

    fn kinds(&mut self, event: &Spanned<OneOrMany>) -> Vec<Kind> {
        let mut kinds = Vec::new();
        let names = event.get_ref().names();
        if names.is_empty() {
            self.err(event.span(), "`event` lists no event kind");
        }
        for name in names {
            match Kind::from_name(name) {
                Some(Kind::Custom(custom)) => {
                    if self.info.custom_kinds.contains_key(custom.as_str()) {
                        kinds.push(Kind::Custom(custom));
                    } else {
                        self.err(
                            event.span(),
                            format!(
                                "event kind `{custom}` is not defined by any [[raw]] rule in this signature set"
                            ),
                        );
                    }
                }
                Some(kind) => kinds.push(kind),
                None => self.err(
                    event.span(),
                    format!("unknown event kind `{name}`{}", suggest_kind(name)),
                ),
            }
        }
        kinds
    }

    /// Fields known for all `kinds`, or `None` when one of them is not known.
    fn allowed_fields(&self, kinds: &[Kind]) -> Option<BTreeSet<String>> {
        let mut allowed = BTreeSet::new();
        for kind in kinds {
            match kind {
                Kind::Custom(name) => {
                    allowed.extend(self.info.custom_kinds.get(name.as_str())?.iter().cloned())
                }
                other => allowed.extend(known_fields(other)?.iter().map(|s| s.to_string())),
            }
        }
        Some(allowed)
    }

    fn path(
        &mut self,
        text: &str,
        span: Range<usize>,
        allowed: &Option<BTreeSet<String>>,
        kinds: &[Kind],
    ) -> Option<FieldPath> {
        let Some(path) = FieldPath::parse(text) else {
            self.err(
                span,
                format!(
                    "bad field path `{text}` (dotted names; list indexes after the first name)"
                ),
            );
            return None;
        };
        if let Some(allowed) = allowed
            && !allowed.contains(path.field())
        {
            let names: Vec<&str> = kinds.iter().map(Kind::name).collect();
            let known: Vec<&str> = allowed.iter().map(String::as_str).collect();
            self.err(
                span,
                format!(
                    "unknown field `{}` for {} (known: {})",
                    path.field(),
                    names.join(", "),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            );
            return None;
        }
        Some(path)
    }

    fn conditions(&mut self, table: &RawWhere, kinds: &[Kind]) -> Vec<Condition> {
        let allowed = self.allowed_fields(kinds);
        let mut out = Vec::new();
        for (key, cond) in table {
            let path = self.path(key.get_ref(), key.span(), &allowed, kinds);
            let compiled = self.condition(cond);
            if let (Some(path), Some((tests, exists))) = (path, compiled) {
                out.push(Condition {
                    path,
                    tests,
                    exists,
                });
            }
        }
        out
    }

    fn condition(&mut self, written: &Spanned<RawCondition>) -> Option<(Vec<Test>, Option<bool>)> {
        let span = written.span();
        let ops = match written.get_ref() {
            RawCondition::Equals(s) => return Some((vec![Test::Eq(scalar(s))], None)),
            RawCondition::Ops(ops) => ops,
        };
        let mut tests = Vec::new();
        let mut ok = true;
        if let Some(s) = &ops.eq {
            tests.push(Test::Eq(scalar(s)));
        }
        if let Some(re) = &ops.regex {
            match Regex::new(re) {
                Ok(re) => tests.push(Test::Regex(re)),
                Err(e) => {
                    ok = false;
                    self.err(
                        span.clone(),
                        format!("bad regex `{re}`: {}", prose(&e.to_string())),
                    );
                }
            }
        }
        let numeric = [
            (ops.gt, Test::Gt as fn(f64) -> Test),
            (ops.ge, Test::Ge),
            (ops.lt, Test::Lt),
            (ops.le, Test::Le),
        ];
        for (value, make) in numeric {
            if let Some(v) = value {
                tests.push(make(v));
            }
        }
        for (value, lt) in [(&ops.version_lt, true), (&ops.version_ge, false)] {
            if let Some(text) = value {
                match parse_version(text) {
                    Some(v) if lt => tests.push(Test::VersionLt(v)),
                    Some(v) => tests.push(Test::VersionGe(v)),
                    None => {
                        ok = false;
                        self.err(
                            span.clone(),
                            format!(
                                "version `{text}` does not start with a dotted number such as `4.0`"
                            ),
                        );
                    }
                }
            }
        }
        if let Some(list) = &ops.one_of {
            if list.is_empty() {
                ok = false;
                self.err(span.clone(), "`in` needs at least one value");
            }
            tests.push(Test::In(list.iter().map(scalar).collect()));
        }
        let given = ops.eq.is_some()
            || ops.regex.is_some()
            || ops.gt.is_some()
            || ops.ge.is_some()
            || ops.lt.is_some()
            || ops.le.is_some()
            || ops.version_lt.is_some()
            || ops.version_ge.is_some()
            || ops.one_of.is_some()
            || ops.exists.is_some();
        if !given {
            ok = false;
            self.err(span, "empty condition table: give an operator (eq, regex, gt, ge, lt, le, version_lt, version_ge, in, exists)");
        }
        ok.then_some((tests, ops.exists))
    }

    fn filter(&mut self, all: &RawWhere, any_of: &[RawWhere], kinds: &[Kind]) -> Filter {
        Filter {
            all: self.conditions(all, kinds),
            any_of: any_of.iter().map(|w| self.conditions(w, kinds)).collect(),
        }
    }

    fn template(&mut self, template: &Spanned<String>, builtins: &[&str], kinds: &[Kind]) {
        let names = match placeholders(template.get_ref()) {
            Ok(names) => names,
            Err(e) => {
                self.err(template.span(), e);
                return;
            }
        };
        let allowed = self.allowed_fields(kinds);
        for name in names {
            if builtins.contains(&name.as_str()) {
                continue;
            }
            self.path(&name, template.span(), &allowed, kinds);
        }
    }

    fn startup(&mut self, written: &Spanned<RawStartup>, first_kinds: &[Kind]) -> Option<Startup> {
        let span = written.span();
        let table = written.get_ref();
        let grace = self.window(&table.grace);
        let mut components = Vec::new();
        let mut all_markers = Vec::new();
        if let Some(names) = &table.component {
            for name in names.get_ref().names() {
                match markers(name) {
                    Some(m) => {
                        components.push(name.to_string());
                        all_markers.extend(m);
                    }
                    None => self.err(
                        names.span(),
                        format!(
                            "unknown start-up component `{name}` (known: {})",
                            COMPONENTS.join(", ")
                        ),
                    ),
                }
            }
        }
        let state = table
            .state
            .as_ref()
            .map(|s| self.filter(&s.filter, &s.any_of, first_kinds));
        if table.component.is_none() && state.is_none() {
            self.err(
                span,
                "`[startup]` needs `component` (whose start opens the grace) or `state` (start-up states of the first step)",
            );
            return None;
        }
        if components.is_empty() && state.is_none() {
            return None;
        }
        Some(Startup {
            components,
            markers: all_markers,
            grace: grace?,
            state,
        })
    }

    fn id_ref(&mut self, reference: &Spanned<String>, own: &str, what: &str) -> Option<String> {
        let id = reference.get_ref();
        if id == own {
            self.err(
                reference.span(),
                format!("a signature cannot be its own {what}"),
            );
            None
        } else if !self.info.ids.contains(id) {
            self.err(
                reference.span(),
                format!("{what} names unknown signature `{id}`"),
            );
            None
        } else {
            Some(id.clone())
        }
    }
}

fn scalar(literal: &RawScalar) -> Scalar {
    match literal {
        RawScalar::Bool(b) => Scalar::Bool(*b),
        RawScalar::Int(i) => Scalar::Num(*i as f64),
        RawScalar::Float(f) => Scalar::Num(*f),
        RawScalar::Str(s) => Scalar::Str(s.clone()),
    }
}

fn suggest_kind(name: &str) -> String {
    Kind::BUILTIN
        .iter()
        .map(|k| (edit_distance(k.name(), name), k.name()))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_else(|| " (see docs/signatures.md for the list)".to_string())
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let value = (above + 1).min(left + 1).min(prev + usize::from(ca != *cb));
            prev = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// Valid ids: lower-case letters, digits and `-`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Compile one deserialized file. `stem` is the file name without `.toml`.
/// Every part is checked even after a problem, so one run reports them all.
pub fn compile(
    written: &RawSignature,
    stem: &str,
    file: &FileText<'_>,
    info: &SetInfo,
) -> Result<Signature, Vec<Diagnostic>> {
    let mut cx = Ctx {
        file,
        info,
        diags: Vec::new(),
    };
    let id = cx.id(written, stem);
    let scope = cx.scope(written);
    let gap = match &written.gap {
        Some(g) => cx.window(g).unwrap_or(DEFAULT_GAP),
        None => DEFAULT_GAP,
    };
    let steps = cx.steps(written, gap);
    let first_kinds = steps.first().map(|s| s.kinds.clone()).unwrap_or_default();
    cx.template(&written.summary, SUMMARY_BUILTINS, &first_kinds);
    let abnormal = cx.abnormal(written);
    let startup = written
        .startup
        .as_ref()
        .and_then(|s| cx.startup(s, &first_kinds));
    let context = written
        .context
        .iter()
        .map(|rule| cx.context_rule(rule))
        .collect();
    let caused_by = written
        .caused_by
        .iter()
        .filter_map(|link| {
            let signature = cx.id_ref(&link.signature, &id, "caused_by");
            let within = cx.window(&link.within);
            Some(CausedBy {
                signature: signature?,
                within: within?,
            })
        })
        .collect();
    let suppressed_by = written
        .suppressed_by
        .iter()
        .filter_map(|s| cx.id_ref(s, &id, "suppressed_by"))
        .collect();
    let custom_rules = written
        .raw
        .iter()
        .filter_map(|rule| cx.custom_rule(&id, rule))
        .collect();

    if !cx.diags.is_empty() {
        return Err(cx.diags);
    }
    Ok(Signature {
        id,
        origin: file.path.to_string(),
        title: written.title.clone(),
        severity: written.severity,
        scope,
        gap,
        confidence: match written.confidence.unwrap_or(RawConfidence::Medium) {
            RawConfidence::Low => ConfidenceLevel::Low,
            RawConfidence::Medium => ConfidenceLevel::Medium,
            RawConfidence::High => ConfidenceLevel::High,
        },
        summary: written.summary.get_ref().clone(),
        root_cause: prose(&written.root_cause),
        abnormal,
        startup,
        remediation: written.remediation.clone(),
        references: written.references.clone(),
        suppressed_by,
        steps,
        context,
        caused_by,
        raw: custom_rules,
        examples: written.examples.iter().map(example).collect(),
    })
}

impl Ctx<'_> {
    /// The id, checked for its characters and against the file name.
    fn id(&mut self, written: &RawSignature, stem: &str) -> String {
        let id = written.id.get_ref().clone();
        if !valid_id(&id) {
            self.err(
                written.id.span(),
                format!("id `{id}` must use only a-z, 0-9 and `-`"),
            );
        } else if id != stem {
            self.err(
                written.id.span(),
                format!("id `{id}` must equal the file name (`{stem}.toml`)"),
            );
        }
        id
    }

    /// `scope` with its `window`: a window belongs to cluster scope, and only there.
    fn scope(&mut self, written: &RawSignature) -> Scope {
        match (written.scope.unwrap_or(RawScope::Node), &written.window) {
            (RawScope::Node, None) => Scope::Node,
            (RawScope::Node, Some(w)) => {
                self.err(w.span(), "`window` only applies to `scope = \"cluster\"`");
                Scope::Node
            }
            (RawScope::Cluster, Some(w)) => Scope::Cluster {
                window: self.window(w).unwrap_or(DEFAULT_GAP),
            },
            (RawScope::Cluster, None) => {
                self.err(
                    written.summary.span(),
                    "`scope = \"cluster\"` needs `window` (how close node matches must be, e.g. \"30m\")",
                );
                Scope::Node
            }
        }
    }

    /// The `[[match]]` steps; optional steps collect evidence within `gap` by default.
    fn steps(&mut self, written: &RawSignature, gap: TimeDelta) -> Vec<Step> {
        if written.steps.is_empty() {
            self.err(
                written.id.span(),
                "a signature needs at least one [[match]] step",
            );
        }
        let mut steps = Vec::new();
        for (i, step) in written.steps.iter().enumerate() {
            let kinds = self.kinds(&step.event);
            if i == 0 && step.optional {
                self.err(
                    step.event.span(),
                    "the first [[match]] step cannot be optional",
                );
            }
            let count = match &step.count {
                None => 1,
                Some(c) => match u32::try_from(*c.get_ref()) {
                    Ok(n) if n >= 1 => n,
                    _ => {
                        self.err(c.span(), "`count` must be a whole number of at least 1");
                        1
                    }
                },
            };
            if step.optional
                && let Some(c) = &step.count
            {
                self.err(c.span(), "`count` has no meaning on an optional step");
            }
            let within = step.within.as_ref().and_then(|w| self.window(w));
            let filter = self.filter(&step.filter, &step.any_of, &kinds);
            let allowed = self.allowed_fields(&kinds);
            let group_by = step
                .group_by
                .iter()
                .filter_map(|g| self.path(g.get_ref(), g.span(), &allowed, &kinds))
                .collect();
            steps.push(Step {
                within: if step.optional {
                    within.or(Some(gap))
                } else {
                    within
                },
                kinds,
                filter,
                count,
                optional: step.optional,
                group_by,
            });
        }
        steps
    }

    /// `abnormal`, required: a signature must say what makes occurrences abnormal.
    fn abnormal(&mut self, written: &RawSignature) -> String {
        match &written.abnormal {
            Some(text) if !text.trim().is_empty() => prose(text),
            _ => {
                self.err(
                    written.id.span(),
                    "missing `abnormal = \"\"\"...\"\"\"`: say what makes occurrences abnormal rather than a mere mention (start-up chatter, healthy states)",
                );
                String::new()
            }
        }
    }

    /// One `[[context]]` fact; its `reason` may name `{node}` and the fact's fields.
    fn context_rule(&mut self, rule: &RawContext) -> ContextRule {
        let kinds = self.kinds(&rule.event);
        let filter = self.filter(&rule.filter, &rule.any_of, &kinds);
        self.template(&rule.reason, &["node"], &kinds);
        let within = rule.within.as_ref().and_then(|w| self.window(w));
        ContextRule {
            within,
            kinds,
            filter,
            effect: match rule.effect {
                RawEffect::Raise => Effect::Raise,
                RawEffect::Lower => Effect::Lower,
                RawEffect::Require => Effect::Require,
                RawEffect::Exclude => Effect::Exclude,
            },
            reason: rule.reason.get_ref().clone(),
        }
    }

    /// One `[[raw]]` rule: a `custom.*` kind and a regex that compiles.
    fn custom_rule(&mut self, id: &str, rule: &RawLineRule) -> Option<CustomRule> {
        let kind = match Kind::from_name(rule.kind.get_ref()) {
            Some(kind @ Kind::Custom(_)) => kind,
            _ => {
                self.err(
                    rule.kind.span(),
                    format!(
                        "raw rule kind `{}` must be `custom.<name>` (built-in kinds come from grammars)",
                        rule.kind.get_ref()
                    ),
                );
                return None;
            }
        };
        match CustomRule::new(id, kind, rule.regex.get_ref(), rule.app.clone(), rule.level) {
            Ok(r) => Some(r),
            Err(e) => {
                self.err(
                    rule.regex.span(),
                    format!("bad regex `{}`: {}", rule.regex.get_ref(), prose(&e)),
                );
                None
            }
        }
    }
}

/// An `[[example]]` with its expected nodes sorted and unique.
fn example(ex: &RawExample) -> Example {
    let mut nodes = ex.expect.nodes.clone();
    nodes.sort();
    nodes.dedup();
    Example {
        name: ex.name.clone(),
        incidents: ex.expect.incidents,
        nodes,
        inputs: ex
            .inputs
            .iter()
            .map(|i| (i.path.clone(), i.text.clone()))
            .collect(),
    }
}

/// Prose written across lines in a TOML multi-line string is one paragraph: line
/// breaks are the file's layout, not the text's, so they become spaces.
fn prose(text: &str) -> String {
    crate::events::collapse_spaces(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_with_units() {
        assert_eq!(parse_window("90s"), Ok(TimeDelta::seconds(90)));
        assert_eq!(parse_window("10m"), Ok(TimeDelta::minutes(10)));
        assert_eq!(parse_window("2h"), Ok(TimeDelta::hours(2)));
        assert_eq!(parse_window("7d"), Ok(TimeDelta::days(7)));
        assert!(parse_window("-5m").unwrap_err().contains("negative"));
        assert!(parse_window("0m").is_err());
        assert!(parse_window("10").is_err());
        assert_eq!(parse_window("1w"), Ok(TimeDelta::days(7)));
        assert_eq!(parse_window("1h30m"), Ok(TimeDelta::minutes(90)));
        assert!(parse_window("10x").is_err());
        assert!(parse_window("m").is_err());
    }

    #[test]
    fn misspelled_kinds_get_a_suggestion() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            suggest_kind("kernel.oom_killed"),
            " (did you mean `kernel.oom_kill`?)"
        );
        assert!(suggest_kind("zzz").contains("docs/signatures.md"));
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // "bé = " is 6 bytes, 5 characters.
        assert_eq!(line_col(text, 12), (2, 6));
    }
}
