//! The connection's reader task: routes each frame from the server to the
//! call waiting for it, holds the server to the windows we granted, and
//! fails every waiting call when the connection ends.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::{Inner, Pending, StreamEvent};
use crate::frame::{Frame, Response};
use crate::io::FrameReader;
use crate::metadata::Metadata;
use crate::status::Status;
use crate::window::cost;

/// Routes each reply to its waiter until the connection ends, then fails
/// every call still waiting with `Unavailable`.
pub(super) async fn read_loop(
    conn: Arc<Inner>,
    mut reader: FrameReader<tokio::net::tcp::OwnedReadHalf>,
    addr: SocketAddr,
) {
    let reason = loop {
        let frame = match reader.next().await {
            Ok(Some(frame)) => frame,
            Ok(None) => break "server closed the connection".to_string(),
            Err(e) => break e.to_string(),
        };
        match frame {
            Frame::Response(resp) => {
                let waiter = conn.end(resp.id);
                match waiter {
                    Some(Pending::Unary(tx)) => {
                        let _ = tx.send(Ok(resp));
                    }
                    // A client stream's result, or a refusal before the first item.
                    Some(Pending::Stream { tx, .. }) => {
                        let _ = tx.send(StreamEvent::Reply(resp));
                    }
                    // Late reply to a cancelled or timed-out call: drop it.
                    None => {}
                }
            }
            Frame::Pong(id) => {
                if let Some(Pending::Unary(tx)) = conn.state().pending.remove(&id) {
                    let _ = tx.send(Ok(Response {
                        id,
                        status: Status::ok(),
                        metadata: Metadata::new(),
                        payload: Bytes::new(),
                    }));
                }
            }
            Frame::StreamMessage { id, payload } => {
                if let Some(Pending::Stream { tx, allowed }) = conn.state().pending.get(&id) {
                    // The server may send only what we granted: past it, it
                    // is broken or hostile, and our memory is at stake.
                    if !allowed.take(cost(payload.len())) {
                        break format!("server sent past its stream window on call {id}");
                    }
                    let _ = tx.send(StreamEvent::Message(payload));
                }
            }
            Frame::StreamEnd { id, status } => {
                if let Some(Pending::Stream { tx, .. }) = conn.end(id) {
                    let _ = tx.send(StreamEvent::End(status));
                }
            }
            Frame::Credit { id, n } => {
                if let Some(credit) = conn.state().sinks.get(&id) {
                    credit.grant(n);
                }
            }
            other => break format!("unexpected frame from a server: kind of {other:?}"),
        }
    };
    tracing::debug!(%addr, %reason, "connection closed");
    conn.fail_all(Status::unavailable(format!("{addr}: {reason}")));
}

impl Inner {
    /// Call `id` ended: its waiter, and its sending side closed (a sender
    /// waiting for credit then fails instead of waiting forever).
    pub(super) fn end(&self, id: u64) -> Option<Pending> {
        let mut state = self.state();
        if let Some(credit) = state.sinks.remove(&id) {
            credit.close();
        }
        state.pending.remove(&id)
    }

    /// Marks the connection dead and fails every waiting call with `status`.
    pub(super) fn fail_all(&self, status: Status) {
        let pending = {
            let mut state = self.state();
            state.closed = true;
            self.closed.store(true, Ordering::Release);
            for (_, credit) in state.sinks.drain() {
                credit.close();
            }
            std::mem::take(&mut state.pending)
        };
        for (_, waiter) in pending {
            match waiter {
                Pending::Unary(tx) => {
                    let _ = tx.send(Err(status.clone()));
                }
                Pending::Stream { tx, .. } => {
                    let _ = tx.send(StreamEvent::End(status.clone()));
                }
            }
        }
    }
}
