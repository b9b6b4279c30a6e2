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

/// Running means and co-moments of one candidate's (served, demanded) and the first
/// candidate's, replication by replication, mergeable like `Moments`: what the paired
/// difference of two pooled ratios needs.
///
/// The difference R_a − R_b of pooled ratios is linearised per replication (delta method)
/// as L = (s_a − R_a·d_a)/D̄_a − (s_b − R_b·d_b)/D̄_b; its variance is wᵀ·C·w with
/// w = (1/D̄_a, −R_a/D̄_a, −1/D̄_b, R_b/D̄_b) and C the covariance of (s_a, d_a, s_b, d_b). Under
/// common random numbers the two candidates see the same demand, so what they share cancels
/// as in any paired difference. R and D̄ are the run's, known only at the end: the co-moments
/// are kept and L's moments computed from them then.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PairedRatio {
    pub n: u64,
    /// Means of (s_a, d_a, s_b, d_b).
    pub mean: [f64; 4],
    /// Sums of cross-products of deviations from the means.
    pub c: [[f64; 4]; 4],
}

impl PairedRatio {
    /// One replication: (served, demanded) of this candidate and of the first.
    #[inline]
    pub fn push(&mut self, a: (f64, f64), b: (f64, f64)) {
        let x = [a.0, a.1, b.0, b.1];
        self.n += 1;
        let n = self.n as f64;
        let mut dx = [0.0; 4];
        for ((d, m), xi) in dx.iter_mut().zip(&mut self.mean).zip(x) {
            *d = xi - *m;
            *m += *d / n;
        }
        let mean = self.mean;
        for (row, di) in self.c.iter_mut().zip(dx) {
            for ((c, xj), mj) in row.iter_mut().zip(x).zip(mean) {
                *c += di * (xj - mj);
            }
        }
    }

    /// Chan's pairwise update, as `Moments::merge`.
    pub fn merge(&mut self, o: &PairedRatio) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let (na, nb) = (self.n as f64, o.n as f64);
        let nn = na + nb;
        let mut d = [0.0; 4];
        for (i, d) in d.iter_mut().enumerate() {
            *d = o.mean[i] - self.mean[i];
        }
        for i in 0..4 {
            self.mean[i] += d[i] * nb / nn;
            for j in 0..4 {
                self.c[i][j] += o.c[i][j] + d[i] * d[j] * na * nb / nn;
            }
        }
        self.n += o.n;
    }

    /// R_a − R_b (a ratio is 1 when nothing was demanded) and the standard error of the
    /// linearised difference (`None` below two replications).
    pub fn diff(&self) -> (f64, Option<f64>) {
        let m = self.mean;
        // (ratio, weight of s, weight of d) of one candidate; no demand: ratio 1, no spread.
        let side = |s: f64, d: f64| match d > 0.0 {
            true => (s / d, 1.0 / d, -s / d / d),
            false => (1.0, 0.0, 0.0),
        };
        let (ra, wsa, wda) = side(m[0], m[1]);
        let (rb, wsb, wdb) = side(m[2], m[3]);
        let diff = ra - rb;
        if self.n < 2 {
            return (diff, None);
        }
        let w = [wsa, wda, -wsb, -wdb];
        let mut var = 0.0;
        for i in 0..4 {
            for j in 0..4 {
                var += w[i] * w[j] * self.c[i][j];
            }
        }
        let var = var.max(0.0) / (self.n - 1) as f64;
        (diff, Some((var / self.n as f64).sqrt()))
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
    fn the_paired_ratio_difference_is_the_linearised_difference_per_replication() {
        // Two candidates on the same demand: served differ, demand shared.
        let reps: Vec<((f64, f64), (f64, f64))> = (0..200)
            .map(|i| {
                let d = 5.0 + (i as f64 * 0.9).sin().abs() * 20.0;
                let sa = d * (0.8 + 0.15 * (i as f64 * 1.7).cos().abs());
                let sb = d * (0.7 + 0.2 * (i as f64 * 0.3).sin().abs());
                ((sa, d), (sb, d))
            })
            .collect();
        let mut all = PairedRatio::default();
        let (mut a, mut b) = (PairedRatio::default(), PairedRatio::default());
        for (i, &(x, y)) in reps.iter().enumerate() {
            all.push(x, y);
            if i < 61 { a.push(x, y) } else { b.push(x, y) }
        }
        a.merge(&b);
        // Directly: the pooled ratios, then L_r with the run's R and D̄, and its SE.
        let n = reps.len() as f64;
        type Rep = ((f64, f64), (f64, f64));
        let sum = |f: &dyn Fn(&Rep) -> f64| reps.iter().map(f).sum::<f64>();
        let (da, db) = (sum(&|r| r.0.1) / n, sum(&|r| r.1.1) / n);
        let (ra, rb) = (sum(&|r| r.0.0) / n / da, sum(&|r| r.1.0) / n / db);
        let l: Vec<f64> = reps
            .iter()
            .map(|((sa, d1), (sb, d2))| (sa - ra * d1) / da - (sb - rb * d2) / db)
            .collect();
        let lm = l.iter().sum::<f64>() / n;
        let se = (l.iter().map(|x| (x - lm).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
        for m in [all, a] {
            let (diff, got) = m.diff();
            assert!((diff - (ra - rb)).abs() < 1e-12, "{diff} vs {}", ra - rb);
            assert!((got.unwrap() - se).abs() < 1e-9 * se, "{got:?} vs {se}");
        }
        // Against itself: no difference and no spread.
        let mut same = PairedRatio::default();
        for &(x, _) in &reps {
            same.push(x, x);
        }
        assert_eq!(same.diff().0, 0.0);
        assert!(same.diff().1.unwrap() < 1e-12);
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
