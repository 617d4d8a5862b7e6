//! kubelet eviction manager (`pkg/kubelet/eviction`): thresholds, "must evict",
//! the ranked pod list and evicted pods, in every rendering the reference lists:
//! klog printf (1.9–1.20), klog structured `InfoS` (1.21+, `pods=` as `format.Pods`,
//! `KObjs`, quoted `KObjSlice` or JSON-ish `KObjSlice`) and JSON logs (`msg` + keys).
//!
//! Grammars find their anchor anywhere in the message, so a message that still
//! carries a klog header (`I0617 03:05:13.803095 5478 eviction_manager.go:346] `) works.

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_till1, take_until, take_while};
use nom::character::complete::{char, one_of};
use nom::combinator::{cut, map, not, opt, peek, rest, verify};
use nom::error::context;
use nom::multi::many0;
use nom::sequence::{preceded, terminated};
use serde_json::{Value, json};

use super::text::{
    FieldValue, GrammarError, PResult, anchor, field, field_text, lossy, run_grammar, word,
};
use super::{Kind, Payload};

/// A printf `%v` word right after an anchor (`reclaim imagefs`, trailing `.` dropped).
/// It is not there when the anchor closes a quoted klog message (`...reclaim"
/// resourceName=...`), or is followed by a JSON record or by nothing: then the value
/// is a structured key ([`structured_or_printf`]).
fn printf_word(input: &[u8]) -> PResult<'_, &[u8]> {
    preceded(
        not(char('"')),
        verify(
            map(word, |w: &[u8]| w.strip_suffix(b".").unwrap_or(w)),
            |w: &[u8]| !w.is_empty() && !w.starts_with(b"{"),
        ),
    )
    .parse(input)
}

/// The value after an anchor: the printf word (1.9–1.20), otherwise the structured
/// (`key="..."`, 1.21+) or JSON (`"key":...`) field `key` of the whole message `msg`.
/// This is the one place the two renderings are told apart.
fn structured_or_printf<'a>(
    msg: &'a [u8],
    key: &'static str,
) -> impl FnMut(&'a [u8]) -> PResult<'a, String> {
    move |input: &'a [u8]| match printf_word(input) {
        Ok((rest, w)) => Ok((rest, lossy(w))),
        Err(_) => match field_text(msg, key) {
            Some(v) => Ok((input, v)),
            None => Err(nom::Err::Error(super::text::Fail {
                input,
                expected: None,
            })),
        },
    }
}

/// What a threshold line says; which fields are set depends on `source`.
#[derive(Debug, Clone, PartialEq, Default)]
struct Threshold {
    /// `reclaim`, `observed` or `not_met`.
    source: &'static str,
    resource: Option<String>,
    signal: Option<String>,
    quantity: Option<String>,
    observed: Option<String>,
    duration: Option<String>,
}

impl Threshold {
    fn into_payload(self) -> Payload {
        Payload::new(Kind::EvictionThreshold)
            .with_opt("resource", self.resource)
            .with_opt("signal", self.signal)
            .with_opt("quantity", self.quantity)
            .with_opt("observed", self.observed)
            .with_opt("duration", self.duration)
            .with("source", self.source)
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
    threshold_or_error(msg).ok()
}

/// [`threshold`], or where the message broke it and what was expected there.
pub(crate) fn threshold_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let t = run_grammar(
        msg,
        alt((
            threshold_reclaim(msg),
            threshold_observed,
            threshold_observed_structured(msg),
            criteria_not_met(msg),
        )),
    )?;
    Ok(t.into_payload())
}

/// `attempting to reclaim imagefs` / `"Eviction manager: attempting to reclaim"
/// resourceName="memory"` / event `Attempting to reclaim nodefs`.
fn threshold_reclaim<'a>(msg: &'a [u8]) -> impl FnMut(&'a [u8]) -> PResult<'a, Threshold> {
    move |input: &'a [u8]| {
        let (input, _) = alt((
            anchor("attempting to reclaim"),
            anchor("Attempting to reclaim"),
        ))
        .parse(input)?;
        let (input, resource) = cut(context(
            "a resource name",
            structured_or_printf(msg, "resourceName"),
        ))
        .parse(input)?;
        Ok((
            input,
            Threshold {
                source: "reclaim",
                resource: Some(resource),
                ..Threshold::default()
            },
        ))
    }
}

