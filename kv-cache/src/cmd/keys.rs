//! Keyspace commands: existence, expiry, renaming, iteration. Redis:
//! `src/db.c` and `src/expire.c`.

use super::args::db_index;
use super::scan::{self, Over};
use super::{Ctx, is};
use crate::db::glob;
use crate::notify::GENERIC;
use crate::protocol::Argv;

/// `DEL key...`: how many existed. Values are freed here, unless
/// `lazyfree-lazy-user-del` makes it `UNLINK` (Redis `delCommand`).
pub fn del(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let lazily = ctx.srv.config.lazyfree.user_del;
    delete_keys(ctx, argv, lazily);
}

/// `UNLINK key...`: as `DEL`, but a big value is freed on the lazyfree
/// thread ([`crate::db::lazyfree`]): the key is gone at once, the reply
/// does not wait for the memory.
pub fn unlink(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    delete_keys(ctx, argv, true);
}

/// Deletes the keys of `argv`, freeing big values lazily if `lazily`.
fn delete_keys(ctx: &mut Ctx<'_>, argv: &Argv<'_>, lazily: bool) {
    let db = ctx.db();
    let mut n = 0;
    for k in argv.iter().skip(1) {
        if let Some((v, _)) = ctx.srv.ks.remove(db, k) {
            if lazily {
                ctx.srv.ks.lazy.free(v);
            }
            ctx.notify(GENERIC, "del", k);
            n += 1;
        }
    }
    ctx.out.int(n);
}

/// `EXISTS key...`: a key named twice counts twice; a missing one is a
/// read miss (Redis `lookupKeyReadWithFlags`).
pub fn exists(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    let mut n = 0;
    for k in argv.iter().skip(1) {
        if ks.exists(db, k) {
            n += 1;
        } else {
            ks.missed(db, k);
        }
    }
    ctx.out.int(n);
}

/// `TOUCH key...`: how many exist, each found one counted as a read
/// access (its LRU clock or LFU counter moves; Redis `lookupKeyRead`),
/// where `EXISTS` leaves them alone.
pub fn touch(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    let n = argv
        .iter()
        .skip(1)
        .filter(|k| ks.get(db, k).is_some())
        .count();
    ctx.out.int(n as i64);
}

/// `TYPE key`
pub fn r#type(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    let name = ks.peek(db, argv.get(1)).map(|v| v.type_name());
    if name.is_none() {
        ks.missed(db, argv.get(1));
    }
    ctx.out.simple(name.unwrap_or("none"));
}

fn rename_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, nx: bool) {
    let db = ctx.db();
    let (src, dst) = (argv.get(1), argv.get(2));
    let ks = &mut ctx.srv.ks;
    if !ks.exists(db, src) {
        return ctx.out.error("ERR no such key");
    }
    if src == dst {
        return if nx { ctx.out.int(0) } else { ctx.out.ok() };
    }
    if nx && ks.exists(db, dst) {
        return ctx.out.int(0);
    }
    // An existing destination is deleted, not overwritten: the renamed
    // key is a new one there (Redis `dbDelete` + `dbAdd`, a `new` event).
    ks.remove(db, dst);
    if let Some((val, at)) = ks.remove(db, src) {
        ks.set(db, dst, val, false);
        ks.set_expire(db, dst, at);
    }
    ctx.notify(GENERIC, "rename_from", src);
    ctx.notify(GENERIC, "rename_to", dst);
    if nx { ctx.out.int(1) } else { ctx.out.ok() }
}

/// `RENAME key newkey`
pub fn rename(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    rename_generic(ctx, argv, false);
}

/// `RENAMENX key newkey`
pub fn renamenx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    rename_generic(ctx, argv, true);
}

/// `KEYS pattern`: every live key matching, in table order.
pub fn keys(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let pattern = argv.get(1);
    let all = pattern == b"*";
    let ks = &ctx.srv.ks;
    let now = ks.now_ms;
    let d = &ks.dbs[db];
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut cursor = 0;
    loop {
        cursor = d.dict.scan(cursor, |e| {
            let k = e.key();
            let expired = !d.expires.is_empty() && d.expires.get(k).is_some_and(|x| x.value <= now);
            if !expired && (all || glob::matches(pattern, k, false)) {
                found.push(k.to_vec());
            }
        });
        if cursor == 0 {
            break;
        }
    }
    ctx.out.array(found.len());
    for k in &found {
        ctx.out.bulk(k);
    }
}

/// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]`. Redis: `scanGenericCommand`.
pub fn scan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(mut cursor) = scan::cursor_arg(ctx, argv.get(1)) else {
        return;
    };
    let Some(opts) = scan::parse_opts(ctx, argv, 2, Over::Keyspace) else {
        return;
    };
    let count = opts.count;
    let db = ctx.db();
    let mut keys: Vec<Vec<u8>> = Vec::new();
    {
        let d = &ctx.srv.ks.dbs[db];
        // Up to ten empty buckets per wanted key, as Redis, so a sparse
        // table still answers quickly (possibly with few keys).
        let mut budget = count.saturating_mul(10);
        loop {
            cursor = d.dict.scan(cursor, |e| keys.push(e.key().to_vec()));
            budget -= 1;
            if cursor == 0 || budget == 0 || keys.len() >= count {
                break;
            }
        }
    }
    // Filter after collecting, as Redis does: expired keys are deleted
    // here (lazily), and MATCH/TYPE never shorten the walk.
    let ks = &mut ctx.srv.ks;
    keys.retain(|k| {
        if !opts.matches(k) {
            return false;
        }
        if ks.expire_if_needed(db, k) {
            // Redis looks the key up to read its type, and misses.
            if opts.type_name.is_some() {
                ks.missed(db, k);
            }
            return false;
        }
        match opts.type_name {
            Some(t) => ks.dbs[db]
                .dict
                .get(k)
                .is_some_and(|e| t.eq_ignore_ascii_case(e.value.type_name().as_bytes())),
            None => true,
        }
    });
    scan::reply_head(&mut ctx.out, cursor, keys.len());
    for k in &keys {
        ctx.out.bulk(k);
    }
}

