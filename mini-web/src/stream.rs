//! A response body that arrives over time: chunks from a channel, sent as
//! they come. Mirrors axum's `Body::from_stream`, with a tokio channel for
//! the stream (this crate depends on no `futures` crate).
//!
//! Framing: when the length is known ([`BodyStream::sized`], e.g. a file),
//! the response carries `Content-Length` and the chunks go out as they are;
//! when it is not, chunked transfer coding on HTTP/1.1, close-delimited on 1.0.
//! A sized stream that ends short (or runs long) cannot be framed any more:
//! the connection closes there, and the client sees a truncated body rather
//! than a wrong one.
//!
//! Backpressure and going away: the channel is bounded, so a producer
//! sending faster than the client reads waits in `send`; when the client
//! disconnects, the server drops the receiver and the producer's next
//! `send` fails — that is its signal to stop.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::mpsc;

/// The receiving end of a streamed body, carried by a [`Response`](crate::Response).
/// Cloning a response shares it; whichever copy the server writes takes it.
#[derive(Clone, Debug)]
pub struct BodyStream {
    /// The chunks; taken by the server, once.
    rx: Arc<Mutex<Option<mpsc::Receiver<Bytes>>>>,
    /// The total length, when known in advance.
    len: Option<u64>,
}

impl BodyStream {
    /// A stream of unknown length and its sender; `capacity` chunks may wait unsent.
    pub fn channel(capacity: usize) -> (mpsc::Sender<Bytes>, BodyStream) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (tx, BodyStream::from_receiver(rx))
    }

    /// A stream of exactly `len` bytes (sent with `Content-Length`) and its sender.
    pub fn sized(capacity: usize, len: u64) -> (mpsc::Sender<Bytes>, BodyStream) {
        let (tx, mut body) = BodyStream::channel(capacity);
        body.len = Some(len);
        (tx, body)
    }

    /// Wraps a receiver the caller made (length unknown).
    pub fn from_receiver(rx: mpsc::Receiver<Bytes>) -> BodyStream {
        BodyStream {
            rx: Arc::new(Mutex::new(Some(rx))),
            len: None,
        }
    }

    /// The total length, if known.
    pub fn known_len(&self) -> Option<u64> {
        self.len
    }

    /// Takes the receiver out (the server does, once; so may a layer that
    /// transforms the stream, like compression).
    pub fn take(&self) -> Option<mpsc::Receiver<Bytes>> {
        self.rx.lock().ok().and_then(|mut rx| rx.take())
    }
}
