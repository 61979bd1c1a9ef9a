//! What one request costs each server beyond its wall time, measured once
//! per run for a few representative redis-benchmark cases: system calls
//! (`strace -c -f -p`, attached to the running server) and instructions
//! (`perf stat`, or callgrind where perf has no counters; see
//! [`crate::runner::instructions`]).
//!
//! Both figures come from two runs of the same case with `-n N` and
//! `-n 2N`: (count of the second − count of the first) / N. What does not
//! grow with the requests — redis-benchmark's 50 connects and closes,
//! attaching the tool, the GET case's one `SET` — cancels out.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use super::servers::{self, Launch};
use crate::runner::instructions::Counter;
use crate::runner::strace;
use crate::runner::util::{tool_version, which};
use crate::runner::{ExtraRow, Provenance, Sample};

/// The cases measured: the plain string commands, without and with pipelining.
pub(crate) const CASES: &[&str] = &["SET P1", "SET P16", "GET P1", "GET P16"];

/// N of the strace runs (N and 2N requests).
const STRACE_REQUESTS: u32 = 10_000;

/// N of the instruction-count runs; small, because callgrind runs the
/// server some 50 times slower.
const COUNTED_REQUESTS: u32 = 5_000;

/// How many of the most frequent syscalls the notes break the figure into.
const BREAKDOWN: usize = 4;

/// Runs case `case` with `-n n` against the server at `addr` (process `pid`).
pub(crate) type RunCase<'a> =
    &'a dyn Fn(SocketAddr, &str, u32, u32, &mut Provenance) -> anyhow::Result<()>;

/// The per-request figure from the counts of the N run and of the 2N run.
fn per_request(small: u64, large: u64, n: u32) -> f64 {
    (large as f64 - small as f64) / f64::from(n)
}

/// `syscalls_per_req` of every running server `(impl, pid, addr)` on
/// every case of [`CASES`], with the top syscalls of each in the notes.
/// Without strace, a note with the install command and no rows.
pub(crate) fn syscall_rows(
    servers: &[(&'static str, u32, SocketAddr)],
    run: RunCase<'_>,
    prov: &mut Provenance,
) -> anyhow::Result<Vec<ExtraRow>> {
    let Some(strace_exe) = which("strace") else {
        let why = format!(
            "syscalls_per_req not measured: strace not found — install with: {}",
            strace::INSTALL
        );
        eprintln!("  {why}");
        prov.note(why);
        return Ok(Vec::new());
    };
    if let Some(v) = tool_version("strace", &["-V"]) {
        prov.version("strace", v);
    }
    let n = STRACE_REQUESTS;
    prov.command(format!(
        "strace -c -f -o strace.out -p \"$SERVER_PID\"  # attached for one redis-benchmark run of -n {n}, then one of -n {}",
        2 * n
    ));
    let mut rows = Vec::new();
    for &case in CASES {
        for &(imp, pid, addr) in servers {
            let mut counts = Vec::new();
            for requests in [n, 2 * n] {
                let attached = strace::attach(&strace_exe, pid)?;
                run(addr, case, requests, pid, prov)?;
                counts.push(attached.stop()?);
            }
            let per_req = per_request(counts[0].total(), counts[1].total(), n);
            let top: Vec<String> = counts[1]
                .minus(&counts[0])
                .top(BREAKDOWN)
                .into_iter()
                .map(|(name, calls)| (name, calls as f64 / f64::from(n)))
                // What would print as 0.000 is set-up noise, not per-request work.
                .filter(|(_, per)| *per >= 0.0005)
                .map(|(name, per)| format!("{name} {per:.3}"))
                .collect();
            prov.note(format!(
                "syscalls per request, {case}, {imp}: {per_req:.3} (top: {})",
                top.join(", ")
            ));
            rows.push(ExtraRow {
                case: case.to_string(),
                imp,
                sample: Sample::new("syscalls_per_req", per_req, "syscalls"),
            });
        }
    }
    Ok(rows)
}

/// `instructions_per_req` of both servers on every case of [`CASES`]: a
/// fresh server of each kind (under callgrind when that is the counter).
/// Without a counter, a note with the install commands and no rows.
pub(crate) fn instruction_rows(
    ours: &Path,
    run: RunCase<'_>,
    prov: &mut Provenance,
) -> anyhow::Result<Vec<ExtraRow>> {
    let counter = match Counter::detect() {
        Ok(c) => c,
        Err(why) => {
            let why = format!("instructions_per_req not measured: {why}");
            eprintln!("  {why}");
            prov.note(why);
            return Ok(Vec::new());
        }
    };
    if let Counter::Callgrind { valgrind, .. } = &counter
        && let Some(v) = tool_version(&valgrind.display().to_string(), &["--version"])
    {
        prov.version("valgrind", v);
    }
    let n = COUNTED_REQUESTS;
    prov.note(format!(
        "instructions_per_req: {}; runs of -n {n} and -n {}",
        counter.describe(),
        2 * n
    ));
    let mut rows = Vec::new();
    for imp in ["ours", "redis"] {
        let dir = std::env::temp_dir().join(format!(
            "infra-lab-instructions-{}-{imp}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)?;
        let wrapper = counter.wrapper(&dir);
        let launch = Launch {
            wrapper: &wrapper,
            // Valgrind takes seconds to start a server.
            ready_within: Some(Duration::from_secs(120)),
            ..Launch::default()
        };
        let measured = (|| -> anyhow::Result<()> {
            let server = servers::start_with(imp, ours, launch, prov)?;
            let (pid, addr) = (server.child.pid(), server.addr);
            for &case in CASES {
                let mut counts = Vec::new();
                for requests in [n, 2 * n] {
                    counts.push(counter.count(pid, &dir, || run(addr, case, requests, pid, prov))?);
                }
                rows.push(ExtraRow {
                    case: case.to_string(),
                    imp,
                    sample: Sample::new(
                        "instructions_per_req",
                        per_request(counts[0], counts[1], n),
                        counter.unit(),
                    ),
                });
            }
            Ok(())
        })();
        let _ = std::fs::remove_dir_all(&dir);
        measured?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_request_is_the_difference_over_n() {
        // 3,000 calls for 10,000 requests, 5,000 for 20,000: set-up 1,000, 0.2 per request.
        assert_eq!(per_request(3_000, 5_000, 10_000), 0.2);
        // A noisy smaller second count comes out negative rather than wrapping.
        assert!(per_request(10, 5, 1) < 0.0);
    }
}
