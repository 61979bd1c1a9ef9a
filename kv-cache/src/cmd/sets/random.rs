//! SPOP and SRANDMEMBER. Redis: `spopCommand`, `spopWithCountCommand`,
//! `srandmemberWithCountCommand` in `src/t_set.c`.
//!
//! Which members come out is random; the reply's shape, the count, whether
//! members repeat, and what is left in the key follow Redis's cases:
//!
//! - a negative SRANDMEMBER count samples with repeats;
//! - a count at least the size returns the whole set (SPOP deletes the key);
//! - SPOP of most of a set keeps the few survivors in a *new* set, built
//!   as Redis builds it (so it may be an intset again).

use super::super::Ctx;
use super::super::args::{count_arg, random_count};
use super::bulk_member;
use crate::cmd::lookup::{Typed, WrongType};
use crate::db::set::random::below;
use crate::db::set::{Member, Set, walk};
use crate::db::{Dict, Sds};
use crate::notify::SET;
use crate::protocol::Argv;

/// Redis's `SPOP_MOVE_STRATEGY_MUL`: pop one by one while the survivors
/// are more than a fifth of the popped.
const MOVE_STRATEGY_MUL: u64 = 5;

/// `SPOP key [count]`
pub fn spop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    match argv.len() {
        2 => {}
        3 => return spop_count(ctx, argv),
        _ => return ctx.syntax_error(),
    }
    let db = ctx.db();
    let key = argv.get(1);
    let (popped, emptied) = match ctx.srv.ks.write_as::<Set>(db, key) {
        Ok(Some(s)) => (s.pop_random(), s.is_empty()),
        Ok(None) => return ctx.out.null(),
        Err(WrongType) => return ctx.wrong_type(),
    };
    match popped {
        Some(m) => {
            ctx.out.bulk(&m);
            // The replica cannot draw the same member: tell it which.
            ctx.propagate_as(&[b"SREM", key, &m]);
        }
        None => ctx.out.null(),
    }
    ctx.changed(SET, "spop", key, emptied);
}

/// `SPOP key count`: a set reply. Redis: `spopWithCountCommand`.
fn spop_count(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(count) = count_arg(ctx, argv.get(2)) else {
        return;
    };
    let db = ctx.db();
    let key = argv.get(1);
    let max = ctx.srv.config.set_max_intset_entries;
    let log = ctx.propagating();
    let s = match ctx.srv.ks.write_as::<Set>(db, key) {
        Ok(Some(s)) => s,
        Ok(None) => return ctx.out.set(0),
        Err(WrongType) => return ctx.wrong_type(),
    };
    if count == 0 {
        return ctx.out.set(0);
    }
    let size = s.len() as u64;
    if count >= size {
        ctx.out.set(s.len());
        s.for_each(|m| bulk_member(&mut ctx.out, m));
        // Redis replies here through SUNION's code, whose read lookup
        // counts a keyspace hit.
        ctx.srv.ks.stats.keyspace_hits += 1;
        ctx.changed(SET, "spop", key, true);
        ctx.propagate_as(&[b"DEL", key]);
        return;
    }
    // Each member leaves as an `SREM` of its own; the command itself is
    // not replayed (Redis `spopWithCountCommand`).
    let mut popped: Vec<Vec<u8>> = Vec::new();
    let remaining = size - count;
    ctx.out.set(count as usize);
    if remaining * MOVE_STRATEGY_MUL > count {
        for _ in 0..count {
            if let Some(m) = s.pop_random() {
                ctx.out.bulk(&m);
                if log {
                    popped.push(m.to_vec());
                }
            }
        }
    } else {
        // Draw the survivors into a new set; reply what is left behind.
        let mut kept: Option<Set> = None;
        for _ in 0..remaining {
            let Some(m) = s.pop_random() else { break };
            kept.get_or_insert_with(|| Set::new_for(&m)).add(&m, max);
        }
        s.for_each(|m| {
            bulk_member(&mut ctx.out, m);
            if log {
                popped.push(m.to_sds().to_vec());
            }
        });
        *s = kept.unwrap_or_default();
    }
    ctx.srv.ks.touch(db, key);
    ctx.notify(SET, "spop", key);
    for m in &popped {
        ctx.also_propagate(&[b"SREM", key, m]);
    }
    ctx.prevent_propagation();
}

/// `SRANDMEMBER key [count]`
pub fn srandmember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    match argv.len() {
        2 => {}
        3 => return srandmember_count(ctx, argv),
        _ => return ctx.syntax_error(),
    }
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Set>(db, argv.get(1)) {
        Ok(Some(s)) => match s.random() {
            Some(m) => bulk_member(&mut ctx.out, m),
            None => ctx.out.null(),
        },
        Ok(None) => ctx.out.null(),
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// `k` distinct indexes below `n`, ascending (Floyd's sampling over a
/// bitmap: `n` is a small encoding's length).
pub(crate) fn sample_sorted(n: usize, k: usize) -> Vec<usize> {
    let mut chosen = vec![false; n];
    for j in n - k.min(n)..n {
        let t = below(j + 1);
        if chosen[t] {
            chosen[j] = true;
        } else {
            chosen[t] = true;
        }
    }
    (0..n).filter(|&i| chosen[i]).collect()
}

/// `SRANDMEMBER key count`: an array (not a set: with a negative count
/// members repeat). Redis: `srandmemberWithCountCommand`.
fn srandmember_count(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some((count, unique)) = random_count(ctx, argv.get(2)) else {
        return;
    };
    let db = ctx.db();
    let s = match ctx.srv.ks.read_as::<Set>(db, argv.get(1)) {
        Ok(Some(s)) => s,
        Ok(None) => return ctx.out.array(0),
        Err(WrongType) => return ctx.wrong_type(),
    };
    if count == 0 {
        return ctx.out.array(0);
    }
    if !unique || count == 1 {
        ctx.out.array(count as usize);
        for _ in 0..count {
            if let Some(m) = s.random() {
                bulk_member(&mut ctx.out, m);
            }
        }
        return;
    }
    let size = s.len();
    if count >= size as u64 {
        ctx.out.array(size);
        s.for_each(|m| bulk_member(&mut ctx.out, m));
        return;
    }
    let count = count as usize;
    ctx.out.array(count);
    match s {
        Set::Ints(ints) => {
            for i in sample_sorted(size, count) {
                if let Some(v) = ints.get(i) {
                    bulk_member(&mut ctx.out, Member::Int(v));
                }
            }
        }
        Set::Table(d) if count * 3 > size => {
            // Most of the set: pick `count` positions of one walk.
            let picks = sample_sorted(size, count);
            let mut i = 0usize;
            let mut p = 0usize;
            walk(d, |k, _| {
                if p < picks.len() && picks[p] == i {
                    ctx.out.bulk(k);
                    p += 1;
                }
                i += 1;
                p < picks.len()
            });
        }
        Set::Table(d) => {
            // A few of many: draw until `count` distinct ones are found.
            let mut seen: Dict<()> = Dict::new();
            while seen.len() < count {
                let Some(e) = d.fair_random_entry() else {
                    break;
                };
                if seen.get(e.key()).is_none() {
                    let k: Sds = e.key().clone();
                    seen.insert_new(k, ());
                }
            }
            walk(&seen, |k, _| {
                ctx.out.bulk(k);
                true
            });
        }
    }
}
