//! `CLIENT` and its subcommands: ID, SETNAME, GETNAME, LIST, INFO, KILL,
//! UNBLOCK — what one connection can learn or change about the others.
//! Redis: `clientCommand` in `src/networking.c`.

use super::args::at_least_one;
use super::{Ctx, int_arg, is};
use crate::protocol::Argv;
use crate::state::blocked::Unblock;
use crate::state::{Server, Session, unix_ms};

/// Validates a client name as Redis does: printable ASCII without spaces.
pub(super) fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

/// Sets (or with an empty `name`, clears) the calling client's name.
pub(super) fn set_name(ctx: &mut Ctx<'_>, name: &[u8]) {
    ctx.client.name = if name.is_empty() {
        None
    } else {
        Some(name.to_vec())
    };
}

/// `CLIENT` without a subcommand never reaches here (arity -2).
pub fn client(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.wrong_arity("client");
}

/// `CLIENT ID`
pub fn client_id(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.int(ctx.client.id as i64);
}

/// `CLIENT SETNAME name`
pub fn client_setname(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let name = argv.get(2);
    if !valid_name(name) {
        return ctx
            .out
            .error("ERR Client names cannot contain spaces, newlines or special characters.");
    }
    set_name(ctx, name);
    ctx.out.ok();
}

/// `CLIENT GETNAME`
pub fn client_getname(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    match ctx.client.name.as_deref() {
        Some(n) => ctx.out.bulk(n),
        None => ctx.out.null(),
    }
}

