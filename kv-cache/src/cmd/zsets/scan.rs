//! ZSCAN. Redis: `zscanCommand` and `scanGenericCommand` in `src/db.c`.
//!
//! A listpack-encoded set is returned whole, in order, with cursor 0. A
//! skiplist-encoded one is walked through its member index, home bucket
//! by home bucket in reverse-binary cursor order (see `db/zset/index.rs`),
//! so members present for the whole scan are returned at least once even
//! if the index grows or shrinks in between.

use crate::cmd::Ctx;
use crate::cmd::lookup::{Typed, WrongType};
use crate::cmd::scan::{self, Over};
use crate::db::zset::ZSet;
use crate::db::zset::score::{format_listpack_score, format_score};
use crate::protocol::Argv;

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`
pub fn zscan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(mut cursor) = scan::cursor_arg(ctx, argv.get(2)) else {
        return;
    };
    let db = ctx.db();
    match ctx.srv.ks.read_as::<ZSet>(db, argv.get(1)) {
        Ok(None) => return scan::reply_empty(&mut ctx.out),
        Err(WrongType) => return ctx.wrong_type(),
        Ok(Some(_)) => {}
    }
    let Some(opts) = scan::parse_opts(ctx, argv, 3, Over::OneKey) else {
        return;
    };
    let count = opts.count;
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
                if cursor == 0 || budget == 0 || 2 * found.len() >= count {
                    break;
                }
            }
        }
    }
    found.retain(|(m, _)| opts.matches(m));
    let out = &mut ctx.out;
    scan::reply_head(out, cursor, 2 * found.len());
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
