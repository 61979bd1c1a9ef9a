//! One server connection: read frames, run each call in its own task, write
//! replies through the shared writer, obey cancels, deadlines and shutdown.
//!
//! ```text
//!  socket ─► FrameReader ─► handle() ─┬─ Request ─► spawn(run_call) ─► Service::call ─┐
//!     ▲ read only while the            ├─ Cancel  ─► abort that task                    │
//!     │ outbox has room                ├─ Credit  ─► add stream window                  │
//!     │                                └─ Ping    ─► Pong ─┐ push                       │ send (waits for room)
//!  socket ◄─ write_loop ◄───────────── outbox (bytes) ◄────┴────────────────────────────┘
//!              └─ written: bytes and the call's concurrency slot released
//! ```
//!
//! Memory per connection is bounded: the read buffer (64 KiB, larger
//! frames draw on the server-wide budget), the outbox (`max_outgoing_bytes`
//! plus a frame per waiting handler), and at most `max_concurrent_requests`
//! calls, each holding its slot until its reply is on the socket.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{self, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::Shared;
use super::input::InputRoute;
use crate::codec::CodecKind;
use crate::frame::{Frame, Request, Response};
use crate::interceptor::CallInfo;
use crate::io::{ConnError, FrameReader, Outbox, ReadLimits, outbox, write_loop};
use crate::metadata::Metadata;
use crate::service::{BoxFuture, Context, ErasedStream, RawIncoming, Reply, Service};
use crate::status::{Code, Status};
use crate::window::{SendWindow, cost};

/// A call being handled.
struct InFlight {
    /// Aborts the handler task (cancel frame, client gone, grace over).
    abort: AbortHandle,
    /// The stream window, once the handler turned out to be streaming.
    credit: Option<Arc<SendWindow>>,
    /// Where the client's stream goes, for methods that read one (until
    /// the client ends it).
    input: Option<InputRoute>,
}

/// State shared by the connection's reader and its call tasks.
struct Conn {
    /// Queue to the writer task, bounded in bytes.
    out: Outbox,
    /// Calls in flight by request id. A std Mutex: no await while held.
    inflight: Mutex<HashMap<u64, InFlight>>,
    /// The negotiated payload codec.
    codec: CodecKind,
    /// Routes, interceptors and limits.
    shared: Arc<Shared>,
    /// `max_concurrent_requests` permits; a call holds one until it ends.
    permits: Arc<Semaphore>,
}

impl Conn {
    /// Queues a frame the reader answers with (a pong, a refusal); the
    /// reader waited for room before reading the frame it answers.
    fn push(&self, frame: Frame) {
        self.out.push(frame);
    }

    /// Queues a reply from the reader (a refusal: no call was started).
    fn refuse(&self, id: u64, status: Status) {
        self.push(response(id, status, Bytes::new()));
    }

    /// Queues a handler's frame, waiting for room; `slot` is released when
    /// the frame is written. An error means the writer is gone (socket
    /// failed): the caller has nothing left to do.
    async fn send(&self, frame: Frame, slot: Option<OwnedSemaphorePermit>) {
        let _ = self.out.send(frame, slot).await;
    }

    fn inflight(&self) -> std::sync::MutexGuard<'_, HashMap<u64, InFlight>> {
        // A panicking handler never holds this lock, but do not turn a
        // poisoned map into a second panic either.
        self.inflight.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Serves one connection until the client leaves, sends garbage, or the
/// server stops.
pub(super) async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    codec: CodecKind,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let (rd, wr) = stream.into_split();
    let (out, rx) = outbox(shared.config.max_outgoing_bytes);
    let writer = tokio::spawn(write_loop(wr, rx));
    let max_concurrent = shared.config.max_concurrent_requests;
    let grace = shared.config.shutdown_grace;
    let limits = ReadLimits {
        max_frame: shared.config.max_frame,
        frame_timeout: Some(shared.config.frame_read_timeout),
        budget: Some(shared.read_budget.clone()),
        budget_bytes: shared.config.max_buffered_bytes,
    };
    let mut reader = FrameReader::new(rd, limits);
    let conn = Arc::new(Conn {
        out,
        inflight: Mutex::new(HashMap::new()),
        codec,
        permits: Arc::new(Semaphore::new(max_concurrent)),
        shared,
    });

