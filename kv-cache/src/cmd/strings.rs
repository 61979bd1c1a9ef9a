//! String commands. Redis: `src/t_string.c`.

use super::args::value_arg;
use super::{Ctx, int_arg, is};
use crate::db::Val;
use crate::notify::{GENERIC, STRING};
use crate::protocol::Argv;

/// `GET key`
pub fn get(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.get(db, argv.get(1)) {
        Some(v) if v.is_string() => v.with_bytes(|b| ctx.out.bulk(b)),
        Some(_) => ctx.wrong_type(),
        None => ctx.out.null(),
    }
}

/// Options of `SET` and `GETEX`. Redis: `OBJ_SET_*` flags.
#[derive(Debug, Default, Clone, Copy)]
struct SetOpts {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    /// `EX`/`PX`/`EXAT`/`PXAT`: (argument index, unit ms, absolute).
    expire: Option<(usize, i64, bool)>,
}

/// Parses `[NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL|PERSIST]` from
/// `argv[from..]`, with Redis's conflict rules
/// (`parseExtendedStringArgumentsOrReply`): `set` allows NX/XX/GET/KEEPTTL,
/// `getex` allows PERSIST; a repeated option is fine, a conflicting one a
/// syntax error.
fn parse_set_opts(argv: &Argv<'_>, from: usize, is_set: bool) -> Option<SetOpts> {
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
pub(crate) fn expire_deadline(
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
        match ks.get(db, key) {
            Some(v) if !v.is_string() => return ctx.wrong_type(),
            Some(v) => {
                v.with_bytes(|b| ctx.out.bulk(b));
                true
            }
            None => {
                ctx.out.null();
                false
            }
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
    match ks.get(db, argv.get(1)) {
        Some(v) if !v.is_string() => return ctx.wrong_type(),
        Some(v) => v.with_bytes(|b| ctx.out.bulk(b)),
        None => ctx.out.null(),
    }
    ks.set(db, argv.get(1), value_arg(argv, 2), false);
    ctx.notify(STRING, "set", argv.get(1));
    ctx.propagate_as(&[b"SET", argv.get(1), argv.get(2)]);
}

/// `GETDEL key`
pub fn getdel(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    if ctx
        .srv
        .ks
        .get(db, argv.get(1))
        .is_some_and(|v| !v.is_string())
    {
        return ctx.wrong_type();
    }
    match ctx.srv.ks.remove(db, argv.get(1)) {
        Some((v, _)) => {
            v.with_bytes(|b| ctx.out.bulk(b));
            ctx.notify(GENERIC, "del", argv.get(1));
            ctx.propagate_as(&[b"DEL", argv.get(1)]);
        }
        None => ctx.out.null(),
    }
}

/// `GETEX key [EX s|PX ms|EXAT t|PXAT t|PERSIST]`. The options are
/// parsed first, the expire time judged only once the key is found to be a
/// string, as Redis (`getexCommand`): a missing key answers nil whatever
/// the time says.
pub fn getex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(o) = parse_set_opts(argv, 2, false) else {
        return ctx.syntax_error();
    };
    let db = ctx.db();
    let key = argv.get(1);
    match ctx.srv.ks.get(db, key) {
        Some(v) if !v.is_string() => return ctx.wrong_type(),
        Some(_) => {}
        None => return ctx.out.null(),
    }
    let deadline = match o.expire {
        Some((i, unit, abs)) => match expire_deadline(ctx, argv.get(i), unit, abs, "getex") {
            Some(d) => Some(d),
            None => return,
        },
        None => None,
    };
    let ks = &mut ctx.srv.ks;
    if let Some(v) = ks.get_for_write(db, key) {
        v.with_bytes(|b| ctx.out.bulk(b));
    }
    // Never replayed as is: as the change it made (Redis `getexCommand`).
    match deadline {
        Some(at) if at <= ks.now_ms => {
            ks.remove(db, key);
            ctx.notify(GENERIC, "del", key);
            ctx.propagate_as(&[b"DEL", key]);
        }
        Some(at) => {
            ks.set_expire(db, key, Some(at));
            ks.touch(db, key);
            ctx.notify(GENERIC, "expire", key);
            if ctx.propagating() {
                let at = at.to_string();
                ctx.propagate_as(&[b"PEXPIREAT", key, at.as_bytes()]);
            }
        }
        None if o.persist && ks.expire_of(db, key).is_some() => {
            ks.set_expire(db, key, None);
            ks.touch(db, key);
            ctx.notify(GENERIC, "persist", key);
            ctx.propagate_as(&[b"PERSIST", key]);
        }
        None => {}
    }
}

/// `MGET key...`
pub fn mget(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    ctx.out.array(argv.len() - 1);
    for key in argv.iter().skip(1) {
        // MGET answers nil for keys that hold other types, as Redis.
        match ctx.srv.ks.get(db, key) {
            Some(v) if v.is_string() => v.with_bytes(|b| ctx.out.bulk(b)),
            _ => ctx.out.null(),
        }
    }
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

fn too_big(ctx: &mut Ctx<'_>, len: u64) -> bool {
    if len > ctx.srv.config.proto_max_bulk_len {
        ctx.out
            .error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return true;
    }
    false
}

/// `APPEND key value`: the new length.
pub fn append(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let add = argv.get(2);
    let cur_len = ctx
        .srv
        .ks
        .get_for_write(db, argv.get(1))
        .map(|v| v.is_string().then(|| v.str_len()));
    match cur_len {
        Some(None) => ctx.wrong_type(),
        None => {
            ctx.srv.ks.set(db, argv.get(1), Val::from_bytes(add), false);
            ctx.notify(STRING, "append", argv.get(1));
            ctx.out.int(add.len() as i64);
        }
        Some(Some(len)) => {
            if too_big(ctx, (len + add.len()) as u64) {
                return;
            }
            if let Some(v) = ctx.srv.ks.get_for_write(db, argv.get(1)) {
                let buf = v.make_buf();
                buf.extend_from_slice(add);
                ctx.out.int(buf.len() as i64);
            }
            ctx.srv.ks.touch(db, argv.get(1));
            ctx.notify(STRING, "append", argv.get(1));
        }
    }
}

/// `STRLEN key`
pub fn strlen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.get(db, argv.get(1)) {
        Some(v) if !v.is_string() => ctx.wrong_type(),
        v => ctx.out.int(v.map_or(0, |v| v.str_len()) as i64),
    }
}

/// `GETRANGE key start end` (inclusive, negative from the end).
pub fn getrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(mut start) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    let Some(mut end) = int_arg(ctx, argv.get(3)) else {
        return;
    };
    let db = ctx.db();
    let Some(v) = ctx.srv.ks.get(db, argv.get(1)) else {
        return ctx.out.bulk(b"");
    };
    if !v.is_string() {
        return ctx.wrong_type();
    }
    v.with_bytes(|b| {
        let len = b.len() as i64;
        if start < 0 && end < 0 && start > end {
            return ctx.out.bulk(b"");
        }
        if start < 0 {
            start += len;
        }
        if end < 0 {
            end += len;
        }
        start = start.max(0);
        end = end.max(0);
        if end >= len {
            end = len - 1;
        }
        if start > end || len == 0 {
            return ctx.out.bulk(b"");
        }
        ctx.out.bulk(&b[start as usize..=end as usize]);
    });
}

/// `SETRANGE key offset value`: the new length.
pub fn setrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(offset) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    if offset < 0 {
        return ctx.out.error("ERR offset is out of range");
    }
    let offset = offset as usize;
    let value = argv.get(3);
    let db = ctx.db();
    let key = argv.get(1);
    let cur_len = match ctx.srv.ks.get_for_write(db, key) {
        Some(v) if !v.is_string() => return ctx.wrong_type(),
        v => v.map(|v| v.str_len()),
    };
    if value.is_empty() {
        return ctx.out.int(cur_len.unwrap_or(0) as i64);
    }
    if too_big(ctx, (offset + value.len()) as u64) {
        return;
    }
    if cur_len.is_none() {
        ctx.srv.ks.set(db, key, Val::Buf(Box::default()), false);
    }
    if let Some(v) = ctx.srv.ks.get_for_write(db, key) {
        let buf = v.make_buf();
        if buf.len() < offset + value.len() {
            buf.resize(offset + value.len(), 0);
        }
        buf[offset..offset + value.len()].copy_from_slice(value);
        ctx.out.int(buf.len() as i64);
    }
    ctx.srv.ks.touch(db, key);
    ctx.notify(STRING, "setrange", key);
}
