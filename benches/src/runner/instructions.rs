//! Counting the instructions a server executes during one load run, for
//! the `instructions_per_req` rows.
//!
//! Two counters, the cheaper first:
//!
//! - `perf stat -e instructions -x, -p <pid>`: the hardware counter,
//!   attached to the running server, user and kernel instructions. Many
//!   virtual machines expose no counters (`perf stat -e instructions true`
//!   prints `<not supported>`); then
//! - callgrind: the server is *started* under `valgrind --tool=callgrind`,
//!   its counters zeroed before the run (`callgrind_control -z`) and dumped
//!   after it (`callgrind_control -d`). It counts user-space instructions
//!   only (the kernel's share of the work shows in the syscall rows) and
//!   runs the server some 50 times slower, so runs are kept small.
//!
//! Neither is chosen silently: [`Counter::detect`] says which one runs, or
//! the exact install commands when neither can.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::util::which;

/// The install commands printed when no counter can run.
pub const INSTALL: &str =
    "apt-get install linux-perf (a machine with hardware counters) or apt-get install valgrind";

/// How instructions are counted on this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Counter {
    /// `perf stat -e instructions`, attached by pid.
    Perf(PathBuf),
    /// callgrind: the server runs under valgrind, counters zeroed and dumped.
    Callgrind {
        /// `valgrind`.
        valgrind: PathBuf,
        /// `callgrind_control`.
        control: PathBuf,
    },
}

impl Counter {
    /// perf if it counts instructions here, else callgrind if valgrind is
    /// installed; otherwise why neither can run (with the install commands).
    pub fn detect() -> Result<Counter, String> {
        let mut why = Vec::new();
        match which("perf") {
            Some(perf) => {
                let out = Command::new(&perf)
                    .args(["stat", "-x,", "-e", "instructions", "true"])
                    .output();
                match out.map(|o| parse_perf_stat(&String::from_utf8_lossy(&o.stderr))) {
                    Ok(Some(_)) => return Ok(Counter::Perf(perf)),
                    _ => why.push(
                        "`perf stat -e instructions true` counts nothing here (no hardware counters)",
                    ),
                }
            }
            None => why.push("perf not found"),
        }
        match (which("valgrind"), which("callgrind_control")) {
            (Some(valgrind), Some(control)) => Ok(Counter::Callgrind { valgrind, control }),
            _ => {
                why.push("valgrind not found");
                Err(format!("{} — install with: {INSTALL}", why.join("; ")))
            }
        }
    }

    /// The unit of the counts: callgrind sees user space only.
    pub fn unit(&self) -> &'static str {
        match self {
            Counter::Perf(_) => "instructions",
            Counter::Callgrind { .. } => "user instructions",
        }
    }

    /// One line for the summary: which counter, and what it counts.
    pub fn describe(&self) -> &'static str {
        match self {
            Counter::Perf(_) => {
                "perf stat -e instructions -x, -p <pid> attached for the run (user + kernel instructions)"
            }
            Counter::Callgrind { .. } => {
                "valgrind --tool=callgrind (perf has no instruction counter here): server started under \
                 callgrind, callgrind_control -z before the run and -d after it; user-space instructions \
                 (Ir) only, the kernel's work is in syscalls_per_req"
            }
        }
    }

    /// The command line to start a server under, before its own program
    /// and arguments: empty for perf, `valgrind --tool=callgrind ...` for
    /// callgrind (its dumps go to `dir`).
    pub fn wrapper(&self, dir: &Path) -> Vec<String> {
        match self {
            Counter::Perf(_) => Vec::new(),
            Counter::Callgrind { valgrind, .. } => vec![
                valgrind.display().to_string(),
                "--tool=callgrind".into(),
                format!(
                    "--callgrind-out-file={}",
                    dir.join("callgrind.out").display()
                ),
                // vgdb's FIFOs go to `dir` too, not /tmp: a server killed
                // at the end leaves nothing behind once `dir` is removed.
                vgdb_prefix(dir),
            ],
        }
    }

    /// Instructions `pid` executed while `run` ran. For callgrind, `pid`
    /// must have been started under [`wrapper`](Counter::wrapper)`(dir)`.
    pub fn count(
        &self,
        pid: u32,
        dir: &Path,
        run: impl FnOnce() -> anyhow::Result<()>,
    ) -> anyhow::Result<u64> {
        match self {
            Counter::Perf(perf) => {
                let file = dir.join(format!("perf-{pid}.csv"));
                let mut child = Command::new(perf)
                    .args(["stat", "-x,", "-e", "instructions", "-o"])
                    .arg(&file)
                    .args(["-p", &pid.to_string()])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .context("starting perf stat -p")?;
                // perf gives no sign that its counters are open; it opens them
                // within milliseconds of starting.
                std::thread::sleep(Duration::from_millis(200));
                let result = run();
                let id = libc::pid_t::try_from(child.id()).context("perf pid out of range")?;
                // SAFETY: kill signals our own child, not yet reaped; perf writes its counts on SIGINT.
                unsafe { libc::kill(id, libc::SIGINT) };
                child.wait().context("waiting for perf")?;
                result?;
                let text = std::fs::read_to_string(&file).context("reading perf's output")?;
                parse_perf_stat(&text).with_context(|| format!("no instruction count in {text:?}"))
            }
            Counter::Callgrind { control, .. } => {
                callgrind_control(control, dir, "-z", pid)?;
                run()?;
                let before = latest_dump(dir);
                callgrind_control(control, dir, "-d", pid)?;
                // The dump is written by the server's own thread; wait for a new file.
                let deadline = Instant::now() + Duration::from_secs(30);
                loop {
                    let now = latest_dump(dir);
                    if now.as_ref().map(|(n, _)| *n) > before.as_ref().map(|(n, _)| *n) {
                        let path = now.map(|(_, p)| p).context("no dump")?;
                        let text = std::fs::read_to_string(&path)
                            .with_context(|| format!("reading {}", path.display()))?;
                        if let Some(total) = parse_callgrind_totals(&text) {
                            return Ok(total);
                        }
                    }
                    if Instant::now() > deadline {
                        bail!("callgrind wrote no dump for pid {pid} within 30 s");
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }
}

/// `--vgdb-prefix=<dir>/vgdb`, given to valgrind and callgrind_control alike.
fn vgdb_prefix(dir: &Path) -> String {
    format!("--vgdb-prefix={}", dir.join("vgdb").display())
}

/// Runs `callgrind_control --vgdb-prefix=... <flag> <pid>`.
fn callgrind_control(control: &Path, dir: &Path, flag: &str, pid: u32) -> anyhow::Result<()> {
    let out = Command::new(control)
        .args([&vgdb_prefix(dir), flag, &pid.to_string()])
        .output()
        .context("running callgrind_control")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || text.contains("Error") {
        bail!("callgrind_control {flag} {pid} failed: {text}");
    }
    Ok(())
}

/// The dump file with the highest number in `dir` (`callgrind.out.<n>`).
fn latest_dump(dir: &Path) -> Option<(u64, PathBuf)> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let n = name.strip_prefix("callgrind.out.")?.parse().ok()?;
            Some((n, e.path()))
        })
        .max_by_key(|(n, _)| *n)
}

