//! Moving elements between lists, popping from several keys, and the
//! blocking forms: LMOVE, RPOPLPUSH, LMPOP, BLPOP, BRPOP, BLMOVE,
//! BRPOPLPUSH, BLMPOP.

use super::*;

/// What [`move_one`] did.
enum Moved {
    /// Moved an element and replied it.
    Done,
    /// The source does not exist; nothing replied.
    NoSource,
    /// The source is not a list; nothing replied.
    WrongType,
    /// The destination is not a list; nothing replied.
    WrongDestination,
}

/// Pops from `src`'s `from` end and pushes onto `dst`'s `to` end, replying
/// the element. The destination's type is checked before anything is
/// popped; `src == dst` rotates the list. Redis: `lmoveGenericCommand`.
fn move_one(ctx: &mut Ctx<'_>, src: &[u8], dst: &[u8], from: End, to: End) -> Moved {
    let db = ctx.db();
    let fill = ctx.srv.config.list_max_listpack_size;
    let ks = &mut ctx.srv.ks;
    match ks.write_as::<List>(db, src) {
        Ok(Some(_)) => {}
        Ok(None) => return Moved::NoSource,
        Err(WrongType) => return Moved::WrongType,
    }
    if let Err(WrongType) = ks.write_as::<List>(db, dst) {
        return Moved::WrongDestination;
    }
    let Ok(Some(l)) = ks.write_as::<List>(db, src) else {
        return Moved::NoSource;
    };
    let Some(v) = pop_one(l, from, <[u8]>::to_vec) else {
        return Moved::NoSource;
    };
    // Pushed first, then the source's pop is told and an emptied source
    // deleted: Redis's order of events (`lmoveGenericCommand`).
    // ANCHOR: lmove_events
    let src_empty = if src == dst {
        push_one(l, to, &v);
        false
    } else {
        let empty = l.is_empty();
        match ks.write_as::<List>(db, dst) {
            Ok(Some(d)) => {
                push_one(d, to, &v);
                ks.touch(db, dst);
            }
            _ => {
                let mut d = List::new(fill);
                push_one(&mut d, to, &v);
                ks.set(db, dst, Val::List(Box::new(d)), false);
            }
        }
        empty
    };
    ctx.notify(LIST, push_event(to), dst);
    ctx.changed(LIST, pop_event(from), src, src_empty);
    // ANCHOR_END: lmove_events
    ctx.out.bulk(&v);
    Moved::Done
}

/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`
pub fn lmove(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let (Some(from), Some(to)) = (parse_end(argv.get(3)), parse_end(argv.get(4))) else {
        return ctx.syntax_error();
    };
    match move_one(ctx, argv.get(1), argv.get(2), from, to) {
        Moved::Done => {}
        Moved::NoSource => ctx.out.null(),
        Moved::WrongType | Moved::WrongDestination => ctx.wrong_type(),
    }
}

/// `RPOPLPUSH source destination`
pub fn rpoplpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    match move_one(ctx, argv.get(1), argv.get(2), End::Tail, End::Head) {
        Moved::Done => {}
        Moved::NoSource => ctx.out.null(),
        Moved::WrongType | Moved::WrongDestination => ctx.wrong_type(),
    }
}

/// The parsed arguments of `LMPOP`/`BLMPOP`.
struct MPop {
    /// Argument indexes of the keys.
    keys: std::ops::Range<usize>,
    end: End,
    count: usize,
}

/// Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at
/// argument `at`, replying Redis's error on failure. Redis:
/// `lmpopGenericCommand`.
fn parse_mpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>, at: usize) -> Option<MPop> {
    let numkeys = at_least_one(ctx, argv.get(at), "ERR numkeys should be greater than 0")?;
    // The direction must follow the keys (checked without overflow).
    let where_at = match usize::try_from(numkeys) {
        Ok(n) if n < argv.len() - at - 1 => at + 1 + n,
        _ => {
            ctx.syntax_error();
            return None;
        }
    };
    let Some(end) = parse_end(argv.get(where_at)) else {
        ctx.syntax_error();
        return None;
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < argv.len() {
        if count.is_none() && j + 1 < argv.len() && is(argv.get(j), "count") {
            let n = at_least_one(ctx, argv.get(j + 1), "ERR count should be greater than 0")?;
            count = Some(usize::try_from(n).unwrap_or(usize::MAX));
            j += 2;
        } else {
            ctx.syntax_error();
            return None;
        }
    }
    Some(MPop {
        keys: at + 1..where_at,
        end,
        count: count.unwrap_or(1),
    })
}

/// Pops from the first non-empty list among `keys` and replies
/// `[key, [elements]]`; returns whether it replied (a pop, or `WRONGTYPE`
/// unless `skip_wrong`). Redis: `mpopGenericCommand`.
fn mpop_serve(ctx: &mut Ctx<'_>, argv: &Argv<'_>, m: &MPop, skip_wrong: bool) -> bool {
    let db = ctx.db();
    for i in m.keys.clone() {
        let key = argv.get(i);
        match ctx.srv.ks.write_as::<List>(db, key) {
            Ok(None) => continue,
            Err(WrongType) if skip_wrong => continue,
            Err(WrongType) => {
                ctx.wrong_type();
                return true;
            }
            Ok(Some(l)) => {
                let popped = m.count.min(l.len());
                ctx.out.array(2);
                ctx.out.bulk(key);
                pop_range_reply(&mut ctx.out, l, m.end, m.count);
                let empty = l.is_empty();
                ctx.changed(LIST, pop_event(m.end), key, empty);
                // Replayed as `[LR]POP key n`, n what was really taken
                // (Redis `mpopGenericCommand`).
                if ctx.propagating() {
                    let n = popped.to_string();
                    ctx.propagate_as(&[pop_name(m.end), key, n.as_bytes()]);
                }
                return true;
            }
        }
    }
    false
}

/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`
pub fn lmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(m) = parse_mpop(ctx, argv, 1) else {
        return;
    };
    if !mpop_serve(ctx, argv, &m, false) {
        ctx.out.null_array();
    }
}

