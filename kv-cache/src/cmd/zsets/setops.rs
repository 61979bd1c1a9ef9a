//! ZUNION, ZINTER, ZDIFF, their STORE forms, and ZINTERCARD. Redis:
//! `zunionInterDiffGenericCommand` and `zdiff` in `src/t_zset.c`.
//!
//! Inputs may be sorted sets or plain sets (whose members score 1).
//! Floating point sums depend on their order, so the inputs are ordered
//! exactly as Redis orders them (a stable sort by size for union and
//! intersection) and each member's score is accumulated input by input
//! with Redis's rules: a weighted score that is NaN (`inf * 0`) counts
//! as 0, and so does a sum of `inf` and `-inf`.

use std::collections::HashMap;

use super::{limits, reply_member, reply_members_header};
use crate::cmd::args::range_arg;
use crate::cmd::{Ctx, int_arg, is};
use crate::db::Val;
use crate::db::set::Set;
use crate::db::zset::ZSet;
use crate::db::zset::score::parse_score;
use crate::notify::ZSET;
use crate::protocol::Argv;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
    /// ZINTERCARD: the intersection's size only, up to a `LIMIT`.
    InterCard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// `zunionInterAggregate`.
#[inline]
fn aggregate(target: &mut f64, val: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => *target = if val < *target { val } else { *target },
        Aggregate::Max => *target = if val > *target { val } else { *target },
    }
}

