//! Reading more bytes, under a deadline, at the cost of no timer operation
//! per request.
//!
//! Every read has a deadline (the keep-alive idle time, the head's time
//! limit, the pause allowed inside a body). Arming a fresh `timeout` per read
//! puts a timer in tokio's wheel and takes it out again for every request on
//! a keep-alive connection — a locked insert and remove per request that
//! hyper, with no timer set (as under `axum::serve`), does not pay. So a
//! connection keeps one [`Sleep`] for its whole life and re-arms it lazily:
//!
//! - a deadline later than the timer: leave the timer; when it fires early,
//!   look at the clock, re-arm it for the real deadline, and wait on (one
//!   extra wake-up per timeout period, not per request);
//! - a deadline earlier than the timer (the head's 10 s under a 60 s idle
//!   timer): re-arm now.
//!
//! The same poll tells whether the read had to wait, which restarts the
//! fairness count (see `REQUESTS_PER_TURN`).

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::time::Instant;

use super::{Conn, READ_CHUNK, ReadEnd};

/// How one read ended, before it is sorted into a [`ReadEnd`].
enum Outcome {
    Read(std::io::Result<usize>),
    Timeout,
    Shutdown,
}

impl<IO: AsyncRead + AsyncWrite + Send + Unpin + 'static> Conn<IO> {
    /// Reads once into the buffer, until `deadline`. When `idle`, a graceful
    /// shutdown also ends the wait.
    pub(super) async fn read_more(
        &mut self,
        deadline: Instant,
        idle: bool,
    ) -> std::io::Result<ReadEnd> {
        if idle && *self.shutdown.borrow() {
            return Ok(ReadEnd::Shutdown);
        }
        if self.read.capacity() - self.read.len() < 1024 {
            self.read.reserve(READ_CHUNK);
        }
        if self.timer_at > deadline {
            self.timer.as_mut().reset(deadline);
            self.timer_at = deadline;
        }
        let Conn {
            io,
            read,
            timer,
            timer_at,
            stop_signal,
            served_this_turn,
            ..
        } = self;
        let mut reading = pin!(io.read_buf(read));
        let outcome = poll_fn(|cx| {
            if let Poll::Ready(r) = reading.as_mut().poll(cx) {
                return Poll::Ready(Outcome::Read(r));
            }
            // The task waits: it has given the others their turn.
            *served_this_turn = 0;
            // After the signal fires the connection ends (Shutdown), so the
            // completed future is never polled again.
            if idle && stop_signal.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Outcome::Shutdown);
            }
            while timer.as_mut().poll(cx).is_ready() {
                if Instant::now() >= deadline {
                    return Poll::Ready(Outcome::Timeout);
                }
                timer.as_mut().reset(deadline);
                *timer_at = deadline;
            }
            Poll::Pending
        })
        .await;
        match outcome {
            Outcome::Timeout => Ok(ReadEnd::Timeout),
            Outcome::Shutdown => Ok(ReadEnd::Shutdown),
            Outcome::Read(Ok(0)) => Ok(ReadEnd::Eof),
            Outcome::Read(Ok(_)) => Ok(ReadEnd::Data),
            Outcome::Read(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                Ok(ReadEnd::Eof)
            }
            Outcome::Read(Err(e)) => Err(e),
        }
    }
}
