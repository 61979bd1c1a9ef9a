//! Server commands: DBSIZE, FLUSHDB/FLUSHALL, SWAPDB, TIME, SHUTDOWN,
//! DEBUG SLEEP/RELOAD, SLOWLOG, FUNCTION FLUSH, SCRIPT FLUSH.
//! Redis: `src/server.c`, `src/db.c`, `src/slowlog.c`, `src/debug.c`.

use super::args::range_arg;
use super::{Ctx, is};
use crate::protocol::Argv;
use crate::state::propagation::TO_ALL;

/// Replies a `HELP` listing: the header line, `lines`, then `HELP`.
pub fn help(ctx: &mut Ctx<'_>, container: &str, lines: &[&str]) {
    ctx.out.array(lines.len() + 3);
    ctx.out.simple(&format!(
        "{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for l in lines {
        ctx.out.simple(l);
    }
    ctx.out.simple("HELP");
    ctx.out.simple("    Prints this help.");
}

/// `DBSIZE`
pub fn dbsize(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let n = ctx.srv.ks.len(ctx.client.db);
    ctx.out.int(n as i64);
}

/// The optional `ASYNC|SYNC` of the flush commands: whether to free the
/// old contents on the lazyfree thread (without one,
/// `lazyfree-lazy-user-flush` decides; Redis `getFlushCommandFlags`), or
/// `None` after a syntax error.
fn flush_mode(ctx: &mut Ctx<'_>, argv: &Argv<'_>, from: usize) -> Option<bool> {
    match argv.len() - from {
        0 => Some(ctx.srv.config.lazyfree.user_flush),
        1 if is(argv.get(from), "async") => Some(true),
        1 if is(argv.get(from), "sync") => Some(false),
        _ => {
            ctx.syntax_error();
            None
        }
    }
}

/// `FLUSHDB [ASYNC|SYNC]`
pub fn flushdb(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if let Some(lazily) = flush_mode(ctx, argv, 1) {
        let db = ctx.db();
        ctx.srv.ks.flush_with(db, lazily);
        // Replayed even when there was nothing to flush (Redis
        // `forceCommandPropagation` in `flushdbCommand`).
        ctx.force_propagation(TO_ALL);
        ctx.out.ok();
    }
}

/// `FLUSHALL [ASYNC|SYNC]`
pub fn flushall(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if let Some(lazily) = flush_mode(ctx, argv, 1) {
        for i in 0..ctx.srv.ks.dbs.len() {
            ctx.srv.ks.flush_with(i, lazily);
        }
        super::persist::after_flushall(ctx.srv);
        ctx.force_propagation(TO_ALL);
        ctx.out.ok();
    }
}

/// `SWAPDB index1 index2`
pub fn swapdb(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let parse = |b: &[u8]| {
        crate::protocol::parse_i64(b).filter(|n| (i32::MIN as i64..=i32::MAX as i64).contains(n))
    };
    let Some(a) = parse(argv.get(1)) else {
        return ctx.out.error("ERR invalid first DB index");
    };
    let Some(b) = parse(argv.get(2)) else {
        return ctx.out.error("ERR invalid second DB index");
    };
    let n = ctx.srv.ks.dbs.len() as i64;
    if a < 0 || a >= n || b < 0 || b >= n {
        return ctx.out.error("ERR DB index is out of range");
    }
    ctx.srv.ks.swap_dbs(a as usize, b as usize);
    ctx.out.ok();
}

/// `TIME`: `[seconds, microseconds]`.
pub fn time(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    ctx.out.array(2);
    ctx.out.bulk_int(now.as_secs() as i64);
    ctx.out.bulk_int(now.subsec_micros() as i64);
}

/// `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]`: saves (when save
/// points are configured, or with `SAVE`; never with `NOSAVE`), then stops
/// the server after this event-loop iteration. A failed save keeps the
/// server up unless `FORCE`, as in Redis.
pub fn shutdown(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let (mut abort, mut save, mut force) = (false, None, false);
    for a in argv.iter().skip(1) {
        if is(a, "abort") {
            abort = true;
        } else if is(a, "nosave") {
            save = Some(false);
        } else if is(a, "save") {
            save = Some(true);
        } else if is(a, "force") {
            force = true;
        } else if !is(a, "now") {
            return ctx.syntax_error();
        }
    }
    if abort {
        if argv.len() > 2 {
            return ctx.syntax_error();
        }
        return ctx.out.error("ERR No shutdown in progress.");
    }
    tracing::warn!("User requested shutdown...");
    if !super::persist::before_exit(ctx.srv, save) && !force {
        return ctx.out.error("ERR Errors trying to SHUTDOWN. Check logs.");
    }
    ctx.srv.shutdown_requested = true;
    // Redis closes the connection without a reply when it goes down.
    ctx.client.close_after_reply = true;
}

/// `DEBUG SLEEP seconds` (blocks the whole server, as in Redis). Allowed
/// when `enable-debug-command` is `yes`, or `local` and the client is local.
pub fn debug(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mode = ctx.srv.config.enable_debug_command.as_str();
    let addr = &ctx.client.addr;
    let local = addr.starts_with("127.") || addr.starts_with("[::1]");
    if !(mode == "yes" || (mode == "local" && local)) {
        return ctx.out.error(
            "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
        );
    }
    if is(argv.get(1), "sleep") && argv.len() == 3 {
        let secs = std::str::from_utf8(argv.get(2))
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(0.0);
        // Redis converts to whole microseconds in a `long long`; a value
        // past its range (1e20, inf) comes out negative, and its sleep
        // returns at once. `from_secs_f64` would panic on those.
        if let Ok(d) = std::time::Duration::try_from_secs_f64(secs)
            && d.as_micros() < i64::MAX as u128
        {
            std::thread::sleep(d);
        }
        return ctx.out.ok();
    }
    if is(argv.get(1), "reload") && argv.len() == 2 {
        return match super::persist::debug_reload(ctx.srv) {
            Ok(()) => ctx.out.ok(),
            Err(e) => ctx.out.error(e),
        };
    }
    if is(argv.get(1), "set-active-expire") && argv.len() == 3 {
        // Redis: `server.active_expire_enabled = atoi(argv[2])`.
        let on = crate::protocol::parse_i64(argv.get(2)).unwrap_or(0) != 0;
        ctx.srv.ks.active_expire = on;
        return ctx.out.ok();
    }
    ctx.out.error(&format!(
        "ERR unknown subcommand '{}'. Try DEBUG HELP.",
        String::from_utf8_lossy(argv.get(1))
    ));
}

/// `SLOWLOG` without a subcommand never reaches here (arity -2).
pub fn slowlog(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.wrong_arity("slowlog");
}

/// `SLOWLOG GET [count]` (default 10, -1 for all).
pub fn slowlog_get(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut count = 10usize;
    if argv.len() == 3 {
        let msg = Some("ERR count should be greater than or equal to -1");
        let Some(n) = range_arg(ctx, argv.get(2), -1, i64::MAX, msg) else {
            return;
        };
        count = usize::try_from(n).unwrap_or(usize::MAX);
    } else if argv.len() > 3 {
        return ctx.wrong_arity("slowlog|get");
    }
    let n = count.min(ctx.srv.slowlog.len());
    ctx.out.array(n);
    for e in ctx.srv.slowlog.iter().take(n) {
        ctx.out.array(6);
        ctx.out.int(e.id as i64);
        ctx.out.int(e.time);
        ctx.out.int(e.duration_us as i64);
        ctx.out.array(e.args.len());
        for a in &e.args {
            ctx.out.bulk(a);
        }
        ctx.out.bulk(e.addr.as_bytes());
        ctx.out.bulk(&e.name);
    }
}

/// `SLOWLOG LEN`
pub fn slowlog_len(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.int(ctx.srv.slowlog.len() as i64);
}

/// `SLOWLOG RESET`
pub fn slowlog_reset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.srv.slowlog.clear();
    ctx.out.ok();
}

