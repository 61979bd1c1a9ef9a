//! Strings as numbers: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT. Redis:
//! `incrDecrCommand` and `incrbyfloatCommand` in `src/t_string.c`.

use super::lookup::{Str, Typed, WrongType};
use super::numeric::ld::{self, Ld, NAN_OR_INF, NOT_A_FLOAT, Parsed, Range};
use super::{Ctx, int_arg};
use crate::db::{Sds, Val};
use crate::notify::STRING;
use crate::protocol::{Argv, parse_i64};

/// Adds `by` to the integer at `key` (0 if missing), keeping its TTL.
/// Redis: `incrDecrCommand`.
fn incr_by(ctx: &mut Ctx<'_>, key: &[u8], by: i64) {
    let db = ctx.db();
    match ctx.srv.ks.write_as::<Str>(db, key) {
        Err(WrongType) => ctx.wrong_type(),
        Ok(Some(v)) => {
            let cur = match &*v {
                Val::Int(n) => *n,
                other => {
                    match other.with_bytes(|b| if b.len() <= 20 { parse_i64(b) } else { None }) {
                        Some(n) => n,
                        None => return ctx.not_integer(),
                    }
                }
            };
            match cur.checked_add(by) {
                Some(n) => {
                    *v = Val::Int(n);
                    ctx.out.int(n);
                    ctx.srv.ks.touch(db, key);
                    ctx.notify(STRING, "incrby", key);
                }
                None => ctx.out.error("ERR increment or decrement would overflow"),
            }
        }
        Ok(None) => {
            ctx.srv.ks.set(db, key, Val::Int(by), false);
            ctx.notify(STRING, "incrby", key);
            ctx.out.int(by);
        }
    }
}

/// `INCR key`
pub fn incr(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    incr_by(ctx, argv.get(1), 1);
}

/// `DECR key`
pub fn decr(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    incr_by(ctx, argv.get(1), -1);
}

/// `INCRBY key increment`
pub fn incrby(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(by) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    incr_by(ctx, argv.get(1), by);
}

/// `DECRBY key decrement`
pub fn decrby(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(by) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    if by == i64::MIN {
        return ctx.out.error("ERR decrement would overflow");
    }
    incr_by(ctx, argv.get(1), -by);
}

/// `INCRBYFLOAT key increment`: computed in x87 `long double`, as Redis on
/// x86-64, so the digits are Redis's (`SET k 10.5`, `INCRBYFLOAT k 0.1` →
/// `10.6`; `INCRBYFLOAT k 1000.1` from nothing → `1000.09999999999999998`).
/// Redis: `incrbyfloatCommand`.
pub fn incrbyfloat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let key = argv.get(1);
    let cur = match ctx.srv.ks.write_as::<Str>(db, key) {
        Ok(Some(v)) => v.with_bytes(ld::parse),
        Ok(None) => Parsed::Num(Ld::ZERO),
        Err(WrongType) => return ctx.wrong_type(),
    };
    // Both operands are read before either is judged, as Redis reads them.
    let (cur, by) = match (cur, ld::parse(argv.get(2))) {
        (Parsed::Num(cur), Parsed::Num(by)) => (cur, by),
        (Parsed::Invalid, _) | (_, Parsed::Invalid) => return ctx.out.error(NOT_A_FLOAT),
        // An infinity (valid for `strtold`) makes the sum infinite or NaN.
        _ => return ctx.out.error(NAN_OR_INF),
    };
    let sum = match cur.add(by) {
        Ok(v) => v,
        Err(Range::Overflow) => return ctx.out.error(NAN_OR_INF),
        Err(Range::Underflow) => Ld::ZERO,
    };
    let text = sum.to_human();
    ctx.srv
        .ks
        .set(db, key, Val::Str(Sds::new(text.as_bytes())), true);
    ctx.notify(STRING, "incrbyfloat", key);
    ctx.out.bulk(text.as_bytes());
    // Replayed as the value it produced: float digits must not depend on
    // the replica's arithmetic (Redis `incrbyfloatCommand`).
    ctx.propagate_as(&[b"SET", key, text.as_bytes(), b"KEEPTTL"]);
}
