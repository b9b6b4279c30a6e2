//! Demand: what buyers want, independent of what the seller has.
//!
//! Every part of demand is drawn from its own keyed stream (`rng::Source`) into the
//! replication's [`World`](crate::engine::World) before any policy acts, so it is identical
//! for every candidate, and switching one part on or off (signals, say) leaves the others'
//! numbers unchanged:
//!
//! - **baseline** ([`table`]): daily Poisson or negative-binomial sales with weekday and
//!   seasonal multipliers, sampled by table inversion (one table per distinct daily mean);
//! - **viral spikes** ([`viral`]): a Poisson process of spikes whose extra demand starts at a
//!   heavy-tailed multiple of the baseline and halves every `half_life_days`; a persistent
//!   spike also steps the baseline up for good;
//! - **leading signals** ([`viral`]): daily CTR and conversion indices with noise, rising
//!   before some spikes (recall) and sometimes for nothing (false alarms);
//! - **live streams** ([`streams`]): for each featured SKU, a random actual ÷ forecast ratio
//!   and sales in sub-day steps that follow a front-loaded (exponentially decaying) curve.
//!
//! Draws whose Poisson mean changes every call (stream steps, viral extras) use [`poisson`].

pub mod poisson;
pub mod streams;
pub mod table;
pub mod viral;

use rand::Rng;

use crate::rng::{Source, stream};
use crate::scenario::{DailyDistribution, Scenario};
pub use streams::{StreamEntry, StreamPlan};
use table::CountTable;

/// Samplers prepared once per run and shared read-only by all threads.
#[derive(Debug, Clone)]
pub struct DemandModel {
    skus: Vec<SkuSampler>,
    pub streams: StreamPlan,
}

#[derive(Debug, Clone)]
struct SkuSampler {
    /// One table per distinct daily baseline mean.
    tables: Vec<CountTable>,
    /// Table of each day, when the baseline mean varies by day.
    day_table: Option<Vec<u16>>,
    /// Baseline mean of each day `[units/day]` (for spike sizes and persistent steps).
    day_mean: Vec<f64>,
    /// What keys its demand stream (`rng::Keys`).
    key: u32,
}

impl DemandModel {
    pub fn new(scenario: &Scenario) -> Self {
        let cal = &scenario.calendar;
        let skus = scenario
            .skus
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let day_mean: Vec<f64> = (0..cal.horizon_days)
                    .map(|d| s.demand.baseline_mean(cal, d))
                    .collect();
                let make = |m: f64| match s.demand.distribution {
                    DailyDistribution::Poisson => CountTable::poisson(m),
                    DailyDistribution::NegativeBinomial { dispersion } => {
                        CountTable::negative_binomial(m, dispersion)
                    }
                };
                let mut distinct: Vec<u64> = Vec::new();
                let index: Vec<u16> = day_mean
                    .iter()
                    .map(|m| {
                        let bits = m.to_bits();
                        let i = distinct.iter().position(|&b| b == bits).unwrap_or_else(|| {
                            distinct.push(bits);
                            distinct.len() - 1
                        });
                        // Weekday × season combinations are few; validation bounds seasons.
                        u16::try_from(i).expect("fewer than 65536 distinct daily means")
                    })
                    .collect();
                let tables = distinct
                    .iter()
                    .map(|&b| make(f64::from_bits(b)))
                    .collect::<Vec<_>>();
                SkuSampler {
                    day_table: (tables.len() > 1).then_some(index),
                    tables,
                    day_mean,
                    key: scenario.rng_keys.sku(i),
                }
            })
            .collect();
        DemandModel {
            skus,
            streams: StreamPlan::new(scenario),
        }
    }

    /// Baseline mean `[units/day]` of `sku` on `day`.
    pub fn baseline_mean(&self, sku: usize, day: u32) -> f64 {
        self.skus[sku].day_mean[day as usize]
    }

    /// Draws SKU `sku`'s baseline daily demand `[units]` for every day of the horizon into `out`.
    pub fn realise(&self, seed: u64, rep: u64, sku: usize, out: &mut [u32]) {
        let s = &self.skus[sku];
        let mut rng = stream(seed, rep, Source::Demand { sku: s.key });
        match &s.day_table {
            None => {
                let table = &s.tables[0];
                for d in out.iter_mut() {
                    *d = table.sample(rng.next_u64());
                }
            }
            Some(index) => {
                for (d, &t) in out.iter_mut().zip(index) {
                    *d = s.tables[t as usize].sample(rng.next_u64());
                }
            }
        }
    }
}
