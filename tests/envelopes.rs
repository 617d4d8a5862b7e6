//! Envelope behaviour through the scanner's entry points: `parse_line` (lenient, with
//! nesting), `detect`, and time resolution on real-format lines.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use podmortem::envelope::time::{Clock, TimeQuality, Zone, infer_year, resolve};
use podmortem::envelope::{Level, LineFormat, RawTime, detect, is_banner, parse_line};
use proptest::prelude::*;

fn yearless(month: u32, day: u32, h: u32, m: u32, s: u32, micros: u32) -> RawTime {
    RawTime::YearLess {
        month,
        day,
        time: NaiveTime::from_hms_micro_opt(h, m, s, micros).unwrap(),
    }
}

#[test]
fn klog_in_syslog() {
    let env = parse_line(b"Jun  8 03:03:28 node-1 kubelet[5478]: W0608 03:03:28.803095    5478 eviction_manager.go:346] eviction manager: must evict pod(s) to reclaim imagefs\n", None);
    assert_eq!(env.format, LineFormat::Rfc3164);
    assert_eq!(env.time, yearless(6, 8, 3, 3, 28, 0), "outer time wins");
    assert_eq!(
        env.level,
        Some(Level::Warning),
        "klog letter is the innermost level"
    );
    assert_eq!(
        (env.host, env.app, env.pid),
        (Some("node-1"), Some("kubelet"), Some(5478))
    );
    assert_eq!(
        &env.message[..],
        b"eviction manager: must evict pod(s) to reclaim imagefs"
    );
}

#[test]
fn klog_in_cri() {
    let env = parse_line(b"2018-06-17T03:05:13.803095123Z stderr F E0617 03:05:13.803095       1 server.go:12] failed", None);
    assert_eq!(env.format, LineFormat::Cri);
    let want = Utc.with_ymd_and_hms(2018, 6, 17, 3, 5, 13).unwrap()
        + chrono::Duration::nanoseconds(803_095_123);
    assert_eq!(env.time, RawTime::Utc(want));
    assert_eq!(env.level, Some(Level::Error));
    assert_eq!(env.pid, Some(1));
    assert_eq!(&env.message[..], b"failed");
    assert!(!env.partial);
}

#[test]
fn cri_partial_flag() {
    let env = parse_line(
        b"2018-06-17T03:05:13.803095123+00:00 stdout P first 16K of a long line",
        Some(LineFormat::Cri),
    );
    assert!(env.partial);
    assert_eq!(&env.message[..], b"first 16K of a long line");
    let env = parse_line(
        b"2018-06-17T03:05:13.803100000+00:00 stdout F rest of the line",
        Some(LineFormat::Cri),
    );
    assert!(!env.partial);
}

