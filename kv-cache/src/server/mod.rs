//! The network layer: listening, accepting, the cron and signals, on the
//! workspace's [`event_loop`]. Redis: `src/server.c` (`initServer`,
//! `serverCron`, `beforeSleep`) and `acceptTcpHandler` in `src/networking.c`.
//!
//! One thread runs everything, as in Redis: the loop wakes for readable
//! sockets and timers, and each connection's [`client::Client`] parses and
//! executes its requests in place against the shared [`Server`].
//!
//! A command may produce output for *other* connections (a `PUBLISH`, a
//! push that wakes a blocked client, a timeout): the state layer leaves it
//! in its outbox, and [`Runtime::deliver`] moves it to those connections'
//! pending writes after the batch, resuming the input of clients that were
//! unblocked. Blocked clients' deadlines are watched by one timer, armed
//! for the nearest of them.
//!
//! # Layout
//!
//! - this file: [`Runtime`], building the loop, accepting, the listeners
//!   (moved by `CONFIG SET bind/port`), the cron;
//! - [`client`]: one connection — read, parse, execute, reply;
//! - [`aof`]: the AOF's hooks — load at start, flush before sleep, the
//!   cron's rewrites, `CONFIG SET appendonly`, the last flush;
//! - `querybuf`: the cron's round giving back idle clients' read buffers.

pub mod aof;
pub mod client;
mod querybuf;

use std::io::Write;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use bytes::Bytes;
use event_loop::{BufferedConn, EventLoop, IoId, LoopHandle, Ready, TimerId};
use mio::net::{TcpListener, TcpStream};