/// `BLPOP`/`BRPOP key [key ...] timeout`. Redis: `blockingPopGenericCommand`.
fn bpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>, end: End) {
    let last = argv.len() - 1;
    let Some(deadline) = parse_timeout(ctx, argv.get(last)) else {
        return;
    };
    let retry = ctx.is_retry();
    let db = ctx.db();
    for i in 1..last {
        let key = argv.get(i);
        match ctx.srv.ks.write_as::<List>(db, key) {
            Ok(None) => continue,
            // A woken client only takes from lists; a wrong type makes it wait on.
            Err(WrongType) if retry => continue,
            Err(WrongType) => return ctx.wrong_type(),
            Ok(Some(l)) => {
                let out = &mut ctx.out;
                out.array(2);
                out.bulk(key);
                pop_one(l, end, |v| out.bulk(v));
                let empty = l.is_empty();
                ctx.changed(LIST, pop_event(end), key, empty);
                // A replica must not block: replayed as `[LR]POP key`.
                return ctx.propagate_as(&[pop_name(end), key]);
            }
        }
    }
    if !ctx.can_block() {
        return ctx.out.null_array();
    }
    let keys: Vec<&[u8]> = (1..last).map(|i| argv.get(i)).collect();
    ctx.block(argv, &keys, deadline, OnTimeout::NullArray);
}

/// `BLPOP key [key ...] timeout`
pub fn blpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    bpop(ctx, argv, End::Head);
}

/// `BRPOP key [key ...] timeout`
pub fn brpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    bpop(ctx, argv, End::Tail);
}

/// `BLMOVE`/`BRPOPLPUSH` once arguments are parsed. Redis:
/// `blmoveGenericCommand`: a missing source blocks (on the source only).
fn bmove(ctx: &mut Ctx<'_>, argv: &Argv<'_>, from: End, to: End, deadline: Option<i64>) {
    let (src, dst) = (argv.get(1), argv.get(2));
    match move_one(ctx, src, dst, from, to) {
        // Replayed in its non-blocking form (Redis `blmoveGenericCommand`).
        Moved::Done if argv.len() == 6 => {
            // Served later, Redis spells the ends itself, in lower case;
            // served at once, it keeps the client's words.
            let (f, t) = if ctx.is_retry() {
                (end_word(from), end_word(to))
            } else {
                (argv.get(3), argv.get(4))
            };
            ctx.propagate_as(&[b"LMOVE", src, dst, f, t]);
        }
        Moved::Done => ctx.propagate_as(&[b"RPOPLPUSH", src, dst]),
        // A woken client whose destination turned into another type gets
        // the error and is unblocked; the element stays in the source
        // (Redis `serveClientBlockedOnList`). Waiting on would hang it.
        Moved::WrongDestination => ctx.wrong_type(),
        Moved::WrongType if !ctx.is_retry() => ctx.wrong_type(),
        Moved::NoSource if !ctx.can_block() => ctx.out.null(),
        Moved::WrongType | Moved::NoSource => {
            ctx.block(argv, &[src], deadline, OnTimeout::NullBulk);
        }
    }
}

/// How Redis names `end` in the commands it writes itself.
fn end_word(end: End) -> &'static [u8] {
    match end {
        End::Head => b"left",
        End::Tail => b"right",
    }
}

/// The non-blocking pop that replays a pop from `end`.
fn pop_name(end: End) -> &'static [u8] {
    match end {
        End::Head => b"LPOP",
        End::Tail => b"RPOP",
    }
}

/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`
pub fn blmove(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let (Some(from), Some(to)) = (parse_end(argv.get(3)), parse_end(argv.get(4))) else {
        return ctx.syntax_error();
    };
    let Some(deadline) = parse_timeout(ctx, argv.get(5)) else {
        return;
    };
    bmove(ctx, argv, from, to, deadline);
}

/// `BRPOPLPUSH source destination timeout`
pub fn brpoplpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(deadline) = parse_timeout(ctx, argv.get(3)) else {
        return;
    };
    bmove(ctx, argv, End::Tail, End::Head, deadline);
}

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`: the
/// timeout is checked after the other arguments, as in Redis.
pub fn blmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(m) = parse_mpop(ctx, argv, 2) else {
        return;
    };
    let Some(deadline) = parse_timeout(ctx, argv.get(1)) else {
        return;
    };
    let retry = ctx.is_retry();
    if mpop_serve(ctx, argv, &m, retry) {
        return;
    }
    if !ctx.can_block() {
        return ctx.out.null_array();
    }
    let keys: Vec<&[u8]> = m.keys.map(|i| argv.get(i)).collect();
    ctx.block(argv, &keys, deadline, OnTimeout::NullArray);
}
