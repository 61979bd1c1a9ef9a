//! The set commands. Redis: `src/t_set.c`.
//!
//! - this file: membership (SADD SREM SISMEMBER SMISMEMBER SCARD SMEMBERS
//!   SMOVE) and SSCAN;
//! - `algebra` — SINTER SINTERCARD SUNION SDIFF and their STORE forms;
//! - `random` — SPOP and SRANDMEMBER;
//! - `scan` — the cursor and options SSCAN and HSCAN share.
//!
//! Writes call `touch` (Redis's `signalModifiedKey`) only when something
//! changed, as Redis does, and a set that becomes empty is deleted.

mod algebra;
pub(crate) mod random;

pub use algebra::{sdiff, sdiffstore, sinter, sintercard, sinterstore, sunion, sunionstore};
pub use random::{spop, srandmember};

use super::Ctx;
use super::scan;
use crate::cmd::lookup::{Typed, WrongType};
use crate::db::set::{Member, Set};
use crate::db::{Keyspace, Val};
use crate::notify::SET;
use crate::protocol::{Argv, Reply};

/// Writes a member as a bulk string (an intset member is formatted here).
#[inline]
pub(crate) fn bulk_member(out: &mut Reply<'_>, m: Member<'_>) {
    match m {
        Member::Int(v) => out.bulk_int(v),
        Member::Str(s) => out.bulk(s),
    }
}

/// `SADD key member [member ...]`: how many were new.
pub fn sadd(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let key = argv.get(1);
    let max = ctx.srv.config.set_max_intset_entries;
    let added = match ctx.srv.ks.write_as::<Set>(db, key) {
        Ok(Some(s)) => {
            let n = argv.iter().skip(2).filter(|m| s.add(m, max)).count();
            if n > 0 {
                ctx.srv.ks.touch(db, key);
                ctx.notify(SET, "sadd", key);
            }
            n
        }
        Ok(None) => {
            let mut s = Set::new_for(argv.get(2));
            let n = argv.iter().skip(2).filter(|m| s.add(m, max)).count();
            // The key was absent (and any expired one already deleted),
            // so there is no TTL to drop.
            ctx.srv.ks.set(db, key, Val::Set(Box::new(s)), true);
            ctx.notify(SET, "sadd", key);
            n
        }
        Err(WrongType) => return ctx.wrong_type(),
    };
    ctx.out.int(added as i64);
}

/// `SREM key member [member ...]`: how many were removed.
pub fn srem(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let key = argv.get(1);
    let (removed, emptied) = match ctx.srv.ks.write_as::<Set>(db, key) {
        Ok(Some(s)) => {
            let mut n = 0;
            for m in argv.iter().skip(2) {
                if s.remove(m) {
                    n += 1;
                    if s.is_empty() {
                        break;
                    }
                }
            }
            (n, s.is_empty())
        }
        Ok(None) => return ctx.out.int(0),
        Err(WrongType) => return ctx.wrong_type(),
    };
    if removed > 0 {
        ctx.changed(SET, "srem", key, emptied);
    }
    ctx.out.int(removed);
}

/// `SISMEMBER key member`
pub fn sismember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Set>(db, argv.get(1)) {
        Ok(Some(s)) => {
            let yes = s.contains(argv.get(2));
            ctx.out.int(i64::from(yes));
        }
        Ok(None) => ctx.out.int(0),
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// `SMISMEMBER key member [member ...]`: a 0/1 per member; a missing key
/// is an empty set.
pub fn smismember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let s = match ctx.srv.ks.read_as::<Set>(db, argv.get(1)) {
        Ok(s) => s,
        Err(WrongType) => return ctx.wrong_type(),
    };
    ctx.out.array(argv.len() - 2);
    for m in argv.iter().skip(2) {
        let yes = s.as_ref().is_some_and(|s| s.contains(m));
        ctx.out.int(i64::from(yes));
    }
}

