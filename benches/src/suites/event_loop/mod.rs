//! The `event-loop` crate against libevent 2.1, bare mio and tokio.
//!
//! Three comparisons, named as in `raw.csv`:
//!
//! - `pingpong` ([`pingpong`]): libevent's `test/bench.c` workload; ours vs
//!   the same logic on bare mio vs libevent through a C harness
//!   (`benches/c/pingpong.c`), plus syscalls per callback under strace.
//! - `timers` ([`timers`]): a million timers scheduled, half cancelled, the
//!   rest fired; ours vs tokio's `DelayQueue` vs a `BinaryHeap`.
//! - `echo` ([`echo`]): 64 connections of 64-byte round trips; an echo
//!   server on ours vs one on a tokio current-thread runtime.
//!
//! # Layout
//!
//! - [`pingpong`], [`timers`], [`echo`]: one module per comparison.
//! - [`rng`]: the seeded generator behind every "random" input.

mod echo;
mod pingpong;
mod rng;
mod timers;

use anyhow::Context;

use crate::runner::Comparison;

/// The event-loop comparisons, in the order.
pub(crate) fn comparisons() -> Vec<Box<dyn Comparison>> {
    vec![
        Box::new(pingpong::PingPong::default()),
        Box::new(timers::Timers::default()),
        Box::new(echo::Echo::default()),
    ]
}

/// `benches __child event-loop <bench> <args...>`: a measurement run in its
/// own process (the pingpong syscall count runs this under strace; `echo`
/// is there to look at a server from outside the same way).
pub(crate) fn child(args: &[String]) -> anyhow::Result<()> {
    match args
        .first()
        .map(String::as_str)
        .context("missing <bench>")?
    {
        "pingpong" => pingpong::child(&args[1..]),
        "echo" => echo::child(&args[1..]),
        other => anyhow::bail!("no event-loop child entry for {other:?}"),
    }
}
