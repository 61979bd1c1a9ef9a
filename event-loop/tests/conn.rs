//! Buffered connections over real TCP sockets: many clients, peer reset,
//! half-close, backpressure both ways, close-after-flush.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use event_loop::{BufferedConn, ConnHandler, EventLoop, IoId, LoopHandle};
use mio::net::TcpListener;

/// Run a server loop on its own thread. `setup` runs on that thread with
/// the loop and a bound listener; the final state comes back from `join`.
fn spawn_server<S, F>(setup: F) -> (SocketAddr, LoopHandle<S>, thread::JoinHandle<S>)
where
    S: Default + Send + 'static,
    F: FnOnce(&mut EventLoop<S>, TcpListener) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let join = thread::spawn(move || {
        let mut ev: EventLoop<S> = EventLoop::new().unwrap();
        setup(&mut ev, listener);
        tx.send(ev.handle()).unwrap();
        let mut state = S::default();
        ev.run(&mut state).unwrap();
        state
    });
    (addr, rx.recv().unwrap(), join)
}

fn echo<S>(_: &mut EventLoop<S>, _: &mut S, conn: &mut BufferedConn) {
    let input = conn.input_mut().split();
    conn.write(&input);
}

#[test]
fn a_thousand_concurrent_connections_each_get_their_own_echo() {
    let (addr, handle, join) = spawn_server::<usize, _>(|ev, listener| {
        ev.listen(listener, |ev, accepted, stream, _| {
            *accepted += 1;
            ev.add_conn(stream, echo::<usize>).unwrap();
        })
        .unwrap();
    });
    let mut clients: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    for (i, c) in clients.iter_mut().enumerate() {
        c.write_all(format!("client {i:04}\n").as_bytes()).unwrap();
    }
    for (i, c) in clients.iter_mut().enumerate() {
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut back = [0u8; 12];
        c.read_exact(&mut back).unwrap();
        assert_eq!(&back[..], format!("client {i:04}\n").as_bytes());
    }
    drop(clients);
    handle.stop().unwrap();
    assert_eq!(join.join().unwrap(), 1000);
}

/// Records what happened to connections.
#[derive(Default)]
struct Events {
    errors: Vec<io::ErrorKind>,
    closed: Vec<IoId>,
}

/// Echo handler that logs errors and closes.
struct Logged;

impl ConnHandler<Events> for Logged {
    fn on_read(&mut self, ev: &mut EventLoop<Events>, s: &mut Events, conn: &mut BufferedConn) {
        echo(ev, s, conn)
    }
    fn on_error(
        &mut self,
        _: &mut EventLoop<Events>,
        s: &mut Events,
        _: &mut BufferedConn,
        err: &io::Error,
    ) {
        s.errors.push(err.kind());
    }
    fn on_close(&mut self, _: &mut EventLoop<Events>, s: &mut Events, id: IoId) {
        s.closed.push(id);
    }
}

#[test]
fn peer_reset_reports_an_error_and_closes_exactly_once() {
    let (addr, handle, join) = spawn_server::<Events, _>(|ev, listener| {
        ev.listen(listener, |ev, _, stream, _| {
            ev.add_conn(stream, Logged).unwrap();
        })
        .unwrap();
    });
    let mut client = TcpStream::connect(addr).unwrap();
    client.write_all(b"unread echo").unwrap();
    thread::sleep(Duration::from_millis(50));
    // Closing with unread data in our receive queue sends RST, not FIN.
    drop(client);
    thread::sleep(Duration::from_millis(50));
    // The server keeps serving others.
    let mut other = TcpStream::connect(addr).unwrap();
    other.write_all(b"still here").unwrap();
    let mut back = [0u8; 10];
    other.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"still here");
    handle.stop().unwrap();
    let events = join.join().unwrap();
    assert_eq!(events.errors, [io::ErrorKind::ConnectionReset]);
    assert_eq!(events.closed.len(), 1);
}

/// Answers "bye" with "ok" and a half-close; counts bytes read after it.
#[derive(Default)]
struct HalfClose {
    after_bye: usize,
    eof_seen: bool,
}

struct ByeHandler {
    said_bye: bool,
}

impl ConnHandler<HalfClose> for ByeHandler {
    fn on_read(
        &mut self,
        _: &mut EventLoop<HalfClose>,
        s: &mut HalfClose,
        conn: &mut BufferedConn,
    ) {
        let input = conn.input_mut().split();
        if self.said_bye {
            s.after_bye += input.len();
        } else if input.starts_with(b"bye") {
            self.said_bye = true;
            s.after_bye += input.len() - 3;
            conn.write(b"ok");
            conn.shutdown_write();
        }
    }
    fn on_eof(&mut self, _: &mut EventLoop<HalfClose>, s: &mut HalfClose, conn: &mut BufferedConn) {
        s.eof_seen = true;
        conn.close_after_flush();
    }
}

