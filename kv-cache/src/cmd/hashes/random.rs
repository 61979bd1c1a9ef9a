//! HRANDFIELD. Redis: `hrandfieldCommand` and `hrandfieldWithCountCommand`
//! in `src/t_hash.c`.
//!
//! Without a count: one random field (or null). With a count: a negative
//! count samples with repeats, in random order; a positive one returns
//! distinct fields — the whole hash, in its own order, when the count
//! covers it. `WITHVALUES` interleaves values in RESP2 and makes each
//! element a `[field, value]` pair in RESP3.

use super::super::args::random_count;
use super::super::sets::random::sample_sorted;
use super::super::{Ctx, is};
use crate::cmd::lookup::{Typed, WrongType};
use crate::db::hash::Hash;
use crate::db::{Dict, Sds};
use crate::protocol::{Argv, Reply};

/// Writes one field (and its value) of a HRANDFIELD reply.
#[inline]
fn pair(out: &mut Reply<'_>, k: &[u8], v: &[u8], with_values: bool) {
    if with_values && out.resp >= 3 {
        out.array(2);
    }
    out.bulk(k);
    if with_values {
        out.bulk(v);
    }
}

/// The array header for `n` fields.
fn header(out: &mut Reply<'_>, n: usize, with_values: bool) {
    if with_values && out.resp == 2 {
        out.array(n * 2);
    } else {
        out.array(n);
    }
}

/// `HRANDFIELD key [count [WITHVALUES]]`
pub fn hrandfield(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() >= 3 {
        let Some((count, unique)) = random_count(ctx, argv.get(2)) else {
            return;
        };
        if argv.len() > 4 || (argv.len() == 4 && !is(argv.get(3), "withvalues")) {
            return ctx.syntax_error();
        }
        let with_values = argv.len() == 4;
        // Two reply elements per field must still fit a C long.
        if with_values && count > (i64::MAX / 2) as u64 {
            return ctx.out.error("ERR value is out of range");
        }
        return with_count(ctx, argv.get(1), count, unique, with_values);
    }
    let db = ctx.db();
    match ctx.srv.ks.read_as::<Hash>(db, argv.get(1)) {
        Ok(Some(h)) => match h.random() {
            Some((k, _)) => ctx.out.bulk(k),
            None => ctx.out.null(),
        },
        Ok(None) => ctx.out.null(),
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// Redis: `hrandfieldWithCountCommand`.
fn with_count(ctx: &mut Ctx<'_>, key: &[u8], count: u64, unique: bool, with_values: bool) {
    let db = ctx.db();
    let h = match ctx.srv.ks.read_as::<Hash>(db, key) {
        Ok(Some(h)) => h,
        Ok(None) => return ctx.out.array(0),
        Err(WrongType) => return ctx.wrong_type(),
    };
    if count == 0 {
        return ctx.out.array(0);
    }
    let out = &mut ctx.out;
    if !unique || count == 1 {
        header(out, count as usize, with_values);
        for _ in 0..count {
            if let Some((k, v)) = h.random() {
                pair(out, k, v, with_values);
            }
        }
        return;
    }
    let size = h.len();
    if count >= size as u64 {
        header(out, size, with_values);
        h.for_each(|k, v| pair(out, k, v, with_values));
        return;
    }
    let count = count as usize;
    header(out, count, with_values);
    match h {
        Hash::Listpack(lp) => {
            // Distinct positions, in listpack order (as Redis's
            // `lpRandomPairsUnique`), read in one walk.
            let picks = sample_sorted(size, count);
            let mut p = 0;
            let mut it = lp.iter();
            let mut i = 0;
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                if p < picks.len() && picks[p] == i {
                    pair(out, k, v, with_values);
                    p += 1;
                }
                i += 1;
            }
        }
        Hash::Table(d) if count * 3 > size => {
            let picks = sample_sorted(size, count);
            let (mut i, mut p) = (0, 0);
            crate::db::set::walk(d, |k, v| {
                if picks.get(p) == Some(&i) {
                    pair(out, k, v, with_values);
                    p += 1;
                }
                i += 1;
                p < picks.len()
            });
        }
        Hash::Table(d) => {
            // A few of many: draw until `count` distinct fields are found.
            let mut seen: Dict<Sds> = Dict::new();
            while seen.len() < count {
                let Some(e) = d.fair_random_entry() else {
                    break;
                };
                if seen.get(e.key()).is_none() {
                    seen.insert_new(e.key().clone(), e.value.clone());
                }
            }
            crate::db::set::walk(&seen, |k, v| {
                pair(out, k, v, with_values);
                true
            });
        }
    }
}
