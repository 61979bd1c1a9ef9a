//! The client end of a server stream: items in order, credit granted back
//! as they are consumed, a cancel sent if the stream is dropped early.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::conn::{Connection, StreamEvent};
use crate::decoded::{Decoded, RawItems};
use crate::frame::Frame;
use crate::status::{Code, Status};
use crate::window::{Allowance, Consumed, cost};

/// A server stream with undecoded items (what a [`crate::Channel`] returns).
pub struct RawStream {
    /// The connection the stream lives on (kept open while we read).
    pub(crate) conn: Arc<Connection>,
    /// The call's request id.
    pub(crate) id: u64,
    /// Events routed here by the connection's reader.
    pub(crate) rx: mpsc::UnboundedReceiver<StreamEvent>,
    /// The window the server may still use; raised before granting credit.
    pub(crate) allowed: Arc<Allowance>,
    /// Bytes consumed since credit was last granted.
    pub(crate) consumed: Consumed,
    /// Set once the end was seen; then dropping sends no cancel.
    pub(crate) done: bool,
    /// When the caller stops waiting.
    pub(crate) deadline: Option<Instant>,
}

impl RawStream {
    /// The next event, within the deadline.
    async fn event(&mut self) -> Result<Option<StreamEvent>, Status> {
        match self.deadline {
            Some(at) => match tokio::time::timeout_at(at, self.rx.recv()).await {
                Ok(event) => Ok(event),
                Err(_) => {
                    self.finish_early();
                    Err(Status::deadline_exceeded("stream deadline passed"))
                }
            },
            None => Ok(self.rx.recv().await),
        }
    }

    /// The call's unary reply (a client-streaming call's result), skipping
    /// nothing: a stream message here is a protocol error of the server.
    pub(crate) async fn reply(&mut self) -> Result<Bytes, Status> {
        if self.done {
            return Err(Status::new(
                Code::FailedPrecondition,
                "the call already ended",
            ));
        }
        let event = self.event().await?;
        self.done = true;
        match event {
            Some(StreamEvent::Reply(resp)) if resp.status.code == Code::Ok => Ok(resp.payload),
            Some(StreamEvent::Reply(resp)) => Err(resp.status),
            Some(StreamEvent::End(status)) if status.code != Code::Ok => Err(status),
            Some(_) => Err(Status::internal("server streamed where one reply was due")),
            None => Err(Status::unavailable("connection lost before the reply")),
        }
    }

    /// The next encoded item; `None` after a clean end.
    pub async fn next(&mut self) -> Option<Result<Bytes, Status>> {
        if self.done {
            return None;
        }
        let event = match self.event().await {
            Ok(event) => event,
            Err(status) => return Some(Err(status)),
        };
        match event {
            Some(StreamEvent::Message(bytes)) => {
                if let Some(n) = self.consumed.add(cost(bytes.len())) {
                    // Raise the window before granting, so the messages
                    // the grant allows never find it closed.
                    self.allowed.grant(n);
                    self.conn.send(Frame::Credit { id: self.id, n });
                }
                Some(Ok(bytes))
            }
            Some(StreamEvent::End(status)) => {
                self.done = true;
                (status.code != Code::Ok).then_some(Err(status))
            }
            // A refusal before the first item (or a unary answer where a
            // stream was due, which ends it as well).
            Some(StreamEvent::Reply(resp)) => {
                self.done = true;
                (resp.status.code != Code::Ok).then_some(Err(resp.status))
            }
            None => {
                self.done = true;
                Some(Err(Status::unavailable("connection lost mid-stream")))
            }
        }
    }

    fn finish_early(&mut self) {
        if !self.done {
            self.done = true;
            self.conn.cancel(self.id);
        }
    }
}

impl Drop for RawStream {
    fn drop(&mut self) {
        self.finish_early();
    }
}

/// A typed server stream, as returned by a generated client method.
pub type ClientStream<T> = Decoded<RawStream, T>;

impl RawItems for RawStream {
    async fn next(&mut self) -> Option<Result<Bytes, Status>> {
        RawStream::next(self).await
    }
}
