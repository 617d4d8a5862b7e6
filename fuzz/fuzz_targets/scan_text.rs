//! The whole extraction path on one arbitrary file: line splitting, envelopes,
//! every grammar and multi-line assembler, time resolution, dedup, correlation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let events = podmortem::scan::extract_texts(&[("node-1/var/log/syslog".to_string(), text)]);
    if let Ok(set) = podmortem::signatures::builtin() {
        let _ = podmortem::correlate::correlate(&events, &set);
    }
});
