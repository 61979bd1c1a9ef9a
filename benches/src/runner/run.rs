//! The orchestration: for each comparison, every case, every round, every
//! implementation — alternating the order round by round.
//!
//! Round 1 measures A B, round 2 B A, round 3 A B, and so on. Reversing the
//! order each round (rather than always A first) means neither side is
//! always the one that runs on a freshly warmed (or freshly throttled)
//! machine. The per-round ratio ours/counterpart is taken inside one round,
//! where the two measurements are seconds apart, and the figure reported is
//! the median of those ratios.

use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use super::comparison::{Comparison, Impl, Provenance, Skip, Target};

/// One row of `raw.csv`: one measured value.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The crate under test.
    pub crate_name: &'static str,
    /// The bench name.
    pub bench: &'static str,
    /// The case name.
    pub case: String,
    /// `ours` or the counterpart's name.
    pub imp: String,
    /// The alternating round, from 1; 0 for rows measured once outside the rounds.
    pub round: usize,
    /// The metric name.
    pub metric: &'static str,
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: &'static str,
}

/// Everything one comparison produced, ready for the reports.
#[derive(Debug)]
pub struct Outcome {
    /// The crate under test.
    pub crate_name: &'static str,
    /// The bench name.
    pub bench: &'static str,
    /// The workload and configuration, from the comparison.
    pub description: String,
    /// The implementations that ran, ours first.
    pub impls: Vec<Impl>,
    /// The counterparts that could not run here.
    pub skips: Vec<Skip>,
    /// The targets from the issue.
    pub targets: Vec<Target>,
    /// Every measured value.
    pub rows: Vec<Row>,
    /// Commands, versions and notes.
    pub provenance: Provenance,
    /// Set when the comparison failed part-way; what was measured is kept.
    pub error: Option<String>,
    /// Wall-clock seconds the comparison took.
    pub seconds: f64,
}

/// How the runner was asked to run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Short version for smoke tests.
    pub quick: bool,
    /// Override the comparison's own round count.
    pub rounds: Option<usize>,
    /// Only cases whose name contains one of these (empty: all). A filtered
    /// run skips the comparison's extra rows: they describe the whole run.
    pub cases: Vec<String>,
}

/// Runs one comparison to completion. Errors are caught and recorded in the
/// outcome: one failing comparison never stops the run.
pub fn run_comparison(cmp: &mut dyn Comparison, opts: &RunOptions) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        crate_name: cmp.crate_name(),
        bench: cmp.bench(),
        // Filled in after `prepare`: a description names sizes and
        // durations that `prepare` settles (`--quick` shrinks them), and one
        // read before it printed the zeroes of an unprepared comparison.
        description: String::new(),
        impls: Vec::new(),
        skips: Vec::new(),
        targets: cmp.targets(),
        rows: Vec::new(),
        provenance: Provenance::default(),
        error: None,
        seconds: 0.0,
    };
    if let Err(e) = measure_all(cmp, opts, &mut outcome) {
        eprintln!("  error in {}/{}: {e:#}", outcome.crate_name, outcome.bench);
        outcome.error = Some(format!("{e:#}"));
    }
    cmp.finish();
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
}

fn measure_all(
    cmp: &mut dyn Comparison,
    opts: &RunOptions,
    out: &mut Outcome,
) -> anyhow::Result<()> {
    let prepared = cmp.prepare(opts.quick, &mut out.provenance);
    out.description = cmp.describe();
    let (impls, skips) = prepared?;
    for skip in &skips {
        eprintln!("  {skip}");
    }
    out.impls = impls;
    out.skips = skips;

    let mut cases = cmp.cases(opts.quick);
    cases.retain(|c| opts.cases.is_empty() || opts.cases.iter().any(|f| c.contains(f.as_str())));
    let rounds = opts.rounds.unwrap_or_else(|| cmp.rounds(opts.quick)).max(1);
    let bar = progress_bar(out, (cases.len() * rounds * out.impls.len()) as u64);

    for case in &cases {
        for round in 1..=rounds {
            let mut order: Vec<&Impl> = out.impls.iter().collect();
            if round % 2 == 0 {
                order.reverse();
            }
            for imp in order {
                bar.set_message(format!("{case} round {round} {}", imp.name));
                let samples = cmp.measure(case, imp.name, &mut out.provenance)?;
                out.rows.extend(samples.into_iter().map(|s| Row {
                    crate_name: out.crate_name,
                    bench: out.bench,
                    case: case.clone(),
                    imp: imp.name.to_string(),
                    round,
                    metric: s.metric,
                    value: s.value,
                    unit: s.unit,
                }));
                bar.inc(1);
            }
        }
    }
    bar.set_message("extra measurements");
    let extras = if opts.cases.is_empty() {
        cmp.extra(opts.quick, &mut out.provenance)?
    } else {
        Vec::new()
    };
    for extra in extras {
        out.rows.push(Row {
            crate_name: out.crate_name,
            bench: out.bench,
            case: extra.case,
            imp: extra.imp.to_string(),
            round: 0,
            metric: extra.sample.metric,
            value: extra.sample.value,
            unit: extra.sample.unit,
        });
    }
    bar.finish_and_clear();
    Ok(())
}

fn progress_bar(out: &Outcome, len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    // The template is a literal; `with_template` only fails on a malformed one.
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>28} [{bar:30}] {pos}/{len} {elapsed} {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(format!("{}/{}", out.crate_name, out.bench));
    bar
}
