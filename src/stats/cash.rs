//! The cash curve across replications: for each candidate and day, the mean cash paid out and
//! in and the mean and p5/p50/p95 of the cumulative net cash (`engine::cash`), in memory that
//! does not grow with replications; and the order-statistic interval of a p95.
//!
//! Built like `stats::daily` — values batched per statistics block, sums in fixed point (here
//! signed: net cash goes below zero), quantiles in counts-only sketches (one for the negative
//! side, one for the positive) — so that any thread count and any sharding give the same bits.

use serde::{Deserialize, Serialize};

use super::daily::DaySketch;
use crate::calendar::Calendar;

/// Fixed-point scale of the sums behind means [1/1024 currency].
const FIX: f64 = 1024.0;

fn fix(x: f64) -> i128 {
    let v = x * FIX;
    if v.abs() < 4e18 {
        // Within `i64`: rounded without libm's `round` and the software conversion to `i128`.
        i128::from(crate::num::round_i64(v))
    } else if v.is_finite() {
        v.round() as i128
    } else {
        0
    }
}

/// Quantiles of values of either sign: magnitudes of negative values in one sketch, the rest
/// in another.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignedSketch {
    neg: DaySketch,
    pos: DaySketch,
}

impl SignedSketch {
    pub fn push(&mut self, x: f64) {
        if x < 0.0 {
            self.neg.push(-x);
        } else {
            self.pos.push(x);
        }
    }

    /// Pushes `count` values of `v`, `stride` apart from `start`, as `push` would one by one.
    /// A day's net cash has one sign in every replication whenever the curve is far from zero
    /// (always so on warm-up days, all zero), so the common case goes to one sketch in one
    /// pass.
    #[inline(always)]
    pub(super) fn push_column(&mut self, v: &[f64], start: usize, stride: usize, count: usize) {
        if count == 0 {
            return;
        }
        let column = &v[start..=start + (count - 1) * stride];
        let negative = (0..count).filter(|&j| column[j * stride] < 0.0).count();
        if negative == 0 {
            self.pos.push_column::<false>(v, start, stride, count);
        } else if negative == count {
            self.neg.push_column::<true>(v, start, stride, count);
        } else {
            for j in 0..count {
                self.push(column[j * stride]);
            }
        }
    }

    pub fn merge(&mut self, other: &SignedSketch) {
        self.neg.merge(&other.neg);
        self.pos.merge(&other.pos);
    }

    /// The q-quantile by the nearest-rank rule (within the day sketches' accuracy).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let (nn, np) = (self.neg.count(), self.pos.count());
        let n = nn + np;
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        if rank <= nn {
            self.neg.at_rank(nn - rank + 1).map(|m| -m)
        } else {
            self.pos.at_rank(rank - nn)
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct CashDay {
    /// Fixed-point sums over flushed blocks: cash out, cash in, net cash.
    sums: [i128; 3],
    net: SignedSketch,
}

/// A candidate's cash accumulators: one per simulated day. The pending block's values wait in
/// the calendar accumulator's scratch (`DailyAcc`), which folds them here at the end of each
/// block (`fold_block`): one pass over the days per replication for every
/// calendar series, not one per series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CashAcc {
    reps: u64,
    days: Vec<CashDay>,
}

impl CashAcc {
    pub fn new(horizon_days: u32) -> Self {
        CashAcc {
            reps: 0,
            days: vec![CashDay::default(); horizon_days as usize],
        }
    }

    /// Folds a block of `k` replications: per day, the block's sums of cash out, cash in and
    /// net cash (added in replication order), and its net-cash values (`net[j * days + d]` for
    /// the j-th replication of day d).
    pub(super) fn fold_block(
        &mut self,
        k: usize,
        sums: impl Iterator<Item = [f64; 3]>,
        net: &[f64],
        days: usize,
    ) {
        if self.days.is_empty() || k == 0 {
            return;
        }
        self.reps += k as u64;
        for (d, (acc, sums)) in self.days.iter_mut().zip(sums).enumerate() {
            acc.net.push_column(net, d, days, k);
            for (sum, x) in acc.sums.iter_mut().zip(sums) {
                *sum += fix(x);
            }
        }
    }

    pub fn merge(&mut self, other: &CashAcc) {
        if self.days.is_empty() {
            *self = other.clone();
            return;
        }
        self.reps += other.reps;
        for (a, b) in self.days.iter_mut().zip(&other.days) {
            for (x, y) in a.sums.iter_mut().zip(&b.sums) {
                *x += y;
            }
            a.net.merge(&b.net);
        }
    }

    fn mean(&self, sum: i128) -> f64 {
        if self.reps == 0 {
            return f64::NAN;
        }
        sum as f64 / FIX / self.reps as f64
    }

    /// Every simulated day, warm-up included (all zero there).
    pub fn days(&self) -> Vec<CashDayStats> {
        self.days
            .iter()
            .map(|d| {
                let q = |p| d.net.quantile(p).unwrap_or(f64::NAN);
                CashDayStats {
                    cash_out: self.mean(d.sums[0]),
                    cash_in: self.mean(d.sums[1]),
                    net_mean: self.mean(d.sums[2]),
                    net_p5: q(0.05),
                    net_p50: q(0.50),
                    net_p95: q(0.95),
                }
            })
            .collect()
    }

