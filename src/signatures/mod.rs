//! Root-cause signatures: declarative files in `patterns/` (embedded at build time,
//! overlaid by `--patterns DIR`), deserialized strictly (`raw`), then checked and
//! compiled (`compile`). Signatures never see bytes: they match [`Event`](crate::Event)s.

use serde::{Deserialize, Serialize};

/// Incident severity, ordered from least to most severe.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Degraded service likely.
    Medium,
    /// Node or workload failure.
    High,
    /// Outage.
    Critical,
}

impl Severity {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}
