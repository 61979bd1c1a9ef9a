//! ZPOPMIN, ZPOPMAX, ZMPOP and their blocking forms BZPOPMIN, BZPOPMAX,
//! BZMPOP. Redis: `genericZpopCommand`, `blockingGenericZpopCommand` and
//! `zmpopGenericCommand` in `src/t_zset.c`.
//!
//! The reply shapes differ by command and protocol:
//!
//! ```text
//!   ZPOPMIN k          [m, s]                      (RESP2 and 3)
//!   ZPOPMIN k 2        [m, s, m, s]  RESP2         [[m, s], [m, s]]  RESP3
//!   BZPOPMIN k 0       [k, m, s]
//!   ZMPOP 1 k MIN      [k, [[m, s], ...]]
//! ```

use super::reply_score;
use crate::cmd::args::{at_least_one, count_arg};
use crate::cmd::blocking::{OnTimeout, parse_timeout};
use crate::cmd::lookup::{Typed, WrongType};
use crate::cmd::{Ctx, is};
use crate::db::zset::ZSet;
use crate::notify::ZSET;
use crate::protocol::Argv;

/// How a pop replies.
#[derive(Debug, Clone, Copy)]
struct Shape {
    /// Lead with the key's name (blocking forms and ZMPOP).
    emit_key: bool,
    /// Members as `[member, score]` arrays.
    nested: bool,
    /// A null array rather than an empty one when no key has members.
    nil_when_empty: bool,
}

/// Where a pop looks: the first of `keys` holding a sorted set. `None`
/// when a key of another type comes first (WRONGTYPE was replied).
enum Source {
    /// The index in `keys` of the set to pop from.
    At(usize),
    /// No key exists.
    Nothing,
}

fn find_source(ctx: &mut Ctx<'_>, keys: &[&[u8]], tolerate_wrong_type: bool) -> Option<Source> {
    let db = ctx.db();
    for (i, k) in keys.iter().enumerate() {
        match ctx.srv.ks.write_as::<ZSet>(db, k) {
            Ok(None) => continue,
            // A blocked client retried on a key that is now of another
            // type keeps waiting: Redis serves blocked clients only from
            // keys of the type they wait for.
            Err(WrongType) if tolerate_wrong_type => continue,
            Err(WrongType) => {
                ctx.wrong_type();
                return None;
            }
            Ok(Some(_)) => return Some(Source::At(i)),
        }
    }
    Some(Source::Nothing)
}

/// Pops up to `count` members (-1: one, in the single-pop shape) from
/// `key`, known to hold a non-empty sorted set (`genericZpopCommand`
/// after its key search); returns how many it popped.
fn pop_from(ctx: &mut Ctx<'_>, key: &[u8], max: bool, count: i64, shape: Shape) -> usize {
    let db = ctx.db();
    let Ok(Some(z)) = ctx.srv.ks.write_as::<ZSet>(db, key) else {
        ctx.out.null_array();
        return 0;
    };
    if count == 0 {
        ctx.out.array(0);
        return 0;
    }
    let count = if count < 0 { 1 } else { count as usize };
    let n = count.min(z.len());
    let out = &mut ctx.out;
    match (shape.nested, shape.emit_key) {
        (false, false) => out.array(2 * n),
        (true, false) => out.array(n),
        (false, true) => {
            out.array(2 * n + 1);
            out.bulk(key);
        }
        (true, true) => {
            out.array(2);
            out.bulk(key);
            out.array(n);
        }
    }
    for _ in 0..n {
        let Some(p) = z.end(max) else {
            break;
        };
        let (m, s) = z.get(p);
        if shape.nested {
            out.array(2);
        }
        out.bulk(m);
        reply_score(out, s);
        z.pop_discard(max);
    }
    let emptied = z.is_empty();
    let event = if max { "zpopmax" } else { "zpopmin" };
    ctx.changed(ZSET, event, key, emptied);
    n
}

/// Replays a pop of `n` members from `key` as `ZPOPMIN|ZPOPMAX key [n]`
/// (`n` omitted for the single-pop form): a replica must neither block
/// nor search keys (Redis `bzpopMinMaxCommand`, `genericZpopCommand`).
fn replay_pop(ctx: &mut Ctx<'_>, key: &[u8], max: bool, n: Option<usize>) {
    if !ctx.propagating() {
        return;
    }
    let name: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
    match n {
        Some(n) => {
            let n = n.to_string();
            ctx.propagate_as(&[name, key, n.as_bytes()]);
        }
        None => ctx.propagate_as(&[name, key]),
    }
}

