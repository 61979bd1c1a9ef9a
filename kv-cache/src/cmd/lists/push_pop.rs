//! Pushing and popping at the ends, the length, and LRANGE.

use super::*;

/// `LPUSH`/`RPUSH`/`LPUSHX`/`RPUSHX`: push every element, reply the length.
fn push(ctx: &mut Ctx<'_>, argv: &Argv<'_>, end: End, only_existing: bool) {
    let db = ctx.db();
    let key = argv.get(1);
    let len = match ctx.srv.ks.write_as::<List>(db, key) {
        Ok(Some(l)) => {
            for v in argv.iter().skip(2) {
                push_one(l, end, v);
            }
            l.len()
        }
        Err(WrongType) => return ctx.wrong_type(),
        Ok(None) if only_existing => return ctx.out.int(0),
        Ok(None) => {
            let mut l = List::new(ctx.srv.config.list_max_listpack_size);
            for v in argv.iter().skip(2) {
                push_one(&mut l, end, v);
            }
            let len = l.len();
            ctx.srv.ks.set(db, key, Val::List(Box::new(l)), false);
            ctx.notify(LIST, push_event(end), key);
            return ctx.out.int(len as i64);
        }
    };
    ctx.srv.ks.touch(db, key);
    ctx.notify(LIST, push_event(end), key);
    ctx.out.int(len as i64);
}

/// `LPUSH key element [element ...]`
pub fn lpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    push(ctx, argv, End::Head, false);
}

/// `RPUSH key element [element ...]`
pub fn rpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    push(ctx, argv, End::Tail, false);
}

/// `LPUSHX key element [element ...]`
pub fn lpushx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    push(ctx, argv, End::Head, true);
}

/// `RPUSHX key element [element ...]`
pub fn rpushx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    push(ctx, argv, End::Tail, true);
}

/// `LPOP`/`RPOP key [count]`. Redis: `popGenericCommand`.
fn pop(ctx: &mut Ctx<'_>, argv: &Argv<'_>, end: End, name: &str) {
    if argv.len() > 3 {
        return ctx.wrong_arity(name);
    }
    let count = if argv.len() == 3 {
        let Some(n) = count_arg(ctx, argv.get(2)) else {
            return;
        };
        Some(usize::try_from(n).unwrap_or(usize::MAX))
    } else {
        None
    };
    let db = ctx.db();
    let key = argv.get(1);
    let empty = match ctx.srv.ks.write_as::<List>(db, key) {
        Err(WrongType) => return ctx.wrong_type(),
        Ok(None) if count.is_some() => return ctx.out.null_array(),
        Ok(None) => return ctx.out.null(),
        // Redis 7.0: a count of 0 on an existing list is an empty array.
        Ok(Some(_)) if count == Some(0) => return ctx.out.array(0),
        Ok(Some(l)) => {
            let out = &mut ctx.out;
            match count {
                Some(n) => pop_range_reply(out, l, end, n),
                None => {
                    pop_one(l, end, |v| out.bulk(v));
                }
            }
            l.is_empty()
        }
    };
    ctx.changed(LIST, pop_event(end), key, empty);
}

/// `LPOP key [count]`
pub fn lpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    pop(ctx, argv, End::Head, "lpop");
}

/// `RPOP key [count]`
pub fn rpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    pop(ctx, argv, End::Tail, "rpop");
}

/// `LLEN key`
pub fn llen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.read_as::<List>(db, argv.get(1)) {
        Ok(Some(l)) => ctx.out.int(l.len() as i64),
        Ok(None) => ctx.out.int(0),
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// `LRANGE key start stop`: the reply is written from the nodes directly.
pub fn lrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(start) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    let Some(stop) = int_arg(ctx, argv.get(3)) else {
        return;
    };
    let db = ctx.db();
    match ctx.srv.ks.read_as::<List>(db, argv.get(1)) {
        Ok(Some(l)) => match clamp_range(start, stop, l.len()) {
            Some((a, b)) => {
                let n = b - a + 1;
                ctx.out.array(n);
                for v in l.iter_from(a).take(n) {
                    ctx.out.bulk(v);
                }
            }
            None => ctx.out.array(0),
        },
        Ok(None) => ctx.out.array(0),
        Err(WrongType) => ctx.wrong_type(),
    }
}
