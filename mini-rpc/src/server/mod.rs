//! The server: accepts connections, negotiates the codec, and hands each
//! connection to `conn`, which dispatches calls to the registered services.
//!
//! Limits (named after the counterparts' settings):
//!
//! | limit | ours (default) | counterpart |
//! |---|---|---|
//! | `max_concurrent_requests` per connection | 1024, beyond: `ResourceExhausted` | tarpc `max_in_flight_requests`; gRPC `MAX_CONCURRENT_STREAMS` (100 in many servers) |
//! | `max_connections` per server | 10 000, beyond: preface status BUSY, then close | tonic: none built in (tower `ConcurrencyLimit`) |
//! | `max_frame` | 16 MiB | gRPC 4 MiB receive; tarpc none |
//! | `max_outgoing_bytes` per connection | 1 MiB queued replies; beyond: handlers wait and the connection is not read | Redis `client-output-buffer-limit normal 0 0 0` (none); HTTP/2 connection window 64 KiB; tarpc `pending_response_buffer` 100 replies |
//! | `frame_read_timeout` | 30 s from a frame's first byte to its last, then close | Redis none; nginx `client_body_timeout` 60 s between reads |
//! | `max_buffered_bytes` per server | 256 MiB of large frames being read; beyond: those reads wait | Redis `client-query-buffer-limit` 1 GB per client; tonic none |
//! | `shutdown_grace` | 30 s to drain in-flight calls | tonic `serve_with_shutdown` waits without bound |

mod conn;
mod input;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::codec::CodecKind;
use crate::frame::{DEFAULT_MAX_FRAME, PREFACE_LEN, Preface, VERSION, preface_status};
use crate::interceptor::{Chain, Interceptor};
use crate::service::Service;

/// Server settings, all with documented defaults.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Calls handled at once on one connection; more are refused with `ResourceExhausted`.
    pub max_concurrent_requests: usize,
    /// Connections served at once; more are refused at the preface.
    pub max_connections: usize,
    /// Largest frame accepted, length field included.
    pub max_frame: usize,
    /// Bytes of replies queued on one connection before its handlers wait
    /// and its reader stops reading (backpressure on a client that does not
    /// read its replies).
    pub max_outgoing_bytes: usize,
    /// Time a frame may take from its first byte to its last; past it the
    /// connection is closed (a peer that sent half a frame and stalled).
    pub frame_read_timeout: Duration,
    /// Bytes all connections together may buffer for large frames being
    /// read (those over 64 KiB); a reader that finds none left waits.
    pub max_buffered_bytes: usize,
    /// How long graceful shutdown waits for in-flight calls before aborting them.
    pub shutdown_grace: Duration,
    /// Codecs this server accepts.
    pub codecs: Vec<CodecKind>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_concurrent_requests: 1024,
            max_connections: 10_000,
            max_frame: DEFAULT_MAX_FRAME,
            max_outgoing_bytes: 1024 * 1024,
            frame_read_timeout: Duration::from_secs(30),
            max_buffered_bytes: 256 * 1024 * 1024,
            shutdown_grace: Duration::from_secs(30),
            codecs: CodecKind::ALL.to_vec(),
        }
    }
}

/// Everything connections share: the method table, the interceptors, the config.
pub(crate) struct Shared {
    /// `Service.method` → the service that answers it.
    pub(crate) routes: HashMap<String, Arc<dyn Service>>,
    /// Server-side interceptors.
    pub(crate) interceptors: Chain,
    /// The settings.
    pub(crate) config: ServerConfig,
    /// `max_buffered_bytes` as a semaphore of bytes, shared by all readers.
    pub(crate) read_budget: Arc<Semaphore>,
}

/// Collects services, interceptors and limits, then serves (tonic's `Server::builder()`).
#[derive(Default)]
pub struct ServerBuilder {
    routes: HashMap<String, Arc<dyn Service>>,
    interceptors: Chain,
    config: ServerConfig,
}

impl ServerBuilder {
    /// Adds a service; its methods become `Name.method`. A later service with
    /// the same method name replaces the earlier one.
    pub fn add_service(mut self, service: impl Service) -> Self {
        let service: Arc<dyn Service> = Arc::new(service);
        for method in service.methods() {
            let route = format!("{}.{method}", service.name());
            self.routes.insert(route, service.clone());
        }
        self
    }

    /// Adds an interceptor (run after those added before it).
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(interceptor);
        self
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets `max_concurrent_requests` (per connection, at least 1).
    pub fn max_concurrent_requests(mut self, n: usize) -> Self {
        self.config.max_concurrent_requests = n.max(1);
        self
    }

