//! The sorted set type: members with scores, ordered by (score, member).
//! Redis: `src/t_zset.c`.
//!
//! Two encodings, as Redis 7.0:
//!
//! - [`SmallZSet`] (`listpack`): pairs packed in one buffer, while the set
//!   has at most `zset-max-listpack-entries` (128) members, none longer
//!   than `zset-max-listpack-value` (64 bytes);
//! - [`BigZSet`] (`skiplist`): a skiplist in an arena plus a member index.
//!
//! A set moves to the skiplist when an insert would break a limit, and
//! never moves back by itself; only the results stored by ZRANGESTORE and
//! ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE are packed again when they fit
//! ([`ZSet::fit`]), as Redis's `zsetConvertToListpackIfNeeded`.
//!
//! The rest of this module is the interface the commands use, the same
//! for both encodings: positions ([`Pos`]) that can be stepped forward
//! and back, ranks, and range searches.

pub mod big;
pub mod index;
pub mod range;
pub mod score;
pub mod skiplist;
pub mod small;

pub use big::BigZSet;
pub use range::{LexBound, LexRange, ScoreRange};
pub use small::SmallZSet;

use skiplist::NIL;
use small::Pair;

/// The size limits of the listpack encoding (from the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `zset-max-listpack-entries`.
    pub max_entries: usize,
    /// `zset-max-listpack-value`.
    pub max_value: usize,
}

/// A sorted set value.
#[derive(Debug, Clone)]
pub enum ZSet {
    /// Listpack encoding.
    Small(SmallZSet),
    /// Skiplist encoding.
    Big(Box<BigZSet>),
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::Small(SmallZSet::new())
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &ZSet) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// A position in a sorted set; valid until the set changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pos {
    /// A pair in the listpack.
    Small(Pair),
    /// A skiplist node.
    Big(u32),
}

/// ZADD's options, as Redis's `ZADD_IN_*` flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddFlags {
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update to a greater score.
    pub gt: bool,
    /// Only update to a lower score.
    pub lt: bool,
    /// Add the score to the current one.
    pub incr: bool,
}

/// What [`ZSet::add`] did (Redis's `ZADD_OUT_*` flags).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Added {
    /// A new member, with this score.
    Added(f64),
    /// An existing member's score changed to this.
    Updated(f64),
    /// An existing member kept this score (same score given).
    Same(f64),
    /// Nothing done (NX on a member, XX on a non-member, GT/LT refused).
    Nop,
    /// The increment made the score NaN; nothing done.
    Nan,
}

/// ZADD's decision for a member already present with score `cur`: the
/// new score to store, or the final outcome when nothing is stored.
fn decide(cur: f64, score: f64, flags: AddFlags) -> Result<f64, Added> {
    if flags.nx {
        return Err(Added::Nop);
    }
    let mut score = score;
    if flags.incr {
        score += cur;
        if score.is_nan() {
            return Err(Added::Nan);
        }
    }
    if (flags.lt && score >= cur) || (flags.gt && score <= cur) {
        return Err(Added::Nop);
    }
    // -0.0 == 0.0: Redis does not count that as a change either.
    if score == cur {
        return Err(Added::Same(score));
    }
    Ok(score)
}

impl ZSet {
    /// An empty set (listpack-encoded).
    pub fn new() -> ZSet {
        ZSet::default()
    }

