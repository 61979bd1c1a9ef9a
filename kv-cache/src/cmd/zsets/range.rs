//! The ZRANGE family: ZRANGE (with BYSCORE, BYLEX, REV, LIMIT,
//! WITHSCORES), the older ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX,
//! ZREVRANGEBYLEX and ZREVRANGE, and ZRANGESTORE. Redis:
//! `zrangeGenericCommand` and the `genericZrangeby*Command`s in
//! `src/t_zset.c`.
//!
//! Every form first picks a *selection* — a starting position, a
//! direction and a count — then either replies it or stores it. Ranks
//! make the score forms O(log n + m) whatever the LIMIT offset (Redis
//! walks the offset one node at a time).

use super::{insert_members_header, limits, reply_member, reply_members_header};
use crate::cmd::lookup::{Typed, WrongType};
use crate::cmd::{Ctx, int_arg, is};
use crate::db::Val;
use crate::db::zset::{LexRange, Pos, ScoreRange, ZSet};
use crate::notify::ZSET;
use crate::protocol::Argv;

/// What kind of range the arguments give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    /// Not said yet (ZRANGE before its options are read).
    Auto,
    /// Indexes.
    Rank,
    /// Scores.
    Score,
    /// Members (lexicographic).
    Lex,
}

/// The parsed range.
enum Range<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

/// Which members a range command picked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Selection {
    /// The first member to emit.
    pub start: Option<Pos>,
    /// Walking towards lower scores.
    pub rev: bool,
    /// How many to emit.
    pub count: usize,
}

impl Selection {
    const EMPTY: Selection = Selection {
        start: None,
        rev: false,
        count: 0,
    };

    /// Calls `f` on each selected member and score.
    pub(crate) fn walk(&self, z: &ZSet, mut f: impl FnMut(&[u8], f64)) {
        let mut p = self.start;
        for _ in 0..self.count {
            let Some(q) = p else { return };
            let (m, s) = z.get(q);
            f(m, s);
            p = z.step(q, self.rev);
        }
    }
}

/// Members of ranks `start..=end` (negative counts from the end), as
/// `genericZrangebyrankCommand`.
pub(crate) fn select_ranks(z: &ZSet, start: i64, end: i64, rev: bool) -> Selection {
    let len = z.len() as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return Selection::EMPTY;
    }
    if end >= len {
        end = len - 1;
    }
    let count = (end - start + 1) as usize;
    let first = if rev { len - 1 - start } else { start };
    Selection {
        start: z.at_rank(first as usize),
        rev,
        count,
    }
}

/// A score or lex range, for the walks below.
#[derive(Clone, Copy)]
pub(crate) enum Bounds<'a> {
    /// By score.
    Score(ScoreRange),
    /// By member.
    Lex(LexRange<'a>),
}

impl Bounds<'_> {
    /// Whether a member still lies inside on the side a walk moves
    /// towards (the maximum going up, the minimum going down).
    #[inline]
    fn holds(&self, m: &[u8], s: f64, rev: bool) -> bool {
        match (self, rev) {
            (Bounds::Score(r), false) => r.lte_max(s),
            (Bounds::Score(r), true) => r.gte_min(s),
            (Bounds::Lex(r), false) => r.lte_max(m),
            (Bounds::Lex(r), true) => r.gte_min(m),
        }
    }
}

/// Walks the members in `b` as `genericZrangebyscoreCommand` and
/// `genericZrangebylexCommand`: from the first (or, reversed, the last)
/// member in range, skip `offset` (by rank, in O(log n)), then call `f`
/// on each member while the far bound holds, at most `limit` times
/// (negative: no limit). A negative offset selects nothing, as Redis's
/// skip loop then runs off the end. Returns how many `f` saw.
pub(crate) fn walk_range(
    z: &ZSet,
    b: &Bounds<'_>,
    rev: bool,
    offset: i64,
    limit: i64,
    mut f: impl FnMut(&[u8], f64),
) -> usize {
    if offset < 0 || (offset > 0 && offset as usize >= z.len()) {
        return 0;
    }
    let found = match (b, rev) {
        (Bounds::Score(r), false) => z.first_in_range(r),
        (Bounds::Score(r), true) => z.last_in_range(r),
        (Bounds::Lex(r), false) => z.first_in_lex_range(r),
        (Bounds::Lex(r), true) => z.last_in_lex_range(r),
    };
    let Some((mut start, rank)) = found else {
        return 0;
    };
    if offset > 0 {
        let to = if rev {
            rank.checked_sub(offset as usize)
        } else {
            Some(rank + offset as usize)
        };
        match to.and_then(|k| z.at_rank(k)) {
            Some(p) => start = p,
            None => return 0,
        }
    }
    let mut n = 0usize;
    let mut p = Some(start);
    while let Some(q) = p {
        if limit >= 0 && n as i64 >= limit {
            break;
        }
        let (m, s) = z.get(q);
        if !b.holds(m, s, rev) {
            break;
        }
        f(m, s);
        n += 1;
        p = z.step(q, rev);
    }
    n
}