    /// Sets `max_connections` (at least 1).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.config.max_connections = n.max(1);
        self
    }

    /// Sets `max_frame`, the largest frame accepted.
    pub fn max_frame(mut self, bytes: usize) -> Self {
        self.config.max_frame = bytes;
        self
    }

    /// Sets `max_outgoing_bytes`, the per-connection bound on queued replies.
    pub fn max_outgoing_bytes(mut self, bytes: usize) -> Self {
        self.config.max_outgoing_bytes = bytes.max(1);
        self
    }

    /// Sets `frame_read_timeout`.
    pub fn frame_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.frame_read_timeout = timeout;
        self
    }

    /// Sets `max_buffered_bytes`, the server-wide bound on large frames being read.
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.config.max_buffered_bytes = bytes;
        self
    }

    /// Sets the shutdown grace period.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.config.shutdown_grace = grace;
        self
    }

    /// The finished server.
    pub fn build(self) -> Server {
        // The semaphore's ceiling; far above any sane budget.
        let budget = self.config.max_buffered_bytes.min(Semaphore::MAX_PERMITS);
        Server {
            shared: Arc::new(Shared {
                routes: self.routes,
                interceptors: self.interceptors,
                read_budget: Arc::new(Semaphore::new(budget)),
                config: self.config,
            }),
        }
    }
}

/// A configured server; cheap to clone, serve on as many listeners as you like.
#[derive(Clone)]
pub struct Server {
    shared: Arc<Shared>,
}

impl Server {
    /// A builder with default limits and no services.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Serves until the process ends.
    pub async fn serve(&self, listener: TcpListener) -> std::io::Result<()> {
        self.serve_with_shutdown(listener, std::future::pending())
            .await
    }

    /// Serves until `signal` completes, then shuts down gracefully: stops
    /// accepting, stops reading new calls, lets in-flight calls finish (up
    /// to `shutdown_grace`), flushes their replies and closes.
    pub async fn serve_with_shutdown(
        &self,
        listener: TcpListener,
        signal: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let slots = Arc::new(Semaphore::new(self.shared.config.max_connections));
        let mut conns = JoinSet::new();
        tokio::pin!(signal);
        loop {
            tokio::select! {
                _ = &mut signal => break,
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(pair) => pair,
                        // EMFILE and friends: log, back off a little, keep serving.
                        Err(e) => {
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let slot = slots.clone().try_acquire_owned().ok();
                    let shared = self.shared.clone();
                    let stop = stop_rx.clone();
                    conns.spawn(async move {
                        let Some(_slot) = slot else {
                            tracing::warn!(%peer, "max_connections reached, refusing");
                            let mut stream = stream;
                            let mut raw = [0u8; PREFACE_LEN];
                            // Read the client's preface first so that closing does not reset
                            // the connection before the client reads our answer.
                            let _ = tokio::time::timeout(Duration::from_secs(1), stream.read_exact(&mut raw)).await;
                            refuse(stream, preface_status::BUSY).await;
                            return;
                        };
                        match handshake(stream, &shared.config).await {
                            Ok((stream, codec)) => conn::run(stream, peer, codec, shared, stop).await,
                            Err(reason) => tracing::warn!(%peer, %reason, "handshake refused"),
                        }
                    });
                }
                // Reap finished connection tasks so the set does not grow.
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
        drop(listener);
        let _ = stop_tx.send(true);
        let grace = self.shared.config.shutdown_grace + Duration::from_secs(1);
        if tokio::time::timeout(grace, async { while conns.join_next().await.is_some() {} })
            .await
            .is_err()
        {
            tracing::warn!("connections still open after the grace period, aborting them");
            conns.abort_all();
        }
        Ok(())
    }
}

/// Reads the client's preface and answers it. A wrong magic or version, or a
/// codec we do not have, is refused with a status byte and the connection closed.
async fn handshake(
    mut stream: TcpStream,
    config: &ServerConfig,
) -> Result<(TcpStream, CodecKind), String> {
    let mut raw = [0u8; PREFACE_LEN];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_exact(&mut raw)).await;
    match read {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(format!("reading preface: {e}")),
        Err(_) => return Err("no preface within 10s".into()),
    }
    let preface = Preface::parse(&raw).map_err(|e| e.to_string())?;
    if preface.version != VERSION {
        refuse(stream, preface_status::BAD_VERSION).await;
        return Err(format!("version {} (we speak {VERSION})", preface.version));
    }
    let codec = CodecKind::from_id(preface.codec).filter(|c| config.codecs.contains(c));
    let Some(codec) = codec else {
        refuse(stream, preface_status::UNSUPPORTED_CODEC).await;
        return Err(format!("unsupported codec id {}", preface.codec));
    };
    let reply = Preface {
        version: VERSION,
        codec: codec.id(),
        status: preface_status::ACCEPTED,
    };
    stream
        .write_all(&reply.to_bytes())
        .await
        .map_err(|e| format!("writing preface: {e}"))?;
    Ok((stream, codec))
}

/// Sends a refusing preface and closes.
async fn refuse(mut stream: TcpStream, status: u8) {
    let reply = Preface {
        version: VERSION,
        codec: 0,
        status,
    };
    let _ = stream.write_all(&reply.to_bytes()).await;
    let _ = stream.shutdown().await;
}