/// helpers.go (1.9–1.20, V(3)): `threshold [signal=%v, quantity=%v] observed %v`, or
/// `threshold [signal=%v] had no observation`.
fn threshold_observed(input: &[u8]) -> PResult<'_, Threshold> {
    let (input, _) = anchor("threshold [signal=").parse(input)?;
    let (input, signal) = cut(context(
        "a signal ended by `,` or `]`",
        terminated(take_till(|b| b == b',' || b == b']'), peek(one_of(",]"))),
    ))
    .parse(input)?;
    let (input, quantity) = opt(preceded(
        tag(", quantity="),
        terminated(take_till(|b| b == b']'), peek(char(']'))),
    ))
    .parse(input)?;
    let (input, observed) = opt(preceded(tag("] observed "), word)).parse(input)?;
    Ok((
        input,
        Threshold {
            source: "observed",
            signal: Some(lossy(signal)),
            quantity: quantity.map(lossy),
            observed: observed.map(lossy),
            ..Threshold::default()
        },
    ))
}

/// 1.21+: `"Eviction manager: threshold observed resource" log=... signal="memory.available"
/// resourceName="memory" quantity="100Mi" available="92Mi"`.
fn threshold_observed_structured<'a>(
    msg: &'a [u8],
) -> impl FnMut(&'a [u8]) -> PResult<'a, Threshold> {
    move |input: &'a [u8]| {
        let (input, _) = anchor("threshold observed resource").parse(input)?;
        let Some(signal) = field_text(msg, "signal") else {
            return Err(nom::Err::Failure(super::text::Fail {
                input,
                expected: Some("a `signal=` key"),
            }));
        };
        Ok((
            input,
            Threshold {
                source: "observed",
                signal: Some(signal),
                resource: field_text(msg, "resourceName"),
                quantity: field_text(msg, "quantity"),
                observed: field_text(msg, "available"),
                ..Threshold::default()
            },
        ))
    }
}

/// `eviction criteria not yet met for threshold(signal=nodefs.available, ...), duration: 1m0s`
/// (printf) / `"Eviction manager: eviction criteria not yet met" threshold={Signal:memory.available
/// ...} duration="30s"` (structured; `"Signal":"..."` once klog renders JSON).
fn criteria_not_met<'a>(msg: &'a [u8]) -> impl FnMut(&'a [u8]) -> PResult<'a, Threshold> {
    move |input: &'a [u8]| {
        let (after, _) = anchor("eviction criteria not yet met").parse(input)?;
        let (_, written) = opt(preceded(
            alt((anchor("signal="), anchor("Signal:"))),
            take_till(|b| matches!(b, b',' | b' ' | b'}' | b')' | b'"')),
        ))
        .parse(after)?;
        let signal = written
            .filter(|s| !s.is_empty())
            .map(lossy)
            .or_else(|| field_text(msg, "Signal"));
        let Some(signal) = signal else {
            return Err(nom::Err::Failure(super::text::Fail {
                input: after,
                expected: Some("a signal"),
            }));
        };
        let (_, duration) = opt(preceded(anchor("duration: "), word)).parse(after)?;
        let duration = duration.map(lossy).or_else(|| field_text(msg, "duration"));
        Ok((
            after,
            Threshold {
                source: "not_met",
                signal: Some(signal),
                duration,
                ..Threshold::default()
            },
        ))
    }
}

/// `eviction manager: must evict pod(s) to reclaim imagefs` (1.9 seed line) /
/// `"Eviction manager: must evict pod(s) to reclaim" resourceName="ephemeral-storage"`.
/// Fields of `kubelet.eviction_must_evict`: `resource`.
pub(crate) fn must_evict(msg: &[u8]) -> Option<Payload> {
    must_evict_or_error(msg).ok()
}

/// [`must_evict`], or where the message broke it and what was expected there.
pub(crate) fn must_evict_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let resource = run_grammar(
        msg,
        preceded(
            anchor("must evict pod(s) to reclaim"),
            cut(context(
                "a resource name",
                structured_or_printf(msg, "resourceName"),
            )),
        ),
    )?;
    Ok(Payload::new(Kind::EvictionMustEvict).with("resource", resource))
}

