//! Reading and editing by index or value: LINDEX, LSET, LINSERT, LREM,
//! LTRIM, LPOS.

use super::*;

/// `LINDEX key index`: the key is checked before the index.
pub fn lindex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let index = parse_i64(argv.get(2));
    let db = ctx.db();
    match ctx.srv.ks.read_as::<List>(db, argv.get(1)) {
        Ok(Some(l)) => match index {
            Some(i) => match l.resolve(i).and_then(|i| l.get(i)) {
                Some(v) => ctx.out.bulk(v),
                None => ctx.out.null(),
            },
            None => ctx.out.error(NOT_INTEGER),
        },
        Ok(None) => ctx.out.null(),
        Err(WrongType) => ctx.wrong_type(),
    }
}

/// `LSET key index element`
pub fn lset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let index = parse_i64(argv.get(2));
    let db = ctx.db();
    let key = argv.get(1);
    match ctx.srv.ks.write_as::<List>(db, key) {
        Ok(Some(l)) => {
            let Some(i) = index else {
                return ctx.out.error(NOT_INTEGER);
            };
            match l.resolve(i) {
                Some(i) if l.set(i, argv.get(3)) => {}
                _ => return ctx.out.error("ERR index out of range"),
            }
        }
        Ok(None) => return ctx.out.error("ERR no such key"),
        Err(WrongType) => return ctx.wrong_type(),
    }
    ctx.srv.ks.touch(db, key);
    ctx.notify(LIST, "lset", key);
    ctx.out.ok();
}

/// `LINSERT key BEFORE|AFTER pivot element`: the length, or -1 when the
/// pivot is not found.
pub fn linsert(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let after = match argv.get(2) {
        w if is(w, "after") => true,
        w if is(w, "before") => false,
        _ => return ctx.syntax_error(),
    };
    let db = ctx.db();
    let key = argv.get(1);
    let len = match ctx.srv.ks.write_as::<List>(db, key) {
        Ok(Some(l)) => {
            if !l.insert_at_pivot(argv.get(3), argv.get(4), after) {
                return ctx.out.int(-1);
            }
            l.len()
        }
        Ok(None) => return ctx.out.int(0),
        Err(WrongType) => return ctx.wrong_type(),
    };
    ctx.srv.ks.touch(db, key);
    ctx.notify(LIST, "linsert", key);
    ctx.out.int(len as i64);
}

/// `LREM key count element`
pub fn lrem(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(count) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    let db = ctx.db();
    let key = argv.get(1);
    let (removed, empty) = match ctx.srv.ks.write_as::<List>(db, key) {
        Ok(Some(l)) => (l.remove_matching(argv.get(3), count), l.is_empty()),
        Ok(None) => return ctx.out.int(0),
        Err(WrongType) => return ctx.wrong_type(),
    };
    if removed > 0 {
        ctx.changed(LIST, "lrem", key, empty);
    }
    ctx.out.int(removed as i64);
}

/// `LTRIM key start stop`
pub fn ltrim(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(start) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    let Some(stop) = int_arg(ctx, argv.get(3)) else {
        return;
    };
    let db = ctx.db();
    let key = argv.get(1);
    let (empty, trimmed) = match ctx.srv.ks.write_as::<List>(db, key) {
        Ok(Some(l)) => {
            let before = l.len();
            match clamp_range(start, stop, l.len()) {
                Some((a, b)) => l.retain_range(a, b),
                None => l.remove_front(l.len()),
            }
            (l.is_empty(), l.len() != before)
        }
        Ok(None) => return ctx.out.ok(),
        Err(WrongType) => return ctx.wrong_type(),
    };
    if trimmed {
        ctx.changed(LIST, "ltrim", key, empty);
    } else {
        // Redis signals watchers and notifies even when nothing was cut,
        // but counts no change (`server.dirty += ltrim + rtrim`): nothing
        // to replay.
        ctx.srv.ks.signal_watchers(db, key);
        ctx.notify(LIST, "ltrim", key);
    }
    ctx.out.ok();
}

