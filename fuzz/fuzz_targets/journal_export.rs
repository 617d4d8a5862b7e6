//! `journalctl -o export` parsing on arbitrary bytes: text and binary (length-prefixed)
//! fields, truncated entries, nested envelopes in MESSAGE.
#![no_main]
use libfuzzer_sys::fuzz_target;
use podmortem::envelope::journald::export_entries;

fuzz_target!(|data: &[u8]| {
    let mut last_byte = None;
    for entry in export_entries(data) {
        assert!(
            entry.byte as usize <= data.len(),
            "entry starts past the end"
        );
        if let Some(prev) = last_byte {
            assert!(entry.byte > prev, "entries do not advance");
        }
        last_byte = Some(entry.byte);
        let _ = entry.envelope.message.len();
    }
});
