//! `Dict`: a chained hash table with incremental rehashing, as Redis's
//! `src/dict.c`.
//!
//! ```text
//!   ht0 (old, being emptied)          ht1 (new, twice the size)
//!   +---+                              +---+
//!   | 0 | -> (moved: empty)            | 0 | -> [k3] -> [k9]
//!   | 1 | -> (moved: empty)            | 1 |
//!   | 2 | <- rehash_idx                | 2 | -> [k1]
//!   | 3 | -> [k4] -> [k7]              | 3 |
//!   +---+                              | 4 | -> [k5]
//!                                      |...|
//! ```
//!
//! A hash table that doubles all at once stalls the server for as long as
//! it takes to move every key — seconds for tens of millions. Redis instead
//! keeps both tables while growing: every lookup, insert and delete first
//! moves one bucket from `ht0` to `ht1` (`_dictRehashStep`), and the server
//! cron moves more for up to a millisecond (`dictRehashMilliseconds`). New
//! keys go to `ht1`; lookups try `ht0` then `ht1`. When `ht0` is empty, `ht1`
//! becomes `ht0`. We do exactly this.
//!
//! Rejected: `std::collections::HashMap`. It is faster per operation but
//! resizes all at once, and it cannot give SCAN's guarantee: SCAN needs to
//! walk buckets by a cursor that stays meaningful across resizes, which
//! requires control over the bucket layout (see [`Dict::scan`]).

use std::hash::BuildHasher;

use super::sds::Sds;

/// Redis's `DICT_HT_INITIAL_SIZE`.
const INITIAL_SIZE: usize = 4;
/// Shrink when fewer than 1/`MIN_FILL` of the buckets are used (Redis `HASHTABLE_MIN_FILL`).
const MIN_FILL: usize = 10;

/// One key and its value, chained in a bucket. Redis: `dictEntry`.
#[derive(Debug)]
pub struct Entry<V> {
    /// Next entry of the same bucket.
    next: Option<Box<Entry<V>>>,
    /// The key.
    key: Sds,
    /// The value.
    pub value: V,
}

impl<V> Entry<V> {
    /// The entry's key.
    pub fn key(&self) -> &Sds {
        &self.key
    }

    /// Sets the key's 24-bit header ([`Sds::set_meta`]): the keyspace keeps
    /// each key's access clock there.
    #[inline]
    pub fn set_key_meta(&mut self, v: u32) {
        self.key.set_meta(v);
    }
}

type Bucket<V> = Option<Box<Entry<V>>>;

/// One of the two tables. Redis: `dictht` (fields of `dict` in Redis 7).
#[derive(Debug)]
struct Table<V> {
    /// Power-of-two many buckets (or none before the first insert).
    buckets: Vec<Bucket<V>>,
    /// Entries stored in this table.
    used: usize,
}

impl<V> Table<V> {
    fn empty() -> Table<V> {
        Table {
            buckets: Vec::new(),
            used: 0,
        }
    }

    fn with_size(size: usize) -> Table<V> {
        let mut buckets = Vec::with_capacity(size);
        buckets.resize_with(size, || None);
        Table { buckets, used: 0 }
    }

    #[inline]
    fn mask(&self) -> u64 {
        (self.buckets.len() as u64).wrapping_sub(1)
    }
}

/// A hash table from binary keys to `V`, rehashed incrementally.
/// Mirrors Redis's `dict`.
#[derive(Debug)]
pub struct Dict<V> {
    /// The main table; the old one while a rehash runs.
    ht0: Table<V>,
    /// The new table while a rehash runs; empty otherwise.
    ht1: Table<V>,
    /// Next `ht0` bucket to move, while rehashing (Redis `rehashidx`, -1 = none).
    rehash_idx: Option<usize>,
    /// Per-dict hash seed, so that bucket order differs between processes.
    seed: u64,
    /// State of the xorshift generator behind [`Dict::random_key`].
    rng: u64,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Dict::new()
    }
}

/// The hash of a key under `seed`: a multiply-fold over 8-byte words
/// (the folded-multiply idea of wyhash/foldhash). Redis uses SipHash, which
/// resists hash flooding; ours is faster and seeded per process, which is
/// the same trade-off std's `RandomState` rejected — noted in the book.
#[inline]
pub fn hash_bytes(seed: u64, b: &[u8]) -> u64 {
    const K1: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xD6E8_FEB8_6659_FD93;
    #[inline(always)]
    fn fold(a: u64, b: u64) -> u64 {
        let p = (a as u128).wrapping_mul(b as u128);
        (p as u64) ^ ((p >> 64) as u64)
    }
    let mut h = seed ^ (b.len() as u64).wrapping_mul(K1);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = fold(h ^ w, K2);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = fold(h ^ u64::from_le_bytes(w), K2);
    }
    fold(h, K1)
}

