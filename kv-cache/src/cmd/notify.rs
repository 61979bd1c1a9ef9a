//! Keyspace notifications: each change (and, if asked, each key created or
//! read in vain) published as Pub/Sub messages. Redis:
//! `notifyKeyspaceEvent` in `src/notify.c`; the classes and the
//! `notify-keyspace-events` value are [`crate::notify`].
//!
//! ```text
//!  handler ── ctx.notify(class, "lpush", key)      one flag test when off
//!                 │
//!                 ├─ collect: what the keyspace logged since the last event
//!                 │    Expired ─► DEL to propagate + "expired"   (class x)
//!                 │    Created ─► "new"                          (class n)
//!                 │    Missed  ─► "keymiss"                      (class m)
//!                 │    Evicted ─► DEL to propagate + "evicted"   (class e)
//!                 └─ send: K ─► __keyspace@<db>__:<key>    message "lpush"
//!                          E ─► __keyevent@<db>__:lpush    message <key>
//!  after the handler (exec::call), a served blocked client, the cron's
//!  active expiry: collect again, so nothing logged is left behind
//! ```
//!
//! Redis sends `expired`, `new` and `keymiss` from inside its keyspace code,
//! at the moment they happen. Our keyspace imports nothing above it, so it
//! logs them ([`Keyspace::log`](crate::db::Keyspace::log)) and they are
//! sent here, before the next event of the command that caused them:
//! the order a subscriber sees is Redis's (`expired k` before the `set k`
//! of a write on a dead key, `new k` before `lpush k`).
//!
//! A message nobody can receive is not even formatted: with no pattern
//! subscription and no channel named `__key…`, an event costs the class
//! test and one more.

use crate::config::Config;
use crate::db::Happened;
use crate::notify::{self, EVICTED, EXPIRED, KEY_MISS, KEYEVENT, KEYSPACE, NEW};
use crate::protocol::Argv;
use crate::protocol::reply::fmt_i64;
use crate::state::Server;
use crate::state::outbox::Deliver;
use crate::state::propagation::{TO_ALL, owned};

/// Sends `event` about `key` in database `db`, after what the keyspace
/// logged before it. `me` and `own` are the running client and its reply
/// buffer (its own messages go there, before its reply).
pub fn publish(
    srv: &mut Server,
    (me, own): (u64, &mut Vec<u8>),
    class: u32,
    event: &str,
    key: &[u8],
    db: usize,
) {
    collect(srv, (me, own));
    send(srv, (me, own), class, event.as_bytes(), key, db);
}

/// Turns what the keyspace logged into its consequences, in order: a key
/// removed by expiry or eviction is propagated as `DEL`, or as `UNLINK`
/// when `lazyfree-lazy-expire` / `lazyfree-lazy-eviction` freed it lazily
/// (Redis `propagateDeletion`), and sent as `expired` / `evicted`; a key
/// created is sent as `new`, a read miss as `keymiss`.
// ANCHOR: collect
pub fn collect(srv: &mut Server, (me, own): (u64, &mut Vec<u8>)) {
    if srv.ks.log.is_empty() {
        return;
    }
    let mut log = std::mem::take(&mut srv.ks.log);
    for (what, db, key) in &log {
        let (class, event): (u32, &[u8]) = match what {
            Happened::Expired => {
                propagate_deletion(srv, *db, key, srv.config.lazyfree.expire);
                (EXPIRED, b"expired")
            }
            Happened::Evicted => {
                propagate_deletion(srv, *db, key, srv.config.lazyfree.eviction);
                (EVICTED, b"evicted")
            }
            Happened::Created => (NEW, b"new"),
            Happened::Missed => (KEY_MISS, b"keymiss"),
        };
        send(srv, (me, &mut *own), class, event, key, *db);
    }
    // Keep the vector's capacity for the next time.
    log.clear();
    if srv.ks.log.is_empty() {
        srv.ks.log = log;
    }
}
// ANCHOR_END: collect

/// A deletion the server made on its own, in the form a replica replays
/// (Redis `propagateDeletion`).
fn propagate_deletion(srv: &mut Server, db: usize, key: &[u8], lazily: bool) {
    if srv.prop.listening() != 0 {
        let verb: &[u8] = if lazily { b"UNLINK" } else { b"DEL" };
        srv.prop.push(db, owned(&[verb, key]), TO_ALL);
    }
}

/// [`collect`] outside any client's command (the cron, serving blocked
/// clients between their retries): every message goes to the outbox.
pub fn collect_detached(srv: &mut Server) {
    if !srv.ks.log.is_empty() {
        collect(srv, (0, &mut Vec::new()));
    }
}

/// Publishes one event on the channel kinds that are on.
fn send(
    srv: &mut Server,
    (me, own): (u64, &mut Vec<u8>),
    class: u32,
    event: &[u8],
    key: &[u8],
    db: usize,
) {
    let flags = srv.config.notify_keyspace_events;
    if !notify::wanted(flags, class) || !srv.pubsub.may_hear_notifications() {
        return;
    }
    let mut sink = Deliver {
        outbox: &mut srv.outbox,
        me,
        own,
    };
    let mut chan = Vec::with_capacity(24 + key.len().max(event.len()));
    if flags & KEYSPACE != 0 {
        channel(&mut chan, b"__keyspace@", db, key);
        srv.pubsub.publish(&chan, event, &mut sink);
    }
    if flags & KEYEVENT != 0 {
        channel(&mut chan, b"__keyevent@", db, event);
        srv.pubsub.publish(&chan, key, &mut sink);
    }
}

/// `<prefix><db>__:<name>` into `buf`.
fn channel(buf: &mut Vec<u8>, prefix: &[u8], db: usize, name: &[u8]) {
    buf.clear();
    buf.extend_from_slice(prefix);
    buf.extend_from_slice(fmt_i64(db as i64, &mut [0; 20]));
    buf.extend_from_slice(b"__:");
    buf.extend_from_slice(name);
}

/// Redis's side effect of a `CONFIG SET` that fails on a value: every
/// parameter set so far, the failing one included, is restored from its
/// *printed* value (`restoreBackupConfig` with the values `CONFIG GET`
/// gives), and the printed form of `notify-keyspace-events` drops `n`
/// beside `A` — so `n` is lost. Only when every name was valid (known,
/// mutable, named once), as Redis checks those before setting anything.
/// `failed_at` is the argument index of the failing name.
pub fn after_failed_config_set(srv: &mut Server, argv: &Argv<'_>, failed_at: usize) {
    const NAME: &str = "notify-keyspace-events";
    let names: Vec<&[u8]> = (2..argv.len()).step_by(2).map(|i| argv.get(i)).collect();
    let params: Vec<_> = names
        .iter()
        .filter_map(|n| Config::param(&String::from_utf8_lossy(n)))
        .collect();
    let all_valid = params.len() == names.len()
        && params.iter().all(|p| p.mutable)
        && params
            .iter()
            .enumerate()
            .all(|(i, p)| !params[..i].iter().any(|q| std::ptr::eq(*q, *p)));
    let touched = (2..=failed_at)
        .step_by(2)
        .any(|i| argv.get(i).eq_ignore_ascii_case(NAME.as_bytes()));
    if all_valid && touched {
        let flags = &mut srv.config.notify_keyspace_events;
        *flags = notify::parse(notify::to_text(*flags).as_bytes()).unwrap_or(0);
        srv.sync_logging();
    }
}
