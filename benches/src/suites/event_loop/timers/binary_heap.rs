//! The simplest credible timer structure: a `std` binary min-heap of
//! `(deadline, id)` with lazy cancellation — a cancelled timer is only
//! marked, and dropped when it reaches the top. This is libevent's min-heap
//! without its O(log n) removal, and the baseline any smarter structure
//! must beat.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use super::plan::{FireCheck, Plan};

/// Runs the plan (see [`super::plan`]) and returns the time of its timed
/// phases.
pub(crate) fn run(plan: &Plan) -> anyhow::Result<Duration> {
    let n = plan.len();
    let base = Instant::now();
    // (deadline in ms after `base`, timer id): the id breaks ties in
    // insertion order.
    let mut heap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::with_capacity(n);
    let mut cancelled = vec![false; n];
    for (i, &due) in plan.deadlines_ms.iter().enumerate() {
        heap.push(Reverse((due, i as u32)));
    }
    for (i, flag) in cancelled.iter_mut().enumerate() {
        if Plan::cancelled(i) {
            *flag = true;
        }
    }
    let scheduling = base.elapsed();

    std::thread::sleep(Plan::all_due(base).saturating_duration_since(Instant::now()));

    let firing = Instant::now();
    let now_ms = base.elapsed().as_millis() as u64;
    let mut check = FireCheck::new(plan);
    while let Some(&Reverse((due, id))) = heap.peek() {
        if due > now_ms {
            break;
        }
        heap.pop();
        if !cancelled[id as usize] {
            check.fired(id as usize);
        }
    }
    let elapsed = scheduling + firing.elapsed();
    check.finish()?;
    Ok(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_exactly_the_uncancelled_half_in_order() {
        run(&Plan::new(10_001)).unwrap();
    }
}