/// One input of the operation.
#[derive(Clone, Copy)]
enum Input<'a> {
    Missing,
    Sorted(&'a ZSet),
    Plain(&'a Set),
}

impl Input<'_> {
    fn len(&self) -> usize {
        match self {
            Input::Missing => 0,
            Input::Sorted(z) => z.len(),
            Input::Plain(s) => s.len(),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Input::Missing => None,
            Input::Sorted(z) => z.score(member),
            Input::Plain(s) => s.contains(member).then_some(1.0),
        }
    }

    /// Calls `f` on each member and score.
    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Input::Missing => {}
            Input::Sorted(z) => z.iter().for_each(|(m, s)| f(m, s)),
            Input::Plain(s) => s.for_each(|m| m.with_bytes(|b| f(b, 1.0))),
        }
    }

    /// Whether two inputs are the same value (a key given twice).
    fn same(&self, other: &Input<'_>) -> bool {
        match (self, other) {
            (Input::Sorted(a), Input::Sorted(b)) => std::ptr::eq(*a, *b),
            (Input::Plain(a), Input::Plain(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

/// The computed result: members with scores, sorted as a sorted set.
type Pairs = Vec<(Vec<u8>, f64)>;

fn sort_pairs(pairs: &mut Pairs) {
    pairs.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
}

fn union(inputs: &[(Input<'_>, f64)], how: Aggregate) -> Pairs {
    let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
    for (input, weight) in inputs {
        input.for_each(|m, s| {
            let mut score = weight * s;
            if score.is_nan() {
                score = 0.0;
            }
            match acc.get_mut(m) {
                Some(t) => aggregate(t, score, how),
                None => {
                    acc.insert(m.to_vec(), score);
                }
            }
        });
    }
    acc.into_iter().collect()
}

fn inter(inputs: &[(Input<'_>, f64)], how: Aggregate) -> Pairs {
    let mut out = Vec::new();
    let Some(((first, w0), rest)) = inputs.split_first() else {
        return out;
    };
    if first.len() == 0 {
        return out;
    }
    first.for_each(|m, s| {
        let mut score = w0 * s;
        if score.is_nan() {
            score = 0.0;
        }
        for (input, w) in rest {
            let value = if input.same(first) {
                Some(s)
            } else {
                input.score(m)
            };
            match value {
                Some(v) => aggregate(&mut score, v * w, how),
                None => return,
            }
        }
        out.push((m.to_vec(), score));
    });
    out
}

/// How many members every input has, counting up to `limit` (0: all);
/// the walk of the smallest input stops at the limit, as Redis's does.
fn inter_card(inputs: &[(Input<'_>, f64)], limit: usize) -> usize {
    let Some(((first, _), rest)) = inputs.split_first() else {
        return 0;
    };
    let mut n = 0;
    let mut count = |m: &[u8]| {
        if rest
            .iter()
            .all(|(i, _)| i.same(first) || i.score(m).is_some())
        {
            n += 1;
        }
        limit == 0 || n < limit
    };
    match first {
        Input::Missing => {}
        Input::Sorted(z) => {
            for (m, _) in z.iter() {
                if !count(m) {
                    break;
                }
            }
        }
        Input::Plain(s) => s.for_each_while(|m| m.with_bytes(&mut count)),
    }
    n
}

fn diff(inputs: &[(Input<'_>, f64)]) -> Pairs {
    let mut out = Vec::new();
    let Some(((first, _), rest)) = inputs.split_first() else {
        return out;
    };
    first.for_each(|m, s| {
        if rest.iter().all(|(i, _)| i.score(m).is_none()) {
            out.push((m.to_vec(), s));
        }
    });
    out
}

fn generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, name: &str, dst: Option<&[u8]>, op: Op) {
    let at = if dst.is_some() { 2 } else { 1 };
    let Some(setnum) = int_arg(ctx, argv.get(at)) else {
        return;
    };
    if setnum < 1 {
        return ctx.out.error(&format!(
            "ERR at least 1 input key is needed for '{name}' command"
        ));
    }
    if setnum > (argv.len() - at - 1) as i64 {
        return ctx.syntax_error();
    }
    let setnum = setnum as usize;
    let keys: Vec<&[u8]> = (at + 1..at + 1 + setnum).map(|i| argv.get(i)).collect();
    // Look every key up first (expiring and counting as reads); the type
    // check comes before the options, as in Redis.
    let db = ctx.db();
    for k in &keys {
        match ctx.srv.ks.get(db, k) {
            None | Some(Val::ZSet(_)) | Some(Val::Set(_)) => {}
            Some(_) => return ctx.wrong_type(),
        }
    }
    let mut weights = vec![1.0f64; setnum];
    let mut how = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = at + 1 + setnum;
    let scored = matches!(op, Op::Union | Op::Inter);
    while j < argv.len() {
        let remaining = argv.len() - j;
        let a = argv.get(j);
        if scored && remaining > setnum && is(a, "weights") {
            for (i, w) in weights.iter_mut().enumerate() {
                match parse_score(argv.get(j + 1 + i)) {
                    Some(v) => *w = v,
                    None => return ctx.out.error("ERR weight value is not a float"),
                }
            }
            j += 1 + setnum;
        } else if scored && remaining >= 2 && is(a, "aggregate") {
            let v = argv.get(j + 1);
            how = if is(v, "sum") {
                Aggregate::Sum
            } else if is(v, "min") {
                Aggregate::Min
            } else if is(v, "max") {
                Aggregate::Max
            } else {
                return ctx.syntax_error();
            };
            j += 2;
        } else if dst.is_none() && op != Op::InterCard && is(a, "withscores") {
            withscores = true;
            j += 1;
        } else if op == Op::InterCard && remaining >= 2 && is(a, "limit") {
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
    let dict = &ctx.srv.ks.dbs[db].dict;
    let mut inputs: Vec<(Input<'_>, f64)> = keys
        .iter()
        .zip(&weights)
        .map(|(k, w)| {
            let input = match dict.get(k).map(|e| &e.value) {
                Some(Val::ZSet(z)) => Input::Sorted(z),
                Some(Val::Set(s)) => Input::Plain(s),
                _ => Input::Missing,
            };
            (input, *w)
        })
        .collect();
    if op != Op::Diff {
        // Smallest first (a stable sort, as glibc's qsort is on few elements).
        inputs.sort_by_key(|(i, _)| i.len());
    }
    let mut pairs = match op {
        Op::Union => union(&inputs, how),
        Op::Inter => inter(&inputs, how),
        Op::Diff => diff(&inputs),
        Op::InterCard => {
            let n = inter_card(&inputs, limit);
            return ctx.out.int(n as i64);
        }
    };
    drop(inputs);
    sort_pairs(&mut pairs);
    match dst {
        Some(dst) => store(ctx, dst, pairs, op),
        None => {
            reply_members_header(&mut ctx.out, pairs.len(), withscores);
            for (m, s) in &pairs {
                reply_member(&mut ctx.out, m, *s, withscores);
            }
        }
    }
}

/// Stores a result at `dst` (listpack-encoded when it fits), or deletes
/// `dst` when the result is empty; replies the size.
fn store(ctx: &mut Ctx<'_>, dst: &[u8], pairs: Pairs, op: Op) {
    let n = pairs.len();
    let z = (n > 0).then(|| Val::ZSet(Box::new(ZSet::from_sorted(&pairs, limits(ctx)))));
    let event = match op {
        Op::Union => "zunionstore",
        Op::Inter => "zinterstore",
        Op::Diff => "zdiffstore",
        // ZINTERCARD only counts; it never stores.
        Op::InterCard => unreachable!("ZINTERCARD stores nothing"),
    };
    ctx.store(dst, z, ZSET, event);
    ctx.out.int(n as i64);
}

/// `ZUNION numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`
pub fn zunion(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    generic(ctx, argv, "zunion", None, Op::Union);
}

/// `ZINTER numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`
pub fn zinter(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    generic(ctx, argv, "zinter", None, Op::Inter);
}

/// `ZINTERCARD numkeys key [key ...] [LIMIT limit]`
pub fn zintercard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    generic(ctx, argv, "zintercard", None, Op::InterCard);
}

/// `ZDIFF numkeys key [key ...] [WITHSCORES]`
pub fn zdiff(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    generic(ctx, argv, "zdiff", None, Op::Diff);
}

/// `ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]`
pub fn zunionstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    generic(ctx, argv, "zunionstore", Some(argv.get(1)), Op::Union);
}

/// `ZINTERSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]`
pub fn zinterstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    generic(ctx, argv, "zinterstore", Some(argv.get(1)), Op::Inter);
}

/// `ZDIFFSTORE destination numkeys key [key ...]`
pub fn zdiffstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    generic(ctx, argv, "zdiffstore", Some(argv.get(1)), Op::Diff);
}