/// `SCARD key`
pub fn scard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Set>(db, argv.get(1)) {
        Ok(s) => {
            let n = s.map_or(0, |s| s.len());
            ctx.out.int(n as i64);
        }
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// `SMEMBERS key`: a set reply (`~` in RESP3); an intset comes out sorted.
/// Redis 7.0 serves it with SINTER's code on one key; same replies.
pub fn smembers(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Set>(db, argv.get(1)) {
        Ok(Some(s)) => {
            ctx.out.set(s.len());
            s.for_each(|m| bulk_member(&mut ctx.out, m));
        }
        Ok(None) => ctx.out.set(0),
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// What SMOVE found at a key.
enum Kind {
    Missing,
    Set,
    Other,
}

fn kind_of(ks: &mut Keyspace, db: usize, key: &[u8]) -> Kind {
    match ks.get_for_write(db, key) {
        Some(Val::Set(_)) => Kind::Set,
        Some(_) => Kind::Other,
        None => Kind::Missing,
    }
}

/// `SMOVE source destination member`: 1 if moved (or, when source and
/// destination are the same set, if it is a member). Redis: `smoveCommand`.
pub fn smove(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (src, dst, member) = (argv.get(1), argv.get(2), argv.get(3));
    let ks = &mut ctx.srv.ks;
    let src_kind = kind_of(ks, db, src);
    let dst_kind = kind_of(ks, db, dst);
    match (src_kind, dst_kind) {
        (Kind::Missing, _) => return ctx.out.int(0),
        (Kind::Other, _) | (_, Kind::Other) => return ctx.wrong_type(),
        _ => {}
    }
    let max = ctx.srv.config.set_max_intset_entries;
    let Ok(Some(s)) = ks.write_as::<Set>(db, src) else {
        return ctx.out.int(0);
    };
    if src == dst {
        let yes = s.contains(member);
        return ctx.out.int(i64::from(yes));
    }
    if !s.remove(member) {
        return ctx.out.int(0);
    }
    let emptied = s.is_empty();
    ctx.changed(SET, "srem", src, emptied);
    let ks = &mut ctx.srv.ks;
    let added = match ks.write_as::<Set>(db, dst) {
        Ok(Some(d)) => {
            let added = d.add(member, max);
            if added {
                ks.touch(db, dst);
            }
            added
        }
        _ => {
            let mut d = Set::new_for(member);
            d.add(member, max);
            ks.set(db, dst, Val::Set(Box::new(d)), true);
            true
        }
    };
    if added {
        ctx.notify(SET, "sadd", dst);
    }
    ctx.out.int(1);
}

/// `SSCAN key cursor [MATCH pattern] [COUNT count]`. Redis: `sscanCommand`.
pub fn sscan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(mut cursor) = scan::cursor_arg(ctx, argv.get(2)) else {
        return;
    };
    let db = ctx.db();
    // Redis looks the key up before reading the options.
    match ctx.srv.ks.read_as::<Set>(db, argv.get(1)) {
        Ok(Some(_)) => {}
        Ok(None) => return scan::reply_empty(&mut ctx.out),
        Err(WrongType) => return ctx.wrong_type(),
    }
    let Some(opts) = scan::parse_opts(ctx, argv, 3, scan::Over::OneKey) else {
        return;
    };
    let Some(Val::Set(s)) = ctx.srv.ks.get_for_write(db, argv.get(1)) else {
        return scan::reply_empty(&mut ctx.out);
    };
    let mut items = Vec::new();
    let mut out = Reply::new(&mut items, ctx.out.resp);
    let mut n = 0;
    match &**s {
        Set::Ints(ints) => {
            for v in ints.iter() {
                Member::Int(v).with_bytes(|b| {
                    if opts.matches(b) {
                        out.bulk(b);
                        n += 1;
                    }
                });
            }
            cursor = 0;
        }
        Set::Table(d) => {
            let mut visited = 0usize;
            let mut budget = opts.count.saturating_mul(10);
            loop {
                cursor = d.scan(cursor, |e| {
                    visited += 1;
                    if opts.matches(e.key()) {
                        out.bulk(e.key());
                        n += 1;
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