#[test]
fn server_half_close_sends_eof_but_keeps_reading() {
    let (addr, handle, join) = spawn_server::<HalfClose, _>(|ev, listener| {
        ev.listen(listener, |ev, _, stream, _| {
            ev.add_conn(stream, ByeHandler { said_bye: false }).unwrap();
        })
        .unwrap();
    });
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    client.write_all(b"bye").unwrap();
    let mut got = Vec::new();
    client.read_to_end(&mut got).unwrap(); // ends at the server's FIN
    assert_eq!(got, b"ok");
    client.write_all(b"more after eof").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (tx, rx) = std::sync::mpsc::channel();
        handle
            .run(move |_, s: &mut HalfClose| tx.send((s.after_bye, s.eof_seen)).unwrap())
            .unwrap();
        if rx.recv().unwrap() == (14, true) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "server never read the bytes sent after its half-close"
        );
        thread::sleep(Duration::from_millis(5));
    }
    handle.stop().unwrap();
    join.join().unwrap();
}

#[test]
fn peer_half_close_still_gets_a_late_reply() {
    let (addr, handle, join) = spawn_server::<(), _>(|ev, listener| {
        struct Late;
        impl ConnHandler<()> for Late {
            fn on_read(&mut self, _: &mut EventLoop<()>, _: &mut (), _: &mut BufferedConn) {}
            fn on_eof(&mut self, ev: &mut EventLoop<()>, _: &mut (), conn: &mut BufferedConn) {
                // Reply 20 ms after the client's FIN, from a timer.
                let id = conn.id();
                let n = conn.input().len();
                ev.timer(Duration::from_millis(20), move |ev, _, _| {
                    let conn = ev.conn_mut(id).unwrap();
                    conn.write(format!("read {n} bytes").as_bytes());
                    conn.close_after_flush();
                });
            }
        }
        ev.listen(listener, |ev, _, stream, _| {
            ev.add_conn(stream, Late).unwrap();
        })
        .unwrap();
    });
    let mut client = TcpStream::connect(addr).unwrap();
    client.write_all(b"hello world").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut got = String::new();
    client.read_to_string(&mut got).unwrap();
    assert_eq!(got, "read 11 bytes");
    handle.stop().unwrap();
    join.join().unwrap();
}

/// Read-side backpressure state.
#[derive(Default)]
struct Hoard {
    max_input: usize,
    conn: Option<IoId>,
    consumed: usize,
}

const HIGH_WATER: usize = 64 * 1024;

#[test]
fn read_high_watermark_stops_reading_until_input_is_consumed() {
    let (addr, handle, join) = spawn_server::<Hoard, _>(|ev, listener| {
        ev.listen(listener, |ev, hoard: &mut Hoard, stream, _| {
            // Keep everything: never consume in on_read.
            let hoarder = |_: &mut EventLoop<Hoard>, h: &mut Hoard, conn: &mut BufferedConn| {
                h.max_input = h.max_input.max(conn.input().len());
            };
            let id = ev.add_conn(stream, hoarder).unwrap();
            ev.conn_mut(id).unwrap().set_read_high_watermark(HIGH_WATER);
            hoard.conn = Some(id);
        })
        .unwrap();
    });
    // Well above what the kernel can buffer on loopback (the tcp_rmem and
    // tcp_wmem maxima: 6 + 4 MiB by default, 32 + 4 MiB on some hosts), so
    // the writer must block once we stop reading.
    const TOTAL: usize = 48 * 1024 * 1024;
    let mut client = TcpStream::connect(addr).unwrap();
    let writer = thread::spawn(move || {
        let chunk = vec![7u8; 64 * 1024];
        let mut sent = 0;
        while sent < TOTAL {
            client.write_all(&chunk).unwrap();
            sent += chunk.len();
        }
        client
    });
    thread::sleep(Duration::from_millis(200));
    assert!(
        !writer.is_finished(),
        "the writer must be blocked by backpressure"
    );
    // Now drain: consume the input from outside the connection's callback.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (tx, rx) = std::sync::mpsc::channel();
        handle
            .run(move |ev, h: &mut Hoard| {
                if let Some(conn) = h.conn.and_then(|id| ev.conn_mut(id)) {
                    h.consumed += conn.input().len();
                    conn.input_mut().clear();
                }
                tx.send((h.consumed, h.max_input)).unwrap();
            })
            .unwrap();
        let (consumed, max_input) = rx.recv().unwrap();
        assert!(max_input <= HIGH_WATER, "input grew to {max_input}");
        if consumed == TOTAL {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {consumed} of {TOTAL} bytes arrived"
        );
        thread::sleep(Duration::from_millis(1));
    }
    drop(writer.join().unwrap());
    handle.stop().unwrap();
    join.join().unwrap();
}