/// The options of `LPOS`.
struct PosOpts {
    /// Which match to start from; negative counts from the tail.
    rank: i64,
    /// `COUNT`: how many matches to return (0 = all); `None` = one, unwrapped.
    count: Option<i64>,
    /// `MAXLEN`: how many elements to compare at most (0 = all).
    maxlen: i64,
}

/// Parses `[RANK r] [COUNT n] [MAXLEN m]` (later ones win), replying
/// Redis's error on failure.
fn parse_pos_opts(ctx: &mut Ctx<'_>, argv: &Argv<'_>) -> Option<PosOpts> {
    let mut o = PosOpts {
        rank: 1,
        count: None,
        maxlen: 0,
    };
    let mut j = 3;
    while j < argv.len() {
        let opt = argv.get(j);
        let has_arg = j + 1 < argv.len();
        if has_arg && is(opt, "rank") {
            o.rank = int_arg(ctx, argv.get(j + 1))?;
            if o.rank == 0 {
                ctx.out.error(RANK_ZERO);
                return None;
            }
        } else if has_arg && is(opt, "count") {
            let msg = Some("ERR COUNT can't be negative");
            o.count = Some(range_arg(ctx, argv.get(j + 1), 0, i64::MAX, msg)?);
        } else if has_arg && is(opt, "maxlen") {
            let msg = Some("ERR MAXLEN can't be negative");
            o.maxlen = range_arg(ctx, argv.get(j + 1), 0, i64::MAX, msg)?;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 2;
    }
    Some(o)
}

/// Scans `elements` (in search order) for `needle` as `LPOS` does; `pos`
/// turns a scan index into a list index. Pushes the matches wanted into
/// `found`. Redis: the loop of `lposCommand`.
fn lpos_scan<'a>(
    elements: impl Iterator<Item = &'a [u8]>,
    needle: &[u8],
    o: &PosOpts,
    pos: impl Fn(i64) -> i64,
    found: &mut Vec<i64>,
) {
    // A negative rank searches from the tail; i64::MIN stays negative when
    // negated, and then every match qualifies — as in Redis.
    let rank = if o.rank < 0 {
        o.rank.wrapping_neg()
    } else {
        o.rank
    };
    let mut matches: i64 = 0;
    for (index, v) in (0i64..).zip(elements) {
        if o.maxlen != 0 && index >= o.maxlen {
            break;
        }
        if v != needle {
            continue;
        }
        matches += 1;
        if matches >= rank {
            found.push(pos(index));
            match o.count {
                // Wrapping: with rank i64::MIN, Redis's C arithmetic wraps too.
                Some(c) if c == 0 || matches.wrapping_sub(rank).wrapping_add(1) < c => {}
                _ => break,
            }
        }
    }
}

/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`
pub fn lpos(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(o) = parse_pos_opts(ctx, argv) else {
        return;
    };
    let db = ctx.db();
    let mut found = Vec::new();
    match ctx.srv.ks.read_as::<List>(db, argv.get(1)) {
        Ok(Some(l)) => {
            let last = l.len() as i64 - 1;
            if o.rank > 0 {
                lpos_scan(l.iter(), argv.get(2), &o, |i| i, &mut found);
            } else {
                lpos_scan(l.iter_rev(), argv.get(2), &o, |i| last - i, &mut found);
            }
        }
        Ok(None) => {}
        Err(WrongType) => return ctx.wrong_type(),
    }
    if o.count.is_some() {
        ctx.out.array(found.len());
        for p in found {
            ctx.out.int(p);
        }
    } else {
        match found.first() {
            Some(&p) => ctx.out.int(p),
            None => ctx.out.null(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `RANK -9223372036854775808` with a `COUNT` returns every match from
    /// the tail: redis-server's arithmetic wraps, and so does ours.
    #[test]
    fn lpos_with_the_smallest_rank_returns_all_matches() {
        let list: [&[u8]; 5] = [b"a", b"b", b"a", b"c", b"a"];
        let o = PosOpts {
            rank: i64::MIN,
            count: Some(1),
            maxlen: 0,
        };
        let mut found = Vec::new();
        lpos_scan(list.iter().rev().copied(), b"a", &o, |i| 4 - i, &mut found);
        assert_eq!(found, [4, 2, 0]);
    }
}
