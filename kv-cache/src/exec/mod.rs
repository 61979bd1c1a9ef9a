//! One command's path, from parsed arguments to reply and propagation.
//! Redis: `processCommand` and `call` in `src/server.c`.
//!
//! ```text
//!  Argv ─► resolve (table lookup, subcommand, arity)
//!       ─► checks (auth; oom: evict under maxmemory, -OOM;
//!                  gate: MULTI queueing, RESP2 subscribed mode)
//!       ─► call: handler(Ctx) → reply bytes, Keyspace changes
//!                counters, slow log
//!                propagate::after_call   ← the PROPAGATION POINT
//!       ─► propagate::end_unit           (MULTI … EXEC when > 1 op)
//!       ─► wake::serve_ready             (blocked clients whose keys filled,
//!                                         each its own unit)
//! ```
//!
//! One resolve step serves the three ways a command runs: directly
//! ([`execute_timed`]), from `EXEC`'s queue and as a blocked client's retry
//! (`call_stored`); only the direct way checks authentication and the
//! gate, because a stored command already passed them when it was queued.
//!
//! # Layout
//!
//! - this file: resolve, reject, call, the entry points;
//! - [`oom`]: `maxmemory` — eviction before the command, `-OOM` when nothing can go;
//! - [`gate`]: what a connection in `MULTI`, RESP2 subscribed or `MONITOR` mode may run,
//!   and what `CLIENT PAUSE` holds;
//! - [`propagate`]: the propagation point — what reaches the AOF and the replicas;
//! - [`wake`]: serving blocked clients, timeouts, `CLIENT UNBLOCK`;
//! - [`track`]: client-side caching — invalidations for changed keys, read keys remembered;
//! - `monitor`: the `MONITOR` feed;
//! - `quiet`: `CLIENT REPLY OFF|SKIP`, replies dropped and pushes kept;
//! - `slowlog`: the slow log entry.

pub mod gate;
mod monitor;
pub mod oom;
pub mod propagate;
mod quiet;
mod slowlog;
pub mod track;
pub mod wake;

use std::time::Instant;

use crate::cmd::{self, Command, Ctx, F_ADMIN, F_FAST, F_NO_AUTH, F_SKIP_SLOWLOG};
use crate::protocol::{Argv, Reply};
use crate::state::{CmdStat, ReplyMode, S_BLOCKED, S_GATED, S_RETRY, Server, Session};

/// Runs one command: lookup, arity, authentication, the handler, then the
/// counters, the slow log and propagation. Redis: `processCommand` and `call`.
pub fn execute(srv: &mut Server, session: &mut Session, argv: &Argv<'_>, out: &mut Vec<u8>) {
    let mut clock = Instant::now();
    execute_timed(srv, session, argv, out, &mut clock);
}

/// [`execute`] for a batch: `clock` holds the time the command started and
/// is advanced to the time it ended, so that consecutive commands share one
/// clock read each (the end of one is the start of the next). Reading the
/// clock twice per command showed up at ~8% of CPU with 16-deep pipelines.
///
/// Every rejection below also fails an open transaction (Redis
/// `rejectCommand` → `flagTransaction`). After the command, its execution
/// unit is propagated, then clients blocked on keys it created are served
/// (Redis `handleClientsBlockedOnKeys` after `call`).
// ANCHOR: dispatch
pub fn execute_timed(
    srv: &mut Server,
    session: &mut Session,
    argv: &Argv<'_>,
    out: &mut Vec<u8>,
    clock: &mut Instant,
) {
    if session.reply != ReplyMode::On {
        return quiet::execute(srv, session, argv, out, clock);
    }
    dispatch(srv, session, argv, out, clock);
}

