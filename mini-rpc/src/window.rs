//! Stream flow control, counted in bytes (HTTP/2's stream windows, RFC 9113
//! section 5.2) but over whole messages, which are never split.
//!
//! A message costs its payload plus the 13-byte frame head, so empty
//! messages are not free. Both ends follow one rule: **a sender may start a
//! message while its window is above zero**, and the message's cost is then
//! taken from the window, which may go below zero. So a message larger
//! than the whole window still goes (alone), and at most one window plus
//! one message is ever unread at the receiver. The receiver grants back
//! what its reader consumed, in half-window steps ([`Consumed`]), with
//! `Credit` frames; it mirrors the sender's window ([`Allowance`]) and
//! treats a message sent on a closed window as a protocol error.
//!
//! ```text
//!  sender: SendWindow                           receiver: Allowance + Consumed
//!   window 65536 ─ msg (cost 29) ─► 65507 ─────► take(29): was > 0? else close
//!   ...                                          reader consumes ─► 32 KiB consumed
//!   window ≤ 0: send waits        ◄─ Credit(32768) ─ grant(32768)
//! ```
//!
//! Why bytes and not messages: a window of 32 messages (what this crate
//! first had) bounds nothing when messages are 16 MiB, and stalls a stream
//! of tiny messages on round trips (one per 16 messages).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio::sync::Semaphore;

use crate::frame::{HEAD_LEN, STREAM_WINDOW};

/// The largest window grants can build up; caps a count fed from the wire.
const MAX_WINDOW: u64 = 1 << 30;

/// What one stream message takes from a window.
pub(crate) fn cost(payload_len: usize) -> u64 {
    (payload_len as u64).saturating_add(HEAD_LEN as u64)
}

/// The window is closed for good: the call ended.
#[derive(Debug)]
pub(crate) struct Closed;

/// The sending side's window.
pub(crate) struct SendWindow {
    /// One permit per byte of window above zero.
    permits: Semaphore,
    /// How far below zero the window is (paid from the next grants).
    /// Taken with the permits under this lock, so grants and sends agree.
    debt: Mutex<u64>,
}

impl SendWindow {
    /// A window of [`STREAM_WINDOW`] bytes.
    pub(crate) fn new() -> SendWindow {
        SendWindow {
            permits: Semaphore::new(STREAM_WINDOW as usize),
            debt: Mutex::new(0),
        }
    }

    // ANCHOR: reserve
    /// Waits until the window is above zero, then takes `cost` from it.
    pub(crate) async fn reserve(&self, cost: u64) -> Result<(), Closed> {
        self.permits.acquire().await.map_err(|_| Closed)?.forget();
        let rest = cost.saturating_sub(1);
        let mut debt = self.debt.lock().unwrap_or_else(PoisonError::into_inner);
        let taken = self.permits.forget_permits(rest as usize) as u64;
        *debt += rest - taken;
        Ok(())
    }
    // ANCHOR_END: reserve

    /// Adds `n` bytes granted by the receiver (paying any debt first).
    pub(crate) fn grant(&self, n: u32) {
        let mut debt = self.debt.lock().unwrap_or_else(PoisonError::into_inner);
        let paid = (*debt).min(u64::from(n));
        *debt -= paid;
        let room = MAX_WINDOW.saturating_sub(self.permits.available_permits() as u64);
        let add = (u64::from(n) - paid).min(room);
        self.permits.add_permits(add as usize);
    }

    /// Ends the stream: a sender waiting now or later fails.
    pub(crate) fn close(&self) {
        self.permits.close();
    }
}

/// The receiving side's copy of the sender's window.
pub(crate) struct Allowance(AtomicI64);

impl Allowance {
    /// The initial window, [`STREAM_WINDOW`].
    pub(crate) fn new() -> Allowance {
        Allowance(AtomicI64::new(i64::from(STREAM_WINDOW)))
    }

