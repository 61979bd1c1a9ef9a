//! Commands: the command table and its dispatcher. Redis: `src/commands.def`
//! (the table, generated from JSON files) and `processCommand` in
//! `src/server.c` (lookup, arity, authentication, call).
//!
//! The table is data, not a `match`: each [`Command`] carries its name,
//! arity, flags, key positions and ACL categories — the facts `COMMAND INFO`
//! reports — its [`docs::Docs`] (what `COMMAND DOCS` reports, from which
//! redis-cli builds its typing hints), and a handler function. Dispatch,
//! `COMMAND` output, and key extraction ([`keyspec`]) all read the same
//! table. The facts are Redis's: `tools/gen-table.py` writes them from
//! redis-server 7.0, one file per family under `table/`, and its `FAMILIES`
//! is the one list of which commands kv-cache serves. Handlers are written
//! by hand, one module per family; the table only names them.
//!
//! # Layout
//!
//! - this file: [`Command`], its flags, [`Ctx`] (what a handler may touch),
//!   lookup of a command by name;
//! - `table/` (generated): the entries, one file per Redis group, joined in [`COMMANDS`];
//! - [`docs`]: the types of the `COMMAND DOCS` trees;
//! - handlers, one module per family: [`connection`], [`client`], [`strings`],
//!   [`counters`], [`keys`], [`expire`], [`server`] (with [`info`], [`config`],
//!   [`latency`] and [`introspect`] for the larger server commands), [`lists`], [`hashes`],
//!   [`sets`], [`zsets`], [`sort`] (SORT, SORT_RO), [`multi`] (transactions), [`pubsub`],
//!   [`monitor`], [`lolwut`], [`module`] (MODULE, with no modules), [`memory`], [`aof`] (BGREWRITEAOF);
//! - [`notify`](mod@notify): keyspace notifications, sent by handlers through [`Ctx::notify`];
//! - [`keyspec`]: which arguments are keys (Redis 7 key specs and the
//!   commands' own extractions), for `COMMAND GETKEYS` and whoever routes by key;
//! - the toolkit every handler uses: [`args`] (integers and counts, Redis's
//!   exact errors), [`scan`] (cursors, `MATCH`/`COUNT`/`TYPE`, the reply),
//!   [`lookup`](mod@lookup) (a key as a type — `WRONGTYPE` decided once — and the
//!   after-change step), [`numeric`] (x87 `long double` for INCRBYFLOAT,
//!   HINCRBYFLOAT and timeouts), [`blocking`] (the timeout argument, parking
//!   a client on keys).

pub mod aof;
pub mod args;
pub mod blocking;
pub mod client;
pub mod config;
pub mod connection;
pub mod counters;
pub mod docs;
pub mod expire;
pub mod hashes;
pub mod info;
pub mod introspect;
pub mod keys;
pub mod keyspec;
pub mod latency;
pub mod lists;
pub mod lolwut;
pub mod lookup;
pub mod memory;
pub mod module;
pub mod monitor;
pub mod multi;
pub mod notify;
pub mod numeric;
pub mod persist;
pub mod pubsub;
pub mod scan;
pub mod server;
pub mod sets;
pub mod sort;
pub mod strings;
mod table;
pub mod zsets;

use std::time::Instant;

use crate::protocol::{Argv, Reply};
use crate::state::propagation::{self, TO_ALL};
use crate::state::{Server, Session};

pub use args::int_arg;
pub use table::COMMANDS;

/// A command handler: reads `argv` (arity already checked), replies through `ctx`.
pub type Handler = fn(&mut Ctx<'_>, &Argv<'_>);

