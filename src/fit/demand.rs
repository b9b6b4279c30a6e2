//! Demand parameters per SKU from its sales: the baseline law (censored days as "demand ≥
//! sales"), weekday multipliers, viral spikes and the stream ratio, then partial pooling of
//! what a sparse SKU cannot carry toward its category.
//!
//! Each SKU is fitted on its ordinary days: stream days are left out of the baseline, and so
//! are viral spike days, found iteratively — fit, flag days the fitted law makes implausible
//! (P(D ≥ y) < 10⁻⁶ starts a spike, which lasts while sales stay above the weekday mean with
//! P(D ≥ y) < 5%), refit without them — so that a spike neither inflates the mean nor fakes
//! dispersion. Poisson against negative binomial is a likelihood-ratio test: k = ∞ lies on the
//! boundary of the parameter space, so the statistic is a 50:50 mixture of χ²₀ and χ²₁, and
//! the test at 5% rejects Poisson when 2·Δℓ > 2.706 (the χ²₁ 90% point).
//!
//! Partial pooling is empirical Bayes with the random-effects (DerSimonian–Laird) moment
//! estimator of the between-SKU variance τ²: an estimate x̂ with standard error se moves to
//! the category's precision-weighted mean X by B = τ² / (τ² + se²): x = X + B (x̂ − X). A SKU
//! with two years of daily sales keeps its own weekday profile (se small, B ≈ 1); one with 30
//! units a year takes its category's (se large, B ≈ 0). The same rule applies to the
//! weekday multipliers, the overdispersion α = 1/k and the stream ratio's log-median; spike
//! rates are pooled with a gamma–Poisson prior, and the stream ratio's σ with a prior worth
//! [`SIGMA_PRIOR_STREAMS`] streams of the category's.

// Seven weekday cells are read side by side from several arrays; indexing by weekday says
// that more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

use super::history::{History, SkuHistory};
use super::law::{self, Law, Obs};

/// A spike starts on a day whose sales have P(D ≥ y) below this under the baseline law.
pub const SPIKE_ONSET_P: f64 = 1e-6;
/// A spike continues while sales stay above the weekday mean with P(D ≥ y) below this.
pub const SPIKE_TAIL_P: f64 = 0.05;
/// Longest run of days a spike may be followed for `[days]`.
pub const SPIKE_MAX_DAYS: usize = 30;
/// Window over which a spike's excess is summed to estimate its half-life `[days]`.
pub const HALF_LIFE_WINDOW: usize = 14;
/// Fewer detected spikes than this in a category: no viral parameters are written.
pub const MIN_CATEGORY_SPIKES: usize = 5;
/// A SKU with at least this many spikes uses its own magnitude and half-life.
pub const OWN_SPIKE_SHAPE: usize = 10;
/// The stream ratio's σ is shrunk with a prior worth this many of the category's streams.
pub const SIGMA_PRIOR_STREAMS: f64 = 5.0;
/// 2·Δℓ above which Poisson is rejected for the negative binomial (5%, boundary-corrected).
pub const LR_CRITICAL: f64 = 2.706;

/// A detected viral spike.
#[derive(Debug, Clone)]
pub struct Spike {
    pub day: usize,
    /// First-day extra sales ÷ that day's baseline mean.
    pub magnitude: f64,
    /// Extra sales `[units]` on the first day and, when the window is clean, the window's total.
    pub first: f64,
    pub window_total: Option<f64>,
}

/// What one SKU's own data say, before pooling.
#[derive(Debug, Clone)]
pub struct OwnFit {
    pub poisson: Law,
    pub negative_binomial: Law,
    /// 2·(ℓ_NB − ℓ_Poisson).
    pub lr: f64,
    pub errors: law::Errors,
    /// Ordinary days used (censored included) and how many of them were censored.
    pub days: usize,
    pub censored: usize,
    pub uncensored: f64,
    pub spikes: Vec<Spike>,
    /// Non-stream days observed (the exposure of the spike rate) `[days]`.
    pub exposure: f64,
    /// ln(actual ÷ forecast) of stream days, and whether each was censored (a lower bound).
    pub stream_logs: Vec<(f64, bool)>,
}

