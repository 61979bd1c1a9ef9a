//! tokio's timer as a tokio user meets it: `tokio_util::time::DelayQueue`
//! (a slab plus a hierarchical wheel, the structure behind `tokio::time`)
//! on a current-thread runtime, on real time like the others (see
//! [`super::plan`] for why not paused time).

use std::future::poll_fn;
use std::time::Duration;

use anyhow::Context;
use tokio::time::Instant;
use tokio_util::time::DelayQueue;
use tokio_util::time::delay_queue::Key;

use super::plan::{FireCheck, Plan};

/// Runs the plan and returns the time of its timed phases.
pub(crate) fn run(plan: &Plan) -> anyhow::Result<Duration> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("building the tokio runtime")?;
    runtime.block_on(async {
        let n = plan.len();
        let base = Instant::now();
        let mut queue: DelayQueue<u32> = DelayQueue::with_capacity(n);
        let mut keys: Vec<Key> = Vec::with_capacity(n);
        for i in 0..n {
            // One base instant for all, as our loop's cached clock gives.
            keys.push(queue.insert_at(i as u32, base + plan.delay(i)));
        }
        for (i, key) in keys.iter().enumerate() {
            if Plan::cancelled(i) {
                queue.remove(key);
            }
        }
        let scheduling = base.elapsed();

        tokio::time::sleep_until(Plan::all_due(base.into_std()).into()).await;

        let firing = Instant::now();
        let mut check = FireCheck::new(plan);
        while let Some(expired) = poll_fn(|cx| queue.poll_expired(cx)).await {
            check.fired(expired.into_inner() as usize);
        }
        let elapsed = scheduling + firing.elapsed();
        check.finish()?;
        Ok(elapsed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_exactly_the_uncancelled_half_in_order() {
        run(&Plan::new(10_001)).unwrap();
    }
}
