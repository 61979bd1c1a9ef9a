//! The list type: a quicklist, a deque of [`Listpack`] nodes. Redis:
//! `src/quicklist.c` (and `src/t_list.c`'s `listType*` helpers).
//!
//! A list of separately allocated elements pays a pointer pair and an
//! allocation per element; one big listpack pays an O(n) memmove per push
//! at the head and per delete. A quicklist is the middle road: elements
//! live packed in listpacks of bounded size, and the listpacks form a
//! sequence. A push touches one small node; an index walks the nodes by
//! their counts and then one node's entries.
//!
//! ```text
//!   List { len: 7, fill: -2 }
//!   nodes (VecDeque):
//!   ┌──────────────┐  ┌──────────────┐  ┌──────────────┐
//!   │ listpack     │  │ listpack     │  │ listpack     │
//!   │ 3 entries    │─▶│ 2 entries    │─▶│ 2 entries    │
//!   │ [a][b][c]    │  │ [d][e]       │  │ [f][g]       │
//!   └──────────────┘  └──────────────┘  └──────────────┘
//!   each node ≤ 8 KB of entries (fill -2), or ≤ fill entries (fill > 0)
//! ```
//!
//! Redis links its nodes in a doubly linked list; we keep them in a
//! `VecDeque`, which gives O(1) pushes and pops of nodes at both ends and
//! cheap node walks without pointer chasing. Inserting a node in the
//! middle (a split) moves node handles, 32 bytes each — negligible next to
//! the O(n) search that finds the place.
//!
//! Node size follows `list-max-listpack-size` (the list's `fill`, fixed at
//! creation as in Redis): positive = at most that many entries (and at most
//! 8 KB, Redis's safety limit); -1..-5 = at most 4, 8, 16, 32 or 64 KB of
//! listpack bytes. A single entry larger than the limit gets a node of its
//! own. Nodes never stay empty; after deletions in the middle, neighbours
//! that fit together are merged, so the node count stays within a constant
//! factor of the minimum.
//!
//! Redis's nodes may be LZF-compressed (`list-compress-depth`); ours are
//! not. Redis 7.0 reports every list as `quicklist` (7.2 added a plain
//! listpack encoding for small lists).

mod edit;
mod iter;

use std::collections::VecDeque;
use std::fmt;

use super::listpack::Listpack;

pub use iter::{Iter, RevIter};

/// Redis's `SIZE_SAFETY_LIMIT`: a count-limited node still stops at 8 KB.
const SIZE_SAFETY_LIMIT: usize = 8192;

/// Byte limits of fill -1..-5 (Redis's `optimization_level`).
const SIZE_LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

/// The largest count limit (Redis's `FILL_MAX`).
const FILL_MAX: i64 = (1 << 15) - 1;

/// A list value: a sequence of byte strings in listpack nodes.
#[derive(Clone, Default)]
pub struct List {
    /// The nodes, head first. None is empty.
    nodes: VecDeque<Listpack>,
    /// Elements in all nodes.
    len: usize,
    /// The node size limit (`list-max-listpack-size` at creation).
    fill: i32,
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

/// Two lists are equal when their elements are, however they are split
/// into nodes.
impl PartialEq for List {
    fn eq(&self, other: &List) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

// ANCHOR: within
/// Whether a node of `bytes` bytes and `count` entries respects `fill`.
/// Redis: `quicklistNodeExceedsLimit` / `_quicklistNodeAllowInsert`.
#[inline]
fn within(fill: i32, bytes: usize, count: usize) -> bool {
    if fill < 0 {
        // `fill` is clamped to -5..=-1 at creation.
        bytes <= SIZE_LEVELS[(-fill - 1) as usize]
    } else {
        bytes <= SIZE_SAFETY_LIMIT && count <= fill as usize
    }
}
// ANCHOR_END: within

impl List {
    /// An empty list whose nodes follow `fill` (`list-max-listpack-size`),
    /// clamped to -5..=32767 as Redis's `quicklistSetFill`.
    pub fn new(fill: i64) -> List {
        List {
            nodes: VecDeque::new(),
            len: 0,
            fill: fill.clamp(-5, FILL_MAX) as i32,
        }
    }

