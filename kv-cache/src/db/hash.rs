//! `Hash`: a map of fields to values in one of Redis 7.0's two encodings
//! (`src/t_hash.c`, the `hashType*` functions):
//!
//! - **listpack** while small: `field, value, field, value, ...` packed in
//!   one [`Listpack`] buffer, in insertion order (an update keeps its place);
//! - **hashtable** once it has more than `hash-max-listpack-entries` fields
//!   or a field or value longer than `hash-max-listpack-value` bytes: a
//!   [`Dict`] from field to value.
//!
//! ```text
//!   HSET h name ada lang rust
//!   listpack:  ┌─────────┬────────┬─────────┬─────────┐
//!              │ "name"  │ "ada"  │ "lang"  │ "rust"  │   one allocation
//!              └─────────┴────────┴─────────┴─────────┘
//!                field     value    field     value
//! ```
//!
//! Small hashes are the common case (objects of ten-odd attributes), and
//! there the listpack wins on memory by a wide margin: no per-field
//! allocation, no pointers, no hash table. Lookups scan the buffer, which
//! is fast for a few hundred bytes. The thresholds are read at the time of
//! each write, as Redis does, and a conversion is never undone.
//!
//! The listpack variant is unboxed and the table boxed, so a `Hash` is
//! just the listpack's handle: the value the keyspace points to stays small.

use super::dict::Dict;
use super::listpack::Listpack;
use super::sds::Sds;
use super::set::{random, walk};
use crate::config::Config;

/// A hash value.
#[derive(Debug)]
pub enum Hash {
    /// Fields and values alternating in one buffer, insertion order.
    Listpack(Listpack),
    /// A hash table of fields to values.
    Table(Box<Dict<Sds>>),
}

/// The conversion thresholds, read from the config at each write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `hash-max-listpack-entries`: more fields than this → hashtable.
    pub max_entries: usize,
    /// `hash-max-listpack-value`: a longer field or value → hashtable.
    pub max_value: usize,
}

impl Limits {
    /// The thresholds currently configured.
    #[inline]
    pub fn of(config: &Config) -> Limits {
        Limits {
            max_entries: config.hash_max_listpack_entries,
            max_value: config.hash_max_listpack_value,
        }
    }
}

impl Default for Hash {
    fn default() -> Self {
        Hash::Listpack(Listpack::new())
    }
}

impl Clone for Hash {
    /// A copy (`COPY`); a table is rebuilt entry by entry, as Redis's
    /// `hashTypeDup` does.
    fn clone(&self) -> Hash {
        match self {
            Hash::Listpack(lp) => Hash::Listpack(lp.clone()),
            Hash::Table(d) => {
                let mut t: Box<Dict<Sds>> = Box::default();
                walk(d, |k, v| {
                    t.insert_new(k.clone(), v.clone());
                    true
                });
                Hash::Table(t)
            }
        }
    }
}

impl PartialEq for Hash {
    /// Same fields with the same values (encodings may differ).
    fn eq(&self, other: &Hash) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut same = true;
        self.for_each_while(|f, v| {
            same = other.get(f) == Some(v);
            same
        });
        same
    }
}

impl Hash {
    /// An empty listpack-encoded hash (no allocation).
    pub const fn new() -> Hash {
        Hash::Listpack(Listpack::new())
    }

