//! The request body, connection side: decide at dispatch whether the body
//! is already whole in the read buffer (hand it over as bytes) or must be
//! streamed (feed it through [`Body`]'s one-slot channel while the handler
//! runs), and settle what is left of it when the handler has answered.
//!
//! ```text
//!  dispatch ──► whole in buffer? ──yes──► Body::full          (no task, no channel)
//!                    │ no
//!                    ▼
//!  handler future ◄─select─► feed_step: wait first pull (then `100 Continue`),
//!       │                     wait for room, decode buffered bytes or read,
//!       │                     send one piece
//!       ▼ response
//!  settle: the body ended → keep alive; unfinished → skip what is buffered,
//!          and if still unfinished → `connection: close` (as hyper does)
//! ```
//!
//! Why close rather than drain an unread body: draining means reading and
//! discarding up to `max_body_bytes` a client may be slow to send, while the
//! response waits behind it or other requests queue; hyper likewise skips only
//! what is already buffered and otherwise closes. The lingering close still
//! drains a little so the response is not lost to a reset.

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::{Conn, ReadEnd};
use crate::body::{Body, BodyError, BodySender, Piece};
use crate::http::{BodyDecoder, BodyKind, Decoded, Framing, ParseError};

/// Bytes asked of one read while a body streams in (the head path reads
/// 8 KiB; bodies move in larger reads, for fewer system calls).
const BODY_READ: usize = 64 * 1024;

/// Where a streamed body stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FeedState {
    /// Pieces are still to come.
    Running,
    /// The whole body was read (its `End` sent or skipped).
    Ended,
    /// The body broke or the client went away: the connection must close.
    Failed,
    /// The handler dropped the body before its end.
    Abandoned,
}

/// A body being streamed to a handler.
pub(super) struct Feed {
    /// The channel to the handler's [`Body`].
    sender: BodySender,
    /// Where in the body's framing we are.
    decoder: BodyDecoder,
    /// Decoded at dispatch and not sent yet.
    pending: Option<Bytes>,
    /// Answer `100 Continue` on the first pull.
    expect_continue: bool,
    /// The handler has pulled once.
    started: bool,
    /// See [`FeedState`].
    pub(super) state: FeedState,
}

impl Feed {
    pub(super) fn running(&self) -> bool {
        self.state == FeedState::Running
    }

    /// Whether a `100 Continue` is still owed: true once, and then the
    /// caller writes it. For a handler that answers with a stream and
    /// reads the body afterwards (full duplex): the interim response must
    /// go before the final one's head, not on the first pull.
    pub(super) fn owe_continue(&mut self) -> bool {
        std::mem::take(&mut self.expect_continue)
    }
}

impl<IO: AsyncRead + AsyncWrite + Send + Unpin + 'static> Conn<IO> {
    /// The body for the request whose head was just consumed: whole, or
    /// streamed through the returned [`Feed`]. An error refuses the request
    /// before the handler runs (a `Content-Length` over the limit, or a bad
    /// chunk among the bytes already here), exactly as a buffered server would.
    pub(super) fn start_body(
        &mut self,
        framing: Framing,
    ) -> Result<(Body, Option<Feed>), ParseError> {
        let declared = match framing.body {
            BodyKind::Empty => return Ok((Body::empty(), None)),
            BodyKind::Length(n) => {
                let fits = usize::try_from(n).is_ok_and(|n| n <= self.limits.max_body_bytes);
                if !fits {
                    // Refused before reading a byte of it, and before any `100 Continue`.
                    return Err(ParseError::BodyTooLarge);
                }
                if self.read.len() as u64 >= n {
                    let whole = self.read.split_to(n as usize).freeze();
                    return Ok((Body::full(whole), None));
                }
                Some(n)
            }
            BodyKind::Chunked => None,
        };
        let mut decoder = BodyDecoder::new(framing.body);
        let pending = if declared.is_some() {
            None // a partial length body is sent as it is read
        } else {
            let (data, ended) = decoder.drain_buffered(&mut self.read, &self.limits)?;
            if ended {
                return Ok((Body::full(data), None));
            }
            Some(data).filter(|d| !d.is_empty())
        };
        let (sender, body) = Body::channel(declared);
        let feed = Feed {
            sender,
            decoder,
            pending,
            expect_continue: framing.expect_continue,
            started: false,
            state: FeedState::Running,
        };
        Ok((body, Some(feed)))
    }

    // ANCHOR: feed_step
    /// Sends the next piece of a streamed body once the handler has room
    /// for it, reading the socket if nothing is buffered. Cancel-safe: the
    /// handler may answer while this waits, and the select drops it.
    pub(super) async fn feed_step(&mut self, feed: &mut Feed) -> std::io::Result<()> {
        if !feed.started {
            tokio::select! {
                () = feed.sender.wanted.notified() => {}
                // Dropped unpulled: stop waiting (and let the socket be watched again).
                () = feed.sender.tx.closed() => {
                    feed.state = FeedState::Abandoned;
                    return Ok(());
                }
            }
            feed.started = true;
            if feed.expect_continue {
                self.send_continue().await?;
            }
        }
        let Ok(permit) = feed.sender.tx.reserve().await else {
            feed.state = FeedState::Abandoned;
            return Ok(());
        };
        let piece = loop {
            if let Some(data) = feed.pending.take() {
                break Piece::Data(data);
            }
            match feed.decoder.next(&mut self.read, &self.limits) {
                Ok(Decoded::Data(data)) => break Piece::Data(data),
                Ok(Decoded::End) => {
                    feed.state = FeedState::Ended;
                    break Piece::End;
                }
                Err(e) => {
                    feed.state = FeedState::Failed;
                    break Piece::Failed(BodyError::Framing(e));
                }
                Ok(Decoded::NeedMore) => {}
            }
            self.read.reserve(BODY_READ);
            let deadline = Instant::now() + self.limits.keep_alive_timeout;
            if !matches!(self.read_more(deadline, false).await?, ReadEnd::Data) {
                feed.state = FeedState::Failed;
                break Piece::Failed(BodyError::Incomplete);
            }
        };
        permit.send(piece);
        Ok(())
    }
    // ANCHOR_END: feed_step

    /// After the handler answered: skips what is left of the body if it is
    /// all buffered. Returns whether the connection can carry another request.
    pub(super) fn settle_body(&mut self, feed: &mut Feed) -> bool {
        if feed.state == FeedState::Running || feed.state == FeedState::Abandoned {
            feed.pending = None;
            feed.state = match feed.decoder.drain_buffered(&mut self.read, &self.limits) {
                Ok((_, true)) => FeedState::Ended,
                Ok((_, false)) => feed.state,
                Err(_) => FeedState::Failed,
            };
        }
        feed.state == FeedState::Ended
    }
}