/// `eviction manager: pods ranked for eviction: a_ns(uid), b_ns(uid)` (printf) /
/// `"Eviction manager: pods ranked for eviction" pods=...` (structured, any `pods=`
/// rendering; JSON `"pods":[...]`). Whitespace inside the UID parentheses is removed
/// (the seed write-up has `(e134b5a2-6fc1-11e8-      b1d1-...)`).
///
/// Fields of `kubelet.eviction_ranked`: `pods`, the ranked list in order, each
/// `{name, namespace, uid}` (`uid` null when the rendering has none); `count`.
pub(crate) fn ranked(msg: &[u8]) -> Option<Payload> {
    ranked_or_error(msg).ok()
}

/// [`ranked`], or where the message broke it and what was expected there.
pub(crate) fn ranked_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let pods = run_grammar(
        msg,
        preceded(
            anchor("ranked for eviction"),
            cut(context(
                "a non-empty pod list",
                verify(
                    alt((
                        preceded(tag(": "), map(printf_pods, |l| pod_list(l.trim_ascii()))),
                        structured_pods(msg, "pods"),
                    )),
                    |pods: &Vec<Value>| !pods.is_empty(),
                ),
            )),
        ),
    )?;
    Ok(Payload::new(Kind::EvictionRanked)
        .with("count", pods.len())
        .with("pods", pods))
}

/// The printf `%s` of `format.Pods`: the rest of the line.
fn printf_pods(input: &[u8]) -> PResult<'_, &[u8]> {
    rest.parse(input)
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
    evicted_or_error(msg).ok()
}

/// [`evicted`], or where the message broke it and what was expected there.
pub(crate) fn evicted_or_error(msg: &[u8]) -> Result<Payload, GrammarError> {
    let pods = run_grammar(
        msg,
        verify(
            alt((
                evicted_pods(
                    msg,
                    "evicted, waiting for pod to be cleaned up",
                    "anager: pods ",
                    "pods",
                ),
                evicted_pods(msg, "is evicted successfully", "anager: pod ", "pod"),
                // 1.4–1.9 threshold path: `eviction manager: pod X_ns(uid) evicted successfully`
                evicted_pods(msg, " evicted successfully", "anager: pod ", "pod"),
            )),
            |pods: &Vec<Value>| !pods.is_empty(),
        ),
    )?;
    Ok(Payload::new(Kind::PodEvicted).with("pods", pods))
}

/// The pods before `tail` (`evicted, waiting...` / `is evicted successfully`): the
/// printf `%s` after `lead` (`anager: pods `), or, when that is empty (structured
/// text: `"Eviction manager: pods evicted, ..."`), the structured field `key`.
fn evicted_pods<'a>(
    msg: &'a [u8],
    tail: &'static str,
    lead: &'static str,
    key: &'static str,
) -> impl FnMut(&'a [u8]) -> PResult<'a, Vec<Value>> {
    move |input: &'a [u8]| {
        let (rest, head) = take_until(tail).parse(input)?;
        let (_, printf) = opt(preceded(anchor(lead), printf_pods)).parse(head)?;
        let printf = printf.map(<[u8]>::trim_ascii).unwrap_or_default();
        if printf.is_empty() {
            cut(context(
                "a `pods=` or `pod=` key",
                structured_pods(msg, key),
            ))
            .parse(rest)
        } else {
            Ok((rest, pod_list(printf)))
        }
    }
}

