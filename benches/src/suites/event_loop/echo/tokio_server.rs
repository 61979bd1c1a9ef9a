//! The counterpart: an echo server on a tokio current-thread runtime, on its
//! own thread, written the way tokio's own echo example is (a task per
//! connection, `read` then `write_all`).

use std::net::SocketAddr;
use std::thread;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::server::{Server, thread_cpu_time};

/// Starts the server on a free loopback port.
pub(crate) fn start() -> anyhow::Result<Server> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").context("binding the tokio echo server")?;
    listener.set_nonblocking(true)?;
    let addr: SocketAddr = listener.local_addr()?;
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = thread::Builder::new()
        .name("tokio-echo".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
                .context("building the tokio runtime")?;
            runtime.block_on(serve(listener, stop_rx))?;
            Ok(thread_cpu_time())
        })?;
    let stop = move || {
        let _ = stop_tx.send(());
    };
    Ok(Server::new(addr, stop, thread))
}

/// Accepts until told to stop, one task per connection.
async fn serve(
    listener: std::net::TcpListener,
    mut stop: oneshot::Receiver<()>,
) -> anyhow::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            accepted = listener.accept() => {
                let (socket, _) = accepted.context("accept")?;
                socket.set_nodelay(true)?;
                tokio::spawn(echo(socket));
            }
        }
    }
}

/// Echoes until the peer closes or an error ends the connection.
async fn echo(mut socket: TcpStream) {
    let mut buf = vec![0u8; 4096];
    loop {
        let n = match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if socket.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
