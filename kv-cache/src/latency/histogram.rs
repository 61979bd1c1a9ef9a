//! Per-command latency histograms, as `LATENCY HISTOGRAM` reports them in
//! Redis 7.0. Redis records each call's duration in an HDR histogram
//! (1 ns .. 1 s, 2 significant digits) and reports it through a
//! logarithmic iterator: buckets that double from 1024 ns, each labelled
//! with its highest equivalent value in microseconds (1, 2, 4, 8, 16, 33,
//! 66, 132, 264, 528, 1056, ... µs), counts cumulative, empty buckets left
//! out.
//!
//! Here the same buckets are plain counters — one array per command, no
//! allocation per call — and a call lands directly in the bucket the
//! iterator would have counted it in: the first bucket whose label value
//! (in ns) it does not exceed. Durations are whole microseconds, as
//! Redis's (`ustime` differences), clamped to Redis's 1 ns .. 1 s range.

/// Buckets from 1024 ns to 2^30 ns, the first above Redis's 1 s maximum.
pub const BUCKETS: usize = 21;

/// Redis's upper bound of a recorded duration (`LATENCY_HISTOGRAM_MAX_VALUE`), ns.
const MAX_NS: u64 = 1_000_000_000;

/// The highest value the HDR histogram reports for the bucket starting at
/// `1024 << k` ns: with 2 significant digits a value there is counted with
/// a resolution of 1/128 of the bucket start.
const fn highest_equivalent_ns(k: usize) -> u64 {
    let start = 1024u64 << k;
    start + start / 128 - 1
}

/// The counts of one command. Mirrors Redis's `redisCommand.latency_histogram`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: [u64; BUCKETS],
}

impl Histogram {
    /// Counts one call that took `us` microseconds.
    #[inline]
    pub fn record(&mut self, us: u64) {
        self.counts[bucket(us)] += 1;
    }

    /// Calls counted.
    pub fn calls(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// `(label in µs, cumulative count)` for every bucket that holds a
    /// call, as `histogram_usec` lists them.
    pub fn cumulative(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        let mut total = 0;
        self.counts.iter().enumerate().filter_map(move |(k, &n)| {
            total += n;
            (n > 0).then(|| (highest_equivalent_ns(k) / 1000, total))
        })
    }
}

/// The bucket of a call of `us` microseconds.
#[inline]
fn bucket(us: u64) -> usize {
    let ns = us.saturating_mul(1000).clamp(1, MAX_NS);
    if ns <= highest_equivalent_ns(0) {
        return 0;
    }
    // `ns` lies in [1024 << k, 1024 << (k + 1)): bucket k, or k + 1 when
    // it is past k's highest equivalent value.
    let k = (63 - (ns >> 10).leading_zeros()) as usize;
    if ns > highest_equivalent_ns(k) {
        k + 1
    } else {
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_buckets_are_redis_7s() {
        let labels: Vec<u64> = (0..BUCKETS)
            .map(|k| highest_equivalent_ns(k) / 1000)
            .collect();
        assert_eq!(&labels[..11], [1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056]);
        let mut h = Histogram::default();
        for us in [0, 1, 2, 3, 4, 5, 8, 9, 16, 17, 33, 34] {
            h.record(us);
        }
        assert_eq!(
            h.cumulative().collect::<Vec<_>>(),
            [(1, 2), (2, 3), (4, 5), (8, 7), (16, 9), (33, 11), (66, 12)]
        );
        h.record(u64::MAX);
        assert_eq!(h.cumulative().last(), Some((1_082_130, 13)));
        assert_eq!(h.calls(), 13);
    }
}
