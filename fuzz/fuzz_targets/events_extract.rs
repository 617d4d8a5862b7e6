//! The per-source event extractor (grammars plus the SLUB, OOM, calicoctl-table and
//! `df` assemblers) fed arbitrary lines directly, bypassing the envelope parsers so
//! any message reaches any grammar. Each line's first byte picks the program tag,
//! the envelope format and the host; the rest is the message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use podmortem::envelope::{Envelope, LineFormat};
use podmortem::events::Extractor;
use podmortem::input::{Location, SourceId};

/// Program tags the grammars route on (plus none, empty and `unknown`).
const APPS: [Option<&str>; 16] = [
    None,
    Some("kernel"),
    Some("kubelet"),
    Some("hyperkube"),
    Some("k3s"),
    Some("dockerd"),
    Some("docker"),
    Some("calico-node"),
    Some("bird"),
    Some("felix"),
    Some("systemd"),
    Some("systemd-hostnamed"),
    Some("containerd"),
    Some("unknown"),
    Some(""),
    Some("KERNEL"),
];

/// Formats that change what the extractor does (JSON messages, calico tables).
const FORMATS: [LineFormat; 8] = [
    LineFormat::Rfc3164,
    LineFormat::Klog,
    LineFormat::KlogJson,
    LineFormat::Felix,
    LineFormat::Bird,
    LineFormat::CalicoctlStatus,
    LineFormat::BirdProtocols,
    LineFormat::Unknown,
];

fuzz_target!(|data: &[u8]| {
    let mut ex = Extractor::new();
    let mut out = Vec::new();
    let mut byte = 0u64;
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        let (sel, msg) = match line.split_first() {
            Some((&sel, msg)) => (sel, msg),
            None => (0, line),
        };
        let at = Location {
            source: SourceId(0),
            line: i as u64 + 1,
            byte,
        };
        byte += line.len() as u64 + 1;
        let mut env = Envelope::bare(FORMATS[usize::from(sel >> 5)], msg);
        env.app = APPS[usize::from(sel & 0x0f)];
        if sel & 0x10 != 0 {
            env.host = Some("node-1");
        }
        let _ = ex.feed(at, &env, &mut out);
    }
    ex.finish(&mut out);
    for f in &out {
        assert!(
            f.end_line >= f.first.line,
            "event ends before it starts: {f:?}"
        );
    }
});
