//! The bundled samples give exactly the incidents their README lists: the five seed
//! incidents and their two consequences, nothing else (issue #11). The bundle carries
//! benign start-up chatter in real formats — every kubelet start prints "Image garbage
//! collection failed once" and the PLEG never-ran sentinel, systemd sets the host name
//! at every boot, node-10 boots without being renamed while its BGP sessions go up and
//! later through `start` again — which must not become incidents.

#[path = "support/binary.rs"]
mod binary;

/// `(signature, nodes, caused_by signature)` per incident, in report order.
fn incidents() -> Vec<(String, Vec<String>, Option<String>)> {
    let bundle = binary::bundle();
    let v = binary::json(&[
        "scan",
        "--quiet",
        "--format",
        "json",
        binary::path_str(&bundle),
    ]);
    let list = v["incidents"].as_array().expect("incidents");
    let signature_of = |id: &str| {
        list.iter()
            .find(|i| i["id"] == id)
            .and_then(|i| i["signature"].as_str())
            .map(str::to_string)
    };
    list.iter()
        .map(|i| {
            (
                i["signature"].as_str().unwrap_or_default().to_string(),
                i["nodes"]
                    .as_array()
                    .map(|n| {
                        n.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                i["caused_by"].as_str().and_then(signature_of),
            )
        })
        .collect()
}

#[test]
fn samples_give_exactly_the_expected_incidents() {
    let want: Vec<(&str, &[&str], Option<&str>)> = vec![
        ("slub-kmem-cgroup-leak", &["node-1"], None),
        (
            "unexpected-reboot",
            &["node-1"],
            Some("slub-kmem-cgroup-leak"),
        ),
        ("devicemapper-disk-exhaustion", &["node-2"], None),
        (
            "image-gc-failure",
            &["node-2"],
            Some("devicemapper-disk-exhaustion"),
        ),
        (
            "critical-pod-evicted",
            &["node-2"],
            Some("devicemapper-disk-exhaustion"),
        ),
        ("nofile-exhaustion", &["node-3", "node-4", "node-5"], None),
        (
            "hostname-change-calico",
            &["node-6", "node-7", "node-8", "node-9"],
            None,
        ),
    ];
    let want: Vec<(String, Vec<String>, Option<String>)> = want
        .into_iter()
        .map(|(s, n, c)| {
            (
                s.to_string(),
                n.iter().map(|x| x.to_string()).collect(),
                c.map(str::to_string),
            )
        })
        .collect();
    assert_eq!(incidents(), want);
}
