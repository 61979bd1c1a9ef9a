//! `maxmemory` in a command's path: evict before the command, refuse it
//! with `-OOM` when memory cannot be freed. Redis: the `maxmemory` block of
//! `processCommand` (`src/server.c`) and the eviction time proc
//! (`evictionTimeProc`, `src/evict.c`), which here is the cron's turn.
//!
//! Every command runs the eviction loop first while a limit is set, as
//! Redis's do, so reads free memory too. What it cannot free within its
//! time limit the next command or the cron goes on with. Only a `Fail`
//! (nothing left to evict, or `noeviction`) refuses a command, and only
//! one that may grow memory (`denyoom`), or any command but `EXEC`,
//! `DISCARD`, `QUIT` and `RESET` inside `MULTI` — queueing costs memory
//! too. A refused command inside `MULTI` makes `EXEC` fail, and an `EXEC`
//! whose queue holds a `denyoom` command is refused itself, both as in
//! Redis.

use super::gate::queue_has;
use super::{Resolved, propagate, reject};
use crate::cmd::{self, F_DENYOOM};
use crate::db::evict::Outcome;
use crate::state::{S_MULTI, Server, Session, used_memory_now};

/// Redis's refusal (`shared.oomerr`).
pub const OOM_ERROR: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// Commands a transaction may still run when memory is out.
const MULTI_EXEMPT: &[&str] = &["exec", "discard", "quit", "reset"];

/// Evicts as needed before `resolved` runs; returns whether it may run
/// (else the `-OOM` reply is written).
pub(crate) fn admit(
    srv: &mut Server,
    session: &mut Session,
    resolved: Resolved,
    out: &mut Vec<u8>,
) -> bool {
    if evict(srv, (session.id, out)) != Outcome::Fail {
        return true;
    }
    let (_, top, sub) = resolved;
    let in_multi = session.flags & S_MULTI != 0;
    let denyoom = sub.flags & F_DENYOOM != 0
        || (top.name == "exec" && queue_has(session, |c| c.flags & F_DENYOOM != 0));
    if denyoom || (in_multi && !MULTI_EXEMPT.contains(&top.name)) {
        reject(srv, session, resolved, out, OOM_ERROR);
        return false;
    }
    true
}

/// The eviction timer's and the cron's turn: goes on evicting what
/// commands left (Redis's eviction time proc); [`Server::evicting`] says
/// whether work is left. Its messages go to the outbox.
pub fn cron(srv: &mut Server) {
    if srv.config.maxmemory != 0 {
        evict(srv, (0, &mut Vec::new()));
    }
}

/// One call of the eviction loop, then what it evicted propagated as its
/// own unit, never wrapped (Redis `propagate_no_multi` in
/// `performEvictions`), and notified. `me`/`own` as in
/// [`cmd::notify::publish`]. A pause keeps the dataset as it is (Redis
/// `isSafeToPerformEvictions`).
fn evict(srv: &mut Server, (me, own): (u64, &mut Vec<u8>)) -> Outcome {
    if srv.pause.is_on() {
        return Outcome::Ok;
    }
    let limits = srv.evict_limits();
    let not_counted = srv.mem_not_counted_for_evict();
    let mut used = |_: &_| used_memory_now().saturating_sub(not_counted);
    let outcome = srv.ks.perform_evictions(&limits, &mut used);
    srv.evicting = outcome == Outcome::Running;
    if !srv.ks.log.is_empty() {
        cmd::notify::collect(srv, (me, own));
        if srv.prop.listening() != 0 {
            propagate::end_unit(srv, false);
        }
    }
    outcome
}