/// One entry of the command table. Mirrors Redis's `redisCommand`.
#[derive(Debug)]
pub struct Command {
    /// Lower-case name (`get`), or `container|sub` shown as `sub` for subcommands.
    pub name: &'static str,
    /// Argument count including the name; negative means "at least -arity".
    pub arity: i32,
    /// `F_*` bits: what the command does (`write`, `readonly`, `fast` ...).
    pub flags: u32,
    /// Position of the first key argument (0: no keys).
    pub first_key: i32,
    /// Position of the last key argument (-1: the last argument).
    pub last_key: i32,
    /// Distance between key arguments (`MSET k v k v`: 2).
    pub step: i32,
    /// ACL categories, space-separated (`@read @string @fast`).
    pub acl: &'static str,
    /// Where its keys are (Redis 7 key specs), for `COMMAND INFO` and
    /// [`keyspec::keys`].
    pub key_specs: &'static [keyspec::KeySpec],
    /// The function that runs it (for a container, the one that reports a
    /// missing or unknown subcommand).
    pub handler: Handler,
    /// What `COMMAND DOCS` reports: group, version, argument tree.
    pub docs: &'static docs::Docs,
    /// Subcommands (`CONFIG GET`...), dispatched on the second argument.
    pub subcommands: &'static [Command],
}

/// Flag bits, in the order Redis prints them.
pub const F_NONE: u32 = 0;
/// Changes data.
pub const F_WRITE: u32 = 1 << 0;
/// Only reads data.
pub const F_READONLY: u32 = 1 << 1;
/// May use more memory (refused when over `maxmemory`, in Redis).
pub const F_DENYOOM: u32 = 1 << 2;
/// Administrative.
pub const F_ADMIN: u32 = 1 << 3;
/// Not allowed from scripts.
pub const F_NOSCRIPT: u32 = 1 << 4;
/// Allowed while loading the dataset.
pub const F_LOADING: u32 = 1 << 5;
/// Allowed on a stale replica.
pub const F_STALE: u32 = 1 << 6;
/// Constant or O(log N) time.
pub const F_FAST: u32 = 1 << 7;
/// Allowed before authentication.
pub const F_NO_AUTH: u32 = 1 << 8;
/// Allowed while a script is busy.
pub const F_ALLOW_BUSY: u32 = 1 << 9;
/// Not allowed inside MULTI.
pub const F_NO_MULTI: u32 = 1 << 10;
/// A Pub/Sub command.
pub const F_PUBSUB: u32 = 1 << 11;
/// May block the client.
pub const F_BLOCKING: u32 = 1 << 12;
/// Never logged in the slow log (`EXEC`: its commands are).
pub const F_SKIP_SLOWLOG: u32 = 1 << 13;
/// Key positions depend on the arguments (`ZUNIONSTORE dst 2 a b`).
pub const F_MOVABLE_KEYS: u32 = 1 << 14;
/// Not allowed while a replica loads its dataset asynchronously.
pub const F_NO_ASYNC_LOADING: u32 = 1 << 15;

/// Flag names as `COMMAND INFO` prints them, by bit.
pub const FLAG_NAMES: &[(u32, &str)] = &[
    (F_WRITE, "write"),
    (F_READONLY, "readonly"),
    (F_DENYOOM, "denyoom"),
    (F_ADMIN, "admin"),
    (F_PUBSUB, "pubsub"),
    (F_NOSCRIPT, "noscript"),
    (F_BLOCKING, "blocking"),
    (F_LOADING, "loading"),
    (F_STALE, "stale"),
    (F_SKIP_SLOWLOG, "skip_slowlog"),
    (F_FAST, "fast"),
    (F_NO_AUTH, "no_auth"),
    (F_NO_ASYNC_LOADING, "no_async_loading"),
    (F_NO_MULTI, "no_multi"),
    (F_MOVABLE_KEYS, "movablekeys"),
    (F_ALLOW_BUSY, "allow_busy"),
];

/// Runs a stored command on the execution path (`EXEC`'s queue). The
/// layer above ([`crate::exec`]) passes its own in every [`Ctx`], so that
/// this layer never imports it.
pub type Reenter = fn(&mut Server, &mut Session, &Argv<'_>, &mut Vec<u8>, &mut Instant);

/// Everything a handler may touch: the server, its own connection's
/// session, and the reply buffer.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// Shared server state: keyspace, config, clients, stats.
    pub srv: &'a mut Server,
    /// The calling connection.
    pub client: &'a mut Session,
    /// Where the reply goes.
    pub out: Reply<'a>,
    /// The execution path, for commands that run others (`EXEC`).
    pub reenter: Reenter,
}

