//! The hash commands. Redis: `src/t_hash.c`.
//!
//! - this file: HSET HMSET HSETNX HGET HMGET HDEL HEXISTS HLEN HSTRLEN
//!   HKEYS HVALS HGETALL HSCAN;
//! - `incr` — HINCRBY and HINCRBYFLOAT;
//! - `random` — HRANDFIELD.
//!
//! The conversion thresholds are read from the config at every write, as
//! Redis does, so `CONFIG SET hash-max-listpack-entries` applies to the
//! next write of any hash.

mod incr;
mod random;

pub use incr::{hincrby, hincrbyfloat};
pub use random::hrandfield;

use super::Ctx;
use super::scan;
use crate::cmd::lookup::{Typed, WrongType};
use crate::db::Val;
use crate::db::hash::{Hash, Limits};
use crate::notify::HASH;
use crate::protocol::{Argv, Reply};

/// Applies `edit` to the hash at `key`, creating it when missing (Redis's
/// `hashTypeLookupWriteOrCreate`), touches the key and sends `event`.
/// `edit` must write at least one field (so a created hash is never
/// empty). Replies WRONGTYPE and returns `None` for another type.
fn with_hash<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    event: &str,
    edit: impl FnOnce(&mut Hash, Limits) -> R,
) -> Option<R> {
    let db = ctx.db();
    let lim = Limits::of(&ctx.srv.config);
    match ctx.srv.ks.write_as::<Hash>(db, key) {
        Ok(Some(h)) => {
            let r = edit(h, lim);
            ctx.srv.ks.touch(db, key);
            ctx.notify(HASH, event, key);
            Some(r)
        }
        Ok(None) => {
            let mut h = Hash::new();
            let r = edit(&mut h, lim);
            // The key was absent (an expired one is already deleted), so
            // there is no TTL to drop.
            ctx.srv.ks.set(db, key, Val::Hash(Box::new(h)), true);
            ctx.notify(HASH, event, key);
            Some(r)
        }
        Err(WrongType) => {
            ctx.wrong_type();
            None
        }
    }
}

/// HSET and HMSET: the pairs after the key, an odd count is an arity error.
fn set_pairs(ctx: &mut Ctx<'_>, argv: &Argv<'_>, name: &str) -> Option<i64> {
    if argv.len() % 2 == 1 {
        ctx.wrong_arity(name);
        return None;
    }
    with_hash(ctx, argv.get(1), "hset", |h, lim| {
        let mut created = 0;
        for i in (2..argv.len()).step_by(2) {
            if h.set(argv.get(i), argv.get(i + 1), lim) {
                created += 1;
            }
        }
        created
    })
}

/// `HSET key field value [field value ...]`: how many fields were new.
pub fn hset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if let Some(n) = set_pairs(ctx, argv, "hset") {
        ctx.out.int(n);
    }
}

/// `HMSET key field value [field value ...]`: `OK` (deprecated HSET).
pub fn hmset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if set_pairs(ctx, argv, "hmset").is_some() {
        ctx.out.ok();
    }
}

/// `HSETNX key field value`: 1 if set, 0 if the field existed.
pub fn hsetnx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (key, field, value) = (argv.get(1), argv.get(2), argv.get(3));
    // Check first: an existing field changes nothing and touches nothing.
    match ctx.srv.ks.write_as::<Hash>(db, key) {
        Ok(Some(h)) if h.contains(field) => return ctx.out.int(0),
        Err(WrongType) => return ctx.wrong_type(),
        _ => {}
    }
    if with_hash(ctx, key, "hset", |h, lim| h.set(field, value, lim)).is_some() {
        ctx.out.int(1);
    }
}

/// `HGET key field`
pub fn hget(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Hash>(db, argv.get(1)) {
        Ok(h) => match h.and_then(|h| h.get(argv.get(2))) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        },
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// `HMGET key field [field ...]`: a value or null per field.
pub fn hmget(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let h = match ctx.srv.ks.read_as::<Hash>(db, argv.get(1)) {
        Ok(h) => h,
        Err(WrongType) => return ctx.wrong_type(),
    };
    ctx.out.array(argv.len() - 2);
    for f in argv.iter().skip(2) {
        match h.as_ref().and_then(|h| h.get(f)) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        }
    }
}

