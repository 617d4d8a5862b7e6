//! Signature file loading and validation on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = podmortem::signatures::parse_str("fuzz/input.toml", text);
    }
});
