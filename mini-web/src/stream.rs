//! A response body that arrives over time: chunks from a channel, sent as
//! they come (chunked transfer coding on HTTP/1.1, close-delimited on 1.0).
//! Mirrors axum's `Body::from_stream`, with a tokio channel for the stream
//! (this crate depends on no `futures` crate).
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
pub struct BodyStream(Arc<Mutex<Option<mpsc::Receiver<Bytes>>>>);

impl BodyStream {
    /// A stream and its sender; `capacity` chunks may wait unsent.
    pub fn channel(capacity: usize) -> (mpsc::Sender<Bytes>, BodyStream) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (tx, BodyStream::from_receiver(rx))
    }

    /// Wraps a receiver the caller made.
    pub fn from_receiver(rx: mpsc::Receiver<Bytes>) -> BodyStream {
        BodyStream(Arc::new(Mutex::new(Some(rx))))
    }

    /// Takes the receiver out (the server does, once).
    pub(crate) fn take(&self) -> Option<mpsc::Receiver<Bytes>> {
        self.0.lock().ok().and_then(|mut rx| rx.take())
    }
}
