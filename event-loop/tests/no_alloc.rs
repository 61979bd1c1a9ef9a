//! Steady-state dispatch does not allocate: counted with a global
//! allocator wrapper. One test function, so no other test allocates
//! concurrently in this binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use event_loop::{BufferedConn, EventLoop, Interest};
use mio::net::UnixStream;

/// Counts every allocation and reallocation.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates every call unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// Ping-pong state: pairs and a counter of callbacks.
struct Ring {
    pairs: Vec<(UnixStream, UnixStream)>,
    callbacks: u64,
}

/// Raw I/O callbacks, a BufferedConn echo (direct, then deferred with a
/// write by id from a before-sleep hook) and a repeating timer, all warmed
/// up, then run for many turns: the allocation count must not move.
#[test]
fn steady_state_turns_do_not_allocate() {
    // Raw events in a ring: each callback reads one byte and passes it on.
    let mut ev: EventLoop<Ring> = EventLoop::new().unwrap();
    let mut ring = Ring {
        pairs: (0..10).map(|_| UnixStream::pair().unwrap()).collect(),
        callbacks: 0,
    };
    for i in 0..ring.pairs.len() {
        ev.register(
            &mut ring.pairs[i].0,
            Interest::READABLE,
            move |_, r: &mut Ring, _| {
                let mut b = [0u8; 1];
                if let Ok(1) = (&r.pairs[i].0).read(&mut b) {
                    r.callbacks += 1;
                    let next = (i + 1) % r.pairs.len();
                    let _ = (&r.pairs[next].1).write(&b);
                }
            },
        )
        .unwrap();
    }
    ev.repeat(Duration::from_millis(1), |_, r, _| r.callbacks += 0);
    (&ring.pairs[0].1).write_all(b"x").unwrap();
    while ring.callbacks < 1000 {
        ev.run_once(&mut ring, Some(Duration::from_secs(1)))
            .unwrap();
    }
    let before = allocations();
    while ring.callbacks < 11_000 {
        ev.run_once(&mut ring, Some(Duration::from_secs(1)))
            .unwrap();
    }
    assert_eq!(
        allocations() - before,
        0,
        "raw I/O and timer turns allocated"
    );

    // A buffered echo, driven by a client on the other end of a pair.
    let (server, mut client) = UnixStream::pair().unwrap();
    let mut ev: EventLoop<u64> = EventLoop::new().unwrap();
    ev.add_conn(
        server,
        |_: &mut EventLoop<u64>, n: &mut u64, conn: &mut BufferedConn| {
            let (input, output) = conn.buffers();
            output.push_slice(input);
            input.clear();
            *n += 1;
        },
    )
    .unwrap();
    let mut reads = 0u64;
    let mut round_trip = |ev: &mut EventLoop<u64>, reads: &mut u64| {
        client.write_all(b"0123456789abcdef").unwrap();
        let target = *reads + 1;
        while *reads < target {
            ev.run_once(reads, Some(Duration::from_secs(1))).unwrap();
        }
        let mut back = [0u8; 16];
        client.read_exact(&mut back).unwrap();
    };
    for _ in 0..100 {
        round_trip(&mut ev, &mut reads);
    }
    let before = allocations();
    for _ in 0..2000 {
        round_trip(&mut ev, &mut reads);
    }
    assert_eq!(allocations() - before, 0, "buffered echo turns allocated");

    // Deferred writes: the echo is queued for the pending pass, and a
    // before-sleep hook writes to a second connection by id each turn.
    let (server, mut client) = UnixStream::pair().unwrap();
    let (watcher, mut watcher_client) = UnixStream::pair().unwrap();
    let mut ev: EventLoop<u64> = event_loop::Builder::default()
        .deferred_writes(true)
        .build()
        .unwrap();
    ev.add_conn(
        server,
        |_: &mut EventLoop<u64>, n: &mut u64, conn: &mut BufferedConn| {
            let (input, output) = conn.buffers();
            output.append().extend_from_slice(input);
            input.clear();
            *n += 1;
        },
    )
    .unwrap();
    let watcher = ev
        .add_conn(
            watcher,
            |_: &mut EventLoop<u64>, _: &mut u64, _: &mut BufferedConn| {},
        )
        .unwrap();
    let mut last = 0u64;
    ev.before_sleep(move |ev, n: &mut u64| {
        if *n != last {
            last = *n;
            if let Some(conn) = ev.conn_mut(watcher) {
                conn.write(b"!");
            }
        }
    });
    let mut deferred_trip = |ev: &mut EventLoop<u64>, reads: &mut u64| {
        client.write_all(b"0123456789abcdef").unwrap();
        let target = *reads + 1;
        while *reads < target {
            ev.run_once(reads, Some(Duration::from_secs(1))).unwrap();
        }
        // The pass that writes the echo runs at the start of the next turn.
        ev.run_once(reads, Some(Duration::ZERO)).unwrap();
        let mut back = [0u8; 16];
        client.read_exact(&mut back).unwrap();
        let mut bang = [0u8; 1];
        watcher_client.read_exact(&mut bang).unwrap();
    };
    let mut reads = 0u64;
    for _ in 0..100 {
        deferred_trip(&mut ev, &mut reads);
    }
    let before = allocations();
    for _ in 0..2000 {
        deferred_trip(&mut ev, &mut reads);
    }
    assert_eq!(
        allocations() - before,
        0,
        "deferred echo turns (and writes by id) allocated"
    );
}
