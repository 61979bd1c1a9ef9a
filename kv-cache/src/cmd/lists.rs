//! List commands. Redis: `src/t_list.c`, and for `BLPOP`, `BRPOP`,
//! `BLMOVE`, `BRPOPLPUSH` and `BLMPOP` the serving half of `src/blocked.c`
//! (the parking half is [`super::blocking`]).
//!
//! Every handler follows Redis's order of checks, because the first
//! failing check decides the reply: some parse their numbers before looking
//! at the key (`LRANGE`, `LTRIM`, `LREM`), others look at the key first
//! (`LINDEX`, `LSET`). A list that becomes empty is deleted; one that is
//! changed in place is touched (`signalModifiedKey`); a new list is stored
//! with `Keyspace::set`, which wakes clients blocked on its key.
//!
//! Replies are written straight from the list's nodes into the reply
//! buffer (`LRANGE`, `LPOP` with a count), and pops hand the element to the
//! reply before deleting it, so the hot commands copy each element once.

use super::blocking::{OnTimeout, parse_timeout};
use super::{Ctx, int_arg, is};
use crate::db::list::List;
use crate::db::{Keyspace, Val};
use crate::protocol::{Argv, Reply, parse_i64};

const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
const RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

/// An end of a list: `LEFT` is the head, `RIGHT` the tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Head,
    Tail,
}

/// `LEFT`/`RIGHT` (any case). Redis: `getListPositionFromObjectOrReply`.
fn parse_end(arg: &[u8]) -> Option<End> {
    if is(arg, "left") {
        Some(End::Head)
    } else if is(arg, "right") {
        Some(End::Tail)
    } else {
        None
    }
}

/// What a key holds, as far as list commands care.
enum Slot<'a> {
    List(&'a mut List),
    Missing,
    WrongType,
}

impl<'a> From<Option<&'a mut Val>> for Slot<'a> {
    #[inline]
    fn from(v: Option<&'a mut Val>) -> Slot<'a> {
        match v {
            Some(Val::List(l)) => Slot::List(l),
            Some(_) => Slot::WrongType,
            None => Slot::Missing,
        }
    }
}

/// The key for a command that may change it (`lookupKeyWrite`).
#[inline]
fn for_write<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Slot<'a> {
    ks.get_for_write(db, key).into()
}

/// The key for a read-only command (`lookupKeyRead`: counts hits and misses).
#[inline]
fn for_read<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Slot<'a> {
    ks.get(db, key).into()
}

/// After an in-place change: deletes the key if the list is now empty,
/// else signals the change.
#[inline]
fn changed(ks: &mut Keyspace, db: usize, key: &[u8], empty: bool) {
    if empty {
        ks.remove(db, key);
    } else {
        ks.touch(db, key);
    }
}

#[inline]
fn push_one(l: &mut List, end: End, v: &[u8]) {
    match end {
        End::Head => l.push_front(v),
        End::Tail => l.push_back(v),
    }
}

/// Pops one element, handing it to `f` before it is deleted.
#[inline]
fn pop_one<R>(l: &mut List, end: End, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    match end {
        End::Head => l.pop_front_with(f),
        End::Tail => l.pop_back_with(f),
    }
}

/// Pops up to `count` elements from `end` and replies them as an array,
/// in pop order. Redis: `listPopRangeAndReplyWithKey`'s range part.
fn pop_range_reply(out: &mut Reply<'_>, l: &mut List, end: End, count: usize) {
    let n = count.min(l.len());
    out.array(n);
    match end {
        End::Head => {
            for v in l.iter().take(n) {
                out.bulk(v);
            }
            l.remove_front(n);
        }
        End::Tail => {
            for v in l.iter_rev().take(n) {
                out.bulk(v);
            }
            l.remove_back(n);
        }
    }
}

/// `start..=end` of `LRANGE`/`LTRIM` clamped to a list of `len` elements,
/// or `None` when the range is empty. Redis: the index arithmetic shared
/// by `lrangeGenericCommand` and `ltrimCommand`.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

