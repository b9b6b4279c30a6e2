//! Count sampling (Poisson, negative binomial) by table inversion, exact in integers.
//!
//! Daily demand is the innermost draw of the engine. For a fixed distribution, a table of the CDF
//! scaled to 2^64 turns a draw into one 64-bit random number and a comparison walk that a guide
//! table starts next to its answer (Chen & Asau's guide-table inversion). Integer comparisons
//! make the result identical on every platform.

use statrs::function::gamma::ln_gamma;

#[derive(Debug, Clone)]
/// A count distribution (Poisson, negative binomial) sampled by guide-table inversion of its CDF.
pub struct CountTable {
    /// `thresholds[k]` = P(X ≤ k) · 2^64, saturating; the last entry is `u64::MAX`.
    thresholds: Vec<u64>,
    /// `guide[j]` = the smallest k whose threshold exceeds j · 2^64 / guide.len().
    guide: Vec<u32>,
    guide_shift: u32,
}

impl CountTable {
    /// Poisson with `mean` ≥ 0 `[units]`. Cost is O(mean + 40·√mean).
    pub fn poisson(mean: f64) -> Self {
        assert!(mean.is_finite() && mean >= 0.0, "validated upstream");
        Self::from_pmf(truncated_pmf(mean))
    }

    /// Negative binomial with `mean` and size `k` (variance mean + mean²/k), the Gamma–Poisson
    /// mixture of over-dispersed daily sales.
    pub fn negative_binomial(mean: f64, k: f64) -> Self {
        assert!(
            mean.is_finite() && mean >= 0.0 && k > 0.0,
            "validated upstream"
        );
        Self::from_pmf(negative_binomial_pmf(mean, k))
    }

    fn from_pmf(pmf: Vec<f64>) -> Self {
        let total: f64 = pmf.iter().sum();
        let scale = 2f64.powi(64);
        let mut cum = 0.0;
        let mut thresholds: Vec<u64> = pmf
            .iter()
            .map(|p| {
                cum += p / total;
                // `as` saturates, so cum rounding to 1.0 gives u64::MAX.
                (cum * scale) as u64
            })
            .collect();
        *thresholds.last_mut().expect("pmf is never empty") = u64::MAX;

        let guide_bits = (usize::BITS - thresholds.len().leading_zeros()).clamp(4, 20);
        let guide_len = 1usize << guide_bits;
        let guide_shift = 64 - guide_bits;
        let mut guide = Vec::with_capacity(guide_len);
        let mut k = 0usize;
        for j in 0..guide_len {
            let floor = (j as u64) << guide_shift;
            while thresholds[k] <= floor {
                k += 1;
            }
            guide.push(k as u32);
        }
        CountTable {
            thresholds,
            guide,
            guide_shift,
        }
    }

    /// One variate from 64 uniform random bits.
    #[inline]
    pub fn sample(&self, bits: u64) -> u32 {
        let mut k = self.guide[(bits >> self.guide_shift) as usize] as usize;
        // The last threshold is u64::MAX, so the walk always stops inside the table.
        while bits >= self.thresholds[k] && k + 1 < self.thresholds.len() {
            k += 1;
        }
        k as u32
    }
}

/// P(X = k) for k = 0..=kmax, where the tail beyond kmax is below 1e-17 (invisible at 64 bits).
fn truncated_pmf(mean: f64) -> Vec<f64> {
    if mean == 0.0 {
        return vec![1.0];
    }
    let sd = mean.sqrt();
    let kmax = (mean + 40.0 * sd + 20.0).ceil() as usize;
    let kmin = (mean - 40.0 * sd).floor().max(0.0) as usize;
    // Recurse outward from the mode so that no term under- or overflows for large means.
    let mode = mean.floor() as usize;
    let log_p_mode = -mean + mode as f64 * mean.ln() - ln_gamma(mode as f64 + 1.0);
    let mut pmf = vec![0.0; kmax + 1];
    pmf[mode] = log_p_mode.exp();
    for k in (mode + 1)..=kmax {
        pmf[k] = pmf[k - 1] * mean / k as f64;
    }
    for k in (kmin..mode).rev() {
        pmf[k] = pmf[k + 1] * (k + 1) as f64 / mean;
    }
    pmf
}

