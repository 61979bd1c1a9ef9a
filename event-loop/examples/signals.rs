//! Unix signals as loop events.
//!
//! Run it:    cargo run -p event-loop --example signals
//! Then, from another terminal (it prints its pid):
//!            kill -HUP <pid>     # "reload", the loop keeps running
//!            kill -USR1 <pid>    # print a status line
//!            kill -TERM <pid>    # or Ctrl-C: clean shutdown
//! It also sends itself a SIGUSR1 after 500 ms, so you see one without typing.

use std::time::Duration;

use event_loop::EventLoop;
use event_loop::signal::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};

/// Counts what was received.
#[derive(Default)]
struct Counts {
    reloads: u32,
    status: u32,
}

fn main() -> anyhow::Result<()> {
    let mut ev: EventLoop<Counts> = EventLoop::new()?;
    ev.signal(SIGHUP, |_, c, _| {
        c.reloads += 1;
        println!("SIGHUP: reloading (reload #{})", c.reloads);
    })?;
    ev.signal(SIGUSR1, |ev, c, _| {
        c.status += 1;
        println!(
            "SIGUSR1: status: {} timers pending, {} turns so far",
            ev.timer_count(),
            ev.iterations()
        );
    })?;
    for signal in [SIGINT, SIGTERM] {
        ev.signal(signal, |ev, _, sig| {
            println!("signal {sig}: shutting down");
            ev.stop();
        })?;
    }
    ev.timer(Duration::from_millis(500), |_, _, _| {
        println!("raising SIGUSR1 at ourselves");
        let _ = signal_hook::low_level::raise(SIGUSR1);
    });
    println!(
        "pid {}: try `kill -HUP {0}`, `kill -USR1 {0}`, then Ctrl-C",
        std::process::id()
    );
    let mut counts = Counts::default();
    ev.run(&mut counts)?;
    println!(
        "done: {} reloads, {} status requests",
        counts.reloads, counts.status
    );
    Ok(())
}
