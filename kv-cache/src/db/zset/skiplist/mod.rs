//! The skiplist of a large sorted set, as Redis's `zskiplist`
//! (`zslInsert`, `zslDeleteNode`, `zslGetRank`... in `src/t_zset.c`),
//! but with nodes in an arena instead of behind pointers.
//!
//! Elements are ordered by (score, member bytes). Each node has a random
//! level (p = 1/4, at most 32); at each level it links forward to the
//! next node of that level and records the *span* of that link — how many
//! level-0 steps it jumps — so summing spans along a search path gives a
//! node's rank in O(log n). Level 0 is also linked backward, for reverse
//! walks.
//!
//! Layout: nodes live in `nodes` (a `Vec`), named by `u32` indexes;
//! index 0 is the header. A node holds its member, score, backward and
//! level-0 forward link inline; its links above level 0 (a quarter of
//! nodes have any) sit in `links`, a shared pool of `Link`s where a node
//! of level L owns L-1 consecutive slots. Level 0 keeps no span: a level-0
//! link always jumps exactly one node. Freed nodes and freed link runs go
//! on free lists (one per run length) and are reused.
//!
//! A link above level 0 also caches the score and the link position of
//! the node it points to. A search compares against the cached score and
//! moves on to the target's links without reading the target node at
//! all: above level 0 a descent touches only the compact `links` pool,
//! one cache miss per step where a pointer skiplist pays one per node
//! visited. Nodes are read at level 0, and on score ties (to compare
//! members).
//!
//! A span whose link points past the last node counts the nodes left
//! after its node (Redis keeps the same invariant), so every span
//! stays non-negative through inserts and deletes.
//!
//! # Layout
//!
//! - this file: the arena, links, insert, delete, score updates, compaction;
//! - `query.rs`: ranks and the first/last node of a score or lex range;
//! - `check.rs`: the invariant checker the property tests call.

use crate::db::sds::Sds;

mod check;
mod query;

/// No node ("NULL").
pub const NIL: u32 = u32::MAX;
/// The header node's index.
const HEAD: u32 = 0;
/// Redis's `ZSKIPLIST_MAXLEVEL`.
pub const MAX_LEVEL: usize = 32;

/// A forward link above level 0.
#[derive(Debug, Clone, Copy)]
struct Link {
    /// The next node at this level, or [`NIL`]; on a free list, the next free run.
    forward: u32,
    /// Level-0 steps this link jumps.
    span: u32,
    /// The score of `forward` (a copy, so searches need not read it).
    score: f64,
    /// Where `forward`'s own links start (a copy of its `upper`).
    upper: u32,
}

impl Link {
    const NONE: Link = Link {
        forward: NIL,
        span: 0,
        score: 0.0,
        upper: NIL,
    };
}

/// Where a link leads, as a search sees it.
#[derive(Debug, Clone, Copy)]
struct Step {
    node: u32,
    upper: u32,
    score: f64,
    span: u32,
}

/// One element. 48 bytes for members up to 22 bytes (stored inline in the `Sds`).
#[derive(Debug, Clone)]
struct Node {
    member: Sds,
    score: f64,
    /// The previous node at level 0 ([`NIL`] for the first).
    backward: u32,
    /// The next node at level 0 ([`NIL`] for the last); on the free list,
    /// the next free node.
    next: u32,
    /// Where this node's links for levels 1.. start in `links`.
    upper: u32,
    /// How many levels the node has (1..=32).
    level: u8,
}

/// The skiplist. Members are unique by contract: the caller (the member
/// index next to it) checks before inserting.
#[derive(Debug, Clone)]
pub struct SkipList {
    nodes: Vec<Node>,
    links: Vec<Link>,
    /// Free nodes, chained through `next`.
    free_node: u32,
    /// Free link runs by length - 1, chained through the first link's `forward`.
    free_links: [u32; MAX_LEVEL],
    tail: u32,
    len: u32,
    /// The highest level in use (Redis `zsl->level`).
    level: u8,
    rng: u64,
}

impl Default for SkipList {
    fn default() -> Self {
        SkipList::new()
    }
}

/// A seed per skiplist, so that levels are not the same sequence in every set.
fn new_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0x2545_F491_4F6C_DD1D);
    let mut z = NEXT.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    // splitmix64 finalizer
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) | 1
}

