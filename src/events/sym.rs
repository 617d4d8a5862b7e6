//! Interned names: node names, source paths, custom kind names and field names recur
//! on every event, so each distinct string is stored once for the whole process and
//! events carry its four-byte number.
//!
//! Interned strings are never freed: they are names (a few thousand at most, even for
//! a fleet), not message text.

use rustc_hash::FxHashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

/// An interned string: equal names share one allocation and one number, so comparing
/// two is a number comparison and copying one copies four bytes (events carry several).
#[derive(Copy, Clone)]
pub struct Sym(u32);

/// Slots of the first block of [`Names`]; block `k` holds `FIRST << k`.
const FIRST: usize = 64;
/// Blocks: together they number more names than a `u32` can.
const BLOCKS: usize = 27;

/// Every interned name by number. Reading never locks: a name's slot is written once,
/// before its number is handed out, in blocks that are never moved or freed.
struct Names {
    blocks: [OnceLock<Box<[OnceLock<&'static str>]>>; BLOCKS],
    /// Numbers by name; held while a name is added, so each gets one number.
    numbers: Mutex<FxHashMap<&'static str, u32>>,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| Names {
        blocks: std::array::from_fn(|_| OnceLock::new()),
        numbers: Mutex::new(FxHashMap::default()),
    })
}

/// Block and slot of number `n`.
fn place(n: u32) -> (usize, usize) {
    let n = n as usize;
    let block = ((n / FIRST) + 1).ilog2() as usize;
    (block, n - FIRST * ((1 << block) - 1))
}

impl Names {
    fn slot(&self, n: u32) -> Option<&OnceLock<&'static str>> {
        let (block, slot) = place(n);
        self.blocks.get(block)?.get()?.get(slot)
    }
}

impl Sym {
    /// The interned copy of `name` (stored on first use).
    pub fn new(name: &str) -> Sym {
        let all = names();
        // A poisoned lock only means another thread panicked while inserting; the
        // set itself is still consistent.
        let mut numbers = all.numbers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&n) = numbers.get(name) {
            return Sym(n);
        }
        // Past four billion names (never: names are hosts, paths and kinds) the
        // last number is reused rather than failing.
        let n = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
        let stored: &'static str = Box::leak(name.to_owned().into_boxed_str());
        let (block, slot) = place(n);
        if let Some(cells) = all.blocks.get(block) {
            let cells =
                cells.get_or_init(|| (0..FIRST << block).map(|_| OnceLock::new()).collect());
            if let Some(cell) = cells.get(slot) {
                let _ = cell.set(stored);
            }
        }
        numbers.insert(stored, n);
        Sym(n)
    }

    /// The name; `'static` because interned names live for the whole run.
    pub fn as_str(&self) -> &'static str {
        names()
            .slot(self.0)
            .and_then(|cell| cell.get().copied())
            .unwrap_or("")
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
        self.as_str()
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Sym {
    fn eq(&self, other: &Sym) -> bool {
        // Interned: one number per distinct string.
        self.0 == other.0
    }
}

impl Eq for Sym {}

impl Hash for Sym {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes, so that `Borrow<str>` lookups work.
        self.as_str().hash(state);
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
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Sym {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Sym> for &str {
    fn eq(&self, other: &Sym) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Sym> for String {
    fn eq(&self, other: &Sym) -> bool {
        self.as_str() == other.as_str()
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
        sym.as_str().to_string()
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Sym {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
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

    #[test]
    fn names_across_many_blocks_read_back() {
        let syms: Vec<(String, Sym)> = (0..5000)
            .map(|i| {
                let name = format!("sym-test-{i}");
                let sym = Sym::new(&name);
                (name, sym)
            })
            .collect();
        for (name, sym) in &syms {
            assert_eq!(sym.as_str(), name);
            assert_eq!(Sym::new(name), *sym);
        }
        assert_eq!(super::place(0), (0, 0));
        assert_eq!(super::place(63), (0, 63));
        assert_eq!(super::place(64), (1, 0));
        assert_eq!(super::place(191), (1, 127));
        assert_eq!(super::place(192), (2, 0));
        assert_eq!(super::place(u32::MAX).0, 26);
    }
}
