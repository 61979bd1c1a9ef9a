//! Server state shared by all connections, each connection's [`Session`],
//! and [`execute`], the path of one command from parsed arguments to reply.
//! Redis: `struct redisServer`, `struct client`, `processCommand` + `call`.
//!
//! Nothing here knows about sockets: the network layer ([`crate::server`])
//! feeds parsed requests in and flushes the output buffer out, and tests
//! drive `execute` directly.
//!
//! The execution machinery is split out: [`gate`] (what a connection in
//! `MULTI` or subscribed mode may run, and queueing), [`wake`] (serving
//! blocked clients, timeouts, `CLIENT UNBLOCK`) and [`outbox`] (bytes for
//! connections other than the one whose command is running).

pub mod gate;
pub mod outbox;
pub mod wake;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::blocked::Blocked;
use crate::cmd::{self, COMMANDS, Command, Ctx, F_NO_AUTH, F_SKIP_SLOWLOG};
use crate::config::Config;
use crate::db::Keyspace;
use crate::protocol::{Argv, OwnedArgv, Reply};
use crate::pubsub::PubSub;
use outbox::Outbox;

/// [`Session::flags`]: inside `MULTI` (commands are queued).
pub const S_MULTI: u8 = 1;
/// [`Session::flags`]: subscribed to a channel or pattern.
pub const S_PUBSUB: u8 = 1 << 1;
/// [`Session::flags`]: parked by a blocking command; input waits.
pub const S_BLOCKED: u8 = 1 << 2;
/// [`Session::flags`]: running `EXEC`'s queue (blocking is denied).
pub const S_IN_EXEC: u8 = 1 << 3;
/// [`Session::flags`]: re-running a blocked command after a wake-up.
pub const S_RETRY: u8 = 1 << 4;
/// The flags [`execute`] must look at before running a command.
pub const S_GATED: u8 = S_MULTI | S_PUBSUB;

/// Commands queued by `MULTI`. Redis: `c->mstate`.
#[derive(Debug, Clone, Default)]
pub struct MultiState {
    /// The queued commands, in order.
    pub queue: Vec<OwnedArgv>,
    /// A command was rejected while queueing: `EXEC` aborts
    /// (Redis `CLIENT_DIRTY_EXEC`).
    pub aborted: bool,
}

/// One connection's protocol state. Redis: the parts of `client` that
/// commands read and change.
#[derive(Debug, Clone)]
pub struct Session {
    /// Client id (`CLIENT ID`), unique and increasing.
    pub id: u64,
    /// Selected database (`SELECT`).
    pub db: usize,
    /// Protocol version, 2 or 3 (`HELLO`).
    pub resp: u8,
    /// Whether `AUTH` succeeded (or no password is set).
    pub authenticated: bool,
    /// Set by `QUIT` or a protocol error: close once the reply is written.
    pub close_after_reply: bool,
    /// `S_*` bits: the modes that change how commands run. Zero on the
    /// common path, which then pays one test.
    pub flags: u8,
    /// The transaction being queued, while in `MULTI`.
    pub multi: Option<Box<MultiState>>,
}

impl Session {
    /// A fresh session for client `id`.
    pub fn new(id: u64, authenticated: bool) -> Session {
        Session {
            id,
            db: 0,
            resp: 2,
            authenticated,
            close_after_reply: false,
            flags: 0,
            multi: None,
        }
    }

    /// Marks the transaction, if one is open, as failed (Redis
    /// `flagTransaction`): called for every command rejected while queueing.
    #[inline]
    pub fn flag_transaction(&mut self) {
        if let Some(m) = self.multi.as_mut() {
            m.aborted = true;
        }
    }
}

/// What `CLIENT LIST` shows about a connection. Redis: fields of `client`.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// Peer address, `ip:port`.
    pub addr: String,
    /// Local address, `ip:port`.
    pub laddr: String,
    /// The socket's file descriptor.
    pub fd: i64,
    /// `CLIENT SETNAME`.
    pub name: Option<Vec<u8>>,
    /// Selected database.
    pub db: usize,
    /// Protocol version.
    pub resp: u8,
    /// When it connected, Unix ms.
    pub created_ms: i64,
    /// Last time it sent something, Unix ms.
    pub last_interaction_ms: i64,
    /// Name of its last command.
    pub last_cmd: &'static str,
    /// Bytes waiting in its query buffer.
    pub qbuf: usize,
    /// Bytes waiting in its output buffer.
    pub omem: usize,
    /// Commands queued by `MULTI`, or `None` outside a transaction
    /// (`CLIENT LIST` `multi=`, flag `x`).
    pub multi: Option<usize>,
}

