//! Readiness reported to a callback, and ids naming registered events.
//!
//! `Ready` mirrors libevent's `EV_READ | EV_WRITE | EV_CLOSED` flags and
//! Redis's `AE_READABLE | AE_WRITABLE` mask; `IoId` plays the part of an
//! `struct event *` / file descriptor index, made safe by a generation count.

use std::fmt;

use mio::Token;

/// A set of readiness flags. Cheap to copy; combine with `|`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ready(u8);

impl Ready {
    /// Nothing ready.
    pub const EMPTY: Ready = Ready(0);
    /// Data (or a connection, or EOF) can be read without blocking.
    pub const READABLE: Ready = Ready(1);
    /// Data can be written without blocking.
    pub const WRITABLE: Ready = Ready(2);
    /// The peer closed its write side (EPOLLRDHUP / libevent `EV_CLOSED`).
    pub const READ_CLOSED: Ready = Ready(4);
    /// Our write side is closed (the peer reset or shut its read side).
    pub const WRITE_CLOSED: Ready = Ready(8);
    /// The source has a pending error (EPOLLERR).
    pub const ERROR: Ready = Ready(16);
    /// Internal: a buffered connection's read timer fired.
    pub(crate) const TIMEOUT: Ready = Ready(32);
    /// Internal: the pending pass before the loop sleeps; a buffered
    /// connection writes its output now (deferred or not).
    pub(crate) const FLUSH: Ready = Ready(64);

    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Whether every flag of `other` is set in `self`.
    pub fn contains(self, other: Ready) -> bool {
        self.0 & other.0 == other.0
    }
    /// Whether `READABLE` is set.
    pub fn is_readable(self) -> bool {
        self.0 & Self::READABLE.0 != 0
    }
    /// Whether `WRITABLE` is set.
    pub fn is_writable(self) -> bool {
        self.0 & Self::WRITABLE.0 != 0
    }
    /// Whether `READ_CLOSED` is set.
    pub fn is_read_closed(self) -> bool {
        self.0 & Self::READ_CLOSED.0 != 0
    }
    /// Whether `WRITE_CLOSED` is set.
    pub fn is_write_closed(self) -> bool {
        self.0 & Self::WRITE_CLOSED.0 != 0
    }
    /// Whether `ERROR` is set.
    pub fn is_error(self) -> bool {
        self.0 & Self::ERROR.0 != 0
    }

    /// Translate one mio event.
    pub(crate) fn from_mio(event: &mio::event::Event) -> Ready {
        let mut bits = 0;
        if event.is_readable() {
            bits |= Self::READABLE.0;
        }
        if event.is_writable() {
            bits |= Self::WRITABLE.0;
        }
        if event.is_read_closed() {
            bits |= Self::READ_CLOSED.0;
        }
        if event.is_write_closed() {
            bits |= Self::WRITE_CLOSED.0;
        }
        if event.is_error() {
            bits |= Self::ERROR.0;
        }
        Ready(bits)
    }
}

impl std::ops::BitOr for Ready {
    type Output = Ready;
    fn bitor(self, rhs: Ready) -> Ready {
        Ready(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, rhs: Ready) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Self::READABLE, "READABLE"),
            (Self::WRITABLE, "WRITABLE"),
            (Self::READ_CLOSED, "READ_CLOSED"),
            (Self::WRITE_CLOSED, "WRITE_CLOSED"),
            (Self::ERROR, "ERROR"),
        ];
        let mut first = true;
        for (flag, name) in names {
            if self.contains(flag) {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("EMPTY")?;
        }
        Ok(())
    }
}

/// Names one registered I/O event or buffered connection.
///
/// The index picks a slot in the loop's slab; the generation is bumped when
/// the slot is freed, so an id kept after removal is detected as stale (and
/// readiness already queued for it is dropped) instead of reaching whatever
/// reuses the slot. Both halves travel in the mio `Token`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IoId {
    /// Slot index in the loop's slab.
    index: u32,
    /// Generation of the slot when the event was registered.
    generation: u32,
}

// Ids are packed into one mio `Token` (a `usize`): 32 bits of index, 32 of
// generation.
const _: () = assert!(
    usize::BITS >= 64,
    "event-loop packs ids into 64-bit mio tokens"
);

impl IoId {
    /// The id of slot `index` in its `generation`.
    pub(crate) fn new(index: u32, generation: u32) -> IoId {
        IoId { index, generation }
    }

    /// The slot's generation this id was made in.
    pub(crate) fn generation(self) -> u32 {
        self.generation
    }

    /// Pack into a mio token: generation in the high half, index in the low.
    pub(crate) fn token(self) -> Token {
        Token(((self.generation as usize) << 32) | self.index as usize)
    }

    /// Unpack a token made by [`token`](Self::token).
    pub(crate) fn from_token(token: Token) -> IoId {
        IoId {
            index: token.0 as u32,
            generation: (token.0 >> 32) as u32,
        }
    }

    /// The slot index (stable while the event lives; reused after).
    pub fn index(self) -> usize {
        self.index as usize
    }
}

impl fmt::Debug for IoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IoId({}v{})", self.index, self.generation)
    }
}

impl fmt::Display for IoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// What an I/O callback is told: which event, and what is ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoEvent {
    /// The event that is ready.
    pub id: IoId,
    /// What is ready.
    pub ready: Ready,
}

impl IoEvent {
    /// Whether the source is readable (or at EOF, or in error: a read will
    /// not block and will tell).
    pub fn is_readable(&self) -> bool {
        self.ready.is_readable() || self.ready.is_read_closed() || self.ready.is_error()
    }
    /// Whether the source is writable.
    pub fn is_writable(&self) -> bool {
        self.ready.is_writable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trip_keeps_index_and_generation() {
        let id = IoId {
            index: 7,
            generation: 0xdead_beef,
        };
        assert_eq!(IoId::from_token(id.token()), id);
    }

    #[test]
    fn debug_lists_flags() {
        assert_eq!(
            format!("{:?}", Ready::READABLE | Ready::ERROR),
            "READABLE | ERROR"
        );
        assert_eq!(format!("{:?}", Ready::EMPTY), "EMPTY");
    }
}
