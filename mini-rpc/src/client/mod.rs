//! The client: typed stubs call through a [`Channel`]; [`Client`] is the
//! channel to one server address, over one or more multiplexed connections.
//!
//! A call picks a sub-connection round-robin, runs the client interceptors,
//! and hands the encoded arguments to that connection's multiplexer
//! (`conn`). A connection that died is re-dialled lazily by the next call,
//! with exponential backoff between failed dials; until the next dial is due,
//! calls fail fast with `Unavailable` (gRPC's TRANSIENT_FAILURE without
//! `wait_for_ready`), and idempotent calls are retried per [`RetryPolicy`].

mod conn;
mod options;
mod sink;
mod stream;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use self::conn::Connection;
pub(crate) use self::options::stable_hash;
pub use self::options::{Backoff, CallOptions, RetryPolicy};
pub use self::sink::{ClientSink, RawSink, Upload};
pub use self::stream::{ClientStream, RawStream};
use crate::codec::CodecKind;
use crate::frame::DEFAULT_MAX_FRAME;
use crate::interceptor::{CallInfo, Chain, Interceptor};
use crate::status::{Code, Status};

/// What generated clients call through: one server ([`Client`]) or many
/// behind a balancer ([`crate::discover::Balancer`]).
pub trait Channel: Clone + Send + Sync + 'static {
    /// The payload codec of this channel's connections.
    fn codec(&self) -> CodecKind;

    /// A unary call of `Service.method` with encoded arguments.
    fn unary(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: CallOptions,
    ) -> impl Future<Output = Result<Bytes, Status>> + Send;

    /// A server-streaming call.
    fn server_stream(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: CallOptions,
    ) -> impl Future<Output = Result<RawStream, Status>> + Send;

    /// A call that sends a stream (client-streaming or bidirectional): the
    /// sending half, and the receiving half (its items, or its one reply).
    fn client_stream(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: CallOptions,
    ) -> impl Future<Output = Result<(RawSink, RawStream), Status>> + Send;
}

/// Client settings.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Codec proposed to the server.
    pub codec: CodecKind,
    /// Connections to open to the server (sub-channels); calls are spread round-robin.
    pub connections: usize,
    /// Largest frame accepted from the server.
    pub max_frame: usize,
    /// Bytes of requests queued on one connection before calls wait to send.
    pub max_outgoing_bytes: usize,
    /// Time allowed for TCP connect plus preface exchange.
    pub connect_timeout: Duration,
    /// Delay between failed dials of a dead connection.
    pub reconnect: Backoff,
    /// Retries of idempotent calls that failed with `Unavailable`.
    pub retry: RetryPolicy,
    /// Ping interval (and Pong timeout) for detecting dead connections;
    /// `None` (the default, as in gRPC clients) sends no pings.
    pub keepalive: Option<Duration>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            codec: CodecKind::default(),
            connections: 1,
            max_frame: DEFAULT_MAX_FRAME,
            max_outgoing_bytes: 1024 * 1024,
            connect_timeout: Duration::from_secs(3),
            reconnect: Backoff::default(),
            retry: RetryPolicy::default(),
            keepalive: None,
        }
    }
}

/// One sub-channel: a connection and its redial state.
struct SubChannel {
    /// The live connection, if any. A std Mutex: held only to clone the Arc.
    conn: Mutex<Option<Arc<Connection>>>,
    /// Serialises redials; holds when the next dial is allowed and the next delay.
    redial: tokio::sync::Mutex<Redial>,
}

#[derive(Default)]
struct Redial {
    /// Dials before this instant fail fast.
    not_before: Option<Instant>,
    /// Failed dials in a row.
    failures: u32,
}

struct ClientInner {
    addr: SocketAddr,
    config: ClientConfig,
    interceptors: Chain,
    subs: Vec<SubChannel>,
    next_sub: AtomicUsize,
}