/// `SLOWLOG HELP`
pub fn slowlog_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    help(
        ctx,
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
}

/// `FUNCTION` without a subcommand never reaches here (arity -2).
pub fn function(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.wrong_arity("function");
}

/// `FUNCTION FLUSH [ASYNC|SYNC]`: there are no functions; OK.
pub fn function_flush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if flush_mode(ctx, argv, 2).is_some() {
        // Redis counts it as a change (`server.dirty++`): replicas flush too.
        ctx.force_propagation(TO_ALL);
        ctx.out.ok();
    }
}

/// `SCRIPT` without a subcommand never reaches here (arity -2).
pub fn script(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.wrong_arity("script");
}

/// `SCRIPT FLUSH [ASYNC|SYNC]`: there are no scripts; OK.
pub fn script_flush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if flush_mode(ctx, argv, 2).is_some() {
        ctx.out.ok();
    }
}

/// `FUNCTION HELP`: the subcommands kv-cache serves (it runs no scripts).
pub fn function_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    help(
        ctx,
        "FUNCTION",
        &[
            "FLUSH [ASYNC|SYNC]",
            "    Delete every library (there are none: kv-cache runs no functions).",
        ],
    );
}

/// `SCRIPT HELP`: the subcommands kv-cache serves (it runs no scripts).
pub fn script_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    help(
        ctx,
        "SCRIPT",
        &[
            "FLUSH [ASYNC|SYNC]",
            "    Empty the script cache (it is always empty: kv-cache runs no scripts).",
        ],
    );
}
