//! CPU time of a server process, read from `/proc`, for the
//! `cpu_per_req` rows: sample before a load run, sample after, divide the
//! difference by the requests the run made.
//!
//! Two sources, the finer first:
//!
//! - `/proc/<pid>/task/<tid>/schedstat`, whose first field is the thread's
//!   time on a CPU in nanoseconds (the scheduler's own clock), summed over
//!   every thread of the process;
//! - `/proc/<pid>/stat`, fields 14 and 15 (`utime`, `stime`) for the whole
//!   process, in clock ticks of `sysconf(_SC_CLK_TCK)` — usually 100 per
//!   second, so one tick is 10 ms and a run needs seconds of server CPU for
//!   the figure to mean anything.
//!
//! schedstat is missing on kernels built without `CONFIG_SCHEDSTATS`; the
//! sample says which source it came from, and two samples of different
//! sources are never subtracted.

use std::fmt;
use std::time::Duration;

use anyhow::Context;

/// Where a CPU-time sample came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuSource {
    /// Sum of the first field of every thread's `schedstat` (ns).
    Schedstat,
    /// `utime + stime` of `/proc/<pid>/stat`, at this many ticks per second.
    Stat {
        /// `sysconf(_SC_CLK_TCK)`.
        ticks_per_second: u64,
    },
}

impl fmt::Display for CpuSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CpuSource::Schedstat => write!(
                f,
                "/proc/<pid>/task/*/schedstat (on-CPU ns of every thread of the server, summed)"
            ),
            CpuSource::Stat { ticks_per_second } => write!(
                f,
                "/proc/<pid>/stat utime+stime (clock ticks of {:.0} ms; schedstat not available)",
                1000.0 / *ticks_per_second as f64
            ),
        }
    }
}

/// The CPU time a process had used at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuSample {
    /// CPU time used so far.
    pub used: Duration,
    /// The source it was read from.
    pub source: CpuSource,
}

impl CpuSample {
    /// Reads the CPU time of process `pid`: schedstat when every thread's
    /// file reads and parses, else `/proc/<pid>/stat`.
    pub fn read(pid: u32) -> anyhow::Result<CpuSample> {
        if let Some(ns) = schedstat_ns(pid) {
            return Ok(CpuSample {
                used: Duration::from_nanos(ns),
                source: CpuSource::Schedstat,
            });
        }
        let path = format!("/proc/{pid}/stat");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let ticks = parse_stat_ticks(&text).with_context(|| format!("malformed {path}"))?;
        let ticks_per_second = clock_ticks_per_second();
        Ok(CpuSample {
            used: Duration::from_nanos(ticks.saturating_mul(1_000_000_000) / ticks_per_second),
            source: CpuSource::Stat { ticks_per_second },
        })
    }

    /// Microseconds of CPU per request between `self` (before) and `after`,
    /// over `requests` requests; `None` for no requests, mixed sources, or
    /// a clock that went backwards (a thread that exited took its time away).
    pub fn per_request_us(&self, after: &CpuSample, requests: u64) -> Option<f64> {
        if requests == 0 || self.source != after.source || after.used < self.used {
            return None;
        }
        Some((after.used - self.used).as_secs_f64() * 1e6 / requests as f64)
    }
}

/// The summed schedstat of every thread of `pid`, or `None` if any is
/// unreadable (then the caller falls back to `stat` for the whole sample).
fn schedstat_ns(pid: u32) -> Option<u64> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = task.ok()?.path().join("schedstat");
        total += parse_schedstat(&std::fs::read_to_string(path).ok()?)?;
    }
    Some(total)
}

/// `sysconf(_SC_CLK_TCK)`, 100 if it cannot be read.
fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a configuration value; no memory is passed.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(t).ok().filter(|&t| t > 0).unwrap_or(100)
}

/// The first field of a `schedstat` line: nanoseconds on a CPU.
pub fn parse_schedstat(text: &str) -> Option<u64> {
    text.split_whitespace().next()?.parse().ok()
}

/// `utime + stime` (fields 14 and 15, in clock ticks) of a `/proc/<pid>/stat`
/// line. The command name (field 2) is in parentheses and may itself hold
/// spaces and parentheses, so fields are counted after the *last* `)`.
pub fn parse_stat_ticks(text: &str) -> Option<u64> {
    let (_, rest) = text.rsplit_once(')')?;
    // After ")": field 3 (state) is index 0, so field 14 is index 11.
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    utime.checked_add(stime)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A real `/proc/<pid>/stat` line of a redis-server, with a command name
    /// made awkward on purpose: spaces and a `)` inside the parentheses.
    const STAT: &str = "4242 (redis ser) ver) S 1 4242 4242 0 -1 4194560 1510 0 0 0 \
                        250 75 0 0 20 0 5 0 123456 12345678 2500 18446744073709551615 1 1 0 0 0 0 \
                        0 4097 17642 0 0 0 17 1 0 0 0 0 0\n";

    #[test]
    fn stat_gives_utime_plus_stime() {
        assert_eq!(parse_stat_ticks(STAT), Some(325));
        assert_eq!(parse_stat_ticks("1 (x) S 1 2"), None);
        assert_eq!(parse_stat_ticks("no parenthesis"), None);
    }

    #[test]
    fn schedstat_gives_its_first_field() {
        assert_eq!(parse_schedstat("61672123 1500 42\n"), Some(61_672_123));
        assert_eq!(parse_schedstat(""), None);
    }

    #[test]
    fn cpu_per_request_from_two_samples() {
        // Two stat samples 325 and 425 ticks at 100/s: 1 s over 20,000 requests = 50 us.
        let tick = |t: u64| CpuSample {
            used: Duration::from_millis(t * 10),
            source: CpuSource::Stat {
                ticks_per_second: 100,
            },
        };
        let before = tick(parse_stat_ticks(STAT).unwrap());
        let after = tick(parse_stat_ticks(&STAT.replace(" 250 75 ", " 300 125 ")).unwrap());
        assert_eq!(before.per_request_us(&after, 20_000), Some(50.0));
        assert_eq!(before.per_request_us(&after, 0), None);
        assert_eq!(after.per_request_us(&before, 10), None);
        // schedstat: 61.672 ms -> 81.672 ms over 10,000 requests = 2 us.
        let ns = |text: &str| CpuSample {
            used: Duration::from_nanos(parse_schedstat(text).unwrap()),
            source: CpuSource::Schedstat,
        };
        let (b, a) = (ns("61672000 1 1"), ns("81672000 2 2"));
        assert!((b.per_request_us(&a, 10_000).unwrap() - 2.0).abs() < 1e-9);
        // Samples of different sources are never subtracted.
        assert_eq!(b.per_request_us(&after, 1), None);
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        let s = CpuSample::read(std::process::id()).unwrap();
        let busy: u64 = (0..2_000_000u64).map(std::hint::black_box).sum();
        let t = CpuSample::read(std::process::id()).unwrap();
        assert!(busy > 0 && t.used >= s.used);
    }

    proptest! {
        #[test]
        fn proc_parsers_never_panic(text in ".{0,300}") {
            let _ = parse_stat_ticks(&text);
            let _ = parse_schedstat(&text);
        }
    }
}
