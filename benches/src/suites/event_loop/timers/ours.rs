//! The timer workload on our event loop: [`EventLoop::timer_fn`] (a plain
//! function and the timer's number stored inline, as libevent's
//! `evtimer_new(base, cb, arg)`; the closure form [`EventLoop::timer`]
//! would add a box per timer), [`EventLoop::cancel_timer`], and turns of
//! the loop to fire what is due.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use event_loop::{EventLoop, TimerId};

use super::plan::{FireCheck, Plan};

/// How ours is configured, for the summary.
pub(crate) const DESCRIPTION: &str = "event-loop EventLoop timers (hierarchical wheel; Builder::timer_capacity(n) \
     reserved like DelayQueue::with_capacity), EventLoop::timer_fn (fn pointer + the timer's number \
     inline, like libevent's evtimer_new cb/arg), cancel_timer by TimerId, fired by run_once turns";

/// Longest the fire phase may take before the run is declared stuck.
const STALL: Duration = Duration::from_secs(30);

/// Runs the plan and returns the time of its timed phases.
pub(crate) fn run(plan: &Plan) -> anyhow::Result<Duration> {
    let n = plan.len();
    let mut ev: EventLoop<FireCheck> = EventLoop::<FireCheck>::builder()
        .timer_capacity(n)
        .build()
        .context("creating the event loop")?;
    // The loop schedules from its cached clock: every timer below counts
    // from this one instant.
    ev.update_time();
    let base = ev.now();
    let mut ids: Vec<TimerId> = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(ev.timer_fn(plan.delay(i), on_timer, i as u64));
    }
    for (i, &id) in ids.iter().enumerate() {
        if Plan::cancelled(i) {
            ev.cancel_timer(id);
        }
    }
    let scheduling = base.elapsed();

    std::thread::sleep(Plan::all_due(base).saturating_duration_since(Instant::now()));

    let firing = Instant::now();
    let mut check = FireCheck::new(plan);
    while ev.timer_count() > 0 {
        ev.run_once(&mut check, Some(Duration::ZERO))
            .context("event loop turn")?;
        if firing.elapsed() > STALL {
            bail!(
                "event-loop timers stalled with {} pending",
                ev.timer_count()
            );
        }
    }
    let elapsed = scheduling + firing.elapsed();
    check.finish()?;
    Ok(elapsed)
}

/// The timer callback: `arg` is the timer's number in the plan.
fn on_timer(_ev: &mut EventLoop<FireCheck>, check: &mut FireCheck, _id: TimerId, arg: u64) {
    check.fired(arg as usize);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_exactly_the_uncancelled_half_in_order() {
        run(&Plan::new(10_001)).unwrap();
    }
}
