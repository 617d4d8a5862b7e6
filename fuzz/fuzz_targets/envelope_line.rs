//! Envelope detection and parsing of one arbitrary line, with and without a hint,
//! and journal export parsing of the whole input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use podmortem::envelope::{self, LineFormat};

fuzz_target!(|data: &[u8]| {
    let _ = envelope::parse_line(data, None);
    let _ = envelope::parse_line(data, Some(LineFormat::Rfc3164));
    let _ = envelope::parse_line(data, Some(LineFormat::Cri));
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    let _ = envelope::detect(&lines);
    for entry in envelope::journald::export_entries(data) {
        let _ = entry.line;
    }
});
