//! Checks of a fit against the weeks it did not see: the last [`HOLDOUT_WEEKS`] weeks are left
//! out, the model is refitted on the rest, and each held-out week's sales are compared with
//! that model's simulated 90% band; and the persistent-shift warning (the held-out weeks' mean
//! more than [`SHIFT_Z`] standard errors from the fitted mean).
//!
//! A week's sales here are those of its ordinary, uncensored days (stream days have their own
//! ratio; censored days only bound demand), and the band is simulated over exactly those days
//! from the fitted law plus its viral spikes. Coverage is judged by the randomised probability
//! integral transform u = P(X < x) + U·P(X = x) (U uniform): under a correct model u is exactly
//! uniform even for small counts, so "inside the 90% band" (0.05 ≤ u ≤ 0.95) has probability
//! 0.9 without the upward bias a closed integer band has.

// Seven weekday cells are read side by side from several arrays; indexing by weekday says
// that more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

use rand::SeedableRng;
use rand_distr::{Distribution, Gamma, StandardNormal};

use super::demand::{Estimate, detect_spikes, weekday0};
use super::history::History;
use crate::demand::poisson::poisson;
use crate::rng::{Stream, splitmix64, unit_f64};

pub const HOLDOUT_WEEKS: usize = 8;
/// Shortest history (in weeks) from which weeks are held out: as many as are held out.
pub const MIN_TRAIN_WEEKS: usize = 8;
/// Simulated weeks per SKU and held-out week.
pub const SIMULATIONS: usize = 400;
pub const SHIFT_Z: f64 = 3.0;

#[derive(Debug, Clone)]
pub struct Calibration {
    /// First held-out day.
    pub start: usize,
    /// (SKU, week) pairs checked, and how many fell inside the 90% band.
    pub weeks: usize,
    pub inside: usize,
    /// Per category: observed, p5, p50, p95 of each held-out week's total.
    pub categories: Vec<Vec<[f64; 4]>>,
    /// The same per SKU (`None` for a SKU without history); a week with no ordinary day
    /// holds NaN.
    pub skus: Vec<Option<Vec<[f64; 4]>>>,
}

impl Calibration {
    pub fn coverage(&self) -> f64 {
        self.inside as f64 / self.weeks.max(1) as f64
    }

    /// Binomial standard error of the coverage under a correct model (p = 0.9).
    pub fn coverage_se(&self) -> f64 {
        (0.9 * 0.1 / self.weeks.max(1) as f64).sqrt()
    }
}

#[derive(Debug, Clone)]
pub struct Shift {
    pub sku: usize,
    /// Mean of the held-out weeks' ordinary days, and what the fit expected `[units/day]`.
    pub recent: f64,
    pub fitted: f64,
    /// (recent − fitted) in standard errors.
    pub z: f64,
}

fn ordinary(h: &History, i: usize, d: usize) -> bool {
    let s = &h.skus[i];
    d >= s.first_day && !s.stream[d] && !s.stocked_out[d]
}

fn draw(rng: &mut Stream, mean: f64, k: Option<f64>) -> f64 {
    let m = match k {
        Some(k) if mean > 0.0 => Gamma::new(k, mean / k).map_or(mean, |g| g.sample(rng)),
        _ => mean,
    };
    f64::from(poisson(rng, m))
}

