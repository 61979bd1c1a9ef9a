//! The server's state, as types: what every connection shares
//! ([`Server`]), one connection's protocol state ([`Session`]), and the
//! counters. Redis: `struct redisServer` and `struct client`.
//!
//! Nothing here executes a command (that is [`crate::exec`]) or knows about
//! sockets (that is [`crate::server`]); tests build a [`Server`] and drive
//! [`crate::exec::execute`] directly.
//!
//! # Layout
//!
//! - this file: [`Server`], [`Session`] (a connection's one record), the counters, the slow log entry;
//! - [`blocked`]: the blocked-client registry;
//! - [`propagation`]: what the running command will propagate, and the consumers;
//! - [`outbox`]: bytes for connections other than the one whose command is running;
//! - [`pause`]: `CLIENT PAUSE` and the clients it holds.

pub mod blocked;
pub mod outbox;
pub mod pause;
pub mod propagation;

use std::collections::{HashMap, VecDeque};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::config::Config;
use crate::config::listen::Listeners;
use crate::db::Keyspace;
use crate::idmap::IdMap;
use crate::latency::{Histogram, Monitor};
use crate::persist::aof::Aof;
use crate::persist::child::ChildSlot;
use crate::persist::rdb;
use crate::protocol::OwnedArgv;
use crate::pubsub::PubSub;
use crate::tracking::Tracking;
use blocked::Blocked;
use outbox::Outbox;
use pause::Pause;
use propagation::{Feed, Propagation};

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
/// [`Session::flags`]: in `MONITOR` mode (Redis marks it a replica:
/// commands that touch the keyspace are refused).
pub const S_MONITOR: u8 = 1 << 5;
/// [`Session::flags`]: its command waits for `CLIENT PAUSE` to end; input waits.
pub const S_PAUSED: u8 = 1 << 6;
/// [`Session::flags`]: `CLIENT TRACKING` is on (its options are in
/// [`Server::tracking`]); the one test the read path pays.
pub const S_TRACKING: u8 = 1 << 7;
/// The flags [`crate::exec::execute`] must look at before running a command.
pub const S_GATED: u8 = S_MULTI | S_PUBSUB | S_MONITOR;

/// `CLIENT REPLY`: which replies reach the client. Pushes (Pub/Sub
/// confirmations and messages, invalidations) always do, as in Redis
/// (`CLIENT_PUSHING` lifts the silence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplyMode {
    /// Every reply (the default, `CLIENT REPLY ON`).
    #[default]
    On,
    /// None until `CLIENT REPLY ON` (Redis `CLIENT_REPLY_OFF`).
    Off,
    /// `CLIENT REPLY SKIP` just ran: the next command's reply is dropped
    /// (Redis `CLIENT_REPLY_SKIP_NEXT`).
    SkipNext,
    /// This command's reply is dropped (Redis `CLIENT_REPLY_SKIP`).
    Skip,
}

/// Commands queued by `MULTI`. Redis: `c->mstate`.
#[derive(Debug, Clone, Default)]
pub struct MultiState {
    /// The queued commands, in order.
    pub queue: Vec<OwnedArgv>,
    /// A command was rejected while queueing: `EXEC` aborts
    /// (Redis `CLIENT_DIRTY_EXEC`).
    pub aborted: bool,
}