impl OwnFit {
    pub fn chosen(&self) -> &Law {
        if self.lr > LR_CRITICAL {
            &self.negative_binomial
        } else {
            &self.poisson
        }
    }
}

/// The fitted demand of one SKU, after pooling.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// Whether the SKU had any history (else everything is its category's).
    pub has_history: bool,
    /// `[units/day]`
    pub mean: f64,
    pub mean_se: f64,
    /// `None`: Poisson.
    pub dispersion: Option<f64>,
    pub dispersion_se: Option<f64>,
    /// Multipliers Monday..Sunday (average 1), after pooling.
    pub weekday: [f64; 7],
    /// The SKU's own multipliers and their standard errors.
    pub weekday_own: [f64; 7],
    pub weekday_se: [f64; 7],
    pub ratio: Option<RatioFit>,
    pub viral: Option<ViralFit>,
    /// Weekday means of the fitted law `[units/day]` (`mean × weekday`).
    pub law: Law,
}

#[derive(Debug, Clone)]
pub struct RatioFit {
    pub median: f64,
    pub sigma: f64,
    pub median_se: f64,
    pub sigma_se: f64,
    /// Stream days of the SKU with a forecast.
    pub streams: usize,
}

#[derive(Debug, Clone)]
pub struct ViralFit {
    pub rate_per_30_days: f64,
    pub rate_se: f64,
    pub magnitude_median: f64,
    pub magnitude_sigma: f64,
    pub half_life_days: f64,
    /// Spikes detected in the SKU's own history.
    pub spikes: usize,
}

/// Weekday (Monday = 0) of day `d` when day 0 is `wd0`.
fn weekday(wd0: u8, d: usize) -> u8 {
    ((wd0 as usize + d) % 7) as u8
}

pub fn weekday0(h: &History) -> u8 {
    h.start.weekday().to_monday_zero_offset() as u8
}

/// Flags spike days of `s` in `range` under `law` (only days with `eligible`).
pub fn detect_spikes(
    s: &SkuHistory,
    wd0: u8,
    range: std::ops::Range<usize>,
    law: &Law,
    half_life: f64,
    eligible: impl Fn(usize) -> bool,
) -> (Vec<bool>, Vec<usize>) {
    let mut mask = vec![false; s.units.len()];
    let mut onsets = Vec::new();
    let mut d = range.start;
    while d < range.end {
        if !eligible(d) {
            d += 1;
            continue;
        }
        let w = weekday(wd0, d) as usize;
        let y = s.units[d];
        if law::survival(y, law.lambda[w], law.k) < SPIKE_ONSET_P {
            onsets.push(d);
            mask[d] = true;
            // The spike's tail: days stay out of the baseline while sales remain implausibly
            // high, and at least while a decay at `half_life` from the first day's excess
            // would still add a quarter of a standard deviation (chosen by time, not by the
            // days' own values, so the baseline keeps no selection bias).
            let first = f64::from(y) - law.lambda[w];
            let sd = (law.lambda[w] + law.k.map_or(0.0, |k| law.lambda[w].powi(2) / k)).sqrt();
            let mut e = d + 1;
            while e < range.end && e - d < SPIKE_MAX_DAYS {
                let we = weekday(wd0, e) as usize;
                let ye = s.units[e];
                let decayed = first * 2f64.powf(-((e - d) as f64) / half_life) > 0.25 * sd;
                let high = f64::from(ye) > law.lambda[we]
                    && law::survival(ye, law.lambda[we], law.k) < SPIKE_TAIL_P;
                if !(decayed || high) {
                    break;
                }
                if eligible(e) {
                    mask[e] = true;
                }
                e += 1;
            }
            d = e;
        } else {
            d += 1;
        }
    }
    (mask, onsets)
}

