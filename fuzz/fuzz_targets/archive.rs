//! The archive and decompression reader on arbitrary bytes, with a small cap so
//! bombs stop quickly.
#![no_main]
use libfuzzer_sys::fuzz_target;
use podmortem::input::{InputConfig, collect_bytes};

fuzz_target!(|data: &[u8]| {
    let config = InputConfig {
        decompress_cap: 1 << 20,
        ..InputConfig::default()
    };
    let bundle = collect_bytes("fuzz.tgz", data.to_vec(), &config);
    for s in &bundle.sources {
        assert!(s.data.len() as u64 <= config.decompress_cap.max(data.len() as u64));
    }
});