/// The non-blocking pop over `keys`. `ZMPOP` (`replay_counted`) is
/// replayed as a counted `ZPOPMIN`/`ZPOPMAX`; the others as they are.
fn pop_generic(
    ctx: &mut Ctx<'_>,
    keys: &[&[u8]],
    max: bool,
    count: i64,
    shape: Shape,
    replay_counted: bool,
) {
    match find_source(ctx, keys, false) {
        None => {}
        Some(Source::Nothing) if shape.nil_when_empty => ctx.out.null_array(),
        Some(Source::Nothing) => ctx.out.array(0),
        Some(Source::At(i)) => {
            let n = pop_from(ctx, keys[i], max, count, shape);
            if replay_counted && n > 0 {
                replay_pop(ctx, keys[i], max, Some(n));
            }
        }
    }
}

/// The blocking pop: serve from the first key with members; else reply
/// the timeout's null when blocking is not allowed (MULTI), else block.
fn blocking_pop(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'_>,
    keys: &[&[u8]],
    deadline: Option<i64>,
    max: bool,
    count: i64,
    shape: Shape,
) {
    let retry = ctx.is_retry();
    match find_source(ctx, keys, retry) {
        None => {}
        Some(Source::At(i)) => {
            let n = pop_from(ctx, keys[i], max, count, shape);
            if n > 0 {
                replay_pop(ctx, keys[i], max, (count >= 0).then_some(n));
            }
        }
        Some(Source::Nothing) if !ctx.can_block() => ctx.out.null_array(),
        Some(Source::Nothing) => ctx.block(argv, keys, deadline, OnTimeout::NullArray),
    }
}

fn zpop_min_max(ctx: &mut Ctx<'_>, argv: &Argv<'_>, max: bool) {
    if argv.len() > 3 {
        return ctx.syntax_error();
    }
    let mut count = -1;
    if argv.len() == 3 {
        let Some(n) = count_arg(ctx, argv.get(2)) else {
            return;
        };
        count = n as i64;
    }
    // RESP3 nests pairs only when a count was given.
    let shape = Shape {
        emit_key: false,
        nested: ctx.out.resp > 2 && count != -1,
        nil_when_empty: false,
    };
    pop_generic(ctx, &[argv.get(1)], max, count, shape, false);
}

/// `ZPOPMIN key [count]`
pub fn zpopmin(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zpop_min_max(ctx, argv, false);
}

/// `ZPOPMAX key [count]`
pub fn zpopmax(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zpop_min_max(ctx, argv, true);
}

fn bzpop_min_max(ctx: &mut Ctx<'_>, argv: &Argv<'_>, max: bool) {
    let Some(deadline) = parse_timeout(ctx, argv.get(argv.len() - 1)) else {
        return;
    };
    let keys: Vec<&[u8]> = (1..argv.len() - 1).map(|i| argv.get(i)).collect();
    let shape = Shape {
        emit_key: true,
        nested: false,
        nil_when_empty: false,
    };
    blocking_pop(ctx, argv, &keys, deadline, max, -1, shape);
}

/// `BZPOPMIN key [key ...] timeout`
pub fn bzpopmin(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    bzpop_min_max(ctx, argv, false);
}

/// `BZPOPMAX key [key ...] timeout`
pub fn bzpopmax(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    bzpop_min_max(ctx, argv, true);
}

/// Parses `numkeys key... MIN|MAX [COUNT n]` from `at`: (keys, max, count).
fn parse_mpop<'a>(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'a>,
    at: usize,
) -> Option<(Vec<&'a [u8]>, bool, i64)> {
    let numkeys = at_least_one(ctx, argv.get(at), "ERR numkeys should be greater than 0")?;
    let where_at = numkeys
        .checked_add(at as u64 + 1)
        .filter(|w| *w < argv.len() as u64);
    let Some(where_at) = where_at.map(|w| w as usize) else {
        ctx.syntax_error();
        return None;
    };
    let w = argv.get(where_at);
    let max = if is(w, "min") {
        false
    } else if is(w, "max") {
        true
    } else {
        ctx.syntax_error();
        return None;
    };
    let mut count = -1;
    let mut j = where_at + 1;
    while j < argv.len() {
        if count == -1 && is(argv.get(j), "count") && j + 1 < argv.len() {
            j += 1;
            count = at_least_one(ctx, argv.get(j), "ERR count should be greater than 0")? as i64;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    let keys = (at + 1..where_at).map(|i| argv.get(i)).collect();
    Some((keys, max, if count == -1 { 1 } else { count }))
}

const MPOP_SHAPE: Shape = Shape {
    emit_key: true,
    nested: true,
    nil_when_empty: true,
};

/// `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]`
pub fn zmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some((keys, max, count)) = parse_mpop(ctx, argv, 1) else {
        return;
    };
    pop_generic(ctx, &keys, max, count, MPOP_SHAPE, true);
}

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`: the
/// arguments after the timeout are checked first, as Redis does.
pub fn bzmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some((keys, max, count)) = parse_mpop(ctx, argv, 2) else {
        return;
    };
    let Some(deadline) = parse_timeout(ctx, argv.get(1)) else {
        return;
    };
    blocking_pop(ctx, argv, &keys, deadline, max, count, MPOP_SHAPE);
}
