//! One SKU's daily demand law — seven weekday means and, for the negative binomial, a
//! dispersion k — fitted by maximum likelihood to sales that may be censored.
//!
//! A day whose shelf ran empty says only "demand ≥ sales": it enters the likelihood as the
//! survival P(D ≥ y), never as P(D = y). The weekday means are found by EM (the expected
//! demand of a censored day, E[D | D ≥ y], replaces its sales until nothing moves: for both
//! laws the complete-data estimate of a mean is the cell average, so each M-step is exact),
//! and k by a golden-section search on ln k of the exact censored likelihood. A hand-written
//! one-parameter search is enough here: the likelihood in ln k is smooth and unimodal in
//! practice, and a general optimiser would cost a dependency for one dimension.
//!
//! Survival functions come from statrs' regularised incomplete gamma and beta functions:
//! Poisson P(D ≥ y) = P(y, λ) and, with q = μ/(μ+k), negative binomial P(D ≥ y) = I_q(y, k).
//! Both laws satisfy y·p(y) = μ·p⁺(y−1), where p⁺ is the same law with k+1 (Poisson: itself),
//! which gives the conditional mean E[D | D ≥ y] = μ·S⁺(y−1)/S(y) without summing a tail.

// Seven weekday cells are read side by side from several arrays; indexing by weekday says
// that more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

use statrs::function::beta::beta_reg;
use statrs::function::gamma::{gamma_lr, ln_gamma};

/// Smallest and largest dispersion k searched; k = 10⁴ is Poisson for any practical mean.
pub const K_MIN: f64 = 0.01;
pub const K_MAX: f64 = 1.0e4;
/// A weekday mean is never exactly 0 inside the likelihood (ln 0).
const MEAN_FLOOR: f64 = 1.0e-9;

/// Observations of one SKU's ordinary days, grouped for fast likelihood evaluations.
#[derive(Debug, Clone, Default)]
pub struct Obs {
    /// Uncensored days per weekday (Monday = 0).
    pub n: [f64; 7],
    /// Units sold on uncensored days per weekday.
    pub sum: [f64; 7],
    /// (units, days) of uncensored days: lnΓ(y + k) depends on y only.
    pub hist: Vec<(u32, u32)>,
    /// Σ lnΓ(y + 1) over uncensored days (the Poisson and NB likelihoods share it).
    pub ln_fact: f64,
    /// (weekday, units) of censored days.
    pub censored: Vec<(u8, u32)>,
}

impl Obs {
    /// From (weekday, units, censored) days.
    pub fn new(days: impl Iterator<Item = (u8, u32, bool)>) -> Obs {
        let mut o = Obs::default();
        let mut counts: std::collections::BTreeMap<u32, u32> = Default::default();
        for (w, y, c) in days {
            if c {
                o.censored.push((w, y));
            } else {
                o.n[w as usize] += 1.0;
                o.sum[w as usize] += f64::from(y);
                *counts.entry(y).or_default() += 1;
            }
        }
        o.hist = counts.into_iter().collect();
        o.ln_fact = o
            .hist
            .iter()
            .map(|&(y, c)| f64::from(c) * ln_gamma(f64::from(y) + 1.0))
            .sum();
        o
    }

    pub fn days(&self) -> usize {
        self.n.iter().sum::<f64>() as usize + self.censored.len()
    }

    pub fn uncensored(&self) -> f64 {
        self.n.iter().sum()
    }
}

/// A daily law: weekday means `[units/day]` and, for the negative binomial, k.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Law {
    pub lambda: [f64; 7],
    /// `None`: Poisson. `Some(k)`: negative binomial, variance = μ + μ²/k.
    pub k: Option<f64>,
}

impl Law {
    /// Mean over the week `[units/day]`.
    pub fn mean(&self) -> f64 {
        self.lambda.iter().sum::<f64>() / 7.0
    }
}

/// P(D ≥ y).
pub fn survival(y: u32, mean: f64, k: Option<f64>) -> f64 {
    if y == 0 {
        return 1.0;
    }
    let mean = mean.max(MEAN_FLOOR);
    match k {
        None => gamma_lr(f64::from(y), mean),
        Some(k) => beta_reg(f64::from(y), k, mean / (mean + k)),
    }
}

/// E[D | D ≥ y].
fn conditional_mean(y: u32, mean: f64, k: Option<f64>) -> f64 {
    if y == 0 {
        return mean;
    }
    let s = survival(y, mean, k);
    if s < 1e-280 {
        // So far in the tail that the day's demand is its sales plus almost nothing.
        return f64::from(y);
    }
    let upper = match k {
        None => survival(y - 1, mean, None),
        Some(k) => {
            if y == 1 {
                1.0
            } else {
                beta_reg(f64::from(y - 1), k + 1.0, mean.max(MEAN_FLOOR) / (mean + k))
            }
        }
    };
    (mean * upper / s).max(f64::from(y))
}

