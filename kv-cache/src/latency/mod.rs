//! The latency monitor (`LATENCY LATEST|HISTORY|RESET|DOCTOR|GRAPH`) and
//! the per-command latency histograms (`LATENCY HISTOGRAM`). Redis:
//! `src/latency.c`, `src/latency.h`, and the histogram update in `call()`
//! of `src/server.c`.
//!
//! The monitor keeps, per *event* — a kind of work that can stall the
//! server — the latest [`HISTORY_LEN`] spikes at or over
//! `latency-monitor-threshold` milliseconds (0: off), one sample per
//! second (the worst of that second), and the worst spike ever. The
//! events kv-cache has, where Redis samples them:
//!
//! | event          | what                                   | sampled in       |
//! |----------------|----------------------------------------|------------------|
//! | `command`      | a command without the `fast` flag      | `exec::call`     |
//! | `fast-command` | an O(1)/O(log N) command               | `exec::call`     |
//! | `expire-cycle` | the cron's active expire cycle         | the server cron  |
//!
//! Redis's other events belong to what kv-cache does not do (fork, AOF,
//! eviction, modules).
//!
//! # Layout
//!
//! - this file: [`Series`] (one event's ring of samples) and [`Monitor`];
//! - [`histogram`]: the per-command histogram, in HDR's layout;
//! - [`graph`]: the ASCII graph of `LATENCY GRAPH`;
//! - [`doctor`]: the `LATENCY DOCTOR` report.

pub mod doctor;
pub mod graph;
pub mod histogram;

pub use histogram::Histogram;

/// Samples kept per event (Redis `LATENCY_TS_LEN`).
pub const HISTORY_LEN: usize = 160;

/// One spike: when (Unix seconds) and how long (ms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sample {
    /// Unix time in seconds; 0 marks an unused slot.
    pub time: i64,
    /// Milliseconds.
    pub latency: u64,
}

/// One event's history. Redis: `struct latencyTimeSeries`.
#[derive(Debug, Clone)]
pub struct Series {
    /// Where the next sample goes.
    next: usize,
    /// The worst latency seen since the event was created or reset.
    pub max: u64,
    /// A ring of samples, oldest at `next`.
    samples: [Sample; HISTORY_LEN],
}

impl Series {
    fn new() -> Series {
        Series {
            next: 0,
            max: 0,
            samples: [Sample::default(); HISTORY_LEN],
        }
    }

    /// Adds a spike; a second one in the same second only raises that
    /// second's sample (Redis `latencyAddSample`).
    fn add(&mut self, now: i64, latency: u64) {
        self.max = self.max.max(latency);
        let prev = (self.next + HISTORY_LEN - 1) % HISTORY_LEN;
        if self.samples[prev].time == now {
            let s = &mut self.samples[prev];
            s.latency = s.latency.max(latency);
            return;
        }
        self.samples[self.next] = Sample { time: now, latency };
        self.next = (self.next + 1) % HISTORY_LEN;
    }

    /// The newest sample.
    pub fn latest(&self) -> Sample {
        self.samples[(self.next + HISTORY_LEN - 1) % HISTORY_LEN]
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> impl Iterator<Item = Sample> + '_ {
        (0..HISTORY_LEN)
            .map(|j| self.samples[(self.next + j) % HISTORY_LEN])
            .filter(|s| s.time != 0)
    }
}

/// Every event seen, in the order first seen. A handful at most, so a
/// list beats a map.
#[derive(Debug, Clone, Default)]
pub struct Monitor {
    events: Vec<(&'static str, Series)>,
}

impl Monitor {
    /// Records `latency` ms for `event` when monitoring is on (`threshold`
    /// > 0) and the latency reaches it (Redis `latencyAddSampleIfNeeded`).
    #[inline]
    pub fn add_if_needed(&mut self, threshold: u64, event: &'static str, latency: u64, now: i64) {
        if threshold > 0 && latency >= threshold {
            self.add(event, latency, now);
        }
    }

    #[cold]
    fn add(&mut self, event: &'static str, latency: u64, now: i64) {
        match self.events.iter_mut().find(|(e, _)| *e == event) {
            Some((_, s)) => s.add(now, latency),
            None => {
                let mut s = Series::new();
                s.add(now, latency);
                self.events.push((event, s));
            }
        }
    }

    /// The series of `event` (exact name, as Redis's lookup).
    pub fn get(&self, event: &[u8]) -> Option<(&'static str, &Series)> {
        self.events
            .iter()
            .find(|(e, _)| e.as_bytes() == event)
            .map(|(e, s)| (*e, s))
    }

    /// Every event and its series.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&'static str, &Series)> + '_ {
        self.events.iter().map(|(e, s)| (*e, s))
    }

    /// Whether no event was recorded (or all were reset).
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Drops `event` (any case), or every event for `None`; returns how
    /// many were dropped (Redis `latencyResetEvent`).
    pub fn reset(&mut self, event: Option<&[u8]>) -> usize {
        let before = self.events.len();
        self.events
            .retain(|(e, _)| event.is_some_and(|want| !e.as_bytes().eq_ignore_ascii_case(want)));
        before - self.events.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sample_per_second_and_a_bounded_ring() {
        let mut m = Monitor::default();
        m.add_if_needed(0, "command", 500, 1);
        assert!(m.is_empty(), "threshold 0 is off");
        m.add_if_needed(10, "command", 9, 1);
        assert!(m.is_empty(), "under the threshold");
        m.add_if_needed(10, "command", 12, 100);
        m.add_if_needed(10, "command", 30, 100);
        m.add_if_needed(10, "command", 20, 100);
        let (_, s) = m.get(b"command").unwrap();
        assert_eq!(
            s.samples().collect::<Vec<_>>(),
            [Sample {
                time: 100,
                latency: 30
            }]
        );
        for t in 0..1000 {
            m.add_if_needed(10, "command", 10 + t as u64, 200 + t);
        }
        let (_, s) = m.get(b"command").unwrap();
        assert_eq!(s.samples().count(), HISTORY_LEN);
        assert_eq!(
            s.latest(),
            Sample {
                time: 1199,
                latency: 1009
            }
        );
        assert_eq!(
            s.samples().next().unwrap().time,
            1199 - HISTORY_LEN as i64 + 1
        );
        assert_eq!(s.max, 1009);
        m.add_if_needed(10, "fast-command", 10, 5);
        assert_eq!(m.reset(Some(b"COMMAND")), 1);
        assert_eq!(m.reset(None), 1);
        assert!(m.is_empty());
    }
}
