//! The grammars: an [`Extractor`] fed every needle line of the sample bundle's syslog
//! files (what the scanner hands it), `events/extract/<file>`, bytes of those lines per
//! second. Envelopes are parsed before measuring.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use podmortem::envelope::{self, Envelope, LineFormat};
use podmortem::events::{Extractor, needles};
use podmortem::input::{Location, SourceId};
use podmortem::scan::Prefilter;

const FILES: &[(&str, &str)] = &[
    (
        "syslog-node-1",
        include_str!("../samples/k8s-incidents/bundle/node-1/var/log/syslog.1"),
    ),
    (
        "kern-node-1",
        include_str!("../samples/k8s-incidents/bundle/node-1/var/log/kern.log"),
    ),
    (
        "syslog-node-2",
        include_str!("../samples/k8s-incidents/bundle/node-2/var/log/syslog.1"),
    ),
    (
        "kubelet-node-2",
        include_str!("../samples/k8s-incidents/bundle/node-2/var/log/kubelet.log"),
    ),
    (
        "syslog-node-6",
        include_str!("../samples/k8s-incidents/bundle/node-6/var/log/syslog"),
    ),
];

fn bench(c: &mut Criterion) {
    let prefilter = Prefilter::new(needles());
    let mut group = c.benchmark_group("events/extract");
    for (name, text) in FILES {
        let lines: Vec<(u64, &[u8])> = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i as u64 + 1, l.as_bytes()))
            .filter(|(_, l)| prefilter.matches(l))
            .collect();
        let envelopes: Vec<(Location, Envelope<'_>)> = lines
            .iter()
            .map(|(n, l)| {
                let at = Location {
                    source: SourceId(0),
                    line: *n,
                    byte: 0,
                };
                (at, envelope::parse_line(l, Some(LineFormat::Rfc3164)))
            })
            .collect();
        let run = || {
            let mut ex = Extractor::new();
            let mut out = Vec::new();
            for (at, env) in &envelopes {
                ex.feed(*at, env, &mut out);
            }
            ex.finish(&mut out);
            out
        };
        assert!(!run().is_empty(), "{name}: needle lines give events");
        let bytes: usize = lines.iter().map(|(_, l)| l.len() + 1).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(*name, |b| b.iter(|| black_box(run())));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