/// The instruction count of `perf stat -x,` output: the first field of the
/// `instructions` line (`123456,,instructions,...`); `None` when perf
/// printed `<not supported>` or `<not counted>`.
pub fn parse_perf_stat(text: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let mut fields = line.split(',');
        let value = fields.next()?.trim();
        let event = fields.nth(1)?.trim();
        (event == "instructions" || event.starts_with("instructions:"))
            .then(|| value.parse().ok())
            .flatten()
    })
}

/// The total `Ir` of a callgrind dump: its `totals:` line (or `summary:`,
/// which older versions write instead).
pub fn parse_callgrind_totals(text: &str) -> Option<u64> {
    let field = |prefix: &str| {
        text.lines().find_map(|l| {
            l.strip_prefix(prefix)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
    };
    field("totals:").or_else(|| field("summary:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn perf_stat_csv_gives_the_count_or_nothing() {
        let counted =
            "# started on Tue Nov 25 22:20:12 2026\n\n1834567,,instructions:u,1001234,100.00,,\n";
        assert_eq!(parse_perf_stat(counted), Some(1_834_567));
        let plain = "98765,,instructions,2000,100.00,0.52,insn per cycle\n";
        assert_eq!(parse_perf_stat(plain), Some(98_765));
        let unsupported = "<not supported>,,instructions,0,100.00,,\n";
        assert_eq!(parse_perf_stat(unsupported), None);
        assert_eq!(parse_perf_stat("12,,cycles,1,100.00,,\n"), None);
    }

    #[test]
    fn callgrind_dump_gives_its_totals() {
        let dump = "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 4242\n\
                    cmd:  redis-server --port 7399\npart: 2\n\npositions: line\nevents: Ir\n\
                    summary: 20768746\n\nfn=(1) main\n16 3\ntotals: 20768746\n";
        assert_eq!(parse_callgrind_totals(dump), Some(20_768_746));
        assert_eq!(parse_callgrind_totals("summary: 17\n"), Some(17));
        assert_eq!(parse_callgrind_totals("events: Ir\n"), None);
    }

    #[test]
    fn callgrind_wraps_the_server_command() {
        let c = Counter::Callgrind {
            valgrind: "/usr/bin/valgrind".into(),
            control: "/usr/bin/callgrind_control".into(),
        };
        let w = c.wrapper(Path::new("/tmp/x"));
        assert_eq!(w[1], "--tool=callgrind");
        assert_eq!(w[2], "--callgrind-out-file=/tmp/x/callgrind.out");
        assert_eq!(w[3], "--vgdb-prefix=/tmp/x/vgdb");
        assert_eq!(c.unit(), "user instructions");
    }

    proptest! {
        #[test]
        fn counter_parsers_never_panic(text in "(.{0,60}\n){0,6}") {
            let _ = parse_perf_stat(&text);
            let _ = parse_callgrind_totals(&text);
        }
    }
}
