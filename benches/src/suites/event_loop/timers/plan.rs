//! The timer workload every implementation runs: the same seeded deadlines,
//! the same half cancelled, and a check that exactly the other half fired,
//! in deadline order.
//!
//! Time is real on every side (our loop's timers read the real clock, so
//! the others do too), and each run has three timed phases and one untimed
//! pause:
//!
//! ```text
//!   schedule n timers, due 1..=SPAN ms after one base instant   (timed)
//!   cancel the odd-numbered half                                 (timed)
//!   wait until every deadline has passed                         (idle, not timed)
//!   fire the rest, as the loop/runtime does when it wakes        (timed)
//! ```
//!
//! Virtual time was the alternative (tokio can pause its clock and jump to
//! the next deadline), but our loop has no such clock, and pausing only
//! one side would compare different work. Without the untimed pause every
//! run would take at least SPAN whatever the structure's speed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;

use super::super::rng::SplitMix64;

/// Seed of the deadline sequence; fixed, so every impl and every round
/// schedules the very same timers.
const SEED: u64 = 0x7469_6d65_7273; // "timers"

/// Deadlines are uniform in `1..=MAX_DEADLINE_MS` milliseconds after the
/// base instant: spread over the two lowest levels of a 64-slot wheel,
/// short enough that the untimed wait keeps a run brief.
pub(crate) const MAX_DEADLINE_MS: u64 = 500;

/// Slack after the last deadline before firing, for millisecond rounding.
const DUE_SLACK: Duration = Duration::from_millis(3);

/// The schedule: timer `i` is due `deadlines_ms[i]` ms after the start;
/// odd-numbered timers are cancelled. The deadlines are random, so the odd
/// half is a random half.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Delay of each timer, in milliseconds from the start; shared with the
    /// fire check, which must be `'static` to live in a loop's user state.
    pub(crate) deadlines_ms: Arc<Vec<u64>>,
}

impl Plan {
    /// `n` timers with seeded random deadlines.
    pub(crate) fn new(n: usize) -> Plan {
        let mut rng = SplitMix64::new(SEED);
        Plan {
            deadlines_ms: Arc::new((0..n).map(|_| rng.in_range(1, MAX_DEADLINE_MS)).collect()),
        }
    }

    /// Timers in the plan.
    pub(crate) fn len(&self) -> usize {
        self.deadlines_ms.len()
    }

    /// The instant by which every timer scheduled from `base` is due.
    pub(crate) fn all_due(base: Instant) -> Instant {
        base + Duration::from_millis(MAX_DEADLINE_MS) + DUE_SLACK
    }

    /// Whether timer `i` is cancelled (after all are scheduled).
    pub(crate) fn cancelled(i: usize) -> bool {
        i % 2 == 1
    }

    /// The delay of timer `i`.
    pub(crate) fn delay(&self, i: usize) -> Duration {
        Duration::from_millis(self.deadlines_ms[i])
    }

    /// Timers that must fire.
    pub(crate) fn expected_fires(&self) -> usize {
        self.len().div_ceil(2)
    }

    /// Operations counted for throughput: schedules + cancels + fires.
    pub(crate) fn ops(&self) -> usize {
        let n = self.len();
        n + n / 2 + self.expected_fires()
    }
}

/// Checks the fires as they happen: no cancelled timer, no timer twice
/// (implied by the count and order), deadlines never going backwards.
#[derive(Debug)]
pub(crate) struct FireCheck {
    /// The plan's deadlines.
    deadlines_ms: Arc<Vec<u64>>,
    /// Timers fired so far.
    pub(crate) fired: usize,
    /// Deadline of the last fire.
    last_ms: u64,
    /// First problem seen, reported by [`FireCheck::finish`].
    problem: Option<String>,
}

impl FireCheck {
    /// A check for `plan`.
    pub(crate) fn new(plan: &Plan) -> FireCheck {
        FireCheck {
            deadlines_ms: Arc::clone(&plan.deadlines_ms),
            fired: 0,
            last_ms: 0,
            problem: None,
        }
    }

    /// Records that timer `i` fired.
    pub(crate) fn fired(&mut self, i: usize) {
        self.fired += 1;
        let due = self.deadlines_ms[i];
        if self.problem.is_none() {
            if Plan::cancelled(i) {
                self.problem = Some(format!("cancelled timer {i} fired"));
            } else if due < self.last_ms {
                self.problem = Some(format!(
                    "timer {i} due at {due} ms fired after one due at {} ms",
                    self.last_ms
                ));
            }
        }
        self.last_ms = due;
    }

    /// Errors unless exactly the uncancelled timers fired, in order.
    pub(crate) fn finish(self) -> anyhow::Result<()> {
        if let Some(problem) = self.problem {
            bail!("timer check failed: {problem}");
        }
        let expected = self.deadlines_ms.len().div_ceil(2);
        if self.fired != expected {
            bail!("{} timers fired, expected {expected}", self.fired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_reproducible_and_counts_ops() {
        let a = Plan::new(1001);
        assert_eq!(a.deadlines_ms, Plan::new(1001).deadlines_ms);
        assert!(
            a.deadlines_ms
                .iter()
                .all(|d| (1..=MAX_DEADLINE_MS).contains(d))
        );
        assert_eq!(a.expected_fires(), 501);
        assert_eq!(a.ops(), 1001 + 500 + 501);
    }

    #[test]
    fn check_catches_cancelled_missing_and_out_of_order_fires() {
        let plan = Plan {
            deadlines_ms: Arc::new(vec![5, 1, 3, 9]),
        };
        let mut ok = FireCheck::new(&plan);
        ok.fired(2);
        ok.fired(0);
        assert!(ok.finish().is_ok());
        let mut backwards = FireCheck::new(&plan);
        backwards.fired(0);
        backwards.fired(2);
        assert!(backwards.finish().is_err());
        let mut cancelled = FireCheck::new(&plan);
        cancelled.fired(1);
        cancelled.fired(2);
        assert!(cancelled.finish().is_err());
        let mut short = FireCheck::new(&plan);
        short.fired(2);
        assert!(short.finish().is_err());
    }
}