#[test]
fn felix_in_docker_json() {
    let env = parse_line(br#"{"log":"2018-06-17 03:05:13.803 [WARNING][84] int_dataplane.go 765: Failed to apply \u003cupdates\u003e\n","stream":"stdout","time":"2018-06-17T03:05:13.80309512Z"}"#, None);
    assert_eq!(env.format, LineFormat::DockerJson);
    assert!(
        matches!(env.time, RawTime::Utc(_)),
        "outer docker time wins over felix local time"
    );
    assert_eq!(env.level, Some(Level::Warning));
    assert_eq!(env.app, Some("calico-node"));
    assert_eq!(env.pid, Some(84));
    assert_eq!(&env.message[..], b"Failed to apply <updates>");
    assert!(matches!(env.message, Cow::Owned(_)));
}

#[test]
fn docker_json_partial() {
    let env = parse_line(
        br#"{"log":"no newline here","stream":"stdout","time":"2018-06-17T03:05:13Z"}"#,
        None,
    );
    assert!(env.partial);
}

#[test]
fn logrus_in_syslog() {
    let env = parse_line(br#"Jun  8 03:03:28 node-1 dockerd[1234]: time="2018-06-08T03:03:28.803095123Z" level=error msg="Handler for POST /v1.37/containers/create returned error: devmapper: Thin Pool has 1562 free data blocks""#, None);
    assert_eq!(env.format, LineFormat::Rfc3164);
    assert_eq!(env.app, Some("dockerd"));
    assert_eq!(env.level, Some(Level::Error));
    // The syslog stamp stays; the logrus `time=` lends it its year (issue #11).
    let dated = chrono::NaiveDate::from_ymd_opt(2018, 6, 8)
        .and_then(|d| d.and_hms_opt(3, 3, 28))
        .expect("date");
    assert_eq!(env.time, RawTime::Local(dated));
    assert!(env.message.starts_with(b"Handler for POST"));
}

#[test]
fn kernel_uptime_in_syslog() {
    let env = parse_line(b"Jun  8 03:03:28 node-1 kernel: [88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x20)", None);
    assert_eq!(env.app, Some("kernel"));
    assert_eq!(env.uptime_us, Some(88_820_247_535));
    assert_eq!(env.time, yearless(6, 8, 3, 3, 28, 0));
    assert_eq!(
        &env.message[..],
        b"SLUB: Unable to allocate memory on node -1 (gfp=0x20)"
    );
}

#[test]
fn printk_caller_in_syslog_and_dmesg() {
    let env = parse_line(b"2018-06-08T03:03:28.803180+00:00 node-1 kernel: [    5.123456][ T1598] Out of memory: Killed process 1598 (java)", None);
    assert_eq!(env.format, LineFormat::Rfc3339);
    assert_eq!(env.uptime_us, Some(5_123_456));
    assert_eq!(env.pid, Some(1598));
    assert_eq!(
        &env.message[..],
        b"Out of memory: Killed process 1598 (java)"
    );
    let env = parse_line(b"[88820.247535][ T1598] SLUB: x", None);
    assert_eq!((env.format, env.pid), (LineFormat::Dmesg, Some(1598)));
}

#[test]
fn bird_in_svlogd_and_cri() {
    let env = parse_line(
        b"2018-06-17_03:05:13.80513 bird: Mesh_10_0_0_2: State changed to start",
        None,
    );
    assert_eq!(env.format, LineFormat::Svlogd);
    assert_eq!(env.app, Some("bird"));
    assert_eq!(&env.message[..], b"Mesh_10_0_0_2: State changed to start");
    let env = parse_line(
        b"2021-08-09T09:50:31.123456789Z stdout F bird: Mesh_10_0_0_3: State changed to up",
        None,
    );
    assert_eq!(env.format, LineFormat::Cri);
    assert_eq!(env.app, Some("bird"));
    let env = parse_line(b"2021-08-09T09:50:31.12345 2021-08-09 09:50:31.123 [ERROR][84] felix/int_dataplane.go 1430: boom", None);
    assert_eq!(
        (env.format, env.level),
        (LineFormat::Svlogd, Some(Level::Error))
    );
    assert_eq!(&env.message[..], b"boom");
}

#[test]
fn klog_in_journal_json() {
    let env = parse_line(br#"{"_HOSTNAME":"node-1","SYSLOG_IDENTIFIER":"kubelet","_PID":"5478","PRIORITY":"6","__REALTIME_TIMESTAMP":"1528427008803180","MESSAGE":"E0608 03:03:28.803095    5478 kubelet.go:1778] skipping pod synchronization - [PLEG is not healthy: pleg was last seen active 3m0.5s ago; threshold is 3m0s]"}"#, None);
    assert_eq!(env.format, LineFormat::JournalJson);
    assert_eq!((env.host, env.app), (Some("node-1"), Some("kubelet")));
    assert_eq!(env.level, Some(Level::Error), "klog E beats PRIORITY 6");
    assert!(env.message.starts_with(b"skipping pod synchronization"));
}

#[test]
fn unknown_lines_keep_the_message_and_find_inner_envelopes() {
    let line = b"- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected";
    let env = parse_line(line, None);
    assert_eq!(env.format, LineFormat::Unknown);
    assert_eq!(&env.message[..], &line[..]);
    assert_eq!(env.time, RawTime::None);
    let env = parse_line(
        b"+ 12:00 kubelet I0617 03:05:13.803095    5478 kubelet.go:1] started",
        None,
    );
    assert_eq!(env.format, LineFormat::Unknown);
    assert_eq!(env.level, Some(Level::Info));
    assert_eq!(&env.message[..], b"started");
    let env = parse_line(
        br#"containerd: time="2018-06-17T03:05:13.803095123Z" level=warning msg="slow""#,
        None,
    );
    assert_eq!(
        (env.format, env.level),
        (LineFormat::Unknown, Some(Level::Warning))
    );
    assert_eq!(&env.message[..], b"slow");
}

#[test]
fn banners_and_carriage_returns() {
    assert!(is_banner(b"-- Reboot --"));
    let env = parse_line(b"-- Boot 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e --", None);
    assert_eq!(env.format, LineFormat::Unknown);
    assert!(env.message.is_empty());
    let env = parse_line(b"Jun  8 03:03:28 node-1 kernel: x\r\n", None);
    assert_eq!(&env.message[..], b"x");
}

#[test]
fn hint_is_tried_first_but_not_trusted_blindly() {
    let env = parse_line(b"Jun  8 03:03:28 node-1 kernel: x", Some(LineFormat::Cri));
    assert_eq!(env.format, LineFormat::Rfc3164);
    let env = parse_line(
        b"[88820.247535] node-1 kernel: x",
        Some(LineFormat::JournalShortMonotonic),
    );
    assert_eq!(
        (env.format, env.host),
        (LineFormat::JournalShortMonotonic, Some("node-1"))
    );
    let env = parse_line(b"[88820.247535] node-1 kernel: x", None);
    assert_eq!(env.format, LineFormat::Dmesg);
}

#[test]
fn dmesg_iso_is_not_mistaken_for_syslog() {
    let env = parse_line(
        b"2018-06-17T03:05:13,803095+00:00 SLUB: Unable to allocate memory on node -1 (gfp=0x20)",
        None,
    );
    assert_eq!(env.format, LineFormat::DmesgIso);
    assert_eq!(env.host, None);
    assert!(env.message.starts_with(b"SLUB: Unable"));
    let env = parse_line(
        b"4,1234,88820247535,-;SLUB: Unable to allocate memory on node -1, gfp=0xa20(GFP_ATOMIC)",
        None,
    );
    assert_eq!(
        (env.format, env.uptime_us),
        (LineFormat::Kmsg, Some(88_820_247_535))
    );
    assert_eq!(env.level, Some(Level::Warning));
}

#[test]
fn impossible_dates_become_no_time() {
    let env = parse_line(b"Feb 30 12:00:01 node-1 cron[1]: x", None);
    assert_eq!(
        (env.format, env.time),
        (LineFormat::Rfc3164, yearless(2, 30, 12, 0, 1, 0))
    );
    let env = parse_line(b"Jun  8 25:03:28 node-1 cron[1]: x", None);
    assert_eq!((env.format, env.time), (LineFormat::Rfc3164, RawTime::None));
    let env = parse_line(
        b"2018-02-30 03:05:13.803 [INFO][84] int_dataplane.go 765: x",
        None,
    );
    assert_eq!((env.format, env.time), (LineFormat::Felix, RawTime::None));
}

#[test]
fn detection_on_mixed_samples() {
    let kubelet_syslog: Vec<&[u8]> = vec![
        b"Jun  8 03:03:28 node-1 kubelet[5478]: I0608 03:03:28.803095    5478 eviction_manager.go:346] x",
        b"Jun  8 03:03:29 node-1 kernel: [88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x20)",
        b"  continuation without header",
        b"Jun  8 03:03:30 node-1 dockerd[1]: time=\"2018-06-08T03:03:30Z\" level=info msg=x",
    ];
    assert_eq!(detect(&kubelet_syslog), LineFormat::Rfc3164);
    let journal_short: Vec<&[u8]> = vec![
        b"-- Logs begin at Fri 2018-06-08 03:03:28 UTC, end at Sat 2018-06-09 00:00:00 UTC. --",
        b"Jun 08 03:03:28.803095 node-1 kubelet[5478]: x",
        b"Jun 08 03:03:29.000001 node-1 kernel: y",
    ];
    assert_eq!(detect(&journal_short), LineFormat::JournalShortPrecise);
    let cri: Vec<&[u8]> = vec![
        b"2018-06-17T03:05:13.803095123Z stderr F I0617 03:05:13.803095       1 server.go:12] started",
        b"2018-06-17T03:05:13.803095123Z stdout P partial",
        b"2018-06-17T03:05:14Z stdout F 2018-06-17 03:05:14.000 [INFO][84] int_dataplane.go 765: x",
    ];
    assert_eq!(detect(&cri), LineFormat::Cri);
    let docker: Vec<&[u8]> = vec![
        br#"{"log":"x\n","stream":"stderr","time":"2018-06-17T03:05:13.80309512Z"}"#,
        br#"{"log":"y\n","stream":"stdout","time":"2018-06-17T03:05:14Z"}"#,
    ];
    assert_eq!(detect(&docker), LineFormat::DockerJson);
    let status: Vec<&[u8]> = vec![
        b"Calico process is running.",
        b"",
        b"IPv4 BGP status",
        b"+--------------+-------------------+-------+----------+--------------------------------+",
        b"| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |              INFO              |",
        b"| 10.0.0.3     | node-to-node mesh | start | 03:05:13 | Active Socket: Connection      |",
    ];
    assert_eq!(detect(&status), LineFormat::CalicoctlStatus);
    let loghub: Vec<&[u8]> = vec![
        b"- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: session closed for user root",
        b"- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond[2916]: (root) CMD (run-parts /etc/cron.hourly)",
    ];
    assert_eq!(detect(&loghub), LineFormat::Unknown);
}

#[test]
fn resolution_end_to_end_with_named_zone() {
    let env = parse_line(b"Dec 31 23:59:00 node-1 kubelet[1]: x", None);
    let clock = Clock {
        reference: Some(
            NaiveDate::from_ymd_opt(2019, 1, 1)
                .unwrap()
                .and_hms_opt(0, 30, 0)
                .unwrap(),
        ),
        zone: Zone::Named(chrono_tz::America::New_York),
        zone_assumed: false,
        boot: None,
    };
    let r = resolve(env.time, env.uptime_us, &clock);
    assert_eq!(
        r.utc,
        Some(Utc.with_ymd_and_hms(2019, 1, 1, 4, 59, 0).unwrap())
    );
    assert_eq!(r.quality, TimeQuality::YearInferred);
}

proptest! {
    #[test]
    fn parse_line_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let env = parse_line(&bytes, None);
        prop_assert!(env.raw.len() <= bytes.len());
        let _ = detect(&[&bytes]);
    }

    #[test]
    fn parse_line_never_panics_on_near_misses(
        prefix in prop::sample::select(vec![
            &b"Jun  8 03:03:28 "[..], b"2018-06-17T03:05:13.8Z ", b"[  5.1] ", b"I0617 03:05:13.803095 ",
            b"{\"log\":", b"time=\"", b"<30>1 ", b"4,1,2,-;", b"2018-06-17 03:05:13.803 [", b"@4000",
        ]),
        tail in proptest::collection::vec(any::<u8>(), 0..80),
        hint in prop::sample::select(vec![None, Some(LineFormat::Cri), Some(LineFormat::Klog), Some(LineFormat::JournalJson)]),
    ) {
        let mut line = prefix.to_vec();
        line.extend_from_slice(&tail);
        let _ = parse_line(&line, hint);
    }

    #[test]
    fn infer_year_stays_within_a_year_of_the_reference(
        month in 1u32..=12, day in 1u32..=31, secs in 0u32..86_400,
        ref_days in 0i64..40_000, ref_secs in 0u32..86_400,
    ) {
        prop_assume!(!(month == 2 && day == 29));
        let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap();
        let reference = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
            + chrono::Duration::days(ref_days)
            + chrono::Duration::seconds(i64::from(ref_secs));
        if let Some(found) = infer_year(month, day, time, reference) {
            prop_assert!(found <= reference + chrono::Duration::days(2));
            // Every month/day but Feb 29 occurs each year, so the latest one before the
            // limit is less than a year (366 days at most) before it.
            prop_assert!(found > reference + chrono::Duration::days(2) - chrono::Duration::days(366));
        } else {
            prop_assert!(NaiveDate::from_ymd_opt(2000, month, day).is_none());
        }
    }
}
