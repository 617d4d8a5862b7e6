//! One test per crash found while fuzzing (see docs/fuzzing.md), named after what
//! broke, with the input inline. Each runs the public entry point the fuzz target
//! uses, so the test fails again if the fix is lost.

use podmortem::resolve::{Config, extract_texts};

/// Scan one in-memory file under a node directory with the default configuration.
fn scan_one(path: &str, text: &str) -> Vec<podmortem::Event> {
    extract_texts(&[(path.to_string(), text.to_string())], &Config::default())
}

/// A journal export entry stamped `__REALTIME_TIMESTAMP` = 8210266875000000000 µs
/// (year 262142, the last year chrono can hold) made year inference add 181 days
/// to the node's latest dated time and panic with "`NaiveDateTime + TimeDelta`
/// overflowed" (src/resolve/clock.rs). Epoch times outside years 1..=9999 are now
/// dropped when parsed; the event is still found, without a time.
#[test]
fn journal_realtime_at_chrono_max_year_overflowed_year_inference() {
    let text = "__CURSOR=s=1\n\
__REALTIME_TIMESTAMP=8210266875000000000\n\
_HOSTNAME=node-1\n\
SYSLOG_IDENTIFIER=kernel\n\
MESSAGE=Out of memory: Kill process 1 (x) score 1 or sacrifice child\n\
\n\
__CURSOR=s=2\n\
__REALTIME_TIMESTAMP=8210266875000001000\n\
_HOSTNAME=node-1\n\
SYSLOG_IDENTIFIER=kernel\n\
MESSAGE=Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB\n\
\n";
    let events = scan_one("node-1/journal-export.txt", text);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].kind, podmortem::Kind::OomKill);
    assert_eq!(events[0].time, None);
}

/// The same instant as a klog JSON `ts` (milliseconds since the epoch, as a float).
#[test]
fn klog_json_ts_at_chrono_max_year_overflowed_year_inference() {
    let text = r#"{"ts":8210266875000000.0,"caller":"eviction/eviction_manager.go:346","msg":"eviction manager: must evict pod(s) to reclaim","resourceName":"imagefs"}"#;
    let events = scan_one("node-1/var/log/kubelet.log", &format!("{text}\n"));
    assert!(events.iter().all(|e| e.time.is_none()), "{events:?}");
}

/// Kernel lines of two OOM kills a minute apart, with a version banner.
const OOM_KILLS: &str = "\
Jun 14 02:09:00 node-1 kernel: [345600.000000] Linux version 3.13.0-139-generic (buildd@lcy01) #188-Ubuntu SMP\n\
Jun 14 02:10:01 node-1 kernel: [345678.123456] Out of memory: Kill process 23145 (java) score 873 or sacrifice child\n\
Jun 14 02:10:01 node-1 kernel: [345678.123999] Killed process 23145 (java) total-vm:8123456kB, anon-rss:7000000kB, file-rss:1234kB\n\
Jun 14 02:11:02 node-1 kernel: [345739.323456] Out of memory: Kill process 9811 (ruby) score 402 or sacrifice child\n\
Jun 14 02:11:02 node-1 kernel: [345739.323999] Killed process 9811 (ruby) total-vm:2123456kB, anon-rss:1900000kB, file-rss:834kB\n";

/// Correlate `OOM_KILLS` (dated 2018 with `--year 2018`) against one user signature.
fn correlate_oom_kills(signature: &str) -> podmortem::correlate::Correlation {
    let set = podmortem::signatures::parse_str("user/huge-window.toml", signature)
        .expect("the signature is valid");
    let mut config = Config::default();
    config.time.year = Some(2018);
    let events = extract_texts(
        &[("node-1/var/log/kern.log".to_string(), OOM_KILLS.to_string())],
        &config,
    );
    assert_eq!(events.len(), 3, "{events:?}");
    podmortem::correlate::correlate(&events, &set)
}

/// A valid user signature whose optional step has a window of 100 million days
/// (accepted: it fits a `TimeDelta`) made evidence gathering compute
/// `start - margin`, past chrono's earliest date: "`DateTime - TimeDelta`
/// overflowed" (src/correlate/window.rs, `near`). A bound past the representable
/// range now bounds nothing.
#[test]
fn optional_step_window_of_100m_days_overflowed_evidence_margin() {
    let signature = r#"
version = 1
id = "huge-window"
title = "OOM kills"
severity = "low"
summary = "{count} OOM kills on {node}"
root_cause = "test"
abnormal = "test"
remediation = ["test"]

[[match]]
event = "kernel.oom_kill"

[[match]]
event = "kernel.version"
optional = true
within = "100000000d"
"#;
    let out = correlate_oom_kills(signature);
    assert_eq!(out.incidents.len(), 1, "{:?}", out.incidents);
}

/// The same window on a `[[context]]` fact: "`DateTime - TimeDelta` overflowed"
/// (src/correlate/incident.rs, `start - within`).
#[test]
fn context_window_of_100m_days_overflowed_context_lookup() {
    let signature = r#"
version = 1
id = "huge-window"
title = "OOM kills"
severity = "low"
summary = "{count} OOM kills on {node}"
root_cause = "test"
abnormal = "test"
remediation = ["test"]

[[match]]
event = "kernel.oom_kill"

[[context]]
event = "kernel.version"
within = "100000000d"
effect = "require"
reason = "kernel {release}"
"#;
    let out = correlate_oom_kills(signature);
    assert_eq!(out.incidents.len(), 1, "{:?}", out.incidents);
}

/// Issue #14: the zone was labelled "assumed" in every branch of the resolution,
/// even with `--tz`, so "year inferred" never appeared for local-time formats.
/// With the zone given, a year-less RFC 3164 line has only its year inferred; with
/// nothing given, both year and zone are assumptions.
#[test]
fn a_given_zone_is_not_an_assumption() {
    use podmortem::envelope::time::{TimeQuality, parse_zone};
    use podmortem::resolve::TimeConfig;
    let line = "Jun  8 03:03:28 node-1 kernel: [88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)\n";
    let files = [("node-1/var/log/kern.log".to_string(), line.to_string())];
    let quality = |zone| {
        let config = Config {
            time: TimeConfig {
                year: Some(2018),
                zone,
                ..Default::default()
            },
            ..Default::default()
        };
        let events = extract_texts(&files, &config);
        assert_eq!(events.len(), 1, "{events:?}");
        events[0].time_quality
    };
    let shanghai = parse_zone("Asia/Shanghai").expect("a known zone");
    assert_eq!(quality(Some(shanghai)), TimeQuality::YearInferred);
    assert_eq!(quality(None), TimeQuality::YearAndZoneAssumed);
}
