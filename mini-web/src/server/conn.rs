//! One connection: read, parse, dispatch, write — in a loop, in request order.
//!
//! Mirrors hyper's `proto::h1::Dispatcher`, simplified by one decision: a
//! connection handles its requests one at a time. Pipelined requests are
//! still fast, because responses are appended to one output buffer and
//! flushed only when no complete request is left in the read buffer — so
//! sixteen pipelined requests cost one `read` and one `write`, and responses
//! leave in request order by construction. After [`REQUESTS_PER_TURN`]
//! requests in a row the connection flushes and yields, so a deep pipeline
//! cannot keep the others on its thread waiting.
//!
//! ```text
//!      ┌────────────── more bytes ◄──── read (idle / head / body timeout)
//!      ▼                                   ▲ nothing complete: flush first
//!  parse_head ──► Framing::of ──► start_body ──► Router::dispatch ──► write_response
//!      │ error        │ error        │ error      ▲ feeds a streamed   │ close?
//!      └──────────────┴──────────────┴─► error    │ body meanwhile     │
//!                                    response, close ◄─────────────────┘
//! ```
//!
//! The request body ([`request_body`]) is handed over whole when it is
//! already buffered, else streamed while the handler runs; a streamed
//! response ([`response_body`]) is written chunk by chunk after the head;
//! every read goes through [`read`], under one lazily re-armed timer.

mod read;
mod request_body;
mod response_body;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use tokio::time::{Instant, Sleep, timeout};

use crate::handler::BoxFuture;
use crate::http::{
    Framing, HeaderSpan, Limits, Method, ParseError, StatusCode, Version, WriteOptions, parse_head,
    write_continue, write_response,
};
use crate::response::Response;
use crate::upgrade::{OnUpgrade, Upgraded};
use crate::{Request, Router};
use request_body::Feed;

/// Flush the output buffer early once it holds this much (deep pipelines).
const FLUSH_AT: usize = 64 * 1024;
/// Initial read-buffer capacity.
const READ_CHUNK: usize = 8 * 1024;
/// Most requests served before the task yields to the others on its thread.
///
/// Why a cap: a pipelining client keeps the read buffer full, so every read
/// and write is ready at once and the task never waits. tokio's cooperative
/// budget (128 I/O operations per poll) does force a yield eventually, but
/// with hundreds of requests per read that is tens of thousands of requests
/// later — other clients on the thread waited hundreds of milliseconds.
/// hyper's dispatcher does the same (16 turns of its loop, then yield).
/// The count restarts whenever a read has to wait (the task yielded then
/// anyway), so only a connection that never waits is ever made to yield:
/// a keep-alive client sending one request at a time never is. (Counting
/// its requests too put one in 32 behind a whole round of the other
/// connections — 3 % of requests, right where p99 is measured.)
const REQUESTS_PER_TURN: u32 = 32;

/// Why reading stopped.
enum ReadEnd {
    /// Got more bytes.
    Data,
    /// The peer closed (or reset) the connection.
    Eof,
    /// The deadline passed.
    Timeout,
    /// The server is shutting down and the connection was idle.
    Shutdown,
}

pub(crate) struct Conn<IO> {
    /// The socket.
    io: IO,
    /// Bytes read and not yet consumed.
    read: BytesMut,
    /// Responses waiting to be written.
    write: Vec<u8>,
    /// Reusable header spans for the parser.
    headers: Vec<HeaderSpan>,
    /// The limits in force.
    limits: Limits,
    /// Becomes `true` when the server starts its graceful shutdown.
    shutdown: watch::Receiver<bool>,
    /// Completes when the shutdown starts. Made once per connection and kept,
    /// so an idle wait does not clone the receiver and re-register a waiter
    /// on every request.
    stop_signal: Pin<Box<dyn Future<Output = ()> + Send>>,
    /// Set when a `101` was sent: what runs the connection from then on.
    upgrade: Option<OnUpgrade>,
    /// Requests served since the task last waited (see [`REQUESTS_PER_TURN`]).
    served_this_turn: u32,
    /// The read deadline's timer, kept for the connection's life and re-armed
    /// lazily (see [`read`]).
    timer: Pin<Box<Sleep>>,
    /// When `timer` fires (it may be earlier than the deadline in force).
    timer_at: Instant,
}

