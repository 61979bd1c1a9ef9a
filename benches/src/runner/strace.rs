//! Counting system calls with `strace -c -f`, for the syscalls-per-event rows.
//!
//! A process's total includes its start-up and set-up (creating thousands of
//! socket pairs, registering them). To count only the work of the event
//! loop, the same workload runs twice with different loop counts, and the
//! difference in syscalls is divided by the difference in callbacks: the
//! set-up cancels out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};

/// The `apt-get` command that installs strace.
pub(crate) const INSTALL: &str = "apt-get install strace";

/// Syscall counts of one traced run, by syscall name.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Counts {
    /// Calls per syscall name (`read`, `write`, `epoll_wait` ...).
    pub(crate) by_name: BTreeMap<String, u64>,
}

impl Counts {
    /// All calls.
    pub(crate) fn total(&self) -> u64 {
        self.by_name.values().sum()
    }

    /// Calls of `self` minus calls of `base`, per name (saturating at zero).
    pub(crate) fn minus(&self, base: &Counts) -> Counts {
        let mut by_name = BTreeMap::new();
        for (name, calls) in &self.by_name {
            let diff = calls.saturating_sub(base.by_name.get(name).copied().unwrap_or(0));
            if diff > 0 {
                by_name.insert(name.clone(), diff);
            }
        }
        Counts { by_name }
    }
}

/// Runs `program args...` under `strace -c -f` and returns the counts and
/// the program's standard output.
pub(crate) fn trace(
    strace: &Path,
    program: &Path,
    args: &[String],
) -> anyhow::Result<(Counts, String)> {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let file: PathBuf = std::env::temp_dir().join(format!(
        "infra-lab-strace-{}-{}.txt",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    let out = Command::new(strace)
        .arg("-c")
        .arg("-f")
        .arg("-o")
        .arg(&file)
        .arg(program)
        .args(args)
        .output()
        .context("running strace")?;
    let summary = std::fs::read_to_string(&file);
    let _ = std::fs::remove_file(&file);
    if !out.status.success() {
        bail!(
            "{} under strace failed ({}): {}",
            program.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let counts = parse_summary(&summary.context("reading the strace summary")?)?;
    Ok((counts, String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// Parses the table `strace -c` writes: one row per syscall, where the
/// `calls` column is the fourth and the name the last; the `total` row and
/// the dashed rules are skipped.
pub(crate) fn parse_summary(text: &str) -> anyhow::Result<Counts> {
    let mut counts = Counts::default();
    let mut saw_total = false;
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(first), Some(name)) = (fields.first(), fields.last()) else {
            continue;
        };
        if first.parse::<f64>().is_err() || fields.len() < 5 {
            continue; // header, rule, or a note strace printed
        }
        if *name == "total" {
            saw_total = true;
            continue;
        }
        let calls: u64 = fields[3]
            .parse()
            .with_context(|| format!("bad strace row {line:?}"))?;
        *counts.by_name.entry(name.to_string()).or_default() += calls;
    }
    if !saw_total {
        bail!("no total row in the strace summary: {text:?}");
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 45.10    0.001200           1      1100           read
 40.00    0.001000           0      1000           write
 10.00    0.000300           3       100         4 epoll_wait
  4.90    0.000100          50         2           socketpair
------ ----------- ----------- --------- --------- ----------------
100.00    0.002600           1      2202         4 total
";

    #[test]
    fn parses_rows_and_differences() {
        let c = parse_summary(SAMPLE).unwrap();
        assert_eq!(c.total(), 2202);
        assert_eq!(c.by_name["epoll_wait"], 100);
        let mut base = c.clone();
        base.by_name.insert("read".into(), 100);
        base.by_name.insert("write".into(), 0);
        let diff = c.minus(&base);
        assert_eq!(diff.by_name["read"], 1000);
        assert_eq!(diff.by_name["write"], 1000);
        assert!(!diff.by_name.contains_key("socketpair"));
        assert!(parse_summary("garbage\n").is_err());
    }
}
