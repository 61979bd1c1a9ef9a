//! `pingpong`: libevent's `test/bench.c` workload, run by our event loop,
//! by the same logic on bare mio, and by libevent 2.1 through a C harness.
//!
//! # Layout
//!
//! - [`workload`]: the parameters, the chain bookkeeping, the fd budget.
//! - [`ours`]: the workload on `event-loop`.
//! - [`raw_mio`]: the same workload on bare mio.
//! - [`libevent`]: building and running `benches/c/pingpong.c`.
//!
//! Syscall counting lives in [`crate::runner::strace`].

mod libevent;
mod ours;
mod raw_mio;
mod workload;

use std::path::PathBuf;

use anyhow::{Context, bail};

use self::libevent::Harness;
use self::workload::{Params, Run};
use crate::runner::util::{median, tool_version, which};
use crate::runner::{Comparison, ExtraRow, Impl, Provenance, Sample, Skip, Target};
use crate::runner::{shell, strace};

/// Seeded pairs per loop (`bench.c -a`).
const ACTIVE: usize = 100;
/// Forwards per loop (`bench.c -w`).
const WRITES: usize = 1000;
/// Socket pairs per case (`bench.c -n`), before the fd limit has its say.
const PIPES: [usize; 3] = [100, 1_000, 10_000];
/// The cases of a `--quick` run.
const PIPES_QUICK: [usize; 2] = [100, 1_000];
/// Timed loops per measurement (`bench.c` prints 25 runs).
const LOOPS: usize = 25;
/// Timed loops per measurement in a `--quick` run.
const LOOPS_QUICK: usize = 10;
/// Extra loops of the longer of the two traced runs.
const TRACED_LOOPS: usize = 10;
/// Target from the issue: syscalls per read callback, at most.
const SYSCALLS_TARGET: f64 = 2.0;

/// The ping-pong comparison.
#[derive(Debug, Default)]
pub(crate) struct PingPong {
    /// Whether this is a `--quick` run.
    quick: bool,
    /// The compiled libevent harness, when libevent is installed.
    libevent: Option<Harness>,
}

impl PingPong {
    /// The socket-pair counts to run, each capped by the fd limit, and a
    /// note saying so when a cap applied.
    fn sizes(quick: bool) -> (Vec<usize>, Option<String>) {
        let wanted: &[usize] = if quick { &PIPES_QUICK } else { &PIPES };
        let limit = workload::raise_fd_limit().unwrap_or(1024);
        let fits = workload::max_pipes(limit);
        let mut sizes: Vec<usize> = wanted
            .iter()
            .map(|&n| n.min(fits))
            .filter(|&n| n > 0)
            .collect();
        sizes.dedup();
        let capped: Vec<String> = wanted
            .iter()
            .filter(|&&n| n > fits)
            .map(|n| format!("n={n} ran as n={fits}"))
            .collect();
        let note = (!capped.is_empty()).then(|| {
            format!(
                "pingpong: RLIMIT_NOFILE is {limit} after raising the soft limit to the hard limit, \
                 which fits {fits} socket pairs: {}",
                capped.join(", ")
            )
        });
        (sizes, note)
    }

    /// The workload of case `n=<pipes>`.
    fn params(case: &str) -> anyhow::Result<Params> {
        let pipes: usize = case
            .strip_prefix("n=")
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("bad pingpong case {case:?}"))?;
        Ok(Params {
            pipes,
            active: ACTIVE.min(pipes),
            writes: WRITES,
        })
    }

    fn loops(&self) -> usize {
        if self.quick { LOOPS_QUICK } else { LOOPS }
    }

    /// Callbacks and syscalls of one traced run of `imp` with `loops` loops.
    fn traced(
        &self,
        strace_exe: &std::path::Path,
        imp: &str,
        params: &Params,
        loops: usize,
        prov: &mut Provenance,
    ) -> anyhow::Result<(strace::Counts, u64)> {
        let (program, args): (PathBuf, Vec<String>) = match imp {
            "libevent" => {
                let harness = self
                    .libevent
                    .as_ref()
                    .context("libevent harness not built")?;
                (harness.exe.clone(), Harness::args(params, loops))
            }
            _ => {
                let mut args: Vec<String> = ["__child", "event-loop", "pingpong", imp]
                    .map(String::from)
                    .to_vec();
                args.extend(Harness::args(params, loops));
                (
                    std::env::current_exe().context("finding the runner binary")?,
                    args,
                )
            }
        };
        let mut shown = vec![
            "strace".to_string(),
            "-c".into(),
            "-f".into(),
            "-o".into(),
            "strace.out".into(),
            program.display().to_string(),
        ];
        shown.extend(args.iter().cloned());
        prov.command(shell::join(&shown));
        let (counts, stdout) = strace::trace(strace_exe, &program, &args)?;
        let callbacks = if imp == "libevent" {
            libevent::parse_report(&stdout)?.run.callbacks
        } else {
            parse_child_output(&stdout)?
        };
        Ok((counts, callbacks))
    }
}