    /// The encoding name `OBJECT ENCODING` reports (always `quicklist` in Redis 7.0).
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// `list-max-listpack-size` as it was when the list was created.
    pub fn fill(&self) -> i64 {
        self.fill as i64
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Number of listpack nodes (Redis `quicklist.len`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The nodes, head first (for tests and introspection).
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Listpack> + '_ {
        self.nodes.iter()
    }

    /// Whether `node` can take one more entry of `size` encoded bytes.
    #[inline]
    fn fits(&self, node: &Listpack, size: usize) -> bool {
        within(self.fill, node.bytes() + size, node.len() + 1)
    }

    /// A new node holding `v` alone.
    fn node_of(v: &[u8]) -> Listpack {
        let mut lp = Listpack::new();
        lp.push_back(v);
        lp
    }

    /// Adds a node, allocating room for exactly one the first time: most
    /// lists are small, and a doubling deque would reserve four.
    fn reserve_node(&mut self) {
        if self.nodes.capacity() == 0 {
            self.nodes.reserve_exact(1);
        }
    }

    /// Appends `v` at the tail (`RPUSH`).
    pub fn push_back(&mut self, v: &[u8]) {
        let size = Listpack::encoded_len(v.len());
        match self.nodes.back() {
            Some(lp) if self.fits(lp, size) => {
                if let Some(lp) = self.nodes.back_mut() {
                    lp.push_back(v);
                }
            }
            _ => {
                self.reserve_node();
                self.nodes.push_back(List::node_of(v));
            }
        }
        self.len += 1;
    }

    /// Prepends `v` at the head (`LPUSH`).
    pub fn push_front(&mut self, v: &[u8]) {
        let size = Listpack::encoded_len(v.len());
        match self.nodes.front() {
            Some(lp) if self.fits(lp, size) => {
                if let Some(lp) = self.nodes.front_mut() {
                    lp.push_front(v);
                }
            }
            _ => {
                self.reserve_node();
                self.nodes.push_front(List::node_of(v));
            }
        }
        self.len += 1;
    }

    /// Removes the head element, passing it to `f` first (so a reply can
    /// be written from it without a copy).
    pub fn pop_front_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let lp = self.nodes.front_mut()?;
        let at = lp.first()?;
        let r = f(lp.get(at));
        lp.remove(at);
        if lp.is_empty() {
            self.nodes.pop_front();
        }
        self.len -= 1;
        Some(r)
    }

    /// Removes the tail element, passing it to `f` first.
    pub fn pop_back_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let lp = self.nodes.back_mut()?;
        let at = lp.last()?;
        let r = f(lp.get(at));
        lp.remove(at);
        if lp.is_empty() {
            self.nodes.pop_back();
        }
        self.len -= 1;
        Some(r)
    }

    /// Removes and returns the head element.
    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        self.pop_front_with(<[u8]>::to_vec)
    }