/// Coverage of the held-out weeks by the model `train` fitted on days before `start`.
pub fn calibrate(
    h: &History,
    train: &[Estimate],
    start: usize,
    category: &[usize],
    categories: usize,
) -> Calibration {
    let wd0 = weekday0(h);
    let mut weeks = 0;
    let mut inside = 0;
    let mut cat_obs = vec![vec![0.0; HOLDOUT_WEEKS]; categories];
    let mut cat_sims = vec![vec![vec![0.0; SIMULATIONS]; HOLDOUT_WEEKS]; categories];
    let mut skus = vec![None; train.len()];
    for (i, e) in train.iter().enumerate() {
        if !e.has_history {
            continue;
        }
        let mut bands = vec![[f64::NAN; 4]; HOLDOUT_WEEKS];
        for w in 0..HOLDOUT_WEEKS {
            let days: Vec<usize> = (start + 7 * w..start + 7 * w + 7)
                .filter(|&d| d < h.days && ordinary(h, i, d))
                .collect();
            if days.is_empty() {
                continue;
            }
            let obs: f64 = days.iter().map(|&d| f64::from(h.skus[i].units[d])).sum();
            let mut rng =
                Stream::seed_from_u64(splitmix64(splitmix64(0xF17 ^ i as u64) ^ (w as u64) << 1));
            let mut sims = Vec::with_capacity(SIMULATIONS);
            for _ in 0..SIMULATIONS {
                let mut total = 0.0;
                let mut extra = [0.0; 7];
                if let Some(v) = &e.viral {
                    let p = v.rate_per_30_days / 30.0;
                    for a in 0..7 {
                        if unit_f64(rand::Rng::next_u64(&mut rng)) < p {
                            let z: f64 = StandardNormal.sample(&mut rng);
                            let m = v.magnitude_median * (v.magnitude_sigma * z).exp();
                            let base = e.law.lambda[(wd0 as usize + start + 7 * w + a) % 7];
                            for (b, x) in extra.iter_mut().enumerate().skip(a) {
                                *x += m * base * 2f64.powf(-((b - a) as f64) / v.half_life_days);
                            }
                        }
                    }
                }
                for &d in &days {
                    let lam = e.law.lambda[(wd0 as usize + d) % 7];
                    total += draw(&mut rng, lam, e.law.k);
                    let x = extra[d - start - 7 * w];
                    if x > 0.0 {
                        total += f64::from(poisson(&mut rng, x));
                    }
                }
                sims.push(total);
            }
            let below = sims.iter().filter(|s| **s < obs).count() as f64;
            let equal = sims.iter().filter(|s| **s == obs).count() as f64;
            let u = (below + unit_f64(rand::Rng::next_u64(&mut rng)) * equal) / SIMULATIONS as f64;
            weeks += 1;
            if (0.05..=0.95).contains(&u) {
                inside += 1;
            }
            let c = category[i];
            cat_obs[c][w] += obs;
            for (j, s) in sims.iter().enumerate() {
                cat_sims[c][w][j] += s;
            }
            sims.sort_by(f64::total_cmp);
            bands[w] = [
                obs,
                super::lanes::quantile(&sims, 0.05),
                super::lanes::quantile(&sims, 0.5),
                super::lanes::quantile(&sims, 0.95),
            ];
        }
        skus[i] = Some(bands);
    }
    let categories = (0..categories)
        .map(|c| {
            (0..HOLDOUT_WEEKS)
                .map(|w| {
                    let mut s = cat_sims[c][w].clone();
                    s.sort_by(f64::total_cmp);
                    [
                        cat_obs[c][w],
                        super::lanes::quantile(&s, 0.05),
                        super::lanes::quantile(&s, 0.5),
                        super::lanes::quantile(&s, 0.95),
                    ]
                })
                .collect()
        })
        .collect();
    Calibration {
        start,
        weeks,
        inside,
        categories,
        skus,
    }
}

/// SKUs whose held-out weeks' mean (ordinary, uncensored, spike-free days) differs from the
/// fitted mean by more than [`SHIFT_Z`] standard errors (sampling noise of the weeks and the
/// fitted mean's own error), largest |z| first.
pub fn shifts(h: &History, train: &[Estimate], start: usize) -> Vec<Shift> {
    let wd0 = weekday0(h);
    let mut out = Vec::new();
    for (i, e) in train.iter().enumerate() {
        if !e.has_history || start >= h.days {
            continue;
        }
        let s = &h.skus[i];
        let half = e
            .viral
            .as_ref()
            .map_or(super::demand::DEFAULT_HALF_LIFE, |v| v.half_life_days);
        let (mask, _) = detect_spikes(s, wd0, start..h.days, &e.law, half, |d| !s.stream[d]);
        let days: Vec<usize> = (start..h.days)
            .filter(|&d| ordinary(h, i, d) && !mask[d])
            .collect();
        if days.is_empty() {
            continue;
        }
        let (mut obs, mut exp, mut var) = (0.0, 0.0, 0.0);
        for &d in &days {
            let lam = e.law.lambda[(wd0 as usize + d) % 7];
            obs += f64::from(s.units[d]);
            exp += lam;
            var += lam + e.law.k.map_or(0.0, |k| lam * lam / k);
        }
        if e.mean > 0.0 && e.mean_se.is_finite() {
            var += (exp * e.mean_se / e.mean).powi(2);
        }
        if var <= 0.0 {
            continue;
        }
        let z = (obs - exp) / var.sqrt();
        if z.abs() > SHIFT_Z {
            let n = days.len() as f64;
            out.push(Shift {
                sku: i,
                recent: obs / n,
                fitted: exp / n,
                z,
            });
        }
    }
    out.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()).then(a.sku.cmp(&b.sku)));
    out
}
