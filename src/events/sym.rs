//! Interned names: node names, source paths, custom kind names and field names recur
//! on every event, so each distinct string is stored once for the whole process and
//! events carry a copyable reference to it.
//!
//! Interned strings are never freed: they are names (a few thousand at most, even for
//! a fleet), not message text.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

/// An interned string: equal names share one allocation, so comparing two is a
/// pointer comparison and copying one copies a pointer.
/// A thin pointer (one word): events carry several.
#[derive(Copy, Clone)]
pub struct Sym(&'static String);

fn table() -> &'static Mutex<HashMap<&'static str, &'static String>> {
    static TABLE: OnceLock<Mutex<HashMap<&'static str, &'static String>>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

impl Sym {
    /// The interned copy of `name` (stored on first use).
    pub fn new(name: &str) -> Sym {
        // A poisoned lock only means another thread panicked while inserting; the
        // set itself is still consistent.
        let mut table = table().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&known) = table.get(name) {
            return Sym(known);
        }
        let stored: &'static String = Box::leak(Box::new(name.to_owned()));
        table.insert(stored.as_str(), stored);
        Sym(stored)
    }

    /// The name; `'static` because interned names live for the whole run.
    pub fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
}

impl Default for Sym {
    fn default() -> Sym {
        Sym::new("")
    }
}

impl Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl std::borrow::Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl PartialEq for Sym {
    fn eq(&self, other: &Sym) -> bool {
        // Interned: one address per distinct string.
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Sym {}

impl Hash for Sym {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes, so that `Borrow<str>` lookups work.
        self.0.as_str().hash(state);
    }
}

impl PartialOrd for Sym {
    fn partial_cmp(&self, other: &Sym) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Sym {
    /// By content, never by address: output order must not depend on interning order.
    fn cmp(&self, other: &Sym) -> std::cmp::Ordering {
        if self == other {
            return std::cmp::Ordering::Equal;
        }
        self.0.as_str().cmp(other.0.as_str())
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        self.0.as_str() == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        self.0.as_str() == *other
    }
}

impl PartialEq<String> for Sym {
    fn eq(&self, other: &String) -> bool {
        self.0.as_str() == other.as_str()
    }
}

impl PartialEq<Sym> for &str {
    fn eq(&self, other: &Sym) -> bool {
        *self == other.0.as_str()
    }
}

impl PartialEq<Sym> for String {
    fn eq(&self, other: &Sym) -> bool {
        self.as_str() == other.0.as_str()
    }
}

impl From<&str> for Sym {
    fn from(name: &str) -> Sym {
        Sym::new(name)
    }
}

impl From<&String> for Sym {
    fn from(name: &String) -> Sym {
        Sym::new(name)
    }
}

impl From<String> for Sym {
    fn from(name: String) -> Sym {
        Sym::new(&name)
    }
}

impl From<Sym> for String {
    fn from(sym: Sym) -> String {
        sym.0.clone()
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Sym {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Sym {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Sym, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(Sym::new(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::Sym;

    #[test]
    fn equal_names_share_one_copy_and_order_by_content() {
        let a = Sym::new("node-b");
        let b = Sym::new(&String::from("node-b"));
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        // Interned later, ordered first: order is by content.
        let z = Sym::new("node-z");
        let early = Sym::new("node-0-interned-late");
        assert!(early < a && a < z);
        assert_eq!(a, "node-b");
    }
}