use crate::config::{Config, listen};
use crate::state::Server;
use client::{Client, output_limit_exceeded};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// `bind`/`port` could not be parsed or bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address tried.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The event loop failed.
    #[error("event loop: {0}")]
    Loop(#[from] event_loop::Error),
    /// The RDB file at `dir`/`dbfilename` could not be loaded.
    #[error("{0}")]
    Load(#[from] crate::persist::rdb::save::LoadError),
    /// The AOF could not be loaded or opened.
    #[error("{0}")]
    Aof(String),
}

/// The state every callback of the loop gets: the server (whose client
/// records know their connection ids) and the network layer's own state.
#[derive(Debug)]
pub struct Runtime {
    /// Keyspace, config, clients, stats.
    pub srv: Server,
    /// The first address bound at start (the port is chosen by the OS for
    /// port 0); `CONFIG SET bind/port` may move the listeners later.
    pub local_addr: SocketAddr,
    /// The timer armed for the nearest blocked client's deadline, and that
    /// deadline (Unix ms).
    block_timer: Option<(TimerId, i64)>,
    /// The listening sockets' loop ids, by address.
    listeners: Vec<(SocketAddr, IoId)>,
    /// The cron's round over the clients' query buffers.
    qbuf_rotation: querybuf::Rotation,
    /// The eviction timer, while eviction has work left (Redis's
    /// eviction time proc).
    evict_timer: Option<TimerId>,
}

/// Longest a blocked-client timer sleeps before looking again (deadlines
/// can be years away; the wheel needs no such delays).
const MAX_TIMER_WAIT_MS: i64 = 3_600_000;

impl Runtime {
    /// Work that follows a batch of commands: output for other clients,
    /// the blocked clients' timer, closing clients `CLIENT KILL` named, and
    /// stopping the loop after `SHUTDOWN`.
    fn after_commands(&mut self, ev: &mut EventLoop<Runtime>, current: Option<&mut BufferedConn>) {
        if !self.srv.outbox.is_empty() {
            self.deliver(ev, current);
        }
        if !self.srv.blocked.is_empty() {
            self.arm_block_timer(ev);
        }
        if self.srv.evicting {
            self.arm_evict_timer(ev);
        }
        for id in std::mem::take(&mut self.srv.kill_requests) {
            if let Some(conn) = self.conn_of(id).and_then(|io| ev.conn_mut(io)) {
                conn.close();
            }
        }
        if let Some(plan) = self.srv.listeners.rebind.take() {
            self.rebind(ev, plan);
        }
        aof::apply_config(&mut self.srv);
        if self.srv.shutdown_requested {
            ev.stop();
        }
    }

    /// Applies `CONFIG SET bind/port`: accepts on the new sockets, closes
    /// those no longer wanted (their clients stay connected, as in Redis).
    fn rebind(&mut self, ev: &mut EventLoop<Runtime>, plan: Vec<listen::Planned>) {
        let (keep, drop): (Vec<_>, Vec<_>) = std::mem::take(&mut self.listeners)
            .into_iter()
            .partition(|(addr, _)| plan.iter().any(|p| p.addr == *addr));
        for (addr, io) in drop {
            tracing::info!(%addr, "no longer listening");
            let _ = ev.remove(io);
        }
        self.listeners = keep;
        start_listening(ev, &mut self.srv, &mut self.listeners, plan);
    }

    /// Moves the outbox to the connections' pending writes (flushed before
    /// the loop sleeps, with everything else), and resumes the input of
    /// unblocked clients: their pipelined commands run in the next turn.
    /// Subscribers over `client-output-buffer-limit pubsub` are closed;
    /// the publisher never waits for them.
    pub fn deliver(&mut self, ev: &mut EventLoop<Runtime>, mut current: Option<&mut BufferedConn>) {
        for (id, bytes) in self.srv.outbox.drain() {
            let Some(io) = self.conn_of(id) else {
                continue;
            };
            self.srv.stats.net_output_bytes += bytes.len() as u64;
            // The connection whose callback is running is not reachable
            // through the loop; it was handed in. A `Vec` becomes `Bytes`
            // without a copy, and joins the output as a block of its own.
            match current.as_deref_mut().filter(|c| c.id() == io) {
                Some(conn) => conn.write_bytes(Bytes::from(bytes)),
                None => match ev.conn_mut(io) {
                    Some(conn) => conn.write_bytes(Bytes::from(bytes)),
                    None => continue,
                },
            }
            if self.srv.pubsub.is_subscriber(id) {
                self.check_pubsub_limit(ev, id, io);
            }
        }
        for id in self.srv.outbox.take_resumed() {
            if let Some(io) = self.conn_of(id) {
                ev.activate(io, Ready::READABLE);
            }
        }
    }

    /// Client `id`'s connection, from its record.
    fn conn_of(&self, id: u64) -> Option<IoId> {
        self.srv.clients.get(&id).and_then(|c| c.conn)
    }

    /// Closes subscriber `id` if its output (pending and unsent) is over
    /// the Pub/Sub class limit (Redis `checkClientOutputBufferLimits` for
    /// `CLIENT_TYPE_PUBSUB`). Its subscriptions go at once, so the rest of
    /// the batch does not queue more for it.
    fn check_pubsub_limit(&mut self, ev: &mut EventLoop<Runtime>, id: u64, io: IoId) {
        // `None` for the connection whose callback is running: it checks
        // its own limit at the end of its batch.
        let Some(pending) = ev.conn(io).map(BufferedConn::output_len) else {
            return;
        };
        let Some(mut session) = self.srv.take_client(id) else {
            return;
        };
        let over = output_limit_exceeded(&self.srv, &mut session, pending);
        self.srv.put_client(session);
        if over && let Some(conn) = ev.conn_mut(io) {
            tracing::warn!(
                client = id,
                "client scheduled to be closed ASAP for overcoming of output buffer limits"
            );
            conn.close();
            self.srv.pubsub.remove_client(id);
        }
    }

    /// Arms (or moves earlier) the timer for the nearest deadline of a
    /// blocked client.
    fn arm_block_timer(&mut self, ev: &mut EventLoop<Runtime>) {
        let Some(next) = self.srv.blocked.nearest_deadline() else {
            return;
        };
        if let Some((timer, at)) = self.block_timer {
            if at <= next && ev.timer_pending(timer) {
                return;
            }
            ev.cancel_timer(timer);
        }
        // Due once the clock passes `next` (see `Blocked::timed_out`).
        let wait = (next + 1 - self.srv.ks.now_ms).clamp(1, MAX_TIMER_WAIT_MS);
        let timer = ev.timer(Duration::from_millis(wait as u64), |ev, rt, _| {
            rt.block_timer_fired(ev)
        });
        self.block_timer = Some((timer, next));
    }

    /// Arms the eviction timer unless it is armed: eviction runs again on
    /// the next turn of the loop, between clients' commands, until memory
    /// is under the limit (Redis `startEvictionTimeProc`, a 0 ms timer).
    fn arm_evict_timer(&mut self, ev: &mut EventLoop<Runtime>) {
        if self.evict_timer.is_some_and(|t| ev.timer_pending(t)) {
            return;
        }
        let timer = ev.timer(Duration::ZERO, |ev, rt, _| {
            rt.evict_timer = None;
            rt.srv.refresh_clock();
            crate::exec::oom::cron(&mut rt.srv);
            rt.after_commands(ev, None);
        });
        self.evict_timer = Some(timer);
    }

    /// The blocked clients' timer: time out whoever is due, re-arm.
    fn block_timer_fired(&mut self, ev: &mut EventLoop<Runtime>) {
        self.block_timer = None;
        self.srv.refresh_clock();
        if self.srv.expire_blocked() > 0 {
            self.deliver(ev, None);
        }
        self.arm_block_timer(ev);
    }
}

/// Binds the listener and builds the loop with the accept handler, the cron
/// and the signal handlers installed.
pub fn build(config: Config) -> Result<(EventLoop<Runtime>, Runtime), ServerError> {
    let bind_error = |source| ServerError::Bind {
        addr: format!("{} port {}", config.bind, config.port),
        source,
    };
    let plan = listen::plan(&config.bind, config.port, &[], false).map_err(bind_error)?;
    let Some(local_addr) = plan.first().map(|p| p.addr) else {
        return Err(bind_error(std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            "no address of bind could be bound",
        )));
    };
    // Connections write in the loop's pending pass, after the before-sleep
    // hooks and just before it polls: Redis's `beforeSleep` →
    // `handleClientsWithPendingWrites`.
    let mut ev: EventLoop<Runtime> = event_loop::Builder::default()
        .deferred_writes(true)
        .build()?;
    let mut srv = Server::new(config);
    // Before listening: no client sees a dataset that is still loading.
    // With the AOF on, it is the dataset (Redis `loadDataFromDisk`);
    // otherwise the RDB file is.
    if srv.config.appendonly {
        aof::open_at_start(&mut srv).map_err(ServerError::Aof)?;
    } else {
        crate::cmd::persist::load_at_startup(&mut srv)?;
    }
    let mut listeners = Vec::new();
    start_listening(&mut ev, &mut srv, &mut listeners, plan);
    let hz = srv.config.hz;
    ev.timer(period(hz), cron);
    ev.before_sleep(before_sleep);
    for sig in [
        event_loop::signal::consts::SIGTERM,
        event_loop::signal::consts::SIGINT,
    ] {
        ev.signal(sig, |ev, rt, sig| {
            // Redis answers SIGTERM/SIGINT with a graceful shutdown,
            // saving first when save points are configured.
            tracing::warn!(signal = sig, "Received signal, scheduling shutdown...");
            if crate::cmd::persist::before_exit(&mut rt.srv, None) {
                ev.stop();
            } else {
                tracing::warn!("Error trying to save the DB, can't exit.");
            }
        })?;
    }
    let rt = Runtime {
        srv,
        local_addr,
        listeners,
        block_timer: None,
        qbuf_rotation: querybuf::Rotation::default(),
        evict_timer: None,
    };
    Ok((ev, rt))
}

