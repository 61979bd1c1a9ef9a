//! HINCRBY and HINCRBYFLOAT. Redis: `hincrbyCommand` and
//! `hincrbyfloatCommand` in `src/t_hash.c`.
//!
//! Both read the field, compute, and write the result back as a string;
//! an error (not a number, overflow) leaves the hash untouched. The float
//! form computes in x87 `long double` as Redis does on x86-64 (see
//! [`crate::cmd::numeric::ld`]).

use super::super::{Ctx, int_arg};
use super::with_hash;
use crate::cmd::lookup::{Typed, WrongType};
use crate::cmd::numeric::ld::{self, Ld, NAN_OR_INF, NOT_A_FLOAT, Parsed, Range};
use crate::db::hash::Hash;
use crate::protocol::Argv;
use crate::protocol::parse_i64;
use crate::protocol::reply::fmt_i64;

/// The field's current value: `Ok(None)` when the key or field is missing,
/// `Err(WrongType)` after replying WRONGTYPE.
fn current(ctx: &mut Ctx<'_>, key: &[u8], field: &[u8]) -> Result<Option<Vec<u8>>, WrongType> {
    let db = ctx.db();
    match ctx.srv.ks.write_as::<Hash>(db, key) {
        Ok(h) => Ok(h.and_then(|h| h.get(field)).map(<[u8]>::to_vec)),
        Err(WrongType) => {
            ctx.wrong_type();
            Err(WrongType)
        }
    }
}

/// `HINCRBY key field increment`: the new value.
pub fn hincrby(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(by) = int_arg(ctx, argv.get(3)) else {
        return;
    };
    let (key, field) = (argv.get(1), argv.get(2));
    let Ok(cur) = current(ctx, key, field) else {
        return;
    };
    let old = match cur {
        Some(v) => match parse_i64(&v) {
            Some(n) => n,
            None => return ctx.out.error("ERR hash value is not an integer"),
        },
        None => 0,
    };
    let Some(new) = old.checked_add(by) else {
        return ctx.out.error("ERR increment or decrement would overflow");
    };
    let mut tmp = [0u8; 20];
    let digits = fmt_i64(new, &mut tmp);
    if with_hash(ctx, key, "hincrby", |h, lim| h.set(field, digits, lim)).is_some() {
        ctx.out.int(new);
    }
}

/// `HINCRBYFLOAT key field increment`: the new value, as a bulk string.
pub fn hincrbyfloat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let by = match ld::parse(argv.get(3)) {
        Parsed::Num(v) => v,
        Parsed::Inf => return ctx.out.error("ERR value is NaN or Infinity"),
        Parsed::Invalid => return ctx.out.error(NOT_A_FLOAT),
    };
    let (key, field) = (argv.get(1), argv.get(2));
    let Ok(cur) = current(ctx, key, field) else {
        return;
    };
    let old = match cur.as_deref().map(ld::parse) {
        None => Ld::ZERO,
        Some(Parsed::Num(v)) => v,
        // Infinity plus a finite increment stays infinite: refused below.
        Some(Parsed::Inf) => return ctx.out.error(NAN_OR_INF),
        Some(Parsed::Invalid) => return ctx.out.error("ERR hash value is not a float"),
    };
    let sum = match old.add(by) {
        Ok(v) => v,
        Err(Range::Overflow) => return ctx.out.error(NAN_OR_INF),
        Err(Range::Underflow) => Ld::ZERO,
    };
    let text = sum.to_human();
    if with_hash(ctx, key, "hincrbyfloat", |h, lim| {
        h.set(field, text.as_bytes(), lim)
    })
    .is_some()
    {
        ctx.out.bulk(text.as_bytes());
        // As the value it produced (Redis `hincrbyfloatCommand`).
        ctx.propagate_as(&[b"HSET", key, field, text.as_bytes()]);
    }
}