/// Log-likelihood of each weekday's cell (uncensored terms that depend on the mean, and
/// censored days) and the terms that depend on k alone.
fn cell_terms(obs: &Obs, lambda: &[f64; 7], k: Option<f64>) -> ([f64; 7], f64) {
    let mut cells = [0.0; 7];
    for w in 0..7 {
        let m = lambda[w].max(MEAN_FLOOR);
        cells[w] = match k {
            None => obs.sum[w] * m.ln() - obs.n[w] * m,
            Some(k) => obs.n[w] * k * (k / (k + m)).ln() + obs.sum[w] * (m / (k + m)).ln(),
        };
    }
    for &(w, y) in &obs.censored {
        cells[w as usize] += survival(y, lambda[w as usize], k).max(1e-300).ln();
    }
    let shared = match k {
        None => -obs.ln_fact,
        Some(k) => {
            let lg_k = ln_gamma(k);
            obs.hist
                .iter()
                .map(|&(y, c)| f64::from(c) * (ln_gamma(f64::from(y) + k) - lg_k))
                .sum::<f64>()
                - obs.ln_fact
        }
    };
    (cells, shared)
}

pub fn loglik(obs: &Obs, law: &Law) -> f64 {
    let (cells, shared) = cell_terms(obs, &law.lambda, law.k);
    cells.iter().sum::<f64>() + shared
}

/// EM for the weekday means with k fixed. Weekdays without any day take the week's mean.
fn weekday_means(obs: &Obs, start: [f64; 7], k: Option<f64>) -> [f64; 7] {
    let mut lambda = start;
    let mut cens_n = [0.0; 7];
    for &(w, _) in &obs.censored {
        cens_n[w as usize] += 1.0;
    }
    for _ in 0..500 {
        let mut imputed = obs.sum;
        for &(w, y) in &obs.censored {
            imputed[w as usize] += conditional_mean(y, lambda[w as usize], k);
        }
        let mut next = [0.0; 7];
        let mut seen = 0.0;
        let mut total = 0.0;
        for w in 0..7 {
            let n = obs.n[w] + cens_n[w];
            if n > 0.0 {
                next[w] = imputed[w] / n;
                seen += n;
                total += imputed[w];
            }
        }
        let overall = if seen > 0.0 { total / seen } else { 0.0 };
        for w in 0..7 {
            if obs.n[w] + cens_n[w] == 0.0 {
                next[w] = overall;
            }
        }
        let moved = (0..7)
            .map(|w| (next[w] - lambda[w]).abs() / lambda[w].max(1e-6))
            .fold(0.0, f64::max);
        lambda = next;
        if obs.censored.is_empty() || moved < 1e-9 {
            break;
        }
    }
    lambda
}

