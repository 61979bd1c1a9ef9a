//! The request body: bytes already in hand, or a stream the handler pulls.
//! Mirrors hyper's `body::Incoming` as axum hands it out (`axum::body::Body`),
//! with the pull made explicit: [`Body::chunk`].
//!
//! ```text
//!  handler                       connection task (server::feed)
//!  ───────                       ──────────────────────────────
//!  body.chunk().await ──want──►  first pull: `100 Continue` if asked for
//!        ▲                       read socket ─► decode (length / chunked)
//!        └──────── Piece ◄────── send into a one-slot channel, then wait
//!                                for room before reading again
//! ```
//!
//! Backpressure comes from the channel's single slot: the connection reads
//! the socket only when the handler has taken the previous piece, so at most
//! one read's worth (plus the socket buffers) is in memory per request
//! whatever the body's length. Nothing is read before the first pull, and
//! `Limits::max_body_bytes` bounds what is read in all.
//!
//! Small bodies skip all this: when the whole body is already in the read
//! buffer at dispatch (the common case), it arrives as [`Body::full`] and
//! pulling it costs nothing.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::sync::{Notify, mpsc};

use crate::http::{ParseError, StatusCode};

/// Why a body could not be read to its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The bytes broke the framing or a limit (bad chunk, too large): the
    /// connection closes after the response.
    #[error("{0}")]
    Framing(ParseError),
    /// The client closed, reset or went quiet (`keep_alive_timeout`) mid-body.
    #[error("the client went away before the body ended")]
    Incomplete,
    /// The connection moved on (the handler answered and kept the body).
    #[error("the body is no longer readable: the response was already sent")]
    Detached,
}

impl BodyError {
    /// The status to answer with: the framing error's own (413, 400 ...), else 400.
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::Framing(e) => e.status(),
            BodyError::Incomplete | BodyError::Detached => StatusCode::BAD_REQUEST,
        }
    }
}

/// One item on the channel from the connection to the handler.
#[derive(Debug)]
pub(crate) enum Piece {
    /// The next bytes of the body (never empty).
    Data(Bytes),
    /// The body ended cleanly.
    End,
    /// The body cannot be read further.
    Failed(BodyError),
}

/// The connection's end of a streamed body.
#[derive(Debug)]
pub(crate) struct BodySender {
    /// Where pieces go; one slot, so each read waits for the previous take.
    pub(crate) tx: mpsc::Sender<Piece>,
    /// Signalled on the handler's first pull.
    pub(crate) wanted: Arc<Notify>,
}

/// A request body. Mirrors `axum::body::Body` on the server side.
#[derive(Debug, Default)]
pub struct Body {
    /// Where the bytes are.
    kind: Kind,
    /// The length the client declared (`Content-Length`), if any.
    declared: Option<u64>,
}

#[derive(Debug, Default)]
enum Kind {
    /// Nothing (left): the body is empty or was read to its end.
    #[default]
    Done,
    /// The whole body, in memory.
    Full(Bytes),
    /// Pieces to pull from the connection.
    Stream {
        rx: mpsc::Receiver<Piece>,
        /// Notified once, on the first pull (the connection waits for it).
        wanted: Option<Arc<Notify>>,
    },
}

impl Body {
    /// An empty body.
    pub fn empty() -> Body {
        Body::default()
    }

    /// A body already in memory.
    pub fn full(bytes: impl Into<Bytes>) -> Body {
        let bytes = bytes.into();
        Body {
            declared: Some(bytes.len() as u64),
            kind: if bytes.is_empty() {
                Kind::Done
            } else {
                Kind::Full(bytes)
            },
        }
    }

    /// A streamed body and the connection's sending end. `declared` is the
    /// `Content-Length`, if one was sent.
    pub(crate) fn channel(declared: Option<u64>) -> (BodySender, Body) {
        let (tx, rx) = mpsc::channel(1);
        let wanted = Arc::new(Notify::new());
        let body = Body {
            kind: Kind::Stream {
                rx,
                wanted: Some(wanted.clone()),
            },
            declared,
        };
        (BodySender { tx, wanted }, body)
    }

