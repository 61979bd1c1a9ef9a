//! Accepting TCP connections (libevent `evconnlistener`, Redis
//! `acceptTcpHandler`).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use mio::Interest;
use mio::net::{TcpListener, TcpStream};

use crate::error::Result;
use crate::event_loop::EventLoop;
use crate::ready::{IoId, Ready};

/// Most connections accepted per readiness event before yielding to other
/// events (Redis `MAX_ACCEPTS_PER_CALL` = 1000).
pub const MAX_ACCEPTS_PER_CALL: usize = 1000;
/// Back-off before retrying `accept` after running out of file descriptors.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

impl<S: 'static> EventLoop<S> {
    /// Accept connections on `listener` and pass each to `on_accept`,
    /// typically to [`add_conn`](Self::add_conn) it. Accepts until the
    /// backlog is empty (edge-triggered), at most [`MAX_ACCEPTS_PER_CALL`]
    /// per turn. When out of file descriptors (EMFILE/ENFILE) it logs and
    /// retries after 100 ms instead of spinning.
    pub fn listen<F>(&mut self, listener: TcpListener, mut on_accept: F) -> Result<IoId>
    where
        F: FnMut(&mut EventLoop<S>, &mut S, TcpStream, SocketAddr) + 'static,
    {
        self.register_owned(
            listener,
            Interest::READABLE,
            move |ev, state, listener, event| {
                for _ in 0..MAX_ACCEPTS_PER_CALL {
                    match listener.accept() {
                        Ok((stream, addr)) => on_accept(ev, state, stream, addr),
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                        Err(err) if is_transient(&err) => {}
                        Err(err) => {
                            tracing::warn!(%err, "accept failed; retrying in 100 ms");
                            let id = event.id;
                            ev.timer(ACCEPT_RETRY, move |ev, _, _| {
                                ev.activate(id, Ready::READABLE)
                            });
                            return;
                        }
                    }
                }
                // Backlog not drained: no new edge will come for it.
                ev.activate(event.id, Ready::READABLE);
            },
        )
    }
}

/// Errors about one connection that do not concern the listener.
fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}