    /// The measured days by ISO week, on the weeks of `DailyAcc::weeks`: the week's mean cash
    /// out and in, and the net cash at the end of its last measured day.
    pub fn weeks(&self, cal: &Calendar) -> Vec<CashWeekStats> {
        let days = self.days();
        let mut out: Vec<CashWeekStats> = Vec::new();
        for day in cal.warmup_days..cal.horizon_days {
            let date = cal.date(day);
            let back = i64::from(date.weekday().to_monday_zero_offset());
            let monday = date
                .checked_sub(jiff::Span::new().days(back))
                .expect("a week start six days back stays within jiff's range");
            let d = &days[day as usize];
            match out.last_mut() {
                Some(w) if w.monday == monday => {
                    w.days += 1;
                    w.cash_out += d.cash_out;
                    w.cash_in += d.cash_in;
                    w.end = *d;
                }
                _ => out.push(CashWeekStats {
                    monday,
                    days: 1,
                    cash_out: d.cash_out,
                    cash_in: d.cash_in,
                    end: *d,
                }),
            }
        }
        out
    }
}

/// One day's cash across replications `[currency]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CashDayStats {
    /// Mean cash paid out and in that day.
    pub cash_out: f64,
    pub cash_in: f64,
    /// Mean and quantiles of the cumulative net cash at the end of the day.
    pub net_mean: f64,
    pub net_p5: f64,
    pub net_p50: f64,
    pub net_p95: f64,
}

/// One ISO week of measured days `[currency]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CashWeekStats {
    pub monday: jiff::civil::Date,
    pub days: u32,
    /// Mean cash paid out and in over the week.
    pub cash_out: f64,
    pub cash_in: f64,
    /// The week's last measured day (its net cash is the week's closing position).
    pub end: CashDayStats,
}

/// Distribution-free interval for the q-quantile of `n` replications at `confidence`, as 1-based
/// order-statistic ranks (l, u): P(X₍ₗ₎ ≤ ξ_q ≤ X₍ᵤ₎) ≥ confidence, from the binomial
/// distribution of the number of values below the quantile. `None` when n is too small for
/// such an interval.
pub fn quantile_ci_ranks(n: u64, q: f64, confidence: f64) -> Option<(u64, u64)> {
    use statrs::distribution::{Binomial, DiscreteCDF};
    if n == 0 {
        return None;
    }
    let b = Binomial::new(q, n).ok()?;
    let tail = (1.0 - confidence) / 2.0;
    // Largest l with P(B ≤ l − 1) ≤ tail; smallest u with P(B ≥ u) ≤ tail.
    let mut l = 0u64;
    while l < n && b.cdf(l) <= tail {
        l += 1;
    }
    let mut u = n;
    while u > 0 && 1.0 - b.cdf(u - 1) <= tail {
        u -= 1;
    }
    let u = u + 1;
    (l >= 1 && u <= n && l <= u).then_some((l, u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushing_a_slice_of_net_cash_equals_pushing_each_value() {
        let slices: [&[f64]; 4] = [
            &[0.0; 5],
            &[-3.0, -700.5, -1e5],
            &[-3.0, 2.0, 0.0, -0.0, 9e4],
            &[12.0, 12.0],
        ];
        let (mut one, mut each) = (SignedSketch::default(), SignedSketch::default());
        for xs in slices {
            one.push_column(xs, 0, 1, xs.len());
            xs.iter().for_each(|&x| each.push(x));
            assert_eq!(one, each, "after {xs:?}");
        }
    }

    #[test]
    fn signed_quantiles_follow_the_nearest_rank_rule() {
        let mut s = SignedSketch::default();
        let xs = [-50.0, -3.0, 0.0, 2.0, 7.0];
        xs.iter().for_each(|&x| s.push(x));
        assert_eq!(s.quantile(0.2), Some(-50.0));
        assert_eq!(s.quantile(0.4), Some(-3.0));
        assert_eq!(s.quantile(0.6), Some(0.0));
        assert_eq!(s.quantile(1.0), Some(7.0));
    }

    #[test]
    fn quantile_ranks_cover_at_least_the_confidence() {
        use statrs::distribution::{Binomial, DiscreteCDF};
        for n in [100u64, 200, 1000] {
            let (l, u) = quantile_ci_ranks(n, 0.95, 0.95).expect("n large enough");
            let b = Binomial::new(0.95, n).unwrap();
            // P(l ≤ B < u) = P(X₍ₗ₎ ≤ ξ < X₍ᵤ₎).
            let cover = b.cdf(u - 1) - b.cdf(l - 1);
            assert!(cover >= 0.95, "n={n}: [{l}, {u}] covers {cover}");
            assert!(l as f64 <= 0.95 * n as f64 && u as f64 >= 0.95 * n as f64);
        }
        // 0.95⁶⁰ > 0.025: with 60 values even the largest is too likely to fall below the p95.
        assert_eq!(quantile_ci_ranks(60, 0.95, 0.95), None);
    }
}
