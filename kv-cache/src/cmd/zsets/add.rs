//! ZADD, ZINCRBY and ZREM. Redis: `zaddGenericCommand`, `zsetAdd` and
//! `zremCommand` in `src/t_zset.c`.

use super::{limits, reply_score};
use crate::cmd::lookup::{Typed, WrongType};
use crate::cmd::{Ctx, is};
use crate::db::Val;
use crate::db::zset::score::parse_score;
use crate::db::zset::{AddFlags, Added, ZSet};
use crate::notify::ZSET;
use crate::protocol::Argv;

/// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]`
pub fn zadd(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zadd_generic(ctx, argv, false);
}

/// `ZINCRBY key increment member`: ZADD INCR. It shares ZADD's parser, so
/// an increment spelled like an option (`ZINCRBY k nx m`) is a syntax
/// error there too.
pub fn zincrby(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zadd_generic(ctx, argv, true);
}

fn zadd_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, incr_command: bool) {
    let mut flags = AddFlags {
        incr: incr_command,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut first = 2;
    while first < argv.len() {
        let a = argv.get(first);
        if is(a, "nx") {
            flags.nx = true;
        } else if is(a, "xx") {
            flags.xx = true;
        } else if is(a, "ch") {
            ch = true;
        } else if is(a, "incr") {
            flags.incr = true;
        } else if is(a, "gt") {
            flags.gt = true;
        } else if is(a, "lt") {
            flags.lt = true;
        } else {
            break;
        }
        first += 1;
    }
    let rest = argv.len() - first;
    if rest == 0 || !rest.is_multiple_of(2) {
        return ctx.syntax_error();
    }
    let pairs = rest / 2;
    if flags.nx && flags.xx {
        return ctx
            .out
            .error("ERR XX and NX options at the same time are not compatible");
    }
    // Any two of GT, LT and NX.
    if [flags.gt, flags.lt, flags.nx]
        .iter()
        .filter(|f| **f)
        .count()
        > 1
    {
        return ctx
            .out
            .error("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if flags.incr && pairs > 1 {
        return ctx
            .out
            .error("ERR INCR option supports a single increment-element pair");
    }
    // Every score is checked before anything changes: all or nothing.
    // (They are parsed again below rather than kept, which spares an
    // allocation for the common single pair.)
    for j in 0..pairs {
        if parse_score(argv.get(first + 2 * j)).is_none() {
            return ctx.out.error("ERR value is not a valid float");
        }
    }
    let db = ctx.db();
    let key = argv.get(1);
    let limits = limits(ctx);
    let mut fresh = None;
    let z: &mut ZSet = match ctx.srv.ks.write_as::<ZSet>(db, key) {
        Err(WrongType) => return ctx.wrong_type(),
        Ok(Some(z)) => z,
        Ok(None) if flags.xx => {
            return if flags.incr {
                ctx.out.null()
            } else {
                ctx.out.int(0)
            };
        }
        Ok(None) => fresh.insert(ZSet::new()),
    };
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last = 0.0;
    let mut nan = false;
    for j in 0..pairs {
        let score = parse_score(argv.get(first + 2 * j)).unwrap_or(0.0);
        let member = argv.get(first + 2 * j + 1);
        match z.add(score, member, flags, limits) {
            Added::Added(s) => {
                added += 1;
                processed += 1;
                last = s;
            }
            Added::Updated(s) => {
                updated += 1;
                processed += 1;
                last = s;
            }
            Added::Same(s) => {
                processed += 1;
                last = s;
            }
            Added::Nop => {}
            Added::Nan => {
                nan = true;
                break;
            }
        }
    }
    match fresh {
        Some(z) if !z.is_empty() => ctx.srv.ks.set(db, key, Val::ZSet(Box::new(z)), false),
        Some(_) => {}
        None if added + updated > 0 => ctx.srv.ks.touch(db, key),
        None => {}
    }
    if added + updated > 0 {
        let event = if flags.incr { "zincr" } else { "zadd" };
        ctx.notify(ZSET, event, key);
    }
    if nan {
        ctx.out.error("ERR resulting score is not a number (NaN)");
    } else if flags.incr {
        if processed > 0 {
            reply_score(&mut ctx.out, last);
        } else {
            ctx.out.null();
        }
    } else {
        ctx.out.int(if ch { added + updated } else { added });
    }
}

/// `ZREM key member [member ...]`
pub fn zrem(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let key = argv.get(1);
    let z = match ctx.srv.ks.write_as::<ZSet>(db, key) {
        Ok(None) => return ctx.out.int(0),
        Err(WrongType) => return ctx.wrong_type(),
        Ok(Some(z)) => z,
    };
    let mut deleted = 0;
    for m in argv.iter().skip(2) {
        if z.remove(m) {
            deleted += 1;
            if z.is_empty() {
                break;
            }
        }
    }
    let emptied = z.is_empty();
    if deleted > 0 {
        ctx.changed(ZSET, "zrem", key, emptied);
    }
    ctx.out.int(deleted);
}