/// One `kubelet.pod_evicted` payload per pod of an [`evicted`] payload.
pub(crate) fn split_evicted(payload: Payload) -> Vec<Payload> {
    let Some(pods) = payload.fields.get("pods").and_then(|v| v.as_array()) else {
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

/// The structured (`pods=` in any klog rendering) or JSON (`"pods":`) field `key` of
/// the whole message, as pods. Fails when the key is absent.
fn structured_pods<'a>(
    msg: &'a [u8],
    key: &'static str,
) -> impl FnMut(&'a [u8]) -> PResult<'a, Vec<Value>> {
    move |input: &'a [u8]| {
        let pods = match field(msg, key) {
            Some(FieldValue::Quoted(s) | FieldValue::Bare(s)) => pod_list(s.as_bytes()),
            Some(FieldValue::Json(v)) => pods_from_json(&v),
            None => {
                return Err(nom::Err::Error(super::text::Fail {
                    input,
                    expected: None,
                }));
            }
        };
        Ok((input, pods))
    }
}

/// JSON renderings: `["ns/a","ns/b"]`, `[{"name":..,"namespace":..}]`, `{"name":..}`, `"a_ns(uid)"`.
fn pods_from_json(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.iter().flat_map(pods_from_json).collect(),
        Value::String(s) => pod_list(s.as_bytes()),
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

/// A pod list as text, in either family of renderings: `format.Pods`
/// (`a_ns(uid), b_ns(uid)`, [`format_pods`]) when it holds a `(`, else `KObj`
/// renderings (`[ns/a ns/b]`, `["ns/a","ns/b"]`, `ns/a`, [`kobj_refs`]). A `(` cannot
/// occur in a `KObj` (names are DNS labels), so it decides alone.
pub(crate) fn pod_list(text: &[u8]) -> Vec<Value> {
    let parsed = if text.contains(&b'(') {
        format_pods(text)
    } else {
        kobj_refs(text)
    };
    match parsed {
        Ok((_, pods)) => pods,
        Err(_) => Vec::new(), // both productions end in `many0`, which cannot fail
    }
}

/// `format.Pods`: `name_ns(uid)` joined with `", "`; a quoted rendering may leave `"`
/// around. Stops at the first item that is not a pod; items without `_` are skipped.
fn format_pods(input: &[u8]) -> PResult<'_, Vec<Value>> {
    map(
        many0(preceded(
            take_while(|b: u8| b == b',' || b == b'"' || b.is_ascii_whitespace()),
            klog_pod,
        )),
        |pods| pods.into_iter().flatten().collect(),
    )
    .parse(input)
}

/// `format.Pod`: `name_namespace(uid)` → `{name, namespace, uid}`. Names and
/// namespaces cannot hold `_`, so the first `_` splits them; the name may hold
/// anything else (the seed's redacted `kube-proxy-[node IP]`). Whitespace inside the
/// parentheses is dropped (the seed has `(e134b5a2-6fc1-11e8-      b1d1-...)`).
/// `None` (still consumed) for an item without `_`.
fn klog_pod(input: &[u8]) -> PResult<'_, Option<Value>> {
    let (input, head) = take_till(|b| b == b'(' || b == b')').parse(input)?;
    let (input, _) = char('(').parse(input)?;
    let (input, uid) = take_till(|b| b == b')').parse(input)?;
    let (input, _) = char(')').parse(input)?;
    let head = head.trim_ascii();
    let uid: Vec<u8> = uid
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let pod_value = name_namespace(head).map(|(name, ns)| {
        pod(
            &lossy(name),
            Some(&lossy(ns)),
            (!uid.is_empty()).then(|| lossy(&uid)),
        )
    });
    Ok((input, pod_value))
}

/// `name_namespace` split at the first `_`.
fn name_namespace(head: &[u8]) -> Option<(&[u8], &[u8])> {
    let (ns, name) = terminated(
        take_till::<_, _, super::text::Fail<'_>>(|b| b == b'_'),
        char('_'),
    )
    .parse(head)
    .ok()?;
    Some((name, ns))
}

/// `KObj` renderings: refs separated by blanks or `,`, inside optional `[...]`, each
/// optionally quoted: `ns/name` or a bare `name` (cluster-scoped, no namespace).
fn kobj_refs(input: &[u8]) -> PResult<'_, Vec<Value>> {
    let sep = |b: u8| b.is_ascii_whitespace() || matches!(b, b',' | b'[' | b']');
    map(
        many0(preceded(take_while(sep), take_till1(sep))),
        |refs: Vec<&[u8]>| refs.into_iter().filter_map(kobj_ref).collect(),
    )
    .parse(input)
}

