//! An event's kernel uptime in eight bytes: `Option<u64>` takes sixteen, and a busy
//! node's events number in the hundreds of thousands (issue 13).

use serde::{Deserialize, Serialize};

/// Kernel uptime in microseconds, or none. An uptime of `u64::MAX` µs (584,000 years)
/// cannot be told from none and reads as none.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct Uptime(u64);

impl Uptime {
    /// No uptime on the line.
    pub const NONE: Uptime = Uptime(u64::MAX);

    /// The uptime, if any.
    pub fn get(self) -> Option<u64> {
        (self.0 != u64::MAX).then_some(self.0)
    }

    /// Whether there is none.
    pub fn is_none(&self) -> bool {
        self.0 == u64::MAX
    }
}

impl Default for Uptime {
    fn default() -> Uptime {
        Uptime::NONE
    }
}

impl From<Option<u64>> for Uptime {
    fn from(us: Option<u64>) -> Uptime {
        us.map_or(Uptime::NONE, Uptime)
    }
}

impl std::fmt::Debug for Uptime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.get(), f)
    }
}

impl Serialize for Uptime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Uptime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Uptime, D::Error> {
        Option::<u64>::deserialize(d).map(Uptime::from)
    }
}

#[cfg(test)]
mod tests {
    use super::Uptime;

    #[test]
    fn reads_back_and_serializes_as_an_option() {
        for us in [None, Some(0), Some(88_820_247_535)] {
            let up = Uptime::from(us);
            assert_eq!(up.get(), us);
            assert_eq!(up.is_none(), us.is_none());
            let json = serde_json::to_string(&up).unwrap();
            assert_eq!(json, serde_json::to_string(&us).unwrap());
            assert_eq!(serde_json::from_str::<Uptime>(&json).unwrap(), up);
        }
        assert_eq!(std::mem::size_of::<Uptime>(), 8);
    }
}
