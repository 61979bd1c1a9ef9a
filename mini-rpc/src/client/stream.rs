//! The client end of a server stream: items in order, credit granted back
//! as they are consumed, a cancel sent if the stream is dropped early.

use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::conn::{Connection, StreamEvent};
use crate::codec::CodecKind;
use crate::frame::{Frame, STREAM_WINDOW};
use crate::status::{Code, Status};

/// A server stream with undecoded items (what a [`crate::Channel`] returns).
pub struct RawStream {
    /// The connection the stream lives on (kept open while we read).
    pub(crate) conn: Arc<Connection>,
    /// The call's request id.
    pub(crate) id: u64,
    /// Events routed here by the connection's reader.
    pub(crate) rx: mpsc::UnboundedReceiver<StreamEvent>,
    /// Items consumed since credit was last granted.
    pub(crate) consumed: u32,
    /// Set once the end was seen; then dropping sends no cancel.
    pub(crate) done: bool,
    /// When the caller stops waiting.
    pub(crate) deadline: Option<Instant>,
}

impl RawStream {
    /// The next encoded item; `None` after a clean end.
    pub async fn next(&mut self) -> Option<Result<Bytes, Status>> {
        if self.done {
            return None;
        }
        let event = match self.deadline {
            Some(at) => match tokio::time::timeout_at(at, self.rx.recv()).await {
                Ok(event) => event,
                Err(_) => {
                    self.finish_early();
                    return Some(Err(Status::deadline_exceeded("stream deadline passed")));
                }
            },
            None => self.rx.recv().await,
        };
        match event {
            Some(StreamEvent::Message(bytes)) => {
                // Grant credit in half-window steps: often enough that the
                // server never stalls on a fast reader, rarely enough that
                // credit frames stay a small share of the traffic.
                self.consumed += 1;
                if self.consumed >= STREAM_WINDOW / 2 {
                    self.conn.send(Frame::Credit {
                        id: self.id,
                        n: self.consumed,
                    });
                    self.consumed = 0;
                }
                Some(Ok(bytes))
            }
            Some(StreamEvent::End(status)) => {
                self.done = true;
                (status.code != Code::Ok).then_some(Err(status))
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
pub struct ClientStream<T> {
    /// The undecoded stream.
    raw: RawStream,
    /// How items are encoded on this connection.
    codec: CodecKind,
    _item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> ClientStream<T> {
    /// Wraps a raw stream whose items are `T`s in `codec`.
    pub fn new(raw: RawStream, codec: CodecKind) -> ClientStream<T> {
        ClientStream {
            raw,
            codec,
            _item: PhantomData,
        }
    }

    /// The next item; `None` after a clean end. An error ends the stream.
    pub async fn next(&mut self) -> Option<Result<T, Status>> {
        let item = self.raw.next().await?;
        Some(item.and_then(|bytes| self.codec.decode(&bytes)))
    }
}
