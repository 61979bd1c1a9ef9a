//! `BGREWRITEAOF`. Redis: `bgrewriteaofCommand` in `src/aof.c`; the
//! rewrite itself is [`crate::persist::aof::rewrite`].

use super::Ctx;
use crate::protocol::Argv;
use crate::state::S_IN_EXEC;

/// `BGREWRITEAOF`: starts a background rewrite, or schedules one while
/// another child runs (or inside `EXEC`, where forking mid-transaction
/// would snapshot half of it).
pub fn bgrewriteaof(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let srv = &mut *ctx.srv;
    if srv.aof.child.is_some() {
        return ctx
            .out
            .error("ERR Background append only file rewriting already in progress");
    }
    if srv.has_active_child() || ctx.client.flags & S_IN_EXEC != 0 {
        srv.aof.rewrite_scheduled = true;
        // A manual request lifts the back-off after failures (Redis).
        srv.aof.consecutive_failures = 0;
        return ctx
            .out
            .simple("Background append only file rewriting scheduled");
    }
    match srv.aof.start_rewrite(&srv.ks, &srv.config) {
        Ok(()) => ctx.out.simple("Background append only file rewriting started"),
        Err(_) => ctx.out.error(
            "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
        ),
    }
}