/// The next output of the splitmix64 generator whose state is `state`.
/// Not for secrets.
#[inline]
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl<V> Dict<V> {
    /// An empty dict with a random seed.
    pub fn new() -> Dict<V> {
        let seed = std::collections::hash_map::RandomState::new().hash_one(0x6b76u64);
        Dict::with_seed(seed)
    }

    /// An empty dict with a fixed seed (tests want reproducible layouts).
    pub fn with_seed(seed: u64) -> Dict<V> {
        Dict {
            ht0: Table::empty(),
            ht1: Table::empty(),
            rehash_idx: None,
            seed,
            rng: seed | 1,
        }
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.ht0.used + self.ht1.used
    }

    /// Whether the dict is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a rehash is in progress.
    pub fn is_rehashing(&self) -> bool {
        self.rehash_idx.is_some()
    }

    /// Bucket counts of both tables (for tests and `DEBUG`-style introspection).
    pub fn sizes(&self) -> (usize, usize) {
        (self.ht0.buckets.len(), self.ht1.buckets.len())
    }

    /// Approximate bytes held by the tables and entries (for `MEMORY`-like reports).
    pub fn overhead_bytes(&self) -> usize {
        (self.ht0.buckets.len() + self.ht1.buckets.len()) * size_of::<Bucket<V>>()
            + self.len() * size_of::<Entry<V>>()
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        hash_bytes(self.seed, key)
    }

    /// Moves up to `n` buckets from `ht0` to `ht1`, visiting at most `10 * n`
    /// empty buckets (so one step stays cheap even in a sparse table).
    /// Returns whether the rehash still has work. Redis: `dictRehash`.
    // ANCHOR: rehash
    pub fn rehash(&mut self, n: usize) -> bool {
        let Some(mut idx) = self.rehash_idx else {
            return false;
        };
        let mut empty_visits = n * 10;
        for _ in 0..n {
            if self.ht0.used == 0 {
                break;
            }
            while idx < self.ht0.buckets.len() && self.ht0.buckets[idx].is_none() {
                idx += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    self.rehash_idx = Some(idx);
                    return true;
                }
            }
            if idx >= self.ht0.buckets.len() {
                break;
            }
            let mut chain = self.ht0.buckets[idx].take();
            let mask1 = self.ht1.mask();
            while let Some(mut e) = chain {
                chain = e.next.take();
                let b = (hash_bytes(self.seed, &e.key) & mask1) as usize;
                e.next = self.ht1.buckets[b].take();
                self.ht1.buckets[b] = Some(e);
                self.ht0.used -= 1;
                self.ht1.used += 1;
            }
            idx += 1;
        }
        if self.ht0.used == 0 {
            self.ht0 = std::mem::replace(&mut self.ht1, Table::empty());
            self.rehash_idx = None;
            return false;
        }
        self.rehash_idx = Some(idx);
        true
    }
    // ANCHOR_END: rehash

    /// Rehashes in steps of 100 buckets until `budget` has passed.
    /// Redis: `dictRehashMilliseconds`, called from the server cron.
    pub fn rehash_for(&mut self, budget: std::time::Duration) -> usize {
        let start = std::time::Instant::now();
        let mut steps = 0;
        while self.rehash(100) {
            steps += 100;
            if start.elapsed() >= budget {
                break;
            }
        }
        steps
    }

    /// One bucket of rehash work, done by every operation (`_dictRehashStep`).
    #[inline]
    fn rehash_step(&mut self) {
        if self.rehash_idx.is_some() {
            self.rehash(1);
        }
    }

    /// Starts a resize to the smallest power of two holding `size` entries.
    fn resize_to(&mut self, size: usize) {
        let size = size.max(INITIAL_SIZE).next_power_of_two();
        if self.is_rehashing() || size == self.ht0.buckets.len() {
            return;
        }
        if self.ht0.buckets.is_empty() {
            self.ht0 = Table::with_size(size);
            return;
        }
        self.ht1 = Table::with_size(size);
        self.rehash_idx = Some(0);
    }

    /// Grows when entries reach the bucket count (load factor 1), as
    /// Redis's `_dictExpandIfNeeded` does while no child process is saving.
    #[inline]
    fn expand_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        if self.ht0.buckets.is_empty() {
            self.resize_to(INITIAL_SIZE);
        } else if self.ht0.used >= self.ht0.buckets.len() {
            self.resize_to(self.ht0.used + 1);
        }
    }

    /// Shrinks a table that fell below 10% use (Redis `htNeedsResize` +
    /// `dictResize`, run from the cron). Returns whether a resize started.
    pub fn shrink_if_needed(&mut self) -> bool {
        let size = self.ht0.buckets.len();
        if self.is_rehashing() || size <= INITIAL_SIZE || self.len() * MIN_FILL >= size {
            return false;
        }
        self.resize_to(self.len());
        true
    }

    /// The entry for `key`.
    pub fn get(&self, key: &[u8]) -> Option<&Entry<V>> {
        if self.is_empty() {
            return None;
        }
        let h = self.hash(key);
        find_in(&self.ht0.buckets[(h & self.ht0.mask()) as usize], key).or_else(|| {
            if self.is_rehashing() {
                find_in(&self.ht1.buckets[(h & self.ht1.mask()) as usize], key)
            } else {
                None
            }
        })
    }

    /// The entry for `key`, mutable; does one rehash step (`dictFind`).
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Entry<V>> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let h = self.hash(key);
        let rehashing = self.is_rehashing();
        let i0 = (h & self.ht0.mask()) as usize;
        if let Some(e) = find_in_mut(&mut self.ht0.buckets[i0], key) {
            return Some(e);
        }
        if rehashing {
            let i1 = (h & self.ht1.mask()) as usize;
            return find_in_mut(&mut self.ht1.buckets[i1], key);
        }
        None
    }

    /// Inserts `key`, which the caller knows is absent (`dictAdd` after a
    /// failed lookup), and returns its entry.
    pub fn insert_new(&mut self, key: Sds, value: V) -> &mut Entry<V> {
        self.expand_if_needed();
        self.rehash_step();
        let h = self.hash(&key);
        // While rehashing, new keys go to the new table, so ht0 only shrinks.
        let t = if self.is_rehashing() {
            &mut self.ht1
        } else {
            &mut self.ht0
        };
        let b = (h & t.mask()) as usize;
        let next = t.buckets[b].take();
        t.used += 1;
        t.buckets[b].insert(Box::new(Entry { next, key, value }))
    }

    /// Sets `key` to `value`, returning the previous value if there was one.
    pub fn insert(&mut self, key: &[u8], value: V) -> Option<V> {
        if let Some(e) = self.get_mut(key) {
            return Some(std::mem::replace(&mut e.value, value));
        }
        self.insert_new(Sds::new(key), value);
        None
    }

    /// Removes `key`, returning its entry (`dictUnlink`).
    pub fn remove(&mut self, key: &[u8]) -> Option<(Sds, V)> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let h = self.hash(key);
        let i0 = (h & self.ht0.mask()) as usize;
        if let Some(e) = unlink(&mut self.ht0.buckets[i0], key) {
            self.ht0.used -= 1;
            return Some((e.key, e.value));
        }
        if self.is_rehashing() {
            let i1 = (h & self.ht1.mask()) as usize;
            if let Some(e) = unlink(&mut self.ht1.buckets[i1], key) {
                self.ht1.used -= 1;
                return Some((e.key, e.value));
            }
        }
        None
    }

    /// Removes everything (`dictEmpty`).
    pub fn clear(&mut self) {
        *self = Dict::with_seed(self.seed);
    }

    fn next_random(&mut self) -> u64 {
        // splitmix64: every output bit depends on every bit of the state,
        // and consecutive outputs are unrelated. The fair pick below draws
        // a slot and then an acceptance from two outputs in a row; with
        // xorshift64 the low bits of the second are a fixed function of the
        // first's low bits, so a lone entry in some slots could never be
        // accepted and SPOP spun forever. Not for secrets.
        splitmix64(&mut self.rng)
    }

    /// Bucket `h` of the two tables seen as one array (`ht0`, then `ht1`).
    fn slot(&self, h: usize) -> Option<&Entry<V>> {
        let s0 = self.ht0.buckets.len();
        match self.ht0.buckets.get(h) {
            Some(b) => b.as_deref(),
            None => self.ht1.buckets[h - s0].as_deref(),
        }
    }

    /// The length of the chain in slot `h`.
    fn chain_len(&self, h: usize) -> usize {
        std::iter::successors(self.slot(h), |e| e.next.as_deref()).count()
    }

    /// A random slot index, skipping the old table's buckets below the
    /// rehash index (they are empty).
    fn random_slot(&mut self) -> usize {
        let (s0, s1) = self.sizes();
        let from = self.rehash_idx.unwrap_or(0);
        from + self.next_random() as usize % (s0 + s1 - from)
    }

    /// A random entry of the chain in slot `h`, which has `len` entries.
    fn pick_in_chain(&mut self, h: usize, len: usize) -> Option<&Entry<V>> {
        let pick = self.next_random() as usize % len;
        std::iter::successors(self.slot(h), |e| e.next.as_deref()).nth(pick)
    }

    /// A random entry: a random non-empty bucket, then a random element of
    /// its chain. Redis: `dictGetRandomKey` (also slightly unfair to keys in
    /// long chains, as Redis's is).
    pub fn random_entry(&mut self) -> Option<&Entry<V>> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let h = loop {
            let h = self.random_slot();
            if self.slot(h).is_some() {
                break h;
            }
        };
        let len = self.chain_len(h);
        self.pick_in_chain(h, len)
    }

    /// Visits up to `count` entries found by walking consecutive buckets
    /// from a random one (wrapping), looking at no more than `10 * count`
    /// buckets, and returns how many it visited. Redis: `dictGetSomeKeys`,
    /// which eviction samples with: entries close together in the table
    /// come out together, which is random enough for picking candidates
    /// and far cheaper than `count` independent picks.
    pub fn sample(&mut self, count: usize, mut f: impl FnMut(&Entry<V>)) -> usize {
        let count = count.min(self.len());
        if count == 0 {
            return 0;
        }
        self.rehash_step();
        let (s0, s1) = self.sizes();
        let from = self.rehash_idx.unwrap_or(0);
        let span = s0 + s1 - from;
        let mut h = self.random_slot() - from;
        let mut seen = 0;
        for _ in 0..span.min(count.saturating_mul(10)) {
            let mut cur = self.slot(from + h);
            while let Some(e) = cur {
                f(e);
                seen += 1;
                if seen == count {
                    return seen;
                }
                cur = e.next.as_deref();
            }
            h = (h + 1) % span;
        }
        seen
    }

    /// A uniformly random entry. [`Dict::random_entry`] (Redis's
    /// `dictGetRandomKey`) picks a bucket, then an element of its chain,
    /// which favours keys alone in their bucket: a key sharing its bucket
    /// with two others comes out a third as often. Redis's fairer
    /// `dictGetFairRandomKey` (one of 15 entries read from a run of
    /// buckets) is still far from uniform: on 50 members, 10,000 of its
    /// draws score a chi-square of 300 to 600 where a uniform draw scores
    /// about 49. Here a bucket is drawn, then accepted with probability
    /// `chain length / CHAIN_BOUND`, then one of its entries: every entry
    /// in a chain up to that bound has the same chance, `1 / (slots *
    /// CHAIN_BOUND)` per try (rejection sampling). A longer chain, which a
    /// good hash makes vanishingly rare, is accepted outright.
    ///
    /// Tries cost a random number and a chain walk; they take `slots *
    /// CHAIN_BOUND / len` on average: 8 at a load factor of 1, and at most
    /// 80 at 0.1, below which the table shrinks. Used by SRANDMEMBER, SPOP,
    /// HRANDFIELD and RANDOMKEY.
    // ANCHOR: fair
    pub fn fair_random_entry(&mut self) -> Option<&Entry<V>> {
        const CHAIN_BOUND: usize = 8;
        if self.is_empty() {
            return None;
        }
        // Past this many refusals any non-empty slot is taken, as
        // `random_entry` takes it: a bound on the work of one pick whatever
        // the generator does (80 tries are expected at the sparsest).
        const MAX_TRIES: u32 = 1 << 16;
        self.rehash_step();
        let mut tries = 0;
        let (h, len) = loop {
            let h = self.random_slot();
            let len = self.chain_len(h);
            tries += 1;
            let accept = len >= CHAIN_BOUND
                || tries > MAX_TRIES
                || (self.next_random() as usize % CHAIN_BOUND) < len;
            if len > 0 && accept {
                break (h, len);
            }
        };
        self.pick_in_chain(h, len)
    }
    // ANCHOR_END: fair

    /// Visits the bucket(s) at `cursor` and returns the next cursor; 0 means
    /// the iteration is over. Redis: `dictScan`.
    ///
    /// The cursor counts with its bits reversed: the high bits of the bucket
    /// index advance first. After a table of size 8 (mask `0b111`) visited
    /// buckets 0, 4, 2, 6 (`000 100 010 110`), growing to 16 splits each of
    /// them into `x` and `x|8`; both halves are below the cursor in reversed
    /// order, so nothing is visited twice and nothing is missed. Shrinking
    /// merges buckets, which may return some keys again, never skip one.
    /// While rehashing, the small table's bucket is visited together with all
    /// the large table's buckets that expand from it.
    // ANCHOR: scan
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&Entry<V>)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor;
        let visit = |t: &Table<V>, v: u64, f: &mut dyn FnMut(&Entry<V>)| {
            let mut cur = t.buckets[(v & t.mask()) as usize].as_deref();
            while let Some(e) = cur {
                f(e);
                cur = e.next.as_deref();
            }
        };
        if !self.is_rehashing() {
            let m0 = self.ht0.mask();
            visit(&self.ht0, v, &mut f);
            return next_cursor(v, m0);
        }
        let (small, large) = if self.ht0.buckets.len() <= self.ht1.buckets.len() {
            (&self.ht0, &self.ht1)
        } else {
            (&self.ht1, &self.ht0)
        };
        let (m0, m1) = (small.mask(), large.mask());
        visit(small, v, &mut f);
        loop {
            visit(large, v, &mut f);
            v = next_cursor(v, m1);
            if v & (m0 ^ m1) == 0 {
                return v;
            }
        }
    }
    // ANCHOR_END: scan
}