impl Ctx<'_> {
    /// The calling client's database index.
    #[inline]
    pub fn db(&self) -> usize {
        self.client.db
    }

    /// `-ERR syntax error`.
    pub fn syntax_error(&mut self) {
        self.out.error("ERR syntax error");
    }

    /// `-WRONGTYPE Operation against a key holding the wrong kind of value`.
    pub fn wrong_type(&mut self) {
        self.out
            .error("WRONGTYPE Operation against a key holding the wrong kind of value");
    }

    /// [`Typed::after_change`](lookup::Typed::after_change) in the
    /// calling client's database.
    #[inline]
    pub fn after_change(&mut self, key: &[u8], emptied: bool) {
        let db = self.db();
        lookup::Typed::after_change(&mut self.srv.ks, db, key, emptied);
    }

    /// Sends keyspace event `event` of `class` (a [`crate::notify`] bit)
    /// about `key` in the client's database (Redis `notifyKeyspaceEvent`).
    /// One test when the class is off; see [`notify`](mod@notify).
    // ANCHOR: notify
    #[inline]
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        if self.srv.config.notify_keyspace_events & class != 0 {
            let db = self.db();
            self.notify_in(db, class, event, key);
        }
    }
    // ANCHOR_END: notify

    /// [`Ctx::notify`] for a key of database `db` (`MOVE`, `COPY ... DB`).
    #[inline(never)]
    pub fn notify_in(&mut self, db: usize, class: u32, event: &str, key: &[u8]) {
        if self.srv.config.notify_keyspace_events & class != 0 {
            let own = (self.client.id, &mut *self.out.buf);
            notify::publish(self.srv, own, class, event, key, db);
        }
    }

    /// Whether anyone consumes the propagated stream: a handler computes
    /// its replacement form only then (formatting a deadline costs).
    #[inline]
    pub fn propagating(&self) -> bool {
        self.srv.prop.listening() != 0
    }

    /// Replays this command as `args` instead of as received (Redis
    /// `rewriteClientCommandVector`). Takes effect if it changed data.
    pub fn propagate_as(&mut self, args: &[&[u8]]) {
        if self.propagating() {
            self.srv.prop.rewrite = Some(propagation::owned(args));
        }
    }

    /// Replays `args` too, after whatever was recorded so far in this
    /// execution unit (Redis `alsoPropagate`).
    pub fn also_propagate(&mut self, args: &[&[u8]]) {
        if self.propagating() {
            let db = self.db();
            self.srv.prop.push(db, propagation::owned(args), TO_ALL);
        }
    }

    /// Propagates this command to `target` (`TO_*` bits) whether or not it
    /// changed data (Redis `forceCommandPropagation`).
    pub fn force_propagation(&mut self, target: u8) {
        self.srv.prop.force |= target;
    }

    /// Does not propagate this command itself: it replayed its effect with
    /// [`Ctx::also_propagate`] (Redis `preventCommandPropagation`).
    pub fn prevent_propagation(&mut self) {
        self.srv.prop.prevent = TO_ALL;
    }

    /// `-ERR value is not an integer or out of range`.
    pub fn not_integer(&mut self) {
        self.out
            .error("ERR value is not an integer or out of range");
    }

    /// `-ERR wrong number of arguments for '<name>' command`.
    pub fn wrong_arity(&mut self, name: &str) {
        self.out.error(&format!(
            "ERR wrong number of arguments for '{name}' command"
        ));
    }
}

/// Whether the argument equals `word`, ignoring ASCII case (`EX`, `ex`, `Ex`).
#[inline]
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// Whether `argc` satisfies `arity` (exact if positive, minimum if negative).
#[inline]
pub fn arity_ok(arity: i32, argc: usize) -> bool {
    if arity >= 0 {
        argc == arity as usize
    } else {
        argc >= (-arity) as usize
    }
}

