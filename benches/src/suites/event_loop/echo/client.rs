//! The echo client both servers face: every connection sends a 64-byte
//! message, waits for all 64 bytes back, and sends the next, until it has
//! done its round trips (a closed loop, one message in flight per
//! connection, no pipelining).
//!
//! Two threads on bare mio share the connections, each with its own `Poll`.
//! A round trip costs the client one read and one write, about what it
//! costs the server; with one client thread the two would be equals and
//! the client could hold a faster server back, so the client gets twice
//! the server's threads and the server is the side that runs out. Blocking
//! threads (one per connection) were rejected: waking a thread per reply
//! costs more than the server's work. The CPU time of the server thread
//! and of the client threads over the run's wall time is reported next to
//! the results.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use super::server::thread_cpu_time;

/// Bytes per message.
pub(crate) const MESSAGE: usize = 64;

/// Client threads; connection `i` belongs to thread `i % CLIENT_THREADS`.
pub(crate) const CLIENT_THREADS: usize = 2;

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

/// What one client run measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientRun {
    /// From the first send to the last reply, over all threads.
    pub(crate) wall: Duration,
    /// CPU time of all client threads over the run.
    pub(crate) cpu: Duration,
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

/// What one client thread measured: when it started and ended, its CPU time.
type Span = (Instant, Instant, Duration);

/// Connects `load.clients` connections to `addr` and runs every round trip.
pub(crate) fn run(addr: SocketAddr, load: Load) -> anyhow::Result<ClientRun> {
    // Every thread connects first; the clock starts when all are connected.
    let ready = Barrier::new(CLIENT_THREADS);
    let spans: Vec<anyhow::Result<Span>> = thread::scope(|scope| {
        let workers: Vec<_> = (0..CLIENT_THREADS)
            .map(|t| {
                let share = (t..load.clients).step_by(CLIENT_THREADS).count();
                let ready = &ready;
                scope.spawn(move || {
                    let connected = connect(addr, share, load.round_trips);
                    ready.wait();
                    drive(connected?)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().map_err(|_| anyhow!("a client thread panicked"))?)
            .collect()
    });
    let spans = spans.into_iter().collect::<anyhow::Result<Vec<Span>>>()?;
    let start = spans
        .iter()
        .map(|s| s.0)
        .min()
        .context("no client threads")?;
    let end = spans
        .iter()
        .map(|s| s.1)
        .max()
        .context("no client threads")?;
    Ok(ClientRun {
        wall: end - start,
        cpu: spans.iter().map(|s| s.2).sum(),
    })
}

/// Opens `count` connections registered with a fresh `Poll`.
fn connect(
    addr: SocketAddr,
    count: usize,
    round_trips: usize,
) -> anyhow::Result<(Poll, Vec<Conn>)> {
    let poll = Poll::new().context("creating the client Poll")?;
    let mut conns = Vec::with_capacity(count);
    for i in 0..count {
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
            left: round_trips,
        });
    }
    Ok((poll, conns))
}

/// Runs every round trip of one thread's connections.
fn drive((mut poll, mut conns): (Poll, Vec<Conn>)) -> anyhow::Result<Span> {
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
    Ok((
        started,
        Instant::now(),
        thread_cpu_time().saturating_sub(cpu_started),
    ))
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
