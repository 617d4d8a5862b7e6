//! Self-test of a signature set: running each signature's `[[example]]`s. It lives
//! above `signatures`, `resolve` and `correlate` because it drives all three. The inputs go through the caller's
//! extractor (the real scanner in the binary), the WHOLE set is correlated — so
//! examples also prove that other signatures do not steal or suppress the match —
//! and the example passes when this signature's incidents match `expect`.

use crate::correlate::correlate;
use crate::events::Event;
use crate::signatures::{Example, Signature, SignatureSet};

/// Turns example input files `(path, text)` into events (the scanner, in the binary).
pub type Extract<'a> = &'a dyn Fn(&[(String, String)]) -> Vec<Event>;

/// Outcome of one example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleResult {
    /// Id of the signature whose example this is.
    pub signature: String,
    /// Example name.
    pub example: String,
    /// Whether the incidents matched the expectation.
    pub passed: bool,
    /// Incidents of this signature the example expects.
    pub expected_incidents: usize,
    /// Incidents of this signature correlation produced.
    pub got_incidents: usize,
    /// Nodes the incidents must name, exactly (compared only when incidents are expected).
    pub expected_nodes: Vec<String>,
    /// Nodes found (union over this signature's incidents, sorted).
    pub got_nodes: Vec<String>,
    /// Events the extractor produced (0 usually means the inputs were not recognised).
    pub events: usize,
}

impl std::fmt::Display for ExampleResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}/{}: expected {} incident(s) on [{}], got {} on [{}] ({} events)",
            if self.passed { "ok  " } else { "FAIL" },
            self.signature,
            self.example,
            self.expected_incidents,
            self.expected_nodes.join(", "),
            self.got_incidents,
            self.got_nodes.join(", "),
            self.events,
        )
    }
}

/// Run every example of every signature in `set`, in signature then file order.
pub fn run_examples(set: &SignatureSet, extract: Extract<'_>) -> Vec<ExampleResult> {
    set.signatures()
        .iter()
        .flat_map(|signature| {
            signature
                .examples
                .iter()
                .map(move |example| run_example(set, signature, example, extract))
        })
        .collect()
}

/// Run one example of `signature` (a member of `set`): its inputs through `extract`,
/// the whole set correlated, this signature's incidents compared with `expect`.
pub fn run_example(
    set: &SignatureSet,
    signature: &Signature,
    example: &Example,
    extract: Extract<'_>,
) -> ExampleResult {
    let events = extract(&example.inputs);
    let correlation = correlate(&events, set);
    let mine: Vec<_> = correlation
        .incidents
        .iter()
        .filter(|i| i.signature == signature.id)
        .collect();
    let mut nodes: Vec<String> = mine.iter().flat_map(|i| i.nodes.clone()).collect();
    nodes.sort();
    nodes.dedup();
    let passed =
        mine.len() == example.incidents && (example.incidents == 0 || nodes == example.nodes);
    ExampleResult {
        signature: signature.id.clone(),
        example: example.name.clone(),
        passed,
        expected_incidents: example.incidents,
        got_incidents: mine.len(),
        expected_nodes: example.nodes.clone(),
        got_nodes: nodes,
        events: events.len(),
    }
}

/// The year given to year-less example lines (as with `--year`), so examples in
/// RFC 3164 or klog format have real times without depending on file mtimes.
pub const EXAMPLE_YEAR: i32 = 2018;

/// Run every example of `set` through the real scanner, with the set's raw-line rules.
pub fn run_examples_scanned(set: &SignatureSet) -> Vec<ExampleResult> {
    let config = example_scan_config(set);
    run_examples(set, &|files| crate::resolve::extract_texts(files, &config))
}

/// Run one example through the real scanner (as `run_examples_scanned` does for all).
pub fn run_example_scanned(
    set: &SignatureSet,
    signature: &Signature,
    example: &Example,
) -> ExampleResult {
    let config = example_scan_config(set);
    run_example(set, signature, example, &|files| {
        crate::resolve::extract_texts(files, &config)
    })
}

/// How examples are scanned: the set's raw-line rules, year-less lines in [`EXAMPLE_YEAR`].
fn example_scan_config(set: &SignatureSet) -> crate::resolve::Config {
    crate::resolve::Config {
        scan: crate::scan::ScanConfig {
            custom: crate::signatures::custom_rules(set),
            ..crate::scan::ScanConfig::default()
        },
        time: crate::resolve::TimeConfig {
            year: Some(EXAMPLE_YEAR),
            ..crate::resolve::TimeConfig::default()
        },
    }
}
