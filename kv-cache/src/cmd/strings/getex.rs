//! Reading a string and changing its key in the same step: GETEX (the
//! TTL) and GETDEL. Redis: `getexCommand`, `getdelCommand`.

use super::set::{expire_deadline, parse_set_opts};
use crate::cmd::Ctx;
use crate::cmd::lookup::{Str, Typed, WrongType};
use crate::notify::GENERIC;
use crate::protocol::Argv;

/// `GETDEL key`
pub fn getdel(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    if let Err(WrongType) = ctx.srv.ks.read_as::<Str>(db, argv.get(1)) {
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
    match ctx.srv.ks.read_as::<Str>(db, key) {
        Ok(Some(_)) => {}
        Ok(None) => return ctx.out.null(),
        Err(WrongType) => return ctx.wrong_type(),
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
