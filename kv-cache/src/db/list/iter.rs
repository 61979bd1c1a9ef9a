//! Walking a list forwards or backwards from any index. Redis:
//! `quicklistGetIteratorAtIdx` and `quicklistNext` in `src/quicklist.c`.
//!
//! Starting at index `i` skips whole nodes by their counts and seeks inside
//! one node; from there each step decodes one listpack entry, moving to the
//! neighbouring node when one runs out. `LRANGE` writes its reply from
//! these borrowed entries, with no copy in between.

use std::collections::VecDeque;

use super::List;
use crate::db::listpack::{self, Listpack};

/// An empty listpack for iterators that start past the end.
static EMPTY: Listpack = Listpack::new();

/// Elements from some index towards the tail; see [`List::iter_from`].
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    nodes: &'a VecDeque<Listpack>,
    /// The node `inner` walks.
    node: usize,
    inner: listpack::Iter<'a>,
    /// Elements still to come.
    left: usize,
}

/// Elements from some index towards the head; see [`List::iter_rev_from`].
#[derive(Debug, Clone)]
pub struct RevIter<'a> {
    nodes: &'a VecDeque<Listpack>,
    /// The node `inner` walks (backwards).
    node: usize,
    inner: listpack::Iter<'a>,
    /// Elements still to come.
    left: usize,
}

impl List {
    /// All elements, head to tail.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// Elements `i, i + 1, ...` to the tail (none if `i` is past the end).
    pub fn iter_from(&self, i: usize) -> Iter<'_> {
        match self.locate_at(i) {
            Some((node, at)) => Iter {
                nodes: &self.nodes,
                node,
                inner: self.nodes[node].iter_from(at),
                left: self.len - i,
            },
            None => Iter {
                nodes: &self.nodes,
                node: self.nodes.len(),
                inner: EMPTY.iter(),
                left: 0,
            },
        }
    }

    /// All elements, tail to head.
    pub fn iter_rev(&self) -> RevIter<'_> {
        match self.len {
            0 => self.iter_rev_from(0),
            n => self.iter_rev_from(n - 1),
        }
    }

    /// Elements `i, i - 1, ...` to the head (none if `i` is past the end).
    pub fn iter_rev_from(&self, i: usize) -> RevIter<'_> {
        match self.locate_at(i) {
            Some((node, at)) => {
                let lp = &self.nodes[node];
                let end = lp.next(at).unwrap_or(lp.bytes());
                RevIter {
                    nodes: &self.nodes,
                    node,
                    inner: lp.iter_until(end),
                    left: i + 1,
                }
            }
            None => RevIter {
                nodes: &self.nodes,
                node: 0,
                inner: EMPTY.iter(),
                left: 0,
            },
        }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if let Some(v) = self.inner.next() {
                self.left -= 1;
                return Some(v);
            }
            self.node += 1;
            self.inner = self.nodes.get(self.node)?.iter();
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> Iterator for RevIter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if let Some(v) = self.inner.next_back() {
                self.left -= 1;
                return Some(v);
            }
            self.node = self.node.checked_sub(1)?;
            self.inner = self.nodes.get(self.node)?.iter();
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for RevIter<'_> {}