/// Runs the server until `SHUTDOWN` or SIGTERM/SIGINT.
pub fn run(config: Config) -> Result<(), ServerError> {
    let (mut ev, mut rt) = build(config)?;
    tracing::info!(addr = %rt.local_addr, "Ready to accept connections");
    let result = ev.run(&mut rt);
    aof::shutdown(&mut rt.srv);
    result?;
    tracing::warn!("kv-cache is now ready to exit, bye bye...");
    Ok(())
}

/// A server running on its own thread, for tests and benchmarks: stopped and
/// joined on drop.
#[derive(Debug)]
pub struct Background {
    /// Where it listens.
    pub addr: SocketAddr,
    handle: LoopHandle<Runtime>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Starts a server with `config` (use port 0 for a free port).
    pub fn start(config: Config) -> Result<Background, ServerError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || match build(config) {
            Ok((mut ev, mut rt)) => {
                let _ = tx.send(Ok((rt.local_addr, ev.handle())));
                if let Err(e) = ev.run(&mut rt) {
                    tracing::error!(error = %e, "event loop failed");
                }
                aof::shutdown(&mut rt.srv);
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        });
        let (addr, handle) = rx.recv().map_err(|_| ServerError::Bind {
            addr: "background thread".into(),
            source: std::io::Error::other("server thread exited before binding"),
        })??;
        Ok(Background {
            addr,
            handle,
            thread: Some(thread),
        })
    }

    /// Runs `f` on the server's thread with its state (e.g. to move the
    /// clock) and waits for it to finish.
    pub fn with_state<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Runtime) -> R + Send + 'static,
    ) -> Option<R> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.handle
            .run(move |_ev, rt| {
                let _ = tx.send(f(rt));
            })
            .ok()?;
        rx.recv().ok()
    }

    /// Whether the server thread has exited (after `SHUTDOWN`).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.handle.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Accepts a connection: refuses it past `maxclients` with Redis's error,