impl<IO: AsyncRead + AsyncWrite + Send + Unpin + 'static> Conn<IO> {
    pub(crate) fn new(io: IO, limits: Limits, shutdown: watch::Receiver<bool>) -> Conn<IO> {
        let first_deadline = Instant::now() + limits.keep_alive_timeout;
        Conn {
            io,
            read: BytesMut::with_capacity(READ_CHUNK),
            write: Vec::with_capacity(READ_CHUNK),
            headers: Vec::with_capacity(16),
            limits,
            stop_signal: {
                let mut rx = shutdown.clone();
                Box::pin(async move {
                    let _ = rx.wait_for(|stopping| *stopping).await;
                })
            },
            shutdown,
            upgrade: None,
            served_this_turn: 0,
            timer: Box::pin(tokio::time::sleep_until(first_deadline)),
            timer_at: first_deadline,
        }
    }

    /// Serves requests until the peer closes, an error closes, or shutdown;
    /// or until a `101` response, after which the connection is its upgrade
    /// callback's, run here on the same task.
    pub(crate) async fn run<S: Clone + Send + Sync + 'static>(mut self, app: &Router<S>) {
        if let Err(e) = self.serve(app).await {
            tracing::debug!(error = %e, "connection ended with an I/O error");
            return;
        }
        if let Some(on_upgrade) = self.upgrade.take() {
            let upgraded = Upgraded {
                io: Box::new(self.io),
                read_ahead: self.read,
            };
            on_upgrade.run(upgraded).await;
        }
    }

    async fn serve<S: Clone + Send + Sync + 'static>(
        &mut self,
        app: &Router<S>,
    ) -> std::io::Result<()> {
        let mut head_started: Option<Instant> = None;
        loop {
            // ANCHOR: fairness
            if self.served_this_turn == REQUESTS_PER_TURN {
                // Send what this turn produced, then let the other tasks run.
                self.flush().await?;
                tokio::task::yield_now().await;
                self.served_this_turn = 0;
            }
            // ANCHOR_END: fairness
            let parsed = match parse_head(&self.read, &self.limits, &mut self.headers) {
                Ok(parsed) => parsed,
                Err(e) => return self.refuse(e, Version::Http11).await,
            };
            let Some(head) = parsed else {
                // Nothing complete: send what we owe, then wait for bytes.
                self.flush().await?;
                if !self.read.is_empty() {
                    head_started.get_or_insert_with(Instant::now);
                }
                let deadline = match head_started {
                    Some(t) => t + self.limits.header_read_timeout,
                    None => Instant::now() + self.limits.keep_alive_timeout,
                };
                match self.read_more(deadline, self.read.is_empty()).await? {
                    ReadEnd::Data => {
                        head_started.get_or_insert_with(Instant::now);
                        continue;
                    }
                    ReadEnd::Timeout if head_started.is_some() => {
                        return self.refuse(ParseError::HeadTimeout, Version::Http11).await;
                    }
                    ReadEnd::Eof | ReadEnd::Timeout | ReadEnd::Shutdown => return Ok(()),
                }
            };
            head_started = None;
            self.served_this_turn += 1;

            // ANCHOR: request_cycle
            let framing = match Framing::of(&head, &self.headers, &self.read) {
                Ok(f) => f,
                Err(e) => return self.refuse(e, head.version).await,
            };
            let head_bytes = self.read.split_to(head.len).freeze();
            let headers = std::mem::replace(&mut self.headers, Vec::with_capacity(16));
            let (body, mut feed) = match self.start_body(framing) {
                Ok(started) => started,
                Err(e) => return self.refuse(e, head.version).await,
            };
            let req = Request::from_parts(head_bytes, &head, headers, body);

            let mut res = match feed.as_mut() {
                None => app.dispatch(req).await,
                Some(feed) => self.dispatch_feeding(app.dispatch(req), feed).await?,
            };
            let upgrade = res
                .upgrade
                .take()
                .filter(|_| res.status == StatusCode::SWITCHING_PROTOCOLS);
            let head_only = head.method == Method::Head;
            let (stream, stream_len) = match res.stream.take() {
                Some(s) => (s.take(), s.known_len()),
                None => (None, None),
            };
            let stream = stream.filter(|_| !head_only);
            // Full duplex: the streamed response may be made from the request
            // body (an echo), so that body keeps feeding while it streams.
            let duplex = stream.is_some() && feed.as_ref().is_some_and(|f| f.running());
            let body_settled = match feed.as_mut() {
                Some(feed) if !duplex => self.settle_body(feed),
                _ => true,
            };
            // Checked after the handler ran: a shutdown that began meanwhile closes this connection.
            let keep_alive = framing.keep_alive && body_settled && !*self.shutdown.borrow();
            // HTTP/1.0 has no chunked coding: a streamed body ends with the connection.
            let keep_alive = keep_alive
                && !(stream.is_some() && stream_len.is_none() && head.version == Version::Http10);
            let opts = WriteOptions {
                version: head.version,
                head_only,
                close: !keep_alive,
                upgrade: upgrade.is_some(),
                streamed: stream.is_some(),
                stream_len,
            };
            if duplex && feed.as_mut().is_some_and(Feed::owe_continue) {
                write_continue(&mut self.write);
            }
            write_response(&mut self.write, &res, opts);
            if let Some(rx) = stream {
                let feed = feed.as_mut().filter(|_| duplex);
                if !self.stream_body(rx, head.version, stream_len, feed).await? {
                    return Ok(()); // the client went away mid-stream, or the stream broke its length
                }
            }
            // A duplex body that did not end with the stream leaves no framing to trust.
            let keep_alive =
                keep_alive && (!duplex || feed.as_mut().is_some_and(|f| self.settle_body(f)));
            if upgrade.is_some() {
                // The 101 leaves now; from the next byte on, the connection is the callback's.
                self.flush().await?;
                self.upgrade = upgrade;
                return Ok(());
            }
            if !keep_alive {
                self.flush().await?;
                return self.close().await;
            }
            if self.write.len() >= FLUSH_AT {
                self.flush().await?;
            }
            // ANCHOR_END: request_cycle
        }
    }

    // ANCHOR: dispatch_feeding
    /// Runs the handler while feeding it its streamed body; returns its response.
    async fn dispatch_feeding(
        &mut self,
        mut handler: BoxFuture,
        feed: &mut Feed,
    ) -> std::io::Result<Response> {
        loop {
            if !feed.running() {
                return Ok(handler.await);
            }
            tokio::select! {
                // The handler first: once it has answered, feeding stops.
                biased;
                res = &mut handler => return Ok(res),
                step = self.feed_step(feed) => step?,
            }
        }
    }
    // ANCHOR_END: dispatch_feeding

    async fn send_continue(&mut self) -> std::io::Result<()> {
        write_continue(&mut self.write);
        self.flush().await
    }

    /// Writes the output buffer. A peer that stops reading stalls us here —
    /// which stops us reading its further requests (backpressure) — but
    /// only for `keep_alive_timeout`. Cancel-safe (a request body's
    /// `100 Continue` is flushed inside a select): what was written is
    /// removed from the buffer write by write, so nothing is sent twice.
    async fn flush(&mut self) -> std::io::Result<()> {
        let write_out = async {
            while !self.write.is_empty() {
                let n = self.io.write(&self.write).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::WriteZero.into());
                }
                // Nearly always the whole buffer: then this is a clear, not a move.
                self.write.drain(..n);
            }
            self.io.flush().await
        };
        match timeout(self.limits.keep_alive_timeout, write_out).await {
            Ok(result) => result,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "peer stopped reading",
            )),
        }
    }

    /// Answers a refused request with its status and closes.
    async fn refuse(&mut self, e: ParseError, version: Version) -> std::io::Result<()> {
        tracing::debug!(error = %e, "refusing request");
        let res = Response::text(e.status(), format!("{e}\n"));
        write_response(
            &mut self.write,
            &res,
            WriteOptions {
                version,
                head_only: false,
                close: true,
                upgrade: false,
                streamed: false,
                stream_len: None,
            },
        );
        self.flush().await?;
        self.close().await
    }

    /// Closes gracefully: shut our side, then drain what the peer still sends
    /// for a moment, so the kernel does not answer unread bytes with a reset
    /// that could destroy the response in flight ("lingering close", as
    /// Apache and hyper do).
    async fn close(&mut self) -> std::io::Result<()> {
        self.io.shutdown().await?;
        let mut sink = [0u8; 4096];
        let drain = async {
            let mut total = 0usize;
            while let Ok(n) = self.io.read(&mut sink).await {
                total += n;
                if n == 0 || total > 256 * 1024 {
                    break;
                }
            }
        };
        let _ = timeout(Duration::from_millis(500), drain).await;
        Ok(())
    }
}
