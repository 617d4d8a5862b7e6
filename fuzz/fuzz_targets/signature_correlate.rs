//! A user signature file (arbitrary text) loaded and, when valid, correlated against
//! the events of real sample logs: windows, counts, `group_by`, `where` conditions,
//! context lookbacks, templates and `caused_by` links all run on fuzzer-chosen values.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use podmortem::Event;
use podmortem::resolve::{Config, extract_texts};

/// Sample files with events of every family (kernel, kubelet, docker, calico, host).
const SAMPLES: [(&str, &str); 6] = [
    (
        "node-1/var/log/syslog",
        include_str!("../../samples/k8s-incidents/bundle/node-1/var/log/syslog"),
    ),
    (
        "node-2/var/log/kubelet.log",
        include_str!("../../samples/k8s-incidents/bundle/node-2/var/log/kubelet.log"),
    ),
    (
        "node-2/var/log/upstart/docker.log",
        include_str!("../../samples/k8s-incidents/bundle/node-2/var/log/upstart/docker.log"),
    ),
    (
        "node-4/var/log/calico/felix/current",
        include_str!("../../samples/k8s-incidents/bundle/node-4/var/log/calico/felix/current"),
    ),
    (
        "node-4/calicoctl-node-status.txt",
        include_str!("../../samples/k8s-incidents/bundle/node-4/calicoctl-node-status.txt"),
    ),
    (
        "node-9/var/log/syslog",
        include_str!("../../samples/k8s-incidents/bundle/node-9/var/log/syslog"),
    ),
];

/// The sample events, scanned once (the scan is not what this target fuzzes).
fn events() -> &'static [Event] {
    static EVENTS: OnceLock<Vec<Event>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let mut config = Config::default();
        config.time.year = Some(2018);
        let files: Vec<(String, String)> = SAMPLES
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        extract_texts(&files, &config)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = podmortem::signatures::parse_str("user/fuzz.toml", text) else {
        return;
    };
    let _ = podmortem::signatures::custom_rules(&set);
    let out = podmortem::correlate::correlate(events(), &set);
    for incident in &out.incidents {
        let _ = &incident.caused_by;
    }
});