/// Fits one SKU's own data over days [first_day, end).
pub fn fit_own(s: &SkuHistory, wd0: u8, end: usize) -> OwnFit {
    let begin = s.first_day.min(end);
    let ordinary = |d: usize| !s.stream[d];
    let mut mask = vec![false; s.units.len()];
    let mut onsets: Vec<usize> = Vec::new();
    let mut result = None;
    for _ in 0..5 {
        let obs = Obs::new(
            (begin..end)
                .filter(|&d| ordinary(d) && !mask[d])
                .map(|d| (weekday(wd0, d), s.units[d], s.stocked_out[d])),
        );
        let (pois, llp) = law::fit(&obs, false);
        let (nb, lln) = law::fit(&obs, true);
        let lr = (2.0 * (lln - llp)).max(0.0);
        let chosen = if lr > LR_CRITICAL { nb } else { pois };
        // The tail's length follows the half-life of the spikes found so far.
        let half = if onsets.is_empty() {
            DEFAULT_HALF_LIFE
        } else {
            let found = spikes_of(s, wd0, end, &chosen, &onsets);
            half_life_of(&found.iter().collect::<Vec<_>>())
        };
        // The first pass looks for spikes under a robust law: a fit that still contains the
        // spikes can explain them away as overdispersion (a small k), and would then find
        // too few of them to ever refit without them.
        let seed;
        let under = if result.is_none() {
            seed = robust_seed(s, wd0, begin..end, &chosen);
            &seed
        } else {
            &chosen
        };
        let (next_mask, next_onsets) = detect_spikes(s, wd0, begin..end, under, half, ordinary);
        let done = next_mask == mask;
        result = Some((obs, pois, nb, lr, chosen));
        if done {
            break;
        }
        mask = next_mask;
        onsets = next_onsets;
    }
    let (obs, pois, nb, lr, chosen) = result.expect("at least one pass");
    let errors = law::errors(&obs, &chosen);
    let spikes = spikes_of(s, wd0, end, &chosen, &onsets);
    let mut stream_logs = Vec::new();
    for d in begin..end {
        if s.stream[d] && s.forecast[d] > 0.0 && !mask[d] {
            let extra = f64::from(s.units[d]) - chosen.lambda[weekday(wd0, d) as usize];
            stream_logs.push(((extra.max(0.5) / s.forecast[d]).ln(), s.stocked_out[d]));
        }
    }
    OwnFit {
        poisson: pois,
        negative_binomial: nb,
        lr,
        errors,
        days: obs.days(),
        censored: obs.censored.len(),
        uncensored: obs.uncensored(),
        spikes,
        exposure: (begin..end).filter(|&d| ordinary(d)).count() as f64,
        stream_logs,
    }
}

/// A Poisson law with each weekday's median of ordinary, uncensored sales: robust to the
/// spikes it is used to find (the fitted `fallback` for a weekday with no such day).
fn robust_seed(s: &SkuHistory, wd0: u8, range: std::ops::Range<usize>, fallback: &Law) -> Law {
    let mut lambda = fallback.lambda;
    for (w, l) in lambda.iter_mut().enumerate() {
        let mut ys: Vec<u32> = range
            .clone()
            .filter(|&d| weekday(wd0, d) as usize == w && !s.stream[d] && !s.stocked_out[d])
            .map(|d| s.units[d])
            .collect();
        if ys.is_empty() {
            continue;
        }
        ys.sort_unstable();
        // The median, kept above 0 so a mostly-zero weekday still has a law.
        *l = f64::from(ys[ys.len() / 2]).max(0.5);
    }
    Law { lambda, k: None }
}

/// Half-life assumed before any spike has been measured `[days]`.
pub const DEFAULT_HALF_LIFE: f64 = 3.0;

fn spikes_of(s: &SkuHistory, wd0: u8, end: usize, chosen: &Law, onsets: &[usize]) -> Vec<Spike> {
    let ordinary = |d: usize| !s.stream[d];
    onsets
        .iter()
        .map(|&d| {
            let base = |e: usize| chosen.lambda[weekday(wd0, e) as usize];
            let first = f64::from(s.units[d]) - base(d);
            let clean = d + HALF_LIFE_WINDOW <= end
                && (d + 1..d + HALF_LIFE_WINDOW).all(|e| ordinary(e) && !onsets.contains(&e));
            let window_total = clean.then(|| {
                (d..d + HALF_LIFE_WINDOW)
                    .map(|e| f64::from(s.units[e]) - base(e))
                    .sum()
            });
            Spike {
                day: d,
                magnitude: first / base(d).max(1e-9),
                first,
                window_total,
            }
        })
        .collect()
}

