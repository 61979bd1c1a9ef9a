//! The skiplist form of a sorted set: a [`SkipList`] for order and ranks
//! plus a [`MemberIndex`] for member lookups — Redis's `zset` struct
//! (`zsl` + `dict`, `src/server.h`). The member bytes are stored once, in
//! the skiplist node; the index holds node numbers.

use super::index::MemberIndex;
use super::skiplist::SkipList;
use crate::db::dict::hash_bytes;
use crate::db::sds::Sds;

/// The process-wide seed of member hashes.
fn seed() -> u64 {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        t ^ (std::process::id() as u64).rotate_left(32) ^ 0x5bd1_e995_9e37_79b9
    })
}

#[inline]
fn hash(member: &[u8]) -> u64 {
    hash_bytes(seed(), member)
}

/// A skiplist-encoded sorted set.
#[derive(Debug, Clone, Default)]
pub struct BigZSet {
    list: SkipList,
    index: MemberIndex,
}

impl BigZSet {
    /// An empty set.
    pub fn new() -> BigZSet {
        BigZSet::default()
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The skiplist, for walks and ranks.
    #[inline]
    pub fn list(&self) -> &SkipList {
        &self.list
    }

    /// The member index (for tests and memory figures).
    pub fn index(&self) -> &MemberIndex {
        &self.index
    }

    /// The node of `member`.
    #[inline]
    pub fn find(&self, member: &[u8]) -> Option<u32> {
        let list = &self.list;
        self.index.find(hash(member), |n| list.member(n) == member)
    }

    /// The score of `member`.
    #[inline]
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|n| self.list.score(n))
    }

    /// Inserts a member that is not present; returns its node.
    pub fn insert(&mut self, score: f64, member: &[u8]) -> u32 {
        let n = self.list.insert(score, member);
        self.index.insert(hash(member), n);
        n
    }

    /// Changes the score of node `n`.
    pub fn set_score(&mut self, n: u32, score: f64) {
        self.list.update_score(n, score);
    }

    /// Removes node `n`; returns its member and score.
    pub fn remove_node(&mut self, n: u32) -> (Sds, f64) {
        let (member, score) = self.list.remove(n);
        self.index.remove(hash(&member), n);
        self.compact_if_sparse();
        (member, score)
    }

    /// Removes `member`; returns whether it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.find(member) {
            Some(n) => {
                self.remove_node(n);
                true
            }
            None => false,
        }
    }

    /// Removes 0-based ranks `start..=end`; returns how many went.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        let index = &mut self.index;
        let n = self
            .list
            .remove_rank_range(start + 1, end + 1, |node, member| {
                index.remove(hash(member), node);
            });
        self.compact_if_sparse();
        n
    }

    /// The 0-based rank of node `n`.
    #[inline]
    pub fn rank(&self, n: u32) -> usize {
        self.list.rank(n) - 1
    }

    /// The node of 0-based rank `rank`, or [`NIL`](super::skiplist::NIL).
    #[inline]
    pub fn at_rank(&self, rank: usize) -> u32 {
        self.list.by_rank(rank + 1)
    }

    /// Rebuilds the arena when most of it is free slots, so memory
    /// follows the set down after mass deletions (node numbers change;
    /// the index is updated).
    fn compact_if_sparse(&mut self) {
        let slots = self.list.arena_len();
        if slots < 1024 || self.len() * 4 > slots {
            return;
        }
        // O(n): nodes are copied in order and linked lane by lane; the
        // index keeps its hashes and only has its node numbers rewritten.
        let remap = self.list.compact();
        self.index.renumber(|old| remap[old as usize]);
    }

    /// Appends a member known to sort after all present ones (building a
    /// set from sorted input).
    pub fn push_back(&mut self, score: f64, member: &[u8]) {
        self.insert(score, member);
    }

    /// Visits the members whose home bucket is at `cursor` (ZSCAN);
    /// returns the next cursor.
    pub fn scan<'a>(&'a self, cursor: u64, mut f: impl FnMut(&'a [u8], f64)) -> u64 {
        let list = &self.list;
        self.index
            .scan(cursor, |n| f(list.member(n), list.score(n)))
    }

    /// Heap bytes held.
    pub fn allocated(&self) -> usize {
        self.allocated_sampled(usize::MAX)
    }

    /// Heap bytes held, the members' own estimated from `samples` of them.
    pub fn allocated_sampled(&self, samples: usize) -> usize {
        self.list.allocated_sampled(samples) + self.index.capacity() * 8
    }
}
