//! The client end of a client stream: items sent only as the server's
//! window allows, a clean end (half-close) on `finish` or drop.
//!
//! ```text
//!  send(item) ─► wait for an open window (64 KiB to start) ─► StreamMessage ─► server
//!                  ▲ Credit(n) as the handler consumes                       │
//!                  └───────────────────────────────────────────────────────┘
//!  finish() / drop ─► StreamEnd(Ok)       server replies or ends ─► credit closed ─► send fails
//! ```

use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::conn::Connection;
use super::stream::RawStream;
use crate::codec::CodecKind;
use crate::frame::Frame;
use crate::status::{Code, Status};
use crate::window::{SendWindow, cost};

/// The sending half of a client or bidirectional stream, undecoded.
pub struct RawSink {
    /// The connection the call lives on.
    pub(crate) conn: Arc<Connection>,
    /// The call's request id.
    pub(crate) id: u64,
    /// The server's window for this stream. Closed when the call ends.
    pub(crate) credit: Arc<SendWindow>,
    /// When the caller stops waiting.
    pub(crate) deadline: Option<Instant>,
    /// Set once the end was sent.
    pub(crate) done: bool,
}

impl RawSink {
    /// Sends one encoded item, waiting while the server's window is used up.
    pub async fn send(&mut self, payload: Bytes) -> Result<(), Status> {
        if self.done {
            return Err(Status::new(
                Code::FailedPrecondition,
                "the stream was finished",
            ));
        }
        let reserve = self.credit.reserve(cost(payload.len()));
        let reserved = match self.deadline {
            Some(at) => tokio::time::timeout_at(at, reserve)
                .await
                .map_err(|_| Status::deadline_exceeded("no stream credit before the deadline"))?,
            None => reserve.await,
        };
        if reserved.is_err() {
            return Err(Status::cancelled("the call ended; its reply says why"));
        }
        self.conn
            .send_waiting(Frame::StreamMessage {
                id: self.id,
                payload,
            })
            .await
    }

    /// Ends the stream cleanly (the server's stream sees its end).
    pub fn finish(&mut self) {
        if !self.done {
            self.done = true;
            self.conn.send(Frame::StreamEnd {
                id: self.id,
                status: Status::ok(),
            });
        }
    }
}

impl Drop for RawSink {
    /// Dropping the sender is a clean end, as when a tonic request stream
    /// ends; cancelling is dropping the receiving side.
    fn drop(&mut self) {
        self.finish();
    }
}

/// The typed sending half, as returned by a generated client method.
pub struct ClientSink<T> {
    raw: RawSink,
    codec: CodecKind,
    _item: PhantomData<fn(T)>,
}

impl<T: Serialize> ClientSink<T> {
    /// Wraps a raw sink sending `T`s in `codec`.
    pub fn new(raw: RawSink, codec: CodecKind) -> ClientSink<T> {
        ClientSink {
            raw,
            codec,
            _item: PhantomData,
        }
    }

    /// Sends one item, waiting while the server's window is used up.
    pub async fn send(&mut self, item: T) -> Result<(), Status> {
        let payload = self.codec.encode(&item)?;
        self.raw.send(payload).await
    }

    /// Ends the stream cleanly; dropping the sink does the same.
    pub fn finish(&mut self) {
        self.raw.finish();
    }
}

/// A client-streaming call in progress (`async fn upload(items:
/// Streaming<T>) -> R`): send the items, then `finish` for the result.
/// Dropping it unfinished cancels the call.
pub struct Upload<T, R> {
    sink: ClientSink<T>,
    reply: RawStream,
    /// A reply that came before the end (the server stopped reading early),
    /// kept for `finish`.
    early: Option<Result<Bytes, Status>>,
    codec: CodecKind,
    _reply: PhantomData<fn() -> R>,
}

impl<T: Serialize, R: DeserializeOwned> Upload<T, R> {
    /// Wraps the two halves of a call (used by generated code).
    pub fn new(sink: RawSink, reply: RawStream, codec: CodecKind) -> Upload<T, R> {
        Upload {
            sink: ClientSink::new(sink, codec),
            reply,
            early: None,
            codec,
            _reply: PhantomData,
        }
    }

    /// Sends one item. If the server already ended the call (it replied
    /// early), this fails: with the server's status if it failed, else
    /// with `FailedPrecondition`, and `finish` then returns its result.
    pub async fn send(&mut self, item: T) -> Result<(), Status> {
        if let Some(early) = &self.early {
            return Err(after_reply(early));
        }
        match self.sink.send(item).await {
            Err(status) if status.code == Code::Cancelled => {
                let early = self.reply.reply().await;
                let err = after_reply(&early);
                self.early = Some(early);
                Err(err)
            }
            other => other,
        }
    }

    /// Ends the stream and waits for the result.
    pub async fn finish(mut self) -> Result<R, Status> {
        self.sink.finish();
        let bytes = match self.early.take() {
            Some(early) => early?,
            None => self.reply.reply().await?,
        };
        self.codec.decode(&bytes)
    }
}

/// What `send` says once the server has replied.
fn after_reply(reply: &Result<Bytes, Status>) -> Status {
    match reply {
        Err(server) => server.clone(),
        Ok(_) => Status::new(
            Code::FailedPrecondition,
            "the server replied before the end of the stream; finish() returns its result",
        ),
    }
}
