//! Correlation: the shipped signatures matched over the events of the whole sample
//! bundle (`correlate/builtin/bundle`). Throughput counts the log bytes the events
//! came from, so it reads next to the scan benches.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use podmortem::correlate::correlate;
use podmortem::resolve::{Config, TimeConfig, extract_texts};
use podmortem::signatures::builtin;

#[path = "support/bundle.rs"]
mod bundle;

fn bench(c: &mut Criterion) {
    let files = bundle::files();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let config = Config {
        time: TimeConfig {
            year: Some(2018),
            ..TimeConfig::default()
        },
        ..Config::default()
    };
    let events = extract_texts(&files, &config);
    let set = builtin().expect("the shipped signatures load");
    let found = correlate(&events, &set);
    assert!(
        found.incidents.len() >= 5,
        "the bundle's seed incidents: {}",
        found.incidents.len()
    );
    let mut group = c.benchmark_group("correlate/builtin");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("bundle", |b| {
        b.iter(|| black_box(correlate(black_box(&events), &set)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
