//! Timers and hooks on a running loop.

use std::time::{Duration, Instant};

use event_loop::{Builder, EventLoop, TimerId};

const MS: Duration = Duration::from_millis(1);

#[test]
fn one_shot_timers_fire_in_deadline_order_and_not_early() {
    let mut ev: EventLoop<Vec<u32>> = EventLoop::new().unwrap();
    let start = Instant::now();
    for (n, delay) in [(3u32, 30u64), (1, 10), (2, 20)] {
        ev.timer(MS * delay as u32, move |_, log, _| log.push(n));
    }
    ev.timer(MS * 40, |ev, _, _| ev.stop());
    let mut log = Vec::new();
    ev.run(&mut log).unwrap();
    assert_eq!(log, [1, 2, 3]);
    assert!(start.elapsed() >= MS * 40);
    assert_eq!(ev.timer_count(), 0);
}

#[test]
fn repeating_timer_fires_until_cancelled_from_its_own_callback() {
    let mut ev: EventLoop<u32> = EventLoop::new().unwrap();
    ev.repeat(MS, |ev, count, id| {
        *count += 1;
        if *count == 5 {
            assert!(ev.cancel_timer(id));
            ev.timer(MS * 5, |ev, _, _| ev.stop());
        }
    });
    let mut count = 0;
    ev.run(&mut count).unwrap();
    assert_eq!(count, 5);
}

#[test]
fn cancelled_timer_never_fires_and_reschedule_keeps_the_id() {
    struct State {
        log: Vec<&'static str>,
        victim: Option<TimerId>,
    }
    let mut ev: EventLoop<State> = EventLoop::new().unwrap();
    let victim = ev.timer(MS * 5, |_, st: &mut State, _| st.log.push("victim"));
    let moved = ev.timer(MS, |_, st: &mut State, _| st.log.push("moved"));
    assert!(ev.reschedule(moved, MS * 15));
    ev.timer(MS * 2, |ev, st: &mut State, _| {
        st.log.push("canceller");
        let victim = st.victim.take().unwrap();
        assert!(ev.timer_pending(victim));
        assert!(ev.cancel_timer(victim));
        assert!(!ev.cancel_timer(victim), "second cancel is a no-op");
    });
    ev.timer(MS * 25, |ev, _, _| ev.stop());
    let mut st = State {
        log: Vec::new(),
        victim: Some(victim),
    };
    ev.run(&mut st).unwrap();
    assert_eq!(st.log, ["canceller", "moved"]);
}

#[test]
fn a_one_shot_timer_rescheduled_in_its_callback_fires_again() {
    let mut ev: EventLoop<u32> = EventLoop::new().unwrap();
    ev.timer(MS, |ev, n, id| {
        *n += 1;
        if *n < 3 {
            assert!(ev.reschedule(id, MS));
        } else {
            ev.stop();
        }
    });
    let mut n = 0;
    ev.run(&mut n).unwrap();
    assert_eq!(n, 3);
}

#[test]
fn hooks_run_around_each_sleep_in_order_and_can_be_removed() {
    let mut ev: EventLoop<Vec<&'static str>> = EventLoop::new().unwrap();
    let before = ev.before_sleep(|_, log| log.push("before"));
    ev.after_sleep(|_, log| log.push("after"));
    ev.timer(MS, |_, log, _| log.push("timer"));
    let mut log = Vec::new();
    while !log.contains(&"timer") {
        ev.run_once(&mut log, Some(MS * 50)).unwrap();
    }
    // Every turn is before -> poll -> after -> callbacks.
    assert_eq!(log.last(), Some(&"timer"));
    for turn in log[..log.len() - 1].chunks(2) {
        assert_eq!(turn, ["before", "after"]);
    }
    assert!(ev.remove_hook(before));
    assert!(!ev.remove_hook(before));
    log.clear();
    ev.run_once(&mut log, Some(Duration::ZERO)).unwrap();
    assert_eq!(log, ["after"]);
}

#[test]
fn a_million_pending_timers_are_fine() {
    let mut ev: EventLoop<u64> = Builder::default()
        .timer_capacity(1_000_000)
        .build()
        .unwrap();
    let mut ids = Vec::with_capacity(1_000_000);
    for i in 0..1_000_000u64 {
        ids.push(ev.timer(MS * (1 + (i % 20) as u32), |_, fired, _| *fired += 1));
    }
    assert_eq!(ev.timer_count(), 1_000_000);
    for id in ids.iter().step_by(2) {
        assert!(ev.cancel_timer(*id));
    }
    let mut fired = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while ev.timer_count() > 0 && Instant::now() < deadline {
        ev.run_once(&mut fired, Some(MS * 50)).unwrap();
    }
    assert_eq!(fired, 500_000);
}

/// The plain-function form of a timer: the argument comes back.
fn record(_: &mut EventLoop<Vec<u64>>, log: &mut Vec<u64>, _: TimerId, arg: u64) {
    log.push(arg);
}

fn stop_at_three(ev: &mut EventLoop<Vec<u64>>, log: &mut Vec<u64>, id: TimerId, arg: u64) {
    log.push(arg);
    if log.iter().filter(|&&a| a == arg).count() == 3 {
        ev.cancel_timer(id);
        ev.stop();
    }
}

#[test]
fn function_timers_carry_their_argument_and_repeat() {
    let mut ev: EventLoop<Vec<u64>> = EventLoop::new().unwrap();
    ev.timer_fn(MS * 2, record, 7);
    let cancelled = ev.timer_fn(MS, record, 8);
    assert!(ev.cancel_timer(cancelled));
    ev.repeat_fn(MS * 5, stop_at_three, 42);
    let mut log = Vec::new();
    ev.run(&mut log).unwrap();
    assert_eq!(log, [7, 42, 42, 42]);
}
