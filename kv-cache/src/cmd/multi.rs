//! Transactions: `MULTI`, `EXEC`, `DISCARD`, `WATCH`, `UNWATCH`.
//! Redis: `src/multi.c`.
//!
//! ```text
//!  MULTI ──► S_MULTI set, queue opened
//!  cmd   ──► execute → gate: checks (unknown, arity, no-multi...) fail → error, queue aborted
//!                            else copied into the queue → +QUEUED
//!  EXEC  ──► aborted?                → -EXECABORT
//!            a watched key touched
//!            or expired since WATCH? → null array
//!            else unwatch, then run every queued command back to back
//!            (S_IN_EXEC: blocking commands time out at once), replies
//!            gathered in one array; blocked clients are served after.
//! ```
//!
//! The queue lives in the client's [`Session`](crate::state::Session); the
//! watched keys and their dirty flag in the keyspace's
//! [`Watched`](crate::db::watch::Watched) registry, since other clients'
//! writes must reach them.

use std::time::Instant;

use super::Ctx;
use crate::protocol::Argv;
use crate::state::{MultiState, S_IN_EXEC, S_MULTI};

/// `MULTI`
pub fn multi(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    if ctx.client.flags & S_MULTI != 0 {
        return ctx.out.error("ERR MULTI calls can not be nested");
    }
    ctx.client.flags |= S_MULTI;
    ctx.client.multi = Some(Box::default());
    ctx.out.ok();
}

/// Leaves `MULTI`, returning the queue; unwatches every key.
fn end_transaction(ctx: &mut Ctx<'_>) -> Option<Box<MultiState>> {
    ctx.srv.discard_transaction(ctx.client)
}

/// Drops an open transaction and the client's watches (`RESET`,
/// disconnection). No reply.
pub fn reset_transaction(ctx: &mut Ctx<'_>) {
    end_transaction(ctx);
}

/// `EXEC`
pub fn exec(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    if ctx.client.flags & S_MULTI == 0 {
        return ctx.out.error("ERR EXEC without MULTI");
    }
    let id = ctx.client.id;
    // Redis 7.0: a watched key that expired since WATCH fails the EXEC,
    // even if nobody deleted it yet.
    let dirty = ctx.srv.ks.watched.is_dirty(id) || ctx.srv.ks.watched_key_expired(id);
    let state = end_transaction(ctx).unwrap_or_default();
    if state.aborted {
        return ctx
            .out
            .error("EXECABORT Transaction discarded because of previous errors.");
    }
    if dirty {
        return ctx.out.null_array();
    }
    ctx.out.array(state.queue.len());
    let was_in_exec = ctx.client.flags & S_IN_EXEC;
    ctx.client.flags |= S_IN_EXEC;
    let mut clock = Instant::now();
    let reenter = ctx.reenter;
    for argv in &state.queue {
        reenter(
            &mut *ctx.srv,
            &mut *ctx.client,
            &argv.argv(),
            &mut *ctx.out.buf,
            &mut clock,
        );
    }
    ctx.client.flags = (ctx.client.flags & !S_IN_EXEC) | was_in_exec;
    // A queued HELLO may have switched protocol; later replies use it.
    ctx.out.resp = ctx.client.resp;
}

/// `DISCARD`
pub fn discard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    if ctx.client.flags & S_MULTI == 0 {
        return ctx.out.error("ERR DISCARD without MULTI");
    }
    end_transaction(ctx);
    ctx.out.ok();
}

/// `WATCH key [key ...]`
pub fn watch(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if ctx.client.flags & S_MULTI != 0 {
        return ctx.out.error("ERR WATCH inside MULTI is not allowed");
    }
    let (id, db) = (ctx.client.id, ctx.db());
    for key in argv.iter().skip(1) {
        ctx.srv.ks.watch(id, db, key);
    }
    ctx.out.ok();
}

/// `UNWATCH`
pub fn unwatch(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.srv.ks.watched.unwatch_all(ctx.client.id);
    ctx.out.ok();
}
