//! Demand: what buyers want, independent of what the seller has.
//!
//! Demand is drawn from keyed streams (`rng::Source::Demand`) into the replication's
//! [`World`](crate::engine::World) before any policy acts, so it is identical for every
//! candidate. Daily baseline demand is Poisson with the SKU's mean, sampled by table inversion
//! ([`poisson`]).

pub mod poisson;

use rand::Rng;

use crate::rng::{Source, stream};
use crate::scenario::{DailyDistribution, Scenario};
use poisson::PoissonTable;

/// Samplers prepared once per run and shared read-only by all threads.
#[derive(Debug, Clone)]
pub struct DemandModel {
    daily: Vec<PoissonTable>,
}

impl DemandModel {
    pub fn new(scenario: &Scenario) -> Self {
        DemandModel {
            daily: scenario
                .skus
                .iter()
                .map(|s| match s.demand.distribution {
                    DailyDistribution::Poisson => PoissonTable::new(s.demand.mean_per_day),
                })
                .collect(),
        }
    }

    /// Draws SKU `sku`'s daily demand [units] for every day of the horizon into `out`.
    pub fn realise(&self, seed: u64, rep: u64, sku: usize, out: &mut [u32]) {
        let table = &self.daily[sku];
        let mut rng = stream(seed, rep, Source::Demand { sku: sku as u32 });
        for d in out.iter_mut() {
            *d = table.sample(rng.next_u64());
        }
    }
}
