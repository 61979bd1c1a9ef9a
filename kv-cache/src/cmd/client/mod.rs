//! `CLIENT` and its subcommands — what one connection can learn or change
//! about itself and the others. Redis: `clientCommand` in `src/networking.c`.
//!
//! # Layout
//!
//! - this file: `ID`, `SETNAME`, `GETNAME`, `KILL`, `UNBLOCK`, `HELP`, and
//!   what `RESET` clears;
//! - `list`: `LIST` and `INFO`, the per-connection figures;
//! - `modes`: `REPLY`, `NO-EVICT`, `PAUSE`, `UNPAUSE`;
//! - `tracking`: client-side caching — `TRACKING`, `CACHING`, `GETREDIR`,
//!   `TRACKINGINFO`.

mod list;
mod modes;
mod tracking;

pub use list::{client_info, client_list};
pub use modes::{client_no_evict, client_pause, client_reply, client_unpause};
pub use tracking::{client_caching, client_getredir, client_tracking, client_trackinginfo};

use super::args::at_least_one;
use super::{Ctx, int_arg, is};
use crate::protocol::Argv;
use crate::state::blocked::Unblock;
use crate::state::{ReplyMode, S_MONITOR, S_TRACKING, Server, Session};

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

/// Redis's reply for a subcommand given the wrong number of arguments
/// that its own arity let through (`addReplySubcommandSyntaxError`).
fn subcommand_syntax_error(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let typed = argv.get(1);
    ctx.out.error(&format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
        String::from_utf8_lossy(&typed[..typed.len().min(128)])
    ));
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
        return subcommand_syntax_error(ctx, argv);
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

/// `CLIENT HELP`: the subcommands, in Redis's order and shape (an array
/// of status lines), in kv-cache's words.
pub fn client_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    super::server::help(
        ctx,
        "CLIENT",
        &[
            "CACHING (YES|NO)",
            "    In OPTIN or OPTOUT tracking mode, track (or not) the keys of the next command.",
            "GETREDIR",
            "    The id of the client invalidations are redirected to (0: none, -1: not tracking).",
            "GETNAME",
            "    The name of this connection.",
            "ID",
            "    The id of this connection.",
            "INFO",
            "    This connection's CLIENT LIST line.",
            "KILL <ip:port>",
            "    Close the connection from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Close the connections that match every option:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      coming from this address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      accepted on this local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      of this type",
            "    * USER <username>",
            "      authenticated as this user",
            "    * SKIPME (YES|NO)",
            "      sparing this connection (default: yes)",
            "LIST [options ...]",
            "    One line per connection. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      only connections of this type",
            "UNPAUSE",
            "    End the pause now; the waiting commands run.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Hold every command (ALL), or writes only (WRITE), for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Send every reply, none, or not the next one.",
            "SETNAME <name>",
            "    Name this connection <name>.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    End the blocking command of <clientid>, as if timed out or with an error.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Turn client-side caching invalidations on or off.",
            "TRACKINGINFO",
            "    This connection's tracking options.",
            "NO-EVICT (ON|OFF)",
            "    Protect this connection from client eviction.",
        ],
    );
}

/// What `RESET` clears of the modes set here: `MONITOR`, tracking, and a
/// reply silence (Redis `clearClientConnectionState`); `NO-EVICT` stays.
pub fn reset_modes(ctx: &mut Ctx<'_>) {
    if ctx.client.flags & S_MONITOR != 0 {
        let id = ctx.client.id;
        ctx.srv.monitors.retain(|&m| m != id);
        ctx.client.flags &= !S_MONITOR;
    }
    if ctx.client.flags & S_TRACKING != 0 {
        tracking::disable(ctx);
    }
    if matches!(ctx.client.reply, ReplyMode::Off | ReplyMode::SkipNext) {
        ctx.client.reply = ReplyMode::On;
    }
}