/// Per-command counters for `INFO commandstats`. Redis: fields of `redisCommand`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CmdStat {
    /// Times called.
    pub calls: u64,
    /// Total microseconds spent.
    pub usec: u64,
    /// Calls that replied with an error.
    pub failed_calls: u64,
    /// Calls rejected before running (arity, auth).
    pub rejected_calls: u64,
}

/// Counters for `INFO stats`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerStats {
    /// Connections accepted.
    pub total_connections_received: u64,
    /// Commands executed.
    pub total_commands_processed: u64,
    /// Connections refused (`maxclients`).
    pub rejected_connections: u64,
    /// Bytes read from clients.
    pub net_input_bytes: u64,
    /// Bytes written to clients.
    pub net_output_bytes: u64,
    /// Error replies sent.
    pub total_error_replies: u64,
}

/// One slow log entry. Redis: `slowlogEntry`.
#[derive(Debug, Clone)]
pub struct SlowEntry {
    /// Increasing id.
    pub id: u64,
    /// Unix time (seconds) the command ran.
    pub time: i64,
    /// Microseconds it took.
    pub duration_us: u64,
    /// Its arguments, trimmed as Redis trims them (32 args, 128 bytes each).
    pub args: Vec<Vec<u8>>,
    /// The client's address.
    pub addr: String,
    /// The client's name.
    pub name: Vec<u8>,
}

/// State shared by every connection. Redis: `struct redisServer`.
#[derive(Debug)]
pub struct Server {
    /// The databases.
    pub ks: Keyspace,
    /// Current configuration.
    pub config: Config,
    /// Connected clients by id, for `CLIENT LIST/KILL`.
    pub clients: BTreeMap<u64, ClientInfo>,
    /// The next client id.
    pub next_client_id: u64,
    /// Counters for `INFO stats`.
    pub stats: ServerStats,
    /// Per top-level command (by table index).
    pub cmdstats: Vec<CmdStat>,
    /// Per subcommand (by container and subcommand index).
    pub substats: HashMap<(usize, usize), CmdStat>,
    /// The slow log, newest first.
    pub slowlog: VecDeque<SlowEntry>,
    /// Next slow log id.
    pub slowlog_next_id: u64,
    /// Set by `SHUTDOWN`: the event loop stops after this iteration.
    pub shutdown_requested: bool,
    /// Clients `CLIENT KILL` asked to close; the network layer closes them.
    pub kill_requests: Vec<u64>,
    /// When the server started.
    pub started: Instant,
    /// Random 40-hex-digit id of this run (`INFO server run_id`).
    pub run_id: String,
    /// Whether `now_ms` is frozen (tests move it by hand).
    pub frozen_clock: bool,
    /// Peak of `used_memory` seen by `INFO`.
    pub peak_memory: usize,
    /// A monotonic instant and the Unix ms it corresponds to (see
    /// [`Server::refresh_clock_at`]).
    pub clock_base: (Instant, i64),
    /// Clients parked by blocking commands.
    pub blocked: Blocked,
    /// Channel and pattern subscriptions.
    pub pubsub: PubSub,
    /// Replies and messages for other connections than the running one,
    /// handed to the network layer after each batch.
    pub outbox: Outbox,
}

