//! Envelope parsing per line format: `envelope/<family>/<format>`, bytes per second
//! over real lines of `samples/k8s-incidents/bundle`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use podmortem::envelope::{self, LineFormat};

const BUNDLE: &[(&str, &str, LineFormat)] = &[
    (
        "syslog/rfc3164",
        include_str!("../samples/k8s-incidents/bundle/node-1/var/log/syslog.1"),
        LineFormat::Rfc3164,
    ),
    (
        "syslog/rfc3164-kernel",
        include_str!("../samples/k8s-incidents/bundle/node-1/var/log/kern.log"),
        LineFormat::Rfc3164,
    ),
    (
        "dmesg/raw",
        include_str!("../samples/k8s-incidents/bundle/node-1/dmesg.txt"),
        LineFormat::Dmesg,
    ),
    (
        "klog/text",
        include_str!("../samples/k8s-incidents/bundle/node-1/var/log/kubelet.log"),
        LineFormat::Klog,
    ),
    (
        "logrus/dockerd",
        include_str!("../samples/k8s-incidents/bundle/node-1/var/log/upstart/docker.log"),
        LineFormat::Logrus,
    ),
    (
        "felix/current",
        include_str!("../samples/k8s-incidents/bundle/node-3/var/log/calico/felix/current"),
        LineFormat::Felix,
    ),
    (
        "journald/short-iso",
        include_str!("../samples/k8s-incidents/bundle/node-8/journalctl-short-iso.txt"),
        LineFormat::JournalShortIso,
    ),
    (
        "docker/json-file",
        include_str!(
            "../samples/k8s-incidents/bundle/node-1/var/log/containers/kube-proxy-10.0.1.11_kube-system_kube-proxy-a89f67fdaf5b6cc8776850e987638c0d52c057f9dd305a59d0b9887a47b9a10a.log"
        ),
        LineFormat::DockerJson,
    ),
];

/// Lines that parse as their file's format (at least 90% of the file must).
fn lines_of(name: &str, text: &'static str, format: LineFormat) -> Vec<&'static [u8]> {
    let all: Vec<&[u8]> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::as_bytes)
        .collect();
    let good = all
        .iter()
        .filter(|l| envelope::parse_line(l, Some(format)).format != LineFormat::Unknown)
        .count();
    assert!(
        good * 10 >= all.len() * 9,
        "{name}: only {good} of {} lines parse",
        all.len()
    );
    all
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("envelope");
    for (name, text, format) in BUNDLE {
        let lines = lines_of(name, text, *format);
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        // With the source's detected format as hint (the scanner's path)...
        group.bench_function(*name, |b| {
            b.iter(|| {
                for l in &lines {
                    black_box(envelope::parse_line(black_box(l), Some(*format)));
                }
            })
        });
        // ...and without one (detection per line).
        group.bench_function(format!("{name}-unhinted"), |b| {
            b.iter(|| {
                for l in &lines {
                    black_box(envelope::parse_line(black_box(l), None));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
