//! The scan end to end on in-memory sources (envelopes, prefilter, grammars, time
//! resolution, merging): `pipeline/scan/<input>`, input bytes per second.
//!
//! `bundle` is the whole sample bundle (small files, parsed line by line);
//! `syslog-8MiB` repeats the sample syslog to 8 MiB, above the full-pass threshold, so
//! it takes the prefiltered, chunked path that large dumps take.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use podmortem::resolve::{Config, TimeConfig, extract_texts};

#[path = "support/bundle.rs"]
mod bundle;

fn config() -> Config {
    Config {
        time: TimeConfig {
            year: Some(2018),
            ..TimeConfig::default()
        },
        ..Config::default()
    }
}

fn big_syslog() -> Vec<(String, String)> {
    let one = concat!(
        include_str!("../samples/k8s-incidents/bundle/node-1/var/log/syslog.1"),
        include_str!("../samples/k8s-incidents/bundle/node-1/var/log/kern.log"),
        include_str!("../samples/k8s-incidents/bundle/node-2/var/log/syslog.1"),
    );
    let mut text = String::with_capacity(9 << 20);
    while text.len() < 8 << 20 {
        text.push_str(one);
    }
    vec![("node-1/var/log/syslog".to_string(), text)]
}

fn bench(c: &mut Criterion) {
    let config = config();
    let mut group = c.benchmark_group("pipeline/scan");
    for (name, files) in [("bundle", bundle::files()), ("syslog-8MiB", big_syslog())] {
        let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
        let events = extract_texts(&files, &config);
        assert!(events.len() > 20, "{name}: {} events", events.len());
        group.throughput(Throughput::Bytes(bytes as u64));
        group.sample_size(20);
        group.bench_function(name, |b| {
            b.iter(|| black_box(extract_texts(black_box(&files), &config)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