/// [`execute_timed`] past the `CLIENT REPLY` test: the checks, the call,
/// propagation and wake-ups.
#[inline(always)]
fn dispatch(
    srv: &mut Server,
    session: &mut Session,
    argv: &Argv<'_>,
    out: &mut Vec<u8>,
    clock: &mut Instant,
) {
    let Some(resolved) = resolve(srv, session, argv, out) else {
        session.last_cmd = unresolved_name(argv);
        session.flag_transaction();
        return;
    };
    let (ti, top, sub) = resolved;
    // What `CLIENT LIST cmd=` shows: the command as looked up, whether it
    // then runs, is queued or is refused (Redis sets `c->lastcmd` at
    // lookup; `EXEC`'s queued commands leave it at `exec`).
    session.last_cmd = if std::ptr::eq(top, sub) {
        top.name
    } else {
        full_name(ti, top, sub)
    };
    if !session.authenticated && srv.config.requirepass.is_some() && top.flags & F_NO_AUTH == 0 {
        let msg = "NOAUTH Authentication required.";
        return reject(srv, session, resolved, out, msg);
    }
    // Redis checks memory after authentication and before the modes.
    if srv.config.maxmemory != 0 && !oom::admit(srv, session, resolved, out) {
        return;
    }
    // MULTI queues, subscribed RESP2 and MONITOR connections are
    // restricted, a pause holds commands.
    if (session.flags & S_GATED != 0 || srv.pause.is_on())
        && !gate::admit(srv, session, resolved, argv, out)
    {
        return;
    }
    call(srv, session, resolved, argv, out, clock);
    if srv.prop.listening() != 0 {
        propagate::end_unit(srv, true);
    }
    if srv.ks.waited.has_ready() {
        wake::serve_ready(srv, clock);
    }
}
// ANCHOR_END: dispatch

/// A resolved command: its table index, the top-level entry, and the
/// subcommand (the entry itself when it has none).
pub(crate) type Resolved = (usize, &'static Command, &'static Command);

/// Finds the command and checks its arity (and the subcommand's), or
/// replies Redis's error and returns `None`. Redis: the lookup and arity
/// checks at the top of `processCommand`.
// Inlined into `execute_timed` like `call`: out of line it cost ~30
// instructions per command (callgrind, SET -P 16).
#[inline(always)]
pub(crate) fn resolve(
    srv: &mut Server,
    session: &mut Session,
    argv: &Argv<'_>,
    out: &mut Vec<u8>,
) -> Option<Resolved> {
    let resp = session.resp;
    let Some((ti, top)) = cmd::lookup(argv.get(0)) else {
        srv.stats.total_error_replies += 1;
        cmd::unknown_command(&mut Reply::new(out, resp), argv);
        return None;
    };
    if !cmd::arity_ok(top.arity, argv.len()) {
        let msg = format!("ERR wrong number of arguments for '{}' command", top.name);
        reject(srv, session, (ti, top, top), out, &msg);
        return None;
    }
    if top.subcommands.is_empty() || argv.len() < 2 {
        return Some((ti, top, top));
    }
    match cmd::resolve(top, argv, &mut Reply::new(out, resp)) {
        Some(sub) => Some((ti, top, sub)),
        None => {
            srv.stats.total_error_replies += 1;
            None
        }
    }
}

/// Replies `msg` to a command refused before running, counts it, and
/// fails the open transaction (Redis `rejectCommand`). A refused `EXEC`
/// discards the transaction instead, replying `-EXECABORT ... because of:`
/// with the reason (Redis `execCommandAbort`), even outside `MULTI`.
#[cold]
pub(crate) fn reject(
    srv: &mut Server,
    session: &mut Session,
    (ti, top, sub): Resolved,
    out: &mut Vec<u8>,
    msg: &str,
) {
    srv.stats.total_error_replies += 1;
    stat_for(srv, ti, top, Some(sub)).rejected_calls += 1;
    let mut reply = Reply::new(out, session.resp);
    if top.name == "exec" {
        srv.discard_transaction(session);
        let reason = msg.strip_prefix("ERR ").unwrap_or(msg);
        reply.error(&format!(
            "EXECABORT Transaction discarded because of: {reason}"
        ));
    } else {
        session.flag_transaction();
        reply.error(msg);
    }
}