/// Current Unix time in milliseconds.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Server {
    /// A server with `config` and empty databases.
    pub fn new(config: Config) -> Server {
        let mut ks = Keyspace::new(config.databases);
        ks.now_ms = unix_ms();
        let seed =
            std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), 1u8);
        let seed2 =
            std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), 2u8);
        Server {
            ks,
            config,
            clients: BTreeMap::new(),
            next_client_id: 1,
            stats: ServerStats::default(),
            cmdstats: vec![CmdStat::default(); COMMANDS.len()],
            substats: HashMap::new(),
            slowlog: VecDeque::new(),
            slowlog_next_id: 0,
            shutdown_requested: false,
            kill_requests: Vec::new(),
            started: Instant::now(),
            run_id: format!("{seed:016x}{seed2:016x}{:08x}", seed ^ seed2)[..40].to_string(),
            frozen_clock: false,
            peak_memory: 0,
            clock_base: (Instant::now(), unix_ms()),
            blocked: Blocked::default(),
            pubsub: PubSub::default(),
            outbox: Outbox::default(),
        }
    }

    /// Updates the cached clock (unless frozen). Called once per batch of
    /// commands read together, as Redis refreshes `server.mstime` per event.
    #[inline]
    pub fn refresh_clock(&mut self) {
        if !self.frozen_clock {
            let now = Instant::now();
            self.clock_base = (now, unix_ms());
            self.ks.now_ms = self.clock_base.1;
        }
    }

    /// Updates the cached clock from a monotonic instant the caller already
    /// read, without a second (wall-clock) read: Unix time is extrapolated
    /// from the base the cron re-reads `hz` times a second. On the hot path
    /// this saves one clock read per batch.
    #[inline]
    pub fn refresh_clock_at(&mut self, now: Instant) {
        if !self.frozen_clock {
            let (base, base_ms) = self.clock_base;
            self.ks.now_ms = base_ms + now.saturating_duration_since(base).as_millis() as i64;
        }
    }

    /// Registers a new connection and returns its session.
    pub fn connect(&mut self, addr: String, laddr: String, fd: i64) -> Session {
        let id = self.next_client_id;
        self.next_client_id += 1;
        self.stats.total_connections_received += 1;
        let now = self.ks.now_ms;
        self.clients.insert(
            id,
            ClientInfo {
                addr,
                laddr,
                fd,
                created_ms: now,
                last_interaction_ms: now,
                resp: 2,
                last_cmd: "NULL",
                multi: None,
                ..ClientInfo::default()
            },
        );
        Session::new(id, self.config.requirepass.is_none())
    }

    /// Forgets a closed connection: out of the client list, and of every
    /// registry (blocked queues, watched keys, subscriptions), so nothing is
    /// ever delivered to it or waits for it (Redis `freeClient`).
    pub fn disconnect(&mut self, id: u64) {
        self.clients.remove(&id);
        if !self.blocked.is_empty() {
            self.blocked.remove(&mut self.ks.waited, id);
        }
        self.ks.watched.unwatch_all(id);
        self.pubsub.remove_client(id);
        self.outbox.forget(id);
    }

    /// Leaves `MULTI` (if in it) and unwatches every key of `session`
    /// (Redis `discardTransaction`); returns the queue it had.
    pub fn discard_transaction(&mut self, session: &mut Session) -> Option<Box<MultiState>> {
        session.flags &= !S_MULTI;
        if let Some(info) = self.clients.get_mut(&session.id) {
            info.multi = None;
        }
        self.ks.watched.unwatch_all(session.id);
        session.multi.take()
    }

    /// Clears `INFO` counters (`CONFIG RESETSTAT`).
    pub fn reset_stats(&mut self) {
        self.stats = ServerStats::default();
        self.cmdstats
            .iter_mut()
            .for_each(|s| *s = CmdStat::default());
        self.substats.clear();
        self.ks.stats = Default::default();
    }

    fn stat_for(
        &mut self,
        ti: usize,
        top: &'static Command,
        sub: Option<&'static Command>,
    ) -> &mut CmdStat {
        match sub {
            Some(s) if !std::ptr::eq(s, top) => {
                let si = index_in(top.subcommands, s);
                self.substats.entry((ti, si)).or_default()
            }
            _ => &mut self.cmdstats[ti],
        }
    }
}

/// The position of `c` in `table` (0 if absent, which cannot happen for
/// commands found by lookup in that table).
fn index_in(table: &'static [Command], c: &'static Command) -> usize {
    table.iter().position(|x| std::ptr::eq(x, c)).unwrap_or(0)
}

/// Runs one command: lookup, arity, authentication, the handler, then the
/// counters and the slow log. Redis: `processCommand` and `call`.
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
/// `rejectCommand` → `flagTransaction`). After the command, clients
/// blocked on keys it created are served (Redis `handleClientsBlockedOnKeys`
/// after `call`).
// ANCHOR: dispatch
pub fn execute_timed(
    srv: &mut Server,
    session: &mut Session,
    argv: &Argv<'_>,
    out: &mut Vec<u8>,
    clock: &mut Instant,
) {
    let resp = session.resp;
    let Some((ti, top)) = cmd::lookup(argv.get(0)) else {
        srv.stats.total_error_replies += 1;
        session.flag_transaction();
        cmd::unknown_command(&mut Reply::new(out, resp), argv);
        return;
    };
    if !cmd::arity_ok(top.arity, argv.len()) {
        let msg = format!("ERR wrong number of arguments for '{}' command", top.name);
        return reject(srv, session, (ti, top, top), out, &msg);
    }
    // ANCHOR_END: dispatch
    let sub = if top.subcommands.is_empty() || argv.len() < 2 {
        top
    } else {
        match cmd::resolve(top, argv, &mut Reply::new(out, resp)) {
            Some(s) => s,
            None => {
                srv.stats.total_error_replies += 1;
                session.flag_transaction();
                return;
            }
        }
    };
    if !session.authenticated && srv.config.requirepass.is_some() && top.flags & F_NO_AUTH == 0 {
        let msg = "NOAUTH Authentication required.";
        return reject(srv, session, (ti, top, sub), out, msg);
    }
    // MULTI queues, subscribed RESP2 connections are restricted.
    if session.flags & S_GATED != 0 && !gate::admit(srv, session, ti, top, sub, argv, out) {
        return;
    }
    call(srv, session, (ti, top, sub), argv, out, clock);
    if srv.ks.waited.has_ready() {
        wake::serve_ready(srv, clock);
    }
}

