//! Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX/XX/GT/LT),
//! TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST. Redis: `src/expire.c`.

use super::{Ctx, int_arg, is};
use crate::notify::GENERIC;
use crate::protocol::Argv;

/// `EXPIRE`-family core. Redis: `expireGenericCommand`.
fn expire_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, unit_ms: i64, absolute: bool, cmd: &str) {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for a in argv.iter().skip(3) {
        if is(a, "nx") {
            nx = true;
        } else if is(a, "xx") {
            xx = true;
        } else if is(a, "gt") {
            gt = true;
        } else if is(a, "lt") {
            lt = true;
        } else {
            return ctx.out.error(&format!(
                "ERR Unsupported option {}",
                String::from_utf8_lossy(a)
            ));
        }
    }
    if nx && (xx || gt || lt) {
        return ctx
            .out
            .error("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if gt && lt {
        return ctx
            .out
            .error("ERR GT and LT options at the same time are not compatible");
    }
    let Some(mut when) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    let invalid = format!("ERR invalid expire time in '{cmd}' command");
    if unit_ms == 1000 {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            return ctx.out.error(&invalid);
        }
        when *= 1000;
    }
    if !absolute {
        match when.checked_add(ctx.srv.ks.now_ms) {
            Some(w) => when = w,
            None => return ctx.out.error(&invalid),
        }
    }
    let db = ctx.db();
    let key = argv.get(1);
    let ks = &mut ctx.srv.ks;
    // A lookup for writing, as Redis's: it stamps the access clock.
    if ks.get_for_write(db, key).is_none() {
        return ctx.out.int(0);
    }
    let current = ks.expire_of(db, key);
    let refused = (nx && current.is_some())
        || (xx && current.is_none())
        || (gt && current.is_none_or(|c| when <= c))
        || (lt && current.is_some_and(|c| when >= c));
    if refused {
        return ctx.out.int(0);
    }
    if when <= ks.now_ms {
        ks.remove(db, key);
        ctx.notify(GENERIC, "del", key);
        ctx.propagate_as(&[b"DEL", key]);
    } else {
        ks.set_expire(db, key, Some(when));
        ks.touch(db, key);
        ctx.notify(GENERIC, "expire", key);
        propagate_pexpireat(ctx, argv, when, unit_ms == 1 && absolute);
    }
    ctx.out.int(1);
}

/// Replays an `EXPIRE` family command as `PEXPIREAT key <abs ms> [flags]`;
/// a `PEXPIREAT` keeps its own text (Redis `expireGenericCommand`).
fn propagate_pexpireat(ctx: &mut Ctx<'_>, argv: &Argv<'_>, when: i64, as_is: bool) {
    if as_is || !ctx.propagating() {
        return;
    }
    let when = when.to_string();
    let mut args: Vec<&[u8]> = vec![b"PEXPIREAT", argv.get(1), when.as_bytes()];
    args.extend(argv.iter().skip(3));
    ctx.propagate_as(&args);
}

/// `EXPIRE key seconds [NX|XX|GT|LT]`
pub fn expire(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    expire_generic(ctx, argv, 1000, false, "expire");
}

/// `PEXPIRE key milliseconds [NX|XX|GT|LT]`
pub fn pexpire(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    expire_generic(ctx, argv, 1, false, "pexpire");
}

/// `EXPIREAT key unix-seconds [NX|XX|GT|LT]`
pub fn expireat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    expire_generic(ctx, argv, 1000, true, "expireat");
}

/// `PEXPIREAT key unix-ms [NX|XX|GT|LT]`
pub fn pexpireat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    expire_generic(ctx, argv, 1, true, "pexpireat");
}

/// -2 if missing, -1 if no TTL, else the deadline. A `read` lookup
/// (`TTL` & co, not `PERSIST`) reports a miss, as Redis's
/// `lookupKeyReadWithFlags` does.
fn deadline(ctx: &mut Ctx<'_>, key: &[u8], read: bool) -> Result<i64, i64> {
    let db = ctx.db();
    if !ctx.srv.ks.exists(db, key) {
        if read {
            ctx.srv.ks.missed(db, key);
        }
        return Err(-2);
    }
    ctx.srv.ks.expire_of(db, key).ok_or(-1)
}

/// `TTL key`: seconds left, rounded.
pub fn ttl(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let now = ctx.srv.ks.now_ms;
    let r = deadline(ctx, argv.get(1), true).map(|at| ((at - now).max(0) + 500) / 1000);
    ctx.out.int(r.unwrap_or_else(|e| e));
}

/// `PTTL key`: milliseconds left.
pub fn pttl(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let now = ctx.srv.ks.now_ms;
    let r = deadline(ctx, argv.get(1), true).map(|at| (at - now).max(0));
    ctx.out.int(r.unwrap_or_else(|e| e));
}

/// `EXPIRETIME key`: the deadline in Unix seconds.
pub fn expiretime(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let r = deadline(ctx, argv.get(1), true).map(|at| at / 1000);
    ctx.out.int(r.unwrap_or_else(|e| e));
}

/// `PEXPIRETIME key`: the deadline in Unix ms.
pub fn pexpiretime(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let r = deadline(ctx, argv.get(1), true);
    ctx.out.int(r.unwrap_or_else(|e| e));
}

/// `PERSIST key`: 1 if a TTL was removed.
pub fn persist(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    // Redis looks the key up for writing, which stamps its access clock.
    let db = ctx.db();
    ctx.srv.ks.get_for_write(db, argv.get(1));
    let had = deadline(ctx, argv.get(1), false).is_ok();
    if had {
        ctx.srv.ks.set_expire(db, argv.get(1), None);
        ctx.srv.ks.touch(db, argv.get(1));
        ctx.notify(GENERIC, "persist", argv.get(1));
    }
    ctx.out.int(had as i64);
}