/// `LPUSH`/`RPUSH`/`LPUSHX`/`RPUSHX`: push every element, reply the length.
fn push(ctx: &mut Ctx<'_>, argv: &Argv<'_>, end: End, only_existing: bool) {
    let db = ctx.db();
    let key = argv.get(1);
    let len = match for_write(&mut ctx.srv.ks, db, key) {
        Slot::List(l) => {
            for v in argv.iter().skip(2) {
                push_one(l, end, v);
            }
            l.len()
        }
        Slot::WrongType => return ctx.wrong_type(),
        Slot::Missing if only_existing => return ctx.out.int(0),
        Slot::Missing => {
            let mut l = List::new(ctx.srv.config.list_max_listpack_size);
            for v in argv.iter().skip(2) {
                push_one(&mut l, end, v);
            }
            let len = l.len();
            ctx.srv.ks.set(db, key, Val::List(Box::new(l)), false);
            return ctx.out.int(len as i64);
        }
    };
    ctx.srv.ks.touch(db, key);
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
        match parse_i64(argv.get(2)) {
            Some(n) if n >= 0 => Some(n as usize),
            _ => {
                return ctx.out.error("ERR value is out of range, must be positive");
            }
        }
    } else {
        None
    };
    let db = ctx.db();
    let key = argv.get(1);
    let empty = match for_write(&mut ctx.srv.ks, db, key) {
        Slot::WrongType => return ctx.wrong_type(),
        Slot::Missing if count.is_some() => return ctx.out.null_array(),
        Slot::Missing => return ctx.out.null(),
        // Redis 7.0: a count of 0 on an existing list is an empty array.
        Slot::List(_) if count == Some(0) => return ctx.out.array(0),
        Slot::List(l) => {
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
    changed(&mut ctx.srv.ks, db, key, empty);
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
    match for_read(&mut ctx.srv.ks, db, argv.get(1)) {
        Slot::List(l) => ctx.out.int(l.len() as i64),
        Slot::Missing => ctx.out.int(0),
        Slot::WrongType => ctx.wrong_type(),
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
    match for_read(&mut ctx.srv.ks, db, argv.get(1)) {
        Slot::List(l) => match clamp_range(start, stop, l.len()) {
            Some((a, b)) => {
                let n = b - a + 1;
                ctx.out.array(n);
                for v in l.iter_from(a).take(n) {
                    ctx.out.bulk(v);
                }
            }
            None => ctx.out.array(0),
        },
        Slot::Missing => ctx.out.array(0),
        Slot::WrongType => ctx.wrong_type(),
    }
}

/// `LINDEX key index`: the key is checked before the index.
pub fn lindex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let index = parse_i64(argv.get(2));
    let db = ctx.db();
    match for_read(&mut ctx.srv.ks, db, argv.get(1)) {
        Slot::List(l) => match index {
            Some(i) => match l.resolve(i).and_then(|i| l.get(i)) {
                Some(v) => ctx.out.bulk(v),
                None => ctx.out.null(),
            },
            None => ctx.out.error(NOT_INTEGER),
        },
        Slot::Missing => ctx.out.null(),
        Slot::WrongType => ctx.wrong_type(),
    }
}

/// `LSET key index element`
pub fn lset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let index = parse_i64(argv.get(2));
    let db = ctx.db();
    let key = argv.get(1);
    match for_write(&mut ctx.srv.ks, db, key) {
        Slot::List(l) => {
            let Some(i) = index else {
                return ctx.out.error(NOT_INTEGER);
            };
            match l.resolve(i) {
                Some(i) if l.set(i, argv.get(3)) => {}
                _ => return ctx.out.error("ERR index out of range"),
            }
        }
        Slot::Missing => return ctx.out.error("ERR no such key"),
        Slot::WrongType => return ctx.wrong_type(),
    }
    ctx.srv.ks.touch(db, key);
    ctx.out.ok();
}

/// `LINSERT key BEFORE|AFTER pivot element`: the length, or -1 when the
/// pivot is not found.
pub fn linsert(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let after = match argv.get(2) {
        w if is(w, "after") => true,
        w if is(w, "before") => false,
        _ => return ctx.syntax_error(),
    };
    let db = ctx.db();
    let key = argv.get(1);
    let len = match for_write(&mut ctx.srv.ks, db, key) {
        Slot::List(l) => {
            if !l.insert_at_pivot(argv.get(3), argv.get(4), after) {
                return ctx.out.int(-1);
            }
            l.len()
        }
        Slot::Missing => return ctx.out.int(0),
        Slot::WrongType => return ctx.wrong_type(),
    };
    ctx.srv.ks.touch(db, key);
    ctx.out.int(len as i64);
}

/// `LREM key count element`
pub fn lrem(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(count) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    let db = ctx.db();
    let key = argv.get(1);
    let (removed, empty) = match for_write(&mut ctx.srv.ks, db, key) {
        Slot::List(l) => (l.remove_matching(argv.get(3), count), l.is_empty()),
        Slot::Missing => return ctx.out.int(0),
        Slot::WrongType => return ctx.wrong_type(),
    };
    if removed > 0 {
        changed(&mut ctx.srv.ks, db, key, empty);
    }
    ctx.out.int(removed as i64);
}

