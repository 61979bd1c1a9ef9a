//! One client connection: the multiplexer.
//!
//! Every call takes a fresh request id, parks a oneshot sender in the
//! `pending` map under that id, and queues its request frame. One reader
//! task reads replies and completes whichever call each reply names, in
//! whatever order they come (tarpc's `RequestDispatch`, gRPC's stream ids).
//!
//! ```text
//!  call(a) ─┐ id=1 ─► pending{1: tx_a}                      ┌─► tx_a.send(resp 1)
//!  call(b) ─┼─ frames ─► write_loop ─► socket ─► … ─► reader ┤
//!  call(c) ─┘ id=3 ─► pending{3: tx_c}                      └─► tx_c.send(resp 3)
//! ```
//!
//! This file dials, registers calls and queues their frames; `reader`
//! routes what comes back.

mod reader;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use crate::codec::CodecKind;
use crate::frame::{Frame, PREFACE_LEN, Preface, Request, Response, VERSION, preface_status};
use crate::io::{FrameReader, Outbox, ReadLimits, outbox, write_loop};
use crate::metadata::Metadata;
use crate::status::Status;
use crate::window::{Allowance, SendWindow};

/// What a waiting call receives.
pub(crate) enum Pending {
    /// A unary call (or a ping): completed by one Response (or Pong).
    Unary(oneshot::Sender<Result<Response, Status>>),
    /// A streaming call (server, client or bidirectional streaming): fed
    /// each message, then its end or its reply.
    Stream {
        /// To the call's [`super::RawStream`].
        tx: mpsc::UnboundedSender<StreamEvent>,
        /// The server's window for this stream, as we granted it.
        allowed: Arc<Allowance>,
    },
}

/// One event of a server stream, as the reader hands it over.
pub(crate) enum StreamEvent {
    /// An encoded item.
    Message(Bytes),
    /// The end: Ok, or the error that ended it.
    End(Status),
    /// A unary reply ending the call (a client-streaming call's result,
    /// or a refusal before the first item).
    Reply(Response),
}

/// The pending map and whether the connection has died, under one lock so
/// that no call can register after the reader has failed everyone.
struct State {
    /// Calls waiting for a reply, by request id.
    pending: HashMap<u64, Pending>,
    /// For calls that send a stream: the credit the server granted.
    /// Closed when the call ends, which fails a sender waiting on it.
    sinks: HashMap<u64, Arc<SendWindow>>,
    /// Set (under the lock) when the reader stops.
    closed: bool,
}

/// A live connection to one server.
///
/// Only this struct holds the writer's queue: dropping the last handle ends
/// the writer, which shuts the socket's write half, the server closes, and
/// the reader (which holds only [`Inner`]) sees the end. So an unused
/// client cleans up after itself without a close call.
pub(crate) struct Connection {
    /// Queue to the writer task, bounded in bytes: a call waits (within
    /// its deadline) while a server that does not read holds the queue full.
    out: Outbox,
    /// What the reader task shares.
    inner: Arc<Inner>,
}

