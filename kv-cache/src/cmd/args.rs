//! The integer arguments every command file reads, one parser per kind,
//! each replying Redis's exact error when it refuses. Redis:
//! `getLongLongFromObjectOrReply`, `getRangeLongFromObjectOrReply` (with
//! `getPositiveLongFromObjectOrReply` and `getIntFromObjectOrReply` as its
//! special cases) in `src/object.c`.
//!
//! The other kinds have one home each too: cursors and `MATCH`/`COUNT` in
//! [`super::scan`], blocking timeouts in [`super::blocking::parse_timeout`],
//! `long double` operands in [`super::numeric::ld`], scores in
//! [`crate::db::zset::score`]. Also here: [`value_arg`], the value a
//! string write stores.

use super::Ctx;
use crate::db::Val;
use crate::protocol::{Argv, parse_i64};

/// The value a string write stores from argument `i`: a big bulk the
/// parser adopted is stored as it is, without a copy ([`Val::Big`]); any
/// other argument is copied, as an integer when it is one
/// ([`Val::from_bytes`]).
pub fn value_arg(argv: &Argv<'_>, i: usize) -> Val {
    match argv.shared(i) {
        Some(bytes) => Val::Big(Box::new(bytes)),
        None => Val::from_bytes(argv.get(i)),
    }
}

/// Redis's message for a negative count (`getPositiveLongFromObjectOrReply`).
pub const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";

/// An integer argument, or `-ERR value is not an integer or out of range`.
pub fn int_arg(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<i64> {
    let v = parse_i64(arg);
    if v.is_none() {
        ctx.not_integer();
    }
    v
}

/// An integer in `min..=max` (Redis `getRangeLongFromObjectOrReply`):
/// refused with `msg` when given — whether it was no integer or out of
/// range, as Redis does — else with Redis's two default texts.
pub fn range_arg(
    ctx: &mut Ctx<'_>,
    arg: &[u8],
    min: i64,
    max: i64,
    msg: Option<&str>,
) -> Option<i64> {
    let v = parse_i64(arg);
    match (v, msg) {
        (Some(n), _) if (min..=max).contains(&n) => return Some(n),
        (_, Some(msg)) => ctx.out.error(msg),
        (None, None) => ctx.not_integer(),
        (Some(_), None) => ctx.out.error(&format!(
            "ERR value is out of range, value must between {min} and {max}"
        )),
    }
    None
}

/// A count that may be zero but not negative (`LPOP k 2`, `SPOP k 2`,
/// `ZPOPMIN k 2`): Redis `getPositiveLongFromObjectOrReply`.
#[inline]
pub fn count_arg(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<u64> {
    range_arg(ctx, arg, 0, i64::MAX, Some(MUST_BE_POSITIVE)).map(|n| n as u64)
}

/// A count of at least one, refused with `msg` (`numkeys`, `COUNT` of
/// `LMPOP`/`ZMPOP`: "... should be greater than 0").
#[inline]
pub fn at_least_one(ctx: &mut Ctx<'_>, arg: &[u8], msg: &str) -> Option<u64> {
    range_arg(ctx, arg, 1, i64::MAX, Some(msg)).map(|n| n as u64)
}

/// The count of `SRANDMEMBER`, `HRANDFIELD`, `ZRANDMEMBER`
/// (`-LONG_MAX..=LONG_MAX`): `(how many, distinct)`, a negative count
/// meaning "with repeats".
pub fn random_count(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<(u64, bool)> {
    range_arg(ctx, arg, -i64::MAX, i64::MAX, None).map(|n| (n.unsigned_abs(), n >= 0))
}

/// A database index (`SELECT`, `MOVE`, `COPY ... DB`): a C `int`
/// (Redis `getIntFromObjectOrReply`), then one of the configured databases.
pub fn db_index(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<usize> {
    let n = range_arg(ctx, arg, i32::MIN.into(), i32::MAX.into(), None)?;
    match usize::try_from(n) {
        Ok(i) if i < ctx.srv.ks.dbs.len() => Some(i),
        _ => {
            ctx.out.error("ERR DB index is out of range");
            None
        }
    }
}