/// `LTRIM key start stop`
pub fn ltrim(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(start) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    let Some(stop) = int_arg(ctx, argv.get(3)) else {
        return;
    };
    let db = ctx.db();
    let key = argv.get(1);
    let empty = match for_write(&mut ctx.srv.ks, db, key) {
        Slot::List(l) => {
            match clamp_range(start, stop, l.len()) {
                Some((a, b)) => l.retain_range(a, b),
                None => l.remove_front(l.len()),
            }
            l.is_empty()
        }
        Slot::Missing => return ctx.out.ok(),
        Slot::WrongType => return ctx.wrong_type(),
    };
    changed(&mut ctx.srv.ks, db, key, empty);
    ctx.out.ok();
}

/// The options of `LPOS`.
struct PosOpts {
    /// Which match to start from; negative counts from the tail.
    rank: i64,
    /// `COUNT`: how many matches to return (0 = all); `None` = one, unwrapped.
    count: Option<i64>,
    /// `MAXLEN`: how many elements to compare at most (0 = all).
    maxlen: i64,
}

/// Parses `[RANK r] [COUNT n] [MAXLEN m]` (later ones win), replying
/// Redis's error on failure.
fn parse_pos_opts(ctx: &mut Ctx<'_>, argv: &Argv<'_>) -> Option<PosOpts> {
    let mut o = PosOpts {
        rank: 1,
        count: None,
        maxlen: 0,
    };
    let mut j = 3;
    while j < argv.len() {
        let opt = argv.get(j);
        let has_arg = j + 1 < argv.len();
        if has_arg && is(opt, "rank") {
            o.rank = int_arg(ctx, argv.get(j + 1))?;
            if o.rank == 0 {
                ctx.out.error(RANK_ZERO);
                return None;
            }
        } else if has_arg && is(opt, "count") {
            match parse_i64(argv.get(j + 1)) {
                Some(n) if n >= 0 => o.count = Some(n),
                _ => {
                    ctx.out.error("ERR COUNT can't be negative");
                    return None;
                }
            }
        } else if has_arg && is(opt, "maxlen") {
            match parse_i64(argv.get(j + 1)) {
                Some(n) if n >= 0 => o.maxlen = n,
                _ => {
                    ctx.out.error("ERR MAXLEN can't be negative");
                    return None;
                }
            }
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 2;
    }
    Some(o)
}

/// Scans `elements` (in search order) for `needle` as `LPOS` does; `pos`
/// turns a scan index into a list index. Pushes the matches wanted into
/// `found`. Redis: the loop of `lposCommand`.
fn lpos_scan<'a>(
    elements: impl Iterator<Item = &'a [u8]>,
    needle: &[u8],
    o: &PosOpts,
    pos: impl Fn(i64) -> i64,
    found: &mut Vec<i64>,
) {
    // A negative rank searches from the tail; i64::MIN stays negative when
    // negated, and then every match qualifies — as in Redis.
    let rank = if o.rank < 0 {
        o.rank.wrapping_neg()
    } else {
        o.rank
    };
    let mut matches: i64 = 0;
    for (index, v) in (0i64..).zip(elements) {
        if o.maxlen != 0 && index >= o.maxlen {
            break;
        }
        if v != needle {
            continue;
        }
        matches += 1;
        if matches >= rank {
            found.push(pos(index));
            match o.count {
                // Wrapping: with rank i64::MIN, Redis's C arithmetic wraps too.
                Some(c) if c == 0 || matches.wrapping_sub(rank).wrapping_add(1) < c => {}
                _ => break,
            }
        }
    }
}

