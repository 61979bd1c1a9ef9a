//! Protocol upgrades: a `101 Switching Protocols` response hands the
//! connection to a callback once the response has been written. Mirrors
//! hyper's `upgrade::on` / `Upgraded`, reduced to the server side.
//!
//! The connection task itself runs the callback, so an upgraded connection
//! is still one task in the server's set: graceful shutdown waits for it (up
//! to the deadline), and nothing outlives the socket.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite};

/// What an upgraded connection is read and written through.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// The connection after the 101: the socket, and any bytes the client sent
/// after its request head that the HTTP reader had already taken in.
pub struct Upgraded {
    /// The socket.
    pub io: Box<dyn Io>,
    /// Bytes read past the request head, to be consumed first.
    pub read_ahead: BytesMut,
}

impl std::fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upgraded")
            .field("read_ahead", &self.read_ahead.len())
            .finish_non_exhaustive()
    }
}

type Callback = Box<dyn FnOnce(Upgraded) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// The callback a response carries to take the connection over. Cloning a
/// response shares it; whichever copy the server writes runs it, once.
#[derive(Clone)]
pub struct OnUpgrade(Arc<Mutex<Option<Callback>>>);

impl std::fmt::Debug for OnUpgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnUpgrade")
    }
}

impl OnUpgrade {
    /// Wraps `f`, which runs with the connection after the 101 is sent.
    pub fn new<F, Fut>(f: F) -> OnUpgrade
    where
        F: FnOnce(Upgraded) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let callback: Callback = Box::new(move |up| Box::pin(f(up)));
        OnUpgrade(Arc::new(Mutex::new(Some(callback))))
    }

    /// Runs the callback (a no-op if another copy already ran it).
    pub(crate) async fn run(self, upgraded: Upgraded) {
        // Taken out before awaiting: the lock is never held across an await.
        let callback = self.0.lock().ok().and_then(|mut c| c.take());
        if let Some(callback) = callback {
            callback(upgraded).await;
        }
    }
}