/// One `KObj` text: `"ns/name"` → `{name, namespace}`; `None` for a lone `""`.
fn kobj_ref(quoted: &[u8]) -> Option<Value> {
    let start = quoted.iter().position(|&b| b != b'"')?;
    let end = quoted.iter().rposition(|&b| b != b'"')?;
    let text = lossy(quoted.get(start..=end)?);
    Some(match text.split_once('/') {
        Some((ns, name)) => pod(name, Some(ns), None),
        None => pod(&text, None, None),
    })
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

    /// The exact seed lines, klog header included (`/work/shared/seed`, incident 3).
    const SEED_RANKED_FULL: &[u8] = b"I0617 03:05:13.803169    5478 eviction_manager.go:364] eviction manager: pods ranked for eviction: kube-proxy-[node IP]_kube-system(dc6bd3a06883f50ce46d35fd024f66f2), config-88df876c5-pmk67_ec-prod(e134b5a2-6fc1-11e8-      b1d1-0226410ff50c), data-services-6b4df97cdf-qz8sd_ec-prod(da14a6d4-7158-11e8-ba3c-062f143c52c6), rulescript-services-5ffdfd7f7-c5ph8_ec-prod(534a6a09-7079-11e8-ba3c-062f143c52c6), mq-services-69758bfc6d-7cn94_ec-prod(      326cedc8-70e0-11e8-ba3c-062f143c52c6), fbagent-services-67d7b788cb-pmd8d_ec-prod(a07d489a-71bc-11e8-ba3c-062f143c52c6)";

    #[test]
    fn seed_lines_with_klog_header() {
        let p = ranked(SEED_RANKED_FULL).unwrap();
        assert_eq!(p.fields["count"], json!(6));
        assert_eq!(p.fields["pods"][1]["namespace"], json!("ec-prod"));
        assert_eq!(
            p.fields["pods"][4]["uid"],
            json!("326cedc8-70e0-11e8-ba3c-062f143c52c6")
        );
        let m = must_evict(b"I0617 03:05:13.803095    5478 eviction_manager.go:346] eviction manager: must evict pod(s) to reclaim imagefs").unwrap();
        assert_eq!(m.fields["resource"], json!("imagefs"));
        let e = evicted(b"I0617 03:05:14.896640    5478 eviction_manager.go:156] eviction manager: pods kube-proxy-[node IP]_kube-system(dc6bd3a06883f50ce46d35fd024f66f2) evicted, waiting for pod to be cleaned up").unwrap();
        assert_eq!(e.fields["pods"][0]["name"], json!("kube-proxy-[node IP]"));
    }

    #[test]
    fn klog_pod_production_rest_and_value() {
        assert_eq!(
            klog_pod(
                b"config-88df876c5-pmk67_ec-prod(e134b5a2-6fc1-11e8-      b1d1-0226410ff50c), next"
            ),
            Ok((
                &b", next"[..],
                Some(
                    json!({"name": "config-88df876c5-pmk67", "namespace": "ec-prod", "uid": "e134b5a2-6fc1-11e8-b1d1-0226410ff50c"})
                )
            ))
        );
        // No `_`: consumed but not a pod.
        assert_eq!(klog_pod(b"nobody(1) x"), Ok((&b" x"[..], None)));
        assert!(klog_pod(b"no parentheses").is_err());
        let (rest, pods) = format_pods(br#""a_ns1(u1), b_ns2()" tail"#).unwrap();
        assert_eq!(rest, br#"" tail"#);
        assert_eq!(pods.len(), 2);
        assert_eq!(pods[1]["uid"], json!(null));
    }

    #[test]
    fn kobj_refs_production() {
        let (rest, pods) = kobj_refs(br#"["ns/a","ns/b"] "#).unwrap();
        assert_eq!(rest, b"] ");
        assert_eq!(
            pods,
            [
                json!({"name": "a", "namespace": "ns", "uid": null}),
                json!({"name": "b", "namespace": "ns", "uid": null})
            ]
        );
        let (_, pods) = kobj_refs(b"[kube-system/kube-proxy-x default/web-1]").unwrap();
        assert_eq!(pods[0]["namespace"], json!("kube-system"));
        let (_, pods) = kobj_refs(b"web-1").unwrap();
        assert_eq!(pods[0]["namespace"], json!(null));
        assert_eq!(pod_list(b"[]"), Vec::<Value>::new());
    }

    #[test]
    fn printf_word_and_structured_fallback() {
        assert_eq!(
            printf_word(b" imagefs. more"),
            Ok((&b" more"[..], &b"imagefs"[..]))
        );
        assert!(printf_word(br#"" resourceName="memory""#).is_err());
        assert!(printf_word(br#" {"ts":1}"#).is_err());
        assert!(printf_word(b"").is_err());
        let msg = br#""Eviction manager: attempting to reclaim" resourceName="memory""#;
        let (_, v) = structured_or_printf(msg, "resourceName")(&msg[40..]).unwrap();
        assert_eq!(v, "memory");
    }

    #[test]
    fn every_structured_pods_rendering() {
        // 1.21 `format.Pods` quoted, 1.2x `KObjs`, ~1.25 quoted `KObjSlice`, 1.27+ JSON-ish
        // `KObjSlice`, and `--logging-format=json`.
        let lines: [&[u8]; 5] = [
            br#"I0617 16:18:42.212966 1 eviction_manager.go:367] "Eviction manager: pods ranked for eviction" pods="web-1_default(1a2b), db-0_data(3c4d)""#,
            br#"I0617 16:18:42.212966 1 eviction_manager.go:367] "Eviction manager: pods ranked for eviction" pods=[default/web-1 data/db-0]"#,
            br#"I0617 16:18:42.212966 1 eviction_manager.go:367] "Eviction manager: pods ranked for eviction" pods="[default/web-1 data/db-0]""#,
            br#"I0617 16:18:42.212966 1 eviction_manager.go:367] "Eviction manager: pods ranked for eviction" pods=["default/web-1","data/db-0"]"#,
            br#"Eviction manager: pods ranked for eviction {"ts":1.0,"msg":"Eviction manager: pods ranked for eviction","pods":[{"name":"web-1","namespace":"default"},{"name":"db-0","namespace":"data"}]}"#,
        ];
        for line in lines {
            let p = ranked(line).unwrap();
            assert_eq!(p.fields["count"], json!(2), "{}", lossy(line));
            assert_eq!(p.fields["pods"][0]["name"], json!("web-1"));
            assert_eq!(p.fields["pods"][1]["namespace"], json!("data"));
        }
    }

    #[test]
    fn errors_point_at_the_failure() {
        let err = ranked_or_error(b"eviction manager: pods ranked for eviction: ").unwrap_err();
        assert_eq!(err.expected, "a non-empty pod list");
        assert_eq!(err.offset, 42);
        let msg = br#""Eviction manager: must evict pod(s) to reclaim""#;
        let err = must_evict_or_error(msg).unwrap_err();
        assert_eq!((err.offset, err.expected), (47, "a resource name"));
        let err = threshold_or_error(b"eviction manager: threshold [signal=memory.available")
            .unwrap_err();
        assert_eq!(err.expected, "a signal ended by `,` or `]`");
        assert_eq!(err.offset, 52); // the end: no `,` or `]` came
        assert!(
            evicted_or_error(b"eviction manager: pods evicted, waiting for pod to be cleaned up")
                .is_err()
        );
    }

    #[test]
    fn printf_1_14_to_1_20_forms() {
        let p = evicted(b"I0617 03:05:14.896640    5478 eviction_manager.go:581] eviction manager: pod web-1_default(0b3c5a2e-6fc1-11e8-b1d1-0226410ff50c) is evicted successfully").unwrap();
        assert_eq!(
            p.fields["pods"][0]["uid"],
            json!("0b3c5a2e-6fc1-11e8-b1d1-0226410ff50c")
        );
        let p = threshold(b"W0617 03:05:13.803095    5478 eviction_manager.go:329] eviction manager: attempting to reclaim nodefs").unwrap();
        assert_eq!(p.fields["resource"], json!("nodefs"));
        let p = threshold(b"eviction manager: thresholds - reclaim not satisfied: threshold [signal=imagefs.available] had no observation").unwrap();
        assert_eq!(p.fields["signal"], json!("imagefs.available"));
        assert!(!p.fields.contains_key("observed"));
    }
}