impl SkipList {
    /// An empty skiplist: just the header, with 32 levels.
    pub fn new() -> SkipList {
        let header = Node {
            member: Sds::new(b""),
            score: 0.0,
            backward: NIL,
            next: NIL,
            upper: 0,
            level: MAX_LEVEL as u8,
        };
        SkipList {
            nodes: vec![header],
            links: vec![Link::NONE; MAX_LEVEL - 1],
            free_node: NIL,
            free_links: [NIL; MAX_LEVEL],
            tail: NIL,
            len: 0,
            level: 1,
            rng: new_seed(),
        }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes held (for memory accounting and tests).
    pub fn allocated(&self) -> usize {
        self.allocated_sampled(usize::MAX)
    }

    /// [`SkipList::allocated`] with the members' own heap bytes estimated
    /// from the first `samples` nodes (`MEMORY USAGE ... SAMPLES`).
    pub fn allocated_sampled(&self, samples: usize) -> usize {
        let arrays = self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.links.capacity() * std::mem::size_of::<Link>();
        // Node 0 is the header, with no member.
        let members = &self.nodes[1.min(self.nodes.len())..];
        let seen = members.len().min(samples);
        if seen == 0 {
            return arrays;
        }
        let sampled: usize = members[..seen].iter().map(|n| n.member.heap_size()).sum();
        if seen == members.len() {
            return arrays + sampled;
        }
        arrays + sampled / seen * members.len()
    }

    /// Slots in the arena, free ones included.
    pub fn arena_len(&self) -> usize {
        self.nodes.len()
    }

    // ---- node accessors -------------------------------------------------

    /// The member of node `x`.
    #[inline]
    pub fn member(&self, x: u32) -> &[u8] {
        &self.nodes[x as usize].member
    }

    /// The score of node `x`.
    #[inline]
    pub fn score(&self, x: u32) -> f64 {
        self.nodes[x as usize].score
    }

    /// The first node, or [`NIL`].
    #[inline]
    pub fn first(&self) -> u32 {
        self.nodes[HEAD as usize].next
    }

    /// The last node, or [`NIL`].
    #[inline]
    pub fn last(&self) -> u32 {
        self.tail
    }

    /// The node after `x`, or [`NIL`].
    #[inline]
    pub fn next(&self, x: u32) -> u32 {
        self.nodes[x as usize].next
    }

    /// The node before `x`, or [`NIL`].
    #[inline]
    pub fn prev(&self, x: u32) -> u32 {
        self.nodes[x as usize].backward
    }

    #[inline]
    fn forward(&self, x: u32, i: usize) -> u32 {
        let n = &self.nodes[x as usize];
        if i == 0 {
            n.next
        } else {
            self.links[n.upper as usize + i - 1].forward
        }
    }

    #[inline]
    fn span(&self, x: u32, i: usize) -> u32 {
        if i == 0 {
            1
        } else {
            self.links[self.nodes[x as usize].upper as usize + i - 1].span
        }
    }

    // ANCHOR: step
    /// The link of the node whose links start at `upper` at level `i`
    /// (of `node` itself at level 0), as a search sees it.
    #[inline]
    fn step(&self, node: u32, upper: u32, i: usize) -> Option<Step> {
        if i == 0 {
            let f = self.nodes[node as usize].next;
            if f == NIL {
                return None;
            }
            let n = &self.nodes[f as usize];
            Some(Step {
                node: f,
                upper: n.upper,
                score: n.score,
                span: 1,
            })
        } else {
            let l = &self.links[upper as usize + i - 1];
            if l.forward == NIL {
                return None;
            }
            Some(Step {
                node: l.forward,
                upper: l.upper,
                score: l.score,
                span: l.span,
            })
        }
    }
    // ANCHOR_END: step

    /// Points `x`'s level-`i` link at `to`, caching `to`'s score and links.
    #[inline]
    fn set_forward(&mut self, x: u32, i: usize, to: u32) {
        if i == 0 {
            self.nodes[x as usize].next = to;
        } else {
            let (score, upper) = match self.nodes.get(to as usize) {
                Some(n) if to != NIL => (n.score, n.upper),
                _ => (0.0, NIL),
            };
            let at = self.nodes[x as usize].upper as usize + i - 1;
            let l = &mut self.links[at];
            l.forward = to;
            l.score = score;
            l.upper = upper;
        }
    }

    /// Sets a span; level 0 has none (it is always one step).
    #[inline]
    fn set_span(&mut self, x: u32, i: usize, span: u32) {
        if i > 0 {
            let at = self.nodes[x as usize].upper as usize + i - 1;
            self.links[at].span = span;
        }
    }

    /// Whether node `x` sorts before (score, member).
    #[inline]
    fn before(&self, x: u32, score: f64, member: &[u8]) -> bool {
        let n = &self.nodes[x as usize];
        n.score < score || (n.score == score && *n.member < *member)
    }

    /// Whether the target of `s` sorts before (score, member), reading
    /// the node only on a score tie.
    #[inline]
    fn step_before(&self, s: &Step, score: f64, member: &[u8]) -> bool {
        s.score < score || (s.score == score && *self.nodes[s.node as usize].member < *member)
    }

    // ---- allocation -----------------------------------------------------

    fn next_random(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A random level, 1 with probability 3/4, 2 with 3/16...: each pair
    /// of random bits that is `00` (p = 1/4) adds a level (`zslRandomLevel`).
    fn random_level(&mut self) -> usize {
        let r = self.next_random();
        (1 + r.trailing_zeros() as usize / 2).min(MAX_LEVEL)
    }

    /// A run of `n` links, reused from the free list when possible.
    fn alloc_links(&mut self, n: usize) -> u32 {
        let head = self.free_links[n - 1];
        if head != NIL {
            self.free_links[n - 1] = self.links[head as usize].forward;
            return head;
        }
        let at = self.links.len() as u32;
        self.links.extend(std::iter::repeat_n(Link::NONE, n));
        at
    }

    fn alloc_node(&mut self, member: Sds, score: f64, level: usize) -> u32 {
        let upper = if level > 1 {
            self.alloc_links(level - 1)
        } else {
            NIL
        };
        let node = Node {
            member,
            score,
            backward: NIL,
            next: NIL,
            upper,
            level: level as u8,
        };
        if self.free_node != NIL {
            let x = self.free_node;
            self.free_node = self.nodes[x as usize].next;
            self.nodes[x as usize] = node;
            x
        } else {
            self.nodes.push(node);
            (self.nodes.len() - 1) as u32
        }
    }

    /// Returns node `x`'s slots to the free lists; gives back its member.
    fn free_node(&mut self, x: u32) -> Sds {
        let n = &mut self.nodes[x as usize];
        let member = std::mem::replace(&mut n.member, Sds::new(b""));
        let (level, upper) = (n.level as usize, n.upper);
        n.next = self.free_node;
        n.upper = NIL;
        self.free_node = x;
        if level > 1 {
            self.links[upper as usize].forward = self.free_links[level - 2];
            self.free_links[level - 2] = upper;
        }
        member
    }

    // ---- insert and delete ----------------------------------------------

    /// Where (score, member) goes: the last node before it at each level,
    /// and that node's rank.
    fn search(&self, score: f64, member: &[u8]) -> ([u32; MAX_LEVEL], [u32; MAX_LEVEL]) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let (mut x, mut up) = (HEAD, self.nodes[HEAD as usize].upper);
        let top = self.level as usize;
        for i in (0..top).rev() {
            rank[i] = if i + 1 == top { 0 } else { rank[i + 1] };
            while let Some(s) = self.step(x, up, i) {
                if !self.step_before(&s, score, member) {
                    break;
                }
                rank[i] += s.span;
                (x, up) = (s.node, s.upper);
            }
            update[i] = x;
        }
        (update, rank)
    }

    /// Links the allocated node `x` in at its place (`zslInsert` after the
    /// allocation).
    fn link(&mut self, x: u32) {
        let level = self.nodes[x as usize].level as usize;
        let (mut update, mut rank) = {
            let n = &self.nodes[x as usize];
            self.search(n.score, &n.member)
        };
        if level > self.level as usize {
            for i in self.level as usize..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.set_span(HEAD, i, self.len);
            }
            self.level = level as u8;
        }
        for i in 0..level {
            let after = self.forward(update[i], i);
            self.set_forward(x, i, after);
            self.set_forward(update[i], i, x);
            let jumped = rank[0] - rank[i];
            let span = self.span(update[i], i);
            self.set_span(x, i, span - jumped);
            self.set_span(update[i], i, jumped + 1);
        }
        for (i, &u) in update
            .iter()
            .enumerate()
            .take(self.level as usize)
            .skip(level.max(1))
        {
            let s = self.span(u, i);
            self.set_span(u, i, s + 1);
        }
        let back = if update[0] == HEAD { NIL } else { update[0] };
        self.nodes[x as usize].backward = back;
        let after = self.nodes[x as usize].next;
        if after != NIL {
            self.nodes[after as usize].backward = x;
        } else {
            self.tail = x;
        }
        self.len += 1;
    }

