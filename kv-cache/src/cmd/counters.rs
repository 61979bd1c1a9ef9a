//! Strings as numbers: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT. Redis:
//! `incrDecrCommand` and `incrbyfloatCommand` in `src/t_string.c`.

use super::{Ctx, int_arg};
use crate::db::{Sds, Val};
use crate::protocol::{Argv, parse_i64};

/// Adds `by` to the integer at `key` (0 if missing), keeping its TTL.
/// Redis: `incrDecrCommand`.
fn incr_by(ctx: &mut Ctx<'_>, key: &[u8], by: i64) {
    let db = ctx.db();
    match ctx.srv.ks.get_for_write(db, key) {
        Some(v) if !v.is_string() => ctx.wrong_type(),
        Some(v) => {
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
                }
                None => ctx.out.error("ERR increment or decrement would overflow"),
            }
        }
        None => {
            ctx.srv.ks.set(db, key, Val::Int(by), false);
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

/// Parses a float as Redis's `string2ld`: no leading space, no NaN.
fn parse_float(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?;
    if s.is_empty()
        || s.starts_with(|c: char| c.is_ascii_whitespace())
        || s.ends_with(|c: char| c.is_ascii_whitespace())
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    if v.is_nan() { None } else { Some(v) }
}

/// Formats a float as Redis's humanfriendly `ld2string`: no exponent, no
/// trailing zeros.
fn format_float(v: f64) -> String {
    let mut s = format!("{v:.17}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    // `{:.17}` exposes binary noise (0.1 -> 0.10000000000000001); the
    // shortest round-trip form is what a user expects and what Redis's
    // long double arithmetic usually yields.
    let short = format!("{v}");
    if short.contains('e') { s } else { short }
}

/// `INCRBYFLOAT key increment`
pub fn incrbyfloat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let key = argv.get(1);
    let cur = match ctx.srv.ks.get_for_write(db, key) {
        Some(v) if !v.is_string() => return ctx.wrong_type(),
        Some(v) => match v.with_bytes(parse_float) {
            Some(f) => f,
            None => return ctx.out.error("ERR value is not a valid float"),
        },
        None => 0.0,
    };
    let Some(by) = parse_float(argv.get(2)) else {
        return ctx.out.error("ERR value is not a valid float");
    };
    let n = cur + by;
    if !n.is_finite() {
        return ctx.out.error("ERR increment would produce NaN or Infinity");
    }
    let s = format_float(n);
    ctx.srv
        .ks
        .set(db, key, Val::Str(Sds::new(s.as_bytes())), true);
    ctx.out.bulk(s.as_bytes());
    // Replayed as the value it produced: float digits must not depend on
    // the replica's arithmetic (Redis `incrbyfloatCommand`).
    ctx.propagate_as(&[b"SET", key, s.as_bytes(), b"KEEPTTL"]);
}
