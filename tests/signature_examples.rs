//! Every `[[example]]` of every shipped signature runs as its own named test
//! (`<signature>::<example name>`), so a failure names the signature and the example
//! (issue #11). The examples go through the real scanner with the whole shipped set
//! loaded, as `podmortem signatures test` runs them.

use libtest_mimic::{Arguments, Failed, Trial};
use podmortem::selftest::run_example_scanned;
use podmortem::signatures::{SignatureSet, builtin};
use std::sync::LazyLock;

static SET: LazyLock<SignatureSet> =
    LazyLock::new(|| builtin().unwrap_or_else(|e| panic!("shipped signatures load: {e}")));

fn main() {
    let args = Arguments::from_args();
    let set: &'static SignatureSet = &SET;
    let mut trials = Vec::new();
    for (s, signature) in set.signatures().iter().enumerate() {
        for (e, example) in signature.examples.iter().enumerate() {
            let name = format!("{}::{}", signature.id, example.name);
            trials.push(Trial::test(name, move || run(set, s, e)));
        }
    }
    assert!(trials.len() >= 30, "the shipped set has examples");
    libtest_mimic::run(&args, trials).exit();
}

fn run(set: &SignatureSet, s: usize, e: usize) -> Result<(), Failed> {
    let signature = set
        .signatures()
        .get(s)
        .ok_or_else(|| Failed::from("signature vanished"))?;
    let example = signature
        .examples
        .get(e)
        .ok_or_else(|| Failed::from("example vanished"))?;
    let result = run_example_scanned(set, signature, example);
    if result.passed {
        Ok(())
    } else {
        Err(Failed::from(format!(
            "{result}\n  (in {})",
            signature.origin
        )))
    }
}
