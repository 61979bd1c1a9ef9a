//! The member → node map of a large sorted set: Redis's `zset->dict`
//! (`src/t_zset.c`), which makes ZSCORE O(1), rebuilt to cost 8 bytes a
//! slot and to keep no copy of the member.
//!
//! An open-addressing table with linear probing. A slot packs the low 32
//! bits of the member's hash with the node's index in the skiplist arena;
//! the member bytes themselves stay in the node, read through the `eq`
//! callback only when the 32 hash bits match. Storing those bits means a
//! resize never re-reads the members, and most mismatches are rejected
//! without touching the node.
//!
//! Deletion shifts later entries of the probe run back into the hole
//! (no tombstones), so a lookup stops at the first empty slot.
//!
//! ZSCAN walks *home buckets* (the slot a hash maps to) in Redis's
//! reverse-binary cursor order: the entries with home `b` all lie in the
//! run of occupied slots starting at `b`, and a resize maps home `b` to
//! homes `b` and `b | old_size` exactly as a chained table's buckets
//! split — so SCAN's guarantee (every member present throughout is
//! returned) carries over from `dict.c`.

/// An empty slot.
const EMPTY: u64 = u64::MAX;
/// Smallest table.
const MIN_SLOTS: usize = 8;

/// Hash → node index table. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct MemberIndex {
    /// `hash32 << 32 | node`, or [`EMPTY`]; a power of two long (or empty).
    slots: Vec<u64>,
    len: usize,
}

#[inline]
fn pack(hash: u32, node: u32) -> u64 {
    (hash as u64) << 32 | node as u64
}

#[inline]
fn node_of(slot: u64) -> u32 {
    slot as u32
}

#[inline]
fn hash_of(slot: u64) -> u32 {
    (slot >> 32) as u32
}

/// Increments the reversed bits of `v` under `mask` (`dictScan`'s step).
#[inline]
fn next_cursor(v: u64, mask: u64) -> u64 {
    let v = v | !mask;
    v.reverse_bits().wrapping_add(1).reverse_bits()
}

impl MemberIndex {
    /// Entries stored.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots allocated.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The node whose member hashes to `hash` and satisfies `eq`.
    #[inline]
    pub fn find(&self, hash: u64, eq: impl Fn(u32) -> bool) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let h = hash as u32;
        let mask = self.mask();
        let mut i = h as usize & mask;
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                return None;
            }
            if hash_of(s) == h && eq(node_of(s)) {
                return Some(node_of(s));
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `node` under `hash` (the caller knows its member is absent).
    pub fn insert(&mut self, hash: u64, node: u32) {
        // Grow at 3/4 full: linear probing degrades quickly beyond.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.resize((self.slots.len() * 2).max(MIN_SLOTS));
        }
        self.put(pack(hash as u32, node));
        self.len += 1;
    }

    fn put(&mut self, slot: u64) {
        let mask = self.mask();
        let mut i = hash_of(slot) as usize & mask;
        while self.slots[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    /// Removes `node`, stored under `hash`. Returns whether it was there.
    pub fn remove(&mut self, hash: u64, node: u32) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let mask = self.mask();
        let want = pack(hash as u32, node);
        let mut hole = hash as u32 as usize & mask;
        loop {
            let s = self.slots[hole];
            if s == EMPTY {
                return false;
            }
            if s == want {
                break;
            }
            hole = (hole + 1) & mask;
        }
        // Backward shift: move each later entry of the run into the hole
        // unless its home lies cyclically in (hole, j], where it must stay.
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let s = self.slots[j];
            if s == EMPTY {
                break;
            }
            let home = hash_of(s) as usize & mask;
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                self.slots[hole] = s;
                hole = j;
            }
        }
        self.slots[hole] = EMPTY;
        self.len -= 1;
        // Shrink when under 1/8 full, as Redis shrinks a dict under 10%.
        if self.slots.len() > MIN_SLOTS && self.len * 8 < self.slots.len() {
            let size = (self.len * 2).next_power_of_two().max(MIN_SLOTS);
            self.resize(size);
        }
        true
    }

    /// Rewrites every node number through `f` (after the arena is compacted).
    pub fn renumber(&mut self, f: impl Fn(u32) -> u32) {
        for s in self.slots.iter_mut().filter(|s| **s != EMPTY) {
            *s = pack(hash_of(*s), f(node_of(*s)));
        }
    }

    fn resize(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; size]);
        for s in old {
            if s != EMPTY {
                self.put(s);
            }
        }
    }

    /// Empties the table, keeping room for `n` entries.
    pub fn reset_for(&mut self, n: usize) {
        let size = if n == 0 {
            0
        } else {
            (n * 4 / 3 + 1).next_power_of_two().max(MIN_SLOTS)
        };
        self.slots = vec![EMPTY; size];
        self.len = 0;
    }

    /// Visits the entries whose home is the bucket at `cursor`; returns
    /// the next cursor, 0 when done (`dictScan` on a table without a
    /// rehash in progress).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(u32)) -> u64 {
        if self.len == 0 {
            return 0;
        }
        let mask = self.mask();
        let home = cursor as usize & mask;
        let mut i = home;
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                break;
            }
            if hash_of(s) as usize & mask == home {
                f(node_of(s));
            }
            i = (i + 1) & mask;
            if i == home {
                break;
            }
        }
        next_cursor(cursor, mask as u64)
    }

    /// Every node, in slot order.
    pub fn nodes(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots
            .iter()
            .filter(|s| **s != EMPTY)
            .map(|s| node_of(*s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// Inserts and removes agree with a HashMap, through growth,
        /// backward shifts and shrinking (few hash bits force collisions).
        #[test]
        fn behaves_like_a_map(ops in prop::collection::vec((any::<bool>(), 0u32..64), 0..400)) {
            let mut idx = MemberIndex::default();
            let mut model: HashMap<u32, u64> = HashMap::new();
            let hash = |k: u32| (k as u64 % 13) * 0x1000_0001;
            for (add, k) in ops {
                if add && !model.contains_key(&k) {
                    idx.insert(hash(k), k);
                    model.insert(k, hash(k));
                } else if !add {
                    prop_assert_eq!(idx.remove(hash(k), k), model.remove(&k).is_some());
                }
                prop_assert_eq!(idx.len(), model.len());
                for k in 0..64u32 {
                    let found = idx.find(hash(k), |n| n == k);
                    prop_assert_eq!(found.is_some(), model.contains_key(&k));
                }
            }
            let mut seen = Vec::new();
            let mut cursor = 0;
            loop {
                cursor = idx.scan(cursor, |n| seen.push(n));
                if cursor == 0 { break; }
            }
            seen.sort_unstable();
            let mut want: Vec<u32> = model.keys().copied().collect();
            want.sort_unstable();
            prop_assert_eq!(seen, want);
        }
    }
}