    /// The length the client declared (`Content-Length`); `None` for a
    /// chunked body. Mirrors `http_body::Body::size_hint().exact()`.
    pub fn declared_len(&self) -> Option<u64> {
        self.declared
    }

    /// The whole body if it is in memory and nothing was pulled yet
    /// (always so for a body built with [`Body::full`]).
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            Kind::Full(b) => Some(b),
            _ => None,
        }
    }

    /// The next piece of the body; `Ok(None)` at its end. Cancel-safe.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        let (rx, wanted) = match &mut self.kind {
            Kind::Stream { rx, wanted } => (rx, wanted),
            _ => {
                return Ok(match std::mem::take(&mut self.kind) {
                    Kind::Full(bytes) => Some(bytes),
                    _ => None,
                });
            }
        };
        if let Some(w) = wanted.take() {
            // `notify_one` keeps the permit if the connection is not waiting yet.
            w.notify_one();
        }
        // A closed channel without `End`: the connection stopped feeding us.
        let piece = rx
            .recv()
            .await
            .unwrap_or(Piece::Failed(BodyError::Detached));
        match piece {
            Piece::Data(bytes) => Ok(Some(bytes)),
            Piece::End => {
                self.kind = Kind::Done;
                Ok(None)
            }
            Piece::Failed(e) => {
                self.kind = Kind::Done;
                Err(e)
            }
        }
    }

    /// Reads the whole body into memory (within `Limits::max_body_bytes`,
    /// which the connection enforces). Mirrors `axum::body::to_bytes`.
    pub async fn to_bytes(mut self) -> Result<Bytes, BodyError> {
        let Some(first) = self.chunk().await? else {
            return Ok(Bytes::new());
        };
        let Some(second) = self.chunk().await? else {
            return Ok(first); // one piece: no copy
        };
        let capacity = self.declared.map_or(0, |n| n as usize).min(1 << 20);
        let mut all = BytesMut::with_capacity(capacity.max(first.len() + second.len()));
        all.extend_from_slice(&first);
        all.extend_from_slice(&second);
        while let Some(more) = self.chunk().await? {
            all.extend_from_slice(&more);
        }
        Ok(all.freeze())
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Body {
        Body::full(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pulls_pieces_in_order_and_reports_a_detached_end() {
        let (tx, mut body) = Body::channel(Some(6));
        let feeder = tokio::spawn(async move {
            tx.wanted.notified().await; // nothing before the first pull
            tx.tx
                .send(Piece::Data(Bytes::from_static(b"abc")))
                .await
                .ok();
            tx.tx
                .send(Piece::Data(Bytes::from_static(b"def")))
                .await
                .ok();
            tx.tx.send(Piece::End).await.ok();
        });
        assert_eq!(body.declared_len(), Some(6));
        assert_eq!(body.chunk().await, Ok(Some(Bytes::from_static(b"abc"))));
        let rest = body.to_bytes().await;
        assert_eq!(rest, Ok(Bytes::from_static(b"def")));
        feeder.await.unwrap();

        let (tx, mut body) = Body::channel(None);
        drop(tx);
        assert_eq!(body.chunk().await, Err(BodyError::Detached));
        assert_eq!(body.chunk().await, Ok(None), "an error ends the body");
    }

    #[tokio::test]
    async fn full_bodies_come_out_whole() {
        let body = Body::full(Bytes::from_static(b"hello"));
        assert_eq!(body.as_bytes().map(|b| &b[..]), Some(&b"hello"[..]));
        assert_eq!(body.to_bytes().await, Ok(Bytes::from_static(b"hello")));
        assert_eq!(Body::empty().to_bytes().await, Ok(Bytes::new()));
    }
}
