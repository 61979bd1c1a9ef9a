//! The network layer: listening, accepting, the cron and signals, on the
//! workspace's [`event_loop`]. Redis: `src/server.c` (`initServer`,
//! `serverCron`, `beforeSleep`) and `acceptTcpHandler` in `src/networking.c`.
//!
//! One thread runs everything, as in Redis: the loop wakes for readable
//! sockets and timers, and each connection's [`client::Client`] parses and
//! executes its requests in place against the shared [`Server`].

pub mod client;
pub mod writes;

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use event_loop::{EventLoop, IoId, LoopHandle, TimerId};
use mio::net::{TcpListener, TcpStream};

use crate::config::Config;
use crate::state::Server;
use client::Client;

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
}

/// The state every callback of the loop gets: the server, and the map from
/// client ids to connection ids (for `CLIENT KILL` and idle timeouts).
#[derive(Debug)]
pub struct Runtime {
    /// Keyspace, config, clients, stats.
    pub srv: Server,
    /// Client id → the event loop's connection id.
    conns: HashMap<u64, IoId>,
    /// The address actually bound (the port is chosen by the OS for port 0).
    pub local_addr: SocketAddr,
    /// Replies waiting for the before-sleep flush.
    pub writes: writes::PendingWrites,
}

impl Runtime {
    /// Work that follows a batch of commands: closing clients `CLIENT KILL`
    /// named, and stopping the loop after `SHUTDOWN`.
    fn after_commands(&mut self, ev: &mut EventLoop<Runtime>) {
        for id in std::mem::take(&mut self.srv.kill_requests) {
            if let Some(conn) = self.conns.get(&id).and_then(|&io| ev.conn_mut(io)) {
                conn.close();
            }
        }
        if self.srv.shutdown_requested {
            ev.stop();
        }
    }
}

/// Binds the listener and builds the loop with the accept handler, the cron
/// and the signal handlers installed.
pub fn build(config: Config) -> Result<(EventLoop<Runtime>, Runtime), ServerError> {
    let addr_text = if config.bind.contains(':') {
        format!("[{}]:{}", config.bind, config.port)
    } else {
        format!("{}:{}", config.bind, config.port)
    };
    let addr: SocketAddr = addr_text.parse().map_err(|e| ServerError::Bind {
        addr: addr_text.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e),
    })?;
    let listener = TcpListener::bind(addr).map_err(|source| ServerError::Bind {
        addr: addr_text.clone(),
        source,
    })?;
    let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: addr_text,
        source,
    })?;
    let mut ev: EventLoop<Runtime> = EventLoop::new()?;
    ev.listen(listener, accept)?;
    // Redis's `beforeSleep` → `handleClientsWithPendingWrites`.
    ev.before_sleep(writes::flush);
    let hz = config.hz;
    ev.timer(period(hz), cron);
    for sig in [
        event_loop::signal::consts::SIGTERM,
        event_loop::signal::consts::SIGINT,
    ] {
        ev.signal(sig, |ev, _rt, sig| {
            // Redis answers SIGTERM/SIGINT with a graceful shutdown.
            tracing::warn!(signal = sig, "Received signal, scheduling shutdown...");
            ev.stop();
        })?;
    }
    let rt = Runtime {
        srv: Server::new(config),
        conns: HashMap::new(),
        local_addr,
        writes: writes::PendingWrites::default(),
    };
    Ok((ev, rt))
}

/// Runs the server until `SHUTDOWN` or SIGTERM/SIGINT.
pub fn run(config: Config) -> Result<(), ServerError> {
    let (mut ev, mut rt) = build(config)?;
    tracing::info!(addr = %rt.local_addr, "Ready to accept connections");
    ev.run(&mut rt)?;
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
    if rt.srv.clients.len() as u64 >= rt.srv.config.maxclients {
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
    let session = rt.srv.connect(peer.to_string(), laddr, fd);
    let cid = session.id;
    let max_bulk = rt.srv.config.proto_max_bulk_len.min(usize::MAX as u64) as usize;
    match ev.add_conn(stream, Client::new(session, max_bulk)) {
        Ok(io) => {
            rt.conns.insert(cid, io);
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

fn period(hz: u32) -> Duration {
    Duration::from_micros(1_000_000 / hz.clamp(1, 500) as u64)
}

/// The server cron, `hz` times a second (Redis `serverCron`): the active
/// expire cycle, incremental rehashing, and idle-client timeouts. It
/// re-arms itself with the current `hz`, so `CONFIG SET hz` takes effect.
fn cron(ev: &mut EventLoop<Runtime>, rt: &mut Runtime, _id: TimerId) {
    let srv = &mut rt.srv;
    srv.refresh_clock();
    let hz = srv.config.hz;
    let deadline = Instant::now() + crate::db::expire::budget(hz);
    srv.ks.active_expire_cycle(deadline);
    if srv.config.activerehashing {
        srv.ks.cron_rehash();
    }
    if srv.config.timeout > 0 {
        let limit_ms = srv.config.timeout as i64 * 1000;
        let now = srv.ks.now_ms;
        let idle: Vec<u64> = srv
            .clients
            .iter()
            .filter(|(_, c)| now - c.last_interaction_ms > limit_ms)
            .map(|(&id, _)| id)
            .collect();
        for id in idle {
            if let Some(conn) = rt.conns.get(&id).and_then(|&io| ev.conn_mut(io)) {
                tracing::debug!(client = id, "closing idle client");
                conn.close();
            }
        }
    }
    ev.timer(period(hz), cron);
}
