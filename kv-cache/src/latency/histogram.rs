//! Per-command latency histograms, as `LATENCY HISTOGRAM` and `INFO
//! latencystats` report them in Redis 7.0. Redis records each call's
//! duration (whole microseconds, as nanoseconds) in an HDR histogram of
//! 1 ns .. 1 s with 2 significant digits (`deps/hdr_histogram`), and:
//!
//! - `LATENCY HISTOGRAM` walks it with a logarithmic iterator: buckets that
//!   double from 1024 ns, each labelled with its highest equivalent value in
//!   microseconds (1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, ... µs),
//!   counts cumulative, empty buckets left out;
//! - `INFO latencystats` prints the values at the configured percentiles.
//!
//! Here the counters have the same layout as that HDR histogram, so both
//! reports come out as Redis's: 256 counters 1 ns wide for 0..255 ns, then
//! 22 ranges each twice the last, of 128 counters each covering 1/128 of
//! its range's start. The array (12 KB) is allocated at a command's first
//! call and never again: recording is an index computation and an increment.

/// Counters per range (half of HDR's `sub_bucket_count`, 256 for 2
/// significant digits).
const HALF: usize = 128;
/// Ranges needed to reach 1 s in ns (HDR's `bucket_count` for 1e9), the
/// first holding two ranges' worth of counters.
const RANGES: usize = 23;
/// Counters in all (HDR's `counts_len`).
const COUNTS: usize = (RANGES + 1) * HALF;
/// Redis's bounds of a recorded duration, ns (`LATENCY_HISTOGRAM_MIN_VALUE`, `_MAX_VALUE`).
const MIN_NS: u64 = 1;
const MAX_NS: u64 = 1_000_000_000;
/// `LATENCY HISTOGRAM`'s buckets: from 1024 ns, doubling, the last past 1 s.
const REPORT_BUCKETS: u32 = 21;

/// HDR's bucket (range) index of `v`.
fn range_of(v: u64) -> u32 {
    64 - (v | (2 * HALF as u64 - 1)).leading_zeros() - 8
}

/// The counter of value `v` (ns).
fn index_of(v: u64) -> usize {
    let range = range_of(v);
    let sub = (v >> range) as usize;
    ((range as usize + 1) * HALF) + sub - HALF
}

/// The lowest value counted by counter `index`.
fn value_of(index: usize) -> u64 {
    let (range, sub) = match (index / HALF).checked_sub(1) {
        Some(r) => (r as u32, index % HALF + HALF),
        None => (0, index % HALF),
    };
    (sub as u64) << range
}

/// The highest value counted together with `v` (HDR
/// `highest_equivalent_value`).
fn highest_equivalent(v: u64) -> u64 {
    let range = range_of(v);
    let sub = v >> range;
    let width_range = if sub >= 2 * HALF as u64 {
        range + 1
    } else {
        range
    };
    (sub << range) + (1u64 << width_range) - 1
}

/// The latencies of one command. Mirrors Redis's `redisCommand.latency_histogram`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    /// The counters, allocated at the first call.
    counts: Option<Box<[u32]>>,
    /// Calls counted.
    total: u64,
}

impl Histogram {
    // ANCHOR: record
    /// Counts one call that took `us` microseconds.
    #[inline]
    pub fn record(&mut self, us: u64) {
        let ns = us.saturating_mul(1000).clamp(MIN_NS, MAX_NS);
        let counts = self
            .counts
            .get_or_insert_with(|| vec![0; COUNTS].into_boxed_slice());
        let c = &mut counts[index_of(ns)];
        *c = c.saturating_add(1);
        self.total += 1;
    }
    // ANCHOR_END: record

    /// Calls counted.
    pub fn calls(&self) -> u64 {
        self.total
    }

    /// Every used counter: its lowest value (ns) and count.
    fn used(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts
            .iter()
            .flat_map(|c| c.iter().enumerate())
            .filter(|(_, n)| **n > 0)
            .map(|(i, &n)| (value_of(i), u64::from(n)))
    }

    /// `(label in µs, cumulative count)` for every `LATENCY HISTOGRAM`
    /// bucket that holds a call: a value belongs to the first bucket whose
    /// start it does not pass.
    pub fn cumulative(&self) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = Vec::new();
        let mut total = 0;
        for (low, n) in self.used() {
            total += n;
            let k = (0..REPORT_BUCKETS)
                .find(|&k| low <= 1024 << k)
                .unwrap_or(REPORT_BUCKETS - 1);
            let label = highest_equivalent(1024 << k) / 1000;
            match out.last_mut() {
                Some(last) if last.0 == label => last.1 = total,
                _ => out.push((label, total)),
            }
        }
        out
    }

    /// The value at `percentile` (0..=100), in ns, as HDR's
    /// `hdr_value_at_percentile` gives it.
    pub fn value_at_percentile(&self, percentile: f64) -> u64 {
        let p = percentile.min(100.0);
        let wanted = ((p / 100.0) * self.total as f64 + 0.5) as u64;
        let mut seen = 0;
        let mut at = 0;
        for (low, n) in self.used() {
            at = low;
            seen += n;
            if seen >= wanted {
                break;
            }
        }
        if wanted == 0 {
            at = 0;
        }
        if percentile == 0.0 {
            at
        } else {
            highest_equivalent(at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hdr_layout() {
        assert_eq!(index_of(1), 1);
        assert_eq!(value_of(index_of(1000)), 1000);
        assert_eq!(highest_equivalent(1000), 1003);
        assert_eq!(highest_equivalent(2000), 2007);
        assert_eq!(highest_equivalent(3000), 3007);
        assert_eq!(highest_equivalent(1024), 1031);
        assert!(index_of(MAX_NS) < COUNTS);
        for v in [1, 255, 256, 1000, 4095, 65_537, 999_999_999] {
            let i = index_of(v);
            assert!(
                value_of(i) <= v && v <= highest_equivalent(value_of(i)),
                "{v}"
            );
        }
    }

    #[test]
    fn labels_buckets_and_percentiles_are_redis_7s() {
        let mut h = Histogram::default();
        for us in [0, 1, 2, 3, 4, 5, 8, 9, 16, 17, 33, 34] {
            h.record(us);
        }
        assert_eq!(
            h.cumulative(),
            [(1, 2), (2, 3), (4, 5), (8, 7), (16, 9), (33, 11), (66, 12)]
        );
        // 12 calls: p50 is the 6th smallest (5 µs), p99 and p99.9 the 12th.
        assert_eq!(h.value_at_percentile(50.0), 5023);
        assert_eq!(h.value_at_percentile(99.0), highest_equivalent(34_000));
        h.record(u64::MAX);
        assert_eq!(h.cumulative().last(), Some(&(1_082_130, 13)));
        assert_eq!(h.calls(), 13);
    }
}
