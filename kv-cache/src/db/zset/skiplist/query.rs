//! Reading positions off the skiplist: a node's rank, the node at a rank,
//! and the first and last nodes of a score or lex range — each one descent
//! from the top level, summing spans on the way (`zslGetRank`,
//! `zslGetElementByRank`, `zslNthInRange`...).

use super::super::range::{LexRange, ScoreRange};
use super::*;

impl SkipList {
    /// The 1-based rank of node `x` (`zslGetRank`).
    // ANCHOR: rank
    pub fn rank(&self, x: u32) -> usize {
        let (score, member) = {
            let n = &self.nodes[x as usize];
            (n.score, &n.member[..])
        };
        let mut rank = 0usize;
        let (mut y, mut up) = (HEAD, self.nodes[HEAD as usize].upper);
        for i in (0..self.level as usize).rev() {
            while let Some(s) = self.step(y, up, i) {
                let go = s.score < score
                    || (s.score == score && *self.nodes[s.node as usize].member <= *member);
                if !go {
                    break;
                }
                rank += s.span as usize;
                (y, up) = (s.node, s.upper);
            }
            if y == x {
                return rank;
            }
        }
        rank
    }
    // ANCHOR_END: rank

    /// The node of 1-based rank `rank`, or [`NIL`] (`zslGetElementByRank`).
    pub fn by_rank(&self, rank: usize) -> u32 {
        if rank == 0 || rank > self.len() {
            return NIL;
        }
        let mut traversed = 0usize;
        let (mut x, mut up) = (HEAD, self.nodes[HEAD as usize].upper);
        for i in (0..self.level as usize).rev() {
            while let Some(s) = self.step(x, up, i) {
                if traversed + s.span as usize > rank {
                    break;
                }
                traversed += s.span as usize;
                (x, up) = (s.node, s.upper);
            }
            if traversed == rank {
                return x;
            }
        }
        NIL
    }

    /// Descends to the last node for which `go_on` holds (the header if
    /// none), returning it and its rank.
    fn descend(&self, go_on: impl Fn(&Step) -> bool) -> (u32, usize) {
        let mut rank = 0usize;
        let (mut x, mut up) = (HEAD, self.nodes[HEAD as usize].upper);
        for i in (0..self.level as usize).rev() {
            while let Some(s) = self.step(x, up, i) {
                if !go_on(&s) {
                    break;
                }
                rank += s.span as usize;
                (x, up) = (s.node, s.upper);
            }
        }
        (x, rank)
    }

    /// Whether some score may lie in `r` (`zslIsInRange`).
    fn may_hold_scores(&self, r: &ScoreRange) -> bool {
        !r.is_empty()
            && self.tail != NIL
            && r.gte_min(self.score(self.tail))
            && r.lte_max(self.score(self.first()))
    }

    /// The first node in `r` and its 1-based rank (`zslFirstInRange`).
    pub fn first_in_range(&self, r: &ScoreRange) -> Option<(u32, usize)> {
        if !self.may_hold_scores(r) {
            return None;
        }
        let (x, rank) = self.descend(|s| !r.gte_min(s.score));
        let x = self.next(x);
        (x != NIL && r.lte_max(self.score(x))).then_some((x, rank + 1))
    }

    /// The last node in `r` and its 1-based rank (`zslLastInRange`).
    pub fn last_in_range(&self, r: &ScoreRange) -> Option<(u32, usize)> {
        if !self.may_hold_scores(r) {
            return None;
        }
        let (x, rank) = self.descend(|s| r.lte_max(s.score));
        (x != HEAD && r.gte_min(self.score(x))).then_some((x, rank))
    }

    /// Whether some member may lie in `r` (`zslIsInLexRange`).
    fn may_hold_members(&self, r: &LexRange<'_>) -> bool {
        !r.is_empty()
            && self.tail != NIL
            && r.gte_min(self.member(self.tail))
            && r.lte_max(self.member(self.first()))
    }

    /// The first node in lex range `r` and its 1-based rank
    /// (`zslFirstInLexRange`; meaningful when all scores are equal).
    pub fn first_in_lex_range(&self, r: &LexRange<'_>) -> Option<(u32, usize)> {
        if !self.may_hold_members(r) {
            return None;
        }
        let (x, rank) = self.descend(|s| !r.gte_min(self.member(s.node)));
        let x = self.next(x);
        (x != NIL && r.lte_max(self.member(x))).then_some((x, rank + 1))
    }

    /// The last node in lex range `r` and its 1-based rank (`zslLastInLexRange`).
    pub fn last_in_lex_range(&self, r: &LexRange<'_>) -> Option<(u32, usize)> {
        if !self.may_hold_members(r) {
            return None;
        }
        let (x, rank) = self.descend(|s| r.lte_max(self.member(s.node)));
        (x != HEAD && r.gte_min(self.member(x))).then_some((x, rank))
    }
}
