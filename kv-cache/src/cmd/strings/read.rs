//! Reading strings: GET, MGET, STRLEN, GETRANGE. Redis: `getCommand`,
//! `mgetCommand`, `strlenCommand`, `getrangeCommand` in `src/t_string.c`.

use crate::cmd::Ctx;
use crate::cmd::int_arg;
use crate::cmd::lookup::{Str, Typed, WrongType};
use crate::protocol::Argv;

/// `GET key`
pub fn get(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Str>(db, argv.get(1)) {
        Ok(Some(v)) => v.with_bytes(|b| ctx.out.bulk(b)),
        Ok(None) => ctx.out.null(),
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// `MGET key...`
pub fn mget(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    ctx.out.array(argv.len() - 1);
    for key in argv.iter().skip(1) {
        // MGET answers nil for keys that hold other types, as Redis.
        match ctx.srv.ks.read_as::<Str>(db, key) {
            Ok(Some(v)) => v.with_bytes(|b| ctx.out.bulk(b)),
            Ok(None) | Err(WrongType) => ctx.out.null(),
        }
    }
}

/// `STRLEN key`
pub fn strlen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Str>(db, argv.get(1)) {
        Ok(v) => ctx.out.int(v.map_or(0, |v| v.str_len()) as i64),
        Err(WrongType) => ctx.wrong_type(),
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
    let v = match ctx.srv.ks.read_as::<Str>(db, argv.get(1)) {
        Ok(Some(v)) => v,
        Ok(None) => return ctx.out.bulk(b""),
        Err(WrongType) => return ctx.wrong_type(),
    };
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