    /// Removes and returns the tail element.
    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        self.pop_back_with(<[u8]>::to_vec)
    }

    /// The position of `index` counted from the head, or from the tail
    /// when negative (-1 is the last), if it is inside the list.
    #[inline]
    pub fn resolve(&self, index: i64) -> Option<usize> {
        let len = self.len as i64;
        let i = if index < 0 { len + index } else { index };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// `(node, index inside the node)` of element `i`, walking the node
    /// counts from the nearer end. Redis: `quicklistGetIteratorAtIdx`.
    fn locate(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.len {
            return None;
        }
        if i < self.len / 2 {
            let mut rest = i;
            for (n, lp) in self.nodes.iter().enumerate() {
                if rest < lp.len() {
                    return Some((n, rest));
                }
                rest -= lp.len();
            }
        } else {
            let mut rest = self.len - 1 - i;
            for (n, lp) in self.nodes.iter().enumerate().rev() {
                if rest < lp.len() {
                    return Some((n, lp.len() - 1 - rest));
                }
                rest -= lp.len();
            }
        }
        None
    }

    /// `(node, byte offset)` of element `i`.
    fn locate_at(&self, i: usize) -> Option<(usize, usize)> {
        let (n, k) = self.locate(i)?;
        let at = self.nodes[n].seek(k as isize)?;
        Some((n, at))
    }

    /// Element `i` (from the head).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let (n, at) = self.locate_at(i)?;
        Some(self.nodes[n].get(at))
    }

    /// Replaces element `i` with `v`; false when `i` is out of range.
    /// Redis: `quicklistReplaceAtIndex`.
    pub fn set(&mut self, i: usize, v: &[u8]) -> bool {
        let Some((n, at)) = self.locate_at(i) else {
            return false;
        };
        self.nodes[n].replace(at, v);
        self.split_if_needed(n);
        true
    }

    /// Removes the first `n` elements (all, if there are fewer).
    pub fn remove_front(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(lp) = self.nodes.front_mut() else {
                break;
            };
            if lp.len() <= n {
                n -= lp.len();
                self.nodes.pop_front();
            } else {
                lp.remove_range(0, n);
                n = 0;
            }
        }
    }

    /// Removes the last `n` elements (all, if there are fewer).
    pub fn remove_back(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(lp) = self.nodes.back_mut() else {
                break;
            };
            if lp.len() <= n {
                n -= lp.len();
                self.nodes.pop_back();
            } else {
                if let Some(at) = lp.seek(-(n as isize)) {
                    lp.remove_range(at, n);
                }
                n = 0;
            }
        }
    }

    /// Keeps only elements `start..=end` (indexes from the head, already
    /// clamped by the caller to the list); an empty range empties it.
    pub fn retain_range(&mut self, start: usize, end: usize) {
        if start > end || start >= self.len {
            self.remove_front(self.len);
            return;
        }
        let end = end.min(self.len - 1);
        self.remove_back(self.len - 1 - end);
        self.remove_front(start);
    }

    /// Splits node `n` in halves until every piece respects the limit or
    /// holds one entry (after an insert or a replace made it too big).
    fn split_if_needed(&mut self, n: usize) {
        let lp = &mut self.nodes[n];
        if lp.len() < 2 || within(self.fill, lp.bytes(), lp.len()) {
            return;
        }
        let Some(mid) = lp.seek((lp.len() / 2) as isize) else {
            return;
        };
        let tail = lp.split_off(mid);
        self.nodes.insert(n + 1, tail);
        self.split_if_needed(n + 1);
        self.split_if_needed(n);
    }

    /// Merges node `n + 1` into node `n` when together they respect the
    /// limit; returns whether it did. Redis: `_quicklistMergeNodes`.
    fn merge_with_next(&mut self, n: usize) -> bool {
        let (Some(a), Some(b)) = (self.nodes.get(n), self.nodes.get(n + 1)) else {
            return false;
        };
        if !within(self.fill, a.bytes() + b.bytes(), a.len() + b.len()) {
            return false;
        }
        let Some(b) = self.nodes.remove(n + 1) else {
            return false;
        };
        self.nodes[n].append(&b);
        true
    }

    /// Merges neighbouring nodes that fit together, over the whole list:
    /// after scattered deletions (`LREM`), bounded by the node count.
    fn compact(&mut self) {
        let mut n = 0;
        while n + 1 < self.nodes.len() {
            if !self.merge_with_next(n) {
                n += 1;
            }
        }
    }

    /// Drops node `n` if it became empty; returns whether it did.
    fn drop_if_empty(&mut self, n: usize) -> bool {
        if self.nodes.get(n).is_some_and(Listpack::is_empty) {
            self.nodes.remove(n);
            true
        } else {
            false
        }
    }

    /// Heap bytes held by the nodes, for memory accounting.
    pub fn allocated(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Listpack>()
            + self.nodes.iter().map(Listpack::allocated).sum::<usize>()
    }
}