    /// The encoding name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            ZSet::Small(_) => "listpack",
            ZSet::Big(_) => "skiplist",
        }
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            ZSet::Small(z) => z.len(),
            ZSet::Big(z) => z.len(),
        }
    }

    /// Whether there are no members.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The score of `member`.
    #[inline]
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Small(z) => z.find(member).map(|(p, _)| z.score(p)),
            ZSet::Big(z) => z.score(member),
        }
    }

    /// The 0-based rank of `member`, from the lowest score.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self {
            ZSet::Small(z) => z.find(member).map(|(_, r)| r),
            ZSet::Big(z) => z.find(member).map(|n| z.rank(n)),
        }
    }

    /// Switches to the skiplist encoding (`zsetConvert`).
    pub fn make_big(&mut self) {
        if let ZSet::Small(z) = self {
            let mut big = BigZSet::new();
            for (m, s) in z.iter() {
                big.push_back(s, m);
            }
            *self = ZSet::Big(Box::new(big));
        }
    }

    /// Packs a skiplist-encoded set into a listpack when it fits `limits`
    /// (`zsetConvertToListpackIfNeeded`, used on stored results).
    pub fn fit(&mut self, limits: Limits) {
        let ZSet::Big(z) = self else { return };
        if z.len() > limits.max_entries {
            return;
        }
        let mut small = SmallZSet::new();
        let list = z.list();
        let mut n = list.first();
        while n != NIL {
            if list.member(n).len() > limits.max_value {
                return;
            }
            small.push(list.score(n), list.member(n));
            n = list.next(n);
        }
        *self = ZSet::Small(small);
    }

    /// A set of `pairs`, already sorted by (score, member) and unique:
    /// listpack-encoded when they fit `limits`, as a stored result.
    pub fn from_sorted(pairs: &[(Vec<u8>, f64)], limits: Limits) -> ZSet {
        let fits = pairs.len() <= limits.max_entries
            && pairs.iter().all(|(m, _)| m.len() <= limits.max_value);
        if fits {
            let mut z = SmallZSet::new();
            for (m, s) in pairs {
                z.push(*s, m);
            }
            ZSet::Small(z)
        } else {
            let mut z = BigZSet::new();
            for (m, s) in pairs {
                z.push_back(*s, m);
            }
            ZSet::Big(Box::new(z))
        }
    }

    /// An empty set about to receive `len` members: a skiplist from the
    /// start when more than a listpack holds, as Redis's
    /// `zrangeResultBeginStore` picks by the result's length. It shows:
    /// a `-0` score survives in a skiplist but becomes `0` in a listpack.
    pub fn for_len(len: usize, limits: Limits) -> ZSet {
        if len > limits.max_entries {
            ZSet::Big(Box::new(BigZSet::new()))
        } else {
            ZSet::new()
        }
    }

    /// Inserts a member known to be absent, converting first if the
    /// listpack would break `limits`.
    pub fn insert_new(&mut self, score: f64, member: &[u8], limits: Limits) {
        let too_big = matches!(self, ZSet::Small(z)
            if z.len() + 1 > limits.max_entries || member.len() > limits.max_value);
        if too_big {
            self.make_big();
        }
        match self {
            ZSet::Small(z) => z.insert(score, member),
            ZSet::Big(z) => {
                z.insert(score, member);
            }
        }
    }

    /// Adds or updates `member` as ZADD does with `flags` (`zsetAdd`).
    pub fn add(&mut self, score: f64, member: &[u8], flags: AddFlags, limits: Limits) -> Added {
        match self {
            ZSet::Small(z) => {
                if let Some((p, _)) = z.find(member) {
                    return match decide(z.score(p), score, flags) {
                        Ok(new) => {
                            z.remove(p);
                            z.insert(new, member);
                            Added::Updated(new)
                        }
                        Err(out) => out,
                    };
                }
            }
            ZSet::Big(z) => {
                if let Some(n) = z.find(member) {
                    return match decide(z.list().score(n), score, flags) {
                        Ok(new) => {
                            z.set_score(n, new);
                            Added::Updated(new)
                        }
                        Err(out) => out,
                    };
                }
            }
        }
        if flags.xx {
            return Added::Nop;
        }
        self.insert_new(score, member, limits);
        Added::Added(score)
    }

    /// Removes `member`; returns whether it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            ZSet::Small(z) => match z.find(member) {
                Some((p, _)) => {
                    z.remove(p);
                    true
                }
                None => false,
            },
            ZSet::Big(z) => z.remove(member),
        }
    }

    /// Removes 0-based ranks `start..=end` (both within the set); returns
    /// how many went.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        if start > end || start >= self.len() {
            return 0;
        }
        let end = end.min(self.len() - 1);
        match self {
            ZSet::Small(z) => {
                z.remove_ranks(start, end - start + 1);
                end - start + 1
            }
            ZSet::Big(z) => z.remove_ranks(start, end),
        }
    }

    /// Removes the lowest (or, with `max`, highest) member.
    pub fn pop_discard(&mut self, max: bool) {
        match self {
            ZSet::Small(z) => {
                if let Some(p) = if max { z.last() } else { z.first() } {
                    z.remove(p);
                }
            }
            ZSet::Big(z) => {
                let list = z.list();
                let n = if max { list.last() } else { list.first() };
                if n != NIL {
                    z.remove_node(n);
                }
            }
        }
    }

    // ---- positions ------------------------------------------------------

    /// The member and score at `p`.
    #[inline]
    pub fn get(&self, p: Pos) -> (&[u8], f64) {
        match (self, p) {
            (ZSet::Small(z), Pos::Small(q)) => (z.member(q), z.score(q)),
            (ZSet::Big(z), Pos::Big(n)) => (z.list().member(n), z.list().score(n)),
            _ => (b"", 0.0),
        }
    }

    /// The position after `p` (towards higher scores), or before it with `rev`.
    #[inline]
    pub fn step(&self, p: Pos, rev: bool) -> Option<Pos> {
        match (self, p) {
            (ZSet::Small(z), Pos::Small(q)) => {
                let r = if rev { z.prev(q) } else { z.next(q) };
                r.map(Pos::Small)
            }
            (ZSet::Big(z), Pos::Big(n)) => {
                let list = z.list();
                let r = if rev { list.prev(n) } else { list.next(n) };
                (r != NIL).then_some(Pos::Big(r))
            }
            _ => None,
        }
    }

    /// The lowest (or, with `max`, highest) member's position.
    #[inline]
    pub fn end(&self, max: bool) -> Option<Pos> {
        match self {
            ZSet::Small(z) => if max { z.last() } else { z.first() }.map(Pos::Small),
            ZSet::Big(z) => {
                let list = z.list();
                let n = if max { list.last() } else { list.first() };
                (n != NIL).then_some(Pos::Big(n))
            }
        }
    }

    /// The position of 0-based rank `rank`.
    pub fn at_rank(&self, rank: usize) -> Option<Pos> {
        match self {
            ZSet::Small(z) => z.at_rank(rank).map(Pos::Small),
            ZSet::Big(z) => {
                let n = z.at_rank(rank);
                (n != NIL).then_some(Pos::Big(n))
            }
        }
    }

    /// The first member in `r`, with its rank.
    pub fn first_in_range(&self, r: &ScoreRange) -> Option<(Pos, usize)> {
        match self {
            ZSet::Small(z) => z.first_in_range(r).map(|(p, k)| (Pos::Small(p), k)),
            ZSet::Big(z) => z
                .list()
                .first_in_range(r)
                .map(|(n, k)| (Pos::Big(n), k - 1)),
        }
    }

    /// The last member in `r`, with its rank.
    pub fn last_in_range(&self, r: &ScoreRange) -> Option<(Pos, usize)> {
        match self {
            ZSet::Small(z) => z.last_in_range(r).map(|(p, k)| (Pos::Small(p), k)),
            ZSet::Big(z) => z.list().last_in_range(r).map(|(n, k)| (Pos::Big(n), k - 1)),
        }
    }

    /// The first member in lex range `r`, with its rank.
    pub fn first_in_lex_range(&self, r: &LexRange<'_>) -> Option<(Pos, usize)> {
        match self {
            ZSet::Small(z) => z.first_in_lex_range(r).map(|(p, k)| (Pos::Small(p), k)),
            ZSet::Big(z) => z
                .list()
                .first_in_lex_range(r)
                .map(|(n, k)| (Pos::Big(n), k - 1)),
        }
    }

    /// The last member in lex range `r`, with its rank.
    pub fn last_in_lex_range(&self, r: &LexRange<'_>) -> Option<(Pos, usize)> {
        match self {
            ZSet::Small(z) => z.last_in_lex_range(r).map(|(p, k)| (Pos::Small(p), k)),
            ZSet::Big(z) => z
                .list()
                .last_in_lex_range(r)
                .map(|(n, k)| (Pos::Big(n), k - 1)),
        }
    }

    /// Members and scores from the lowest score up.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            ZSet::Small(z) => Iter::Small(z.iter()),
            ZSet::Big(z) => Iter::Big {
                set: z,
                at: z.list().first(),
            },
        }
    }

    /// One ZSCAN step from `cursor`: a listpack is returned whole (cursor
    /// 0 after it), a skiplist set one home bucket of its index at a time.
    pub fn scan<'a>(&'a self, cursor: u64, mut f: impl FnMut(&'a [u8], f64)) -> u64 {
        match self {
            ZSet::Small(z) => {
                for (m, s) in z.iter() {
                    f(m, s);
                }
                0
            }
            ZSet::Big(z) => z.scan(cursor, f),
        }
    }
}

/// Iterator over a set's (member, score) pairs; see [`ZSet::iter`].
#[derive(Debug)]
pub enum Iter<'a> {
    /// Over a listpack.
    Small(small::PairIter<'a>),
    /// Over a skiplist, from node `at`.
    Big {
        /// The set.
        set: &'a BigZSet,
        /// The next node.
        at: u32,
    },
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Small(it) => it.next(),
            Iter::Big { set, at } => {
                if *at == NIL {
                    return None;
                }
                let list = set.list();
                let out = (list.member(*at), list.score(*at));
                *at = list.next(*at);
                Some(out)
            }
        }
    }
}
