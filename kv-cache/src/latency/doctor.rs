//! `LATENCY DOCTOR`: Redis's human-readable report (`createLatencyReport`
//! in `src/latency.c`): one line of statistics per event, then the advice
//! those events call for, in Redis's words, so that a user comparing the
//! two servers reads the same report. Only the advice for kv-cache's
//! events (and the huge-pages check) can appear.

use super::{Monitor, Series};

/// What the report needs to know besides the events.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// `latency-monitor-threshold`, ms.
    pub threshold: u64,
    /// `slowlog-log-slower-than`, µs.
    pub slowlog_slower_than: i64,
    /// `hz`.
    pub hz: u32,
    /// Unix seconds.
    pub now: i64,
    /// Anonymous huge pages the process uses (`/proc/self/smaps`), bytes.
    pub anon_huge_pages: u64,
}

/// Statistics of one event's samples. Redis: `struct latencyStats`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Stats {
    samples: u64,
    avg: u64,
    mad: u64,
    /// Seconds from the oldest sample to now (at least 1).
    period: i64,
}

fn stats(s: &Series, now: i64) -> Stats {
    let lat: Vec<u64> = s.samples().map(|x| x.latency).collect();
    let n = lat.len() as u64;
    if n == 0 {
        return Stats::default();
    }
    let avg = lat.iter().sum::<u64>() / n;
    let mad = lat.iter().map(|&l| l.abs_diff(avg)).sum::<u64>() / n;
    let oldest = s.samples().map(|x| x.time).min().unwrap_or(now);
    Stats {
        samples: n,
        avg,
        mad,
        period: (now - oldest).max(1),
    }
}

/// The advice, in the order Redis prints it.
#[derive(Debug, Default)]
struct Advice {
    slowlog_enabled: bool,
    slowlog_tuning: bool,
    slowlog_inspect: bool,
    scheduler: bool,
    hz: bool,
    large_objects: bool,
    disable_thp: bool,
}

/// The report.
pub fn report(m: &Monitor, cx: Context) -> String {
    if m.is_empty() && cx.threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".into();
    }
    let mut out = String::new();
    let mut advice = Advice::default();
    let mut advices = 0;
    for (i, (event, series)) in m.iter().enumerate() {
        if i == 0 {
            out.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        }
        let st = stats(series, cx.now);
        out.push_str(&format!(
            "{}. {event}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). Worst all time event {}ms.",
            i + 1,
            st.samples,
            st.avg,
            st.mad,
            st.period as f64 / st.samples.max(1) as f64,
            series.max
        ));
        match event {
            "command" => {
                if cx.slowlog_slower_than < 0 {
                    advice.slowlog_enabled = true;
                    advices += 1;
                } else if (cx.slowlog_slower_than / 1000) as u64 > cx.threshold {
                    advice.slowlog_tuning = true;
                    advices += 1;
                }
                advice.slowlog_inspect = true;
                advice.large_objects = true;
                advices += 2;
            }
            "fast-command" => {
                advice.scheduler = true;
                advices += 1;
            }
            "expire-cycle" => {
                advice.hz = true;
                advice.large_objects = true;
                advices += 2;
            }
            _ => {}
        }
        out.push('\n');
    }
    if cx.anon_huge_pages > 0 {
        advice.disable_thp = true;
        advices += 1;
    }
    if m.is_empty() && advices == 0 {
        out.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
    } else if advices == 0 {
        out.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
    } else {
        out.push_str("\nI have a few advices for you:\n\n");
        push_advice(&mut out, &advice, cx);
    }
    out
}

fn push_advice(out: &mut String, a: &Advice, cx: Context) {
    let threshold_us = cx.threshold.saturating_mul(1000);
    if a.slowlog_enabled {
        out.push_str(&format!("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {threshold_us}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n"));
    }
    if a.slowlog_tuning {
        out.push_str(&format!("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {threshold_us}'.\n"));
    }
    if a.slowlog_inspect {
        out.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
    }
    if a.scheduler {
        out.push_str("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
    }
    if a.hz && cx.hz < 100 {
        out.push_str("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
    }
    if a.large_objects {
        out.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
    }
    if a.disable_thp {
        out.push_str("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n");
    }
}

/// Anonymous huge pages of this process, bytes (`AnonHugePages:` in
/// `/proc/self/smaps_rollup`; 0 where it cannot be read).
pub fn anon_huge_pages() -> u64 {
    std::fs::read_to_string("/proc/self/smaps_rollup")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("AnonHugePages:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Context {
        Context {
            threshold: 10,
            slowlog_slower_than: 10_000,
            hz: 10,
            now: 200,
            anon_huge_pages: 0,
        }
    }

    #[test]
    fn redis_texts() {
        let mut m = Monitor::default();
        let off = Context {
            threshold: 0,
            ..cx()
        };
        assert!(report(&m, off).starts_with("I'm sorry, Dave"));
        assert!(report(&m, cx()).starts_with("Dave, no latency spike"));
        m.add_if_needed(10, "command", 20, 100);
        m.add_if_needed(10, "command", 40, 150);
        let r = report(&m, cx());
        assert!(r.contains("1. command: 2 latency spikes (average 30ms, mean deviation 10ms, period 50.00 sec). Worst all time event 40ms.\n"), "{r}");
        assert!(r.contains("- Check your Slow Log"), "{r}");
        assert!(
            !r.contains("slowlog-log-slower-than 10000'."),
            "10 ms slow log = threshold"
        );
    }
}
