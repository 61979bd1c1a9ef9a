//! A Zipf distribution over ranks `0..n`: rank `k` (from 0) is drawn with
//! probability proportional to `1 / (k + 1)^s`. YCSB's hot-key workloads
//! use s = 0.99; the stress tool's `--zipf` and the eviction bench's cache
//! traces draw from it.
//!
//! Sampling inverts a precomputed cumulative table by binary search: exact
//! for any `s` (the rejection samplers that avoid the table are approximate
//! near s = 1), at 8 bytes per rank and about log2(n) steps per draw.

use anyhow::bail;

use super::engine::Rng;

/// The largest `n` a table is built for (400 MB of `f64`s).
pub const MAX_RANKS: u64 = 50_000_000;

/// A Zipf(s) distribution over `0..n`.
#[derive(Clone, Debug)]
pub struct Zipf {
    /// `cdf[k]`: the probability of a rank `<= k`; the last entry is 1.
    cdf: Vec<f64>,
}

impl Zipf {
    /// The distribution over `0..n` (`n` is at least 1) with exponent `s`.
    pub fn new(n: u64, s: f64) -> anyhow::Result<Zipf> {
        if n > MAX_RANKS {
            bail!("a Zipf key space is limited to {MAX_RANKS} keys");
        }
        if !s.is_finite() || s < 0.0 {
            bail!("a Zipf exponent must be a finite number >= 0, not {s}");
        }
        let mut cdf = Vec::with_capacity(n.max(1) as usize);
        let mut sum = 0.0;
        for k in 1..=n.max(1) {
            sum += 1.0 / (k as f64).powf(s);
            cdf.push(sum);
        }
        cdf.iter_mut().for_each(|c| *c /= sum);
        Ok(Zipf { cdf })
    }

    /// How many ranks there are.
    pub fn ranks(&self) -> u64 {
        self.cdf.len() as u64
    }

    /// The probability mass of the ranks `0..k` (the best hit ratio a cache
    /// of `k` entries can have on independent draws).
    pub fn mass_below(&self, k: u64) -> f64 {
        match k {
            0 => 0.0,
            k => self.cdf[(k.min(self.ranks()) - 1) as usize],
        }
    }

    /// One rank.
    pub fn sample(&self, rng: &mut Rng) -> u64 {
        let u = rng.unit();
        // `u < 1` and the last entry is 1, so the point is always a rank.
        (self.cdf.partition_point(|&c| c < u) as u64).min(self.ranks() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_ranks_carry_the_mass_of_the_harmonic_sum() {
        let z = Zipf::new(1000, 0.99).unwrap();
        // Under Zipf(0.99) over 1000 keys the top 10 ranks carry about 39%.
        let top = z.mass_below(10);
        assert!((0.37..0.41).contains(&top), "{top}");
        assert_eq!(z.mass_below(1000), 1.0);
        let mut rng = Rng::new(7);
        let hot = (0..10_000).filter(|_| z.sample(&mut rng) < 10).count();
        assert!((3_500..4_300).contains(&hot), "hot = {hot}");
    }

    #[test]
    fn s_zero_is_uniform_and_bad_inputs_are_refused() {
        let z = Zipf::new(4, 0.0).unwrap();
        assert_eq!(z.mass_below(2), 0.5);
        let mut rng = Rng::new(1);
        assert!((0..1000).all(|_| z.sample(&mut rng) < 4));
        assert!(Zipf::new(MAX_RANKS + 1, 1.0).is_err());
        assert!(Zipf::new(10, f64::NAN).is_err());
        assert!(Zipf::new(10, -1.0).is_err());
    }
}
