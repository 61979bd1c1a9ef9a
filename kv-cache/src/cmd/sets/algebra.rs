//! Set algebra: SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE,
//! SDIFF, SDIFFSTORE. Redis: `sinterGenericCommand` and
//! `sunionDiffGenericCommand` in `src/t_set.c`, whose steps we follow
//! closely because they decide more than the members:
//!
//! - a missing key is an empty set, a key of another type is WRONGTYPE
//!   (every key is checked, even after a missing one);
//! - results are built as Redis builds them — a fresh set that starts as an
//!   intset and converts on the first non-integer — so a stored result has
//!   Redis's encoding, and SUNION/SDIFF of integers reply in ascending order;
//! - SDIFF picks between Redis's two algorithms by the same cost estimate,
//!   since the second (add all of the first set, then remove) can leave a
//!   hashtable where the first leaves an intset;
//! - a STORE with an empty result deletes the destination.

use std::cmp::Reverse;

use super::super::Ctx;
use super::super::args::{at_least_one, range_arg};
use super::bulk_member;
use crate::db::set::Set;
use crate::db::{Keyspace, Val};
use crate::notify::SET;
use crate::protocol::{Argv, Reply};

/// Looks up every key (lazily expiring, counting keyspace hits and
/// misses: Redis 7.0 reads the sources with `lookupKeyRead` even for a
/// STORE) and checks its type; replies WRONGTYPE and returns false on a
/// non-set.
fn check_keys(ctx: &mut Ctx<'_>, keys: &[&[u8]]) -> bool {
    let db = ctx.db();
    for k in keys {
        if matches!(ctx.srv.ks.get(db, k), Some(v) if !matches!(v, Val::Set(_))) {
            ctx.wrong_type();
            return false;
        }
    }
    true
}

/// The sets at `keys` (`None` for a missing key), after [`check_keys`].
fn sets_of<'a>(ks: &'a Keyspace, db: usize, keys: &[&[u8]]) -> Vec<Option<&'a Set>> {
    keys.iter()
        .map(|k| match ks.dbs[db].dict.get(k).map(|e| &e.value) {
            Some(Val::Set(s)) => Some(&**s),
            _ => None,
        })
        .collect()
}

/// Stores `result` at `dst` (dropping its TTL) with `event`, or deletes
/// `dst` when the result is empty; replies the result's size.
fn store(ctx: &mut Ctx<'_>, dst: &[u8], result: Set, event: &str) {
    let n = result.len();
    let val = (n > 0).then(|| Val::Set(Box::new(result)));
    ctx.store(dst, val, SET, event);
    ctx.out.int(n as i64);
}

/// What an intersection produces.
enum Inter<'d> {
    /// A set reply.
    Reply,
    /// Just the count, stopping at the limit (0: none).
    Card(usize),
    /// A new set to store at this key.
    Store(&'d [u8]),
}

/// Redis: `sinterGenericCommand`.
fn inter(ctx: &mut Ctx<'_>, keys: &[&[u8]], mode: Inter<'_>) {
    if !check_keys(ctx, keys) {
        return;
    }
    let db = ctx.db();
    let max = ctx.srv.config.set_max_intset_entries;
    let mut sets = sets_of(&ctx.srv.ks, db, keys);
    let mut found: Vec<&Set> = Vec::with_capacity(sets.len());
    let any_missing = sets.iter().any(Option::is_none);
    if !any_missing {
        found.extend(sets.drain(..).flatten());
        // Smallest first: fewest candidates, each checked against the rest.
        found.sort_by_key(|s| s.len());
    }
    let mut items = Vec::new();
    let mut out = Reply::new(&mut items, ctx.out.resp);
    let mut result = Set::default();
    let mut n = 0usize;
    if let Some((first, rest)) = found.split_first() {
        first.for_each_while(|m| {
            let in_all = rest
                .iter()
                .all(|s| std::ptr::eq(*s, *first) || s.contains_member(m));
            if !in_all {
                return true;
            }
            n += 1;
            match mode {
                Inter::Reply => bulk_member(&mut out, m),
                Inter::Store(_) => {
                    result.add_member(m, max);
                }
                Inter::Card(limit) => return limit == 0 || n < limit,
            }
            true
        });
    }
    match mode {
        Inter::Reply => {
            ctx.out.set(n);
            ctx.out.buf.extend_from_slice(&items);
        }
        Inter::Card(_) => ctx.out.int(n as i64),
        Inter::Store(dst) => store(ctx, dst, result, "sinterstore"),
    }
}

/// `SINTER key [key ...]`
pub fn sinter(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).collect();
    inter(ctx, &keys, Inter::Reply);
}

