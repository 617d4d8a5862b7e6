//! The whole extraction path on one arbitrary file: line splitting, envelopes,
//! every grammar and multi-line assembler, time resolution, dedup, correlation.
//! The first byte picks the path: a full line-by-line pass, or the prefiltered
//! chunked scan with tiny chunks (so chunk edges and assemblers spanning them are hit).
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use podmortem::resolve::Config;
use podmortem::signatures::SignatureSet;

/// The built-in signatures and the scan configuration the CLI would derive from
/// them (raw-line rules). Built once: parsing the TOML and compiling the rule
/// regexes on every input would dominate the run.
fn setup() -> &'static (Option<SignatureSet>, Config) {
    static SETUP: OnceLock<(Option<SignatureSet>, Config)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let set = podmortem::signatures::builtin().ok();
        let mut config = Config::default();
        if let Some(set) = &set {
            config.scan.custom = podmortem::signatures::custom_rules(set);
        }
        (set, config)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (set, base) = setup();
    let mut config = base.clone();
    if mode & 1 == 1 {
        config.scan.full_pass_below = 0;
        config.scan.chunk_size = usize::from(mode >> 1).max(1);
    }
    let path = if mode & 0x80 == 0 {
        "node-1/var/log/syslog"
    } else {
        "kubelet.log"
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let events = podmortem::resolve::extract_texts(&[(path.to_string(), text)], &config);
    if let Some(set) = set {
        let _ = podmortem::correlate::correlate(&events, set);
    }
});
