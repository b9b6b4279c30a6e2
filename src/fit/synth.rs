//! Synthetic sales histories with known parameters: what the fit's tests and benchmark feed
//! it, and a way to see what `fit` recovers before trusting it with a real export.
//!
//! Each day's demand is the SKU's law (Poisson or negative binomial, weekday multipliers) plus
//! any viral spike's extra (`M × baseline × 2^(−a/h)`, as the engine draws it) plus, on stream
//! days, Poisson(forecast × ratio) with a lognormal ratio. The shelf holds an independent
//! random stock on each ordinary day (`stock`: a uniform fraction of the day's baseline mean),
//! sales are min(demand, stock) and the day is flagged `stocked_out` when demand reached the
//! stock: exactly the censoring the fit's likelihood assumes. Draws are keyed by (seed, SKU),
//! so adding a SKU never changes another's history.

// Seven weekday cells are read side by side from several arrays; indexing by weekday says
// that more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Gamma, StandardNormal};

use super::history::{History, SkuHistory};
use crate::demand::poisson::poisson;
use crate::rng::{Stream, splitmix64, unit_f64};

/// A SKU's true parameters.
#[derive(Debug, Clone)]
pub struct SynthSku {
    /// SKU id.
    pub id: String,
    /// `[units/day]`
    pub mean: f64,
    /// `None`: Poisson.
    pub dispersion: Option<f64>,
    /// Monday..Sunday, averaging 1.
    pub weekday: [f64; 7],
    /// Stock on the shelf each ordinary day as a fraction of its baseline mean, uniform in
    /// [lo, hi); `None`: never stocked out.
    pub stock: Option<(f64, f64)>,
    /// A stream every this many days (first on day `stream_every / 2`), with this forecast.
    pub stream_every: Option<usize>,
    /// Each stream's forecast `[units]`.
    pub forecast: f64,
    /// Lognormal stream ratio (median, σ).
    pub ratio: (f64, f64),
    /// Viral spikes: (rate per 30 days, magnitude median, magnitude σ, half-life `[days]`).
    pub viral: Option<(f64, f64, f64, f64)>,
}

impl SynthSku {
    /// A SKU with Poisson demand of `mean` `[units/day]`, flat weekdays, no stockouts, streams or
    /// spikes.
    pub fn poisson(id: &str, mean: f64) -> SynthSku {
        SynthSku {
            id: id.to_string(),
            mean,
            dispersion: None,
            weekday: [1.0; 7],
            stock: None,
            stream_every: None,
            forecast: 0.0,
            ratio: (1.0, 0.0),
            viral: None,
        }
    }
}

fn day_draw(rng: &mut Stream, mean: f64, k: Option<f64>) -> u32 {
    let m = match k {
        Some(k) if mean > 0.0 => Gamma::new(k, mean / k).map_or(mean, |g| g.sample(rng)),
        _ => mean,
    };
    poisson(rng, m)
}

/// A history of `days` days from `start` (a Monday-based weekday index comes from the date).
pub fn generate(start: jiff::civil::Date, days: usize, skus: &[SynthSku], seed: u64) -> History {
    let wd0 = start.weekday().to_monday_zero_offset() as usize;
    let out = skus
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut rng = Stream::seed_from_u64(splitmix64(splitmix64(seed) ^ i as u64));
            let mut h = SkuHistory::empty(&s.id, days);
            let mut extra = vec![0.0; days];
            if let Some((rate, med, sig, half)) = s.viral {
                for d in 0..days {
                    if unit_f64(rng.next_u64()) < rate / 30.0 {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        let m = med * (sig * z).exp();
                        let base = s.mean * s.weekday[(wd0 + d) % 7];
                        for (a, x) in extra.iter_mut().skip(d).enumerate() {
                            let e = m * base * 2f64.powf(-(a as f64) / half);
                            if e < 1e-6 {
                                break;
                            }
                            *x += e;
                        }
                    }
                }
            }
            for d in 0..days {
                let base = s.mean * s.weekday[(wd0 + d) % 7];
                let mut demand = day_draw(&mut rng, base, s.dispersion);
                if extra[d] > 0.0 {
                    demand += poisson(&mut rng, extra[d]);
                }
                let is_stream = s.stream_every.is_some_and(|e| e > 0 && d % e == e / 2);
                if is_stream {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    let r = s.ratio.0 * (s.ratio.1 * z).exp();
                    demand += poisson(&mut rng, s.forecast * r);
                    h.stream[d] = true;
                    h.forecast[d] = s.forecast;
                    h.units[d] = demand;
                    continue;
                }
                match s.stock {
                    Some((lo, hi)) => {
                        let u = unit_f64(rng.next_u64());
                        let stock = ((lo + (hi - lo) * u) * base).floor() as u32;
                        h.units[d] = demand.min(stock);
                        h.stocked_out[d] = demand >= stock;
                    }
                    None => h.units[d] = demand,
                }
            }
            h
        })
        .collect();
    History::new(start, out)
}