/// The part of a connection the reader task needs.
struct Inner {
    /// Waiting calls.
    state: Mutex<State>,
    /// The next request id; ids are never reused on a connection.
    next_id: AtomicU64,
    /// A lock-free copy of `State::closed` for the per-call health check.
    closed: AtomicBool,
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Connection {
    /// Connects, negotiates `codec`, and starts the reader and writer tasks.
    pub(crate) async fn connect(
        addr: SocketAddr,
        codec: CodecKind,
        max_frame: usize,
        max_outgoing_bytes: usize,
        timeout: Duration,
    ) -> Result<Arc<Connection>, Status> {
        let fail = |what: String| Status::unavailable(format!("{addr}: {what}"));
        let handshake = async {
            let mut stream = TcpStream::connect(addr)
                .await
                .map_err(|e| fail(e.to_string()))?;
            let _ = stream.set_nodelay(true);
            let preface = Preface {
                version: VERSION,
                codec: codec.id(),
                status: 0,
            };
            stream
                .write_all(&preface.to_bytes())
                .await
                .map_err(|e| fail(e.to_string()))?;
            let mut raw = [0u8; PREFACE_LEN];
            stream
                .read_exact(&mut raw)
                .await
                .map_err(|e| fail(format!("reading preface: {e}")))?;
            let reply = Preface::parse(&raw).map_err(|e| fail(e.to_string()))?;
            match reply.status {
                preface_status::ACCEPTED => Ok(stream),
                preface_status::BUSY => Err(Status::resource_exhausted(format!(
                    "{addr}: server at max_connections"
                ))),
                other => Err(Status::new(
                    crate::status::Code::FailedPrecondition,
                    format!("{addr}: server refused the preface (status {other})"),
                )),
            }
        };
        let stream = tokio::time::timeout(timeout, handshake)
            .await
            .map_err(|_| fail(format!("connect timed out after {timeout:?}")))??;

        let (rd, wr) = stream.into_split();
        let (out, rx) = outbox(max_outgoing_bytes);
        let inner = Arc::new(Inner {
            state: Mutex::new(State {
                pending: HashMap::new(),
                sinks: HashMap::new(),
                closed: false,
            }),
            next_id: AtomicU64::new(1),
            closed: AtomicBool::new(false),
        });
        let conn = Arc::new(Connection {
            out,
            inner: inner.clone(),
        });
        tokio::spawn(async move {
            if let Err(e) = write_loop(wr, rx).await {
                tracing::debug!(%addr, error = %e, "writer stopped");
            }
        });
        let reader = FrameReader::new(rd, ReadLimits::max_frame(max_frame));
        tokio::spawn(reader::read_loop(inner, reader, addr));
        Ok(conn)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state()
    }

    /// Whether the reader has stopped (the connection is unusable).
    pub(crate) fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// Registers a waiter and returns its fresh id.
    fn register(&self, pending: Pending) -> Result<u64, Status> {
        self.register_with(pending, None)
    }

    /// Registers a waiter, and the window of the stream it sends if any,
    /// under one lock: a connection failing meanwhile closes both, so no
    /// sender is left waiting on a window nobody will close.
    fn register_with(
        &self,
        pending: Pending,
        sink: Option<Arc<SendWindow>>,
    ) -> Result<u64, Status> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let mut state = self.state();
        if state.closed {
            return Err(Status::unavailable("connection closed"));
        }
        state.pending.insert(id, pending);
        if let Some(window) = sink {
            state.sinks.insert(id, window);
        }
        Ok(id)
    }

    /// Forgets call `id`; if it was still waiting, tells the server to stop.
    pub(crate) fn cancel(&self, id: u64) {
        let waiting = {
            let mut state = self.state();
            if let Some(credit) = state.sinks.remove(&id) {
                credit.close();
            }
            state.pending.remove(&id).is_some()
        };
        if waiting {
            self.out.push(Frame::Cancel(id));
        }
    }

    /// Queues a stream message, waiting while the outbox is full.
    pub(crate) async fn send_waiting(&self, frame: Frame) -> Result<(), Status> {
        self.out
            .send(frame, None)
            .await
            .map_err(|_| Status::unavailable("connection closed"))
    }

    /// Sends a small frame for an already registered call (credit), or a
    /// request whose caller does not wait (a stream's first frame).
    pub(crate) fn send(&self, frame: Frame) {
        self.out.push(frame);
    }

