//! The ping-pong workload on our event loop: each pair's read end is
//! registered with [`EventLoop::register_fn`] — a plain function and the
//! pair's index stored inline, as libevent's `event_new(base, fd, EV_READ,
//! cb, arg)` in the C harness — and the function calls
//! [`workload::on_readable`], the same code the bare-mio version calls, on
//! the pairs and counters kept in the loop's user state.

use std::io;
use std::time::Instant;

use anyhow::{Context, bail};
use event_loop::{EventLoop, Interest, IoEvent};

use super::workload::{self, Chain, Pair, Params, Run, STALL, WARMUP_LOOPS};

/// How ours is configured, for the summary.
pub(crate) const DESCRIPTION: &str = "event-loop EventLoop (default Builder: 1024 events per poll, one \
     priority level), one EventLoop::register_fn per pair (fn pointer + the pair index inline, like \
     libevent's event_new cb/arg), driven by run_once until the loop's bytes are all read";

/// The user state every callback receives.
struct World {
    /// The workload's numbers.
    params: Params,
    /// The socket pairs, indexed like the registrations.
    pairs: Vec<Pair>,
    /// This loop's counters.
    chain: Chain,
    /// The first I/O error a callback met; the driver returns it.
    error: Option<io::Error>,
}

/// Runs `loops` timed loops (after the warm-up) and returns their times.
pub(crate) fn run(params: Params, loops: usize) -> anyhow::Result<Run> {
    params.validate()?;
    let mut ev: EventLoop<World> = EventLoop::new().context("creating the event loop")?;
    let mut pairs = workload::pairs(&params)?;
    for (i, pair) in pairs.iter_mut().enumerate() {
        ev.register_fn(&mut pair.rx, Interest::READABLE, on_readable, i as u64)
            .context("registering a pair")?;
    }
    let mut world = World {
        params,
        pairs,
        chain: Chain::default(),
        error: None,
    };
    let mut run = Run::default();

    for n in 0..WARMUP_LOOPS + loops {
        workload::seed(&world.params, &world.pairs, &mut world.chain)?;
        let started = Instant::now();
        while !world.chain.done() {
            let before = world.chain.callbacks;
            ev.run_once(&mut world, Some(STALL))
                .context("event loop turn")?;
            if let Some(e) = world.error.take() {
                return Err(e).context("pair I/O");
            }
            if world.chain.callbacks == before {
                bail!("event-loop pingpong stalled: {:?}", world.chain);
            }
        }
        if n >= WARMUP_LOOPS {
            run.loop_us.push(started.elapsed().as_secs_f64() * 1e6);
        }
    }
    run.callbacks = world.chain.callbacks;
    Ok(run)
}

/// The read callback: `arg` is the pair's index.
fn on_readable(_ev: &mut EventLoop<World>, world: &mut World, _event: IoEvent, arg: u64) {
    if let Err(e) =
        workload::on_readable(&world.params, &world.pairs, arg as usize, &mut world.chain)
    {
        world.error.get_or_insert(e);
    }
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
        let loops = (3 + WARMUP_LOOPS) as u64;
        assert!(
            run.callbacks <= 55 * loops && run.callbacks >= 5 * loops,
            "{run:?}"
        );
    }
}