/// Looks up a command by name, ignoring case, without allocating; returns
/// its index in [`COMMANDS`] too (the slot of its statistics).
pub fn lookup(name: &[u8]) -> Option<(usize, &'static Command)> {
    let mut buf = [0u8; 24];
    if name.len() > buf.len() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    let lower = &buf[..name.len()];
    let idx = table_index().get(lower)?.value;
    Some((idx, COMMANDS[idx]))
}

/// The name → index map over [`COMMANDS`], built once.
fn table_index() -> &'static crate::db::Dict<usize> {
    static INDEX: std::sync::OnceLock<crate::db::Dict<usize>> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut d = crate::db::Dict::with_seed(0x636d64);
        for (i, c) in COMMANDS.iter().enumerate() {
            d.insert(c.name.as_bytes(), i);
        }
        while d.rehash(100) {}
        d
    })
}

/// A container command's subcommand by name, ignoring case.
pub fn lookup_sub(cmd: &'static Command, name: &[u8]) -> Option<&'static Command> {
    cmd.subcommands.iter().find(|c| is(name, c.name))
}

/// Reply for a container command called with an unknown subcommand.
pub fn unknown_subcommand(ctx: &mut Ctx<'_>, container: &str, sub: &[u8]) {
    ctx.out.error(&format!(
        "ERR unknown subcommand '{}'. Try {} HELP.",
        String::from_utf8_lossy(&sub[..sub.len().min(128)]),
        container.to_ascii_uppercase()
    ));
}

/// The `ERR unknown command` reply, with Redis's argument preview: the
/// bytes as they came (CR and LF become spaces, as in every error), each
/// cut at its first NUL byte and at 128 bytes, and the arguments quoted
/// until the preview — quotes and spaces counted — reaches 128 bytes.
/// Redis: the `%.128s` / `'%.*s' ` formats in `processCommand`.
pub fn unknown_command(out: &mut Reply<'_>, argv: &Argv<'_>) {
    const PREVIEW: usize = 128;
    let mut msg = b"ERR unknown command '".to_vec();
    msg.extend_from_slice(c_string(argv.get(0), PREVIEW));
    msg.extend_from_slice(b"', with args beginning with: ");
    let preview_start = msg.len();
    for a in argv.iter().skip(1) {
        let used = msg.len() - preview_start;
        if used >= PREVIEW {
            break;
        }
        msg.push(b'\'');
        msg.extend_from_slice(c_string(a, PREVIEW - used));
        msg.extend_from_slice(b"' ");
    }
    out.error_bytes(&msg);
}

/// `arg` as C's `%.<max>s` prints it: up to its first NUL, at most `max` bytes.
fn c_string(arg: &[u8], max: usize) -> &[u8] {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    &arg[..end.min(max)]
}

/// Resolves a container's subcommand and checks its arity; on failure the
/// error is replied and `None` returned. Redis reports subcommand arity
/// errors as `'config|get'`.
pub fn resolve(
    cmd: &'static Command,
    argv: &Argv<'_>,
    out: &mut Reply<'_>,
) -> Option<&'static Command> {
    if cmd.subcommands.is_empty() {
        return Some(cmd);
    }
    let sub = lookup_sub(cmd, argv.get(1));
    match sub {
        Some(sub) if arity_ok(sub.arity, argv.len()) => Some(sub),
        Some(sub) => {
            out.error(&format!(
                "ERR wrong number of arguments for '{}|{}' command",
                cmd.name, sub.name
            ));
            None
        }
        None => {
            let mut msg = b"ERR unknown subcommand '".to_vec();
            msg.extend_from_slice(c_string(argv.get(1), 128));
            msg.extend_from_slice(
                format!("'. Try {} HELP.", cmd.name.to_ascii_uppercase()).as_bytes(),
            );
            out.error_bytes(&msg);
            None
        }
    }
}
