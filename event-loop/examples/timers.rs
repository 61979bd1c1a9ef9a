//! Timers on the event loop: one-shot, repeating, cancel, reschedule.
//!
//! Run it:    cargo run -p event-loop --example timers
//! What to watch: a 100 ms heartbeat, a one-shot that reschedules itself
//! twice, a timer cancelled before it fires, and a stop after 1 s. Then it
//! times a million timers (schedule, cancel half, fire the rest); try it
//! with `--release` to see what the wheel does at full speed.

use std::time::{Duration, Instant};

use event_loop::{Builder, EventLoop, TimerId};

/// What the demo timers share.
struct Demo {
    /// When the loop started.
    start: Instant,
    /// Heartbeats seen.
    beats: u32,
    /// Times the self-rescheduling timer fired.
    echoes: u32,
    /// The timer to cancel.
    doomed: Option<TimerId>,
}

impl Demo {
    fn log(&self, what: &str) {
        println!("{:>5} ms  {what}", self.start.elapsed().as_millis());
    }
}

fn main() -> anyhow::Result<()> {
    let mut ev: EventLoop<Demo> = EventLoop::new()?;
    ev.repeat(Duration::from_millis(100), |_, d, _| {
        d.beats += 1;
        d.log(&format!("heartbeat {}", d.beats));
    });
    ev.timer(Duration::from_millis(250), |ev, d, id| {
        d.echoes += 1;
        d.log(&format!("one-shot fired ({} of 3)", d.echoes));
        if d.echoes < 3 {
            ev.reschedule(id, Duration::from_millis(150));
        }
    });
    let doomed = ev.timer(Duration::from_millis(600), |_, d, _| {
        d.log("this never prints")
    });
    ev.timer(Duration::from_millis(300), |ev, d, _| {
        let cancelled = d.doomed.take().is_some_and(|id| ev.cancel_timer(id));
        d.log(&format!("cancelled the 600 ms timer: {cancelled}"));
    });
    ev.timer(Duration::from_secs(1), |ev, d, _| {
        d.log("stop");
        ev.stop();
    });
    let mut demo = Demo {
        start: Instant::now(),
        beats: 0,
        echoes: 0,
        doomed: Some(doomed),
    };
    ev.run(&mut demo)?;

    million()?;
    Ok(())
}

/// The callback of the million timers.
fn count_fired(_: &mut EventLoop<u64>, fired: &mut u64, _: TimerId, _: u64) {
    *fired += 1;
}

/// Schedule 1,000,000 timers over one second, cancel half, fire the rest.
fn million() -> anyhow::Result<()> {
    const N: usize = 1_000_000;
    let mut ev: EventLoop<u64> = Builder::default().timer_capacity(N).build()?;
    let started = Instant::now();
    let mut ids = Vec::with_capacity(N);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..N {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = Duration::from_millis(1 + x % 1000);
        // `timer_fn`: a function and an inline argument, no allocation.
        ids.push(ev.timer_fn(delay, count_fired, 0));
    }
    for id in ids.iter().step_by(2) {
        ev.cancel_timer(*id);
    }
    let scheduled = started.elapsed();
    let mut fired = 0;
    while ev.timer_count() > 0 {
        ev.run_once(&mut fired, None)?;
    }
    println!(
        "\n1,000,000 timers: scheduled + half cancelled in {scheduled:?}, {fired} fired by {:?} \
         (the last deadline is at 1 s)",
        started.elapsed()
    );
    Ok(())
}