/// else registers a session and hands the socket to the loop.
fn accept(ev: &mut EventLoop<Runtime>, rt: &mut Runtime, mut stream: TcpStream, peer: SocketAddr) {
    if rt.srv.client_count() as u64 >= rt.srv.config.maxclients {
        rt.srv.stats.rejected_connections += 1;
        // Best effort, as Redis: the socket is fresh, so the write fits.
        let _ = stream.write(b"-ERR max number of clients reached\r\n");
        return;
    }
    // Replies are small and already batched per turn: Nagle would only
    // delay them (Redis sets TCP_NODELAY too).
    let _ = stream.set_nodelay(true);
    let laddr = stream
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let fd = stream.as_raw_fd() as i64;
    rt.srv.refresh_clock();
    let cid = rt.srv.connect(peer.to_string(), laddr, fd);
    let max_bulk = rt.srv.config.proto_max_bulk_len.min(usize::MAX as u64) as usize;
    match ev.add_conn(stream, Client::new(cid, max_bulk)) {
        Ok(io) => {
            if let Some(c) = rt.srv.clients.get_mut(&cid) {
                c.conn = Some(io);
            }
            if let Some(conn) = ev.conn_mut(io) {
                // The query buffer limit is ours to enforce (a bulk argument
                // may legitimately be larger than any read watermark).
                conn.set_read_high_watermark(0);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot register client");
            rt.srv.disconnect(cid);
        }
    }
}

/// Before the loop sleeps (Redis `beforeSleep`): the BCAST invalidations
/// collected this turn go out, one array per prefix and client; then the
/// AOF is written.
// ANCHOR: before_sleep
fn before_sleep(ev: &mut EventLoop<Runtime>, rt: &mut Runtime) {
    if rt.srv.tracking.clients() != 0 {
        crate::exec::track::broadcast(&mut rt.srv);
        if !rt.srv.outbox.is_empty() {
            rt.deliver(ev, None);
        }
    }
    // Last: the AOF gets this turn's changes before any reply leaves (the
    // loop writes replies after the hooks), Redis `flushAppendOnlyFile`.
    aof::before_sleep(&mut rt.srv);
}
// ANCHOR_END: before_sleep

/// Accepts on the new sockets of `plan`; records every address of it as
/// listening.
fn start_listening(
    ev: &mut EventLoop<Runtime>,
    srv: &mut Server,
    listeners: &mut Vec<(SocketAddr, IoId)>,
    plan: Vec<listen::Planned>,
) {
    srv.listeners.bound = plan.iter().map(|p| p.addr).collect();
    for p in plan {
        let Some(std_listener) = p.listener else {
            continue;
        };
        // A listener the loop cannot watch is dropped (closed) and logged;
        // the others still serve.
        let started = std_listener
            .set_nonblocking(true)
            .map_err(event_loop::Error::from)
            .and_then(|()| ev.listen(TcpListener::from_std(std_listener), accept));
        match started {
            Ok(io) => listeners.push((p.addr, io)),
            Err(e) => {
                tracing::warn!(addr = %p.addr, error = %e, "cannot listen");
                srv.listeners.bound.retain(|a| *a != p.addr);
            }
        }
    }
}

fn period(hz: u32) -> Duration {
    Duration::from_micros(1_000_000 / hz.clamp(1, 500) as u64)
}

/// The server cron, `hz` times a second (Redis `serverCron`): the active
/// expire cycle, incremental rehashing, idle-client timeouts, and idle
/// query buffers given back. It
/// re-arms itself with the current `hz`, so `CONFIG SET hz` takes effect.
fn cron(ev: &mut EventLoop<Runtime>, rt: &mut Runtime, _id: TimerId) {
    let srv = &mut rt.srv;
    srv.refresh_clock();
    let hz = srv.config.hz;
    // A pause ends at the first cron past its deadline, as in Redis.
    if srv.pause.expired(srv.ks.now_ms) {
        srv.end_pause();
    }
    // Keys do not expire while clients are paused (Redis).
    if srv.ks.active_expire && !srv.pause.is_on() {
        let began = Instant::now();
        srv.ks
            .active_expire_cycle(began + crate::db::expire::budget(hz));
        let ms = began.elapsed().as_millis() as u64;
        let threshold = srv.config.latency_monitor_threshold;
        srv.latency
            .add_if_needed(threshold, "expire-cycle", ms, srv.ks.now_ms / 1000);
        // The removed keys replay as `DEL`s, never wrapped in MULTI, and
        // are notified as `expired`.
        crate::cmd::notify::collect_detached(srv);
        if srv.prop.listening() != 0 {
            crate::exec::propagate::end_unit(srv, false);
        }
        if !srv.outbox.is_empty() {
            rt.deliver(ev, None);
        }
    }
    let srv = &mut rt.srv;
    // What commands left over the limit (Redis's eviction time proc),
    // and a `maxmemory` just lowered.
    crate::exec::oom::cron(srv);
    if srv.evicting {
        rt.arm_evict_timer(ev);
    }
    let srv = &mut rt.srv;
    if srv.config.activerehashing {
        srv.ks.cron_rehash();
    }
    if srv.tracking.clients() != 0 {
        crate::exec::track::after_cron(srv);
    }
    // The timer catches deadlines on time; this is the safety net.
    if !srv.blocked.is_empty() {
        srv.expire_blocked();
    }
    // Timeouts, resumed clients, invalidations of expired keys.
    if !srv.outbox.is_empty() {
        rt.deliver(ev, None);
    }
    let srv = &mut rt.srv;
    if srv.config.timeout > 0 {
        let limit_ms = srv.config.timeout as i64 * 1000;
        let now = srv.ks.now_ms;
        // Blocked clients and subscribers are idle by design (Redis
        // `clientsCronHandleTimeout` spares them too).
        let idle: Vec<u64> = srv
            .clients
            .iter()
            .filter(|(id, c)| {
                now - c.last_interaction_ms > limit_ms
                    && !srv.blocked.contains(**id)
                    && !srv.pubsub.is_subscriber(**id)
            })
            .map(|(&id, _)| id)
            .collect();
        for id in idle {
            if let Some(conn) = rt.conn_of(id).and_then(|io| ev.conn_mut(io)) {
                tracing::debug!(client = id, "closing idle client");
                conn.close();
            }
        }
    }
    crate::cmd::persist::cron(&mut rt.srv);
    querybuf::tick(ev, rt);
    aof::cron(&mut rt.srv);
    ev.timer(period(hz), cron);
}
