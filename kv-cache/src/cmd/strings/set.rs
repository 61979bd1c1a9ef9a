//! Writing whole strings: SET and its options, SETNX, SETEX, PSETEX,
//! GETSET, MSET, MSETNX. Redis: `setGenericCommand` and its callers in
//! `src/t_string.c`.

use crate::cmd::args::value_arg;
use crate::cmd::lookup::{Str, Typed, WrongType};
use crate::cmd::{Ctx, int_arg, is};
use crate::db::Val;
use crate::notify::{GENERIC, STRING};
use crate::protocol::Argv;

/// Options of `SET` and `GETEX`. Redis: `OBJ_SET_*` flags.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct SetOpts {
    pub(super) nx: bool,
    pub(super) xx: bool,
    pub(super) get: bool,
    pub(super) keep_ttl: bool,
    pub(super) persist: bool,
    /// `EX`/`PX`/`EXAT`/`PXAT`: (argument index, unit ms, absolute).
    pub(super) expire: Option<(usize, i64, bool)>,
}

/// Parses `[NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL|PERSIST]` from
/// `argv[from..]`, with Redis's conflict rules
/// (`parseExtendedStringArgumentsOrReply`): `set` allows NX/XX/GET/KEEPTTL,
/// `getex` allows PERSIST; a repeated option is fine, a conflicting one a
/// syntax error.
pub(super) fn parse_set_opts(argv: &Argv<'_>, from: usize, is_set: bool) -> Option<SetOpts> {
    let mut o = SetOpts::default();
    let mut j = from;
    while j < argv.len() {
        let a = argv.get(j);
        let has_next = j + 1 < argv.len();
        let timed = |o: &SetOpts, unit: i64, abs: bool| match o.expire {
            None => true,
            Some((_, u, a)) => u == unit && a == abs,
        };
        if is_set && is(a, "nx") && !o.xx {
            o.nx = true;
        } else if is_set && is(a, "xx") && !o.nx {
            o.xx = true;
        } else if is_set && is(a, "get") {
            o.get = true;
        } else if is_set && is(a, "keepttl") && !o.persist && o.expire.is_none() {
            o.keep_ttl = true;
        } else if !is_set && is(a, "persist") && o.expire.is_none() && !o.keep_ttl {
            o.persist = true;
        } else if has_next && !o.keep_ttl && !o.persist && is(a, "ex") && timed(&o, 1000, false) {
            o.expire = Some((j + 1, 1000, false));
            j += 1;
        } else if has_next && !o.keep_ttl && !o.persist && is(a, "px") && timed(&o, 1, false) {
            o.expire = Some((j + 1, 1, false));
            j += 1;
        } else if has_next && !o.keep_ttl && !o.persist && is(a, "exat") && timed(&o, 1000, true) {
            o.expire = Some((j + 1, 1000, true));
            j += 1;
        } else if has_next && !o.keep_ttl && !o.persist && is(a, "pxat") && timed(&o, 1, true) {
            o.expire = Some((j + 1, 1, true));
            j += 1;
        } else {
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// Converts an expire argument to an absolute Unix-ms deadline, replying
/// Redis's error on failure (`getExpireMillisecondsOrReply`).
pub(super) fn expire_deadline(
    ctx: &mut Ctx<'_>,
    arg: &[u8],
    unit_ms: i64,
    absolute: bool,
    cmd: &str,
) -> Option<i64> {
    let n = int_arg(ctx, arg)?;
    let invalid = |ctx: &mut Ctx<'_>| {
        ctx.out
            .error(&format!("ERR invalid expire time in '{cmd}' command"))
    };
    if n <= 0 || (unit_ms == 1000 && n > i64::MAX / 1000) {
        invalid(ctx);
        return None;
    }
    let mut ms = n * unit_ms;
    if !absolute {
        match ms.checked_add(ctx.srv.ks.now_ms) {
            Some(v) => ms = v,
            None => {
                invalid(ctx);
                return None;
            }
        }
    }
    Some(ms)
}

/// `SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT t|KEEPTTL]`
pub fn set(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(o) = parse_set_opts(argv, 3, true) else {
        return ctx.syntax_error();
    };
    let deadline = match o.expire {
        Some((i, unit, abs)) => match expire_deadline(ctx, argv.get(i), unit, abs, "set") {
            Some(d) => Some(d),
            None => return,
        },
        None => None,
    };
    let db = ctx.db();
    let key = argv.get(1);
    let ks = &mut ctx.srv.ks;
    let found = if o.get {
        match ks.read_as::<Str>(db, key) {
            Ok(Some(v)) => {
                v.with_bytes(|b| ctx.out.bulk(b));
                true
            }
            Ok(None) => {
                ctx.out.null();
                false
            }
            Err(WrongType) => return ctx.wrong_type(),
        }
    } else if o.nx || o.xx {
        ks.exists(db, key)
    } else {
        false
    };
    if (o.nx && found) || (o.xx && !found) {
        if !o.get {
            ctx.out.null();
        }
        return;
    }
    ks.set(db, key, value_arg(argv, 2), o.keep_ttl);
    ctx.notify(STRING, "set", key);
    if let Some(at) = deadline {
        ctx.srv.ks.set_expire(db, key, Some(at));
        ctx.notify(GENERIC, "expire", key);
        // Replayed with the absolute deadline, options dropped: a replica
        // must not re-read the clock (Redis `setGenericCommand`).
        propagate_pxat(ctx, key, argv.get(2), at);
    } else if o.get && ctx.propagating() {
        // Replayed without `GET`: the replica has nobody to answer.
        let rest: Vec<&[u8]> = argv
            .iter()
            .enumerate()
            .filter(|&(j, a)| j < 3 || !is(a, "get"))
            .map(|(_, a)| a)
            .collect();
        ctx.propagate_as(&rest);
    }
    if !o.get {
        ctx.out.ok();
    }
}

/// Replays a write with a TTL as `SET key value PXAT <abs ms>`.
fn propagate_pxat(ctx: &mut Ctx<'_>, key: &[u8], val: &[u8], at: i64) {
    if ctx.propagating() {
        let at = at.to_string();
        ctx.propagate_as(&[b"SET", key, val, b"PXAT", at.as_bytes()]);
    }
}

/// `SETNX key value`
pub fn setnx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    if ks.exists(db, argv.get(1)) {
        ctx.out.int(0);
    } else {
        ks.set(db, argv.get(1), value_arg(argv, 2), false);
        ctx.notify(STRING, "set", argv.get(1));
        ctx.out.int(1);
    }
}

fn set_with_expire(ctx: &mut Ctx<'_>, argv: &Argv<'_>, unit: i64, cmd: &str) {
    let Some(at) = expire_deadline(ctx, argv.get(2), unit, false, cmd) else {
        return;
    };
    let db = ctx.db();
    ctx.srv.ks.set(db, argv.get(1), value_arg(argv, 3), false);
    ctx.notify(STRING, "set", argv.get(1));
    ctx.srv.ks.set_expire(db, argv.get(1), Some(at));
    ctx.notify(GENERIC, "expire", argv.get(1));
    propagate_pxat(ctx, argv.get(1), argv.get(3), at);
    ctx.out.ok();
}

/// `SETEX key seconds value`
pub fn setex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    set_with_expire(ctx, argv, 1000, "setex");
}

