//! `Set`: an unordered set of byte strings in one of Redis 7.0's two
//! encodings (`src/t_set.c`, the `setType*` functions):
//!
//! - **intset** while every member is a canonical 64-bit integer (Redis's
//!   `string2ll` rules: no `+`, no leading zero, no `-0`) and there are at
//!   most `set-max-intset-entries` of them: a sorted array ([`IntSet`]),
//!   so iteration is ascending — `SMEMBERS` of `{3, 1, 2}` replies `1 2 3`;
//! - **hashtable** otherwise: a [`Dict`] with unit values.
//!
//! A set starts as an intset when its first member is an integer
//! (`setTypeCreate`), and converts — once, never back — when a
//! non-integer arrives or it grows past the threshold. Redis 7.0 has no
//! listpack encoding for sets (7.2 added one); neither do we.
//!
//! [`random`] is the generator SPOP/SRANDMEMBER/HRANDFIELD draw from;
//! [`walk`] visits every entry of a [`Dict`] (hashes use it too).

pub mod random;

use super::dict::Dict;
use super::intset::IntSet;
use super::sds::Sds;
use crate::protocol::parse_i64;
use crate::protocol::reply::fmt_i64;

/// A set value.
#[derive(Debug)]
pub enum Set {
    /// All members are integers, few enough: sorted, compact.
    Ints(IntSet),
    /// Any members: a hash table of them (boxed, so a small set stays small).
    Table(Box<Dict<()>>),
}

/// A member as a set hands it out: intset members are integers, and are
/// only formatted when written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    /// An intset member.
    Int(i64),
    /// A hashtable member.
    Str(&'a [u8]),
}

impl Member<'_> {
    /// Calls `f` with the member's bytes (an integer formatted on the stack).
    #[inline]
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Member::Int(n) => {
                let mut tmp = [0u8; 20];
                f(fmt_i64(n, &mut tmp))
            }
            Member::Str(s) => f(s),
        }
    }

    /// The member as an owned string.
    pub fn to_sds(self) -> Sds {
        self.with_bytes(Sds::new)
    }
}

/// Visits every entry of `d` until `f` returns false. The dict must not
/// change meanwhile (it cannot: `d` is borrowed), so each entry is seen
/// exactly once.
pub fn walk<V>(d: &Dict<V>, mut f: impl FnMut(&Sds, &V) -> bool) {
    let mut more = true;
    let mut cursor = 0;
    loop {
        cursor = d.scan(cursor, |e| {
            if more {
                more = f(e.key(), &e.value);
            }
        });
        if cursor == 0 || !more {
            return;
        }
    }
}

impl Default for Set {
    fn default() -> Self {
        Set::Ints(IntSet::new())
    }
}

impl Clone for Set {
    /// A copy (`COPY`); a table is rebuilt entry by entry, as Redis's
    /// `setTypeDup` does.
    fn clone(&self) -> Set {
        match self {
            Set::Ints(s) => Set::Ints(s.clone()),
            Set::Table(d) => {
                let mut t: Box<Dict<()>> = Box::default();
                walk(d, |k, _| {
                    t.insert_new(k.clone(), ());
                    true
                });
                Set::Table(t)
            }
        }
    }
}

impl PartialEq for Set {
    /// Same members (encodings may differ).
    fn eq(&self, other: &Set) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut same = true;
        self.for_each_while(|m| {
            same = other.contains_member(m);
            same
        });
        same
    }
}

impl Set {
    /// An empty set for `first`, the member about to be added: an intset
    /// if it is an integer, else a hashtable. Redis: `setTypeCreate`.
    pub fn new_for(first: &[u8]) -> Set {
        if parse_i64(first).is_some() {
            Set::Ints(IntSet::new())
        } else {
            Set::Table(Box::default())
        }
    }

    /// The encoding name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }

