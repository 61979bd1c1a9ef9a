//! Routing a client's stream (client-streaming and bidirectional calls) to
//! its handler, holding the client to the window it was granted.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::service::{Incoming, RawIncoming};
use crate::status::Status;
use crate::window::{Allowance, cost};

/// Where the reader puts one call's incoming stream messages.
pub(super) struct InputRoute {
    /// To the handler's [`RawIncoming`].
    tx: mpsc::UnboundedSender<Incoming>,
    /// The client's window, as we granted it.
    allowed: Arc<Allowance>,
}

impl InputRoute {
    /// A route and the stream its handler reads; `credit(n)` tells the
    /// client it may send `n` more bytes.
    pub(super) fn open(credit: impl Fn(u32) + Send + Sync + 'static) -> (InputRoute, RawIncoming) {
        let (tx, rx) = mpsc::unbounded_channel();
        let allowed = Arc::new(Allowance::new());
        let window = allowed.clone();
        let grant = Arc::new(move |n: u32| {
            window.grant(n);
            credit(n);
        });
        (InputRoute { tx, allowed }, RawIncoming::new(rx, grant))
    }

    /// Routes one message of call `id`; an error (which closes the
    /// connection) if the client sent on a closed window: the channel's
    /// memory is bounded by the window only if clients keep to it.
    pub(super) fn message(&self, id: u64, payload: Bytes) -> Result<(), String> {
        if !self.allowed.take(cost(payload.len())) {
            return Err(format!("client sent past its stream window on call {id}"));
        }
        // The handler may have stopped reading (it returned): drop the item.
        let _ = self.tx.send(Incoming::Message(payload));
        Ok(())
    }

    /// The client's end of its stream.
    pub(super) fn end(&self, status: Status) {
        let _ = self.tx.send(Incoming::End(status));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::frame::STREAM_WINDOW;

    #[tokio::test]
    async fn the_window_is_enforced_and_reopened_by_consumption() {
        let granted = Arc::new(AtomicU32::new(0));
        let seen = granted.clone();
        let (route, mut input) = InputRoute::open(move |n| {
            seen.fetch_add(n, Ordering::SeqCst);
        });
        // 1 KiB payloads: the window holds 64 KiB / (1024 + 13) of them, and
        // one more goes while it is still above zero.
        let item = Bytes::from(vec![0u8; 1024]);
        let fits = (STREAM_WINDOW as usize).div_ceil(1024 + 13);
        for _ in 0..fits {
            route.message(1, item.clone()).unwrap();
        }
        assert!(route.message(1, item.clone()).is_err(), "past the window");
        for _ in 0..fits / 2 + 1 {
            input.next().await.unwrap().unwrap();
        }
        assert!(granted.load(Ordering::SeqCst) >= STREAM_WINDOW / 2);
        route.message(1, item).unwrap();
        route.end(Status::ok());
        let mut rest = 0;
        while let Some(item) = input.next().await {
            item.unwrap();
            rest += 1;
        }
        assert_eq!(rest, fits - (fits / 2 + 1) + 1);
    }
}
