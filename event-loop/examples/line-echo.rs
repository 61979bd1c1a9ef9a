//! An echo server on the event loop.
//!
//! Run it:     cargo run --release -p event-loop --example line-echo -- --port 7000
//! Then try:   nc 127.0.0.1 7000        (type lines; they come back)
//!             printf 'hello\n' | nc -q1 127.0.0.1 7000
//! Ctrl-C (SIGINT) stops it cleanly, printing how many connections it served.

use std::net::SocketAddr;

use event_loop::signal::consts::{SIGINT, SIGTERM};
use event_loop::{BufferedConn, ConnHandler, EventLoop, IoId};
use mio::net::TcpListener;

/// Server-wide state handed to every callback.
#[derive(Default)]
struct Stats {
    /// Connections currently open.
    open: usize,
    /// Connections accepted since start.
    served: usize,
}

// ANCHOR: handler
/// Per-connection handler: echo every byte back.
struct Echo;

impl ConnHandler<Stats> for Echo {
    fn on_read(&mut self, _ev: &mut EventLoop<Stats>, _stats: &mut Stats, conn: &mut BufferedConn) {
        // Move the input to the output: copied once, nothing allocated.
        let (input, output) = conn.buffers();
        output.push_slice(input);
        input.clear();
    }

    fn on_close(&mut self, _ev: &mut EventLoop<Stats>, stats: &mut Stats, _id: IoId) {
        stats.open -= 1;
    }
}
// ANCHOR_END: handler

fn main() -> anyhow::Result<()> {
    let port = std::env::args()
        .skip_while(|a| a != "--port")
        .nth(1)
        .map(|p| p.parse::<u16>())
        .transpose()?
        .unwrap_or(7000);
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    // ANCHOR: setup
    let mut ev: EventLoop<Stats> = EventLoop::new()?;
    ev.listen(TcpListener::bind(addr)?, |ev, stats, stream, _peer| {
        let _ = stream.set_nodelay(true);
        if ev.add_conn(stream, Echo).is_ok() {
            stats.open += 1;
            stats.served += 1;
        }
    })?;
    for signal in [SIGINT, SIGTERM] {
        ev.signal(signal, |ev, _, _| ev.stop())?;
    }
    // ANCHOR_END: setup
    println!("echo server on {addr}; try: nc 127.0.0.1 {port}");
    let mut stats = Stats::default();
    ev.run(&mut stats)?;
    println!(
        "\nstopped: served {} connections ({} still open)",
        stats.served, stats.open
    );
    Ok(())
}
