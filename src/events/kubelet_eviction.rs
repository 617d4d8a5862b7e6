//! kubelet eviction manager (`pkg/kubelet/eviction`): thresholds, "must evict",
//! the ranked pod list and evicted pods, in every rendering the reference lists:
//! klog printf (1.9–1.20), klog structured `InfoS` (1.21+, `pods=` as `format.Pods`,
//! `KObjs`, quoted `KObjSlice` or JSON-ish `KObjSlice`) and JSON logs (`msg` + keys).
//!
//! Grammars find their anchor anywhere in the message, so a message that still
//! carries a klog header (`I0617 03:05:13.803095 5478 eviction_manager.go:346] `) works.

use serde_json::{Value, json};

use super::text::{FieldValue, after, field, field_text, find, lossy, token, trim};
use super::{Kind, Payload};

/// The word after an anchor (printf form), or the structured/JSON `key` value when
/// the anchor is followed by a closing quote or by the JSON record.
fn word_or_field(rest: &[u8], msg: &[u8], key: &str) -> Option<String> {
    let (word, _) = token(rest);
    let word = word.strip_suffix(b".").unwrap_or(word);
    if rest.starts_with(b"\"") || word.is_empty() || word.starts_with(b"{") {
        field_text(msg, key)
    } else {
        Some(lossy(word))
    }
}

/// Eviction thresholds crossed or being reclaimed:
/// `eviction manager: attempting to reclaim imagefs` (1.9, W) /
/// `"Eviction manager: attempting to reclaim" resourceName="memory"` (1.21+),
/// node event `Attempting to reclaim nodefs`,
/// `eviction manager: thresholds - ignoring grace period: threshold [signal=memory.available, quantity=100Mi] observed 92Mi`,
/// `eviction manager: eviction criteria not yet met for threshold(signal=nodefs.available, ...)`.
///
/// Fields of `kubelet.eviction_threshold`: `resource` (reclaim lines: `memory`,
/// `imagefs`, `nodefs`, `ephemeral-storage`...), `signal` (`memory.available`...),
/// `quantity` and `observed` (threshold lines), `duration` (not-met lines), `source`
/// (`reclaim`, `observed`, `not_met`).
pub(crate) fn threshold(msg: &[u8]) -> Option<Payload> {
    let p = Payload::new(Kind::EvictionThreshold);
    let reclaim =
        after(msg, b"attempting to reclaim").or_else(|| after(msg, b"Attempting to reclaim"));
    if let Some(rest) = reclaim {
        let resource = word_or_field(rest, msg, "resourceName")?;
        return Some(p.with("resource", resource).with("source", "reclaim"));
    }
    if let Some(rest) = after(msg, b"threshold [signal=") {
        let end = rest.iter().position(|&b| b == b',' || b == b']')?;
        let quantity = after(rest, b"quantity=").and_then(|q| {
            let e = q.iter().position(|&b| b == b']')?;
            q.get(..e).map(lossy)
        });
        let observed = after(rest, b"] observed ").map(|o| lossy(token(o).0));
        return Some(
            p.with("signal", lossy(rest.get(..end)?))
                .with_opt("quantity", quantity)
                .with_opt("observed", observed)
                .with("source", "observed"),
        );
    }
    if find(msg, b"threshold observed resource").is_some() {
        return Some(
            p.with("signal", field_text(msg, "signal")?)
                .with_opt("resource", field_text(msg, "resourceName"))
                .with_opt("quantity", field_text(msg, "quantity"))
                .with_opt("observed", field_text(msg, "available"))
                .with("source", "observed"),
        );
    }
    let rest = after(msg, b"eviction criteria not yet met")?;
    let signal = after(rest, b"signal=")
        .or_else(|| after(rest, b"Signal:"))
        .map(|s| {
            let end = s
                .iter()
                .position(|&b| matches!(b, b',' | b' ' | b'}' | b')' | b'"'))
                .unwrap_or(s.len());
            lossy(s.get(..end).unwrap_or(s))
        })
        .filter(|s| !s.is_empty())
        .or_else(|| field_text(msg, "Signal"))?;
    let duration = after(rest, b"duration: ")
        .map(|d| lossy(token(d).0))
        .or_else(|| field_text(msg, "duration"));
    Some(
        p.with("signal", signal)
            .with_opt("duration", duration)
            .with("source", "not_met"),
    )
}

