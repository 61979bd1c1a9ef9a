//! The echo server on our event loop, written like its `examples/line-echo.rs`:
//! [`EventLoop::listen`] hands each accepted stream to
//! [`EventLoop::add_conn`] as a [`BufferedConn`] whose read handler moves
//! the input to the output. The loop is built on the server thread (its
//! callbacks need not be `Send`); the thread sends back a [`LoopHandle`]
//! that stops it.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;

use anyhow::{Context, anyhow};
use event_loop::{BufferedConn, EventLoop, LoopHandle};
use mio::net::TcpListener;

use super::server::{Server, thread_cpu_time};

/// How ours is configured, for the summary.
pub(crate) const DESCRIPTION: &str = "event-loop EventLoop on its own thread (default Builder), \
     EventLoop::listen + add_conn: a BufferedConn per connection whose read handler splits the \
     input and writes it to the output (flushed with one write when the callback returns)";

/// Starts the server on a free loopback port.
pub(crate) fn start() -> anyhow::Result<Server> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").context("binding the event-loop echo server")?;
    listener.set_nonblocking(true)?;
    let addr: SocketAddr = listener.local_addr()?;
    let (handle_tx, handle_rx) = mpsc::channel::<LoopHandle<()>>();
    let thread = thread::Builder::new()
        .name("event-loop-echo".into())
        .spawn(move || {
            let mut ev: EventLoop<()> = EventLoop::new().context("creating the event loop")?;
            ev.listen(TcpListener::from_std(listener), |ev, _, stream, _peer| {
                let _ = stream.set_nodelay(true);
                let _ = ev.add_conn(stream, echo);
            })
            .context("listening")?;
            handle_tx
                .send(ev.handle())
                .map_err(|_| anyhow!("the runner went away"))?;
            ev.run(&mut ()).context("running the event loop")?;
            Ok(thread_cpu_time())
        })?;
    let handle = match handle_rx.recv() {
        Ok(handle) => handle,
        // The thread failed before it could serve: report its error.
        Err(_) => {
            return Err(thread
                .join()
                .map_err(|_| anyhow!("the server thread panicked"))?
                .err()
                .unwrap_or_else(|| anyhow!("the server thread ended early")));
        }
    };
    let stop = move || {
        let _ = handle.stop();
    };
    Ok(Server::new(addr, stop, thread))
}

/// The read handler: everything that came in goes back out.
fn echo(_ev: &mut EventLoop<()>, _state: &mut (), conn: &mut BufferedConn) {
    let input = conn.input_mut().split();
    conn.write(&input);
}