/// Random-effects pooling of estimates `x` with standard errors `se` (infinite: no data):
/// returns the precision-weighted mean X, τ² and X's standard error.
fn dersimonian_laird(x: &[f64], se: &[f64]) -> Option<(f64, f64, f64)> {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(se)
        .filter(|(x, s)| x.is_finite() && s.is_finite() && **s > 0.0)
        .map(|(&x, &s)| (x, 1.0 / (s * s)))
        .collect();
    if pts.is_empty() {
        return None;
    }
    let sw: f64 = pts.iter().map(|p| p.1).sum();
    let sw2: f64 = pts.iter().map(|p| p.1 * p.1).sum();
    let fixed = pts.iter().map(|p| p.0 * p.1).sum::<f64>() / sw;
    let q: f64 = pts.iter().map(|p| p.1 * (p.0 - fixed).powi(2)).sum();
    let df = pts.len() as f64 - 1.0;
    let tau2 = if df > 0.0 {
        ((q - df) / (sw - sw2 / sw)).max(0.0)
    } else {
        0.0
    };
    // The random-effects mean weighs each SKU by 1 / (se² + τ²).
    let (mut num, mut den) = (0.0, 0.0);
    for &(x, w) in &pts {
        let v = 1.0 / w + tau2;
        num += x / v;
        den += 1.0 / v;
    }
    Some((num / den, tau2, (1.0 / den).sqrt()))
}

fn shrink(x: f64, se: f64, pool: Option<(f64, f64, f64)>) -> (f64, f64) {
    match pool {
        None => (x, 1.0),
        Some((m, tau2, _)) => {
            if !x.is_finite() || !se.is_finite() {
                return (m, 0.0);
            }
            let b = if tau2 + se * se > 0.0 {
                tau2 / (tau2 + se * se)
            } else {
                1.0
            };
            (m + b * (x - m), b)
        }
    }
}

/// Censored-normal maximum likelihood by EM: (mean, sd) of values of which some are lower
/// bounds.
pub fn censored_normal(xs: &[(f64, bool)]) -> Option<(f64, f64)> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    let mut m = xs.iter().map(|x| x.0).sum::<f64>() / n;
    let mut s = (xs.iter().map(|x| (x.0 - m).powi(2)).sum::<f64>() / n)
        .sqrt()
        .max(0.05);
    if xs.iter().all(|x| !x.1) {
        return Some((m, s));
    }
    let std = Normal::standard();
    for _ in 0..500 {
        let (mut e1, mut e2) = (0.0, 0.0);
        for &(x, c) in xs {
            if c {
                let z = (x - m) / s;
                let tail = (1.0 - std.cdf(z)).max(1e-300);
                let h = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() / tail;
                e1 += m + s * h;
                e2 += m * m + s * s + s * (x + m) * h;
            } else {
                e1 += x;
                e2 += x * x;
            }
        }
        let nm = e1 / n;
        let ns = (e2 / n - nm * nm).max(0.0025).sqrt();
        let moved = (nm - m).abs() + (ns - s).abs();
        m = nm;
        s = ns;
        if moved < 1e-10 {
            break;
        }
    }
    Some((m, s))
}

