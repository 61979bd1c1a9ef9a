//! A quick before/after measurement of the loop's hot paths, in-process:
//!
//! ```text
//! cargo run --release -p event-loop --example turn_bench
//! ```
//!
//! The workloads, each timed over alternating rounds, median printed. The
//! time is the thread's on-CPU time (`/proc/thread-self/schedstat`), not
//! the wall clock, so other processes competing for the cores do not count
//! (the machine this runs on is shared with builds).
//!
//! - `ring`: 100 socket pairs registered with `register_fn`; one byte goes
//!   round the ring 100,000 times (libevent's `test/bench.c` shape). Cost
//!   per callback of dispatch alone.
//! - `echo`: 64 buffered connections; each round writes 64 bytes to every
//!   client and turns the loop until all 64 echoes are back. Cost per
//!   round trip of read → callback → write (the one-small-reply path).
//! - `echo-deferred`: the same with `Builder::deferred_writes(true)`, the
//!   echo written straight into the output with `OutputBuffer::append`
//!   and sent by the pending pass before the next poll.
//!
//! The full comparisons (libevent, mio, tokio) are in the `benches` crate;
//! this is the crate-local check that a change did not slow the hot path.
//!
//! Every `unwrap` here is on the bench's own set-up (socket pairs it
//! creates, its own loop) — no input reaches it, and a bench that cannot
//! set up has nothing to measure, so it stops at once.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream as StdStream;
use std::time::Duration;

use event_loop::{BufferedConn, EventLoop, Interest, IoEvent};
use mio::net::UnixStream;

/// Pairs in the ring.
const RING: usize = 100;
/// Hops per ring round.
const HOPS: u64 = 100_000;
/// Echo connections.
const CONNS: usize = 64;
/// Echo round trips per round.
const TRIPS: usize = 19_200;
/// Rounds per workload.
const ROUNDS: usize = 15;

/// The ring's state: the pairs and the hop count.
struct Ring {
    /// Socket pairs; callback `i` reads `pairs[i].0` and writes `pairs[i+1].1`.
    pairs: Vec<(UnixStream, UnixStream)>,
    /// Hops so far.
    hops: u64,
}

/// One hop: read the byte, pass it on.
fn hop(_: &mut EventLoop<Ring>, ring: &mut Ring, _: IoEvent, arg: u64) {
    let i = arg as usize;
    let mut byte = [0u8; 1];
    if let Ok(1) = (&ring.pairs[i].0).read(&mut byte) {
        ring.hops += 1;
        let next = (i + 1) % ring.pairs.len();
        let _ = (&ring.pairs[next].1).write(&byte);
    }
}

/// Nanoseconds per hop round the ring.
fn ring_round(ev: &mut EventLoop<Ring>, ring: &mut Ring) -> f64 {
    // One byte circulates for the whole run (seeded in `main`).
    let target = ring.hops + HOPS;
    let start = cpu_ns();
    while ring.hops < target {
        ev.run_once(ring, Some(Duration::from_secs(1))).unwrap();
    }
    (cpu_ns() - start) as f64 / HOPS as f64
}

/// The echo handler, written as the `benches` echo server writes it.
fn echo(_: &mut EventLoop<u64>, n: &mut u64, conn: &mut BufferedConn) {
    let (input, output) = conn.buffers();
    output.push_slice(input);
    input.clear();
    *n += 1;
}

/// Nanoseconds per echo round trip (server and client sides together).
fn echo_round(ev: &mut EventLoop<u64>, clients: &mut [StdStream], calls: &mut u64) -> f64 {
    let message = [b'm'; 64];
    let mut back = [0u8; 64];
    let start = cpu_ns();
    for _ in 0..TRIPS / CONNS {
        let target = *calls + CONNS as u64;
        for client in clients.iter_mut() {
            client.write_all(&message).unwrap();
        }
        while *calls < target {
            ev.run_once(calls, Some(Duration::from_secs(1))).unwrap();
        }
        // Replies are written by the time the callbacks ran (or, deferred,
        // by the next turn's flush): turn once more without sleeping.
        ev.run_once(calls, Some(Duration::ZERO)).unwrap();
        for client in clients.iter_mut() {
            client.read_exact(&mut back).unwrap();
        }
    }
    (cpu_ns() - start) as f64 / (TRIPS / CONNS * CONNS) as f64
}

/// Nanoseconds this thread has spent on a CPU (user and kernel).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// 64 buffered echo connections and their (blocking) clients.
fn echo_loop(deferred: bool) -> (EventLoop<u64>, Vec<StdStream>) {
    let mut ev: EventLoop<u64> = event_loop::Builder::default()
        .deferred_writes(deferred)
        .build()
        .unwrap();
    let mut clients = Vec::new();
    for _ in 0..CONNS {
        let (server, client) = StdStream::pair().unwrap();
        server.set_nonblocking(true).unwrap();
        if deferred {
            ev.add_conn(UnixStream::from_std(server), echo_append)
        } else {
            ev.add_conn(UnixStream::from_std(server), echo)
        }
        .unwrap();
        // Blocking client side, so read_exact waits for the echo.
        clients.push(client);
    }
    (ev, clients)
}

/// The echo handler writing through `append`, as a `Vec` encoder would.
fn echo_append(_: &mut EventLoop<u64>, n: &mut u64, conn: &mut BufferedConn) {
    let (input, output) = conn.buffers();
    output.append().extend_from_slice(input);
    input.clear();
    *n += 1;
}

fn main() {
    let mut ev: EventLoop<Ring> = EventLoop::new().unwrap();
    let mut ring = Ring {
        pairs: (0..RING).map(|_| UnixStream::pair().unwrap()).collect(),
        hops: 0,
    };
    for i in 0..RING {
        ev.register_fn(&mut ring.pairs[i].0, Interest::READABLE, hop, i as u64)
            .unwrap();
    }

    let (mut echo_ev, mut clients) = echo_loop(false);
    let (mut deferred_ev, mut deferred_clients) = echo_loop(true);
    let mut calls = 0u64;
    let _ = (&ring.pairs[0].1).write(b"x");

    let mut deferred_calls = 0u64;
    let (mut rings, mut echoes, mut deferred) = (Vec::new(), Vec::new(), Vec::new());
    ring_round(&mut ev, &mut ring);
    echo_round(&mut echo_ev, &mut clients, &mut calls);
    echo_round(&mut deferred_ev, &mut deferred_clients, &mut deferred_calls);
    for _ in 0..ROUNDS {
        rings.push(ring_round(&mut ev, &mut ring));
        echoes.push(echo_round(&mut echo_ev, &mut clients, &mut calls));
        deferred.push(echo_round(
            &mut deferred_ev,
            &mut deferred_clients,
            &mut deferred_calls,
        ));
    }
    println!("ring: {:.1} ns/hop (median of {ROUNDS})", median(rings));
    println!(
        "echo: {:.1} ns/round trip (median of {ROUNDS})",
        median(echoes)
    );
    println!(
        "echo-deferred: {:.1} ns/round trip (median of {ROUNDS})",
        median(deferred)
    );
}
