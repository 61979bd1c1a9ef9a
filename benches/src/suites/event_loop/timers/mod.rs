//! `timers`: schedule many timers with seeded random deadlines, cancel half,
//! fire the rest — on our event loop's timers, on tokio's `DelayQueue`, and
//! on a `BinaryHeap` baseline.
//!
//! # Layout
//!
//! - [`plan`]: the shared schedule and the check of what fired.
//! - [`ours`]: the plan on `event-loop` timers.
//! - [`tokio_delay`]: the plan on `tokio_util::time::DelayQueue`.
//! - [`binary_heap`]: the plan on `std::collections::BinaryHeap`.

mod binary_heap;
mod ours;
mod plan;
mod tokio_delay;

use std::time::Duration;

use anyhow::{Context, bail};

use self::plan::{MAX_DEADLINE_MS, Plan};
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};

/// Timers per run.
const TIMERS: usize = 1_000_000;
/// Timers per run with `--quick`.
const TIMERS_QUICK: usize = 100_000;

/// The timers comparison.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    /// The plan of the last case measured, kept across rounds (building a
    /// million deadlines is not part of any implementation's time).
    plan: Option<Plan>,
}

impl Timers {
    /// The plan for case `n=<timers>`, built once.
    fn plan(&mut self, case: &str) -> anyhow::Result<&Plan> {
        let n: usize = case
            .strip_prefix("n=")
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("bad timers case {case:?}"))?;
        if self.plan.as_ref().is_none_or(|p| p.deadlines_ms.len() != n) {
            self.plan = Some(Plan::new(n));
        }
        self.plan.as_ref().context("plan just built")
    }
}

impl Comparison for Timers {
    fn crate_name(&self) -> &'static str {
        "event-loop"
    }

    fn bench(&self) -> &'static str {
        "timers"
    }

    fn describe(&self) -> String {
        format!(
            "Schedule n timers (case n=<n>: {TIMERS}, or {TIMERS_QUICK} with --quick) with \
             deadlines uniform in 1..={MAX_DEADLINE_MS} ms from one seeded sequence (the same for \
             every impl and round), cancel the odd-numbered half, then fire the rest; the run \
             checks that exactly the uncancelled timers fired, in deadline order. Throughput = \
             (schedules + cancels + fires) / wall time, i.e. 2n operations. Time is virtual on \
             every side, so no run waits for a deadline: ours: {}. tokio: tokio_util \
             DelayQueue<u32> on a current-thread runtime with paused time (start_paused: the \
             clock jumps to the next deadline when the runtime is idle), insert / remove by Key / \
             poll_expired. binaryheap: std BinaryHeap of (deadline, id) with lazy cancellation (a \
             cancelled flag, skipped when popped).",
            ours::DESCRIPTION
        )
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        vec![format!("n={}", if quick { TIMERS_QUICK } else { TIMERS })]
    }

    fn targets(&self) -> Vec<Target> {
        vec![Target::at_least("tokio", "throughput", 1.5)]
    }

    fn prepare(
        &mut self,
        _quick: bool,
        _prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: ours::DESCRIPTION.into(),
                },
                Impl {
                    name: "tokio",
                    config: "tokio_util DelayQueue, current-thread runtime, paused time".into(),
                },
                Impl {
                    name: "binaryheap",
                    config: "std BinaryHeap, lazy cancellation".into(),
                },
            ],
            Vec::new(),
        ))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        _prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let plan = self.plan(case)?;
        let elapsed: Duration = match imp {
            "ours" => ours::run(plan)?,
            "tokio" => tokio_delay::run(plan)?,
            "binaryheap" => binary_heap::run(plan)?,
            other => bail!("no timers implementation named {other:?}"),
        };
        Ok(vec![Sample::new(
            "throughput",
            plan.ops() as f64 / elapsed.as_secs_f64(),
            "ops/s",
        )])
    }

    fn finish(&mut self) {
        self.plan = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_every_impl_on_a_small_plan() {
        let mut cmp = Timers::default();
        let mut prov = Provenance::default();
        let (impls, _) = cmp.prepare(true, &mut prov).unwrap();
        assert_eq!(cmp.cases(true), vec!["n=100000"]);
        for imp in impls {
            let samples = cmp.measure("n=2000", imp.name, &mut prov).unwrap();
            assert!(samples[0].value > 0.0, "{}: {samples:?}", imp.name);
        }
        assert!(cmp.measure("n=x", "ours", &mut prov).is_err());
    }
}