/// One connection's record: its protocol state, what `CLIENT LIST` shows,
/// and its output limits, all in one place. Redis: `struct client`.
///
/// The records live in [`Server::clients`]. While a connection's commands
/// run, its record is taken out ([`Server::take_client`]) and handed to
/// them as `&mut Session` beside `&mut Server`, the way Redis's commands
/// get `client *c` beside the global `server`; it goes back after the
/// batch. A blocked client's retry takes its record the same way.
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
    /// Full name of the last command it ran (`get`, `client|list`), for
    /// `CLIENT LIST cmd=`; `NULL` before the first. Redis `c->lastcmd`.
    pub last_cmd: &'static str,
    /// `CLIENT SETNAME`.
    pub name: Option<Vec<u8>>,
    /// Peer address, `ip:port`.
    pub addr: String,
    /// Local address, `ip:port`.
    pub laddr: String,
    /// The socket's file descriptor.
    pub fd: i64,
    /// When it connected, Unix ms.
    pub created_ms: i64,
    /// Last time it sent something, Unix ms (`idle=`, `timeout`).
    pub last_interaction_ms: i64,
    /// Bytes waiting in its query buffer, as of its last read.
    pub qbuf: usize,
    /// Bytes earlier turns left unsent in its output, as of its last read.
    pub omem: usize,
    /// Since when its output has been over the soft limit of its class
    /// (Redis `obuf_soft_limit_reached_time`): the one timer of
    /// `client-output-buffer-limit`, for replies and Pub/Sub messages alike.
    pub soft_limit_since: Option<Instant>,
    /// The event loop's connection, for output meant for this client.
    pub conn: Option<event_loop::IoId>,
    /// `CLIENT REPLY`.
    pub reply: ReplyMode,
    /// `CLIENT NO-EVICT on` (flag `e`): exempt from client eviction, which
    /// kv-cache does not do yet; recorded and shown.
    pub no_evict: bool,
    /// Free bytes allocated after the query buffer's contents, as of its
    /// last read (`CLIENT LIST qbuf-free`).
    pub qbuf_free: usize,
    /// Argument bytes of the command in hand: the running one, or the one
    /// a pause or a blocking command holds (`argv-mem`, Redis `argv_len_sum`).
    pub argv_mem: usize,
    /// Most reply bytes one batch of its commands produced (`rbp`, Redis
    /// `buf_peak`).
    pub reply_peak: usize,
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
            last_cmd: "NULL",
            name: None,
            addr: String::new(),
            laddr: String::new(),
            fd: -1,
            created_ms: 0,
            last_interaction_ms: 0,
            qbuf: 0,
            omem: 0,
            soft_limit_since: None,
            conn: None,
            reply: ReplyMode::On,
            no_evict: false,
            qbuf_free: 0,
            argv_mem: 0,
            reply_peak: 0,
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

    /// Commands queued by `MULTI`, or `None` outside a transaction
    /// (`CLIENT LIST` `multi=`, flag `x`).
    pub fn queued(&self) -> Option<usize> {
        self.multi.as_ref().map(|m| m.queue.len())
    }
}

/// Per-command counters for `INFO commandstats`. Redis: fields of `redisCommand`.
#[derive(Debug, Clone, Default)]
pub struct CmdStat {
    /// Times called.
    pub calls: u64,
    /// Total microseconds spent.
    pub usec: u64,
    /// Calls that replied with an error.
    pub failed_calls: u64,
    /// Calls rejected before running (arity, auth).
    pub rejected_calls: u64,
    /// The calls' latencies (`LATENCY HISTOGRAM`), when `latency-tracking` is on.
    pub latency: Histogram,
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
    /// Every connection's record by client id, except those taken out
    /// while their commands run (see [`Session`]).
    pub clients: IdMap<Session>,
    /// Records taken out of `clients` right now.
    taken: usize,
    /// The next client id.
    pub next_client_id: u64,
    /// Counters for `INFO stats`.
    pub stats: ServerStats,
    /// Per top-level command (by table index; grown on first use).
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
    /// `used_memory` when the server was set up (`MEMORY STATS`
    /// `startup.allocated`).
    pub startup_memory: usize,
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
    /// The propagation state: consumers and the running unit's commands.
    pub prop: Propagation,
    /// Client-side caching: who tracks which keys and prefixes.
    pub tracking: Tracking,
    /// Clients in `MONITOR` mode, in the order they started (Redis `server.monitors`).
    pub monitors: Vec<u64>,
    /// `CLIENT PAUSE` in force, and the clients it holds.
    pub pause: Pause,
    /// The addresses listening, and a change `CONFIG SET bind/port` asked for.
    pub listeners: Listeners,
    /// The latency monitor's events (`LATENCY LATEST/HISTORY/...`).
    pub latency: Monitor,
    /// The background child (`BGSAVE`, AOF rewrite), at most one.
    pub child: ChildSlot,
    /// What the RDB saves did so far (`LASTSAVE`, `INFO persistence`).
    pub rdb: rdb::save::Status,
    /// Eviction ran out of time with memory still over `maxmemory` (or
    /// `maxmemory` was just lowered): the network layer runs it again soon.
    pub evicting: bool,
    /// The append-only file: its files, buffer, fsync policy state and
    /// rewrite child.
    pub aof: Aof,
}

