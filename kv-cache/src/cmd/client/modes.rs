//! The modes one connection sets for itself or for everyone: `CLIENT
//! REPLY`, `CLIENT NO-EVICT`, `CLIENT PAUSE` and `CLIENT UNPAUSE`. Redis:
//! the matching branches of `clientCommand` in `src/networking.c`.
//!
//! The effects live elsewhere: the reply silence in `exec::quiet`, the
//! pause in `exec::gate` (what waits) and [`crate::state::pause`] (who
//! waits, until when).

use super::super::{Ctx, is};
use super::subcommand_syntax_error;
use crate::protocol::{Argv, parse_i64};
use crate::state::ReplyMode;
use crate::state::pause::PauseMode;

/// `CLIENT REPLY ON|OFF|SKIP`: only `ON` answers (`OK`); `SKIP` while
/// replies are off changes nothing, as in Redis.
pub fn client_reply(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mode = argv.get(2);
    if is(mode, "on") {
        ctx.client.reply = ReplyMode::On;
        ctx.out.ok();
    } else if is(mode, "off") {
        ctx.client.reply = ReplyMode::Off;
    } else if is(mode, "skip") {
        if ctx.client.reply != ReplyMode::Off {
            ctx.client.reply = ReplyMode::SkipNext;
        }
    } else {
        ctx.syntax_error();
    }
}

/// `CLIENT NO-EVICT ON|OFF`: flag `e` in `CLIENT LIST`. kv-cache does not
/// evict clients yet (`maxmemory-clients` is another issue); the flag is
/// what that eviction will read.
pub fn client_no_evict(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let v = argv.get(2);
    if is(v, "on") {
        ctx.client.no_evict = true;
    } else if is(v, "off") {
        ctx.client.no_evict = false;
    } else {
        return ctx.syntax_error();
    }
    ctx.out.ok();
}

/// `CLIENT PAUSE timeout [WRITE|ALL]`: the mode is checked first, then the
/// timeout in milliseconds, with Redis's errors. `0` (or a deadline that
/// overflows, as Redis's unchecked addition does) pauses nothing.
pub fn client_pause(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() > 4 {
        return subcommand_syntax_error(ctx, argv);
    }
    let mode = match argv.iter().nth(3) {
        None => PauseMode::All,
        Some(m) if is(m, "write") => PauseMode::Write,
        Some(m) if is(m, "all") => PauseMode::All,
        Some(_) => return ctx.out.error("ERR CLIENT PAUSE mode must be WRITE or ALL"),
    };
    let Some(ms) = parse_i64(argv.get(2)) else {
        return ctx
            .out
            .error("ERR timeout is not an integer or out of range");
    };
    if ms < 0 {
        return ctx.out.error("ERR timeout is negative");
    }
    let end = if ms > 0 {
        ms.wrapping_add(ctx.srv.ks.now_ms)
    } else {
        0
    };
    // An end already passed pauses nothing (Redis drops it at once).
    if end >= ctx.srv.ks.now_ms {
        ctx.srv.start_pause(mode, end);
    }
    ctx.out.ok();
}

/// `CLIENT UNPAUSE`: ends the pause; the held clients run their commands
/// in arrival order.
pub fn client_unpause(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.srv.end_pause();
    ctx.out.ok();
}
