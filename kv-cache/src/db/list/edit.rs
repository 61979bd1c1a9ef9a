//! Changes in the middle of a list: inserting next to a pivot (`LINSERT`)
//! and removing by value (`LREM`). Redis: `_quicklistInsert` and
//! `quicklistDelIndex` in `src/quicklist.c`, `lremCommand` in `src/t_list.c`.
//!
//! An insert goes into the node holding its neighbour when that node has
//! room; at a node's edge, a neighbouring node with room takes it instead;
//! otherwise the node takes it and splits in halves, and the halves merge
//! with their outer neighbours if they fit — Redis's policy, which keeps
//! nodes from fragmenting under repeated inserts.

use super::List;
use crate::db::listpack::Listpack;

impl List {
    /// Inserts `v` before element `i` (`i == len()` appends); false when
    /// `i` is past that.
    pub fn insert(&mut self, i: usize, v: &[u8]) -> bool {
        if i == self.len {
            self.push_back(v);
            return true;
        }
        let Some((n, at)) = self.locate_at(i) else {
            return false;
        };
        self.insert_in_node(n, at, v);
        true
    }

    /// Inserts `v` before (or `after`) the first element equal to `pivot`;
    /// false when there is none. Redis: `LINSERT`.
    pub fn insert_at_pivot(&mut self, pivot: &[u8], v: &[u8], after: bool) -> bool {
        for n in 0..self.nodes.len() {
            let lp = &self.nodes[n];
            if let Some(at) = lp.find(pivot, 1) {
                let at = if after {
                    lp.next(at).unwrap_or(lp.bytes())
                } else {
                    at
                };
                self.insert_in_node(n, at, v);
                return true;
            }
        }
        false
    }

    /// Inserts `v` at byte offset `at` of node `n`.
    fn insert_in_node(&mut self, n: usize, at: usize, v: &[u8]) {
        let size = Listpack::encoded_len(v.len());
        self.len += 1;
        let lp = &self.nodes[n];
        if self.fits(lp, size) {
            self.nodes[n].insert(at, v);
            return;
        }
        let at_end = at == lp.bytes();
        if at_end
            && self
                .nodes
                .get(n + 1)
                .is_some_and(|next| self.fits(next, size))
        {
            self.nodes[n + 1].push_front(v);
            return;
        }
        if at == 0 && n > 0 && self.fits(&self.nodes[n - 1], size) {
            self.nodes[n - 1].push_back(v);
            return;
        }
        self.nodes[n].insert(at, v);
        let before = self.nodes.len();
        self.split_if_needed(n);
        let last = n + (self.nodes.len() - before);
        self.merge_with_next(last);
        if n > 0 {
            self.merge_with_next(n - 1);
        }
    }

    /// Removes elements equal to `v`: the first `count` from the head when
    /// `count > 0`, the first `-count` from the tail when `count < 0`, all
    /// when 0. Returns how many went. Redis: `LREM`.
    pub fn remove_matching(&mut self, v: &[u8], count: i64) -> usize {
        let limit = match count {
            0 => usize::MAX,
            c => usize::try_from(c.unsigned_abs()).unwrap_or(usize::MAX),
        };
        let removed = if count >= 0 {
            self.remove_forward(v, limit)
        } else {
            self.remove_backward(v, limit)
        };
        self.len -= removed;
        if removed > 0 {
            self.compact();
        }
        removed
    }

    /// [`List::remove_matching`] from the head.
    fn remove_forward(&mut self, v: &[u8], limit: usize) -> usize {
        let mut removed = 0;
        let mut n = 0;
        while n < self.nodes.len() && removed < limit {
            let lp = &mut self.nodes[n];
            let mut at = lp.first();
            while let Some(p) = at {
                if lp.get(p) == v {
                    lp.remove(p);
                    removed += 1;
                    if removed == limit {
                        break;
                    }
                    // The next entry now sits at `p`.
                    at = (p < lp.bytes()).then_some(p);
                } else {
                    at = lp.next(p);
                }
            }
            if !self.drop_if_empty(n) {
                n += 1;
            }
        }
        removed
    }

    /// [`List::remove_matching`] from the tail.
    fn remove_backward(&mut self, v: &[u8], limit: usize) -> usize {
        let mut removed = 0;
        let mut n = self.nodes.len();
        while n > 0 && removed < limit {
            n -= 1;
            let lp = &mut self.nodes[n];
            let mut at = lp.last();
            while let Some(p) = at {
                // Entries before `p` keep their offsets when `p` goes.
                let prev = lp.prev(p);
                if lp.get(p) == v {
                    lp.remove(p);
                    removed += 1;
                    if removed == limit {
                        break;
                    }
                }
                at = prev;
            }
            self.drop_if_empty(n);
        }
        removed
    }
}
