//! The server end of a client stream: the items a client sends to a
//! client-streaming or bidirectional method, with credit granted back as
//! the handler consumes them.
//!
//! ```text
//!  client ─ StreamMessage ─► conn reader ─┬─ window left? no ─► protocol error, close
//!                                         └─ yes ─► channel ─► RequestStream::next ─► handler
//!  client ◄──────────────── Credit(n) ◄──── grant(n) every half window consumed
//! ```
//!
//! The connection lets a client send only while the window it granted is
//! open ([`crate::frame::STREAM_WINDOW`] bytes to start, then what `grant`
//! adds), so the channel holds at most a window of bytes (plus one
//! message) however slow the handler.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::decoded::{Decoded, RawItems};
use crate::status::{Code, Status};
use crate::window::{Consumed, cost};

/// One event of a client stream, as the connection routes it.
#[derive(Debug)]
pub enum Incoming {
    /// An encoded item.
    Message(Bytes),
    /// The client's end of the stream: Ok for a clean end (half-close).
    End(Status),
}

/// The untyped client stream a connection hands to [`super::Service::call`].
pub struct RawIncoming {
    /// Items routed here by the connection's reader.
    rx: mpsc::UnboundedReceiver<Incoming>,
    /// Raises the client's window by `n` bytes (and tells the client).
    grant: Arc<dyn Fn(u32) + Send + Sync>,
    /// Bytes consumed since credit was last granted.
    consumed: Consumed,
    /// Set once the end was seen.
    done: bool,
}

impl RawIncoming {
    /// A stream fed through `rx`; `grant` gives the client more window.
    pub fn new(
        rx: mpsc::UnboundedReceiver<Incoming>,
        grant: Arc<dyn Fn(u32) + Send + Sync>,
    ) -> Self {
        RawIncoming {
            rx,
            grant,
            consumed: Consumed::default(),
            done: false,
        }
    }

    /// The next encoded item; `None` after the client's clean end.
    pub async fn next(&mut self) -> Option<Result<Bytes, Status>> {
        if self.done {
            return None;
        }
        match self.rx.recv().await {
            Some(Incoming::Message(bytes)) => {
                if let Some(n) = self.consumed.add(cost(bytes.len())) {
                    (self.grant)(n);
                }
                Some(Ok(bytes))
            }
            Some(Incoming::End(status)) => {
                self.done = true;
                (status.code != Code::Ok).then_some(Err(status))
            }
            None => {
                self.done = true;
                Some(Err(Status::cancelled("the client stream was cut off")))
            }
        }
    }
}

/// A typed client stream, as a generated handler receives it
/// (`items: Streaming<Item>` in the `#[service]` trait).
pub type RequestStream<T> = Decoded<RawIncoming, T>;

impl RawItems for RawIncoming {
    async fn next(&mut self) -> Option<Result<Bytes, Status>> {
        RawIncoming::next(self).await
    }
}
