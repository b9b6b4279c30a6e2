//! A paired bootstrap interval for the difference of two quantiles measured on the same
//! replications (what-if variant − base): "p95 peak capital rises by 1,600 (95% CI 900 to
//! 2,300)".
//!
//! A mean difference has its interval from the paired differences' variance; a difference of
//! quantiles has no such moment to fold. So a run with variants keeps the per-replication
//! values of the one or two metrics whose p95 is a headline (8 bytes × replications per world
//! and candidate), and resamples *replications*, not values: resample b draws n replication
//! indices with replacement, takes the nearest-rank quantile of the variant's and of the
//! base's values at those indices, and keeps their difference. The 2.5% and 97.5% points of
//! the [`RESAMPLES`] differences are the percentile interval. Drawing the same indices for
//! both sides keeps the pairing (the shared noise cancels as it does for means).
//!
//! The draws come from a stream keyed by the run's seed and the resample's number, never by
//! the values or by draw order, so the interval is deterministic and identical whether the
//! values were computed in one process or in shards concatenated in replication order. Beyond
//! [`MAX_REPLICATIONS`] the values are not kept and no interval is given (the difference is
//! then the quantile sketches' own).

use rand::{RngExt, SeedableRng};

use crate::rng::{Stream, splitmix64};

/// Resamples per interval: the 25th and 975th sorted differences bound the 95% interval.
pub const RESAMPLES: usize = 1000;

/// Replications up to which a run keeps the values and gives the interval.
pub const MAX_REPLICATIONS: usize = 4096;

/// Tag mixed into the seed so the bootstrap's stream shares no key with the simulation's.
const TAG: u64 = 0xB007_57AB_0000_0095;

/// A difference of quantiles (variant − base, same replications) with its 95% percentile
/// bootstrap interval `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantileDiff {
    pub diff: f64,
    pub lo: f64,
    pub hi: f64,
}

impl QuantileDiff {
    /// The half-width of the smallest interval centred on `diff` that holds `[lo, hi]`: what
    /// "± h" prints beside the other differences (the interval itself may be lopsided).
    pub fn half_width(&self) -> f64 {
        (self.diff - self.lo).max(self.hi - self.diff).max(0.0)
    }
}

/// The `q`-quantile of `xs` by the nearest-rank rule (reorders `xs`).
fn nearest_rank(xs: &mut [f64], q: f64) -> f64 {
    let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
    *xs.select_nth_unstable_by(rank - 1, f64::total_cmp).1
}

/// The difference of `q`-quantiles `variant − base` of paired values (`base[r]` and
/// `variant[r]` from replication r) and its 95% paired bootstrap interval; `None` below two
/// replications, above [`MAX_REPLICATIONS`], or when the two sides differ in length.
pub fn paired_quantile_diff(
    base: &[f64],
    variant: &[f64],
    q: f64,
    seed: u64,
) -> Option<QuantileDiff> {
    let n = base.len();
    if !(2..=MAX_REPLICATIONS).contains(&n) || variant.len() != n {
        return None;
    }
    let diff = nearest_rank(&mut variant.to_vec(), q) - nearest_rank(&mut base.to_vec(), q);
    let key = splitmix64(seed ^ TAG);
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut diffs: Vec<f64> = (0..RESAMPLES as u64)
        .map(|r| {
            let mut rng = Stream::seed_from_u64(splitmix64(key ^ splitmix64(r)));
            a.clear();
            b.clear();
            for _ in 0..n {
                let i = rng.random_range(0..n);
                a.push(base[i]);
                b.push(variant[i]);
            }
            nearest_rank(&mut b, q) - nearest_rank(&mut a, q)
        })
        .collect();
    diffs.sort_by(f64::total_cmp);
    let at = |p: f64| diffs[((p * RESAMPLES as f64).ceil() as usize).clamp(1, RESAMPLES) - 1];
    Some(QuantileDiff {
        diff,
        lo: at(0.025),
        hi: at(0.975),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| 1000.0 + 300.0 * ((i as f64) * 0.7).sin() + (i % 13) as f64 * 11.0)
            .collect()
    }

    #[test]
    fn identical_sides_give_a_zero_width_interval() {
        let x = values(200);
        let d = paired_quantile_diff(&x, &x, 0.95, 7).unwrap();
        assert_eq!((d.diff, d.lo, d.hi), (0.0, 0.0, 0.0));
    }

    #[test]
    fn a_shift_moves_every_resample_by_the_shift() {
        // The nearest-rank quantile of x + c is that of x plus c, in every resample.
        let x = values(300);
        let c = 250.0;
        let y: Vec<f64> = x.iter().map(|v| v + c).collect();
        let d = paired_quantile_diff(&x, &y, 0.95, 7).unwrap();
        assert!((d.diff - c).abs() < 1e-9 && (d.lo - c).abs() < 1e-9 && (d.hi - c).abs() < 1e-9);
    }

    #[test]
    fn the_interval_is_keyed_by_the_seed_only() {
        let x = values(200);
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, v)| v * (1.0 + (i % 7) as f64 * 0.01))
            .collect();
        let a = paired_quantile_diff(&x, &y, 0.95, 3).unwrap();
        assert_eq!(a, paired_quantile_diff(&x, &y, 0.95, 3).unwrap());
        assert!(a.lo < a.hi, "{a:?}");
        assert!(paired_quantile_diff(&x[..1], &y[..1], 0.95, 3).is_none());
        let big = values(MAX_REPLICATIONS + 1);
        assert!(paired_quantile_diff(&big, &big, 0.95, 3).is_none());
    }
}
