//! What judging a constraint "with confidence" needs beyond a mean: a pooled ratio with its
//! delta-method interval, and a distribution-free confidence bound for a quantile.
//!
//! The fill rate a planner means is pooled — units served ÷ units demanded over every
//! replication — not the mean of per-replication ratios (a quiet replication with 3 units
//! demanded and 0 served would weigh as much as a busy one). Its standard error comes from the
//! delta method on the two sums: with S̄, D̄ the means of served and demanded units and
//! R = S̄ / D̄, Var(R) ≈ Var(S − R·D) / (n · D̄²) (Cochran, *Sampling Techniques*, §6.3).
//!
//! A p95 estimated from n replications is itself random. Its upper confidence bound is an
//! order statistic: X₍u₎ ≥ q₀.₉₅ exactly when fewer than u of the n values fall below q₀.₉₅,
//! so P(X₍u₎ ≥ q₀.₉₅) = P(Binomial(n, 0.95) ≤ u − 1); the smallest u making that at least the
//! confidence gives a bound that holds whatever the distribution (David & Nagaraja, *Order
//! Statistics*, §7.1). With too few replications no order statistic is high enough and the
//! bound does not exist: the constraint cannot be confirmed.

use serde::{Deserialize, Serialize};
use statrs::distribution::{Binomial, DiscreteCDF};

use super::moments::t_quantile;

/// Running means, variances and covariance of a pair (x, y), mergeable like `Moments`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CoMoments {
    pub n: u64,
    pub mean_x: f64,
    pub mean_y: f64,
    /// Sums of squared deviations and of cross-products from the means.
    pub cxx: f64,
    pub cyy: f64,
    pub cxy: f64,
}

impl CoMoments {
    #[inline]
    pub fn push(&mut self, x: f64, y: f64) {
        self.n += 1;
        let n = self.n as f64;
        let dx = x - self.mean_x;
        let dy = y - self.mean_y;
        self.mean_x += dx / n;
        self.mean_y += dy / n;
        self.cxx += dx * (x - self.mean_x);
        self.cyy += dy * (y - self.mean_y);
        self.cxy += dx * (y - self.mean_y);
    }

    /// Chan's pairwise update, as `Moments::merge`.
    pub fn merge(&mut self, o: &CoMoments) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let (na, nb) = (self.n as f64, o.n as f64);
        let nn = na + nb;
        let dx = o.mean_x - self.mean_x;
        let dy = o.mean_y - self.mean_y;
        self.mean_x += dx * nb / nn;
        self.mean_y += dy * nb / nn;
        self.cxx += o.cxx + dx * dx * na * nb / nn;
        self.cyy += o.cyy + dy * dy * na * nb / nn;
        self.cxy += o.cxy + dx * dy * na * nb / nn;
        self.n += o.n;
    }

    /// The pooled ratio Σx / Σy (1 when nothing was demanded, as the per-replication fill
    /// rate is) and its delta-method standard error (`None` below two observations).
    pub fn ratio(&self) -> (f64, Option<f64>) {
        if self.n == 0 || self.mean_y <= 0.0 {
            return (1.0, None);
        }
        let r = self.mean_x / self.mean_y;
        if self.n < 2 {
            return (r, None);
        }
        let var_resid = (self.cxx - 2.0 * r * self.cxy + r * r * self.cyy) / (self.n - 1) as f64;
        let se = (var_resid.max(0.0) / self.n as f64).sqrt() / self.mean_y;
        (r, Some(se))
    }

    /// The one-sided lower `confidence` bound of the pooled ratio (Student's t on n − 1
    /// degrees of freedom); `None` below two observations.
    pub fn ratio_lower(&self, confidence: f64) -> Option<f64> {
        let (r, se) = self.ratio();
        let se = se?;
        Some(r - t_quantile(confidence, self.n - 1) * se)
    }
}

/// The rank u (1-based) of the order statistic that bounds the `q` quantile from above with
/// probability at least `confidence`, among `n` values: the smallest u with
/// P(Binomial(n, q) ≤ u − 1) ≥ confidence. `None` when even the largest value is not enough.
pub fn quantile_upper_rank(n: u64, q: f64, confidence: f64) -> Option<u64> {
    if n == 0 {
        return None;
    }
    let b = Binomial::new(q, n).ok()?;
    // The cdf rises with u; the bound sits a few standard deviations above n·q.
    let start = ((n as f64 * q).floor() as u64).min(n);
    (start.max(1)..=n).find(|&u| b.cdf(u - 1) >= confidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn co_moments_merge_like_one_pass_and_give_the_covariance() {
        let pts: Vec<(f64, f64)> = (0..300)
            .map(|i| {
                let y = 100.0 + (i as f64 * 0.7).sin() * 30.0;
                (0.9 * y - (i as f64 * 1.3).cos() * 5.0, y)
            })
            .collect();
        let mut all = CoMoments::default();
        let (mut a, mut b) = (CoMoments::default(), CoMoments::default());
        for (i, &(x, y)) in pts.iter().enumerate() {
            all.push(x, y);
            if i < 77 { a.push(x, y) } else { b.push(x, y) }
        }
        a.merge(&b);
        let n = pts.len() as f64;
        let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
        let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
        let cxy = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>();
        for m in [all, a] {
            assert!((m.mean_x - mx).abs() < 1e-10);
            assert!((m.cxy - cxy).abs() < 1e-6 * cxy.abs());
        }
        // The pooled ratio is the ratio of sums.
        let sx: f64 = pts.iter().map(|p| p.0).sum();
        let sy: f64 = pts.iter().map(|p| p.1).sum();
        assert!((all.ratio().0 - sx / sy).abs() < 1e-12);
        // Residuals x − R·y are what the delta method measures.
        let r = sx / sy;
        let var: f64 = pts.iter().map(|p| (p.0 - r * p.1).powi(2)).sum::<f64>() / (n - 1.0) / n;
        assert!((all.ratio().1.unwrap() - var.sqrt() / my).abs() < 1e-9);
    }

    #[test]
    fn quantile_bound_rank_is_the_binomial_one() {
        // n = 20, q = 0.95: P(Bin ≤ 19) = 1 − 0.95^20 = 0.6415 < 0.95, and no rank above 20:
        // twenty values cannot bound a p95 at 95% confidence.
        assert_eq!(quantile_upper_rank(20, 0.95, 0.95), None);
        assert_eq!(quantile_upper_rank(20, 0.95, 0.6), Some(20));
        // n = 59: 1 − 0.95^59 = 0.9515 ≥ 0.95, the classic "59 runs" rule.
        assert_eq!(quantile_upper_rank(59, 0.95, 0.95), Some(59));
        assert_eq!(quantile_upper_rank(58, 0.95, 0.95), None);
        // Large n: near n·q + z·√(n q (1 − q)).
        let u = quantile_upper_rank(1000, 0.95, 0.95).unwrap();
        let approx = 950.0 + 1.645 * (1000.0f64 * 0.95 * 0.05).sqrt();
        assert!((u as f64 - approx).abs() <= 2.0, "{u} vs {approx}");
    }
}
