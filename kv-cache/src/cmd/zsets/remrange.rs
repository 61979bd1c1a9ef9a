//! ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX. Redis:
//! `zremrangeGenericCommand` in `src/t_zset.c`.
//!
//! Each finds the ranks of the first and last member to go and removes
//! that run in one pass (`zslDeleteRangeByRank`, or one listpack cut).

use super::read::count_in_lex_range;
use crate::cmd::lookup::{Typed, WrongType};
use crate::cmd::{Ctx, int_arg};
use crate::db::zset::ZSet;
use crate::db::zset::{LexRange, ScoreRange};
use crate::notify::ZSET;
use crate::protocol::Argv;

enum Range<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

fn zremrange_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, range: Range<'_>) {
    let db = ctx.db();
    let key = argv.get(1);
    let z = match ctx.srv.ks.write_as::<ZSet>(db, key) {
        Ok(None) => return ctx.out.int(0),
        Err(WrongType) => return ctx.wrong_type(),
        Ok(Some(z)) => z,
    };
    let len = z.len() as i64;
    // The run of ranks `first..first + n` to remove.
    let (first, n) = match range {
        Range::Rank(start, end) => {
            let mut start = if start < 0 { len + start } else { start };
            let mut end = if end < 0 { len + end } else { end };
            if start < 0 {
                start = 0;
            }
            if start > end || start >= len {
                return ctx.out.int(0);
            }
            if end >= len {
                end = len - 1;
            }
            (start as usize, (end - start + 1) as usize)
        }
        Range::Score(r) => match (z.first_in_range(&r), z.last_in_range(&r)) {
            (Some((_, a)), Some((_, b))) if a <= b => (a, b - a + 1),
            _ => (0, 0),
        },
        // From the first member in range, while members stay under the
        // maximum (`zzlDeleteRangeByLex` / `zslDeleteRangeByLex`).
        Range::Lex(r) => match z.first_in_lex_range(&r) {
            Some((_, a)) => (a, count_in_lex_range(z, &r)),
            None => (0, 0),
        },
    };
    if n == 0 {
        return ctx.out.int(0);
    }
    let removed = z.remove_ranks(first, first + n - 1);
    let emptied = z.is_empty();
    let event = match range {
        Range::Rank(..) => "zremrangebyrank",
        Range::Score(_) => "zremrangebyscore",
        Range::Lex(_) => "zremrangebylex",
    };
    ctx.changed(ZSET, event, key, emptied);
    ctx.out.int(removed as i64);
}

/// `ZREMRANGEBYRANK key start stop`
pub fn zremrangebyrank(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(a) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    let Some(b) = int_arg(ctx, argv.get(3)) else {
        return;
    };
    zremrange_generic(ctx, argv, Range::Rank(a, b));
}

/// `ZREMRANGEBYSCORE key min max`
pub fn zremrangebyscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    match ScoreRange::parse(argv.get(2), argv.get(3)) {
        Some(r) => zremrange_generic(ctx, argv, Range::Score(r)),
        None => ctx.out.error("ERR min or max is not a float"),
    }
}

/// `ZREMRANGEBYLEX key min max`
pub fn zremrangebylex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    match LexRange::parse(argv.get(2), argv.get(3)) {
        Some(r) => zremrange_generic(ctx, argv, Range::Lex(r)),
        None => ctx.out.error("ERR min or max not valid string range item"),
    }
}