/// `eviction manager: must evict pod(s) to reclaim imagefs` (1.9 seed line) /
/// `"Eviction manager: must evict pod(s) to reclaim" resourceName="ephemeral-storage"`.
/// Fields of `kubelet.eviction_must_evict`: `resource`.
pub(crate) fn must_evict(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"must evict pod(s) to reclaim")?;
    let resource = word_or_field(rest, msg, "resourceName")?;
    Some(Payload::new(Kind::EvictionMustEvict).with("resource", resource))
}

/// `eviction manager: pods ranked for eviction: a_ns(uid), b_ns(uid)` (printf) /
/// `"Eviction manager: pods ranked for eviction" pods=...` (structured, any `pods=`
/// rendering; JSON `"pods":[...]`). Whitespace inside the UID parentheses is removed
/// (the seed write-up has `(e134b5a2-6fc1-11e8-      b1d1-...)`).
///
/// Fields of `kubelet.eviction_ranked`: `pods`, the ranked list in order, each
/// `{name, namespace, uid}` (`uid` null when the rendering has none); `count`.
pub(crate) fn ranked(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"ranked for eviction")?;
    let pods = match rest.strip_prefix(b": ") {
        Some(list) => parse_pod_list(&lossy(trim(list))),
        None => pods_field(msg, "pods")?,
    };
    (!pods.is_empty()).then_some(())?;
    Some(
        Payload::new(Kind::EvictionRanked)
            .with("count", pods.len())
            .with("pods", pods),
    )
}

/// Evicted pods: `eviction manager: pods X_ns(uid) evicted, waiting for pod to be
/// cleaned up` (1.9 seed line; X may be a list), `eviction manager: pod X_ns(uid) is
/// evicted successfully` (1.10+), and the structured `"Eviction manager: pods
/// evicted, waiting for pod to be cleaned up" pods=[...]` / `"Eviction manager: pod
/// is evicted successfully" pod="ns/name"`.
///
/// Returns `pods` (list of `{name, namespace, uid}`); the extractor turns it into one
/// `kubelet.pod_evicted` per pod with fields `pod`, `namespace`, `uid` ([`split_evicted`]).
pub(crate) fn evicted(msg: &[u8]) -> Option<Payload> {
    let pods = if let Some(at) = find(msg, b"evicted, waiting for pod to be cleaned up") {
        let head = msg.get(..at)?;
        let list = after(head, b"anager: pods ").map(trim).unwrap_or_default();
        if list.is_empty() {
            pods_field(msg, "pods")?
        } else {
            parse_pod_list(&lossy(list))
        }
    } else {
        let at = find(msg, b"is evicted successfully")?;
        let head = msg.get(..at)?;
        let one = after(head, b"anager: pod ").map(trim).unwrap_or_default();
        if one.is_empty() {
            pods_field(msg, "pod")?
        } else {
            parse_pod_list(&lossy(one))
        }
    };
    (!pods.is_empty()).then_some(())?;
    Some(Payload::new(Kind::PodEvicted).with("pods", pods))
}

/// One `kubelet.pod_evicted` payload per pod of an [`evicted`] payload.
pub(crate) fn split_evicted(payload: Payload) -> Vec<Payload> {
    let Some(Value::Array(pods)) = payload.fields.get("pods") else {
        return vec![payload];
    };
    pods.iter()
        .map(|pod| {
            Payload::new(Kind::PodEvicted)
                .with("pod", pod.get("name").cloned().unwrap_or(Value::Null))
                .with(
                    "namespace",
                    pod.get("namespace").cloned().unwrap_or(Value::Null),
                )
                .with("uid", pod.get("uid").cloned().unwrap_or(Value::Null))
        })
        .collect()
}

/// Pods from a structured/JSON field in any of its renderings.
fn pods_field(msg: &[u8], key: &str) -> Option<Vec<Value>> {
    Some(match field(msg, key)? {
        FieldValue::Quoted(s) | FieldValue::Bare(s) => parse_pod_list(&s),
        FieldValue::Json(v) => pods_from_json(&v),
    })
}