    /// Takes a message's `cost`; `false` if the window was not above zero,
    /// i.e. the sender broke the rule.
    pub(crate) fn take(&self, cost: u64) -> bool {
        let cost = i64::try_from(cost).unwrap_or(i64::MAX);
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
                (w > 0).then(|| w.saturating_sub(cost))
            })
            .is_ok()
    }

    /// Raises the window by `n`; call before sending the `Credit`, so the
    /// messages it allows never find the window still closed.
    pub(crate) fn grant(&self, n: u32) {
        let cap = MAX_WINDOW as i64;
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
                Some(w.saturating_add(i64::from(n)).min(cap))
            });
    }
}

/// Bytes consumed by the receiving reader since the last grant.
#[derive(Default)]
pub(crate) struct Consumed(u64);

impl Consumed {
    /// Counts a consumed message; returns the credit to grant once half a
    /// window has been consumed (often enough that a fast reader never
    /// stalls the sender, rarely enough that credit frames stay few).
    pub(crate) fn add(&mut self, cost: u64) -> Option<u32> {
        self.0 += cost;
        if self.0 < u64::from(STREAM_WINDOW / 2) {
            return None;
        }
        let n = u32::try_from(self.0).unwrap_or(u32::MAX);
        self.0 -= u64::from(n);
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_sender_may_overdraw_once_then_waits_for_grants() {
        let window = SendWindow::new();
        let big = u64::from(STREAM_WINDOW) + 100;
        window.reserve(big).await.unwrap(); // window > 0: goes, 100 into debt
        let blocked = tokio::time::timeout(Duration::from_millis(20), window.reserve(1));
        assert!(blocked.await.is_err(), "window below zero: waits");
        window.grant(100); // pays the debt only
        let blocked = tokio::time::timeout(Duration::from_millis(20), window.reserve(1));
        assert!(blocked.await.is_err());
        window.grant(1);
        window.reserve(1).await.unwrap();
        window.close();
        assert!(window.reserve(1).await.is_err());
    }

    #[test]
    fn the_receiver_mirrors_the_rule() {
        let allowance = Allowance::new();
        assert!(
            allowance.take(u64::from(STREAM_WINDOW) + 100),
            "window was > 0"
        );
        assert!(!allowance.take(1), "below zero: a violation");
        allowance.grant(101);
        assert!(allowance.take(1));
        assert!(!allowance.take(1));
    }

    /// One step of a sender and a receiver sharing a stream.
    #[derive(Clone, Debug)]
    enum Step {
        /// The sender tries to send a message of this payload size.
        Send(usize),
        /// The receiver's reader consumes its oldest unread message.
        Consume,
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            (0usize..200_000).prop_map(Step::Send),
            (0usize..64).prop_map(Step::Send),
            Just(Step::Consume),
        ]
    }

    proptest::proptest! {
        /// Whatever the sizes and the interleaving: the receiver never sees
        /// a message on a closed window, what is unread stays within a
        /// window plus one message, and a blocked sender always leaves the
        /// receiver something to consume (so credit will come: no deadlock).
        #[test]
        fn sender_and_receiver_agree_and_never_deadlock(steps in proptest::collection::vec(step(), 1..400)) {
            let sender = SendWindow::new();
            let receiver = Allowance::new();
            let mut consumed = Consumed::default();
            let mut unread: std::collections::VecDeque<u64> = Default::default();
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            for step in steps {
                match step {
                    Step::Send(len) => {
                        let c = cost(len);
                        let mut reserve = std::pin::pin!(sender.reserve(c));
                        if reserve.as_mut().poll(&mut cx).is_ready() {
                            proptest::prop_assert!(receiver.take(c), "sent on a closed window");
                            unread.push_back(c);
                            let held: u64 = unread.iter().sum();
                            proptest::prop_assert!(held <= u64::from(STREAM_WINDOW) + c);
                        } else {
                            proptest::prop_assert!(!unread.is_empty(), "blocked with nothing to consume");
                        }
                    }
                    Step::Consume => {
                        if let Some(c) = unread.pop_front()
                            && let Some(n) = consumed.add(c)
                        {
                            receiver.grant(n);
                            sender.grant(n);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn consumption_is_granted_in_half_window_steps() {
        let mut consumed = Consumed::default();
        let half = u64::from(STREAM_WINDOW / 2);
        assert_eq!(consumed.add(half - 1), None);
        assert_eq!(consumed.add(10), Some((half + 9) as u32));
        assert_eq!(consumed.add(1), None);
    }
}