/// Runs a command that passed every check: the handler, the counters, the
/// slow log, and the propagation point. Redis: `call`. A command that
/// blocked is counted when it is unblocked instead (Redis
/// `updateStatsOnUnblock`).
// Inlined into `execute_timed`: as a call it cost ~35 instructions per
// command in argument passing and spills (callgrind, SET/GET pipeline).
#[inline(always)]
pub(crate) fn call(
    srv: &mut Server,
    session: &mut Session,
    (ti, top, sub): Resolved,
    argv: &Argv<'_>,
    out: &mut Vec<u8>,
    clock: &mut Instant,
) {
    let resp = session.resp;
    let before = out.len();
    let start = *clock;
    let dirty = srv.ks.dirty;
    let listening = srv.prop.listening() != 0;
    if listening {
        srv.prop.begin_command();
    }
    {
        let mut ctx = Ctx {
            srv: &mut *srv,
            client: &mut *session,
            out: Reply::new(out, resp),
            reenter: call_stored,
        };
        (sub.handler)(&mut ctx, argv);
    }
    // What the keyspace logged after the handler's last event (a read's
    // lazy expiry, a miss) is propagated and notified now, before the command.
    if !srv.ks.log.is_empty() {
        cmd::notify::collect(srv, (session.id, out));
    }
    let end = Instant::now();
    *clock = end;
    if listening {
        propagate::after_call(srv, session, sub, argv, dirty);
    }
    let us = end.duration_since(start).as_micros() as u64;
    // Sampled even for a command that blocked, as Redis's `call`.
    let event = if sub.flags & F_FAST != 0 {
        "fast-command"
    } else {
        "command"
    };
    let threshold = srv.config.latency_monitor_threshold;
    srv.latency
        .add_if_needed(threshold, event, us / 1000, srv.ks.now_ms / 1000);
    // Administrative commands are too dangerous to show (Redis).
    if !srv.monitors.is_empty() && sub.flags & F_ADMIN == 0 && session.flags & S_RETRY == 0 {
        monitor::feed(srv, session, argv);
    }
    if srv.tracking.clients() != 0 {
        track::after_call(srv, session, top, sub, argv, out);
    }
    if session.flags & S_BLOCKED != 0 {
        return;
    }
    let failed = out.get(before) == Some(&b'-');
    srv.stats.total_commands_processed += 1;
    if failed {
        srv.stats.total_error_replies += 1;
    }
    let tracking = srv.config.latency_tracking;
    let st = stat_for(srv, ti, top, Some(sub));
    st.calls += 1;
    st.usec += us;
    if tracking {
        st.latency.record(us);
    }
    if failed {
        st.failed_calls += 1;
    }
    let threshold = srv.config.slowlog_log_slower_than;
    if threshold >= 0 && us as i64 >= threshold && sub.flags & F_SKIP_SLOWLOG == 0 {
        slowlog::log(srv, session, argv, us);
    }
}

/// Resolves a stored command again and calls it (`EXEC`'s queue, a blocked
/// command's retry). It passed lookup and arity when it was first seen;
/// the checks stay in case the table said otherwise, and reply as usual.
/// Its propagation joins the running execution unit.
pub(crate) fn call_stored(
    srv: &mut Server,
    session: &mut Session,
    argv: &Argv<'_>,
    out: &mut Vec<u8>,
    clock: &mut Instant,
) {
    if let Some(resolved) = resolve(srv, session, argv, out) {
        call(srv, session, resolved, argv, out, clock);
    }
}

/// The counters of a command or subcommand (`INFO commandstats`).
#[inline(always)]
pub(crate) fn stat_for<'s>(
    srv: &'s mut Server,
    ti: usize,
    top: &'static Command,
    sub: Option<&'static Command>,
) -> &'s mut CmdStat {
    match sub {
        Some(s) if !std::ptr::eq(s, top) => {
            let si = top
                .subcommands
                .iter()
                .position(|x| std::ptr::eq(x, s))
                .unwrap_or(0);
            srv.substats.entry((ti, si)).or_default()
        }
        _ => {
            // Sized on first use: the state layer does not know the table.
            if srv.cmdstats.len() <= ti {
                srv.cmdstats
                    .resize(cmd::COMMANDS.len().max(ti + 1), CmdStat::default());
            }
            &mut srv.cmdstats[ti]
        }
    }
}

/// `CLIENT LIST cmd=` for a command [`resolve`] refused: `NULL` for an
/// unknown command or subcommand, else its name (a wrong arity).
#[cold]
fn unresolved_name(argv: &Argv<'_>) -> &'static str {
    let Some((ti, top)) = cmd::lookup(argv.get(0)) else {
        return "NULL";
    };
    if top.subcommands.is_empty() || argv.len() < 2 {
        return top.name;
    }
    match cmd::lookup_sub(top, argv.get(1)) {
        Some(sub) => full_name(ti, top, sub),
        None => "NULL",
    }
}

/// `container|sub` for a subcommand, as `CLIENT LIST` prints it (Redis
/// `fullname`). Built once per subcommand and kept, so a session can hold
/// it as a `&'static str` like a top-level name.
#[cold]
fn full_name(ti: usize, top: &'static Command, sub: &'static Command) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<(usize, usize), &'static str>>> = OnceLock::new();
    let si = top
        .subcommands
        .iter()
        .position(|x| std::ptr::eq(x, sub))
        .unwrap_or(0);
    let names = NAMES.get_or_init(Default::default);
    let Ok(mut names) = names.lock() else {
        return top.name;
    };
    names
        .entry((ti, si))
        .or_insert_with(|| Box::leak(format!("{}|{}", top.name, sub.name).into_boxed_str()))
}
