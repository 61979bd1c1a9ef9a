//! Client-side caching on the command path: after a command, the keys it
//! changed become invalidation messages and the keys it read are
//! remembered for its client; before the loop sleeps, BCAST prefixes
//! broadcast what changed under them. Redis: `trackingRememberKeys`,
//! `trackingInvalidateKey`, `sendTrackingMessage` and
//! `trackingBroadcastInvalidationMessages` in `src/tracking.c`, called
//! from `call` and `beforeSleep`.
//!
//! ```text
//!  handler ─► Keyspace::signal_watchers ─► ks.changed_log ("k1", "k2")  (ks.flushed on FLUSH*)
//!  call ─► after_call: changed_log ─► Tracking::invalidate ─► ids ─► send(id, [key])
//!                      read-only command of a tracking client ─► Tracking::remember
//!  send(id): redirect? ─► RESP3 target: >2 invalidate [keys]
//!                         RESP2 subscribed redirect: message __redis__:invalidate [keys]
//!            target running the command ─► Tracking::own (written after its reply)
//!            anyone else ─► outbox
//! ```
//!
//! All of it is reached only while some client tracks
//! ([`Tracking::clients`](crate::tracking::Tracking::clients)).

use crate::cmd::keyspec;
use crate::cmd::{Command, F_PUBSUB, F_READONLY};
use crate::protocol::{Argv, Reply};
use crate::state::{S_IN_EXEC, S_MULTI, S_TRACKING, Server, Session};

/// The Pub/Sub channel of RESP2 redirect connections (Redis `TrackingChannelName`).
const CHANNEL: &[u8] = b"__redis__:invalidate";

/// What an invalidation says: these keys changed, or everything did (a flush).
enum Value<'a> {
    Keys(&'a [&'a [u8]]),
    All,
}

/// After `sub` ran for `session`: invalidations for what it changed, then
/// (for a read-only command of a tracking client) its keys remembered,
/// then the table trimmed to `tracking-table-max-keys`. Own messages wait
/// in [`Tracking::own`](crate::tracking::Tracking) and follow the reply of
/// the top-level command (Redis `trackingHandlePendingKeyInvalidations`
/// after `call`), so a transaction's reply is never interleaved.
// ANCHOR: after_call
pub(super) fn after_call(
    srv: &mut Server,
    session: &mut Session,
    top: &'static Command,
    sub: &'static Command,
    argv: &Argv<'_>,
    out: &mut Vec<u8>,
) {
    invalidate_changes(srv, Some(session));
    if session.flags & S_TRACKING != 0 && sub.flags & F_READONLY != 0 {
        remember(srv, session.id, sub, argv);
    }
    trim_table(srv, Some(session));
    if session.flags & S_IN_EXEC == 0 {
        // `CLIENT CACHING` covers the next command or transaction only.
        if session.flags & S_MULTI == 0
            && top.name != "client"
            && let Some(t) = srv.tracking.get_mut(session.id)
        {
            t.caching = false;
        }
        out.append(&mut srv.tracking.own);
    }
}
// ANCHOR_END: after_call

/// Turns the keyspace's change log into invalidations: a flush tells every
/// tracking client "everything", each changed key tells those that read it
/// and collects it for the BCAST prefixes. `current` runs the command
/// (`None` in the cron).
pub(crate) fn invalidate_changes(srv: &mut Server, current: Option<&Session>) {
    if std::mem::take(&mut srv.ks.flushed) {
        for id in srv.tracking.flush() {
            send(srv, current, id, Value::All);
        }
    }
    if srv.ks.changed_log.is_empty() {
        return;
    }
    let by = current.map(|c| c.id);
    for key in std::mem::take(&mut srv.ks.changed_log) {
        for id in srv.tracking.invalidate(&key, by, true) {
            send(srv, current, id, Value::Keys(&[key.as_slice()]));
        }
    }
}

/// Remembers the keys of a read-only command for its client, unless
/// `OPTIN`/`OPTOUT` with `CLIENT CACHING` say otherwise (Redis
/// `trackingRememberKeys`). Pub/Sub commands' "keys" are channels.
fn remember(srv: &mut Server, id: u64, cmd: &Command, argv: &Argv<'_>) {
    if cmd.flags & F_PUBSUB != 0 || !srv.tracking.get(id).is_some_and(|t| t.remembers()) {
        return;
    }
    let args: Vec<&[u8]> = argv.iter().collect();
    // COMMAND GETKEYS's extraction: key specs, or the command's own.
    for k in keyspec::keys(cmd, &args) {
        srv.tracking.remember(id, argv.get(k.pos));
    }
}