/// `HDEL key field [field ...]`: how many were removed.
pub fn hdel(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let key = argv.get(1);
    let (removed, emptied) = match ctx.srv.ks.write_as::<Hash>(db, key) {
        Ok(Some(h)) => {
            let mut n = 0;
            for f in argv.iter().skip(2) {
                if h.remove(f) {
                    n += 1;
                    if h.is_empty() {
                        break;
                    }
                }
            }
            (n, h.is_empty())
        }
        Ok(None) => return ctx.out.int(0),
        Err(WrongType) => return ctx.wrong_type(),
    };
    if removed > 0 {
        ctx.changed(HASH, "hdel", key, emptied);
    }
    ctx.out.int(removed);
}

/// `HEXISTS key field`
pub fn hexists(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Hash>(db, argv.get(1)) {
        Ok(h) => {
            let yes = h.is_some_and(|h| h.contains(argv.get(2)));
            ctx.out.int(i64::from(yes));
        }
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// `HLEN key`
pub fn hlen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Hash>(db, argv.get(1)) {
        Ok(h) => {
            let n = h.map_or(0, |h| h.len());
            ctx.out.int(n as i64);
        }
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// `HSTRLEN key field`: the value's length, 0 if missing.
pub fn hstrlen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Hash>(db, argv.get(1)) {
        Ok(h) => {
            let n = h.and_then(|h| h.get(argv.get(2))).map_or(0, <[u8]>::len);
            ctx.out.int(n as i64);
        }
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// What HKEYS, HVALS and HGETALL write per field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    Keys,
    Values,
    Both,
}

/// Redis: `genericHgetallCommand`. HGETALL replies a map (RESP3 `%`),
/// the others a flat array; listpack order is insertion order.
fn get_all(ctx: &mut Ctx<'_>, argv: &Argv<'_>, parts: Parts) {
    let db = ctx.db();
    let h = match ctx.srv.ks.read_as::<Hash>(db, argv.get(1)) {
        Ok(h) => h,
        Err(WrongType) => return ctx.wrong_type(),
    };
    let n = h.as_ref().map_or(0, |h| h.len());
    if parts == Parts::Both {
        ctx.out.map(n);
    } else {
        ctx.out.array(n);
    }
    if let Some(h) = h {
        let out = &mut ctx.out;
        h.for_each(|k, v| match parts {
            Parts::Keys => out.bulk(k),
            Parts::Values => out.bulk(v),
            Parts::Both => {
                out.bulk(k);
                out.bulk(v);
            }
        });
    }
}

/// `HKEYS key`
pub fn hkeys(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    get_all(ctx, argv, Parts::Keys);
}

/// `HVALS key`
pub fn hvals(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    get_all(ctx, argv, Parts::Values);
}

/// `HGETALL key`
pub fn hgetall(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    get_all(ctx, argv, Parts::Both);
}

/// `HSCAN key cursor [MATCH pattern] [COUNT count]`: field/value pairs,
/// flat; a listpack-encoded hash comes back whole with cursor 0. `MATCH`
/// filters on fields. Redis: `hscanCommand` + `scanGenericCommand`.
pub fn hscan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(mut cursor) = scan::cursor_arg(ctx, argv.get(2)) else {
        return;
    };
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Hash>(db, argv.get(1)) {
        Ok(Some(_)) => {}
        Ok(None) => return scan::reply_empty(&mut ctx.out),
        Err(WrongType) => return ctx.wrong_type(),
    }
    let Some(opts) = scan::parse_opts(ctx, argv, 3, scan::Over::OneKey) else {
        return;
    };
    let Some(Val::Hash(h)) = ctx.srv.ks.get_for_write(db, argv.get(1)) else {
        return scan::reply_empty(&mut ctx.out);
    };
    let mut items = Vec::new();
    let mut out = Reply::new(&mut items, ctx.out.resp);
    let mut n = 0;
    match &**h {
        Hash::Listpack(_) => {
            h.for_each(|k, v| {
                if opts.matches(k) {
                    out.bulk(k);
                    out.bulk(v);
                    n += 2;
                }
            });
            cursor = 0;
        }
        Hash::Table(d) => {
            let mut visited = 0usize;
            // Redis doubles COUNT for hashes (it counts fields and values)
            // before deriving the empty-bucket budget from it.
            let mut budget = opts.count.saturating_mul(20);
            loop {
                cursor = d.scan(cursor, |e| {
                    visited += 1;
                    if opts.matches(e.key()) {
                        out.bulk(e.key());
                        out.bulk(&e.value);
                        n += 2;
                    }
                });
                if cursor == 0 || budget == 0 || visited >= opts.count {
                    break;
                }
                budget -= 1;
            }
        }
    }
    scan::reply(&mut ctx.out, cursor, n, &items);
}
