//! ZRANDMEMBER. Redis: `zrandmemberCommand` and
//! `zrandmemberWithCountCommand` in `src/t_zset.c`.
//!
//! The cases follow Redis: no count → one member; a negative count → that
//! many picks with repetition; a count at least the size → the whole set
//! (from the highest score down, so that reply is deterministic); otherwise distinct random
//! members. Picks are uniform over ranks (O(log n) each in a skiplist).

use crate::cmd::lookup::{Typed, WrongType};
use std::collections::HashSet;

use super::{reply_member, reply_members_header};
use crate::cmd::args::random_count;
use crate::cmd::{Ctx, is};
use crate::db::set::random::below;
use crate::db::zset::ZSet;
use crate::protocol::Argv;

/// The member and score at a random rank.
fn pick(z: &ZSet) -> Option<(&[u8], f64)> {
    z.at_rank(below(z.len())).map(|p| z.get(p))
}

/// `ZRANDMEMBER key [count [WITHSCORES]]`
pub fn zrandmember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() >= 3 {
        let Some((count, unique)) = random_count(ctx, argv.get(2)) else {
            return;
        };
        if argv.len() > 4 || (argv.len() == 4 && !is(argv.get(3), "withscores")) {
            return ctx.syntax_error();
        }
        let withscores = argv.len() == 4;
        // Two reply elements per member must still fit a C long.
        if withscores && count > (i64::MAX / 2) as u64 {
            return ctx.out.error("ERR value is out of range");
        }
        return with_count(ctx, argv, count, unique, withscores);
    }
    let db = ctx.db();
    match ctx.srv.ks.read_as::<ZSet>(db, argv.get(1)) {
        Ok(None) => ctx.out.null(),
        Err(WrongType) => ctx.wrong_type(),
        Ok(Some(z)) => match pick(z) {
            Some((m, _)) => ctx.out.bulk(m),
            None => ctx.out.null(),
        },
    }
}

fn with_count(ctx: &mut Ctx<'_>, argv: &Argv<'_>, count: u64, unique: bool, withscores: bool) {
    let db = ctx.db();
    let z = match ctx.srv.ks.read_as::<ZSet>(db, argv.get(1)) {
        Ok(None) => return ctx.out.array(0),
        Err(WrongType) => return ctx.wrong_type(),
        Ok(Some(z)) => &*z,
    };
    let size = z.len();
    if count == 0 {
        return ctx.out.array(0);
    }
    // Redis would start streaming billions of elements; refuse instead.
    if count > i32::MAX as u64 {
        return ctx.out.error("ERR value is out of range");
    }
    let count = count as usize;
    let out = &mut ctx.out;
    if !unique || count == 1 {
        reply_members_header(out, count, withscores);
        for _ in 0..count {
            if let Some((m, s)) = pick(z) {
                reply_member(out, m, s, withscores);
            }
        }
        return;
    }
    if count >= size {
        // The whole set, from the highest score down: Redis's set-operation
        // iterator (`zuiNext`) walks a sorted set from its tail.
        reply_members_header(out, size, withscores);
        let mut p = z.end(true);
        while let Some(q) = p {
            let (m, s) = z.get(q);
            reply_member(out, m, s, withscores);
            p = z.step(q, true);
        }
        return;
    }
    reply_members_header(out, count, withscores);
    let ranks: Vec<usize> = if count * 3 > size {
        // Most of the set: shuffle the first `count` of all ranks.
        let mut all: Vec<usize> = (0..size).collect();
        for i in 0..count {
            let j = i + below(size - i);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    } else {
        let mut seen = HashSet::with_capacity(count);
        let mut picked = Vec::with_capacity(count);
        while picked.len() < count {
            let r = below(size);
            if seen.insert(r) {
                picked.push(r);
            }
        }
        picked
    };
    for r in ranks {
        if let Some(p) = z.at_rank(r) {
            let (m, s) = z.get(p);
            reply_member(out, m, s, withscores);
        }
    }
}