/// Maximises the censored log-likelihood in ln k ∈ [ln K_MIN, ln K_MAX], means fixed.
fn best_k(obs: &Obs, lambda: &[f64; 7]) -> f64 {
    let f = |u: f64| {
        let (cells, shared) = cell_terms(obs, lambda, Some(u.exp()));
        cells.iter().sum::<f64>() + shared
    };
    let (mut a, mut b) = (K_MIN.ln(), K_MAX.ln());
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while b - a > 1e-4 {
        if fc > fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    (0.5 * (a + b)).exp()
}

/// The maximum-likelihood law of `obs`: Poisson, or negative binomial when `nb`.
pub fn fit(obs: &Obs, nb: bool) -> (Law, f64) {
    let mut start = [0.0; 7];
    let (mut n, mut s) = ([0.0; 7], [0.0; 7]);
    n[..7].copy_from_slice(&obs.n[..7]);
    s[..7].copy_from_slice(&obs.sum[..7]);
    for &(w, y) in &obs.censored {
        n[w as usize] += 1.0;
        s[w as usize] += f64::from(y);
    }
    let overall = s.iter().sum::<f64>() / n.iter().sum::<f64>().max(1.0);
    for w in 0..7 {
        start[w] = if n[w] > 0.0 { s[w] / n[w] } else { overall };
    }
    if !nb {
        let lambda = weekday_means(obs, start, None);
        let law = Law { lambda, k: None };
        return (law, loglik(obs, &law));
    }
    // Moment start for k from the uncensored days' spread around their weekday means.
    let mut k = {
        let (mut ss, mut m, mut cnt) = (0.0, 0.0, 0.0);
        for &(y, c) in &obs.hist {
            m += f64::from(y) * f64::from(c);
            ss += f64::from(y) * f64::from(y) * f64::from(c);
            cnt += f64::from(c);
        }
        if cnt > 1.0 {
            let mean = m / cnt;
            let var = (ss - m * m / cnt) / (cnt - 1.0);
            let alpha = (var - mean) / (mean * mean).max(1e-12);
            (1.0 / alpha.max(1.0 / K_MAX)).clamp(K_MIN, K_MAX)
        } else {
            K_MAX
        }
    };
    let mut lambda = start;
    let mut last = f64::NEG_INFINITY;
    for _ in 0..50 {
        lambda = weekday_means(obs, lambda, Some(k));
        k = best_k(obs, &lambda);
        let ll = loglik(obs, &Law { lambda, k: Some(k) });
        if (ll - last).abs() < 1e-7 * (1.0 + ll.abs()) {
            last = ll;
            break;
        }
        last = ll;
        if obs.censored.is_empty() {
            // Complete data: the means are the cell averages whatever k is.
            break;
        }
    }
    (Law { lambda, k: Some(k) }, last)
}

/// Standard errors from the observed information (numerical second derivatives of the
/// log-likelihood): of the week's mean (all weekday means scaled together), of each weekday
/// mean (its cell alone) and of ln k.
#[derive(Debug, Clone, Copy)]
pub struct Errors {
    pub mean: f64,
    pub lambda: [f64; 7],
    pub ln_k: Option<f64>,
}

pub fn errors(obs: &Obs, law: &Law) -> Errors {
    let h = 1e-3;
    let scaled = |s: f64| law.lambda.map(|l| l * s);
    let (c0, _) = cell_terms(obs, &law.lambda, law.k);
    let (cp, _) = cell_terms(obs, &scaled(1.0 + h), law.k);
    let (cm, _) = cell_terms(obs, &scaled(1.0 - h), law.k);
    let mut info_total = 0.0;
    let mut lambda_se = [f64::INFINITY; 7];
    for w in 0..7 {
        // In the scale s of one cell: d²ℓ/ds² at s = 1; se(λ) = λ / √I.
        let info = -(cp[w] - 2.0 * c0[w] + cm[w]) / (h * h);
        info_total += info;
        if info > 0.0 {
            lambda_se[w] = law.lambda[w] / info.sqrt();
        }
    }
    let mean = law.mean();
    let mean_se = if info_total > 0.0 {
        mean / info_total.sqrt()
    } else {
        f64::INFINITY
    };
    let ln_k = law.k.map(|k| {
        let hk = 1e-2;
        let f = |u: f64| {
            loglik(
                obs,
                &Law {
                    lambda: law.lambda,
                    k: Some(u.exp()),
                },
            )
        };
        let u = k.ln();
        let info = -(f(u + hk) - 2.0 * f(u) + f(u - hk)) / (hk * hk);
        if info > 0.0 {
            1.0 / info.sqrt()
        } else {
            f64::INFINITY
        }
    });
    Errors {
        mean: mean_se,
        lambda: lambda_se,
        ln_k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survival_matches_summed_pmf() {
        // Poisson λ = 3: P(D ≥ 2) = 1 − e⁻³(1 + 3).
        let p = survival(2, 3.0, None);
        assert!((p - (1.0 - (-3.0f64).exp() * 4.0)).abs() < 1e-12);
        // NB k = 2, μ = 4 (p = 1/3): P(D ≥ 1) = 1 − p^k = 1 − 1/9.
        let q = survival(1, 4.0, Some(2.0));
        assert!((q - (1.0 - 1.0 / 9.0)).abs() < 1e-12);
    }

    #[test]
    fn conditional_mean_matches_direct_sum() {
        for k in [None, Some(1.5)] {
            let (mean, y) = (6.0f64, 5u32);
            // Direct: Σ_{d≥y} d p(d) / Σ_{d≥y} p(d), pmf by recurrence.
            let mut p = match k {
                None => (-mean).exp(),
                Some(k) => (k / (k + mean)).powf(k),
            };
            let (mut num, mut den) = (0.0, 0.0);
            for d in 0..2000u32 {
                if d >= y {
                    num += f64::from(d) * p;
                    den += p;
                }
                let df = f64::from(d);
                p *= match k {
                    None => mean / (df + 1.0),
                    Some(k) => (df + k) / (df + 1.0) * mean / (mean + k),
                };
            }
            let got = conditional_mean(y, mean, k);
            assert!(
                (got - num / den).abs() < 1e-9,
                "{k:?}: {got} vs {}",
                num / den
            );
        }
    }
}