/// A channel to one server (tarpc's `Client`, tonic's `Channel`). Cheap to
/// clone; clones share connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    addr: SocketAddr,
    config: ClientConfig,
    interceptors: Chain,
}

impl ClientBuilder {
    /// Proposes `codec` to the server.
    pub fn codec(mut self, codec: CodecKind) -> Self {
        self.config.codec = codec;
        self
    }

    /// Opens `n` connections (at least 1) and spreads calls over them.
    pub fn connections(mut self, n: usize) -> Self {
        self.config.connections = n.max(1);
        self
    }

    /// Sets the retry policy for idempotent calls.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// Sets the redial backoff.
    pub fn reconnect(mut self, backoff: Backoff) -> Self {
        self.config.reconnect = backoff;
        self
    }

    /// Pings every `every` and drops the connection when a Pong is late.
    pub fn keepalive(mut self, every: Duration) -> Self {
        self.config.keepalive = Some(every);
        self
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// Adds a client-side interceptor.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(interceptor);
        self
    }

    /// A client that dials on first use (never fails here).
    pub fn lazy(self) -> Client {
        let subs = (0..self.config.connections.max(1))
            .map(|_| SubChannel {
                conn: Mutex::new(None),
                redial: tokio::sync::Mutex::new(Redial::default()),
            })
            .collect();
        Client {
            inner: Arc::new(ClientInner {
                addr: self.addr,
                config: self.config,
                interceptors: self.interceptors,
                subs,
                next_sub: AtomicUsize::new(0),
            }),
        }
    }

    /// Dials every connection now; fails if any cannot be made.
    pub async fn connect(self) -> Result<Client, Status> {
        let client = self.lazy();
        for sub in &client.inner.subs {
            client.connection(sub).await?;
        }
        Ok(client)
    }
}

impl Client {
    /// A builder for a client of `addr`.
    pub fn builder(addr: SocketAddr) -> ClientBuilder {
        ClientBuilder {
            addr,
            config: ClientConfig::default(),
            interceptors: Chain::default(),
        }
    }

    /// Connects with default settings (one connection, postcard).
    pub async fn connect(addr: SocketAddr) -> Result<Client, Status> {
        Client::builder(addr).connect().await
    }

    /// The server address.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// A Ping/Pong round trip on one connection (a health check).
    pub async fn ping(&self) -> Result<(), Status> {
        let conn = self.connection(self.pick()).await?;
        conn.ping().await
    }

    fn pick(&self) -> &SubChannel {
        let subs = &self.inner.subs;
        if subs.len() == 1 {
            return &subs[0];
        }
        &subs[self.inner.next_sub.fetch_add(1, Ordering::Relaxed) % subs.len()]
    }

    /// The sub-channel's live connection, dialling if it is down and a dial is due.
    async fn connection(&self, sub: &SubChannel) -> Result<Arc<Connection>, Status> {
        let live = |sub: &SubChannel| {
            let slot = sub.conn.lock().unwrap_or_else(PoisonError::into_inner);
            slot.as_ref().filter(|c| !c.is_closed()).cloned()
        };
        if let Some(conn) = live(sub) {
            return Ok(conn);
        }
        let mut redial = sub.redial.lock().await;
        // Another call may have redialled while we waited for the lock.
        if let Some(conn) = live(sub) {
            return Ok(conn);
        }
        let now = Instant::now();
        if let Some(at) = redial.not_before.filter(|at| *at > now) {
            let wait = at - now;
            return Err(Status::unavailable(format!(
                "{}: reconnecting, next attempt in {wait:?}",
                self.inner.addr
            )));
        }
        let config = &self.inner.config;
        let dialled = Connection::connect(
            self.inner.addr,
            config.codec,
            config.max_frame,
            config.max_outgoing_bytes,
            config.connect_timeout,
        )
        .await;
        match dialled {
            Ok(conn) => {
                if let Some(every) = config.keepalive {
                    conn.spawn_keepalive(every, self.inner.addr);
                }
                *redial = Redial::default();
                *sub.conn.lock().unwrap_or_else(PoisonError::into_inner) = Some(conn.clone());
                Ok(conn)
            }
            Err(status) => {
                redial.failures += 1;
                redial.not_before = Some(Instant::now() + config.reconnect.delay(redial.failures));
                Err(status)
            }
        }
    }

