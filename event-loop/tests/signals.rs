//! Signals raised to our own process arrive as loop events.
//!
//! Each test uses its own signal: the test harness runs tests on parallel
//! threads, and every loop that watches a signal sees every delivery.

use std::time::{Duration, Instant};

use event_loop::EventLoop;
use event_loop::signal::consts::{SIGHUP, SIGUSR1, SIGUSR2};

fn run_until<S: 'static>(ev: &mut EventLoop<S>, s: &mut S, done: impl Fn(&S) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done(s) {
        assert!(Instant::now() < deadline, "timed out");
        ev.run_once(s, Some(Duration::from_millis(50))).unwrap();
    }
}

#[test]
fn raised_signal_runs_every_callback_watching_it() {
    let mut ev: EventLoop<Vec<(u8, i32)>> = EventLoop::new().unwrap();
    ev.signal(SIGUSR1, |_, log, sig| log.push((1, sig)))
        .unwrap();
    ev.signal(SIGUSR1, |_, log, sig| log.push((2, sig)))
        .unwrap();
    let mut log = Vec::new();
    signal_hook::low_level::raise(SIGUSR1).unwrap();
    run_until(&mut ev, &mut log, |l| l.len() >= 2);
    assert_eq!(log[..2], [(1, SIGUSR1), (2, SIGUSR1)]);
}

#[test]
fn a_signal_from_another_thread_stops_the_loop() {
    let mut ev: EventLoop<u32> = EventLoop::new().unwrap();
    ev.signal(SIGUSR2, |ev, n, _| {
        *n += 1;
        ev.stop();
    })
    .unwrap();
    let raiser = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(20));
        signal_hook::low_level::raise(SIGUSR2).unwrap();
    });
    let mut n = 0;
    ev.run(&mut n).unwrap();
    raiser.join().unwrap();
    assert!(n >= 1);
}

#[test]
fn removed_signal_callback_no_longer_runs_and_forbidden_signals_are_refused() {
    let mut ev: EventLoop<Vec<&'static str>> = EventLoop::new().unwrap();
    let gone = ev.signal(SIGHUP, |_, log, _| log.push("removed")).unwrap();
    ev.signal(SIGHUP, |_, log, _| log.push("kept")).unwrap();
    assert!(ev.remove_signal(gone));
    assert!(!ev.remove_signal(gone));
    let mut log = Vec::new();
    signal_hook::low_level::raise(SIGHUP).unwrap();
    run_until(&mut ev, &mut log, |l| !l.is_empty());
    assert!(log.iter().all(|&e| e == "kept"));
    let err = ev.signal(libc_sigkill(), |_, _, _| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        "signal 9 cannot be handled by an event loop"
    );
}

/// SIGKILL's number on Linux (kept local to avoid a libc dev-dependency).
fn libc_sigkill() -> i32 {
    9
}
