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

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;

/// Bytes read per chunk by [`BodyStream::from_reader`].
const READ_CHUNK: usize = 64 * 1024;

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

    /// The first `len` bytes of `reader`, read a chunk at a time as the
    /// client takes them (a task does the reading, and stops when the client
    /// is gone). Mirrors `tokio_util::io::ReaderStream` under axum's
    /// `Body::from_stream`. A reader that ends early ends the stream short,
    /// and the connection closes (see the module docs).
    pub fn from_reader(reader: impl AsyncRead + Send + Unpin + 'static, len: u64) -> BodyStream {
        // Two chunks in flight: one being written, one read ahead.
        let (tx, body) = BodyStream::sized(2, len);
        tokio::spawn(async move {
            let mut reader = reader.take(len);
            loop {
                let mut buf = BytesMut::with_capacity(READ_CHUNK);
                match reader.read_buf(&mut buf).await {
                    Ok(0) => return,
                    Ok(_) => {
                        if tx.send(buf.freeze()).await.is_err() {
                            return; // the client is gone
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "reading a streamed body failed");
                        return;
                    }
                }
            }
        });
        body
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
