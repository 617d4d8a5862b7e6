//! One test per crash found while fuzzing (see docs/fuzzing.md), named after what
//! broke, with the input inline. Each runs the public entry point the fuzz target
//! uses, so the test fails again if the fix is lost.

use podmortem::scan::{ScanConfig, extract_texts};

/// Scan one in-memory file under a node directory with the default configuration.
fn scan_one(path: &str, text: &str) -> Vec<podmortem::Event> {
    extract_texts(&[(path.to_string(), text.to_string())], &ScanConfig::default())
}

/// A journal export entry stamped `__REALTIME_TIMESTAMP` = 8210266875000000000 µs
/// (year 262142, the last year chrono can hold) made year inference add 181 days
/// to the node's latest dated time and panic with "`NaiveDateTime + TimeDelta`
/// overflowed" (src/scan/resolve.rs). Epoch times outside years 1..=9999 are now
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