// ANCHOR: next_cursor
/// Increments the reversed bits of `v` under `mask`.
#[inline]
fn next_cursor(v: u64, mask: u64) -> u64 {
    let v = v | !mask;
    (v.reverse_bits().wrapping_add(1)).reverse_bits()
}
// ANCHOR_END: next_cursor

fn find_in<'a, V>(bucket: &'a Bucket<V>, key: &[u8]) -> Option<&'a Entry<V>> {
    let mut cur = bucket.as_deref();
    while let Some(e) = cur {
        if *e.key == *key {
            return Some(e);
        }
        cur = e.next.as_deref();
    }
    None
}

fn find_in_mut<'a, V>(bucket: &'a mut Bucket<V>, key: &[u8]) -> Option<&'a mut Entry<V>> {
    let mut cur = bucket.as_deref_mut();
    while let Some(e) = cur {
        if *e.key == *key {
            return Some(e);
        }
        cur = e.next.as_deref_mut();
    }
    None
}

fn unlink<V>(bucket: &mut Bucket<V>, key: &[u8]) -> Option<Box<Entry<V>>> {
    let mut link = bucket;
    while link.as_ref().is_some_and(|e| *e.key != *key) {
        link = &mut link.as_mut()?.next;
    }
    let mut e = link.take()?;
    *link = e.next.take();
    Some(e)
}

