//! The echo client both servers face: every connection sends a 64-byte
//! message, waits for all 64 bytes back, and sends the next, until it has
//! done its round trips (a closed loop, one message in flight per
//! connection, no pipelining).
//!
//! It is one thread on bare mio, the cheapest client there is: a round trip
//! costs it one read and one write, about what it costs the server, so on a
//! two-core machine client and server each get a core. Blocking threads
//! (64 of them) were rejected: waking a thread per reply costs more than
//! the server's work and would make the client the bottleneck. Whether the
//! server is saturated is reported (its thread's CPU time over the run's
//! wall time) next to the results.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use super::server::thread_cpu_time;

/// Bytes per message.
pub(crate) const MESSAGE: usize = 64;

/// A run with no progress for this long is an error, never a hang.
const STALL: Duration = Duration::from_secs(10);

/// The load: how many connections, how many round trips each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Load {
    /// Concurrent connections.
    pub(crate) clients: usize,
    /// Round trips per connection.
    pub(crate) round_trips: usize,
}

/// One client connection.
struct Conn {
    /// The socket.
    stream: TcpStream,
    /// Bytes of the current reply received so far.
    got: usize,
    /// Round trips still to do, the current one included.
    left: usize,
}

/// What one client run measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientRun {
    /// From the first send to the last reply.
    pub(crate) wall: Duration,
    /// CPU time of the client thread over the same span.
    pub(crate) cpu: Duration,
}

/// Connects `load.clients` connections to `addr` and runs every round trip.
pub(crate) fn run(addr: SocketAddr, load: Load) -> anyhow::Result<ClientRun> {
    let mut poll = Poll::new().context("creating the client Poll")?;
    let mut conns = Vec::with_capacity(load.clients);
    for i in 0..load.clients {
        let std_stream =
            std::net::TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
        std_stream.set_nodelay(true)?;
        std_stream.set_nonblocking(true)?;
        let mut stream = TcpStream::from_std(std_stream);
        poll.registry()
            .register(&mut stream, Token(i), Interest::READABLE)?;
        conns.push(Conn {
            stream,
            got: 0,
            left: load.round_trips,
        });
    }
    let message = [b'x'; MESSAGE];
    let mut buf = [0u8; 4 * MESSAGE];
    let mut events = Events::with_capacity(1024);
    let started = Instant::now();
    let cpu_started = thread_cpu_time();
    let mut done = 0;
    for conn in &mut conns {
        if conn.left == 0 {
            done += 1;
        } else {
            send(&mut conn.stream, &message)?;
        }
    }
    while done < conns.len() {
        poll.poll(&mut events, Some(STALL))
            .context("client epoll_wait")?;
        if events.is_empty() {
            bail!(
                "echo client stalled: {done} of {} connections finished",
                conns.len()
            );
        }
        for event in events.iter() {
            let conn = &mut conns[event.token().0];
            // Short-read rule: the buffer is bigger than a reply, so a read
            // that does not fill it has emptied the socket.
            loop {
                match conn.stream.read(&mut buf) {
                    Ok(0) => bail!("server closed a connection mid-run"),
                    Ok(n) => {
                        conn.got += n;
                        if n < buf.len() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e).context("client read"),
                }
            }
            if conn.got > MESSAGE {
                bail!(
                    "server sent {} bytes for a {MESSAGE}-byte message",
                    conn.got
                );
            }
            if conn.got == MESSAGE && conn.left > 0 {
                conn.got = 0;
                conn.left -= 1;
                if conn.left == 0 {
                    done += 1;
                } else {
                    send(&mut conn.stream, &message)?;
                }
            }
        }
    }
    Ok(ClientRun {
        wall: started.elapsed(),
        cpu: thread_cpu_time().saturating_sub(cpu_started),
    })
}

/// Writes a whole message; an empty socket buffer always takes 64 bytes, so
/// a short write means something is badly wrong.
fn send(stream: &mut TcpStream, message: &[u8]) -> anyhow::Result<()> {
    let n = stream.write(message).context("client write")?;
    if n != message.len() {
        bail!("short client write: {n} of {} bytes", message.len());
    }
    Ok(())
}