/// `RANDOMKEY`
pub fn randomkey(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let db = ctx.db();
    // A picked key may have expired: delete it and try again (bounded).
    for _ in 0..100 {
        let Some(k) = ctx.srv.ks.dbs[db]
            .dict
            .fair_random_entry()
            .map(|e| e.key().to_vec())
        else {
            break;
        };
        if !ctx.srv.ks.expire_if_needed(db, &k) {
            return ctx.out.bulk(&k);
        }
    }
    ctx.out.null();
}

/// `MOVE key db`
pub fn r#move(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let src = ctx.db();
    let Some(dst) = db_index(ctx, argv.get(2)) else {
        return;
    };
    if src == dst {
        return ctx
            .out
            .error("ERR source and destination objects are the same");
    }
    let key = argv.get(1);
    let ks = &mut ctx.srv.ks;
    if !ks.exists(src, key) || ks.exists(dst, key) {
        return ctx.out.int(0);
    }
    if let Some((val, at)) = ks.remove(src, key) {
        ks.set(dst, key, val, false);
        ks.set_expire(dst, key, at);
    }
    ctx.notify_in(src, GENERIC, "move_from", key);
    ctx.notify_in(dst, GENERIC, "move_to", key);
    ctx.out.int(1);
}

/// `COPY source destination [DB db] [REPLACE]`
pub fn copy(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let src_db = ctx.db();
    let mut dst_db = src_db;
    let mut replace = false;
    let mut j = 3;
    while j < argv.len() {
        let a = argv.get(j);
        if is(a, "replace") {
            replace = true;
        } else if is(a, "db") && j + 1 < argv.len() {
            let Some(n) = db_index(ctx, argv.get(j + 1)) else {
                return;
            };
            dst_db = n;
            j += 1;
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    let (src, dst) = (argv.get(1), argv.get(2));
    if src == dst && src_db == dst_db {
        return ctx
            .out
            .error("ERR source and destination objects are the same");
    }
    let ks = &mut ctx.srv.ks;
    let Some(val) = ks.get(src_db, src).map(|v| v.clone()) else {
        return ctx.out.int(0);
    };
    let at = ks.expire_of(src_db, src);
    if ks.exists(dst_db, dst) && !replace {
        return ctx.out.int(0);
    }
    // Replaced by deleting first: the copy is a new key (Redis `dbDelete` + `dbAdd`).
    ks.remove(dst_db, dst);
    ks.set(dst_db, dst, val, false);
    ks.set_expire(dst_db, dst, at);
    ctx.notify_in(dst_db, GENERIC, "copy_to", dst);
    ctx.out.int(1);
}

/// `OBJECT` without a subcommand never reaches here (arity -2).
pub fn object(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.wrong_arity("object");
}

/// `OBJECT ENCODING key`
pub fn object_encoding(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.peek(db, argv.get(2)) {
        Some(v) => {
            let e = v.encoding();
            ctx.out.bulk(e.as_bytes());
        }
        None => ctx.out.null(),
    }
}

/// `OBJECT REFCOUNT key`: 1, or Redis's shared-integer count for 0..9999
/// (Redis shares those objects and reports `INT_MAX`).
pub fn object_refcount(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.peek(db, argv.get(2)) {
        Some(crate::db::Val::Int(n)) if (0..10_000).contains(n) => ctx.out.int(i32::MAX as i64),
        Some(_) => ctx.out.int(1),
        None => ctx.out.null(),
    }
}

/// `OBJECT FREQ key`: the key's LFU counter after its decay (see
/// [`crate::db::evict::lfu`]); refused unless an LFU policy is in force,
/// with Redis's text. A missing key is a null either way.
pub fn object_freq(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let lfu = ctx.srv.ks.access.lfu;
    match ctx.srv.ks.freq(db, argv.get(2)) {
        None => ctx.out.null(),
        Some(n) if lfu => ctx.out.int(i64::from(n)),
        Some(_) => ctx.out.error(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ),
    }
}

/// `OBJECT IDLETIME key`: seconds since the key was last read or written,
/// from its access clock (see [`crate::db::clock`]); refused under an LFU
/// policy, whose keys hold a counter instead, with Redis's text.
pub fn object_idletime(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let lfu = ctx.srv.ks.access.lfu;
    match ctx.srv.ks.idle_ms(db, argv.get(2)) {
        None => ctx.out.null(),
        Some(ms) if !lfu => ctx.out.int((ms / 1000) as i64),
        Some(_) => ctx.out.error(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ),
    }
}

/// `OBJECT HELP`
pub fn object_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    super::server::help(
        ctx,
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used to store the value at <key>.",
            "FREQ <key>",
            "    Return the logarithmic access frequency counter of <key> (LFU policies only).",
            "IDLETIME <key>",
            "    Return the seconds since <key> was last read or written.",
            "REFCOUNT <key>",
            "    Return the number of references of the value at <key>.",
        ],
    );
}
