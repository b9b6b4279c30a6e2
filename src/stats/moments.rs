//! Mean and variance by Welford's update, merged by Chan's formula.
//!
//! Replications are folded in fixed blocks of [`BLOCK`]: within a block by Welford in
//! replication order, blocks into the total by Chan in block order (see `stats::BlockStats`).
//! Because block boundaries depend only on replication indices, the float operations — and so
//! every output byte — are the same whatever the thread count, and a run split into shards on
//! block boundaries can be merged into exactly what one process computes.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Replications per statistics block.
pub const BLOCK: u64 = 16;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
/// Count, mean and sum of squared deviations of a sample, pushed one value at a time (Welford) and
/// merged exactly.
pub struct Moments {
    /// Values pushed.
    pub n: u64,
    /// Their mean.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl Moments {
    #[inline]
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Adds every value of `other` (the result does not depend on how values were split).
    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let n = self.n + other.n;
        let d = other.mean - self.mean;
        let (na, nb, nn) = (self.n as f64, other.n as f64, n as f64);
        self.mean += d * nb / nn;
        self.m2 += other.m2 + d * d * na * nb / nn;
        self.n = n;
    }

    /// Sample variance (n − 1 in the denominator); `None` below two observations.
    pub fn variance(&self) -> Option<f64> {
        (self.n >= 2).then(|| (self.m2 / (self.n - 1) as f64).max(0.0))
    }

    /// Standard error of the mean; `None` below two values.
    pub fn std_error(&self) -> Option<f64> {
        self.variance().map(|v| (v / self.n as f64).sqrt())
    }

    /// Half-width of the 95% confidence interval of the mean (Student's t, n − 1 d.f.).
    pub fn ci95(&self) -> Option<f64> {
        let se = self.std_error()?;
        Some(t975(self.n - 1) * se)
    }
}

/// The `p` quantile of Student's t with `dof` degrees of freedom (the normal's beyond
/// 100,000 degrees of freedom, where the two agree to 6 digits).
pub fn t_quantile(p: f64, dof: u64) -> f64 {
    use statrs::distribution::Normal;
    if dof == 0 {
        return f64::INFINITY;
    }
    if dof > 100_000 {
        return Normal::new(0.0, 1.0)
            .map(|n| n.inverse_cdf(p))
            .unwrap_or(f64::NAN);
    }
    StudentsT::new(0.0, 1.0, dof as f64)
        .map(|t| t.inverse_cdf(p))
        .unwrap_or(f64::NAN)
}

/// The 97.5% quantile of Student's t with `dof` degrees of freedom.
pub fn t975(dof: u64) -> f64 {
    if dof > 100_000 {
        return 1.959_963_984_540_054;
    }
    StudentsT::new(0.0, 1.0, dof as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(1.959_963_984_540_054)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welford_matches_the_two_pass_formula() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| ((i * 37) % 101) as f64 * 0.5 + 3.0)
            .collect();
        let mut m = Moments::default();
        xs.iter().for_each(|&x| m.push(x));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!((m.mean - mean).abs() < 1e-12);
        assert!((m.variance().unwrap() - var).abs() < 1e-9);
    }

    #[test]
    fn merging_halves_equals_the_whole() {
        let mut a = Moments::default();
        let mut b = Moments::default();
        let mut all = Moments::default();
        for i in 0..500 {
            let x = (i as f64).sin() * 10.0;
            all.push(x);
            if i < 123 { a.push(x) } else { b.push(x) }
        }
        a.merge(&b);
        assert_eq!(a.n, all.n);
        assert!((a.mean - all.mean).abs() < 1e-12);
        assert!((a.m2 - all.m2).abs() < 1e-8);
    }

    #[test]
    fn ci_uses_student_t() {
        assert!((t975(1) - 12.706).abs() < 1e-3);
        assert!((t975(30) - 2.042).abs() < 1e-3);
        let mut m = Moments::default();
        m.push(1.0);
        assert_eq!(m.ci95(), None);
        m.push(3.0);
        // sd = √2, se = 1, t(1) = 12.706
        assert!((m.ci95().unwrap() - 12.706).abs() < 1e-3);
    }
}
