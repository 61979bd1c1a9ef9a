//! The ping-pong workload written directly on mio: the baseline that shows
//! what the event loop's own layers cost on top of the selector it uses.
//!
//! Written as tightly as a careful mio user would: one `Poll`, one `Events`
//! buffer reused across iterations, pairs in a `Vec` indexed by `Token`, no
//! allocation per event. The callback is [`workload::on_readable`], the
//! very function ours calls.

use std::time::Instant;

use anyhow::{Context, bail};
use mio::{Events, Interest, Poll, Token};

use super::workload::{self, Chain, Params, Run, STALL, WARMUP_LOOPS};

/// Runs `loops` timed loops (after the warm-up) and returns their times.
pub(crate) fn run(params: Params, loops: usize) -> anyhow::Result<Run> {
    params.validate()?;
    let mut poll = Poll::new().context("creating the mio Poll")?;
    let mut pairs = workload::pairs(&params)?;
    for (i, pair) in pairs.iter_mut().enumerate() {
        poll.registry()
            .register(&mut pair.rx, Token(i), Interest::READABLE)
            .context("registering a pair")?;
    }
    let mut events = Events::with_capacity(1024);
    let mut chain = Chain::default();
    let mut run = Run::default();

    for n in 0..WARMUP_LOOPS + loops {
        workload::seed(&params, &pairs, &mut chain)?;
        let started = Instant::now();
        while !chain.done() {
            poll.poll(&mut events, Some(STALL)).context("epoll_wait")?;
            if events.is_empty() {
                bail!("mio pingpong stalled: {chain:?}");
            }
            for event in events.iter() {
                workload::on_readable(&params, &pairs, event.token().0, &mut chain)
                    .context("pair I/O")?;
            }
        }
        if n >= WARMUP_LOOPS {
            run.loop_us.push(started.elapsed().as_secs_f64() * 1e6);
        }
    }
    run.callbacks = chain.callbacks;
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_every_loop_and_every_callback() {
        let params = Params {
            pipes: 20,
            active: 5,
            writes: 50,
        };
        let run = run(params, 3).unwrap();
        assert_eq!(run.loop_us.len(), 3);
        // Each loop reads the 5 seeds and the 50 forwards; a callback may
        // read two colliding bytes at once, so at most 55 callbacks a loop.
        let loops = (3 + WARMUP_LOOPS) as u64;
        assert!(
            run.callbacks <= 55 * loops && run.callbacks >= 5 * loops,
            "{run:?}"
        );
    }
}