/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`
pub fn lpos(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(o) = parse_pos_opts(ctx, argv) else {
        return;
    };
    let db = ctx.db();
    let mut found = Vec::new();
    match for_read(&mut ctx.srv.ks, db, argv.get(1)) {
        Slot::List(l) => {
            let last = l.len() as i64 - 1;
            if o.rank > 0 {
                lpos_scan(l.iter(), argv.get(2), &o, |i| i, &mut found);
            } else {
                lpos_scan(l.iter_rev(), argv.get(2), &o, |i| last - i, &mut found);
            }
        }
        Slot::Missing => {}
        Slot::WrongType => return ctx.wrong_type(),
    }
    if o.count.is_some() {
        ctx.out.array(found.len());
        for p in found {
            ctx.out.int(p);
        }
    } else {
        match found.first() {
            Some(&p) => ctx.out.int(p),
            None => ctx.out.null(),
        }
    }
}

/// What [`move_one`] did.
enum Moved {
    /// Moved an element and replied it.
    Done,
    /// The source does not exist; nothing replied.
    NoSource,
    /// The source or the destination is not a list; nothing replied.
    WrongType,
}

/// Pops from `src`'s `from` end and pushes onto `dst`'s `to` end, replying
/// the element. The destination's type is checked before anything is
/// popped; `src == dst` rotates the list. Redis: `lmoveGenericCommand`.
fn move_one(ctx: &mut Ctx<'_>, src: &[u8], dst: &[u8], from: End, to: End) -> Moved {
    let db = ctx.db();
    let fill = ctx.srv.config.list_max_listpack_size;
    let ks = &mut ctx.srv.ks;
    match for_write(ks, db, src) {
        Slot::List(_) => {}
        Slot::Missing => return Moved::NoSource,
        Slot::WrongType => return Moved::WrongType,
    }
    if let Slot::WrongType = for_write(ks, db, dst) {
        return Moved::WrongType;
    }
    let Slot::List(l) = for_write(ks, db, src) else {
        return Moved::NoSource;
    };
    let Some(v) = pop_one(l, from, <[u8]>::to_vec) else {
        return Moved::NoSource;
    };
    if src == dst {
        push_one(l, to, &v);
        ks.touch(db, src);
    } else {
        let empty = l.is_empty();
        changed(ks, db, src, empty);
        match for_write(ks, db, dst) {
            Slot::List(d) => {
                push_one(d, to, &v);
                ks.touch(db, dst);
            }
            _ => {
                let mut d = List::new(fill);
                push_one(&mut d, to, &v);
                ks.set(db, dst, Val::List(Box::new(d)), false);
            }
        }
    }
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
        Moved::WrongType => ctx.wrong_type(),
    }
}

/// `RPOPLPUSH source destination`
pub fn rpoplpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    match move_one(ctx, argv.get(1), argv.get(2), End::Tail, End::Head) {
        Moved::Done => {}
        Moved::NoSource => ctx.out.null(),
        Moved::WrongType => ctx.wrong_type(),
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
    let numkeys = match parse_i64(argv.get(at)) {
        Some(n) if n > 0 => n as u64,
        _ => {
            ctx.out.error("ERR numkeys should be greater than 0");
            return None;
        }
    };
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
            match parse_i64(argv.get(j + 1)) {
                Some(n) if n > 0 => count = Some(n as usize),
                _ => {
                    ctx.out.error("ERR count should be greater than 0");
                    return None;
                }
            }
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
        match for_write(&mut ctx.srv.ks, db, key) {
            Slot::Missing => continue,
            Slot::WrongType if skip_wrong => continue,
            Slot::WrongType => {
                ctx.wrong_type();
                return true;
            }
            Slot::List(l) => {
                ctx.out.array(2);
                ctx.out.bulk(key);
                pop_range_reply(&mut ctx.out, l, m.end, m.count);
                let empty = l.is_empty();
                changed(&mut ctx.srv.ks, db, key, empty);
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
        match for_write(&mut ctx.srv.ks, db, key) {
            Slot::Missing => continue,
            // A woken client only takes from lists; a wrong type makes it wait on.
            Slot::WrongType if retry => continue,
            Slot::WrongType => return ctx.wrong_type(),
            Slot::List(l) => {
                let out = &mut ctx.out;
                out.array(2);
                out.bulk(key);
                pop_one(l, end, |v| out.bulk(v));
                let empty = l.is_empty();
                return changed(&mut ctx.srv.ks, db, key, empty);
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
        Moved::Done => {}
        Moved::WrongType if !ctx.is_retry() => ctx.wrong_type(),
        Moved::NoSource if !ctx.can_block() => ctx.out.null(),
        Moved::WrongType | Moved::NoSource => {
            ctx.block(argv, &[src], deadline, OnTimeout::NullBulk);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_clamp_as_redis() {
        assert_eq!(clamp_range(0, -1, 3), Some((0, 2)));
        assert_eq!(clamp_range(-100, 100, 3), Some((0, 2)));
        assert_eq!(clamp_range(-2, -1, 3), Some((1, 2)));
        assert_eq!(clamp_range(2, 1, 3), None);
        assert_eq!(clamp_range(3, 5, 3), None);
        assert_eq!(clamp_range(-2, -3, 3), None);
        assert_eq!(clamp_range(0, -1, 0), None);
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 3), Some((0, 2)));
    }

    /// `RANK -9223372036854775808` with a `COUNT` returns every match from
    /// the tail: redis-server's arithmetic wraps, and so does ours.
    #[test]
    fn lpos_with_the_smallest_rank_returns_all_matches() {
        let list: [&[u8]; 5] = [b"a", b"b", b"a", b"c", b"a"];
        let o = PosOpts {
            rank: i64::MIN,
            count: Some(1),
            maxlen: 0,
        };
        let mut found = Vec::new();
        lpos_scan(list.iter().rev().copied(), b"a", &o, |i| 4 - i, &mut found);
        assert_eq!(found, [4, 2, 0]);
    }
}
