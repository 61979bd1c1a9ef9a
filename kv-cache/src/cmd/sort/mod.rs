//! `SORT` and `SORT_RO`: the elements of a list, set or sorted set, sorted
//! by themselves or by the keys a pattern names, optionally mapped through
//! `GET` patterns and stored as a list. Redis: `sortCommandGeneric` in
//! `src/sort.c`.
//!
//! # Layout
//!
//! - this file: the options, loading the elements, the `LIMIT` window,
//!   the reply or the stored list;
//! - `pattern`: what a `BY`/`GET` pattern finds for an element;
//! - `order`: the weights and the comparison (Redis's `sortCompare`).
//!
//! `SORT key` must see a list, set or sorted set (else `WRONGTYPE`); a
//! missing key sorts as an empty list. `BY` with a pattern that has no `*`
//! (`BY nosort`) skips sorting: lists and sorted sets keep their own order
//! (a sorted set's is by score), and `LIMIT` then reads only its window —
//! except that a set sorted for `STORE` is sorted `ALPHA` anyway, so the
//! stored list does not depend on the set's hash order (Redis does this for
//! replication and scripts). `STORE` with an empty result deletes the
//! destination, which counts as a change (WATCH) only if it existed.

mod order;
mod pattern;

use order::{Item, Order, weight};
use pattern::Pattern;

use crate::cmd::{Ctx, is};
use crate::db::Val;
use crate::db::list::List;
use crate::notify::LIST;
use crate::protocol::{Argv, parse_i64};

/// What the options asked for.
struct Opts<'a> {
    desc: bool,
    alpha: bool,
    /// `LIMIT offset count` (count -1: to the end).
    limit: (i64, i64),
    store: Option<&'a [u8]>,
    /// The last `BY` pattern.
    by: Option<Pattern<'a>>,
    /// Some `BY` had no `*` (Redis never clears this: `BY nosort BY w_*`
    /// does not sort).
    dontsort: bool,
    gets: Vec<Pattern<'a>>,
}

