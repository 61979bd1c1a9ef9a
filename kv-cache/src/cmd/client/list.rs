//! `CLIENT LIST` and `CLIENT INFO`: one line per connection, with the
//! fields and figures Redis 7.0 prints. Redis: `catClientInfoString` and
//! `getClientMemoryUsage` in `src/networking.c`.
//!
//! Where kv-cache's buffers differ from Redis's, the figure is the honest
//! equivalent from ours:
//!
//! | field | Redis | here |
//! |---|---|---|
//! | `qbuf`, `qbuf-free` | query buffer length, free space | the connection's input buffer, as of its last read, less a request a pause holds there (Redis has parsed it into `argv`) |
//! | `argv-mem` | bytes of the parsed command's arguments | the same, for the calling client's command and for a command a pause holds |
//! | `multi-mem` | queued arguments + a pointer each | the same, from the queue |
//! | `rbs`, `rbp` | the static reply buffer's size, and its peak use | the size of the output blocks replies are encoded into, and the most reply bytes one batch produced |
//! | `obl`, `oll`, `omem` | bytes in the static buffer, reply list nodes, their bytes | pending output as of the last read: what fits the first block, the further blocks, their bytes |
//! | `tot-mem` | all of the above + the `client` struct | the same sum + the session record |

use super::super::{Ctx, is};
use super::{all_clients, is_pubsub_client};
use crate::protocol::{Argv, parse_i64};
use crate::state::{S_MONITOR, S_PAUSED, S_TRACKING, Server, Session, unix_ms};
use event_loop::conn::BLOCK_SIZE;

/// The flags of a `CLIENT LIST` line, in Redis's order; `N` when none.
fn flags(srv: &Server, c: &Session) -> String {
    let id = c.id;
    let tracker = srv.tracking.get(id).filter(|_| c.flags & S_TRACKING != 0);
    let on = [
        (c.flags & S_MONITOR != 0, 'O'),
        (srv.pubsub.is_subscriber(id), 'P'),
        (c.multi.is_some(), 'x'),
        (srv.blocked.contains(id) || c.flags & S_PAUSED != 0, 'b'),
        (tracker.is_some(), 't'),
        (tracker.is_some_and(|t| t.broken_redirect), 'R'),
        (tracker.is_some_and(|t| t.bcast), 'B'),
        (srv.ks.watched.is_dirty(id), 'd'),
        (c.close_after_reply, 'c'),
        (c.no_evict, 'e'),
    ];
    let s: String = on.iter().filter(|(b, _)| *b).map(|(_, f)| *f).collect();
    if s.is_empty() { "N".into() } else { s }
}

/// One `CLIENT LIST` line. `argv_mem` is the argument bytes of the
/// command in hand (the caller passes its own for itself).
fn client_line(srv: &Server, c: &Session, now: i64, argv_mem: usize) -> String {
    let id = c.id;
    let (sub, psub) = srv.pubsub.counts(id);
    let ssub = srv.pubsub.shard_count(id);
    let multi = c.queued().map_or(-1, |n| n as i64);
    let multi_mem: usize = c.multi.as_ref().map_or(0, |m| {
        m.queue
            .iter()
            .map(|q| q.argv().iter().map(|a| a.len() + 8).sum::<usize>())
            .sum()
    });
    let pending = c.omem;
    let obl = pending.min(BLOCK_SIZE);
    let omem = pending - obl;
    let oll = omem.div_ceil(BLOCK_SIZE);
    let tot_mem = std::mem::size_of::<Session>()
        + c.qbuf
        + c.qbuf_free
        + argv_mem
        + multi_mem
        + pending
        + c.name.as_ref().map_or(0, Vec::len);
    let events = if pending > 0 { "rw" } else { "r" };
    let redir = match srv.tracking.get(id) {
        Some(t) if c.flags & S_TRACKING != 0 => t.redirect as i64,
        _ => -1,
    };
    format!(
        "id={id} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={sub} psub={psub} ssub={ssub} multi={multi} qbuf={} qbuf-free={} argv-mem={argv_mem} multi-mem={multi_mem} rbs={BLOCK_SIZE} rbp={} obl={obl} oll={oll} omem={omem} tot-mem={tot_mem} events={events} cmd={} user=default redir={redir} resp={}\n",
        c.addr,
        c.laddr,
        c.fd,
        String::from_utf8_lossy(c.name.as_deref().unwrap_or_default()),
        (now - c.created_ms).max(0) / 1000,
        (now - c.last_interaction_ms).max(0) / 1000,
        flags(srv, c),
        c.db,
        c.qbuf,
        c.qbuf_free,
        c.reply_peak,
        c.last_cmd,
        c.resp,
    )
}

/// The line of `c`: for the caller, the bytes of the command it is running.
fn line_of(ctx: &Ctx<'_>, c: &Session, argv: &Argv<'_>, now: i64) -> String {
    let argv_mem = if c.id == ctx.client.id {
        argv.iter().map(<[u8]>::len).sum()
    } else if c.flags & S_PAUSED != 0 {
        c.argv_mem
    } else {
        0
    };
    client_line(ctx.srv, c, now, argv_mem)
}

/// `CLIENT LIST [TYPE normal|master|replica|pubsub] | [ID id ...]`: one of
/// the two filters, as Redis 7.0. With `ID`, lines come in the order the
/// ids are given, and ids of no client (`0` included) list nothing.
pub fn client_list(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut ids: Option<Vec<i64>> = None;
    let mut pubsub_type: Option<bool> = None;
    if argv.len() == 4 && is(argv.get(2), "type") {
        let t = argv.get(3);
        if is(t, "normal") {
            pubsub_type = Some(false);
        } else if is(t, "pubsub") {
            pubsub_type = Some(true);
        } else if is(t, "master") || is(t, "replica") || is(t, "slave") {
            // No replication yet: no client of these classes.
            ids = Some(Vec::new());
        } else {
            return ctx.out.error(&format!(
                "ERR Unknown client type '{}'",
                String::from_utf8_lossy(t)
            ));
        }
    } else if argv.len() > 3 && is(argv.get(2), "id") {
        let mut list = Vec::new();
        for x in argv.iter().skip(3) {
            match parse_i64(x) {
                Some(n) => list.push(n),
                None => return ctx.out.error("ERR Invalid client ID"),
            }
        }
        ids = Some(list);
    } else if argv.len() != 2 {
        return ctx.syntax_error();
    }
    let now = unix_ms();
    let all = all_clients(ctx.srv, ctx.client);
    let chosen: Vec<&Session> = match &ids {
        Some(list) => list
            .iter()
            .filter_map(|&id| all.iter().find(|c| c.id as i64 == id).copied())
            .collect(),
        None => all
            .iter()
            .filter(|c| pubsub_type.is_none_or(|p| p == is_pubsub_client(ctx.srv, c.id)))
            .copied()
            .collect(),
    };
    let mut text = String::new();
    for c in chosen {
        text.push_str(&line_of(ctx, c, argv, now));
    }
    ctx.out.verbatim(text.as_bytes());
}

/// `CLIENT INFO`
pub fn client_info(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let line = line_of(ctx, ctx.client, argv, unix_ms());
    ctx.out.verbatim(line.as_bytes());
}
