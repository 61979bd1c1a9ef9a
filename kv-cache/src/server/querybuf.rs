//! Giving back idle query buffers, from the cron. Redis:
//! `clientsCronResizeQueryBuffer`, run by `clientsCron` on
//! `numclients / hz` clients per tick (at least 5), so every client is
//! looked at about once a second and no tick does more than its share.
//!
//! A read buffer keeps the capacity it grew to: a client that once sent a
//! 50 MB request would hold 64 MB until it disconnects. A buffer wasting
//! more than 4 KB on a client idle for more than 2 seconds is cut to what
//! it holds (nothing, usually: the allocation is freed).
//!
//! Redis also trims a busy client's buffer when it is over twice its recent
//! peak; here a busy buffer holds at most a turn's read (64 KB) beyond its
//! unparsed request, and a big bulk gets an exactly sized buffer of its
//! own (`bigarg`), so only the idle rule is needed.

use std::collections::VecDeque;

use bytes::BytesMut;
use event_loop::EventLoop;

use super::Runtime;

/// Fewest clients looked at per tick (Redis `CLIENTS_CRON_MIN_ITERATIONS`).
const MIN_PER_TICK: usize = 5;
/// Wasted capacity worth giving back (Redis: 4 KB).
const MIN_WASTE: usize = 4 * 1024;
/// Idle time after which a buffer is cut to its content (Redis: > 2 s).
const IDLE_MS: i64 = 2_000;

/// The clients still to visit in the current round.
#[derive(Debug, Default)]
pub(super) struct Rotation {
    queue: VecDeque<u64>,
}

/// One tick's share of the round.
pub(super) fn tick(ev: &mut EventLoop<Runtime>, rt: &mut Runtime) {
    let clients = rt.srv.clients.len();
    let per_tick = (clients / rt.srv.config.hz.max(1) as usize).max(MIN_PER_TICK);
    let now = rt.srv.ks.now_ms;
    for _ in 0..per_tick.min(clients) {
        if rt.qbuf_rotation.queue.is_empty() {
            rt.qbuf_rotation
                .queue
                .extend(rt.srv.clients.keys().copied());
        }
        let Some(id) = rt.qbuf_rotation.queue.pop_front() else {
            return;
        };
        let Some(session) = rt.srv.clients.get(&id) else {
            continue;
        };
        if now - session.last_interaction_ms <= IDLE_MS {
            continue;
        }
        let Some(io) = session.conn else {
            continue;
        };
        // Only idle clients get this far, a tick's share at most: queueing
        // them for the loop's pending pass (what `conn_mut` does) is cheap.
        let Some(conn) = ev.conn_mut(io) else {
            continue;
        };
        let input = conn.input_mut();
        if input.capacity() - input.len() > MIN_WASTE {
            *input = BytesMut::from(&input[..]);
        }
    }
}
