//! One connection with a large backlog must not make the others wait: per
//! turn it gets at most the write budget out and the read budget in, and
//! another connection's round trip completes within a bounded number of
//! turns. Counted in loop turns, not timed.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream as Client;
use std::time::Duration;

use event_loop::conn::{DEFAULT_READ_BUDGET, DEFAULT_WRITE_BUDGET};
use event_loop::{BufferedConn, Builder, ConnHandler, EventLoop};
use mio::net::UnixStream;

/// Output the hog queues on its first request: 8 MiB.
const BACKLOG: usize = 8 << 20;

/// A server end for the loop and a non-blocking client end for the test.
fn pair() -> (UnixStream, Client) {
    let (server, client) = Client::pair().unwrap();
    server.set_nonblocking(true).unwrap();
    client.set_nonblocking(true).unwrap();
    (UnixStream::from_std(server), client)
}

/// Everything the client can read without blocking, appended to `into`.
fn drain(client: &mut Client, into: &mut Vec<u8>) -> usize {
    let mut buf = [0u8; 64 * 1024];
    let before = into.len();
    loop {
        match client.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => into.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("client read: {e}"),
        }
    }
    into.len() - before
}

/// Byte `i` of the hog's backlog.
fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

/// What the connections report.
#[derive(Default)]
struct Counts {
    /// Input the flooder's handler saw in its latest callback.
    flood_in: usize,
    /// Most input the flooder's handler saw in one callback.
    flood_in_max: usize,
}

/// First request: queue the whole backlog. Then echo.
struct Hog {
    /// The backlog was queued.
    started: bool,
}

impl ConnHandler<Counts> for Hog {
    fn on_read(&mut self, _: &mut EventLoop<Counts>, _: &mut Counts, conn: &mut BufferedConn) {
        conn.input_mut().clear();
        if !self.started {
            self.started = true;
            let block: Vec<u8> = (0..BACKLOG).map(pattern).collect();
            conn.write(&block);
        }
    }
}

/// Swallows its input, recording how much came per callback.
fn flooded(_: &mut EventLoop<Counts>, c: &mut Counts, conn: &mut BufferedConn) {
    c.flood_in = conn.input().len();
    c.flood_in_max = c.flood_in_max.max(c.flood_in);
    conn.input_mut().clear();
}

/// Echo.
fn echo(_: &mut EventLoop<Counts>, _: &mut Counts, conn: &mut BufferedConn) {
    let input = conn.input_mut().split();
    conn.write(&input);
}

fn fairness(deferred: bool) {
    let mut ev: EventLoop<Counts> = Builder::default()
        .deferred_writes(deferred)
        .build()
        .unwrap();
    let (hog_server, mut hog_client) = pair();
    let (flood_server, mut flood_client) = pair();
    let (echo_server, mut echo_client) = pair();
    ev.add_conn(hog_server, Hog { started: false }).unwrap();
    ev.add_conn(flood_server, flooded).unwrap();
    ev.add_conn(echo_server, echo).unwrap();
    let mut counts = Counts::default();
    hog_client.write_all(b"go").unwrap();

    let flood = vec![b'f'; 256 * 1024];
    let mut received = Vec::with_capacity(BACKLOG);
    let mut most_per_turn = 0;
    let mut worst_round_trip = 0;
    let mut turns = 0;
    while received.len() < BACKLOG {
        // A round trip on the echo connection, during the hog's transfer,
        // while the flooder keeps its socket full.
        echo_client.write_all(b"ping").unwrap();
        let mut back = Vec::new();
        let mut waited = 0;
        while back.len() < 4 {
            let _ = flood_client.write(&flood);
            ev.run_once(&mut counts, Some(Duration::from_millis(100)))
                .unwrap();
            turns += 1;
            waited += 1;
            let got = drain(&mut hog_client, &mut received);
            most_per_turn = most_per_turn.max(got);
            drain(&mut echo_client, &mut back);
            assert!(waited < 10, "the echo waited {waited} turns");
        }
        assert_eq!(back, b"ping");
        worst_round_trip = worst_round_trip.max(waited);
        assert!(
            turns < 10 * BACKLOG / DEFAULT_WRITE_BUDGET,
            "the backlog stalled"
        );
    }
    assert!(
        most_per_turn <= DEFAULT_WRITE_BUDGET,
        "the hog got {most_per_turn} bytes out in one turn"
    );
    assert!(
        counts.flood_in_max <= DEFAULT_READ_BUDGET,
        "the flooder's handler got {} bytes in one turn",
        counts.flood_in_max
    );
    // Deferred: the request is read in one turn, the echo written in the
    // next turn's pass; direct: written in the same turn.
    let bound = if deferred { 2 } else { 1 };
    assert!(
        worst_round_trip <= bound,
        "a round trip took {worst_round_trip} turns"
    );
    assert!(
        received.iter().enumerate().all(|(i, &b)| b == pattern(i)),
        "the backlog arrived out of order"
    );
}

#[test]
fn a_large_backlog_does_not_hold_up_another_connection() {
    fairness(false);
}

#[test]
fn a_large_backlog_does_not_hold_up_another_connection_when_deferred() {
    fairness(true);
}