/// Write-side producer state.
#[derive(Default)]
struct Produced {
    max_output: usize,
    low_water_calls: usize,
}

const CHUNK: usize = 256 * 1024;
const STREAM_TOTAL: usize = 8 * 1024 * 1024;

/// Streams a byte pattern, refilling when output falls to the low-watermark.
struct Producer {
    sent: usize,
}

/// The pattern bytes of the chunk starting at `offset`.
fn chunk_at(offset: usize) -> bytes::Bytes {
    (offset..offset + CHUNK)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

impl Producer {
    fn refill(&mut self, p: &mut Produced, conn: &mut BufferedConn) {
        if self.sent < STREAM_TOTAL {
            conn.write_bytes(chunk_at(self.sent));
            self.sent += CHUNK;
        } else {
            conn.close_after_flush();
        }
        p.max_output = p.max_output.max(conn.output_len());
    }
}

impl ConnHandler<Produced> for Producer {
    fn on_read(&mut self, _: &mut EventLoop<Produced>, _: &mut Produced, conn: &mut BufferedConn) {
        conn.input_mut().clear();
    }
    fn on_write(&mut self, _: &mut EventLoop<Produced>, p: &mut Produced, conn: &mut BufferedConn) {
        p.low_water_calls += 1;
        self.refill(p, conn);
    }
}

#[test]
fn slow_reader_gets_every_byte_in_order_with_bounded_output() {
    let (addr, handle, join) = spawn_server::<Produced, _>(|ev, listener| {
        ev.listen(listener, |ev, _, stream, _| {
            // The first chunk is written here; `on_write` produces the rest.
            let id = ev.add_conn(stream, Producer { sent: CHUNK }).unwrap();
            let conn = ev.conn_mut(id).unwrap();
            conn.set_write_low_watermark(CHUNK / 4);
            conn.write_bytes(chunk_at(0));
        })
        .unwrap();
    });
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut got = Vec::with_capacity(STREAM_TOTAL);
    let mut buf = vec![0u8; 4096];
    // Slow start: small reads with pauses, so the server hits a full socket.
    for _ in 0..20 {
        thread::sleep(Duration::from_millis(2));
        let n = client.read(&mut buf).unwrap();
        got.extend_from_slice(&buf[..n]);
    }
    client.read_to_end(&mut got).unwrap();
    assert_eq!(got.len(), STREAM_TOTAL);
    assert!(
        got.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8),
        "bytes out of order"
    );
    handle.stop().unwrap();
    let p = join.join().unwrap();
    assert!(
        p.low_water_calls >= STREAM_TOTAL / CHUNK - 1,
        "{} refills",
        p.low_water_calls
    );
    assert!(p.max_output <= 2 * CHUNK, "output grew to {}", p.max_output);
}

/// Counts read timeouts, and keeps or closes on them.
#[derive(Default)]
struct Idle {
    timeouts: usize,
    closed: usize,
}

struct IdleHandler;

impl ConnHandler<Idle> for IdleHandler {
    fn on_read(&mut self, _: &mut EventLoop<Idle>, _: &mut Idle, conn: &mut BufferedConn) {
        let (input, output) = conn.buffers();
        output.push_slice(input);
        input.clear();
    }
    fn on_timeout(&mut self, _: &mut EventLoop<Idle>, s: &mut Idle, conn: &mut BufferedConn) {
        s.timeouts += 1;
        conn.close();
    }
    fn on_close(&mut self, _: &mut EventLoop<Idle>, s: &mut Idle, _: IoId) {
        s.closed += 1;
    }
}

#[test]
fn read_timeout_closes_an_idle_client_but_not_a_chatty_one() {
    let (addr, handle, join) = spawn_server::<Idle, _>(|ev, listener| {
        ev.listen(listener, |ev, _, stream, _| {
            let id = ev.add_conn(stream, IdleHandler).unwrap();
            ev.conn_mut(id)
                .unwrap()
                .set_read_timeout(Some(Duration::from_millis(150)));
        })
        .unwrap();
    });
    let mut idle = TcpStream::connect(addr).unwrap();
    let mut chatty = TcpStream::connect(addr).unwrap();
    chatty
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    // The chatty client talks every 10 ms for 450 ms: never idle for 150
    // (generous margins for a loaded machine).
    while started.elapsed() < Duration::from_millis(450) {
        chatty.write_all(b"x").unwrap();
        let mut b = [0u8; 1];
        chatty.read_exact(&mut b).unwrap();
        thread::sleep(Duration::from_millis(10));
    }
    // By now the idle one was closed by the server: we read EOF.
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    idle.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    chatty.write_all(b"y").unwrap();
    let mut b = [0u8; 1];
    chatty.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"y");
    handle.stop().unwrap();
    let idle_state = join.join().unwrap();
    assert_eq!((idle_state.timeouts, idle_state.closed), (1, 1));
}
