//! Issue 12 (runtime, kubelet, identity): real lines through the real envelope parser
//! and the extractor, fed the way the scanner feeds them (needle lines, plus the lines a
//! `feed` asks for). Sources are cited per test; most lines come from the shared corpus
//! `k8s-node-real` (issue threads of kubernetes, containerd, cri-o, k3s, okd, moby).

use podmortem::envelope::{RawTime, parse_line};
use podmortem::events::{Extractor, Found, needles};
use podmortem::{Location, SourceId};
use serde_json::json;

/// Parse and feed `text` line by line; everything found.
fn scan(text: &str) -> Vec<Found> {
    let prefilter = aho_corasick::AhoCorasick::new(needles()).expect("needles build");
    let mut ex = Extractor::new();
    let mut out = Vec::new();
    let mut wants = false;
    let mut byte = 0u64;
    for (i, raw) in text.lines().enumerate() {
        let at = Location {
            source: SourceId(0),
            line: i as u64 + 1,
            byte,
        };
        byte += raw.len() as u64 + 1;
        if wants || prefilter.is_match(raw) {
            let env = parse_line(raw.as_bytes(), None);
            wants = ex.feed(at, &env, &mut out);
        }
    }
    ex.finish(&mut out);
    out
}

fn kinds(found: &[Found]) -> Vec<&str> {
    found.iter().map(|f| f.kind.name()).collect()
}

#[test]
fn kubelet_messages_are_the_kubelets_whatever_program_carries_them() {
    // source: corpus E-k8s-anywhere-500 (kubelet in a container, journal tag docker[641]),
    // E-k3s-497 (k3s[6528]), K-k8s-79466 (kubelet-wrapper[1086]).
    let found = scan(
        r#"Dec 12 21:55:45 kubernetes-node5 docker[641]: I1212 21:55:45.064032     683 kubelet.go:1820] skipping pod synchronization - [PLEG is not healthy: pleg was last seen active 17h23m48.85090857s ago; threshold is 3m0s]
May 27 17:05:52 k3s-node02.lab k3s[6528]: E0527 17:05:52.997924    6528 remote_runtime.go:109] RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to reserve sandbox name "svclb-traefik-phpd2_kube-system_964d3950-807d-11e9-9350-000c29eea077_1": name "svclb-traefik-phpd2_kube-system_964d3950-807d-11e9-9350-000c29eea077_1" is reserved for "081b44846a5be544621fad10e504f"
Jun 26 20:28:37 node03 kubelet-wrapper[1086]: E0626 20:28:37.242405    1086 fsHandler.go:121] failed to collect filesystem stats - rootDiskErr: failed to exec du - fork/exec /usr/bin/nice: resource temporarily unavailable
Jun 26 20:28:38 node03 sshd[77]: PLEG is not healthy: pleg was last seen active 3m0.5s ago; threshold is 3m0s"#,
    );
    assert_eq!(
        kinds(&found),
        [
            "kubelet.pleg_unhealthy",
            "kubelet.runtime_error",
            "net.pid_exhausted"
        ]
    );
    assert_eq!(found[1].payload().fields["reason"], json!("name_reserved"));
    assert_eq!(
        found[2].payload().fields["component"],
        json!("kubelet-wrapper")
    );
}

#[test]
fn k0s_logrus_line_with_an_embedded_kubelet_message() {
    // k0s supervises the kubelet and relogs its stderr as logrus `msg="..."
    // component=kubelet` (k0sproject/k0s pkg/supervisor); the klog text is the kubelet's
    // 1.2x structured message.
    let found = scan(
        r#"May 02 10:00:00 worker-1 k0sworker[1234]: time="2023-05-02 10:00:00" level=info msg="E0502 10:00:00.123456    1301 kubelet.go:2760] \"Container runtime network not ready\" networkReady=\"NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized\"" component=kubelet stream=stderr"#,
    );
    assert_eq!(kinds(&found), ["kubelet.runtime_network_not_ready"]);
    assert_eq!(
        found[0].payload().fields["detail"],
        json!("cni plugin not initialized")
    );
}