/// Over `tracking-table-max-keys`, keys picked at random are invalidated
/// as if they changed, until the table fits; at most 100 per command, as
/// Redis's first effort (`trackingLimitUsedSlots`).
fn trim_table(srv: &mut Server, current: Option<&Session>) {
    let max = srv.config.tracking_table_max_keys;
    for _ in 0..100 {
        let Some(key) = srv.tracking.over_limit(max) else {
            return;
        };
        for id in srv.tracking.invalidate(&key, None, false) {
            send(srv, current, id, Value::Keys(&[key.as_slice()]));
        }
    }
}

/// Before the loop sleeps: every BCAST prefix that collected keys sends
/// them, as one array, to each of its clients (a `NOLOOP` client without
/// the keys it changed itself). Redis: `trackingBroadcastInvalidationMessages`.
pub fn broadcast(srv: &mut Server) {
    for b in srv.tracking.take_broadcasts() {
        for id in b.clients {
            let noloop = srv.tracking.get(id).is_some_and(|t| t.noloop);
            let keys: Vec<&[u8]> = b
                .keys
                .iter()
                .filter(|(_, by)| !(noloop && *by == Some(id)))
                .map(|(k, _)| k.as_slice())
                .collect();
            if !keys.is_empty() {
                send(srv, None, id, Value::Keys(&keys));
            }
        }
    }
}

/// The cron's part: keys the active expire cycle removed, and the table limit.
pub fn after_cron(srv: &mut Server) {
    invalidate_changes(srv, None);
    trim_table(srv, None);
}

/// Sends one invalidation meant for tracking client `id`, to it or to its
/// redirect client (Redis `sendTrackingMessage`). A redirect client that is
/// gone marks the redirect broken and, in RESP3, tells the tracking
/// client so with a `tracking-redir-broken` push; a RESP2 target gets the
/// message only as a redirect subscribed to Pub/Sub (RESP2 has no pushes).
fn send(srv: &mut Server, current: Option<&Session>, id: u64, value: Value<'_>) {
    let Some(t) = srv.tracking.get(id) else {
        return;
    };
    let redirect = t.redirect;
    let Some(own_resp) = resp_of(srv, current, id) else {
        return;
    };
    let (dest, dest_resp) = if redirect == 0 {
        (id, own_resp)
    } else {
        match resp_of(srv, current, redirect) {
            Some(r) => (redirect, r),
            None => {
                if let Some(t) = srv.tracking.get_mut(id) {
                    t.broken_redirect = true;
                }
                if own_resp >= 3 {
                    let buf = buffer(srv, current, id);
                    let mut r = Reply::new(buf, 3);
                    r.push(2);
                    r.bulk(b"tracking-redir-broken");
                    r.int(redirect as i64);
                }
                return;
            }
        }
    };
    let subscribed = srv.pubsub.is_subscriber(dest);
    if dest_resp < 3 && !(redirect != 0 && subscribed) {
        return;
    }
    let buf = buffer(srv, current, dest);
    let mut r = Reply::new(buf, dest_resp);
    if dest_resp >= 3 {
        r.push(2);
        r.bulk(b"invalidate");
    } else {
        r.array(3);
        r.bulk(b"message");
        r.bulk(CHANNEL);
    }
    match value {
        Value::Keys(keys) => {
            r.array(keys.len());
            for k in keys {
                r.bulk(k);
            }
        }
        // Redis sends the null of the *tracking* client's protocol, even
        // to a redirect client speaking the other one.
        Value::All => {
            r.resp = own_resp;
            r.null();
        }
    }
}

/// Protocol of client `id`, if it is connected (the running client's
/// record is out of the map while its command runs).
fn resp_of(srv: &Server, current: Option<&Session>, id: u64) -> Option<u8> {
    match current {
        Some(c) if c.id == id => Some(c.resp),
        _ => srv.clients.get(&id).map(|c| c.resp),
    }
}

/// Where bytes for client `id` go: after the running command's reply if
/// it is that command's client, else its outbox.
fn buffer<'s>(srv: &'s mut Server, current: Option<&Session>, id: u64) -> &'s mut Vec<u8> {
    match current {
        Some(c) if c.id == id => &mut srv.tracking.own,
        _ => srv.outbox.buf(id),
    }
}