    /// Number of members (`SCARD`).
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Set::Ints(s) => s.len(),
            Set::Table(d) => d.len(),
        }
    }

    /// Whether the set is empty (the key is then deleted).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `m` is a member. Redis: `setTypeIsMember`.
    #[inline]
    pub fn contains(&self, m: &[u8]) -> bool {
        match self {
            Set::Ints(s) => parse_i64(m).is_some_and(|v| s.contains(v)),
            Set::Table(d) => d.get(m).is_some(),
        }
    }

    /// Whether `m`, as handed out by another set, is a member.
    #[inline]
    pub fn contains_member(&self, m: Member<'_>) -> bool {
        match (self, m) {
            (Set::Ints(s), Member::Int(v)) => s.contains(v),
            _ => m.with_bytes(|b| self.contains(b)),
        }
    }

    /// Adds `m`; returns whether it was new. Converts to a hashtable
    /// first for a non-integer, or after the add when the intset outgrew
    /// `max_intset` (`set-max-intset-entries`). Redis: `setTypeAdd`.
    pub fn add(&mut self, m: &[u8], max_intset: usize) -> bool {
        match self {
            Set::Ints(s) => match parse_i64(m) {
                Some(v) => self.add_int(v, max_intset),
                None => {
                    let t = to_table(s);
                    *self = Set::Table(t);
                    self.add(m, max_intset)
                }
            },
            Set::Table(d) => {
                if d.get(m).is_some() {
                    return false;
                }
                d.insert_new(Sds::new(m), ());
                true
            }
        }
    }

    /// Adds the integer `v` (no formatting when the set is an intset).
    pub fn add_int(&mut self, v: i64, max_intset: usize) -> bool {
        match self {
            Set::Ints(s) => {
                if !s.insert(v) {
                    return false;
                }
                if s.len() > max_intset {
                    let t = to_table(s);
                    *self = Set::Table(t);
                }
                true
            }
            Set::Table(_) => {
                let mut tmp = [0u8; 20];
                self.add(fmt_i64(v, &mut tmp), max_intset)
            }
        }
    }

    /// Adds a member handed out by another set.
    #[inline]
    pub fn add_member(&mut self, m: Member<'_>, max_intset: usize) -> bool {
        match m {
            Member::Int(v) => self.add_int(v, max_intset),
            Member::Str(s) => self.add(s, max_intset),
        }
    }

    /// Removes `m`; returns whether it was there. Redis: `setTypeRemove`.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            Set::Ints(s) => parse_i64(m).is_some_and(|v| s.remove(v)),
            Set::Table(d) => {
                let found = d.remove(m).is_some();
                // A table emptied by removals shrinks, as Redis's
                // `setTypeRemove` does: random picks probe buckets, and
                // must not wander through a mostly empty table.
                d.shrink_if_needed();
                found
            }
        }
    }

    /// Visits the members (intset: ascending) until `f` returns false.
    pub fn for_each_while(&self, mut f: impl FnMut(Member<'_>) -> bool) {
        match self {
            Set::Ints(s) => {
                for v in s.iter() {
                    if !f(Member::Int(v)) {
                        return;
                    }
                }
            }
            Set::Table(d) => walk(d, |k, _| f(Member::Str(k))),
        }
    }

    /// Visits every member (intset: ascending).
    #[inline]
    pub fn for_each(&self, mut f: impl FnMut(Member<'_>)) {
        self.for_each_while(|m| {
            f(m);
            true
        });
    }

    /// A random member, left in place (`SRANDMEMBER`). Redis:
    /// `setTypeRandomElement`.
    pub fn random(&mut self) -> Option<Member<'_>> {
        match self {
            Set::Ints(s) if s.is_empty() => None,
            Set::Ints(s) => s.get(random::below(s.len())).map(Member::Int),
            Set::Table(d) => d.fair_random_entry().map(|e| Member::Str(e.key())),
        }
    }

    /// Removes and returns a random member (`SPOP`).
    pub fn pop_random(&mut self) -> Option<Sds> {
        match self {
            Set::Ints(s) if s.is_empty() => None,
            Set::Ints(s) => {
                let i = random::below(s.len());
                s.remove_at(i).map(|v| Member::Int(v).to_sds())
            }
            Set::Table(d) => {
                let k = d.fair_random_entry()?.key().clone();
                let popped = d.remove(&k).map(|(k, _)| k);
                d.shrink_if_needed();
                popped
            }
        }
    }
}

/// The members of `s` in a new hash table. Redis: `setTypeConvert`.
fn to_table(s: &IntSet) -> Box<Dict<()>> {
    let mut d: Box<Dict<()>> = Box::default();
    let mut tmp = [0u8; 20];
    for v in s.iter() {
        d.insert_new(Sds::new(fmt_i64(v, &mut tmp)), ());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_stay_an_intset_until_a_string_or_the_threshold() {
        let mut s = Set::new_for(b"3");
        assert!(s.add(b"3", 3) && s.add(b"1", 3) && !s.add(b"1", 3));
        assert_eq!(s.encoding(), "intset");
        for not_canonical in [&b"01"[..], b"+1", b"-0", b" 1", b"1.0"] {
            assert!(!s.contains(not_canonical));
        }
        let mut order = Vec::new();
        s.for_each(|m| order.push(m.to_sds().to_vec()));
        assert_eq!(order, [b"1".to_vec(), b"3".to_vec()]);
        assert!(s.add(b"2", 3));
        assert_eq!(s.encoding(), "intset");
        assert!(
            s.add(b"4", 3),
            "a fourth member passes set-max-intset-entries 3"
        );
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"4") && s.contains(b"1") && !s.contains(b"5"));
        let mut t = Set::new_for(b"1");
        t.add(b"1", 512);
        t.add(b"x", 512);
        assert_eq!(t.encoding(), "hashtable");
        assert!(t.contains(b"1") && t.contains(b"x"));
    }

    #[test]
    fn pop_random_empties_either_encoding() {
        for first in [&b"7"[..], b"a"] {
            let mut s = Set::new_for(first);
            for i in 0..20 {
                s.add(format!("{i}").as_bytes(), 512);
            }
            s.add(first, 512);
            let n = s.len();
            let mut popped = std::collections::HashSet::new();
            while let Some(m) = s.pop_random() {
                popped.insert(m.to_vec());
            }
            assert_eq!(popped.len(), n);
            assert!(s.is_empty());
        }
    }
}