    /// The encoding name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Listpack(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    /// Number of fields (`HLEN`).
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Hash::Listpack(lp) => lp.len() / 2,
            Hash::Table(d) => d.len(),
        }
    }

    /// Whether there are no fields (the key is then deleted).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `field`. Redis: `hashTypeGetValue`.
    #[inline]
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Listpack(lp) => {
                let at = lp.find(field, 2)?;
                lp.next(at).map(|v| lp.get(v))
            }
            Hash::Table(d) => d.get(field).map(|e| &*e.value),
        }
    }

    /// Whether `field` exists (`HEXISTS`).
    #[inline]
    pub fn contains(&self, field: &[u8]) -> bool {
        match self {
            Hash::Listpack(lp) => lp.find(field, 2).is_some(),
            Hash::Table(d) => d.get(field).is_some(),
        }
    }

    // ANCHOR: set
    /// Sets `field` to `value`; returns whether the field is new.
    /// Converts to a hashtable first when either is longer than
    /// `max_value`, and after inserting when the fields outnumber
    /// `max_entries`. Redis: `hashTypeSet`.
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: Limits) -> bool {
        if let Hash::Listpack(lp) = self
            && (field.len() > lim.max_value || value.len() > lim.max_value)
        {
            *self = Hash::Table(to_table(lp));
        }
        match self {
            Hash::Listpack(lp) => {
                if let Some(at) = lp.find(field, 2)
                    && let Some(v) = lp.next(at)
                {
                    lp.replace(v, value);
                    return false;
                }
                lp.push_back(field);
                lp.push_back(value);
                if lp.len() / 2 > lim.max_entries {
                    *self = Hash::Table(to_table(lp));
                }
                true
            }
            Hash::Table(d) => match d.get_mut(field) {
                Some(e) => {
                    e.value = Sds::new(value);
                    false
                }
                None => {
                    d.insert_new(Sds::new(field), Sds::new(value));
                    true
                }
            },
        }
    }
    // ANCHOR_END: set

    /// Removes `field`; returns whether it existed. Redis: `hashTypeDelete`.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Listpack(lp) => match lp.find(field, 2) {
                Some(at) => {
                    lp.remove_range(at, 2);
                    true
                }
                None => false,
            },
            Hash::Table(d) => {
                let found = d.remove(field).is_some();
                // As Redis's `hashTypeDelete`: shrink a table emptied by deletes.
                d.shrink_if_needed();
                found
            }
        }
    }

    /// Visits `(field, value)` pairs (listpack: insertion order) until `f`
    /// returns false.
    pub fn for_each_while(&self, mut f: impl FnMut(&[u8], &[u8]) -> bool) {
        match self {
            Hash::Listpack(lp) => {
                let mut it = lp.iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    if !f(k, v) {
                        return;
                    }
                }
            }
            Hash::Table(d) => walk(d, |k, v| f(k, v)),
        }
    }

    /// Visits every `(field, value)` pair.
    #[inline]
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        self.for_each_while(|k, v| {
            f(k, v);
            true
        });
    }

    /// A random `(field, value)`, or `None` when empty (`HRANDFIELD`).
    /// Redis: `hashTypeRandomElement`.
    pub fn random(&mut self) -> Option<(&[u8], &[u8])> {
        match self {
            Hash::Listpack(lp) => {
                if lp.is_empty() {
                    return None;
                }
                let i = random::below(lp.len() / 2);
                let at = lp.seek(2 * i as isize)?;
                let v = lp.next(at)?;
                Some((lp.get(at), lp.get(v)))
            }
            Hash::Table(d) => d.fair_random_entry().map(|e| (&**e.key(), &*e.value)),
        }
    }
}

/// The pairs of `lp` in a new hash table. Redis: `hashTypeConvertListpack`.
fn to_table(lp: &Listpack) -> Box<Dict<Sds>> {
    let mut d: Box<Dict<Sds>> = Box::default();
    let mut it = lp.iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        d.insert_new(Sds::new(k), Sds::new(v));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits {
        max_entries: 3,
        max_value: 8,
    };

    fn pairs(h: &Hash) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        h.for_each(|k, v| out.push((k.to_vec(), v.to_vec())));
        out
    }

    #[test]
    fn listpack_keeps_insertion_order_and_updates_in_place() {
        let mut h = Hash::new();
        assert!(h.set(b"b", b"1", SMALL) && h.set(b"a", b"2", SMALL));
        assert!(!h.set(b"b", b"3", SMALL));
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(
            pairs(&h),
            [
                (b"b".to_vec(), b"3".to_vec()),
                (b"a".to_vec(), b"2".to_vec())
            ]
        );
        assert!(h.remove(b"b") && !h.remove(b"b"));
        assert_eq!(h.get(b"a"), Some(&b"2"[..]));
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn converts_past_either_threshold() {
        let mut h = Hash::new();
        for f in [b"a", b"b", b"c"] {
            h.set(f, b"v", SMALL);
        }
        assert_eq!(h.encoding(), "listpack");
        h.set(b"d", b"v", SMALL);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.get(b"a"), Some(&b"v"[..]));

        let mut h = Hash::new();
        h.set(b"f", b"12345678", SMALL);
        assert_eq!(h.encoding(), "listpack", "8 bytes is not more than 8");
        h.set(b"f", b"123456789", SMALL);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 1);
    }
}