/// Table length a negative binomial needs: its mean plus 40 standard deviations.
pub fn negative_binomial_support(mean: f64, k: f64) -> f64 {
    mean + 40.0 * (mean + mean * mean / k).sqrt() + 20.0
}

/// P(X = k) of the negative binomial for x = 0..=xmax, recursing outward from the mode in
/// log space so that nothing underflows for large means.
fn negative_binomial_pmf(mean: f64, k: f64) -> Vec<f64> {
    if mean == 0.0 {
        return vec![1.0];
    }
    let xmax = negative_binomial_support(mean, k).ceil() as usize;
    let q = mean / (k + mean);
    let mode = if k > 1.0 {
        ((k - 1.0) * mean / k).floor() as usize
    } else {
        0
    };
    let ln_p = |x: f64| {
        ln_gamma(x + k) - ln_gamma(k) - ln_gamma(x + 1.0) + k * (k / (k + mean)).ln() + x * q.ln()
    };
    let mut pmf = vec![0.0; xmax + 1];
    pmf[mode] = ln_p(mode as f64).exp();
    for x in (mode + 1)..=xmax {
        pmf[x] = pmf[x - 1] * (x as f64 - 1.0 + k) / x as f64 * q;
    }
    for x in (0..mode).rev() {
        pmf[x] = pmf[x + 1] * (x as f64 + 1.0) / ((x as f64 + k) * q);
    }
    pmf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Source, stream};
    use rand::Rng;

    fn moments(mean: f64, n: usize) -> (f64, f64) {
        let t = CountTable::poisson(mean);
        let mut rng = stream(1, 0, Source::Demand { sku: 0 });
        let xs: Vec<f64> = (0..n)
            .map(|_| f64::from(t.sample(rng.next_u64())))
            .collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        (m, v)
    }

    #[test]
    fn mean_and_variance_match_within_four_standard_errors() {
        for &lambda in &[0.3, 4.0, 20.0, 250.0, 5000.0] {
            let n = 200_000;
            let (m, v) = moments(lambda, n);
            // se(mean) = sqrt(λ/n); se(var) ≈ sqrt((2λ² + λ)/n) for a Poisson.
            let se_m = (lambda / n as f64).sqrt();
            let se_v = ((2.0 * lambda * lambda + lambda) / n as f64).sqrt();
            assert!((m - lambda).abs() < 4.0 * se_m, "λ={lambda} mean {m}");
            assert!((v - lambda).abs() < 4.0 * se_v, "λ={lambda} var {v}");
        }
    }

    #[test]
    fn negative_binomial_matches_mean_and_variance() {
        for &(m, k) in &[(0.7, 0.5), (20.0, 2.0), (20.0, 50.0), (400.0, 3.0)] {
            let t = CountTable::negative_binomial(m, k);
            let n = 200_000;
            let mut rng = stream(3, 0, Source::Demand { sku: 0 });
            let xs: Vec<f64> = (0..n)
                .map(|_| f64::from(t.sample(rng.next_u64())))
                .collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let v = m + m * m / k;
            // se(var) from the fourth central moment of the negative binomial:
            // μ4 = v(1 + 3v(1 + 1/k)… ) — bounded here by the sample's own fourth moment.
            let mu4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64;
            let se_v = ((mu4 - var * var) / n as f64).sqrt();
            assert!(
                (mean - m).abs() < 4.0 * (v / n as f64).sqrt(),
                "m={m} k={k}: mean {mean}"
            );
            assert!(
                (var - v).abs() < 4.0 * se_v,
                "m={m} k={k}: var {var} vs {v}"
            );
        }
    }

    #[test]
    fn extreme_bits_map_to_the_ends_of_the_support() {
        let t = CountTable::poisson(20.0);
        assert_eq!(t.sample(0), 0);
        assert!(t.sample(u64::MAX) > 60);
        assert_eq!(CountTable::poisson(0.0).sample(u64::MAX), 0);
    }

    #[test]
    fn cdf_is_exact_at_small_k() {
        // P(X = 0) = e^{-λ}: the first threshold is e^{-λ}·2^64.
        let t = CountTable::poisson(3.0);
        let p0 = t.thresholds[0] as f64 / 2f64.powi(64);
        assert!((p0 - (-3.0f64).exp()).abs() < 1e-15);
    }
}