/// Parses the options from `argv[2]` on, as Redis's loop: a word that does
/// not fit (or lacks its arguments) is a syntax error, `STORE` included
/// for `SORT_RO`.
fn parse<'a>(ctx: &mut Ctx<'_>, argv: &'a Argv<'_>, readonly: bool) -> Option<Opts<'a>> {
    let mut o = Opts {
        desc: false,
        alpha: false,
        limit: (0, -1),
        store: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
    };
    let mut j = 2;
    while j < argv.len() {
        let a = argv.get(j);
        let left = argv.len() - j - 1;
        if is(a, "asc") {
            o.desc = false;
        } else if is(a, "desc") {
            o.desc = true;
        } else if is(a, "alpha") {
            o.alpha = true;
        } else if is(a, "limit") && left >= 2 {
            let (Some(start), Some(count)) =
                (parse_i64(argv.get(j + 1)), parse_i64(argv.get(j + 2)))
            else {
                ctx.not_integer();
                return None;
            };
            o.limit = (start, count);
            j += 2;
        } else if !readonly && is(a, "store") && left >= 1 {
            o.store = Some(argv.get(j + 1));
            j += 1;
        } else if is(a, "by") && left >= 1 {
            let p = Pattern::parse(argv.get(j + 1));
            o.dontsort |= !p.names_keys();
            o.by = Some(p);
            j += 1;
        } else if is(a, "get") && left >= 1 {
            o.gets.push(Pattern::parse(argv.get(j + 1)));
            j += 1;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// The `LIMIT` window over `len` elements as Redis clamps it: `(start,
/// count)`, where `count` may be 0.
fn window(len: usize, (offset, count): (i64, i64)) -> (usize, usize) {
    let len = len as i64;
    let mut start = offset.clamp(0, len);
    let count = count.clamp(-1, len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);
    let n = (end - start + 1).max(0);
    (start.max(0) as usize, n as usize)
}

/// What the sorted key holds, loaded as owned elements (so that the
/// patterns can look keys up afterwards), and the window still to apply.
enum Loaded {
    /// All elements; the window applies after sorting.
    All(Vec<Item>),
    /// Only the window's elements, in their order (unsorted list or zset).
    Window(Vec<Item>),
}

/// Loads the elements of `key`; `Err(())` for a value of another type.
fn load(ctx: &mut Ctx<'_>, key: &[u8], dontsort: bool, o: &Opts<'_>) -> Result<Loaded, ()> {
    let db = ctx.db();
    let item = |b: &[u8]| Item::new(b.to_vec());
    Ok(match ctx.srv.ks.get(db, key) {
        None => Loaded::All(Vec::new()),
        Some(Val::List(l)) if dontsort => {
            let (start, n) = window(l.len(), o.limit);
            let items = if n == 0 {
                Vec::new()
            } else if o.desc {
                l.iter_rev_from(l.len() - 1 - start)
                    .take(n)
                    .map(item)
                    .collect()
            } else {
                l.iter_from(start).take(n).map(item).collect()
            };
            Loaded::Window(items)
        }
        Some(Val::List(l)) => Loaded::All(l.iter().map(item).collect()),
        Some(Val::Set(s)) => {
            let mut items = Vec::with_capacity(s.len());
            s.for_each(|m| items.push(m.with_bytes(item)));
            Loaded::All(items)
        }
        Some(Val::ZSet(z)) if dontsort => {
            let (start, n) = window(z.len(), o.limit);
            let mut items = Vec::with_capacity(n);
            let first = if o.desc {
                z.len().wrapping_sub(1 + start)
            } else {
                start
            };
            let mut at = if n == 0 { None } else { z.at_rank(first) };
            while let Some(p) = at.filter(|_| items.len() < n) {
                items.push(item(z.get(p).0));
                at = z.step(p, o.desc);
            }
            Loaded::Window(items)
        }
        Some(Val::ZSet(z)) => Loaded::All(z.iter().map(|(m, _)| item(m)).collect()),
        Some(_) => return Err(()),
    })
}

/// Gives each item what it is compared by; `false` when a weight is not a
/// number (Redis's "One or more scores can't be converted into double").
fn score(ctx: &mut Ctx<'_>, items: &mut [Item], by: Option<Pattern<'_>>, alpha: bool) -> bool {
    let db = ctx.db();
    let mut ok = true;
    for it in items.iter_mut() {
        let w = match by {
            Some(p) => match p.lookup(&mut ctx.srv.ks, db, &it.elem) {
                Some(v) if alpha => {
                    it.by = Some(v);
                    continue;
                }
                Some(v) => weight(&v),
                None => continue,
            },
            None if alpha => continue,
            // The element itself, read in place.
            None => weight(&it.elem),
        };
        match w {
            Some(w) => it.score = w,
            None => ok = false,
        }
    }
    ok
}

fn sort_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, readonly: bool) {
    let Some(mut o) = parse(ctx, argv, readonly) else {
        return;
    };
    let key = argv.get(1);
    let mut dontsort = o.dontsort;
    let db = ctx.db();
    let is_set = match ctx.srv.ks.get_for_write(db, key) {
        Some(Val::Set(_)) => true,
        // Redis converts a listpack sorted set to a skiplist for SORT, for
        // good (`OBJECT ENCODING` shows it).
        Some(Val::ZSet(z)) => {
            z.make_big();
            false
        }
        _ => false,
    };
    if dontsort && is_set && o.store.is_some() {
        dontsort = false;
        o.alpha = true;
        o.by = None;
    }
    let (mut items, windowed) = match load(ctx, key, dontsort, &o) {
        Ok(Loaded::All(items)) => (items, false),
        Ok(Loaded::Window(items)) => (items, true),
        Err(()) => return ctx.wrong_type(),
    };
    if !dontsort {
        if !score(ctx, &mut items, o.by, o.alpha) {
            return ctx
                .out
                .error("ERR One or more scores can't be converted into double");
        }
        let order = Order {
            alpha: o.alpha,
            by_pattern: o.by.is_some(),
            binary: o.store.is_some(),
            desc: o.desc,
        };
        order.sort(&mut items);
    }
    let (start, n) = if windowed {
        (0, items.len())
    } else {
        window(items.len(), o.limit)
    };
    let chosen = &items[start..start + n];
    match o.store {
        None => reply(ctx, chosen, &o.gets),
        Some(dst) => store(ctx, dst, chosen, &o.gets),
    }
}

/// Replies the elements, or for each the values of the `GET` patterns
/// (nil where a pattern finds nothing).
fn reply(ctx: &mut Ctx<'_>, items: &[Item], gets: &[Pattern<'_>]) {
    let db = ctx.db();
    ctx.out.array(items.len() * gets.len().max(1));
    for it in items {
        if gets.is_empty() {
            ctx.out.bulk(&it.elem);
        }
        for g in gets {
            match g.lookup(&mut ctx.srv.ks, db, &it.elem) {
                Some(v) => ctx.out.bulk(&v),
                None => ctx.out.null(),
            }
        }
    }
}

/// Stores the result as a list at `dst` (a `GET` that finds nothing
/// stores an empty string), or deletes `dst` when it is empty; replies
/// the stored length.
fn store(ctx: &mut Ctx<'_>, dst: &[u8], items: &[Item], gets: &[Pattern<'_>]) {
    let db = ctx.db();
    let mut list = List::new(ctx.srv.config.list_max_listpack_size);
    for it in items {
        if gets.is_empty() {
            list.push_back(&it.elem);
        }
        for g in gets {
            let v = g.lookup(&mut ctx.srv.ks, db, &it.elem);
            list.push_back(v.as_deref().unwrap_or_default());
        }
    }
    let n = list.len();
    let stored = (n > 0).then(|| Val::List(Box::new(list)));
    ctx.store(dst, stored, LIST, "sortstore");
    ctx.out.int(n as i64);
}

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]`
pub fn sort(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sort_generic(ctx, argv, false);
}

/// `SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]`
pub fn sort_ro(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sort_generic(ctx, argv, true);
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn windows_clamp_as_redis() {
        assert_eq!(window(5, (0, -1)), (0, 5));
        assert_eq!(window(5, (1, 2)), (1, 2));
        assert_eq!(window(5, (-3, 2)), (0, 2));
        assert_eq!(window(5, (3, 100)), (3, 2));
        assert_eq!(window(5, (5, 1)), (4, 0));
        assert_eq!(window(5, (2, 0)), (2, 0));
        assert_eq!(window(5, (2, -7)), (2, 3));
        assert_eq!(window(0, (0, -1)), (0, 0));
        assert_eq!(window(0, (i64::MAX, i64::MAX)), (0, 0));
        assert_eq!(window(3, (i64::MIN, i64::MAX)), (0, 3));
    }
}