/// `PSETEX key milliseconds value`
pub fn psetex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    set_with_expire(ctx, argv, 1, "psetex");
}

/// `GETSET key value`: the old value; the TTL is dropped.
pub fn getset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    match ks.read_as::<Str>(db, argv.get(1)) {
        Ok(Some(v)) => v.with_bytes(|b| ctx.out.bulk(b)),
        Ok(None) => ctx.out.null(),
        Err(WrongType) => return ctx.wrong_type(),
    }
    ks.set(db, argv.get(1), value_arg(argv, 2), false);
    ctx.notify(STRING, "set", argv.get(1));
    ctx.propagate_as(&[b"SET", argv.get(1), argv.get(2)]);
}

/// `MSET key value [key value ...]`
pub fn mset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len().is_multiple_of(2) {
        return ctx.wrong_arity("mset");
    }
    let db = ctx.db();
    for i in (1..argv.len()).step_by(2) {
        ctx.srv
            .ks
            .set(db, argv.get(i), Val::from_bytes(argv.get(i + 1)), false);
        ctx.notify(STRING, "set", argv.get(i));
    }
    ctx.out.ok();
}

/// `MSETNX key value [key value ...]`: all or nothing.
pub fn msetnx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len().is_multiple_of(2) {
        return ctx.wrong_arity("msetnx");
    }
    let db = ctx.db();
    if (1..argv.len())
        .step_by(2)
        .any(|i| ctx.srv.ks.exists(db, argv.get(i)))
    {
        return ctx.out.int(0);
    }
    for i in (1..argv.len()).step_by(2) {
        ctx.srv
            .ks
            .set(db, argv.get(i), Val::from_bytes(argv.get(i + 1)), false);
        ctx.notify(STRING, "set", argv.get(i));
    }
    ctx.out.int(1);
}