/// `used_memory`: what the counting allocator holds, or the process's
/// RSS where it is not installed (in-process tests).
pub fn used_memory_now() -> usize {
    crate::alloc::used_memory().unwrap_or_else(crate::alloc::rss_bytes)
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
        ks.set_logging(config.notify_keyspace_events, false);
        let mut srv = Server {
            ks,
            config,
            clients: IdMap::default(),
            taken: 0,
            next_client_id: 1,
            stats: ServerStats::default(),
            cmdstats: Vec::new(),
            substats: HashMap::new(),
            slowlog: VecDeque::new(),
            slowlog_next_id: 0,
            shutdown_requested: false,
            kill_requests: Vec::new(),
            started: Instant::now(),
            run_id: format!("{seed:016x}{seed2:016x}{:08x}", seed ^ seed2)[..40].to_string(),
            frozen_clock: false,
            peak_memory: 0,
            startup_memory: crate::alloc::used_memory().unwrap_or(0),
            clock_base: (Instant::now(), unix_ms()),
            blocked: Blocked::default(),
            pubsub: PubSub::default(),
            outbox: Outbox::default(),
            prop: Propagation::default(),
            tracking: Tracking::default(),
            monitors: Vec::new(),
            pause: Pause::default(),
            listeners: Listeners::default(),
            latency: Monitor::default(),
            child: ChildSlot::default(),
            rdb: rdb::save::Status::new(unix_ms() / 1000),
            evicting: false,
            aof: Aof::default(),
        };
        srv.sync_eviction();
        srv
    }

    /// Hands the eviction parameters to the keyspace (the LRU or LFU
    /// layout of key headers, the LFU factors, the sketch of
    /// `allkeys-tinylfu`, the lazyfree switches); call after the config
    /// changes.
    pub fn sync_eviction(&mut self) {
        use crate::db::evict::{Policy, sketch::Sketch};
        let c = &self.config;
        let a = &mut self.ks.access;
        a.lfu = c.maxmemory_policy.lfu();
        a.log_factor = c.lfu_log_factor;
        a.decay_time = c.lfu_decay_time;
        match (
            c.maxmemory_policy == Policy::AllkeysTinyLfu,
            a.sketch.is_some(),
        ) {
            (true, false) => {
                let keys = self.ks.dbs.iter().map(|d| d.dict.len()).sum();
                a.sketch = Some(Box::new(Sketch::new(keys)));
            }
            (false, true) => {
                a.sketch = None;
                self.ks.evictor.window.clear();
            }
            _ => {}
        }
        self.ks.lazy.on = c.lazyfree;
    }

    /// The eviction parameters in force.
    pub fn evict_limits(&self) -> crate::db::evict::Limits {
        let c = &self.config;
        crate::db::evict::Limits {
            maxmemory: c.maxmemory,
            policy: c.maxmemory_policy,
            samples: c.maxmemory_samples,
            tenacity: c.maxmemory_eviction_tenacity,
        }
    }

    /// Memory that does not count toward `maxmemory` (Redis
    /// `freeMemoryGetNotCountedMemory`: replica output buffers and the AOF
    /// buffer, neither of which exists here yet).
    pub fn mem_not_counted_for_evict(&self) -> usize {
        0
    }

    /// The memory eviction compares with `maxmemory`: what the counting
    /// allocator holds (the process's RSS where it is not installed, as in
    /// in-process tests), less [`Server::mem_not_counted_for_evict`].
    pub fn used_for_evict(&self) -> usize {
        used_memory_now().saturating_sub(self.mem_not_counted_for_evict())
    }

    /// Adds a consumer of the propagated stream (the AOF, a replica's feed,
    /// a test hook). From now on changes are recorded in their propagated
    /// form, and keys removed by expiry too.
    pub fn add_feed(&mut self, feed: Box<dyn Feed>) {
        self.prop.add_feed(feed);
        self.sync_logging();
    }

    /// Whether a background child runs (Redis `hasActiveChildProcess`):
    /// only one at a time. Today the AOF rewrite's ([`Aof::child`]) is the
    /// only kind; an RDB save's child joins this test.
    pub fn has_active_child(&self) -> bool {
        self.busy_child().is_some()
    }

    /// Which background child runs, if any: at most one does, as in Redis
    /// (`hasActiveChildProcess`). A `BGSAVE` lives in [`Server::child`],
    /// an AOF rewrite in [`Aof`]'s own handle.
    pub fn busy_child(&self) -> Option<crate::persist::child::Purpose> {
        use crate::persist::child::Purpose;
        if self.aof.child.is_some() {
            Some(Purpose::Aof)
        } else {
            self.child.busy()
        }
    }

    /// Removes the consumers called `name` (see [`Feed::name`]).
    pub fn remove_feed(&mut self, name: &str) {
        self.prop.remove_feed(name);
        self.sync_logging();
    }

    /// Tells the keyspace what to log for the layers above (expired keys
    /// to propagate, events to notify); call after the consumers or
    /// `notify-keyspace-events` change.
    pub fn sync_logging(&mut self) {
        let flags = self.config.notify_keyspace_events;
        self.ks.set_logging(flags, self.prop.listening() != 0);
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

    /// Registers a new connection; returns its client id.
    pub fn connect(&mut self, addr: String, laddr: String, fd: i64) -> u64 {
        let id = self.next_client_id;
        self.next_client_id += 1;
        self.stats.total_connections_received += 1;
        let now = self.ks.now_ms;
        let mut c = Session::new(id, self.config.requirepass.is_none());
        c.addr = addr;
        c.laddr = laddr;
        c.fd = fd;
        c.created_ms = now;
        c.last_interaction_ms = now;
        self.clients.insert(id, c);
        id
    }

    /// Connected clients, those whose commands are running included
    /// (`INFO clients`, `maxclients`).
    pub fn client_count(&self) -> usize {
        self.clients.len() + self.taken
    }

    /// Takes client `id`'s record out to run its commands; give it back
    /// with [`Server::put_client`]. `None` if it is gone or already out.
    #[inline]
    pub fn take_client(&mut self, id: u64) -> Option<Session> {
        let c = self.clients.remove(&id)?;
        self.taken += 1;
        Some(c)
    }

    /// Returns a record taken by [`Server::take_client`].
    #[inline]
    pub fn put_client(&mut self, c: Session) {
        self.taken -= 1;
        self.clients.insert(c.id, c);
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
        if self.tracking.clients() != 0 {
            self.tracking.disable(id);
            self.ks.log_changes = self.tracking.clients() != 0;
        }
        self.monitors.retain(|&m| m != id);
        self.pause.forget(id);
    }

    /// Leaves `MULTI` (if in it) and unwatches every key of `session`
    /// (Redis `discardTransaction`); returns the queue it had.
    pub fn discard_transaction(&mut self, session: &mut Session) -> Option<Box<MultiState>> {
        session.flags &= !S_MULTI;
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
}