#[test]
fn issue_12_journal_reboot_separator_is_a_reboot_at_the_next_entry() {
    // source: okd-project/okd#394 (corpus J-okd-394)
    let found = scan(
        "-- Logs begin at Sat 2020-11-28 17:14:37 UTC, end at Mon 2020-11-30 01:48:48 UTC. --
Nov 28 17:21:32 master-1.spiritus.my.company.edu systemd[1]: systemd-hostnamed.service: Succeeded.
-- Reboot --
Nov 28 17:28:16 fedora systemd[1]: Starting Hostname Service...",
    );
    assert_eq!(kinds(&found), ["node.reboot"]);
    let reboot = &found[0];
    assert_eq!(reboot.first.line, 3);
    assert_eq!(reboot.host.as_deref(), Some("fedora"));
    assert!(matches!(
        reboot.time,
        RawTime::YearLess {
            month: 11,
            day: 28,
            ..
        }
    ));
    assert_eq!(reboot.text.get(), "-- Reboot --");
}

#[test]
fn inotify_enospc_is_not_a_full_disk() {
    // source: google/cadvisor#2533 (corpus C-cadvisor-2533)
    let found = scan(
        "F0514 07:48:34.137076       1 cadvisor.go:188] Failed to start container manager: inotify_add_watch /sys/fs/cgroup/cpu,cpuacct: no space left on device",
    );
    assert_eq!(kinds(&found), ["net.inotify_exhausted"]);
}

#[test]
fn kubectl_event_rows_carry_runtime_and_cni_failures() {
    // source: cri-o/cri-o#2984 (corpus E-cri-o-2984), aws/karpenter-provider-aws#3989
    // (corpus K-karpenter-3989)
    let found = scan(
        r#"  Normal   Scheduled               <unknown>            default-scheduler              Successfully assigned openshift-authentication-operator/authentication-operator-54f5d6c8c9-qpmd5 to dmabe-r662f-master-0
  Warning  FailedCreatePodSandBox  17m                  kubelet, dmabe-r662f-master-0  Failed create pod sandbox: rpc error: code = DeadlineExceeded desc = context deadline exceeded
  Warning  FailedCreatePodSandBox  15m                kubelet            Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "2585244756197a04982514cc97947f5b7f702492df9776871fa3d7d3b3cba718": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container"#,
    );
    assert_eq!(
        kinds(&found),
        [
            "kubelet.runtime_error",
            "cni.ip_exhausted",
            "kubelet.runtime_error"
        ]
    );
    assert_eq!(
        found[0].payload().fields["reason"],
        json!("deadline_exceeded")
    );
    assert_eq!(found[1].payload().fields["plugin"], json!("aws-cni"));
    assert_eq!(found[2].payload().fields["reason"], json!("network"));
}

#[test]
fn docker_events_container_oom() {
    // source: docker/for-linux#670 (corpus D-docker-for-linux-670), first line of the pair
    let found = scan(
        r#"2019-05-04T18:05:45.011072877-05:00 container oom 29d72966e0beb17d9b0b9fbcbfc734e2df2eb5428690115f9b24430357de08e5 (annotation.io.kubernetes.container.hash=cad60de0, maintainer=MUDSA, name=k8s_notebook_jupyter-x_jhub-prod_efa75591-6e89-11e9-bf85-001a4a16016d_0)"#,
    );
    assert_eq!(kinds(&found), ["containerd.task_oom"]);
    assert!(matches!(found[0].time, RawTime::Utc(_)));
    assert_eq!(found[0].payload().fields["pod"], json!("jupyter-x"));
}

#[test]
fn evicted_event_rows_and_admission_rejects() {
    // source: FederatedAI/KubeFATE#64 (corpus B-kubefate-64)
    let found = scan(
        "4m11s       Warning   Evicted               pod/egg-1    The node was low on resource: memory. Container egg was using 5053216Ki, which exceeds its request of 0.
4m7s        Warning   Evicted               pod/egg-2    The node had condition: [MemoryPressure].",
    );
    assert_eq!(
        kinds(&found),
        [
            "kubelet.pod_evicted",
            "kubelet.pod_evicted",
            "kubelet.node_condition"
        ]
    );
    assert_eq!(
        found[2].payload().fields["condition"],
        json!("MemoryPressure")
    );
    assert_eq!(found[2].payload().fields["status"], json!("on"));
}