    /// Inserts a member that is not present; returns its node.
    pub fn insert(&mut self, score: f64, member: &[u8]) -> u32 {
        let level = self.random_level();
        let x = self.alloc_node(Sds::new(member), score, level);
        self.link(x);
        x
    }

    /// Unlinks `x` given the search path to it (`zslDeleteNode`).
    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level as usize) {
            if self.forward(u, i) == x {
                let s = self.span(u, i) + self.span(x, i) - 1;
                self.set_span(u, i, s);
                let f = self.forward(x, i);
                self.set_forward(u, i, f);
            } else {
                let s = self.span(u, i);
                self.set_span(u, i, s.saturating_sub(1));
            }
        }
        let (back, after) = {
            let n = &self.nodes[x as usize];
            (n.backward, n.next)
        };
        if after != NIL {
            self.nodes[after as usize].backward = back;
        } else {
            self.tail = back;
        }
        while self.level > 1 && self.forward(HEAD, self.level as usize - 1) == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    fn unlink_found(&mut self, x: u32) {
        let (update, _) = {
            let n = &self.nodes[x as usize];
            self.search(n.score, &n.member)
        };
        self.unlink(x, &update);
    }

    /// Removes node `x`; returns its member and score.
    pub fn remove(&mut self, x: u32) -> (Sds, f64) {
        self.unlink_found(x);
        let score = self.nodes[x as usize].score;
        (self.free_node(x), score)
    }

    /// Changes the score of node `x`, moving it if its place changes
    /// (`zslUpdateScore`). The node keeps its index.
    pub fn update_score(&mut self, x: u32, score: f64) {
        let (back, after) = (self.prev(x), self.next(x));
        let stays = (back == NIL || self.score(back) < score)
            && (after == NIL || self.score(after) > score);
        if stays {
            // In place; the links pointing at `x` cache its score.
            let level = self.nodes[x as usize].level as usize;
            if level > 1 {
                let (update, _) = {
                    let n = &self.nodes[x as usize];
                    self.search(n.score, &n.member)
                };
                for (i, &u) in update.iter().enumerate().take(level).skip(1) {
                    let at = self.nodes[u as usize].upper as usize + i - 1;
                    self.links[at].score = score;
                }
            }
            self.nodes[x as usize].score = score;
            return;
        }
        self.unlink_found(x);
        self.nodes[x as usize].score = score;
        self.link(x);
    }

    /// Removes the nodes of 1-based ranks `start..=end`, calling `gone` on
    /// each before it is freed (`zslDeleteRangeByRank`). Returns how many.
    pub fn remove_rank_range(
        &mut self,
        start: usize,
        end: usize,
        mut gone: impl FnMut(u32, &[u8]),
    ) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut traversed = 0usize;
        let (mut x, mut up) = (HEAD, self.nodes[HEAD as usize].upper);
        for i in (0..self.level as usize).rev() {
            while let Some(s) = self.step(x, up, i) {
                if traversed + s.span as usize >= start {
                    break;
                }
                traversed += s.span as usize;
                (x, up) = (s.node, s.upper);
            }
            update[i] = x;
        }
        traversed += 1;
        x = self.forward(x, 0);
        let mut removed = 0;
        while x != NIL && traversed <= end {
            let after = self.next(x);
            self.unlink(x, &update);
            gone(x, &self.nodes[x as usize].member);
            self.free_node(x);
            removed += 1;
            traversed += 1;
            x = after;
        }
        removed
    }

    /// Rebuilds the arena without free slots, keeping every node's level;
    /// returns the new number of each old node ([`NIL`] for free ones).
    /// One pass: each node is appended to the lanes it is tall enough for.
    pub fn compact(&mut self) -> Vec<u32> {
        let mut fresh = SkipList::new();
        fresh.rng = self.rng;
        fresh.nodes.reserve_exact(self.len());
        let mut remap = vec![NIL; self.nodes.len()];
        let mut last = [HEAD; MAX_LEVEL];
        let mut last_rank = [0u32; MAX_LEVEL];
        let mut rank = 0u32;
        let mut x = self.first();
        while x != NIL {
            rank += 1;
            let level = self.nodes[x as usize].level as usize;
            let member = std::mem::replace(&mut self.nodes[x as usize].member, Sds::new(b""));
            let n = fresh.alloc_node(member, self.nodes[x as usize].score, level);
            fresh.nodes[n as usize].backward = if rank == 1 { NIL } else { last[0] };
            for i in 0..level {
                fresh.set_forward(last[i], i, n);
                fresh.set_span(last[i], i, rank - last_rank[i]);
                last[i] = n;
                last_rank[i] = rank;
            }
            fresh.level = fresh.level.max(level as u8);
            remap[x as usize] = n;
            x = self.nodes[x as usize].next;
        }
        // Lane ends count the nodes after them.
        for i in 1..fresh.level as usize {
            fresh.set_span(last[i], i, rank - last_rank[i]);
        }
        fresh.tail = if rank == 0 { NIL } else { last[0] };
        fresh.len = rank;
        *self = fresh;
        remap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes the notes and the memory comparison rely on.
    #[test]
    fn node_and_link_sizes() {
        assert_eq!(std::mem::size_of::<Node>(), 48);
        assert_eq!(std::mem::size_of::<Link>(), 24);
    }
}