#[cfg(test)]
mod tests {

    /// The lone entry left in every possible slot of a big table (no
    /// shrink in between) is found: the fair pick must not depend on a
    /// correlation between the slot drawn and the acceptance drawn after it.
    #[test]
    fn a_lone_entry_is_found_in_any_slot() {
        for keep in 0..64u32 {
            let mut d: Dict<()> = Dict::with_seed(7);
            for i in 0..4096u32 {
                d.insert(&i.to_be_bytes(), ());
            }
            while d.rehash(100) {}
            for i in (0..4096u32).filter(|&i| i != keep) {
                d.remove(&i.to_be_bytes());
            }
            assert_eq!(d.len(), 1);
            let found = d.fair_random_entry().map(|e| e.key().to_vec());
            assert_eq!(found, Some(keep.to_be_bytes().to_vec()), "key {keep}");
        }
    }

    use super::*;
    use std::collections::HashSet;

    fn key(i: usize) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    #[test]
    fn insert_get_remove_across_rehash() {
        let mut d = Dict::with_seed(2);
        for i in 0..1000 {
            d.insert(&key(i), i);
        }
        assert_eq!(d.len(), 1000);
        for i in 0..1000 {
            assert_eq!(d.get(&key(i)).map(|e| e.value), Some(i));
        }
        for i in (0..1000).step_by(2) {
            assert_eq!(d.remove(&key(i)).map(|(_, v)| v), Some(i));
        }
        assert_eq!(d.len(), 500);
        assert!(d.get(&key(0)).is_none());
        assert_eq!(d.get_mut(&key(1)).map(|e| e.value), Some(1));
    }

