//! `MONITOR`: the connection starts receiving every command the server
//! runs, one line each (the feed is `exec::monitor`). Redis:
//! `monitorCommand` in `src/replication.c`. A monitor is a replica in
//! Redis's eyes: it may no longer run commands that touch the keyspace
//! (`exec::gate`); `RESET` turns it back into a normal client.

use super::Ctx;
use crate::protocol::Argv;
use crate::state::{S_IN_EXEC, S_MONITOR};

/// `MONITOR`: `OK`, or nothing when the connection already is a monitor
/// (Redis ignores the repeat); refused inside a transaction, where every
/// command must reply.
pub fn monitor(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    if ctx.client.flags & S_IN_EXEC != 0 {
        return ctx
            .out
            .error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    }
    if ctx.client.flags & S_MONITOR != 0 {
        return;
    }
    ctx.client.flags |= S_MONITOR;
    ctx.srv.monitors.push(ctx.client.id);
    ctx.out.ok();
}