    // ANCHOR: call
    /// One unary call. Dropping the future before it completes, or its
    /// deadline passing, sends a `Cancel` frame.
    pub(crate) async fn call(
        &self,
        method: String,
        payload: Bytes,
        metadata: Metadata,
        deadline: Option<Duration>,
    ) -> Result<Response, Status> {
        let (tx, rx) = oneshot::channel();
        let id = self.register(Pending::Unary(tx))?;
        let guard = CancelOnDrop { conn: self, id };
        let request = Frame::Request(Request {
            id,
            method,
            deadline,
            metadata,
            payload,
        });
        // Waiting for room in the queue counts against the deadline too.
        let exchange = async {
            if self.out.send(request, None).await.is_err() {
                return Ok(Err(Status::unavailable("connection closed")));
            }
            rx.await
        };
        let reply = match deadline {
            Some(d) => match tokio::time::timeout(d, exchange).await {
                Ok(reply) => reply,
                // The guard, dropped on return, sends the cancel.
                Err(_) => return Err(Status::deadline_exceeded(format!("no reply within {d:?}"))),
            },
            None => exchange.await,
        };
        std::mem::forget(guard); // the reader already removed the entry
        reply.unwrap_or_else(|_| Err(Status::unavailable("connection lost")))
    }

    // ANCHOR_END: call

    /// Starts a streaming call; events arrive on the returned receiver.
    /// With `sends`, the call also sends a stream, paced by the returned
    /// window (the server's grants).
    pub(crate) fn start_stream(
        &self,
        method: String,
        payload: Bytes,
        metadata: Metadata,
        deadline: Option<Duration>,
        sends: bool,
    ) -> Result<StartedStream, Status> {
        let (tx, rx) = mpsc::unbounded_channel();
        let allowed = Arc::new(Allowance::new());
        let pending = Pending::Stream {
            tx,
            allowed: allowed.clone(),
        };
        let credit = sends.then(|| Arc::new(SendWindow::new()));
        let id = self.register_with(pending, credit.clone())?;
        self.send(Frame::Request(Request {
            id,
            method,
            deadline,
            metadata,
            payload,
        }));
        Ok(StartedStream {
            id,
            rx,
            allowed,
            credit,
        })
    }

    /// Round trip of a Ping frame.
    pub(crate) async fn ping(&self) -> Result<(), Status> {
        let (tx, rx) = oneshot::channel();
        let id = self.register(Pending::Unary(tx))?;
        let _guard = CancelOnDrop { conn: self, id };
        self.send(Frame::Ping(id));
        rx.await
            .unwrap_or_else(|_| Err(Status::unavailable("connection lost")))
            .map(drop)
    }
}

impl Connection {
    /// Pings the server every `every`; a Pong that does not come within
    /// `every` marks the connection dead, failing its calls with
    /// `Unavailable` so they can be retried on a fresh connection. This is
    /// how a peer that vanished without closing (power loss, a dropped
    /// route) is noticed by calls that have no deadline (gRPC keepalive).
    pub(crate) fn spawn_keepalive(self: &Arc<Self>, every: Duration, addr: SocketAddr) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                // Gone or closed: the keepalive ends with its connection.
                let Some(conn) = weak.upgrade().filter(|c| !c.is_closed()) else {
                    return;
                };
                if !matches!(tokio::time::timeout(every, conn.ping()).await, Ok(Ok(()))) {
                    tracing::warn!(%addr, ?every, "keepalive: no pong, closing the connection");
                    let msg = format!("{addr}: keepalive: no pong within {every:?}");
                    conn.inner.fail_all(Status::unavailable(msg));
                    return;
                }
            }
        });
    }
}

/// A streaming call just started.
pub(crate) struct StartedStream {
    /// Its request id.
    pub(crate) id: u64,
    /// Its events.
    pub(crate) rx: mpsc::UnboundedReceiver<StreamEvent>,
    /// The window granted to the server (raised when granting credit).
    pub(crate) allowed: Arc<Allowance>,
    /// For a call that sends a stream: the server's window for it.
    pub(crate) credit: Option<Arc<SendWindow>>,
}

/// Cancels a call whose future is dropped before its reply arrived.
struct CancelOnDrop<'a> {
    conn: &'a Connection,
    id: u64,
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        self.conn.cancel(self.id);
    }
}
