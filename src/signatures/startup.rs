//! The components a `[startup]` table may name, and the events that mark their starts.
//!
//! One table, shared by every signature: a signature says *which* start-up phase to
//! discount (`component = ["kubelet"]`), this module says how a start shows in the
//! logs. Starts come from real start lines, recognised as `service.started` events
//! (see `events/service.rs`), plus kinds that only a start prints: the kubelet's
//! `FLAG:` dump (`kubelet.flag`) and the kernel's boot banner (`kernel.version`).

use crate::events::Kind;
use crate::signatures::Marker;
use crate::signatures::condition::{Condition, FieldPath, Filter, Scalar, Test};

/// Component names, in documentation order.
pub const COMPONENTS: &[&str] = &[
    "kubelet",
    "containerd",
    "dockerd",
    "crio",
    "calico-node",
    "node",
];

/// The markers of one component's start, or `None` for an unknown name.
pub fn markers(component: &str) -> Option<Vec<Marker>> {
    if !COMPONENTS.contains(&component) {
        return None;
    }
    let mut out = vec![Marker {
        kinds: vec![Kind::ServiceStarted],
        filter: component_is(component),
    }];
    let implied = match component {
        // The kubelet dumps its flags once, at start.
        "kubelet" => Some(Kind::KubeletFlag),
        // A boot banner starts the whole node.
        "node" => Some(Kind::KernelVersion),
        _ => None,
    };
    if let Some(kind) = implied {
        out.push(Marker {
            kinds: vec![kind],
            filter: Filter::default(),
        });
    }
    Some(out)
}

fn component_is(component: &str) -> Filter {
    Filter {
        all: FieldPath::parse("component")
            .map(|path| Condition {
                path,
                tests: vec![Test::Eq(Scalar::Str(component.to_string()))],
                exists: None,
            })
            .into_iter()
            .collect(),
        any_of: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Fields;

    #[test]
    fn every_component_has_markers_and_unknown_names_have_none() {
        for c in COMPONENTS {
            let m = markers(c).unwrap();
            assert_eq!(m[0].kinds, vec![Kind::ServiceStarted]);
            let mut fields = Fields::new();
            fields.insert("component", *c);
            assert!(m[0].filter.matches(&fields));
            fields.insert("component", "other");
            assert!(!m[0].filter.matches(&fields));
        }
        assert_eq!(
            markers("kubelet").unwrap()[1].kinds,
            vec![Kind::KubeletFlag]
        );
        assert_eq!(markers("node").unwrap()[1].kinds, vec![Kind::KernelVersion]);
        assert!(markers("kube-proxy").is_none());
    }
}