/// JSON renderings: `["ns/a","ns/b"]`, `[{"name":..,"namespace":..}]`, `{"name":..}`, `"a_ns(uid)"`.
fn pods_from_json(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.iter().flat_map(pods_from_json).collect(),
        Value::String(s) => parse_pod_list(s),
        Value::Object(o) => match o.get("name").and_then(Value::as_str) {
            Some(name) => vec![pod(name, o.get("namespace").and_then(Value::as_str), None)],
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn pod(name: &str, namespace: Option<&str>, uid: Option<String>) -> Value {
    json!({"name": name, "namespace": namespace, "uid": uid})
}

/// A pod list as text: `format.Pods` (`a_ns(uid), b_ns(uid)`) or `KObj` renderings
/// (`[ns/a ns/b]`, `["ns/a","ns/b"]`, `ns/a`).
pub(crate) fn parse_pod_list(text: &str) -> Vec<Value> {
    if text.contains('(') {
        return parse_format_pods(text);
    }
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
        .map(|t| t.trim_matches('"'))
        .filter(|t| !t.is_empty())
        .map(|t| match t.split_once('/') {
            Some((ns, name)) => pod(name, Some(ns), None),
            None => pod(t, None, None),
        })
        .collect()
}

/// `name_namespace(uid), ...`; names and namespaces cannot hold `_`, so the first `_`
/// splits them. Whitespace inside the parentheses is dropped.
fn parse_format_pods(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace() || c == '"');
        let (Some(open), Some(close)) = (rest.find('('), rest.find(')')) else {
            break;
        };
        if close < open {
            break;
        }
        let head = rest.get(..open).unwrap_or_default().trim();
        let uid: String = rest
            .get(open + 1..close)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Some((name, ns)) = head.split_once('_') {
            out.push(pod(name, Some(ns), (!uid.is_empty()).then_some(uid)));
        }
        rest = rest.get(close + 1..).unwrap_or_default();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_MUST: &[u8] = b"eviction manager: must evict pod(s) to reclaim imagefs";
    const SEED_RANKED: &[u8] = b"eviction manager: pods ranked for eviction: kube-proxy-[node IP]_kube-system(dc6bd3a06883f50ce46d35fd024f66f2), config-88df876c5-pmk67_ec-prod(e134b5a2-6fc1-11e8-      b1d1-0226410ff50c), data-services-6b4df97cdf-qz8sd_ec-prod(da14a6d4-7158-11e8-ba3c-062f143c52c6), rulescript-services-5ffdfd7f7-c5ph8_ec-prod(534a6a09-7079-11e8-ba3c-062f143c52c6), mq-services-69758bfc6d-7cn94_ec-prod(      326cedc8-70e0-11e8-ba3c-062f143c52c6), fbagent-services-67d7b788cb-pmd8d_ec-prod(a07d489a-71bc-11e8-ba3c-062f143c52c6)";
    const SEED_EVICTED: &[u8] = b"eviction manager: pods kube-proxy-[node IP]_kube-system(dc6bd3a06883f50ce46d35fd024f66f2) evicted, waiting for pod to be cleaned up";

    #[test]
    fn must_evict_printf_structured_json() {
        assert_eq!(
            must_evict(SEED_MUST).unwrap().fields["resource"],
            json!("imagefs")
        );
        let s = br#"I0617 16:18:42.212181 3814777 eviction_manager.go:392] "Eviction manager: must evict pod(s) to reclaim" resourceName="ephemeral-storage""#;
        assert_eq!(
            must_evict(s).unwrap().fields["resource"],
            json!("ephemeral-storage")
        );
        let j = br#"Eviction manager: must evict pod(s) to reclaim {"ts":1528427008803.095,"msg":"Eviction manager: must evict pod(s) to reclaim","v":0,"resourceName":"memory"}"#;
        assert_eq!(must_evict(j).unwrap().fields["resource"], json!("memory"));
    }

    #[test]
    fn seed_ranked_list_with_odd_whitespace() {
        let p = ranked(SEED_RANKED).unwrap();
        let pods = p.fields["pods"].as_array().unwrap();
        assert_eq!(pods.len(), 6);
        assert_eq!(
            pods[0],
            json!({"name": "kube-proxy-[node IP]", "namespace": "kube-system", "uid": "dc6bd3a06883f50ce46d35fd024f66f2"})
        );
        assert_eq!(
            pods[1]["uid"],
            json!("e134b5a2-6fc1-11e8-b1d1-0226410ff50c")
        );
        assert_eq!(
            pods[4]["uid"],
            json!("326cedc8-70e0-11e8-ba3c-062f143c52c6")
        );
        assert_eq!(pods[5]["name"], json!("fbagent-services-67d7b788cb-pmd8d"));
    }

    #[test]
    fn ranked_structured_renderings() {
        let a = br#""Eviction manager: pods ranked for eviction" pods=["flux-system/kustomize-controller-6b7bfd984d-r8m6z","kube-system/coredns-5d78c9869d-abcde"]"#;
        let p = ranked(a).unwrap();
        assert_eq!(
            p.fields["pods"][0],
            json!({"name": "kustomize-controller-6b7bfd984d-r8m6z", "namespace": "flux-system", "uid": null})
        );
        assert_eq!(p.fields["count"], json!(2));
        let b = br#""Eviction manager: pods ranked for eviction" pods="[kube-system/kube-proxy-x default/web-1]""#;
        assert_eq!(ranked(b).unwrap().fields["pods"][1]["name"], json!("web-1"));
        let c = br#""Eviction manager: pods ranked for eviction" pods=[kube-system/kube-proxy-x default/web-1]"#;
        assert_eq!(ranked(c).unwrap().fields["count"], json!(2));
        let d = br#""Eviction manager: pods ranked for eviction" pods="kube-proxy-x_kube-system(0b3c), web-1_default(1a2b)""#;
        assert_eq!(ranked(d).unwrap().fields["pods"][1]["uid"], json!("1a2b"));
        let j = br#"Eviction manager: pods ranked for eviction {"ts":1.0,"msg":"Eviction manager: pods ranked for eviction","pods":[{"name":"web-1","namespace":"default"}]}"#;
        assert_eq!(
            ranked(j).unwrap().fields["pods"][0]["namespace"],
            json!("default")
        );
    }

    #[test]
    fn evicted_forms_split_per_pod() {
        let p = evicted(SEED_EVICTED).unwrap();
        let split = split_evicted(p);
        assert_eq!(split.len(), 1);
        assert_eq!(split[0].fields["pod"], json!("kube-proxy-[node IP]"));
        assert_eq!(split[0].fields["namespace"], json!("kube-system"));
        assert_eq!(
            split[0].fields["uid"],
            json!("dc6bd3a06883f50ce46d35fd024f66f2")
        );
        let two = evicted(b"eviction manager: pods a-1_ns1(u1), b-2_ns2(u2) evicted, waiting for pod to be cleaned up").unwrap();
        assert_eq!(split_evicted(two).len(), 2);
        let one =
            evicted(b"eviction manager: pod web-1_default(1a2b) is evicted successfully").unwrap();
        assert_eq!(one.fields["pods"][0]["name"], json!("web-1"));
        let s = evicted(br#""Eviction manager: pod is evicted successfully" pod="default/web-1""#)
            .unwrap();
        assert_eq!(s.fields["pods"][0]["namespace"], json!("default"));
        let s = evicted(br#""Eviction manager: pods evicted, waiting for pod to be cleaned up" pods=["default/web-1"]"#).unwrap();
        assert_eq!(s.fields["pods"][0]["name"], json!("web-1"));
    }

    #[test]
    fn thresholds() {
        let p = threshold(b"eviction manager: attempting to reclaim imagefs").unwrap();
        assert_eq!(p.fields["resource"], json!("imagefs"));
        let p = threshold(br#""Eviction manager: attempting to reclaim" resourceName="memory""#)
            .unwrap();
        assert_eq!(p.fields["resource"], json!("memory"));
        let p = threshold(b"eviction manager: thresholds - ignoring grace period: threshold [signal=memory.available, quantity=100Mi] observed 92Mi").unwrap();
        assert_eq!(p.fields["signal"], json!("memory.available"));
        assert_eq!(p.fields["quantity"], json!("100Mi"));
        assert_eq!(p.fields["observed"], json!("92Mi"));
        let p = threshold(b"eviction manager: eviction criteria not yet met for threshold(signal=nodefs.available, operator=LessThan, value=10%, gracePeriod=1m30s), duration: 1m0s").unwrap();
        assert_eq!(p.fields["signal"], json!("nodefs.available"));
        assert_eq!(p.fields["duration"], json!("1m0s"));
        let p = threshold(br#""Eviction manager: eviction criteria not yet met" threshold={Signal:memory.available Operator:LessThan} duration="30s""#).unwrap();
        assert_eq!(p.fields["signal"], json!("memory.available"));
        assert_eq!(p.fields["duration"], json!("30s"));
    }

    #[test]
    fn lookalikes() {
        assert!(ranked(b"eviction manager: pods ranked for eviction: ").is_none());
        assert!(must_evict(b"eviction manager: synchronize housekeeping").is_none());
        assert!(
            evicted(b"eviction manager: pods web-1_default(1) successfully cleaned up").is_none()
        );
        assert!(threshold(b"eviction manager: no resources are starved").is_none());
    }
}
