//! Pod networking failures that are not the runtime's fault: the CNI's IPAM out of
//! addresses, calico-node readiness (BIRD / felix), and iptables lock contention
//! (kube-proxy, kube-router, CNI plugins and node scripts all take the xtables lock).

use super::text::{after, find, lossy, uint};
use super::{Kind, Payload};

/// IPAM exhaustion: `add cmd: failed to assign an IP address to container` (amazon
/// vpc-cni, through dockershim's `NetworkPlugin cni failed to set up pod` or
/// containerd's `failed to setup network for sandbox ... plugin type="aws-cni"`),
/// `failed to allocate for range 0: no IP addresses available in range set: ...`
/// (host-local), `InsufficientFreeAddressesInSubnet` (EC2, in ipamd.log).
///
/// Fields of `cni.ip_exhausted`: `plugin` (from `plugin type="..."`), `pod` (from
/// `set up pod "..."`), `range` (host-local's range set), `reason` (the phrase seen).
pub(crate) fn ip_exhausted(msg: &[u8]) -> Option<Payload> {
    const REASONS: &[&str] = &[
        "failed to assign an IP address",
        "no IP addresses available in range set",
        "InsufficientFreeAddressesInSubnet",
    ];
    let reason = REASONS.iter().find(|r| find(msg, r.as_bytes()).is_some())?;
    let plugin = after(msg, b"plugin type=\"").map(quoted_prefix);
    let pod = after(msg, b"set up pod \"").map(quoted_prefix);
    let range = after(msg, b"available in range set: ").map(|r| lossy(super::text::token(r).0));
    Some(
        Payload::new(Kind::CniIpExhausted)
            .with("reason", *reason)
            .with_opt("plugin", plugin)
            .with_opt("pod", pod)
            .with_opt("range", range),
    )
}

/// The text up to the next `"` (or the end, for a line cut by its source).
fn quoted_prefix(rest: &[u8]) -> String {
    let end = rest.iter().position(|&b| b == b'"').unwrap_or(rest.len());
    lossy(rest.get(..end).unwrap_or(rest))
}

/// calico-node readiness failures as the probe prints them (kubelet events, pod
/// describe): `calico/node is not ready: BIRD is not ready: BGP not established with
/// 10.10.40.34`, `BIRD is not ready: Error querying BIRD: unable to connect to BIRDv4
/// socket: ... connection refused`, `felix is not ready: ...`.
///
/// Fields of `calico.not_ready`: `component` (`bird`, `bird6`, `felix`), `reason`
/// (`bgp_not_established`, `bird_unreachable`, `other`), `peers` (the addresses BGP is
/// not established with).
pub(crate) fn not_ready(msg: &[u8]) -> Option<Payload> {
    let (component, rest) = if let Some(r) = after(msg, b"BIRD is not ready: ") {
        ("bird", r)
    } else if let Some(r) = after(msg, b"BIRD6 is not ready: ") {
        ("bird6", r)
    } else if let Some(r) = after(msg, b"elix is not ready") {
        ("felix", r)
    } else {
        return None;
    };
    let (reason, peers) = if let Some(list) = after(rest, b"BGP not established with ") {
        let peers: Vec<String> = list
            .split(|&b| b == b',' || b.is_ascii_whitespace())
            .map(|p| p.trim_ascii())
            .take_while(|p| {
                p.iter()
                    .all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':'))
            })
            .filter(|p| !p.is_empty())
            .map(lossy)
            .collect();
        ("bgp_not_established", peers)
    } else if find(rest, b"Error querying BIRD").is_some() {
        ("bird_unreachable", Vec::new())
    } else {
        ("other", Vec::new())
    };
    Some(
        Payload::new(Kind::CalicoNotReady)
            .with("component", component)
            .with("reason", reason)
            .with("peers", peers),
    )
}