/// `SINTERSTORE destination key [key ...]`
pub fn sinterstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(2).collect();
    inter(ctx, &keys, Inter::Store(argv.get(1)));
}

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]`. Redis: `sinterCardCommand`.
pub fn sintercard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(numkeys) = at_least_one(ctx, argv.get(1), "ERR numkeys should be greater than 0")
    else {
        return;
    };
    let max_keys = (argv.len() - 2) as u64;
    if numkeys > max_keys {
        return ctx
            .out
            .error("ERR Number of keys can't be greater than number of args");
    }
    let end = 2 + numkeys as usize;
    let mut limit = 0usize;
    let mut j = end;
    while j < argv.len() {
        if super::super::is(argv.get(j), "limit") && j + 1 < argv.len() {
            let msg = Some("ERR LIMIT can't be negative");
            let Some(l) = range_arg(ctx, argv.get(j + 1), 0, i64::MAX, msg) else {
                return;
            };
            limit = usize::try_from(l).unwrap_or(usize::MAX);
            j += 2;
        } else {
            return ctx.syntax_error();
        }
    }
    let keys: Vec<&[u8]> = (2..end).map(|i| argv.get(i)).collect();
    inter(ctx, &keys, Inter::Card(limit));
}

/// Union or difference.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Diff,
}

/// Redis: `sunionDiffGenericCommand`.
fn union_diff(ctx: &mut Ctx<'_>, keys: &[&[u8]], dst: Option<&[u8]>, op: Op) {
    if !check_keys(ctx, keys) {
        return;
    }
    let db = ctx.db();
    let max = ctx.srv.config.set_max_intset_entries;
    let mut sets = sets_of(&ctx.srv.ks, db, keys);
    let same = |a: Option<&Set>, b: Option<&Set>| matches!((a, b), (Some(a), Some(b)) if std::ptr::eq(a, b));
    // SDIFF k k ...: the first set is subtracted from itself.
    let sameset = sets.iter().skip(1).any(|s| same(*s, sets[0]));
    let mut result = Set::default();
    match (op, sets[0]) {
        (Op::Union, _) => {
            for s in sets.iter().flatten() {
                s.for_each(|m| {
                    result.add_member(m, max);
                });
            }
        }
        (Op::Diff, None) => {}
        (Op::Diff, Some(_)) if sameset => {}
        (Op::Diff, Some(first)) => {
            // ANCHOR: diff_algo
            // Algorithm 1 costs |first| lookups per other set; 2 costs one
            // operation per member of every set. 1 gets a 2x head start.
            let mut one: u64 = 0;
            let mut two: u64 = 0;
            for s in sets.iter().flatten() {
                one += first.len() as u64;
                two += s.len() as u64;
            }
            if one / 2 <= two {
                // Largest sets first: a member is more likely found early.
                sets[1..].sort_by_key(|s| Reverse(s.map_or(0, Set::len)));
                let rest = &sets[1..];
                first.for_each(|m| {
                    if !rest.iter().flatten().any(|s| s.contains_member(m)) {
                        result.add_member(m, max);
                    }
                });
            } else {
                for (j, s) in sets.iter().enumerate() {
                    let Some(s) = s else { continue };
                    s.for_each(|m| {
                        if j == 0 {
                            result.add_member(m, max);
                        } else {
                            m.with_bytes(|b| result.remove(b));
                        }
                    });
                    if result.is_empty() {
                        break;
                    }
                }
            }
            // ANCHOR_END: diff_algo
        }
    }
    match dst {
        Some(dst) => {
            let event = match op {
                Op::Union => "sunionstore",
                Op::Diff => "sdiffstore",
            };
            store(ctx, dst, result, event);
        }
        None => {
            ctx.out.set(result.len());
            result.for_each(|m| bulk_member(&mut ctx.out, m));
        }
    }
}

/// `SUNION key [key ...]`
pub fn sunion(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).collect();
    union_diff(ctx, &keys, None, Op::Union);
}

/// `SUNIONSTORE destination key [key ...]`
pub fn sunionstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(2).collect();
    union_diff(ctx, &keys, Some(argv.get(1)), Op::Union);
}

/// `SDIFF key [key ...]`
pub fn sdiff(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).collect();
    union_diff(ctx, &keys, None, Op::Diff);
}

/// `SDIFFSTORE destination key [key ...]`
pub fn sdiffstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(2).collect();
    union_diff(ctx, &keys, Some(argv.get(1)), Op::Diff);
}

#[cfg(test)]
mod tests {
    use crate::db::set::Member;

    #[test]
    fn members_compare_across_encodings() {
        let mut s = crate::db::set::Set::new_for(b"x");
        s.add(b"12", 512);
        assert!(s.contains_member(Member::Int(12)));
        assert!(!s.contains_member(Member::Int(13)));
    }
}
