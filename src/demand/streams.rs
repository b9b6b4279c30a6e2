//! Live-stream sales: the plan of every (stream, featured SKU) entry, and its realisation.
//!
//! A stream's sales for one SKU are `forecast × R` in expectation, where R (actual ÷ forecast)
//! is drawn from the SKU's `stream_ratio` — heavy-tailed, so one stream sells a month of
//! baseline and another barely a day's. Within the stream, sales arrive in steps of
//! `step_minutes`; step j's units are Poisson with mean `forecast × R × w_j`, where w_j is the
//! share of a rate that halves every `half_life_hours` falling in that step (front-loaded).
//! Independent Poisson steps are the same as one Poisson total split multinomially, so the
//! stream's total is Poisson(forecast × R) given R.

use super::poisson::poisson;

use crate::calendar::SimTime;
use crate::rng::{Source, stream};
use crate::scenario::Scenario;

/// One featured SKU in one stream occurrence.
#[derive(Debug, Clone)]
pub struct StreamEntry {
    /// Index into `scenario.streams.streams`.
    pub stream: usize,
    pub sku: usize,
    /// The planner's forecast `[units]`.
    pub forecast: f64,
    pub start: SimTime,
    /// First day the policy may see this stream.
    pub announce_day: u32,
    /// Where this entry's steps start in the world's step buffer.
    pub offset: usize,
    /// Share of the stream's sales in each step (sums to 1).
    pub weights: std::sync::Arc<[f64]>,
    /// `[minutes]` per step.
    pub step_minutes: u32,
}

impl StreamEntry {
    pub fn steps(&self) -> usize {
        self.weights.len()
    }

    pub fn day(&self) -> u32 {
        self.start.day()
    }

    /// End of step `j` (when its sales are complete).
    pub fn step_end(&self, j: usize, duration: u32) -> SimTime {
        SimTime(self.start.0 + ((j as u32 + 1) * self.step_minutes).min(duration))
    }
}

#[derive(Debug, Clone, Default)]
pub struct StreamPlan {
    /// Every entry, in stream order.
    pub entries: Vec<StreamEntry>,
    /// Entry indices of each SKU, in time order.
    pub by_sku: Vec<Vec<u32>>,
    /// Total steps over all entries (size of the world's step buffer).
    pub total_steps: usize,
    /// The longest lead between a stream's announcement and its day `[days]`.
    pub max_announce_days: u32,
}

/// Share of a rate ∝ 2^(−t/h) over [0, duration) falling in each step of `step` minutes.
pub fn step_weights(duration: u32, step: u32, half_life_minutes: f64) -> Vec<f64> {
    let n = duration.div_ceil(step);
    let cdf = |t: f64| 1.0 - (-(t / half_life_minutes) * std::f64::consts::LN_2).exp();
    let total = cdf(f64::from(duration));
    (0..n)
        .map(|j| {
            let a = f64::from(j * step);
            let b = f64::from(((j + 1) * step).min(duration));
            (cdf(b) - cdf(a)) / total
        })
        .collect()
}

impl StreamPlan {
    pub fn new(scenario: &Scenario) -> Self {
        let cal = &scenario.streams;
        let mut entries = Vec::new();
        let mut by_sku = vec![Vec::new(); scenario.skus.len()];
        let mut offset = 0;
        for (si, s) in cal.streams.iter().enumerate() {
            let weights: std::sync::Arc<[f64]> =
                step_weights(s.duration, cal.step_minutes, cal.half_life_hours * 60.0).into();
            for &(sku, forecast) in &s.featured {
                by_sku[sku].push(entries.len() as u32);
                entries.push(StreamEntry {
                    stream: si,
                    sku,
                    forecast,
                    start: s.start,
                    announce_day: s.announce_day,
                    offset,
                    weights: weights.clone(),
                    step_minutes: cal.step_minutes,
                });
                offset += weights.len();
            }
        }
        StreamPlan {
            max_announce_days: entries
                .iter()
                .map(|e| e.day().saturating_sub(e.announce_day))
                .max()
                .unwrap_or(0),
            entries,
            by_sku,
            total_steps: offset,
        }
    }

    /// Draws every entry's in-stream sales `[units per step]` into `out` (length `total_steps`)
    /// and returns nothing else: the ratio is not kept, because nobody may see it.
    pub fn realise(&self, scenario: &Scenario, seed: u64, rep: u64, out: &mut [u32]) {
        for (e, entry) in self.entries.iter().enumerate() {
            let entry_key = scenario.rng_keys.entry(e);
            let mut rng = stream(seed, rep, Source::Stream { entry: entry_key });
            let ratio = scenario.skus[entry.sku]
                .demand
                .stream_ratio
                .sample(&mut rng);
            // A lognormal ratio can be astronomically large; no stream sells a billion units.
            let mean = (entry.forecast * ratio).min(1.0e9);
            let steps = &mut out[entry.offset..entry.offset + entry.steps()];
            for (x, w) in steps.iter_mut().zip(entry.weights.iter()) {
                *x = poisson(&mut rng, mean * w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_front_loaded_and_sum_to_one() {
        let w = step_weights(180, 15, 60.0);
        assert_eq!(w.len(), 12);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(w.windows(2).all(|p| p[0] > p[1]));
        // Half-life 1 h over 3 h: the first hour carries (1 − 1/2) / (1 − 1/8) = 4/7.
        let first_hour: f64 = w[..4].iter().sum();
        assert!((first_hour - 4.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn a_short_last_step_gets_its_share() {
        let w = step_weights(100, 15, 30.0);
        assert_eq!(w.len(), 7);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