    // Graceful shutdown: once `stop` fires, new requests are refused with
    // `Unavailable` (so a client retries them elsewhere) while cancels and
    // stream credit are still read, and the loop ends when every permit is
    // back, i.e. every in-flight call has replied, or when the grace ends.
    let all_permits = u32::try_from(max_concurrent).unwrap_or(u32::MAX);
    let mut stopping = *stop.borrow();
    let mut grace_end = Instant::now() + grace;
    loop {
        let frame = tokio::select! {
            biased;
            _ = stop.changed(), if !stopping => {
                stopping = true;
                grace_end = Instant::now() + grace;
                continue;
            }
            drained = conn.permits.acquire_many(all_permits), if stopping => {
                drop(drained);
                break;
            }
            _ = tokio::time::sleep_until(grace_end), if stopping => {
                tracing::warn!(%peer, "in-flight calls outlived the shutdown grace, aborting");
                abort_all(&conn);
                break;
            }
            // ANCHOR: backpressure
            // Backpressure: no room for replies, no reading. Both steps are
            // cancel-safe, so the branches above still fire while we wait.
            frame = async {
                if conn.out.room().await.map_err(|_| ConnError::WriterGone)? {
                    // We stopped reading, not the peer: a frame it had
                    // begun gets its full time again.
                    reader.restart_frame_clock();
                }
                reader.next().await
            } => frame,
            // ANCHOR_END: backpressure
        };
        let outcome = match frame {
            Ok(Some(Frame::Request(req))) if stopping => {
                conn.refuse(req.id, Status::unavailable("server is shutting down"));
                Ok(())
            }
            Ok(Some(frame)) => handle(&conn, frame),
            Ok(None) => Err("client closed the connection".to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(reason) = outcome {
            // The client is gone or broke the protocol: nobody will read the
            // replies, so stop the handlers now rather than finish them.
            if reason.starts_with("client closed") {
                tracing::debug!(%peer, %reason, "closing connection");
            } else {
                tracing::warn!(%peer, %reason, "closing connection");
            }
            abort_all(&conn);
            break;
        }
    }
    // The writer ends once every sender is gone: ours here, and the call
    // tasks' (aborted tasks drop theirs as they unwind).
    drop(conn);
    let abort = writer.abort_handle();
    if tokio::time::timeout(Duration::from_secs(5), writer)
        .await
        .is_err()
    {
        // A peer that does not read would keep the writer (and its queue)
        // alive forever: stop it, which frees what it holds.
        tracing::warn!(%peer, "writer did not finish flushing, dropping its queue");
        abort.abort();
    }
}

fn abort_all(conn: &Conn) {
    for (_, call) in conn.inflight().drain() {
        call.abort.abort();
    }
}

/// Acts on one frame from the client. `Err` closes the connection.
fn handle(conn: &Arc<Conn>, frame: Frame) -> Result<(), String> {
    match frame {
        Frame::Request(req) => start_call(conn, req),
        Frame::Cancel(id) => {
            if let Some(call) = conn.inflight().remove(&id) {
                call.abort.abort();
            }
        }
        Frame::Credit { id, n } => {
            if let Some(credit) = conn.inflight().get(&id).and_then(|c| c.credit.clone()) {
                credit.grant(n);
            }
        }
        Frame::StreamMessage { id, payload } => {
            if let Some(call) = conn.inflight().get(&id) {
                match &call.input {
                    Some(route) => route.message(id, payload)?,
                    None => return Err(format!("stream message for call {id}, which reads none")),
                }
            } // else: a late message for a call that already ended
        }
        Frame::StreamEnd { id, status } => {
            if let Some(route) = conn.inflight().get_mut(&id).and_then(|c| c.input.take()) {
                route.end(status);
            }
        }
        Frame::Ping(nonce) => conn.push(Frame::Pong(nonce)),
        Frame::Pong(_) => {}
        other => return Err(format!("unexpected frame from a client: {other:?}")),
    }
    Ok(())
}

/// Admits a request (limit, route, interceptors) and spawns its task.
fn start_call(conn: &Arc<Conn>, mut req: Request) {
    let Ok(permit) = conn.permits.clone().try_acquire_owned() else {
        let msg = "max_concurrent_requests reached on this connection";
        return conn.refuse(req.id, Status::resource_exhausted(msg));
    };
    let Some(service) = conn.shared.routes.get(&req.method).cloned() else {
        let msg = format!("no method {:?} on this server", req.method);
        return conn.refuse(req.id, Status::new(Code::Unimplemented, msg));
    };
    let interceptors = &conn.shared.interceptors;
    if !interceptors.is_empty() {
        let mut call = CallInfo {
            method: &req.method,
            metadata: &mut req.metadata,
        };
        if let Err(status) = interceptors.on_request(&mut call) {
            interceptors.on_response(&req.method, &status, Duration::ZERO);
            return conn.refuse(req.id, status);
        }
    }
    let id = req.id;
    let method = req.method.split_once('.').map_or("", |(_, m)| m);
    let (route, input) = if service.takes_stream(method) {
        // Weak: a handler outliving its connection must not keep it alive.
        let weak = Arc::downgrade(conn);
        let credit = move |n| {
            if let Some(conn) = weak.upgrade() {
                conn.push(Frame::Credit { id, n });
            }
        };
        let (route, input) = InputRoute::open(credit);
        (Some(route), Some(input))
    } else {
        (None, None)
    };
    // Lock before spawning and insert after: the task removes its own entry
    // when it ends, and must not be able to do so before the entry exists.
    let mut inflight = conn.inflight();
    if let Some(old) = inflight.remove(&id) {
        // A reused id while the first call runs is a client bug; the newest wins.
        old.abort.abort();
    }
    let task = tokio::spawn(run_call(conn.clone(), service, req, input, permit));
    inflight.insert(
        id,
        InFlight {
            abort: task.abort_handle(),
            credit: None,
            input: route,
        },
    );
}

// ANCHOR: run_call
/// Runs one call to the end and sends its reply. `slot` (its share of
/// `max_concurrent_requests`) travels with the last frame and is released
/// when that frame is written, so replies a client does not read keep
/// their slots and new calls are refused instead of queued.
async fn run_call(
    conn: Arc<Conn>,
    service: Arc<dyn Service>,
    req: Request,
    input: Option<RawIncoming>,
    slot: OwnedSemaphorePermit,
) {
    let started = Instant::now();
    // `checked_add`: the budget comes off the wire, and a huge one must mean
    // "no deadline", not an Instant overflow panic.
    let deadline = req.deadline.and_then(|d| started.checked_add(d));
    let method = req.method.split_once('.').map_or("", |(_, m)| m);
    let ctx = Context {
        deadline,
        metadata: req.metadata,
    };
    let call = CatchPanic(service.call(method, ctx, conn.codec, req.payload, input));
    let outcome = match deadline {
        Some(at) => tokio::time::timeout_at(at, call)
            .await
            .unwrap_or_else(|_| Err(Status::deadline_exceeded("handler ran past the deadline"))),
        None => call.await,
    };
    // ANCHOR_END: run_call
    let status = match outcome {
        Ok(Reply::Unary(payload)) => {
            conn.send(response(req.id, Status::ok(), payload), Some(slot))
                .await;
            Status::ok()
        }
        Ok(Reply::Stream(stream)) => {
            let pump = pump_stream(&conn, req.id, stream);
            let status = match deadline {
                Some(at) => tokio::time::timeout_at(at, pump)
                    .await
                    .unwrap_or_else(|_| Status::deadline_exceeded("stream ran past the deadline")),
                None => pump.await,
            };
            let end = Frame::StreamEnd {
                id: req.id,
                status: status.clone(),
            };
            conn.send(end, Some(slot)).await;
            status
        }
        Err(status) => {
            conn.send(response(req.id, status.clone(), Bytes::new()), Some(slot))
                .await;
            status
        }
    };
    let interceptors = &conn.shared.interceptors;
    if !interceptors.is_empty() {
        interceptors.on_response(&req.method, &status, started.elapsed());
    }
    conn.inflight().remove(&req.id);
}

/// Sends a stream's items, each only while the client's window is open.
/// Returns the status to end the stream with.
async fn pump_stream(conn: &Conn, id: u64, mut stream: Box<dyn ErasedStream>) -> Status {
    let window = Arc::new(SendWindow::new());
    if let Some(call) = conn.inflight().get_mut(&id) {
        call.credit = Some(window.clone());
    }
    let codec = conn.codec;
    loop {
        let item = std::future::poll_fn(|cx| stream.poll_next(cx, codec)).await;
        match item {
            Some(Ok(payload)) => {
                if window.reserve(cost(payload.len())).await.is_err() {
                    return Status::cancelled("stream window closed");
                }
                conn.send(Frame::StreamMessage { id, payload }, None).await;
            }
            Some(Err(status)) => return status,
            None => return Status::ok(),
        }
    }
}

fn response(id: u64, status: Status, payload: Bytes) -> Frame {
    Frame::Response(Response {
        id,
        status,
        metadata: Metadata::new(),
        payload,
    })
}

/// Turns a panic inside a handler into an `Internal` reply. Without it the
/// task would die silently and its caller wait until its deadline, or
/// forever. (tokio catches the panic at the task boundary, too late to answer.)
struct CatchPanic(BoxFuture<Result<Reply, Status>>);

impl Future for CatchPanic {
    type Output = Result<Reply, Status>;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        // A boxed future is Unpin, so no pin projection is needed.
        let fut = &mut self.get_mut().0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(_) => Poll::Ready(Err(Status::internal("the handler panicked"))),
        }
    }
}
