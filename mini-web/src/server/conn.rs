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
//!  parse_head ──► Framing::of ──► read body ──► Router::dispatch ──► write_response
//!      │ error        │ error        │ error                          │ close?
//!      └──────────────┴──────────────┴─► error response, close ◄──────┘
//! ```

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use tokio::time::{Instant, timeout, timeout_at};

use crate::http::{
    BodyKind, ChunkedDecoder, Framing, HeaderSpan, Limits, Method, ParseError, StatusCode, Version,
    WriteOptions, parse_head, write_chunk, write_continue, write_last_chunk, write_response,
};
use crate::response::Response;
use crate::upgrade::{OnUpgrade, Upgraded};
use crate::{Request, Router};

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
/// The count is not reset when a read waits (we cannot tell a read that
/// waited from one that was ready without wrapping the socket), so a quiet
/// keep-alive client pays one extra yield per 32 requests: noise.
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
}

impl<IO: AsyncRead + AsyncWrite + Send + Unpin + 'static> Conn<IO> {
    pub(crate) fn new(io: IO, limits: Limits, shutdown: watch::Receiver<bool>) -> Conn<IO> {
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
        let mut this_turn = 0u32;
        loop {
            // ANCHOR: fairness
            if this_turn == REQUESTS_PER_TURN {
                // Send what this turn produced, then let the other tasks run.
                self.flush().await?;
                tokio::task::yield_now().await;
                this_turn = 0;
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
            this_turn += 1;

            // ANCHOR: request_cycle
            let framing = match Framing::of(&head, &self.headers, &self.read) {
                Ok(f) => f,
                Err(e) => return self.refuse(e, head.version).await,
            };
            let head_bytes = self.read.split_to(head.len).freeze();
            let headers = std::mem::replace(&mut self.headers, Vec::with_capacity(16));
            let body = match self.read_body(framing).await? {
                Ok(Some(body)) => body,
                Ok(None) => return Ok(()), // peer went away mid-body
                Err(e) => return self.refuse(e, head.version).await,
            };
            let req = Request::from_parts(head_bytes, &head, headers, body);

            let mut res = app.dispatch(req).await;
            // Checked after the handler ran: a shutdown that began meanwhile closes this connection.
            let keep_alive = framing.keep_alive && !*self.shutdown.borrow();
            let upgrade = res
                .upgrade
                .take()
                .filter(|_| res.status == StatusCode::SWITCHING_PROTOCOLS);
            let head_only = head.method == Method::Head;
            let stream = res
                .stream
                .take()
                .and_then(|s| s.take())
                .filter(|_| !head_only);
            // HTTP/1.0 has no chunked coding: a streamed body ends with the connection.
            let keep_alive = keep_alive && !(stream.is_some() && head.version == Version::Http10);
            let opts = WriteOptions {
                version: head.version,
                head_only,
                close: !keep_alive,
                upgrade: upgrade.is_some(),
                streamed: stream.is_some(),
            };
            write_response(&mut self.write, &res, opts);
            if let Some(rx) = stream
                && !self.stream_body(rx, head.version).await?
            {
                return Ok(()); // the client went away mid-stream
            }
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

    /// Sends a streamed body as its chunks arrive, then its end. Meanwhile
    /// the socket is watched, so that a client that goes away ends the
    /// stream at once (the producer sees its channel closed) rather than at
    /// the next chunk. `Ok(false)`: the client went away.
    async fn stream_body(
        &mut self,
        mut rx: tokio::sync::mpsc::Receiver<Bytes>,
        version: Version,
    ) -> std::io::Result<bool> {
        self.flush().await?;
        loop {
            // Bytes the client sends meanwhile (a pipelined request) stay
            // buffered for after the stream; past one head's worth, stop reading.
            let watch = self.read.len() < self.limits.max_head_bytes;
            let far = Instant::now() + Duration::from_secs(24 * 3600);
            let chunk = tokio::select! {
                chunk = rx.recv() => chunk,
                end = self.read_more(far, false), if watch => match end? {
                    ReadEnd::Data => continue,
                    _ => return Ok(false),
                },
            };
            match chunk {
                Some(data) => write_chunk(&mut self.write, &data, version),
                None => {
                    write_last_chunk(&mut self.write, version);
                    return Ok(true);
                }
            }
            self.flush().await?;
        }
    }

    /// Reads the body `framing` announces. `Ok(Ok(None))`: the peer closed mid-body.
    async fn read_body(
        &mut self,
        framing: Framing,
    ) -> std::io::Result<Result<Option<Bytes>, ParseError>> {
        let max = self.limits.max_body_bytes;
        match framing.body {
            BodyKind::Empty => Ok(Ok(Some(Bytes::new()))),
            BodyKind::Length(n) => {
                let Some(n) = usize::try_from(n).ok().filter(|&n| n <= max) else {
                    // Refused before reading a byte of it, and before any `100 Continue`.
                    return Ok(Err(ParseError::BodyTooLarge));
                };
                if framing.expect_continue && self.read.len() < n {
                    self.send_continue().await?;
                }
                while self.read.len() < n {
                    self.read.reserve(n - self.read.len());
                    let deadline = Instant::now() + self.limits.keep_alive_timeout;
                    match self.read_more(deadline, false).await? {
                        ReadEnd::Data => {}
                        _ => return Ok(Ok(None)),
                    }
                }
                Ok(Ok(Some(self.read.split_to(n).freeze())))
            }
            BodyKind::Chunked => {
                if framing.expect_continue && self.read.is_empty() {
                    self.send_continue().await?;
                }
                let mut decoder = ChunkedDecoder::new();
                let mut out = BytesMut::new();
                loop {
                    match decoder.decode(&mut self.read, &mut out, &self.limits) {
                        Ok(true) => return Ok(Ok(Some(out.freeze()))),
                        Ok(false) => {}
                        Err(e) => return Ok(Err(e)),
                    }
                    let deadline = Instant::now() + self.limits.keep_alive_timeout;
                    match self.read_more(deadline, false).await? {
                        ReadEnd::Data => {}
                        _ => return Ok(Ok(None)),
                    }
                }
            }
        }
    }

    async fn send_continue(&mut self) -> std::io::Result<()> {
        write_continue(&mut self.write);
        self.flush().await
    }

    /// Reads once into the buffer, until `deadline`. When `idle`, a graceful
    /// shutdown also ends the wait.
    async fn read_more(&mut self, deadline: Instant, idle: bool) -> std::io::Result<ReadEnd> {
        if idle && *self.shutdown.borrow() {
            return Ok(ReadEnd::Shutdown);
        }
        if self.read.capacity() - self.read.len() < 1024 {
            self.read.reserve(READ_CHUNK);
        }
        let read = timeout_at(deadline, self.io.read_buf(&mut self.read));
        let result = if idle {
            // After the signal fires the connection ends (Shutdown), so the
            // completed future is never polled again.
            tokio::select! {
                r = read => r,
                () = &mut self.stop_signal => return Ok(ReadEnd::Shutdown),
            }
        } else {
            read.await
        };
        match result {
            Err(_) => Ok(ReadEnd::Timeout),
            Ok(Ok(0)) => Ok(ReadEnd::Eof),
            Ok(Ok(_)) => Ok(ReadEnd::Data),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(ReadEnd::Eof),
            Ok(Err(e)) => Err(e),
        }
    }

    /// Writes the output buffer. A peer that stops reading stalls us here —
    /// which stops us reading its further requests (backpressure) — but
    /// only for `keep_alive_timeout`.
    async fn flush(&mut self) -> std::io::Result<()> {
        if self.write.is_empty() {
            return Ok(());
        }
        match timeout(
            self.limits.keep_alive_timeout,
            self.io.write_all(&self.write),
        )
        .await
        {
            Ok(result) => result?,
            Err(_) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "peer stopped reading",
                ));
            }
        }
        self.write.clear();
        Ok(())
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