/// One `CLIENT LIST` line, with Redis 7.0's fields. The flags kv-cache
/// tracks are `P` (subscribed), `x` (in MULTI), `b` (blocked) and `d` (a
/// watched key was touched), in Redis's order; `N` when none.
fn client_line(srv: &Server, c: &Session, now: i64) -> String {
    let id = c.id;
    let (sub, psub) = srv.pubsub.counts(id);
    let ssub = srv.pubsub.shard_count(id);
    let mut flags = String::new();
    if sub + psub > 0 {
        flags.push('P');
    }
    if c.multi.is_some() {
        flags.push('x');
    }
    if srv.blocked.contains(id) {
        flags.push('b');
    }
    if srv.ks.watched.is_dirty(id) {
        flags.push('d');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let multi = c.queued().map_or(-1, |n| n as i64);
    let cmd = c.last_cmd;
    format!(
        "id={id} addr={} laddr={} fd={} name={} age={} idle={} flags={flags} db={} sub={sub} psub={psub} ssub={ssub} multi={multi} qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem={} tot-mem=0 events=r cmd={cmd} user=default redir=-1 resp={}\n",
        c.addr,
        c.laddr,
        c.fd,
        String::from_utf8_lossy(c.name.as_deref().unwrap_or_default()),
        (now - c.created_ms).max(0) / 1000,
        (now - c.last_interaction_ms).max(0) / 1000,
        c.db,
        c.qbuf,
        c.omem,
        c.resp,
    )
}

/// Every client's record in id order (creation order, as Redis lists
/// them), the calling one included: its record is out of the map while
/// its commands run.
fn all_clients<'a>(srv: &'a Server, me: &'a Session) -> Vec<&'a Session> {
    let mut all: Vec<&Session> = srv.clients.values().chain([me]).collect();
    all.sort_by_key(|c| c.id);
    all.dedup_by_key(|c| c.id);
    all
}

/// Redis's client classes for `TYPE` filters: only `normal` and `pubsub`
/// exist here (a client with subscriptions is `pubsub`).
fn is_pubsub_client(srv: &Server, id: u64) -> bool {
    srv.pubsub.is_subscriber(id)
}

/// `CLIENT LIST [TYPE normal|pubsub|...] [ID id...]`
pub fn client_list(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut ids: Option<Vec<u64>> = None;
    let mut pubsub_type: Option<bool> = None;
    let mut j = 2;
    while j < argv.len() {
        let a = argv.get(j);
        if is(a, "type") && j + 1 < argv.len() {
            let t = argv.get(j + 1);
            if !(is(t, "normal")
                || is(t, "master")
                || is(t, "replica")
                || is(t, "slave")
                || is(t, "pubsub"))
            {
                return ctx.out.error(&format!(
                    "ERR Unknown client type '{}'",
                    String::from_utf8_lossy(t)
                ));
            }
            if is(t, "normal") {
                pubsub_type = Some(false);
            } else if is(t, "pubsub") {
                pubsub_type = Some(true);
            } else {
                ids = Some(Vec::new());
            }
            j += 2;
        } else if is(a, "id") && j + 1 < argv.len() {
            let mut list = Vec::new();
            for x in argv.iter().skip(j + 1) {
                let Some(n) = at_least_one(ctx, x, "ERR Invalid client ID") else {
                    return;
                };
                list.push(n);
            }
            ids = Some(list);
            j = argv.len();
        } else {
            return ctx.syntax_error();
        }
    }
    let now = unix_ms();
    let mut text = String::new();
    for c in all_clients(ctx.srv, ctx.client) {
        if ids.as_ref().is_some_and(|l| !l.contains(&c.id)) {
            continue;
        }
        if pubsub_type.is_some_and(|p| p != is_pubsub_client(ctx.srv, c.id)) {
            continue;
        }
        text.push_str(&client_line(ctx.srv, c, now));
    }
    ctx.out.verbatim(text.as_bytes());
}

/// `CLIENT INFO`
pub fn client_info(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let line = client_line(ctx.srv, ctx.client, unix_ms());
    ctx.out.verbatim(line.as_bytes());
}

/// `CLIENT KILL ip:port` or `CLIENT KILL [ID id] [ADDR a] [LADDR a] [SKIPME yes|no] ...`
pub fn client_kill(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let me = ctx.client.id;
    if argv.len() == 3 {
        let addr = argv.get(2);
        let found = all_clients(ctx.srv, ctx.client)
            .into_iter()
            .find(|c| c.addr.as_bytes() == addr)
            .map(|c| c.id);
        return match found {
            Some(id) => {
                kill(ctx, id, me);
                ctx.out.ok()
            }
            None => ctx.out.error("ERR No such client"),
        };
    }
    let (mut id, mut addr, mut laddr, mut skipme) = (None, None, None, true);
    let mut pubsub_type: Option<bool> = None;
    let mut j = 2;
    while j + 1 < argv.len() {
        let (k, v) = (argv.get(j), argv.get(j + 1));
        if is(k, "id") {
            let Some(n) = at_least_one(ctx, v, "ERR client-id should be greater than 0") else {
                return;
            };
            id = Some(n);
        } else if is(k, "addr") {
            addr = Some(v);
        } else if is(k, "laddr") {
            laddr = Some(v);
        } else if is(k, "skipme") {
            if is(v, "yes") {
                skipme = true;
            } else if is(v, "no") {
                skipme = false;
            } else {
                return ctx.syntax_error();
            }
        } else if is(k, "type") {
            if is(v, "normal") {
                pubsub_type = Some(false);
            } else if is(v, "pubsub") {
                pubsub_type = Some(true);
            } else {
                return ctx.out.int(0);
            }
        } else if is(k, "user") {
            if v != b"default" {
                return ctx.out.int(0);
            }
        } else {
            return ctx.syntax_error();
        }
        j += 2;
    }
    if j != argv.len() {
        return ctx.syntax_error();
    }
    let victims: Vec<u64> = all_clients(ctx.srv, ctx.client)
        .into_iter()
        .filter(|c| {
            id.is_none_or(|x| x == c.id)
                && addr.is_none_or(|a| a == c.addr.as_bytes())
                && laddr.is_none_or(|a| a == c.laddr.as_bytes())
                && !(skipme && c.id == me)
                && pubsub_type.is_none_or(|p| p == is_pubsub_client(ctx.srv, c.id))
        })
        .map(|c| c.id)
        .collect();
    for &v in &victims {
        kill(ctx, v, me);
    }
    ctx.out.int(victims.len() as i64);
}

fn kill(ctx: &mut Ctx<'_>, id: u64, me: u64) {
    if id == me {
        ctx.client.close_after_reply = true;
    } else {
        ctx.srv.kill_requests.push(id);
    }
}

/// `CLIENT UNBLOCK client-id [TIMEOUT|ERROR]`: ends another client's
/// blocking command as if its timeout passed, or with an error. `1` if
/// it was blocked.
pub fn client_unblock(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() > 4 {
        let typed = argv.get(1);
        return ctx.out.error(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
            String::from_utf8_lossy(&typed[..typed.len().min(128)])
        ));
    }
    // The reason is checked before the id, as Redis does.
    let how = if argv.len() == 4 {
        let r = argv.get(3);
        if is(r, "timeout") {
            Unblock::Timeout
        } else if is(r, "error") {
            Unblock::Error
        } else {
            return ctx
                .out
                .error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        }
    } else {
        Unblock::Timeout
    };
    let Some(id) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    let done = id > 0 && ctx.srv.unblock(id as u64, how);
    ctx.out.int(i64::from(done));
}
