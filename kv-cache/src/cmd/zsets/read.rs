//! The read-only lookups: ZSCORE, ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT,
//! ZRANK, ZREVRANK. Redis: `zscoreCommand`, `zcountCommand`,
//! `zlexcountCommand`, `zrankGenericCommand` in `src/t_zset.c`.

use super::reply_score;
use crate::cmd::Ctx;
use crate::cmd::lookup::{Typed, WrongType};
use crate::db::zset::{LexRange, ScoreRange, ZSet};
use crate::protocol::Argv;

/// `ZSCORE key member`
pub fn zscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<ZSet>(db, argv.get(1)) {
        Ok(None) => ctx.out.null(),
        Err(WrongType) => ctx.wrong_type(),
        Ok(Some(z)) => match z.score(argv.get(2)) {
            Some(s) => reply_score(&mut ctx.out, s),
            None => ctx.out.null(),
        },
    }
}

/// `ZMSCORE key member [member ...]`: a missing key answers nulls.
pub fn zmscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let z = match ctx.srv.ks.read_as::<ZSet>(db, argv.get(1)) {
        Err(WrongType) => return ctx.wrong_type(),
        Ok(None) => None,
        Ok(Some(z)) => Some(z),
    };
    ctx.out.array(argv.len() - 2);
    for m in argv.iter().skip(2) {
        match z.as_ref().and_then(|z| z.score(m)) {
            Some(s) => reply_score(&mut ctx.out, s),
            None => ctx.out.null(),
        }
    }
}

/// `ZCARD key`
pub fn zcard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<ZSet>(db, argv.get(1)) {
        Ok(None) => ctx.out.int(0),
        Err(WrongType) => ctx.wrong_type(),
        Ok(Some(z)) => ctx.out.int(z.len() as i64),
    }
}

/// How many members lie in a score range: the ranks of the first and last
/// ones (scores are sorted, so everything between is in range).
pub(crate) fn count_in_range(z: &ZSet, r: &ScoreRange) -> usize {
    match (z.first_in_range(r), z.last_in_range(r)) {
        (Some((_, a)), Some((_, b))) if b >= a => b - a + 1,
        _ => 0,
    }
}

/// How many members lie in a lex range. From the first member above the
/// minimum, Redis walks a listpack while members stay below the maximum,
/// and subtracts ranks in a skiplist; the two agree when all scores are
/// equal (the only case where lex ranges are meaningful) and each is
/// reproduced as is for the other cases.
pub(crate) fn count_in_lex_range(z: &ZSet, r: &LexRange<'_>) -> usize {
    match z {
        ZSet::Small(_) => {
            let Some((mut p, _)) = z.first_in_lex_range(r) else {
                return 0;
            };
            let mut n = 0;
            loop {
                if !r.lte_max(z.get(p).0) {
                    return n;
                }
                n += 1;
                match z.step(p, false) {
                    Some(q) => p = q,
                    None => return n,
                }
            }
        }
        ZSet::Big(_) => match (z.first_in_lex_range(r), z.last_in_lex_range(r)) {
            (Some((_, a)), Some((_, b))) if b >= a => b - a + 1,
            _ => 0,
        },
    }
}

/// `ZCOUNT key min max`
pub fn zcount(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(r) = ScoreRange::parse(argv.get(2), argv.get(3)) else {
        return ctx.out.error("ERR min or max is not a float");
    };
    let db = ctx.db();
    match ctx.srv.ks.read_as::<ZSet>(db, argv.get(1)) {
        Ok(None) => ctx.out.int(0),
        Err(WrongType) => ctx.wrong_type(),
        Ok(Some(z)) => {
            let n = count_in_range(z, &r);
            ctx.out.int(n as i64)
        }
    }
}

/// `ZLEXCOUNT key min max`
pub fn zlexcount(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(r) = LexRange::parse(argv.get(2), argv.get(3)) else {
        return ctx.out.error("ERR min or max not valid string range item");
    };
    let db = ctx.db();
    match ctx.srv.ks.read_as::<ZSet>(db, argv.get(1)) {
        Ok(None) => ctx.out.int(0),
        Err(WrongType) => ctx.wrong_type(),
        Ok(Some(z)) => {
            let n = count_in_lex_range(z, &r);
            ctx.out.int(n as i64)
        }
    }
}

fn rank_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, rev: bool) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<ZSet>(db, argv.get(1)) {
        Ok(None) => ctx.out.null(),
        Err(WrongType) => ctx.wrong_type(),
        Ok(Some(z)) => match z.rank(argv.get(2)) {
            Some(r) if rev => ctx.out.int((z.len() - 1 - r) as i64),
            Some(r) => ctx.out.int(r as i64),
            None => ctx.out.null(),
        },
    }
}

/// `ZRANK key member` (Redis 7.0 has no WITHSCORE option).
pub fn zrank(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    rank_generic(ctx, argv, false);
}

/// `ZREVRANK key member`
pub fn zrevrank(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    rank_generic(ctx, argv, true);
}
