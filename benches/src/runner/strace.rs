//! Counting system calls with `strace -c -f`, for the syscalls-per-event
//! and syscalls-per-request rows: either a whole child run ([`trace`]) or
//! a running server, attached for the length of one load run ([`attach`]).
//!
//! A process's total includes its start-up and set-up (creating thousands of
//! socket pairs, registering them; a load tool's connections). To count only
//! the steady work, the same workload runs twice with different sizes, and
//! the difference in syscalls is divided by the difference in work: the
//! set-up cancels out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The `apt-get` command that installs strace.
pub const INSTALL: &str = "apt-get install strace";

/// Syscall counts of one traced run, by syscall name.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Counts {
    /// Calls per syscall name (`read`, `write`, `epoll_wait` ...).
    pub by_name: BTreeMap<String, u64>,
}

impl Counts {
    /// All calls.
    pub fn total(&self) -> u64 {
        self.by_name.values().sum()
    }

    /// The `n` syscalls with the most calls, most first (ties by name).
    pub fn top(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.by_name.iter().map(|(k, c)| (k.as_str(), *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }

    /// Calls of `self` minus calls of `base`, per name (saturating at zero).
    pub fn minus(&self, base: &Counts) -> Counts {
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
pub fn trace(strace: &Path, program: &Path, args: &[String]) -> anyhow::Result<(Counts, String)> {
    let file = summary_file();
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

/// A fresh file name for one strace summary.
fn summary_file() -> PathBuf {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "infra-lab-strace-{}-{}.txt",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ))
}

/// `strace -c -f -p <pid>` attached to a running process; [`Attached::stop`]
/// detaches it and returns what it counted. Dropping it unstopped kills
/// strace (which detaches too).
#[derive(Debug)]
pub struct Attached {
    /// The strace process.
    child: Child,
    /// Where it writes its summary.
    file: PathBuf,
}

/// Attaches `strace -c -f` to every thread of `pid` (`-f` with `-p` takes
/// all threads of the process, and any it starts) and returns once the
/// kernel shows every thread traced, so nothing of the next run is missed.
pub fn attach(strace: &Path, pid: u32) -> anyhow::Result<Attached> {
    let file = summary_file();
    let child = Command::new(strace)
        .args(["-c", "-f", "-o"])
        .arg(&file)
        .arg("-p")
        .arg(pid.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting strace -p")?;
    let attached = Attached { child, file };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !all_traced(pid) {
        if Instant::now() > deadline {
            bail!("strace did not attach to pid {pid} within 10 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(attached)
}

/// Whether every thread of `pid` has a tracer.
fn all_traced(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().all(|t| {
        std::fs::read_to_string(t.path().join("status"))
            .ok()
            .and_then(|s| parse_tracer_pid(&s))
            .is_some_and(|tracer| tracer != 0)
    })
}

/// The `TracerPid:` of a `/proc/<pid>/status` text.
pub fn parse_tracer_pid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("TracerPid:"))
        .and_then(|v| v.trim().parse().ok())
}

impl Attached {
    /// Detaches (strace writes its summary on SIGINT) and returns the counts.
    pub fn stop(mut self) -> anyhow::Result<Counts> {
        let pid = libc::pid_t::try_from(self.child.id()).context("strace pid out of range")?;
        // SAFETY: kill sends a signal to our own child, which we have not reaped yet.
        if unsafe { libc::kill(pid, libc::SIGINT) } != 0 {
            bail!(
                "could not signal strace: {}",
                std::io::Error::last_os_error()
            );
        }
        self.child.wait().context("waiting for strace")?;
        let text = std::fs::read_to_string(&self.file).context("reading the strace summary")?;
        parse_summary(&text)
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.file);
    }
}

/// Parses the table `strace -c` writes: one row per syscall, where the
/// `calls` column is the fourth and the name the last; the `total` row and
/// the dashed rules are skipped.
pub fn parse_summary(text: &str) -> anyhow::Result<Counts> {
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
        assert_eq!(c.top(2), vec![("read", 1100), ("write", 1000)]);
    }

    #[test]
    fn tracer_pid_from_status() {
        let status = "Name:\tredis-server\nState:\tS (sleeping)\nTracerPid:\t4711\nUid:\t0\n";
        assert_eq!(parse_tracer_pid(status), Some(4711));
        assert_eq!(parse_tracer_pid("Name: x\n"), None);
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(text in "(.{0,60}\n){0,8}") {
            let _ = parse_summary(&text);
            let _ = parse_tracer_pid(&text);
        }

        #[test]
        fn rows_shaped_like_strace_never_panic(
            rows in proptest::collection::vec(("[0-9.]{1,6}", "[0-9]{0,25}", "[a-z_]{1,12}"), 0..6)
        ) {
            let mut text = String::new();
            for (pct, calls, name) in &rows {
                text.push_str(&format!("{pct} 0.1 1 {calls} {name}\n"));
            }
            text.push_str("100.00 0.1 1 5 total\n");
            let _ = parse_summary(&text);
        }
    }
}