/// A resolved command: its table index, the top-level entry, and the
/// subcommand (the entry itself when it has none).
pub(crate) type Resolved = (usize, &'static Command, &'static Command);

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
    srv.stat_for(ti, top, Some(sub)).rejected_calls += 1;
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
/// slow log. Redis: `call`. A command that blocked is counted when it is
/// unblocked instead (Redis `updateStatsOnUnblock`).
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
    {
        let mut ctx = Ctx {
            srv: &mut *srv,
            client: &mut *session,
            out: Reply::new(out, resp),
        };
        (sub.handler)(&mut ctx, argv);
    }
    let end = Instant::now();
    *clock = end;
    if session.flags & S_BLOCKED != 0 {
        return;
    }
    let us = end.duration_since(start).as_micros() as u64;
    let failed = out.get(before) == Some(&b'-');
    srv.stats.total_commands_processed += 1;
    if failed {
        srv.stats.total_error_replies += 1;
    }
    let st = srv.stat_for(ti, top, Some(sub));
    st.calls += 1;
    st.usec += us;
    if failed {
        st.failed_calls += 1;
    }
    let threshold = srv.config.slowlog_log_slower_than;
    if threshold >= 0 && us as i64 >= threshold && sub.flags & F_SKIP_SLOWLOG == 0 {
        log_slow(srv, session, argv, us);
    }
}

/// Looks a stored command up again and calls it (`EXEC`'s queue, a blocked
/// command's retry). It passed lookup and arity when it was first seen;
/// the checks stay in case the table said otherwise, and reply as usual.
pub(crate) fn call_stored(
    srv: &mut Server,
    session: &mut Session,
    argv: &Argv<'_>,
    out: &mut Vec<u8>,
    clock: &mut Instant,
) {
    let resp = session.resp;
    let Some((ti, top)) = cmd::lookup(argv.get(0)) else {
        srv.stats.total_error_replies += 1;
        return cmd::unknown_command(&mut Reply::new(out, resp), argv);
    };
    let sub = if top.subcommands.is_empty() || argv.len() < 2 {
        top
    } else {
        match cmd::resolve(top, argv, &mut Reply::new(out, resp)) {
            Some(s) => s,
            None => return,
        }
    };
    call(srv, session, (ti, top, sub), argv, out, clock);
}

/// Appends to the slow log, trimming arguments as Redis's `slowlogCreateEntry`.
fn log_slow(srv: &mut Server, session: &Session, argv: &Argv<'_>, us: u64) {
    const MAX_ARGC: usize = 32;
    const MAX_STRING: usize = 128;
    let mut args = Vec::new();
    for (i, a) in argv.iter().enumerate() {
        if i == MAX_ARGC - 1 && argv.len() > MAX_ARGC {
            args.push(format!("... ({} more arguments)", argv.len() - MAX_ARGC + 1).into_bytes());
            break;
        }
        if a.len() > MAX_STRING {
            let mut v = a[..MAX_STRING].to_vec();
            v.extend(format!("... ({} more bytes)", a.len() - MAX_STRING).bytes());
            args.push(v);
        } else {
            args.push(a.to_vec());
        }
    }
    let info = srv.clients.get(&session.id);
    let entry = SlowEntry {
        id: srv.slowlog_next_id,
        time: srv.ks.now_ms / 1000,
        duration_us: us,
        args,
        addr: info.map(|c| c.addr.clone()).unwrap_or_default(),
        name: info.and_then(|c| c.name.clone()).unwrap_or_default(),
    };
    srv.slowlog_next_id += 1;
    srv.slowlog.push_front(entry);
    srv.slowlog.truncate(srv.config.slowlog_max_len);
}