    /// One attempt of a unary call.
    async fn attempt(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: &CallOptions,
        deadline: Option<Instant>,
    ) -> Result<Bytes, Status> {
        let interceptors = &self.inner.interceptors;
        let started = Instant::now();
        let mut metadata = opts.metadata.clone();
        if !interceptors.is_empty() {
            interceptors.on_request(&mut CallInfo {
                method,
                metadata: &mut metadata,
            })?;
        }
        let remaining = deadline.map(|at| at.saturating_duration_since(started));
        if remaining == Some(Duration::ZERO) {
            return Err(Status::deadline_exceeded("deadline passed before sending"));
        }
        let result = async {
            let conn = self.connection(self.pick()).await?;
            let reply = conn
                .call(method.to_string(), payload, metadata, remaining)
                .await?;
            if reply.status.code == Code::Ok {
                Ok(reply.payload)
            } else {
                Err(reply.status)
            }
        }
        .await;
        if !interceptors.is_empty() {
            let status = result.as_ref().err().cloned().unwrap_or_else(Status::ok);
            interceptors.on_response(method, &status, started.elapsed());
        }
        result
    }
}

impl Channel for Client {
    fn codec(&self) -> CodecKind {
        self.inner.config.codec
    }

    async fn unary(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: CallOptions,
    ) -> Result<Bytes, Status> {
        let deadline = opts.deadline.and_then(|d| Instant::now().checked_add(d));
        let policy = self.inner.config.retry;
        let mut attempt = 1;
        loop {
            let result = self.attempt(method, payload.clone(), &opts, deadline).await;
            match result {
                Err(status)
                    if status.code == Code::Unavailable
                        && opts.idempotent
                        && attempt < policy.max_attempts =>
                {
                    tracing::debug!(method, attempt, %status, "retrying idempotent call");
                    tokio::time::sleep(policy.backoff.delay(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn server_stream(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: CallOptions,
    ) -> Result<RawStream, Status> {
        Ok(self.open_stream(method, payload, opts, false).await?.1)
    }

    async fn client_stream(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: CallOptions,
    ) -> Result<(RawSink, RawStream), Status> {
        let (sink, stream) = self.open_stream(method, payload, opts, true).await?;
        let sink = sink.ok_or_else(|| Status::internal("stream opened without its sender"))?;
        Ok((sink, stream))
    }
}

impl Client {
    /// Starts a streaming call: its receiving half, and with `sends` its
    /// sending half. Streams are not retried (items may have been used).
    async fn open_stream(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: CallOptions,
        sends: bool,
    ) -> Result<(Option<RawSink>, RawStream), Status> {
        let mut metadata = opts.metadata.clone();
        if !self.inner.interceptors.is_empty() {
            self.inner.interceptors.on_request(&mut CallInfo {
                method,
                metadata: &mut metadata,
            })?;
        }
        let conn = self.connection(self.pick()).await?;
        let started =
            conn.start_stream(method.to_string(), payload, metadata, opts.deadline, sends)?;
        let deadline = opts.deadline.and_then(|d| Instant::now().checked_add(d));
        let sink = started.credit.map(|credit| RawSink {
            conn: conn.clone(),
            id: started.id,
            credit,
            deadline,
            done: false,
        });
        let stream = RawStream {
            conn,
            id: started.id,
            rx: started.rx,
            allowed: started.allowed,
            consumed: Default::default(),
            done: false,
            deadline,
        };
        Ok((sink, stream))
    }
}