    #[test]
    fn rehash_is_incremental_and_finishes() {
        let mut d = Dict::with_seed(3);
        for i in 0..64 {
            d.insert(&key(i), i);
        }
        while d.rehash(1) {}
        assert_eq!(d.sizes(), (64, 0));
        d.insert(&key(64), 64); // 65 > 64 buckets: starts growing to 128
        assert!(d.is_rehashing());
        assert_eq!(d.sizes(), (64, 128));
        for i in 0..65 {
            assert_eq!(
                d.get(&key(i)).map(|e| e.value),
                Some(i),
                "mid-rehash lookup"
            );
        }
        while d.rehash(1) {}
        assert_eq!(d.sizes(), (128, 0));
        for i in 5..65 {
            d.remove(&key(i));
        }
        assert!(d.shrink_if_needed());
        while d.rehash(1) {}
        assert_eq!(d.sizes(), (8, 0));
        assert_eq!(d.len(), 5);
    }

    fn scan_all(
        d: &mut Dict<usize>,
        between: &mut dyn FnMut(&mut Dict<usize>, usize),
    ) -> Vec<usize> {
        let mut seen = Vec::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = d.scan(cursor, |e| seen.push(e.value));
            calls += 1;
            between(d, calls);
            if cursor == 0 {
                return seen;
            }
        }
    }

    #[test]
    fn scan_returns_every_key_once_when_stable() {
        let mut d = Dict::with_seed(4);
        for i in 0..500 {
            d.insert(&key(i), i);
        }
        while d.rehash(1) {}
        let seen = scan_all(&mut d, &mut |_, _| {});
        assert_eq!(seen.len(), 500);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 500);
    }

    #[test]
    fn scan_guarantee_holds_across_growth_and_shrink() {
        // Keys 0..300 stay for the whole scan; others come and go, forcing
        // the table to grow (and rehash mid-scan) and then shrink.
        let mut d = Dict::with_seed(5);
        for i in 0..300 {
            d.insert(&key(i), i);
        }
        let seen = scan_all(&mut d, &mut |d, call| {
            if call < 20 {
                for j in 0..100 {
                    d.insert(&key(10_000 + call * 100 + j), 0);
                }
            } else if call < 40 {
                for j in 0..100 {
                    d.remove(&key(10_000 + (call - 20) * 100 + j));
                }
                d.shrink_if_needed();
            }
            d.rehash(2);
        });
        let seen: HashSet<usize> = seen.into_iter().collect();
        for i in 0..300 {
            assert!(seen.contains(&i), "key {i} missed by SCAN");
        }
    }

    #[test]
    fn random_entry_reaches_every_key() {
        let mut d = Dict::with_seed(6);
        for i in 0..20 {
            d.insert(&key(i), i);
        }
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            seen.insert(d.random_entry().map(|e| e.value));
        }
        assert_eq!(seen.len(), 20);
    }

    #[test]
    fn fair_random_entry_is_uniform_also_while_rehashing() {
        let mut d = Dict::with_seed(7);
        for i in 0..50 {
            d.insert(&key(i), i);
        }
        for rehashing in [false, true] {
            if rehashing {
                // Grow past the next doubling and stop mid-rehash.
                for i in 50..70 {
                    d.insert(&key(i), i);
                }
                for i in 50..70 {
                    d.remove(&key(i));
                }
                assert!(d.is_rehashing());
            }
            let mut counts = [0u32; 50];
            for _ in 0..10_000 {
                let v = d.fair_random_entry().map(|e| e.value).expect("not empty");
                counts[v] += 1;
            }
            let chi: f64 = counts
                .iter()
                .map(|&c| (f64::from(c) - 200.0).powi(2) / 200.0)
                .sum();
            // 49 degrees of freedom: above 103 with probability ~1e-5.
            assert!(chi < 103.0, "rehashing {rehashing}: chi-square {chi}");
        }
    }
}
