//! ZSCAN. Redis: `zscanCommand` and `scanGenericCommand` in `src/db.c`.
//!
//! A listpack-encoded set is returned whole, in order, with cursor 0. A
//! skiplist-encoded one is walked through its member index, home bucket
//! by home bucket in reverse-binary cursor order (see `db/zset/index.rs`),
//! so members present for the whole scan are returned at least once even
//! if the index grows or shrinks in between.

use super::{Lookup, lookup_read};
use crate::cmd::{Ctx, int_arg, is};
use crate::db::glob;
use crate::db::zset::ZSet;
use crate::db::zset::score::{format_listpack_score, format_score, is_space};
use crate::protocol::Argv;

/// Reads a cursor as C's `strtoul(s, &end, 10)` with Redis's checks: no
/// leading space, nothing after the digits (up to a NUL), no overflow. A
/// leading `-` negates modulo 2^64, and "" is cursor 0, as in C.
pub(crate) fn parse_cursor(b: &[u8]) -> Option<u64> {
    if b.first().is_some_and(|c| is_space(*c)) {
        return None;
    }
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        // No conversion: C's end pointer stays at the start.
        return b.first().is_none_or(|c| *c == 0).then_some(0);
    }
    if digits.get(n).is_some_and(|c| *c != 0) {
        return None;
    }
    let mut v: u64 = 0;
    for c in &digits[..n] {
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`
pub fn zscan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(mut cursor) = parse_cursor(argv.get(2)) else {
        return ctx.out.error("ERR invalid cursor");
    };
    let db = ctx.db();
    match lookup_read(&mut ctx.srv.ks, db, argv.get(1)) {
        Lookup::Missing => {
            ctx.out.array(2);
            ctx.out.bulk(b"0");
            return ctx.out.array(0);
        }
        Lookup::WrongType => return ctx.wrong_type(),
        Lookup::Found(_) => {}
    }
    let (mut count, mut pattern) = (10i64, None);
    let mut i = 3;
    while i < argv.len() {
        let left = argv.len() - i;
        let a = argv.get(i);
        if is(a, "count") && left >= 2 {
            let Some(n) = int_arg(ctx, argv.get(i + 1)) else {
                return;
            };
            if n < 1 {
                return ctx.syntax_error();
            }
            count = n;
        } else if is(a, "match") && left >= 2 {
            let p = argv.get(i + 1);
            pattern = (p != b"*").then_some(p);
        } else {
            return ctx.syntax_error();
        }
        i += 2;
    }
    let Some(crate::db::Val::ZSet(z)) = ctx.srv.ks.dbs[db].dict.get(argv.get(1)).map(|e| &e.value)
    else {
        return ctx.out.array(0);
    };
    let mut found: Vec<(&[u8], f64)> = Vec::new();
    let small = matches!(&**z, ZSet::Small(_));
    match &**z {
        ZSet::Small(_) => cursor = z.scan(0, |m, s| found.push((m, s))),
        ZSet::Big(_) => {
            // As Redis: up to ten buckets per wanted element (the count
            // covers members and scores), so sparse tables answer fast.
            let mut budget = count.saturating_mul(10);
            loop {
                cursor = z.scan(cursor, |m, s| found.push((m, s)));
                budget -= 1;
                if cursor == 0 || budget <= 0 || 2 * found.len() as i64 >= count {
                    break;
                }
            }
        }
    }
    if let Some(p) = pattern {
        found.retain(|(m, _)| glob::matches(p, m, false));
    }
    let out = &mut ctx.out;
    out.array(2);
    out.bulk(cursor.to_string().as_bytes());
    out.array(2 * found.len());
    // Scores as text: a listpack's stored form, a skiplist's `%.17Lg`.
    for (m, s) in found {
        out.bulk(m);
        let text = if small {
            format_listpack_score(s)
        } else {
            format_score(s)
        };
        out.bulk(text.as_bytes());
    }
}