/// Half-life `[days]` whose geometric decay over `HALF_LIFE_WINDOW` days sums to `ratio` times
/// the first day: (1 − r^W) / (1 − r) = ratio, r = 2^(−1/h).
fn half_life_from_ratio(ratio: f64) -> f64 {
    let w = HALF_LIFE_WINDOW as f64;
    if !ratio.is_finite() || ratio <= 1.0 {
        return 0.25;
    }
    if ratio >= w - 1e-6 {
        return 60.0;
    }
    let sum = |r: f64| (1.0 - r.powf(w)) / (1.0 - r);
    let (mut lo, mut hi) = (1e-9, 1.0 - 1e-12);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if sum(mid) < ratio {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (-(2f64.ln()) / (0.5 * (lo + hi)).ln()).clamp(0.25, 60.0)
}

fn lognormal_of(values: &[f64]) -> Option<(f64, f64)> {
    let logs: Vec<f64> = values
        .iter()
        .filter(|v| **v > 0.0)
        .map(|v| v.ln())
        .collect();
    if logs.len() < 2 {
        return None;
    }
    let n = logs.len() as f64;
    let m = logs.iter().sum::<f64>() / n;
    let s = (logs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    Some((m.exp(), s.max(0.05)))
}

/// The whole demand fit over days [.., end): every SKU's own fit, in parallel (results kept in
/// SKU order, so the output does not depend on the thread count), then pooling by category.
/// `category[i]` is SKU i's category index (< `categories`); SKUs with `has_history[i]`
/// false take their category's estimates.
pub fn fit_all(
    h: &History,
    end: usize,
    category: &[usize],
    categories: usize,
    has_history: &[bool],
) -> (Vec<Option<OwnFit>>, Vec<Estimate>) {
    let wd0 = weekday0(h);
    let own: Vec<Option<OwnFit>> = h
        .skus
        .par_iter()
        .zip(has_history.par_iter())
        .map(|(s, &has)| (has && s.first_day < end).then(|| fit_own(s, wd0, end)))
        .collect();
    let estimates = pool(&own, category, categories);
    (own, estimates)
}

/// Partial pooling of own fits toward their categories (see the module's essay).
pub fn pool(own: &[Option<OwnFit>], category: &[usize], categories: usize) -> Vec<Estimate> {
    let n = own.len();
    // Own estimates on the scales that are pooled.
    let mut mult = vec![[1.0; 7]; n];
    let mut mult_se = vec![[f64::INFINITY; 7]; n];
    let mut alpha = vec![f64::NAN; n];
    let mut alpha_se = vec![f64::INFINITY; n];
    for (i, o) in own.iter().enumerate() {
        let Some(o) = o else { continue };
        let law = o.chosen();
        let mu = law.mean();
        if mu > 0.0 {
            for w in 0..7 {
                mult[i][w] = law.lambda[w] / mu;
                // m_w = λ_w / mean(λ): delta method with independent cells.
                let v: f64 = (0..7)
                    .map(|j| {
                        let d = if j == w { 1.0 - 1.0 / 7.0 } else { -1.0 / 7.0 };
                        let dse = if o.errors.lambda[j].is_finite() {
                            o.errors.lambda[j]
                        } else {
                            1e6
                        };
                        (d * dse).powi(2)
                    })
                    .sum();
                mult_se[i][w] = v.sqrt() / mu;
            }
            // α = 1/k; its standard error from the large-sample variance of the moment
            // estimator, 2(α + 1/μ)²/n, which stays finite at α = 0 (Poisson) where the
            // likelihood's curvature in ln k vanishes.
            let a = 1.0 / o.negative_binomial.k.unwrap_or(law::K_MAX);
            alpha[i] = a;
            alpha_se[i] = (2.0 * (a + 1.0 / mu).powi(2) / o.uncensored.max(1.0)).sqrt();
        }
    }
    let members = |c: usize| -> Vec<usize> { (0..n).filter(|&i| category[i] == c).collect() };
    let mut out: Vec<Option<Estimate>> = vec![None; n];
    for c in 0..categories {
        let idx = members(c);
        if idx.is_empty() {
            continue;
        }
        let sub = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let wd_pool: Vec<Option<(f64, f64, f64)>> = (0..7)
            .map(|w| {
                let x: Vec<f64> = idx.iter().map(|&i| mult[i][w]).collect();
                let s: Vec<f64> = idx.iter().map(|&i| mult_se[i][w]).collect();
                dersimonian_laird(&x, &s)
            })
            .collect();
        let a_pool = dersimonian_laird(&sub(&alpha), &sub(&alpha_se));
        // Stream ratios: the category's pooled censored-normal first.
        let all_logs: Vec<(f64, bool)> = idx
            .iter()
            .filter_map(|&i| own[i].as_ref())
            .flat_map(|o| o.stream_logs.iter().copied())
            .collect();
        let cat_ratio = censored_normal(&all_logs);
        let own_ratio: Vec<Option<(f64, f64, usize)>> = idx
            .iter()
            .map(|&i| {
                own[i].as_ref().and_then(|o| {
                    censored_normal(&o.stream_logs).map(|(m, s)| (m, s, o.stream_logs.len()))
                })
            })
            .collect();
        let ratio_pool = cat_ratio.and_then(|(_, cs)| {
            let x: Vec<f64> = own_ratio
                .iter()
                .map(|r| r.map_or(f64::NAN, |r| r.0))
                .collect();
            let s: Vec<f64> = own_ratio
                .iter()
                .map(|r| r.map_or(f64::INFINITY, |r| cs / (r.2 as f64).sqrt()))
                .collect();
            dersimonian_laird(&x, &s)
        });
        // Viral: gamma–Poisson pooling of the rate, pooled shape of the spikes.
        let spikes: Vec<&Spike> = idx
            .iter()
            .filter_map(|&i| own[i].as_ref())
            .flat_map(|o| o.spikes.iter())
            .collect();
        let viral_pool = (spikes.len() >= MIN_CATEGORY_SPIKES).then(|| {
            let (mut sn, mut st, mut st2) = (0.0, 0.0, 0.0);
            for o in idx.iter().filter_map(|&i| own[i].as_ref()) {
                sn += o.spikes.len() as f64;
                st += o.exposure;
                st2 += o.exposure * o.exposure;
            }
            let m = sn / st.max(1.0);
            // Var(n_i) = m T_i + v T_i²: the moment estimator of the rates' spread v.
            let resid: f64 = idx
                .iter()
                .filter_map(|&i| own[i].as_ref())
                .map(|o| (o.spikes.len() as f64 - m * o.exposure).powi(2) - m * o.exposure)
                .sum();
            let v = resid / st2.max(1.0);
            let prior = (v > 0.0).then(|| (m * m / v, m / v));
            let mags: Vec<f64> = spikes.iter().map(|s| s.magnitude).collect();
            let shape = lognormal_of(&mags).unwrap_or((mags[0].max(0.1), 0.5));
            let half = half_life_of(&spikes);
            (m, prior, shape, half)
        });
        let pooled_mean = {
            let means: Vec<f64> = idx
                .iter()
                .filter_map(|&i| own[i].as_ref().map(|o| o.chosen().mean()))
                .collect();
            if means.is_empty() {
                0.0
            } else {
                means.iter().sum::<f64>() / means.len() as f64
            }
        };
        for &i in &idx {
            let o = own[i].as_ref();
            let mut weekday = [1.0; 7];
            for w in 0..7 {
                weekday[w] = shrink(mult[i][w], mult_se[i][w], wd_pool[w]).0.max(0.0);
            }
            let avg = weekday.iter().sum::<f64>() / 7.0;
            if avg > 0.0 {
                for x in &mut weekday {
                    *x /= avg;
                }
            } else {
                weekday = [1.0; 7];
            }
            let (a, b) = shrink(alpha[i], alpha_se[i], a_pool);
            let category_nb = a_pool.is_some_and(|(m, _, se)| m > 2.0 * se);
            let (dispersion, dispersion_se) = match o {
                Some(o) if o.lr > LR_CRITICAL || (b < 0.5 && category_nb) => {
                    let k = (1.0 / a.max(1.0 / law::K_MAX)).clamp(law::K_MIN, law::K_MAX);
                    (Some(k), Some(k * k * (b * alpha_se[i].powi(2)).sqrt()))
                }
                None if category_nb => {
                    let k = (1.0 / a.max(1.0 / law::K_MAX)).clamp(law::K_MIN, law::K_MAX);
                    (Some(k), None)
                }
                _ => (None, None),
            };
            let mean = o.map_or(pooled_mean, |o| o.chosen().mean());
            let mean_se = o.map_or(f64::INFINITY, |o| o.errors.mean);
            let ratio = cat_ratio.map(|(cm, cs)| {
                let k = idx.iter().position(|&j| j == i).expect("member");
                let (m_own, s_own, n_own) = own_ratio[k].unwrap_or((f64::NAN, cs, 0));
                let se = if n_own > 0 {
                    cs / (n_own as f64).sqrt()
                } else {
                    f64::INFINITY
                };
                let m = match ratio_pool {
                    Some(p) => shrink(m_own, se, Some(p)).0,
                    None => cm,
                };
                let nn = n_own as f64;
                let sigma = ((nn * s_own * s_own + SIGMA_PRIOR_STREAMS * cs * cs)
                    / (nn + SIGMA_PRIOR_STREAMS))
                    .sqrt();
                let eff = nn.max(1.0);
                RatioFit {
                    median: m.exp(),
                    sigma,
                    median_se: m.exp() * sigma / eff.sqrt(),
                    sigma_se: sigma / (2.0 * eff).sqrt(),
                    streams: n_own,
                }
            });
            let viral = viral_pool.map(|(m, prior, shape, half)| {
                let (n_own, t_own) = o.map_or((0.0, 0.0), |o| (o.spikes.len() as f64, o.exposure));
                let (rate, rate_var) = match prior {
                    Some((a, b)) => ((a + n_own) / (b + t_own), (a + n_own) / (b + t_own).powi(2)),
                    None => (m, m / t_own.max(1.0)),
                };
                let (mut mag, mut half_life) = (shape, half);
                if let Some(o) = o
                    && o.spikes.len() >= OWN_SPIKE_SHAPE
                {
                    let mags: Vec<f64> = o.spikes.iter().map(|s| s.magnitude).collect();
                    mag = lognormal_of(&mags).unwrap_or(mag);
                    half_life = half_life_of(&o.spikes.iter().collect::<Vec<_>>());
                }
                ViralFit {
                    rate_per_30_days: rate * 30.0,
                    rate_se: rate_var.sqrt() * 30.0,
                    magnitude_median: mag.0,
                    magnitude_sigma: mag.1,
                    half_life_days: half_life,
                    spikes: n_own as usize,
                }
            });
            let law = Law {
                lambda: weekday.map(|m| m * mean),
                k: dispersion,
            };
            out[i] = Some(Estimate {
                has_history: o.is_some(),
                mean,
                mean_se,
                dispersion,
                dispersion_se,
                weekday,
                weekday_own: mult[i],
                weekday_se: mult_se[i],
                ratio,
                viral,
                law,
            });
        }
    }
    out.into_iter()
        .map(|e| e.expect("every SKU has a category"))
        .collect()
}

fn half_life_of(spikes: &[&Spike]) -> f64 {
    let (mut total, mut first) = (0.0, 0.0);
    for s in spikes {
        if let Some(t) = s.window_total
            && s.first > 0.0
        {
            total += t;
            first += s.first;
        }
    }
    if first > 0.0 {
        half_life_from_ratio(total / first)
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_life_inverts_the_geometric_sum() {
        for h in [0.5, 2.0, 5.0] {
            let r: f64 = 2f64.powf(-1.0 / h);
            let ratio = (0..HALF_LIFE_WINDOW).map(|a| r.powi(a as i32)).sum::<f64>();
            assert!((half_life_from_ratio(ratio) - h).abs() < 1e-6);
        }
    }

    #[test]
    fn pooling_moves_imprecise_estimates_most() {
        // Three precise SKUs at 1.0 ± spread, one imprecise at 3.0.
        let x = [0.9, 1.0, 1.1, 3.0];
        let se = [0.01, 0.01, 0.01, 10.0];
        let p = dersimonian_laird(&x, &se);
        let (precise, b1) = shrink(0.9, 0.01, p);
        let (vague, b2) = shrink(3.0, 10.0, p);
        assert!(b1 > 0.9 && (precise - 0.9).abs() < 0.01);
        assert!(b2 < 0.01 && (vague - 1.0).abs() < 0.05, "{vague}");
    }
}