/// `Another app is currently holding the xtables lock. Perhaps you want to use the -w
/// option?` (iptables ≤ 1.6 without `-w`), `Another app is currently holding the
/// xtables lock; still 4s 0us time ahead to have a chance to grab the lock...` (with
/// `-w`), alone or inside the caller's error (`Failed to execute iptables-restore: exit
/// status 4 (Another app is ...`).
///
/// Fields of `kube_proxy.xtables_lock`: `command` (`iptables-restore`, `iptables`...,
/// when named), `exit_status`, `waiting` (true for the `-w` "still ... time ahead"
/// progress message: the lock was contended but the call may still succeed),
/// `component` (added by the extractor).
pub(crate) fn xtables_lock(msg: &[u8]) -> Option<Payload> {
    let at = find(msg, b"holding the xtables lock")?;
    let head = msg.get(..at)?;
    let command = [
        "ip6tables-restore",
        "iptables-restore",
        "ip6tables",
        "iptables",
    ]
    .into_iter()
    .find(|c| find(head, c.as_bytes()).is_some());
    let exit_status = after(head, b"exit status ")
        .and_then(|r| uint(r))
        .map(|(n, _)| n);
    let waiting = find(msg.get(at..)?, b"time ahead").is_some();
    Some(
        Payload::new(Kind::XtablesLock)
            .with_opt("command", command)
            .with_opt("exit_status", exit_status)
            .with("waiting", waiting),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vpc_cni_out_of_addresses() {
        // source: aws/amazon-vpc-cni-k8s#59 (corpus K-amazon-vpc-cni-59)
        let p = ip_exhausted(b"RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = NetworkPlugin cni failed to set up pod \"fluentd-pxks9_kube-system\" network: add cmd: failed to assign an IP address to container").unwrap();
        assert_eq!(p.fields["pod"], json!("fluentd-pxks9_kube-system"));
        // source: aws/karpenter-provider-aws#3989 (corpus K-karpenter-3989)
        let p = ip_exhausted(b"Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"2585244756197a04\": plugin type=\"aws-cni\" name=\"aws-cni\" failed (add): add cmd: failed to assign an IP address to container").unwrap();
        assert_eq!(p.fields["plugin"], json!("aws-cni"));
        let p = ip_exhausted(b"failed to allocate for range 0: no IP addresses available in range set: 10.244.1.1-10.244.1.254").unwrap();
        assert_eq!(p.fields["range"], json!("10.244.1.1-10.244.1.254"));
        assert!(ip_exhausted(b"Successfully assigned default/web to node-1").is_none());
    }

    #[test]
    fn calico_readiness() {
        // source: projectcalico/calico#9524 (corpus C-calico-9524)
        let p = not_ready(
            b"calico/node is not ready: BIRD is not ready: BGP not established with 10.10.40.34",
        )
        .unwrap();
        assert_eq!(p.fields["reason"], json!("bgp_not_established"));
        assert_eq!(p.fields["peers"], json!(["10.10.40.34"]));
        let p = not_ready(b"Readiness probe failed: calico/node is not ready: BIRD is not ready: Error querying BIRD: unable to connect to BIRDv4 socket: dial unix /var/run/calico/bird.ctl: connect: connection refused").unwrap();
        assert_eq!(p.fields["reason"], json!("bird_unreachable"));
        assert!(not_ready(b"Number of node(s) with BGP peering established = 0").is_none());
    }

    #[test]
    fn xtables_lock_forms() {
        // source: kubeasz/kubeasz#704 (corpus K-kubeasz-704)
        let p = xtables_lock(b"Failed to execute iptables-restore: exit status 4 (Another app is currently holding the xtables lock. Perhaps you want to use the -w option?").unwrap();
        assert_eq!(p.fields["command"], json!("iptables-restore"));
        assert_eq!(p.fields["exit_status"], json!(4));
        assert_eq!(p.fields["waiting"], json!(false));
        // source: kubernetes/kubernetes#57428 (corpus K-k8s-57428): a shell script's stderr
        let p = xtables_lock(b"Another app is currently holding the xtables lock. Perhaps you want to use the -w option?").unwrap();
        assert_eq!(p.fields.get("command"), None);
        let p = xtables_lock(b"Another app is currently holding the xtables lock; still 4s 0us time ahead to have a chance to grab the lock...").unwrap();
        assert_eq!(p.fields["waiting"], json!(true));
    }
}