/// Reads the `callbacks <n>` line a child run prints.
fn parse_child_output(stdout: &str) -> anyhow::Result<u64> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("callbacks "))
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("no callbacks line in child output {stdout:?}"))
}

/// `benches __child event-loop pingpong <impl> <pipes> <active> <writes> <loops>`:
/// runs the workload in this process (to be traced) and prints the callbacks.
pub(crate) fn child(args: &[String]) -> anyhow::Result<()> {
    let imp = args.first().context("missing <impl>")?;
    let params = Params::parse(&args[1..])?;
    let loops: usize = args
        .get(4)
        .context("missing <loops>")?
        .parse()
        .context("<loops> is not a number")?;
    let run = run_rust(imp, params, loops)?;
    println!("callbacks {}", run.callbacks);
    Ok(())
}

/// Runs one of the Rust implementations.
fn run_rust(imp: &str, params: Params, loops: usize) -> anyhow::Result<Run> {
    match imp {
        "ours" => ours::run(params, loops),
        "mio" => raw_mio::run(params, loops),
        other => bail!("no pingpong implementation named {other:?}"),
    }
}

impl Comparison for PingPong {
    fn crate_name(&self) -> &'static str {
        "event-loop"
    }

    fn bench(&self) -> &'static str {
        "pingpong"
    }

    fn describe(&self) -> String {
        format!(
            "libevent test/bench.c's ping-pong. N Unix socket pairs (case n=N), A={ACTIVE} of them \
             (every N/A-th) seeded with one byte, W={WRITES} forwards per loop: each read callback \
             reads up to 64 bytes from its pair (one byte unless two chains met) and forwards the \
             bytes read to the next pair with one write (bench.c reads exactly one byte, which \
             only level-triggered readiness allows; edge-triggered ours and mio must drain, so all \
             three read the same way). Where chains meet they travel on as one burst: at n=100 \
             every pair is seeded, so a loop is about 100 callbacks rather than 1,100 — the same \
             for all three, as the syscall notes show. A loop is timed as bench.c times it: \
             the clock starts right after the A seed bytes are written and stops when every byte \
             written (seeds and W forwards) has been read; each measurement runs 2 warm-up \
             loops and then {LOOPS} timed loops ({LOOPS_QUICK} with --quick) and reports the \
             MEDIAN time per loop. Every pair is registered once and the loop blocks in \
             epoll_wait (no busy polling). ours: {}. mio: the same logic on a bare mio 1.x Poll \
             (edge-triggered; a read that fills the 64-byte buffer is repeated), one Events buffer \
             of 1024. libevent: our C harness benches/c/pingpong.c against the system libevent 2.1 \
             (event_base_new defaults: epoll backend; persistent level-triggered EV_READ events, \
             one read per callback), cc -O2. syscalls_per_event: strace -c -f over two runs that \
             differ only in the number of loops; (difference in syscalls - the driver's A seed \
             writes per extra loop) / (difference in callbacks), so set-up cancels out.",
            ours::DESCRIPTION
        )
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        Self::sizes(quick)
            .0
            .into_iter()
            .map(|n| format!("n={n}"))
            .collect()
    }

    fn targets(&self) -> Vec<Target> {
        vec![
            Target::at_most("mio", "time_per_loop", 1.05),
            Target::at_most("libevent", "time_per_loop", 1.0),
        ]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.quick = quick;
        if let Some(note) = Self::sizes(quick).1 {
            prov.note(note);
        }
        let mut impls = vec![
            Impl {
                name: "ours",
                config: ours::DESCRIPTION.into(),
            },
            Impl {
                name: "mio",
                config: "bare mio Poll, edge-triggered, same callback logic".into(),
            },
        ];
        let mut skips = Vec::new();
        match libevent::build(None)? {
            Ok(harness) => {
                prov.command(harness.compile_command.clone());
                if let Some(v) = &harness.pkg_version {
                    prov.version("libevent (pkg-config)", v.clone());
                }
                if let Some(v) = tool_version("cc", &["--version"]) {
                    prov.version("cc", v);
                }
                impls.push(Impl {
                    name: "libevent",
                    config:
                        "benches/c/pingpong.c on system libevent, epoll, EV_READ|EV_PERSIST, cc -O2"
                            .into(),
                });
                self.libevent = Some(harness);
            }
            Err(skip) => skips.push(skip),
        }
        Ok((impls, skips))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let params = Self::params(case)?;
        let loops = self.loops();
        let run = if imp == "libevent" {
            let harness = self
                .libevent
                .as_ref()
                .context("libevent harness not built")?;
            let report = harness.run(&params, loops)?;
            let mut shown = vec![harness.exe.display().to_string()];
            shown.extend(Harness::args(&params, loops));
            prov.command(shell::join(&shown));
            prov.version(
                "libevent (runtime)",
                format!("{} ({} backend)", report.version, report.method),
            );
            report.run
        } else {
            run_rust(imp, params, loops)?
        };
        Ok(vec![Sample::new(
            "time_per_loop",
            median(&run.loop_us),
            "us",
        )])
    }

    fn extra(&mut self, quick: bool, prov: &mut Provenance) -> anyhow::Result<Vec<ExtraRow>> {
        let Some(strace_exe) = which("strace") else {
            prov.note(format!(
                "pingpong syscalls_per_event not measured: strace not found — install with: {}",
                strace::INSTALL
            ));
            return Ok(Vec::new());
        };
        if let Some(v) = tool_version("strace", &["-V"]) {
            prov.version("strace", v);
        }
        let mut impls: Vec<&'static str> = vec!["ours", "mio"];
        if self.libevent.is_some() {
            impls.push("libevent");
        }
        // In a quick run only the smallest case is traced.
        let cases = if quick {
            self.cases(true).into_iter().take(1).collect()
        } else {
            self.cases(false)
        };
        let mut rows = Vec::new();
        for case in cases {
            let params = Self::params(&case)?;
            for &imp in &impls {
                let (short, short_callbacks) = self.traced(&strace_exe, imp, &params, 1, prov)?;
                let (long, long_callbacks) =
                    self.traced(&strace_exe, imp, &params, 1 + TRACED_LOOPS, prov)?;
                let callbacks = long_callbacks.saturating_sub(short_callbacks);
                if callbacks == 0 {
                    bail!("pingpong {case} {imp}: no callbacks between the traced runs");
                }
                let diff = long.minus(&short);
                // The driver writes `active` seed bytes per loop outside any
                // callback; they are neither loop nor callback work.
                let seeds = (params.active * TRACED_LOOPS) as f64;
                let per_callback = (diff.total() as f64 - seeds) / callbacks as f64;
                let breakdown: Vec<String> = diff
                    .by_name
                    .iter()
                    .map(|(name, calls)| (name, *calls as f64 / callbacks as f64))
                    .filter(|(_, per)| *per >= 0.005)
                    .map(|(name, per)| format!("{name} {per:.2}"))
                    .collect();
                prov.note(format!(
                    "pingpong {case} {imp}: {per_callback:.3} syscalls per callback over {callbacks} callbacks, \
                     not counting the {seeds} seed writes ({:.3} per callback) the driver makes outside \
                     callbacks; all syscalls per callback: {}; target ≤ {SYSCALLS_TARGET}: {}",
                    seeds / callbacks as f64,
                    breakdown.join(", "),
                    if per_callback <= SYSCALLS_TARGET { "met" } else { "missed" }
                ));
                rows.push(ExtraRow {
                    case: case.clone(),
                    imp,
                    sample: Sample::new("syscalls_per_event", per_callback, "syscalls/callback"),
                });
            }
        }
        Ok(rows)
    }

    fn finish(&mut self) {
        self.libevent = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_fit_the_fd_limit_and_parse_back() {
        // Every wanted size runs, capped by the fd budget, and a cap is noted.
        let fits = workload::max_pipes(workload::raise_fd_limit().unwrap());
        let mut expected: Vec<String> = PIPES
            .iter()
            .map(|&n| format!("n={}", n.min(fits)))
            .collect();
        expected.dedup();
        assert_eq!(PingPong::default().cases(false), expected);
        let (_, note) = PingPong::sizes(false);
        assert_eq!(note.is_some(), PIPES.iter().any(|&n| n > fits));
        assert_eq!(
            PingPong::params("n=1000").unwrap(),
            Params {
                pipes: 1000,
                active: 100,
                writes: 1000
            }
        );
        assert!(PingPong::params("x=1").is_err());
        assert_eq!(parse_child_output("callbacks 12\n").unwrap(), 12);
    }

    #[test]
    fn measures_every_impl_on_a_tiny_case() {
        let mut cmp = PingPong::default();
        let mut prov = Provenance::default();
        let (impls, _skips) = cmp.prepare(true, &mut prov).unwrap();
        for imp in impls {
            let samples = cmp.measure("n=20", imp.name, &mut prov).unwrap();
            assert_eq!(samples[0].metric, "time_per_loop");
            assert!(samples[0].value > 0.0, "{}: {samples:?}", imp.name);
        }
        cmp.finish();
    }
}