/// ZRANGE and friends. `at` is the index of the source key; `store` the
/// destination of ZRANGESTORE; `by` and `rev` what the command name
/// already fixes (`None`: ZRANGE's options decide).
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'_>,
    at: usize,
    store: Option<&[u8]>,
    mut by: By,
    mut rev: Option<bool>,
) {
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut j = at + 3;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = argv.get(j);
        if store.is_none() && is(a, "withscores") {
            withscores = true;
        } else if is(a, "limit") && left >= 2 {
            let Some(o) = int_arg(ctx, argv.get(j + 1)) else {
                return;
            };
            let Some(l) = int_arg(ctx, argv.get(j + 2)) else {
                return;
            };
            (offset, limit) = (o, l);
            j += 2;
        } else if rev.is_none() && is(a, "rev") {
            rev = Some(true);
        } else if by == By::Auto && is(a, "bylex") {
            by = By::Lex;
        } else if by == By::Auto && is(a, "byscore") {
            by = By::Score;
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    let rev = rev.unwrap_or(false);
    if by == By::Auto {
        by = By::Rank;
    }
    if limit != -1 && by == By::Rank {
        return ctx.out.error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
    }
    if withscores && by == By::Lex {
        return ctx
            .out
            .error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    // Reversed score and lex ranges are written max first.
    let (mut lo, mut hi) = (argv.get(at + 1), argv.get(at + 2));
    if rev && by != By::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    let range = match by {
        By::Score => match ScoreRange::parse(lo, hi) {
            Some(r) => Range::Score(r),
            None => return ctx.out.error("ERR min or max is not a float"),
        },
        By::Lex => match LexRange::parse(lo, hi) {
            Some(r) => Range::Lex(r),
            None => {
                return ctx.out.error("ERR min or max not valid string range item");
            }
        },
        _ => {
            let Some(a) = int_arg(ctx, lo) else { return };
            let Some(b) = int_arg(ctx, hi) else { return };
            Range::Rank(a, b)
        }
    };
    let db = ctx.db();
    let limits = limits(ctx);
    let z = match ctx.srv.ks.read_as::<ZSet>(db, argv.get(at)) {
        Err(WrongType) => return ctx.wrong_type(),
        Ok(None) => {
            if let Some(dst) = store {
                store_result(ctx, dst, None);
            } else {
                ctx.out.array(0);
            }
            return;
        }
        Ok(Some(z)) => &*z,
    };
    let bounds = match range {
        Range::Rank(a, b) => {
            let sel = select_ranks(z, a, b, rev);
            if let Some(dst) = store {
                // The count is known: the encoding is chosen from it.
                let mut out = ZSet::for_len(sel.count, limits);
                sel.walk(z, |m, s| out.insert_new(s, m, limits));
                return store_result(ctx, dst, Some(out));
            }
            reply_members_header(&mut ctx.out, sel.count, withscores);
            let out = &mut ctx.out;
            return sel.walk(z, |m, s| reply_member(out, m, s, withscores));
        }
        Range::Score(r) => Bounds::Score(r),
        Range::Lex(r) => Bounds::Lex(r),
    };
    if let Some(dst) = store {
        let mut out = ZSet::new();
        walk_range(z, &bounds, rev, offset, limit, |m, s| {
            out.insert_new(s, m, limits)
        });
        return store_result(ctx, dst, Some(out));
    }
    // The count is known only at the end: reply the members, then put
    // the array header in front of them.
    let out = &mut ctx.out;
    let mark = out.buf.len();
    let n = walk_range(z, &bounds, rev, offset, limit, |m, s| {
        reply_member(out, m, s, withscores)
    });
    insert_members_header(out, mark, n, withscores);
}

/// Stores a ZRANGESTORE result (deleting `dst` when it is empty) and
/// replies its size (`zrangeResultFinalizeStore`).
fn store_result(ctx: &mut Ctx<'_>, dst: &[u8], z: Option<ZSet>) {
    let z = z.filter(|z| !z.is_empty());
    let n = z.as_ref().map_or(0, |z| z.len());
    ctx.store(dst, z.map(|z| Val::ZSet(Box::new(z))), ZSET, "zrangestore");
    ctx.out.int(n as i64);
}

/// `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`
pub fn zrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, By::Auto, None);
}

/// `ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]`
pub fn zrangestore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 2, Some(argv.get(1)), By::Auto, None);
}

/// `ZREVRANGE key start stop [WITHSCORES]`
pub fn zrevrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, By::Rank, Some(true));
}

/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`
pub fn zrangebyscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, By::Score, Some(false));
}

/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`
pub fn zrevrangebyscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, By::Score, Some(true));
}

/// `ZRANGEBYLEX key min max [LIMIT offset count]`
pub fn zrangebylex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, By::Lex, Some(false));
}

/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`
pub fn zrevrangebylex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, By::Lex, Some(true));
}
