//! The crate's error type.

use std::io;

/// What can go wrong when driving or configuring an [`EventLoop`](crate::EventLoop).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The OS refused a poll, register, read or write call.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The id names no live event: it was removed, or closed, or never existed.
    #[error("unknown or removed event {0}")]
    UnknownEvent(String),
    /// The event's source is held by the caller, so the loop cannot
    /// re-register it; use [`EventLoop::reregister`](crate::EventLoop::reregister).
    #[error("event {0} was registered with a borrowed source; pass the source to reregister")]
    SourceNotOwned(String),
    /// The event's own callback is running, so its source is in the
    /// callback's hands: call [`EventLoop::reregister`](crate::EventLoop::reregister)
    /// with the `&mut` source the callback was given.
    #[error("event {0} is running; reregister the source the callback was given")]
    Running(String),
    /// The signal cannot be caught (SIGKILL, SIGSTOP, SIGSEGV, SIGILL, SIGFPE).
    #[error("signal {0} cannot be handled by an event loop")]
    ForbiddenSignal(i32),
    /// The priority is not below the number of priority levels the loop was
    /// built with (libevent's `event_priority_set` fails the same way).
    #[error("priority {priority} out of range: the loop has {levels} priority levels")]
    Priority {
        /// The priority asked for.
        priority: u8,
        /// The number of levels configured.
        levels: u8,
    },
    /// The loop behind a [`LoopHandle`](crate::LoopHandle) has been dropped.
    #[error("the event loop is gone")]
    LoopGone,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
